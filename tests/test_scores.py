"""Audience scores (etl/scores.py): parsing, ftfy repair, averaging and the join rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.build import BuildResult, EtlReport
from etl.scores import SCORE_JOINS, ScoreTable, join_scores, load_scores, parse_imdb


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("7.9", 7.9),
        ("8.7/10", 8.7),
        ("10/10", 10.0),
        (" 6.5 ", 6.5),
        ("0", 0.0),
        ("", None),
        ("N/A", None),
        ("87%", None),
        ("11", None),
        ("-1", None),
    ],
)
def test_parse_imdb(text: str, score: float | None) -> None:
    parsed = parse_imdb(pd.Series([text], dtype="str")).iloc[0]
    if score is None:
        assert pd.isna(parsed)
    else:
        assert parsed == pytest.approx(score)


@pytest.fixture(scope="module")
def table(fixture_raw: Path) -> ScoreTable:
    return load_scores(fixture_raw / "scores")


def scores_by_key(table: ScoreTable) -> dict[tuple[str, int, str], float]:
    return {
        (key, int(year), item_type): round(float(score), 2)
        for key, year, item_type, score in table.scores.itertuples(index=False)
    }


def test_load_scores_counts(table: ScoreTable) -> None:
    assert table.rows_in == 14 + 10
    assert table.mojibake_repaired == 1  # AmÃ©lie
    assert table.bom_stripped == 1  # the movie file only


def test_load_scores_table(table: ScoreTable) -> None:
    assert scores_by_key(table) == {
        ("toy story", 1995, "movie"): 8.3,  # 8.0 and 8.6, averaged
        ("amelie", 2001, "movie"): 7.9,  # repaired from AmÃ©lie
        ("mood indigo", 2014, "movie"): 6.3,
        ("heat", 1986, "movie"): 6.0,
        ("heat", 1996, "movie"): 7.1,
        ("the office", 2005, "movie"): 3.0,
        ("dick johnson is dead", 2020, "movie"): 7.4,
        ("toy story 2", 1999, "movie"): 7.9,
        ("the grand seduction", 2014, "movie"): 7.0,
        ("iboy", 2017, "movie"): 6.0,
        ("silent night", 2020, "movie"): 5.2,
        ("stranger things", 2016, "tv show"): 8.7,  # "8.7/10"
        ("breaking bad", 2008, "tv show"): 9.4,
        ("the office", 2004, "tv show"): 8.9,
        ("toy story", 1995, "tv show"): 1.0,
        ("the mandalorian", 2019, "tv show"): 8.7,
        ("abnormal summit", 2014, "tv show"): 8.1,
        ("abnormal summit", 2015, "tv show"): 7.0,
        ("family guy", 2005, "tv show"): 8.1,
    }
    # Left out: "¿?" and 忍者ハットリくん (empty keys), Oct-01 and The Clone Wars (no IMDb).


@pytest.mark.parametrize(
    ("record_id", "score", "match", "first_year"),
    [
        ("ds1", 8.3, "exact", None),  # Toy Story: duplicate keys averaged; a movie
        ("hs1", 8.3, "exact", None),  # the same work on Hulu
        ("ns6", 7.9, "exact", None),  # Amélie, through the ftfy repair
        ("ds2", 7.9, "exact", None),
        ("ns7", 8.7, "exact", 2016),  # a TV show from tv_shows.csv
        ("ds5", 8.7, "exact", 2019),
        ("hs3", 6.3, "year±1", None),  # Mood Indigo 2013 against 2014, one year each side
        ("ns11", 9.4, "first year", 2008),  # Breaking Bad: latest season 2013, first 2008
        ("as2", None, None, None),  # Heat 1995: scores hold 1986 and 1996, so no fallback
        ("ns2", None, None, None),  # The Office 2005 (TV): catalogue holds 2001 and 2005
        ("as4", None, None, None),  # The Office 2001 (TV)
        ("ns5", None, None, None),  # Abnormal Summit 2017: scores hold 2014 and 2015
        # Family Guy 1999: the score file's 2005 is after it; Hulu dates a show by its first
        # season (tv_year in platforms.toml)
        ("hs4", None, None, 1999),
        ("as6", None, None, None),  # "¿?": an empty key never matches
        ("ns10", None, None, None),  # 忍者ハットリくん: an empty key never matches
        ("ns4", None, None, None),  # Oct-01: IMDb missing
        ("ds3", None, None, 2008),  # The Clone Wars: IMDb missing; Disney+ dates by first season
        ("ns3", None, None, None),  # not in the score files
    ],
)
def test_join_on_the_fixture_catalogue(
    records: pd.DataFrame,
    record_id: str,
    score: float | None,
    match: str | None,
    first_year: int | None,
) -> None:
    if score is None:
        assert pd.isna(records.at[record_id, "score"])
        assert pd.isna(records.at[record_id, "score_match"])
    else:
        assert records.at[record_id, "score"] == pytest.approx(score)
        assert records.at[record_id, "score_match"] == match
    if first_year is None:
        assert pd.isna(records.at[record_id, "first_year"])
    else:
        assert records.at[record_id, "first_year"] == first_year


def test_each_score_file_feeds_only_its_own_type(records: pd.DataFrame) -> None:
    # The movie file scores The Office 2005 at 3.0; the catalogue's is a TV show.
    assert pd.isna(records.at["ns2", "score"])
    # tv_shows.csv scores Toy Story 1995 at 1.0; the catalogue's is a movie.
    assert records.at["ds1", "score"] == pytest.approx(8.3)


def test_report_score_coverage(report: EtlReport) -> None:
    assert (report.scored, report.scored_exact, report.scored_fallback) == (12, 10, 2)
    assert report.scored_by_type == {
        "movie": {"titles": 18, "exact": 8, "year±1": 1, "first year": 0},
        "tv show": {"titles": 10, "exact": 2, "year±1": 0, "first year": 1},
    }
    assert "  tv show: 3 of 10 (30.0%); 2 exact, 0 year±1, 1 first year" in report.format()
    assert report.coverage == pytest.approx(12 / 28)


# -- the join rules on small frames ------------------------------------------------------------
def catalogue_of(*rows: tuple[str, int, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["title_key", "release_year", "type"]).astype(
        {"title_key": "string", "release_year": "int64"}
    )


def table_of(*rows: tuple[str, int, str, float]) -> ScoreTable:
    scores = pd.DataFrame(rows, columns=["title_key", "release_year", "type", "score"])
    return ScoreTable(scores.astype({"release_year": "int64"}), len(rows), 0, 0)


@pytest.mark.parametrize(
    ("catalogue", "scores", "expected"),
    [
        pytest.param(
            [("heat", 1995, "movie")],
            [("heat", 1995, "movie", 8.3)],
            [(8.3, "exact")],
            id="exact",
        ),
        pytest.param(
            [("heat", 1995, "movie")],
            [("heat", 1996, "movie", 8.3)],
            [(8.3, "year±1")],
            id="one-year-later",
        ),
        pytest.param(
            [("heat", 1995, "movie")],
            [("heat", 1994, "movie", 8.3)],
            [(8.3, "year±1")],
            id="one-year-earlier",
        ),
        pytest.param(
            [("heat", 1995, "movie")],
            [("heat", 1997, "movie", 8.3)],
            [(None, None)],
            id="two-years-off",
        ),
        pytest.param(
            [("heat", 1995, "movie")],
            [("heat", 1996, "movie", 8.3), ("heat", 1986, "movie", 6.0)],
            [(None, None)],
            id="two-years-in-the-scores",
        ),
        pytest.param(
            [("heat", 1995, "movie"), ("heat", 1986, "movie")],
            [("heat", 1996, "movie", 8.3)],
            [(None, None), (None, None)],
            id="two-years-in-the-catalogue",
        ),
        pytest.param(
            [("heat", 1995, "movie"), ("heat", 1995, "movie")],
            [("heat", 1996, "movie", 8.3)],
            [(8.3, "year±1"), (8.3, "year±1")],
            id="copies-share-one-year",
        ),
        pytest.param(
            [("heat", 1995, "movie")],
            [("heat", 1996, "tv show", 8.3)],
            [(None, None)],
            id="other-type",
        ),
        pytest.param(
            [("heat", 1995, "tv show")],
            [("heat", 1995, "movie", 8.3)],
            [(None, None)],
            id="exact-needs-the-type",
        ),
        pytest.param(
            [("", 1995, "movie")],
            [("", 1995, "movie", 8.3)],
            [(None, None)],
            id="empty-key",
        ),
        pytest.param(
            [("", 1995, "movie")],
            [("", 1996, "movie", 8.3)],
            [(None, None)],
            id="empty-key-fallback",
        ),
    ],
)
def test_join_rules(
    catalogue: list[tuple], scores: list[tuple], expected: list[tuple[float | None, str | None]]
) -> None:
    joined = join_scores(catalogue_of(*catalogue), table_of(*scores))
    got = [
        (None if pd.isna(score) else float(score), None if pd.isna(match) else str(match))
        for score, match in zip(joined["score"], joined["score_match"], strict=True)
    ]
    assert got == expected


def test_join_keeps_rows_and_order() -> None:
    catalogue = catalogue_of(("b", 2000, "movie"), ("a", 2001, "movie"), ("b", 2000, "movie"))
    joined = join_scores(catalogue, table_of(("b", 2000, "movie", 7.0)))
    assert joined["title_key"].tolist() == ["b", "a", "b"]
    assert np.array_equal(joined["score"].to_numpy(), [7.0, np.nan, 7.0], equal_nan=True)
    assert joined["score"].dtype == "float64"


def test_scores_are_rounded_to_two_places() -> None:
    joined = join_scores(
        catalogue_of(("heat", 1995, "movie")), table_of(("heat", 1995, "movie", 7.123456))
    )
    assert joined["score"].iloc[0] == 7.12


def test_duplicate_keys_are_averaged(tmp_path: Path) -> None:
    (tmp_path / "MoviesOnStreamingPlatforms_updated.csv").write_text(
        ",ID,Title,Year,IMDb\n0,1,Heat,1995,7.0\n1,2,HEAT,1995,8.0\n2,3,Heat!,1995,9.0\n"
        "3,4,Heat,1995,\n"
    )
    (tmp_path / "tv_shows.csv").write_text(",ID,Title,Year,IMDb\n0,1,Heat,1995,2.0/10\n")
    table = load_scores(tmp_path)
    assert scores_by_key(table) == {("heat", 1995, "movie"): 8.0, ("heat", 1995, "tv show"): 2.0}
    assert table.rows_in == 5


def test_the_first_year_join_is_for_tv_shows_only() -> None:
    scores = pd.DataFrame(
        {
            "title_key": ["heat", "heat"],
            "release_year": [1990, 1990],
            "type": ["movie", "tv show"],
            "score": [7.0, 8.0],
        }
    )
    catalogue = pd.DataFrame(
        {"title_key": ["heat", "heat"], "release_year": [1995, 1995], "type": ["movie", "tv show"]}
    )
    joined = join_scores(catalogue, ScoreTable(scores, 2, 0, 0))
    assert pd.isna(joined.at[0, "score"]) and pd.isna(joined.at[0, "first_year"])
    assert (joined.at[1, "score"], joined.at[1, "score_match"]) == (8.0, "first year")
    assert joined.at[1, "first_year"] == 1990


# The real catalogue scores 48.0% of its TV shows (38.6% without the first-year join).
MIN_TV_COVERAGE = 0.47


def test_the_first_year_join_raises_tv_coverage(real_build: BuildResult) -> None:
    tv = real_build.report.scored_by_type["tv show"]
    scored = sum(tv[join] for join in SCORE_JOINS)
    assert scored / tv["titles"] > MIN_TV_COVERAGE
    assert (scored - tv["first year"]) / tv["titles"] < 0.40
    shows = real_build.catalogue[real_build.catalogue["type"] == "tv show"]
    assert (shows["first_year"] <= shows["release_year"]).all()
