"""Offline quality measures built from the catalogue itself (``make eval``)."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.matcher import TitleMatcher
from recommender.model import ContentModel
from recommender.text import drop_leading_article, main_title, normalize_title, strip_accents

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


def franchise_recall(model: ContentModel, pairs: dict[int, list[int]], k: int = 10) -> float:
    """Share of franchise bases whose top ``k`` holds at least one of their sequels."""
    hits = sum(
        bool(set(model.similar(base, k)[0]) & set(sequels)) for base, sequels in pairs.items()
    )
    return hits / len(pairs) if pairs else 0.0


def genre_precision(model: ContentModel, genres: pd.Series, k: int = 5) -> float:
    """Mean share of the top ``k`` that share at least one canonical genre word with the query,
    over every work that has genres (fewer than ``k`` results count as misses)."""
    words = [frozenset(text.split()) for text in genres.fillna("")]
    shares = []
    for row, mine in enumerate(words):
        if not mine:
            continue
        top = model.similar(row, k)[0]
        shares.append(sum(bool(mine & words[other]) for other in top) / k)
    return float(np.mean(shares)) if shares else 0.0


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
