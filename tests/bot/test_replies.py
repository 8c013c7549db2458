"""Replies: what the bot says, in both languages, without Telegram."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from bot.chat import commands, replies
from bot.chat.commands import parse_message
from bot.chat.parsing import Intent
from bot.chat.replies import inline, titles
from recommender.catalogue import QueryError
from recommender.engine import Engine, Match, Reason, WorkDetails


def say(engine, text: str, lang: str = "en") -> replies.Reply:
    return commands.answer(parse_message(text, engine.registry), engine, lang)


def test_recommendations_show_title_year_type_platforms_score_and_reason(engine):
    reply = say(engine, "/recommend toy story")
    assert reply.text.splitlines()[2] == "1. <b>Toy Story 2</b> (1999) · Movie · Disney+ · ⭐ 7.9"
    assert reply.text.splitlines()[3] == (
        "    <i>same director, John Lasseter · both about cowboys and toys</i>"
    )
    spanish = say(engine, "/recomendar toy story", "es")
    assert (
        spanish.text.splitlines()[2] == "1. <b>Toy Story 2</b> (1999) · Película · Disney+ · ⭐ 7,9"
    )
    assert "del mismo director, John Lasseter · también sobre vaqueros y juguetes" in spanish.text
    assert len(reply.buttons) == 6


def test_a_work_on_two_platforms_shows_both(engine):
    reply = say(engine, "/info toy story")
    assert "📺 Streams on Disney+ and Hulu" in reply.text
    assert "📺 Disponible en Disney+ y Hulu" in say(engine, "/info toy story", "es").text


def test_reasons_are_translated_from_their_fields():
    reason = Reason(
        genres=["science fiction", "coming of age"], directors=["A"], cast=["B", "C", "D"]
    )
    assert titles.reason_text(reason, "en") == "same director, A · science fiction, coming of age"
    assert titles.reason_text(reason, "es") == "del mismo director, A · ciencia ficción, crecer"
    assert titles.reason_text(Reason(), "es") == "una historia parecida"


def test_catalogue_text_is_escaped(engine):
    work = WorkDetails(
        id="ns1",
        work_id="w1",
        title="Tom & Jerry <3",
        year=1940,
        type="movie",
        platforms=["netflix"],
        ids=["ns1"],
        score=None,
        rating="<R>",
        duration_int=90,
        duration_type="min",
        genres=["Comedies"],
        genre_words=["comedy"],
        directors=["<script>"],
        cast=["A & B"],
        country=["United States"],
        description="1 < 2 & 3 > 2",
    )
    text = titles.details_text(work, engine, "en")
    assert "<b>Tom &amp; Jerry &lt;3</b> (1940)" in text
    for raw in ("<script>", "<R>", "A & B", "1 < 2"):
        assert raw not in text


def test_user_text_is_escaped(engine):
    assert "“&lt;i&gt;nothing&lt;/i&gt;”" in say(engine, "<i>nothing</i>").text
    assert "/&lt;b&gt;" in say(engine, "/<b>").text


def test_unsure_matches_ask_and_sure_ones_answer(engine):
    assert say(engine, "the office").text == "🤔 Did you mean…?"
    assert say(engine, "stranger thngs").text.startswith("<b>Stranger Things</b>")
    assert "couldn't find" in say(engine, "qqqqqq").text


def test_a_record_from_an_older_catalogue_is_gone(engine):
    reply = commands.answer(Intent("recommend", {"record_id": "ns99999"}), engine, "es")
    assert reply.alert
    assert reply.text.startswith("Ese título ya no está")


def test_pages_end_politely(engine):
    reply = commands.answer(Intent("recommend", {"record_id": "ds1", "offset": 45}), engine, "en")
    assert reply.text == "That's everything I have like <b>Toy Story</b>."
    assert reply.buttons == ((replies.Button("⬅️ Back", "rec:ds1:40:"),),)


def test_filters_that_leave_nothing_say_so(engine, monkeypatch):
    reply = say(engine, "recommend movies like toy story on netflix")
    assert reply.text.startswith("🍿 If you like <b>Toy Story</b> (1995), try:")
    monkeypatch.setattr(engine, "similar", lambda *args, **kwargs: [])
    empty = titles.recommendations_reply(
        engine.details(engine.match("heat")[0].work_id),
        replies.Ask(engine, "es"),
        0,
        "disney",
        "tv show",
    )
    assert empty.text == (
        "Encontré <b>Heat</b> (1995), pero nada parecido en Disney+ entre las series."
    )
    assert empty.buttons == ()


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "/longest",
            "en",
            "⏱️ The longest movie in the catalogue is <b>Heat</b> (Prime Video, 1995): 170 min.",
        ),
        (
            "/longest 2017 season",
            "es",
            "📺 La serie con más temporadas de 2017 es <b>Abnormal Summit</b> (Netflix): 2 temp",
        ),
        ("/longest 1900", "en", "I found no movies or shows from 1900 with a known length."),
        ("/count disney", "es", "📊 Disney+ tiene 4 películas y 2 series."),
        (
            "/scorecount netflix 9 2014",
            "en",
            "⭐ 0 movies on Netflix from 2014 score above 9, out of 0 with a known score.",
        ),
        ("/country tv japón 2012", "es", "🌎 1 serie de Japón se estrenó en 2012."),
        ("/rating tv ma", "en", "titles are rated TV-MA."),
    ],
)
def test_catalogue_questions(engine, text, lang, expected):
    assert expected in say(engine, text, lang).text


def test_help_mentions_inline_mode_when_the_bot_is_known(engine):
    reply = commands.help_reply(engine, "en", bot_username="StreamBot")
    assert "<code>@StreamBot a title</code>" in reply.text


def test_inline_pages_hold_at_most_fifty(engine):
    pages, offset = [], ""
    while True:
        page = inline.inline_page("toy story", replies.Ask(engine, "en"), offset)
        pages.append(page)
        offset = page.next_offset
        if not offset:
            break
    assert all(len(page.items) <= 50 for page in pages)
    assert inline.inline_page("toy story", replies.Ask(engine, "en"), "50").items == ()
    assert (
        inline.inline_page("toy story", replies.Ask(engine, "en"), "junk").items == pages[0].items
    )


def test_a_catalogue_that_refuses_an_argument_still_gets_an_example(engine, monkeypatch):
    def refuse(platform):
        raise QueryError("no")

    monkeypatch.setattr(engine.catalogue, "count", refuse)
    reply = say(engine, "/count netflix")
    assert reply.text == "I couldn't use those details.\nExample: /count netflix"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "/country tv from the united kingdom in 2001",
            "en",
            "🌎 1 TV show from the United Kingdom was released in 2001.",
        ),
        (
            "/pais series del reino unido en 2001",
            "es",
            "🌎 1 serie del Reino Unido se estrenó en 2001.",
        ),
        (
            "/country movies from france in 2001",
            "en",
            "🌎 1 movie from France was released in 2001.",
        ),
        (
            "/pais películas de francia del 2001",
            "es",
            "🌎 1 película de Francia se estrenó en 2001.",
        ),
        (
            "/country movie from the US 2020",
            "en",
            "🌎 2 movies from the United States were released in 2020.",
        ),
        (
            "/pais pelicula EE. UU. 2020",
            "es",
            "🌎 2 películas de Estados Unidos se estrenaron en 2020.",
        ),
        (
            "/country movie untied kingdom 2017",
            "en",
            "🌎 1 movie from the United Kingdom was released in 2017.",
        ),
        (
            "/pais película de las islas vírgenes 2020",
            "es",
            "🌎 1 película de las Islas Vírgenes de los Estados Unidos se estrenó en 2020.",
        ),
        ("/country tv japan 2012", "en", "🌎 1 TV show from Japan was released in 2012."),
        ("/country tv japan 2013", "en", "🌎 0 TV shows from Japan were released in 2013."),
    ],
)
def test_countries_are_named_as_each_language_names_them(engine, text, lang, expected):
    assert say(engine, text, lang).text == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "/country movies from narnia in 2019",
            "en",
            "I don't know a country called “narnia”.\nExample: /country tv spain 2021",
        ),
        (
            "/pais películas de narnia en 2019",
            "es",
            "No conozco ningún país llamado «narnia».\nEjemplo: /pais serie españa 2021",
        ),
        # A real country, and in the Spanish table, but with no titles in this catalogue.
        (
            "/pais pelicula hungría 2019",
            "es",
            "No conozco ningún país llamado «Hungría».\nEjemplo: /pais serie españa 2021",
        ),
    ],
)
def test_an_unknown_country_is_said_never_counted_as_zero(engine, text, lang, expected):
    assert say(engine, text, lang).text == expected


def test_a_country_reply_uses_the_catalogues_spelling(engine, monkeypatch):
    countries = {**engine.catalogue.countries, "bosnia and herzegovina": "Bosnia and Herzegovina"}
    monkeypatch.setattr(engine.catalogue, "countries", countries)
    monkeypatch.setattr(engine.catalogue, "_country_keys", {name: name for name in countries})
    text = say(engine, "/country movie bosnia and herzegovina 2019").text
    assert text == "🌎 0 movies from Bosnia and Herzegovina were released in 2019."


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("/scorecount disney 6.95 1995", "en", "scores above 6.95, out of 1"),
        ("/puntaje disney 6,95 1995", "es", "tiene nota mayor que 6,95, de 1"),
        ("/scorecount disney 7 1995", "en", "scores above 7, out of 1"),
        ("/scorecount disney above 7.25 in 1995", "en", "scores above 7.25, out of 1"),
        ("/puntaje disney mayor a 8 en 1995", "es", "tiene nota mayor que 8, de 1"),
    ],
)
def test_a_score_is_shown_as_typed(engine, text, lang, expected):
    assert expected in say(engine, text, lang).text


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("/actor netflix 2030", "en", "🎭 Netflix has no titles from 2030."),
        ("/actor netflix 2030", "es", "🎭 Netflix no tiene títulos de 2030."),
        ("/actor hulu 2020", "en", "🎭 I have no cast information for Hulu titles from 2020."),
    ],
)
def test_no_cast_and_no_titles_are_different_answers(engine, text, lang, expected):
    assert say(engine, text, lang).text == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("/count netflx", "en", "📊 Netflix has 6 movies and 5 TV shows."),
        ("/count Netflix.", "en", "📊 Netflix has 6 movies and 5 TV shows."),
        ("/count\u00a0netflix", "en", "📊 Netflix has 6 movies and 5 TV shows."),
        ("/cantidad\tnetflix", "es", "📊 Netflix tiene 6 películas y 5 series."),
        ("/longest tv show", "en", "📺 The TV show with the most seasons in the catalogue is"),
        (
            "/longest 2018 2019",
            "en",
            "Tell me just one year, not “2018 2019”.\nExample: /longest 2018 netflix min",
        ),
        (
            "/cantidad netflix hulu",
            "es",
            "Dime una sola plataforma, no «Netflix, Hulu».\nEjemplo: /cantidad netflix",
        ),
        ("/rating rated pg-13", "en", "🎫 1 title is rated PG-13."),
        ("/clasificacion para mayores de 16", "es", "🎫 1 título tiene la clasificación 16+."),
        ("/rating g", "en", "🎫 9 titles are rated G."),
        ("/rating all", "en", "🎫 1 title is rated ALL."),
        (
            "/rating xyz",
            "en",
            "I don't know the rating “xyz”. Common ones: G, TV-MA, TV-14, TV-PG, R, 13+, ALL, "
            "16+.\nExample: /rating pg-13",
        ),
        (
            "/clasificacion xyz",
            "es",
            "No conozco la clasificación «xyz». Las más comunes: G, TV-MA, TV-14, TV-PG, R, 13+, "
            "ALL, 16+.\nEjemplo: /clasificacion pg-13",
        ),
    ],
)
def test_sloppy_catalogue_questions(engine, text, lang, expected):
    assert say(engine, text, lang).text.startswith(expected)


def test_ratings_have_no_adults_only_emoji(engine):
    for text in ("/rating g", "/rating all", "/rating tv-ma"):
        assert "🔞" not in say(engine, text).text
    assert "🔞" not in commands.help_reply(engine, "en").text


@pytest.mark.parametrize(
    ("found", "expected"),
    [(0, "🔍 I couldn't find anything called “harry potter”."), (1, "🤔 Did you mean…?")],
)
def test_not_found_or_did_you_mean_follows_the_matcher(engine, monkeypatch, found, expected):
    weak = dataclasses.replace(engine.match("heat")[0], confidence=0.76)
    monkeypatch.setattr(engine, "match", lambda text, limit=5: [weak][:found])
    assert say(engine, "harry potter").text.startswith(expected)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("recommend", "en"),
        ("recommend something", "en"),
        ("/recommend something", "en"),
        ("recomiéndame algo", "es"),
    ],
)
def test_a_request_without_a_title_asks_for_one(engine, text, lang):
    reply = say(engine, text, lang)
    assert reply.prompt
    assert reply.text.startswith("Tell me a title." if lang == "en" else "Dime un título.")
    assert reply.buttons == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Office 2005", "<b>The Office</b> (2005, latest season)\nTV show · 9 seasons"),
        ("The Office (2001)", "<b>The Office</b> (2001, latest season)\nTV show · 2 seasons"),
        ("/info the office 2005", "<b>The Office</b> (2005, latest season)\nTV show · 9 seasons"),
        ("Toy Story 2 (1999)", "<b>Toy Story 2</b> (1999)\nMovie"),
        # The year is part of this title.
        ("Louis C.K. 2017", "<b>Louis C.K. 2017</b> (2017)\nMovie"),
    ],
)
def test_a_year_after_a_title_picks_the_work(engine, text, expected):
    assert say(engine, text).text.startswith(expected)


def test_a_year_that_matches_no_work_asks_among_the_title(engine):
    reply = say(engine, "The Office 1990")
    assert reply.text == "🤔 Did you mean…?"
    assert [button.data for (button,) in reply.buttons] == ["title:as4", "title:ns2"]


def test_a_platform_after_a_title_filters_the_recommendations(engine):
    text = say(engine, "toy story on hulu").text
    assert text.startswith("<b>Toy Story</b> (1995)")
    assert "<i>Only on Hulu</i>\n\n1. <b>Family Guy</b> (1999) · TV show · Hulu" in text
    assert "Disney+ ·" not in text.split("Only on Hulu")[1]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "/recommend toy story on hbo",
            "en",
            "“hbo” isn't one of my platforms. I cover Prime Video, Disney+, Hulu and Netflix.\n"
            "Example: /recommend toy story",
        ),
        (
            "toy story en HBO Max",
            "es",
            "«HBO Max» no es una de mis plataformas. Tengo Prime Video, Disney+, Hulu y Netflix.\n"
            "Ejemplo: /recomendar toy story",
        ),
    ],
)
def test_a_platform_the_bot_does_not_cover_is_named(engine, text, lang, expected):
    assert say(engine, text, lang).text == expected


@pytest.mark.parametrize(
    "text",
    ["/recommend movies like toy story", "what should i watch after toy story", "toy story recs"],
)
def test_natural_requests_get_recommendations(engine, text):
    assert say(engine, text).text.startswith("🍿 If you like <b>Toy Story</b> (1995), try:")


@pytest.mark.parametrize("text", ["what can you do", "¿qué puedes hacer?"])
def test_questions_about_the_bot_get_help(engine, text):
    assert say(engine, text).text == commands.help_reply(engine, "en").text


def test_did_you_mean_offers_only_the_candidates_close_to_the_best(engine):
    def match(title: str, record: str, confidence: float) -> Match:
        return Match(record, "w" + record, title, 2001, "tv show", ["hulu"], confidence)

    found = [
        match("The Office", "hs1", 1.0),
        match("The Office (U.K.)", "hs2", 0.99),
        match("Officer", "hs3", 0.91),
    ]
    reply = titles._did_you_mean(Intent("recommend", {"title": "the office"}), found, engine, "en")
    labels = [row[0].label for row in reply.buttons]
    assert labels == [
        "The Office (2001, latest season) · Hulu",
        "The Office (U.K.) (2001, latest season) · Hulu",
    ]


def test_new_arrivals_without_any_date_say_so_and_do_not_fail(engine):
    records = engine.catalogue.records.assign(date_added=pd.NA).astype({"date_added": "string"})
    undated = Engine(
        engine.registry,
        records,
        engine.works,
        engine.model,
        engine.matcher,
        "v",
        plot=engine.plot,
        themes=engine.themes,
    )
    reply = commands.answer(parse_message("/new", undated.registry), undated, "en")
    assert "Catalogue as of —" in reply.text
    for platform in ("Prime Video", "Disney+", "Hulu", "Netflix"):
        assert f"ℹ️ {platform} gives no date for any of its titles" in reply.text


def test_only_stats_asks_for_a_chart(engine):
    assert say(engine, "/stats").chart == replies.ChartRequest()
    assert say(engine, "/estadisticas HULU", "es").chart == replies.ChartRequest("hulu")
    stats_button = commands.answer(Intent("stats", {"platform_letter": "n"}), engine, "en")
    assert stats_button.chart == replies.ChartRequest("netflix")
    assert say(engine, "/count netflix").chart is None
    assert say(engine, "/recommend toy story").chart is None
