"""Plot search (recommender/plot.py): plots told from memory, in English and Spanish, find their
work; hostile text finds nothing, fast; the word tables and query sets fit the real catalogue."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.build import BuildResult, build
from etl.lexicon import (
    LEXICON_FILE,
    SYNONYMS_FILE,
    WORK_TYPES,
    load_keywords,
    load_lexicon,
    load_synonyms,
)
from recommender.engine import Engine
from recommender.evaluation import load_plot_queries
from recommender.plot import PlotIndex, stems, words
from recommender.text import fold

ROOT = Path(__file__).resolve().parent.parent
REAL_RAW = ROOT / "data" / "raw"
QUERIES = ROOT / "scripts" / "queries"
# Spanish words of the lexicon that are also one of their English words.
COGNATES = {"china", "final", "real", "suspense", "terror"}
HOSTILE_BUDGET_SECONDS = 0.05
# The draw behind the fresh plot sets (scripts/queries/README.md), in the order drawn.
FRESH_SEED, FRESH_SIZES = 13, {"en": 80, "es": 50}


@pytest.fixture(scope="module")
def real_works(real_build: BuildResult) -> pd.DataFrame:
    return real_build.works


@pytest.fixture(scope="module")
def real_vocabulary(real_works: pd.DataFrame) -> dict[str, int]:
    return PlotIndex().fit(real_works).vocabulary_


def top(engine: Engine, text: str, lang: str = "en") -> str:
    scores = engine.plot.scores(text, lang)
    assert scores.max() > 0, text
    return str(engine.works["title_display"].iloc[int(scores.argmax())])


# -- finding works ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("the show where a chemistry teacher makes drugs", "Breaking Bad"),
        ("that movie about a hitman who just got out of jail", "Silent Night"),
        ("the one where a kid disappears in a small town", "Stranger Things"),
        ("the film with the cowboy toy and the spaceman", "Toy Story"),
        ("a cop chasing a gang of robbers in LA", "Heat"),
        ("series starring bryan cranston", "Breaking Bad"),
    ],
)
def test_a_plot_told_from_memory_finds_its_work(engine: Engine, text: str, title: str) -> None:
    assert top(engine, text) == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("la serie del profesor de química que fabrica droga", "Breaking Bad"),
        ("una peli donde un niño desaparece en un pueblo", "Stranger Things"),
        ("una camarera tímida en parís", "Amélie"),
        ("el sicario que sale de la cárcel", "Silent Night"),
        ("la serie del profesor de quimica que fabrica drogas", "Breaking Bad"),
    ],
)
def test_spanish_words_find_english_synopses_through_the_lexicon(
    engine: Engine, text: str, title: str
) -> None:
    assert top(engine, text, "es") == title


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("the show with baby yoda", "en"),
        ("grogu and din djarin", "en"),
        ("la serie del bebé yoda", "es"),
    ],
)
def test_a_keyword_finds_its_work(engine: Engine, text: str, lang: str) -> None:
    # Only the keywords of the fixture's The Mandalorian name Baby Yoda.
    assert top(engine, text, lang) == "The Mandalorian"


def test_a_spanish_message_taken_for_english_still_finds_its_work(engine: Engine) -> None:
    assert top(engine, "el profesor de química", "en") == "Breaking Bad"


def test_english_words_are_searched_as_english_in_an_english_query() -> None:
    # "son" and "con" are Spanish function words, but English content words.
    works = pd.DataFrame({"description": ["a father and his son", "a con man"]})
    index = PlotIndex(weights={"description": 1.0}).fit(works)
    assert index.scores("the one with a son", "en").argmax() == 0
    assert index.scores("the con artist", "en").argmax() == 1
    assert not index.scores("son los que van con", "es").any()


def test_stems_match_every_form_of_a_word(engine: Engine) -> None:
    assert stems("drugs drug vanished vanishes") == ["drug", "drug", "vanish", "vanish"]
    index = engine.plot
    np.testing.assert_array_equal(
        index.scores("a teacher making drugs"), index.scores("teachers make a drug")
    )


def test_scores_are_one_float32_per_work_in_the_engine_order(engine: Engine, work_id_of) -> None:
    scores = engine.plot.scores("chemistry teacher")
    assert scores.dtype == np.float32
    assert scores.shape == (len(engine.works),)
    assert engine.works["work_id"].iloc[int(scores.argmax())] == work_id_of("Breaking Bad", 2013)
    assert sp.issparse(engine.plot.postings_)


def test_related_words_count_less_than_the_word_itself(engine: Engine) -> None:
    """ "jail" finds the synopsis that says "prison", below one that would say "jail"."""
    features, weights = engine.plot.query_terms("jail", "en")
    by_feature = dict(zip(features.tolist(), weights.tolist(), strict=True))
    assert by_feature[engine.plot.vocabulary_["prison"]] == engine.plot.related_weight < 1


def test_bm25_weights_are_bm25s_lucene_weights(engine: Engine) -> None:
    bm25s = pytest.importorskip("bm25s")
    works = build(Path(__file__).parent / "fixtures" / "raw").works
    index = PlotIndex(weights={"description": 1.0}).fit(works)
    docs = [[index.vocabulary_[stem] for stem in stems(text)] for text in works["description"]]
    reference = bm25s.BM25(k1=index.k1, b=index.b, method="lucene").build_index_from_ids(
        unique_token_ids=list(range(len(index.vocabulary_))),
        corpus_token_ids=docs,
        show_progress=False,
    )
    # bm25s keeps (works x terms) in CSC: the same arrays are our (terms x works) postings.
    expected = sp.csr_matrix(
        (reference["data"], reference["indices"], reference["indptr"]),
        shape=index.postings_.shape,
    )
    np.testing.assert_allclose(index.postings_.toarray(), expected.toarray(), rtol=1e-5)


def test_the_tfidf_scorer_ranks_the_same_fields(engine: Engine) -> None:
    works = build(Path(__file__).parent / "fixtures" / "raw").works
    index = PlotIndex(scorer="tfidf").fit(works)
    scores = index.scores("the show where a chemistry teacher makes drugs")
    assert works["title_display"].iloc[int(scores.argmax())] == "Breaking Bad"
    with pytest.raises(ValueError, match="scorer"):
        PlotIndex(scorer="cosine").fit(works)


# -- hostile text -------------------------------------------------------------------------------
HOSTILE = {
    "4,096 letters": "a" * 4096,
    "4,096 words": "drugs " * 683,
    "emoji": "🎬🍿😱" * 1365,
    "only stop words": "the show where a movie about the one with " * 90,
    "only Spanish stop words": "la serie de una peli donde el que " * 120,
    "mixed scripts": "忍者 ниндзя نينجا ninja 🥷 " * 160,
    "punctuation": "?!.,;:()[]{}'\"" * 292,
    "digits": "1234567890 " * 372,
    "empty": "",
}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_is_answered_fast_and_never_raises(
    engine: Engine, text: str, lang: str
) -> None:
    engine.plot.scores(text, lang)  # warm-up: the stemmers of this thread
    started = time.perf_counter()
    scores = engine.plot.scores(text, lang)
    assert time.perf_counter() - started < HOSTILE_BUDGET_SECONDS
    assert scores.shape == (len(engine.works),)
    assert np.isfinite(scores).all()


@pytest.mark.parametrize(
    "text", [HOSTILE["emoji"], HOSTILE["only stop words"], HOSTILE["only Spanish stop words"]]
)
def test_text_without_content_words_finds_nothing(engine: Engine, text: str) -> None:
    assert not engine.plot.scores(text, "en").any()
    assert not engine.plot.scores(text, "es").any()


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=4096), lang=st.sampled_from(["en", "es", "", "xx"]))
def test_any_text_gets_scores(engine: Engine, text: str, lang: str) -> None:
    scores = engine.plot.scores(text, lang)
    assert scores.shape == (len(engine.works),)
    assert (scores >= 0).all()


# -- the word tables ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", [LEXICON_FILE, SYNONYMS_FILE])
def test_the_fixture_word_tables_are_the_real_ones(fixture_raw: Path, name: str) -> None:
    assert (fixture_raw / name).read_bytes() == (REAL_RAW / name).read_bytes()


@pytest.mark.parametrize("load", [load_lexicon, load_synonyms])
def test_every_english_word_of_the_tables_is_one_the_synopses_use(
    real_vocabulary: dict[str, int], load: Callable[[Path], dict[str, str]]
) -> None:
    missing = {
        word: english
        for word, english in load(REAL_RAW).items()
        if any(stem not in real_vocabulary for stem in stems(english))
    }
    assert missing == {}


def test_the_lexicon_is_lowercase_spanish_with_each_word_once() -> None:
    lexicon = load_lexicon(REAL_RAW)
    assert len(lexicon) >= 500
    assert len({fold(spanish) for spanish in lexicon}) == len(lexicon)
    for spanish, english in lexicon.items():
        assert spanish == spanish.lower() and english == english.lower()
        assert words(spanish) == [fold(spanish)], spanish
        if spanish not in COGNATES:
            assert fold(spanish) not in english.split(), (spanish, english)
    assert {spanish for spanish, english in lexicon.items() if spanish in english.split()} == (
        COGNATES
    )


def test_the_lexicon_covers_the_plot_words_people_use() -> None:
    lexicon = load_lexicon(REAL_RAW)
    for spanish, english in [
        ("profesor", "teacher"),
        ("química", "chemistry"),
        ("droga", "drug"),
        ("drogas", "drugs"),
        ("asesino", "killer"),
        ("robo", "robbery"),
        ("atraco", "heist"),
        ("niño", "boy"),
        ("desaparece", "vanishes"),
    ]:
        assert english in lexicon[spanish].split()


def test_synonyms_do_not_list_their_own_word() -> None:
    for word, related in load_synonyms(REAL_RAW).items():
        assert word not in related.split(), word


# -- the keywords of well-known works ----------------------------------------------------------
def test_every_keywords_row_names_exactly_one_real_work(real_build: BuildResult) -> None:
    rows = load_keywords(REAL_RAW)
    assert len(rows) >= 400
    assert real_build.report.keywords_skipped == []
    assert real_build.report.keywords == len(rows)
    works = real_build.works.set_index(["title_display", "release_year", "type"])
    for row in rows:
        assert works.loc[(row.title, row.year, row.type), "keywords"] == row.keywords


def test_each_work_has_10_to_30_lowercase_keywords() -> None:
    for row in load_keywords(REAL_RAW):
        keywords = [keyword.strip() for keyword in row.keywords.split(",")]
        assert 10 <= len(keywords) <= 30, row.title
        assert len(set(keywords)) == len(keywords), row.title
        assert all(keyword and keyword == keyword.lower() for keyword in keywords), row.title
        assert row.type in WORK_TYPES


@pytest.mark.parametrize(
    ("text", "lang", "title", "year"),
    [
        (
            "the documentary with joe exotic and carole baskin",
            "en",
            "Tiger King: Murder, Mayhem and Madness",
            2020,
        ),
        (
            "el documental de joe exotic y carole baskin",
            "es",
            "Tiger King: Murder, Mayhem and Madness",
            2020,
        ),
        ("walter white and jesse pinkman", "en", "Breaking Bad", 2013),
        ("carl, russell and dug the talking dog", "en", "Up", 2009),
        ("la de sully y mike wazowski", "es", "Monsters, Inc.", 2001),
    ],
)
def test_keywords_find_well_known_real_works(
    real_build: BuildResult, text: str, lang: str, title: str, year: int
) -> None:
    """Facts the catalogue's synopsis, title and cast never state: only the keywords hold them."""
    works = real_build.works
    scores = real_build.plot.scores(text, lang)
    (row,) = np.flatnonzero((works["title_display"] == title) & (works["release_year"] == year))
    assert scores[row] > 0 and np.count_nonzero(scores > scores[row]) < 10


