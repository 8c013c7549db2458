"""Catalogue versions in PostgreSQL (``etl.shared``): published once, fetched whole and
checked, announced, and changed by one builder at a time. Every test runs on a real
PostgreSQL server, in a schema of its own."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from etl.build import input_paths
from etl.shared import (
    PART_BYTES,
    SharedCatalogue,
    announcements,
    catalogue_blobs,
    catalogue_instances,
    file_hash,
)
from etl.upload import UPLOADS_DIR, load_staged, stage_upload
from etl.versions import KEEP_VERSIONS, ChangeBusy, VersionError, live_name
from recommender.artifact import VERSIONS_DIR, version_folder
from recommender.engine import Engine
from tests.bot.conftest import postgres_schema
from tests.conftest import BuiltData


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


@pytest.fixture
def shared(database: str) -> Iterator[SharedCatalogue]:
    catalogue = SharedCatalogue(database)
    yield catalogue
    catalogue.close()


def _files(folder: Path) -> dict[str, str]:
    return {path.name: file_hash(path) for path in sorted(folder.iterdir())}


def test_a_published_version_is_fetched_whole_into_an_empty_folder_and_serves(
    shared: SharedCatalogue, built: BuiltData, tmp_path: Path
):
    name = live_name(built.processed_dir)
    assert shared.live() is None
    shared.publish(built.processed_dir, name, built.raw_dir, input_paths(built.raw_dir))
    assert shared.live() == name
    (version,) = shared.versions()
    assert (version.name, version.live) == (name, True)
    assert version.inputs_hash == built.report.inputs_hash
    assert (version.titles, version.works) == (built.report.titles, built.report.works)
    assert version.quarantined == len(built.report.quarantined) > 0
    assert version.created.strftime("%Y%m%dT%H%M%SZ") == name.split("-")[0]
    original = version_folder(built.processed_dir, name)
    assert version.size == sum(path.stat().st_size for path in original.iterdir())

    empty = tmp_path / "processed"
    fetched = shared.fetch(empty, name)
    assert _files(fetched) == _files(original)
    assert [path.name for path in (empty / VERSIONS_DIR).iterdir()] == [name]  # no staging
    engine = Engine.load(empty, name)
    assert engine.recommend("toy story").results

    raw = tmp_path / "raw"
    written = shared.fetch_inputs(raw)
    assert "catalogues/netflix_titles.csv" in written
    for path in input_paths(built.raw_dir):
        if path.is_file():
            copy = raw / path.relative_to(built.raw_dir)
            assert copy.read_bytes() == path.read_bytes()
    assert shared.fetch_inputs(raw) == []  # the same already


def test_a_file_is_stored_once_in_parts_whatever_publishes_it(
    shared: SharedCatalogue, tmp_path: Path
):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(PART_BYTES) + b"tail")
    assert shared.put_file(big) == (file_hash(big), PART_BYTES + 4)
    assert shared.put_file(big) == (file_hash(big), PART_BYTES + 4)
    with shared._engine.connect() as connection:
        parts = connection.execute(catalogue_blobs.select()).all()
    assert sorted(len(part.data) for part in parts) == [4, PART_BYTES]


def test_a_publication_cut_short_or_never_made_changes_nothing_live(
    shared: SharedCatalogue, built: BuiltData, tmp_path: Path
):
    name = live_name(built.processed_dir)
    folder = version_folder(built.processed_dir, name)
    for path in folder.iterdir():  # its files stored, and then the builder died
        shared.put_file(path)
    assert shared.live() is None
    assert shared.versions() == []
    with pytest.raises(VersionError, match="no version named"):
        shared.set_live(name)
    with pytest.raises(VersionError, match="no version named"):
        shared.fetch(tmp_path / "processed", name)
    assert not (tmp_path / "processed" / VERSIONS_DIR).exists()


def test_only_the_newest_versions_and_the_live_one_are_kept_with_their_content(
    shared: SharedCatalogue, built: BuiltData, tmp_path: Path
):
    processed = tmp_path / "processed"
    original = version_folder(built.processed_dir, live_name(built.processed_dir))
    names = [f"202612{day:02}T000000Z-{day:012}" for day in range(1, KEEP_VERSIONS + 3)]
    for number, name in enumerate(names):
        folder = version_folder(processed, name)
        shutil.copytree(original, folder)
        (folder / "own.bin").write_bytes(name.encode())  # content of its own, and shared
        shared.publish(processed, name, live=number == 1)  # the second stays live
    kept = [version.name for version in shared.versions()]
    assert kept == [*names[::-1][:KEEP_VERSIONS], names[1]]
    assert shared.live() == names[1]
    with shared._engine.connect() as connection:
        stored = set(connection.execute(select(catalogue_blobs.c.sha256)).scalars())
    assert hashlib.sha256(names[0].encode()).hexdigest() not in stored  # forgotten
    for name in kept:
        fetched = shared.fetch(tmp_path / "elsewhere", name)
        assert (fetched / "own.bin").read_bytes() == name.encode()


def test_an_upload_staged_on_one_instance_is_applied_or_dropped_on_any(
    shared: SharedCatalogue, built: BuiltData, tmp_path: Path
):
    here, there = tmp_path / "here", tmp_path / "there"
    netflix = built.raw_dir / "catalogues" / "netflix_titles.csv"
    staged = stage_upload(built.raw_dir, here, netflix.read_bytes(), "netflix.csv", "netflix")
    shared.stage(here, staged.token)
    shared.prune(keep=0)  # what nothing but a staged upload names is kept
    assert shared.fetch_staged(there, staged.token)
    assert load_staged(there, staged.token) == staged
    uploads = there / UPLOADS_DIR
    assert (uploads / f"{staged.token}.csv").read_bytes() == netflix.read_bytes()
    staged_at = datetime.fromisoformat(staged.created).timestamp()
    assert (uploads / f"{staged.token}.csv").stat().st_mtime == staged_at  # expires as staged

    assert shared.unstage(staged.token)
    assert not shared.unstage(staged.token)
    assert not shared.fetch_staged(tmp_path / "elsewhere", staged.token)
    assert not shared.fetch_staged(there, staged.token)  # dropped for every instance


def test_a_stored_file_that_does_not_match_its_hash_is_never_served(
    shared: SharedCatalogue, built: BuiltData, tmp_path: Path
):
    name = live_name(built.processed_dir)
    shared.publish(built.processed_dir, name)
    with shared._engine.begin() as connection:
        connection.execute(
            update(catalogue_blobs)
            .where(catalogue_blobs.c.part == 0)
            .values(data=b"not what was stored")
        )
    processed = tmp_path / "processed"
    with pytest.raises(VersionError, match="does not match its hash"):
        shared.fetch(processed, name)
    assert list((processed / VERSIONS_DIR).iterdir()) == []  # nothing half-written is left


def test_making_a_version_live_is_announced_to_every_listener(database: str, built: BuiltData):
    name = live_name(built.processed_dir)
    first, second = SharedCatalogue(database), SharedCatalogue(database)
    listening = second.listen()
    try:
        assert announcements(listening, timeout=0.1) == []
        first.publish(built.processed_dir, name)
        assert announcements(listening, timeout=10) == [name]
        first.set_live(name)
        assert announcements(listening, timeout=10) == [name]
    finally:
        listening.close()
        first.close()
        second.close()


def test_schemas_sharing_a_server_hear_only_their_own_announcements(built: BuiltData):
    name = live_name(built.processed_dir)
    with postgres_schema() as one, postgres_schema() as other:
        ours, theirs = SharedCatalogue(one), SharedCatalogue(other)
        listening = theirs.listen()
        try:
            assert ours.channel != theirs.channel
            ours.publish(built.processed_dir, name)
            assert announcements(listening, timeout=0.5) == []
            with ours.change_lock(), theirs.change_lock():  # and locks of their own
                pass
        finally:
            listening.close()
            ours.close()
            theirs.close()


def test_one_change_at_a_time_the_next_waits_its_turn(database: str):
    first, second = SharedCatalogue(database), SharedCatalogue(database)
    order: list[str] = []
    waited = threading.Event()
    try:
        with first.change_lock():
            with pytest.raises(ChangeBusy), second.change_lock():
                pass

            def queued() -> None:
                with second.change_lock(wait=True, on_wait=waited.set):
                    order.append("second")

            thread = threading.Thread(target=queued)
            thread.start()
            assert waited.wait(10)
            time.sleep(0.2)
            order.append("first")
        thread.join(10)
        assert order == ["first", "second"]
    finally:
        first.close()
        second.close()


def test_a_builder_killed_holding_the_lock_lets_go_of_it(database: str):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from etl.shared import SharedCatalogue\n"
            "with SharedCatalogue(sys.argv[1]).change_lock():\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(60)\n",
            database,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    shared = SharedCatalogue(database)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ChangeBusy), shared.change_lock():
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10
        while True:
            try:
                with shared.change_lock():
                    break
            except ChangeBusy:
                assert time.monotonic() < deadline, "the killed builder's lock was kept"
                time.sleep(0.1)
    finally:
        holder.kill()
        holder.stdout.close()
        shared.close()


def test_instances_say_what_they_serve_and_the_silent_are_forgotten(shared: SharedCatalogue):
    started = datetime.now(UTC)
    shared.serving("host-a:1", "v1", started)
    shared.serving("host-b:2", None, started + timedelta(seconds=1))
    shared.serving("host-a:1", "v2", started)
    assert [(i.instance, i.version) for i in shared.instances()] == [
        ("host-a:1", "v2"),
        ("host-b:2", None),
    ]
    with shared._engine.begin() as connection:
        connection.execute(
            update(catalogue_instances)
            .where(catalogue_instances.c.instance == "host-b:2")
            .values(seen_at=started - timedelta(hours=1))
        )
    assert [i.instance for i in shared.instances()] == ["host-a:1"]
