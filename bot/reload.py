"""The served catalogue's life in the bot: built if stale at start-up (``load_engine``), and
rebuilt from ``data/raw`` while the old engine keeps serving, then swapped (``reload_engine``).

The ETL runs in a child process: the bot never imports scikit-learn nor holds the build's
intermediate tables, so its memory stays that of one engine (plus the next, briefly), and the
build's CPU work never holds the bot's GIL. The child dies with the bot. The result is
validated and turned into an engine before anything is published, so a failed reload leaves
both the served engine and ``data/processed/CURRENT`` as they were, and so does a bot killed
part way (see ``etl.build``).

A rollback (``rollback_engine``) serves a kept earlier version instead, under the same locks
and with the same guarantee: the version is loaded before the live pointer or the holder
change. An upload (``upload_and_reload``) is a reload with the uploaded file in place of the
one it replaces, which reaches ``data/raw`` only once its version is live.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from etl.build import (
    SHRINK_CODES,
    BuildRefused,
    BuildResult,
    build,
    code_hash,
    input_paths,
    is_stale,
    publish_upload,
    rebuild,
    recover,
)
from etl.errors import EtlError
from etl.upload import AppliedUpload, UploadError, remove_expired_uploads
from etl.versions import (
    ChangeBusy,
    VersionError,
    VersionInfo,
    change_lock,
    crash_point,
    disk_full,
    live_name,
    remove_leftovers,
    rollback_target,
    set_live,
)
from etl.works import SERVED_WORK_COLUMNS
from recommender.engine import Engine, EngineHolder

if TYPE_CHECKING:
    # Only named in signatures: the ETL's child process imports this module, and never needs
    # the settings nor SQLAlchemy, which they import.
    from bot.settings import Settings
    from etl.shared import SharedCatalogue

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # prctl(2)


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


def shared_catalogue(settings: Settings) -> SharedCatalogue | None:
    """The catalogue versions every instance shares, when the chat database is PostgreSQL;
    ``None`` with SQLite, where the data folder alone holds them."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.settings import parse_database_url
    from bot.storage import cannot_open
    from etl.shared import SharedCatalogue

    if not settings.shares_versions:
        return None
    url = parse_database_url(settings.database_url)
    try:
        return SharedCatalogue(url)
    except (OSError, SQLAlchemyError) as error:
        raise cannot_open(url, error) from error


def load_engine(settings: Settings, err: TextIO, shared: SharedCatalogue | None = None) -> Engine:
    """The served engine, building the catalogue first when it is missing or stale.

    First the catalogue change a killed process left is finished or undone, and its leftovers
    go. A build is validated like a reload; when it fails, or is refused, and an earlier
    version exists, that one keeps serving and ``err`` says why.

    With ``shared`` versions, the live one is served, fetched into the data folder if need
    be, and never rebuilt from the raw files this instance happens to hold; only the first
    instance of all builds, from its raw files, and publishes what it built.
    """
    if shared is not None:
        return _load_shared(settings, err, shared)
    raw_dir, processed_dir = settings.raw_dir, settings.processed_dir
    live = live_name(processed_dir)
    try:
        # With nothing to serve, wait for another process's change; else serve what is live.
        with change_lock(processed_dir, wait=live is None):
            recover(raw_dir, processed_dir)
            remove_expired_uploads(settings.state_dir)
            if is_stale(raw_dir, processed_dir):
                print("building the catalogue (inputs or code changed, or never built)…", file=err)
                rebuild(raw_dir, processed_dir, _nothing)
    except ChangeBusy:
        print(f"another process is changing the catalogue; serving {live}", file=err)
    except Exception as error:
        live = live_name(processed_dir)
        if live is None:
            raise
        if not isinstance(error, EtlError | BuildRefused) and not disk_full(error):
            logger.warning("the catalogue build failed unexpectedly", exc_info=True)
        print(f"{describe_failure(error)}; serving the previous catalogue {live}", file=err)
    return ready(Engine.load(processed_dir))


