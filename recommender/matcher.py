"""``TitleMatcher``: sloppy text in, ranked works with a confidence out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from recommender.model import accumulate, top_rows
from recommender.text import (
    drop_brand,
    drop_leading_article,
    drop_qualifier,
    last_subtitle,
    main_title,
    normalize_title,
    subtitle,
    version_base,
)

# Naming only the main title of "Main: Subtitle" scores a little below a full match. Matching
# only once a leading article or a trailing "(U.S.)"-style qualifier is dropped scores a hair
# below: "The Kingdom" finds "The Kingdom" first, yet close enough to "Kingdom", and "the
# office" to "The Office (U.S.)", that a reply asks which one was meant.
MAIN_TITLE_WEIGHT = 0.95
ARTICLE_WEIGHT = 0.99
QUALIFIER_WEIGHT = 0.99
# Naming only the subtitle ("the clone wars" for "Star Wars: The Clone Wars") counts too, a
# step below the main title, and only for subtitles long enough to mean something.
SUBTITLE_WEIGHT = 0.9
MIN_SUBTITLE_LENGTH = 6


# A title named inside a sentence ("i like the mandalorian") is looked for among its runs of
# at most this many words, so the cost stays linear in the sentence's length.
MAX_TITLE_WORDS = 12

# Below this confidence a candidate is noise, not a guess worth offering: "harry potter" is
# not "Charlotte" (0.67), "game of thrones" not "Game of Talents" (0.73), while a slip such
# as "toy stroy" (0.89) or "the ofice" (0.95) stays well above it.
MIN_CONFIDENCE = 0.75
# Below this confidence, or with a runner-up this close, a reply should ask "did you mean…".
CONFIDENT = 0.85
CLEAR_MARGIN = 0.04


@dataclass(frozen=True)
class Candidate:
    """One ranked guess: the work's row in the works table and how sure the matcher is."""

    work: int
    confidence: float
    record_id: str | None = None
    # The other name of the work (``titles_alt.csv``) that matched, when not its title.
    alias: str | None = None


def char_trigrams(text: str) -> list[str]:
    """Character 3-grams of each space-padded word (scikit-learn's ``char_wb`` scheme).

    >>> char_trigrams("up")
    [' up', 'up ']
    """
    grams = []
    for word in text.split():
        padded = f" {word} "
        grams += [padded[i : i + 3] for i in range(len(padded) - 2)]
    return grams


