"""``ContentModel``: TF-IDF over a weighted text of each work, cosine similarity by sparse dot."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.dtypes import StringDType


def split_names(text: str) -> list[str]:
    """Tokenise a comma-separated list of people, keeping each full name as one token."""
    return [name.strip() for name in text.split(",") if name.strip()]


def split_words(text: str) -> list[str]:
    """Tokenise space-separated canonical genre words."""
    return text.split()


def l2_normalize(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale every row of a sparse matrix to unit length (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)


# Past this many postings scipy's product wins (slicing costs little beside the sums, and
# np.add.at is slower per posting): at 1M titles a common trigram alone has ~100k.
SPARSE_PRODUCT_FROM = 100_000


def accumulate(
    postings: sp.csr_matrix, terms: np.ndarray, weights: np.ndarray, size: int
) -> np.ndarray:
    """Dot product of a sparse query (``terms``, ``weights``) with every row behind
    ``postings`` (features x rows), touching only the rows that share a term.

    Each row sums its terms' float32 products in ``terms`` order, as scipy's sparse product
    does, but without the cost of slicing a sparse matrix (a few tenths of a ms a query).
    """
    scores = np.zeros(size, dtype=np.float32)
    if len(terms) == 0:
        return scores
    starts, ends = postings.indptr[terms], postings.indptr[terms + 1]
    if int((ends - starts).sum()) > SPARSE_PRODUCT_FROM:
        return np.asarray(postings[terms].T @ weights.astype(np.float32), dtype=np.float32)
    spans = [slice(start, end) for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]
    rows = np.concatenate([postings.indices[span] for span in spans])
    values = np.concatenate([postings.data[span] for span in spans])
    np.add.at(scores, rows, values * np.repeat(weights.astype(np.float32), ends - starts))
    return scores


def top_rows(scores: np.ndarray, count: int) -> np.ndarray:
    """The rows of the ``count`` highest positive ``scores``, in no particular order.

    Rows tied at the cut are the ones ``np.argpartition`` keeps, as the matcher always kept.
    """
    count = min(count, len(scores))
    if count <= 0:
        return np.array([], dtype=np.int64)
    top = np.argpartition(-scores, count - 1)[:count]
    return top[scores[top] > 0]


class SharedTerm(NamedTuple):
    """One term two works share, and how much of their similarity it makes."""

    field: str
    term: str
    share: float


DEFAULT_WEIGHTS = {"title": 3.0, "genres": 2.0, "description": 1.0, "director": 1.0, "cast": 1.0}


class ContentModel:
    """Content-based similarity between works.

    Each field gets its own TF-IDF block, L2-normalised and scaled by the square root of its
    share of the total weight, so the dot product of two rows is the weighted mean of their
    per-field cosine similarities: 1 for two works alike in every field, and never above.
    Rows are deliberately not normalised again: a work that lacks a field (no cast, no
    description) scores 0 on it instead of having its other fields inflated, which made
    sparse works such as "9-1-1" (genre "Drama" and little else) look like every drama.
    No N x N matrix is ever built.

    Parameters
    ----------
    weights : mapping of field name to weight
        Which text fields of the works frame to use and how much each counts.

    Attributes
    ----------
    fields_ : dict of field name to number of features
        The fields that had any text, in block order.
    vectors_ : scipy.sparse.csr_matrix of shape (n_works, n_features)
        One row per work, of norm at most 1 (exactly 1 when it has text in every field).
    postings_ : scipy.sparse.csr_matrix of shape (n_features, n_works)
        ``vectors_`` transposed, so a query touches only the works sharing its terms.
    terms_ : numpy.ndarray of ``StringDType``, shape (n_features,)
        The term behind each feature, for explaining a similarity. A pickled model holds
        them packed, and makes this array on first use only (``term`` reads one).

    Examples
    --------
    >>> works = pd.DataFrame({"title": ["toy story", "toy story 2", "heat"],
    ...                       "genres": ["animation kids", "animation kids", "crime"],
    ...                       "description": ["", "", ""], "director": ["", "", ""],
    ...                       "cast": ["tom hanks", "tom hanks", "al pacino"]})
    >>> model = ContentModel().fit(works)
    >>> model.similar(0, k=1)[0].tolist()
    [1]
    >>> [(term.field, term.term) for term in model.shared_terms(0, 1, top=6)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('title', 'story'), ('title', 'toy'), ('title', 'toy story'),
     ('genres', 'animation'), ('genres', 'kids'), ('cast', 'tom hanks')]
    """

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = weights

    def fit(self, works: pd.DataFrame, y: None = None) -> ContentModel:
        # scikit-learn is imported here, not at the top: serving only loads fitted vectors,
        # so a running bot need not pay scikit-learn's memory and import time.
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizers = {
            "title": TfidfVectorizer(
                ngram_range=(1, 2), strip_accents="unicode", sublinear_tf=True
            ),
            "genres": TfidfVectorizer(tokenizer=split_words, token_pattern=None, lowercase=False),
            "description": TfidfVectorizer(
                stop_words="english",
                strip_accents="unicode",
                sublinear_tf=True,
                min_df=2,
                max_df=0.5,
            ),
            "director": TfidfVectorizer(tokenizer=split_names, token_pattern=None, lowercase=False),
            "cast": TfidfVectorizer(tokenizer=split_names, token_pattern=None, lowercase=False),
        }
        blocks = []
        terms = []
        self.fields_ = {}
        weights = self.weights or DEFAULT_WEIGHTS
        total = sum(weights.values())
        for field, weight in weights.items():
            text = works[field].fillna("").astype(str)
            try:
                block = vectorizers[field].fit_transform(text)
            except ValueError:  # the field is empty everywhere: it adds nothing
                continue
            self.fields_[field] = block.shape[1]
            terms.append(vectorizers[field].get_feature_names_out())
            blocks.append(l2_normalize(block) * np.float32(np.sqrt(weight / total)))
        if not blocks:
            raise ValueError("no text to build the model from")
        self.vectors_ = sp.csr_matrix(sp.hstack(blocks, format="csr"), dtype=np.float32)
        self.postings_ = self.vectors_.T.tocsr()
        # Variable-width strings held by numpy, not Python objects (100k of them, each with
        # its own header), nor a fixed-width unicode array, where one 1,000-character cast
        # entry would make every term that wide.
        self.terms_ = np.concatenate(terms).astype(StringDType())
        return self

    @property
    def n_works(self) -> int:
        return self.vectors_.shape[0]

    @property
    def n_features(self) -> int:
        return self.vectors_.shape[1]

    def __getstate__(self) -> dict[str, object]:
        """The model as a version holds it: its terms as one array of their UTF-8 bytes and
        where each starts (``_packed_terms``), which loads without a string made per term, a
        second at a million titles."""
        state = dict(vars(self))
        if "terms_" in state:
            encoded = [term.encode() for term in state.pop("terms_").tolist()]
            starts = np.zeros(len(encoded) + 1, dtype=np.int64)
            np.cumsum([len(term) for term in encoded], out=starts[1:])
            state["_packed_terms"] = (np.frombuffer(b"".join(encoded), dtype=np.uint8), starts)
        return state

    def __getattr__(self, name: str) -> object:
        # Only for an attribute never set: ``terms_`` of a model unpickled, made on first use.
        packed = vars(self).get("_packed_terms")
        if name != "terms_" or packed is None:
            raise AttributeError(name)
        text, starts = packed[0].tobytes(), packed[1].tolist()
        terms = [text[start:end].decode() for start, end in itertools.pairwise(starts)]
        self.terms_ = np.array(terms, dtype=StringDType())
        return self.terms_

    def term(self, feature: int) -> str:
        """The term behind ``feature``."""
        packed = vars(self).get("_packed_terms")
        if packed is None:
            return str(self.terms_[feature])
        text, starts = packed
        return text[starts[feature] : starts[feature + 1]].tobytes().decode()

    def row(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The features and weights of work ``index``, as views (no sparse row object)."""
        start, end = self.vectors_.indptr[index], self.vectors_.indptr[index + 1]
        return self.vectors_.indices[start:end], self.vectors_.data[start:end]

    def similarities(self, index: int) -> np.ndarray:
        """Cosine similarity of work ``index`` to every work, as a dense 1-D array."""
        return accumulate(self.postings_, *self.row(index), self.n_works)

    def dot(self, first: int, second: int) -> float:
        """The similarity of works ``first`` and ``second``: the dot product of their rows."""
        (terms_a, weights_a), (terms_b, weights_b) = self.row(first), self.row(second)
        _, in_a, in_b = np.intersect1d(terms_a, terms_b, assume_unique=True, return_indices=True)
        return float(np.dot(weights_a[in_a], weights_b[in_b]))

    def shared_terms(
        self, first: int, second: int, top: int = 5, field: str | None = None
    ) -> list[SharedTerm]:
        """The terms that make works ``first`` and ``second`` alike, biggest share first;
        with ``field``, only those of that field among the ``top``.

        Their shares add up to the two works' similarity.
        """
        (terms_a, weights_a), (terms_b, weights_b) = self.row(first), self.row(second)
        # A row's features are unique, which spares intersect1d a sort.
        common, in_a, in_b = np.intersect1d(
            terms_a, terms_b, assume_unique=True, return_indices=True
        )
        shares = weights_a[in_a] * weights_b[in_b]
        order = np.lexsort((common, -shares))[:top]
        features, shares = common[order], shares[order]
        field_ends = list(itertools.accumulate(self.fields_.values()))
        fields = np.searchsorted(field_ends, features, side="right")
        names = list(self.fields_)
        if field is not None:
            # Only the terms asked for are read: each costs a new string.
            kept = fields == (names.index(field) if field in names else -1)
            fields, features, shares = fields[kept], features[kept], shares[kept]
        return [
            SharedTerm(names[block], self.term(feature), share)
            for block, feature, share in zip(
                fields.tolist(), features.tolist(), shares.tolist(), strict=True
            )
        ]

    def similar(
        self, index: int, k: int = 5, mask: np.ndarray | None = None, offset: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` works most similar to work ``index``, best first, skipping ``offset``.

        ``mask`` (boolean, one per work) keeps only the works where it is true. The query
        work itself, and works that share nothing with it, are never returned. Ties are
        ordered by row, so pages never overlap.
        """
        scores = self.similarities(index)
        scores[index] = 0.0
        if mask is not None:
            scores *= mask  # one pass, with no boolean index as ``scores[~mask] = 0`` needs
        wanted = min(k + offset, int(np.count_nonzero(scores > 0)))
        if wanted <= offset:
            return np.array([], dtype=np.int64), np.array([], dtype=np.float32)
        # The cut-off score of the first ``wanted``; every work tied with it stays in the
        # running, so which of several tied works lands on which page never depends on chance.
        cutoff = -np.partition(-scores, wanted - 1)[wanted - 1]
        top = np.flatnonzero(scores >= cutoff)
        top = top[np.lexsort((top, -scores[top]))][offset : offset + k]
        return top, scores[top]
