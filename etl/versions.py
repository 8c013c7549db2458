"""The kept catalogue versions under ``data/processed/versions/``: naming, the live pointer,
listing, pruning and rollback.

A version is named ``<UTC build time>-<first 12 hex digits of its inputs hash>``, so names sort
by time. ``processed/CURRENT`` holds the name of the live one and is only ever replaced whole,
so a reader sees the old name or the new one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from etl.permissions import private_file
from recommender.artifact import (
    CURRENT_FILE,
    MANIFEST_FILE,
    REPORT_FILE,
    VERSIONS_DIR,
    current_folder,
    version_folder,
)

KEEP_VERSIONS = 5
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"(\d{8}T\d{6}Z)-[0-9a-f]{12}")


class VersionError(Exception):
    """A version change that cannot be made; the message tells the operator why."""


@dataclass(frozen=True)
class VersionInfo:
    """One kept version, as ``streambot versions`` lists it."""

    name: str
    created: datetime
    size: int  # bytes on disk
    titles: int
    works: int
    quarantined: int
    rows: dict[str, dict[str, int]]  # per platform: rows in, out and quarantined
    seconds: float  # how long the build took
    live: bool


def created_at(name: str) -> datetime:
    """When the version called ``name`` was built.

    >>> created_at("20261127T224501Z-0123456789ab").isoformat()
    '2026-11-27T22:45:01+00:00'
    """
    return datetime.strptime(name.split("-")[0], _STAMP).replace(tzinfo=UTC)


def _names(processed_dir: Path) -> list[str]:
    """The names of the version folders, newest first (half-written ones start with a dot)."""
    folder = processed_dir / VERSIONS_DIR
    if not folder.is_dir():
        return []
    names = (path.name for path in folder.iterdir() if path.is_dir())
    return sorted((name for name in names if _NAME.fullmatch(name)), reverse=True)


def live_name(processed_dir: Path) -> str | None:
    """The name of the live version, if there is one."""
    folder = current_folder(processed_dir)
    return None if folder is None else folder.name


def find_version(processed_dir: Path, inputs_hash: str) -> str | None:
    """The newest kept version built from ``inputs_hash`` (the same inputs and code)."""
    named = (name for name in _names(processed_dir) if name.endswith(f"-{inputs_hash[:12]}"))
    for name in named:
        if _manifest(processed_dir, name).get("inputs_hash") == inputs_hash:
            return name
    return None


def version_name(processed_dir: Path, inputs_hash: str) -> str:
    """The name a build of ``inputs_hash`` gets: the kept version built from the same inputs,
    or a new name stamped now.

    A build within the same second as the newest kept version is stamped a second after it, so
    names keep the order the versions were built in.
    """
    existing = find_version(processed_dir, inputs_hash)
    if existing is not None:
        return existing
    stamp = datetime.now(UTC).replace(microsecond=0)
    names = _names(processed_dir)
    if names:
        stamp = max(stamp, created_at(names[0]) + timedelta(seconds=1))
    return f"{stamp:{_STAMP}}-{inputs_hash[:12]}"


def set_live(processed_dir: Path, name: str) -> None:
    """Point ``CURRENT`` at version ``name``, in one atomic replace."""
    # Named per process and thread, so two writers never share the temporary file.
    temporary = processed_dir / f".{CURRENT_FILE}.{os.getpid()}.{threading.get_ident()}"
    try:
        private_file(temporary).write_text(name + "\n")
        os.replace(temporary, processed_dir / CURRENT_FILE)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def prune(processed_dir: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Drop all but the ``keep`` newest versions, never the live one; the names dropped.

    Version folders of the older layout (directly under ``processed_dir``) go too: nothing
    serves them any more.
    """
    live = live_name(processed_dir)
    dropped = [name for name in _names(processed_dir)[keep:] if name != live]
    for name in dropped:
        shutil.rmtree(version_folder(processed_dir, name), ignore_errors=True)
    for folder in processed_dir.iterdir():
        if folder.is_dir() and (folder / MANIFEST_FILE).is_file():
            shutil.rmtree(folder, ignore_errors=True)
    return dropped


def list_versions(processed_dir: Path) -> list[VersionInfo]:
    """The complete kept versions, newest first."""
    live = live_name(processed_dir)
    versions = (_info(processed_dir, name, name == live) for name in _names(processed_dir))
    return [version for version in versions if version is not None]


def _info(processed_dir: Path, name: str, live: bool) -> VersionInfo | None:
    """What version ``name`` holds; ``None`` when its manifest or report cannot be read."""
    folder = version_folder(processed_dir, name)
    manifest = _manifest(processed_dir, name)
    try:
        report = json.loads((folder / REPORT_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not manifest:
        return None
    return VersionInfo(
        name=name,
        created=created_at(name),
        size=sum(path.stat().st_size for path in folder.iterdir() if path.is_file()),
        titles=manifest["titles"],
        works=manifest["works"],
        quarantined=len(report["quarantined"]),
        rows=report["rows"],
        seconds=report["seconds"],
        live=live,
    )


def rollback_target(
    processed_dir: Path, to: str | None = None, current: str | None = None
) -> VersionInfo:
    """The version a rollback from ``current`` (the live one by default) goes to: ``to``, or
    the newest one built before ``current``. Raises ``VersionError`` when there is none."""
    current = current or live_name(processed_dir)
    if current is None:
        raise VersionError(f"no live version in {processed_dir}; run 'streambot etl' first")
    versions = list_versions(processed_dir)
    if to is None:
        earlier = [version for version in versions if version.name < current]
        if not earlier:
            raise VersionError(f"no earlier version to roll back to ({current} is the oldest)")
        return earlier[0]
    if to == current:
        raise VersionError(f"{to} is already live")
    for version in versions:
        if version.name == to:
            return version
    raise VersionError(f"no version named {to!r}; 'streambot versions' lists them")


def rollback(processed_dir: Path, to: str | None = None) -> VersionInfo:
    """Make the version before the live one (or ``to``) live; the version now live."""
    target = rollback_target(processed_dir, to)
    set_live(processed_dir, target.name)
    return replace(target, live=True)


def _manifest(processed_dir: Path, name: str) -> dict:
    """The manifest of version ``name``; empty when it is missing or unreadable."""
    try:
        return json.loads((version_folder(processed_dir, name) / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return {}
