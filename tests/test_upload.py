"""Catalogue uploads (etl/upload.py): the checks and dry-run diff of ``stage_upload``;
``prepare_upload``, ``finish_upload`` and ``discard_upload`` on a copy of the raw fixtures;
and uploads published (``run_upload``), refused by validation, or allowed to shrink."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import pickle
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import upload as upload_module
from etl.build import BuildRefused, inputs_hash, run_upload
from etl.platforms import REGISTRY_FILE, load_registry
from etl.upload import (
    STAGED_SECONDS,
    AppliedUpload,
    UploadError,
    UploadRows,
    discard_upload,
    finish_upload,
    format_diff,
    prepare_upload,
    remove_expired_uploads,
    stage_upload,
)
from recommender.catalogue import RECORD_ID
from recommender.engine import Engine
from tests.conftest import BuiltData
from tests.test_extract import excel_export

FIXTURE_NETFLIX = Path(__file__).parent / "fixtures" / "raw" / "catalogues" / "netflix_titles.csv"
HEADER = FIXTURE_NETFLIX.read_bytes().split(b"\r\n", 1)[0]
HEAT = b"s12,Movie,Heat,Michael Mann,,United States,,1995,R,170 min,Dramas,A heist.\r\n"
BAD_YEAR = b"s13,Movie,Soon,,,,,20x1,R,90 min,Dramas,Not out yet.\r\n"


def edited_netflix() -> bytes:
    """The fixture's Netflix file (11 rows) with Breaking Bad (s11) dropped, four rows changed,
    Heat added and a row whose year is not a year: 12 rows, 1 quarantined."""
    edits = {
        b"s11,": None,  # Breaking Bad
        b"s1,": (b"90 min", b"91 min"),  # Dick Johnson Is Dead
        b"s2,": (b"TV-14", b"TV-MA"),  # The Office
        b"s4,": (b"Oct-01", b"October First"),
        b"s5,": (b"TV-PG", b"TV-14"),  # Abnormal Summit
    }
    lines = []
    for line in FIXTURE_NETFLIX.read_bytes().split(b"\r\n"):
        change = edits.get(line[: line.find(b",") + 1], ())
        if line and change is not None:
            lines.append(line.replace(*change) if change else line)
    return b"\r\n".join(lines) + b"\r\n" + HEAT + BAD_YEAR


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def staged_files(state_dir: Path) -> list[str]:
    uploads = state_dir / "uploads"
    return sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []


@pytest.fixture
def state_dir(data_dir: Path) -> Path:
    return data_dir / "state"


# -- staging and the dry-run diff ----------------------------------------------------------------
def test_stage_counts_what_would_change(raw_dir: Path, state_dir: Path) -> None:
    before = snapshot(raw_dir)
    staged = stage_upload(
        raw_dir, state_dir, edited_netflix(), "netflix_2024.csv", "netflix", uploader=7
    )
    diff = staged.diff
    assert diff.summary == {
        "rows": 12,
        "added": 1,
        "removed": 1,
        "changed": 4,
        "unchanged": 6,
        "quarantined": 1,
    }
    assert list(diff.changed_columns.items()) == [("rating", 2), ("title", 1), ("duration", 1)]
    assert diff.examples == {
        "added": ["Heat"],
        "removed": ["Breaking Bad"],
        "changed": ["Dick Johnson Is Dead", "The Office", "October First"],
    }
    assert diff.quarantined == [
        {
            "file": "netflix_2024.csv",
            "row": 13,
            "column": "release_year",
            "value": "20x1",
            "reason": "release_year is not a year",
        }
    ]
    assert (diff.platform, diff.display_name, diff.is_new_platform) == ("netflix", "Netflix", False)
    assert diff.current_error is None
    assert snapshot(raw_dir) == before

    assert re.fullmatch(r"[0-9a-f]{10}", staged.token)
    assert len(f"upok:{staged.token}".encode()) <= 64
    assert staged_files(state_dir) == [f"{staged.token}.csv", f"{staged.token}.json"]
    assert (state_dir / "uploads" / f"{staged.token}.csv").read_bytes() == edited_netflix()
    metadata = json.loads((state_dir / "uploads" / f"{staged.token}.json").read_text())
    assert {key: metadata[key] for key in ("platform", "display_name", "filename", "uploader")} == {
        "platform": "netflix",
        "display_name": "Netflix",
        "filename": "netflix_2024.csv",
        "uploader": 7,
    }
    assert metadata["is_new_platform"] is False
    assert metadata["created"] == staged.created


def test_stage_finds_a_platform_by_alias(raw_dir: Path, state_dir: Path) -> None:
    staged = stage_upload(raw_dir, state_dir, FIXTURE_NETFLIX.read_bytes(), "n.csv", "NFLX")
    assert staged.platform == "netflix"
    assert staged.diff.summary["unchanged"] == 11
    assert staged.diff.changed_columns == {}


def test_format_diff(raw_dir: Path, state_dir: Path) -> None:
    diff = stage_upload(raw_dir, state_dir, edited_netflix(), "netflix_2024.csv", "netflix").diff
    assert format_diff(diff).splitlines() == [
        "platform Netflix (netflix): 12 rows, 11 usable, 1 quarantined",
        "  added           1  e.g. Heat",
        "  removed         1  e.g. Breaking Bad",
        "  changed         4  e.g. Dick Johnson Is Dead, The Office, October First",
        "  unchanged       6",
        "  changed columns: rating 2, title 1, duration 1",
        "  quarantined netflix_2024.csv row 13 column 'release_year': "
        "release_year is not a year ('20x1')",
    ]


def test_a_broken_current_file_counts_as_empty(raw_dir: Path, state_dir: Path) -> None:
    (raw_dir / "catalogues" / "netflix_titles.csv").write_bytes(b"\x89PNG\r\n")
    diff = stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", "netflix").diff
    assert (diff.added, diff.removed, diff.changed) == (11, 0, 0)
    assert (
        diff.current_error
        == "catalogues/netflix_titles.csv, row 1: not UTF-8 text (is it a CSV file?)"
    )


ALL_QUARANTINED = (
    HEADER + b"\r\ns1,Movie,A,,,,,year,R,90 min,Dramas,x\r\n,Movie,B,,,,,2001,R,9 min,x,y\r\n"
)


REFUSED = [
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "poster.csv",
        "netflix",
        None,
        "not_csv",
        "poster.csv, row 1: not UTF-8 text (is it a CSV file?)",
        id="png",
    ),
    pytest.param(
        HEADER + b"\r\ns1\x00,Movie",
        "n.csv",
        "netflix",
        None,
        "not_csv",
        "n.csv: the file holds binary data, not CSV text",
        id="nul-bytes",
    ),
    pytest.param(
        edited_netflix(),
        "netflix.xlsx",
        "netflix",
        None,
        "not_csv",
        "netflix.xlsx: the file name does not end in .csv",
        id="extension",
    ),
    pytest.param(
        HEADER + b'\r\ns1,Movie,"Heat\r\n',
        "n.csv",
        "netflix",
        None,
        "not_csv",
        "n.csv, row 2: malformed CSV",
        id="malformed",
    ),
    pytest.param(b"", "n.csv", "netflix", None, "not_csv", "n.csv: the file is empty", id="empty"),
    pytest.param(
        HEADER.replace(b",rating", b"") + b"\r\ns1,Movie,Heat,,,,,1995,170 min,Dramas,x\r\n",
        "n.csv",
        "netflix",
        None,
        "missing_columns",
        "n.csv, row 1, column 'rating': required column is missing",
        id="missing-column",
    ),
    pytest.param(
        HEADER + b"\r\n",
        "n.csv",
        "netflix",
        None,
        "no_rows",
        "n.csv: none of the 0 rows is usable",
        id="header-only",
    ),
    pytest.param(
        ALL_QUARANTINED,
        "n.csv",
        "netflix",
        None,
        "no_rows",
        "n.csv, row 2, column 'release_year': none of the 2 rows is usable "
        "(first: release_year is not a year)",
        id="all-quarantined",
    ),
    pytest.param(
        edited_netflix(),
        "n.csv",
        "HBO Max",
        "HBO Max",
        "bad_platform",
        "n.csv: 'hbo max' is not a platform name",
        id="platform-with-space",
    ),
    pytest.param(
        edited_netflix(),
        "n.csv",
        "x",
        "X",
        "bad_platform",
        "n.csv: 'x' is not a platform name",
        id="platform-too-short",
    ),
    pytest.param(
        edited_netflix(),
        "n.csv",
        "max",
        None,
        "display_name_needed",
        "n.csv: max is a new platform: give it a display name",
        id="no-display-name",
    ),
    pytest.param(
        edited_netflix(),
        "n.csv",
        "max",
        "  ",
        "display_name_needed",
        "give it a display name",
        id="blank-display-name",
    ),
    pytest.param(
        edited_netflix(),
        "n.csv",
        "max",
        "Prime",
        "bad_display_name",
        "n.csv: 'Prime' already names Prime Video",
        id="display-name-taken",
    ),
    pytest.param(
        edited_netflix(),
        "n.csv",
        "max",
        "Max\nMax",
        "bad_display_name",
        "one line",
        id="display-name-two-lines",
    ),
    # The reader's limits, each named with where it was passed.
    pytest.param(
        HEADER + b"".join(b",c%d" % number for number in range(300_000)) + b"\r\n" + HEAT,
        "n.csv",
        "netflix",
        None,
        "not_csv",
        "n.csv, row 1: more than 20,310 columns; a file has at most 64",
        id="300k-columns",
    ),
    pytest.param(
        HEADER + b"\r\n" + HEAT.replace(b"Michael Mann,,", b"Michael Mann,%s," % (b"x" * 5000)),
        "n.csv",
        "netflix",
        None,
        "not_csv",
        "n.csv, row 2, column 'cast': a value of 5,000 characters; at most 4,096",
        id="value-too-long",
    ),
    pytest.param(
        HEADER + b"\r\n" + b"s1,Movie,t,,,,,2020,,1 min,,\r\n" * 100_001,
        "n.csv",
        "netflix",
        None,
        "not_csv",
        "n.csv, row 100002: more than 100,000 rows",
        id="too-many-rows",
    ),
    pytest.param(
        HEADER + b"\r\n" + HEAT.replace(b"\r\n", b",,\r\n"),
        "n.csv",
        "netflix",
        None,
        "not_csv",
        "n.csv, row 2: malformed CSV (the row has 14 fields, the header 12)",
        id="two-trailing-commas",
    ),
]


@pytest.mark.parametrize(
    ("data", "filename", "platform", "display_name", "code", "message"), REFUSED
)
def test_stage_refuses(
    raw_dir: Path,
    state_dir: Path,
    data: bytes,
    filename: str,
    platform: str,
    display_name: str | None,
    code: str,
    message: str,
) -> None:
    before = snapshot(raw_dir)
    with pytest.raises(UploadError) as caught:
        stage_upload(raw_dir, state_dir, data, filename, platform, display_name)
    assert caught.value.code == code
    assert message in str(caught.value)
    assert snapshot(raw_dir) == before
    assert staged_files(state_dir) == []


def test_an_excel_export_with_a_comma_after_each_row_is_the_same_catalogue(
    raw_dir: Path, state_dir: Path
) -> None:
    staged = stage_upload(
        raw_dir, state_dir, excel_export(FIXTURE_NETFLIX.read_bytes()), "n.csv", "netflix"
    )
    assert staged.diff.summary == {
        "rows": 11,
        "added": 0,
        "removed": 0,
        "changed": 0,
        "unchanged": 11,
        "quarantined": 0,
    }


def test_the_check_is_given_the_usable_rows_as_they_will_be_served(
    raw_dir: Path, state_dir: Path
) -> None:
    given: list[UploadRows] = []
    stage_upload(
        raw_dir,
        state_dir,
        edited_netflix(),
        "peacock.csv",
        "peacock",
        "Peacock",
        check=given.append,
    )
    (rows,) = given
    assert rows.filename == "peacock.csv"
    assert (rows.platform.name, rows.platform.letter) == ("peacock", "p")
    assert rows.registry.names == ["amazon", "disney", "hulu", "netflix", "peacock"]
    assert rows.frame["id"].tolist()[-2:] == ["ps10", "ps12"]  # after s10: Heat (s12)
    assert rows.file_rows.tolist() == list(range(2, 13))  # row 13 (s13) is quarantined


def test_a_check_that_refuses_stages_nothing(raw_dir: Path, state_dir: Path) -> None:
    def refuse(rows: UploadRows) -> None:
        raise UploadError("unservable", "no", rows.filename, int(rows.file_rows[0]), "title")

    with pytest.raises(UploadError, match=r"^n\.csv, row 2, column 'title': no$"):
        stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", "netflix", check=refuse)
    assert staged_files(state_dir) == []


# Values that broke, or could break, the reading, the rules or what serves the rows.
NASTY_VALUES = st.sampled_from(
    [
        "",
        " ",
        '"',
        ",",
        "\n",
        "\r",
        "\r\n",
        "$$",
        "$\\frac$",
        "99999999999999999999 min",
        "0 min",
        "3 Seasons",
        "TBA",
        "٢٠٢٠",
        "2100",
        "TV Show",
        " movie ",
        " September 25, 2021",
        "Oct-01",
        "S1",
        "s" * 60,
        "x" * 5000,
        "s:1",
        "\x85",
        "\u2028",
        "🎬",
        "nan",
    ]
)
HEAT_FIELDS = HEAT.decode().strip().split(",")


@st.composite
def hostile_files(draw: st.DrawFn) -> bytes:
    """The fixture's header and a few rows of Heat with some fields replaced or added, written
    by a CSV writer or joined by hand, with or without a comma after each line."""
    lines = [HEADER.decode()]
    for _ in range(draw(st.integers(0, 6))):
        fields = list(HEAT_FIELDS)
        for position, value in draw(
            st.lists(st.tuples(st.integers(0, 13), NASTY_VALUES | st.text(max_size=8)), max_size=4)
        ):
            if position < len(fields):
                fields[position] = value
            else:
                fields.append(value)
        if draw(st.booleans()):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(fields)
            lines.append(buffer.getvalue())
        else:
            lines.append(",".join(fields))
    trailing = "," if draw(st.booleans()) else ""
    return "\r\n".join(line + trailing for line in lines).encode()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=hostile_files())
def test_any_file_is_staged_or_refused_with_a_reason(
    raw_dir: Path, state_dir: Path, data: bytes
) -> None:
    def ids_fit_buttons(rows: UploadRows) -> None:
        assert rows.frame["id"].str.fullmatch(RECORD_ID).all()

    try:
        stage_upload(raw_dir, state_dir, data, "n.csv", "netflix", check=ids_fit_buttons)
    except UploadError as error:
        assert str(error).startswith("n.csv")


def test_stage_refuses_a_file_over_the_limit(raw_dir: Path, state_dir: Path) -> None:
    data = edited_netflix()
    data += b" " * (upload_module.MAX_UPLOAD_BYTES + 1 - len(data))
    with pytest.raises(UploadError) as caught:
        stage_upload(raw_dir, state_dir, data, "n.csv", "netflix")
    assert (caught.value.code, str(caught.value)) == (
        "too_big",
        "n.csv: the file is larger than 20 MB",
    )
    assert staged_files(state_dir) == []


def test_the_limit_is_read_at_call_time(
    raw_dir: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_module, "MAX_UPLOAD_BYTES", len(edited_netflix()) - 1)
    with pytest.raises(UploadError, match="larger than"):
        stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", "netflix")


def test_upload_error_pickles() -> None:
    error = UploadError("missing_columns", "required column is missing", "n.csv", 1, "rating")
    again = pickle.loads(pickle.dumps(error))
    assert (again.code, again.detail, str(again)) == (error.code, error.detail, str(error))


# -- applying: beside raw/ first, into raw/ once published ---------------------------------------
@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """Where ``prepare_upload`` puts an upload (the build links the live inputs in first)."""
    return tmp_path / "inputs"


def prepare(raw_dir: Path, state_dir: Path, inputs: Path, *args: str) -> AppliedUpload:
    token = stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", *args).token
    return prepare_upload(raw_dir, state_dir, token, inputs)


def test_prepare_leaves_raw_alone_and_finish_moves_the_upload_in(
    raw_dir: Path, state_dir: Path, inputs: Path
) -> None:
    before = snapshot(raw_dir)
    hash_before = inputs_hash(raw_dir)
    token = stage_upload(raw_dir, state_dir, edited_netflix(), "netflix_2024.csv", "netflix").token

    applied = prepare_upload(raw_dir, state_dir, token, inputs)
    assert snapshot(raw_dir) == before
    assert (inputs / "catalogues" / "netflix_titles.csv").read_bytes() == edited_netflix()
    assert not (inputs / REGISTRY_FILE).exists()  # unchanged: the live one is linked in
    assert re.fullmatch(r"netflix_titles\.\d{8}T\d{6}Z\.csv", applied.history_file)
    assert (applied.platform, applied.file, applied.is_new_platform) == (
        "netflix",
        "netflix_titles.csv",
        False,
    )
    assert applied.diff.summary["added"] == 1
    assert staged_files(state_dir) == []  # used up

    assert finish_upload(raw_dir, inputs) == applied
    catalogues = raw_dir / "catalogues"
    assert (catalogues / "netflix_titles.csv").read_bytes() == edited_netflix()
    kept = catalogues / "history" / applied.history_file
    assert kept.read_bytes() == before["catalogues/netflix_titles.csv"]
    assert (raw_dir / REGISTRY_FILE).read_bytes() == before[REGISTRY_FILE]
    hash_applied = inputs_hash(raw_dir)
    assert hash_applied != hash_before
    (catalogues / "history" / "netflix_titles.19990101T000000Z.csv").write_bytes(b"old")
    assert inputs_hash(raw_dir) == hash_applied  # history is not an input

    moved = snapshot(raw_dir)
    assert finish_upload(raw_dir, inputs) == applied  # again, as after a crash: no change
    assert snapshot(raw_dir) == moved


def test_finish_completes_a_move_a_crash_cut_short(
    raw_dir: Path, state_dir: Path, inputs: Path
) -> None:
    previous = (raw_dir / "catalogues" / "netflix_titles.csv").read_bytes()
    applied = prepare(raw_dir, state_dir, inputs, "netflix")
    history = raw_dir / "catalogues" / "history"
    history.mkdir()
    (history / applied.history_file).write_bytes(previous)  # kept, then the crash
    finish_upload(raw_dir, inputs)
    assert (raw_dir / "catalogues" / "netflix_titles.csv").read_bytes() == edited_netflix()
    assert [path.name for path in history.iterdir()] == [applied.history_file]


def test_two_uploads_keep_both_previous_files(built_copy: BuiltData, state_dir: Path) -> None:
    raw_dir = built_copy.raw_dir
    original = (raw_dir / "catalogues" / "netflix_titles.csv").read_bytes()
    for data in (edited_netflix(), original + HEAT):
        token = stage_upload(raw_dir, state_dir, data, "n.csv", "netflix").token
        run_upload(raw_dir, built_copy.processed_dir, state_dir, token)
    history = sorted((raw_dir / "catalogues" / "history").iterdir())
    assert sorted(p.read_bytes() for p in history) == sorted([original, edited_netflix()])
    assert (raw_dir / "catalogues" / "netflix_titles.csv").read_bytes() == original + HEAT
    assert Engine.load(built_copy.processed_dir).catalogue.count("netflix").movies == 7


def test_a_new_platform_is_registered_and_built(
    raw_dir: Path, state_dir: Path, tmp_path: Path
) -> None:
    registry_before = (raw_dir / REGISTRY_FILE).read_bytes()
    staged = stage_upload(raw_dir, state_dir, edited_netflix(), "max.csv", "max", "Max")
    assert staged.is_new_platform and staged.diff.is_new_platform
    assert staged.diff.summary == {
        "rows": 12,
        "added": 11,
        "removed": 0,
        "changed": 0,
        "unchanged": 0,
        "quarantined": 1,
    }

    applied, report = run_upload(raw_dir, tmp_path / "processed", state_dir, staged.token)
    assert (applied.file, applied.history_file) == ("max_titles.csv", None)
    registry = load_registry(raw_dir)
    assert registry.names == ["amazon", "disney", "hulu", "netflix", "max"]
    max_ = registry.get("max")
    assert (max_.letter, max_.file, max_.display_name) == ("m", "max_titles.csv", "Max")
    assert (raw_dir / REGISTRY_FILE).read_bytes().startswith(registry_before)
    assert (raw_dir / "catalogues" / "max_titles.csv").read_bytes() == edited_netflix()
    assert report.rows["max"] == {"in": 12, "out": 11, "quarantined": 1}
    records = Engine.load(tmp_path / "processed").catalogue.records
    on_max = records.loc[records["platform"] == "max"]
    assert {"ms12", "ms4"} <= set(on_max["id"])
    assert "October First" in set(on_max["title_display"])


def test_a_new_platform_takes_a_free_letter(raw_dir: Path, state_dir: Path, inputs: Path) -> None:
    applied = prepare(raw_dir, state_dir, inputs, "nowtv", "NOW")
    assert load_registry(inputs).get("nowtv").letter == "b"  # n is Netflix's; a is Amazon's
    assert applied.display_name == "NOW"
    assert "nowtv" not in load_registry(raw_dir).names  # until it is published


def test_a_platform_added_meanwhile_expires_the_upload(
    raw_dir: Path, state_dir: Path, inputs: Path
) -> None:
    first = stage_upload(raw_dir, state_dir, edited_netflix(), "a.csv", "max", "Max").token
    second = stage_upload(raw_dir, state_dir, edited_netflix(), "b.csv", "max", "Max").token
    prepare_upload(raw_dir, state_dir, first, inputs)
    finish_upload(raw_dir, inputs)
    registry = (raw_dir / REGISTRY_FILE).read_bytes()
    with pytest.raises(UploadError) as caught:
        prepare_upload(raw_dir, state_dir, second, inputs)
    assert caught.value.code == "expired"
    assert "send b.csv again" in str(caught.value)
    assert (raw_dir / REGISTRY_FILE).read_bytes() == registry


@pytest.mark.parametrize("token", ["0123456789", "../../raw", "", "upok:abc"])
def test_an_unknown_token_has_expired(
    raw_dir: Path, state_dir: Path, inputs: Path, token: str
) -> None:
    before = snapshot(raw_dir)
    for act in (
        lambda: prepare_upload(raw_dir, state_dir, token, inputs),
        lambda: discard_upload(state_dir, token),
    ):
        with pytest.raises(UploadError) as caught:
            act()
        assert caught.value.code == "expired"
    assert snapshot(raw_dir) == before
    assert not inputs.exists()


def test_a_discarded_or_applied_upload_has_expired(
    raw_dir: Path, state_dir: Path, inputs: Path
) -> None:
    discarded = stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", "netflix").token
    discard_upload(state_dir, discarded)
    assert staged_files(state_dir) == []
    applied = stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", "netflix").token
    prepare_upload(raw_dir, state_dir, applied, inputs)
    for token in (discarded, applied):
        with pytest.raises(UploadError, match="no such upload") as caught:
            prepare_upload(raw_dir, state_dir, token, inputs)
        assert caught.value.code == "expired"


def test_an_old_upload_expires_and_is_cleaned_up(
    raw_dir: Path, state_dir: Path, inputs: Path
) -> None:
    old = stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", "netflix").token
    day_ago = time.time() - STAGED_SECONDS - 60
    for path in (state_dir / "uploads").iterdir():
        os.utime(path, (day_ago, day_ago))
    before = snapshot(raw_dir)
    with pytest.raises(UploadError) as caught:
        prepare_upload(raw_dir, state_dir, old, inputs)
    assert caught.value.code == "expired"
    assert snapshot(raw_dir) == before

    remove_expired_uploads(state_dir)  # as at start-up
    assert staged_files(state_dir) == []
    new = stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", "netflix").token
    assert staged_files(state_dir) == [f"{new}.csv", f"{new}.json"]


# -- validation: the command line's and the bot's ------------------------------------------------
def two_rows() -> bytes:
    """The fixture's Netflix file cut to its header and two titles: 11 → 2."""
    return b"\r\n".join(FIXTURE_NETFLIX.read_bytes().split(b"\r\n")[:3]) + b"\r\n"


