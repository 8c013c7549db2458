"""The whole ETL (etl/build.py): report, atomic versioned output, staleness, determinism and
what a bad input does to the catalogue already being served."""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from etl import build as build_module
from etl.build import (
    BuildResult,
    EtlReport,
    build,
    code_hash,
    inputs_hash,
    is_stale,
    run_etl,
    write_version,
)
from etl.errors import EtlError
from etl.transform import RAW_COLUMNS
from etl.versions import KEEP_VERSIONS, list_versions
from etl.works import SERVED_WORK_COLUMNS
from recommender.artifact import (
    CURRENT_FILE,
    ENGINE_FILE,
    MANIFEST_FILE,
    REPORT_FILE,
    VERSIONS_DIR,
    load,
)
from recommender.catalogue import RECORD_COLUMNS, PlatformCount, served_records
from recommender.engine import ArtifactMissing, Engine, served_works

if TYPE_CHECKING:
    from tests.conftest import BuiltData

HEADER = ",".join(RAW_COLUMNS)


def leftovers(processed_dir: Path) -> list[str]:
    """Anything a crashed or finished write could leave behind besides versions and CURRENT."""
    folders = (processed_dir, processed_dir / VERSIONS_DIR)
    return sorted(p.name for folder in folders for p in folder.iterdir() if p.name[0] == ".")


def versions(processed_dir: Path) -> list[str]:
    """The version folders, oldest first."""
    folder = processed_dir / VERSIONS_DIR
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name[0] != ".")


def current(processed_dir: Path) -> str:
    return (processed_dir / CURRENT_FILE).read_text().strip()


# -- report and output ---------------------------------------------------------------------------
def test_report_totals(report: EtlReport) -> None:
    assert re.fullmatch(rf"20\d{{6}}T\d{{6}}Z-{report.inputs_hash[:12]}", report.version)
    assert len(report.inputs_hash) == 64
    assert (report.titles, report.works, report.shared_works) == (28, 27, 1)
    assert sum(counts["in"] for counts in report.rows.values()) == 29
    assert report.seconds > 0


def test_report_format(report: EtlReport) -> None:
    text = report.format()
    lines = text.splitlines()
    assert lines[0] == f"StreamBot catalogue {report.version} (inputs {report.inputs_hash[:12]})"
    assert "amazon            7         6            1" in lines
    assert "total            29        28            1" in lines
    assert "scores: 12 of 28 titles (42.9%); 10 exact, 2 by the fallbacks" in lines
    assert "works: 27, of which 1 are on several platforms" in lines
    assert (
        "  quarantined amazon_prime_titles.csv row 6 column 'release_year': "
        "release_year is not a year ('TBA')"
    ) in lines


def test_version_folder_holds_everything(built: BuiltData) -> None:
    folder = built.processed_dir / VERSIONS_DIR / built.report.version
    assert sorted(p.name for p in built.processed_dir.iterdir()) == [CURRENT_FILE, VERSIONS_DIR]
    assert current(built.processed_dir) == built.report.version
    # The engine, then its record table and newest titles, which load on first use.
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [ENGINE_FILE, "engine.0.pkl", "engine.1.pkl", MANIFEST_FILE, REPORT_FILE]
    )
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    assert manifest["version"] == built.report.version
    assert manifest["inputs_hash"] == built.report.inputs_hash
    assert manifest["code_hash"] == code_hash()
    assert [p["name"] for p in manifest["platforms"]] == ["amazon", "disney", "hulu", "netflix"]
    assert (manifest["titles"], manifest["works"]) == (28, 27)
    written = json.loads((folder / REPORT_FILE).read_text())
    expected = json.loads(json.dumps(asdict(built.report)))
    # run_etl adds the write time to ``seconds`` after report.json is written.
    assert {**written, "seconds": None} == {**expected, "seconds": None}
    engine = load(folder, ENGINE_FILE)
    assert list(engine.catalogue.records.columns) == RECORD_COLUMNS
    assert list(engine.works.columns) == SERVED_WORK_COLUMNS
    assert leftovers(built.processed_dir) == []


