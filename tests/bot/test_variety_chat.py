"""End to end, in English and Spanish: "works like X" through the real PTB Application and the
fake Bot API, over the fixtures with a franchise, its shorts and language versions added
(``tests/fixtures/franchise``)."""

from __future__ import annotations

import re

import pytest

from recommender.discovery import franchise_key

# A numbered result line of a reply: "3. <b>Toy Story 4</b> (2019) · …".
RESULT = re.compile(r"^\d+\. <b>(?P<title>[^<]*)</b>(?P<rest>.*)$", re.MULTILINE)
SHORTS = {"Toy Story of Terror!", "Toy Story Toons: Small Fry", "Lamp Life"}


@pytest.fixture
def bot_options(franchise_built) -> dict:
    return {"data_dir": franchise_built.data_dir}


def picks(text: str) -> dict[str, str]:
    """The titles a reply recommends, each with the rest of its line."""
    return {found["title"]: found["rest"] for found in RESULT.finditer(text)}


def next_page(buttons) -> str | None:
    """The data of a reply's "Next" button, if it has one."""
    return next((data for label, data in buttons if label.endswith("➡️")), None)


def of_toy_story(titles) -> int:
    return sum(franchise_key(title) == "toy story" for title in titles)


@pytest.mark.parametrize(
    ("language_code", "text", "also"),
    [
        ("en", "/recommend toy story", "also: en Español"),
        ("en", "something like toy story", "also: en Español"),
        ("es", "/recomendar toy story", "también: en Español"),
        ("es", "recomiéndame algo como toy story", "también: en Español"),
    ],
)
async def test_toy_story_gets_three_of_its_franchise_and_a_version_under_its_work(
    bot, language_code, text, also
):
    reply = await bot.chat(language_code=language_code).reply(text)
    shown = picks(reply)
    assert len(shown) == 5
    assert of_toy_story(shown) == 3
    assert not SHORTS & set(shown)
    assert also in shown["Shrek 2"]
    assert "Shrek 2 (en Español)" not in reply


@pytest.mark.parametrize(
    ("language_code", "also"), [("en", "also: in Spanish"), ("es", "también: in Spanish")]
)
async def test_the_next_pages_hold_the_rest_of_the_franchise_once(bot, language_code, also):
    chat = bot.chat(language_code=language_code)
    (sent,) = [c for c in await chat.say("/recommend toy story") if c.method == "sendMessage"]
    seen = list(picks(sent.text))
    following = next_page(sent.buttons)
    for reader in range(100, 110):  # each page another user's, below the flood limit
        if following is None:
            break
        pager = bot.chat(language_code=language_code, user_id=reader, chat_id=reader)
        _, edit = await pager.press(following)
        page = picks(edit.text)
        seen += page
        if "Coco" in page:
            assert also in page["Coco"]
        following = next_page(edit.buttons)
    assert len(seen) == len(set(seen))
    features = ["Toy Story 2", "Toy Story 3", "Toy Story 4", "Coco", "Shrek 2"]
    assert {*features, *SHORTS} <= set(seen)
    assert "Coco (in Spanish)" not in seen and "Shrek 2 (en Español)" not in seen
    assert min(map(seen.index, SHORTS)) > max(map(seen.index, features))


@pytest.mark.parametrize("language_code", ["en", "es"])
async def test_more_like_this_on_a_sequel_keeps_the_cap(bot, language_code):
    chat = bot.chat(language_code=language_code)
    (sent,) = [c for c in await chat.say("/recommend toy story") if c.method == "sendMessage"]
    sequel = next(data for label, data in sent.buttons if label.endswith("Toy Story 2"))
    (_, more) = await chat.press(sequel)
    shown = picks(more.text)
    assert len(shown) == 5
    assert of_toy_story(shown) == 3
    assert "<b>Toy Story 2</b> (1999)" in more.text.splitlines()[0]


@pytest.mark.parametrize(
    ("language_code", "also"), [("en", "also: en Español"), ("es", "también: en Español")]
)
async def test_inline_results_keep_the_cap_and_list_versions(bot, language_code, also):
    results = (await bot.chat(language_code=language_code).inline("toy story")).params["results"]
    recommended = [item["title"].rsplit(" (", 1)[0] for item in results[1:]]
    assert of_toy_story(recommended[:5]) == 3
    assert not any(title.endswith("(en Español)") for title in recommended)
    (shrek,) = [item for item in results if item["title"].startswith("Shrek 2")]
    assert also in shrek["input_message_content"]["message_text"]
