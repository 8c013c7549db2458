"""The message parser: typed arguments in any order, both languages, and no text that breaks it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import parsing, replies
from bot.parsing import Intent, Problem, parse_message

INTENTS = {
    value
    for name, value in vars(parsing).items()
    if name.isupper() and isinstance(value, str) and name not in ("FIRST_YEAR", "LAST_YEAR")
}
COMMAND_NAMES = sorted(name for names in parsing.COMMANDS.values() for name in names)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
ARGUMENT_WORDS = st.sampled_from(
    ["2018", "netflix", "prime video", "disney+", "min", "temporadas", "7,5", "movie", "serie"]
)
ODD_WORDS = st.sampled_from(
    ["españa", "estados unidos", "pg-13", "", " ", "¿", "🎬", "@StreamBot", "/", "0", "99"]
)


@pytest.fixture(scope="module")
def registry(engine):
    return engine.registry


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "/longest 2018 netflix min",
            Intent("longest", {"year": 2018, "platform": "netflix", "duration_type": "min"}),
        ),
        (
            "/duracion temporadas prime video 2019",
            Intent("longest", {"year": 2019, "platform": "amazon", "duration_type": "season"}),
        ),
        ("/longest serie", Intent("longest", {"duration_type": "season"})),
        ("/longest", Intent("longest", {})),
        (
            "/scorecount 2015 7 netflix",
            Intent("score_count", {"year": 2015, "platform": "netflix", "score": 7.0}),
        ),
        (
            "/puntaje disney plus 7,5 2015",
            Intent("score_count", {"year": 2015, "platform": "disney", "score": 7.5}),
        ),
        (
            "/get_score_count hulu 8/10 2001",
            Intent("score_count", {"year": 2001, "platform": "hulu", "score": 8.0}),
        ),
        ("/count Amazon Prime", Intent("count", {"platform": "amazon"})),
        ("/actor 2019 netflix", Intent("actor", {"year": 2019, "platform": "netflix"})),
        (
            "/pais serie españa 2021",
            Intent("country", {"item_type": "tv show", "country": "spain", "year": 2021}),
        ),
        (
            "/country 2019 movie united states",
            Intent("country", {"item_type": "movie", "country": "united states", "year": 2019}),
        ),
        (
            "/prod_per_county películas de méxico 2019",
            Intent("country", {"item_type": "movie", "country": "mexico", "year": 2019}),
        ),
        (
            "/country tv EE.UU. 2019",
            Intent("country", {"item_type": "tv show", "country": "united states", "year": 2019}),
        ),
        ("/rating PG-13", Intent("rating", {"rating": "pg-13"})),
        ("/lang ES", Intent("lang", {"language": "es"})),
        ("/idioma inglés", Intent("lang", {"language": "en"})),
        (
            "/recommend toy story on netflix",
            Intent("recommend", {"title": "toy story", "platform": "netflix"}),
        ),
        (
            "/recommend Murder on the Orient Express",
            Intent("recommend", {"title": "Murder on the Orient Express"}),
        ),
        ("/info «Amélie»", Intent("info", {"title": "Amélie"})),
        ("/help@StreamBot", Intent("help")),
        ("/RECOMMEND@streambot Heat", Intent("recommend", {"title": "Heat"})),
        ("/recommend@OtherBot Heat", Intent("ignore")),
        (
            "/país serie españa 2021",
            Intent("country", {"item_type": "tv show", "country": "spain", "year": 2021}),
        ),
        ("/whatever", Intent("unknown_command", {"command": "/whatever"})),
    ],
)
def test_commands_and_their_arguments(registry, text, intent):
    assert parse_message(text, registry, bot_username="StreamBot") == intent


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("/recommend", Problem("missing_title")),
        ("/recommend   ", Problem("missing_title")),
        ("/scorecount netflix 2015", Problem("missing_score")),
        ("/scorecount netflix 11 2015", Problem("bad_score", "11")),
        ("/scorecount hbo 7 2015", Problem("unknown_platform", "hbo")),
        ("/count", Problem("missing_platform")),
        ("/count hbo max", Problem("unknown_platform", "hbo max")),
        ("/actor netflix", Problem("missing_year")),
        ("/actor netflix 1850", Problem("bad_year", "1850")),
        ("/longest 2018 netflix soon", Problem("unknown_words", "soon")),
        ("/country 2019 united states", Problem("missing_type")),
        ("/country tv 2019", Problem("missing_country")),
        ("/country tv spain", Problem("missing_year")),
        ("/rating", Problem("missing_rating")),
        ("/lang", Problem("missing_language")),
        ("/lang fr", Problem("unknown_language", "fr")),
        ("/info " + "x" * 500, Problem("too_long")),
    ],
)
def test_bad_arguments_become_problems(registry, text, problem):
    assert parse_message(text, registry).problem == problem


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("stranger thngs", Intent("title", {"title": "stranger thngs"})),
        ("“Toy Story”?!", Intent("title", {"title": "Toy Story"})),
        ("recommend something like Toy Story", Intent("recommend", {"title": "Toy Story"})),
        (
            "Can you suggest some movies similar to Heat, please?",
            Intent("recommend", {"title": "Heat", "item_type": "movie"}),
        ),
        (
            "shows like the office",
            Intent("recommend", {"title": "the office", "item_type": "tv show"}),
        ),
        ("I loved Amélie, what else should I watch?", Intent("recommend", {"title": "Amélie"})),
        ("recomiéndame algo como stranger thngs", Intent("recommend", {"title": "stranger thngs"})),
        (
            "Recomiendame series parecidas a Breaking Bad en Netflix",
            Intent(
                "recommend",
                {"title": "Breaking Bad", "platform": "netflix", "item_type": "tv show"},
            ),
        ),
        (
            "quiero ver películas como Toy Story por favor",
            Intent("recommend", {"title": "Toy Story", "item_type": "movie"}),
        ),
        ("algo parecido a The Office", Intent("recommend", {"title": "The Office"})),
        ("me encantó Heat", Intent("recommend", {"title": "Heat"})),
        ("Como agua para chocolate", Intent("title", {"title": "Como agua para chocolate"})),
        ("hola!", Intent("greeting")),
        ("Muchas gracias", Intent("thanks")),
        ("ayuda", Intent("help")),
        ("???", Intent("help")),
        ("", Intent("empty")),
    ],
)
def test_free_text(registry, text, intent):
    assert parse_message(text, registry) == intent


def _check(intent: Intent) -> None:
    assert intent.name in INTENTS
    if intent.problem is not None:
        assert isinstance(intent.problem.code, str)
        assert len(intent.problem.value) <= 60


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_any_unicode_parses(registry, text):
    _check(parse_message(text, registry, bot_username="StreamBot"))


@settings(max_examples=100, deadline=None)
@given(
    command=st.sampled_from(COMMAND_NAMES),
    words=st.lists(ARGUMENT_WORDS | ODD_WORDS | st.text(), max_size=6),
)
def test_any_arguments_to_any_command_parse(registry, command, words):
    _check(parse_message(f"/{command} {' '.join(words)}", registry))


@settings(max_examples=60, deadline=None)
@given(text=st.text(EMOJI, min_size=1, max_size=50), command=st.sampled_from(COMMAND_NAMES))
def test_emoji_parse(registry, text, command):
    _check(parse_message(text, registry))
    _check(parse_message(f"/{command} {text}", registry))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(min_size=4000, max_size=4096),
    command=st.sampled_from(["", "/recommend ", "/country "]),
)
def test_4096_character_messages_parse(registry, text, command):
    _check(parse_message(command + text, registry))


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_empty_arguments_never_raise_and_always_get_an_answer(engine, command):
    for lang in ("es", "en"):
        intent = parse_message(f"/{command}", engine.registry)
        reply = replies.answer(intent, engine, lang)
        assert reply.text.strip()


@settings(max_examples=120, deadline=None)
@given(text=st.text(max_size=300) | st.text(EMOJI, max_size=20), lang=st.sampled_from(["es", "en"]))
def test_every_parsed_message_gets_a_reply(engine, text, lang):
    for message in (text, "/recommend " + text, "/longest " + text, "/country " + text):
        reply = replies.answer(parse_message(message, engine.registry), engine, lang)
        assert reply.text.strip()