# -- determinism ---------------------------------------------------------------------------------
def test_a_build_serves_and_writes_one_engine_prepared_once(fixture_raw: Path, tmp_path: Path):
    """A reload serves the build's engine and writes its version: one engine, not two."""
    result = build(fixture_raw)
    served = result.engine()
    assert "_facets" not in vars(served)  # not prepared yet
    folder = write_version(result, tmp_path / "processed")
    assert result.engine() is served
    assert "_facets" in vars(served)  # writing prepared it
    assert Engine.load(tmp_path / "processed", folder.name).version == folder.name


def test_same_inputs_build_the_same_artifact(
    fixture_raw: Path, report: EtlReport, engine: Engine
) -> None:
    again = build(fixture_raw)  # other folder, same bytes
    assert again.report.inputs_hash == report.inputs_hash
    pd.testing.assert_frame_equal(served_records(again.catalogue), engine.catalogue.records)
    pd.testing.assert_frame_equal(served_works(again.works[SERVED_WORK_COLUMNS]), engine.works)
    assert (again.model.vectors_ != engine.model.vectors_).nnz == 0
    assert again.model.vectors_.shape == engine.model.vectors_.shape
    assert again.model.fields_ == engine.model.fields_
    assert list(again.matcher.keys_) == list(engine.matcher.keys_)
    assert (again.matcher.postings_ != engine.matcher.postings_).nnz == 0


def test_rebuilding_the_same_version_keeps_the_served_folder(built_copy: BuiltData) -> None:
    manifest = built_copy.processed_dir / VERSIONS_DIR / built_copy.report.version / MANIFEST_FILE
    written = manifest.stat().st_mtime_ns
    report = run_etl(built_copy.raw_dir, built_copy.processed_dir)
    assert report.version == built_copy.report.version
    assert manifest.stat().st_mtime_ns == written  # not swapped under a reader
    assert versions(built_copy.processed_dir) == [report.version]
    assert current(built_copy.processed_dir) == report.version
    assert is_stale(built_copy.raw_dir, built_copy.processed_dir) is False
    assert leftovers(built_copy.processed_dir) == []
    assert len(Engine.load(built_copy.processed_dir).catalogue) == 28


def test_changed_input_builds_a_new_version_and_keeps_the_old(built_copy: BuiltData) -> None:
    netflix = built_copy.raw_dir / "catalogues" / "netflix_titles.csv"
    netflix.write_bytes(netflix.read_bytes().replace(b"Breaking Bad", b"Breaking Worse"))
    report = run_etl(built_copy.raw_dir, built_copy.processed_dir)
    assert report.version != built_copy.report.version
    assert report.version.endswith("-" + report.inputs_hash[:12])
    assert versions(built_copy.processed_dir) == [built_copy.report.version, report.version]
    assert current(built_copy.processed_dir) == report.version
    engine = Engine.load(built_copy.processed_dir)
    assert engine.version == report.version
    assert engine.match("breaking worse", limit=1)[0].title == "Breaking Worse"


