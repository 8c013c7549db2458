"""Offline quality measures built from the catalogue itself (``make eval``)."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.catalogue import LAST_YEAR, TYPE_NAMES
from recommender.discovery import (
    CHILDREN_RATINGS,
    GROWN_UP_GENRES,
    GROWN_UP_RATINGS,
    KIDS_GENRES,
    Slots,
    genre_word,
)
from recommender.engine import Engine, WorkDetails
from recommender.matcher import TitleMatcher, is_confident
from recommender.model import ContentModel
from recommender.plot import PlotIndex, stems
from recommender.text import (
    drop_leading_article,
    fold,
    main_title,
    normalize_title,
    strip_accents,
)
from recommender.variety import version_groups

# "X 2", "X II", "X Part 3", "X: Chapter 2", then the end or a subtitle ("X 2: The Return").
# The spaces after X are entered only at their start, as in recommender.text.
_SEQUEL = re.compile(
    r"^(?P<base>.+?):?(?<!\s)\s+(?:part |chapter |vol\.? |volume )?(?:[2-9]|ii|iii|iv|v|vi)"
    r"\s*(?:$|[:\-–(])",
    re.IGNORECASE,
)


def franchise_pairs(works: pd.DataFrame) -> dict[int, list[int]]:
    """Works whose sequels are in the catalogue: ``{base row: [sequel rows]}``.

    A sequel of "X" has the same type and a title "X 2", "X II", "X Part 3", … that ends
    there or goes on with a subtitle ("Sharknado 2: The Second One"), so "Dust 2 Glory" is
    not a sequel of "Dust".

    >>> works = pd.DataFrame({"title_display": ["Toy Story", "Toy Story 2", "Dust", "Dust 2 Glory"],
    ...                       "title_key": ["toy story", "toy story 2", "dust", "dust 2 glory"],
    ...                       "type": ["movie"] * 4})
    >>> franchise_pairs(works)
    {0: [1]}
    """
    rows_by_key: dict[tuple[str, str], list[int]] = {}
    for row, (key, item_type) in enumerate(zip(works["title_key"], works["type"], strict=True)):
        rows_by_key.setdefault((key, item_type), []).append(row)
    pairs: dict[int, list[int]] = {}
    for row, (title, item_type) in enumerate(
        zip(works["title_display"], works["type"], strict=True)
    ):
        sequel = _SEQUEL.match(title)
        if not sequel:
            continue
        base_key = normalize_title(sequel.group("base"))
        for base in rows_by_key.get((base_key, item_type), []) if len(base_key) >= 3 else []:
            pairs.setdefault(base, []).append(row)
    return dict(sorted(pairs.items()))


# What a recommender answers for the work of row ``row``: the rows of the ``k`` works most
# like it, best first.
Ranking = Callable[[int, int], list[int]]


def model_ranking(model: ContentModel, versions: np.ndarray | None = None) -> Ranking:
    """``model``'s own order, as ``Engine.similar`` served it before variety: the query's
    language and cut versions left out (``versions``: ``version_groups``), nothing reordered
    nor grouped."""

    def ranking(row: int, k: int) -> list[int]:
        mask = None if versions is None else versions != versions[row]
        return model.similar(row, k, mask=mask)[0].tolist()

    return ranking


def served_ranking(engine: Engine) -> Ranking:
    """What ``Engine.similar`` serves: each work once, shorts below features, the query's
    franchise capped on the first page (``recommender.variety``)."""
    work_ids = engine.works["work_id"].tolist()
    row_of = {work_id: row for row, work_id in enumerate(work_ids)}

    def ranking(row: int, k: int) -> list[int]:
        return [row_of[item.work_id] for item in engine.similar(work_ids[row], k)]

    return ranking


def _ranking(ranker: ContentModel | Ranking) -> Ranking:
    return model_ranking(ranker) if isinstance(ranker, ContentModel) else ranker


def franchise_recall(
    ranker: ContentModel | Ranking, pairs: dict[int, list[int]], k: int = 10
) -> float:
    """Share of franchise bases whose top ``k`` holds at least one of their sequels, as a
    model or a ranking orders them."""
    ranking = _ranking(ranker)
    hits = sum(bool(set(ranking(base, k)) & set(sequels)) for base, sequels in pairs.items())
    return hits / len(pairs) if pairs else 0.0


def genre_precision(ranker: ContentModel | Ranking, genres: pd.Series, k: int = 5) -> float:
    """Mean share of the top ``k`` that share at least one canonical genre word with the query,
    over every work that has genres (fewer than ``k`` results count as misses)."""
    ranking = _ranking(ranker)
    words = [frozenset(text.split()) for text in genres.fillna("")]
    shares = []
    for row, mine in enumerate(words):
        if not mine:
            continue
        shares.append(sum(bool(mine & words[other]) for other in ranking(row, k)) / k)
    return float(np.mean(shares)) if shares else 0.0


def franchises(works: pd.DataFrame) -> dict[int, str]:
    """The franchise of each work that is in one: ``{row: franchise}``.

    A franchise is named by a base work with a sequel in the catalogue (``franchise_pairs``:
    "Toy Story" and "Toy Story 2"), by its title key. Its works are the base, its sequels, the
    works whose main title (before a subtitle) is the base's title ("Star Trek: Discovery"),
    and, for a base of two words or more, the works whose title starts with the base's
    ("Toy Story of Terror!", "Toy Story Toons: Small Fry"). Spin-offs named otherwise ("Lamp
    Life", of Toy Story) are not found. The definition is independent of the key the served
    order caps (``recommender.discovery.franchise_key``, the first two words of a title).

    >>> works = pd.DataFrame({
    ...     "title_display": ["Toy Story", "Toy Story 2", "Toy Story of Terror!", "Heat",
    ...                       "Toy Soldiers"],
    ...     "title_key": ["toy story", "toy story 2", "toy story of terror", "heat",
    ...                   "toy soldiers"],
    ...     "type": ["movie"] * 5})
    >>> franchises(works)
    {0: 'toy story', 1: 'toy story', 2: 'toy story'}
    """
    pairs = franchise_pairs(works)
    keys = works["title_key"].tolist()
    bases = {keys[base] for base in pairs}
    found: dict[int, str] = {}
    for row, (key, title) in enumerate(zip(keys, works["title_display"], strict=True)):
        words = key.split()
        prefixes = (" ".join(words[:n]) for n in range(len(words) - 1, 1, -1))
        for name in (key, main_title(title), *prefixes):
            if name in bases:
                found[row] = name
                break
    for base, sequels in pairs.items():
        for row in sequels:
            found.setdefault(row, keys[base])
    return dict(sorted(found.items()))


@dataclass
class FranchiseShare:
    """How much of the top ``k`` a query's own franchise fills, over the works of the
    franchises of at least ``least`` works."""

    queries: int
    share: float  # mean share of the top k from the query's franchise
    over_cap: float  # share of lists with more than the cap from the query's franchise


def franchise_share(
    ranking: Ranking, franchise: dict[int, str], k: int = 5, least: int = 4, cap: int = 3
) -> FranchiseShare:
    """The share of the top ``k`` from the query's own franchise (``franchises``), for each
    work of a franchise of at least ``least`` works (so that the cap can bind)."""
    size = Counter(franchise.values())
    queries = [row for row, name in franchise.items() if size[name] >= least]
    counts = [
        sum(franchise.get(other) == franchise[row] for other in ranking(row, k)) for row in queries
    ]
    return FranchiseShare(
        queries=len(queries),
        share=_mean([count / k for count in counts]),
        over_cap=_mean([float(count > cap) for count in counts]),
    )


def duplicate_versions(
    ranking: Ranking, versions: np.ndarray, rows: list[int], k: int = 5
) -> float:
    """The share of the top-``k`` lists of ``rows`` in which two works are versions of one
    (``versions``: ``recommender.variety.version_groups``): "Shrek 2" and "Shrek 2 (en
    Español)"."""
    lists = (ranking(row, k) for row in rows)
    return _mean([float(len(set(versions[top].tolist())) < len(top)) for top in lists])


