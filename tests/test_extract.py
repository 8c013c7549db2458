"""Strict CSV reading (etl/extract.py): quirks read cleanly, bad files raise ``EtlError``."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from etl.build import build
from etl.errors import EtlError
from etl.extract import MAX_COLUMNS, MAX_ROW_CHARS, MAX_VALUE_CHARS, read_csv
from etl.scores import SCORE_COLUMNS, load_scores
from etl.transform import RAW_COLUMNS

RAW_HEADER = ",".join(RAW_COLUMNS)
GOOD_LINE = "s1,Movie,Heat,Michael Mann,Al Pacino,United States,,1995,R,170 min,Drama,A heist."
FIXTURE_NETFLIX = Path(__file__).parent / "fixtures" / "raw" / "catalogues" / "netflix_titles.csv"


def excel_export(csv: bytes, header_too: bool = False) -> bytes:
    """``csv`` (CRLF line ends) as some spreadsheet exports write it: a comma after the last
    field of every row, and of the header too when ``header_too``."""
    lines = csv.split(b"\r\n")
    return b"\r\n".join(
        line + b"," if line and (number or header_too) else line
        for number, line in enumerate(lines)
    )


@pytest.mark.parametrize(
    ("file_name", "had_bom", "rows"),
    [
        ("amazon_prime_titles.csv", True, 7),
        ("disney_plus_titles.csv", False, 6),
        ("hulu_titles.csv", True, 5),
        ("netflix_titles.csv", True, 11),
    ],
)
def test_reads_fixture_catalogues(
    fixture_raw: Path, file_name: str, had_bom: bool, rows: int
) -> None:
    path = fixture_raw / "catalogues" / file_name
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") is had_bom
    assert (b"\r\n" in path.read_bytes()) is had_bom  # the same three files have CRLF ends
    frame, bom = read_csv(path, RAW_COLUMNS)
    assert bom is had_bom
    assert list(frame.columns) == list(RAW_COLUMNS)  # no "\ufeffshow_id"
    assert len(frame) == rows
    assert not frame.map(lambda value: "\r" in value).any().any()  # CRLF read as line ends


def test_values_are_strings_and_empty_is_empty_string(fixture_raw: Path) -> None:
    frame, _ = read_csv(fixture_raw / "catalogues" / "netflix_titles.csv", RAW_COLUMNS)
    row = frame.loc[frame["show_id"] == "s3"].iloc[0]
    assert row["rating"] == "74 min"
    assert row["duration"] == ""
    oct_01 = frame.loc[frame["show_id"] == "s4"].iloc[0]
    assert oct_01["title"] == "Oct-01"
    assert oct_01["release_year"] == "2014"  # a string, parsed later by the rules


def test_na_like_text_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "netflix_titles.csv"
    path.write_text(f"{RAW_HEADER}\ns1,Movie,NA,None,NaN,null,,2020,,,N/A,nan\n")
    frame, _ = read_csv(path, RAW_COLUMNS)
    assert frame.iloc[0][["title", "director", "cast", "country", "listed_in"]].tolist() == [
        "NA",
        "None",
        "NaN",
        "null",
        "N/A",
    ]


@pytest.mark.parametrize(
    ("file_name", "had_bom", "imdb", "rows"),
    [
        ("MoviesOnStreamingPlatforms_updated.csv", True, "8.0", 14),
        ("tv_shows.csv", False, "8.7/10", 10),
    ],
)
def test_reads_fixture_score_files(
    fixture_raw: Path, file_name: str, had_bom: bool, imdb: str, rows: int
) -> None:
    frame, bom = read_csv(fixture_raw / "scores" / file_name, SCORE_COLUMNS)
    assert bom is had_bom
    assert frame.columns[:3].tolist() == ["Unnamed: 0", "ID", "Title"]
    assert frame["IMDb"].iloc[0] == imdb
    assert len(frame) == rows


@pytest.mark.parametrize(
    ("content", "row", "column", "reason"),
    [
        (b"", None, None, "the file is empty"),
        (b"\r\n  \r\n", None, None, "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, None, "not UTF-8 text"),
        (f"{RAW_HEADER}\n{GOOD_LINE}\ns2,Movie,Am\xe9lie\n".encode("latin-1"), 3, None, "UTF-8"),
        (f"{RAW_HEADER}\n{GOOD_LINE}\x00\n".encode(), None, None, "binary data"),
        (f"{RAW_HEADER}\n{GOOD_LINE}\n{GOOD_LINE},extra\n".encode(), 3, None, "malformed CSV"),
        (f"{RAW_HEADER}\n{GOOD_LINE}\ns2,Movie\n".encode(), 3, None, "malformed CSV"),
        (
            f'{RAW_HEADER}\n{GOOD_LINE}\ns2,Movie,"He"at,,,,,1995,R,,,\n'.encode(),
            3,
            None,
            "malformed",
        ),
        (
            RAW_HEADER.replace("release_year,", "").encode() + b"\n",
            1,
            "release_year",
            "required column is missing",
        ),
        (b"title,type\nHeat,Movie\n", 1, "show_id", "required column is missing"),
    ],
    ids=[
        "empty",
        "blank-lines",
        "binary",
        "latin-1",
        "nul-byte",
        "too-many-fields",
        "too-few-fields",
        "text-after-a-quote",
        "missing-column",
        "wrong-file",
    ],
)
def test_bad_file_raises_etl_error_naming_file_row_and_column(
    tmp_path: Path, content: bytes, row: int | None, column: str | None, reason: str
) -> None:
    path = tmp_path / "netflix_titles.csv"
    path.write_bytes(content)
    with pytest.raises(EtlError) as caught:
        read_csv(path, RAW_COLUMNS)
    error = caught.value
    assert error.path == path
    assert error.row == row
    assert error.column is None if column is None else column in error.column
    assert reason in error.reason
    assert f"netflix_titles.csv{'' if row is None else f', row {row}'}" in str(error)


def test_missing_column_lists_every_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "tv_shows.csv"
    path.write_text(",ID,Name,Year\n0,1,Breaking Bad,2008\n")
    with pytest.raises(EtlError) as caught:
        read_csv(path, SCORE_COLUMNS)
    assert caught.value.column == "Title, IMDb"
    assert str(caught.value).endswith(
        "tv_shows.csv, row 1, column 'Title, IMDb': required column is missing"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match=r"hulu_titles\.csv: file not found$"):
        read_csv(tmp_path / "hulu_titles.csv", RAW_COLUMNS)


def test_unbalanced_quote_names_the_row_it_starts_on(tmp_path: Path) -> None:
    # Row 3 opens a quote that never closes, so the parser reads to the end of the file.
    path = tmp_path / "netflix_titles.csv"
    path.write_text(f'{RAW_HEADER}\n{GOOD_LINE}\ns2,Movie,"Heat,,,,,1995,R,170 min,Drama,x\n')
    with pytest.raises(EtlError) as caught:
        read_csv(path, RAW_COLUMNS)
    assert "netflix_titles.csv, row 3: malformed CSV" in str(caught.value)
    assert caught.value.row == 3


# -- files that would take the process's memory: refused before pandas reads them ---------------
def wide_header(columns: int) -> str:
    return RAW_HEADER + "".join(f",c{number}" for number in range(columns - len(RAW_COLUMNS)))


@pytest.mark.parametrize(
    ("content", "row", "reason"),
    [
        # pandas makes a block per column,
        (f"{wide_header(300_000)}\n{GOOD_LINE}\n", 1, "more than 20,310 columns; a file has"),
        # takes a wide row's first fields for a many-level index,
        (f"{RAW_HEADER}\n{GOOD_LINE}{',' * 300_000}\n", 2, "the row has at least 131,0"),
        (f"{wide_header(MAX_COLUMNS + 1)}\n{GOOD_LINE}\n", 1, "65 columns; a file has at most 64"),
        # and fills in every field a short row lacks.
        (f"{RAW_HEADER}\n" + "s\n" * 1_000_000, 2, "the row has 1 field, the header 12"),
    ],
    ids=["300k-columns", "300k-fields-in-a-row", "65-columns", "1M-short-rows"],
)
def test_a_file_that_would_take_the_memory_is_refused_before_it_is_parsed(
    tmp_path: Path, content: str, row: int, reason: str
) -> None:
    path = tmp_path / "netflix_titles.csv"
    path.write_text(content)
    tracemalloc.start()
    try:
        started = time.perf_counter()
        with pytest.raises(EtlError) as caught:
            read_csv(path, RAW_COLUMNS)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (caught.value.path, caught.value.row) == (path, row)
    assert reason in caught.value.reason
    # The file's bytes, its text and a line of it, and one row's fields at a time: a few
    # times the file's size, whatever its shape.
    assert peak < 4 * len(content) + 16 * MAX_ROW_CHARS
    assert seconds < 1


@pytest.mark.parametrize(
    ("actors", "size"),
    [(10_000, "109,998"), (100_000, "over 131,056")],  # the second is past MAX_ROW_CHARS
)
def test_a_value_over_the_limit_is_refused_naming_row_and_column(
    tmp_path: Path, actors: int, size: str
) -> None:
    cast = ", ".join(["Al Pacino"] * actors)
    path = tmp_path / "netflix_titles.csv"
    path.write_text(f'{RAW_HEADER}\n{GOOD_LINE}\ns2,Movie,Heat,,"{cast}",,,1995,R,,,\n')
    with pytest.raises(EtlError) as caught:
        read_csv(path, RAW_COLUMNS)
    assert str(caught.value).endswith(
        f"netflix_titles.csv, row 3, column 'cast': a value of {size} characters; "
        f"at most {MAX_VALUE_CHARS:,}"
    )


def test_the_longest_value_allowed_is_read(tmp_path: Path) -> None:
    description = "x" * MAX_VALUE_CHARS
    path = tmp_path / "netflix_titles.csv"
    path.write_text(f"{RAW_HEADER}\n{GOOD_LINE[: -len('A heist.')]}{description}\n")
    frame, _ = read_csv(path, RAW_COLUMNS)
    assert frame["description"].tolist() == [description]


def test_every_raw_file_is_read_by_the_checked_reader(tmp_path: Path, fixture_raw: Path) -> None:
    scores = tmp_path / "scores"
    scores.mkdir()
    for path in (fixture_raw / "scores").iterdir():
        (scores / path.name).write_bytes(path.read_bytes())
    (scores / "tv_shows.csv").write_text(f"{wide_header(300_000)}\n")
    with pytest.raises(EtlError, match=r"scores/tv_shows\.csv, row 1: more than [0-9,]+ columns"):
        load_scores(scores)


# -- spreadsheet exports with a comma at the end of every row -----------------------------------
def test_a_trailing_comma_on_every_row_is_read_as_the_file_without_it(tmp_path: Path) -> None:
    path = tmp_path / "netflix_titles.csv"
    path.write_bytes(excel_export(FIXTURE_NETFLIX.read_bytes()))
    frame, bom = read_csv(path, RAW_COLUMNS)
    expected, _ = read_csv(FIXTURE_NETFLIX, RAW_COLUMNS)
    assert bom
    assert frame.equals(expected)


def test_a_trailing_comma_on_the_header_too_is_an_empty_column(tmp_path: Path) -> None:
    path = tmp_path / "netflix_titles.csv"
    path.write_bytes(excel_export(FIXTURE_NETFLIX.read_bytes(), header_too=True))
    frame, _ = read_csv(path, RAW_COLUMNS)
    expected, _ = read_csv(FIXTURE_NETFLIX, RAW_COLUMNS)
    assert list(frame.columns) == [*RAW_COLUMNS, "Unnamed: 12"]
    assert (frame["Unnamed: 12"] == "").all()
    assert frame[list(RAW_COLUMNS)].equals(expected)


def test_a_raw_folder_holding_an_excel_export_builds(raw_dir: Path) -> None:
    netflix = raw_dir / "catalogues" / "netflix_titles.csv"
    netflix.write_bytes(excel_export(netflix.read_bytes()))
    assert build(raw_dir).report.rows["netflix"] == {"in": 11, "out": 11, "quarantined": 0}


def test_a_value_after_the_trailing_comma_is_refused(tmp_path: Path) -> None:
    lines = excel_export(FIXTURE_NETFLIX.read_bytes()).split(b"\r\n")
    lines[4] += b"oops"
    path = tmp_path / "netflix_titles.csv"
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(EtlError) as caught:
        read_csv(path, RAW_COLUMNS)
    assert str(caught.value).endswith(
        "netflix_titles.csv, row 5: malformed CSV (the row has 13 fields, the header 12)"
    )