# -- staleness -----------------------------------------------------------------------------------
def test_is_stale_before_and_after_a_build(raw_dir: Path, tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    assert is_stale(raw_dir, processed) is True
    run_etl(raw_dir, processed)
    assert is_stale(raw_dir, processed) is False


@pytest.mark.parametrize(
    "changed",
    [
        "platforms.toml",
        "lexicon_es_en.csv",
        "synonyms_en.csv",
        "plot_keywords_en.csv",
        "titles_alt.csv",
        "themes.csv",
        "titles_elsewhere.csv",
        "catalogues/amazon_prime_titles.csv",
        "catalogues/disney_plus_titles.csv",
        "catalogues/hulu_titles.csv",
        "catalogues/netflix_titles.csv",
        "scores/MoviesOnStreamingPlatforms_updated.csv",
        "scores/tv_shows.csv",
    ],
)
def test_changing_any_input_makes_it_stale(built_copy: BuiltData, changed: str) -> None:
    assert is_stale(built_copy.raw_dir, built_copy.processed_dir) is False
    path = built_copy.raw_dir / changed
    path.write_bytes(path.read_bytes() + b"\n")
    assert is_stale(built_copy.raw_dir, built_copy.processed_dir) is True


def test_a_missing_input_makes_it_stale(built_copy: BuiltData) -> None:
    (built_copy.raw_dir / "scores" / "tv_shows.csv").unlink()
    assert is_stale(built_copy.raw_dir, built_copy.processed_dir) is True


def test_other_etl_code_makes_it_stale(
    built_copy: BuiltData, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = inputs_hash(built_copy.raw_dir)
    assert inputs_hash(built_copy.raw_dir) == before
    monkeypatch.setattr(build_module, "code_hash", lambda: "changed rules")
    assert inputs_hash(built_copy.raw_dir) != before
    assert is_stale(built_copy.raw_dir, built_copy.processed_dir) is True


def test_an_unreadable_manifest_makes_it_stale(built_copy: BuiltData) -> None:
    manifest = built_copy.processed_dir / VERSIONS_DIR / built_copy.report.version / MANIFEST_FILE
    manifest.write_text("{not json")
    assert is_stale(built_copy.raw_dir, built_copy.processed_dir) is True


def write_old_format(folder: Path) -> None:
    """Rewrite the version in ``folder`` as builds wrote it before formats were named: each
    object whole in its pickle, and a manifest without a ``format``."""
    for path in folder.glob("*.pkl"):
        value = load(folder, path.name)
        with path.open("wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
    for path in folder.glob("*.npy"):
        path.unlink()
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    del manifest["format"]
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))


def test_a_version_of_an_older_format_is_rebuilt_never_read(built_copy: BuiltData) -> None:
    """Even one that claims the inputs of today: the format, not the hash, decides."""
    raw, processed = built_copy.raw_dir, built_copy.processed_dir
    old = built_copy.report.version
    write_old_format(processed / VERSIONS_DIR / old)
    assert current(processed) == old
    assert is_stale(raw, processed) is True
    with pytest.raises(ArtifactMissing):
        Engine.load(processed)
    with pytest.raises(ArtifactMissing):
        Engine.load(processed, old)
    assert list_versions(processed) == []  # nothing to roll back to
    report = run_etl(raw, processed)
    assert report.version != old  # a new folder: the old one is not written into
    assert current(processed) == report.version
    assert is_stale(raw, processed) is False
    assert Engine.load(processed).version == report.version
    assert [version.name for version in list_versions(processed)] == [report.version]


# -- atomic writes -------------------------------------------------------------------------------
def test_a_crash_while_writing_keeps_the_served_version(built_copy: BuiltData) -> None:
    netflix = built_copy.raw_dir / "catalogues" / "netflix_titles.csv"
    netflix.write_bytes(netflix.read_bytes().replace(b"Breaking Bad", b"Breaking Worse"))
    result = build(built_copy.raw_dir)
    result.model.unpicklable_ = lambda: None  # pickle.dump fails half way through the write
    with pytest.raises((pickle.PicklingError, AttributeError)):
        write_version(result, built_copy.processed_dir)
    assert leftovers(built_copy.processed_dir) == []
    assert versions(built_copy.processed_dir) == [built_copy.report.version]
    assert current(built_copy.processed_dir) == built_copy.report.version


def test_a_failed_write_of_the_manifest_keeps_the_served_version(
    built_copy: BuiltData, monkeypatch: pytest.MonkeyPatch
) -> None:
    netflix = built_copy.raw_dir / "catalogues" / "netflix_titles.csv"
    netflix.write_bytes(netflix.read_bytes().replace(b"Breaking Bad", b"Breaking Worse"))
    result = build(built_copy.raw_dir)

    def disk_full() -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, "code_hash", disk_full)  # after the pickles, before rename
    with pytest.raises(OSError, match="No space left"):
        write_version(result, built_copy.processed_dir)
    assert leftovers(built_copy.processed_dir) == []
    assert versions(built_copy.processed_dir) == [built_copy.report.version]
    assert current(built_copy.processed_dir) == built_copy.report.version
    assert Engine.load(built_copy.processed_dir).version == built_copy.report.version


