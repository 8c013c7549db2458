"""The parser on titles and requests for recommendations: the ways people ask, in both
languages, a trailing platform or year, and asking with no title at all."""

from __future__ import annotations

import pytest

from bot.chat.commands import parse_message
from bot.chat.parsing import Intent, Problem

MISSING_TITLE = Intent("recommend", problem=Problem("missing_title"))


@pytest.fixture(scope="module")
def registry(engine):
    return engine.registry


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("/recommend movies like toy story", {"title": "toy story", "item_type": "movie"}),
        ("/recommend something like Heat", {"title": "Heat"}),
        ("/recommend shows similar to The Office", {"title": "The Office", "item_type": "tv show"}),
        ("/recomendar algo como coco", {"title": "coco"}),
        ("/recomendar series parecidas a Dark", {"title": "Dark", "item_type": "tv show"}),
        ("recommend toy story", {"title": "toy story"}),
        ("recommend toy story on netflix", {"title": "toy story", "platform": "netflix"}),
        ("recommendations for toy story", {"title": "toy story"}),
        ("Toy Story recommendations", {"title": "Toy Story"}),
        ("any movie recommendations like Heat?", {"title": "Heat", "item_type": "movie"}),
        ("any recommendations similar to narcos?", {"title": "narcos"}),
        ("what should i watch after breaking bad", {"title": "breaking bad"}),
        ("What should I watch next after Dark?", {"title": "Dark"}),
        ("what to watch after The Office", {"title": "The Office"}),
        ("what are some shows like Dark", {"title": "Dark", "item_type": "tv show"}),
        ("If I liked Heat, what else?", {"title": "Heat"}),
        ("¿me recomiendas algo como coco?", {"title": "coco"}),
        ("¿Qué me recomiendas parecido a Coco?", {"title": "Coco"}),
        ("me puedes recomendar algo como Heat", {"title": "Heat"}),
        ("recomiéndame series como X", {"title": "X", "item_type": "tv show"}),
        (
            "recomiéndame una peli parecida a Toy Story",
            {"title": "Toy Story", "item_type": "movie"},
        ),
        ("algo parecido a X", {"title": "X"}),
        ("recomendaciones para toy story", {"title": "toy story"}),
        ("qué veo después de Breaking Bad", {"title": "Breaking Bad"}),
        ("si me gustó Dark, ¿qué veo?", {"title": "Dark"}),
    ],
)
def test_the_ways_people_ask_for_recommendations(registry, text, args):
    assert parse_message(text, registry) == Intent("recommend", args)


@pytest.mark.parametrize(
    "text",
    [
        "recommend",
        "Recommend something",
        "recommend something to watch tonight",
        "can you recommend me a good movie?",
        "suggest a show",
        "any recommendations?",
        "what should I watch?",
        "recomiéndame algo",
        "¿Me recomiendas algo?",
        "¿qué me recomiendas?",
        "recomiéndame una película",
        "alguna recomendación",
        "¿Qué veo hoy?",
        "/recommend something",
        "/recommend me a movie",
        "/recomendar algo",
        "/recomendar una serie",
        "/recommend",
    ],
)
def test_asking_without_a_title_asks_for_one(registry, text):
    assert parse_message(text, registry) == MISSING_TITLE


@pytest.mark.parametrize(
    "text",
    [
        "what can you do",
        "What can you do?",
        "¿Qué puedes hacer?",
        "help",
        "Ayuda",
        "how does this work",
    ],
)
def test_questions_about_the_bot_get_help(registry, text):
    assert parse_message(text, registry) == Intent("help")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("coco en disney", Intent("title", {"title": "coco", "platform": "disney"})),
        ("toy story on hulu", Intent("title", {"title": "toy story", "platform": "hulu"})),
        ("toy story on netflx", Intent("title", {"title": "toy story", "platform": "netflix"})),
        (
            "Murder on the Orient Express on Prime Video",
            Intent("title", {"title": "Murder on the Orient Express", "platform": "amazon"}),
        ),
        # "on"/"in" inside a title is part of it.
        (
            "Murder on the Orient Express",
            Intent("title", {"title": "Murder on the Orient Express"}),
        ),
        ("Lucy in the Sky", Intent("title", {"title": "Lucy in the Sky"})),
        ("Dinner in Amazonia", Intent("title", {"title": "Dinner in Amazonia"})),
        ("Life in A", Intent("title", {"title": "Life in A"})),
        # A year picks among works of one title...
        ("Toy Story 2 (1999)", Intent("title", {"title": "Toy Story 2", "year": 1999})),
        ("The Office 2005", Intent("title", {"title": "The Office", "year": 2005})),
        ("/info The Office (2001)", Intent("info", {"title": "The Office", "year": 2001})),
        (
            "/recommend toy story (1995) on disney+",
            Intent("recommend", {"title": "toy story", "year": 1995, "platform": "disney"}),
        ),
        # ...but a title may be a year, or end in one still to come.
        ("2012", Intent("title", {"title": "2012"})),
        ("/info 1917", Intent("info", {"title": "1917"})),
        ("Blade Runner 2049", Intent("title", {"title": "Blade Runner 2049"})),
        ("Apollo 13", Intent("title", {"title": "Apollo 13"})),
    ],
)
def test_a_title_with_a_platform_or_a_year(registry, text, intent):
    assert parse_message(text, registry) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("/recommend toy story on hbo", "recommend"),
        ("recommend toy story on Apple TV+", "recommend"),
        ("toy story en Movistar+", "title"),
        ("The Sopranos on HBO", "title"),
    ],
)
def test_a_platform_the_bot_does_not_cover_is_named(registry, text, intent):
    parsed = parse_message(text, registry)
    assert parsed.name == intent
    assert parsed.problem is not None
    assert parsed.problem.code == "uncovered_platform"
    assert text.endswith(parsed.problem.value)
