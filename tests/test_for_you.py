"""``Engine.for_you``: what a chat may like from its liked and saved works, away from those it
disliked; on the fixtures with a franchise, its shorts and language versions added
(``tests/fixtures/franchise``)."""

from __future__ import annotations

import pytest

from recommender.discovery import FRANCHISE_CAP, MAX_LIKED, Slots, franchise_key
from recommender.engine import DISLIKED_PUSH, Engine, Recommendation

EVERYTHING = 100
TOY_STORY_SHORTS = {"Toy Story of Terror!", "Toy Story Toons: Small Fry", "Lamp Life"}


def work_of(engine: Engine, title: str) -> str:
    (found,) = engine.works.loc[engine.works["title_display"] == title, "work_id"]
    return str(found)


def works_of(engine: Engine, *titles: str) -> list[str]:
    return [work_of(engine, title) for title in titles]


def titles(results: list[Recommendation]) -> list[str]:
    return [item.title for item in results]


def shown(results: list[Recommendation]) -> set[str]:
    """The titles of ``results`` and of the versions each lists."""
    return {item.title for item in results} | {
        f"{item.title} ({tag})" for item in results for tag in item.versions
    }


@pytest.fixture(scope="module")
def toy_story_fan(franchise_engine: Engine) -> list[Recommendation]:
    return franchise_engine.for_you(
        works_of(franchise_engine, "Toy Story", "Toy Story 2"), k=EVERYTHING
    )


def test_liked_disliked_and_excluded_works_never_appear_nor_their_versions(
    franchise_engine: Engine,
) -> None:
    engine = franchise_engine
    everything = shown(engine.for_you(works_of(engine, "Toy Story"), k=EVERYTHING))
    assert {"Coco", "Coco (in Spanish)", "Shrek 2", "Shrek 2 (en Español)"} <= everything
    found = engine.for_you(
        works_of(engine, "Toy Story", "Coco (in Spanish)"),
        works_of(engine, "Shrek 2"),
        k=EVERYTHING,
        exclude=works_of(engine, "Toy Story 4"),
    )
    left_out = {"Toy Story", "Coco", "Coco (in Spanish)", "Shrek 2", "Shrek 2 (en Español)"}
    assert not (left_out | {"Toy Story 4"}) & shown(found)
    assert "Toy Story 3" in titles(found)


def test_a_version_is_one_result_listing_the_others(toy_story_fan: list[Recommendation]) -> None:
    versions = {item.title: item.versions for item in toy_story_fan}
    assert (versions["Coco"], versions["Shrek 2"]) == (["in Spanish"], ["en Español"])
    assert not {"Coco (in Spanish)", "Shrek 2 (en Español)"} & set(versions)


def test_a_reason_names_the_liked_works_the_result_is_most_like(
    toy_story_fan: list[Recommendation],
) -> None:
    first = toy_story_fan[0]
    assert first.title in {"Toy Story 3", "Toy Story 4"}
    assert sorted(first.reason.liked) == ["Toy Story", "Toy Story 2"]
    assert first.reason.describe().startswith("because you liked Toy Story")
    assert " and Toy Story" in first.reason.describe()
    assert "Tom Hanks" in first.reason.cast
    assert all(item.reason.liked for item in toy_story_fan)


def test_a_second_liked_work_is_named_only_when_nearly_as_alike(franchise_engine: Engine) -> None:
    engine = franchise_engine
    found = engine.for_you(works_of(engine, "Breaking Bad", "Toy Story 2"), k=EVERYTHING)
    by_title = {item.title: item.reason.liked for item in found}
    assert by_title["Toy Story 3"] == ["Toy Story 2"]
    assert by_title["Silent Night"] == ["Breaking Bad"]


