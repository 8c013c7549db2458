"""Follow-ups to a list of works like one title ("otra", "only movies"), through the real PTB
application and the fake Bot API over the real catalogue, in Spanish and English, also on
another bot sharing the chat database."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from bot.chat.state import Discovering

if TYPE_CHECKING:
    from etl.build import BuildResult
    from recommender.engine import Engine


@pytest.fixture(scope="module")
def engine(real_build: BuildResult) -> Engine:
    """The bots of this module serve the real catalogue."""
    return real_build.engine()


def _numbers(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"^(\d+)\. <b>", text, flags=re.MULTILINE)]


def _titles(text: str) -> list[str]:
    return re.findall(r"^\d+\. <b>(.+?)</b>", text, flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("first", "more", "opening", "header"),
    [
        ("me gusta the mandalorian", "otra", "🍿", "Más como <b>The Mandalorian</b> (2019), 6–10"),
        ("movies like toy story", "more", "🍿", "More like <b>Toy Story</b> (1995), 6–10"),
        # A title no platform carries: the works like it from what is known of it.
        ("movies like interstellar", "more", "📭", "More like <b>Interstellar</b> (2014), 6–10"),
        ("pelis como interstellar", "otra", "📭", "Más como <b>Interstellar</b> (2014), 6–10"),
    ],
)
async def test_more_after_works_like_a_title_is_their_next_page(
    bot, first: str, more: str, opening: str, header: str
):
    chat = bot.chat(language_code="en" if more == "more" else "es")
    page = await chat.reply(first)
    assert page.startswith(opening)
    following = await chat.reply(more)
    assert following.startswith("🍿 " + header)
    assert _numbers(following) == [6, 7, 8, 9, 10]
    assert not set(_titles(page)) & set(_titles(following))


async def test_a_refinement_asks_for_works_like_it_so(bot, engine: Engine):
    chat = bot.chat(language_code="en")
    await chat.reply("I like the mandalorian")
    movies = await chat.reply("only movies")
    assert movies.startswith("🍿 <b>Something to watch</b>: Movie · like The Mandalorian")
    works = engine.works.set_index("title_display")
    assert {works.at[title, "type"] for title in _titles(movies)} == {"movie"}


async def test_the_list_is_remembered_by_another_bot_on_the_database(running_bot, tmp_path):
    database = f"sqlite:///{tmp_path / 'chats.sqlite3'}"
    async with running_bot(db_url=database) as first, running_bot(db_url=database) as second:
        await first.chat(language_code="es").reply("me gusta the mandalorian")
        following = await second.chat(language_code="es").reply("otra")
    assert "Más como <b>The Mandalorian</b> (2019), 6–10" in following


def test_the_remembered_list_survives_its_json():
    listed = Discovering({"like": ("ds378",), "type": "movie"}, 5, similar="ds378")
    again = Discovering.from_json(listed.stamp, listed.to_json())
    assert again == listed
    assert Discovering.from_json("ab12cd", '{"slots": {}, "offset": 0, "similar": 7}') is None
    known = Discovering({"genres": ("adventure",)}, 10, known="interstellar")
    assert Discovering.from_json(known.stamp, known.to_json()) == known
    plain = Discovering({"genres": ("comedy",)})
    assert Discovering.from_json(plain.stamp, plain.to_json()).similar is None
