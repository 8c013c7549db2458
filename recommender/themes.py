"""``ThemeIndex``: what each work is about, in a vocabulary of themes worth saying.

A reason built from the words two synopses share reads as fragments ("about high, school",
"about follows") and stays English in a Spanish reply. Reasons name themes of an editorial
bilingual vocabulary instead (``data/raw/themes.csv``): each theme has an English and a Spanish
name and the English words and phrases that evidence it in a synopsis or in the editorial
keywords of a work ("cartel", "drug lord" for drugs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.plot import spanish_stems, stems

# The fields a theme is looked for in: the synopsis, and what viewers remember of a work.
FIELDS = ("description", "keywords")
# A phrase never spans a clause or a keyword list's comma: "tetsuo psychic powers, biker gang"
# holds no "powers biker".
_CLAUSE = re.compile(r"[,.;:!?()\[\]\"]")
# A Spanish name is looked for in a query without its article: "sobre la Segunda Guerra
# Mundial" and "de segunda guerra mundial" both name it.
_SPANISH_ARTICLES = frozenset({"el", "la", "los", "las", "lo"})


@dataclass(frozen=True, slots=True)
class Theme:
    """A theme worth saying, as English (``en``) and Spanish (``es``) replies name it."""

    en: str
    es: str

    def name(self, lang: str) -> str:
        """The theme's name in ``lang`` (``"es"`` or English)."""
        return self.es if lang == "es" else self.en


def _phrases(text: str, stemmer: Callable[[str], list[str]] = stems) -> Iterable[tuple[str, ...]]:
    """The stemmed clauses of ``text``."""
    for clause in _CLAUSE.split(text):
        found = tuple(stemmer(clause))
        if found:
            yield found


def _grams(clause: tuple[str, ...], longest: int) -> Iterable[tuple[str, ...]]:
    """Every run of 1 to ``longest`` consecutive stems of ``clause``."""
    for start in range(len(clause)):
        for end in range(start + 1, min(start + longest, len(clause)) + 1):
            yield clause[start:end]


@lru_cache(maxsize=4096)
def _stemmed(name: str) -> tuple[str, ...]:
    """The stems of a theme's or a genre's name: few names, stemmed again and again."""
    return tuple(stems(name))


