"""An instance that follows the catalogue version every instance shares (``etl.shared``).

A thread of its own listens for the live version's announcements. On one, and every
``BEAT_SECONDS`` besides, it compares the live version with the one served. If they differ,
it fetches the live one and loads it, in the background, then swaps it in: the old engine
answers until then. Because it compares rather than trusts the announcements, an instance
that missed some (the database restarted, the connection dropped) catches up when it next
looks. It also tells the database which version it serves, which ``/versions`` lists.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Connection

from bot.reload import follow_live, release_freed_memory, to_follow
from etl.shared import SharedCatalogue, announcements, instance_name
from recommender.engine import EngineHolder

logger = logging.getLogger(__name__)

# How often an instance looks at the live version, and says what it serves, without an
# announcement; and how long it waits before listening again after the database failed.
BEAT_SECONDS = 10.0
RETRY_SECONDS = 5.0
# How long one wait for an announcement lasts: stopping takes at most this.
WAIT_SECONDS = 1.0


class Follower:
    """Keeps ``holder`` serving the live version of ``shared``, fetched into
    ``processed_dir`` (and its inputs of record into ``raw_dir``)."""

    def __init__(
        self, holder: EngineHolder, raw_dir: Path, processed_dir: Path, shared: SharedCatalogue
    ) -> None:
        self.holder = holder
        self.raw_dir = raw_dir
        self.processed_dir = processed_dir
        self.shared = shared
        self.instance = instance_name()
        self.started_at = datetime.now(UTC)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="catalogue-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop following, within ``WAIT_SECONDS`` (or a load in progress)."""
        self._stop.set()
        self._thread.join()

    def catch_up(self) -> bool:
        """Serve the live version if another is served; whether the engine changed. A change
        this instance is making itself swaps its own engine, so it is left alone."""
        live = to_follow(self.shared, self.holder.engine.version)
        if live is None:
            return False
        if not self.holder.reload_lock.acquire(blocking=False):
            return False
        try:
            engine = follow_live(self.raw_dir, self.processed_dir, self.shared, live)
            served = self.holder.swap(engine)
            logger.info("now serving catalogue %s (was %s)", live, served.version)
            del engine, served
            release_freed_memory()
        finally:
            self.holder.reload_lock.release()
        return True

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                listening = self.shared.listen()
                try:
                    failing = self._follow(listening, failing)
                finally:
                    listening.close()
            except Exception as error:
                if not failing:  # once per outage, not once per retry
                    logger.warning(
                        "cannot follow the shared catalogue (%s); serving %s, trying again "
                        "every %g s",
                        error,
                        self.holder.engine.version,
                        RETRY_SECONDS,
                    )
                failing = True
                self._stop.wait(RETRY_SECONDS)

    def _follow(self, listening: Connection, failing: bool) -> bool:
        """Look, and say what this instance serves, on each announcement and every
        ``BEAT_SECONDS``, until stopped or the database fails."""
        while not self._stop.is_set():
            self.catch_up()
            self.shared.serving(self.instance, self.holder.engine.version, self.started_at)
            if failing:
                logger.warning("following the shared catalogue again")
                failing = False
            waited = 0.0
            while waited < BEAT_SECONDS and not self._stop.is_set():
                if announcements(listening, timeout=WAIT_SECONDS):
                    break
                waited += WAIT_SECONDS
        return failing