def _load_shared(settings: Settings, err: TextIO, shared: SharedCatalogue) -> Engine:
    raw_dir, processed_dir = settings.raw_dir, settings.processed_dir
    live = shared.live()
    if live is None or not built_here(shared, live):
        with shared.change_lock(wait=True, on_wait=lambda: print(_QUEUED, file=err)):
            live = shared.live()  # another instance may have published while this one waited
            if live is None:
                print("no catalogue in the database yet: building the first", file=err)
                live = _build_and_publish(raw_dir, processed_dir, shared)
            elif not built_here(shared, live):
                # A new release: its first instance rebuilds the inputs of record with its
                # code; the old release's instances keep what they serve until replaced.
                print(f"{live} was built by other code: rebuilding it with this", file=err)
                try:
                    shared.fetch_inputs(raw_dir)
                    live = _build_and_publish(raw_dir, processed_dir, shared)
                except Exception as error:
                    logger.warning("the rebuild for this code failed", exc_info=True)
                    print(f"{describe_failure(error)}; serving {live} as built", file=err)
    return follow_live(raw_dir, processed_dir, shared, live)


def _build_and_publish(raw_dir: Path, processed_dir: Path, shared: SharedCatalogue) -> str:
    """Build this data folder's raw files unless its live version holds them, and publish it
    as every instance's live version; its name. Hold the shared lock."""
    with change_lock(processed_dir, wait=True):
        recover(raw_dir, processed_dir)
        if is_stale(raw_dir, processed_dir):
            rebuild(raw_dir, processed_dir, _nothing)
    live = live_name(processed_dir)
    shared.publish(processed_dir, live, raw_dir, input_paths(raw_dir))
    return live


def built_here(shared: SharedCatalogue, name: str) -> bool:
    """Whether this code built published version ``name``: a version another release built
    may not load, or may answer differently, here."""
    manifest = shared.manifest(name)
    return manifest is not None and manifest.get("code_hash") == code_hash()


def to_follow(shared: SharedCatalogue, served: str) -> str | None:
    """The shared live version, when this instance should serve it in place of ``served``:
    it is another one, and this code built it."""
    live = shared.live()
    if live is None or live == served:
        return None
    if not built_here(shared, live):
        _left_alone(live)
        return None
    return live


@functools.cache
def _left_alone(name: str) -> None:
    logger.warning("not serving catalogue %s: another release's code built it", name)


def follow_live(raw_dir: Path, processed_dir: Path, shared: SharedCatalogue, live: str) -> Engine:
    """The engine of the shared live version ``live``: fetched (and checked) unless this data
    folder has it, loaded, and then made this folder's live version too. The inputs of record
    are written into ``raw_dir``, so that an upload checked here is checked against them."""
    with change_lock(processed_dir, wait=True):
        remove_leftovers(processed_dir)
        shared.fetch(processed_dir, live)
        shared.fetch_inputs(raw_dir)
    engine = ready(Engine.load(processed_dir, live))
    with change_lock(processed_dir, wait=True):
        set_live(processed_dir, live)
    return engine


_QUEUED = "another instance is changing the catalogue; waiting for it"


def _nothing(result: BuildResult) -> None:
    """At start-up nothing serves yet: the published version is loaded afterwards."""


def describe_failure(error: Exception) -> str:
    """One line on why a catalogue build was not published, for the log and the terminal."""
    if isinstance(error, BuildRefused):
        meant = " (if that is meant, add --allow-shrink to streambot etl)"
        hint = meant if error.code in SHRINK_CODES else ""
        return f"etl refused: {error}{hint}"
    if disk_full(error):
        return "etl failed: the disk is full, nothing changed"
    if isinstance(error, EtlError | ChangeBusy):
        return f"etl failed: {error}"
    return f"etl failed: {type(error).__name__}: {error}"[:300]


def die_with_parent(signum: int, parent: int | None = None) -> None:
    """Have Linux send this process ``signum`` when its parent dies, even by SIGKILL: a child
    left behind would keep working (and holding memory, or a port) for nobody.

    ``parent`` is the pid the child expects; when the parent already died, so does the child.
    """
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # not Linux with glibc: the parent's own signals are all there is
        return
    libc.prctl(PR_SET_PDEATHSIG, signum)
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signum)