def _with_articles_dropped(variants: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Each ``(key, weight)`` and the key without a leading article, a hair below it."""
    return [
        pair
        for key, weight in variants
        for pair in ((key, weight), (drop_leading_article(key), weight * ARTICLE_WEIGHT))
    ]


def sorted_position(keys: np.ndarray, key: str) -> int | None:
    """The position of ``key`` in ``keys`` (sorted texts), or ``None``.

    A version loads such an array whole, where a dict of as many keys is rebuilt entry by
    entry: a second or so at a million titles.

    >>> keys = np.array(["coco", "up"], dtype=object)
    >>> sorted_position(keys, "up"), sorted_position(keys, "heat")
    (1, None)
    """
    at = int(np.searchsorted(keys, key))
    return at if at < len(keys) and keys[at] == key else None


def is_confident(confidences: list[float]) -> bool:
    """Whether the best of these ranked confidences is sure and clearly ahead.

    >>> is_confident([1.0, 0.95])
    True
    >>> is_confident([0.95, 0.95])
    False
    >>> is_confident([0.7])
    False
    """
    if not confidences or confidences[0] < CONFIDENT:
        return False
    return len(confidences) == 1 or confidences[0] - confidences[1] >= CLEAR_MARGIN


class TitleMatcher:
    """Fuzzy title lookup over every work in the catalogue.

    Titles and queries are normalised the same way (repaired, accent-free, lowercase,
    punctuation as spaces). Each work is indexed under its full title, the title without a
    leading article and its main title before any subtitle, and so under each of its other
    names (the works' optional ``aliases`` column, newline-separated), which match as the
    title does; a candidate found by one carries it. Candidates come from a character
    3-gram TF-IDF index (a sparse dot product, so cost grows with the query, not the
    catalogue), and are re-ranked with rapidfuzz's ``fuzz.ratio`` (normalised Indel
    similarity), which punishes every missing or extra character, unlike ``WRatio``, whose
    partial scorers let short titles match inside long ones.

    Parameters
    ----------
    candidates : int
        How many index keys are re-ranked per query.

    Examples
    --------
    >>> works = pd.DataFrame({"title_display": ["The Office", "Toy Story", "Toy Story 2"],
    ...                       "ids": ["ns1", "ds1 hs9", "ds2"]})
    >>> matcher = TitleMatcher().fit(works)
    >>> [c.work for c in matcher.match("toy stroy")][:2]
    [1, 2]
    >>> matcher.match("office")[0].confidence
    0.99
    >>> matcher.match("HS9")[0].record_id
    'hs9'
    >>> works["aliases"] = ["La oficina", "", ""]
    >>> matcher = TitleMatcher().fit(works)
    >>> matcher.match("la ofisina")[0].alias
    'La oficina'
    """

    def __init__(self, candidates: int = 40) -> None:
        self.candidates = candidates

    def fit(self, works: pd.DataFrame, y: None = None) -> TitleMatcher:
        # (key, work) -> (weight, alias): the best weight a key gives the work, and the index
        # in ``aliases_`` of the other name it came from (-1 for the title, which wins ties).
        pairs: dict[tuple[str, int], tuple[float, int]] = {}
        aliases: list[str] = []

        def add(key: str, work: int, weight: float, alias: int) -> None:
            if key and pairs.get((key, work), (0.0, -1))[0] < weight:
                pairs[(key, work)] = (weight, alias)

        for work, title in enumerate(works["title_display"].fillna("")):
            full = normalize_title(title)
            bare = normalize_title(drop_qualifier(title))
            # "Coco (in Spanish)" is a version of "Coco", not a rival for the name.
            qualified = MAIN_TITLE_WEIGHT if version_base(title) else QUALIFIER_WEIGHT
            tails = [subtitle(title), last_subtitle(title)]
            tails = [tail if len(tail) >= MIN_SUBTITLE_LENGTH else "" for tail in tails]
            variants = [
                (full, 1.0),
                (drop_brand(full), QUALIFIER_WEIGHT),
                (bare, qualified),
                (main_title(title), MAIN_TITLE_WEIGHT),
                *((tail, SUBTITLE_WEIGHT) for tail in tails),
            ]
            for key, weight in _with_articles_dropped(variants):
                add(key, work, weight, -1)
        other_names = works["aliases"].fillna("") if "aliases" in works else ()
        for work, names in enumerate(other_names):
            for name in filter(None, names.split("\n")):
                variants = [(normalize_title(name), 1.0), (main_title(name), MAIN_TITLE_WEIGHT)]
                for key, weight in _with_articles_dropped(variants):
                    add(key, work, weight, len(aliases))
                aliases.append(name)
        ordered = sorted(pairs.items())
        keys = sorted({key for (key, _), _ in ordered})
        position = {key: index for index, key in enumerate(keys)}
        self.keys_ = np.array(keys, dtype=object)
        key_of_pair = np.array([position[key] for (key, _), _ in ordered], dtype=np.int64)
        self.pair_work_ = np.array([work for (_, work), _ in ordered], dtype=np.int64)
        self.pair_weight_ = np.array([weight for _, (weight, _) in ordered], dtype=np.float32)
        self.pair_alias_ = np.array([alias for _, (_, alias) in ordered], dtype=np.int32)
        self.aliases_ = np.array(aliases, dtype=object)
        self.key_start_ = np.searchsorted(key_of_pair, np.arange(len(keys) + 1))
        record_work = {
            record: work
            for work, records in enumerate(works["ids"].fillna(""))
            for record in records.split()
        }
        self.record_ids_ = np.array(sorted(record_work), dtype=object)
        self.record_works_ = np.array(
            [record_work[record] for record in self.record_ids_.tolist()], dtype=np.int64
        )
        # Imported here: serving only needs the fitted vocabulary (see ContentModel.fit).
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=char_trigrams, dtype=np.float32)
        self.postings_ = vectorizer.fit_transform(keys).T.tocsr()
        self.vocabulary_ = vectorizer.vocabulary_
        self.idf_ = vectorizer.idf_.astype(np.float32)
        return self

    def match(self, query: str, limit: int = 5) -> list[Candidate]:
        """The best ``limit`` works for ``query``, best first; [] when nothing is close."""
        record_id = (query or "").strip().lower()
        work = self.record_work(record_id)
        if work is not None:  # an exact record id such as "ns123"
            return [Candidate(work, 1.0, record_id)]
        text = normalize_title(query)
        if not text:
            return []
        forms = {text: 1.0}
        forms.setdefault(drop_leading_article(text), ARTICLE_WEIGHT)
        best = self._best_scores(self._candidate_keys(text, forms), forms)
        ranked = list(best.items())[:limit]
        return [
            Candidate(work, round(score, 4), alias=None if alias < 0 else self.aliases_[alias])
            for work, (score, alias) in ranked
            if score >= MIN_CONFIDENCE
        ]

    def record_work(self, record_id: str) -> int | None:
        """The work of the platform record ``record_id`` (lowercase, such as ``ns123``)."""
        at = sorted_position(self.record_ids_, record_id)
        return None if at is None else int(self.record_works_[at])

    def titles_within(self, query: str) -> list[str]:
        """The runs of whole words of ``query`` that are, exactly, a work's title or other
        name (its article or trailing qualifier aside), longest first, then leftmost.

        >>> works = pd.DataFrame({"title_display": ["The Mandalorian", "Up"], "ids": ["d1", "d2"]})
        >>> TitleMatcher().fit(works).titles_within("I like the Mandalorian, and up")
        ['the mandalorian', 'mandalorian', 'up']
        """
        words = normalize_title(query).split()
        found = []
        for length in range(min(len(words), MAX_TITLE_WORDS), 0, -1):
            for start in range(len(words) - length + 1):
                run = " ".join(words[start : start + length])
                key = sorted_position(self.keys_, run)
                if key is not None and self._names_whole(key):
                    found.append(run)
        return found

    def _names_whole(self, key: int) -> bool:
        """Whether index key ``key`` is some work's whole title or other name, not only its
        main title or subtitle."""
        weights = self.pair_weight_[self.key_start_[key] : self.key_start_[key + 1]]
        return bool((weights >= ARTICLE_WEIGHT * QUALIFIER_WEIGHT - 1e-6).any())

    def _best_scores(
        self, keys: np.ndarray, forms: dict[str, float]
    ) -> dict[int, tuple[float, int]]:
        """Each work behind ``keys``, its best score and the other name that scored it (-1
        for its title), best first, ties to the lower row.

        A (work, key) pair scores the key's best ratio to a query form, times the form's and
        the pair's weights; the product is float32, like the pair weights.
        """
        ratios = process.cdist(
            list(forms), self.keys_[keys].tolist(), scorer=fuzz.ratio, dtype=np.float64
        )
        form_weights = np.fromiter(forms.values(), dtype=np.float64, count=len(forms))
        similarity = ((ratios * form_weights[:, None]).max(axis=0) / 100).astype(np.float32)
        starts, ends = self.key_start_[keys], self.key_start_[keys + 1]
        lengths = ends - starts
        # Every key's pairs, start to end, side by side: one arange, not one per key.
        firsts = np.cumsum(lengths) - lengths  # where each key's pairs begin in ``pairs``
        pairs = np.arange(lengths.sum()) + np.repeat(starts - firsts, lengths)
        works = self.pair_work_[pairs]
        scores = np.repeat(similarity, lengths) * self.pair_weight_[pairs]
        # A title's pair before an alias's of the same score: the title is the name shown.
        aliases = self.pair_alias_[pairs]
        order = np.lexsort((aliases, works, -scores))
        best: dict[int, tuple[float, int]] = {}
        columns = (works[order].tolist(), scores[order].tolist(), aliases[order].tolist())
        for work, score, alias in zip(*columns, strict=True):
            best.setdefault(work, (score, alias))  # a work's first pair in this order is its best
        return best

    def _candidate_keys(self, text: str, forms: dict[str, float]) -> np.ndarray:
        """Exact key hits plus the keys sharing the most character 3-grams with the query."""
        found = (sorted_position(self.keys_, form) for form in forms)
        exact = [key for key in found if key is not None]
        grams = Counter(gram for gram in char_trigrams(text) if gram in self.vocabulary_)
        terms = np.fromiter(
            (self.vocabulary_[gram] for gram in grams), dtype=np.int64, count=len(grams)
        )
        counts = np.fromiter(grams.values(), dtype=np.float32, count=len(grams))
        # The query's own norm scales every key alike, so the ranking does not need it.
        scores = accumulate(self.postings_, terms, counts * self.idf_[terms], len(self.keys_))
        top = [key for key in top_rows(scores, self.candidates).tolist() if key not in exact]
        return np.array(exact + top, dtype=np.int64)
