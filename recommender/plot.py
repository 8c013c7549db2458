"""``PlotIndex``: find works from a plot told from memory, in English or Spanish.

People describe what they saw in their own words: "the show where a chemistry teacher makes
drugs", "la serie del profesor de química que fabrica droga". The words that carry such a
description are few and specific, so the index weighs each stemmed word by how rare it is and
searches the synopsis and the editorial keywords of well-known works first, then the title,
cast, director and genres. Spanish words reach the English synopses and keywords through a
bilingual lexicon of their commonest words (``data/raw``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
import Stemmer

from recommender.model import accumulate
from recommender.text import fold

# The synopsis carries the plot. The editorial keywords (``plot_keywords_en.csv``) add what
# viewers remember of a well-known work that its one-line synopsis leaves out: names, places,
# the premise in everyday words. Only some works have them, so they count half: at full weight
# a curated work's second description outranked uncurated works on any common word ("agents",
# "family"). The other fields confirm. With BM25 each field's weight scales its own saturated,
# length-normalised term scores, so a word in the title or the cast adds to a synopsis match
# rather than outweighing it.
DEFAULT_WEIGHTS = {
    "description": 1.0,
    "keywords": 0.5,
    "title_display": 0.1,
    "genres": 0.3,
    "cast_display": 0.3,
    "director_display": 0.3,
}
SCORERS = ("bm25", "tfidf")
# A query is a sentence or two. Past these, more words only cost time: a message of 4,096
# characters is read up to its first MAX_QUERY_CHARS, and at most MAX_QUERY_TERMS words count.
MAX_QUERY_CHARS = 1_000
MAX_QUERY_TERMS = 40

_WORD = re.compile(r"[a-z0-9]+")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words of both languages, and the words people wrap a description in ("the show
# where", "una peli donde", "I don't remember the name").
_ENGLISH_STOP = _word_set(
    """
    a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing don done down during each either else
    ever every few for from further had has have having he her here hers herself him himself his
    how i if in into is it its itself just let lets ll may me might mine more most much must my
    myself neither no nor not now of off on once only onto or other ought our ours ourselves out
    over own per quite rather re s same shall she should so some such than that the their theirs
    them themselves then there these they this those though through thus till to too under until
    up upon us ve very via was we were what whatever when whenever where whereas wherever whether
    which while who whoever whom whose why will with within without would yet you your yours
    yourself yourselves
    """
)
_SPANISH_STOP = _word_set(
    """
    a al algo alguien algun alguna algunas alguno algunos ante antes aquel aquella aquellas
    aquello aquellos asi aun aunque cada casi como con contra cual cuales cualquier cuando cuyo
    cuya de del desde donde dos durante e el ella ellas ello ellos en entre era eran eres es esa
    esas ese eso esos esta estaba estaban estado estamos estan estar este esto estos estoy fue
    fueron ha habia habian han has hasta hay he hemos hubo la las le les lo los mas me mi mia mias
    mio mios mis misma mismas mismo mismos mucha muchas mucho muchos muy nada nadie ni no nos
    nosotros nuestra nuestras nuestro nuestros o os otra otras otro otros para pero poco por
    porque pues que quien quienes se sea ser si sido siempre sin sino sobre solo son soy su sus
    tal tambien tan tanto te tenia tiene tienen toda todas todo todos tras tu tus u un una unas
    uno unos usted ustedes va van vosotros y ya yo
    """
)
_FILLER = _word_set(
    """
    called episode episodes film films flick forget forgot forgotten guess kinda
    know like maybe movie movies name named please recall remember saw season seasons seen series
    show shows somebody someone something sort thing things think title tv watch watched
    acuerdo acuerdas capitulo capitulos creo dibujos episodio episodios filme llama
    llamaba llamada nombre peli pelicula peliculas pelis programa recuerdo sale salia temporada
    serie temporadas titulo trata vi visto
    """
)
# Spanish function words that are English content words ("a father and his son", "a con man"):
# English queries keep them.
_SPANISH_STOP_IN_ENGLISH = frozenset({"con", "era", "hay", "nada", "sin", "solo", "son", "van"})
_STOP_WORDS = {
    "en": _ENGLISH_STOP | _FILLER | (_SPANISH_STOP - _SPANISH_STOP_IN_ENGLISH),
    "es": _ENGLISH_STOP | _FILLER | _SPANISH_STOP,
}

_stemmers = threading.local()  # PyStemmer's stemmers must not be shared between threads


def _stemmer(language: str) -> Stemmer.Stemmer:
    found = getattr(_stemmers, language, None)
    if found is None:
        found = Stemmer.Stemmer(language)
        setattr(_stemmers, language, found)
    return found


def words(text: str) -> list[str]:
    """The lowercase, accent-free words of ``text``; genre names split at their underscores.

    >>> words("Amélie's café, science_fiction")
    ['amelie', 's', 'cafe', 'science', 'fiction']
    """
    return _WORD.findall(fold(text))


def stems(text: str) -> list[str]:
    """The English stems of the words of ``text``, stop words kept (a synopsis is all content).

    >>> stems("Drugs, a drug dealer and his dealings")
    ['drug', 'a', 'drug', 'dealer', 'and', 'his', 'deal']
    """
    return _stemmer("english").stemWords(words(text))


def spanish_stems(text: str) -> list[str]:
    """The Spanish stems of the words of ``text``, stop words kept.

    >>> spanish_stems("Las drogas y la droga")
    ['las', 'drog', 'y', 'la', 'drog']
    """
    return _stemmer("spanish").stemWords(words(text))


def spanish_forms(word: str) -> set[str]:
    """The forms a Spanish word of the lexicon is looked up by: itself and its stems.

    Snowball stems "joven" to "jov" but "jóvenes" to "joven"; keeping the word beside its stem
    lets each find the other.

    >>> sorted(spanish_forms("jóvenes"))
    ['joven', 'jovenes']
    """
    folded = fold(word)
    return {folded, _stemmer("spanish").stemWord(folded)}


class PlotIndex:
    """Score every work against a plot described in English or Spanish.

    Every field is analysed the same way: lowercase, accents dropped, English Snowball stems.
    With ``scorer="bm25"`` each field gets its own BM25 term weights (Lucene's variant, as
    ``bm25s`` computes it), with ``"tfidf"`` its own L2-normalised TF-IDF times the term's IDF
    (the cosine of an IDF-weighted query). A field's average length, which BM25 measures each
    work's against, is that of the works that have the field, as Lucene counts it: the keywords
    only well-known works have are not taken for many times longer than usual. The fields are
    summed by ``weights`` into one sparse term x work matrix, so a query costs one pass over
    the postings of its words.
    BM25 is the default: on the from-memory queries of ``make eval`` it finds more (see
    BENCHMARKS.md), since its saturated term frequency keeps one word repeated in a long
    synopsis from outweighing several words matched once.

    A query drops the function words of both languages and the words people wrap a
    description in, and counts each distinct word once. A Spanish query (``lang="es"``)
    reads each word in the ``lexicon`` (failing that, its Spanish stem): the first English
    word counts fully, the others at ``related_weight``; words the lexicon lacks (names,
    "zombies") are searched as they are. An English query looks up in the lexicon only the
    words the works never use, so a Spanish message taken for English still finds something.
    Each word, or its first translation, also brings its ``synonyms`` at ``related_weight``:
    people say "cop" and "jail" where synopses say "police officer" and "prison".

    Parameters
    ----------
    weights : mapping of field name to weight
        The text fields of the works frame to search and how much each counts.
    lexicon : mapping of Spanish word to English words (space-separated)
    synonyms : mapping of English word to related English words (space-separated)
    related_weight : float
        The weight of a word's other translations and related words; its own is 1.
    scorer : {"bm25", "tfidf"}
    k1, b : float
        BM25's term-frequency saturation and length normalisation.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        The feature of each stem.
    postings_ : scipy.sparse.csr_matrix of shape (n_features, n_works), float32
        The weight of each stem in each work, all fields summed.
    spanish_ : dict of str to tuple of str
        The English stems each form of a lexicon word (see ``spanish_forms``) stands for.
    related_ : dict of str to tuple of int
        The features related to each English stem.

    Examples
    --------
    >>> works = pd.DataFrame({
    ...     "description": ["a chemistry teacher cooks meth", "a boy vanishes in a small town"],
    ...     "keywords": ["walter white, albuquerque", ""],
    ...     "title_display": ["Breaking Bad", "Stranger Things"],
    ...     "genres": ["crime drama", "science_fiction"], "cast_display": ["", ""],
    ...     "director_display": ["", ""]})
    >>> index = PlotIndex(lexicon={"profesor": "teacher", "niño": "boy child"},
    ...                   synonyms={"drugs": "meth"}).fit(works)
    >>> index.scores("the show where a teacher makes drugs").argmax()
    np.int64(0)
    >>> index.scores("la serie del niño que desaparece", lang="es").argmax()
    np.int64(1)
    >>> index.scores("walter white in albuquerque").argmax()
    np.int64(0)
    >>> index.scores("the one with the thing").max()
    np.float32(0.0)
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        lexicon: Mapping[str, str] | None = None,
        synonyms: Mapping[str, str] | None = None,
        related_weight: float = 0.5,
        scorer: str = "bm25",
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self.weights = weights
        self.lexicon = lexicon
        self.synonyms = synonyms
        self.related_weight = related_weight
        self.scorer = scorer
        self.k1 = k1
        self.b = b

    def fit(self, works: pd.DataFrame, y: None = None) -> PlotIndex:
        if self.scorer not in SCORERS:
            raise ValueError(f"scorer must be one of {SCORERS}, not {self.scorer!r}")
        weights = self.weights or DEFAULT_WEIGHTS
        self.vocabulary_: dict[str, int] = {}
        feature_of: dict[str, int] = {}  # each distinct word is stemmed once
        stemmer = _stemmer("english")
        blocks = []
        for field, weight in weights.items():
            docs = [words(text) for text in works[field].fillna("").astype(str)]
            new = sorted({word for doc in docs for word in doc if word not in feature_of})
            for word, stem in zip(new, stemmer.stemWords(new), strict=True):
                feature_of[word] = self.vocabulary_.setdefault(stem, len(self.vocabulary_))
            features = [feature_of[word] for doc in docs for word in doc]
            if features:  # a field empty everywhere adds nothing
                lengths = np.array([len(doc) for doc in docs])
                blocks.append((weight, np.repeat(np.arange(len(docs)), lengths), features))
        shape = (len(works), len(self.vocabulary_))
        postings = sp.csr_matrix(shape[::-1], dtype=np.float32)
        for weight, rows, features in blocks:
            counts = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, features)), shape)
            counts.sum_duplicates()
            block = self._bm25(counts) if self.scorer == "bm25" else self._tfidf(counts)
            postings = postings + sp.csr_matrix(block.T) * np.float32(weight)
        self.postings_ = sp.csr_matrix(postings, dtype=np.float32)
        self.postings_.sort_indices()
        self.spanish_ = self._compile_lexicon(self.lexicon or {})
        self.related_ = self._compile_synonyms(self.synonyms or {})
        return self

    @property
    def n_works(self) -> int:
        return self.postings_.shape[1]

    def _features(self, stems: Iterable[str]) -> np.ndarray:
        """The features of ``stems``, in order; stems not in the vocabulary are left out."""
        vocabulary = self.vocabulary_
        found = [vocabulary[stem] for stem in stems if stem in vocabulary]
        return np.array(found, dtype=np.int64)

    def _bm25(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """BM25 weights of the terms of each work (Lucene's variant, as ``bm25s`` computes it:
        without the constant factor k1 + 1), against the mean length of the works that have
        the field."""
        n_works = counts.shape[0]
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log(1 + (n_works - frequency + 0.5) / (frequency + 0.5))
        rows = np.repeat(np.arange(n_works), np.diff(counts.indptr))
        mean_length = lengths[lengths > 0].mean()  # fit leaves out fields empty everywhere
        norm = self.k1 * (1 - self.b + self.b * lengths[rows] / mean_length)
        weights = counts.copy()
        weights.data = (idf[counts.indices] * counts.data / (norm + counts.data)).astype(np.float32)
        return weights

    def _tfidf(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """L2-normalised TF-IDF of each work (sublinear term frequency, smoothed IDF, as
        scikit-learn's ``TfidfVectorizer``), times the IDF an IDF-weighted query gives it."""
        frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = (np.log((1 + counts.shape[0]) / (1 + frequency)) + 1).astype(np.float32)
        vectors = counts.copy()
        vectors.data = (1 + np.log(vectors.data)) * idf[vectors.indices]
        norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sp.csr_matrix(sp.diags(1 / norms) @ vectors @ sp.diags(idf), dtype=np.float32)

    def _compile_lexicon(self, lexicon: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
        """Each form of each Spanish word (``spanish_forms``), mapped to the stems of its
        English words, the first one first.

        A word's own form wins over another word's stem ("casa" is house, though "casado"
        stems to "cas" too); a stem shared by several words stands for all their meanings.
        """
        exact: dict[str, tuple[str, ...]] = {}
        stemmed: dict[str, dict[str, None]] = {}
        for spanish, english in lexicon.items():
            translations = tuple(dict.fromkeys(stems(english)))
            exact[fold(spanish)] = translations
            for form in spanish_forms(spanish):
                stemmed.setdefault(form, {}).update(dict.fromkeys(translations))
        return {**{form: tuple(found) for form, found in stemmed.items()}, **exact}

    def _compile_synonyms(self, synonyms: Mapping[str, str]) -> dict[str, tuple[int, ...]]:
        """The stem of each English word, mapped to the features of its related words."""
        related: dict[str, dict[int, None]] = {}
        for word, others in synonyms.items():
            for stem in dict.fromkeys(stems(word)):
                found = self._features(stems(others)).tolist()
                related.setdefault(stem, {}).update(dict.fromkeys(found))
        return {stem: tuple(found) for stem, found in related.items() if found}

    def knows(self, word: str) -> bool:
        """Whether ``word`` (one word, folded) is in the text the index searches, or is a
        Spanish word of its lexicon: a word, not a slip of one."""
        stem = _stemmer("english").stemWord(word)
        spanish = _stemmer("spanish").stemWord(word)
        return stem in self.vocabulary_ or word in self.spanish_ or spanish in self.spanish_

    def query_terms(self, text: str, lang: str = "en") -> tuple[np.ndarray, np.ndarray]:
        """The features a query searches and the weight of each; see the class docstring."""
        stop = _STOP_WORDS.get(lang, _STOP_WORDS["en"])
        wanted = dict.fromkeys(
            word for word in words(text[:MAX_QUERY_CHARS]) if len(word) > 1 and word not in stop
        )
        english, spanish = _stemmer("english"), _stemmer("spanish")
        weights: dict[int, float] = {}
        for word in list(wanted)[:MAX_QUERY_TERMS]:
            stem = english.stemWord(word)
            translated = self.spanish_.get(word) or self.spanish_.get(spanish.stemWord(word), ())
            known = stem in self.vocabulary_ or stem in self.related_
            meaning, *others = translated if translated and (lang == "es" or not known) else [stem]
            # The word itself counts fully, its other translations and related words less; a
            # feature several words bring counts once, at the largest of their weights.
            found = [(self.vocabulary_.get(meaning), 1.0)]
            found += [(self.vocabulary_.get(other), self.related_weight) for other in others]
            found += [(feature, self.related_weight) for feature in self.related_.get(meaning, ())]
            for feature, weight in found:
                if feature is not None and weights.get(feature, 0.0) < weight:
                    weights[feature] = weight
        features = np.fromiter(weights, dtype=np.int64, count=len(weights))
        return features, np.fromiter(weights.values(), dtype=np.float32, count=len(weights))

    def scores(self, text: str, lang: str = "en") -> np.ndarray:
        """How well each work fits the plot described in ``text``: shape (n_works,), float32,
        0 for works that share no word with it. ``lang`` is ``"en"`` or ``"es"``."""
        return accumulate(self.postings_, *self.query_terms(text, lang), self.n_works)