def build_for_serving(raw_dir: Path) -> BuildResult:
    """Run the ETL, keeping only what is served (the model's input text stays behind)."""
    result = build(raw_dir)
    result.works = result.works[SERVED_WORK_COLUMNS]
    return result


def build_in_child(raw_dir: Path) -> BuildResult:
    """Run the ETL in a fresh child process, which dies with this one, and bring its result
    back."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(signal.SIGKILL, os.getpid()),
    ) as pool:
        return pool.submit(build_for_serving, raw_dir).result()


def ready(engine: Engine) -> Engine:
    """``engine``, prepared and having answered a title search and its recommendations as a
    first user's would: what would fail there fails here, before anyone is served (and before
    ``/health`` says ready)."""
    engine.prepare()
    title = str(engine.works["title_display"].iat[0])
    if engine.recommend(title).match is None:
        raise ReloadError("broken", f"catalogue {engine.version} does not find its own titles")
    return engine


def _serve(result: BuildResult) -> Engine:
    """The engine a build serves, made before the build is published."""
    return ready(result.engine())


@contextlib.contextmanager
def _changing(
    holder: EngineHolder,
    processed_dir: Path,
    shared: SharedCatalogue | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold the holder's lock and the catalogue's; ``ReloadBusy`` when either is taken. With
    ``shared`` versions, also the lock of every instance's changes, waiting for it (and
    calling ``on_wait``) while another instance's change runs."""
    if not holder.reload_lock.acquire(blocking=False):
        raise ReloadBusy
    try:
        with contextlib.ExitStack() as held:
            if shared is not None:
                held.enter_context(shared.change_lock(wait=True, on_wait=on_wait))
            held.enter_context(change_lock(processed_dir))
            yield
    except ChangeBusy:
        raise ReloadBusy from None
    finally:
        holder.reload_lock.release()


def _share(
    shared: SharedCatalogue | None, raw_dir: Path, processed_dir: Path, served: Engine, new: str
) -> None:
    """Publish version ``new``, just made live in this data folder, to every instance with the
    inputs it was built from; if that fails, this folder serves ``served`` again, as the
    others do."""
    if shared is None:
        return
    try:
        shared.publish(processed_dir, new, raw_dir, input_paths(raw_dir))
    except Exception:
        set_live(processed_dir, served.version)
        raise


@contextlib.contextmanager
def _reload_errors(served: Engine) -> Iterator[None]:
    """Turn why a rebuild was not published into a ``ReloadError`` (an expired upload stays
    an ``UploadError``)."""
    try:
        yield
    except (ReloadError, UploadError):
        raise
    except BuildRefused as error:
        raise ReloadError(error.code, error.detail) from error
    except EtlError as error:
        raise ReloadError("etl", str(error)) from error
    except Exception as error:
        if disk_full(error):
            logger.warning("the disk is full; nothing changed")
            raise ReloadError("disk_full", served.version) from error
        # Whatever breaks, the served engine stays; the admin hears why, the log has more.
        logger.exception("the rebuilt catalogue is unusable")
        raise ReloadError("broken", f"{type(error).__name__}: {error}"[:200]) from error


def reload_engine(
    holder: EngineHolder,
    raw_dir: Path,
    processed_dir: Path,
    shared: SharedCatalogue | None = None,
    on_wait: Callable[[], None] | None = None,
) -> ReloadSummary:
    """Rebuild from ``raw_dir``, validate, publish to ``processed_dir`` and swap ``holder``.

    With ``shared`` versions the build reads the inputs of record (written into ``raw_dir``
    first), and what it publishes every instance serves.

    Blocking; run it in a worker thread. Raises ``ReloadBusy`` when another change holds the
    holder's lock or the catalogue's, and ``ReloadError`` when the new catalogue is not served.
    """
    with _changing(holder, processed_dir, shared, on_wait):
        started, served = time.perf_counter(), holder.engine
        with _reload_errors(served):
            if shared is not None:
                shared.fetch_inputs(raw_dir)
            engine = rebuild(raw_dir, processed_dir, _serve, builder=build_in_child)
            _share(shared, raw_dir, processed_dir, served, engine.version)
        return _swap(holder, served, engine, started)