def _within(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether ``words`` occur in ``phrase``, consecutively."""
    return any(phrase[start : start + len(words)] == words for start in range(len(phrase)))


class ThemeIndex:
    """Which themes of a vocabulary each work is about.

    A work is about a theme when one of the theme's evidence phrases appears in its synopsis
    or editorial keywords: the phrase's English Snowball stems as consecutive words of one
    clause, so "drug dealers" evidences "drug dealer" and "high, school" no "high school".
    Two works share the themes both are about; the rarer a theme in the catalogue, the more
    it says, so shared themes come rarest first.

    Parameters
    ----------
    vocabulary : sequence of (Theme, evidence phrases)
        Each theme and the lowercase English words and phrases that evidence it.

    Attributes
    ----------
    themes_ : list of Theme
        The vocabulary's themes, in its order.
    phrases_ : dict of tuple of str to int
        The theme each stemmed evidence phrase evidences.
    spanish_ : dict of tuple of str to int
        The theme each stemmed Spanish name (without its article) names, for queries.
    works_ : scipy.sparse.csr_matrix of bool, shape (n_works, n_themes)
        The themes of each work.
    frequency_ : numpy.ndarray of int64, shape (n_themes,)
        How many works are about each theme.

    Examples
    --------
    >>> works = pd.DataFrame({
    ...     "description": ["A chemistry teacher turned drug dealer.",
    ...                     "Cartels fight for a family's drug empire.",
    ...                     "A high school teacher and his family."],
    ...     "keywords": ["albuquerque, family", "", ""]})
    >>> vocabulary = [(Theme("drugs", "drogas"), ["drug", "cartel"]),
    ...               (Theme("family", "familia"), ["family"]),
    ...               (Theme("high school", "el instituto"), ["high school"])]
    >>> index = ThemeIndex(vocabulary).fit(works)
    >>> [theme.en for theme in index.of_work(0)]
    ['drugs', 'family']
    >>> [theme.name("es") for theme in index.shared(0, 1)]
    ['drogas', 'familia']
    >>> [index.themes_[theme].en for theme in index.in_text("algo sobre drogas", "es")]
    ['drugs']
    >>> [theme.en for theme in index.unsaid(index.of_work(2), ["family"], top=2)]
    ['high school']
    """

    def __init__(self, vocabulary: Sequence[tuple[Theme, Sequence[str]]]) -> None:
        self.vocabulary = vocabulary

    def fit(self, works: pd.DataFrame, y: None = None) -> ThemeIndex:
        self.themes_ = [theme for theme, _ in self.vocabulary]
        self._position = {theme: position for position, theme in enumerate(self.themes_)}
        self.phrases_: dict[tuple[str, ...], int] = {}
        self.spanish_: dict[tuple[str, ...], int] = {}
        for position, (theme, evidence) in enumerate(self.vocabulary):
            for phrase in evidence:
                self.phrases_.setdefault(tuple(stems(phrase)), position)
            named = spanish_stems(theme.es)
            if named and named[0] in _SPANISH_ARTICLES:
                named = named[1:]
            self.spanish_.setdefault(tuple(named), position)
        self._longest = max(map(len, [*self.phrases_, *self.spanish_]), default=1)
        description, keywords = (works[field].fillna("").astype(str) for field in FIELDS)
        rows, found = [], []
        for row, work in enumerate((description + ". " + keywords).tolist()):
            themes = self._find(_phrases(work), self.phrases_)
            rows += [row] * len(themes)
            found += themes
        shape = (len(works), len(self.themes_))
        data = np.ones(len(found), dtype=bool)
        self.works_ = sp.csr_matrix((data, (rows, found)), shape=shape, dtype=bool)
        self.works_.sort_indices()
        self.frequency_ = np.bincount(found, minlength=len(self.themes_)).astype(np.int64)
        return self

    def _find(
        self, clauses: Iterable[tuple[str, ...]], phrases: dict[tuple[str, ...], int]
    ) -> list[int]:
        """The themes ``phrases`` finds in ``clauses``, once each, in order of appearance."""
        found = (phrases.get(gram) for clause in clauses for gram in _grams(clause, self._longest))
        return list(dict.fromkeys(theme for theme in found if theme is not None))

    def _themes(self, row: int) -> np.ndarray:
        start, end = self.works_.indptr[row], self.works_.indptr[row + 1]
        return self.works_.indices[start:end]

    def _rarest_first(self, themes: Iterable[int], top: int | None) -> list[Theme]:
        # A work has a few themes: plain Python sorts so few faster than NumPy.
        frequency = self.frequency_
        order = sorted(themes, key=lambda theme: (frequency[theme], theme))[:top]
        return [self.themes_[theme] for theme in order]

    def of_work(self, row: int, top: int | None = None) -> list[Theme]:
        """The themes work ``row`` is about, rarest first."""
        return self._rarest_first(self._themes(row).tolist(), top)

    def shared(self, first: int, second: int, top: int | None = None) -> list[Theme]:
        """The themes works ``first`` and ``second`` are both about, rarest first."""
        common = set(self._themes(first).tolist()).intersection(self._themes(second).tolist())
        return self._rarest_first(common, top)

    def among(self, row: int, themes: Sequence[int], top: int | None = None) -> list[Theme]:
        """Those of ``themes`` (positions in ``themes_``) that work ``row`` is about, rarest
        first."""
        return self._rarest_first(set(self._themes(row).tolist()).intersection(themes), top)

    def unsaid(self, themes: Sequence[Theme], genres: Sequence[str], top: int) -> list[Theme]:
        """The first ``top`` of ``themes`` that say something ``genres`` and the themes kept
        before them do not: not "mysteries" beside the genre "mystery", nor "Britain" beside
        "british" (one of its phrases), nor "school" after "high school"."""
        said = {_stemmed(genre) for genre in genres}
        evidenced = {self.phrases_[genre] for genre in said if genre in self.phrases_}
        kept: list[Theme] = []
        for theme in themes:
            words = _stemmed(theme.en)
            if words in said or self._position.get(theme) in evidenced:
                continue
            if any(_within(words, _stemmed(other.en)) for other in kept):
                continue
            kept.append(theme)
            if len(kept) == top:
                break
        return kept

    def in_text(self, text: str, lang: str = "en") -> list[int]:
        """The themes ``text`` (a request such as "something about drugs") names, as positions
        in ``themes_``: by their English evidence, and in Spanish (``lang="es"``) also by
        their Spanish names."""
        found = self._find(_phrases(text), self.phrases_)
        if lang == "es":
            found += self._find(_phrases(text, spanish_stems), self.spanish_)
        return list(dict.fromkeys(found))
