"""``Engine``: the catalogue, the matcher and the model of one built version, together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.artifact import (
    ENGINE_FILE,
    current_folder,
    load,
    manifest_of,
    version_folder,
)
from recommender.catalogue import Catalogue, build_cached
from recommender.discovery import (
    LIKED_GENRES_WEIGHT,
    MAX_K,
    MAX_LIKED,
    MAX_OFFSET,
    Discovery,
    Slots,
    WorkFacets,
    diversified,
    franchise_key,
    genre_word,
    relax,
)
from recommender.elsewhere import ELSEWHERE_TABLE_COLUMNS, KnownWork, KnownWorks
from recommender.matcher import Candidate, TitleMatcher, is_confident, sorted_position
from recommender.model import ContentModel, SharedTerm, accumulate, split_names
from recommender.platforms import PlatformRegistry
from recommender.plot import PlotIndex
from recommender.text import (
    drop_leading_article,
    fold,
    main_title,
    normalize_title,
    version_tag,
)
from recommender.themes import Theme, ThemeIndex
from recommender.variety import (
    FIRST_PAGE,
    POOL,
    SHORT_MINUTES,
    arranged,
    is_shorts,
    of_franchise,
    version_groups,
)

# Works columns of few distinct values, held as categories (see ``served_records``).
_WORK_CATEGORY_COLUMNS = ["platforms", "type", "genres", "listed_in_display"]

# The matcher's candidates kept for recent texts (``Engine._candidates``): how many texts, of
# at most how many characters, and how many candidates each.
MATCHES_KEPT = 256
MAX_KEPT_TEXT = 200
MATCH_KEPT = 20
# The works like one are first asked for this many more than needed, for the versions that
# take places (one result for a work however many versions of it are alike): asking again
# costs a whole new similarity pass.
VERSION_ROOM = 10
# The topic words of a discovery read at most this much of its text.
MAX_ABOUT = 4096
# A reason names at most this many shared themes: one short line holds two.
REASON_THEMES = 2
# How far "for you" moves away from the disliked works: their mean row, times this, is taken
# from the liked works' summed unit row, so at 1 a work as like the disliked works as the
# liked ones gets nothing from its content. ``make eval`` chose it among the pushes it prints:
# the results in the disliked works' genre fall to a third of none's, at a small cost in
# finding the liked genre and the held-out liked work, which stronger pushes cost more.
DISLIKED_PUSH = 1.0
# A reason for you names a second liked work when the result is at least this share as like it
# as like the first: "because you liked Narcos and Ozark", not a title it barely resembles.
SECOND_LIKED = 0.5

# What ranks the works like a work not carried (``Engine.like_known``): the share of its
# genres a work has (0 to 1), plus these for one of its directors, one of its countries, and
# a year within ``YEARS_SPAN`` of its own (less the further off).
KNOWN_DIRECTOR_WEIGHT = 1.0
KNOWN_COUNTRY_WEIGHT = 0.2
KNOWN_YEARS_WEIGHT = 0.3
YEARS_SPAN = 10
# A catalogue work named this surely, of the same type and year (give or take one), is the
# work asked for under a longer title ("Star Wars: A New Hope" for "star wars"), not a rival.
SAME_WORK_CONFIDENCE = 0.9

# What replies read of a platform record (the works table holds the rest).
_RECORD_COLUMNS = (
    "id",
    "platform",
    "title_display",
    "date_added",
    "rating_display",
    "duration_int",
    "duration_type",
    "country_display",
    "description_display",
)


# What an engine's version leaves out, since loading makes it again (``Engine.__getstate__``).
_NOT_KEPT = frozenset({"_columns", "_record_columns", "_sorted_work_ids", "_kept_candidates"})


class ArtifactMissing(FileNotFoundError):
    """No built catalogue to load; run the ETL first."""


@dataclass(frozen=True)
class Match:
    """A work the matcher found for some text."""

    id: str
    work_id: str
    title: str
    year: int
    type: str
    platforms: list[str]
    confidence: float
    # The other name of the work that matched the text, when it was not the title.
    alias: str | None = None

    def to_dict(self) -> dict:
        """The match as the command line and JSON give it: the alias is for chat replies,
        which show it beside the title."""
        data = asdict(self)
        del data["alias"]
        return data


@dataclass(frozen=True)
class Reason:
    """Why a work was recommended: what it shares with the query work."""

    genres: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)
    # What both stories are about, rarest first, from the vocabulary of ``data/raw/themes.csv``.
    themes: list[Theme] = field(default_factory=list)
    # The liked titles (in a discovery) this work is most like.
    liked: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """A short English summary, e.g. ``"director: Pete Docter; genres: animation"``."""
        parts = []
        if self.liked:
            parts.append("because you liked " + " and ".join(self.liked))
        if self.directors:
            parts.append("director: " + ", ".join(self.directors))
        if self.cast:
            parts.append("cast: " + ", ".join(self.cast))
        if self.genres:
            parts.append("genres: " + ", ".join(self.genres))
        if self.themes:
            parts.append("themes: " + ", ".join(theme.en for theme in self.themes))
        return "; ".join(parts) or "similar story"


@dataclass(frozen=True)
class Recommendation:
    """One recommended work, with every platform it streams on."""

    id: str
    work_id: str
    title: str
    year: int
    type: str
    platforms: list[str]
    similarity: float
    score: float | None
    reason: Reason
    # The work's other language or cut versions, by their tags ("en Español"): a work is one
    # result, however many versions it has.
    versions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["reason"] = self.reason.describe()
        return data


@dataclass(frozen=True, slots=True)
class WorkDetails:
    """Everything replies show about one work, display-cased.

    The rating, length, countries and description are those of the work's representative
    record (the copy on the first platform in the registry); ``genres`` are the catalogue's
    genre names, ``genre_words`` the words the model compares.
    """

    id: str
    work_id: str
    title: str
    year: int
    type: str
    platforms: list[str]
    ids: list[str]
    score: float | None
    rating: str | None
    duration_int: int | None
    duration_type: str | None
    genres: list[str]
    genre_words: list[str]
    directors: list[str]
    cast: list[str]
    country: list[str]
    description: str | None


@dataclass(frozen=True)
class Availability:
    """One platform record of a work: where it streams, under which id, since when."""

    platform: str
    id: str
    title: str
    date_added: str | None


@dataclass(frozen=True)
class Explanation:
    """Why two works are alike: their similarity, what they share, and the top shared terms."""

    similarity: float
    reason: Reason
    terms: list[SharedTerm]


@dataclass(frozen=True)
class Recommendations:
    """The answer to "what is like X": the work matched for X and the works like it."""

    query: str
    match: Match | None
    results: list[Recommendation]
    candidates: list[Match] = field(default_factory=list)
    # The work ``query`` names that no platform carries; ``results`` are then like it.
    not_carried: KnownWork | None = None

    @property
    def confident(self) -> bool:
        """Whether the match is sure enough to answer without asking "did you mean…"."""
        return is_confident([candidate.confidence for candidate in self.candidates])

    def to_dict(self) -> dict:
        """The answer as the command line and JSON give it; ``not_carried`` only where the
        query names a work no platform carries, and ``results`` are then like it."""
        data = {
            "query": self.query,
            "match": self.match.to_dict() if self.match else None,
            "results": [result.to_dict() for result in self.results],
        }
        if self.not_carried is not None:
            data["not_carried"] = self.not_carried.to_dict()
        return data


def served_works(works: pd.DataFrame) -> pd.DataFrame:
    """``works`` with its repetitive columns as categories, as an ``Engine`` holds it."""
    return works.astype(dict.fromkeys(_WORK_CATEGORY_COLUMNS, "category"))


def named_exactly(text: str, known: KnownWork) -> bool:
    """Whether ``text`` is the title of ``known``, or the other name of it that matched, but
    for case, accents, punctuation, a leading article or a subtitle.

    >>> work = KnownWork("The Terminator", 1984, "movie", [], [], [], None, None, "scores")
    >>> named_exactly("terminator", work), named_exactly("the terminators", work)
    (True, False)
    """
    forms = set()
    for name in filter(None, (known.title, known.alias)):
        key = normalize_title(name)
        forms |= {key, drop_leading_article(key), main_title(name)}
    typed = normalize_title(text)
    return typed in forms or drop_leading_article(typed) in forms


def _summed(rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The sum of sparse rows (features, weights), as one: its features, sorted, and weights.

    >>> _summed([(np.array([3, 1]), np.array([0.5, 1.0])), (np.array([3]), np.array([0.25]))])
    (array([1, 3]), array([1.  , 0.75]))
    """
    features, position = np.unique(
        np.concatenate([features for features, _ in rows]), return_inverse=True
    )
    return features, np.bincount(position, np.concatenate([weights for _, weights in rows]))


