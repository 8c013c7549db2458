"""The numbers behind the /stats charts, from a ``Catalogue``: plain pandas, no drawing."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from recommender.catalogue import Catalogue

TYPES = ("movie", "tv show")

# Ratings that say "no rating" (squeezed to lowercase letters and digits): "NR", "TV-NR",
# "NOT RATED", Prime Video's "NOT_RATE", "UR", "UNRATED".
NO_RATING = frozenset({"nr", "tvnr", "notrated", "notrate", "ur", "unrated"})


@dataclass(frozen=True)
class PlatformProfile:
    """One platform's catalogue in numbers; names are display-cased, counts are titles.

    ``genres``, ``ratings`` and ``countries`` hold the ``top`` most common entries, most
    common first (ties alphabetical). A title counts once for every genre it lists and for
    every country it lists (co-productions count for each country, not only the first).
    ``ratings`` leaves out ``unrated`` titles (no rating, or "NR", "Not Rated"…);
    ``other_ratings`` counts the rated titles outside the top. ``with_country`` is how many
    titles list any country at all.
    """

    platform: str
    titles: int
    movies: int
    tv_shows: int
    genres: dict[str, int]
    ratings: dict[str, int]
    other_ratings: int
    unrated: int
    countries: dict[str, int]
    with_country: int


def titles_by_type(catalogue: Catalogue) -> pd.DataFrame:
    """Movies and TV shows per platform: one row per platform in registry order (even one
    with no titles), columns ``movie`` and ``tv show``."""
    records = catalogue.records
    counts = pd.crosstab(records["platform"], records["type"])
    return counts.reindex(
        index=pd.Index(catalogue.registry.names, name="platform"),
        columns=pd.Index(TYPES, name="type"),
        fill_value=0,
    ).astype("int64")


def releases_by_year(
    catalogue: Catalogue, years: int = 30, last_year: int | None = None
) -> pd.DataFrame:
    """Titles released per year per platform, for the ``years`` years up to ``last_year``
    (default: the catalogue's latest release year): one row per year, oldest first, even
    without releases; one column per platform in registry order."""
    if years < 1:
        raise ValueError(f"years must be at least 1, not {years}")
    records = catalogue.records
    last = int(records["release_year"].max()) if last_year is None else int(last_year)
    span = pd.RangeIndex(last - years + 1, last + 1, name="release_year")
    recent = records[records["release_year"].between(span[0], last)]
    counts = pd.crosstab(recent["release_year"], recent["platform"])
    return counts.reindex(
        index=span,
        columns=pd.Index(catalogue.registry.names, name="platform"),
        fill_value=0,
    ).astype("int64")


def platform_profile(catalogue: Catalogue, platform: str, top: int = 8) -> PlatformProfile:
    """Top genres, ratings mix and top countries of ``platform`` (a name or alias; an unknown
    one raises ``QueryError``)."""
    count = catalogue.count(platform)
    records = catalogue.records.loc[catalogue.records["platform"] == count.platform]
    countries = _entries(records["country_display"])
    ratings = records["rating_display"]
    squeezed = ratings.str.lower().str.replace(r"[^0-9a-z]", "", regex=True)
    unrated = ratings.isna() | squeezed.isin(NO_RATING)
    rated = _ranked(ratings[~unrated])
    return PlatformProfile(
        platform=count.platform,
        titles=len(records),
        movies=count.movies,
        tv_shows=count.tv_shows,
        genres=_ranked(_entries(records["listed_in_display"])).head(top).to_dict(),
        ratings=rated.head(top).to_dict(),
        other_ratings=int(rated.iloc[top:].sum()),
        unrated=int(unrated.sum()),
        countries=_ranked(countries).head(top).to_dict(),
        with_country=countries.index.nunique(),
    )


def _entries(lists: pd.Series) -> pd.Series:
    """The entries of a comma-separated column, one row per (record, entry), indexed by
    record; a record listing an entry twice counts once."""
    entries = lists.dropna().str.split(",").explode().str.strip()
    entries = entries[entries.notna() & (entries != "")]
    repeated = pd.MultiIndex.from_arrays([entries.index, entries.str.casefold()]).duplicated()
    return entries[~repeated]


def _ranked(names: pd.Series) -> pd.Series:
    """How often each name occurs (case aside), indexed by its first spelling; most common
    first, ties alphabetical."""
    frame = pd.DataFrame({"key": names.str.casefold(), "name": names}).dropna()
    counts = frame.groupby("key").agg(count=("name", "size"), name=("name", "first"))
    counts = counts.sort_values("count", ascending=False, kind="stable")
    return pd.Series(
        counts["count"].to_numpy(dtype=int), index=counts["name"].to_numpy(), dtype=int
    )
