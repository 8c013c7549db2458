"""Hostile messages for every way user text reaches the parser, and a CPU clock that gives up.

Shared by ``make bench`` (the worst parse time of each command) and the tests that bound it
(``tests/bot/test_parsing_budget.py``) and every pattern (``tests/test_patterns.py``).

A hostile message is a lead that steers the parser down one path ("what should I watch",
"i liked ", "where is "…), one unit repeated to the length wanted (a character of each class,
or a word the parser knows: "hulu ", "vs ", "please ", "horror "…), and a tail that makes the
last step fail (" x"). Each entry point is one command name (every alias, in both languages),
free text, an inline query, or the reply language of a message.
"""

from __future__ import annotations

import gc
import itertools
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.chat import commands, parsing
from bot.chat.understanding import Titles
from recommender.platforms import PlatformRegistry

# Telegram's limits: what a message and an inline query can hold.
MESSAGE_LENGTH = parsing.MAX_MESSAGE_LENGTH
INLINE_LENGTH = 256

# A character of each class: letters, digits, spaces, punctuation, symbols, emoji, combining
# marks, right-to-left letters and marks, invisible and control characters.
CHARACTERS = (
    "aZé0٣² \t\n\u00a0\u3000?!.,;:…¿¡|｜()[]{}<>-–+*/\\'\"«»`@#$%&_=~^😀🎬\u0301\u05d0\u0627"
    "\u200f\u202e\u200b\ufeff\x00"
)
# Words and separators the parser looks for.
WORDS = (
    "a ", "1 ", "2018 ", "7,5 ", "18 ", "hulu ", "netflix ", "netflx ", "disney plus ",
    "prime video ", "hbo ", "on ", "the ", "de ", "y ", "vs ", "| ", "like ", "como ",
    "movies ", "tv ", "some ", "alguna ", "algo ", "please ", "por favor ", "? ", "?x", ". ",
    "a,", "(2019) ", "on netflix ", "united states ", "mayores de ", "pg-13 ", "me ",
    "recommend ", "i liked ", "what ", "where ", "donde ", "todas ", "streaming ", "a b ",
    "é ", "ñ,", "😀 ", "\u05d0 ", "horror ", "scary ", "from the ", "90s ", "los 90 ",
    "between 2000 and ", "not ", "sin ", "only ", "under ", "2 hours ", "and a half ", "about ",
    "heist movies ", "korean ", "more ", "otra ", "x and ", "—",
)  # fmt: skip
TAILS = ("", " x")
# Leads that reach the parser's longer paths, each with units that could stall them.
LEADS = (
    "what should I watch", "i liked ", "if you liked ", "me gustó ", "where can i watch ",
    "where is ", "recommend ", "recomiéndame algo como ", "movies like ", "toy story ",
    "netflix 2019 ", "korean dramas ", "películas de terror ", "i loved x and ",
    "a movie about ", "how many ", "what's new ",
)  # fmt: skip
LEAD_UNITS = (" ", "\n", "?", "a", "a ", ", ", "like ", "some ", "please ", "vs ", "on ")


@dataclass(frozen=True)
class Shape:
    """A hostile message body: ``lead``, then ``unit`` repeated, then ``tail``."""

    lead: str
    unit: str
    tail: str

    def text(self, length: int) -> str:
        """The body at ``length`` characters."""
        room = max(0, length - len(self.lead) - len(self.tail))
        return self.lead + (self.unit * (room // len(self.unit) + 1))[:room] + self.tail


SHAPES = (
    *(Shape("", unit, tail) for unit in (*CHARACTERS, *WORDS) for tail in TAILS),
    *(Shape(lead, unit, " x") for lead in LEADS for unit in LEAD_UNITS),
)


@dataclass(frozen=True)
class EntryPoint:
    """One way text reaches the parser: a command name, free text, or an inline query."""

    name: str
    intent: str
    parse: Callable[[str], object]
    # The longest text it can be given: a message (with its command), or an inline query.
    max_length: int = MESSAGE_LENGTH


def entry_points(registry: PlatformRegistry, titles: Titles | None = None) -> list[EntryPoint]:
    """Every command name and alias, free text, inline queries and the reply language; given
    the catalogue's ``titles``, read with them, as the bot reads."""

    def parse(text: str) -> object:
        return commands.parse_message(text, registry, "bot", titles=titles)

    typed = [
        EntryPoint(f"/{name}", command.name, lambda body, name=name: parse(f"/{name} {body}"))
        for command in commands.COMMANDS
        for name in command.names
    ]
    return [
        *typed,
        EntryPoint("free text", "free text", parse),
        EntryPoint("inline", "inline", parsing.where_title, INLINE_LENGTH),
        EntryPoint("language", "language", parsing.detect_language),
    ]


def assignments(points: list[EntryPoint]) -> Iterator[tuple[EntryPoint, Shape]]:
    """Each shape once for each intent (and for free text and inline), taking turns among the
    intent's command names: every name meets a share of the shapes, and every path meets all."""
    by_intent: dict[str, list[EntryPoint]] = {}
    for point in points:
        by_intent.setdefault(point.intent, []).append(point)
    for names in by_intent.values():
        yield from zip(itertools.cycle(names), SHAPES)


# -- a CPU clock that gives up ---------------------------------------------------------------
class _GaveUp(Exception):
    pass


def _give_up(signum: int, frame: object) -> None:
    raise _GaveUp


def cpu_seconds(call: Callable[[], object], give_up: float) -> float:
    """The CPU time ``call`` takes, or ``give_up`` if it had to be stopped after that long.

    CPU time, not the wall clock: other processes on a busy machine slow a call down without
    making it do more work. Nor is a garbage collection the call's work: in a process holding
    a whole catalogue one can take longer than the call, so none runs during it. A
    backtracking regular expression can run for years; Python's ``re`` checks for signals, so
    a CPU timer stops it. Main thread only.
    """
    previous = signal.signal(signal.SIGVTALRM, _give_up)
    collecting = gc.isenabled()
    gc.disable()
    signal.setitimer(signal.ITIMER_VIRTUAL, give_up)
    started = time.thread_time()
    try:
        call()
    except _GaveUp:
        return give_up
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
        if collecting:
            gc.enable()
    return time.thread_time() - started


def fastest(call: Callable[[], object], runs: int, give_up: float, enough: float = 0.0) -> float:
    """The fastest of up to ``runs`` calls: fewer once one takes ``enough`` or less, or one
    has to be stopped."""
    best = cpu_seconds(call, give_up)
    for _ in range(runs - 1):
        if best <= enough or best >= give_up:
            break
        best = min(best, cpu_seconds(call, give_up))
    return best
