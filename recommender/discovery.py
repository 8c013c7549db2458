"""Discovery: the works that meet a request's slots (genres, platforms, years, length, …),
best first, with constraints relaxed one at a time when no work meets them all.

``Engine.discover`` puts the parts together. This module holds the parts that need no
engine: the slots, the per-work arrays the filters read (``WorkFacets``), the topic scorer,
the relaxation and the diversified order.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.catalogue import COUNTRY_ABBREVIATIONS, FIRST_YEAR, LAST_YEAR, TYPE_NAMES
from recommender.model import DEFAULT_WEIGHTS, ContentModel, accumulate
from recommender.text import fold

if TYPE_CHECKING:
    from recommender.engine import Recommendation


@dataclass(frozen=True)
class Slots:
    """What a discovery request asks for. A slot left at its default asks for nothing.

    ``genres`` are the catalogue's normalised genre words ("science_fiction" or "science
    fiction"), and a work needs all of them. ``platforms`` are registry names and
    ``countries`` the catalogue's country names; a work needs any one of them. ``like``
    holds ``work_id``s.
    """

    genres: tuple[str, ...] = ()
    not_genres: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    type: str | None = None
    year_min: int | None = None
    year_max: int | None = None
    max_minutes: int | None = None
    max_seasons: int | None = None
    countries: tuple[str, ...] = ()
    audience: str | None = None
    sort: str = "relevance"
    like: tuple[str, ...] = ()
    about: str | None = None
    lang: str = "en"


@dataclass(frozen=True)
class Discovery:
    """One page of discovered works, and what was relaxed to find any.

    ``relaxed`` names the slots relaxed, in the order they were relaxed. ``applied`` holds
    the slots the results meet: the request's, less what was relaxed (a genre dropped, the
    years widened). ``total`` counts the works that meet ``applied``.
    """

    results: tuple[Recommendation, ...]
    relaxed: tuple[str, ...]
    total: int
    applied: Slots | None = None


# -- who a work is for -----------------------------------------------------------------------------
# Genres made for children, and ratings given only to children's programmes. "G" and "TV-G"
# are not among those ratings: the ETL rates "G" every record that came without a rating.
KIDS_GENRES = ("kids", "family")
CHILDREN_RATINGS = ("tv-y", "tv-y7", "tv-y7-fv")
# A copy rated for teenagers or adults, or in an adult genre, keeps a work off a kids' list.
GROWN_UP_RATINGS = ("pg-13", "r", "nc-17", "tv-14", "tv-ma", "13+", "16", "16+", "18+")
GROWN_UP_RATINGS += ("ages_16_", "ages_18_")
GROWN_UP_GENRES = ("adult",)
AUDIENCES = ("kids",)

# -- ranking ---------------------------------------------------------------------------------------
# The catalogue has IMDb scores but no vote counts, so every known score is shrunk toward the
# catalogue's mean by the same factor. A work without a score sits at the mean.
SCORE_SHRINK = 0.5
# What a point of shrunk score adds to relevance (cosines, a good match 0.1 to 0.5): enough to
# order works that match a request about as well, not to lift a poor match over a good one.
QUALITY_WEIGHT = 0.03
# How much sharing a genre with each liked title counts, on top of the liked titles' vectors:
# "I liked X and Y" asks for works like both of them, not like one.
LIKED_GENRES_WEIGHT = 0.5
# With "best" or "newest" and a topic or liked titles, the order is taken among this many of
# the most relevant works, so that "the best heist movies" are heist movies.
SORTED_POOL = 100
# Diversity: no franchise more than FRANCHISE_CAP times in any run of results as long as a
# page, so a page holds at most two of one franchise however the pages are cut (the bot asks
# one more than it shows, to know whether there is a next page).
FRANCHISE_CAP = 2
# Bounds that keep a hostile request cheap.
MAX_K = 100
MAX_OFFSET = 500
MAX_LIKED = 20
MAX_LIST = 8  # genres, countries or platforms read from one slot
# A year range is widened by these many years on each side before it is dropped.
YEAR_WIDENING = (5, 15)
# Lengths beyond any title's: a hostile limit compares as this one.
MAX_LENGTH = 100_000


# -- franchises ------------------------------------------------------------------------------------
# Where a title's head ends: a subtitle (colon, spaced dash, bracket, slash) or a number.
_HEAD_END = re.compile(r"[:(\[/]|\s[-–—]\s|[0-9]")
_TITLE_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]*)?")
_ROMAN = frozenset({"ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"})
_ARTICLES = frozenset({"the", "a", "an", "el", "la", "los", "las", "le", "les"})
_CONTRACTIONS = frozenset(
    ["let's", "it's", "what's", "that's", "there's", "here's", "he's", "she's", "who's", "where's"]
)


def franchise_key(title: str) -> str:
    """A cheap franchise key: the first two words of a title's head.

    The head is the folded title before a subtitle, a bracket (so a language tag), a number
    or a roman numeral, without a leading article. A possessive ends the key: "Marvel's" is
    ``marvel``, "Marvel Studios'" is ``marvel studios``, as is "Marvel Studios: Assembling a
    Universe". Works with one key are one franchise.

    >>> [franchise_key(t) for t in ("Toy Story", "Toy Story 2", "Toy Story Toons: Small Fry")]
    ['toy story', 'toy story', 'toy story']
    >>> franchise_key("Star Wars: A New Hope (Episode IV)"), franchise_key("Star Wars Rebels")
    ('star wars', 'star wars')
    >>> franchise_key("Marvel Studios' Iron Man 2"), franchise_key("Marvel's Agent Carter")
    ('marvel studios', 'marvel')
    >>> franchise_key("The Office"), franchise_key("Rocky II"), franchise_key("Coco (en Español)")
    ('office', 'rocky', 'coco')
    >>> franchise_key("Let's Dance"), franchise_key("(500) Days of Summer")
    ("let's dance", '500 days')
    """
    text = fold(title).replace("’", "'")
    words = _TITLE_WORD.findall(_HEAD_END.split(text, maxsplit=1)[0]) or _TITLE_WORD.findall(text)
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    kept: list[str] = []
    for word in words[:2]:
        if kept and word in _ROMAN:
            break
        if word.endswith(("'s", "'")) and word not in _CONTRACTIONS:
            kept.append(word.split("'")[0])
            break
        kept.append(word)
    return " ".join(kept) or text


# -- the per-work arrays ---------------------------------------------------------------------------
def _postings(
    words_of: Sequence[Sequence[str]], codes: np.ndarray
) -> tuple[list[str], sp.csr_matrix]:
    """The distinct words of ``words_of`` (one word list per category) and, for each word,
    the rows whose category code (``codes``, -1 for none) holds it: words x rows."""
    vocabulary: dict[str, int] = {}
    word_ids = [
        [vocabulary.setdefault(word, len(vocabulary)) for word in words] for words in words_of
    ]
    lengths = np.array([len(ids) for ids in word_ids], dtype=np.int64)
    category_words = sp.csr_matrix(
        (
            np.ones(int(lengths.sum()), dtype=np.int32),
            np.array([word for ids in word_ids for word in ids], dtype=np.int64),
            np.concatenate([[0], np.cumsum(lengths)]),
        ),
        shape=(len(words_of), len(vocabulary)),
    )
    rows = np.flatnonzero(codes >= 0)
    row_categories = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, codes[rows])),
        shape=(len(codes), len(words_of)),
    )
    return list(vocabulary), (row_categories @ category_words).T.tocsr()


def _any_of(postings: sp.csr_matrix, words: Iterable[int], size: int) -> np.ndarray:
    """The rows holding any of ``words`` (positions in ``postings``)."""
    mask = np.zeros(size, dtype=bool)
    for word in words:
        mask[postings.indices[postings.indptr[word] : postings.indptr[word + 1]]] = True
    return mask


def genre_word(name: str) -> str:
    """A genre name as the catalogue's genre words write it.

    >>> genre_word("Science Fiction"), genre_word("horror")
    ('science_fiction', 'horror')
    """
    return "_".join(str(name).lower().split())


def _bounded(value: object, low: int, high: int) -> int:
    """``value`` as an int within ``low``..``high``: a hostile number compares as a bound."""
    return max(low, min(high, int(value)))  # type: ignore[call-overload]


@dataclass(frozen=True)
class Constraint:
    """One slot as a filter.

    ``stages`` run from the request's own filter to its loosest form; each is a thunk for
    its mask (built only when tried) and the slot values it stands for. Past the last
    stage, the constraint is dropped, and ``drop`` gives the slots without it.
    """

    names: tuple[str, ...]
    stages: tuple[tuple[Callable[[], np.ndarray], dict], ...]
    drop: Callable[[Slots], Slots]


def _dropping(**defaults: object) -> Callable[[Slots], Slots]:
    return lambda slots: replace(slots, **defaults)


class WorkFacets:
    """What the slot filters and the ranking read of every work, as flat arrays.

    A work's length is that of its representative record (the one replies show). It is for
    kids when a copy is in a kids' or family genre or has a children's rating, and no copy
    is rated for teenagers or adults. Its countries are those of all its copies, and it was
    added when its last copy was.

    Attributes
    ----------
    genres_, countries_ : list of str
        The genre words and folded country names.
    genre_postings_, country_postings_ : scipy.sparse.csr_matrix, (n_words, n_works)
        For each genre word or country, the works that have it.
    year_, minutes_, seasons_ : numpy.ndarray of int32
        Release year; length of a movie in minutes and of a series in seasons (unknown:
        ``UNKNOWN_LENGTH``, beyond any limit).
    added_ : numpy.ndarray of int32
        The day the last copy was added, in days since 1970 (unknown: -1).
    movie_, tv_, kids_ : numpy.ndarray of bool
    quality_ : numpy.ndarray of float32
        The shrunk IMDb score less the catalogue's mean (0: unknown or average).
    titles_ : numpy.ndarray of object
        Display titles, which ``franchise`` reads.
    """

    UNKNOWN_LENGTH = np.iinfo(np.int32).max

    def fit(
        self, works: pd.DataFrame, records: pd.DataFrame, record_work: np.ndarray
    ) -> WorkFacets:
        """Read ``works`` and their platform ``records``; ``record_work`` holds the row of
        each record's work (-1: none)."""
        n = self.n_works_ = len(works)
        genres = works["genres"].astype("category")
        self.genres_, self.genre_postings_ = _postings(
            [str(text).split() for text in genres.cat.categories], genres.cat.codes.to_numpy()
        )
        self._genre_index = {word: index for index, word in enumerate(self.genres_)}

        with_work = np.flatnonzero(record_work >= 0)
        owner = record_work[with_work]
        shown = pd.Index(records["id"]).get_indexer(works["id"])

        countries = records["country_display"].astype("category").cat
        self.countries_, record_countries = _postings(
            [
                [fold(name) for name in str(text).split(",") if name.strip()]
                for text in countries.categories
            ],
            countries.codes.to_numpy(),
        )
        record_to_work = sp.csr_matrix(
            (np.ones(len(with_work), dtype=np.int32), (with_work, owner)), shape=(len(records), n)
        )
        self.country_postings_ = (record_countries @ record_to_work).tocsr()
        self._country_index = {name: index for index, name in enumerate(self.countries_)}

        self.year_ = works["release_year"].to_numpy(dtype=np.int32)
        work_type = works["type"].astype(str).to_numpy()
        self.movie_, self.tv_ = work_type == "movie", work_type == "tv show"

        duration = records["duration_int"].to_numpy(dtype=np.float64, na_value=np.nan)[shown]
        unit = records["duration_type"].astype(str).to_numpy()[shown]
        self.minutes_ = self._lengths(duration, unit == "min")
        self.seasons_ = self._lengths(duration, unit == "season")

        rating = records["rating"].astype(str).to_numpy()[with_work]

        def any_copy(flags: np.ndarray) -> np.ndarray:
            return np.bincount(owner, weights=flags, minlength=n) > 0

        kids = self.genre_mask(KIDS_GENRES) | any_copy(np.isin(rating, CHILDREN_RATINGS))
        grown_up = self.genre_mask(GROWN_UP_GENRES) | any_copy(np.isin(rating, GROWN_UP_RATINGS))
        self.kids_ = kids & ~grown_up

        dates = pd.to_datetime(records["date_added"], format="%Y-%m-%d", errors="coerce")
        days = dates.to_numpy(dtype="datetime64[D]").astype(np.int64)
        days[dates.isna().to_numpy()] = -1
        added = np.full(n, -1, dtype=np.int64)
        np.maximum.at(added, owner, days[with_work])
        self.added_ = added.astype(np.int32)

        score = works["score"].to_numpy(dtype=np.float64, na_value=np.nan)
        self.mean_score_ = float(np.nanmean(score)) if np.isfinite(score).any() else 0.0
        quality = SCORE_SHRINK * (score - self.mean_score_)
        self.quality_ = np.nan_to_num(quality, nan=0.0).astype(np.float32)

        self.titles_ = works["title_display"].to_numpy(dtype=object)
        return self

    def franchise(self, row: int) -> str:
        """The franchise of work ``row``, worked out when asked: a query reads a few dozen,
        and all of them would cost seconds at a million works."""
        return franchise_key(str(self.titles_[row]))

    def _lengths(self, duration: np.ndarray, of_unit: np.ndarray) -> np.ndarray:
        known = of_unit & ~np.isnan(duration)
        lengths = np.full(len(duration), self.UNKNOWN_LENGTH, dtype=np.int32)
        lengths[known] = duration[known].astype(np.int32)
        return lengths

    # -- masks -------------------------------------------------------------------------------------
    def genre_mask(self, names: Iterable[str]) -> np.ndarray:
        """Works that have any of the genre ``names`` (an unknown name matches nothing)."""
        words = (self._genre_index.get(genre_word(name)) for name in names)
        return _any_of(
            self.genre_postings_, (word for word in words if word is not None), self.n_works_
        )

    def country_mask(self, names: Iterable[str]) -> np.ndarray:
        """Works from any of the countries ``names`` (folded; "USA" and "UK" are known)."""
        found = []
        for name in names:
            key = " ".join(fold(str(name)).replace(".", "").split())
            key = COUNTRY_ABBREVIATIONS.get(key, key)
            if key in self._country_index:
                found.append(self._country_index[key])
        return _any_of(self.country_postings_, found, self.n_works_)

    def _length_mask(self, max_minutes: int | None, max_seasons: int | None) -> np.ndarray:
        mask = np.zeros(self.n_works_, dtype=bool)
        if max_minutes is not None:
            mask |= self.movie_ & (self.minutes_ <= _bounded(max_minutes, -1, MAX_LENGTH))
        if max_seasons is not None:
            mask |= self.tv_ & (self.seasons_ <= _bounded(max_seasons, -1, MAX_LENGTH))
        return mask

    def _year_mask(self, low: int | None, high: int | None) -> np.ndarray:
        mask = np.ones(self.n_works_, dtype=bool)
        if low is not None:
            mask &= self.year_ >= low
        if high is not None:
            mask &= self.year_ <= high
        return mask

    def constraints(
        self,
        slots: Slots,
        platforms: Callable[[Collection[str]], np.ndarray],
        mine: np.ndarray | None,
    ) -> list[Constraint]:
        """The filtering slots of ``slots``, in the order they are relaxed: length (minutes
        and seasons), years (widened by ``YEAR_WIDENING``, then dropped), countries,
        not_genres, type, genres (the last named first), audience, platforms.

        Length and age give up least of what was asked; a children's list takes grown-up
        titles only when nothing else gives; the platforms a request names go last, to the
        chat's own platforms first.

        ``platforms`` gives the works on any of some registry names (an unknown name
        matches nothing). ``mine`` holds the works on the chat's platforms (``None``: all).
        """
        found: list[Constraint] = []
        if slots.max_minutes is not None or slots.max_seasons is not None:
            names = tuple(
                name for name in ("max_minutes", "max_seasons") if getattr(slots, name) is not None
            )
            length = (lambda: self._length_mask(slots.max_minutes, slots.max_seasons), {})
            found.append(Constraint(names, (length,), _dropping(**dict.fromkeys(names))))
        if slots.year_min is not None or slots.year_max is not None:
            found.append(self._years(slots))
        if slots.countries:
            countries = slots.countries[:MAX_LIST]
            stage = (lambda: self.country_mask(countries), {})
            found.append(Constraint(("countries",), (stage,), _dropping(countries=())))
        if slots.not_genres:
            unwanted = slots.not_genres[:MAX_LIST]
            stage = (lambda: ~self.genre_mask(unwanted), {})
            found.append(Constraint(("not_genres",), (stage,), _dropping(not_genres=())))
        if slots.type is not None:
            of_type = {"movie": self.movie_, "tv show": self.tv_}.get(
                TYPE_NAMES.get(str(slots.type).strip().lower(), ""),
                np.zeros(self.n_works_, dtype=bool),
            )
            found.append(Constraint(("type",), ((lambda: of_type, {}),), _dropping(type=None)))
        # Genres one at a time, the last named first.
        for genre in reversed(dict.fromkeys(slots.genres[:MAX_LIST])):

            def without(applied: Slots, genre: str = genre) -> Slots:
                return replace(applied, genres=tuple(g for g in applied.genres if g != genre))

            stage = (lambda genre=genre: self.genre_mask([genre]), {})
            found.append(Constraint(("genres",), (stage,), without))
        # A kids' list gets grown-up titles only when nothing else gives.
        if slots.audience is not None:
            kids = slots.audience in AUDIENCES

            def audience() -> np.ndarray:
                return self.kids_ if kids else np.zeros(self.n_works_, dtype=bool)

            found.append(Constraint(("audience",), ((audience, {}),), _dropping(audience=None)))
        if slots.platforms:
            named = slots.platforms[:MAX_LIST]
            stages: tuple = ((lambda: platforms(named), {}),)
            if mine is not None:
                stages += ((lambda: mine, {"platforms": ()}),)
            found.append(Constraint(("platforms",), stages, _dropping(platforms=())))
        return found

    def _years(self, slots: Slots) -> Constraint:
        low = None if slots.year_min is None else _bounded(slots.year_min, FIRST_YEAR, LAST_YEAR)
        high = None if slots.year_max is None else _bounded(slots.year_max, FIRST_YEAR, LAST_YEAR)
        stages = [(lambda: self._year_mask(low, high), {})]
        for years in YEAR_WIDENING:
            wider = {
                "year_min": None if low is None else low - years,
                "year_max": None if high is None else high + years,
            }
            stages.append(
                (lambda wider=wider: self._year_mask(wider["year_min"], wider["year_max"]), wider)
            )
        names = tuple(name for name in ("year_min", "year_max") if getattr(slots, name) is not None)
        return Constraint(names, tuple(stages), _dropping(year_min=None, year_max=None))

    # -- order -------------------------------------------------------------------------------------
    def order(
        self,
        rows: np.ndarray,
        relevance: np.ndarray | None,
        sort: str,
        count: int,
        *,
        turns: np.ndarray | None = None,
        below: np.ndarray | None = None,
    ) -> Iterable[np.ndarray]:
        """``rows`` best first, in batches that grow until every row is given.

        ``relevance`` holds each work's match to the request's topic and liked titles
        (``None``: nothing to match). "relevance" ranks by it, with quality beside it;
        "score" ranks by the shrunk score and "newest" by release year then the day added,
        each among the most relevant works when there is something to match. With "relevance",
        ``turns`` (a small int per row, such as the liked work it is most like) makes the rows
        take turns (``in_turns``), and ``below`` (a boolean per row) puts those rows after
        the rest.
        """
        matched = relevance[rows] if relevance is not None else np.zeros(len(rows), np.float32)
        matched = matched.astype(np.float64)
        if sort in ("score", "newest") and relevance is not None and (matched > 0).any():
            pool = _top(matched + QUALITY_WEIGHT * self.quality_[rows], SORTED_POOL)
            rows, matched = rows[pool], matched[pool]
        if sort == "score":
            # Whole hundredths of a score point, then relevance within them.
            primary = np.round(100 * self.quality_[rows].astype(np.float64) / SCORE_SHRINK)
            key = primary + matched / (matched.max(initial=0) + 1)
        elif sort == "newest":
            primary = self.year_[rows].astype(np.float64) * 100_000 + self.added_[rows] + 1
            key = primary + matched / (matched.max(initial=0) + 1)
        else:
            key = matched + QUALITY_WEIGHT * self.quality_[rows]
        size = max(count, 16)
        while True:
            top = _top(key, size) if turns is None else in_turns(key, turns, size, below)
            yield rows[top]
            if size >= len(rows):
                return
            size *= 4


