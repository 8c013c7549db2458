"""The kept versions (etl/versions.py): naming, the live pointer, listing, pruning, rollback,
what an older layout of ``data/processed`` does, and the lock and clean-up of changes."""

from __future__ import annotations

import errno
import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from etl import versions as versions_module
from etl.build import is_stale, run_etl
from etl.versions import (
    ChangeBusy,
    VersionError,
    change_lock,
    list_versions,
    prune,
    rollback,
    set_live,
    version_name,
    write_atomic,
)
from recommender.artifact import CURRENT_FILE, ENGINE_FILE, MANIFEST_FILE, VERSIONS_DIR
from recommender.engine import ArtifactMissing, Engine

if TYPE_CHECKING:
    from tests.conftest import BuiltData


def current(processed_dir: Path) -> str:
    return (processed_dir / CURRENT_FILE).read_text().strip()


def folders(processed_dir: Path) -> list[str]:
    """Everything under ``versions/``, oldest first, half-written folders included."""
    return sorted(path.name for path in (processed_dir / VERSIONS_DIR).iterdir())


def add_title(built: BuiltData, number: int) -> str:
    """Add the movie "Extra <number>" to the Netflix file, build, and return the version."""
    netflix = built.raw_dir / "catalogues" / "netflix_titles.csv"
    row = f"s{90 + number},Movie,Extra {number},,,,,2020,,90 min,Dramas,x\r\n"
    netflix.write_bytes(netflix.read_bytes() + row.encode())
    return run_etl(built.raw_dir, built.processed_dir).version


@pytest.fixture
def three_versions(built_copy: BuiltData) -> tuple[BuiltData, list[str]]:
    """``built_copy`` with two more versions built after the first; oldest first."""
    names = [built_copy.report.version, add_title(built_copy, 1), add_title(built_copy, 2)]
    return built_copy, names


# -- layout and listing --------------------------------------------------------------------------
def test_a_build_is_one_version_folder_and_the_pointer_names_it(built: BuiltData) -> None:
    name = built.report.version
    assert current(built.processed_dir) == name
    assert folders(built.processed_dir) == [name]
    stamp, digest = name.split("-")
    assert digest == built.report.inputs_hash[:12]
    assert datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").year >= 2025


def test_list_versions_reports_sizes_and_counts(built: BuiltData) -> None:
    [version] = list_versions(built.processed_dir)
    folder = built.processed_dir / VERSIONS_DIR / version.name
    assert version.name == built.report.version
    assert version.created == datetime.strptime(version.name[:16], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=UTC
    )
    assert version.size == sum(path.stat().st_size for path in folder.iterdir())
    assert version.size > (folder / ENGINE_FILE).stat().st_size > 0
    assert (version.titles, version.works, version.quarantined) == (28, 27, 1)
    assert version.rows == built.report.rows
    assert version.rows["amazon"] == {"in": 7, "out": 6, "quarantined": 1}
    assert version.seconds == built.report.seconds
    assert version.live is True


def test_list_versions_is_newest_first_and_marks_the_live_one(three_versions) -> None:
    built, names = three_versions
    rollback(built.processed_dir)
    listed = list_versions(built.processed_dir)
    assert [version.name for version in listed] == names[::-1]
    assert [version.live for version in listed] == [False, True, False]


def test_incomplete_folders_are_not_listed(built_copy: BuiltData) -> None:
    versions_dir = built_copy.processed_dir / VERSIONS_DIR
    (versions_dir / "20000101T000000Z-0123456789ab").mkdir()  # no manifest
    (versions_dir / ".staging-x").mkdir()
    assert [v.name for v in list_versions(built_copy.processed_dir)] == [built_copy.report.version]


def test_a_build_in_the_same_second_is_stamped_after_the_newest(tmp_path: Path) -> None:
    (tmp_path / VERSIONS_DIR / "20991231T235959Z-0123456789ab").mkdir(parents=True)
    assert version_name(tmp_path, "f" * 64) == "21000101T000000Z-ffffffffffff"


