"""Content similarity (recommender/model.py): sparse, normalised, and ranked correctly."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommender import model as model_module
from recommender.engine import Engine
from recommender.model import (
    ContentModel,
    SharedTerm,
    accumulate,
    l2_normalize,
    split_names,
    split_words,
    top_rows,
)

EMPTY = ["", "", ""]


@pytest.fixture(scope="module")
def model(engine: Engine) -> ContentModel:
    return engine.model


def dense_similarities(model: ContentModel) -> np.ndarray:
    """The N x N cosine matrix, built here only to check the sparse path on 27 works."""
    return (model.vectors_ @ model.vectors_.T).toarray()


def test_vectors_are_sparse_and_unit_length(model: ContentModel, engine: Engine) -> None:
    assert sp.issparse(model.vectors_)
    assert model.n_works == len(engine.works) == 27
    norms = np.sqrt(np.asarray(model.vectors_.multiply(model.vectors_).sum(axis=1)).ravel())
    # A work with text in every field has norm 1; one missing fields has less, never more.
    assert (norms <= 1.0 + 1e-5).all()
    assert np.isclose(norms.max(), 1.0, atol=1e-5)
    assert (norms < 0.999).any()
    assert list(model.fields_) == ["title", "genres", "description", "director", "cast"]


def test_similarities_are_sparse_dot_products(model: ContentModel) -> None:
    dense = dense_similarities(model)
    for row in range(model.n_works):
        assert np.allclose(model.similarities(row), dense[row], atol=1e-5)
    assert np.allclose(dense, dense.T, atol=1e-5)
    assert (np.diag(dense) <= 1.0 + 1e-5).all()


@pytest.mark.parametrize("k", [1, 5, 26, 100])
def test_similar_is_the_top_k_without_the_work_itself(model: ContentModel, k: int) -> None:
    dense = dense_similarities(model)
    for row in range(model.n_works):
        rows, scores = model.similar(row, k=k)
        assert row not in rows
        related = np.count_nonzero(np.delete(dense[row], row) > 1e-6)
        assert len(rows) == min(k, related)
        assert (scores > 0).all()
        assert np.allclose(scores, dense[row, rows], atol=1e-5)
        assert list(scores) == sorted(scores, reverse=True)
        others = np.delete(dense[row], row)
        if len(rows):
            assert scores[-1] >= np.sort(others)[::-1][len(rows) - 1] - 1e-5


def test_sequel_is_most_similar(model: ContentModel, engine: Engine) -> None:
    works = engine.works
    toy_story = int(np.flatnonzero(works["title_display"] == "Toy Story")[0])
    rows, scores = model.similar(toy_story, k=1)
    assert works["title_display"].iat[int(rows[0])] == "Toy Story 2"
    assert scores[0] > 0.5


def test_mask_keeps_only_allowed_works(model: ContentModel) -> None:
    mask = np.zeros(model.n_works, dtype=bool)
    mask[[3, 4, 22]] = True
    rows, _ = model.similar(3, k=10, mask=mask)
    dense = dense_similarities(model)
    assert sorted(rows.tolist()) == [r for r in (4, 22) if dense[3, r] > 1e-6]
    assert rows.size > 0


def test_offset_beyond_the_end_is_empty(model: ContentModel) -> None:
    rows, scores = model.similar(0, k=5, offset=26)
    assert rows.size == 0
    assert scores.size == 0


@pytest.mark.parametrize("page_size", [3, 5])
def test_pages_follow_the_full_ranking(model: ContentModel, page_size: int) -> None:
    """Page ``n`` (``offset=n*k``) must be the ``n``-th slice of one ranking, so paging through
    shows every other work exactly once, even where similarities tie (here, at 0)."""
    for row in range(model.n_works):
        full, _ = model.similar(row, k=model.n_works)
        pages = [
            model.similar(row, k=page_size, offset=offset)[0].tolist()
            for offset in range(0, model.n_works, page_size)
        ]
        assert [work for page in pages for work in page] == full.tolist(), f"work {row}"


def test_fit_skips_fields_without_text() -> None:
    works = pd.DataFrame(
        {
            "title": ["toy story", "toy story 2", "heat"],
            "genres": ["animation kids", "animation kids", "crime"],
            "description": EMPTY,
            "director": EMPTY,
            "cast": ["tom hanks, tim allen", "tom hanks", "al pacino"],
        }
    )
    model = ContentModel().fit(works)
    assert list(model.fields_) == ["title", "genres", "cast"]
    assert model.fields_["cast"] == 3  # whole names: "tom hanks", "tim allen", "al pacino"
    assert model.similar(0, k=1)[0].tolist() == [1]


def test_weights_choose_the_fields() -> None:
    works = pd.DataFrame({"cast": ["al pacino", "tom hanks", "al pacino, robert de niro"]})
    model = ContentModel(weights={"cast": 1.0}).fit(works)
    assert list(model.fields_) == ["cast"]
    rows, scores = model.similar(0, k=2)
    assert rows.tolist() == [2]  # tom hanks shares nothing with al pacino: never padding
    assert scores[0] > 0


def test_fit_without_any_text_raises() -> None:
    works = pd.DataFrame({field: EMPTY for field in ("title", "genres", "description")})
    works["director"] = EMPTY
    works["cast"] = EMPTY
    with pytest.raises(ValueError, match="no text to build the model from"):
        ContentModel().fit(works)


def test_helpers() -> None:
    assert split_names("Tom Hanks,  Tim Allen ,") == ["Tom Hanks", "Tim Allen"]
    assert split_words("action  adventure") == ["action", "adventure"]
    normalised = l2_normalize(sp.csr_matrix([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(normalised.toarray(), [[0.6, 0.8], [0.0, 0.0]])
    postings = sp.csr_matrix([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])  # 2 features x 3 rows
    scores = accumulate(postings, np.array([0, 1]), np.array([0.5, 1.0]), 3)
    assert np.allclose(scores, [0.5, 3.0, 1.0])


def test_the_terms_cost_what_their_text_costs() -> None:
    works = pd.DataFrame(
        {
            "title": ["a", "b"],
            "genres": ["drama", "drama"],
            "description": ["", ""],
            "director": ["", ""],
            "cast": ["x" * 1000, "y"],
        }
    )
    model = ContentModel().fit(works)
    assert "x" * 1000 in set(model.terms_)
    # A fixed-width array would hold every term at the longest one's width.
    assert len(pickle.dumps(model.terms_)) < 4 * 1000 * len(model.terms_)
    assert len(pickle.dumps(model)) < 4 * 1000 * len(model.terms_)


def test_a_pickled_model_reads_its_terms_packed_and_unpacks_them_on_first_use() -> None:
    works = pd.DataFrame(
        {
            "title": ["café crème", "heat"],
            "genres": ["drama", "crime"],
            "description": ["", ""],
            "director": ["", ""],
            "cast": ["zoë kravitz", "al pacino"],
        }
    )
    model = ContentModel().fit(works)
    loaded = pickle.loads(pickle.dumps(model))
    assert "terms_" not in vars(loaded)
    assert [loaded.term(feature) for feature in range(loaded.n_features)] == model.terms_.tolist()
    assert loaded.shared_terms(0, 0, top=20) == model.shared_terms(0, 0, top=20)
    assert "terms_" not in vars(loaded)  # explaining read only the terms it names
    np.testing.assert_array_equal(loaded.terms_, model.terms_, strict=True)
    assert pickle.loads(pickle.dumps(loaded)).terms_.tolist() == model.terms_.tolist()
    with pytest.raises(AttributeError):
        loaded.vocabulary_  # noqa: B018


# -- the fast paths against the plain computations they replace ---------------------------------
def scipy_accumulate(
    postings: sp.csr_matrix, terms: np.ndarray, weights: np.ndarray, size: int
) -> np.ndarray:
    """The sparse product ``accumulate`` must reproduce bit for bit."""
    if len(terms) == 0:
        return np.zeros(size, dtype=np.float32)
    return np.asarray(postings[terms].T @ weights.astype(np.float32), dtype=np.float32)


def reference_similar(
    model: ContentModel, index: int, k: int, mask: np.ndarray | None, offset: int
) -> tuple[list[int], list[float]]:
    """``ContentModel.similar`` through scipy's product and masked assignment."""
    scores = scipy_accumulate(model.postings_, *model.row(index), model.n_works)
    scores[index] = 0.0
    if mask is not None:
        scores[~mask] = 0.0
    wanted = min(k + offset, int(np.count_nonzero(scores > 0)))
    if wanted <= offset:
        return [], []
    cutoff = -np.partition(-scores, wanted - 1)[wanted - 1]
    top = np.flatnonzero(scores >= cutoff)
    top = top[np.lexsort((top, -scores[top]))][offset : offset + k]
    return top.tolist(), scores[top].tolist()