def _top(key: np.ndarray, count: int) -> np.ndarray:
    """The positions of the ``count`` highest ``key``s, highest first, ties by position: the
    same prefix of one total order whatever ``count`` is, so pages never overlap."""
    count = min(count, len(key))
    if count <= 0:
        return np.array([], dtype=np.int64)
    cutoff = -np.partition(-key, count - 1)[count - 1]
    above = np.flatnonzero(key > cutoff)
    tied = np.flatnonzero(key == cutoff)[: count - len(above)]
    chosen = np.concatenate([above, tied])
    return chosen[np.lexsort((chosen, -key[chosen]))]


def in_turns(
    key: np.ndarray, turns: np.ndarray, count: int, below: np.ndarray | None = None
) -> np.ndarray:
    """The positions of the first ``count`` rows when rows take turns: the best ``key`` of
    each turn (an int from 0, one per row) first, then the second best of each, and so on,
    each round best first; rows ``below`` (a boolean per row) take their turns after every
    other row. Ties go by position, so it is the prefix of one order whatever ``count`` is.

    >>> key, turns = np.array([0.9, 0.8, 0.7, 0.2, 0.1]), np.array([0, 0, 0, 1, 1])
    >>> in_turns(key, turns, 4).tolist()
    [0, 3, 1, 4]
    >>> in_turns(key, turns, 5, below=np.array([False, True, False, False, False])).tolist()
    [0, 3, 2, 4, 1]
    """
    tier = np.zeros(len(key), dtype=np.int64) if below is None else below.astype(np.int64)
    group = 2 * turns.astype(np.int64) + tier
    chosen, rounds = [], []
    for name in np.flatnonzero(np.bincount(group)).tolist():
        members = np.flatnonzero(group == name)
        best = members[_top(key[members], count)]
        chosen.append(best)
        rounds.append(np.arange(len(best)))
    if not chosen:
        return np.array([], dtype=np.int64)
    taken, turn = np.concatenate(chosen), np.concatenate(rounds)
    return taken[np.lexsort((taken, -key[taken], turn, tier[taken]))][:count]


