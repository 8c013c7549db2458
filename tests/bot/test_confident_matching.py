"""A title named exactly, alone or inside a sentence, gets its answer and not "did you mean":
end to end through the fake Bot API over the real catalogue, in English and Spanish."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from scripts.fake_bot_api import Call

if TYPE_CHECKING:
    from etl.build import BuildResult
    from recommender.engine import Engine

DID_YOU_MEAN = ("Did you mean", "¿Quisiste decir")


@pytest.fixture(scope="module")
def engine(real_build: BuildResult) -> Engine:
    """The bots of this module serve the real catalogue, where Friends and Just Friends are."""
    return real_build.engine()


async def _sent(chat, text: str) -> Call:
    (sent,) = [call for call in await chat.say(text) if call.method == "sendMessage"]
    return sent


@pytest.mark.parametrize(
    ("text", "language", "header"),
    [
        ("I like the mandalorian", "en", "If you like <b>The Mandalorian</b> (2019), try:"),
        ("i love the mandalorian", "en", "If you like <b>The Mandalorian</b> (2019), try:"),
        (
            "me gusta the mandalorian",
            "es",
            "Si te gusta <b>The Mandalorian</b> (2019), prueba con:",
        ),
        ("me encanta breaking bad", "es", "Si te gusta <b>Breaking Bad</b> (2008–2013)"),
    ],
)
async def test_a_liked_title_in_a_sentence_gets_works_like_it(
    bot, text: str, language: str, header: str
):
    reply = await bot.chat(language_code=language).reply(text)
    assert header in reply
    assert not any(words in reply for words in DID_YOU_MEAN)


@pytest.mark.parametrize(
    ("text", "language", "heading"),
    [
        ("what about the mandalorian", "en", "<b>The Mandalorian</b> (2019)"),
        ("the mandalorian please", "en", "<b>The Mandalorian</b> (2019)"),
        ("y the mandalorian?", "es", "<b>The Mandalorian</b> (2019)"),
    ],
)
async def test_a_title_among_everyday_words_gets_its_card(
    bot, text: str, language: str, heading: str
):
    reply = await bot.chat(language_code=language).reply(text)
    assert reply.startswith(heading)
    assert not any(words in reply for words in DID_YOU_MEAN)


@pytest.mark.parametrize(
    ("text", "language", "answer", "header"),
    [
        ("está friends en netflix?", "es", "✅ Sí, está en Netflix.", "📺 <b>Friends</b>"),
        ("¿Está Friends en Hulu?", "es", "❌ No está en Hulu.", "📺 <b>Friends</b>"),
        ("is friends on netflix?", "en", "✅ Yes, it's on Netflix.", "📺 <b>Friends</b>"),
        ("can I watch friends on hulu", "en", "❌ It isn't on Hulu.", "📺 <b>Friends</b>"),
    ],
)
async def test_is_a_title_on_a_platform_is_answered_yes_or_no(
    bot, text: str, language: str, answer: str, header: str
):
    reply = await bot.chat(language_code=language).reply(text)
    first, second, *places = reply.splitlines()
    assert first == answer
    assert second.startswith(header)
    assert places[0].startswith("• <b>Netflix</b>")
    assert "Just Friends" not in reply


async def test_asking_so_of_no_title_is_still_a_request_for_a_list(bot):
    reply = await bot.chat(language_code="es").reply("¿hay algo de terror en netflix?")
    assert "Sí, está en" not in reply and "No está en" not in reply
    assert "terror" in reply.splitlines()[0]


async def test_did_you_mean_offers_the_title_named_exactly(bot):
    sent = await _sent(bot.chat(language_code="en"), "have you seen friends")
    assert sent.text.startswith("🤔 Did you mean")
    labels = [label for label, _ in sent.buttons]
    assert labels[0].startswith("Friends (")
    assert not any(label.startswith("Just Friends") for label in labels)


async def test_everyday_words_are_not_read_as_titles(bot):
    """*You* and *It* are series and films, but "I like you" names neither."""
    for text in ("I like you", "what about it"):
        reply = await bot.chat(language_code="en").reply(text)
        assert "If you like <b>You</b>" not in reply and not reply.startswith("<b>It</b>")
        assert "couldn't find anything called" in reply


async def test_a_whole_title_that_reads_as_a_sentence_stays_one(bot):
    reply = await bot.chat(language_code="en").reply("I Love Lucy")
    assert reply.startswith("<b>I Love Lucy</b> (1951)")


async def test_a_franchise_name_offers_its_films_in_order(bot):
    """ "star wars" names no one work: "did you mean" lists the films, oldest first."""
    sent = await _sent(bot.chat(language_code="es"), "star wars")
    assert sent.text.startswith("🤔 ¿Quisiste decir")
    labels = [label.split(" (")[0] for label, _ in sent.buttons]
    assert labels[:3] == [
        "Star Wars: A New Hope",
        "Star Wars: The Empire Strikes Back",
        "Star Wars: Return of the Jedi",
    ]


@pytest.mark.parametrize(
    ("text", "language", "heading"),
    [
        ("tell me about narcos", "en", "<b>Narcos</b> (2015–2017)"),
        ("info on breaking bad", "en", "<b>Breaking Bad</b> (2008–2013)"),
        ("háblame de the mandalorian", "es", "<b>The Mandalorian</b> (2019)"),
        ("¿de qué va breaking bad?", "es", "<b>Breaking Bad</b> (2008–2013)"),
    ],
)
async def test_asking_about_a_title_gets_its_card(bot, text: str, language: str, heading: str):
    sent = await _sent(bot.chat(language_code=language), text)
    assert sent.text.startswith(heading)
    assert "🍿" not in sent.text  # the card alone: 👍 👎 🔖, share, and works like it
    assert [data.partition(":")[0] for _, data in sent.buttons] == ["fb", "fb", "fb", "", "more"]


@pytest.mark.parametrize(
    ("text", "language", "answer", "header"),
    [
        ("is the office on netflix", "en", "✅ Yes, it's on Netflix.", "<b>The Office (U.S.)</b>"),
        ("¿está the office en prime?", "es", "✅ Sí, está en Prime Video.", "<b>The Office</b>"),
    ],
)
async def test_of_works_of_one_title_the_one_on_the_platform_asked_about_answers(
    bot, text: str, language: str, answer: str, header: str
):
    first, second, *_ = (await bot.chat(language_code=language).reply(text)).splitlines()
    assert first == answer
    assert header in second
