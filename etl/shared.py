"""Catalogue versions shared by every bot instance, in PostgreSQL.

On a host whose disk is wiped at each restart, or with several machines, a version built on
one instance must reach the others, and survive them. So when the chat database is
PostgreSQL, the database holds, besides the chats:

- every file of every published version and every raw input of record, addressed by the
  SHA-256 of its content and stored once, in ``bytea`` parts (``catalogue_blobs``);
- which files make up each version (``catalogue_version_files``, ``catalogue_versions``) and
  which files are the inputs of record (``catalogue_inputs``);
- the live version: one row (``catalogue_live``), the shared ``CURRENT``. Changing it also
  sends ``NOTIFY streambot_catalogue``, in the same transaction, so it is announced only
  once it is true;
- which instances serve which version, as they last said (``catalogue_instances``).

A version is published in two steps. Its files go first, and they are content, not
publication. Then one transaction records the version, the inputs it was built from and the
live row. A builder killed at any point before that commit changes nothing anyone serves:
it leaves, at most, parts that nothing names.

A local data folder stays what it was: the engine loads from ``processed/versions/<name>/``.
``fetch`` fills it from the database, checking every file's hash, into a staging folder that
is renamed into place once complete.

One change at a time: ``change_lock`` holds a PostgreSQL advisory lock on a connection of its
own. A change that finds it taken waits its turn (or gives up, if asked to). The server lets
go of it when the holder's connection ends, which includes the holder being killed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    select,
    text,
    union,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from etl.permissions import private_folder
from etl.upload import UPLOADS_DIR
from etl.versions import (
    KEEP_VERSIONS,
    ChangeBusy,
    VersionError,
    created_at,
    folder_atomic,
    write_atomic,
)
from recommender.artifact import MANIFEST_FILE, REPORT_FILE, version_folder

__all__ = ["CHANNEL", "Instance", "SharedCatalogue", "SharedVersion"]

logger = logging.getLogger(__name__)

# The channel the live version's changes are announced on; the payload is the version's name.
CHANNEL = "streambot_catalogue"
# A file is stored in parts of this size: PostgreSQL keeps a bytea value whole in memory to
# send it, so parts bound what one row costs the server and this process.
PART_BYTES = 4 * 1024 * 1024
# Names the advisory lock every catalogue change holds ("CATALOG" in ASCII), and the one held
# while the tables are created.
_CHANGE_LOCK_KEY = 0x43_4154_414C_4F47
_SCHEMA_LOCK_KEY = 0x43_4154_5343_484D
# An instance that has not said what it serves for this long is not listed as serving.
INSTANCE_TTL = timedelta(minutes=2)

metadata = MetaData()
catalogue_blobs = Table(
    "catalogue_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)
catalogue_versions = Table(
    "catalogue_versions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("inputs_hash", String(64), nullable=False),
    Column("manifest", Text, nullable=False),
    Column("quarantined", Integer, nullable=False),  # rows its build set aside
    Column("published_at", DateTime(timezone=True), nullable=False),
)
catalogue_version_files = Table(
    "catalogue_version_files",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
)
# The raw inputs of record, by their path under ``raw/`` ("catalogues/netflix_titles.csv").
catalogue_inputs = Table(
    "catalogue_inputs",
    metadata,
    Column("path", String(255), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
)
# Uploads checked and waiting for an admin's "apply", which any instance may receive.
catalogue_staged = Table(
    "catalogue_staged",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("staged_at", DateTime(timezone=True), nullable=False),
)
catalogue_live = Table(
    "catalogue_live",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("version", String(64), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(255), nullable=False),
)
catalogue_instances = Table(
    "catalogue_instances",
    metadata,
    Column("instance", String(255), primary_key=True),
    Column("version", String(64), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class SharedVersion:
    """A version published to the database."""

    name: str
    inputs_hash: str
    published_at: datetime
    size: int  # bytes, its files together
    titles: int
    works: int
    quarantined: int
    live: bool

    @property
    def created(self) -> datetime:
        """When it was built."""
        return created_at(self.name)


@dataclass(frozen=True)
class Instance:
    """A bot instance, the version it last said it serves, and when it said so."""

    instance: str
    version: str | None
    started_at: datetime
    seen_at: datetime


def by_version(instances: Iterable[Instance]) -> dict[str | None, list[str]]:
    """The names of ``instances``, by the version each serves."""
    serving: dict[str | None, list[str]] = {}
    for instance in instances:
        serving.setdefault(instance.version, []).append(instance.instance)
    return serving


def instance_name() -> str:
    """This process, as other instances see it: its host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def file_hash(path: Path) -> str:
    """The SHA-256 of ``path``'s content, read a part at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while part := file.read(PART_BYTES):
            digest.update(part)
    return digest.hexdigest()


class SharedCatalogue:
    """The catalogue versions in the PostgreSQL database at ``url`` (a SQLAlchemy URL).

    Methods block; each opens and ends its own transactions, so several threads and
    processes may use one database.
    """

    def __init__(self, url: str | URL) -> None:
        url = make_url(url)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        self._engine: Engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=2,
            # So that an operator (or a test) tells the instances apart in pg_stat_activity.
            connect_args={"application_name": f"streambot {instance_name()}"[:63]},
        )
        self.url = self._engine.url
        with self._engine.begin() as connection:
            # Of several instances starting at once, one creates the tables, the rest find them.
            connection.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
            metadata.create_all(connection)
            schema = connection.execute(select(func.current_schema())).scalar_one()
        # Advisory locks and channels belong to the whole database: bots that share one in
        # schemas of their own get a lock and a channel of their own.
        self.channel, self._lock_key = CHANNEL, _CHANGE_LOCK_KEY
        if schema != "public":
            digest = hashlib.sha256(schema.encode()).digest()
            self.channel = f"{CHANNEL}_{digest[:8].hex()}"
            self._lock_key = int.from_bytes(digest[8:16], "big", signed=True)

    def close(self) -> None:
        self._engine.dispose()

    # -- the live version -------------------------------------------------------------------
    def live(self) -> str | None:
        """The name of the live version; ``None`` before the first is published."""
        with self._engine.connect() as connection:
            return connection.execute(
                select(catalogue_live.c.version).where(catalogue_live.c.id == 1)
            ).scalar_one_or_none()

    def manifest(self, name: str) -> dict | None:
        """The manifest of published version ``name``; ``None`` if it was never published."""
        with self._engine.connect() as connection:
            text = connection.execute(
                select(catalogue_versions.c.manifest).where(catalogue_versions.c.name == name)
            ).scalar_one_or_none()
        return None if text is None else json.loads(text)

    def set_live(self, name: str, by: str | None = None) -> None:
        """Make the published version ``name`` live, and announce it. Raises ``VersionError``
        for a version never published."""
        with self._engine.begin() as connection:
            self._make_live(connection, name, by or instance_name())

    def _make_live(self, connection: Connection, name: str, by: str) -> None:
        known = select(catalogue_versions.c.name).where(catalogue_versions.c.name == name)
        if connection.execute(known).first() is None:
            raise VersionError(f"no version named {name!r} was published to the database")
        values = {"version": name, "changed_at": datetime.now(UTC), "changed_by": by}
        statement = insert(catalogue_live).values(id=1, **values)
        connection.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))
        # Delivered when the transaction commits, and only if it does.
        connection.execute(select(func.pg_notify(self.channel, name)))

    # -- publishing -------------------------------------------------------------------------
    def publish(
        self,
        processed_dir: Path,
        name: str,
        raw_dir: Path | None = None,
        inputs: Iterable[Path] = (),
        live: bool = True,
        by: str | None = None,
    ) -> None:
        """Store local version ``name`` and, from ``raw_dir``, the ``inputs`` it was built from
        as the inputs of record; then, with ``live``, make it live. Files come first; one
        transaction at the end names them, so a publication cut short publishes nothing."""
        folder = version_folder(processed_dir, name)
        manifest_path = folder / MANIFEST_FILE
        files = {path.name: self.put_file(path) for path in sorted(folder.iterdir())}
        recorded = {
            str(path.relative_to(raw_dir)): self.put_file(path)
            for path in inputs
            if raw_dir is not None and path.is_file()
        }
        manifest = manifest_path.read_text()
        report = json.loads((folder / REPORT_FILE).read_text())
        with self._engine.begin() as connection:
            version = insert(catalogue_versions).values(
                name=name,
                inputs_hash=str(json.loads(manifest)["inputs_hash"]),
                manifest=manifest,
                quarantined=len(report["quarantined"]),
                published_at=datetime.now(UTC),
            )
            connection.execute(version.on_conflict_do_nothing())
            rows = [
                {"version": name, "name": file, "sha256": sha, "size": size}
                for file, (sha, size) in files.items()
            ]
            connection.execute(insert(catalogue_version_files).on_conflict_do_nothing(), rows)
            if recorded:
                connection.execute(delete(catalogue_inputs))
                connection.execute(
                    insert(catalogue_inputs),
                    [
                        {"path": path, "sha256": sha, "size": size}
                        for path, (sha, size) in recorded.items()
                    ],
                )
            if live:
                self._make_live(connection, name, by or instance_name())
        try:
            self.prune()
        except SQLAlchemyError as error:  # housekeeping: the publication stands; the next prunes
            logger.warning("could not forget old catalogue versions: %s", error)

    def prune(self, keep: int = KEEP_VERSIONS) -> list[str]:
        """Forget all but the newest ``keep`` versions and the live one, and the stored
        content that nothing names any more; the versions forgotten.

        Call it holding ``change_lock``, as every publisher does: content stored for a
        version about to be named would otherwise go before it is named."""
        live = self.live()
        with self._engine.begin() as connection:
            names = connection.execute(
                select(catalogue_versions.c.name).order_by(catalogue_versions.c.name.desc())
            ).scalars()
            old = [name for name in list(names)[keep:] if name != live]
            if not old:
                return []
            connection.execute(
                delete(catalogue_version_files).where(catalogue_version_files.c.version.in_(old))
            )
            connection.execute(delete(catalogue_versions).where(catalogue_versions.c.name.in_(old)))
            named = union(
                select(catalogue_version_files.c.sha256),
                select(catalogue_inputs.c.sha256),
                select(catalogue_staged.c.sha256),
            )
            connection.execute(
                delete(catalogue_blobs).where(catalogue_blobs.c.sha256.not_in(named))
            )
        logger.info("forgot catalogue versions %s", ", ".join(old))
        return old

    def put_file(self, path: Path) -> tuple[str, int]:
        """Store ``path``'s content, unless it is stored already; its hash and size."""
        sha, size = file_hash(path), path.stat().st_size
        with self._engine.connect() as connection:
            parts = connection.execute(
                select(func.count()).where(catalogue_blobs.c.sha256 == sha)
            ).scalar_one()
        if parts == _parts(size):
            return sha, size
        with self._engine.begin() as connection, path.open("rb") as file:
            connection.execute(delete(catalogue_blobs).where(catalogue_blobs.c.sha256 == sha))
            for number in range(_parts(size)):
                data = file.read(PART_BYTES)
                connection.execute(
                    insert(catalogue_blobs).values(sha256=sha, part=number, data=data)
                )
        return sha, size

    # -- reading back -----------------------------------------------------------------------
    def fetch(self, processed_dir: Path, name: str) -> Path:
        """The folder of version ``name`` under ``processed_dir``, fetched from the database
        when it is not there: every file checked against its hash, then renamed into place
        whole. Raises ``VersionError`` for a version never published or a file whose content
        does not match its hash."""
        target = version_folder(processed_dir, name)
        if (target / MANIFEST_FILE).is_file():
            return target  # complete: a version folder is renamed into place whole
        with self._engine.connect() as connection:
            files = connection.execute(
                select(catalogue_version_files).where(catalogue_version_files.c.version == name)
            ).all()
        if not files:
            raise VersionError(f"no version named {name!r} was published to the database")
        with folder_atomic(target) as staging:
            for row in files:
                self._get_file(row.sha256, row.size, staging / row.name)
        return target

    def fetch_inputs(self, raw_dir: Path) -> list[str]:
        """Write the inputs of record into ``raw_dir`` where they differ; the paths written."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(catalogue_inputs)).all()
        written = []
        for row in rows:
            path = raw_dir / row.path
            if path.is_file() and file_hash(path) == row.sha256:
                continue
            private_folder(path.parent)
            self._get_file(row.sha256, row.size, path)
            written.append(row.path)
        return written

    def _get_file(self, sha: str, size: int, path: Path) -> None:
        """Write stored content ``sha`` to ``path`` (through a temporary file beside it),
        checking its hash and size."""
        digest, written = hashlib.sha256(), 0
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "wb") as file, self._engine.connect() as connection:
                for number in range(_parts(size)):
                    data = connection.execute(
                        select(catalogue_blobs.c.data).where(
                            catalogue_blobs.c.sha256 == sha, catalogue_blobs.c.part == number
                        )
                    ).scalar_one_or_none()
                    if data is None:
                        raise VersionError(f"{path.name}: part {number} of {sha[:12]} is missing")
                    digest.update(data)
                    written += len(data)
                    file.write(data)
            if digest.hexdigest() != sha or written != size:
                raise VersionError(f"{path.name}: the stored content does not match its hash")
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    # -- staged uploads ---------------------------------------------------------------------
    def stage(self, state_dir: Path, token: str) -> None:
        """Keep the upload ``token`` staged in ``state_dir`` for every instance."""
        uploads = state_dir / UPLOADS_DIR
        sha, size = self.put_file(uploads / f"{token}.csv")
        metadata = (uploads / f"{token}.json").read_text(encoding="utf-8")
        staged_at = datetime.fromisoformat(json.loads(metadata)["created"])
        with self._engine.begin() as connection:
            connection.execute(
                insert(catalogue_staged).values(
                    token=token, sha256=sha, size=size, metadata=metadata, staged_at=staged_at
                )
            )

    def fetch_staged(self, state_dir: Path, token: str) -> bool:
        """Whether the upload ``token`` is staged for every instance; if so, and another
        instance staged it, it is written into ``state_dir``, its files dated when it was
        staged (its expiry counts from then)."""
        uploads = state_dir / UPLOADS_DIR
        with self._engine.connect() as connection:
            row = connection.execute(
                select(catalogue_staged).where(catalogue_staged.c.token == token)
            ).first()
        if row is None:
            return False
        if (uploads / f"{token}.json").is_file():
            return True
        private_folder(uploads)
        self._get_file(row.sha256, row.size, uploads / f"{token}.csv")
        write_atomic(uploads / f"{token}.json", row.metadata.encode())
        staged_at = row.staged_at.timestamp()
        for suffix in (".csv", ".json"):
            os.utime(uploads / f"{token}{suffix}", (staged_at, staged_at))
        return True

    def unstage(self, token: str) -> bool:
        """Forget the staged upload ``token`` (applied or dropped); whether it was kept."""
        with self._engine.begin() as connection:
            gone = connection.execute(
                delete(catalogue_staged).where(catalogue_staged.c.token == token)
            )
        return bool(gone.rowcount)

    def versions(self) -> list[SharedVersion]:
        """The published versions, newest first."""
        live = self.live()
        size = func.coalesce(func.sum(catalogue_version_files.c.size), 0).label("size")
        query = (
            select(catalogue_versions.c.name, catalogue_versions.c.inputs_hash, size)
            .add_columns(
                catalogue_versions.c.published_at,
                catalogue_versions.c.manifest,
                catalogue_versions.c.quarantined,
            )
            .join(
                catalogue_version_files,
                catalogue_version_files.c.version == catalogue_versions.c.name,
                isouter=True,
            )
            .group_by(catalogue_versions.c.name)
            .order_by(catalogue_versions.c.name.desc())
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        versions = []
        for row in rows:
            manifest = json.loads(row.manifest)
            versions.append(
                SharedVersion(
                    name=row.name,
                    inputs_hash=row.inputs_hash,
                    published_at=row.published_at,
                    size=int(row.size),
                    titles=manifest["titles"],
                    works=manifest["works"],
                    quarantined=row.quarantined,
                    live=row.name == live,
                )
            )
        return versions

    # -- instances --------------------------------------------------------------------------
    def serving(self, instance: str, version: str | None, started_at: datetime) -> None:
        """Say that ``instance`` serves ``version`` now."""
        values = {"version": version, "seen_at": datetime.now(UTC)}
        statement = insert(catalogue_instances).values(
            instance=instance, started_at=started_at, **values
        )
        with self._engine.begin() as connection:
            connection.execute(
                statement.on_conflict_do_update(index_elements=["instance"], set_=values)
            )

    def instances(self) -> list[Instance]:
        """The instances that said what they serve lately, the oldest started first; those
        silent for longer are forgotten."""
        since = datetime.now(UTC) - INSTANCE_TTL
        with self._engine.begin() as connection:
            connection.execute(
                delete(catalogue_instances).where(catalogue_instances.c.seen_at < since)
            )
            rows = connection.execute(
                select(catalogue_instances).order_by(
                    catalogue_instances.c.started_at, catalogue_instances.c.instance
                )
            ).all()
        return [Instance(row.instance, row.version, row.started_at, row.seen_at) for row in rows]

    # -- one change at a time ---------------------------------------------------------------
    @contextlib.contextmanager
    def change_lock(
        self, wait: bool = False, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the lock of catalogue changes, for every instance of the database.

        Taken: raises ``ChangeBusy``, or with ``wait`` calls ``on_wait`` once and waits its
        turn. The lock lives on a connection of its own, so it goes when its holder does.
        """
        connection = self._engine.connect()
        try:
            with connection.begin():
                taken = connection.execute(
                    select(func.pg_try_advisory_lock(self._lock_key))
                ).scalar_one()
            if not taken:
                if not wait:
                    raise ChangeBusy(
                        "another catalogue change (a rebuild, upload or rollback) is running"
                    )
                if on_wait is not None:
                    on_wait()
                with connection.begin():
                    connection.execute(select(func.pg_advisory_lock(self._lock_key)))
            try:
                yield
            finally:
                with connection.begin():
                    connection.execute(select(func.pg_advisory_unlock(self._lock_key)))
        finally:
            connection.close()

    def change_busy(self) -> bool:
        """Whether a change holds the lock now (a glance: it may end, or another start,
        right after)."""
        with self._engine.connect() as connection:
            taken = connection.execute(
                select(func.pg_try_advisory_lock(self._lock_key))
            ).scalar_one()
            if taken:
                connection.execute(select(func.pg_advisory_unlock(self._lock_key)))
            connection.commit()
        return not taken

    def listen(self) -> Connection:
        """A connection of its own that receives the live version's announcements; read them
        with ``announcements``. Close it when done."""
        connection = self._engine.connect()
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"LISTEN {self.channel}")
        )
        return connection


def announcements(connection: Connection, timeout: float) -> list[str]:
    """The versions announced on ``connection`` (from ``SharedCatalogue.listen``) within
    ``timeout`` seconds of waiting, the oldest first; empty if none was."""
    driver = connection.connection.dbapi_connection
    return [notice.payload for notice in driver.notifies(timeout=timeout, stop_after=1)] + [
        notice.payload for notice in driver.notifies(timeout=0)
    ]


def _parts(size: int) -> int:
    """How many parts a file of ``size`` bytes is stored in (an empty one: one, empty)."""
    return max(1, -(-size // PART_BYTES))