# -- noisy title queries -------------------------------------------------------------------------
_KEYBOARD = "abcdefghijklmnopqrstuvwxyz"
MIN_TYPO_LENGTH = 6


def typo(text: str, rng: random.Random) -> str:
    """One random edit: delete, insert, replace or swap a letter (never the first one)."""
    if len(text) < 3:
        return text
    position = rng.randrange(1, len(text) - 1)
    kind = rng.choice(("delete", "insert", "replace", "swap"))
    if kind == "delete":
        return text[:position] + text[position + 1 :]
    if kind == "insert":
        return text[:position] + rng.choice(_KEYBOARD) + text[position:]
    if kind == "replace":
        return text[:position] + rng.choice(_KEYBOARD) + text[position + 1 :]
    return text[:position] + text[position + 1] + text[position] + text[position + 2 :]


def noisy_query(title: str, rng: random.Random) -> tuple[str, str]:
    """A query someone might type for ``title``, and the kind of noise applied."""
    kind = rng.choice(("typo", "typo", "case", "accents", "article", "subtitle", "mixed"))
    if kind in ("typo", "mixed") and len(normalize_title(title)) < MIN_TYPO_LENGTH:
        kind = "case"  # one wrong letter in "Up" or "Heat" names another title
    text = title
    if kind in ("typo", "mixed"):
        edits = 1 if len(title) <= 12 else 2
        for _ in range(edits):
            text = typo(text, rng)
    if kind in ("case", "mixed"):
        text = rng.choice((str.lower, str.upper, str.title))(text)
    if kind in ("accents", "mixed"):
        text = re.sub(r"[^\w\s]", "", strip_accents(text)).lower()
    if kind == "article":
        text = drop_leading_article(normalize_title(text))
    if kind == "subtitle":
        text = main_title(text) or text
    return text, kind


@dataclass
class MatchingResult:
    queries: int
    skipped: int
    accuracy: float
    p50_ms: float
    p99_ms: float
    by_kind: dict[str, float]


def evaluate_matching(
    works: pd.DataFrame,
    search: Callable[[str], str | None],
    n: int = 2000,
    seed: int = 7,
) -> MatchingResult:
    """Top-1 accuracy and latency of ``search`` (query -> title key of its best answer).

    Queries come from random titles with generated noise. A query is skipped, not scored, when
    its noise turned it into the exact title of another work (then that work is the right
    answer), or when it is a main title that several works share ("NOVA" for "NOVA: …").
    """
    rng = random.Random(seed)
    keys = set(works["title_key"])
    heads = pd.Series([main_title(title) for title in works["title_display"]])
    shared_heads = set(heads[heads.duplicated(keep=False)])
    rows = rng.sample(range(len(works)), n)
    correct: dict[str, list[bool]] = {}
    latencies, skipped = [], 0
    for row in rows:
        title, key = works["title_display"].iat[row], works["title_key"].iat[row]
        query, kind = noisy_query(title, rng)
        query_key = normalize_title(query)
        ambiguous = query_key in shared_heads or (query_key != key and query_key in keys)
        if len(key) < 4 or not query_key or ambiguous:
            skipped += 1
            continue
        started = time.perf_counter()
        answer = search(query)
        latencies.append(time.perf_counter() - started)
        correct.setdefault(kind, []).append(answer == key)
    flat = [hit for hits in correct.values() for hit in hits]
    return MatchingResult(
        queries=len(flat),
        skipped=skipped,
        accuracy=float(np.mean(flat)) if flat else 0.0,
        p50_ms=float(np.percentile(latencies, 50) * 1000) if latencies else 0.0,
        p99_ms=float(np.percentile(latencies, 99) * 1000) if latencies else 0.0,
        by_kind={kind: float(np.mean(hits)) for kind, hits in sorted(correct.items())},
    )


