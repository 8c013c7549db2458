"""👍 👎 🔖 on titles, the watchlist, /foryou's fallback, sharing and privacy, end to end: the
real Application over the fake Bot API, with its real SQLite file (and PostgreSQL where
``STREAMBOT_TEST_POSTGRES_URL`` names one)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.storage import ChatStore
from scripts.fake_bot_api import Call

POSTGRES_URL = os.environ.get("STREAMBOT_TEST_POSTGRES_URL", "")


def _sent(calls: list[Call]) -> Call:
    (sent,) = [call for call in calls if call.method == "sendMessage"]
    return sent


def _record_ids(call: Call, prefix: str) -> list[str]:
    return [data.split(":")[1] for _, data in call.buttons if data.startswith(prefix)]


def _rows(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [name for (name,) in tables]
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in tables
            if not table.startswith("sqlite_")
        }


async def test_a_press_is_answered_at_once_and_ticks_the_button(bot):
    chat = bot.chat()
    sent = _sent(await chat.say("/recommend toy story"))
    assert ("👍", "fb:l:ds2") in sent.buttons
    calls = await chat.press("fb:l:ds2", message=sent.result)
    answer = next(call for call in calls if call.method == "answerCallbackQuery")
    assert answer.params["text"] == "👍 Glad you liked Toy Story 2. I won't suggest it again."
    (edit,) = [call for call in calls if call.method == "editMessageReplyMarkup"]
    assert ("👍✓", "fb:l:ds2") in edit.buttons
    assert ("👍", "fb:l:ds4") in edit.buttons  # the other results are untouched
    assert not [call for call in calls if call.method == "sendMessage"]


async def test_liked_and_disliked_titles_never_come_back_until_undone(bot):
    chat = bot.chat()
    first = _sent(await chat.say("/recommend toy story"))
    assert _record_ids(first, "more:")[:2] == ["ds2", "ds4"]
    await chat.press("fb:l:ds2", message=first.result)
    await chat.press("fb:d:ds4", message=first.result)
    again = _sent(await chat.say("/recommend toy story"))
    assert {"ds2", "ds4"}.isdisjoint(_record_ids(again, "more:"))
    assert "Toy Story 2" not in again.text
    found = _sent(await chat.say("/find animation"))
    assert "ds2" not in _record_ids(found, "more:")
    inline = await chat.inline("toy story")
    assert inline.params["is_personal"] is True
    assert not any(result["id"].endswith("-ds2") for result in inline.params["results"])
    calls = await chat.press("fb:l:ds2", message=again.result)
    answer = next(call for call in calls if call.method == "answerCallbackQuery")
    assert answer.params["text"] == "Undone."
    assert "ds2" in _record_ids(_sent(await chat.say("/recommend toy story")), "more:")


async def test_feedback_is_the_chat_s_own(bot):
    await bot.chat().press("fb:d:ds2")
    other = bot.chat(user_id=8, chat_id=8)
    assert "ds2" in _record_ids(_sent(await other.say("/recommend toy story")), "more:")


async def test_feedback_survives_a_restart_and_reaches_another_bot(running_bot, tmp_path):
    database = f"sqlite:///{tmp_path / 'chats.sqlite3'}"
    async with running_bot(db_url=database) as first:
        await first.chat().press("fb:d:ds2")
    async with running_bot(db_url=database) as again, running_bot(db_url=database) as other:
        for bot in (again, other):
            sent = _sent(await bot.chat().say("/recommend toy story"))
            assert "ds2" not in _record_ids(sent, "more:")


@pytest.mark.skipif(not POSTGRES_URL, reason="STREAMBOT_TEST_POSTGRES_URL is not set")
async def test_two_bots_on_postgresql_share_a_chat_s_feedback(running_bot):
    store = ChatStore(POSTGRES_URL)
    chat_id = 7_000_000_001
    store.forget(chat_id)
    store.close()
    # Two workers' settings: neither keeps a chat's choices in memory.
    shared = {"db_url": POSTGRES_URL, "workers": 2}
    async with running_bot(**shared) as first, running_bot(**shared) as second:
        one = first.chat(user_id=chat_id, chat_id=chat_id)
        two = second.chat(user_id=chat_id, chat_id=chat_id)
        await one.press("fb:s:ds2")
        await two.press("fb:d:ds4")
        listed = _sent(await two.say("/list"))
        assert "<b>Toy Story 2</b>" in listed.text
        sent = _sent(await one.say("/recommend toy story"))
        assert "ds4" not in _record_ids(sent, "more:")
        await one.say("/forget")
        await two.press("fgt:y")
        assert "keep nothing" in _sent(await one.say("/mydata")).text


async def test_the_watchlist_shows_saved_titles_removes_them_and_picks_one(bot):
    chat = bot.chat()
    assert "Your list is empty" in _sent(await chat.say("/list")).text
    for record in ("ds2", "hs4", "as3"):
        await chat.press(f"fb:s:{record}")
    listed = _sent(await chat.say("/list"))
    assert listed.text.startswith("🔖 <b>Your list</b> · 3 titles")
    # Newest first, each with where it streams.
    assert listed.text.index("Black Ice Run") < listed.text.index("Toy Story 2")
    assert "<b>Family Guy</b> (1999) · TV show · Hulu" in listed.text
    assert ("✖️ Family Guy", "lsr:hs4:0") in listed.buttons
    calls = await chat.press("lsr:hs4:0", message=listed.result)
    answer = next(call for call in calls if call.method == "answerCallbackQuery")
    assert answer.params["text"] == "Removed Family Guy from your list."
    (edit,) = [call for call in calls if call.method == "editMessageText"]
    assert "Family Guy" not in edit.text and "2 titles" in edit.text
    picked = _sent(await chat.press("lsp:"))
    assert picked.text.startswith("🎲 Tonight's pick from your list:")
    assert "Toy Story 2" in picked.text or "Black Ice Run" in picked.text
    comedy = _sent(await chat.say("/list pick animation"))
    assert "<b>Toy Story 2</b>" in comedy.text
    none = _sent(await chat.say("/list pick horror"))
    assert none.text.startswith("Nothing on your list fits")


async def test_the_watchlist_keeps_to_the_chat_s_platforms(bot):
    chat = bot.chat()
    for record in ("ds2", "hs4"):
        await chat.press(f"fb:s:{record}")
    await chat.say("/platforms hulu")
    listed = _sent(await chat.say("/list"))
    assert "Family Guy" in listed.text and "Toy Story 2" not in listed.text
    assert "1 more saved title isn't on your platforms" in listed.text


async def test_for_you_with_too_little_feedback_says_so_and_offers_the_best_rated(bot):
    sent = _sent(await bot.chat(language_code="es").say("/parami"))
    assert sent.text.startswith("✨ Aún no conozco tus gustos.")
    assert any(data.startswith("fb:l:") for _, data in sent.buttons)


async def test_a_card_can_be_shared_and_a_deep_link_opens_it(bot):
    chat = bot.chat()
    card = _sent(await chat.say("/info toy story 2"))
    keyboard = card.params["reply_markup"]["inline_keyboard"]
    (share,) = [b for row in keyboard for b in row if "switch_inline_query_chosen_chat" in b]
    assert share["text"] == "↗️ Share"
    assert share["switch_inline_query_chosen_chat"]["query"] == "Toy Story 2"
    inline = await chat.inline("toy story 2")
    text = inline.params["results"][0]["input_message_content"]["message_text"]
    assert f"https://t.me/{bot.bot_username}?start=w_ds2" in text
    opened = _sent(await bot.chat(user_id=9, chat_id=9).say("/start w_ds2"))
    assert opened.text.startswith("<b>Toy Story 2</b> (1999)")
    assert _sent(await chat.say("/start w_ds999")).text.startswith("That title is no longer")
    assert _sent(await chat.say("/start inline")).text.startswith("👋")


async def test_nothing_is_stored_for_a_chat_that_never_pressed_or_chose(running_bot, tmp_path):
    database = tmp_path / "chats.sqlite3"
    async with running_bot(db_url=f"sqlite:///{database}") as bot:
        chat = bot.chat()
        for text in ("hi", "/help", "/count netflix", "/info toy story 2", "/mydata"):
            await chat.say(text)
        assert "I keep nothing" in _sent(await chat.say("/mydata")).text
        assert not any(_rows(database).values())
        await chat.press("fb:s:ds2")
        await chat.say("/lang es")
        shown = _sent(await chat.say("/misdatos")).text
        assert "• Idioma: español" in shown and "• Guardado (1): Toy Story 2" in shown
        assert _rows(database)["chat_feedback"] == 1


async def test_forget_deletes_everything_after_a_confirmation(running_bot, tmp_path):
    database = tmp_path / "chats.sqlite3"
    async with running_bot(db_url=f"sqlite:///{database}") as bot:
        chat = bot.chat()
        await chat.press("fb:l:ds2")
        await chat.say("/platforms netflix")
        await chat.say("/recommend toy story")
        asked = _sent(await chat.say("/forget"))
        assert [data for _, data in asked.buttons] == ["fgt:y", "fgt:n"]
        await chat.press("fgt:n")
        assert _rows(database)["chat_feedback"] == 1
        calls = await chat.press("fgt:y")
        (edit,) = [call for call in calls if call.method == "editMessageText"]
        assert edit.text.startswith("🗑 Done")
        assert not any(_rows(database).values())
        assert "keep nothing" in _sent(await chat.say("/mydata")).text


async def test_in_a_group_only_admins_forget_its_data(bot):
    group = bot.chat(chat_id=-100, chat_type="group")
    await group.press("fb:s:ds2")
    calls = await group.press("fgt:y")
    answer = next(call for call in calls if call.method == "answerCallbackQuery")
    assert answer.params["show_alert"] is True
    assert "Toy Story 2" in _sent(await group.say("/list")).text


async def test_for_you_pages_on_and_keeps_to_a_type_when_asked(bot):
    chat = bot.chat()
    await chat.press("fb:l:ds2")  # Toy Story 2
    await chat.press("fb:s:hs4")  # Family Guy
    first = _sent(await chat.say("/foryou"))
    assert first.text.startswith("✨ <b>For you</b>")
    assert "because you liked" in first.text
    shown = _record_ids(first, "more:")
    assert shown and {"ds2", "hs4"}.isdisjoint(shown)
    movies = _sent(await chat.say("only movies"))
    assert movies.text.startswith("✨ <b>For you</b>") and "<i>Movies only</i>" in movies.text
    lines = [line for line in movies.text.split("\n") if line[:2].rstrip(".").isdigit()]
    assert lines and all("· Movie ·" in line for line in lines)
    assert ("Next 5 ➡️", "fy:5:M") in movies.buttons or len(lines) < 5
    more = _sent(await chat.say("more"))
    assert more.text.startswith(("✨ <b>For you</b>", "That's everything I have for you"))


async def test_asked_for_something_with_no_title_a_chat_with_a_taste_gets_its_picks(bot):
    chat = bot.chat()
    assert (await chat.reply("what should I watch tonight?")).startswith("Tell me a title.")
    await chat.press("fb:l:ds2")
    await chat.press("fb:s:hs4")
    picks = await chat.reply("what should I watch tonight?")
    assert picks.startswith("No title in mind? Here's what I'd pick for you.")
    assert "✨ <b>For you</b>" in picks and "because you liked" in picks
    stranger = bot.chat(user_id=8, chat_id=8, language_code="es")
    spanish = await stranger.reply("recomiéndame algo")
    assert spanish.startswith("Dime un título.")  # another chat, no taste yet
