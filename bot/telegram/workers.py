"""Webhook workers: several bot processes on one port, sharing one engine's memory.

With ``STREAMBOT_WORKERS`` above 1, ``streambot run --webhook`` starts a supervisor. It builds
or loads the catalogue, freezes the engine out of the collector's sight and forks the workers.
Each worker is a whole bot (the PTB application and its webhook server) serving the engine it
inherited, whose pages stay shared copy-on-write: N workers cost one engine and N heaps, not N
engines. They all listen on the port (SO_REUSEPORT), and the kernel spreads Telegram's
connections evenly over them, so the bot uses every core.

The supervisor runs no event loop and no thread, so it can fork safely at any time. It never
forks a lone worker: it starts a new *generation* of them from the live catalogue version, and
only then stops the old one (SIGTERM: each finishes the updates it holds). The port is served
throughout; a connection still waiting in a stopping worker's queue is refused, and Telegram
posts its update again. That happens:

- when a worker serves a new version (a reload, rollback or upload), which it says with SIGHUP:
  every worker then serves it, and they share it;
- when a worker dies. If workers keep dying as soon as they start, the supervisor gives up
  (exit 1); if one stops for a setting Telegram refuses, the supervisor stops too (exit 2);
- when a worker stops answering: each worker's event loop writes the time into memory it
  shares with the supervisor every second (``Heartbeats``), and a worker whose loop has not
  run for ``HEARTBEAT_TIMEOUT`` seconds (a handler stuck on the CPU, a deadlock, SIGSTOP) is
  killed (SIGKILL), which makes it a dead worker. A loop that runs proves the worker can
  answer: every request it serves, ``/health`` included, is a task of that loop.

The workers also share the ids of the updates received lately (``SeenUpdates``): Telegram
posts an update again when it did not see the answer, and the retry may reach another worker.

SIGTERM or SIGINT stop every worker, and the supervisor exits once they have.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import mmap
import os
import signal
import socket
import sys
import threading
import time
from datetime import UTC, datetime
from types import FrameType

from bot.chat import parsing
from bot.reload import (
    die_with_parent,
    follow_live,
    load_engine,
    ready,
    release_freed_memory,
    shared_catalogue,
    to_follow,
)
from bot.settings import Settings
from bot.telegram.application import build_application, serve_webhook, startup_errors
from bot.telegram.webhook import SeenUpdates
from etl.shared import announcements, instance_name
from recommender.engine import Engine, EngineHolder

logger = logging.getLogger(__name__)

# A worker's exit code for a setting Telegram refused (a wrong token, no Bot API): starting
# another one would fail the same way.
EXIT_SETTINGS = 2
# A worker that exits this soon after it started died starting up; this many in a row: give up.
QUICK_SECONDS = 10.0
QUICK_DEATHS = 5
STOP_SECONDS = 30.0  # for a worker to finish its updates before it is killed
TICK_SECONDS = 0.2  # how often the supervisor looks at its workers
# How often the supervisor looks at the shared live version without an announcement, and
# says which version its workers serve.
FOLLOW_SECONDS = 10.0
HEARTBEAT_SECONDS = 1.0  # how often a worker's event loop says it runs
# A worker whose loop has not run for this long is killed. Longer than anything the loop does
# at once (a full garbage collection of a large catalogue's engine takes about a second).
HEARTBEAT_TIMEOUT = 10.0


class Heartbeats:
    """When each worker of a generation last ran its event loop, in ``time.monotonic()``
    seconds, in memory shared by the supervisor and the workers it forks (``mmap``): one slot
    per worker, each written by its worker alone. A slot starts at the time the table was
    made, so a worker has ``HEARTBEAT_TIMEOUT`` seconds to start its loop."""

    def __init__(self, workers: int) -> None:
        self._memory = mmap.mmap(-1, 8 * workers)  # anonymous and MAP_SHARED
        self._times = memoryview(self._memory).cast("d")
        for slot in range(workers):
            self._times[slot] = time.monotonic()

    def silence(self, slot: int) -> float:
        """Seconds since the worker in ``slot`` last ran its loop."""
        return time.monotonic() - self._times[slot]

    async def beat(self, slot: int) -> None:
        """Write the time into ``slot`` every ``HEARTBEAT_SECONDS``, for ever."""
        while True:
            self._times[slot] = time.monotonic()
            await asyncio.sleep(HEARTBEAT_SECONDS)


class Supervisor:
    """Forks, watches and replaces the webhook workers; see the module docstring."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Telegram's limit is the bot's, so the workers split it.
        self.worker_settings = dataclasses.replace(
            settings, rate_limit=settings.rate_limit / settings.workers
        )
        self.generation = 0
        self.engine: Engine | None = None  # the serving generation's, shared with it
        self.workers: dict[int, float] = {}  # the serving generation: pid, when it started
        # The serving generation's workers whose loop is watched, by pid: their slot there.
        self.heartbeats = Heartbeats(settings.workers)
        self.watched: dict[int, int] = {}
        self.seen = SeenUpdates()  # shared by every worker of every generation
        self.retiring: dict[int, float] = {}  # older workers, and when they get SIGKILL
        self.stopping = False
        self.new_version = False
        self.exit_code = 0
        self.quick_deaths = 0
        # With shared versions: the supervisor follows the live one for its workers.
        self.shared = None
        self.listening = None  # its announcements, on a connection closed before each fork
        self.next_look = 0.0
        self.follow_failed = False
        self.started_at = datetime.now(UTC)

    # -- signals -------------------------------------------------------------------------------
    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _hangup(self, signum: int, frame: FrameType | None) -> None:
        self.new_version = True

    # -- running -------------------------------------------------------------------------------
    def run(self) -> int:
        """Serve until SIGTERM or SIGINT (or the workers cannot be kept up); the exit code."""
        # A busy port fails at once, not after the catalogue is built.
        socket.create_server(("0.0.0.0", self.settings.port), reuse_port=True).close()
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, self._hangup)
        try:
            parsing.prepare()  # before the fork: the workers share what it loads
            self.shared = shared_catalogue(self.settings)
            self._start_generation(load_engine(self.settings, sys.stderr, self.shared))
            logger.info(
                "%s webhook workers on port %s, path %s",
                self.settings.workers,
                self.settings.port,
                self.settings.webhook_path,
            )
            while not self.stopping:
                self._tick()
                time.sleep(TICK_SECONDS)
        finally:
            self._stop_all()
        return self.exit_code

    def _tick(self) -> None:
        for pid, code in self._reap():
            self.watched.pop(pid, None)
            if self.retiring.pop(pid, None) is not None:
                continue
            started = self.workers.pop(pid, None)
            if started is None:
                continue
            if self.stopping:
                continue
            if code == EXIT_SETTINGS:
                logger.error("worker %s stopped: Telegram refused a setting", pid)
                self.exit_code, self.stopping = EXIT_SETTINGS, True
                continue
            quick = time.monotonic() - started < QUICK_SECONDS
            self.quick_deaths = self.quick_deaths + 1 if quick else 0
            if self.quick_deaths >= QUICK_DEATHS:
                logger.error("workers keep dying as they start (last: exit %s); giving up", code)
                self.exit_code, self.stopping = 1, True
                continue
            logger.warning("worker %s exited (%s); starting a new generation", pid, code)
            self.new_version = True
        if self.shared is not None and not self.stopping:
            self._follow()
        if self.new_version and not self.stopping:
            self.new_version = False
            self._replace_generation()
        for pid, slot in list(self.watched.items()):
            silence = self.heartbeats.silence(slot)
            if silence > HEARTBEAT_TIMEOUT:
                logger.error("worker %s has not run for %.0f s; killing it", pid, silence)
                del self.watched[pid]  # once: it is reaped as a dead worker
                _signal(pid, signal.SIGKILL)
        now = time.monotonic()
        for pid, deadline in self.retiring.items():
            if now > deadline:
                logger.warning("worker %s did not stop in %s s; killing it", pid, STOP_SECONDS)
                _signal(pid, signal.SIGKILL)

    def _follow(self) -> None:
        """On an announcement, and every ``FOLLOW_SECONDS``: serve the shared live version if
        it is not served (fetched, and loaded before a new generation takes over), and say
        what is served. A database that fails leaves the workers serving what they serve."""
        shared, now = self.shared, time.monotonic()
        if self.listening is None and now < self.next_look:
            return  # connected again only every FOLLOW_SECONDS, after a failure or a fork
        try:
            if self.listening is None:
                self.listening = shared.listen()
            heard = announcements(self.listening, timeout=0)
            if not heard and now < self.next_look:
                return
            self.next_look = now + FOLLOW_SECONDS
            live = None if self.engine is None else to_follow(shared, self.engine.version)
            if live is not None:
                settings = self.settings
                self._start_new(follow_live(settings.raw_dir, settings.processed_dir, shared, live))
            version = self.engine.version if self.engine is not None else None
            shared.serving(instance_name(), version, self.started_at)
            if self.follow_failed:
                logger.warning("following the shared catalogue again")
                self.follow_failed = False
        except Exception as error:
            if not self.follow_failed:  # once per outage
                logger.warning(
                    "cannot follow the shared catalogue (%s); the workers keep serving", error
                )
            self.follow_failed = True
            self.next_look = now + FOLLOW_SECONDS
            self._drop_connections()

    def _drop_connections(self) -> None:
        """Close the supervisor's database connections: forked workers must not inherit them
        (a worker's exit would end the supervisor's session), and a failed one is replaced."""
        if self.listening is not None:
            with contextlib.suppress(Exception):
                self.listening.close()
            self.listening = None
        if self.shared is not None:
            self.shared.close()

    def _replace_generation(self) -> None:
        """Serve the live version from a new generation, then stop the old one."""
        try:
            engine = ready(Engine.load(self.settings.processed_dir))
        except Exception:
            logger.exception("the live catalogue cannot be loaded; the workers keep serving")
            return
        self._start_new(engine)

    def _start_new(self, engine: Engine) -> None:
        """Serve ``engine`` from a new generation, then stop the old one."""
        old = list(self.workers)
        self._start_generation(engine)
        del engine
        for pid in old:
            self.workers.pop(pid)
            self.watched.pop(pid, None)
            self.retiring[pid] = time.monotonic() + STOP_SECONDS
            _signal(pid, signal.SIGTERM)

    def _start_generation(self, engine: Engine) -> None:
        """Fork the workers of a new generation, serving ``engine``.

        The supervisor keeps ``engine`` and never touches it, until the next generation: its
        pages then stay shared with the workers (freeing it here would write to every page,
        and leave the supervisor a heap of copies).
        """
        self.generation += 1
        self.engine = None  # the previous generation's, whose workers are being retired
        self._drop_connections()
        engine.warm()  # its record table loaded before the fork, to be shared too
        release_freed_memory()  # frees it; frozen, the new engine's pages stay shared
        if threading.active_count() > 1:  # forking with threads can copy a held lock
            logger.warning("forking workers with %s threads", threading.active_count())
        self.heartbeats = Heartbeats(self.settings.workers)
        for slot in range(self.settings.workers):
            announce = self.generation == 1 and not self.workers
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os._exit(
                    _work(self.worker_settings, engine, announce, self.heartbeats, slot, self.seen)
                )
            self.workers[pid] = time.monotonic()
            self.watched[pid] = slot
        self.engine = engine
        logger.info(
            "generation %s: workers %s serving catalogue %s",
            self.generation,
            ", ".join(str(pid) for pid in self.workers),
            engine.version,
        )

    def _reap(self) -> list[tuple[int, int]]:
        """The workers that exited since the last look, with their exit codes."""
        reaped = []
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return reaped
            if pid == 0:
                return reaped
            reaped.append((pid, os.waitstatus_to_exitcode(status)))

    def _stop_all(self) -> None:
        """SIGTERM every worker, wait for them (``STOP_SECONDS`` at most), SIGKILL the rest."""
        running = set(self.workers) | set(self.retiring)
        for pid in running:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while running and time.monotonic() < deadline:
            running -= {pid for pid, _ in self._reap()}
            time.sleep(TICK_SECONDS / 4)
        for pid in running:
            _signal(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self._drop_connections()
        self.workers.clear()
        self.watched.clear()
        self.retiring.clear()


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just exited
        os.kill(pid, signum)


def _work(
    settings: Settings,
    engine: Engine,
    announce: bool,
    heartbeats: Heartbeats,
    slot: int,
    seen: SeenUpdates,
) -> int:
    """A worker's whole life, in the forked child; its exit code. Its loop beats in ``slot``
    of ``heartbeats``."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    # A worker left behind would keep the port and serve a catalogue nobody reloads.
    die_with_parent(signal.SIGTERM)
    supervisor = os.getppid()
    holder = EngineHolder(engine)
    holder.on_swap.append(lambda _: os.kill(supervisor, signal.SIGHUP))

    async def serve() -> None:
        heart = asyncio.create_task(heartbeats.beat(slot))
        try:
            await serve_webhook(application, settings, worker=True, set_webhook=announce, seen=seen)
        finally:
            heart.cancel()

    code = 0
    try:
        with startup_errors(settings):
            application = build_application(settings, holder)
            asyncio.run(serve())
    except SystemExit as stop:
        logger.error("%s", stop.code)  # through the log's formatter: never a secret
        code = EXIT_SETTINGS
    except BaseException:
        logger.exception("worker %s failed", os.getpid())
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def supervise(settings: Settings) -> int:
    """Run ``settings.workers`` webhook workers until stopped; the exit code."""
    return Supervisor(settings).run()