# -- rebuilds ------------------------------------------------------------------------------------
def test_rolling_back_twice_then_rebuilding_the_same_inputs_reuses_the_newest(
    three_versions,
) -> None:
    built, names = three_versions
    assert rollback(built.processed_dir).name == names[1]
    assert rollback(built.processed_dir).name == names[0]
    report = run_etl(built.raw_dir, built.processed_dir)  # the inputs of names[2]
    assert report.version == names[2]
    assert current(built.processed_dir) == names[2]
    assert folders(built.processed_dir) == names
    assert is_stale(built.raw_dir, built.processed_dir) is False


def test_pruning_never_drops_the_live_version(three_versions) -> None:
    built, names = three_versions
    rollback(built.processed_dir, to=names[0])
    assert prune(built.processed_dir, keep=1) == [names[1]]
    assert folders(built.processed_dir) == [names[0], names[2]]
    assert Engine.load(built.processed_dir).version == names[0]


# -- rollback ------------------------------------------------------------------------------------
def test_rollback_makes_the_previous_version_live(three_versions) -> None:
    built, names = three_versions
    now_live = rollback(built.processed_dir)
    assert (now_live.name, now_live.live, now_live.titles) == (names[1], True, 29)
    assert current(built.processed_dir) == names[1]
    engine = Engine.load(built.processed_dir)
    assert engine.version == names[1]
    assert len(engine.catalogue) == 29  # Extra 1, not yet Extra 2
    assert not list((built.processed_dir).glob(f".{CURRENT_FILE}*"))


def test_rollback_to_a_named_version(three_versions) -> None:
    built, names = three_versions
    assert rollback(built.processed_dir, to=names[0]).name == names[0]
    assert rollback(built.processed_dir, to=names[2]).name == names[2]  # forward again
    assert current(built.processed_dir) == names[2]


@pytest.mark.parametrize(
    ("to", "message"),
    [
        (None, r"no earlier version to roll back to \(\S+ is the oldest\)"),
        ("20000101T000000Z-0123456789ab", "no version named '20000101T000000Z-0123456789ab'"),
        ("live", "is already live"),
    ],
)
def test_rollback_without_a_target_says_why(
    built_copy: BuiltData, to: str | None, message: str
) -> None:
    processed = built_copy.processed_dir
    to = built_copy.report.version if to == "live" else to
    with pytest.raises(VersionError, match=message):
        rollback(processed, to=to)
    assert current(processed) == built_copy.report.version


def test_rollback_without_a_built_catalogue_says_why(tmp_path: Path) -> None:
    with pytest.raises(VersionError, match=r"no live version in .*; run 'streambot etl' first"):
        rollback(tmp_path)


def test_a_rollback_holds_until_the_inputs_change(three_versions) -> None:
    built, _ = three_versions
    rollback(built.processed_dir)
    assert is_stale(built.raw_dir, built.processed_dir) is False  # the operator's choice
    netflix = built.raw_dir / "catalogues" / "netflix_titles.csv"
    netflix.write_bytes(netflix.read_bytes() + b"\n")
    assert is_stale(built.raw_dir, built.processed_dir) is True


