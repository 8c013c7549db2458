"""Discovery through the real PTB application and the fake Bot API: described wishes, follow-ups
that keep the earlier wishes (also on another bot sharing the chat database), refine buttons,
groups and inline mode, in English and Spanish."""

from __future__ import annotations

import re

import pytest

from scripts.fake_bot_api import Call, FakeBotApi
from tests.bot.test_workers import answered, deployed

# The fixture catalogue's comedies on Netflix (Abnormal Summit is stand-up comedy).
NETFLIX_COMEDY_SERIES = {"The Office", "Abnormal Summit"}
NETFLIX_COMEDIES = {"Amélie", *NETFLIX_COMEDY_SERIES}


def _titles(text: str) -> list[str]:
    """The titles of a discovery page, in order."""
    return re.findall(r"^\d+\. <b>(.+?)</b>", text, flags=re.MULTILINE)


def _refine(page: Call, action: str) -> str:
    (data,) = [data for _, data in page.buttons if data.endswith(f":{action}")]
    return data


async def _page(chat, text: str) -> Call:
    (sent,) = [call for call in await chat.say(text) if call.method == "sendMessage"]
    return sent


async def test_a_described_wish_gets_a_list_not_a_title_lookup(bot):
    page = await _page(bot.chat(), "something funny on netflix")
    assert page.text.startswith("🍿 <b>Something to watch</b>: comedy · Netflix")
    assert set(_titles(page.text)) == NETFLIX_COMEDIES
    assert "couldn't find anything called" not in page.text
    assert {label for label, _ in page.buttons} >= {"🎬 Movies", "📺 Series", "⭐ Top rated"}


async def test_the_same_wish_in_spanish_is_answered_in_spanish(bot):
    page = await _page(bot.chat(language_code="en"), "algo de risa en netflix")
    assert page.text.startswith("🍿 <b>Algo para ver</b>: comedia · Netflix")
    assert set(_titles(page.text)) == NETFLIX_COMEDIES


async def test_a_follow_up_keeps_the_earlier_wishes(bot):
    chat = bot.chat()
    await _page(chat, "something funny on netflix")
    series = await _page(chat, "only series")
    assert set(_titles(series.text)) == NETFLIX_COMEDY_SERIES
    assert "comedy · TV show · Netflix" in series.text
    movies = await _page(chat, "solo películas")
    assert _titles(movies.text) == ["Amélie"]


async def test_a_follow_up_with_nothing_before_it_asks_for_a_wish(bot):
    reply = await bot.chat().reply("more")
    assert "Tell me what you feel like first" in reply
    assert "something funny on netflix" in reply


async def test_refine_buttons_replace_the_list_and_old_ones_expire(bot):
    chat = bot.chat()
    first = await _page(chat, "something funny on netflix")
    (edited,) = [
        call
        for call in await chat.press(_refine(first, "tv"))
        if call.method != "answerCallbackQuery"
    ]
    assert edited.method == "editMessageText"
    assert set(_titles(edited.text)) == NETFLIX_COMEDY_SERIES
    # The list the first message showed is no longer the chat's last.
    answers = await chat.press(_refine(first, "movie"))
    (alert,) = [call for call in answers if call.method == "answerCallbackQuery"]
    assert alert.params["show_alert"] is True
    assert "That list is old" in alert.params["text"]


async def test_liked_titles_inside_a_sentence_are_used_and_left_out(bot):
    page = await _page(bot.chat(), "I loved toy story and the mandalorian")
    titles = _titles(page.text)
    assert titles
    assert not {"Toy Story", "The Mandalorian"} & set(titles)
    assert "like Toy Story and The Mandalorian" in page.text


@pytest.mark.parametrize(
    ("text", "header"),
    [
        (
            "I loved Star Wars: The Clone Wars and Heat",
            "Something to watch</b>: like Star Wars: The Clone Wars and Heat",
        ),
        (
            "me gustaron star wars: the clone wras y stranger thigns",
            "Algo para ver</b>: como Star Wars: The Clone Wars y Stranger Things",
        ),
    ],
)
async def test_liked_titles_are_cut_where_the_catalogue_titles_say(bot, text, header):
    """A title with a colon or "and" in it, typed with a slip or not, is one title."""
    page = await _page(bot.chat(), text)
    assert header in page.text
    assert _titles(page.text)
    liked = {"Star Wars: The Clone Wars", "Heat", "Stranger Things"}
    assert not liked & set(_titles(page.text))


