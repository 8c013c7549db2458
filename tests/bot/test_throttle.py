"""Flood control: token buckets per user, told once per flood, on an injected clock."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update

from bot.chat import i18n, replies
from bot.telegram import application as telegram_app
from bot.telegram import throttle
from bot.telegram.throttle import Throttle, Verdict
from tests.bot.conftest import Chat


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_burst_is_served_then_one_warning_then_silence(clock):
    limits = Throttle(burst=10, rate=1.0, clock=clock)
    verdicts = [limits.admit(7) for _ in range(100)]
    assert verdicts[:10] == [Verdict.SERVE] * 10
    assert verdicts[10] is Verdict.WARN
    assert set(verdicts[11:]) == {Verdict.DROP}


def test_other_users_are_not_affected(clock):
    limits = Throttle(burst=3, rate=1.0, clock=clock)
    for _ in range(50):
        limits.admit("flooder")
    assert [limits.admit("ana") for _ in range(3)] == [Verdict.SERVE] * 3


def test_the_bucket_refills_at_the_rate_and_is_capped_at_the_burst(clock):
    limits = Throttle(burst=2, rate=0.5, clock=clock)
    assert [limits.admit(1).value for _ in range(3)] == ["serve", "serve", "warn"]
    clock.now += 1.9  # 0.95 of a token
    assert limits.admit(1) is Verdict.DROP
    clock.now += 2.0  # the refused update drained the bucket: one token after two seconds
    assert [limits.admit(1).value for _ in range(2)] == ["serve", "drop"]
    clock.now += 3600
    assert [limits.admit(1).value for _ in range(3)] == ["serve", "serve", "warn"]


def test_a_flood_that_keeps_going_stays_refused_and_is_told_once(clock):
    """Ten a second for a minute: a burst served at the start, one warning, nothing more."""
    limits = Throttle(burst=10, rate=1.0, clock=clock)
    verdicts = Counter()
    for _ in range(600):
        verdicts[limits.admit(7)] += 1
        clock.now += 0.1
    # The eleventh came a second after the first: a token had trickled in by then.
    assert verdicts == {Verdict.SERVE: 11, Verdict.WARN: 1, Verdict.DROP: 588}
    clock.now += 1.0
    assert [limits.admit(7) for _ in range(2)] == [Verdict.SERVE, Verdict.DROP]
    clock.now += 10.0  # a full bucket: the flood is over, and a new one is told again
    verdicts = [limits.admit(7) for _ in range(12)]
    assert verdicts == [Verdict.SERVE] * 10 + [Verdict.WARN, Verdict.DROP]


def test_a_flood_with_pauses_is_told_once(clock):
    """Three messages every two seconds: two served each time, never a second warning."""
    limits = Throttle(burst=10, rate=1.0, clock=clock)
    verdicts = Counter()
    for _ in range(100):
        for _ in range(3):
            verdicts[limits.admit(7)] += 1
        clock.now += 2.0
    assert verdicts[Verdict.WARN] == 1
    assert verdicts[Verdict.SERVE] == 10 + 2 * 99


def test_a_human_pace_is_never_refused(clock):
    """Forty messages, one every second and a half, after ten button taps in two seconds."""
    limits = Throttle(clock=clock)
    for _ in range(10):
        assert limits.admit(7) is Verdict.SERVE
        clock.now += 0.2
    for _ in range(40):
        clock.now += 1.5
        assert limits.admit(7) is Verdict.SERVE


def test_inline_queries_cost_less_and_warn_only_where_they_can(clock):
    limits = Throttle(clock=clock)
    cost = throttle.INLINE_QUERY_COST
    verdicts = [limits.admit(7, cost, can_warn=False) for _ in range(41)]
    assert verdicts == [Verdict.SERVE] * 40 + [Verdict.DROP]
    assert limits.admit(7) is Verdict.WARN  # the warning waited for an update that can show it


def test_users_whose_bucket_refilled_are_forgotten(clock, monkeypatch):
    monkeypatch.setattr(throttle, "SWEEP_AT", 100)
    limits = Throttle(burst=2, rate=1.0, clock=clock)
    for user in range(100):
        limits.admit(user)
    assert len(limits) == 100
    clock.now += 2.0
    limits.admit("late")
    assert len(limits) == 1
    for user in range(150):
        limits.admit(user)
    assert len(limits) == 151  # still refilling: kept


@given(gaps=st.lists(st.floats(0, 5), max_size=200), costs=st.sampled_from([1.0, 0.25]))
def test_never_more_than_the_burst_plus_the_rate_over_any_span(gaps, costs):
    clock = Clock()
    start = clock.now
    limits = Throttle(burst=10, rate=1.0, clock=clock)
    served = 0.0
    for gap in gaps:
        clock.now += gap
        if limits.admit(7, costs) is Verdict.SERVE:
            served += costs
    assert served <= 10 + (clock.now - start) * 1.0 + 1e-9


# -- end to end: the real application ----------------------------------------------------------
def _message(chat: Chat, message_id: int, text: str) -> Update:
    message = {
        "message_id": message_id,
        "date": 1_700_000_000,
        "chat": chat.chat,
        "from": chat.user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return Update.de_json({"update_id": message_id, "message": message}, chat.app.bot)


async def test_a_flood_gets_a_few_answers_and_one_notice_while_others_are_served(
    running_bot, caplog
):
    """100 messages from one user and 10 from another, all queued at once as polling would:
    the flooder gets the first few answered and one "slow down", in Spanish; the other user
    gets every answer."""

    with caplog.at_level(logging.WARNING, logger="bot.telegram.application"):
        async with running_bot() as bot:
            flooder = bot.chat(user_id=21, chat_id=21, language_code="es")
            other = bot.chat(user_id=22, chat_id=22)
            for n in range(100):
                await bot.app.update_queue.put(_message(flooder, n + 1, "/cantidad netflix"))
                if n % 10 == 0:
                    await bot.app.update_queue.put(_message(other, 1000 + n, "/count hulu"))
            await bot.app.update_queue.join()
            while len({call.params["chat_id"] for call in bot.api.sent if call.text}) < 2:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)
    to_flooder = [call.text for call in bot.api.sent if call.params["chat_id"] == 21]
    to_other = [call.text for call in bot.api.sent if call.params["chat_id"] == 22]
    notice = i18n.ES["slow_down"]
    assert to_flooder.count(notice) == 1
    answers = [text for text in to_flooder if text != notice]
    assert 10 <= len(answers) <= 15  # ten at once, and whatever trickled in meanwhile
    assert all(text.startswith("📊 Netflix tiene") for text in answers)
    assert len(to_other) == 10 and all(text.startswith("📊 Hulu has") for text in to_other)
    assert caplog.text.count("user 21 sends too much too fast") == 1


async def test_inline_queries_and_buttons_are_throttled_too(bot):
    bot.app.bot_data[telegram_app.THROTTLE] = Throttle(clock=lambda: 0.0)  # time stands still
    typist = bot.chat(user_id=31, chat_id=31)
    answered = 0
    for n in range(60):
        calls = await typist.feed(
            {"inline_query": {"id": f"q{n}", "from": typist.user, "query": "toy", "offset": ""}}
        )
        answered += len(calls)
    assert answered == 40  # a quarter of a token each; no notice: no chat to show it
    (notice,) = await typist.say("/count netflix")
    assert notice.text == i18n.EN["slow_down"]

    presser = bot.chat(user_id=32, chat_id=32)
    pressed = [await presser.press("rec:ds1:5:") for _ in range(15)]
    assert all(calls for calls in pressed[:10])
    toast = pressed[10]
    assert [call.method for call in toast] == ["answerCallbackQuery"]
    assert toast[0].params["text"] == replies.plain_text(i18n.EN["slow_down"])
    assert pressed[11:] == [[]] * 4


async def test_group_chatter_costs_nothing(bot):
    """A chatty member of a group (privacy mode off) is not throttled for talking to others."""

    group = bot.chat(user_id=41, chat_id=-100500, chat_type="supergroup")
    for n in range(30):
        assert await group.say(f"lol {n}") == []
    assert "Netflix has" in await group.reply("/count@StreamBot netflix")