def diversified(
    batches: Iterable[np.ndarray], franchise: Callable[[int], Hashable], count: int, window: int
) -> list[int]:
    """The first ``count`` rows of an order (given in growing ``batches``, each a prefix of the
    next) with no franchise more than ``FRANCHISE_CAP`` times in any ``window`` consecutive
    rows. A row held back comes back as soon as the window allows, and rows of one franchise
    fill the end only when nothing else is left.

    >>> franchise = [0, 0, 0, 1, 2, 3]
    >>> diversified([np.arange(6)], franchise.__getitem__, 6, window=4)
    [0, 1, 3, 4, 2, 5]
    """
    taken: list[int] = []
    recent: deque[Hashable] = deque(maxlen=max(window, FRANCHISE_CAP + 1) - 1)
    counts: Counter[Hashable] = Counter()
    of: dict[int, Hashable] = {}

    def key(row: int) -> Hashable:
        if row not in of:
            of[row] = franchise(row)
        return of[row]

    def take(row: int) -> None:
        if len(recent) == recent.maxlen:
            counts[recent[0]] -= 1
        recent.append(key(row))
        counts[key(row)] += 1
        taken.append(row)

    held: list[int] = []
    seen = 0
    rows = np.array([], dtype=np.int64)
    batches = iter(batches)
    while len(taken) < count:
        fits = next((i for i, row in enumerate(held) if counts[key(row)] < FRANCHISE_CAP), None)
        if fits is not None:
            take(held.pop(fits))
            continue
        if seen == len(rows):
            more = next(batches, None)
            if more is None:
                if not held:
                    break
                take(held.pop(0))
                continue
            rows = more
            if seen == len(rows):
                continue
        row = int(rows[seen])
        seen += 1
        if counts[key(row)] < FRANCHISE_CAP:
            take(row)
        else:
            held.append(row)
    return taken