def matcher_search(matcher: TitleMatcher, works: pd.DataFrame) -> Callable[[str], str | None]:
    """Adapt a ``TitleMatcher`` to ``evaluate_matching``: the title key of its top candidate."""
    keys = works["title_key"].to_numpy()

    def search(query: str) -> str | None:
        candidates = matcher.match(query, limit=1)
        return str(keys[candidates[0].work]) if candidates else None

    return search


@dataclass(frozen=True)
class AliasQuery:
    """Another name of a work as someone types it, and the row of that work."""

    query: str
    lang: str
    row: int


def load_alias_queries(path: Path, works: pd.DataFrame) -> list[AliasQuery]:
    """``query,title,year,lang`` rows; ``title`` (and ``year`` when several works share the
    title) must name exactly one work, or the row's number is in the error."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    titles = works["title_display"].to_numpy()
    years = works["release_year"].astype(str).to_numpy()
    queries = []
    for number, row in enumerate(frame.itertuples(index=False), start=2):
        rows = np.flatnonzero((titles == row.title) & ((years == row.year) | (row.year == "")))
        if len(rows) != 1:
            raise ValueError(f"{path}: row {number}: {row.title!r} names {len(rows)} works")
        queries.append(AliasQuery(row.query, row.lang, int(rows[0])))
    return queries


def alias_accuracy(matcher: TitleMatcher, queries: list[AliasQuery]) -> float:
    """The share of ``queries`` whose work the matcher finds first, and surely enough to
    answer without asking "did you mean"."""
    hits = []
    for query in queries:
        found = matcher.match(query.query, limit=5)
        sure = is_confident([candidate.confidence for candidate in found])
        hits.append(sure and found[0].work == query.row)
    return float(np.mean(hits)) if hits else 0.0


# -- titles we don't carry ---------------------------------------------------------------------
@dataclass(frozen=True)
class MissingQuery:
    """A well-known work asked for (``title`` as typed after the request's words are read),
    and the work meant."""

    query: str
    lang: str
    title: str
    year: int


def load_missing_queries(path: Path) -> list[MissingQuery]:
    """``query,lang,title,year`` rows: the message, and the work it asks for."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [
        MissingQuery(row.query, row.lang, row.title, int(row.year))
        for row in frame.itertuples(index=False)
    ]


#: What a work asked for is to the data: carried, known from the editorial file or the
#: score files but not carried, or known to none of them.
MISSING_KINDS = ("carried", "editorial", "scores", "unknown")


def missing_kind(engine: Engine, query: MissingQuery) -> str:
    """Where the work ``query`` means is known (``MISSING_KINDS``): a work of its title key
    and a year one off at most."""
    key = normalize_title(query.title)

    def known(titles: pd.Series, years: pd.Series) -> np.ndarray:
        same = (titles.map(normalize_title) == key) & ((years - query.year).abs() <= 1)
        return same.to_numpy()

    works = engine.works
    if known(works["title_display"], works["release_year"].astype(int)).any():
        return "carried"
    table = engine.elsewhere.table_
    found = table[known(table["title"], table["year"].astype(int))]
    return str(found["source"].iloc[0]) if len(found) else "unknown"


@dataclass(frozen=True)
class TitleAnswer:
    """How a title is answered: ``carried`` (a catalogue work, surely), ``not carried`` (a
    work known but not carried), or ``asked`` ("did you mean", or not found)."""

    kind: str
    title: str = ""
    year: int = 0
    like: int = 0  # works recommended like a work not carried


def answer_title(engine: Engine, title: str, previous: bool = False) -> TitleAnswer:
    """How the engine answers ``title``; ``previous``: as before works known but not carried
    were, from the catalogue's matches alone."""
    found = engine.match(title)
    if not previous:
        known = engine.not_carried(title, found)
        if known is not None:
            like = len(engine.like_known(known, k=5))
            return TitleAnswer("not carried", known.title, known.year, like)
    if is_confident([match.confidence for match in found]):
        return TitleAnswer("carried", found[0].title, found[0].year)
    return TitleAnswer("asked")


def _answers_for(answer: TitleAnswer, query: MissingQuery) -> bool:
    """Whether ``answer`` names the work ``query`` means: its title key, a year one off."""
    return (
        normalize_title(answer.title) == normalize_title(query.title)
        and abs(answer.year - query.year) <= 1
    )


def handled_right(query: MissingQuery, kind: str, answer: TitleAnswer) -> bool:
    """A carried work is answered as itself; a work known but not carried is said to be not
    carried; a work nothing knows is never answered as another work."""
    same = _answers_for(answer, query)
    if kind == "carried":
        return answer.kind == "carried" and same
    if kind in ("editorial", "scores"):
        return answer.kind == "not carried" and same
    return answer.kind == "asked"


@dataclass
class MissingResult:
    """Out-of-catalogue handling over a query set, for one engine.

    ``handled`` is the share handled right (``handled_right``), and ``by_kind`` that share
    for each ``MISSING_KINDS``; ``said_not_carried`` the share of the works known but not
    carried said so, ``recommended`` the share of those with works like them; ``other_work``
    the share of all queries answered, surely, as a different work.
    """

    queries: int
    counts: dict[str, int]
    handled: float
    by_kind: dict[str, float]
    said_not_carried: float
    recommended: float
    other_work: float


