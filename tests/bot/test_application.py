"""End to end: the real PTB Application, every handler, over the in-process fake Bot API."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import OperationalError
from telegram.error import TimedOut

from bot.chat import commands
from bot.chat.replies import inline
from bot.storage import ChatStore
from bot.telegram import application as telegram_app
from etl.build import run_etl
from recommender.engine import EngineHolder
from scripts.fake_bot_api import Call, FakeBotRequest, command_entities

# (message, language_code, what the reply must contain). Each command in English under its
# English name and in Spanish under its Spanish (or legacy) name.
COMMANDS = [
    ("/recommend toy story", "en", "If you like <b>Toy Story</b> (1995), try:"),
    ("/recomendar toy story", "es", "Si te gusta <b>Toy Story</b> (1995), prueba con:"),
    ("/get_recommendation toy story", "en", "<b>Toy Story 2</b> (1999)"),
    ("/longest 2014", "en", "The longest movie from 2014 is <b>Oct-01</b> (Netflix): 149 min."),
    ("/duracion 2014", "es", "La película más larga de 2014 es <b>Oct-01</b> (Netflix): 149 min."),
    ("/get_max_duration season", "en", "The TV show with the most seasons in the catalogue"),
    ("/scorecount disney 7 1995", "en", "1 movie on Disney+ from 1995 scores above 7"),
    ("/puntaje 1995 disney 7", "es", "1 película de Disney+ de 1995 tiene nota mayor que 7"),
    ("/count netflix", "en", "Netflix has 6 movies and 5 TV shows."),
    ("/cantidad netflix", "es", "Netflix tiene 6 películas y 5 series."),
    ("/get_count_platform prime video", "en", "Prime Video has"),
    ("/actor amazon 2014", "en", "The busiest cast member on Prime Video in 2014 is"),
    ("/get_actor hulu 2020", "es", "No tengo datos de reparto para los títulos de Hulu de 2020"),
    ("/country movie france 2001", "en", "1 movie from France was released in 2001."),
    ("/pais película francia 2001", "es", "1 película de Francia se estrenó en 2001."),
    ("/prod_per_county tv united states 2016", "en", "1 TV show from the United States"),
    ("/rating tv-ma", "en", "titles are rated TV-MA."),
    ("/clasificacion tv-ma", "es", "títulos tienen la clasificación TV-MA."),
    ("/get_contents pg13", "en", "1 title is rated PG-13."),
    ("/info amelie", "en", "<b>Amélie</b> (2001)\nMovie · 122 min · R · ⭐ 7.9"),
    ("/info amelie", "es", "<b>Amélie</b> (2001)\nPelícula · 122 min · R · ⭐ 7,9"),
    ("/help", "en", "/recommend toy story"),
    ("/ayuda", "es", "/recomendar toy story"),
    ("/start", "es", "encontrar qué ver en Prime Video, Disney+, Hulu y Netflix"),
]


@pytest.mark.parametrize(("text", "language_code", "expected"), COMMANDS)
async def test_each_command_answers_in_the_users_language(bot, text, language_code, expected):
    chat = bot.chat(language_code=language_code)
    assert expected in await chat.reply(text)


@pytest.mark.parametrize(("text", "language_code", "expected"), COMMANDS)
async def test_each_command_works_in_a_group_addressed_to_the_bot(
    bot, text, language_code, expected
):
    command, _, rest = text.partition(" ")
    addressed = f"{command}@StreamBot {rest}".strip()

    group = bot.chat(language_code=language_code, chat_id=-100777, chat_type="supergroup")
    assert expected in await group.reply(addressed)
    assert await group.say(f"{command}@OtherBot {rest}".strip()) == []


@pytest.mark.parametrize(
    ("text", "language_code", "expected"),
    [
        ("/scorecount netflix", "en", "Tell me a score from 0 to 10.\nExample: /scorecount"),
        ("/puntaje netflix", "es", "Dime una nota del 0 al 10.\nEjemplo: /puntaje netflix 7 2015"),
        ("/count hbo", "en", "I don't know the platform “hbo”. Try Prime Video, Disney+"),
        ("/actor netflix 19", "es", "«19» no es un año que pueda usar"),
        ("/country tv", "en", "Tell me a country, like spain or united states."),
        ("/rating", "es", "Dime una clasificación por edad"),
        ("/rating xyz", "en", "I don't know the rating “xyz”. Common ones:"),
        ("/lang klingon", "en", "I don't speak “klingon” yet. Choose es or en."),
        ("/count <b>hbo</b>", "en", "“&lt;b&gt;hbo&lt;/b&gt;”"),
        ("/nonsense", "es", "No conozco el comando /nonsense. Envía /ayuda"),
    ],
)
async def test_bad_or_missing_arguments_say_what_was_wrong(bot, text, language_code, expected):
    assert expected in await bot.chat(language_code=language_code).reply(text)


async def test_a_missing_title_asks_for_one_with_a_force_reply(bot):
    (sent,) = [call for call in await bot.chat().say("/recommend") if call.method == "sendMessage"]
    assert "Tell me a title." in sent.text
    assert sent.params["reply_markup"] == {"force_reply": True, "selective": True}


async def test_the_language_code_picks_the_language(bot):
    assert "Netflix tiene" in await bot.chat(language_code="es-419").reply("/count netflix")
    assert "Netflix has" in await bot.chat(language_code="pt-BR").reply("/count netflix")
    assert "Netflix has" in await bot.chat(language_code="").reply("/count netflix")


async def test_lang_overrides_the_language_per_chat(bot):
    chat = bot.chat(language_code="en")
    assert "¡Listo! Hablaré en español" in await chat.reply("/lang es")
    assert "Netflix tiene" in await chat.reply("/count netflix")
    other_chat = bot.chat(language_code="en", chat_id=555)
    assert "Netflix has" in await other_chat.reply("/count netflix")
    assert "I'll speak English" in await chat.reply("/idioma english")
    assert "Netflix has" in await chat.reply("/count netflix")


async def test_group_commands_addressed_to_this_bot_work_and_others_are_ignored(bot):
    group = bot.chat(chat_id=-100123, chat_type="supergroup")
    calls = await group.say("/recommend@StreamBot toy story")
    (sent,) = [call for call in calls if call.method == "sendMessage"]
    assert "If you like <b>Toy Story</b>" in sent.text
    assert sent.params["reply_parameters"]["message_id"]  # quotes the asker in a group
    assert "Netflix has" in await group.reply("/count@streambot netflix")
    assert "Netflix has" in await group.reply("/count netflix")
    assert await group.say("/recommend@OtherBot toy story") == []
    assert await group.say("/unknown") == []  # probably another bot's command
    assert "the command /unknown." in await group.reply("/unknown@StreamBot")


async def test_group_free_text_needs_a_reply_or_a_mention(bot):
    group = bot.chat(chat_id=-100124, chat_type="group")
    assert await group.say("anyone watched toy story?") == []
    bot_message = {
        "message_id": 50,
        "date": 1_700_000_000,
        "chat": group.chat,
        "from": {
            "id": 4242,
            "is_bot": True,
            "first_name": "StreamBot",
            "username": "StreamBot",
        },
        "text": "Which title?",
    }
    calls = await group.say("toy story", reply_to=bot_message)
    assert "<b>Toy Story</b> (1995)" in calls[-1].text
    assert "<b>Amélie</b>" in await group.reply("@StreamBot amelie")


async def test_accented_command_spellings_work(bot):
    reply = await bot.chat(language_code="es").reply("/país película francia 2001")
    assert "1 película de Francia" in reply


async def test_free_text_titles_get_details_and_recommendations(bot):
    reply = await bot.chat().reply("stranger thngs")
    assert reply.startswith("<b>Stranger Things</b> (2016)\nTV show · 3 seasons")
    assert "📺 Streams on Netflix" in reply
    assert "If you like <b>Stranger Things</b> (2016), try:" in reply
    spanish = await bot.chat(language_code="es").reply("recomiéndame algo como stranger thngs")
    assert spanish.startswith("🍿 Si te gusta <b>Stranger Things</b> (2016), prueba con:")
    assert "🔍 I couldn't find anything called “xyzzy”" in await bot.chat().reply("xyzzy")
    assert "¡Hola!" in await bot.chat(language_code="es").reply("hola")


async def test_a_series_spans_from_its_first_year_to_its_latest_season(bot):
    # The fixture's Netflix dates Breaking Bad 2013 (its latest season); scores say 2008.
    reply = await bot.chat().reply("breaking bad")
    assert reply.startswith("<b>Breaking Bad</b> (2008–2013)\nTV show · 5 seasons")
    assert "If you like <b>Breaking Bad</b> (2008–2013), try:" in reply
    where = await bot.chat(language_code="es").reply("dónde ver breaking bad")
    assert where.startswith("📺 <b>Breaking Bad</b> (2008–2013) está en:")
    spanish = await bot.chat(language_code="es").reply("/info breaking bad")
    assert spanish.startswith("<b>Breaking Bad</b> (2008–2013)\nSerie · 5 temporadas")
    results = (await bot.chat(language_code="es").inline("breaking bad")).params["results"]
    assert results[0]["title"] == "Breaking Bad (2008–2013)"
    office = await bot.chat(language_code="es").reply("/info the office 2005")
    assert office.startswith("<b>The Office</b> (2005, última temporada)\nSerie")


async def test_did_you_mean_offers_the_close_candidates_as_buttons(bot):
    chat = bot.chat()
    (sent,) = [call for call in await chat.say("the office") if call.method == "sendMessage"]
    assert sent.text == "🤔 Did you mean…?"
    assert sent.buttons == [
        ("The Office (2001, latest season) · Prime Video", "title:as4"),
        ("The Office (2005, latest season) · Netflix", "title:ns2"),
    ]
    calls = await chat.press("title:ns2")
    assert [call.method for call in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[1].text.startswith("<b>The Office</b> (2005, latest season)\nTV show · 9 seasons")
    (sent,) = [call for call in await chat.say("/info the office") if call.method == "sendMessage"]
    assert [data for _, data in sent.buttons] == ["info:as4", "info:ns2"]
    calls = await chat.press("info:as4")
    assert "<b>The Office</b> (2001, latest season)" in calls[1].text
    assert calls[1].buttons == [
        ("👍", "fb:l:as4"),
        ("👎", "fb:d:as4"),
        ("🔖", "fb:s:as4"),
        ("↗️ Share", ""),
        ("🍿 Similar titles", "more:as4:"),
    ]


async def test_next_back_and_more_like_this_buttons(bot):
    chat = bot.chat(language_code="es")
    (sent,) = [c for c in await chat.say("/recomendar toy story") if c.method == "sendMessage"]
    labels = [label for label, _ in sent.buttons]
    assert labels[0] == "🔎 Más como Toy Story 2"
    assert sent.buttons[-1] == ("5 más ➡️", "rec:ds1:5:")
    answer, edit = await chat.press("rec:ds1:5:")
    assert answer.method == "answerCallbackQuery"
    assert edit.method == "editMessageText"
    assert "Más como <b>Toy Story</b> (1995), 6–10:" in edit.text
    assert "\n6. " in edit.text
    assert edit.buttons[-2:] == [("⬅️ Volver", "rec:ds1:0:"), ("5 más ➡️", "rec:ds1:10:")]
    answer, new = await chat.press(sent.buttons[0][1])
    assert new.method == "sendMessage"
    assert "Si te gusta <b>Toy Story 2</b> (1999)" in new.text


def similar_to_toy_story(engine) -> int:
    return len(engine.similar(engine.work_of("ds1"), k=100))


async def test_the_last_page_has_no_next_button(bot, engine):
    similar = similar_to_toy_story(engine)

    last = (similar - 1) // 5 * 5
    _, edit = await bot.chat().press(f"rec:ds1:{last}:")
    assert f"{last + 1}. " in edit.text
    assert edit.buttons[-1] == ("⬅️ Back", f"rec:ds1:{last - 5}:")


async def test_filters_stay_on_the_buttons(bot):
    (sent,) = [c for c in await bot.chat().say("recommend movies like toy story on disney")]
    assert "<i>Movies only · Only on Disney+</i>" in sent.text
    assert ("🔎 More like Toy Story 2", "more:ds2:dM") in sent.buttons


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("rec:ns999:0:", "That title is no longer in the catalogue."),
        ("title:as999", "That title is no longer in the catalogue."),
        ("rec:ds1:oops", "This button has expired."),
        ("dym:as42", "This button has expired."),
        ("🙃", "This button has expired."),
    ],
)
async def test_stale_or_invalid_buttons_get_a_polite_answer(bot, data, expected):
    calls = await bot.chat().press(data)
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"].startswith(expected)
    assert calls[0].params["show_alert"] is True


async def test_inline_mode_pages_with_next_offset(bot, engine):
    chat = bot.chat()
    empty = await chat.inline("   ")
    assert empty.params["results"] == []
    assert empty.params["button"]["start_parameter"] == "inline"
    seen, offset, pages = [], "", 0
    while True:
        page = await chat.inline("toy story", offset)
        results = page.params["results"]
        assert 0 < len(results) <= 50
        assert page.params["cache_time"] == telegram_app.INLINE_CACHE_SECONDS
        assert page.params["is_personal"] is True
        seen += [result["id"] for result in results]
        pages += 1
        offset = page.params.get("next_offset", "")
        if not offset:
            break
    assert pages > 1
    assert len(seen) == len(set(seen)) == 1 + similar_to_toy_story(engine)
    first = (await chat.inline("toy story")).params["results"][0]
    assert first["title"] == "Toy Story (1995)"
    assert first["input_message_content"]["message_text"].startswith("<b>Toy Story</b>")
    assert (await chat.inline("xyzzy")).params["results"] == []


async def test_inline_results_follow_the_users_language(bot):
    page = await bot.chat(language_code="es").inline("amelie")
    assert page.params["results"][0]["description"].startswith("Película · Netflix")


async def test_menus_are_registered_in_both_languages(bot):
    menus = bot.api.of("setMyCommands")
    default = [
        call for call in menus if "scope" not in call.params and "language_code" not in call.params
    ]
    spanish = [call for call in menus if call.params.get("language_code") == "es"]
    assert default[0].params["commands"][0]["command"] == "recommend"
    assert spanish[0].params["commands"][0]["command"] == "recomendar"
    admin = [call for call in menus if "scope" in call.params]
    assert {call.params["scope"]["chat_id"] for call in admin} == {bot.admin_id}
    for call in admin:
        commands = [command["command"] for command in call.params["commands"]]
        assert commands[-4:-2] == [
            "reload",
            "versions" if "language_code" not in call.params else "versiones",
        ]
        assert commands[-2] == "rollback"
        assert commands[-1] in ("upload", "subir")
    everyone = {
        command["command"]
        for call in menus
        if "scope" not in call.params
        for command in call.params["commands"]
    }
    assert not everyone & {"reload", "versions", "versiones", "rollback", "upload", "subir"}


async def test_a_failing_handler_apologises_and_the_bot_keeps_working(
    running_bot, monkeypatch, caplog
):
    real_answer = commands.answer

    def flaky(intent, *args, **kwargs):
        if intent.args.get("title") == "boom":
            raise RuntimeError("kaboom")
        return real_answer(intent, *args, **kwargs)

    monkeypatch.setattr(commands, "answer", flaky)

    with caplog.at_level(logging.ERROR, logger="bot.telegram.application"):
        async with running_bot() as bot:
            chat = bot.chat(language_code="es")
            assert "Perdona, algo ha fallado" in await chat.reply("/recomendar boom")
            assert "Si te gusta <b>Toy Story</b>" in await chat.reply("/recomendar toy story")
            monkeypatch.setattr(commands, "answer", lambda *args, **kwargs: 1 / 0)
            monkeypatch.setattr(inline, "inline_page", lambda *args, **kwargs: 1 / 0)
            (answer,) = await chat.press("rec:ds1:5:")
            assert answer.params["text"].startswith("😕 Perdona")
            empty = await chat.inline("toy story")
            assert empty.params["results"] == []
    failures = [r for r in caplog.records if r.getMessage().startswith("handler failed on update")]
    assert failures
    assert failures[0].exc_info[0] is RuntimeError


@pytest.mark.parametrize("calls_are_local", [True, False], ids=["on the loop", "in a thread"])
async def test_a_database_outage_costs_chats_their_choices_not_their_answers(
    running_bot, monkeypatch, caplog, calls_are_local
):
    def down(self, chat_id):
        raise OperationalError("SELECT", {}, Exception("disk I/O error"))

    with caplog.at_level(logging.WARNING, logger="bot.storage"):
        async with running_bot() as bot:
            chat = bot.chat(language_code="en")
            await chat.reply("/lang es")
            assert "Si te gusta <b>Toy Story</b>" in await chat.reply("/recomendar toy story")
            store = bot.app.bot_data[telegram_app.STORE]
            store.calls_are_local = calls_are_local
            store._cache.clear()  # the outage outlives the cache
            monkeypatch.setattr(ChatStore, "get", down)
            # The user's Telegram language again, and an answer, each time.
            for _ in range(3):
                assert "If you like <b>Toy Story</b>" in await chat.reply("/recommend toy story")
    # One line for the outage, not one per update.
    (warning,) = [r for r in caplog.records if "database failed" in r.getMessage()]
    assert warning.exc_info[0] is OperationalError


async def test_rate_limits_and_network_blips_are_retried(bot, monkeypatch):
    monkeypatch.setattr(telegram_app, "RETRY_DELAY_SECONDS", 0.01)
    bot.api.fail["sendMessage"] = [
        (429, "Too Many Requests: retry after 1", {"retry_after": 1}),
        (502, "Bad Gateway", {}),
    ]
    calls = await bot.chat().say("/count netflix")
    sent = [call for call in calls if call.method == "sendMessage"]
    assert len(sent) == 3
    assert bot.api.fail["sendMessage"] == []


def test_the_token_is_never_in_the_settings_repr(bot_settings, built):
    settings = bot_settings(built.data_dir)
    assert settings.telegram_bot_token not in repr(settings)
    assert "test-secret" not in repr(settings)


async def test_an_edited_message_gets_no_second_reply(bot):
    chat = bot.chat()
    calls = await chat.say("/count netflix")
    (sent,) = [call for call in calls if call.method == "sendMessage"]
    edited = {
        "message_id": 77,
        "date": 1_700_000_000,
        "edit_date": 1_700_000_060,
        "chat": chat.chat,
        "from": chat.user,
        "text": "/count hulu",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    assert await chat.feed({"edited_message": edited}) == []
    assert sent.text.startswith("📊 Netflix has")


async def test_a_reply_to_the_bot_that_mentions_it_is_read_without_the_mention(bot):
    group = bot.chat(chat_id=-100, chat_type="group")
    ours = {
        "message_id": 5,
        "date": 1_700_000_000,
        "chat": group.chat,
        "from": {"id": 4242, "is_bot": True, "first_name": "StreamBot"},
        "text": "Tell me a title",
    }
    calls = await group.say("@StreamBot amelie", reply_to=ours)
    (sent,) = [call for call in calls if call.method == "sendMessage"]
    assert "<b>Amélie</b> (2001)" in sent.text


async def test_a_button_too_old_to_answer_still_shows_its_page(bot):
    bot.api.fail["answerCallbackQuery"] = [
        (400, "Bad Request: query is too old and response timeout expired", {})
    ]
    calls = await bot.chat().press("rec:ds1:5:")
    methods = [call.method for call in calls]
    assert methods == ["answerCallbackQuery", "editMessageText"]
    assert "Toy Story" in calls[-1].text


async def test_a_press_is_acknowledged_while_its_page_is_shown(bot, monkeypatch):
    """Both calls are in flight at once: a press costs one round trip to Telegram, not two."""

    edited = asyncio.Event()
    answer_and_edit = bot.api.do_request

    async def do_request(url, method, request_data=None, **kwargs):
        if url.endswith("/answerCallbackQuery"):
            # One after the other, the edit would only start once this returned.
            await asyncio.wait_for(edited.wait(), timeout=10)
        response = await answer_and_edit(url, method, request_data, **kwargs)
        if url.endswith("/editMessageText"):
            edited.set()
        return response

    monkeypatch.setattr(bot.api, "do_request", do_request)
    calls = await bot.chat().press("rec:ds1:5:")
    assert sorted(call.method for call in calls) == ["answerCallbackQuery", "editMessageText"]
    assert "Toy Story" in bot.api.of("editMessageText")[-1].text


async def test_a_user_who_blocked_the_bot_is_logged_in_one_line(running_bot, caplog):
    with caplog.at_level(logging.INFO, logger="bot.telegram.application"):
        async with running_bot() as bot:
            bot.api.fail["sendMessage"] = [(403, "Forbidden: bot was blocked by the user", {})]
            calls = await bot.chat().say("/count netflix")
            assert [call.method for call in calls] == ["sendMessage"]  # no apology attempt
    records = [r for r in caplog.records if "blocked by the user" in r.getMessage()]
    assert len(records) == 1
    assert records[0].levelno == logging.INFO
    assert records[0].exc_info is None


async def test_the_chosen_language_survives_a_restart(running_bot, tmp_path):
    database = f"sqlite:///{tmp_path / 'settings.sqlite3'}"

    async with running_bot(db_url=database) as bot:
        assert "español" in (await bot.chat(language_code="en").reply("/lang es")).lower()
    async with running_bot(db_url=database) as bot:
        reply = await bot.chat(language_code="en").reply("/count netflix")
        assert reply.startswith("📊 Netflix tiene")


def test_the_api_base_url_setting_reaches_the_bot(bot_settings, built, engine):
    settings = bot_settings(built.data_dir, telegram_api_base_url="http://127.0.0.1:8081/bot")
    application = telegram_app.build_application(settings, EngineHolder(engine))
    assert application.bot.base_url == "http://127.0.0.1:8081/bot" + settings.telegram_bot_token
    assert application.bot.base_file_url.startswith("http://127.0.0.1:8081/file/bot")


class TimingOutApi(FakeBotRequest):
    """A Bot API whose first sendMessage times out (it may still have been delivered)."""

    async def do_request(self, url, method, request_data=None, **kwargs):
        if url.endswith("/sendMessage") and not self.of("sendMessage"):
            self.calls.append(Call("sendMessage", dict(request_data.parameters)))
            raise TimedOut("read timed out")
        return await super().do_request(url, method, request_data, **kwargs)


async def test_a_timed_out_message_is_not_sent_twice(running_bot):
    async with running_bot(api=TimingOutApi()) as bot:
        await bot.chat().say("/count netflix")
    sent = bot.api.of("sendMessage")
    # The answer timed out and is not retried; the apology is the only other message.
    assert sent[0].text.startswith("📊 Netflix has")
    assert all(not call.text.startswith("📊") for call in sent[1:])


async def test_group_chatter_replying_to_the_bot_is_not_answered_but_answers_to_prompts_are(bot):
    group = bot.chat(chat_id=-100125, chat_type="group")
    calls = await group.say("/recommend@StreamBot")
    (prompt,) = [call for call in calls if call.method == "sendMessage"]
    assert prompt.params["reply_markup"]["force_reply"] is True
    prompt_message = {
        "message_id": 1000,  # the fake Bot API numbers the bot's messages from 1000
        "date": 1_700_000_000,
        "chat": group.chat,
        "from": {"id": 4242, "is_bot": True, "first_name": "StreamBot"},
        "text": prompt.text,
    }
    other_message = {**prompt_message, "message_id": 999, "text": "🍿 If you like…"}
    assert await group.say("lol", reply_to=other_message) == []
    answer = await group.reply_to("harry potter", prompt_message)
    assert answer.startswith("🔍 I couldn't find anything called “harry potter”")
    found = await group.reply_to("toy story", other_message)
    assert "<b>Toy Story</b> (1995)" in found
    assert "couldn't find" in await group.reply("@StreamBot lol")
    # A prompt this process never sent (another worker's, or before a restart), in
    # Spanish, is known by its own text; the same text from someone else is chatter.
    elsewhere = {**prompt_message, "message_id": 5555, "text": "Dime un título.\nPor ejemplo"}
    assert "harry potter" in await group.reply_to("harry potter", elsewhere)
    impostor = {**elsewhere, "from": {"id": 777, "is_bot": True, "first_name": "Other"}}
    assert await group.say("harry potter", reply_to=impostor) == []


# -- the chat's platforms, where to watch, new arrivals, why, charts -------------------------
def _platforms_of(engine, call: Call) -> set[str]:
    """The platforms of every work a recommendations message lists ("More like" buttons)."""
    return {
        platform
        for _, data in call.buttons
        if data.startswith("more:")
        for platform in engine.details(engine.work_of(data.split(":")[1])).platforms
    }


async def test_the_chats_platforms_survive_a_restart_and_filter_replies(
    running_bot, engine, tmp_path
):
    database = f"sqlite:///{tmp_path / 'settings.sqlite3'}"

    async with running_bot(db_url=database) as bot:
        chat = bot.chat()
        saved = await chat.reply("/platforms netflix")
        assert saved.startswith("✅ Saved.") and "<b>Netflix</b>" in saved
    async with running_bot(db_url=database) as bot:
        chat = bot.chat()
        calls = await chat.say("/recommend toy story")
        (page,) = [call for call in calls if call.method == "sendMessage"]
        assert "Only on your platforms: Netflix" in page.text
        assert _platforms_of(engine, page) == {"netflix"}
        (lift,) = [data for label, data in page.buttons if label == "🌐 Show all platforms"]
        everything = (await chat.press(lift))[-1]
        assert "Only on your platforms" not in everything.text
        assert _platforms_of(engine, everything) - {"netflix"}
        # Another chat keeps every platform.
        other = await bot.chat(user_id=8, chat_id=8).say("/recommend toy story")
        assert "Only on your platforms" not in other[-1].text


async def test_platform_toggles_save_and_reset(bot):
    chat = bot.chat(language_code="es")
    shown = (await chat.say("/plataformas"))[-1]
    assert "todas las plataformas" in shown.text
    toggles = dict(shown.buttons)
    assert toggles == {
        "➕ Prime Video": "pf:a",
        "➕ Disney+": "pf:d",
        "➕ Hulu": "pf:h",
        "➕ Netflix": "pf:n",
    }
    edited = (await chat.press("pf:d"))[-1]
    assert edited.method == "editMessageText"
    assert "<b>Disney+</b>" in edited.text and dict(edited.buttons)["✅ Disney+"] == "pf:d"
    await chat.press("pf:h")
    both = await chat.reply("/plataformas")
    assert "<b>Disney+ y Hulu</b>" in both
    longest = (await chat.say("/duracion"))[-1]
    assert "Solo en tus plataformas: Disney+ y Hulu" in longest.text
    assert dict(longest.buttons)["🌐 Ver todas las plataformas"] == "long:0:m"
    reset = (await chat.press("pf:*"))[-1]
    assert "todas las plataformas" in reset.text
    assert "Solo en tus" not in await chat.reply("/duracion")


async def test_every_platform_chosen_means_all_and_unknown_ones_are_explained(bot):
    chat = bot.chat()
    everything = await chat.reply("/platforms netflix hulu disney prime")
    assert "every platform" in everything
    problem = await chat.reply("/platforms netflix hbo")
    assert "“hbo” isn't one of my platforms" in problem
    assert "Example: /platforms netflix disney" in problem


async def test_two_bots_on_one_database_see_each_others_settings(running_bot, tmp_path):
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    order = []

    async with running_bot(db_url=database) as bot:
        await bot.chat().reply("/lang es")
        order.append("set")
    async with running_bot(db_url=database) as bot:
        assert (await bot.chat().reply("/count hulu")).startswith("📊 Hulu tiene")
        order.append("read")
    assert order == ["set", "read"]


async def test_inline_results_keep_to_the_users_platforms(bot, engine):
    chat = bot.chat()
    await chat.reply("/platforms hulu")
    results = (await chat.inline("toy story")).params["results"]
    card, *similar = results
    assert card["title"] == "Toy Story (1995)"
    assert similar
    for result in similar:
        work = engine.details(engine.work_of(result["id"].split("-", 1)[1]))
        assert "hulu" in work.platforms


async def test_where_lists_each_platform_with_its_date(bot):
    chat = bot.chat()
    where = await chat.reply("/where toy story")
    assert where.splitlines() == [
        "📺 <b>Toy Story</b> (1995) streams on:",
        "• <b>Disney+</b> · added 12 Nov 2019",
        "• <b>Hulu</b> · added 1 Oct 2021",
    ]
    spanish = await bot.chat(language_code="es").reply("¿dónde puedo ver toy story?")
    assert "• <b>Disney+</b> · añadido el 12 nov 2019" in spanish
    ambiguous = (await chat.say("/where the office"))[-1]
    assert ambiguous.text == "🤔 Did you mean…?"
    picks = [data for _, data in ambiguous.buttons]
    assert picks and all(data.startswith("where:") for data in picks)
    picked = (await chat.press(picks[0]))[-1]
    assert picked.method == "editMessageText" and "The Office" in picked.text
    missing = await chat.reply("/where qwxzy")
    assert missing.startswith("🔍 “qwxzy” isn't on any of my platforms")


async def test_where_offers_the_closest_titles_when_the_work_is_missing(bot):
    closest = (await bot.chat().say("/where toy stories"))[-1]
    assert "isn't on any of my platforms. The closest titles I have:" in closest.text
    assert any(label.startswith("Toy Story") for label, _ in closest.buttons)


async def test_new_lists_the_latest_additions_and_the_snapshot_date(bot):
    chat = bot.chat()
    latest = await chat.reply("/new")
    lines = latest.splitlines()
    assert lines[0] == "🆕 <b>Latest additions</b>"
    assert "Catalogue as of 26 Nov 2021" in lines[1]
    listed = [line for line in lines if line[:1].isdigit()]
    assert listed[0].startswith("1. <b>Ernest Saves Christmas</b> (1988)")
    assert listed[1].startswith("2. <b>Silent Night</b>")
    dates = [line.rsplit(" · ", 1)[1] for line in listed]
    assert dates[:3] == ["26 Nov 2021", "23 Oct 2021", "1 Oct 2021"]
    assert "Prime Video gives no date for 2 of its 6 titles" in latest
    netflix = await chat.reply("/nuevo netflix")
    assert netflix.startswith("🆕 <b>Latest additions</b> on Netflix")
    assert "1. <b>Dick Johnson Is Dead</b>" in netflix
    assert "Disney+" not in netflix


async def test_why_explains_what_two_titles_share(bot):
    chat = bot.chat()
    why = (await chat.say("/why toy story | toy story 2"))[-1]
    assert why.text.startswith("🔗 <b>Toy Story</b> (1995) and <b>Toy Story 2</b> (1999) are")
    assert "🎬 Same director: John Lasseter" in why.text
    assert "🔑 Top shared terms: " in why.text
    assert [label for label, _ in why.buttons] == [
        "🔎 More like Toy Story",
        "🔎 More like Toy Story 2",
    ]
    usage = await chat.reply("/why toy story")
    assert "two titles with a | between them" in usage
    assert "Example: /why toy story | toy story 2" in usage


async def test_stats_sends_a_chart_in_the_users_language(bot):
    from io import BytesIO

    from PIL import Image

    chat = bot.chat(language_code="es")
    (photo,) = [call for call in await chat.say("/estadisticas") if call.method != "getFile"]
    assert photo.method == "sendPhoto"
    assert photo.text.startswith("📊 <b>28 títulos</b> en 4 plataformas")
    image = Image.open(BytesIO(photo.files["photo"]))
    assert image.format == "PNG" and image.size == (1200, 1500)
    assert "Películas y series por plataforma" in image.text["Description"]
    assert ("📊 Hulu", "stats:h") in photo.buttons
    hulu = (await chat.press("stats:h"))[-1]
    assert hulu.method == "sendPhoto" and "<b>Hulu</b>" in hulu.text
    assert "Hulu en números" in Image.open(BytesIO(hulu.files["photo"])).text["Title"]


async def test_inline_where_shows_each_work_and_its_platforms(bot):
    chat = bot.chat(language_code="es")
    results = (await chat.inline("donde the office")).params["results"]
    assert sorted(result["title"] for result in results) == [
        "📺 The Office (2001, última temporada)",
        "📺 The Office (2005, última temporada)",
    ]
    texts = [result["input_message_content"]["message_text"] for result in results]
    assert any(
        text.startswith("📺 <b>The Office</b> (2005, última temporada) está en:\n• <b>Netflix</b>")
        for text in texts
    )
    assert (await chat.inline("where qwxzy")).params["results"] == []


async def test_only_a_groups_admins_change_its_language_and_platforms(bot):
    group_id = -100321
    member = bot.chat(user_id=51, chat_id=group_id, chat_type="supergroup")
    owner = bot.chat(user_id=52, chat_id=group_id, chat_type="supergroup")
    admin = bot.chat(user_id=53, chat_id=group_id, chat_type="supergroup", language_code="es")
    bot.api.statuses |= {(group_id, 52): "creator", (group_id, 53): "administrator"}

    refused = await member.reply("/lang@StreamBot es")
    assert refused.startswith("Only this group's admins can change its language")
    toggle = (await member.press("pf:n"))[-1]
    assert toggle.method == "answerCallbackQuery" and toggle.params["show_alert"]
    assert "Only this group's admins" in toggle.params["text"]
    assert "Prime Video has" in await member.reply("/count@StreamBot prime")
    assert "Only on your platforms" not in await member.reply("/longest@StreamBot")

    assert (await owner.reply("/platforms@StreamBot netflix")).startswith("✅ Saved.")
    assert (await admin.reply("/idioma@StreamBot es")).startswith("¡Listo!")
    assert "Solo en tus plataformas: Netflix" in await member.reply("/longest@StreamBot")

    # An anonymous admin writes as the group itself; a member's own chat is not the group.
    anonymous = {"id": group_id, "type": "supergroup", "title": "Movie night"}
    message = {"message_id": 77, "date": 1_700_000_000, "chat": owner.chat, "text": "/lang en"}
    message |= {"from": {"id": 1087968824, "is_bot": True, "first_name": "Group"}}
    message |= {"sender_chat": anonymous, "entities": command_entities("/lang en")}
    (switched,) = [c for c in await owner.feed({"message": message}) if c.method == "sendMessage"]
    assert switched.text.startswith("Done!")
    assert "Prime Video has" in await member.reply("/count@StreamBot prime")

    # A group whose admins can't be checked keeps its settings.
    bot.api.fail["getChatMember"] = [(400, "Bad Request: chat not found", {})]
    assert "Only this group's admins" in await owner.reply("/lang@StreamBot es")
    # A private chat needs nobody's permission.
    assert (await bot.chat(user_id=51, chat_id=51).reply("/lang es")).startswith("¡Listo!")


async def test_a_members_platform_toggle_in_a_group_is_answered_first_by_the_refusal(bot):
    member = bot.chat(user_id=61, chat_id=-100654, chat_type="supergroup")
    calls = await member.press("pf:*")
    assert [call.method for call in calls] == ["getChatMember", "answerCallbackQuery"]
    assert "Only this group's admins" in calls[1].params["text"]


# A row of the real Hulu catalogue whose title starts with a "where" question's words.
WALDO = (
    's6,TV Show,Where\'s Waldo?,,,"United States, United Kingdom","June 7, 2020",2019,TV-Y,'
    '1 Season,"Action, Adventure, Family","Kid adventurers Waldo and Wenda are earning '
    'their stripes as junior members of an international travel society."\r\n'
)


async def test_an_inline_query_that_names_a_title_is_that_title_not_a_where_question(
    running_bot, data_dir
):
    """ "where s waldo" is *Where's Waldo?* typed loosely, as in a chat; "where toy story"
    still asks where *Toy Story* streams."""
    hulu = data_dir / "raw" / "catalogues" / "hulu_titles.csv"
    with hulu.open("a", encoding="utf-8", newline="") as file:
        file.write(WALDO)
    run_etl(data_dir / "raw", data_dir / "processed")
    async with running_bot(data_dir=data_dir) as bot:
        chat = bot.chat(language_code="en")
        results = (await chat.inline("where s waldo")).params["results"]
        assert results[0]["title"] == "Where's Waldo? (2019)"
        results = (await chat.inline("where toy story")).params["results"]
        assert results[0]["title"].startswith("📺 Toy Story (1995)")