def upload_and_reload(
    holder: EngineHolder,
    raw_dir: Path,
    processed_dir: Path,
    state_dir: Path,
    token: str,
    shared: SharedCatalogue | None = None,
    on_wait: Callable[[], None] | None = None,
) -> tuple[AppliedUpload, ReloadSummary]:
    """Reload with the staged upload ``token`` in place; if the reload does not serve it,
    ``raw_dir`` never held it, so a bad upload changes nothing. With ``shared`` versions, the
    upload joins the inputs of record once its version is every instance's.

    Blocking; run it in a worker thread. Raises what ``reload_engine`` raises, and
    ``UploadError`` for an upload that expired.
    """
    with _changing(holder, processed_dir, shared, on_wait):
        started, served = time.perf_counter(), holder.engine
        with _reload_errors(served):
            if shared is not None:
                shared.fetch_inputs(raw_dir)
            applied, engine = publish_upload(
                raw_dir, processed_dir, state_dir, token, _serve, builder=build_in_child
            )
            _share(shared, raw_dir, processed_dir, served, engine.version)
        return applied, _swap(holder, served, engine, started)


def _swap(holder: EngineHolder, served: Engine, engine: Engine, started: float) -> ReloadSummary:
    """Serve ``engine`` in place of ``served``; what changed."""
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


def rollback_engine(
    holder: EngineHolder,
    processed_dir: Path,
    to: str | None = None,
    shared: SharedCatalogue | None = None,
    on_wait: Callable[[], None] | None = None,
) -> RollbackSummary:
    """Serve the kept version built before the served one (or version ``to``) and make it live
    (with ``shared`` versions, for every instance: the one before is the one published
    before).

    Blocking; run it in a worker thread. Raises ``ReloadBusy`` when a reload or rollback holds
    a lock, ``VersionError`` when there is no such version, and ``ReloadError`` (code
    ``broken``, or ``disk_full``) when it cannot be served; then nothing has changed.
    """
    with _changing(holder, processed_dir, shared, on_wait):
        served = holder.engine
        remove_leftovers(processed_dir)
        if shared is None:
            target = rollback_target(processed_dir, to, current=served.version)
        else:
            target = _shared_rollback_target(shared, processed_dir, to, served.version)
        try:
            engine = ready(Engine.load(processed_dir, target.name))
            crash_point("chosen")
            if shared is not None:
                shared.set_live(target.name)
            set_live(processed_dir, target.name)
            crash_point("published")
        except Exception as error:
            if disk_full(error):
                raise ReloadError("disk_full", served.version) from error
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


def _shared_rollback_target(
    shared: SharedCatalogue, processed_dir: Path, to: str | None, current: str
) -> VersionInfo:
    """The published version a rollback from ``current`` goes to (``to``, or the newest one
    published before it), fetched into this data folder."""
    names = [version.name for version in shared.versions()]
    if to is None:
        earlier = [name for name in names if name < current]
        if not earlier:
            raise VersionError(f"no earlier version to roll back to ({current} is the oldest)")
        to = earlier[0]
    elif to == current:
        raise VersionError(f"{to} is already live")
    elif to not in names:
        raise VersionError(f"no version named {to!r}; /versions lists them")
    shared.fetch(processed_dir, to)
    return rollback_target(processed_dir, to, current=current)


def release_freed_memory() -> None:
    """After an engine is loaded or replaced: free the old one, hand its memory back to the
    system, and freeze what is left out of the cyclic collector's sight.

    An engine is millions of Python objects that live as long as it is served. Each full
    collection would walk all of them with the event loop stopped, several times a minute
    under load; frozen, they are skipped (reference counting still frees them).
    Unfreezing first lets the collection free an old engine's reference cycles. Freed
    objects leave glibc's heap fragmented, so without the trim a process keeps the peak of
    two engines instead of going back to one.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: the allocator keeps what it keeps
        return
    libc.malloc_trim(0)