def evaluate_missing(
    engine: Engine, queries: list[tuple[MissingQuery, str]], previous: bool = False
) -> MissingResult:
    """Out-of-catalogue handling of ``queries``: each a query with its title as read from the
    message."""
    kinds = [missing_kind(engine, query) for query, _ in queries]
    answers = [answer_title(engine, title, previous) for _, title in queries]
    right = [
        handled_right(query, kind, answer)
        for (query, _), kind, answer in zip(queries, kinds, answers, strict=True)
    ]
    missing = [index for index, kind in enumerate(kinds) if kind in ("editorial", "scores")]
    said = [index for index in missing if right[index]]
    other = [
        answer.kind != "asked" and not _answers_for(answer, query)
        for (query, _), answer in zip(queries, answers, strict=True)
    ]
    counts = Counter(kinds)
    return MissingResult(
        queries=len(queries),
        counts={kind: counts[kind] for kind in MISSING_KINDS},
        handled=_mean([float(hit) for hit in right]),
        by_kind={
            kind: _mean([float(hit) for hit, of in zip(right, kinds, strict=True) if of == kind])
            for kind in MISSING_KINDS
        },
        said_not_carried=len(said) / len(missing) if missing else 0.0,
        recommended=_mean([float(answers[index].like > 0) for index in said]),
        other_work=_mean([float(wrong) for wrong in other]),
    )


@dataclass(frozen=True)
class PlotQuery:
    """A plot told from memory, and the row of the one work it describes."""

    query: str
    lang: str
    row: int
    split: str


def load_plot_queries(path: Path, lang: str, works: pd.DataFrame) -> list[PlotQuery]:
    """The queries of a ``query,title,year,split`` file, each resolved to its work's row.

    Raises ``ValueError`` naming a query whose title and year are not exactly one work.
    """
    table = pd.read_csv(path, dtype={"query": str, "title": str, "year": int, "split": str})
    rows = works.reset_index(drop=True).groupby(["title_display", "release_year"]).indices
    queries = []
    for line, entry in enumerate(table.itertuples(index=False), start=2):
        found = rows.get((entry.title, entry.year), [])
        if len(found) != 1:
            raise ValueError(
                f"{path.name}, line {line}: {entry.title} ({entry.year}) is {len(found)} works"
            )
        queries.append(PlotQuery(entry.query, lang, int(found[0]), entry.split))
    return queries


def plot_recall(
    scores: Callable[[str, str], np.ndarray], queries: list[PlotQuery], k: int = 10
) -> float:
    """Share of ``queries`` whose work is among the ``k`` best scored (and scored above 0)."""
    hits = 0
    for query in queries:
        found = scores(query.query, query.lang)
        hits += bool(found[query.row] > 0 and np.count_nonzero(found > found[query.row]) < k)
    return hits / len(queries) if queries else 0.0


def shared_words(index: PlotIndex, query: PlotQuery) -> int:
    """How many of the words ``query`` searches at full weight (its own words, or their first
    translation) its work's text holds. With fewer than two, words rarely single a work out
    of 22,000, so the share of such queries bounds what any ranking by words can recall.

    >>> works = pd.DataFrame({"description": ["a teacher cooks meth"], "keywords": [""],
    ...                       "title_display": ["X"], "genres": ["drama"], "cast_display": [""],
    ...                       "director_display": [""]})
    >>> index = PlotIndex().fit(works)
    >>> shared_words(index, PlotQuery("a science teacher makes drugs", "en", 0, "tune"))
    1
    """
    features, weights = index.query_terms(query.query, query.lang)
    column = index.postings_[:, query.row]
    held = set(column.nonzero()[0].tolist())
    return len(held & set(features[weights >= 1.0].tolist()))


def description_peer(works: pd.DataFrame) -> Callable[[str, str], np.ndarray]:
    """The plain search plot search is measured against: TF-IDF cosine of the query with
    each work's description alone (``ContentModel``'s description vectorizer), with neither
    stemming nor a lexicon."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        stop_words="english", strip_accents="unicode", sublinear_tf=True, min_df=2, max_df=0.5
    )
    vectors = vectorizer.fit_transform(works["description"].fillna("").astype(str))

    def scores(text: str, lang: str) -> np.ndarray:
        return np.asarray((vectors @ vectorizer.transform([text]).T).todense()).ravel()

    return scores


# -- discovery -----------------------------------------------------------------------------------
# Topic words a templated request may carry ("... about a heist").
TOPICS = (
    "heist",
    "zombies",
    "love",
    "war",
    "space",
    "school",
    "murder",
    "dog",
    "christmas",
    "vampire",
    "wedding",
    "football",
    "robot",
    "prison",
    "ghost",
    "music",
    "family",
    "island",
    "detective",
    "dragon",
)
DECADES = tuple(range(1960, 2030, 10))


class SlotCheck:
    """Whether a work meets a request's slots, read afresh from what the engine shows of it
    (``Engine.details`` and its platform records), not from the arrays discovery filters.

    The definitions are discovery's: lengths of the representative record, countries of
    every copy, and kids' titles by genre or children's rating with no copy rated for
    teenagers or adults.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        records = engine.catalogue.records
        self._position = {record: position for position, record in enumerate(records["id"])}
        self._countries = records["country_display"].astype(object).to_numpy()
        self._ratings = records["rating"].astype(object).to_numpy()
        self._facts: dict[str, tuple[WorkDetails, set[str], set[str]]] = {}

    def _work(self, work_id: str) -> tuple[WorkDetails, set[str], set[str]]:
        if work_id not in self._facts:
            details = self.engine.details(work_id)
            assert details is not None, work_id
            positions = [self._position[record] for record in details.ids]
            countries = {
                fold(name.strip())
                for position in positions
                if isinstance(self._countries[position], str)
                for name in self._countries[position].split(",")
                if name.strip()
            }
            ratings = {str(self._ratings[position]) for position in positions}
            self._facts[work_id] = details, countries, ratings
        return self._facts[work_id]

    def kids(self, work_id: str) -> bool:
        details, _, ratings = self._work(work_id)
        genres = {word.replace(" ", "_") for word in details.genre_words}
        for_kids = bool(genres & set(KIDS_GENRES) or ratings & set(CHILDREN_RATINGS))
        grown_up = bool(genres & set(GROWN_UP_GENRES) or ratings & set(GROWN_UP_RATINGS))
        return for_kids and not grown_up

    def meets(self, slots: Slots, work_id: str) -> bool:
        """Whether work ``work_id`` meets every slot of ``slots`` (``mine`` aside)."""
        details, countries, _ = self._work(work_id)
        genres = {word.replace(" ", "_") for word in details.genre_words}
        kind = TYPE_NAMES.get(slots.type or "", slots.type)
        limits = []
        if slots.max_minutes is not None:
            limits.append(("movie", "min", slots.max_minutes))
        if slots.max_seasons is not None:
            limits.append(("tv show", "season", slots.max_seasons))
        checks = (
            all(genre_word(genre) in genres for genre in slots.genres),
            not any(genre_word(genre) in genres for genre in slots.not_genres),
            not slots.platforms or bool(set(slots.platforms) & set(details.platforms)),
            slots.type is None or details.type == kind,
            slots.year_min is None or details.year >= slots.year_min,
            slots.year_max is None or details.year <= slots.year_max,
            not limits
            or any(
                details.type == of_type
                and details.duration_type == unit
                and details.duration_int is not None
                and details.duration_int <= limit
                for of_type, unit, limit in limits
            ),
            not slots.countries or bool({fold(name) for name in slots.countries} & countries),
            slots.audience is None or (slots.audience == "kids" and self.kids(work_id)),
            work_id not in slots.like,
        )
        return all(checks)


