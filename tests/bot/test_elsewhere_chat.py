"""Titles we don't carry, end to end through the fake Bot API over the real catalogue: a
title no platform has is said plainly not to be carried, with works like it from what is known
of it; a work of the same name is never answered for silently; a title nothing knows is not in
the catalogue, not misspelt; and a misspelt carried title is still found."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from etl.build import BuildResult
    from recommender.engine import Engine

NOT_CARRIED = {
    "en": "isn't on Prime Video, Disney+, Hulu or Netflix in this catalogue (as of 2021).",
    "es": "no está en Prime Video, Disney+, Hulu ni Netflix en este catálogo (a 2021).",
}
SPELLING = ("Check the spelling", "Revisa cómo se escribe")


@pytest.fixture(scope="module")
def engine(real_build: BuildResult) -> Engine:
    """The bots of this module serve the real catalogue, where the works of the issue are."""
    return real_build.engine()


@pytest.mark.parametrize(
    ("text", "language", "named", "liked"),
    [
        ("movies like interstellar", "en", "<b>Interstellar</b> (2014)", "<b>Inception</b>"),
        ("películas como interstellar", "es", "<b>Interstellar</b> (2014)", "<b>Inception</b>"),
        ("movies like intersteller", "en", "<b>Interstellar</b> (2014)", "<b>Inception</b>"),
        (
            "something like game of thrones",
            "en",
            "<b>Game of Thrones</b> (2011)",
            "<b>Once Upon a Time</b>",
        ),
        (
            "algo como juego de tronos",
            "es",
            "<b>Game of Thrones</b> (2011) (“Juego de tronos”)",
            "<b>Once Upon a Time</b>",
        ),
        ("pelis como el padrino", "es", "<b>The Godfather</b> (1972) (“El padrino”)", "Coppola"),
        ("está interstellar en netflix?", "es", "<b>Interstellar</b> (2014)", "<b>Inception</b>"),
        ("interstellar", "en", "<b>Interstellar</b> (2014)", "<b>Inception</b>"),
        ("where can I watch interstellar", "en", "<b>Interstellar</b> (2014)", "<b>Inception</b>"),
    ],
)
async def test_a_title_we_do_not_carry_is_said_so_with_works_like_it(
    bot, text: str, language: str, named: str, liked: str
):
    chat = bot.chat(language_code=language)
    [sent] = [call for call in await chat.say(text) if call.method == "sendMessage"]
    assert f"📭 {named} {NOT_CARRIED[language]}" in sent.text
    assert liked in sent.text
    assert not any(phrase in sent.text for phrase in SPELLING)
    more = [data for _, data in sent.buttons if data.startswith("more:")]
    assert len(more) == 5, "a “more like this” button for each of the five works"


async def test_more_like_one_of_them_answers_for_it(bot):
    chat = bot.chat(language_code="en")
    [sent] = [
        call for call in await chat.say("movies like interstellar") if call.method == "sendMessage"
    ]
    [first] = [data for _, data in sent.buttons if data.startswith("more:")][:1]
    texts = [call.text for call in await chat.press(first) if call.method == "sendMessage"]
    assert any("If you like <b>Inception</b> (2010)" in text for text in texts)


@pytest.mark.parametrize(
    ("text", "language", "other"),
    [
        ("movies like the notebook", "en", "I do have <b>Notebook</b> (2019), a different movie."),
        (
            "películas como the notebook",
            "es",
            "Sí tengo <b>Notebook</b> (2019), que es otra película.",
        ),
    ],
)
async def test_a_work_of_the_same_name_is_named_as_another_work(
    bot, text: str, language: str, other: str
):
    chat = bot.chat(language_code=language)
    [sent] = [call for call in await chat.say(text) if call.method == "sendMessage"]
    assert f"📭 <b>The Notebook</b> (2004) {NOT_CARRIED[language]}" in sent.text
    assert other in sent.text
    assert "like <b>Notebook</b>" not in sent.text and "gusta <b>Notebook</b>" not in sent.text
    assert "<b>My Sister's Keeper</b>" in sent.text, "a work of its director, Nick Cassavetes"
    assert sent.buttons[0][0].startswith("Notebook (2019)")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("movies like toy stroy", "en", "If you like <b>Toy Story</b> (1995)"),
        ("películas como toy stroy", "es", "Si te gusta <b>Toy Story</b> (1995)"),
        ("movies like breking bad", "en", "If you like <b>Breaking Bad</b> (2008–2013)"),
    ],
)
async def test_a_misspelt_title_we_carry_is_still_found(
    bot, text: str, language: str, expected: str
):
    reply = await bot.chat(language_code=language).reply(text)
    assert expected in reply
    assert "📭" not in reply


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "harry potter",
            "en",
            "🔍 “harry potter” isn't in my catalogue (Prime Video, Disney+, Hulu and Netflix, "
            "as of 2021).",
        ),
        (
            "harry potter",
            "es",
            "🔍 «harry potter» no está en mi catálogo (Prime Video, Disney+, Hulu y Netflix, "
            "a 2021).",
        ),
        (
            "xqzvw blorf",
            "en",
            "🔍 I couldn't find anything called “xqzvw blorf”. Check the spelling",
        ),
    ],
)
async def test_a_title_nothing_knows(bot, text: str, language: str, expected: str):
    reply = await bot.chat(language_code=language).reply(text)
    assert reply.startswith(expected)


async def test_why_says_a_title_is_not_carried(bot):
    reply = await bot.chat(language_code="en").reply("/why interstellar | inception")
    assert reply.startswith(f"📭 <b>Interstellar</b> (2014) {NOT_CARRIED['en']}")


async def test_inline_mode_says_it_too(bot):
    results = (await bot.chat(language_code="es").inline("interstellar")).params["results"]
    first = results[0]
    assert first["title"] == "📭 Interstellar (2014)"
    assert NOT_CARRIED["es"] in first["input_message_content"]["message_text"]
    assert results[1]["title"].startswith("Inception (2010)")
