"""A chat's feedback rules (bot.chat.taste): what a press writes, what the chat then has, and
that the database stores exactly that (SQLite here; PostgreSQL in test_storage's way)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chat.taste import ACTIONS, DISLIKE, LIKE, SAVE, Row, Taste
from bot.storage import ChatStore

# Two platforms' records of one work (a1, b1), and two works of one record each.
WORKS = {"a1": "w1", "b1": "w1", "a2": "w2", "a3": "w3"}
work_of = WORKS.get


def press(taste: Taste, record: str, action: str) -> Taste:
    return taste.after(taste.pressed(record, action, work_of))


def test_a_press_turns_on_and_a_second_turns_off():
    liked = press(Taste(), "a2", LIKE)
    assert liked.liked == ("a2",)
    assert press(liked, "a2", LIKE) == Taste()


def test_a_title_is_liked_or_disliked_not_both_and_judging_it_takes_it_off_the_list():
    saved = press(Taste(), "a2", SAVE)
    assert saved.saved == ("a2",)
    disliked = press(saved, "a2", DISLIKE)
    assert (disliked.disliked, disliked.saved) == (("a2",), ())
    liked = press(disliked, "a2", LIKE)
    assert (liked.liked, liked.disliked) == (("a2",), ())


def test_saving_a_disliked_title_takes_the_dislike_back():
    taste = press(press(Taste(), "a2", DISLIKE), "a2", SAVE)
    assert (taste.disliked, taste.saved) == ((), ("a2",))


def test_a_press_speaks_of_the_work_on_every_platform():
    liked_on_a = press(Taste(), "a1", LIKE)
    assert liked_on_a.has("b1", LIKE, work_of)
    assert liked_on_a.hidden_works(work_of) == {"w1"}
    # Pressed again on the other platform's record: the work is no longer liked.
    assert press(liked_on_a, "b1", LIKE) == Taste()
    # Disliked on the other: one verdict for the work.
    disliked = press(liked_on_a, "b1", DISLIKE)
    assert disliked.liked == () and disliked.disliked == ("b1",)


def test_the_profile_is_liked_and_saved_works_once_each_and_disliked_apart():
    taste = Taste((Row("a1", LIKE, False), Row("b1", None, True), Row("a3", DISLIKE, False)))
    assert taste.profile(work_of) == (["w1"], ["w3"])
    assert taste.saved_works(work_of) == ["w1"]


presses = st.lists(st.tuples(st.sampled_from(sorted(WORKS)), st.sampled_from(ACTIONS)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(presses)
def test_any_presses_leave_one_verdict_per_work_and_no_empty_rows(sequence):
    taste = Taste()
    for record, action in sequence:
        taste = press(taste, record, action)
        verdicts = {}
        for row in taste.rows:
            assert not row.empty
            if row.verdict is not None:
                assert verdicts.setdefault(work_of(row.record_id), row.verdict) == row.verdict


@settings(max_examples=25, deadline=None)
@given(presses)
def test_the_database_stores_what_the_rules_say(tmp_path_factory, sequence):
    folder: Path = tmp_path_factory.mktemp("taste")
    store = ChatStore(f"sqlite:///{folder / 'chats.sqlite3'}")
    try:
        taste = Taste()
        for record, action in sequence:
            feedback = taste.pressed(record, action, work_of)
            stored = store.give_feedback(42, feedback).taste
            taste = taste.after(feedback)
            assert sorted(stored.rows) == sorted(taste.rows)
    finally:
        store.close()


def test_a_chat_keeps_its_newest_rows_only(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.storage.MAX_ROWS", 3)
    store = ChatStore(f"sqlite:///{tmp_path / 'chats.sqlite3'}")
    try:
        taste = Taste()
        for number in range(5):
            feedback = taste.pressed(f"n{number}", SAVE, lambda record: record)
            taste = store.give_feedback(1, feedback).taste
        assert taste.saved == ("n2", "n3", "n4")
    finally:
        store.close()