def test_only_works_that_share_something_with_the_liked_ones(
    franchise_engine: Engine, toy_story_fan: list[Recommendation]
) -> None:
    assert all(item.similarity > 0 for item in toy_story_fan)
    assert not {"Breaking Bad", "Stranger Things", "Good Morning America"} & set(
        titles(toy_story_fan)
    )
    # Discovery lists them all, those sharing nothing at the end.
    liked = works_of(franchise_engine, "Toy Story", "Toy Story 2")
    found = franchise_engine.discover(Slots(like=tuple(liked)), k=EVERYTHING)
    assert found.total == len(franchise_engine.works) - 2 - 2  # less two versions
    assert min(item.similarity for item in found.results) == 0


def test_shorts_come_below_the_features(toy_story_fan: list[Recommendation]) -> None:
    order = titles(toy_story_fan)
    shorts = [order.index(title) for title in TOY_STORY_SHORTS]
    features = [
        position
        for position, item in enumerate(toy_story_fan)
        if item.type == "movie" and item.title not in TOY_STORY_SHORTS
    ]
    assert max(features) < min(shorts)
    # By score alone, two of the shorts came second and third.
    by_score = sorted(toy_story_fan, key=lambda item: -item.similarity)
    assert {by_score[1].title, by_score[2].title} & TOY_STORY_SHORTS


def test_a_liked_short_keeps_the_shorts_in_their_place(franchise_engine: Engine) -> None:
    engine = franchise_engine
    found = titles(engine.for_you(works_of(engine, "Toy Story of Terror!"), k=EVERYTHING))
    assert found.index("Lamp Life") < found.index("Family Guy") < found.index("Coco")


@pytest.mark.parametrize("size", [2, 3, 5])
def test_no_franchise_fills_a_page(franchise_engine: Engine, size: int) -> None:
    engine = franchise_engine
    liked = works_of(engine, "Toy Story", "Star Wars Rebels")
    page = engine.for_you(liked, k=size)
    keys = [franchise_key(item.title) for item in page]
    assert max(keys.count(key) for key in keys) <= FRANCHISE_CAP


