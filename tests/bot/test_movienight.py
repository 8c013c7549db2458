"""Movie night end to end: the real bot over the fake Bot API, with its chat database in a real
SQLite file (and PostgreSQL when ``STREAMBOT_TEST_POSTGRES_URL`` names a server).

A group starts a vote with ``/movienight``; members vote (the poll's ``poll_answer`` updates),
change and take back votes; whoever started it or an admin closes it, or Telegram does when its
time runs out; the winner is announced once, with where it streams.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.chat.callbacks import CLOSE_VOTE, encode_suggest
from bot.chat.commands import answer, parse_message
from bot.chat.i18n import join_names
from bot.chat.replies import Button, Reply
from bot.chat.replies.movienight import POLL_SIZE, option_label, result_reply
from bot.storage import MovieNight
from bot.telegram.application import STORE
from recommender.engine import Engine, WorkDetails
from scripts.fake_bot_api import Call, FakeBotRequest
from tests.bot.conftest import BotHarness, Chat, StartBot, postgres_schema

GROUP = -100_555
ADMIN = 50  # the group's administrator
STARTER, BEA, CAL, DAN, EVA = 51, 52, 53, 54, 55


def member(bot: BotHarness, user_id: int, language_code: str = "en") -> Chat:
    return bot.chat(
        user_id=user_id, chat_id=GROUP, chat_type="supergroup", language_code=language_code
    )


async def start(chat: Chat, command: str) -> Call:
    """The one poll ``command`` sends."""
    calls = await chat.say(command)
    polls = [call for call in calls if call.method == "sendPoll"]
    assert len(polls) == 1, [call.text for call in calls]
    assert not [call for call in calls if call.method == "sendMessage"]
    return polls[0]


def night_of(bot: BotHarness, poll: Call) -> MovieNight:
    """The movie night the bot keeps for ``poll``: the database is what counts."""
    night = bot.app.bot_data[STORE].movie_night(GROUP, poll.result["message_id"])
    assert night is not None
    return night


def works_of(engine: Engine, night: MovieNight) -> list[WorkDetails]:
    return [engine.details(engine.work_of(record_id)) for record_id in night.options]


async def vote(bot: BotHarness, chat: Chat, poll: Call, *options: int) -> None:
    update = bot.api.poll_answer_update(chat.user, poll.result["poll"]["id"], options)
    assert await chat.feed(update) == []


async def close(chat: Chat, poll: Call) -> list[Call]:
    return await chat.press(CLOSE_VOTE, message_id=poll.result["message_id"])


def toast(calls: list[Call]) -> str:
    (answered,) = [call for call in calls if call.method == "answerCallbackQuery"]
    return str(answered.params.get("text", ""))


def announcements(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.method == "sendMessage"]


async def set_platforms(bot: BotHarness, *platforms: str) -> None:
    bot.api.statuses[GROUP, ADMIN] = "administrator"
    saved = await member(bot, ADMIN).reply("/platforms " + " ".join(platforms))
    assert saved.startswith("✅ Saved.")


# -- the replies ---------------------------------------------------------------------------------
def test_equal_scores_tie_to_the_first_title_and_titles_gone_since_do_not_count(engine):
    # Toy Story 2 (ds2) and Amélie (ns6) both score 7.9; zz9 left the catalogue.
    reply = result_reply([("ds2", 2), ("ns6", 2), ("zz9", 5), ("ns1", 1)], engine, "en")
    assert reply.text == (
        "🏆 The winner, with 2 votes: <b>Amélie</b> (2001)\n"
        "It was a tie: of the tied titles, the best scored wins.\n"
        "📺 Streams on Netflix"
    )
    assert reply.buttons == ((Button("ℹ️ About Amélie", "info:ns6"),),)


def test_a_title_with_no_score_loses_a_tie(engine):
    reply = result_reply([("as4", 1), ("hs5", 1)], engine, "es")  # The Office has no score
    assert reply.text.startswith("🏆 Gana, con 1 voto: <b>Silent Night</b> (2020)\nHubo empate")


@pytest.mark.parametrize("votes", [[("ns1", 0), ("ds1", 0)], [("zz9", 3)], []])
def test_no_votes_no_winner(engine, votes):
    reply = result_reply(votes, engine, "en")
    assert reply.text.startswith("🗳️ Nobody voted") and reply.buttons == ()


def test_a_poll_option_keeps_to_telegrams_100_characters_cutting_the_title(engine):
    toy_story = engine.details(engine.work_of("ds1"))
    label = option_label(replace(toy_story, title="A Very Long Title " * 20), engine, "en")
    assert len(label) == 100
    assert label.startswith("A Very Long Title") and label.endswith(
        "… (1995) · Disney+, Hulu · ⭐ 8.3"
    )


def ask_in_a_group(engine: Engine, text: str, mine: frozenset[str] = frozenset()) -> Reply:
    intent = parse_message(text, engine.registry, titles=engine)
    return answer(intent, engine, "en", mine=mine, group=True)


def test_the_poll_question_keeps_to_telegrams_300_characters(engine):
    reply = ask_in_a_group(
        engine, "/movienight comedy about " + "friendship and a road trip " * 150
    )
    assert reply.poll is not None
    assert reply.poll.question.startswith("🍿 Movie night (comedy · Movie · “friendship and")
    assert len(reply.poll.question) <= 300


def test_a_platform_the_request_names_wins_over_the_groups(engine):
    reply = ask_in_a_group(engine, "/movienight on hulu", mine=frozenset({"netflix"}))
    works = [engine.details(engine.work_of(option.record_id)) for option in reply.poll.options]
    assert len(works) >= 2 and all("hulu" in work.platforms for work in works)


def test_wishes_nothing_fits_are_no_vote(engine):
    reply = ask_in_a_group(engine, "/movienight horror from the 70s")
    assert reply.poll is None and reply.nothing_found
    assert reply.text.startswith("I couldn't find enough titles on this group's platforms")


# -- the bot -------------------------------------------------------------------------------------
async def test_a_whole_movie_night_with_a_restart_between_votes(
    running_bot: StartBot, engine: Engine, tmp_path
):
    database = f"sqlite:///{tmp_path / 'streambot.sqlite3'}"
    api = FakeBotRequest()
    async with running_bot(db_url=database, api=api) as bot:
        await set_platforms(bot, "netflix", "disney")
        starter = member(bot, STARTER)
        poll = await start(starter, "/movienight something funny")
        sent = poll.params
        assert sent["is_anonymous"] is False and sent["allows_multiple_answers"] is True
        assert "open_period" not in sent  # no time limit by default: the button closes it
        assert sent["question"] == "🍿 Movie night (comedy · Movie): what shall we watch?"
        assert poll.buttons == [("🔒 Close the vote", CLOSE_VOTE)]
        night = night_of(bot, poll)
        works = works_of(engine, night)
        assert 2 <= len(works) <= POLL_SIZE == 5
        labels = [option["text"] for option in sent["options"]]
        assert [label.split(" (")[0] for label in labels] == [work.title for work in works]
        for work in works:
            assert {"netflix", "disney"} & set(work.platforms), work.title
            assert "comedy" in work.genre_words and work.type == "movie", work.title
        assert (night.starter_id, night.lang, night.closed) == (STARTER, "en", False)
        bea, cal = member(bot, BEA), member(bot, CAL)
        await vote(bot, starter, poll, 0)
        await vote(bot, bea, poll, 1)
        await vote(bot, bea, poll, 0, 2)  # a changed vote replaces the first
        await vote(bot, cal, poll, 0)
        await vote(bot, cal, poll)  # and a vote taken back counts for nothing
    async with running_bot(db_url=database, api=api) as bot:  # the bot restarted
        starter, bea = member(bot, STARTER), member(bot, BEA)
        await vote(bot, member(bot, DAN), poll, 0)
        await vote(bot, member(bot, EVA), poll, 2)
        refused = await close(bea, poll)
        assert toast(refused) == "Only whoever started the vote, or a group admin, can close it."
        assert not announcements(refused) and not api.of("stopPoll")
        calls = await close(starter, poll)
        assert [call.method for call in calls][:1] == ["stopPoll"]
        (winner,) = announcements(calls)
        first = works[0]
        assert winner.text.startswith(f"🏆 The winner, with 3 votes: <b>{first.title}</b> (")
        assert "tie" not in winner.text
        platforms = join_names("en", engine.registry.display(first.platforms))
        assert f"📺 Streams on {platforms}" in winner.text
        assert winner.buttons == [(f"ℹ️ About {first.title}", f"info:{night.options[0]}")]
        assert winner.reply_to == poll.result["message_id"]
        card = await starter.press(f"info:{night.options[0]}")
        assert f"<b>{first.title}</b>" in card[-1].text
        # Telegram then reports the stopped poll, and the button is pressed again: still one
        # announcement.
        assert await starter.feed(api.poll_update(poll.result["poll"]["id"])) == []
        again = await close(starter, poll)
        assert toast(again) == "This vote is closed already."
        assert not announcements(again)
        assert len(api.of("stopPoll")) == 1


async def test_a_tie_goes_to_the_best_scored_title(bot: BotHarness, engine: Engine):
    chat = member(bot, STARTER)
    poll = await start(chat, "/movienight")
    works = works_of(engine, night_of(bot, poll))
    scored = sorted(
        (work.score, number) for number, work in enumerate(works) if work.score is not None
    )
    (low_score, low), (high_score, high) = scored[0], scored[-1]
    assert low_score < high_score
    await vote(bot, chat, poll, low)  # the first vote, for the lower scored
    await vote(bot, member(bot, BEA), poll, high)
    (winner,) = announcements(await close(chat, poll))
    assert f"with 1 vote: <b>{works[high].title}</b>" in winner.text
    assert "It was a tie: of the tied titles, the best scored wins." in winner.text


async def test_with_no_wishes_the_poll_holds_well_scored_movies_of_different_kinds(
    bot: BotHarness, engine: Engine
):
    works = works_of(engine, night_of(bot, await start(member(bot, STARTER), "/movienight")))
    assert len(works) == POLL_SIZE
    assert all(work.type == "movie" and work.score is not None for work in works)
    assert len({work.genre_words[0] for work in works}) == len(works)
    assert "Toy Story" in [work.title for work in works]  # the fixtures' best scored movie
    assert "Toy Story 2" not in [work.title for work in works]  # of a kind already there


async def test_titles_the_group_liked_or_disliked_are_left_out(bot: BotHarness, engine: Engine):
    chat = member(bot, STARTER)
    before = works_of(engine, night_of(bot, await start(chat, "/movienight")))
    assert {"Toy Story", "Amélie"} <= {work.title for work in before}
    await chat.press("fb:l:ds1")  # seen Toy Story: liked it
    await member(bot, BEA).press("fb:d:ns6")  # Amélie: not for us
    after = works_of(engine, night_of(bot, await start(chat, "/movienight")))
    assert len(after) == POLL_SIZE
    assert not {"Toy Story", "Amélie"} & {work.title for work in after}


async def test_an_admin_may_close_anyones_vote_and_nobody_voting_is_said(bot: BotHarness):
    poll = await start(member(bot, STARTER), "/movienight")
    bot.api.statuses[GROUP, ADMIN] = "administrator"
    (said,) = announcements(await close(member(bot, ADMIN), poll))
    assert said.text == "🗳️ Nobody voted, so there's no winner. Start another with /movienight."
    assert said.buttons == []


async def test_suggestions_come_first_in_the_next_poll_and_are_used_up(
    bot: BotHarness, engine: Engine
):
    await set_platforms(bot, "netflix", "amazon")
    bea = member(bot, BEA)
    assert await bea.reply("/suggest dick johnson is dead") == (
        "🙋 Added <b>Dick Johnson Is Dead</b> (2020) to the next movie night."
    )
    assert await member(bot, CAL).reply("/suggest Dick Johnson Is Dead") == (
        "<b>Dick Johnson Is Dead</b> (2020) is already in the next movie night."
    )
    assert await bea.reply("/suggest toy story 2") == (
        "<b>Toy Story 2</b> (1999) isn't on this group's platforms (Prime Video and Netflix), "
        "so it can't be in the vote."
    )
    # A title several works share: the did-you-mean buttons suggest the one picked.
    unclear = (await bea.say("/suggest the office"))[-1]
    choices = dict(unclear.buttons)
    assert set(choices.values()) == {encode_suggest("as4"), encode_suggest("ns2")}
    picked = (await bea.press(encode_suggest("ns2")))[-1]
    assert picked.method == "editMessageText"
    assert (
        picked.text == "🙋 Added <b>The Office</b> (2005, latest season) to the next movie night."
    )
    poll = await start(member(bot, STARTER), "/movienight something funny")
    works = works_of(engine, night_of(bot, poll))
    # Suggestions first, in the order they came, whatever was asked for (The Office is a show).
    assert [work.title for work in works[:2]] == ["Dick Johnson Is Dead", "The Office"]
    assert works[1].year == 2005
    later = works_of(engine, night_of(bot, await start(member(bot, CAL), "/movienight")))
    assert "The Office" not in [work.title for work in later]


async def test_a_vote_closed_by_telegram_when_its_time_is_up_is_announced_once(
    running_bot: StartBot, engine: Engine
):
    async with running_bot(vote_minutes=30) as bot:
        chat = member(bot, STARTER)
        poll = await start(chat, "/movienight")
        assert poll.params["open_period"] == 1800
        night = night_of(bot, poll)
        assert night.closes_at is not None
        assert 1790 <= (night.closes_at - night.created_at).total_seconds() <= 1800
        await vote(bot, chat, poll, 1)
        # A vote count changing is no close.
        assert await chat.feed(bot.api.poll_update(poll.result["poll"]["id"])) == []
        ended = bot.api.poll_update(poll.result["poll"]["id"], close=True)
        calls = await chat.feed(ended)
        (winner,) = announcements(calls)
        title = works_of(engine, night)[1].title
        assert f"🏆 The winner, with 1 vote: <b>{title}</b>" in winner.text
        assert [call.method for call in calls] == ["stopPoll", "sendMessage"]  # refused: closed
        assert announcements(await chat.feed(ended)) == []


async def test_mydata_lists_a_groups_movie_nights_and_forget_ends_them(bot: BotHarness):
    starter = member(bot, STARTER)
    await starter.say("/suggest amelie")
    poll = await start(starter, "/movienight comedy")
    await vote(bot, starter, poll, 0, 1)
    await starter.say("/suggest dick johnson is dead")
    shown = await starter.reply("/mydata")
    assert "• 1 movie night poll, kept until the one after it starts" in shown
    assert "• 1 vote in an open movie night (deleted once counted)" in shown
    assert "• 1 title suggested for the next movie night" in shown
    bot.api.statuses[GROUP, ADMIN] = "administrator"
    await member(bot, ADMIN).press("fgt:y")
    assert "keep nothing" in await starter.reply("/mydata")
    # The vote is over: its votes and its close find no movie night.
    await vote(bot, member(bot, BEA), poll, 0)
    assert toast(await close(starter, poll)) == "This vote is closed already."
    assert not bot.api.of("stopPoll")


async def test_in_a_private_chat_movie_night_says_it_is_for_groups(bot: BotHarness):
    chat = bot.chat()
    assert await chat.reply("/movienight") == (
        "🍿 Movie night is for groups: add me to one and send <code>/movienight something "
        "funny</code> there. Everyone votes on up to 5 titles, and /suggest adds your own to "
        "the vote."
    )
    assert "in a group with me" in await chat.reply("/suggest toy story")
    assert not bot.api.of("sendPoll")


async def test_movie_night_in_spanish(bot: BotHarness, engine: Engine):
    chat = member(bot, STARTER, language_code="es")
    poll = await start(chat, "/nochedepeli algo divertido")
    assert poll.params["question"] == "🍿 Noche de peli (comedia · Película): ¿qué vemos?"
    assert poll.buttons == [("🔒 Cerrar la votación", CLOSE_VOTE)]
    assert "⭐ 8,3" in poll.params["options"][0]["text"]
    refused = await close(member(bot, BEA, language_code="es"), poll)
    assert toast(refused).startswith("Solo quien empezó la votación")
    await vote(bot, chat, poll, 0)
    (winner,) = announcements(await close(chat, poll))
    assert winner.text.startswith("🏆 Gana, con 1 voto: <b>Toy Story</b> (1995)")
    assert "📺 Disponible en Disney+ y Hulu" in winner.text
    assert await member(bot, CAL, language_code="es").reply("/sugerir amelie") == (
        "🙋 Añadí <b>Amélie</b> (2001) a la próxima noche de peli."
    )
    private = bot.chat(language_code="es")
    assert (await private.reply("/nochedepeli")).startswith("🍿 La noche de peli es para grupos")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new schema on the PostgreSQL server, for two bots to share."""
    with postgres_schema() as url:
        yield url


