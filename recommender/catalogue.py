"""``Catalogue``: the six catalogue questions and the new arrivals, over every platform
record."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

from recommender.artifact import Deferred
from recommender.platforms import Platform, PlatformRegistry
from recommender.text import fold

TYPE_NAMES = {
    "movie": "movie",
    "movies": "movie",
    "tv": "tv show",
    "tv show": "tv show",
    "tv shows": "tv show",
    "show": "tv show",
    "shows": "tv show",
    "series": "tv show",
}
DURATION_TYPE_NAMES = {
    "min": "min",
    "mins": "min",
    "minutes": "min",
    "minute": "min",
    "season": "season",
    "seasons": "season",
}


# Short names people type for countries the catalogue spells out.
COUNTRY_ABBREVIATIONS = {
    "usa": "united states",
    "us": "united states",
    "america": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "uae": "united arab emirates",
}


def _squeeze(text: str) -> str:
    """Lowercase letters and digits only: "TV MA" and "tv-ma" are one rating."""
    return "".join(char for char in text.lower() if char.isalnum())


# The release years a catalogue title can have: older is a typo, later is not yet released.
FIRST_YEAR, LAST_YEAR = 1870, 2100
#: A record id is its platform's letter and its lowercase ``show_id``. Button data and inline
#: result ids carry it within Telegram's 64 bytes (bot/chat/callbacks.py keeps the budget), so
#: the ETL sets aside a row whose ``show_id`` is not ``SHOW_ID``.
MAX_SHOW_ID = 40
SHOW_ID = rf"[a-z0-9._-]{{1,{MAX_SHOW_ID}}}"
RECORD_ID = rf"[a-z]{SHOW_ID}"
T = TypeVar("T")
_YEAR = re.compile(r"[0-9]{4}")

#: What the questions, the statistics and an engine's replies read of a record. The lowercase
#: copies of display text are not kept: a name's lowercase form is derived where needed.
RECORD_COLUMNS = [
    "id",
    "platform",
    "type",
    "title_display",
    "release_year",
    "date_added",
    "rating",
    "rating_display",
    "duration_int",
    "duration_type",
    "score",
    "cast_display",
    "country_display",
    "listed_in_display",
    "description_display",
]
# Columns of few distinct values, held as categories: each text once, and filters compare
# small integer codes instead of touching a Python string per record.
_CATEGORY_COLUMNS = [
    "platform",
    "type",
    "rating",
    "rating_display",
    "duration_type",
    "country_display",
    "listed_in_display",
]


def served_records(records: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``records`` a ``Catalogue`` reads, the repetitive ones as categories.

    Converting a table that is already served costs next to nothing.
    """
    return records[RECORD_COLUMNS].astype(dict.fromkeys(_CATEGORY_COLUMNS, "category"))


def _by_frequency(values: pd.Series) -> list:
    """The distinct values, most common first; ties in order of first appearance, which
    ``value_counts`` gives plain values (it orders tied categories by category instead)."""
    return pd.Series(values.to_numpy(dtype=object), dtype=object).value_counts().index.tolist()


