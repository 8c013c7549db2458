"""Rebuild the catalogue from ``data/raw`` while the old engine keeps serving, then swap.

The build runs in memory and is validated before anything is written, so a failed reload
leaves both the served engine and ``data/processed/CURRENT`` as they were.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from etl.build import BuildResult, build, write_version
from etl.errors import EtlError
from recommender.engine import Engine, EngineHolder

logger = logging.getLogger(__name__)

# A rebuild that sets aside more than this share (and number) of a platform's rows, or that
# loses more than half of the served titles, is more likely a broken file than a real change.
MAX_QUARANTINED_SHARE = 0.05
MAX_QUARANTINED_ROWS = 20
MIN_KEPT_SHARE = 0.5


class ReloadBusy(Exception):
    """Another reload is running; this one did not start."""


class ReloadError(Exception):
    """A reload that failed; ``code`` names the kind of failure and ``detail`` says more."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ReloadSummary:
    """What a successful reload changed."""

    titles_before: int
    titles_after: int
    added: int
    removed: int
    coverage: float
    seconds: float
    version: str


def validate(result: BuildResult, served: Engine) -> None:
    """Raise ``ReloadError`` when a build looks broken rather than changed."""
    for platform, rows in result.report.rows.items():
        if rows["out"] == 0:
            raise ReloadError("empty_platform", result.registry.get(platform).display_name)
        if rows["quarantined"] > max(MAX_QUARANTINED_SHARE * rows["in"], MAX_QUARANTINED_ROWS):
            raise ReloadError(
                "quarantined",
                f"{result.registry.get(platform).display_name}: "
                f"{rows['quarantined']} of {rows['in']}",
            )
    if result.report.titles < MIN_KEPT_SHARE * len(served.catalogue):
        raise ReloadError("shrunk", str(result.report.titles))


def reload_engine(holder: EngineHolder, raw_dir: Path, processed_dir: Path) -> ReloadSummary:
    """Rebuild from ``raw_dir``, validate, publish to ``processed_dir`` and swap ``holder``.

    Blocking; run it in a worker thread. Raises ``ReloadBusy`` when another reload holds the
    holder's lock, and ``ReloadError`` when the new catalogue is not served.
    """
    if not holder.swap_lock.acquire(blocking=False):
        raise ReloadBusy
    try:
        started = time.perf_counter()
        served = holder.engine
        try:
            result = build(raw_dir)
            validate(result, served)
            write_version(result, processed_dir)
            engine = Engine.load(processed_dir)
        except ReloadError:
            raise
        except EtlError as error:
            raise ReloadError("etl", str(error)) from error
        except Exception as error:
            # Whatever breaks, the served engine stays; the admin hears why, the log has more.
            logger.exception("the rebuilt catalogue did not load")
            raise ReloadError("broken", f"{type(error).__name__}: {error}"[:200]) from error
        before = set(served.catalogue.records["id"])
        after = set(engine.catalogue.records["id"])
        holder.swap(engine)
        summary = ReloadSummary(
            titles_before=len(before),
            titles_after=len(after),
            added=len(after - before),
            removed=len(before - after),
            coverage=result.report.coverage,
            seconds=round(time.perf_counter() - started, 1),
            version=engine.version,
        )
        logger.info("catalogue reloaded: %s", summary)
        return summary
    finally:
        holder.swap_lock.release()
