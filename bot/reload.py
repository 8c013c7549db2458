"""The served catalogue's life in the bot: built if stale at start-up (``load_engine``), and
rebuilt from ``data/raw`` while the old engine keeps serving, then swapped (``reload_engine``).

The ETL runs in a child process: the bot never imports scikit-learn nor holds the build's
intermediate tables, so its memory stays that of one engine (plus the next, briefly), and the
build's CPU work never holds the bot's GIL. The result is validated and turned into an engine
before anything is written, so a failed reload leaves both the served engine and
``data/processed/CURRENT`` as they were.

A rollback (``rollback_engine``) serves a kept earlier version instead, under the same lock and
with the same guarantee: the version is loaded before the live pointer or the holder change.
An upload (``upload_and_reload``) is a reload whose failure also puts the previous file back.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.settings import Settings
from etl.build import BuildResult, build, is_stale, run_etl, write_version
from etl.errors import EtlError
from etl.upload import AppliedUpload, apply_upload, undo_upload
from etl.versions import rollback_target, set_live, version_name
from etl.works import SERVED_WORK_COLUMNS
from recommender.artifact import current_folder
from recommender.engine import Engine, EngineHolder

logger = logging.getLogger(__name__)

# A rebuild that sets aside more than this share (and number) of a platform's rows, or that
# keeps less than this share of what a platform or the whole catalogue served, is more likely
# a broken file than a real change.
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


@dataclass(frozen=True)
class RollbackSummary:
    """What a successful rollback changed: the version served before and after it."""

    from_version: str
    to_version: str
    created: datetime  # when the version now served was built
    titles_before: int
    titles_after: int


def load_engine(settings: Settings, err: TextIO) -> Engine:
    """The served engine, building the catalogue first when it is missing or stale.

    When a rebuild fails but an earlier catalogue exists, that one keeps serving.
    """
    try:
        if is_stale(settings.raw_dir, settings.processed_dir):
            print("building the catalogue (inputs or code changed, or never built)…", file=err)
            run_etl(settings.raw_dir, settings.processed_dir)
    except EtlError as error:
        if current_folder(settings.processed_dir) is None:
            raise
        print(f"etl failed: {error}; serving the previous catalogue", file=err)
    return Engine.load(settings.processed_dir).prepare()


def validate(result: BuildResult, served: Engine) -> None:
    """Raise ``ReloadError`` when a build looks broken rather than changed."""
    served_rows = served.catalogue.records["platform"].value_counts()
    for platform, rows in result.report.rows.items():
        name = result.registry.get(platform).display_name
        if rows["out"] == 0:
            raise ReloadError("empty_platform", name)
        if rows["quarantined"] > max(MAX_QUARANTINED_SHARE * rows["in"], MAX_QUARANTINED_ROWS):
            raise ReloadError("quarantined", f"{name}: {rows['quarantined']} of {rows['in']}")
        before = int(served_rows.get(platform, 0))
        if rows["out"] < MIN_KEPT_SHARE * before:
            raise ReloadError("platform_shrunk", f"{name}: {before:,} → {rows['out']:,}")
    if result.report.titles < MIN_KEPT_SHARE * len(served.catalogue):
        raise ReloadError("shrunk", str(result.report.titles))


def build_for_serving(raw_dir: Path) -> BuildResult:
    """Run the ETL, keeping only what is served (the model's input text stays behind)."""
    result = build(raw_dir)
    result.works = result.works[SERVED_WORK_COLUMNS]
    return result


def build_in_child(raw_dir: Path) -> BuildResult:
    """Run the ETL in a fresh child process and bring its result back."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(build_for_serving, raw_dir).result()


def reload_engine(holder: EngineHolder, raw_dir: Path, processed_dir: Path) -> ReloadSummary:
    """Rebuild from ``raw_dir``, validate, publish to ``processed_dir`` and swap ``holder``.

    Blocking; run it in a worker thread. Raises ``ReloadBusy`` when another reload holds the
    holder's lock, and ``ReloadError`` when the new catalogue is not served.
    """
    if not holder.reload_lock.acquire(blocking=False):
        raise ReloadBusy
    try:
        started = time.perf_counter()
        served = holder.engine
        try:
            result = build_in_child(raw_dir)
            validate(result, served)
            result.report.version = version_name(processed_dir, result.report.inputs_hash)
            engine = result.engine().prepare()
            write_version(result, processed_dir)
        except ReloadError:
            raise
        except EtlError as error:
            raise ReloadError("etl", str(error)) from error
        except (BrokenProcessPool, OSError) as error:
            logger.exception("the rebuild did not run")
            raise ReloadError("broken", f"{type(error).__name__}: {error}"[:200]) from error
        except Exception as error:
            # Whatever breaks, the served engine stays; the admin hears why, the log has more.
            logger.exception("the rebuilt catalogue is unusable")
            raise ReloadError("broken", f"{type(error).__name__}: {error}"[:200]) from error
        del result  # the build's full tables are no longer needed; the engine keeps its own
        before = set(served.catalogue.records["id"])
        after = set(engine.catalogue.records["id"])
        holder.swap(engine)
        summary = ReloadSummary(
            titles_before=len(before),
            titles_after=len(after),
            added=len(after - before),
            removed=len(before - after),
            coverage=engine.catalogue.records["score"].notna().mean(),
            seconds=round(time.perf_counter() - started, 1),
            version=engine.version,
        )
        logger.info("catalogue reloaded: %s", summary)
        del served, engine, before, after
        release_freed_memory()
        return summary
    finally:
        holder.reload_lock.release()


def rollback_engine(
    holder: EngineHolder, processed_dir: Path, to: str | None = None
) -> RollbackSummary:
    """Serve the kept version built before the served one (or version ``to``) and make it live.

    Blocking; run it in a worker thread. Raises ``ReloadBusy`` when a reload or rollback holds
    the holder's lock, ``VersionError`` when there is no such version, and ``ReloadError``
    (code ``broken``) when it cannot be loaded; then nothing has changed.
    """
    if not holder.reload_lock.acquire(blocking=False):
        raise ReloadBusy
    try:
        served = holder.engine
        target = rollback_target(processed_dir, to, current=served.version)
        try:
            engine = Engine.load(processed_dir, target.name).prepare()
            set_live(processed_dir, target.name)
        except Exception as error:
            logger.exception("version %s cannot be served", target.name)
            raise ReloadError("broken", f"{type(error).__name__}: {error}"[:200]) from error
        holder.swap(engine)
        summary = RollbackSummary(
            from_version=served.version,
            to_version=engine.version,
            created=target.created,
            titles_before=len(served.catalogue),
            titles_after=len(engine.catalogue),
        )
        logger.info("catalogue rolled back: %s", summary)
        del served, engine
        release_freed_memory()
        return summary
    finally:
        holder.reload_lock.release()


def release_freed_memory() -> None:
    """After an engine is loaded or replaced: free the old one, hand its memory back to the
    system, and freeze what is left out of the cyclic collector's sight.

    An engine is millions of Python objects that live as long as it is served. Each full
    collection walked all of them, about 100 ms with the event loop stopped, several times a
    minute under load; frozen, they are skipped (reference counting still frees them).
    Unfreezing first lets the collection free an old engine's reference cycles. Freed
    objects leave glibc's heap fragmented, so without the trim a process keeps the peak of
    two engines (about 330 MB) instead of going back to one (about 250 MB).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: the allocator keeps what it keeps
        return
    libc.malloc_trim(0)


def upload_and_reload(
    holder: EngineHolder, raw_dir: Path, processed_dir: Path, state_dir: Path, token: str
) -> tuple[AppliedUpload, ReloadSummary]:
    """Put the staged upload ``token`` in ``raw_dir`` and reload; if the reload does not
    serve it, the previous file (and registry) go back, so a bad upload changes nothing.

    Blocking; run it in a worker thread. Raises what ``apply_upload`` and ``reload_engine``
    raise.
    """
    if holder.reload_lock.locked():
        raise ReloadBusy
    applied = apply_upload(raw_dir, state_dir, token)
    try:
        return applied, reload_engine(holder, raw_dir, processed_dir)
    except BaseException:
        undo_upload(raw_dir, applied)
        logger.warning("upload of %s not served; the previous file is back", applied.file)
        raise