def _decade(rng: random.Random, year: int) -> tuple[int, int]:
    start = year - year % 10
    return (start, start + 9) if rng.random() < 0.7 else (start - rng.choice((0, 5)), LAST_YEAR)


def discovery_queries(engine: Engine, n: int, seed: int) -> list[Slots]:
    """``n`` templated discovery requests: nine in ten built from a random work's own
    facts (its genres, type, platform, decade, length, country, audience), so at least that
    work meets them; one in ten of slots drawn at random, which may contradict each other.
    A third carry a topic word, a third ask for "best" or "newest"."""
    rng = random.Random(seed)
    works = engine.works
    genre_counts = Counter(word for text in works["genres"].astype(str) for word in text.split())
    common = [genre for genre, _ in genre_counts.most_common(30)]
    platforms = engine.registry.names
    countries = ["United States", "India", "United Kingdom", "Japan", "South Korea", "France"]
    check = SlotCheck(engine)
    queries = []
    while len(queries) < n:
        slots: dict = {}
        if rng.random() < 0.9:
            details = engine.details(str(works["work_id"].iat[rng.randrange(len(works))]))
            assert details is not None
            if not details.genre_words:
                continue
            words = [word.replace(" ", "_") for word in details.genre_words]
            slots["genres"] = tuple(rng.sample(words, min(len(words), rng.choice((1, 1, 2)))))
            if rng.random() < 0.6:
                slots["type"] = "movie" if details.type == "movie" else "tv"
            if rng.random() < 0.4:
                slots["platforms"] = (rng.choice(details.platforms),)
            if rng.random() < 0.35:
                slots["year_min"], slots["year_max"] = _decade(rng, details.year)
            length = {
                ("movie", "min"): ("max_minutes", 30),
                ("tv show", "season"): ("max_seasons", 2),
            }
            limit = length.get((details.type, details.duration_type or ""))
            if rng.random() < 0.2 and limit and details.duration_int is not None:
                slots[limit[0]] = details.duration_int + rng.randrange(limit[1])
            if rng.random() < 0.2 and details.country:
                slots["countries"] = (rng.choice(details.country),)
            if rng.random() < 0.15 and check.kids(details.work_id):
                slots["audience"] = "kids"
            unwanted = [genre for genre in common if genre not in words]
            if rng.random() < 0.1:
                slots["not_genres"] = (rng.choice(unwanted),)
        else:
            slots["genres"] = tuple(rng.sample(common, rng.choice((1, 2))))
            slots["type"] = rng.choice(("movie", "tv", None))
            if rng.random() < 0.5:
                slots["platforms"] = (rng.choice(platforms),)
            if rng.random() < 0.5:
                slots["year_min"], slots["year_max"] = _decade(rng, rng.choice(DECADES))
            if rng.random() < 0.3:
                slots["countries"] = (rng.choice(countries),)
            if rng.random() < 0.2:
                slots["audience"] = "kids"
        if rng.random() < 0.3:
            slots["about"] = rng.choice(TOPICS)
        slots["sort"] = rng.choice(("relevance", "relevance", "relevance", "score", "newest"))
        queries.append(Slots(**slots))
    return queries


def describe(slots: Slots) -> str:
    """The words a person might type for ``slots``: the description-only peer's query.

    >>> describe(Slots(genres=("science_fiction",), type="movie", year_min=1990, year_max=1999))
    'science fiction movie from 1990 to 1999'
    """
    words = [genre.replace("_", " ") for genre in slots.genres]
    words.append({"movie": "movie", "tv": "series"}.get(slots.type or "", ""))
    words += [f"not {genre.replace('_', ' ')}" for genre in slots.not_genres]
    words += [f"on {platform}" for platform in slots.platforms]
    if slots.year_min is not None or slots.year_max is not None:
        words.append(f"from {slots.year_min or ''} to {slots.year_max or ''}")
    if slots.max_minutes is not None:
        words.append(f"under {slots.max_minutes} minutes")
    if slots.max_seasons is not None:
        words.append(f"at most {slots.max_seasons} seasons")
    words += [f"from {country}" for country in slots.countries]
    if slots.audience:
        words.append(f"for {slots.audience}")
    if slots.about:
        words.append(f"about {slots.about}")
    return " ".join(word for word in words if word)