def _most_alike(alike: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``, the position of the row of ``alike`` (one per liked work, a value
    per work) highest at it, ties to the first: ``np.argmax(alike[:, rows], axis=0)``, one
    pass per liked work instead of a strided one.

    >>> _most_alike(np.array([[0.1, 0.5, 0.2], [0.3, 0.5, 0.1]]), np.array([0, 1, 2])).tolist()
    [1, 0, 0]
    """
    best, most = alike[0, rows], np.zeros(len(rows), dtype=np.int64)
    for position in range(1, len(alike)):
        values = alike[position, rows]
        higher = values > best
        most[higher] = position
        best = np.where(higher, values, best)
    return most


def _names(text: object) -> list[str]:
    return [] if text is None or pd.isna(text) else split_names(str(text))


def _shared_names(ours: list[str], theirs: list[str]) -> list[str]:
    """Our names that are also theirs, ignoring case, in our order.

    >>> _shared_names(["Tim Allen", "Tom Hanks", "Joan Cusack"], ["tom hanks", "TIM ALLEN"])
    ['Tim Allen', 'Tom Hanks']
    """
    lowered = {name.lower() for name in theirs}
    return [name for name in ours if name.lower() in lowered]


@dataclass(frozen=True)
class _Traits:
    """What a reason compares of one work: its row, genre words, directors and cast."""

    row: int
    genres: list[str]
    directors: list[str]
    cast: list[str]


class Engine:
    """Everything one catalogue version answers: matching, recommendations and queries."""

    def __init__(
        self,
        registry: PlatformRegistry,
        records: pd.DataFrame,
        works: pd.DataFrame,
        model: ContentModel,
        matcher: TitleMatcher,
        version: str = "",
        *,
        plot: PlotIndex,
        themes: ThemeIndex,
        elsewhere: KnownWorks | None = None,
    ) -> None:
        self.registry = registry
        self.catalogue = Catalogue(records, registry)
        self.works = works = served_works(works)
        self.model = model
        self.matcher = matcher
        self._kept_candidates = self._candidate_cache()
        #: Finds works from a plot told from memory (``PlotIndex.scores``), in works order.
        self.plot = plot
        #: The themes of each work, which reasons name (``ThemeIndex``), in works order.
        self.themes = themes
        #: The works known but not carried (``etl.elsewhere``), found by title.
        self.elsewhere = elsewhere or KnownWorks().fit(
            pd.DataFrame(columns=list(ELSEWHERE_TABLE_COLUMNS))
        )
        self.version = version
        # Each distinct platform list is split once; a work takes its list's answer by code.
        platform_lists = works["platforms"].cat
        codes = platform_lists.codes.to_numpy()
        self._on_platform = {
            platform.name: np.array(
                [platform.name in names.split() for names in platform_lists.categories], dtype=bool
            )[codes]
            for platform in registry
        }
        self._of_type = {t: (works["type"] == t).to_numpy() for t in ("movie", "tv show")}
        # The row of each work id, in order of work id: a version loads it whole, where a dict
        # would be rebuilt entry by entry.
        self._work_rows = np.argsort(works["work_id"].to_numpy(dtype=object), kind="stable")
        self._read_columns()
        # Each work's records, in catalogue order: those of work ``row`` are at the positions
        # ``_record_order[_record_start[row]:_record_start[row + 1]]``. The matcher knows the
        # work of every record id.
        records = self.catalogue.records
        ids = records["id"].tolist()
        record_works = np.array(
            [-1 if (work := matcher.record_work(record)) is None else work for record in ids],
            dtype=np.int64,
        )
        self._record_order = np.argsort(record_works, kind="stable")
        self._record_start = np.searchsorted(
            record_works[self._record_order], np.arange(len(works) + 1)
        )
        # Where each work's representative record (the copy replies show) sits in the catalogue.
        self._shown_record = pd.Index(records["id"]).get_indexer(works["id"])
        # Language or cut versions ("Coco (in Spanish)") and the work they are of: one
        # result, never recommended for each other. ``_version_group`` holds each work's
        # anchor (``version_groups``), ``_group_members`` the works of each group of several.
        titles = works["title_display"].tolist()
        self._version_group = version_groups(works)
        self._group_members: dict[int, list[int]] = {}
        for row in np.flatnonzero(self._version_group != np.arange(len(works))).tolist():
            anchor = int(self._version_group[row])
            self._group_members.setdefault(anchor, [anchor]).append(row)
        self._version_tags = {
            row: version_tag(titles[row]) or ""
            for members in self._group_members.values()
            for row in members
        }
        self._grouped = np.array(sorted(self._version_tags), dtype=np.int64)
        # Shorts (``SHORT_MINUTES``), by their representative record's length or their title.
        minutes = records["duration_int"].to_numpy(dtype=np.float64, na_value=np.nan)
        shown_minutes = minutes[self._shown_record]
        in_minutes = records["duration_type"].astype(str).to_numpy()[self._shown_record] == "min"
        self._short = self._of_type["movie"] & in_minutes & (shown_minutes <= SHORT_MINUTES)
        self._short |= np.fromiter(map(is_shorts, titles), dtype=bool, count=len(titles))

    def _read_columns(self) -> None:
        """Plain arrays of the works' columns (numbers unboxed), since a pandas row is slow to
        build and replies read many; and the work ids in order. Each is the table's own
        column, or made from it in a few milliseconds, where reading a copy from a version
        takes a pass over every value: a version holds only the tables (``__getstate__``).
        Those of the record columns replies read wait for the record table
        (``_record_columns``)."""
        works = self.works
        self._columns = {column: works[column].to_numpy() for column in works}
        self._record_columns: dict[str, np.ndarray] | None = None
        self._sorted_work_ids = works["work_id"].to_numpy(dtype=object)[self._work_rows]

    def _read_record_columns(self) -> dict[str, np.ndarray]:
        """Plain arrays of the record columns replies read, made on first use: they would
        load the record table (``Catalogue.records``). Two threads asking first both make
        them, equal, and one is kept."""
        columns = self._record_columns
        if columns is None:
            records = self.catalogue.records
            columns = self._record_columns = {
                column: records[column].to_numpy(dtype=object) for column in _RECORD_COLUMNS
            }
        return columns

    def _candidate_cache(self) -> Callable[[str], tuple[Candidate, ...]]:
        matcher = self.matcher
        return lru_cache(maxsize=MATCHES_KEPT)(lambda text: tuple(matcher.match(text, MATCH_KEPT)))

    def __getstate__(self) -> dict[str, object]:
        """The engine as a version holds it: everything worked out, nothing asked yet, and no
        plain column arrays (``_read_columns``)."""
        return {name: value for name, value in vars(self).items() if name not in _NOT_KEPT}

    def __setstate__(self, state: dict[str, object]) -> None:
        vars(self).update(state)
        self._read_columns()
        self._kept_candidates = self._candidate_cache()

    @classmethod
    def load(cls, processed_dir: Path, version: str | None = None) -> Engine:
        """Load the live version (the one ``processed_dir/CURRENT`` names), or ``version``,
        prepared as the build left it."""
        if version is None:
            folder = current_folder(processed_dir)
            if folder is None:
                raise ArtifactMissing(
                    f"no built catalogue in {processed_dir}; run 'streambot etl' first"
                )
        else:
            folder = version_folder(processed_dir, version)
        if manifest_of(folder) is None:
            raise ArtifactMissing(f"no complete version {folder.name!r} in {processed_dir}")
        engine = load(folder, ENGINE_FILE)
        if not isinstance(engine, cls):
            raise ArtifactMissing(f"no engine in version {folder.name!r} of {processed_dir}")
        engine.version = folder.name  # whatever the build called it before it was named
        return engine

    # -- matching ------------------------------------------------------------------------------
    def match(self, text: str, limit: int = 5) -> list[Match]:
        """Ranked works for ``text`` (a title, sloppy or not, or a record id like ``ns123``)."""
        return [self._match(candidate) for candidate in self._candidates(text, limit)]

    def _candidates(self, text: str, limit: int) -> tuple[Candidate, ...]:
        """The matcher's candidates for ``text``. Reading a message and answering it ask
        about the same text several times, so the last few short texts' are kept: the
        ranking is the same whatever the limit, so one list serves every limit up to
        ``MATCH_KEPT``."""
        if limit > MATCH_KEPT or len(text) > MAX_KEPT_TEXT:
            return tuple(self.matcher.match(text, limit))
        return self._kept_candidates(text)[:limit]

    def title_confidence(self, text: str, carried: bool = True) -> float:
        """How surely ``text`` names one work: the matcher's best confidence, 0 for none;
        with ``carried`` false, a work known but not carried counts too."""
        found = self._candidates(text, 1)
        confidence = found[0].confidence if found else 0.0
        if not carried:
            known = self.elsewhere.find(text, limit=1)
            confidence = max(confidence, known[0].confidence if known else 0.0)
        return confidence

    def titles_within(self, text: str) -> list[str]:
        """The runs of words of ``text`` that name a work exactly, longest first."""
        return self.matcher.titles_within(text)

    def knows_word(self, word: str) -> bool:
        """Whether ``word`` (one word, folded) is a word of the catalogue's titles, synopses,
        cast or directors, or of its Spanish lexicon."""
        return self.plot.knows(word)

    def _match(self, candidate: Candidate) -> Match:
        row, column = candidate.work, self._columns
        return Match(
            id=candidate.record_id or str(column["id"][row]),
            work_id=str(column["work_id"][row]),
            title=str(column["title_display"][row]),
            year=int(column["release_year"][row]),
            type=str(column["type"][row]),
            platforms=column["platforms"][row].split(),
            confidence=candidate.confidence,
            alias=candidate.alias,
        )

    def prepare(self) -> Engine:
        """Work out now what some answers build on first use (the longest titles, the newest,
        the counts): a server calls this before it serves, so no user waits for them, and
        workers forked after it share them. A version holds them worked out already."""
        self.catalogue.prepare()
        return build_cached(self)

    def warm(self) -> Engine:
        """Load now what a loaded version leaves for first use (the record table, which only
        catalogue questions and a work's details and platforms read, and the newest titles):
        a server calls this once it answers, and before forking workers, so that they share
        one copy."""
        self.catalogue.warm()
        self._read_record_columns()
        return self

    def work_of(self, record_id: str) -> str | None:
        """The ``work_id`` of a platform record id such as ``ns123``, if it exists."""
        row = self.matcher.record_work(record_id.strip().lower())
        return None if row is None else str(self._columns["work_id"][row])

    def work_row(self, work_id: str) -> int | None:
        """The row of ``work_id`` in the works table, if it exists in this version."""
        at = sorted_position(self._sorted_work_ids, work_id)
        return None if at is None else int(self._work_rows[at])

    def details(self, work_id: str) -> WorkDetails | None:
        """Everything replies show about one work, or ``None`` if unknown."""
        row = self.work_row(work_id)
        if row is None:
            return None
        column = self._columns
        first = self._record(self._shown_record[row])
        score = column["score"][row]
        return WorkDetails(
            id=str(column["id"][row]),
            work_id=work_id,
            title=str(column["title_display"][row]),
            year=int(column["release_year"][row]),
            type=str(column["type"][row]),
            platforms=column["platforms"][row].split(),
            ids=column["ids"][row].split(),
            score=None if pd.isna(score) else float(score),
            rating=None if pd.isna(first["rating_display"]) else str(first["rating_display"]),
            duration_int=None if pd.isna(first["duration_int"]) else int(first["duration_int"]),
            duration_type=None if pd.isna(first["duration_type"]) else first["duration_type"],
            genres=_names(column["listed_in_display"][row]),
            genre_words=[word.replace("_", " ") for word in str(column["genres"][row]).split()],
            directors=_names(column["director_display"][row]),
            cast=_names(column["cast_display"][row]),
            country=_names(first["country_display"]),
            description=None
            if pd.isna(first["description_display"])
            else str(first["description_display"]),
        )

    def first_year(self, work_id: str) -> int | None:
        """A TV show's first year, where the score files give it; the ``year`` of its matches
        and details is the catalogue's, often its latest season."""
        row = self.work_row(work_id)
        year = None if row is None else self._columns["first_year"][row]
        return None if year is None or pd.isna(year) else int(year)

    # -- recommendations ---------------------------------------------------------------------
    def recommend(
        self,
        text: str,
        k: int = 5,
        platform: str | Collection[str] | None = None,
        item_type: str | None = None,
        offset: int = 0,
        *,
        exclude: Collection[str] = (),
    ) -> Recommendations:
        """Works like the best match for ``text``; ``match`` is ``None`` when nothing matched.
        The works of ``exclude`` (work ids) and their versions are never results."""
        candidates = self.match(text)
        known = self.not_carried(text, candidates)
        if known is not None:
            results = self.like_known(known, k, platform, item_type, offset, exclude=exclude)
            return Recommendations(text, None, results, candidates, not_carried=known)
        if not candidates:
            return Recommendations(query=text, match=None, results=[])
        best = candidates[0]
        results = self.similar(best.work_id, k, platform, item_type, offset, exclude=exclude)
        return Recommendations(query=text, match=best, results=results, candidates=candidates)

    def similar(
        self,
        work_id: str,
        k: int = 5,
        platform: str | Collection[str] | None = None,
        item_type: str | None = None,
        offset: int = 0,
        *,
        exclude: Collection[str] = (),
    ) -> list[Recommendation]:
        """The ``k`` works most like ``work_id`` (skipping ``offset``), grouped by work.

        A work's language and cut versions are one result, which lists them; shorts rank
        below features unless ``work_id`` is one, and the first page holds a few of its own
        franchise at most (``recommender.variety.arranged``). Every page is cut from one
        order. ``platform`` keeps the works on that platform, or on any of several; the works
        of ``exclude`` (work ids) and their versions are never results.
        """
        row = self.work_row(work_id)
        if row is None:
            return []
        mask = None
        if platform:
            names = [platform] if isinstance(platform, str) else sorted(platform)
            mask = np.logical_or.reduce(
                [self._on_platform[self.catalogue.platform(name).name] for name in names]
            )
        if item_type is not None:
            of_type = self._of_type[self.catalogue.item_type(item_type)]
            mask = of_type if mask is None else mask & of_type
        dropped = self._versions_of(row) + self._with_versions(self._rows_of(exclude))
        if dropped:
            mask = np.ones(len(self.works), dtype=bool) if mask is None else mask.copy()
            mask[dropped] = False
        works, similarity, listed = self._one_per_work(row, max(POOL, offset + k), mask)
        titles, keys = self._columns["title_display"], self._columns["title_key"]
        ours = of_franchise(franchise_key(str(titles[row])))
        order = arranged(
            works,
            lambda other: ours(str(titles[other]), str(keys[other])),
            None if self._short[row] else self._short,
        )
        query = self._traits(row)
        return [
            self._recommendation(
                work,
                similarity[work],
                self._reason(query, self._traits(work)),
                [self._version_tags[other] for other in listed.get(work, [])],
            )
            for work in order[offset : offset + k]
        ]

    def _one_per_work(
        self, row: int, count: int, mask: np.ndarray | None
    ) -> tuple[list[int], dict[int, float], dict[int, list[int]]]:
        """The ``count`` works most like ``row`` (fewer if fewer share anything with it),
        each once however many of its versions are alike: the work itself where ``mask``
        keeps it, else its most similar version. With each, the similarity of its most
        similar version and the other versions ``mask`` keeps."""
        group, members = self._version_group, self._group_members
        asked = count + VERSION_ROOM
        while True:
            rows, similarities = self.model.similar(row, k=asked, mask=mask)
            works: list[int] = []
            similarity: dict[int, float] = {}
            listed: dict[int, list[int]] = {}
            seen: set[int] = set()
            for found, value in zip(rows.tolist(), similarities.tolist(), strict=True):
                anchor = int(group[found])
                if anchor in seen:
                    continue
                seen.add(anchor)
                work = found
                if anchor in members:
                    kept = [m for m in members[anchor] if mask is None or mask[m]]
                    if anchor in kept and self._version_tags[anchor] == "":
                        work = anchor
                    listed[work] = [m for m in kept if m != work]
                works.append(work)
                similarity[work] = value
            # Versions took some places: ask for more until ``count`` works, or every one.
            if len(works) >= count or len(rows) < asked:
                return works[:count], similarity, listed
            asked *= 2

    # -- works not carried -------------------------------------------------------------------
    def not_carried(
        self, text: str, found: Collection[Match] = (), year: int | None = None
    ) -> KnownWork | None:
        """The work ``text`` (and ``year``, if typed) names that no platform carries, when it
        names it more surely than any catalogue work: ``found``, the catalogue's matches for
        the text, best first. "the notebook" is *The Notebook* (2004), which no platform has,
        not *Notebook* (2019), and "the office" stays *The Office*.

        A catalogue work named about as surely, of the same type and year, is the work asked
        for under another title, and wins. Words all typed right that name a known work only
        nearly ("the terminator" for *The Terminators*) name another work, not a slip of it.
        """
        known = self.elsewhere.best(text, year)
        if known is None:
            return None
        words = normalize_title(text).split()
        if not named_exactly(text, known) and all(map(self.knows_word, words)):
            return None
        rivals = [match for match in found if year is None or match.year == year]
        if rivals and rivals[0].confidence >= known.confidence:
            return None
        for match in found:
            close = match.confidence >= SAME_WORK_CONFIDENCE and abs(match.year - known.year) <= 1
            if close and match.type == known.type:
                return None
        return known

    @cached_property
    def _directors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every director's folded name, sorted; where the rows of each one's works start in
        the last array, which holds them director after director."""
        rows: dict[str, list[int]] = {}
        for row, names in enumerate(self._columns["director_display"].tolist()):
            for name in _names(names):
                rows.setdefault(fold(name), []).append(row)
        names = sorted(rows)
        start = np.cumsum([0, *(len(rows[name]) for name in names)], dtype=np.int64)
        works = np.array([row for name in names for row in rows[name]], dtype=np.int64)
        return np.array(names, dtype=object), start, works

    def _directed_by(self, name: str) -> np.ndarray:
        """The rows of the works ``name`` directed (any case or accents)."""
        names, start, works = self._directors
        at = sorted_position(names, fold(name))
        return works[:0] if at is None else works[start[at] : start[at + 1]]

    def like_known(
        self,
        known: KnownWork,
        k: int = 5,
        platform: str | Collection[str] | None = None,
        item_type: str | None = None,
        offset: int = 0,
        *,
        exclude: Collection[str] = (),
    ) -> list[Recommendation]:
        """The ``k`` works most like ``known``, a work no platform carries (skipping
        ``offset``), from what is known of it: its genres, directors, countries and years.

        Works of its type (or ``item_type``) on ``platform`` (one name or several) that share
        a genre or a director with it, ranked by what they share (the ``KNOWN_*`` weights)
        with the quality prior beside, as discovery ranks (``WorkFacets.order``); no
        franchise fills a page (``diversified``). The works of ``exclude`` (work ids) and
        their versions are never results.
        """
        k, offset = max(0, min(int(k), MAX_K)), max(0, min(int(offset), MAX_OFFSET))
        facets = self._facets
        wanted = self.catalogue.item_type(item_type) if item_type else known.type
        mask = self._of_type[wanted].copy()
        if platform:
            names = [platform] if isinstance(platform, str) else sorted(platform)
            mask &= self._platform_mask([self.catalogue.platform(name).name for name in names])
        mask[self._with_versions(self._rows_of(exclude))] = False
        genres = [genre_word(genre) for genre in known.genres]
        relevance = np.zeros(len(self.works), dtype=np.float32)
        for genre in genres:
            relevance += facets.genre_mask([genre]).astype(np.float32) / len(genres)
        directed = np.zeros(len(self.works), dtype=bool)
        for name in known.directors:
            directed[self._directed_by(name)] = True
        relevance += np.float32(KNOWN_DIRECTOR_WEIGHT) * directed
        rows = np.flatnonzero(mask & (relevance > 0))
        if known.countries:
            relevance += np.float32(KNOWN_COUNTRY_WEIGHT) * facets.country_mask(known.countries)
        near = np.clip(1 - np.abs(facets.year_ - known.year) / YEARS_SPAN, 0, 1)
        relevance += (KNOWN_YEARS_WEIGHT * near).astype(np.float32)
        order = facets.order(rows, relevance, "relevance", offset + k)
        page = diversified(order, facets.franchise, offset + k, window=k)[offset:]
        top = 1 + KNOWN_DIRECTOR_WEIGHT + KNOWN_COUNTRY_WEIGHT + KNOWN_YEARS_WEIGHT
        return [
            self._recommendation(row, float(relevance[row]) / top, self._known_reason(known, row))
            for row in page
        ]

    def _known_reason(self, known: KnownWork, row: int) -> Reason:
        """What work ``row`` shares with ``known``: its directors and genres."""
        genres = str(self._columns["genres"][row] or "").split()
        shared = [genre for genre in known.genres if genre_word(genre) in genres]
        directors = _names(self._columns["director_display"][row])
        return Reason(genres=shared[:3], directors=_shared_names(known.directors, directors)[:2])

    def _one_version_each(self, mask: np.ndarray) -> np.ndarray:
        """``mask`` with one work of each version group it holds: the work the others are
        versions of where it is kept, else the first of them."""
        kept = self._grouped[mask[self._grouped]]  # few: only works of a version group
        anchors = self._version_group[kept]
        with_anchor = mask[anchors]
        orphans = kept[~with_anchor]
        first = np.unique(anchors[~with_anchor], return_index=True)[1]
        dropped = [kept[with_anchor & (kept != anchors)], np.delete(orphans, first)]
        if not any(len(rows) for rows in dropped):
            return mask
        mask = mask.copy()
        mask[np.concatenate(dropped)] = False
        return mask

    def _versions_of(self, row: int) -> list[int]:
        """Rows that are the same work as ``row`` in another language or cut."""
        members = self._group_members.get(int(self._version_group[row]), [])
        return [other for other in members if other != row]

    def _rows_of(self, work_ids: Collection[str]) -> list[int]:
        """The rows of the known ``work_ids``, once each, in their order."""
        rows = (self.work_row(work_id) for work_id in work_ids)
        return list(dict.fromkeys(row for row in rows if row is not None))

    def _with_versions(self, rows: list[int]) -> list[int]:
        """``rows`` and every version of each: what leaving a work out leaves out. It reads
        only the groups of ``rows``, so it costs what ``rows`` do, not the catalogue."""
        grouped = [row for row in rows if row in self._version_tags]  # few have versions
        group, members = self._version_group, self._group_members
        return rows + [other for row in grouped for other in members[int(group[row])]]

    def _recommendation(
        self, row: int, similarity: float, reason: Reason, versions: list[str] | None = None
    ) -> Recommendation:
        column = self._columns
        score = column["score"][row]
        return Recommendation(
            id=str(column["id"][row]),
            work_id=str(column["work_id"][row]),
            title=str(column["title_display"][row]),
            year=int(column["release_year"][row]),
            type=str(column["type"][row]),
            platforms=column["platforms"][row].split(),
            similarity=round(similarity, 4),
            score=None if pd.isna(score) else float(score),
            reason=reason,
            versions=versions or [],
        )

    def _traits(self, row: int) -> _Traits:
        """What a reason compares of work ``row``."""
        column = self._columns
        return _Traits(
            row=row,
            genres=str(column["genres"][row] or "").split(),
            directors=_names(column["director_display"][row]),
            cast=_names(column["cast_display"][row]),
        )

    def _reason(self, query: _Traits, work: _Traits) -> Reason:
        work_genres = set(work.genres)
        genres = [g.replace("_", " ") for g in query.genres if g in work_genres][:3]
        return Reason(
            genres=genres,
            directors=_shared_names(query.directors, work.directors)[:2],
            cast=_shared_names(query.cast, work.cast)[:3],
            themes=self.themes.unsaid(
                self.themes.shared(query.row, work.row), genres, REASON_THEMES
            ),
        )

    # -- where to watch, and why two works are alike ----------------------------------------
    def where(self, work_id: str) -> list[Availability]:
        """Every platform record of ``work_id``, in registry order (empty if unknown)."""
        row = self.work_row(work_id)
        if row is None:
            return []
        order = {name: position for position, name in enumerate(self.registry.names)}
        positions = self._record_order[self._record_start[row] : self._record_start[row + 1]]
        found = [self._record(position) for position in positions.tolist()]
        found.sort(key=lambda record: order[record["platform"]])  # stable: catalogue order
        return [
            Availability(
                platform=str(record["platform"]),
                id=str(record["id"]),
                title=str(record["title_display"]),
                date_added=None if pd.isna(record["date_added"]) else str(record["date_added"]),
            )
            for record in found
        ]

    def _record(self, position: int) -> dict:
        """One platform record, the columns replies read, as a plain dict."""
        return {column: values[position] for column, values in self._read_record_columns().items()}

    def why(self, first: str, second: str, top: int = 6) -> Explanation | None:
        """How alike works ``first`` and ``second`` are and why, or ``None`` if either is
        unknown."""
        a, b = self.work_row(first), self.work_row(second)
        if a is None or b is None:
            return None
        every = self.model.shared_terms(a, b, top=self.model.n_features)
        similarity = sum(term.share for term in every)
        reason = self._reason(self._traits(a), self._traits(b))
        return Explanation(round(similarity, 4), reason, every[:top])

    # -- discovery ---------------------------------------------------------------------------------
    @cached_property
    def _facets(self) -> WorkFacets:
        """What the discovery filters and order read of every work."""
        record_work = np.full(len(self.catalogue.records), -1, dtype=np.int64)
        start = self._record_start
        record_work[self._record_order[start[0] :]] = np.repeat(
            np.arange(len(self.works)), np.diff(start)
        )
        return WorkFacets().fit(self.works, self.catalogue.records, record_work)

    def topic_scores(self, text: str, lang: str = "en") -> np.ndarray:
        """How well each work matches the topic or plot words ``text`` (float32, 0 for no
        match, 1 for the best match): the one place discovery scores a topic. The plot index
        searches synopses, editorial keywords, titles, cast, directors and genres, stemmed,
        with Spanish words looked up in English; scaled to the best match so that it weighs
        the same against liked titles and the quality prior whatever the query's length."""
        scores = self.plot.scores(text, lang)
        best = float(scores.max()) if len(scores) else 0.0
        return scores / np.float32(best) if best > 0 else scores

    def _mine_mask(self, mine: Collection[str]) -> np.ndarray | None:
        """The works on the chat's platforms ``mine`` (registry names), or ``None`` when they
        narrow nothing: none known, or every platform."""
        chosen = [name for name in self.registry.names if name in mine]
        return self._platform_mask(chosen) if 0 < len(chosen) < len(self.registry) else None

    def _versions_kept(self, row: int, mask: np.ndarray) -> list[str]:
        """The tags of the other versions of work ``row`` that ``mask`` keeps, which its
        result lists."""
        return [self._version_tags[other] for other in self._versions_of(row) if mask[other]]

    def _platform_mask(self, names: Collection[str]) -> np.ndarray:
        """The works on any of the registry ``names`` (an unknown name adds none)."""
        mask = np.zeros(len(self.works), dtype=bool)
        for name in names:
            on = self._on_platform.get(str(name))
            if on is not None:
                mask |= on
        return mask

    def discover(
        self,
        slots: Slots,
        k: int = 5,
        offset: int = 0,
        mine: Collection[str] = (),
        *,
        exclude: Collection[str] = (),
        within: Collection[str] | None = None,
    ) -> Discovery:
        """The works that meet ``slots``, best first: ``k`` of them after ``offset``.

        ``mine``, the chat's platforms (registry names; empty: all), narrows the works when
        the request names no platform, as it does recommendations. When no work meets every
        slot, the slots are relaxed one at a time (``WorkFacets.constraints`` gives the
        order) and ``relaxed`` names them. Liked works, the works of ``exclude`` (work ids)
        and their language versions never appear, and a work's versions are one result, the
        versions listed. ``within`` (work ids), when given, holds every work looked at: a
        chat's watchlist, say.
        """
        k, offset = max(0, min(int(k), MAX_K)), max(0, min(int(offset), MAX_OFFSET))
        facets = self._facets
        liked = self._rows_of(slots.like[:MAX_LIKED])
        ours = self._mine_mask(mine)
        base = np.ones(len(self.works), dtype=bool)
        if ours is not None and not slots.platforms:
            base &= ours
        base[self._with_versions(liked + self._rows_of(exclude))] = False
        if within is not None:
            only = np.zeros(len(self.works), dtype=bool)
            only[self._with_versions(self._rows_of(within))] = True
            base &= only
        found = relax(base, facets.constraints(slots, self._platform_mask, ours), slots)
        rows = np.flatnonzero(self._one_version_each(found.mask))
        about = (slots.about or "").strip()[:MAX_ABOUT]
        relevance = self._relevance(about, slots.lang, liked)
        order = facets.order(rows, relevance, slots.sort, offset + k)
        page = diversified(order, facets.franchise, offset + k, window=k)[offset:]
        asked = self.themes.in_text(about, slots.lang) if about else []
        results = tuple(
            self._recommendation(
                row,
                0.0 if relevance is None else float(relevance[row]),
                self._discovery_reason(row, found.applied, liked, asked),
                self._versions_kept(row, found.mask),
            )
            for row in page
        )
        return Discovery(results, found.relaxed, len(rows), found.applied)

    def _relevance(self, about: str, lang: str, liked: list[int]) -> np.ndarray | None:
        """How well each work matches the topic words and the liked titles: the topic's
        cosine, plus the cosine with the liked titles' rows summed and the share of liked
        titles it shares a genre with; ``None`` when there is nothing to match."""
        relevance = self.topic_scores(about, lang) if about else None
        if liked:
            like = self._taste(liked)
            relevance = like if relevance is None else relevance + like
        return relevance

    def _taste(
        self, liked: Sequence[int], disliked: Sequence[int] = (), push: float = 0.0
    ) -> np.ndarray:
        """How much each work is like the ``liked`` works (rows, at least one): the dot
        product with their rows summed and L2-normalised, less ``push`` times the mean of the
        ``disliked`` rows, plus the share of liked works it shares a genre with."""
        model = self.model
        features, weights = _summed([model.row(row) for row in liked])
        weights /= np.sqrt(np.dot(weights, weights)) or 1.0
        if disliked and push:
            scale = -push / len(disliked)
            away = [(terms, scale * values) for terms, values in map(model.row, disliked)]
            features, weights = _summed([(features, weights), *away])
        like = accumulate(model.postings_, features, weights, model.n_works)
        self._add_genre_shares(like, liked)
        return like

    def _add_genre_shares(self, like: np.ndarray, liked: Sequence[int]) -> None:
        """Add to ``like`` ``LIKED_GENRES_WEIGHT`` times the share of the ``liked`` works (rows,
        at least one) each work shares a genre with."""
        column = self._columns
        for row in liked:
            shares = self._facets.genre_mask(str(column["genres"][row] or "").split())
            like += np.float32(LIKED_GENRES_WEIGHT / len(liked)) * shares

    def _discovery_reason(
        self, row: int, applied: Slots, liked: list[int], asked: list[int]
    ) -> Reason:
        """Why a discovered work fits: the genres asked for that it has, the themes asked for
        (positions in the ``ThemeIndex``) that it is about, and the liked title it is most
        like, with what they share."""
        genres = str(self._columns["genres"][row] or "").split()
        wanted = [
            genre.replace("_", " ") for genre in map(genre_word, applied.genres) if genre in genres
        ]
        themes = self.themes.among(row, asked)
        if not liked:
            shown = (wanted or [genre.replace("_", " ") for genre in genres])[:3]
            return Reason(genres=shown, themes=self.themes.unsaid(themes, shown, REASON_THEMES))
        best = max(liked, key=lambda other: self.model.dot(other, row))
        reason = self._liked_reason(row, [best])
        return replace(
            reason,
            genres=list(dict.fromkeys([*wanted, *reason.genres]))[:3],
            themes=self.themes.unsaid(themes, reason.genres, REASON_THEMES) or reason.themes,
        )

    def _liked_reason(self, row: int, named: list[int]) -> Reason:
        """What work ``row`` shares with the liked work ``named[0]``, naming the liked works
        ``named`` (display titles)."""
        reason = self._reason(self._traits(named[0]), self._traits(row))
        return replace(
            reason, liked=[str(self._columns["title_display"][other]) for other in named]
        )

    # -- for you -----------------------------------------------------------------------------------
    @cached_property
    def _title_words(self) -> np.ndarray:
        """Whether each feature of the model is a single word of a title: a pair of words
        ("toy story", "better call") names a series, a single word ("college", "call") only
        a word."""
        model = self.model
        words = np.zeros(model.n_features, dtype=bool)
        if "title" in model.fields_:
            names = list(model.fields_)
            start = sum(model.fields_[name] for name in names[: names.index("title")])
            end = start + model.fields_["title"]
            words[start:end] = np.strings.find(model.terms_[start:end], " ") < 0
        return words

    def _taste_row(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """What "for you" reads of work ``row``: its row less its single title words.

        Two works of short synopses share little but genres, so one title word in common
        ("College" for *College Romance*) outweighed sharing every genre, and a chat that
        liked it got works named alike. A word of a title says nothing of what a work is
        like; a pair of them names a series, and its people and story still count.
        """
        features, weights = self.model.row(row)
        kept = ~self._title_words[features]
        return features[kept], weights[kept]

    def for_you(
        self,
        liked: Sequence[str],
        disliked: Sequence[str] = (),
        k: int = 5,
        offset: int = 0,
        mine: Collection[str] = (),
        exclude: Collection[str] = (),
        *,
        item_type: str | None = None,
        push: float = DISLIKED_PUSH,
    ) -> list[Recommendation]:
        """What a chat may like, from the works it liked or saved (``liked``, work ids, oldest
        first) and away from those it disliked: ``k`` works after ``offset``, best first;
        empty when no liked work is known.

        A work scores its dot product with the newest ``MAX_LIKED`` liked works' rows summed
        and L2-normalised, less ``push`` times the mean of the newest ``MAX_LIKED`` disliked
        works' rows, plus the share of liked works it shares a genre with, as discovery scores
        liked titles, but for the rows' single title words (``_taste_row``). Works scoring
        above 0 are ranked by it with the quality prior beside (``WorkFacets.order``), taking
        turns by the newest ``FIRST_PAGE`` liked works they are most like (``in_turns``), so
        that each of those has a work on a first page of as many. ``mine``, the chat's
        platforms (registry names; empty: all), keeps the works on them, and ``item_type``
        those of that type. Liked and disliked
        works, those of ``exclude`` (work ids) and their versions never appear. A work's
        versions are one result, shorts come below features unless a liked work is one, and
        no franchise fills a page (``diversified``): pages of one ``k`` are cut from one
        order. Each reason names the one or two of those liked works the result is most like.
        """
        k, offset = max(0, min(int(k), MAX_K)), max(0, min(int(offset), MAX_OFFSET))
        liked_rows = self._rows_of(liked)
        if not liked_rows or k == 0:
            return []
        disliked_rows = self._rows_of(disliked)
        taste, against = liked_rows[-MAX_LIKED:], disliked_rows[-MAX_LIKED:]
        leads = taste[::-1][:FIRST_PAGE]
        ours = self._mine_mask(mine)
        mask = np.ones(len(self.works), dtype=bool) if ours is None else ours
        mask[self._with_versions(liked_rows + disliked_rows + self._rows_of(exclude))] = False
        if item_type is not None:
            mask &= self._of_type[self.catalogue.item_type(item_type)]
        relevance, alike = self._for_you_scores(taste, leads, against, push)
        # A work that shares nothing with the liked works is nobody's pick for this chat, and
        # its reason would name a liked work it is not like.
        rows = np.flatnonzero(self._one_version_each(mask & (relevance > 0)))
        # Ranked by the summed rows alone, the liked work with the most works close to it
        # fills the page: "because you liked X and Y" would show only works like Y. Taking
        # turns gives each of the newest liked works its best works in every round, while
        # the summed rows still order each round, and each liked work's works, so that works
        # like several come first.
        below = None if self._short[taste].any() else self._short[rows]
        order = self._facets.order(
            rows,
            relevance,
            "relevance",
            offset + k,
            turns=_most_alike(alike, rows) if len(leads) > 1 else None,
            below=below if below is not None and below.any() else None,
        )
        page = diversified(order, self._facets.franchise, offset + k, window=k)[offset:]
        return [
            self._recommendation(
                row,
                float(relevance[row]),
                self._liked_reason(row, self._most_like(alike[:, row], leads)),
                self._versions_kept(row, mask),
            )
            for row in page
        ]

    def _for_you_scores(
        self, taste: list[int], leads: list[int], against: list[int], push: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each work's relevance for you (as ``for_you`` scores it), and its dot product with
        each of the ``leads`` (rows of ``taste``), one row of the second array for each.

        The dot product is linear, so the summed liked rows' is the sum of the leads' and the
        other liked works' together: the leads cost no more than the sum would."""
        model, size = self.model, self.model.n_works
        rows = {row: self._taste_row(row) for row in [*taste, *against]}
        alike = np.stack([accumulate(model.postings_, *rows[row], size) for row in leads])
        like = alike.sum(axis=0)
        others = [rows[row] for row in taste if row not in leads]
        if others:
            like += accumulate(model.postings_, *_summed(others), size)
        _, summed = _summed([rows[row] for row in taste])
        like /= np.float32(np.sqrt(np.dot(summed, summed)) or 1.0)
        if against and push:
            away = accumulate(model.postings_, *_summed([rows[row] for row in against]), size)
            like -= np.float32(push / len(against)) * away
        self._add_genre_shares(like, taste)
        return like, alike

    @staticmethod
    def _most_like(similarities: np.ndarray, leads: list[int]) -> list[int]:
        """The lead (liked works, newest first) most like a work whose dot product with each
        is ``similarities``, and the next one when it is at least ``SECOND_LIKED`` as alike;
        ties go to the newest."""
        best = np.argsort(-similarities, kind="stable")[:2].tolist()
        chosen = [leads[best[0]]]
        if len(best) == 2:
            second = similarities[best[1]]
            if second > 0 and second >= SECOND_LIKED * similarities[best[0]]:
                chosen.append(leads[best[1]])
        return chosen


class EngineHolder:
    """The engine being served; a reload swaps in a new one with one assignment.

    Readers take ``holder.engine`` once per request, so a request started before a swap
    finishes on the old engine, and nothing waits.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Held by a reload from its build to its swap, so two reloads never both run.
        self.reload_lock = threading.Lock()
        #: Called with the new engine after each swap (a reload, rollback or upload).
        self.on_swap: list[Callable[[Engine], None]] = []

    @property
    def engine(self) -> Engine:
        return self._engine

    def swap(self, engine: Engine) -> Engine:
        """Serve ``engine`` from now on, its record table loaded first (``Engine.warm``: a swap
        runs in a reload's thread, so no user waits for it); returns the one it replaces."""
        previous, self._engine = self._engine, engine.warm()
        for listener in self.on_swap:
            listener(engine)
        return previous