def reference_shared_terms(model: ContentModel, first: int, second: int, top: int) -> list:
    """``ContentModel.shared_terms`` one term at a time."""
    (terms_a, weights_a), (terms_b, weights_b) = model.row(first), model.row(second)
    common, in_a, in_b = np.intersect1d(terms_a, terms_b, assume_unique=True, return_indices=True)
    shares = weights_a[in_a] * weights_b[in_b]
    bounds = np.cumsum(list(model.fields_.values()))
    fields = list(model.fields_)
    return [
        SharedTerm(
            fields[int(np.searchsorted(bounds, common[i], side="right"))],
            str(model.terms_[common[i]]),
            float(shares[i]),
        )
        for i in np.lexsort((common, -shares))[:top]
    ]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("sparse_from", [0, 10**9], ids=["scipy", "add.at"])
def test_accumulate_adds_up_like_the_sparse_product(
    seed: int, sparse_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_module, "SPARSE_PRODUCT_FROM", sparse_from)
    # Many terms per row, of very different sizes, so summing in another order than the
    # query's terms would round differently somewhere.
    rng = np.random.default_rng(seed)
    postings = sp.random(300, 400, density=0.2, format="csr", dtype=np.float32, random_state=rng)
    postings.data *= rng.choice([1e-3, 1.0, 1e3], size=postings.nnz).astype(np.float32)
    for size in (0, 1, 7, 60, 300):
        terms = rng.permutation(300)[:size]
        weights = rng.random(size).astype(np.float32) * 10
        expected = scipy_accumulate(postings, terms, weights, 400)
        scores = accumulate(postings, terms, weights, 400)
        assert scores.dtype == np.float32
        assert scores.tobytes() == expected.tobytes(), f"{size} terms"