# -- relaxation ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Relaxation:
    """The works that meet the slots once relaxed, what was relaxed, and the slots met."""

    mask: np.ndarray
    relaxed: tuple[str, ...]
    applied: Slots


def relax(base: np.ndarray, constraints: Sequence[Constraint], slots: Slots) -> Relaxation:
    """Apply ``constraints`` to the works of ``base``, relaxing them until some work is left.

    Each round relaxes one constraint by one stage (a year range widened, a slot dropped):
    the first, in ``constraints`` order, whose relaxing alone leaves some work, or else the
    first not yet dropped. ``base`` itself is never relaxed.
    """
    stage = [0] * len(constraints)
    masks: dict[tuple[int, int], np.ndarray] = {}

    def mask(index: int, level: int) -> np.ndarray | None:
        if level >= len(constraints[index].stages):
            return None
        if (index, level) not in masks:
            masks[index, level] = constraints[index].stages[level][0]()
        return masks[index, level]

    def meeting(index: int, level: int, before: np.ndarray) -> np.ndarray:
        found = mask(index, level)
        return before if found is None else before & found

    while True:
        # prefix[i]: base and constraints before i; suffix[i]: constraints from i on.
        prefix = [base]
        for index, level in enumerate(stage):
            prefix.append(meeting(index, level, prefix[-1]))
        met = prefix[-1]
        open_ = [
            index for index, level in enumerate(stage) if level < len(constraints[index].stages)
        ]
        if met.any() or not open_:
            break
        suffix = [np.ones_like(base)] * (len(stage) + 1)
        for index in range(len(stage) - 1, -1, -1):
            suffix[index] = meeting(index, stage[index], suffix[index + 1])
        chosen = next(
            (
                index
                for index in open_
                if (meeting(index, stage[index] + 1, prefix[index]) & suffix[index + 1]).any()
            ),
            open_[0],
        )
        stage[chosen] += 1

    relaxed: dict[str, None] = {}
    applied = slots
    for constraint, level in zip(constraints, stage, strict=True):
        if level == 0:
            continue
        relaxed.update(dict.fromkeys(constraint.names))
        if level < len(constraint.stages):
            applied = replace(applied, **constraint.stages[level][1])
        else:
            applied = constraint.drop(applied)
    return Relaxation(met, tuple(relaxed), applied)


