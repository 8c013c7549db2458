"""Each chat's settings (the /lang and /platforms choices) in a database.

A SQLite file by default, enough for one bot process; PostgreSQL for several processes behind
one webhook. Every change is a single upsert of the changed column, so concurrent writers never
lose each other's changes to the other column, nor trip over a chat's first row.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     store = ChatStore(f"sqlite:///{folder}/chats.sqlite3")
...     _ = store.set_language(-100123, "es")
...     prefs = store.set_platforms(-100123, ["netflix", "hulu"])
...     store.close()
>>> prefs.language, sorted(prefs.platforms)
('es', ['hulu', 'netflix'])
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    MetaData,
    PoolProxiedConnection,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.settings import SettingsError, database_url, parse_database_url

__all__ = ["ChatPrefs", "ChatStore", "StorageError", "database_url"]

# Chats whose settings a store keeps in memory at most.
CACHE_SIZE = 100_000
# A writer waits this long for another process's write to finish before giving up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30
# Names the PostgreSQL advisory lock held while creating the table ("STREAM" in ASCII).
_SCHEMA_LOCK_KEY = 0x5354_5245_414D

metadata = MetaData()
chat_settings = Table(
    "chat_settings",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("language", String(16), nullable=True),
    # Registry names, sorted and separated by spaces; empty means every platform.
    Column("platforms", Text, nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# One statement for every read: SQLAlchemy works out its cache key once, not per call.
_READ = select(chat_settings.c.language, chat_settings.c.platforms).where(
    chat_settings.c.chat_id == bindparam("chat_id")
)


class StorageError(SettingsError):
    """The database in ``STREAMBOT_DB`` cannot be opened; the message says why."""


@dataclass(frozen=True)
class ChatPrefs:
    """One chat's choices; the defaults are those of a chat that never chose."""

    language: str | None = None
    platforms: frozenset[str] = frozenset()


class ChatStore:
    """Each chat's ``ChatPrefs``, in the database at a SQLAlchemy ``url``.

    Methods block; they are safe to call from several threads (the bot calls them through
    ``asyncio.to_thread``, but for ``get`` when ``reads_are_local``), and several stores or
    processes may share one database. ``url`` is the database's SQLAlchemy ``URL``, whose
    ``str`` hides the password, so it can be logged.
    """

    def __init__(self, url: str, cache_seconds: float = 0.0) -> None:
        self.url = parse_database_url(url)
        # What ``get`` read or a write returned, per chat, with when it goes stale: a busy bot
        # reads each chat's settings on every update. Another process's change shows after at
        # most ``cache_seconds``; this process's own changes show at once.
        self.cache_seconds = cache_seconds
        self._cache: dict[int, tuple[float, ChatPrefs]] = {}
        self._is_sqlite = self.url.get_backend_name() == "sqlite"
        # A SQLite read is a lookup in a local file that, in WAL mode, never waits for a
        # writer: a few microseconds, less than handing it to a thread and back costs.
        self.reads_are_local = self._is_sqlite
        # SQLite reads go through one connection of SQLite's own driver, with the SELECT
        # SQLAlchemy compiles: its per-statement work was most of a read (60 µs against 4).
        self._reader: PoolProxiedConnection | None = None
        self._reader_lock = threading.Lock()
        self._insert = sqlite.insert if self._is_sqlite else postgresql.insert
        self._engine = self._create_engine()
        try:
            self._open()
        except (OSError, SQLAlchemyError) as error:
            self._engine.dispose()
            raise StorageError(
                f"STREAMBOT_DB: cannot open the database {self.url!r}: {self._reason(error)}"
            ) from error

    def get(self, chat_id: int) -> ChatPrefs:
        """The chat's choices, or the defaults for a chat that never chose."""
        cached = self.cached(chat_id)
        if cached is not None:
            return cached
        row = self._read(chat_id)
        return self._remember(chat_id, ChatPrefs() if row is None else _prefs(*row))

    def _read(self, chat_id: int) -> tuple[str | None, str] | None:
        if not self._is_sqlite:
            with self._engine.connect() as connection:
                return connection.execute(_READ, {"chat_id": chat_id}).one_or_none()
        with self._reader_lock:
            if self._reader is None:
                self._reader = self._engine.raw_connection()
            return self._reader.cursor().execute(self._read_sql, (chat_id,)).fetchone()

    @cached_property
    def _read_sql(self) -> str:
        return str(_READ.compile(dialect=self._engine.dialect))

    def cached(self, chat_id: int) -> ChatPrefs | None:
        """The chat's choices if this store read or wrote them lately, without a query."""
        cached = self._cache.get(chat_id)
        return cached[1] if cached is not None and cached[0] > time.monotonic() else None

    def _remember(self, chat_id: int, prefs: ChatPrefs) -> ChatPrefs:
        if self.cache_seconds > 0:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()  # Rare, and cheaper than tracking the least recent.
            self._cache[chat_id] = (time.monotonic() + self.cache_seconds, prefs)
        return prefs

    def set_language(self, chat_id: int, language: str) -> ChatPrefs:
        """Remember the chat's language, keeping its platforms."""
        return self._upsert(chat_id, language=language)

    def set_platforms(self, chat_id: int, platforms: Iterable[str]) -> ChatPrefs:
        """Remember the chat's platforms (none: every platform), keeping its language.

        Raises ``ValueError`` for an empty name or one holding whitespace.
        """
        names = sorted(set(platforms))
        for name in names:
            if name.split() != [name]:
                raise ValueError(f"not a platform name: {name!r}")
        return self._upsert(chat_id, platforms=" ".join(names))

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()  # back to the pool, which closes it
                self._reader = None
        self._engine.dispose()

    def _create_engine(self) -> Engine:
        """The engine, which connects only when first used."""
        if not self._is_sqlite:
            return create_engine(self.url, pool_pre_ping=True)
        engine = create_engine(self.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _use_wal)
        return engine

    def _open(self) -> None:
        """Create the SQLite file's folder and the table, where missing."""
        if self._is_sqlite:
            Path(self.url.database or "").parent.mkdir(parents=True, exist_ok=True)
        # Under a lock, so that of two processes starting at once, the second waits for the
        # first to create the table and then finds it.
        with self._engine.begin() as connection:
            if self._is_sqlite:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
            metadata.create_all(connection)

    def _upsert(self, chat_id: int, **values: str) -> ChatPrefs:
        now = datetime.now(UTC)
        insert = self._insert(chat_settings).values(chat_id=chat_id, updated_at=now, **values)
        statement = insert.on_conflict_do_update(
            index_elements=[chat_settings.c.chat_id],
            set_={**{name: insert.excluded[name] for name in values}, "updated_at": now},
        ).returning(chat_settings.c.language, chat_settings.c.platforms)
        with self._engine.begin() as connection:
            row = connection.execute(statement).one()
        return self._remember(chat_id, _prefs(row.language, row.platforms))

    def _reason(self, error: Exception) -> str:
        """The error's own words, in one line and without the URL's password."""
        if isinstance(error, DBAPIError) and error.orig is not None:
            error = error.orig
        reason = " ".join(str(error).split()) or type(error).__name__
        password = self.url.password
        return reason.replace(str(password), "***") if password else reason


def _prefs(language: str | None, platforms: str) -> ChatPrefs:
    return ChatPrefs(language=language, platforms=frozenset(platforms.split()))


def _use_wal(connection: sqlite3.Connection, _record: object) -> None:
    # WAL lets readers go on while another process writes; the file remembers the mode.
    # Switching to it needs the file to itself, and SQLite does not wait for that (the busy
    # timeout does not apply), so two processes opening a new file at once retry a while.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
