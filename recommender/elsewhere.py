"""``KnownWorks``: works known to exist but not carried, found by title.

The ETL (``etl.elsewhere``) builds their table from the score files and an editorial file;
this index finds one by a typed title with the catalogue's own ``TitleMatcher``, so a typo
finds a missing work as surely as a carried one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from recommender.matcher import CLEAR_MARGIN, CONFIDENT, TitleMatcher
from recommender.model import split_names
from recommender.text import normalize_title

#: The table's columns. ``genres`` are the catalogue's genre words, space-separated;
#: ``directors`` and ``countries`` comma-separated; ``aliases`` newline-separated.
ELSEWHERE_TABLE_COLUMNS = (
    "title",
    "year",
    "type",
    "genres",
    "directors",
    "countries",
    "minutes",
    "score",
    "aliases",
    "source",
)
# A year typed after a title is looked for among this many works of that title.
YEAR_CANDIDATES = 20
#: Where a work's facts come from: the score files or the editorial file.
SOURCES = ("scores", "editorial")


@dataclass(frozen=True)
class KnownWork:
    """A work none of the platforms carries, with what is known of it."""

    title: str
    year: int
    type: str
    genres: list[str]
    directors: list[str]
    countries: list[str]
    minutes: int | None
    score: float | None
    source: str
    # How surely the typed text names it, and the other name of it that matched, if any.
    confidence: float = 1.0
    alias: str | None = None

    def to_dict(self) -> dict:
        """The work as the command line and JSON give it."""
        return {
            "title": self.title,
            "year": self.year,
            "type": self.type,
            "genres": self.genres,
            "directors": self.directors,
            "countries": self.countries,
            "source": self.source,
            "confidence": self.confidence,
        }


REPEATED_COLUMNS = ("type", "source", "genres", "countries", "aliases")


class KnownWorks:
    """Title lookup over the works known but not carried.

    Examples
    --------
    >>> table = pd.DataFrame({"title": ["Interstellar"], "year": [2014], "type": ["movie"],
    ...     "genres": ["adventure drama science_fiction"], "directors": ["Christopher Nolan"],
    ...     "countries": ["United States"], "minutes": [169], "score": [8.6],
    ...     "aliases": ["Interestelar"], "source": ["editorial"]})
    >>> known = KnownWorks().fit(table)
    >>> [(work.title, work.year, work.alias) for work in known.find("interestelar")]
    [('Interstellar', 2014, 'Interestelar')]
    >>> known.find("the office")
    []
    """

    def fit(self, table: pd.DataFrame, y: None = None) -> KnownWorks:
        # Most columns repeat a few values (two types, two sources, a thousand genre lists)
        # over some 13,600 rows: as categories they take a quarter of the memory.
        self.table_ = (
            table[list(ELSEWHERE_TABLE_COLUMNS)]
            .reset_index(drop=True)
            .astype(dict.fromkeys(REPEATED_COLUMNS, "category"))
        )
        self.matcher_: TitleMatcher | None = None
        if len(table):
            works = pd.DataFrame(
                {"title_display": self.table_["title"], "ids": "", "aliases": table["aliases"]}
            )
            self.matcher_ = TitleMatcher().fit(works)
        return self

    def __len__(self) -> int:
        return len(self.table_)

    def find(self, text: str, limit: int = 5) -> list[KnownWork]:
        """The known works ``text`` names, best first; [] when none is close."""
        if self.matcher_ is None:
            return []
        return [
            self.work(candidate.work, candidate.confidence, candidate.alias)
            for candidate in self.matcher_.match(text, limit)
        ]

    def best(self, text: str, year: int | None = None) -> KnownWork | None:
        """The known work ``text`` (of ``year``, if given) surely names, or ``None``. Works
        of one title as close as the best (a title made twice) give the best known (see
        ``_renown``)."""
        found = self.find(text, limit=YEAR_CANDIDATES if year is not None else 5)
        if year is not None:
            found = [work for work in found if work.year == year]
        if not found or found[0].confidence < CONFIDENT:
            return None
        top = found[0].confidence
        # Other titles about as close make the text unclear, unless it is exactly this one
        # ("heat" is *Heat*, not *The Heat*).
        close = [work for work in found if work.confidence > top - CLEAR_MARGIN]
        if top < 1.0 and len({normalize_title(work.title) for work in close}) > 1:
            return None
        tied = [work for work in found if work.confidence == top]
        if len({normalize_title(work.title) for work in tied}) > 1:
            return None
        return max(tied, key=_renown)

    @cached_property
    def _columns(self) -> dict[str, np.ndarray]:
        """The table's columns as arrays: a pandas row costs a new Series each time."""
        return {name: self.table_[name].to_numpy() for name in ELSEWHERE_TABLE_COLUMNS}

    def work(self, row: int, confidence: float = 1.0, alias: str | None = None) -> KnownWork:
        entry = {name: column[row] for name, column in self._columns.items()}
        return KnownWork(
            title=str(entry["title"]),
            year=int(entry["year"]),
            type=str(entry["type"]),
            genres=[genre.replace("_", " ") for genre in str(entry["genres"]).split()],
            directors=split_names(str(entry["directors"])),
            countries=split_names(str(entry["countries"])),
            minutes=None if pd.isna(entry["minutes"]) else int(entry["minutes"]),
            score=None if pd.isna(entry["score"]) else float(entry["score"]),
            source=str(entry["source"]),
            confidence=confidence,
            alias=alias,
        )


def _renown(work: KnownWork) -> tuple[bool, bool, float, int]:
    """How well known a work is among those of its title: one the editorial file names (it
    names famous works), then one with a score, the best scored, the newest."""
    return work.source == SOURCES[1], work.score is not None, work.score or 0.0, work.year