def test_a_failed_pointer_switch_keeps_the_live_version(
    three_versions, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, names = three_versions

    def disk_full(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(versions_module.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        rollback(built.processed_dir)
    with pytest.raises(OSError, match="No space left"):
        set_live(built.processed_dir, names[0])
    assert current(built.processed_dir) == names[2]
    assert sorted(path.name for path in built.processed_dir.iterdir()) == [
        CURRENT_FILE,
        VERSIONS_DIR,
    ]


# -- the older layout: CURRENT naming a folder directly under processed/ -------------------------
@pytest.fixture
def old_layout(built_copy: BuiltData) -> BuiltData:
    processed = built_copy.processed_dir
    legacy = processed / "0123456789abcdef"
    shutil.move(processed / VERSIONS_DIR / built_copy.report.version, legacy)
    (processed / VERSIONS_DIR).rmdir()
    (processed / CURRENT_FILE).write_text("0123456789abcdef\n")
    return built_copy


def test_an_older_layout_is_stale_and_not_served(old_layout: BuiltData) -> None:
    processed = old_layout.processed_dir
    assert is_stale(old_layout.raw_dir, processed) is True
    with pytest.raises(ArtifactMissing, match="run 'streambot etl' first"):
        Engine.load(processed)
    assert list_versions(processed) == []
    with pytest.raises(VersionError, match="no live version"):
        rollback(processed)


def test_a_build_over_an_older_layout_replaces_it(old_layout: BuiltData) -> None:
    processed = old_layout.processed_dir
    report = run_etl(old_layout.raw_dir, processed)
    assert sorted(path.name for path in processed.iterdir()) == [CURRENT_FILE, VERSIONS_DIR]
    assert [version.name for version in list_versions(processed)] == [report.version]
    assert Engine.load(processed).version == report.version
    manifest = json.loads((processed / VERSIONS_DIR / report.version / MANIFEST_FILE).read_text())
    assert manifest["version"] == report.version


# -- what a killed change leaves, and the lock every change holds --------------------------------
def test_what_a_killed_change_left_goes_before_the_next_one(built_copy: BuiltData) -> None:
    """A staging folder (a version half-written), temporary pointer and history files: the next
    change (here a rollback, which has nothing to roll back to) deletes them."""
    processed, catalogues = built_copy.processed_dir, built_copy.raw_dir / "catalogues"
    staging = processed / VERSIONS_DIR / ".staging-k1ll3d"
    staging.mkdir()
    (staging / ENGINE_FILE).write_bytes(bytes(1000))
    (processed / ".CURRENT.ab1cd2ef").write_text("half")
    (catalogues / "history").mkdir()
    (catalogues / "history" / ".netflix_titles.20260101T000000Z.csv.x8y9z0ab").write_text("half")
    with pytest.raises(VersionError, match="no earlier version"):
        rollback(processed)
    assert folders(processed) == [built_copy.report.version]
    assert sorted(path.name for path in processed.iterdir()) == [CURRENT_FILE, VERSIONS_DIR]
    run_etl(built_copy.raw_dir, processed)  # the same inputs: it writes nothing, and tidies
    assert list((catalogues / "history").iterdir()) == []


def test_another_change_s_files_are_not_leftovers(built_copy: BuiltData) -> None:
    processed = built_copy.processed_dir
    staging = processed / VERSIONS_DIR / ".staging-running"
    staging.mkdir()
    with change_lock(processed):  # held, as by another process in the middle of a change
        with pytest.raises(ChangeBusy, match="another catalogue change"):
            rollback(processed)
        with pytest.raises(ChangeBusy):
            run_etl(built_copy.raw_dir, processed)
    assert staging.is_dir()
    assert current(processed) == built_copy.report.version


def test_the_lock_dies_with_its_holder(built_copy: BuiltData) -> None:
    """A process killed while it holds the lock (SIGKILL: no clean-up of its own) frees it."""
    processed = built_copy.processed_dir
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from etl.versions import change_lock\n"
            "with change_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(processed),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(ChangeBusy):
            rollback(processed)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    with change_lock(processed):
        pass


def test_a_full_disk_leaves_the_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / CURRENT_FILE
    target.write_text("before\n")

    class FullDisk(io.BufferedWriter):
        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    def open_full(descriptor: int, mode: str) -> FullDisk:
        return FullDisk(io.FileIO(descriptor, "wb"))

    monkeypatch.setattr(versions_module.os, "fdopen", open_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"after\n")
    assert [path.name for path in tmp_path.iterdir()] == [CURRENT_FILE]
    assert target.read_text() == "before\n"
