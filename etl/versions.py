"""The kept catalogue versions under ``data/processed/versions/``: naming, the live pointer,
listing, pruning and rollback; and the lock every catalogue change holds.

A version is named ``<UTC build time>-<first 12 hex digits of its inputs hash>``, so names sort
by time. ``processed/CURRENT`` holds the name of the live one and is only ever replaced whole,
so a reader sees the old name or the new one: replacing it is the one step that publishes a
change.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from etl.permissions import make_private, private_folder
from recommender.artifact import (
    CURRENT_FILE,
    MANIFEST_FILE,
    REPORT_FILE,
    VERSIONS_DIR,
    current_folder,
    manifest_of,
    version_folder,
)

KEEP_VERSIONS = 5
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"(\d{8}T\d{6}Z)-[0-9a-f]{12}")
STAGING_PREFIX = ".staging-"
# What ``write_atomic`` leaves if it dies between creating its temporary file and the rename:
# ``.<name>.`` and the 8 random characters of ``tempfile``.
TEMPORARY = re.compile(r"\A\..+\.[a-z0-9_]{8}")  # anchored: tried from the start only
# The test hook of ``crash_point``.
STOP_AT_VARIABLE = "STREAMBOT_TEST_STOP_AT"


class VersionError(Exception):
    """A version change that cannot be made; the message tells the operator why."""


class ChangeBusy(VersionError):
    """Another catalogue change (a rebuild, upload or rollback) holds the lock."""


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
    write_atomic(processed_dir / CURRENT_FILE, f"{name}\n".encode())


@contextlib.contextmanager
def folder_atomic(target: Path) -> Iterator[Path]:
    """A staging folder beside ``target`` to fill; when the block ends, made private and
    renamed into place whole (over a leftover without a manifest), or deleted if it raised."""
    private_folder(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.parent))
    try:
        yield staging
        make_private(staging)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place.

    A failure (a full disk, say) leaves ``path`` as it was and no temporary file.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:  # closing flushes, so it can fail too
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def link_or_copy(source: Path, target: Path) -> None:
    """Give the new file ``target`` the content of ``source``: a hard link, which takes no room
    and no time, or a copy where the file system has no links (or they would cross one)."""
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        write_atomic(target, source.read_bytes())


def disk_full(error: BaseException) -> bool:
    """Whether ``error`` says the disk (or the user's quota) is full."""
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def remove_temporary(folder: Path) -> list[str]:
    """Delete what ``write_atomic`` left in ``folder`` when it was killed; the names deleted."""
    if not folder.is_dir():
        return []
    left = [path for path in folder.iterdir() if path.is_file() and TEMPORARY.fullmatch(path.name)]
    for path in left:
        path.unlink(missing_ok=True)
    return [path.name for path in left]


def remove_leftovers(processed_dir: Path) -> list[str]:
    """Delete the half-written versions and pointer files of changes that were killed; the
    names deleted. Call it holding ``change_lock``: another change's are not leftovers."""
    left = remove_temporary(processed_dir)
    for path in (processed_dir / VERSIONS_DIR).glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)
        left.append(path.name)
    return left


@contextlib.contextmanager
def change_lock(processed_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold the lock of catalogue changes to ``processed_dir``, across processes.

    Raises ``ChangeBusy`` when another change holds it, unless ``wait``. The kernel lets go of
    it when its holder dies, even by SIGKILL, so a killed change never blocks the next.
    """
    private_folder(processed_dir)
    folder = os.open(processed_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(folder, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise ChangeBusy(
                "another catalogue change (a rebuild, upload or rollback) is running"
            ) from None
        yield
    finally:
        os.close(folder)


def crash_point(stage: str) -> None:
    """A boundary between two steps of a catalogue change. Test-only: the crash-safety test
    sets ``STREAMBOT_TEST_STOP_AT`` to a stage, and this process then says so on stderr and
    stops there until the test kills it."""
    if os.environ.get(STOP_AT_VARIABLE) == stage:
        print(f"stopped at {stage} (pid {os.getpid()})", file=sys.stderr, flush=True)
        while True:
            signal.pause()


def live_version(processed_dir: Path) -> VersionInfo | None:
    """The live version, if there is one and its manifest and report can be read."""
    name = live_name(processed_dir)
    return None if name is None else _info(processed_dir, name, live=True)


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
    """Make the version before the live one (or ``to``) live; the version now live.

    Raises ``ChangeBusy`` while another change runs.
    """
    with change_lock(processed_dir):
        remove_leftovers(processed_dir)
        target = rollback_target(processed_dir, to)
        crash_point("chosen")
        set_live(processed_dir, target.name)
        crash_point("published")
    return replace(target, live=True)


def _manifest(processed_dir: Path, name: str) -> dict:
    """The manifest of version ``name``; empty when it is missing, unreadable or of another
    format, which nothing can serve, list, roll back to or build again into."""
    return manifest_of(version_folder(processed_dir, name)) or {}