@dataclass
class DiscoveryResult:
    """Precision@k of discovery and of a peer on one query set: over every query, and over
    those some work meets (the rest are relaxed, and their results meet the relaxed slots)."""

    queries: int
    relaxed: int  # queries no work met
    precision: float  # results meeting every slot asked for
    peer_precision: float
    precision_met: float  # the same, over the queries some work meets
    peer_precision_met: float
    precision_relaxed: float  # results of the relaxed queries meeting the slots as relaxed


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else 0.0


def evaluate_discovery(
    engine: Engine, queries: list[Slots], peer: Callable[[str], list[str]], k: int = 5
) -> DiscoveryResult:
    """Precision@``k``: the mean, over queries, of the share of the results that meet every
    slot, for ``Engine.discover`` and for ``peer`` (query text -> work ids, best first).

    A query with no results scores 0."""
    check = SlotCheck(engine)

    def precision(slots: Slots, work_ids: list[str]) -> float:
        hits = [check.meets(slots, work_id) for work_id in work_ids[:k]]
        return sum(hits) / len(hits) if hits else 0.0

    ours: list[float] = []
    theirs: list[float] = []
    met: list[bool] = []
    relaxed: list[float] = []
    for slots in queries:
        found = engine.discover(slots, k=k)
        work_ids = [result.work_id for result in found.results]
        ours.append(precision(slots, work_ids))
        theirs.append(precision(slots, peer(describe(slots))))
        met.append(not found.relaxed)
        if found.relaxed:
            assert found.applied is not None
            relaxed.append(precision(found.applied, work_ids))
    return DiscoveryResult(
        queries=len(queries),
        relaxed=len(relaxed),
        precision=_mean(ours),
        peer_precision=_mean(theirs),
        precision_met=_mean([value for value, ok in zip(ours, met, strict=True) if ok]),
        peer_precision_met=_mean([value for value, ok in zip(theirs, met, strict=True) if ok]),
        precision_relaxed=_mean(relaxed),
    )


