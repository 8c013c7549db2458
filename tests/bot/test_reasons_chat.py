"""Reasons through the real PTB application and the fake Bot API: one short line, in the user's
language, naming what two works share (people, genres, themes of ``data/raw/themes.csv``),
never a synopsis word; and a Spanish card marks its English synopsis."""

from __future__ import annotations

import re

import pytest

# Toy Story and Toy Story 2 share John Lasseter and the themes cowboys and toys; Heat and Oct-01
# the genres drama and thriller and the theme detectives (tests/fixtures/README.md).
RECOMMENDATIONS = [
    ("/recommend toy story", "en", "same director, John Lasseter · both about cowboys and toys"),
    (
        "/recomendar toy story",
        "es",
        "del mismo director, John Lasseter · también sobre vaqueros y juguetes",
    ),
    ("something like heat", "en", "drama, thriller · both about detectives"),
    ("algo como heat", "es", "drama, suspense · también sobre detectives"),
]


def _reasons(text: str) -> list[str]:
    """The reason line under each title of a list."""
    return re.findall(r"^    <i>(.*)</i>$", text, flags=re.MULTILINE)


@pytest.mark.parametrize(("text", "language_code", "reason"), RECOMMENDATIONS)
async def test_a_recommendation_says_what_both_works_share(bot, text, language_code, reason):
    page = await bot.chat(language_code=language_code).reply(text)
    reasons = _reasons(page)
    assert reasons[0] == reason
    assert len(reasons) == 5


@pytest.mark.parametrize("language_code", ["en", "es"])
async def test_no_reason_holds_a_synopsis_word(bot, language_code):
    """Toy Story's synopsis words ("woody", "buzz", "lightyear", "space") were its reasons'."""
    chat = bot.chat(language_code=language_code)
    reasons = " ".join(_reasons(await chat.reply("/recommend toy story")))
    reasons += " ".join(_reasons(await chat.reply("/recommend the mandalorian")))
    synopses = {"woody", "buzz", "lightyear", "cowboy", "toy", "doll", "bounty", "galaxy"}
    assert not synopses & set(re.findall(r"\w+", reasons.lower())), reasons


@pytest.mark.parametrize(
    ("text", "language_code", "reason"),
    [
        ("something about drugs", "en", "crime, drama, thriller · about drugs"),
        ("algo sobre drogas", "es", "crimen, drama, suspense · sobre drogas"),
        ("una serie de narcos", "es", "crimen, drama, suspense · sobre drogas"),
    ],
)
async def test_a_discovery_says_which_theme_asked_for_a_work_is_about(
    bot, text, language_code, reason
):
    page = await bot.chat(language_code=language_code).reply(text)
    assert "Breaking Bad" in page.split("\n\n")[1]
    assert _reasons(page)[0] == reason


@pytest.mark.parametrize(
    ("text", "language_code", "themes"),
    [
        ("/why toy story | toy story 2", "en", "📖 Similar themes: cowboys and toys"),
        ("/porque toy story | toy story 2", "es", "📖 Temas parecidos: vaqueros y juguetes"),
    ],
)
async def test_why_names_the_shared_themes(bot, text, language_code, themes):
    reply = await bot.chat(language_code=language_code).reply(text)
    assert themes in reply.splitlines()


@pytest.mark.parametrize(
    ("language_code", "reason"),
    [
        ("en", "same director, John Lasseter · both about cowboys and toys"),
        ("es", "del mismo director, John Lasseter · también sobre vaqueros y juguetes"),
    ],
)
async def test_an_inline_recommendation_carries_the_reason(bot, language_code, reason):
    answer = await bot.chat(language_code=language_code).inline("toy story")
    first = answer.params["results"][1]  # after the card of the work itself
    assert first["title"] == "Toy Story 2 (1999)"
    assert first["description"].splitlines()[-1] == reason


SYNOPSIS = "<i>A chemistry teacher turns to making drugs.</i>"


@pytest.mark.parametrize("text", ["/info breaking bad", "breaking bad"])
async def test_a_spanish_card_marks_its_english_synopsis(bot, text):
    spanish = await bot.chat(language_code="es").reply(text)
    assert f"\n\n{SYNOPSIS} (en inglés)" in spanish
    english = await bot.chat(language_code="en").reply(text)
    assert f"\n\n{SYNOPSIS}\n" in english + "\n"
    assert "(en inglés)" not in english and "(in English)" not in english
