"""The five data rules and the quirk repairs (etl/transform.py), on the fixtures and on small
CSV files written for one rule each."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from etl.build import EtlReport
from etl.extract import read_csv
from etl.transform import (
    RAW_COLUMNS,
    PlatformResult,
    default_rating,
    make_ids,
    parse_dates,
    repair_duration_in_rating,
    split_duration,
    transform_platform,
)
from recommender.catalogue import MAX_SHOW_ID
from recommender.platforms import Platform

NETFLIX = Platform("netflix", "n", "netflix_titles.csv", "Netflix")
GOOD_ROW = {
    "show_id": "s1",
    "type": "Movie",
    "title": "Heat",
    "director": "Michael Mann",
    "cast": "Al Pacino, Robert De Niro",
    "country": "United States",
    "date_added": "September 25, 2021",
    "release_year": "1995",
    "rating": "R",
    "duration": "170 min",
    "listed_in": "Dramas",
    "description": "A detective hunts a crew of thieves.",
}
SHOW_ID_REASON = f"show_id is not 1 to {MAX_SHOW_ID} letters, digits, '.', '_' or '-'"


def transform_rows(tmp_path: Path, rows: list[dict[str, str]]) -> PlatformResult:
    """Write ``rows`` as a Netflix catalogue CSV and run the real read and transform on it."""
    path = tmp_path / NETFLIX.file
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=RAW_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    raw, _ = read_csv(path, RAW_COLUMNS)
    return transform_platform(raw, NETFLIX, NETFLIX.file)


# -- the rules on the fixture catalogue --------------------------------------------------------
def test_every_clean_record_is_there_once(records: pd.DataFrame) -> None:
    expected = (
        {f"as{n}" for n in (1, 2, 3, 4, 6, 7)}
        | {f"ds{n}" for n in range(1, 7)}
        | {f"hs{n}" for n in range(1, 6)}
        | {f"ns{n}" for n in range(1, 12)}
    )
    assert set(records.index) == expected
    assert records.index.is_unique


@pytest.mark.parametrize(
    ("record_id", "platform", "title"),
    [
        ("as1", "amazon", "The Grand Seduction"),
        ("ds1", "disney", "Toy Story"),
        ("hs1", "hulu", "Toy Story"),
        ("ns10", "netflix", "忍者ハットリくん"),
    ],
)
def test_id_is_platform_letter_plus_show_id(
    records: pd.DataFrame, record_id: str, platform: str, title: str
) -> None:
    record = records.loc[record_id]
    assert record["platform"] == platform
    assert record["show_id"] == record_id[1:]
    assert record["title_display"] == title


@pytest.mark.parametrize(
    ("record_id", "rating", "display"),
    [
        ("as1", "g", "G"),  # empty in the file
        ("ds6", "g", "G"),  # empty in the file
        ("hs3", "g", "G"),  # empty in the file
        ("ns3", "g", "G"),  # held "74 min", which moved to duration
        ("hs2", "g", "G"),  # held "1 Season", which moved to duration
        ("ds1", "g", "G"),  # G in the file
        ("as2", "r", "R"),
        ("ns1", "pg-13", "PG-13"),
        ("as3", "13+", "13+"),
        ("ns10", "tv-y7", "TV-Y7"),
    ],
)
def test_rating_defaults_to_g_and_is_stored_lowercase(
    records: pd.DataFrame, record_id: str, rating: str, display: str
) -> None:
    assert records.at[record_id, "rating"] == rating
    assert records.at[record_id, "rating_display"] == display


@pytest.mark.parametrize(
    ("record_id", "date"),
    [
        ("ns1", "2021-09-25"),  # "September 25, 2021"
        ("ns5", "2017-08-04"),  # " August 4, 2017", with the leading space
        ("ns10", "2018-12-23"),  # " December 23, 2018"
        ("as3", "2020-06-01"),  # "June 1, 2020"
        ("hs2", "2021-02-02"),
    ],
)
def test_dates_become_iso(records: pd.DataFrame, record_id: str, date: str) -> None:
    assert records.at[record_id, "date_added"] == date


@pytest.mark.parametrize("record_id", ["as2", "as6", "hs4", "ns6", "ns9"])
def test_missing_date_stays_missing(records: pd.DataFrame, record_id: str) -> None:
    assert pd.isna(records.at[record_id, "date_added"])


@pytest.mark.parametrize(
    ("record_id", "field", "stored", "display"),
    [
        ("ns6", "title", "amélie", "Amélie"),
        ("ns8", "title", "iboy", "iBoy"),
        ("ns4", "title", "oct-01", "Oct-01"),
        ("ds3", "title", "star wars: the clone wars", "Star Wars: The Clone Wars"),
        ("ns6", "director", "jean-pierre jeunet", "Jean-Pierre Jeunet"),
        (
            "ns2",
            "cast",
            "steve carell,  rainn wilson , john krasinski",
            "Steve Carell,  Rainn Wilson , John Krasinski",
        ),
        ("as3", "cast", "taylor kitsch ,aaron abrams", "Taylor Kitsch ,Aaron Abrams"),
        ("as3", "country", "canada,  united states", "Canada,  United States"),
        (
            "ns11",
            "listed_in",
            "crime tv shows, tv dramas, tv thrillers",
            "Crime TV Shows, TV Dramas, TV Thrillers",
        ),
        (
            "ns11",
            "description",
            "a chemistry teacher turns to making drugs.",
            "A chemistry teacher turns to making drugs.",
        ),
    ],
)
def test_text_is_lowercase_with_display_copy(
    records: pd.DataFrame, record_id: str, field: str, stored: str, display: str
) -> None:
    assert records.at[record_id, field] == stored
    assert records.at[record_id, f"{field}_display"] == display


@pytest.mark.parametrize(
    ("record_id", "field"),
    [("ns1", "cast"), ("ns9", "director"), ("ds4", "country"), ("as6", "cast")],
)
def test_empty_text_is_missing(records: pd.DataFrame, record_id: str, field: str) -> None:
    assert pd.isna(records.at[record_id, field])
    assert pd.isna(records.at[record_id, f"{field}_display"])


def test_hulu_has_no_cast_or_director(records: pd.DataFrame) -> None:
    hulu = records.loc[records["platform"] == "hulu"]
    assert len(hulu) == 5
    assert hulu["cast"].isna().all()
    assert hulu["director"].isna().all()


@pytest.mark.parametrize(
    ("record_id", "amount", "unit"),
    [
        ("ns1", 90, "min"),
        ("as1", 113, "min"),
        ("ns2", 9, "season"),  # "9 Seasons"
        ("as7", 1, "season"),  # "1 Season"
        ("hs4", 19, "season"),
        ("ns3", 74, "min"),  # moved from rating
        ("hs2", 1, "season"),  # moved from rating
    ],
)
def test_duration_splits_into_int_and_type(
    records: pd.DataFrame, record_id: str, amount: int, unit: str
) -> None:
    assert records.at[record_id, "duration_int"] == amount
    assert records.at[record_id, "duration_type"] == unit


def test_duration_columns_types(records: pd.DataFrame) -> None:
    assert pd.api.types.is_integer_dtype(records["duration_int"])
    assert set(records["duration_type"].dropna()) == {"min", "season"}
    assert "duration" not in records.columns


def test_years_are_integers_and_types_normalised(records: pd.DataFrame) -> None:
    assert records["release_year"].dtype == "int64"
    assert records.at["ns4", "release_year"] == 2014  # Oct-01 is a title, not a date
    assert set(records["type"]) == {"movie", "tv show"}
    assert records.at["hs2", "type"] == "movie"  # Hulu's "Good Morning America" row


@pytest.mark.parametrize(
    ("record_id", "genres"),
    [
        ("ns11", "crime drama thriller"),  # TV Dramas
        ("ns4", "drama international thriller"),  # Dramas
        ("as1", "comedy drama"),  # Drama
        ("hs3", "drama romance"),  # Drama
        ("as3", "action adventure thriller"),  # Action & Adventure, Suspense
        ("ds1", "action adventure animation comedy"),  # Action-Adventure
        ("ns3", ""),  # "Movies" says nothing about the genre
    ],
)
def test_genres_use_one_vocabulary(records: pd.DataFrame, record_id: str, genres: str) -> None:
    assert records.at[record_id, "genres"] == genres


def test_report_counts_repairs(report: EtlReport) -> None:
    assert report.repairs == {
        "UTF-8 BOM stripped": 4,  # amazon, hulu, netflix and the movie scores
        "duration moved out of rating": 2,  # ns3 and hs2
        "rating defaulted to G": 6,  # as1, ds6, hs2, hs3, hs5, ns3
        "score titles repaired by ftfy": 1,  # AmÃ©lie
    }


def test_malformed_row_is_quarantined_not_fatal(report: EtlReport, records: pd.DataFrame) -> None:
    assert report.quarantined == [
        {
            "file": "amazon_prime_titles.csv",
            "row": 6,
            "column": "release_year",
            "value": "TBA",
            "reason": "release_year is not a year",
        }
    ]
    assert "as5" not in records.index
    assert "Lost Reel" not in set(records["title_display"])


def test_report_rows_per_platform(report: EtlReport) -> None:
    assert report.rows == {
        "amazon": {"in": 7, "out": 6, "quarantined": 1},
        "disney": {"in": 6, "out": 6, "quarantined": 0},
        "hulu": {"in": 5, "out": 5, "quarantined": 0},
        "netflix": {"in": 11, "out": 11, "quarantined": 0},
    }
    assert report.titles == 28


# -- one rule at a time ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rating", "duration", "moved"),
    [
        ("74 min", "", True),
        (" 1 Season ", "", True),
        ("3 Seasons", "", True),
        ("74 min", "90 min", False),  # duration already there: leave both alone
        ("PG-13", "", False),
        ("", "", False),
    ],
)
def test_repair_duration_in_rating(rating: str, duration: str, moved: bool) -> None:
    frame = pd.DataFrame({"rating": [rating], "duration": [duration]})
    repaired, count = repair_duration_in_rating(frame)
    assert count == int(moved)
    if moved:
        assert repaired.at[0, "duration"] == rating.strip()
        assert repaired.at[0, "rating"] == ""
    else:
        assert repaired.at[0, "rating"] == rating
        assert repaired.at[0, "duration"] == duration
    assert frame.at[0, "rating"] == rating  # the input frame is not changed


def test_default_rating() -> None:
    ratings, count = default_rating(pd.Series(["", "  ", " PG ", "TV-MA"], dtype="str"))
    assert ratings.tolist() == ["G", "G", "PG", "TV-MA"]
    assert count == 2


def test_make_ids() -> None:
    ids = make_ids(pd.Series(["s1", " S12 ", "s8807"], dtype="str"), "a")
    assert ids.tolist() == ["as1", "as12", "as8807"]


@pytest.mark.parametrize(
    ("value", "iso", "bad"),
    [
        ("September 25, 2021", "2021-09-25", False),
        (" August 4, 2017", "2017-08-04", False),
        ("", None, False),
        ("   ", None, False),
        ("2021-09-25", None, True),
        ("Sept 25, 2021", None, True),
        ("February 30, 2021", None, True),
    ],
)
def test_parse_dates(value: str, iso: str | None, bad: bool) -> None:
    dates, unreadable = parse_dates(pd.Series([value], dtype="str"))
    if iso is None:
        assert pd.isna(dates.iloc[0])
    else:
        assert dates.iloc[0] == iso
    assert bool(unreadable.iloc[0]) is bad


@pytest.mark.parametrize(
    ("value", "amount", "unit", "bad"),
    [
        ("90 min", 90, "min", False),
        ("1 Season", 1, "season", False),
        ("3 Seasons", 3, "season", False),
        ("90min", 90, "min", False),
        ("", None, None, False),
        ("ninety min", None, None, True),
        ("2 hours", None, None, True),
        ("1h 30m", None, None, True),
    ],
)
def test_split_duration(value: str, amount: int | None, unit: str | None, bad: bool) -> None:
    amounts, units, unreadable = split_duration(pd.Series([value], dtype="str"))
    if amount is None:
        assert pd.isna(amounts.iloc[0])
        assert pd.isna(units.iloc[0])
    else:
        assert amounts.iloc[0] == amount
        assert units.iloc[0] == unit
    assert bool(unreadable.iloc[0]) is bad


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("show_id", "", "missing show_id"),
        ("show_id", "S1", "duplicate show_id"),  # the first row's id, in another case
        ("title", "   ", "missing title"),
        ("type", "Film", "type is not Movie or TV Show"),
        ("release_year", "TBA", "release_year is not a year"),
        ("release_year", "199", "release_year is not a year"),
        ("release_year", "1850", "release_year is not a year"),
        ("release_year", "2019.0", "release_year is not a year"),
        ("release_year", "", "release_year is not a year"),
        ("date_added", "2021-09-25", "date_added is not a date like 'September 25, 2021'"),
        ("duration", "ninety min", "duration is not like '90 min' or '2 Seasons'"),
        # Past an int64: the amount must not reach the integer column.
        ("duration", "99999999999999999999 min", "duration is not like '90 min' or '2 Seasons'"),
        # A record id goes into button data, within Telegram's 64 bytes and its pattern.
        ("show_id", "s" + "9" * 59, SHOW_ID_REASON),
        ("show_id", "s:1", SHOW_ID_REASON),
        ("show_id", "s 1", SHOW_ID_REASON),
        ("show_id", "s1/../2", SHOW_ID_REASON),
        ("show_id", "s1🎬", SHOW_ID_REASON),
    ],
)
def test_unusable_row_is_quarantined_with_file_row_and_column(
    tmp_path: Path, field: str, value: str, reason: str
) -> None:
    bad = {**GOOD_ROW, "show_id": "s2", field: value}
    after = {**GOOD_ROW, "show_id": "s3", "title": "Heat 2"}
    result = transform_rows(tmp_path, [GOOD_ROW, bad, after])
    assert result.rows_in == 3
    assert result.quarantined == [
        {"file": "netflix_titles.csv", "row": 3, "column": field, "value": value, "reason": reason}
    ]
    assert result.frame["id"].tolist() == ["ns1", "ns3"]
    assert result.file_rows.tolist() == [2, 4]


def test_the_longest_show_id_and_every_character_it_may_hold_are_kept(tmp_path: Path) -> None:
    longest = "S" + "9" * (MAX_SHOW_ID - 1)
    rows = [{**GOOD_ROW, "show_id": longest}, {**GOOD_ROW, "show_id": " Ab.c_d-9 "}]
    result = transform_rows(tmp_path, rows)
    assert result.quarantined == []
    assert result.frame["id"].tolist() == ["n" + longest.lower(), "nab.c_d-9"]


def test_a_row_with_several_problems_is_listed_once(tmp_path: Path) -> None:
    bad = {**GOOD_ROW, "show_id": "s2", "title": "", "release_year": "TBA"}
    result = transform_rows(tmp_path, [GOOD_ROW, bad])
    assert [(row["row"], row["column"]) for row in result.quarantined] == [(3, "title")]
    assert len(result.frame) == 1


def test_transform_platform_output_columns(tmp_path: Path) -> None:
    result = transform_rows(tmp_path, [GOOD_ROW])
    row = result.frame.iloc[0]
    assert row["id"] == "ns1"
    assert row["platform"] == "netflix"
    assert row["type"] == "movie"
    assert row["release_year"] == 1995
    assert row["date_added"] == "2021-09-25"
    assert (row["duration_int"], row["duration_type"]) == (170, "min")
    assert (row["rating"], row["rating_display"]) == ("r", "R")
    assert row["genres"] == "drama"
    assert not result.repairs["rating defaulted to G"]


def test_a_quarantined_row_is_not_counted_as_a_rating_default() -> None:
    raw = pd.DataFrame(
        {column: ["", ""] for column in RAW_COLUMNS}
        | {
            "show_id": ["s1", "s2"],
            "type": ["Movie", "Movie"],
            "title": ["Heat", "Broken"],
            "release_year": ["1995", "19x5"],
            "duration": ["170 min", "90 min"],
        }
    )
    result = transform_platform(raw, Platform("netflix", "n", "n.csv", "Netflix"), "n.csv")
    assert len(result.frame) == 1
    assert result.repairs["rating defaulted to G"] == 1
    assert result.frame["rating_display"].tolist() == ["G"]