@pytest.mark.parametrize(
    ("text", "header"),
    [
        ("horor movies", "🍿 <b>Something to watch</b>: horror · Movie"),
        ("peliculas de terorr", "🍿 <b>Algo para ver</b>: terror · Película"),
        ("comdy on netflix", "🍿 <b>Something to watch</b>: comedy · Netflix"),
    ],
)
async def test_a_genre_typed_with_a_slip_is_the_genre(bot, text, header):
    page = await _page(bot.chat(), text)
    assert page.text.startswith(header)


@pytest.mark.parametrize(
    ("text", "header"),
    [
        (
            "something like toy story but newer",
            "Something to watch</b>: from 1996 · like Toy Story",
        ),
        ("algo como toy story pero más reciente", "Algo para ver</b>: desde 1996 · como Toy Story"),
        ("like breaking bad but a movie", "Something to watch</b>: Movie · like Breaking Bad"),
    ],
)
async def test_like_a_title_but_newer_or_a_movie(bot, text, header):
    page = await _page(bot.chat(), text)
    assert header in page.text
    assert _titles(page.text)


async def test_newer_moves_the_years_forward(bot):
    """From the 90s, "newer" (typed, or its button) asks for the 2000s, not the last years."""
    chat = bot.chat()
    nineties = await _page(chat, "comedies from the 90s")
    assert "1990–1999" in nineties.text
    typed = await _page(chat, "newer")
    assert "comedy · 2000–2009" in typed.text
    assert set(_titles(typed.text)) == {"Amélie", "The Office"}
    (pressed,) = [
        call
        for call in await chat.press(_refine(typed, "newer"))
        if call.method == "editMessageText"
    ]
    assert "comedy · 2010–2019" in pressed.text


async def test_shorter_keeps_movies_and_series_when_the_list_has_both(bot):
    chat = bot.chat()
    await _page(chat, "something funny on netflix")
    shorter = await _page(chat, "something shorter")
    assert "comedy · Netflix · under 90 min · 1 season" in shorter.text
    await _page(chat, "only movies")
    movies = await _page(chat, "shorter")
    assert "comedy · Movie · Netflix · under 60 min\n" in movies.text


async def test_one_year_reads_as_one_year(bot):
    page = await _page(bot.chat(), "movies from 2017")
    assert page.text.startswith("🍿 <b>Something to watch</b>: Movie · 2017\n")


async def test_a_plot_from_memory_finds_the_show(bot):
    page = await _page(bot.chat(), "the show where a chemistry teacher makes drugs")
    assert _titles(page.text)[0] == "Breaking Bad"


async def test_contradicting_wishes_say_what_was_let_go(bot):
    page = await _page(bot.chat(), "a horror movie for kids under 10 minutes")
    assert "Nothing matched every wish, so I let go of" in page.text
    assert _titles(page.text)


async def test_groups_discover_with_the_command_and_a_mention(bot):
    group = bot.chat(chat_id=-100555, chat_type="supergroup")
    assert "The Office" in await group.reply("/find@StreamBot funny series on netflix")
    assert "Amélie" in await group.reply("@StreamBot comedias en netflix")
    assert await group.say("something funny on netflix") == []  # chatter, not for the bot


async def test_inline_discovery_pages(bot):
    answer = await bot.chat().inline("funny stuff on netflix")
    titles = {result["title"] for result in answer.params["results"]}
    assert titles == {
        "Amélie (2001)",
        "The Office (2005, latest season)",
        "Abnormal Summit (2017, latest season)",
    }


async def test_a_follow_up_is_served_by_another_os_process_on_the_same_database(
    built_copy, tmp_path
):
    """One ``streambot run --webhook`` answers the wish and stops; a second one, started on
    the same chat database, answers the follow-up with the earlier wishes kept."""
    async with FakeBotApi() as api:
        user = api.user(600)
        chat = api.private_chat(user)
        async with deployed(api, built_copy.data_dir, tmp_path, workers=1) as first:
            await first.healthy(1)
            api.push(api.message_update(chat, user, "something funny on netflix"))
            (wish,) = await answered(api, 1)
        async with deployed(api, built_copy.data_dir, tmp_path, workers=1) as second:
            assert first.process.returncode == 0
            await second.healthy(1)
            api.push(api.message_update(chat, user, "only series"))
            _, series = await answered(api, 2)
    assert second.process.pid != first.process.pid
    assert set(_titles(wish.params["text"])) == NETFLIX_COMEDIES
    assert set(_titles(series.params["text"])) == NETFLIX_COMEDY_SERIES
    assert "comedy · TV show · Netflix" in series.params["text"]