def liked_pairs(engine: Engine, n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` pairs of works someone might name together: both scored (so known), both with
    genres, of the same type."""
    works = engine.works
    known = works.loc[works["score"].notna() & (works["genres"].astype(str) != "")]
    by_type = {
        kind: group["work_id"].tolist() for kind, group in known.groupby("type", observed=True)
    }
    rng = random.Random(seed)
    kinds = sorted(by_type)
    return [tuple(rng.sample(by_type[rng.choice(kinds)], 2)) for _ in range(n)]  # type: ignore[misc]


def liked_genre_precision(
    engine: Engine,
    pairs: list[tuple[str, str]],
    recommend: Callable[[tuple[str, str]], list[str]],
    k: int = 5,
) -> float:
    """The mean share of the top ``k`` that ``recommend`` (liked pair -> work ids) gives for
    each pair, sharing a genre with both liked works (fewer than ``k`` count as misses)."""
    genres = {
        work_id: set(str(text).split())
        for work_id, text in zip(engine.works["work_id"], engine.works["genres"], strict=True)
    }
    shares = []
    for pair in pairs:
        top = recommend(pair)[:k]
        hits = sum(all(genres[liked] & genres[work] for liked in pair) for work in top)
        shares.append(hits / k)
    return float(np.mean(shares))


@dataclass(frozen=True)
class ReasonShares:
    """What a set of reasons says: the share that names a theme, a shared person or a shared
    genre (something specific), the same with only vocabulary themes counted, the share that
    names a theme, and of those the share whose themes are all themes of the vocabulary
    (``data/raw/themes.csv``)."""

    reasons: int
    specific: float
    specific_in_vocabulary: float
    with_theme: float
    vocabulary_only: float


def previous_themes(model: ContentModel, first: int, second: int, top: int = 3) -> list[str]:
    """The themes reasons named before the theme vocabulary: the synopsis words both works
    weigh most in the TF-IDF model, as they were shown ("high", "school", "follows")."""
    terms = model.shared_terms(first, second, top=20, field="description")
    return [term.term for term in terms[:top]]


def reason_shares(reasons: list[tuple[bool, list[str]]], vocabulary: list[str]) -> ReasonShares:
    """The shares of ``reasons``, each given as whether it names a shared person or genre and
    the themes it names (English). A theme is of the vocabulary when its stems are those of
    a vocabulary theme's English name (so "drug" counts for "drugs"; "follows" never does).

    >>> reason_shares([(True, []), (False, ["drug"]), (False, ["follows"]), (False, [])],
    ...               ["drugs", "family"])
    ... # doctest: +NORMALIZE_WHITESPACE
    ReasonShares(reasons=4, specific=0.75, specific_in_vocabulary=0.5, with_theme=0.5,
                 vocabulary_only=0.5)
    """
    known = {tuple(stems(name)) for name in vocabulary}

    def in_vocabulary(themes: list[str]) -> bool:
        return bool(themes) and all(tuple(stems(theme)) in known for theme in themes)

    count = len(reasons) or 1
    named = [themes for _, themes in reasons if themes]
    return ReasonShares(
        reasons=len(reasons),
        specific=sum(people or bool(themes) for people, themes in reasons) / count,
        specific_in_vocabulary=sum(people or in_vocabulary(themes) for people, themes in reasons)
        / count,
        with_theme=len(named) / count,
        vocabulary_only=_mean([float(in_vocabulary(themes)) for themes in named]),
    )


def evaluate_reasons(engine: Engine, n: int, seed: int, k: int = 5) -> tuple[ReasonShares, ...]:
    """The reasons of the top ``k`` recommendations for ``n`` works drawn at random: the
    engine's, and the same with the themes reasons named before the theme vocabulary."""
    rows = random.Random(seed).sample(range(len(engine.works)), min(n, len(engine.works)))
    ours, previous = [], []
    for row in rows:
        for result in engine.similar(str(engine.works["work_id"].iloc[row]), k):
            reason = result.reason
            people_or_genres = bool(reason.directors or reason.cast or reason.genres)
            ours.append((people_or_genres, [theme.en for theme in reason.themes]))
            other = engine.work_row(result.work_id)
            assert other is not None  # a recommendation is a work of the engine
            previous.append((people_or_genres, previous_themes(engine.model, row, other)))
    vocabulary = [theme.en for theme in engine.themes.themes_]
    return reason_shares(ours, vocabulary), reason_shares(previous, vocabulary)


# -- for you -------------------------------------------------------------------------------------
# Genre words that say where a work comes from or how it was released, not what kind of story
# it is ("International TV Shows", "Independent Movies"): never a work's main genre.
NOT_MAIN_GENRES = frozenset(
    [
        "international",
        "independent",
        "special_interest",
        "classic",
        "cult",
        "british",
        "spanish",
        "korean",
        "latino",
        "black_stories",
    ]
)


def main_genre(genres: str) -> str | None:
    """A work's main genre: the first of its genre words (the works table lists them in its
    platforms' own order, the first label first) that says what kind of story it is.

    >>> main_genre("international thriller drama"), main_genre("independent"), main_genre("")
    ('thriller', None, None)
    """
    return next((word for word in genres.split() if word not in NOT_MAIN_GENRES), None)


def main_countries(engine: Engine) -> list[str | None]:
    """Each work's main country: the first country its first copy naming any names (copies
    in catalogue order), folded; ``None`` when no copy names one."""
    found: list[str | None] = [None] * len(engine.works)
    records = engine.catalogue.records
    for record_id, countries in zip(records["id"], records["country_display"], strict=True):
        names = [] if pd.isna(countries) else [n.strip() for n in str(countries).split(",")]
        names = [name for name in names if name]
        work_id = engine.work_of(str(record_id)) if names else None
        row = None if work_id is None else engine.work_row(work_id)
        if row is not None and found[row] is None:
            found[row] = fold(names[0])
    return found


@dataclass(frozen=True)
class TasteChat:
    """A simulated chat: on one platform, it liked works of one genre-and-country mix (one held
    out of what it tells) and disliked works of a mix of another main genre."""

    platform: str
    liked: tuple[str, ...]  # work ids, as told (oldest first)
    held_out: str
    disliked: tuple[str, ...]
    genre: str  # the main genre of the liked mix, the held-out work's
    disliked_genre: str


def taste_chats(
    engine: Engine, n: int, seed: int, liked: int = 4, disliked: int = 2
) -> list[TasteChat]:
    """``n`` chats drawn with ``random.Random(seed)``.

    Each picks a platform at random, then a mix (main genre and main country, ``main_genre``
    and ``main_countries``) at random among the mixes of at least ``liked`` works on it, and
    ``liked`` of its works, one of which, at random, is held out; then a mix of another main
    genre with at least ``disliked`` works on the platform, and ``disliked`` of its works. Only
    works with a main genre and a main country are drawn, one of each group of versions (the
    one the others are versions of). Mixes are drawn alike whatever their size, so the
    catalogue's commonest mix (US dramas) does not make up most chats.
    """
    works = engine.works
    versions = version_groups(works)
    countries = main_countries(engine)
    mixes: dict[str, dict[tuple[str, str], list[str]]] = {}
    for row, (work_id, genres, platforms) in enumerate(
        zip(
            works["work_id"],
            works["genres"].astype(str),
            works["platforms"].astype(str),
            strict=True,
        )
    ):
        genre, country = main_genre(genres), countries[row]
        if genre is None or country is None or versions[row] != row:
            continue
        for platform in platforms.split():
            mixes.setdefault(platform, {}).setdefault((genre, country), []).append(work_id)
    choices = {}
    for platform in sorted(mixes):
        of_platform = mixes[platform]
        liked_mixes = sorted(mix for mix, found in of_platform.items() if len(found) >= liked)
        disliked_mixes = sorted(mix for mix, found in of_platform.items() if len(found) >= disliked)
        pairs = [
            (mine, theirs)
            for mine in liked_mixes
            for theirs in disliked_mixes
            if theirs[0] != mine[0]
        ]
        if pairs:
            choices[platform] = pairs
    rng = random.Random(seed)
    chats = []
    for _ in range(n if choices else 0):
        platform = rng.choice(sorted(choices))
        mine, theirs = rng.choice(choices[platform])
        told = rng.sample(mixes[platform][mine], liked)
        held_out = told.pop(rng.randrange(liked))
        chats.append(
            TasteChat(
                platform=platform,
                liked=tuple(told),
                held_out=held_out,
                disliked=tuple(rng.sample(mixes[platform][theirs], disliked)),
                genre=mine[0],
                disliked_genre=theirs[0],
            )
        )
    return chats


@dataclass(frozen=True)
class TasteResult:
    """How one recommender did for a set of chats, over each chat's top ``k``.

    A result hits when its genre words hold the held-out work's main genre. ``hit_rate`` is
    the share of chats with a hit in the top ``k``, ``precision`` the mean share of hits in
    it (fewer than ``k`` results count as misses), ``held_out`` the share of chats whose top
    ``k`` holds the held-out work itself, ``disliked_genre`` the mean share of the top ``k``
    whose genre words hold the disliked works' main genre. ``disliked_shown`` counts the
    results that are a disliked work or a version of one, ``elsewhere`` those not on the
    chat's platform: both should be 0.
    """

    chats: int
    hit_rate: float
    precision: float
    held_out: float
    disliked_genre: float
    disliked_shown: int
    elsewhere: int


def evaluate_taste(
    engine: Engine,
    chats: list[TasteChat],
    recommend: Callable[[TasteChat], list[str]],
    k: int = 5,
) -> TasteResult:
    """``recommend`` (chat -> work ids, best first) scored on ``chats`` (``TasteResult``)."""
    works = engine.works
    genres = dict(zip(works["work_id"], works["genres"].astype(str).str.split(), strict=True))
    platforms = dict(zip(works["work_id"], works["platforms"].astype(str).str.split(), strict=True))
    versions = version_groups(works)
    row_of = {work_id: row for row, work_id in enumerate(works["work_id"])}
    hits, precision, held_out, disliked_genre = [], [], [], []
    disliked_shown = elsewhere = 0
    for chat in chats:
        top = recommend(chat)[:k]
        found = [chat.genre in genres[work_id] for work_id in top]
        hits.append(any(found))
        precision.append(sum(found) / k)
        held_out.append(chat.held_out in top)
        disliked_genre.append(sum(chat.disliked_genre in genres[work_id] for work_id in top) / k)
        disliked = {versions[row_of[work_id]] for work_id in chat.disliked}
        disliked_shown += sum(versions[row_of[work_id]] in disliked for work_id in top)
        elsewhere += sum(chat.platform not in platforms[work_id] for work_id in top)
    return TasteResult(
        chats=len(chats),
        hit_rate=_mean(hits),
        precision=_mean(precision),
        held_out=_mean(held_out),
        disliked_genre=_mean(disliked_genre),
        disliked_shown=disliked_shown,
        elsewhere=elsewhere,
    )


@dataclass(frozen=True)
class PairChat:
    """A simulated chat that liked two works of unrelated genres, on one platform."""

    platform: str
    liked: tuple[str, ...]  # work ids, as told (oldest first)
    genres: tuple[str, ...]  # the main genre of each liked work
    disliked: tuple[str, ...] = ()


# Draws of two works a simulated chat of ``unrelated_pairs`` may take before it gives up.
PAIR_TRIES = 100


def unrelated_pairs(engine: Engine, n: int, seed: int) -> list[PairChat]:
    """``n`` chats drawn with ``random.Random(seed)``: each picks a platform at random, then
    two of its works at random, of two main genres (``main_genre``), neither work's genre
    words holding the other's main genre (a crime comedy and a romance, not a crime comedy
    and a comedy). Only one work of each group of versions is drawn. Fewer chats when such
    pairs are too rare to find in ``PAIR_TRIES`` draws a chat."""
    works = engine.works
    versions = version_groups(works)
    genres = works["genres"].astype(str).str.split().tolist()
    on: dict[str, list[int]] = {}
    for row, platforms in enumerate(works["platforms"].astype(str)):
        if versions[row] == row and main_genre(" ".join(genres[row])) is not None:
            for platform in platforms.split():
                on.setdefault(platform, []).append(row)
    rng = random.Random(seed)
    work_ids = works["work_id"].tolist()
    on = {platform: rows for platform, rows in on.items() if len(rows) >= 2}
    chats: list[PairChat] = []
    for _ in range(PAIR_TRIES * n if on else 0):
        if len(chats) == n:
            break
        platform = rng.choice(sorted(on))
        first, second = rng.sample(on[platform], 2)
        mains = [main_genre(" ".join(genres[row])) for row in (first, second)]
        if mains[0] in genres[second] or mains[1] in genres[first]:
            continue
        chats.append(
            PairChat(platform, (work_ids[first], work_ids[second]), tuple(map(str, mains)))
        )
    return chats


@dataclass(frozen=True)
class PairResult:
    """How one recommender did for chats that liked two unrelated works, over each chat's top
    ``k``: the share of chats whose top ``k`` holds, for each liked work, a work of its main
    genre (``genres``), and one of its ``NEIGHBOURS`` most similar works on the chat's
    platform (``Engine.similar``; ``neighbours``)."""

    chats: int
    genres: float
    neighbours: float


# A work "like X" for ``evaluate_pairs``: one of X's this many most similar works.
NEIGHBOURS = 20


def evaluate_pairs(
    engine: Engine, chats: list[PairChat], recommend: Callable[[PairChat], list[str]], k: int = 5
) -> PairResult:
    """``recommend`` (chat -> work ids, best first) scored on ``chats`` (``PairResult``)."""
    genres = dict(zip(engine.works["work_id"], engine.works["genres"].astype(str), strict=True))
    by_genre, by_neighbours = [], []
    for chat in chats:
        top = recommend(chat)[:k]
        words = [genres[work_id].split() for work_id in top]
        by_genre.append(all(any(genre in each for each in words) for genre in chat.genres))
        like = [
            {item.work_id for item in engine.similar(work_id, NEIGHBOURS, chat.platform)}
            for work_id in chat.liked
        ]
        by_neighbours.append(all(like_one & set(top) for like_one in like))
    return PairResult(len(chats), _mean(by_genre), _mean(by_neighbours))


def for_you_ranking(
    engine: Engine, push: float | None = None, k: int = 5
) -> Callable[[TasteChat | PairChat], list[str]]:
    """``Engine.for_you``'s top ``k`` for a chat, on its platform (``push``: the engine's
    unless given)."""
    options = {} if push is None else {"push": push}

    def recommend(chat: TasteChat | PairChat) -> list[str]:
        found = engine.for_you(chat.liked, chat.disliked, k=k, mine=(chat.platform,), **options)
        return [item.work_id for item in found]

    return recommend


def popularity_ranking(engine: Engine, k: int = 5) -> Callable[[TasteChat | PairChat], list[str]]:
    """Plain popularity, the baseline: the top ``k`` best-scored works on the chat's platform
    (IMDb scores, shrunk as discovery ranks them with nothing asked), less what it liked or
    disliked, as ``Engine.discover`` with no slot gives them."""

    def recommend(chat: TasteChat | PairChat) -> list[str]:
        found = engine.discover(
            Slots(), k=k, mine=(chat.platform,), exclude=chat.liked + chat.disliked
        )
        return [item.work_id for item in found.results]

    return recommend
