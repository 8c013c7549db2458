"""The numbers behind /stats (recommender/stats.py) against hand counts from tests/fixtures/raw
and against plain-Python recounts of the clean records."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from recommender.catalogue import Catalogue, QueryError
from recommender.engine import Engine
from recommender.stats import (
    PlatformProfile,
    platform_profile,
    releases_by_year,
    titles_by_type,
)


@pytest.fixture(scope="module")
def catalogue(engine: Engine) -> Catalogue:
    return engine.catalogue


def changed(catalogue: Catalogue, records: pd.DataFrame) -> Catalogue:
    """A catalogue over ``records`` (changed copies of the fixture's), same registry."""
    return Catalogue(records.reset_index(drop=True), catalogue.registry)


def top_counts(lists: pd.Series, top: int) -> dict[str, int]:
    """The recount: entries of comma-separated lists, most common first, ties alphabetical."""
    counts = Counter(
        entry.strip() for text in lists.dropna() for entry in set(text.split(",")) if entry.strip()
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    return dict(ranked[:top])


# -- titles_by_type --------------------------------------------------------------------------
def test_titles_by_type_counts_by_hand(catalogue: Catalogue) -> None:
    counts = titles_by_type(catalogue)
    assert counts.index.tolist() == ["amazon", "disney", "hulu", "netflix"]  # registry order
    assert counts.columns.tolist() == ["movie", "tv show"]
    assert counts.to_numpy().tolist() == [[4, 2], [4, 2], [4, 1], [6, 5]]
    for platform, row in counts.iterrows():
        count = catalogue.count(str(platform))
        assert (row["movie"], row["tv show"]) == (count.movies, count.tv_shows)


def test_titles_by_type_keeps_a_platform_without_titles(catalogue: Catalogue) -> None:
    records = catalogue.records
    counts = titles_by_type(changed(catalogue, records[records["platform"] != "hulu"]))
    assert counts.loc["hulu"].tolist() == [0, 0]
    assert counts.loc["netflix"].tolist() == [6, 5]


# -- releases_by_year ------------------------------------------------------------------------
def test_releases_by_year_covers_thirty_years_up_to_the_latest(catalogue: Catalogue) -> None:
    releases = releases_by_year(catalogue)
    assert releases.index.tolist() == list(range(1991, 2021))  # the latest fixture year is 2020
    assert releases.columns.tolist() == catalogue.registry.names
    assert releases.loc[2020].tolist() == [0, 1, 1, 2]  # ds6; hs5; ns1, ns9
    assert releases.loc[2015].tolist() == [0, 0, 0, 0]
    # hs2 (1975) and ds4 (1988) are older than thirty years.
    assert int(releases.to_numpy().sum()) == len(catalogue) - 2


def test_releases_by_year_matches_a_recount(catalogue: Catalogue) -> None:
    records = catalogue.records
    expected = Counter(zip(records["release_year"], records["platform"], strict=True))
    releases = releases_by_year(catalogue, years=60, last_year=2030)
    assert releases.index[0] == 1971
    for year, row in releases.iterrows():
        for platform, count in row.items():
            assert count == expected[(year, platform)], (year, platform)


def test_releases_by_year_takes_the_span_asked_for(catalogue: Catalogue) -> None:
    releases = releases_by_year(catalogue, years=3, last_year=2021)
    assert releases.to_dict("index") == {
        2019: {"amazon": 1, "disney": 1, "hulu": 0, "netflix": 0},
        2020: {"amazon": 0, "disney": 1, "hulu": 1, "netflix": 2},
        2021: {"amazon": 0, "disney": 0, "hulu": 0, "netflix": 0},
    }
    assert (releases.dtypes == "int64").all()
    with pytest.raises(ValueError, match="at least 1"):
        releases_by_year(catalogue, years=0)


# -- platform_profile ------------------------------------------------------------------------
def test_platform_profile_by_hand(catalogue: Catalogue) -> None:
    assert platform_profile(catalogue, "netflix", top=3) == PlatformProfile(
        platform="netflix",
        titles=11,
        movies=6,
        tv_shows=5,
        genres={"International Movies": 3, "Documentaries": 2, "Dramas": 2},
        ratings={"TV-14": 3, "TV-MA": 3, "G": 1},
        other_ratings=4,  # PG-13, R, TV-PG, TV-Y7
        unrated=0,
        countries={"United States": 5, "France": 1, "Germany": 1},
        with_country=11,
    )


def test_platform_profile_counts_every_listed_country(catalogue: Catalogue) -> None:
    profile = platform_profile(catalogue, "Prime Video")  # an alias
    assert profile.platform == "amazon"
    # as3 is a Canada–United States co-production: it counts for both.
    assert profile.countries == {"United States": 3, "Canada": 2, "United Kingdom": 1}
    assert profile.with_country == 5  # as6 lists no country


@pytest.mark.parametrize("platform", ["amazon", "disney", "hulu", "netflix"])
@pytest.mark.parametrize("top", [1, 3, 8])
def test_platform_profile_matches_a_recount(catalogue: Catalogue, platform: str, top: int) -> None:
    records = catalogue.records[catalogue.records["platform"] == platform]
    profile = platform_profile(catalogue, platform, top=top)
    assert profile.genres == top_counts(records["listed_in_display"], top)
    assert profile.countries == top_counts(records["country_display"], top)
    assert profile.ratings == top_counts(records["rating_display"], top)
    assert sum(profile.ratings.values()) + profile.other_ratings + profile.unrated == len(records)
    assert profile.titles == profile.movies + profile.tv_shows == len(records)


def test_unrated_titles_get_a_bucket_of_their_own(catalogue: Catalogue) -> None:
    records = catalogue.records.copy()
    ratings = records["rating_display"].astype(object)
    netflix = (records["platform"] == "netflix").to_numpy()
    ratings[netflix] = ["NR", "Not Rated", "UNRATED", "TV-NR", "UR", None, *ratings[netflix][6:]]
    records["rating_display"] = ratings
    profile = platform_profile(changed(catalogue, records), "netflix")
    assert profile.unrated == 6
    assert sum(profile.ratings.values()) == 5
    assert not {"NR", "Not Rated", "UNRATED", "TV-NR", "UR"} & set(profile.ratings)


def test_a_platform_without_ratings(catalogue: Catalogue) -> None:
    records = catalogue.records.copy()
    records["rating_display"] = records["rating_display"].astype(object)
    records.loc[records["platform"] == "disney", "rating_display"] = None
    profile = platform_profile(changed(catalogue, records), "disney")
    assert (profile.ratings, profile.other_ratings, profile.unrated) == ({}, 0, 6)


def test_a_platform_without_titles(catalogue: Catalogue) -> None:
    records = catalogue.records
    profile = platform_profile(changed(catalogue, records[records["platform"] != "hulu"]), "hulu")
    assert profile == PlatformProfile("hulu", 0, 0, 0, {}, {}, 0, 0, {}, 0)


@pytest.mark.parametrize("platform", ["hbo", "", "netflix plus"])
def test_an_unknown_platform_is_a_query_error(catalogue: Catalogue, platform: str) -> None:
    with pytest.raises(QueryError, match="unknown platform"):
        platform_profile(catalogue, platform)
