"""Works a chat left out (``exclude`` of ``Engine.similar``, ``like_known``, ``discover`` and
``recommend``), on the fixtures with a franchise and language versions added
(``tests/fixtures/franchise``): a work left out never comes back, nor any version of it."""

from __future__ import annotations

import pytest

from recommender.discovery import Slots
from recommender.engine import Engine

# The versions of one work: leaving out either leaves out both.
VERSIONS = {"Coco": "Coco (in Spanish)", "Shrek 2": "Shrek 2 (en Español)"}
EVERYTHING = 100


def work_of(engine: Engine, title: str) -> str:
    (found,) = engine.works.loc[engine.works["title_display"] == title, "work_id"]
    return str(found)


def shown(results) -> set[str]:
    """The titles of ``results`` and of the versions each lists."""
    return {item.title for item in results} | {
        f"{item.title} ({tag})" for item in results for tag in item.versions
    }


@pytest.mark.parametrize("left_out", ["Coco", "Coco (in Spanish)", "Shrek 2 (en Español)"])
def test_similar_leaves_out_a_work_and_its_versions(
    franchise_engine: Engine, left_out: str
) -> None:
    engine = franchise_engine
    query = work_of(engine, "Toy Story")
    before = engine.similar(query, k=EVERYTHING)
    after = engine.similar(query, k=EVERYTHING, exclude=[work_of(engine, left_out)])
    base = left_out.split(" (")[0]
    gone = {base, VERSIONS[base]}
    assert gone <= shown(before)
    assert not gone & shown(after)
    assert {item.work_id for item in after} == {
        item.work_id for item in before if item.title != base
    }


def test_unknown_and_repeated_ids_change_nothing(franchise_engine: Engine) -> None:
    engine = franchise_engine
    query = work_of(engine, "Toy Story")
    assert engine.similar(query, k=EVERYTHING, exclude=["wnope", "", "wnope"]) == engine.similar(
        query, k=EVERYTHING
    )
    coco = work_of(engine, "Coco")
    assert engine.similar(query, k=EVERYTHING, exclude=[coco, coco]) == engine.similar(
        query, k=EVERYTHING, exclude={coco}
    )


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
@pytest.mark.parametrize("title", ["Toy Story", "Toy Story 2", "Coco"])
def test_similar_pages_cut_one_order_after_leaving_out(
    franchise_engine: Engine, size: int, title: str
) -> None:
    engine = franchise_engine
    query = work_of(engine, title)
    # Left out: the first and third of the whole order, so the franchise's place shifts.
    first = [item.work_id for item in engine.similar(query, k=EVERYTHING)]
    exclude = [first[0], first[2], work_of(engine, "Shrek 2 (en Español)")]
    everything = [item.work_id for item in engine.similar(query, k=EVERYTHING, exclude=exclude)]
    paged = [
        item.work_id
        for offset in range(0, len(everything) + size, size)
        for item in engine.similar(query, k=size, offset=offset, exclude=exclude)
    ]
    assert paged == everything
    assert len(everything) == len(first) - 3  # Shrek 2 and its version are one result


def test_discover_leaves_out_a_work_and_its_versions(franchise_engine: Engine) -> None:
    engine = franchise_engine
    slots = Slots(genres=("animation",))
    before = engine.discover(slots, k=EVERYTHING)
    exclude = (work_of(engine, "Coco (in Spanish)"), work_of(engine, "Toy Story 3"))
    after = engine.discover(slots, k=EVERYTHING, exclude=exclude)
    assert {"Coco", "Coco (in Spanish)", "Toy Story 3"} <= shown(before.results)
    assert not {"Coco", "Coco (in Spanish)", "Toy Story 3"} & shown(after.results)
    assert after.total == before.total - 2
    pages = [
        item.work_id
        for offset in range(0, after.total, 3)
        for item in engine.discover(slots, k=3, offset=offset, exclude=exclude).results
    ]
    # Diversity reads windows as long as a page: pages of one size are cut from one order.
    assert sorted(pages) == sorted(item.work_id for item in after.results)


def test_discover_with_liked_titles_leaves_out_too(franchise_engine: Engine) -> None:
    engine = franchise_engine
    liked = (work_of(engine, "Toy Story"),)
    before = engine.discover(Slots(like=liked), k=EVERYTHING)
    top = before.results[0].work_id
    after = engine.discover(Slots(like=liked), k=EVERYTHING, exclude=[top])
    assert top not in {item.work_id for item in after.results}
    assert after.total == before.total - 1


def test_like_known_leaves_out(franchise_engine: Engine) -> None:
    engine = franchise_engine
    known = engine.not_carried("interstellar", engine.match("interstellar"))
    assert known is not None
    before = engine.like_known(known, k=EVERYTHING)
    assert before
    left_out = before[0].work_id
    after = engine.like_known(known, k=EVERYTHING, exclude=[left_out])
    assert [item.work_id for item in after] == [item.work_id for item in before[1:]]


@pytest.mark.parametrize("text", ["toy story", "interstellar"])
def test_recommend_passes_it_on(franchise_engine: Engine, text: str) -> None:
    engine = franchise_engine
    before = engine.recommend(text, k=EVERYTHING).results
    left_out = {before[0].work_id, before[-1].work_id}
    after = engine.recommend(text, k=EVERYTHING, exclude=left_out).results
    assert [item.work_id for item in after] == [
        item.work_id for item in before if item.work_id not in left_out
    ]