async def test_a_follow_up_reaches_another_bot_process_sharing_the_database(running_bot, tmp_path):
    database = f"sqlite:///{tmp_path / 'chats.sqlite3'}"
    async with running_bot(db_url=database) as first, running_bot(db_url=database) as second:
        await _page(first.chat(), "something funny on netflix")
        series = await _page(second.chat(), "only series")
        assert set(_titles(series.text)) == NETFLIX_COMEDY_SERIES


# Every first message issue 13 quotes, in both languages: none may be looked up as a title
# ("couldn't find anything called"), apologised for, or left unanswered.
FIRST_MESSAGES = [
    "recommend me a good horror movie",
    "something funny on netflix",
    "algo para ver con niños",
    "comedy",
    "horror",
    "a romantic comedy",
    "best movies on netflix",
    "korean dramas on netflix",
    "películas de acción de los 90",
    "a short comedy under 90 minutes",
    "the show where a chemistry teacher makes drugs",
    "la serie del profesor de química que fabrica droga",
    "I loved inception and shutter island",
    "me gustaron narcos y ozark",
    "i just finished stranger things, what should i watch next?",
    "how many movies does netflix have",
    "what's new on hulu",
    "novedades",
    "pelis de terror de los 90",
    "hola",
]
NOT_UNDERSTOOD = ("couldn't find anything called", "No encontré nada llamado", "Sorry", "Perdona")


@pytest.mark.parametrize("text", FIRST_MESSAGES)
async def test_a_first_message_succeeds_in_a_private_chat_a_group_and_inline(bot, text):
    private = await bot.chat(language_code="en").reply(text)
    assert private and not any(words in private for words in NOT_UNDERSTOOD), private
    group = bot.chat(chat_id=-100600, chat_type="supergroup")
    mentioned = await group.reply(f"@StreamBot {text}")
    assert mentioned and not any(words in mentioned for words in NOT_UNDERSTOOD), mentioned
    answer = await bot.chat().inline(text)
    assert answer.method == "answerInlineQuery"


async def test_what_was_let_go_and_what_was_not_found_read_naturally(bot):
    chat = bot.chat()
    page = await _page(chat, "british crime series from the 80s")
    let_go = re.search(r"so I let go of (.+?)\.", page.text).group(1)
    assert let_go.count("the years") <= 1, let_go
    unknown = await _page(chat, "I liked zzqx unknownfilm and toy story")
    assert "so I left it out" in unknown.text


@pytest.mark.parametrize(
    ("text", "header"),
    [
        ("heisenberg cooks crystal meth in an rv", "🍿 <b>Something to watch</b>"),
        ("un profesor de química llamado walter white", "🍿 <b>Algo para ver</b>"),
    ],
)
async def test_a_description_that_names_no_title_is_searched_as_a_plot(bot, text, header):
    """Free text read as a title that names none, but whose words tell a plot, gets the
    works it describes, not "not found"."""
    page = await _page(bot.chat(), text)
    assert page.text.startswith(header)
    assert _titles(page.text)[0] == "Breaking Bad"


async def test_words_that_tell_nothing_are_still_not_found(bot):
    reply = await bot.chat().reply("qwe rty uio")
    assert "I couldn't find anything called “qwe rty uio”" in reply


async def test_a_type_then_words_that_name_no_title_is_a_list_about_them(bot):
    """ "la serie de walter white" asks for series about him; "la serie de breaking bad" names
    its title, and "Scary Movie", a title, stays one."""
    page = await _page(bot.chat(language_code="es"), "la serie de walter white")
    assert page.text.startswith("🍿 <b>Algo para ver</b>: Serie · “walter white”")
    assert _titles(page.text)[0] == "Breaking Bad"
    card = await bot.chat(language_code="es").reply("la serie de breaking bad")
    assert card.startswith("<b>Breaking Bad</b> (2008–2013)\nSerie")