def test_old_versions_are_pruned(built_copy: BuiltData) -> None:
    netflix = built_copy.raw_dir / "catalogues" / "netflix_titles.csv"
    built_versions = [built_copy.report.version]
    for number in range(KEEP_VERSIONS + 1):
        extra = f"s{90 + number},Movie,Extra {number},,,,,2020,,90 min,Dramas,x\r\n"
        netflix.write_bytes(netflix.read_bytes() + extra.encode())
        built_versions.append(run_etl(built_copy.raw_dir, built_copy.processed_dir).version)
    assert len(set(built_versions)) == KEEP_VERSIONS + 2
    assert built_versions == sorted(built_versions)  # quick builds still get names in order
    assert versions(built_copy.processed_dir) == built_versions[-KEEP_VERSIONS:]
    assert current(built_copy.processed_dir) == built_versions[-1]
    assert leftovers(built_copy.processed_dir) == []
    assert len(Engine.load(built_copy.processed_dir).catalogue) == 28 + KEEP_VERSIONS + 1


# -- a new platform ------------------------------------------------------------------------------
def test_adding_a_platform_takes_a_registry_entry_and_a_csv(raw_dir: Path, tmp_path: Path) -> None:
    registry = raw_dir / "platforms.toml"
    registry.write_text(
        registry.read_text() + '\n[[platform]]\nname = "max"\nletter = "m"\n'
        'file = "max_titles.csv"\ndisplay_name = "Max"\naliases = ["hbo max"]\n'
    )
    (raw_dir / "catalogues" / "max_titles.csv").write_text(
        f"{HEADER}\ns1,TV Show,Breaking Bad,,,Canada,,2013,TV-14,6 Seasons,Drama,A copy.\n"
        "s2,Movie,Max Only,,Al Pacino,,,2008,,90 min,Drama,x\n"
    )
    report = run_etl(raw_dir, tmp_path / "processed")
    assert report.rows["max"] == {"in": 2, "out": 2, "quarantined": 0}
    engine = Engine.load(tmp_path / "processed")
    assert engine.catalogue.count("HBO Max") == PlatformCount("max", 1, 1)
    [match] = engine.match("breaking bad", limit=1)
    assert (match.id, match.platforms) == ("ns11", ["netflix", "max"])
    details = engine.details(match.work_id)
    assert details.ids == ["ns11", "ms1"]
    # The copy replies show is the one on the first platform in the registry, field by field.
    assert (details.rating, details.duration_int, details.country) == (
        "TV-MA",
        5,
        ["United States"],
    )
    assert report.shared_works == 2


# -- bad input -----------------------------------------------------------------------------------
BAD_INPUTS = [
    pytest.param(
        "catalogues/netflix_titles.csv",
        f"{HEADER}\ns1,Movie,Heat,,,,,1995,R,170 min,Drama,x\ns2,Movie,Heat 2,,,,,1995,R,9 min,"
        "Drama,x,one field too many\n".encode(),
        "catalogues/netflix_titles.csv, row 3: malformed CSV",
        id="too-many-fields",
    ),
    pytest.param(
        "catalogues/netflix_titles.csv",
        f'{HEADER}\ns1,Movie,"Heat,,,,,1995,R,170 min,Drama,x\n'.encode(),
        "catalogues/netflix_titles.csv, row 2: malformed CSV",
        id="unbalanced-quote",
    ),
    pytest.param(
        "catalogues/amazon_prime_titles.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
        "catalogues/amazon_prime_titles.csv, row 1: not UTF-8 text",
        id="binary",
    ),
    pytest.param(
        "catalogues/hulu_titles.csv",
        HEADER.replace(",cast", "").encode() + b"\n",
        "catalogues/hulu_titles.csv, row 1, column 'cast': required column is missing",
        id="missing-column",
    ),
    pytest.param(
        "catalogues/disney_plus_titles.csv",
        b"",
        "catalogues/disney_plus_titles.csv: the file is empty",
        id="empty-file",
    ),
    pytest.param(
        "catalogues/netflix_titles.csv",
        None,
        "catalogues/netflix_titles.csv: file not found",
        id="missing-file",
    ),
    pytest.param(
        "scores/MoviesOnStreamingPlatforms_updated.csv",
        b",ID,Name,Year,IMDb\n0,1,Heat,1995,8.3\n",
        "scores/MoviesOnStreamingPlatforms_updated.csv, row 1, column 'Title': required column",
        id="score-column",
    ),
    pytest.param(
        "scores/tv_shows.csv", None, "scores/tv_shows.csv: file not found", id="missing-scores"
    ),
    pytest.param(
        "platforms.toml",
        b"[[platform]\n",
        "raw/platforms.toml: the platform registry is not",
        id="registry",
    ),
]


