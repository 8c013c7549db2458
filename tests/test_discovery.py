"""Discovery (recommender/discovery.py, ``Engine.discover``): the slots filter, the order,
relaxation, diversity and hostile slot values, on the fixture catalogue."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pytest

from recommender.discovery import (
    FRANCHISE_CAP,
    MAX_K,
    Discovery,
    Slots,
    TopicScorer,
    diversified,
    franchise_key,
)
from recommender.engine import Engine
from recommender.themes import Theme

if TYPE_CHECKING:
    from tests.conftest import BuiltData

WorkIdOf = Callable[[str, int], str]
ALL = 30  # more than the fixture's 27 works


def titles(found: Discovery) -> set[tuple[str, int]]:
    return {(result.title, result.year) for result in found.results}


def genres_of(engine: Engine, work_id: str) -> set[str]:
    return set(engine.details(work_id).genre_words)


# -- each slot filters ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        (
            Slots(genres=("action", "thriller")),
            {("Black Ice Run", 2014), ("Heat", 1995), ("Jack Ryan", 2018)},
        ),
        (
            Slots(genres=("science fiction", "fantasy")),
            {("iBoy", 2017), ("Stranger Things", 2016)},
        ),
        (
            Slots(audience="kids"),  # Toy Story 2 is rated G with no kids' genre: not for kids
            {("Toy Story", 1995), ("Lamp Life", 2020), ("忍者ハットリくん", 2012)},
        ),
        (
            Slots(max_minutes=90),  # movies only; "Good Morning America" has seasons
            {
                ("Toy Story", 1995),
                ("Louis C.K. 2017", 2017),
                ("Lamp Life", 2020),
                ("Islands Calling", 2020),
                ("¿?", 2019),
                ("Dick Johnson Is Dead", 2020),
            },
        ),
        (
            Slots(max_seasons=2),
            {
                ("忍者ハットリくん", 2012),
                ("Abnormal Summit", 2017),
                ("The Office", 2001),
                ("Jack Ryan", 2018),
            },
        ),
        (
            Slots(max_minutes=80, max_seasons=1),  # either kind within its own limit
            {("Louis C.K. 2017", 2017), ("Lamp Life", 2020), ("¿?", 2019), ("Jack Ryan", 2018)},
        ),
        (Slots(countries=("UK",)), {("The Office", 2001), ("iBoy", 2017), ("Silent Night", 2020)}),
        (Slots(countries=("south korea",)), {("Abnormal Summit", 2017)}),
        (
            Slots(countries=("Canada",)),  # Black Ice Run is "Canada,  United States"
            {("The Grand Seduction", 2014), ("Black Ice Run", 2014)},
        ),
        (
            Slots(year_min=2018, type="tv"),
            {("The Mandalorian", 2019), ("Jack Ryan", 2018)},
        ),
        (
            Slots(year_max=1990),
            {("Ernest Saves Christmas", 1988), ("Good Morning America", 1975)},
        ),
        (
            Slots(genres=("comedy",), platforms=("hulu",)),
            {("Family Guy", 1999), ("Toy Story", 1995)},
        ),
    ],
)
def test_each_slot_filters(engine: Engine, slots: Slots, expected: set[tuple[str, int]]) -> None:
    found = engine.discover(slots, k=ALL)
    assert titles(found) == expected
    assert found.total == len(expected)
    assert found.relaxed == ()
    assert found.applied == slots


def test_genres_type_platforms_and_years_hold_for_every_result(engine: Engine) -> None:
    slots = Slots(genres=("drama",), type="movie", platforms=("netflix", "hulu"), year_min=2001)
    found = engine.discover(slots, k=ALL)
    assert titles(found) == {
        ("Mood Indigo", 2013),
        ("Oct-01", 2014),
        ("iBoy", 2017),
        ("Silent Night", 2020),
    }
    for result in found.results:
        assert "drama" in genres_of(engine, result.work_id)
        assert result.type == "movie" and result.year >= 2001
        assert {"netflix", "hulu"} & set(result.platforms)


def test_not_genres_excludes(engine: Engine) -> None:
    found = engine.discover(Slots(not_genres=("comedy", "drama")), k=ALL)
    assert found.results
    assert all(
        not {"comedy", "drama"} & genres_of(engine, result.work_id) for result in found.results
    )
    assert found.total == 27 - sum(
        bool({"comedy", "drama"} & set(str(genres).split())) for genres in engine.works["genres"]
    )


def test_a_result_has_every_platform_and_the_record_id_recommend_gives(
    engine: Engine, work_id_of: WorkIdOf
) -> None:
    [toy_story] = engine.discover(Slots(genres=("kids",), type="movie")).results
    assert (toy_story.id, toy_story.platforms) == ("ds1", ["disney", "hulu"])
    assert toy_story.work_id == work_id_of("Toy Story", 1995)
    assert toy_story.id == engine.details(toy_story.work_id).id
    assert toy_story.score == 8.3
    assert toy_story.reason.genres == ["kids"]


# -- the chat's platforms ------------------------------------------------------------------------
def test_mine_narrows_when_the_request_names_no_platform(engine: Engine) -> None:
    found = engine.discover(Slots(genres=("comedy",)), k=ALL, mine=("netflix",))
    assert titles(found) == {
        ("Amélie", 2001),
        ("Abnormal Summit", 2017),
        ("The Office", 2005),
    }
    assert all("netflix" in result.platforms for result in found.results)


def test_a_named_platform_overrides_mine(engine: Engine) -> None:
    found = engine.discover(
        Slots(genres=("comedy",), platforms=("hulu",)), k=ALL, mine=("netflix",)
    )
    assert titles(found) == {("Family Guy", 1999), ("Toy Story", 1995)}


@pytest.mark.parametrize("mine", [(), ("amazon", "disney", "hulu", "netflix"), ("hbo",)])
def test_mine_of_every_platform_or_none_known_narrows_nothing(
    engine: Engine, mine: tuple[str, ...]
) -> None:
    assert engine.discover(Slots(), k=ALL, mine=mine).total == 27


def test_mine_is_never_relaxed(engine: Engine) -> None:
    found = engine.discover(Slots(genres=("documentary",)), k=ALL, mine=("disney",))
    assert found.relaxed == ("genres",)
    assert found.results
    assert all("disney" in result.platforms for result in found.results)


# -- relaxation ----------------------------------------------------------------------------------
def test_a_contradiction_relaxes_the_first_slot_that_helps(engine: Engine) -> None:
    # No horror movie; the one horror title is a series.
    found = engine.discover(Slots(genres=("horror",), type="movie"), k=ALL)
    assert found.relaxed == ("type",)
    assert titles(found) == {("Stranger Things", 2016)}
    assert found.applied == Slots(genres=("horror",))


def test_a_horror_movie_for_kids_under_ten_minutes(engine: Engine) -> None:
    """Nothing is that short, and no kids' title is horror: the length goes, then the
    genre; the audience stays, so no grown-up title is shown for children."""
    slots = Slots(genres=("horror",), type="movie", audience="kids", max_minutes=10)
    found = engine.discover(slots, k=ALL)
    assert found.relaxed == ("max_minutes", "genres")
    assert titles(found) == {("Toy Story", 1995), ("Lamp Life", 2020)}
    assert found.applied == Slots(type="movie", audience="kids")
    assert found.total == 2


def test_a_year_range_is_widened_before_it_is_dropped(engine: Engine) -> None:
    found = engine.discover(Slots(type="tv", year_min=2010, year_max=2010), k=ALL)
    assert found.relaxed == ("year_min", "year_max")
    assert (found.applied.year_min, found.applied.year_max) == (2005, 2015)
    assert titles(found) == {
        ("Breaking Bad", 2013),
        ("忍者ハットリくん", 2012),
        ("Star Wars: The Clone Wars", 2008),
        ("The Office", 2005),
    }


def test_a_named_platform_is_relaxed_last(engine: Engine) -> None:
    # Disney+ has no documentary, and no title is both a documentary and a comedy.
    found = engine.discover(Slots(genres=("documentary", "comedy"), platforms=("disney",)))
    assert found.relaxed == ("genres",)
    assert all("disney" in result.platforms for result in found.results)
    assert found.applied.genres == ("comedy",)  # the last named went first; comedy met it


def test_a_named_platform_relaxes_to_mine_first(engine: Engine) -> None:
    # Netflix has nothing from before 2001; the chat's Hulu has a 1975 title.
    found = engine.discover(Slots(year_max=1980, platforms=("netflix",)), k=ALL, mine=("hulu",))
    assert found.relaxed == ("platforms",)
    assert titles(found) == {("Good Morning America", 1975)}
    assert found.applied == Slots(year_max=1980)


@pytest.mark.parametrize(
    ("slots", "relaxed"),
    [
        (Slots(genres=("not-a-genre",)), ("genres",)),
        (Slots(countries=("Atlantis",)), ("countries",)),
        (Slots(platforms=("hbo",)), ("platforms",)),
        (Slots(type="spaceship"), ("type",)),
        (Slots(audience="martians"), ("audience",)),
        (Slots(year_min=2100), ("year_min",)),  # widened, then dropped
        (Slots(max_minutes=-5), ("max_minutes",)),
    ],
)
def test_what_nothing_can_meet_is_relaxed(
    engine: Engine, slots: Slots, relaxed: tuple[str, ...]
) -> None:
    found = engine.discover(slots, k=ALL)
    assert found.relaxed == relaxed
    assert found.total == 27
    assert len(found.results) == 27


def test_a_description_never_gets_nothing(engine: Engine) -> None:
    found = engine.discover(Slots(about="qwertyuiop asdfgh"), k=3)
    assert len(found.results) == 3
    assert found.relaxed == ()


# -- liked titles ----------------------------------------------------------------------------------
def test_liked_titles_never_appear_and_their_genres_lead(
    engine: Engine, work_id_of: WorkIdOf
) -> None:
    liked = (work_id_of("Breaking Bad", 2013), work_id_of("Silent Night", 2020))
    found = engine.discover(Slots(like=liked), k=ALL)
    assert not set(liked) & {result.work_id for result in found.results}
    assert found.total == 25
    both = [genres_of(engine, work_id) for work_id in liked]
    top = found.results[:5]
    assert all(all(mine & genres_of(engine, r.work_id) for mine in both) for r in top), [
        r.title for r in top
    ]
    assert top[0].reason.liked in (["Breaking Bad"], ["Silent Night"])
    assert top[0].reason.describe().startswith("because you liked ")


def test_a_liked_sequel_brings_its_original_first(engine: Engine, work_id_of: WorkIdOf) -> None:
    found = engine.discover(Slots(like=(work_id_of("Toy Story 2", 1999),)))
    assert found.results[0].title == "Toy Story"
    assert found.results[0].reason.liked == ["Toy Story 2"]
    assert "Tom Hanks" in found.results[0].reason.cast


def test_unknown_liked_ids_are_ignored(engine: Engine) -> None:
    assert engine.discover(Slots(like=("wnope", "")), k=ALL).total == 27


# -- order ---------------------------------------------------------------------------------------
def test_sort_by_score_puts_unknown_scores_at_the_mean(engine: Engine) -> None:
    found = engine.discover(Slots(sort="score"), k=ALL)
    scores = [result.score for result in found.results]
    known = [score for score in engine.works["score"] if score == score]
    mean = sum(known) / len(known)
    keys = [mean if score is None else score for score in scores]
    assert keys == sorted(keys, reverse=True)
    assert scores[:3] == [9.4, 8.7, 8.7]


def test_sort_newest_orders_by_year(engine: Engine) -> None:
    found = engine.discover(Slots(sort="newest"), k=ALL)
    years = [result.year for result in found.results]
    assert years == sorted(years, reverse=True)
    # Within 2020, the copy added last comes first (Silent Night: 2021-10-23).
    assert found.results[0].title == "Silent Night"


def test_a_topic_ranks_what_mentions_it_first(engine: Engine) -> None:
    found = engine.discover(Slots(about="a doll and a cowboy"), k=3)
    assert {result.title for result in found.results[:2]} == {"Toy Story", "Toy Story 2"}
    assert found.results[0].similarity > found.results[2].similarity == 0
    cowboys, toys = Theme("cowboys", "vaqueros"), Theme("toys", "juguetes")
    assert found.results[0].reason.themes == [cowboys, toys]


def test_without_a_topic_quality_ranks(engine: Engine) -> None:
    """Scores above the mean (7.5) first, unknown ones at the mean, then those below it."""
    found = engine.discover(Slots(genres=("drama",)), k=ALL)
    assert [(result.title, result.score) for result in found.results] == [
        ("Breaking Bad", 9.4),
        *[(result.title, None) for result in found.results[1:4]],
        ("The Grand Seduction", 7.0),
        ("Mood Indigo", 6.3),
        ("iBoy", 6.0),
        ("Silent Night", 5.2),
    ]


def test_pages_follow_one_order(engine: Engine) -> None:
    slots = Slots(about="a family story")
    pages = [engine.discover(slots, k=4, offset=offset).results for offset in range(0, 28, 4)]
    work_ids = [result.work_id for page in pages for result in page]
    assert sorted(work_ids) == sorted(engine.works["work_id"])  # each work once
    similarities = [result.similarity for result in pages[0]]
    assert similarities == sorted(similarities, reverse=True)


# -- diversity -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Toy Story", "toy story"),
        ("Toy Story 4", "toy story"),
        ("Toy Story of Terror!", "toy story"),
        ("Star Wars: The Empire Strikes Back (Episode V)", "star wars"),
        ("Star Wars Resistance", "star wars"),
        ("Marvel Studios' Avengers: Endgame", "marvel studios"),
        ("Marvel Studios: Assembling A Universe", "marvel studios"),
        ("Marvel's Jessica Jones", "marvel"),
        ("Solo: A Star Wars Story (Spanish Version)", "solo"),
        ("Spider-Man 2", "spider man"),
        ("It's a Wonderful Life", "it's a"),
        ("", ""),
        ("¿?", "¿?"),
    ],
)
def test_franchise_key(title: str, key: str) -> None:
    assert franchise_key(title) == key


def windows_hold_the_cap(rows: list[int], franchise: list[int], window: int) -> bool:
    return all(
        max(Counter(franchise[row] for row in rows[start : start + window]).values())
        <= FRANCHISE_CAP
        for start in range(max(1, len(rows) - window + 1))
    )


def test_diversified_holds_back_a_third_of_one_franchise() -> None:
    franchise = [0] * 4 + list(range(1, 17))
    order = diversified([np.arange(20)], franchise.__getitem__, 20, window=5)
    assert sorted(order) == list(range(20))
    assert windows_hold_the_cap(order, franchise, 5)
    assert order[:3] == [0, 1, 4]  # the third of franchise 0 waits
    assert order.index(2) == 5  # and comes back as soon as it can
    assert not windows_hold_the_cap(order, franchise, 6)


def test_diversified_reads_more_of_the_order_as_needed() -> None:
    franchise = [0] * 8 + [1, 2]
    batches = [np.arange(3), np.arange(10)]
    assert diversified(batches, franchise.__getitem__, 4, window=5) == [0, 1, 8, 9]


def test_one_franchise_alone_still_fills_the_page() -> None:
    assert diversified([np.arange(5)], lambda row: "toy story", 5, window=5) == [0, 1, 2, 3, 4]


def test_a_page_holds_at_most_two_of_a_franchise(built: BuiltData) -> None:
    engine = Engine.load(built.processed_dir)
    facets = engine.prepare()._facets
    best = [engine.work_row(result.work_id) for result in engine.discover(Slots(), k=6).results]
    # Make the six best works one franchise: each page of five may hold two of them.
    facets.titles_[best] = "Toy Story 9"
    pages = [engine.discover(Slots(), k=5, offset=offset).results for offset in (0, 5, 10)]
    counts = [
        [facets.franchise(engine.work_row(result.work_id)) for result in page].count("toy story")
        for page in pages
    ]
    assert counts == [2, 2, 2]


# -- hostile slots -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "slots",
    [
        Slots(year_min=-(10**30), year_max=10**30),
        Slots(year_min=2020, year_max=1990),
        Slots(max_minutes=10**40, max_seasons=-(10**40)),
        Slots(genres=("", " ", "🎬" * 1000, "drama") * 50, not_genres=("x" * 10_000,)),
        Slots(countries=("",) * 1000, platforms=("",) * 1000),
        Slots(sort="random", type="", audience=""),
        Slots(about="🍿" * 4096 + " toys"),
        Slots(about="зомби 僵尸 zombies " * 300, lang="xx"),
        Slots(like=("w" * 1000,) * 500),
    ],
)
def test_hostile_slots_never_raise(engine: Engine, slots: Slots) -> None:
    found = engine.discover(slots, k=5)
    assert isinstance(found, Discovery)
    assert len(found.results) <= 5
    assert found.results  # something always comes back: every slot can be relaxed


@pytest.mark.parametrize(("k", "offset", "count"), [(-1, 0, 0), (10**9, 0, 27), (5, -3, 5)])
def test_hostile_page_bounds(engine: Engine, k: int, offset: int, count: int) -> None:
    found = engine.discover(Slots(), k=k, offset=offset)
    assert len(found.results) == min(count, MAX_K)


def test_an_offset_past_the_end_is_an_empty_page(engine: Engine) -> None:
    assert engine.discover(Slots(), offset=10**12).results == ()


# -- the topic scorer ------------------------------------------------------------------------------
def test_topic_scores_are_cosines_over_title_genres_and_description(engine: Engine) -> None:
    scorer = TopicScorer().fit(engine.model)
    scores = scorer.scores("doll cowboy")
    assert scores.dtype == np.float32 and scores.shape == (27,)
    assert 0 < scores.max() <= 1
    best = engine.works["title_display"].iat[int(np.argmax(scores))]
    assert best in ("Toy Story", "Toy Story 2")
    assert scorer.words("The doll, the COWBOY and a movie!") == ["doll", "cowboy"]
    assert not scorer.scores("qwertyuiop").any()
