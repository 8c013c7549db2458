"""Every regular expression in the project runs in linear time on whatever text it meets.

A backtracking pattern lets one message stall the event loop, and with it every other user.
This finds every pattern the code can run: the compiled ones kept in modules and classes, and
each pattern written at a call (``re.sub(r"…", …)``, ``series.str.match(r"…")``), from the
source, so a new one cannot escape. Each is run on attack inputs of 4,096 characters (the most a
Telegram message holds): long runs of every character class, repeated separators, and the
classic backtracking shape built from the pattern itself: a prefix that reaches a repeat, one
iteration of that repeat pumped thousands of times, then a character that makes it fail.
"""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
import random
import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from scripts import hostile

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("etl", "recommender", "bot")
LENGTH = hostile.MESSAGE_LENGTH
BUDGET_SECONDS = 0.005
RUNS = 3
# A call this slow is stopped: a backtracking pattern would otherwise run for years.
GIVE_UP_SECONDS = 0.25
SAMPLES = 60
# Iterations of one repeat tried, each with the text that reached it in its sample.
PUMPS_PER_REPEAT = 2
SEED = 11

# Calls whose pattern is not written at the call, and where their patterns are kept. A new
# call of this kind fails the test until it is listed here with its patterns.
DYNAMIC_CALLS: dict[tuple[str, str], Callable[[], list[tuple[str, int]]]] = {
    # The parser's patterns: the shapes of bot/chat/parsing.py filled with the language data.
    ("bot/chat/parsing.py", "_compile"): lambda: [
        (pattern.pattern, pattern.flags)
        for pattern in _compiled(vars(importlib.import_module("bot.chat.parsing").GRAMMAR))
    ],
    # Each fragment of the language data alone, to tell which one breaks a pattern.
    ("bot/chat/languages/__init__.py", "check_phrasing"): lambda: [
        (fragment, 0)
        for language in importlib.import_module("bot.chat.languages").BUILTIN
        for fragment in language.phrasing.values()
    ],
    ("etl/genres.py", "canonical_label"): lambda: [
        (pattern, 0) for pattern, _ in importlib.import_module("etl.genres")._PHRASES
    ],
}
_RE_FLAGS_ARG = {
    "compile": 1,
    "search": 2,
    "match": 2,
    "fullmatch": 2,
    "split": 3,
    "findall": 2,
    "finditer": 2,
    "sub": 4,
    "subn": 4,
}
# pandas' ``Series.str`` methods that take a regular expression (replace and split only with
# ``regex=True``).
_PANDAS_REGEX = {"contains", "match", "fullmatch", "extract", "extractall", "findall", "count"}
_PANDAS_MAYBE_REGEX = {"replace", "split"}


# -- finding the patterns --------------------------------------------------------------------
@dataclass(frozen=True)
class Found:
    """A pattern, its flags, and where it was found (for the failure message)."""

    pattern: str
    flags: int
    where: str


def _modules() -> Iterator[ModuleType]:
    for name in PACKAGES:
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            yield importlib.import_module(info.name)


