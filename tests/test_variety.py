"""Variety in "works like X" (recommender/variety.py, ``Engine.similar``), on the fixtures with
a franchise, its shorts and language versions added (``tests/fixtures/franchise``)."""

from __future__ import annotations

import pytest

from recommender.discovery import Slots, franchise_key
from recommender.engine import Engine
from recommender.variety import FIRST_PAGE, FRANCHISE_FIRST_PAGE

TOY_STORY_FEATURES = {"Toy Story", "Toy Story 2", "Toy Story 3", "Toy Story 4"}
TOY_STORY_SHORTS = {"Toy Story of Terror!", "Toy Story Toons: Small Fry"}


def work_of(engine: Engine, title: str) -> str:
    (found,) = engine.works.loc[engine.works["title_display"] == title, "work_id"]
    return str(found)


def titles(engine: Engine, title: str, **kwargs) -> list[str]:
    return [item.title for item in engine.similar(work_of(engine, title), **kwargs)]


@pytest.mark.parametrize("title", sorted(TOY_STORY_FEATURES))
def test_the_first_page_holds_at_most_three_of_the_franchise(
    franchise_engine: Engine, title: str
) -> None:
    everything = titles(franchise_engine, title, k=100)
    first = everything[:FIRST_PAGE]
    assert sum(franchise_key(other) == "toy story" for other in first) == FRANCHISE_FIRST_PAGE
    # The rest of the franchise follows on the next pages, none lost.
    assert TOY_STORY_FEATURES - {title} <= set(everything)
    assert set(everything) >= TOY_STORY_SHORTS


def test_the_franchise_held_back_comes_right_after_the_first_page(
    franchise_engine: Engine,
) -> None:
    everything = titles(franchise_engine, "Toy Story 2", k=100)
    assert everything[:3] == ["Toy Story", "Toy Story 4", "Toy Story 3"]
    assert not TOY_STORY_SHORTS & set(everything[:FIRST_PAGE])


def test_shorts_rank_below_the_features(franchise_engine: Engine) -> None:
    everything = franchise_engine.similar(work_of(franchise_engine, "Toy Story"), k=100)
    shorts = [
        position
        for position, item in enumerate(everything)
        if item.title in {*TOY_STORY_SHORTS, "Lamp Life"}
    ]
    features = [
        position
        for position, item in enumerate(everything)
        if item.type == "movie" and item.title not in {*TOY_STORY_SHORTS, "Lamp Life"}
    ]
    assert len(shorts) == 3
    assert max(features) < min(shorts)
    # Ranked by similarity alone, the shorts came before Coco, a feature.
    assert min(shorts) > everything.index(next(item for item in everything if item.title == "Coco"))


def test_a_series_of_shorts_ranks_below_the_series(franchise_engine: Engine) -> None:
    everything = titles(franchise_engine, "Star Wars: The Clone Wars", k=100)
    # Ranked by similarity alone, "Star Wars Rebels (Shorts)" came first.
    assert everything[:3] == [
        "The Mandalorian",
        "LEGO Star Wars Terrifying Tales",
        "Star Wars Rebels",
    ]
    assert everything.index("Star Wars Rebels (Shorts)") > everything.index("Coco")


def test_a_short_asked_about_keeps_the_shorts_in_their_place(franchise_engine: Engine) -> None:
    everything = titles(franchise_engine, "Toy Story of Terror!", k=100)
    assert everything.index("Toy Story Toons: Small Fry") < everything.index("Coco")
    assert everything.index("Lamp Life") < FIRST_PAGE


def test_a_language_version_is_listed_under_its_work(franchise_engine: Engine) -> None:
    engine = franchise_engine
    for query in ("Toy Story", "Toy Story 2", "Lamp Life"):
        everything = engine.similar(work_of(engine, query), k=100)
        shown = [item.title for item in everything]
        assert "Shrek 2 (en Español)" not in shown and "Coco (in Spanish)" not in shown
        (shrek,) = [item for item in everything if item.title == "Shrek 2"]
        (coco,) = [item for item in everything if item.title == "Coco"]
        assert (shrek.versions, coco.versions) == (["en Español"], ["in Spanish"])
        assert shrek.platforms == ["hulu"]
    others = [item for item in engine.similar(work_of(engine, "Toy Story"), k=100)]
    assert all(item.versions == [] for item in others if item.title not in {"Shrek 2", "Coco"})


def test_a_version_is_never_recommended_for_its_work_nor_the_other_way(
    franchise_engine: Engine,
) -> None:
    assert "Coco" not in titles(franchise_engine, "Coco (in Spanish)", k=100)
    assert "Coco (in Spanish)" not in titles(franchise_engine, "Coco", k=100)
    assert "Shrek 2" not in titles(franchise_engine, "Shrek 2 (en Español)", k=100)


def test_a_version_stands_for_its_work_where_a_filter_keeps_only_it(
    franchise_engine: Engine,
) -> None:
    # The original, a movie, is filtered out with the rest of the movies; nothing is left of
    # the work, so nothing stands for it.
    assert "Shrek 2 (en Español)" not in titles(
        franchise_engine, "Toy Story", k=100, item_type="tv"
    )
    with_platform = franchise_engine.similar(
        work_of(franchise_engine, "Toy Story"), k=100, platform="hulu"
    )
    (shrek,) = [item for item in with_platform if item.title.startswith("Shrek 2")]
    assert (shrek.title, shrek.versions) == ("Shrek 2", ["en Español"])


@pytest.mark.parametrize("title", ["Toy Story", "Toy Story 2", "Toy Story of Terror!", "Coco"])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize(
    "filters",
    [{}, {"platform": "disney"}, {"item_type": "movie"}, {"platform": ["hulu", "disney"]}],
)
def test_pages_of_any_size_cut_one_order(
    franchise_engine: Engine, title: str, size: int, filters: dict
) -> None:
    work_id = work_of(franchise_engine, title)
    everything = [item.work_id for item in franchise_engine.similar(work_id, k=100, **filters)]
    paged = [
        item.work_id
        for offset in range(0, len(everything) + size, size)
        for item in franchise_engine.similar(work_id, k=size, offset=offset, **filters)
    ]
    assert paged == everything
    assert len(set(everything)) == len(everything)


def test_recommend_serves_the_same_order(franchise_engine: Engine) -> None:
    first = franchise_engine.recommend("toy story", k=5)
    second = franchise_engine.recommend("toy story", k=5, offset=5)
    assert first.results + second.results == franchise_engine.similar(first.match.work_id, k=10)
    (shrek,) = [item for item in first.to_dict()["results"] if item["title"] == "Shrek 2"]
    assert shrek["versions"] == ["en Español"]


@pytest.mark.parametrize(
    ("slots", "versions"),
    [
        # Hulu files "Shrek 2 (en Español)" under action, adventure and comedy: the versions
        # listed are those that meet the request.
        (Slots(genres=("animation",)), {"Coco": ["in Spanish"], "Shrek 2": []}),
        (Slots(about="spanish"), {"Coco": ["in Spanish"], "Shrek 2": ["en Español"]}),
        (Slots(platforms=("hulu",), type="movie"), {"Shrek 2": ["en Español"]}),
    ],
)
def test_discovery_lists_a_work_once_with_its_versions(
    franchise_engine: Engine, slots: Slots, versions: dict[str, list[str]]
) -> None:
    found = franchise_engine.discover(slots, k=100)
    shown = {item.title: item.versions for item in found.results}
    assert {title: shown.get(title) for title in versions} == versions
    assert not {"Coco (in Spanish)", "Shrek 2 (en Español)"} & set(shown)
    assert found.total == len(found.results)