# -- the query sets of make eval ---------------------------------------------------------------
@pytest.mark.parametrize(("lang", "least"), [("en", 60), ("es", 40)])
def test_each_plot_query_names_exactly_one_real_work(
    real_works: pd.DataFrame, lang: str, least: int
) -> None:
    queries = load_plot_queries(QUERIES / f"plot_{lang}.csv", lang, real_works)
    assert len(queries) >= least
    assert len({query.query for query in queries}) == len(queries)
    assert {query.split for query in queries} == {"tune", "holdout"}
    held_out = sum(query.split == "holdout" for query in queries)
    assert held_out >= 0.3 * len(queries)


def test_the_fresh_plot_sets_are_the_seeded_draw_from_the_pool(real_works: pd.DataFrame) -> None:
    """The rule of scripts/queries/README.md: English, then Spanish, drawn by one generator."""
    pool = pd.read_csv(QUERIES / "plot_fresh_pool.csv", dtype={"title": str, "year": int})
    rng = random.Random(FRESH_SEED)
    works = sorted(zip(pool["title"].tolist(), pool["year"].tolist(), strict=True))
    for lang, size in FRESH_SIZES.items():
        path = QUERIES / f"plot_{lang}_fresh.csv"
        table = pd.read_csv(path, dtype={"title": str, "year": int})
        drawn = list(zip(table["title"].tolist(), table["year"].tolist(), strict=True))
        assert drawn == rng.sample(works, size)
        queries = load_plot_queries(path, lang, real_works)
        assert len({query.query for query in queries}) == size
        assert {query.split for query in queries} == {"holdout"}


def test_a_query_naming_no_work_or_several_is_refused(
    real_works: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "plot_en.csv"
    path.write_text("query,title,year,split\nsomething,No Such Title,1900,tune\n")
    with pytest.raises(ValueError, match=r"line 2: No Such Title \(1900\) is 0 works"):
        load_plot_queries(path, "en", real_works)