def _compiled(value: object, depth: int = 0) -> Iterator[re.Pattern]:
    """The compiled patterns in ``value``, or in the containers and classes it holds."""
    if isinstance(value, re.Pattern):
        yield value
    elif depth < 3 and isinstance(value, tuple | list | set | frozenset):
        for item in value:
            yield from _compiled(item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in [*value.keys(), *value.values()]:
            yield from _compiled(item, depth + 1)
    elif depth == 0 and isinstance(value, type):
        for item in vars(value).values():
            yield from _compiled(item, depth + 1)


def _global_patterns() -> Iterator[Found]:
    for module in _modules():
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ != module.__name__:
                continue
            for pattern in _compiled(value):
                if isinstance(pattern.pattern, str):
                    yield Found(pattern.pattern, pattern.flags, f"{module.__name__}.{name}")


@dataclass(frozen=True)
class _Call:
    """A call that runs a regular expression: its pattern and flags arguments, if any."""

    node: ast.Call
    function: str  # The function it is in; "" at module level.
    pattern: ast.expr | None
    flags: ast.expr | None = None


def _argument(call: ast.Call, index: int | None, keyword: str) -> ast.expr | None:
    if index is not None and len(call.args) > index:
        return call.args[index]
    return next((kw.value for kw in call.keywords if kw.arg == keyword), None)


class _Calls(ast.NodeVisitor):
    """Every call in a module that runs a regular expression: ``re``'s functions, pandas'
    ``.str`` methods, python-telegram-bot's ``filters.*Regex`` and ``pattern=`` arguments."""

    def __init__(self) -> None:
        self.function = ""
        self.calls: list[_Call] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.function = self.function, self.function or node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = func.value if isinstance(func, ast.Attribute) else None
        regex = any(
            kw.arg == "regex" and getattr(kw.value, "value", 0) is True for kw in node.keywords
        )
        call = None
        if isinstance(owner, ast.Name) and owner.id == "re" and name in _RE_FLAGS_ARG:
            flags = _argument(node, _RE_FLAGS_ARG[name], "flags")
            call = _Call(node, self.function, _argument(node, 0, "pattern"), flags)
        elif isinstance(owner, ast.Attribute) and owner.attr == "str":
            if name in _PANDAS_REGEX or (name in _PANDAS_MAYBE_REGEX and regex):
                call = _Call(node, self.function, _argument(node, 0, "pat"))
        elif name.endswith("Regex"):
            call = _Call(node, self.function, _argument(node, 0, "pattern"))
        elif _argument(node, None, "pattern") is not None:
            call = _Call(node, self.function, _argument(node, None, "pattern"))
        if call is not None:
            self.calls.append(call)
        self.generic_visit(node)


def _value(node: ast.expr | None, module: ModuleType) -> object:
    """What ``node`` (a literal, a name, an f-string) is in ``module``, once imported; raises
    ``NameError`` for a local name."""
    if node is None:
        return 0
    return eval(compile(ast.Expression(node), module.__file__, "eval"), vars(module))


def _written_patterns() -> Iterator[Found]:
    dynamic_seen = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.relative_to(ROOT).as_posix()
            name = source.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            module = importlib.import_module(name)
            calls = _Calls()
            calls.visit(ast.parse(path.read_text(encoding="utf-8")))
            for call in calls.calls:
                where = f"{source}:{call.node.lineno}"
                try:
                    pattern = _value(call.pattern, module)
                    flags = _value(call.flags, module)
                except NameError:
                    pattern = None
                if isinstance(pattern, re.Pattern):
                    pattern, flags = pattern.pattern, pattern.flags
                if isinstance(pattern, str):
                    yield Found(pattern, int(flags), where)
                elif (source, call.function) in DYNAMIC_CALLS:
                    dynamic_seen.add((source, call.function))
                else:
                    raise AssertionError(
                        f"{where}: {ast.unparse(call.node)[:60]} runs a pattern built in a "
                        "function: compile it at module level, or list it in DYNAMIC_CALLS"
                    )
    for key, patterns in DYNAMIC_CALLS.items():
        assert key in dynamic_seen, f"DYNAMIC_CALLS lists {key}, which no longer builds patterns"
        for pattern, flags in patterns():
            yield Found(pattern, flags, f"{key[0]} {key[1]}")


def _all_patterns() -> list[Found]:
    unique: dict[tuple[str, int], Found] = {}
    for found in [*_global_patterns(), *_written_patterns()]:
        flags = re.compile(found.pattern, found.flags).flags
        unique.setdefault((found.pattern, flags), Found(found.pattern, flags, found.where))
    return list(unique.values())


PATTERNS = _all_patterns()


# -- attack inputs ---------------------------------------------------------------------------
# Characters that make a match fail at the end of a long run.
FAIL = ("", "\x00", " x")


def _fill(prefix: str, pump: str, suffix: str) -> str:
    return hostile.Shape(prefix, pump, suffix).text(LENGTH)


def generic_inputs() -> list[str]:
    """Every kind of character in long runs, and the parser's hostile messages."""
    inputs = {_fill("", char, fail) for char in hostile.CHARACTERS for fail in FAIL}
    inputs |= {_fill("a", char, "b") for char in hostile.CHARACTERS}
    inputs |= {shape.text(LENGTH) for shape in hostile.SHAPES}
    return sorted(inputs)


class _Sampler:
    """Random text shaped by a parsed pattern, noting at each repeat the text before it, one
    iteration of it, and where the sample goes on."""

    def __init__(self, flags: int, rng: random.Random) -> None:
        self.flags = flags
        self.rng = rng
        self.out: list[str] = []
        # Per repeat (by the identity of its node in the parsed pattern).
        self.pumps: dict[int, tuple[str, str, int]] = {}

    def sample(self, items: sre_parse.SubPattern | list) -> None:
        for op, value in items:
            self.one(op, value)

    def one(self, op: object, value: object) -> None:
        if op is sre.LITERAL:
            self.out.append(chr(value))
        elif op is sre.NOT_LITERAL:
            self.out.append("a" if value != ord("a") else "b")
        elif op is sre.ANY:
            self.out.append(self.rng.choice("a?"))
        elif op is sre.IN:
            self.out.append(self.member(value))
        elif op is sre.BRANCH:
            self.sample(self.rng.choice(value[1]))
        elif op is sre.SUBPATTERN:
            self.sample(value[3])
        elif op is sre.ATOMIC_GROUP:
            self.sample(value)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, item = value
            if high > 1:
                before = "".join(self.out)
                iteration = _Sampler(self.flags, self.rng)
                iteration.sample(item)
                self.pumps.setdefault(id(item), (before, "".join(iteration.out), len(before)))
            for _ in range(self.rng.randint(low, min(high, low + 2))):
                self.sample(item)
        # AT, ASSERT, ASSERT_NOT and GROUPREF add no text of their own here.

    def member(self, items: list) -> str:
        """A character of a class ``[…]``: one it names, else one of ``hostile.CHARACTERS``
        in it (outside it, for a negated class)."""
        negated = bool(items) and items[0][0] is sre.NEGATE
        named = [chr(value) for op, value in items if op is sre.LITERAL]
        named += [chr(self.rng.randint(*value)) for op, value in items if op is sre.RANGE]
        for char in [*([] if negated else named), *hostile.CHARACTERS]:
            if _in_class(char, items, self.flags) != negated:
                return char
        return "a"


_CATEGORIES: dict[object, Callable[[str], bool]] = {
    sre.CATEGORY_DIGIT: str.isdecimal,
    sre.CATEGORY_NOT_DIGIT: lambda char: not char.isdecimal(),
    sre.CATEGORY_SPACE: str.isspace,
    sre.CATEGORY_NOT_SPACE: lambda char: not char.isspace(),
    sre.CATEGORY_WORD: lambda char: char.isalnum() or char == "_",
    sre.CATEGORY_NOT_WORD: lambda char: not (char.isalnum() or char == "_"),
}


def _in_class(char: str, items: list, flags: int) -> bool:
    """Whether ``char`` is one of the class's items (ignoring a leading NEGATE)."""
    chars = {char, char.lower(), char.upper()} if flags & re.IGNORECASE else {char}
    for op, value in items:
        if op is sre.LITERAL and chr(value) in chars:
            return True
        if op is sre.RANGE and any(value[0] <= ord(c) <= value[1] for c in chars):
            return True
        if op is sre.CATEGORY and _CATEGORIES.get(value, lambda char: False)(char):
            return True
    return False


def pattern_inputs(found: Found) -> list[str]:
    """Attack inputs shaped by this pattern: its own characters in long runs, and each of its
    repeats pumped between the text that reaches it and a character that fails it."""
    parsed = sre_parse.parse(found.pattern, found.flags)
    rng = random.Random(f"{SEED}{found.pattern}")
    inputs: set[str] = set()
    chars: set[str] = set()
    pumps: dict[int, set[str]] = {}
    for _ in range(SAMPLES):
        sampler = _Sampler(found.flags, rng)
        sampler.sample(parsed)
        text = "".join(sampler.out)
        chars |= set(text)
        for repeat, (before, pump, at) in sampler.pumps.items():
            seen = pumps.setdefault(repeat, set())
            if pump and pump not in seen and len(seen) < PUMPS_PER_REPEAT:
                seen.add(pump)
                rest = text[at:][:64]
                inputs |= {_fill(before, pump, end) for end in ("", "\x00", rest + "\x00")}
    inputs |= {_fill("", char, fail) for char in chars for fail in FAIL}
    return sorted(inputs)


# -- timing ----------------------------------------------------------------------------------
def slowest_calls(
    pattern: re.Pattern, inputs: list[str], enough: int = 5
) -> list[tuple[float, str, str]]:
    """Calls over ``BUDGET_SECONDS`` (the fastest of ``RUNS``), the first ``enough`` of them:
    (seconds, method, input)."""
    methods = {
        "search": pattern.search,
        "match": pattern.match,
        "fullmatch": pattern.fullmatch,
        "sub": lambda text: pattern.sub("", text),
    }
    slow = []
    for text in inputs:
        for name, method in methods.items():
            call = functools.partial(method, text)
            seconds = hostile.fastest(call, RUNS, GIVE_UP_SECONDS, BUDGET_SECONDS)
            if seconds > BUDGET_SECONDS:
                slow.append((seconds, name, text))
            if len(slow) >= enough:
                return sorted(slow, reverse=True)
    return sorted(slow, reverse=True)


def _shown(text: str) -> str:
    """A long input by its ends: "'what should I watch???'…'??? x' (45 chars)"."""
    return f"{text[:30]!r}…{text[-20:]!r} ({len(text)} chars)"


GENERIC = generic_inputs()


def test_every_pattern_is_found():
    """The search finds the patterns kept in containers and the ones written at calls."""
    wheres = {found.where for found in PATTERNS}
    grammar = importlib.import_module("bot.chat.parsing").GRAMMAR
    found = {(found.pattern, found.flags) for found in PATTERNS}
    assert (grammar.trailing_noise.pattern, grammar.trailing_noise.flags) in found
    assert {(pattern.pattern, pattern.flags) for pattern in grammar.requests} <= found
    assert "bot.chat.callbacks._FORMS" in wheres
    assert any(
        w.startswith("bot/telegram/application.py:") for w in wheres
    )  # PATTERN, CaptionRegex
    assert any(w.startswith("etl/genres.py canonical_label") for w in wheres)
    assert any(w.startswith("etl/transform.py:") for w in wheres)
    assert len(PATTERNS) > 60


@pytest.mark.parametrize("found", PATTERNS, ids=[found.where for found in PATTERNS])
def test_no_pattern_backtracks_on_any_input(found):
    pattern = re.compile(found.pattern, found.flags)
    slow = slowest_calls(pattern, GENERIC + pattern_inputs(found))
    shown = [f"{1e3 * s:.1f} ms {name}({_shown(text)})" for s, name, text in slow[:5]]
    assert not slow, f"{found.where} /{found.pattern[:80]}/ is slow on " + "; ".join(shown)