@pytest.mark.parametrize("size", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("mine", [(), ("disney",)])
def test_pages_of_one_size_show_each_work_once(
    franchise_engine: Engine, size: int, mine: tuple[str, ...]
) -> None:
    engine = franchise_engine
    liked, disliked = works_of(engine, "Toy Story", "Coco"), works_of(engine, "Shrek 2")
    everything = engine.for_you(liked, disliked, k=EVERYTHING, mine=mine)
    paged = [
        item.work_id
        for offset in range(0, len(everything) + size, size)
        for item in engine.for_you(liked, disliked, k=size, offset=offset, mine=mine)
    ]
    assert sorted(paged) == sorted(item.work_id for item in everything)
    # The first page is the best of the order, whatever the size.
    assert engine.for_you(liked, disliked, k=size, mine=mine)[0] == everything[0]


def test_mine_keeps_the_chat_s_platforms(franchise_engine: Engine) -> None:
    engine = franchise_engine
    liked = works_of(engine, "The Mandalorian")
    on_hulu = engine.for_you(liked, k=EVERYTHING, mine=("hulu",))
    assert on_hulu and all("hulu" in item.platforms for item in on_hulu)
    everywhere = engine.for_you(liked, k=EVERYTHING)
    assert {platform for item in everywhere for platform in item.platforms} > {"hulu"}
    for narrowing_nothing in [("amazon", "disney", "hulu", "netflix"), ("hbo",)]:
        assert engine.for_you(liked, k=EVERYTHING, mine=narrowing_nothing) == everywhere


def test_disliked_works_push_their_like_down(franchise_engine: Engine) -> None:
    engine = franchise_engine
    liked, disliked = works_of(engine, "Breaking Bad"), works_of(engine, "Silent Night")
    before = titles(engine.for_you(liked, k=EVERYTHING, exclude=disliked))
    after = engine.for_you(liked, disliked, k=EVERYTHING)
    # Heat and Jack Ryan share Silent Night's genres, Mood Indigo and Toy Story 3 fewer.
    assert before.index("Heat") < before.index("Mood Indigo")
    assert max(item.similarity for item in after) < 0.6
    # With no push, the disliked work is only left out.
    assert titles(engine.for_you(liked, disliked, k=EVERYTHING, push=0.0)) == before
    assert DISLIKED_PUSH > 0
    pushed = {item.title: item.similarity for item in after}
    unpushed = {item.title: item.similarity for item in engine.for_you(liked, k=EVERYTHING)}
    assert unpushed["Heat"] - pushed["Heat"] > unpushed["Mood Indigo"] - pushed["Mood Indigo"]


def test_a_single_title_word_in_common_is_no_reason(franchise_engine: Engine) -> None:
    engine = franchise_engine
    liked = works_of(engine, "Silent Night")
    # Night Train, a news film, shares only the word "night" with Silent Night: discovery's
    # liked titles count it, "for you" does not.
    shared = engine.why(liked[0], work_of(engine, "Night Train"))
    assert shared is not None and [(term.field, term.term) for term in shared.terms] == [
        ("title", "night")
    ]
    found = engine.discover(Slots(like=tuple(liked)), k=EVERYTHING).results
    assert next(item.similarity for item in found if item.title == "Night Train") > 0
    assert "Night Train" not in titles(engine.for_you(liked, k=EVERYTHING))


@pytest.mark.parametrize(
    "liked",
    [
        ("Breaking Bad", "Toy Story 2"),
        ("Toy Story 2", "Breaking Bad"),
        ("Mood Indigo", "Toy Story"),
    ],
)
def test_each_liked_work_has_a_work_like_it_on_the_first_page(
    franchise_engine: Engine, liked: tuple[str, ...]
) -> None:
    engine = franchise_engine
    page = engine.for_you(works_of(engine, *liked), k=len(liked))
    for title in liked:
        like_it = titles(engine.similar(work_of(engine, title), k=5))
        assert set(titles(page)) & set(like_it), title
    assert {item.reason.liked[0] for item in page} == set(liked)


def test_the_liked_works_take_turns_down_the_list(franchise_engine: Engine) -> None:
    engine = franchise_engine
    # Toy Story has many more works like it than Mood Indigo: they came two to one.
    page = engine.for_you(works_of(engine, "Toy Story", "Mood Indigo"), k=4)
    leads = [item.reason.liked[0] for item in page]
    assert leads == ["Toy Story", "Mood Indigo"] * 2


def test_only_the_newest_liked_works_count(engine: Engine) -> None:
    every = engine.works["work_id"].tolist()
    oldest, newest = every[0], every[1 : 1 + MAX_LIKED]
    assert engine.for_you([oldest, *newest], k=EVERYTHING) == engine.for_you(
        newest, k=EVERYTHING, exclude=[oldest]
    )


def test_only_the_newest_disliked_works_count(engine: Engine) -> None:
    every = engine.works["work_id"].tolist()
    liked, oldest, newest = every[:1], every[1], every[2 : 2 + MAX_LIKED]
    assert engine.for_you(liked, [oldest, *newest], k=EVERYTHING) == engine.for_you(
        liked, newest, k=EVERYTHING, exclude=[oldest]
    )
    assert engine.for_you(liked, newest, k=EVERYTHING) != engine.for_you(
        liked, newest[1:], k=EVERYTHING, exclude=newest[:1]
    )


@pytest.mark.parametrize(
    ("liked", "k", "offset"),
    [((), 5, 0), (("wnope", ""), 5, 0), (None, 0, 0), (None, -3, 0), (None, 5, 10**9)],
)
def test_nothing_to_go_on_gives_nothing(
    engine: Engine, liked: tuple[str, ...] | None, k: int, offset: int
) -> None:
    known = [str(engine.works["work_id"].iloc[0])] if liked is None else list(liked)
    assert engine.for_you(known, k=k, offset=offset) == []


def test_hostile_bounds(engine: Engine) -> None:
    liked = engine.works["work_id"].tolist()[:3]
    assert len(engine.for_you(liked, k=10**9)) == len(engine.for_you(liked, k=EVERYTHING)) > 5
    assert engine.for_you(liked, k=5, offset=-3) == engine.for_you(liked, k=5)