@pytest.mark.parametrize("seed", range(5))
def test_top_rows_keeps_the_rows_argpartition_kept(seed: int) -> None:
    # Few distinct values: ties at the cut, and rows scoring 0, everywhere.
    rng = np.random.default_rng(seed)
    for size, count in [(200, 40), (200, 5), (30, 40), (50, 50), (10, 0), (0, 3)]:
        scores = rng.integers(0, 4, size=size).astype(np.float32)
        wanted = min(count, int(np.count_nonzero(scores)))
        expected = np.argpartition(-scores, wanted - 1)[:wanted] if wanted else []
        assert sorted(top_rows(scores, count).tolist()) == sorted(expected), (size, count)


def test_similar_matches_the_plain_computation(model: ContentModel) -> None:
    rng = np.random.default_rng(0)
    for row in range(model.n_works):
        for mask in (None, rng.random(model.n_works) < 0.5):
            for k, offset in [(5, 0), (3, 2), (model.n_works, 0)]:
                rows, scores = model.similar(row, k=k, mask=mask, offset=offset)
                expected = reference_similar(model, row, k, mask, offset)
                assert (rows.tolist(), scores.tolist()) == expected, (row, k, offset)


def test_shared_terms_match_the_term_by_term_computation(model: ContentModel) -> None:
    for first in range(model.n_works):
        for second in range(model.n_works):
            for top in (5, 20, model.n_features):
                expected = reference_shared_terms(model, first, second, top)
                assert model.shared_terms(first, second, top=top) == expected
                for field in [*model.fields_, "nothing"]:
                    kept = [term for term in expected if term.field == field]
                    assert model.shared_terms(first, second, top=top, field=field) == kept
