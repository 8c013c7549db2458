"""The six catalogue questions (recommender/catalogue.py) against answers worked out by hand
from tests/fixtures/raw (see tests/fixtures/README.md)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from recommender.catalogue import (
    RECORD_COLUMNS,
    Catalogue,
    CountryCount,
    Longest,
    PlatformCount,
    QueryError,
    RatingCount,
    ScoreCount,
    TopActor,
    as_dict,
    served_records,
)
from recommender.engine import Engine
from recommender.platforms import Platform, PlatformRegistry


@pytest.fixture(scope="module")
def catalogue(engine: Engine) -> Catalogue:
    return engine.catalogue


def test_every_platform_record_counts(catalogue: Catalogue) -> None:
    assert len(catalogue) == 28  # Toy Story counts once on Disney+ and once on Hulu


# -- longest -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param({}, Longest("Heat", "amazon", 1995, 170, "min"), id="all"),
        # Oct-01 and iBoy both run 149 min: "iboy" sorts before "oct-01" (not "Oct-01" < "iBoy").
        pytest.param(
            {"platform": "netflix"}, Longest("iBoy", "netflix", 2017, 149, "min"), id="tie"
        ),
        pytest.param({"year": 2014}, Longest("Oct-01", "netflix", 2014, 149, "min"), id="year"),
        pytest.param({"year": "2017"}, Longest("iBoy", "netflix", 2017, 149, "min"), id="str"),
        pytest.param(
            {"year": 1995, "platform": "Hulu"},
            Longest("Toy Story", "hulu", 1995, 81, "min"),
            id="year-and-platform",
        ),
        pytest.param(
            {"platform": "disney+"},
            Longest("Toy Story 2", "disney", 1999, 93, "min"),
            id="alias",
        ),
        pytest.param(
            {"duration_type": "season"},
            Longest("Family Guy", "hulu", 1999, 19, "season"),
            id="seasons",
        ),
        pytest.param(
            {"duration_type": "Seasons", "platform": "nflx"},
            Longest("The Office", "netflix", 2005, 9, "season"),
            id="seasons-on-platform",
        ),
        pytest.param(
            {"duration_type": "minutes", "year": 2020},
            Longest("Silent Night", "hulu", 2020, 94, "min"),
            id="minutes",
        ),
        # Hulu's "Good Morning America" is a movie of "1 Season": in neither list.
        pytest.param(
            {"duration_type": "season", "year": 1975}, None, id="movie-with-seasons-is-skipped"
        ),
        pytest.param({"year": 1975}, None, id="no-movie-in-minutes"),
        pytest.param({"year": 1900}, None, id="nothing"),
    ],
)
def test_longest(catalogue: Catalogue, filters: dict, expected: Longest | None) -> None:
    assert catalogue.longest(**filters) == expected


# -- score_count ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("platform", "score", "year", "count", "scored"),
    [
        ("disney", 8.0, 1995, 1, 1),  # Toy Story, 8.3
        ("disney plus", "8.3", 1995, 0, 1),  # strictly greater
        ("disney", 8.29, 1995, 1, 1),
        ("amazon", 6.5, 2014, 1, 1),  # The Grand Seduction 7.0; Black Ice Run has no score
        ("prime", "7", 2014, 0, 1),
        ("Amazon Prime", 0, 2014, 1, 1),
        ("netflix", 5.9, 2017, 1, 1),  # iBoy 6.0; Louis C.K. 2017 has no score
        ("netflix", 7.0, 2020, 1, 1),  # Dick Johnson Is Dead 7.4; Islands Calling none
        ("hulu", 6, 2013, 1, 1),  # Mood Indigo, scored by the ±1 year fallback
        ("hulu", "6,3", 2013, 0, 1),  # a decimal comma
        ("netflix", 0, 2005, 0, 0),  # The Office 2005 is a TV show: only movies count
        ("netflix", 0, 2016, 0, 0),  # Stranger Things (8.7) is a TV show
        ("hulu", 0, 2000, 0, 0),  # nothing that year
    ],
)
def test_score_count(
    catalogue: Catalogue, platform: str, score: float | str, year: int, count: int, scored: int
) -> None:
    result = catalogue.score_count(platform, score, year)
    assert result == ScoreCount(
        platform=catalogue.platform(platform).name,
        year=year,
        score=float(str(score).replace(",", ".")),
        count=count,
        scored=scored,
    )


# -- count ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("amazon", PlatformCount("amazon", 4, 2)),  # the quarantined row is not counted
        ("Prime Video", PlatformCount("amazon", 4, 2)),
        ("disney+", PlatformCount("disney", 4, 2)),
        ("hulu", PlatformCount("hulu", 4, 1)),
        ("NETFLIX", PlatformCount("netflix", 6, 5)),
    ],
)
def test_count(catalogue: Catalogue, platform: str, expected: PlatformCount) -> None:
    assert catalogue.count(platform) == expected


# -- actor ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("platform", "year", "expected"),
    [
        # In two 2014 titles, listed once as "Taylor Kitsch" and once as "  Taylor Kitsch ".
        ("amazon", 2014, TopActor("amazon", 2014, "Taylor Kitsch", 2)),
        ("prime", "1995", TopActor("amazon", 1995, "Al Pacino", 1)),  # tie with Robert De Niro
        ("disney", 1995, TopActor("disney", 1995, "Don Rickles", 1)),  # tie of three
        ("netflix", 2017, TopActor("netflix", 2017, "Bill Milner", 1)),  # tie across titles
        ("netflix", 2005, TopActor("netflix", 2005, "John Krasinski", 1)),
        ("hulu", 1995, TopActor("hulu", 1995, None, 0)),  # Hulu has no cast data
        ("hulu", 2020, TopActor("hulu", 2020, None, 0)),
        ("netflix", 1900, TopActor("netflix", 1900, None, 0)),
    ],
)
def test_actor(catalogue: Catalogue, platform: str, year: int | str, expected: TopActor) -> None:
    assert catalogue.actor(platform, year) == expected


# -- country -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("item_type", "country", "year", "count"),
    [
        # Lamp Life and Dick Johnson Is Dead; not Islands Calling (United States Virgin Islands).
        ("movie", "united states", 2020, 2),
        ("Movie", "UNITED STATES", 2020, 2),
        ("movie", "United States Virgin Islands", 2020, 1),
        ("movie", "united kingdom", 2020, 1),  # Silent Night
        ("movie", "united states", 1995, 3),  # Heat, and Toy Story on Disney+ and on Hulu
        ("movie", "canada", 2014, 2),  # "Canada" and "Canada,  United States"
        ("movie", " united states ", 2014, 1),  # Black Ice Run, whose list has extra spaces
        ("movie", "germany", 2001, 1),  # Amélie: "France, Germany"
        ("tv", "united states", 2005, 1),  # The Office
        ("tv show", "united kingdom", 2001, 1),  # The Office (UK)
        ("series", "united states", 2008, 1),  # The Clone Wars
        ("series", "united states", 2013, 1),  # Breaking Bad, dated by its latest season
        ("movie", "united states", 2008, 0),
        ("tv", "japan", 2012, 1),
    ],
)
def test_country(catalogue: Catalogue, item_type: str, country: str, year: int, count: int) -> None:
    result = catalogue.country(item_type, country, year)
    assert result == CountryCount(
        type=catalogue.item_type(item_type),
        country=country.strip().lower(),
        year=year,
        count=count,
    )


# -- rating --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rating", "count"),
    [
        # 3 G in the files (ds1, ds2, hs1) and 6 defaulted (as1, ds6, hs2, hs3, hs5, ns3).
        ("G", 9),
        ("g", 9),
        (" g ", 9),
        ("TV-14", 4),
        ("tv-ma", 4),
        ("R", 2),
        ("13+", 1),
        ("pg", 1),
    ],
)
def test_rating(catalogue: Catalogue, rating: str, count: int) -> None:
    assert catalogue.rating(rating) == RatingCount(rating=rating.strip().lower(), count=count)


@pytest.mark.parametrize("typed", ["PG 13", "pg13", " Pg-13 "])
def test_a_loosely_written_rating_is_the_catalogues(catalogue: Catalogue, typed: str) -> None:
    assert catalogue.rating(typed) == RatingCount(rating="pg-13", count=1)


@pytest.mark.parametrize(
    ("typed", "name"),
    [("México", None), ("USA", "united states"), ("U.K.", "united kingdom"), ("FRANCE", "france")],
)
def test_country_names_ignore_case_accents_and_abbreviations(
    catalogue: Catalogue, typed: str, name: str | None
) -> None:
    assert catalogue.country_name(typed) == name


def test_ratings_most_common_first(catalogue: Catalogue) -> None:
    assert catalogue.ratings[0] == "g"
    expected = "g r 13+ all 16+ tv-ma tv-pg pg tv-14 pg-13 tv-y7"
    assert sorted(catalogue.ratings) == sorted(expected.split())


# -- bad arguments -------------------------------------------------------------------------------
PLATFORMS = "choose one of: amazon, disney, hulu, netflix"


@pytest.mark.parametrize(
    ("method", "args", "message"),
    [
        ("count", ("hbo",), f"unknown platform 'hbo'; {PLATFORMS}"),
        ("score_count", ("max", 7, 2019), f"unknown platform 'max'; {PLATFORMS}"),
        ("actor", ("netflix", "abc"), "year must be a 4-digit number like 2019, not 'abc'"),
        pytest.param(
            "actor",
            ("netflix", "²⁰¹⁹"),  # str.isdigit() accepts it, int() does not
            "year must be a 4-digit number like 2019, not '²⁰¹⁹'",
            id="superscript-year",
        ),
        ("score_count", ("netflix", 7, "20l9"), "year must be a 4-digit number"),
        ("longest", ("95",), "year must be a 4-digit number"),
        ("country", ("movie", "france", "2019.0"), "year must be a 4-digit number"),
        ("score_count", ("netflix", "high", 2019), "score must be a number from 0 to 10"),
        ("score_count", ("netflix", 11, 2019), "score must be a number from 0 to 10"),
        ("score_count", ("netflix", -1, 2019), "score must be a number from 0 to 10"),
        ("score_count", ("netflix", "nan", 2019), "score must be a number from 0 to 10"),
        ("country", ("film", "france", 2019), "unknown type 'film'; choose one of: movie, tv"),
        ("country", ("movie", "  ", 2019), "unknown country '  '; try a name"),
        ("country", ("movie", "states", 2020), "unknown country 'states'; try a name"),
        ("rating", ("",), "unknown rating ''; common ones: g, "),
        ("rating", ("NC-17",), "unknown rating 'NC-17'; common ones: g, "),
        ("longest", (None, "max"), f"unknown platform 'max'; {PLATFORMS}"),
        ("longest", (None, None, "hours"), "unknown duration type 'hours'; choose one of: min"),
    ],
)
def test_bad_arguments_raise_query_error_with_choices(
    catalogue: Catalogue, method: str, args: tuple, message: str
) -> None:
    with pytest.raises(QueryError) as caught:
        getattr(catalogue, method)(*args)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_as_dict() -> None:
    assert as_dict(RatingCount("g", 9)) == {"rating": "g", "count": 9}
    assert as_dict(None) is None


def test_titles_counts_a_platforms_releases_of_a_year(catalogue: Catalogue) -> None:
    records = catalogue.records
    expected = int(((records["platform"] == "netflix") & (records["release_year"] == 2017)).sum())
    assert expected == 3  # the fixture's three Netflix titles from 2017
    assert catalogue.titles("Netflix", "2017") == 3
    assert catalogue.titles("netflix", 1800) == 0


def test_newest_titles_come_first_and_undated_ones_are_counted(catalogue: Catalogue) -> None:
    latest = catalogue.newest(limit=3)
    assert [(title.id, title.date_added) for title in latest.titles] == [
        ("ds4", "2021-11-26"),
        ("hs5", "2021-10-23"),
        ("hs1", "2021-10-01"),
    ]
    assert (latest.undated, latest.total) == (5, 28)
    netflix = catalogue.newest(["netflix"], limit=10)
    assert [title.id for title in netflix.titles][:2] == ["ns1", "ns2"]
    assert {title.platform for title in netflix.titles} == {"netflix"}
    dates = [title.date_added for title in netflix.titles]
    assert dates == sorted(dates, reverse=True)
    assert (netflix.undated, netflix.total, len(netflix.titles)) == (2, 11, 9)


def test_newest_across_chosen_platforms_and_unknown_ones(catalogue: Catalogue) -> None:
    both = catalogue.newest(["amazon", "netflix"], limit=50)
    assert {title.platform for title in both.titles} == {"amazon", "netflix"}
    assert (both.undated, both.total) == (4, 17)
    with pytest.raises(QueryError, match="unknown platform"):
        catalogue.newest(["blockbuster"])


def test_the_snapshot_date_is_the_last_addition(catalogue: Catalogue) -> None:
    assert catalogue.as_of == "2021-11-26"


def test_longest_among_a_chats_platforms(catalogue: Catalogue) -> None:
    everywhere = catalogue.longest()
    assert everywhere is not None
    others = [name for name in catalogue.registry.names if name != everywhere.platform]
    among = catalogue.longest(among=others)
    assert among is not None and among.platform in others
    # A platform asked for by name wins over the chat's platforms.
    assert catalogue.longest(platform=everywhere.platform, among=others) == everywhere


# -- longest from its table of group answers, against the plain masks over every record ----------
def reference_longest(
    catalogue: Catalogue,
    year: int | None,
    platform: str | None,
    duration_type: str | None,
    among: tuple[str, ...],
) -> Longest | None:
    """``Catalogue.longest`` as boolean masks over every record."""
    unit = catalogue.duration_type(duration_type) if duration_type else "min"
    records = catalogue.records
    wanted = (records["type"] == ("tv show" if unit == "season" else "movie")) & (
        records["duration_type"] == unit
    )
    if year is not None:
        wanted &= records["release_year"] == year
    if platform is not None:
        wanted &= records["platform"] == platform
    elif among:
        wanted &= records["platform"].isin(among)
    candidates = records.loc[wanted & records["duration_int"].notna()]
    if candidates.empty:
        return None
    longest = candidates[candidates["duration_int"] == candidates["duration_int"].max()]
    best = longest.loc[longest["title_display"].str.lower().idxmin()]
    return Longest(
        title=str(best["title_display"]),
        platform=str(best["platform"]),
        year=int(best["release_year"]),
        duration_int=int(best["duration_int"]),
        duration_type=unit,
    )


def every_longest_question(catalogue: Catalogue) -> list[tuple]:
    """Every year, platform, duration type and set of chat platforms, and a year with none."""
    names = catalogue.registry.names
    choices = [
        combination for size in range(len(names) + 1) for combination in combinations(names, size)
    ]
    years = [None, 1900, *sorted(set(catalogue.records["release_year"]))]
    # A platform asked for by name makes the chat's platforms moot: one set checks that.
    questions = [(None, among) for among in choices] + [(name, names[:2]) for name in names]
    return [
        (year, platform, duration_type, among)
        for year in years
        for platform, among in questions
        for duration_type in (None, "min", "season")
    ]


def test_longest_answers_what_the_masks_over_every_record_answer(catalogue: Catalogue) -> None:
    for question in every_longest_question(catalogue):
        assert catalogue.longest(*question) == reference_longest(catalogue, *question), question


def test_longest_breaks_ties_as_the_masks_do(catalogue: Catalogue) -> None:
    # Durations of 1 to 3 and titles shared across records and platforms: ties everywhere,
    # down to the same lowercase title ("a" and "A") and duration on two records, where the
    # first record wins.
    rng = np.random.default_rng(4)
    records = catalogue.records.sample(frac=6, replace=True, random_state=4, ignore_index=True)
    records["duration_int"] = pd.array(rng.integers(1, 4, len(records)), dtype="Int64")
    records["duration_int"] = records["duration_int"].mask(rng.random(len(records)) < 0.1)
    records["title_display"] = rng.choice(["b", "a", "c", "A"], len(records))
    records["release_year"] = rng.choice([2001, 2002], len(records))
    tied = Catalogue(records, catalogue.registry)
    for question in every_longest_question(tied):
        assert tied.longest(*question) == reference_longest(tied, *question), question


# -- cast and countries, counted up front, against a recount over every record ------------------
def reference_actor(catalogue: Catalogue, platform: str, year: int) -> TopActor:
    """``Catalogue.actor`` as a recount: titles per lowercase name, ties to the first name."""
    records = catalogue.records
    wanted = records.loc[(records["platform"] == platform) & (records["release_year"] == year)]
    titles: dict[str, set[int]] = {}
    shown: dict[str, str] = {}
    for position, cast in enumerate(wanted["cast_display"]):
        for entry in [] if pd.isna(cast) else cast.split(","):
            if entry.strip():
                titles.setdefault(entry.strip().lower(), set()).add(position)
                shown.setdefault(entry.strip().lower(), entry.strip())
    if not titles:
        return TopActor(platform, year, None, 0)
    name = min(titles, key=lambda name: (-len(titles[name]), name))
    return TopActor(platform, year, shown[name], len(titles[name]))


def reference_country(catalogue: Catalogue, item_type: str, country: str, year: int) -> int:
    """``Catalogue.country`` as a recount of the titles listing ``country``."""
    records = catalogue.records
    wanted = records.loc[(records["type"] == item_type) & (records["release_year"] == year)]
    return sum(
        country in {entry.strip().lower() for entry in countries.split(",")}
        for countries in wanted["country_display"].dropna()
    )


def test_cast_and_countries_answer_what_a_recount_answers() -> None:
    # Names that differ only in case are one person, written as first seen; ties everywhere.
    rng = np.random.default_rng(7)
    names = ["Al", "al ", "Bo", "Cy", " bo", "Zed", "", "Ann"]
    countries = ["France", "france", "Spain", " Chad ", ""]
    records = pd.DataFrame(
        {
            "id": [f"ns{row}" for row in range(300)],
            "platform": rng.choice(["netflix", "hulu"], 300),
            "type": rng.choice(["movie", "tv show"], 300),
            "title_display": "x",
            "release_year": rng.choice([2001, 2002, 2003], 300),
            "date_added": None,
            "rating": "g",
            "rating_display": "G",
            "duration_int": pd.array([None] * 300, dtype="Int64"),
            "duration_type": None,
            "score": np.nan,
            "cast_display": [
                ",".join(rng.choice(names, rng.integers(0, 4))) or None for _ in range(300)
            ],
            "country_display": [
                ",".join(rng.choice(countries, rng.integers(0, 3))) or None for _ in range(300)
            ],
            "listed_in_display": "Dramas",
            "description_display": None,
        }
    )
    registry = PlatformRegistry(
        [Platform("hulu", "h", "h.csv", "Hulu"), Platform("netflix", "n", "n.csv", "Netflix")]
    )
    catalogue = Catalogue(records, registry)
    assert catalogue.countries == {"france": "France", "spain": "Spain", "chad": "Chad"}
    for platform in ("netflix", "hulu"):
        for year in (2001, 2002, 2003, 2004):
            assert catalogue.actor(platform, year) == reference_actor(catalogue, platform, year)
    for country in catalogue.countries:
        for item_type in ("movie", "tv show"):
            for year in (2001, 2002, 2003):
                expected = reference_country(catalogue, item_type, country, year)
                assert catalogue.country(item_type, country, year).count == expected


# -- the columns held as categories -------------------------------------------------------------
def test_served_records_hold_the_same_values(records: pd.DataFrame) -> None:
    served = served_records(records.reset_index())
    assert list(served.columns) == RECORD_COLUMNS
    for column in RECORD_COLUMNS:
        plain = records.reset_index()[column]
        assert (
            served[column].astype(object).fillna(-1).tolist()
            == plain.astype(object).fillna(-1).tolist()
        ), column
    pd.testing.assert_frame_equal(served_records(served), served)  # already served: unchanged


def test_categories_sort_as_their_text_does(catalogue: Catalogue) -> None:
    records = catalogue.records
    categorical = [c for c in records if isinstance(records[c].dtype, pd.CategoricalDtype)]
    assert {"platform", "type", "rating", "rating_display", "duration_type"} <= set(categorical)
    for column in categorical:
        categories = records[column].cat.categories.tolist()
        assert categories == sorted(categories), column


def test_tied_ratings_come_in_the_order_they_first_appear(catalogue: Catalogue) -> None:
    """Categories would order a tie alphabetically; plain text, by first appearance."""
    records = catalogue.records.astype({"rating": object})
    records["rating"] = ["tv-y", "pg", "g", "pg", "g", "tv-y"] + ["r"] * (len(records) - 6)
    tied = Catalogue(records, catalogue.registry)
    assert tied.ratings == ["r", "tv-y", "pg", "g"]
