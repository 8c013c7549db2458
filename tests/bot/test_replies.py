"""Replies: what the bot says, in both languages, without Telegram."""

from __future__ import annotations

import pytest

from bot import replies
from bot.parsing import Intent, parse_message
from recommender.catalogue import QueryError
from recommender.engine import Reason


def say(engine, text: str, lang: str = "en") -> replies.Reply:
    return replies.answer(parse_message(text, engine.registry), engine, lang)


def test_recommendations_show_title_year_type_platforms_score_and_reason(engine):
    reply = say(engine, "/recommend toy story")
    assert reply.text.splitlines()[2] == "1. <b>Toy Story 2</b> (1999) · Movie · Disney+ · ⭐ 7.9"
    assert reply.text.splitlines()[3] == (
        "    <i>by John Lasseter · with Tom Hanks and Tim Allen · action, adventure, animation</i>"
    )
    spanish = say(engine, "/recomendar toy story", "es")
    assert (
        spanish.text.splitlines()[2] == "1. <b>Toy Story 2</b> (1999) · Película · Disney+ · ⭐ 7,9"
    )
    assert (
        "de John Lasseter · con Tom Hanks y Tim Allen · acción, aventura, animación" in spanish.text
    )
    assert len(reply.buttons) == 6


def test_a_work_on_two_platforms_shows_both(engine):
    reply = say(engine, "/info toy story")
    assert "📺 Streams on Disney+ and Hulu" in reply.text
    assert "📺 Disponible en Disney+ y Hulu" in say(engine, "/info toy story", "es").text


def test_reasons_are_translated_from_their_fields():
    reason = Reason(
        genres=["science fiction", "coming of age"], directors=["A"], cast=["B", "C", "D"]
    )
    assert (
        replies.reason_text(reason, "en") == "by A · with B and C · science fiction, coming of age"
    )
    assert replies.reason_text(reason, "es") == "de A · con B y C · ciencia ficción, crecer"
    assert replies.reason_text(Reason(), "es") == "una historia parecida"


def test_catalogue_text_is_escaped(engine):
    work = {
        "id": "ns1",
        "work_id": "w1",
        "title": "Tom & Jerry <3",
        "year": 1940,
        "type": "movie",
        "platforms": ["netflix"],
        "ids": ["ns1"],
        "score": None,
        "rating": "<R>",
        "duration_int": 90,
        "duration_type": "min",
        "genres": ["Comedies"],
        "directors": ["<script>"],
        "cast": ["A & B"],
        "country": ["United States"],
        "description": "1 < 2 & 3 > 2",
    }
    text = replies.details_text(work, engine, "en")
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
    reply = replies.answer(Intent("recommend", {"record_id": "ns99999"}), engine, "es")
    assert reply.alert
    assert reply.text.startswith("Ese título ya no está")


def test_pages_end_politely(engine):
    reply = replies.answer(Intent("recommend", {"record_id": "ds1", "offset": 45}), engine, "en")
    assert reply.text == "That's everything I have like <b>Toy Story</b>."
    assert reply.buttons == ((replies.Button("⬅️ Back", "rec:ds1:40:"),),)


def test_filters_that_leave_nothing_say_so(engine, monkeypatch):
    reply = say(engine, "recommend movies like toy story on netflix")
    assert reply.text.startswith("🍿 If you like <b>Toy Story</b> (1995), try:")
    monkeypatch.setattr(engine, "similar", lambda *args, **kwargs: [])
    empty = replies.recommendations_reply(
        engine.details(engine.match("heat")[0].work_id), engine, "es", 0, "disney", "tv show"
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
    reply = replies.help_reply(engine, "en", bot_username="StreamBot")
    assert "<code>@StreamBot a title</code>" in reply.text


def test_inline_pages_hold_at_most_fifty(engine):
    pages, offset = [], ""
    while True:
        page = replies.inline_page("toy story", engine, "en", offset)
        pages.append(page)
        offset = page.next_offset
        if not offset:
            break
    assert all(len(page.items) <= 50 for page in pages)
    assert replies.inline_page("toy story", engine, "en", "50").items == ()
    assert replies.inline_page("toy story", engine, "en", "junk").items == pages[0].items


def test_a_catalogue_that_refuses_an_argument_still_gets_an_example(engine, monkeypatch):
    def refuse(platform):
        raise QueryError("no")

    monkeypatch.setattr(engine.catalogue, "count", refuse)
    reply = say(engine, "/count netflix")
    assert reply.text == "I couldn't use those details.\nExample: /count netflix"
