"""Whatever a user sends, parsing it takes little time: linear in its length, and bounded,
because text longer than a Telegram message is cut before it is parsed.

Every command name and alias in both languages, free text and inline queries meet the hostile
messages of ``scripts/hostile.py`` at two lengths, four times apart. Times are CPU times (the
fastest of a few runs), so other work on the machine does not count.
"""

from __future__ import annotations

import pytest

from bot.chat import commands, parsing
from bot.chat.commands import parse_message
from bot.chat.parsing import Intent
from bot.console import ConsoleChat
from recommender.engine import EngineHolder
from scripts import hostile

# The worst a 4,096-character message may take to parse (``make bench`` reports it).
BUDGET_SECONDS = 0.05
# Four times the text may take at most this many times as long: linear work takes four, with
# room for noise; quadratic work takes sixteen.
GROWTH = 8
# Below this a parse is too quick for its growth to matter, or to measure reliably.
FLOOR_SECONDS = 0.001
RUNS = 3
GIVE_UP_SECONDS = 1.0
# Failures enough to show what is wrong: parsing that backtracks would otherwise take hours.
ENOUGH_FAILURES = 10


@pytest.fixture(scope="module")
def registry(engine):
    return engine.registry


def _too_slow(point: hostile.EntryPoint, shape: hostile.Shape, length: int) -> str | None:
    """Why parsing ``shape`` at ``length`` is too slow, if it is: once in one run, then in
    the fastest of ``RUNS`` (most parses are far below the floor, and one run each keeps
    this test quick)."""
    large_text, small_text = shape.text(length), shape.text(length // 4)
    for runs in (1, RUNS):
        large = hostile.fastest(lambda: point.parse(large_text), runs, GIVE_UP_SECONDS)
        if large <= FLOOR_SECONDS:
            return None
        small = hostile.fastest(lambda: point.parse(small_text), runs, GIVE_UP_SECONDS)
        if large <= BUDGET_SECONDS and large <= GROWTH * small:
            return None
        if large >= GIVE_UP_SECONDS:
            break
    return f"{point.name} {shape} at {length}: {1e3 * large:.1f} ms, {1e3 * small:.1f} at n/4"


def test_every_entry_point_parses_hostile_text_in_linear_time(engine):
    """Each command name (every alias, both languages), free text and inline, on each hostile
    shape, read with the catalogue's titles as the bot reads: at about the longest title the
    request patterns read, and at full length (a message, or an inline query)."""
    points = hostile.entry_points(engine.registry, engine)
    assert {point.name for point in points} >= {
        f"/{name}" for command in commands.COMMANDS for name in command.names
    }
    slow: list[str] = []
    for point, shape in hostile.assignments(points):
        for length in (parsing.MAX_TITLE_LENGTH * 2, point.max_length):
            reason = _too_slow(point, shape, length)
            slow += [reason] if reason else []
        if len(slow) >= ENOUGH_FAILURES:
            break
    assert not slow, "\n".join(slow[:10])


TOO_LONG = Intent("title", problem=parsing.Problem("too_long"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A: the trailing noise pattern backtracked exponentially in the "?"s.
        (
            "what should I watch" + "?" * 24 + " x",
            Intent("title", {"title": "what should I watch" + "?" * 24 + " x"}),
        ),
        ("what should I watch" + "?" * 4000 + " x", TOO_LONG),
        # B: quadratic in the words, and in the spaces; then a separator that still works.
        ("/platforms " + "hulu " * 800, Intent("platforms", {"platforms": ("hulu",)})),
        (
            "/why a" + " " * 4000 + "b",
            Intent("why", problem=parsing.Problem("missing_second_title")),
        ),
        (
            "/why a" + " " * 4000 + "| b",
            Intent("why", {"title": "a", "year": None, "other": {"title": "b"}}),
        ),
    ],
    ids=["trailing noise", "trailing noise, long", "platforms", "why", "why, with a separator"],
)
def test_the_messages_that_froze_the_bot(registry, text, intent):
    seconds = hostile.fastest(lambda: parse_message(text, registry), RUNS, GIVE_UP_SECONDS)
    assert seconds < BUDGET_SECONDS
    assert parse_message(text, registry) == intent


def test_text_longer_than_a_message_is_cut_before_parsing(registry):
    """The console and the command line pass any length; the parser reads a message's worth."""
    padding = " " * parsing.MAX_MESSAGE_LENGTH
    hulu = Intent("platforms", {"platforms": ("hulu",)})
    assert parse_message(f"/platforms hulu{padding}hbo", registry) == hulu
    assert commands.parse_arguments("platforms", f"hulu{padding}hbo", registry) == hulu
    assert parsing.where_title(f"where can I watch Up?{padding}x") == "Up"
    huge = "a " * 100_000
    seconds = hostile.fastest(lambda: parse_message(huge, registry), RUNS, GIVE_UP_SECONDS)
    assert seconds < BUDGET_SECONDS


@pytest.mark.parametrize("line", ["1" * 5000, "٣", "²"])
def test_the_console_takes_any_number_as_text(engine, line):
    """A line of digits picks a button only if it is a button's number; 5,000 digits are more
    than ``int()`` reads."""
    conversation = ConsoleChat(EngineHolder(engine), "en")
    conversation.respond("the office")
    assert conversation.respond(line) is not None


@pytest.mark.parametrize(
    "offset", ["²", "①", "٣", "１０", "9" * 5000, "99999", "-5", "1e3", " 10", "10 "]
)
async def test_a_forged_inline_offset_shows_the_first_page(bot, offset):
    """Telegram sends back the offset the bot gave; a client may send anything else."""

    errors: list[BaseException] = []

    async def record(update: object, context) -> None:
        errors.append(context.error)

    bot.app.add_error_handler(record)
    chat = bot.chat()
    first = await chat.inline("toy story")
    forged = await chat.inline("toy story", offset)
    assert errors == []
    assert forged.params["results"] == first.params["results"]
