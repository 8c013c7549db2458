"""The offline measures behind ``make eval``, on hand-made works."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from recommender.discovery import Slots
from recommender.engine import Engine
from recommender.evaluation import (
    MIN_TYPO_LENGTH,
    PairChat,
    PairResult,
    SlotCheck,
    TasteChat,
    TasteResult,
    discovery_queries,
    duplicate_versions,
    evaluate_discovery,
    evaluate_matching,
    evaluate_pairs,
    evaluate_taste,
    for_you_ranking,
    franchise_pairs,
    franchise_recall,
    franchise_share,
    franchises,
    genre_precision,
    liked_genre_precision,
    liked_pairs,
    main_countries,
    main_genre,
    matcher_search,
    model_ranking,
    noisy_query,
    popularity_ranking,
    served_ranking,
    taste_chats,
    typo,
    unrelated_pairs,
)
from recommender.matcher import TitleMatcher
from recommender.model import ContentModel
from recommender.text import normalize_title
from recommender.variety import version_groups

TITLES = [
    ("Toy Story", "movie", "animation kids", "tom hanks"),
    ("Toy Story 2", "movie", "animation kids", "tom hanks"),
    ("Rocky", "movie", "drama sports", "sylvester stallone"),
    ("Rocky II", "movie", "drama sports", "sylvester stallone"),
    ("Heat", "movie", "crime drama", "al pacino"),
    ("Dust", "movie", "documentary", ""),
    ("Dust 2 Glory", "movie", "documentary", ""),
    ("Rocky 2", "tv show", "kids", ""),
    ("Up", "movie", "animation", ""),
]
WorkIdOf = Callable[[str, int], str]


@pytest.fixture
def works() -> pd.DataFrame:
    frame = pd.DataFrame(TITLES, columns=["title_display", "type", "genres", "cast"])
    frame["title_key"] = frame["title_display"].map(normalize_title)
    frame["title"] = frame["title_key"]
    frame["description"] = ""
    frame["director"] = ""
    frame["ids"] = [f"ns{row}" for row in range(len(frame))]
    return frame


def test_franchise_pairs_need_the_same_type_and_a_sequel_mark(works: pd.DataFrame) -> None:
    # "Dust 2 Glory" goes on after the number without a subtitle: not a sequel of "Dust";
    # "Rocky 2" the TV show is not a sequel of the movie "Rocky".
    assert franchise_pairs(works) == {0: [1], 2: [3]}


def test_franchise_recall_counts_bases_with_a_sequel_in_the_top_k(works: pd.DataFrame) -> None:
    model = ContentModel().fit(works)
    pairs = franchise_pairs(works)
    assert franchise_recall(model, pairs, k=1) == 1.0
    # A pair whose "sequel" shares nothing with its base is never found.
    assert franchise_recall(model, {4: [5]}, k=3) == 0.0
    assert franchise_recall(model, {}, k=3) == 0.0


def test_genre_precision_is_the_share_of_the_top_k_sharing_a_genre(works: pd.DataFrame) -> None:
    model = ContentModel(weights={"genres": 1.0}).fit(works)
    # By hand: every work's top 2 shares a genre with it, except the two documentaries,
    # which have only each other (1 of 2 each): (7 + 0.5 + 0.5) / 9.
    assert genre_precision(model, works["genres"], k=2) == pytest.approx(8 / 9)


def test_franchise_share_is_the_mean_share_of_the_top_k_from_the_query_franchise() -> None:
    franchise = {0: "a", 1: "a", 2: "a", 3: "a", 4: "b", 5: "b"}
    top = {0: [1, 2, 3, 6, 7], 1: [0, 6, 7, 8, 9], 2: [0, 1, 3, 4, 6], 3: [6, 7]}
    found = franchise_share(lambda row, k: top[row][:k], franchise, k=5, least=4, cap=2)
    # "b" has too few works to count; "a"'s four lists hold 3, 1, 3 and 0 of "a".
    assert found.queries == 4
    assert found.share == pytest.approx((3 + 1 + 3 + 0) / 20)
    assert found.over_cap == 0.5


def test_duplicate_versions_counts_lists_holding_two_versions_of_one_work() -> None:
    versions = np.array([0, 1, 1, 3, 3, 5])
    top = {0: [1, 2, 5], 3: [0, 1, 5], 5: [1, 3]}
    assert duplicate_versions(lambda row, k: top[row][:k], versions, [0, 3, 5]) == 1 / 3
    assert duplicate_versions(lambda row, k: top[row][:k], versions, [0], k=1) == 0.0


def test_the_served_order_caps_the_franchise_and_groups_versions(
    franchise_engine: Engine,
) -> None:
    works = franchise_engine.works
    versions = version_groups(works)
    served = served_ranking(franchise_engine)
    previous = model_ranking(franchise_engine.model, versions)
    franchise = franchises(works)
    assert sorted(works["title_display"].iloc[list(franchise)]) == [
        "Toy Story",
        "Toy Story 2",
        "Toy Story 3",
        "Toy Story 4",
        "Toy Story Toons: Small Fry",
        "Toy Story of Terror!",
    ]
    assert franchise_share(previous, franchise).share == 1.0
    assert franchise_share(served, franchise).share == 0.6
    everyone = list(range(len(works)))
    # iBoy's and Stranger Things's top 5 held Coco twice.
    assert duplicate_versions(previous, versions, everyone) == pytest.approx(2 / len(works))
    assert duplicate_versions(served, versions, everyone) == 0.0
    pairs = franchise_pairs(works)
    assert franchise_recall(served, pairs, 10) == franchise_recall(previous, pairs, 10) == 1.0
    row = franchise_engine.work_row(franchise_engine.match("toy story")[0].work_id)
    expected = [item.work_id for item in franchise_engine.similar(works["work_id"].iat[row], 7)]
    assert works["work_id"].iloc[served(row, 7)].tolist() == expected


def test_typo_makes_one_edit_and_keeps_the_first_letter() -> None:
    rng = random.Random(3)
    for _ in range(200):
        noisy = typo("stranger things", rng)
        assert noisy[0] == "s"
        assert abs(len(noisy) - len("stranger things")) <= 1


def test_noisy_queries_are_reproducible_and_spare_short_titles() -> None:
    first = [noisy_query("Toy Story 2: Toys Return", random.Random(5)) for _ in range(3)]
    again = [noisy_query("Toy Story 2: Toys Return", random.Random(5)) for _ in range(3)]
    assert first == again
    rng = random.Random(1)
    for _ in range(100):
        query, kind = noisy_query("Up", rng)
        assert len(normalize_title("Up")) < MIN_TYPO_LENGTH
        assert kind not in ("typo", "mixed")
        assert normalize_title(query) == "up"


def test_evaluate_matching_scores_the_matcher_and_skips_ambiguous_queries(
    works: pd.DataFrame,
) -> None:
    matcher = TitleMatcher().fit(works)
    result = evaluate_matching(works, matcher_search(matcher, works), n=9, seed=2)
    assert result.queries + result.skipped == 9
    assert result.skipped >= 1  # "Up" is too short to score
    assert 0.5 <= result.accuracy <= 1.0
    never = evaluate_matching(works, lambda query: None, n=9, seed=2)
    assert never.accuracy == 0.0
    assert never.queries == result.queries


# -- discovery -----------------------------------------------------------------------------------
def test_slot_check_reads_the_works_afresh(engine: Engine, work_id_of: WorkIdOf) -> None:
    check = SlotCheck(engine)
    toy_story, heat = work_id_of("Toy Story", 1995), work_id_of("Heat", 1995)
    assert check.meets(Slots(genres=("kids",), platforms=("hulu",), max_minutes=83), toy_story)
    assert not check.meets(Slots(max_minutes=82), toy_story)
    assert not check.meets(Slots(like=(toy_story,)), toy_story)
    assert check.kids(toy_story) and not check.kids(heat)
    assert check.meets(Slots(countries=("united states",), year_min=1995, year_max=1995), heat)
    assert not check.meets(Slots(max_seasons=9), heat)  # a movie has no seasons


def test_discovery_queries_are_reproducible_and_some_work_meets_most(engine: Engine) -> None:
    queries = discovery_queries(engine, 40, seed=3)
    assert queries == discovery_queries(engine, 40, seed=3)
    assert len(queries) == 40 and all(query.genres for query in queries)
    result = evaluate_discovery(engine, queries, peer=lambda text: [])
    assert result.queries == 40 and result.relaxed < 10
    assert result.precision_met == result.precision_relaxed == 1.0
    assert result.peer_precision == 0.0  # a peer with no results scores nothing


def test_liked_genre_precision_counts_missing_results_as_misses(engine: Engine) -> None:
    pairs = liked_pairs(engine, 5, seed=1)
    assert all(len(set(pair)) == 2 for pair in pairs)
    assert liked_genre_precision(engine, pairs, lambda pair: []) == 0.0
    # Each liked work shares a genre with itself, and with the other when the two share one.
    alike = [
        bool(set(engine.details(a).genre_words) & set(engine.details(b).genre_words))
        for a, b in pairs
    ]
    expected = sum(2 * shared for shared in alike) / (5 * len(pairs))
    assert liked_genre_precision(engine, pairs, lambda pair: list(pair)) == pytest.approx(expected)
    assert 0 < expected < 0.4


# -- for you ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("genres", "main"),
    [
        ("drama international thriller", "drama"),
        ("international korean standup comedy", "standup"),
        ("independent classic", None),
        ("", None),
    ],
)
def test_main_genre_skips_words_of_origin_and_release(genres: str, main: str | None) -> None:
    assert main_genre(genres) == main


def test_main_country_is_the_first_named_by_the_first_copy_naming_one(
    engine: Engine, work_id_of: WorkIdOf
) -> None:
    countries = main_countries(engine)
    expected = {
        ("Toy Story", 1995): "united states",  # on Disney and Hulu, both in the US
        ("Amélie", 2001): "france",  # France, Germany
        ("Black Ice Run", 2014): "canada",  # Canada,  United States
        ("Ernest Saves Christmas", 1988): None,
    }
    found = {key: countries[engine.work_row(work_id_of(*key))] for key in expected}
    assert found == expected


def test_taste_chats_are_drawn_as_documented(franchise_engine: Engine) -> None:
    engine = franchise_engine
    chats = taste_chats(engine, 30, seed=3)
    assert chats == taste_chats(engine, 30, seed=3) != taste_chats(engine, 30, seed=4)
    countries = main_countries(engine)
    works = engine.works.set_index("work_id")

    def mix(work_id: str) -> tuple[str | None, str | None]:
        row = engine.work_row(work_id)
        return main_genre(str(works.at[work_id, "genres"])), countries[row]

    for chat in chats:
        told = [*chat.liked, chat.held_out]
        assert len(set(told)) == 4 and len(set(chat.disliked)) == 2
        assert {mix(work_id) for work_id in told} == {(chat.genre, mix(chat.held_out)[1])}
        assert {mix(work_id)[0] for work_id in chat.disliked} == {chat.disliked_genre}
        assert chat.disliked_genre != chat.genre
        for work_id in [*told, *chat.disliked]:
            assert chat.platform in str(works.at[work_id, "platforms"]).split()
            # One of each group of versions: the work the others are versions of.
            assert "(" not in works.at[work_id, "title_display"]
    assert {chat.genre for chat in chats} == {"action", "animation"}


def test_no_chat_when_no_mix_is_large_enough(engine: Engine) -> None:
    assert taste_chats(engine, 5, seed=1, liked=20) == []


def test_evaluate_taste_scores_hits_and_counts_what_must_not_be_shown(
    franchise_engine: Engine,
) -> None:
    engine = franchise_engine

    def work(title: str) -> str:
        (found,) = engine.works.loc[engine.works["title_display"] == title, "work_id"]
        return str(found)

    chat = TasteChat(
        platform="disney",
        liked=(work("Toy Story 2"), work("The Mandalorian")),
        held_out=work("Toy Story"),
        disliked=(work("Coco (in Spanish)"), work("Lamp Life")),
        genre="action",
        disliked_genre="animation",
    )
    # The held-out work (action, animation), a version of a disliked work (animation), a work
    # of another platform (crime), a hit (action): fewer than five count as misses.
    answers = {
        "full": [work(t) for t in ("Toy Story", "Coco", "Breaking Bad", "Star Wars Rebels")],
        "empty": [],
    }
    chats = [chat, replace(chat, held_out="empty")]
    found = evaluate_taste(
        engine, chats, lambda chat: answers["empty" if chat.held_out == "empty" else "full"]
    )
    assert found == TasteResult(
        chats=2,
        hit_rate=0.5,
        precision=(2 / 5 + 0) / 2,
        held_out=0.5,
        disliked_genre=(3 / 5 + 0) / 2,
        disliked_shown=1,
        elsewhere=1,
    )


def test_unrelated_pairs_are_drawn_as_documented(franchise_engine: Engine) -> None:
    engine = franchise_engine
    chats = unrelated_pairs(engine, 30, seed=3)
    assert len(chats) == 30
    assert chats == unrelated_pairs(engine, 30, seed=3) != unrelated_pairs(engine, 30, seed=4)
    works = engine.works.set_index("work_id")
    for chat in chats:
        first, second = (str(works.at[work_id, "genres"]).split() for work_id in chat.liked)
        assert chat.genres == (main_genre(" ".join(first)), main_genre(" ".join(second)))
        assert chat.genres[0] not in second and chat.genres[1] not in first
        for work_id in chat.liked:
            assert chat.platform in str(works.at[work_id, "platforms"]).split()
            assert "(" not in works.at[work_id, "title_display"]
    assert {main for chat in chats for main in chat.genres} > {"action", "comedy"}


def test_evaluate_pairs_needs_each_liked_work_s_genre_and_a_work_like_it(
    franchise_engine: Engine,
) -> None:
    engine = franchise_engine
    works = engine.works

    def work(title: str) -> str:
        on_amazon = works["platforms"].astype(str).str.contains("amazon")
        (found,) = works.loc[(works["title_display"] == title) & on_amazon, "work_id"]
        return str(found)

    # On Amazon, Jack Ryan is an action work like Heat, The Grand Seduction a comedy like
    # The Office (Amazon's); ¿? is a documentary like neither.
    heat_first = PairChat("amazon", (work("Heat"), work("The Office")), ("action", "comedy"))
    office_first = replace(heat_first, liked=heat_first.liked[::-1])
    answers = {
        heat_first.liked: [work("¿?"), work("Jack Ryan")],
        office_first.liked: [work("¿?"), work("Jack Ryan"), work("The Grand Seduction")],
    }
    found = evaluate_pairs(engine, [heat_first, office_first], lambda chat: answers[chat.liked])
    assert found == PairResult(chats=2, genres=0.5, neighbours=0.5)
    # Past the top k, nothing counts.
    found = evaluate_pairs(engine, [office_first], lambda chat: answers[chat.liked], k=2)
    assert found == PairResult(chats=1, genres=0.0, neighbours=0.0)


def test_for_you_shows_no_disliked_work_and_beats_popularity(franchise_engine: Engine) -> None:
    engine = franchise_engine
    chats = taste_chats(engine, 20, seed=3)
    ours = evaluate_taste(engine, chats, for_you_ranking(engine))
    peer = evaluate_taste(engine, chats, popularity_ranking(engine))
    assert ours.disliked_shown == ours.elsewhere == peer.disliked_shown == peer.elsewhere == 0
    assert ours.precision > peer.precision
    popular = popularity_ranking(engine)
    for chat in chats:
        assert not set(popular(chat)) & {*chat.liked, *chat.disliked}
        assert len(popular(chat)) == 5