class _Entries(NamedTuple):
    """The entries of a comma-separated display column, one per (record, entry), in record
    order.

    Their text is held by numpy, not as Python strings: the 100k strings made while splitting
    are all freed before the few answers are built from it, so no answer's string lands
    among them and keeps their memory from being given back.
    """

    record: np.ndarray  # the position of each entry's record
    name: np.ndarray  # its lowercase name, as a position in ``names``
    names: np.ndarray  # every lowercase name, in order of first appearance (so, of code)
    displays: np.ndarray  # each entry as written, stripped

    @classmethod
    def of(cls, column: pd.Series) -> _Entries:
        """The entries of ``column``; empty ones are skipped."""
        records, displays = [], []
        present = np.flatnonzero(column.notna().to_numpy())
        texts = column.to_numpy(dtype=object)[present]
        for record, text in zip(present.tolist(), texts, strict=True):
            for entry in text.split(","):
                if entry := entry.strip():
                    records.append(record)
                    displays.append(entry)
        name, names = pd.factorize(np.array([entry.lower() for entry in displays], dtype=object))
        return cls(
            record=np.array(records, dtype=np.int64),
            name=name,
            names=np.asarray(names, dtype=object).astype(StringDType()),
            displays=np.array(displays, dtype=object).astype(StringDType()),
        )

    def table(self, records: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """One row per entry: its position, name code and record, and ``columns`` of that."""
        table = {column: records[column].to_numpy()[self.record] for column in columns}
        return pd.DataFrame(
            {
                **table,
                "entry": np.arange(len(self.record)),
                "name": self.name,
                "record": self.record,
            }
        )

    def first_written(self) -> dict[str, str]:
        """Each lowercase name and its text as first written, in order of first appearance."""
        _, firsts = np.unique(self.name, return_index=True)
        return dict(zip(self.names.tolist(), self.displays[firsts].tolist(), strict=True))


def build_cached(instance: T) -> T:
    """``instance`` with every ``cached_property`` of its class worked out."""
    for name, attribute in vars(type(instance)).items():
        if isinstance(attribute, cached_property):
            getattr(instance, name)
    return instance


class QueryError(ValueError):
    """A query argument that is not valid; the message lists the valid choices."""


@dataclass(frozen=True)
class Longest:
    title: str
    platform: str
    year: int
    duration_int: int
    duration_type: str


@dataclass(frozen=True)
class ScoreCount:
    platform: str
    year: int
    score: float
    count: int
    scored: int


@dataclass(frozen=True)
class PlatformCount:
    platform: str
    movies: int
    tv_shows: int


@dataclass(frozen=True)
class TopActor:
    platform: str
    year: int
    actor: str | None
    appearances: int


@dataclass(frozen=True)
class CountryCount:
    type: str
    country: str
    year: int
    count: int


@dataclass(frozen=True)
class RatingCount:
    rating: str
    count: int


@dataclass(frozen=True)
class NewArrival:
    id: str
    title: str
    platform: str
    type: str
    year: int
    date_added: str


@dataclass(frozen=True)
class NewArrivals:
    """The latest additions, newest first, and how many titles in scope have no date."""

    titles: list[NewArrival]
    undated: int
    total: int


def as_dict(result: object) -> dict | None:
    """A query result as a JSON-ready dict; ``None`` stays ``None``."""
    return None if result is None else asdict(result)


class Catalogue:
    """Every platform record of the clean catalogue; a title on several platforms counts once
    per platform.

    ``year`` is always ``release_year``.
    """

    def __init__(self, records: pd.DataFrame, registry: PlatformRegistry) -> None:
        records = served_records(records)
        # A version loads the record table on first use: a million records' strings take
        # seconds to unpickle, and no recommendation or title match reads them.
        self._records = Deferred(records)
        self._size = len(records)
        self.registry = registry
        # Every answer about cast and countries, built up front so the first person to ask does
        # not wait; the entries they are counted from are not kept.
        self._top_actors = self._count_actors(_Entries.of(records["cast_display"]))
        countries = _Entries.of(records["country_display"])
        #: Every country in the catalogue: lowercase name to display name.
        self.countries: dict[str, str] = countries.first_written()
        self._country_keys = {fold(name): name for name in self.countries}
        self._country_counts = self._count_countries(countries)
        #: Every rating in the catalogue, most common first.
        self.ratings: list[str] = _by_frequency(records["rating"])
        self._rating_keys = {_squeeze(rating): rating for rating in reversed(self.ratings)}

    def __len__(self) -> int:
        return self._size

    @property
    def records(self) -> pd.DataFrame:
        """Every record, with the columns ``served_records`` keeps; loaded now if need be."""
        return self._records.value

    # -- argument checking -------------------------------------------------------------------
    def platform(self, name: str) -> Platform:
        """The platform ``name`` refers to, or a ``QueryError`` listing the valid ones."""
        platform = self.registry.resolve(str(name))
        if platform is None:
            raise QueryError(
                f"unknown platform {name!r}; choose one of: {', '.join(self.registry.names)}"
            )
        return platform

    @staticmethod
    def item_type(name: str) -> str:
        """``movie`` or ``tv show`` from ``name`` (``tv``, ``series``…)."""
        item_type = TYPE_NAMES.get(fold(str(name)))
        if item_type is None:
            raise QueryError(f"unknown type {name!r}; choose one of: movie, tv")
        return item_type

    @staticmethod
    def duration_type(name: str) -> str:
        """``min`` or ``season`` from ``name`` (``minutes``, ``seasons``…)."""
        duration_type = DURATION_TYPE_NAMES.get(fold(str(name)))
        if duration_type is None:
            raise QueryError(f"unknown duration type {name!r}; choose one of: min, season")
        return duration_type

    @staticmethod
    def year(value: object) -> int:
        """A release year from ``value``, or a ``QueryError``."""
        text = str(value).strip()
        if not _YEAR.fullmatch(text):
            raise QueryError(f"year must be a 4-digit number like 2019, not {value!r}")
        return int(text)

    @staticmethod
    def score(value: object) -> float:
        """An audience score between 0 and 10, or a ``QueryError``."""
        try:
            score = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise QueryError(f"score must be a number from 0 to 10, not {value!r}") from None
        if not 0 <= score <= 10:
            raise QueryError(f"score must be a number from 0 to 10, not {value!r}")
        return score

    # -- the six queries ---------------------------------------------------------------------
    def longest(
        self,
        year: int | str | None = None,
        platform: str | None = None,
        duration_type: str | None = None,
        among: Collection[str] = (),
    ) -> Longest | None:
        """The movie with the most minutes, or with ``duration_type='season'`` the TV show
        with the most seasons; ties go to the alphabetically first lowercase title.

        ``among`` keeps only these platforms when no ``platform`` is asked for.
        """
        unit = self.duration_type(duration_type) if duration_type else "min"
        release = None if year is None else self.year(year)
        if platform is not None:
            groups = [(unit, self.platform(platform).name, release)]
        elif among:
            groups = [(unit, self.platform(name).name, release) for name in among]
        else:
            groups = [(unit, None, release)]
        answers, index = self._longest_answers
        found = [index[group] for group in groups if group in index]
        return answers[min(found)] if found else None

    def prepare(self) -> Catalogue:
        """Work out now the tables some questions build on first use (the longest titles, the
        newest, the counts), so that no one asking waits for them."""
        return build_cached(self)

    def warm(self) -> Catalogue:
        """Load now what a version leaves for first use: the records and the newest titles."""
        # Read to be loaded.
        self._newest_first.value  # noqa: B018
        self._records.value  # noqa: B018
        return self

    @cached_property
    def _longest_answers(self) -> tuple[list[Longest], dict[tuple, int]]:
        """The answers ``longest`` can give, best first, and the first one in each group.

        An answer is the longest record of one duration type, platform and release year;
        ties go to the first lowercase title, then to the first record. A group is such a
        triple, with ``None`` for any platform or any year. Any question is one group or
        several, so its answer is the one of theirs that comes first.
        """
        records = self.records
        timed = ((records["type"] == "movie") & (records["duration_type"] == "min")) | (
            (records["type"] == "tv show") & (records["duration_type"] == "season")
        )
        columns = ["title_display", "platform", "release_year", "duration_int", "duration_type"]
        group = ["duration_type", "platform", "release_year"]
        candidates = records.loc[timed & records["duration_int"].notna(), columns]
        # Only each group's longest records can answer: sorting a few hundred titles instead
        # of every record's saves most of the build.
        longest = candidates.groupby(group)["duration_int"].transform("max")
        candidates = candidates.loc[candidates["duration_int"] == longest]
        candidates = candidates.assign(title=candidates["title_display"].str.lower()).sort_values(
            ["duration_int", "title"], ascending=[False, True], kind="stable"
        )
        best = candidates.drop_duplicates(group)
        answers = [
            Longest(str(title), str(platform), int(year), int(duration), str(unit))
            for title, platform, year, duration, unit in best[columns].itertuples(index=False)
        ]
        index: dict[tuple, int] = {}
        for position, answer in enumerate(answers):
            unit = answer.duration_type
            for platform, year in itertools.product((answer.platform, None), (answer.year, None)):
                index.setdefault((unit, platform, year), position)
        return answers, index

    def score_count(self, platform: str, score: float | str, year: int | str) -> ScoreCount:
        """Movies on ``platform`` released in ``year`` scoring strictly above ``score``."""
        name, threshold, release = self.platform(platform).name, self.score(score), self.year(year)
        records = self.records
        movies = records.loc[
            (records["platform"] == name)
            & (records["type"] == "movie")
            & (records["release_year"] == release),
            "score",
        ]
        return ScoreCount(
            platform=name,
            year=release,
            score=threshold,
            count=int((movies > threshold).sum()),
            scored=int(movies.notna().sum()),
        )

    def count(self, platform: str) -> PlatformCount:
        """How many movies and TV shows ``platform`` has."""
        name = self.platform(platform).name
        movies, tv_shows = self._type_counts.get(name, (0, 0))
        return PlatformCount(platform=name, movies=movies, tv_shows=tv_shows)

    @cached_property
    def _type_counts(self) -> dict[str, tuple[int, int]]:
        """Per platform: its movies and TV shows."""
        counts = self.records.groupby(["platform", "type"]).size()
        return {
            name: (int(counts.get((name, "movie"), 0)), int(counts.get((name, "tv show"), 0)))
            for name in self.registry.names
        }

    def actor(self, platform: str, year: int | str) -> TopActor:
        """The cast member in most of ``platform``'s titles released in ``year``; ties go to
        the alphabetically first; ``actor`` is ``None`` when there is no cast data."""
        name, release = self.platform(platform).name, self.year(year)
        actor, appearances = self._top_actors.get((name, release), (None, 0))
        return TopActor(platform=name, year=release, actor=actor, appearances=appearances)

    def _count_actors(self, cast: _Entries) -> dict[tuple[str, int], tuple[str, int]]:
        """For each platform and release year with cast data: the cast member in most titles
        (ties to the alphabetically first lowercase name), as first written, and in how many
        titles."""
        group = ["platform", "release_year"]
        counts = (
            cast.table(self.records, group)
            .groupby([*group, "name"], sort=False)
            .agg(appearances=("record", "nunique"), entry=("entry", "min"))
            .reset_index()
        )
        most = counts.groupby(group, sort=False)["appearances"].transform("max")
        # Only the ties for the most appearances need their names compared.
        best = counts.loc[counts["appearances"] == most]
        best = best.assign(key=cast.names[best["name"].to_numpy()].astype(object))
        best = best.sort_values([*group, "key"]).drop_duplicates(group)
        return {
            (platform, year): (actor, appearances)
            for platform, year, actor, appearances in zip(
                best["platform"].tolist(),
                best["release_year"].tolist(),
                cast.displays[best["entry"].to_numpy()].tolist(),
                best["appearances"].tolist(),
                strict=True,
            )
        }

    def country(self, item_type: str, country: str, year: int | str) -> CountryCount:
        """Titles of ``item_type`` released in ``year`` whose country list includes ``country``
        (case-insensitive, a whole entry)."""
        wanted_type, release = self.item_type(item_type), self.year(year)
        entry = self.country_name(country)
        if entry is None:
            raise QueryError(
                f"unknown country {str(country)[:40]!r}; try a name as the catalogue writes it, "
                "for example: united states, india, spain"
            )
        count = self._country_counts.get((entry, wanted_type, release), 0)
        return CountryCount(type=wanted_type, country=entry, year=release, count=count)

    def _count_countries(self, countries: _Entries) -> dict[tuple[str, str, int], int]:
        """How many titles list each country (by lowercase name), per type and release
        year."""
        counts = (
            countries.table(self.records, ["type", "release_year"])
            .groupby(["name", "type", "release_year"], sort=False)["record"]
            .nunique()
        )
        names = countries.names[counts.index.get_level_values("name")].tolist()
        return {
            (name, item_type, year): count
            for name, (_, item_type, year), count in zip(
                names, counts.index.tolist(), counts.tolist(), strict=True
            )
        }

    def rating(self, rating: str) -> RatingCount:
        """Titles with audience rating ``rating`` (case-insensitive; a missing rating is G)."""
        wanted = self.rating_name(rating)
        if wanted is None:
            raise QueryError(
                f"unknown rating {str(rating)[:20]!r}; common ones: {', '.join(self.ratings[:10])}"
            )
        return RatingCount(rating=wanted, count=int((self.records["rating"] == wanted).sum()))

    def newest(self, platforms: Collection[str] = (), limit: int = 10) -> NewArrivals:
        """The titles added last (by ``date_added``) on ``platforms`` (default: all); ties go
        to the alphabetically first title."""
        names = {self.platform(name).name for name in platforms} or set(self.registry.names)
        latest = self._newest_first.value
        rows = np.arange(len(latest["id"]))
        if platforms:
            rows = rows[np.isin(latest["platform"], list(names))]
        titles = [
            NewArrival(
                id=str(latest["id"][row]),
                title=str(latest["title_display"][row]),
                platform=str(latest["platform"][row]),
                type=str(latest["type"][row]),
                year=int(latest["release_year"][row]),
                date_added=str(latest["date_added"][row]),
            )
            for row in rows[: max(limit, 0)]
        ]
        counts = self._date_counts
        return NewArrivals(
            titles=titles,
            undated=sum(counts[name][1] for name in names),
            total=sum(counts[name][0] for name in names),
        )

    @cached_property
    def _newest_first(self) -> Deferred[dict[str, np.ndarray]]:
        """The dated records, newest first, as plain column arrays (a pandas row costs too
        much to read per request). Their texts are a million strings in a large catalogue,
        so a version loads them on first use, like the records."""
        dated = self.records.loc[self.records["date_added"].notna()]
        dated = dated.assign(title=dated["title_display"].str.lower()).sort_values(
            ["date_added", "title"], ascending=[False, True], kind="stable"
        )
        columns = ("id", "title_display", "platform", "type", "release_year", "date_added")
        return Deferred({column: dated[column].to_numpy() for column in columns})

    @cached_property
    def _date_counts(self) -> dict[str, tuple[int, int]]:
        """Per registered platform: how many records it has, and how many have no date."""
        records = self.records
        totals = records["platform"].value_counts()
        undated = records.loc[records["date_added"].isna(), "platform"].value_counts()
        return {
            name: (int(totals.get(name, 0)), int(undated.get(name, 0)))
            for name in self.registry.names
        }

    @cached_property
    def as_of(self) -> str | None:
        """The date of the catalogue snapshot: the last ``date_added`` anywhere in it."""
        dates = self.records["date_added"].dropna()
        return None if dates.empty else str(dates.max())

    def country_name(self, text: str) -> str | None:
        """The catalogue's lowercase name for the country ``text`` names (accents, case and
        a few English abbreviations such as "USA" aside), or ``None``."""
        key = " ".join(fold(str(text)).replace(".", "").split())
        return self._country_keys.get(key) or self._country_keys.get(COUNTRY_ABBREVIATIONS.get(key))

    def rating_name(self, text: str) -> str | None:
        """The catalogue's rating that ``text`` writes, even as "pg13" or "TV MA", or ``None``."""
        return self._rating_keys.get(_squeeze(str(text)))

    def titles(self, platform: str, year: int | str) -> int:
        """How many titles ``platform`` has from ``year``."""
        name, release = self.platform(platform).name, self.year(year)
        records = self.records
        return int(((records["platform"] == name) & (records["release_year"] == release)).sum())