def test_an_upload_that_shrinks_a_platform_is_refused_and_changes_nothing(
    built_copy: BuiltData, state_dir: Path
) -> None:
    before = snapshot(built_copy.data_dir)
    token = stage_upload(built_copy.raw_dir, state_dir, two_rows(), "n.csv", "netflix").token
    with pytest.raises(BuildRefused) as refused:
        run_upload(built_copy.raw_dir, built_copy.processed_dir, state_dir, token)
    assert (refused.value.code, refused.value.detail) == ("platform_shrunk", "Netflix: 11 → 2")
    assert str(refused.value) == (
        "Netflix: 11 → 2 titles: more than half of the platform would disappear"
    )
    assert snapshot(built_copy.data_dir) == before  # nothing pending, staged upload used up


def test_a_deliberate_shrink_is_published_with_allow_shrink(
    built_copy: BuiltData, state_dir: Path
) -> None:
    token = stage_upload(built_copy.raw_dir, state_dir, two_rows(), "n.csv", "netflix").token
    _, report = run_upload(
        built_copy.raw_dir, built_copy.processed_dir, state_dir, token, allow_shrink=True
    )
    assert report.rows["netflix"]["out"] == 2
    assert Engine.load(built_copy.processed_dir).version == report.version
    netflix = built_copy.raw_dir / "catalogues" / "netflix_titles.csv"
    assert netflix.read_bytes() == two_rows()


def test_a_full_disk_while_staging_keeps_nothing(
    raw_dir: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(upload_module, "write_atomic", disk_full)
    with pytest.raises(UploadError) as caught:
        stage_upload(raw_dir, state_dir, edited_netflix(), "n.csv", "netflix")
    assert (caught.value.code, str(caught.value)) == (
        "disk_full",
        "n.csv: the disk is full: nothing was kept",
    )
    assert staged_files(state_dir) == []