# -- topic -----------------------------------------------------------------------------------------
# scikit-learn's default token pattern, on folded text.
_TOKEN = re.compile(r"\w\w+")
# Words of a request that say nothing about its topic.
_FILLER_TEXT = (
    "a an and any about are as at be but by for from has have how i in into is it its me my of "
    "on or some something that the their them there these they this those to was what where "
    "which who with would you your movie movies film films show shows series watch like good "
    "un una unos unas el la los las lo de del y o en con sin por para que se su sus sobre "
    "pelicula peliculas serie algo ver donde"
)
_FILLER = frozenset(_FILLER_TEXT.split())


class TopicScorer:
    """How well each work's title, genres and description match some topic words: the
    TF-IDF cosine of the words with a fitted ``ContentModel``'s rows, over those fields.

    The query's weights are the model's: each word's idf (worked out from its document
    frequency, as scikit-learn's smoothed idf), scaled as the model scales the word's field.
    Title bigrams and people's names are not looked up; one-word titles are.

    Parameters
    ----------
    fields : tuple of str
        The model's fields the words are looked up in.

    Attributes
    ----------
    vocabulary_ : dict of str to tuple of int
        Each term and its features (one per field it is a term of).
    weights_ : numpy.ndarray of float32, shape (n_features,)
        A query's weight for each feature before normalising; 0 outside ``fields``.
    """

    def __init__(self, fields: tuple[str, ...] = ("title", "genres", "description")) -> None:
        self.fields = fields

    def fit(self, model: ContentModel) -> TopicScorer:
        self.model_ = model
        field_weights = model.weights or DEFAULT_WEIGHTS
        total = sum(field_weights[field] for field in model.fields_)
        frequency = np.diff(model.postings_.indptr)
        idf = np.log((1 + model.n_works) / (1 + frequency)) + 1
        self.weights_ = np.zeros(model.n_features, dtype=np.float32)
        vocabulary: dict[str, tuple[int, ...]] = {}
        start = 0
        for field, size in model.fields_.items():
            end = start + size
            if field in self.fields:
                scale = np.sqrt(field_weights[field] / total)
                self.weights_[start:end] = idf[start:end] * scale
                # Only single words become Python strings: a large catalogue has millions
                # of title bigrams.
                terms = model.terms_[start:end]
                words = np.flatnonzero(np.strings.find(terms, " ") < 0)
                for feature, term in zip(
                    (words + start).tolist(), terms[words].tolist(), strict=True
                ):
                    vocabulary[term] = (*vocabulary.get(term, ()), feature)
            start = end
        self.vocabulary_ = vocabulary
        return self

    def words(self, text: str) -> list[str]:
        """The topic words of ``text`` this scorer knows, once each, in order."""
        found = (word for word in _TOKEN.findall(fold(text)) if word not in _FILLER)
        return [word for word in dict.fromkeys(found) if word in self.vocabulary_]

    def query(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The features of ``text`` and their weights, normalised to unit length."""
        features = np.array(
            sorted({f for word in self.words(text) for f in self.vocabulary_[word]}), dtype=np.int64
        )
        weights = self.weights_[features]
        norm = float(np.sqrt(np.dot(weights, weights)))
        return features, (weights / norm if norm else weights).astype(np.float32)

    def scores(self, text: str, lang: str = "en") -> np.ndarray:
        """Cosine of ``text`` with every work, float32, 0 where nothing matches.

        ``lang`` is accepted for the plot index's interface; the model's terms are English.
        """
        features, weights = self.query(text)
        return accumulate(self.model_.postings_, features, weights, self.model_.n_works)