@pytest.mark.parametrize(("changed", "content", "message"), BAD_INPUTS)
def test_bad_input_fails_naming_the_file_and_keeps_the_served_version(
    built_copy: BuiltData, engine: Engine, changed: str, content: bytes | None, message: str
) -> None:
    path = built_copy.raw_dir / changed
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    with pytest.raises(EtlError) as caught:
        run_etl(built_copy.raw_dir, built_copy.processed_dir)
    assert message in str(caught.value)
    assert current(built_copy.processed_dir) == built_copy.report.version
    assert versions(built_copy.processed_dir) == [built_copy.report.version]
    assert leftovers(built_copy.processed_dir) == []
    served = Engine.load(built_copy.processed_dir)
    assert served.version == engine.version
    pd.testing.assert_frame_equal(served.catalogue.records, engine.catalogue.records)


def test_a_header_only_catalogue_fails_naming_the_file(built_copy: BuiltData) -> None:
    """An empty catalogue (header, no rows) is bad input, not a platform with no titles."""
    (built_copy.raw_dir / "catalogues" / "netflix_titles.csv").write_text(HEADER + "\r\n")
    with pytest.raises(EtlError) as caught:
        run_etl(built_copy.raw_dir, built_copy.processed_dir)
    assert "catalogues/netflix_titles.csv" in str(caught.value)
    assert current(built_copy.processed_dir) == built_copy.report.version


def test_catalogues_without_any_row_fail(raw_dir: Path, tmp_path: Path) -> None:
    for path in (raw_dir / "catalogues").iterdir():
        path.write_text(HEADER + "\n")
    with pytest.raises(
        EtlError,
        match=r"amazon_prime_titles.csv: the catalogue has no usable rows \(0 quarantined\)",
    ):
        run_etl(raw_dir, tmp_path / "processed")
    assert list((tmp_path / "processed").iterdir()) == []  # held only the lock


def test_a_catalogue_of_only_bad_rows_stops_the_build(raw_dir: Path) -> None:
    """One bad row is quarantined; a file where every row is bad is a broken file."""
    (raw_dir / "catalogues" / "hulu_titles.csv").write_text(
        f"{HEADER}\ns1,Movie,Heat,,,,,TBA,R,170 min,Drama,x\n"
    )
    with pytest.raises(EtlError, match=r"hulu_titles.csv: .*no usable rows \(1 quarantined\)"):
        build(raw_dir)


# -- the real data, once -------------------------------------------------------------------------
def test_smoke_build_of_the_full_catalogue(real_build: BuildResult) -> None:
    """The full build of data/raw: its numbers are the ones data/README.md states."""
    result = real_build
    report = result.report
    assert {name: counts["in"] for name, counts in report.rows.items()} == {
        "amazon": 9668,
        "disney": 1450,
        "hulu": 3073,
        "netflix": 8807,
    }
    assert report.titles == 22998
    assert result.catalogue["type"].value_counts().to_dict() == {"movie": 16481, "tv show": 6517}
    assert report.quarantined == []
    assert report.repairs["duration moved out of rating"] == 3 + 292
    assert report.repairs["UTF-8 BOM stripped"] == 4
    assert report.repairs["score titles repaired by ftfy"] > 0
    assert 400 <= report.shared_works <= 440  # "~420 works"
    assert result.catalogue["id"].is_unique