async def test_two_bots_sharing_postgresql_count_each_others_votes(
    running_bot: StartBot, engine: Engine, postgres_url: str
):
    api = FakeBotRequest()
    async with (
        running_bot(db_url=postgres_url, api=api) as one,
        running_bot(db_url=postgres_url, api=api) as other,
    ):
        poll = await start(member(one, STARTER), "/movienight")
        await vote(one, member(one, STARTER), poll, 2)
        await vote(other, member(other, BEA), poll, 2, 3)
        await vote(one, member(one, CAL), poll, 3)
        await vote(other, member(other, CAL), poll, 2)  # changed on the other bot
        # Telegram closes it (its time up) on one bot while its starter presses close on the
        # other: one announcement, of the votes both bots kept.
        before = len(api.calls)
        await asyncio.gather(
            member(other, STARTER).feed(api.poll_update(poll.result["poll"]["id"], close=True)),
            close(member(one, STARTER), poll),
        )
        (winner,) = announcements(api.calls[before:])
        title = works_of(engine, night_of(one, poll))[2].title
        assert f"🏆 The winner, with 3 votes: <b>{title}</b>" in winner.text


async def test_a_vote_cast_before_the_bot_stored_its_poll_is_kept(bot: BotHarness):
    """Telegram shows a poll to the group before the bot hears it was sent: a quick voter's
    vote reaches the bot before the poll's row does, and waits for it."""
    starter = member(bot, STARTER)
    poll = await start(starter, "/movienight@StreamBot comedy")
    night = night_of(bot, poll)
    store = bot.app.bot_data[STORE]
    early = replace(night, poll_id="early-poll", message_id=night.message_id + 1)
    voter = member(bot, BEA)
    bot.api.polls["early-poll"] = poll.result["poll"]
    update = bot.api.poll_answer_update(voter.user, "early-poll", [1])
    voting = asyncio.ensure_future(voter.feed(update))
    await asyncio.sleep(0.25)
    assert not voting.done()  # the vote waits for its poll
    store.start_movie_night(early)
    assert await voting == []
    tally = store.close_movie_night("early-poll")
    assert tally is not None and list(tally.votes) == [0, 1, 0, 0, 0][: len(night.options)]
