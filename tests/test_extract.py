"""Strict CSV reading (etl/extract.py): quirks read cleanly, bad files raise ``EtlError``."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.errors import EtlError
from etl.extract import read_csv
from etl.scores import SCORE_COLUMNS
from etl.transform import RAW_COLUMNS

RAW_HEADER = ",".join(RAW_COLUMNS)
GOOD_LINE = "s1,Movie,Heat,Michael Mann,Al Pacino,United States,,1995,R,170 min,Drama,A heist."


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
        ("tv_shows.csv", False, "8.7/10", 7),
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
