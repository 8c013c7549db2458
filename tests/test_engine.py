"""``Engine`` (recommender/engine.py): one built version loaded from disk, matching and
recommending across platforms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from etl.build import build
from recommender.catalogue import QueryError
from recommender.engine import (
    REASON_THEMES,
    ArtifactMissing,
    Availability,
    Engine,
    EngineHolder,
    Match,
    Reason,
    Recommendation,
)
from recommender.model import split_names
from recommender.themes import Theme

if TYPE_CHECKING:
    from tests.conftest import BuiltData

WorkIdOf = Callable[[str, int], str]


def test_load_reads_the_current_version(engine: Engine, built: BuiltData) -> None:
    assert engine.version == built.report.version
    assert (built.processed_dir / "CURRENT").read_text().strip() == engine.version
    assert engine.registry.names == ["amazon", "disney", "hulu", "netflix"]
    assert len(engine.catalogue) == 28
    assert len(engine.works) == 27


@pytest.mark.parametrize("current", [None, "", "0123456789abcdef\n"])
def test_load_without_a_complete_version_raises(tmp_path: Path, current: str | None) -> None:
    if current is not None:
        (tmp_path / "CURRENT").write_text(current)
    with pytest.raises(ArtifactMissing, match="run 'streambot etl' first"):
        Engine.load(tmp_path)


def test_load_a_named_version(built: BuiltData) -> None:
    assert Engine.load(built.processed_dir, built.report.version).version == built.report.version
    with pytest.raises(ArtifactMissing, match="no complete version '20000101T000000Z-0"):
        Engine.load(built.processed_dir, "20000101T000000Z-0123456789ab")


def lazy_tables(instance: object) -> set[str]:
    """The names of the ``cached_property`` tables ``instance`` has not worked out yet."""
    return {
        name
        for name, attribute in vars(type(instance)).items()
        if isinstance(attribute, cached_property) and name not in vars(instance)
    }


def test_prepare_works_out_every_table_built_on_first_use(built: BuiltData) -> None:
    engine = build(built.raw_dir).engine()
    assert lazy_tables(engine.catalogue) and lazy_tables(engine)
    longest = engine.catalogue.longest(2014)
    assert engine.prepare() is engine
    assert lazy_tables(engine) == lazy_tables(engine.catalogue) == set()
    assert engine.catalogue.longest(2014) == longest


def test_a_loaded_engine_comes_prepared(engine: Engine) -> None:
    """Its version holds it as the build prepared it: nothing is left to work out."""
    assert lazy_tables(engine) == lazy_tables(engine.catalogue) == set()


# -- matching ------------------------------------------------------------------------------------
def test_match_returns_the_work_with_all_its_platforms(
    engine: Engine, work_id_of: WorkIdOf
) -> None:
    matches = engine.match("toy stroy")
    assert matches[0] == Match(
        id="ds1",
        work_id=work_id_of("Toy Story", 1995),
        title="Toy Story",
        year=1995,
        type="movie",
        platforms=["disney", "hulu"],
        confidence=matches[0].confidence,
    )
    assert 0.85 < matches[0].confidence < 1
    assert matches[1].title == "Toy Story 2"


def test_match_by_record_id_keeps_that_record(engine: Engine, work_id_of: WorkIdOf) -> None:
    [match] = engine.match("HS1")
    assert (match.id, match.work_id, match.confidence) == ("hs1", work_id_of("Toy Story", 1995), 1)
    assert match.platforms == ["disney", "hulu"]


@pytest.mark.parametrize("text", ["", "¿?", "qxzj"])
def test_match_nothing(engine: Engine, text: str) -> None:
    assert engine.match(text) == []


def test_work_of_and_work_row(engine: Engine, work_id_of: WorkIdOf) -> None:
    toy_story = work_id_of("Toy Story", 1995)
    assert engine.work_of(" HS1 ") == engine.work_of("ds1") == toy_story
    assert engine.work_of("as5") is None  # quarantined
    assert engine.works["work_id"].iat[engine.work_row(toy_story)] == toy_story
    assert engine.work_row("wdoesnotexist") is None


@pytest.mark.parametrize("work_id", ["", "w", "wzzzzzzzzzzzz", "W" + "0" * 12, "ns1"])
def test_an_id_that_is_no_work_finds_nothing(engine: Engine, work_id: str) -> None:
    known = engine.works["work_id"].iat[0]
    assert engine.work_row(work_id) is None
    assert engine.details(work_id) is None
    assert engine.where(work_id) == []
    assert engine.similar(work_id) == []
    assert engine.why(work_id, known) is None


def test_where_lists_exactly_the_records_of_each_work(
    engine: Engine, records: pd.DataFrame
) -> None:
    for work_id, ids in zip(engine.works["work_id"], engine.works["ids"], strict=True):
        found = [availability.id for availability in engine.where(work_id)]
        assert sorted(found) == sorted(ids.split())
        assert {records.at[record, "work_id"] for record in found} == {work_id}


def test_details(engine: Engine, work_id_of: WorkIdOf) -> None:
    details = engine.details(work_id_of("Toy Story", 1995))
    assert asdict(details) == {
        "id": "ds1",
        "work_id": work_id_of("Toy Story", 1995),
        "title": "Toy Story",
        "year": 1995,
        "type": "movie",
        "platforms": ["disney", "hulu"],
        "ids": ["ds1", "hs1"],
        "score": 8.3,
        "rating": "G",
        "duration_int": 83,
        "duration_type": "min",
        "genres": ["Action-Adventure", "Animation", "Comedy", "Family", "Kids"],
        "genre_words": ["action", "adventure", "animation", "comedy", "family", "kids"],
        "directors": ["John Lasseter"],
        "cast": ["Tom Hanks", "Tim Allen", "Don Rickles"],
        "country": ["United States"],
        "description": "A cowboy doll feels threatened when a new spaceman toy arrives in the "
        "bedroom.",
    }
    assert engine.details("wdoesnotexist") is None


def test_details_of_a_sparse_record(engine: Engine, work_id_of: WorkIdOf) -> None:
    details = engine.details(work_id_of("Good Morning America", 1975))
    assert details.score is None
    assert (details.rating, details.duration_int, details.duration_type) == (
        "G",
        1,
        "season",
    )
    assert (details.directors, details.cast) == ([], [])


# -- recommendations -----------------------------------------------------------------------------
def test_recommend_never_returns_the_work_or_its_copies(
    engine: Engine, work_id_of: WorkIdOf
) -> None:
    result = engine.recommend("toy story", k=30)
    assert result.match.work_id == work_id_of("Toy Story", 1995)
    work_ids = [item.work_id for item in result.results]
    assert work_id_of("Toy Story", 1995) not in work_ids
    assert not {"ds1", "hs1"} & {item.id for item in result.results}
    assert len(work_ids) == len(set(work_ids))
    assert result.results[0].title == "Toy Story 2"


@pytest.mark.parametrize("text", ["toy story", "breaking bad", "amelie", "as6"])
def test_recommendations_share_something_with_the_work(engine: Engine, text: str) -> None:
    """A work with nothing in common (similarity 0) is no recommendation, and its reason,
    "similar story", would be untrue."""
    result = engine.recommend(text, k=30)
    assert result.match is not None
    assert result.results
    assert all(item.similarity > 0 for item in result.results), [
        (item.title, item.similarity, item.reason.describe())
        for item in result.results
        if item.similarity <= 0
    ]


def test_copies_of_a_work_are_one_result_listing_every_platform(
    engine: Engine, work_id_of: WorkIdOf
) -> None:
    result = engine.recommend("toy story 2", k=26)
    toy_story = [item for item in result.results if item.title == "Toy Story"]
    assert len(toy_story) == 1
    assert toy_story[0].work_id == work_id_of("Toy Story", 1995)
    assert toy_story[0].platforms == ["disney", "hulu"]
    assert toy_story[0].score == 8.3
    assert result.results[0] == toy_story[0]  # the original of the sequel comes first


def test_reason_names_what_the_works_share(engine: Engine) -> None:
    first = engine.recommend("toy story 2").results[0]
    assert first.reason == Reason(
        genres=["action", "adventure", "animation"],
        directors=["John Lasseter"],
        cast=["Tom Hanks", "Tim Allen"],
        themes=[Theme("cowboys", "vaqueros"), Theme("toys", "juguetes")],
    )
    assert first.reason.describe() == (
        "director: John Lasseter; cast: Tom Hanks, Tim Allen; genres: action, adventure, "
        "animation; themes: cowboys, toys"
    )


def test_reason_can_be_cast_alone(engine: Engine) -> None:
    office = next(item for item in engine.recommend("jack ryan", k=26).results if item.year == 2005)
    assert office.title == "The Office"
    assert office.reason.describe() == "cast: John Krasinski"


def test_reason_without_anything_shared() -> None:
    assert Reason().describe() == "similar story"


@pytest.mark.parametrize(
    ("platform", "platform_name", "first"),
    [
        ("netflix", "netflix", ("The Office", 2005)),
        ("prime", "amazon", ("Black Ice Run", 2014)),
        ("Disney Plus", "disney", ("Toy Story", 1995)),
        ("hulu", "hulu", ("Toy Story", 1995)),  # the shared work is on Hulu too
    ],
)
def test_platform_filter(
    engine: Engine, platform: str, platform_name: str, first: tuple[str, int]
) -> None:
    results = engine.recommend("toy story 2", k=30, platform=platform).results
    assert (results[0].title, results[0].year) == first
    assert all(platform_name in item.platforms for item in results)


@pytest.mark.parametrize(
    ("item_type", "expected", "first"),
    [("tv", "tv show", "Star Wars: The Clone Wars"), ("movie", "movie", "Toy Story 2")],
)
def test_type_filter(engine: Engine, item_type: str, expected: str, first: str) -> None:
    results = engine.recommend("toy story", k=30, item_type=item_type).results
    assert results[0].title == first
    assert {item.type for item in results} == {expected}


def test_platform_and_type_filters_together(engine: Engine) -> None:
    results = engine.recommend("toy story", k=30, platform="disney", item_type="tv").results
    assert [item.title for item in results] == ["Star Wars: The Clone Wars", "The Mandalorian"]


def test_offset_returns_the_next_results(engine: Engine, work_id_of: WorkIdOf) -> None:
    work_id = work_id_of("Toy Story 2", 1999)
    first = engine.similar(work_id, k=4)
    second = engine.similar(work_id, k=4, offset=4)
    # Lamp Life, an 11-minute short, ranks below the features (recommender.variety).
    assert [item.title for item in first] == [
        "Toy Story",
        "Black Ice Run",
        "Star Wars: The Clone Wars",
        "Family Guy",
    ]
    assert not {item.work_id for item in first} & {item.work_id for item in second}
    assert first + second == engine.similar(work_id, k=8)
    assert engine.recommend("toy story 2", k=4, offset=4).results == second


def test_paging_through_everything_shows_each_result_once(
    engine: Engine, work_id_of: WorkIdOf
) -> None:
    work_id = work_id_of("Toy Story 2", 1999)
    everything = [item.work_id for item in engine.similar(work_id, k=100)]
    paged = [
        item.work_id
        for offset in range(0, len(everything), 5)
        for item in engine.similar(work_id, k=5, offset=offset)
    ]
    assert paged == everything


def test_recommend_without_a_match(engine: Engine) -> None:
    result = engine.recommend("qxzj")
    assert (result.match, result.results, result.candidates) == (None, [], [])
    assert result.to_dict() == {"query": "qxzj", "match": None, "results": []}
    assert result.confident is False


def test_recommendations_to_dict(engine: Engine) -> None:
    data = engine.recommend("toy story 2", k=2).to_dict()
    assert list(data) == ["query", "match", "results"]
    assert data["match"]["title"] == "Toy Story 2"
    match_keys = ["id", "work_id", "title", "year", "type", "platforms", "confidence"]
    assert list(data["match"]) == match_keys
    result_keys = ["id", "work_id", "title", "year", "type", "platforms", "similarity"]
    expected = [*result_keys, "score", "reason", "versions"]
    assert [list(item) for item in data["results"]] == [expected] * 2
    assert data["results"][0]["reason"].startswith("director: John Lasseter")


def test_confident_match(engine: Engine) -> None:
    assert engine.recommend("breaking bad").confident is True
    assert engine.recommend("office").confident is False  # two works called The Office


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"platform": "hbo"}, "unknown platform 'hbo'; choose one of: amazon, disney, hulu"),
        ({"item_type": "film"}, "unknown type 'film'; choose one of: movie, tv"),
    ],
)
def test_bad_filters_raise_query_error(engine: Engine, kwargs: dict, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        engine.recommend("toy story", **kwargs)


def test_similar_of_an_unknown_work_is_empty(engine: Engine) -> None:
    assert engine.similar("wdoesnotexist") == []


def test_engine_holder_swaps(engine: Engine) -> None:
    holder = EngineHolder(engine)
    assert holder.engine is engine
    other = Engine(
        engine.registry,
        engine.catalogue.records,
        engine.works,
        engine.model,
        engine.matcher,
        "other",
        plot=engine.plot,
        themes=engine.themes,
    )
    assert holder.swap(other) is engine
    assert holder.engine is other


def engine_with_disney_row(raw_dir: Path, row: str) -> Engine:
    """The engine built from the fixtures plus one more Disney+ row (a raw CSV line)."""
    disney = raw_dir / "catalogues" / "disney_plus_titles.csv"
    with disney.open("a", encoding="utf-8", newline="") as file:
        file.write(row + "\n")
    return build(raw_dir).engine()


def test_other_language_versions_are_never_recommended_for_each_other(raw_dir: Path) -> None:
    engine = engine_with_disney_row(
        raw_dir,
        's900,Movie,Toy Story (in Spanish),John Lasseter,"Tom Hanks, Tim Allen",'
        'United States,"November 12, 2019",1995,G,83 min,"Animation, Comedy",'
        "A cowboy doll feels threatened when a new spaceman toy arrives.",
    )
    spanish = engine.match("toy story (in spanish)")[0]
    original = engine.match("toy story")[0]
    assert (original.title, spanish.title) == ("Toy Story", "Toy Story (in Spanish)")
    everything = engine.similar(original.work_id, k=50)
    assert spanish.work_id not in {item.work_id for item in everything}
    assert original.work_id not in {item.work_id for item in engine.similar(spanish.work_id, 50)}
    pages = engine.similar(original.work_id, 3) + engine.similar(original.work_id, 3, offset=3)
    assert pages == everything[:6]
    # The matcher does not ask "which one?" between a film and its dubbed copy.
    assert engine.recommend("toy story").confident


def test_where_lists_every_platform_record_with_its_date(engine: Engine) -> None:
    work_id = engine.match("toy story")[0].work_id
    assert engine.where(work_id) == [
        Availability("disney", "ds1", "Toy Story", "2019-11-12"),
        Availability("hulu", "hs1", "Toy Story", "2021-10-01"),
    ]
    assert engine.where("wdoesnotexist") == []


def test_why_splits_the_similarity_into_shared_terms(engine: Engine) -> None:
    first, second = engine.work_of("ds1"), engine.work_of("ds2")
    explanation = engine.why(first, second, top=50)
    assert explanation is not None
    assert explanation.reason.directors == ["John Lasseter"]
    assert ("director", "john lasseter") in [(t.field, t.term) for t in explanation.terms]
    # Every shared term is counted, so together they make the whole similarity.
    assert sum(term.share for term in explanation.terms) == pytest.approx(
        explanation.similarity, abs=1e-3
    )
    ranked = [item.similarity for item in engine.similar(first, k=50) if item.work_id == second]
    assert ranked == [pytest.approx(explanation.similarity, abs=1e-3)]
    assert engine.why(first, "wdoesnotexist") is None


def test_several_platforms_keep_works_on_any_of_them(engine: Engine) -> None:
    work_id = engine.work_of("ds1")
    both = engine.similar(work_id, k=100, platform={"netflix", "hulu"})
    assert both
    assert all({"netflix", "hulu"} & set(item.platforms) for item in both)
    singles = [engine.similar(work_id, k=100, platform=name) for name in ("netflix", "hulu")]
    assert {item.work_id for item in both} == {item.work_id for page in singles for item in page}


# -- replies read from column arrays, against the same built from pandas rows --------------------
def reference_reason(engine: Engine, query_row: int, row: int) -> Reason:
    """Why ``row`` is like ``query_row``, read from two full pandas rows of the works table."""
    query, work = engine.works.iloc[query_row], engine.works.iloc[row]

    def names(text: object) -> list[str]:
        return [] if pd.isna(text) else split_names(str(text))

    def shared(column: str, limit: int) -> list[str]:
        theirs = {name.lower() for name in names(work[column])}
        return [name for name in names(query[column]) if name.lower() in theirs][:limit]

    work_genres = set(str(work["genres"] or "").split())
    genres = [g.replace("_", " ") for g in str(query["genres"] or "").split() if g in work_genres]
    theirs = engine.themes.of_work(row)
    themes = [theme for theme in engine.themes.of_work(query_row) if theme in theirs]
    return Reason(
        genres=genres[:3],
        directors=shared("director_display", 2),
        cast=shared("cast_display", 3),
        themes=engine.themes.unsaid(themes, genres[:3], REASON_THEMES),
    )


def reference_recommendation(
    engine: Engine, query_row: int, row: int, similarity: float
) -> Recommendation:
    work = engine.works.iloc[row]
    return Recommendation(
        id=str(work["id"]),
        work_id=str(work["work_id"]),
        title=str(work["title_display"]),
        year=int(work["release_year"]),
        type=str(work["type"]),
        platforms=work["platforms"].split(),
        similarity=round(similarity, 4),
        score=None if pd.isna(work["score"]) else float(work["score"]),
        reason=reference_reason(engine, query_row, row),
    )


def test_similar_reads_what_the_works_table_holds(engine: Engine) -> None:
    everything, compared = len(engine.works), 0
    for query_row, work_id in enumerate(engine.works["work_id"]):
        # The fixtures hold no language versions, so the engine serves the model's works,
        # in its own order (recommender.variety).
        rows, similarities = engine.model.similar(query_row, k=everything)
        expected = {
            recommendation.work_id: recommendation
            for row, similarity in zip(rows, similarities, strict=True)
            for recommendation in [
                reference_recommendation(engine, query_row, int(row), float(similarity))
            ]
        }
        served = engine.similar(work_id, k=everything)
        assert sorted(item.work_id for item in served) == sorted(expected)
        assert served == [expected[item.work_id] for item in served]
        compared += len(expected)
    assert compared > 200


def test_why_gives_the_reason_recommendations_give(engine: Engine) -> None:
    work_ids = engine.works["work_id"].tolist()
    for first, first_id in enumerate(work_ids):
        for second, second_id in enumerate(work_ids):
            explanation = engine.why(first_id, second_id)
            assert explanation is not None
            assert explanation.reason == reference_reason(engine, first, second)


def test_match_reads_what_the_works_table_holds(engine: Engine) -> None:
    for query in ["toy stroy", "the office", "ns1", "hs1", "star wars", "amelie"]:
        candidates = engine.matcher.match(query)
        assert candidates
        expected = [
            Match(
                id=candidate.record_id or str(engine.works["id"].iat[candidate.work]),
                work_id=str(engine.works["work_id"].iat[candidate.work]),
                title=str(engine.works["title_display"].iat[candidate.work]),
                year=int(engine.works["release_year"].iat[candidate.work]),
                type=str(engine.works["type"].iat[candidate.work]),
                platforms=engine.works["platforms"].iat[candidate.work].split(),
                confidence=candidate.confidence,
            )
            for candidate in candidates
        ]
        assert engine.match(query) == expected


def test_a_reason_names_people_in_the_asked_works_order(raw_dir: Path) -> None:
    engine = engine_with_disney_row(
        raw_dir,
        's901,Movie,Toy Story Toons,Angus MacLane,"Don Rickles, Tim Allen, Tom Hanks",'
        'United States,"November 12, 2019",2011,G,7 min,"Animation, Comedy",'
        "A cowboy doll and a spaceman toy at a fast-food restaurant.",
    )
    toons, original = engine.work_of("ds901"), engine.work_of("ds1")
    assert toons is not None and original is not None
    reasons = {
        item.work_id: item.reason.cast for item in engine.similar(toons, k=len(engine.works))
    }
    assert reasons[original] == ["Don Rickles", "Tim Allen", "Tom Hanks"]
    reasons = {
        item.work_id: item.reason.cast for item in engine.similar(original, k=len(engine.works))
    }
    assert reasons[toons] == ["Tom Hanks", "Tim Allen", "Don Rickles"]


@pytest.mark.parametrize("text", ["toy stroy", "the office", "ns1", "x" * 300, "zzqx"])
def test_kept_matches_are_the_matchers_at_every_limit(engine: Engine, text: str) -> None:
    """A text asked about again gets the same candidates, cut to the limit asked for."""
    fresh = [candidate.work for candidate in engine.matcher.match(text, 30)]
    for limit in (1, 5, 20, 30):
        assert [engine.work_row(m.work_id) for m in engine.match(text, limit)] == fresh[:limit]
        assert [engine.work_row(m.work_id) for m in engine.match(text, limit)] == fresh[:limit]
