"""How well messages are understood (part of ``make eval``), beside today's parser in the same run.

- Slots: ``scripts/queries/slots_en.jsonl`` and ``slots_es.jsonl`` hold requests written by hand
  and from templates, each with the intent and the slots it should get; a third are held out
  (``"holdout": true``) and were not looked at while the vocabulary was written. Reported: the
  share of requests without a title that are understood as a request for a list, not a
  title lookup; catalogue questions in plain words answered as their question; each slot's
  accuracy.
- The peer is the parser as it was before issue 13: every free-text message is a title lookup
  unless it asks for recommendations the old ways; its slots are what a title lookup reads
  (a trailing platform and year, and "movies"/"shows" in a request).
- Plots told from memory: the plot search's queries (``scripts/queries/plot_*.csv``, written
  for it by its own author) understood as a request for a list with a topic. How long a
  message must be to be a plot and no title was chosen on them.
- Language: ``scripts/queries/language.jsonl`` (short messages; "either" when both languages
  fit) and the slot sets; reported: right, wrong and no answer, beside py3langid alone.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.chat import parsing
from bot.chat.commands import answer, parse_message
from bot.chat.i18n import t
from bot.chat.parsing import GRAMMAR, Intent
from bot.chat.replies import Reply
from bot.chat.state import SLOT_TYPES, Discovering
from bot.chat.understanding import _identifier
from recommender.engine import Engine
from recommender.platforms import PlatformRegistry
from recommender.text import fold

QUERIES = Path(__file__).resolve().parent / "queries"
LIST_INTENTS = frozenset({parsing.DISCOVER, parsing.FOLLOW_UP})
QUESTION_INTENTS = frozenset(
    {parsing.NEW, parsing.LONGEST, parsing.SCORE_COUNT, parsing.COUNT, parsing.ACTOR}
    | {parsing.COUNTRY, parsing.RATING, parsing.STATS}
)
# The slots of a request for a list, in the order reported.
SLOTS = (
    *("genres", "not_genres", "platforms", "type", "year_min", "year_max", "recent"),
    *("max_minutes", "max_seasons", "countries", "audience", "sort", "like", "about"),
    *("more", "shorter", "newer"),
)
_LISTS = frozenset({"genres", "not_genres", "platforms", "countries", "like"})
# A topic may hold this many words besides the ones expected ("a heist" for "heist").
TOPIC_SLACK = 2
LIST_TARGET = 0.95


@dataclass(frozen=True)
class Query:
    text: str
    lang: str
    intent: str
    slots: Mapping[str, object]
    kind: str
    holdout: bool


def load_queries(paths: Iterable[Path] | None = None) -> list[Query]:
    """The slot sets, English then Spanish."""
    queries = []
    for path in paths or sorted(QUERIES.glob("slots_*.jsonl")):
        lang = path.stem.removeprefix("slots_")
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            queries.append(
                Query(row["text"], lang, row["intent"], row["slots"], row["kind"], row["holdout"])
            )
    return queries


def today(text: str, registry: PlatformRegistry) -> Intent:
    """The parser before issue 13 on a free-text message: small talk, where to watch, a
    request for recommendations in one of the old shapes, else a title lookup."""
    text = parsing.message_text(text)
    body = parsing._strip_noise(text, GRAMMAR)
    folded = " ".join(fold(body).split())
    if folded in GRAMMAR.greetings:
        return Intent(parsing.GREETING)
    if folded in GRAMMAR.thanks:
        return Intent(parsing.THANKS)
    if not folded or GRAMMAR.help.match(folded):
        return Intent(parsing.HELP)
    if len(text) <= parsing.MAX_TITLE_LENGTH * 2:
        where = GRAMMAR.where.match(body)
        if where is not None:
            title = where.group("title") or where.group("streaming")
            return parsing._title_intent(parsing.WHERE, title, registry, GRAMMAR, False)
        request = parsing._request(GRAMMAR.requests, body, registry, GRAMMAR)
        if request is not None:
            return request
    return parsing._title_intent(parsing.TITLE, text, registry, GRAMMAR, True)


def slots_of(intent: Intent) -> dict[str, object]:
    """What an intent says of a request's slots: a list request's own, or what a title lookup
    or a request for recommendations reads (its platform, year and type)."""
    if intent.name in LIST_INTENTS:
        return {key: value for key, value in intent.args.items() if key in SLOTS}
    args = intent.args
    slots: dict[str, object] = {}
    if "platform" in args:
        slots["platforms"] = (args["platform"],)
    if "year" in args:
        slots["year_min"] = slots["year_max"] = args["year"]
    if "item_type" in args:
        slots["type"] = "movie" if args["item_type"] == "movie" else "tv"
    if intent.name == parsing.RECOMMEND and "title" in args:
        slots["like"] = (args["title"],)
    return slots


def same(slot: str, expected: object, found: object) -> bool:
    """Whether ``found`` is the slot ``expected``: lists in any order, titles and topics by
    their folded words (a topic may hold a few more)."""
    if slot in _LISTS:
        return {fold(str(v)) for v in expected} == {fold(str(v)) for v in found}
    if slot == "about":
        wanted, got = set(fold(str(expected)).split()), set(fold(str(found)).split())
        return wanted <= got and len(got - wanted) <= TOPIC_SLACK
    return expected == found


@dataclass
class Tally:
    """Counts for one parser over some queries."""

    lists: int = 0
    lists_understood: int = 0
    questions: int = 0
    questions_answered: int = 0
    intents: int = 0
    intents_right: int = 0
    slot_seen: Counter[str] = field(default_factory=Counter)
    slot_right: Counter[str] = field(default_factory=Counter)

    def add(self, query: Query, intent: Intent) -> None:
        self.intents += 1
        self.intents_right += intent.name == query.intent
        if query.intent in LIST_INTENTS:
            self.lists += 1
            self.lists_understood += intent.name in LIST_INTENTS
            found = slots_of(intent)
            for slot in SLOTS:
                if slot in query.slots or slot in found:
                    self.slot_seen[slot] += 1
                    self.slot_right[slot] += slot in query.slots and (
                        slot in found and same(slot, query.slots[slot], found[slot])
                    )
        elif query.intent in QUESTION_INTENTS:
            self.questions += 1
            self.questions_answered += intent.name == query.intent and dict(intent.args) == dict(
                query.slots
            )


def measure(
    queries: Iterable[Query], parse: Callable[[str], Intent]
) -> dict[tuple[str, str], Tally]:
    """Tallies per (language, "tuning"/"holdout"), and for "all" of each."""
    tallies: dict[tuple[str, str], Tally] = {}
    for query in queries:
        intent = parse(query.text)
        split = "holdout" if query.holdout else "tuning"
        for key in ((query.lang, split), (query.lang, "all"), ("all", split), ("all", "all")):
            tallies.setdefault(key, Tally()).add(query, intent)
    return tallies


def _share(right: int, total: int) -> str:
    return f"{right / total:.3f} ({right}/{total})" if total else "-"


def _compare(
    title: str,
    ours: dict[tuple[str, str], Tally],
    peer: dict[tuple[str, str], Tally],
    keys: Iterable[tuple[str, str]],
    count: Callable[[Tally], tuple[int, int]],
    target: float | None = None,
) -> None:
    """One measure, ``count`` (right, out of), for ours and the peer, per (language, split)."""
    print(f"\n{title:<34}{'target':>8}{'ours':>20}{'today':>20}")
    for key in keys:
        cells = [_share(*count(tallies[key])) for tallies in (ours, peer)]
        goal = f"{target:.2f}" if target is not None else ""
        print(f"{'  ' + ' '.join(key):<34}{goal:>8}" + "".join(f"{cell:>20}" for cell in cells))


def report_slots(engine: Engine, queries: list[Query] | None = None) -> None:
    """Ours reads as the bot does, with the catalogue's titles."""
    queries = queries if queries is not None else load_queries()
    registry = engine.registry
    ours = measure(queries, lambda text: parse_message(text, registry, titles=engine))
    peer = measure(queries, lambda text: today(text, registry))
    kinds = Counter((q.lang, q.kind, q.holdout) for q in queries)
    print(
        f"message understanding: {len(queries)} requests; "
        + ", ".join(
            f"{lang} {kind}{' held out' if held else ''} {n}"
            for (lang, kind, held), n in sorted(kinds.items())
        )
    )
    _compare(
        "title-less requests as a list",
        ours,
        peer,
        sorted(ours),
        lambda tally: (tally.lists_understood, tally.lists),
        LIST_TARGET,
    )
    every = (("en", "all"), ("es", "all"), ("all", "all"))
    _compare(
        "plain-word questions answered",
        ours,
        peer,
        every,
        lambda tally: (tally.questions_answered, tally.questions),
    )
    _compare(
        "intent accuracy",
        ours,
        peer,
        (("all", "tuning"), ("all", "holdout"), ("all", "all")),
        lambda tally: (tally.intents_right, tally.intents),
    )
    print(
        "\nslot accuracy (right / requests that have the slot or got it), "
        "tuning | held out | all, beside today's parser (all)"
    )
    print(f"{'slot':<14}{'tuning':>18}{'held out':>18}{'all':>18}{'today':>18}")
    for slot in SLOTS:
        cells = []
        for tally in (ours["all", "tuning"], ours["all", "holdout"], ours["all", "all"]):
            cells.append(_share(tally.slot_right[slot], tally.slot_seen[slot]))
        theirs = peer["all", "all"]
        cells.append(_share(theirs.slot_right[slot], theirs.slot_seen[slot]))
        print(f"{slot:<14}" + "".join(f"{cell:>18}" for cell in cells))


def plot_queries() -> dict[str, list[str]]:
    """The plot search's queries, the first sets and the fresh ones, by language."""
    queries: dict[str, list[str]] = {}
    for lang in ("en", "es"):
        for path in (QUERIES / f"plot_{lang}.csv", QUERIES / f"plot_{lang}_fresh.csv"):
            with path.open(encoding="utf-8", newline="") as file:
                queries.setdefault(lang, []).extend(row["query"] for row in csv.DictReader(file))
    return queries


def plots_as_topics(queries: list[str], parse: Callable[[str], Intent]) -> int:
    """How many of ``queries`` are understood as a request for a list with a topic."""
    return sum(
        intent.name in LIST_INTENTS and "about" in intent.args for intent in map(parse, queries)
    )


def report_plots(engine: Engine) -> None:
    registry = engine.registry
    print(f"\n{'plots told from memory, as a topic':<34}{'':>8}{'ours':>20}{'today':>20}")
    for lang, queries in plot_queries().items():
        ours = plots_as_topics(queries, lambda text: parse_message(text, registry, titles=engine))
        today_ = plots_as_topics(queries, lambda text: today(text, registry))
        print(
            f"{'  ' + lang:<34}{'':>8}{_share(ours, len(queries)):>20}"
            f"{_share(today_, len(queries)):>20}"
        )


# -- the language a message is in ----------------------------------------------------------------
@dataclass(frozen=True)
class LanguageQuery:
    text: str
    lang: str  # "en", "es", or "either"


def load_language_queries() -> list[LanguageQuery]:
    """The short messages of ``language.jsonl``, then the slot sets' requests."""
    path = QUERIES / "language.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    queries = [LanguageQuery(row["text"], row["lang"]) for row in rows]
    queries += [LanguageQuery(query.text, query.lang) for query in load_queries()]
    return queries


def _langid_alone(text: str) -> str | None:
    identifier = _identifier(GRAMMAR.vocabulary.codes)
    return identifier.classify(text)[0] if identifier is not None and text.strip() else None


def _words_bucket(text: str) -> str:
    words = len(text.split())
    return "1 word" if words == 1 else "2-3 words" if words <= 3 else "4+ words"


def report_language(queries: list[LanguageQuery] | None = None) -> None:
    queries = queries if queries is not None else load_language_queries()
    detectors = {"ours": parsing.detect_language, "py3langid alone": _langid_alone}
    labelled = [query for query in queries if query.lang != "either"]
    either = [query for query in queries if query.lang == "either"]
    print(
        f"\nreply language: {len(labelled)} messages in one language "
        f"({sum(len(q.text.split()) <= 3 for q in labelled)} of 1-3 words), "
        f"{len(either)} that fit both"
    )
    print(f"{'':<22}{'':<11}{'right':>16}{'wrong':>16}{'no answer':>16}")
    for name, detect in detectors.items():
        groups: dict[str, list[tuple[str, str | None]]] = {}
        for query in labelled:
            found = detect(query.text)
            for group in ("all", _words_bucket(query.text)):
                groups.setdefault(group, []).append((query.lang, found))
        for group in ("all", "1 word", "2-3 words", "4+ words"):
            pairs = groups.get(group, [])
            right = sum(found == lang for lang, found in pairs)
            none = sum(found is None for _, found in pairs)
            wrong = len(pairs) - right - none
            print(
                f"{name:<22}{group:<11}{_share(right, len(pairs)):>16}"
                f"{_share(wrong, len(pairs)):>16}{_share(none, len(pairs)):>16}"
            )
        answered = Counter(str(detect(query.text)) for query in either)
        print(f"{name:<22}{'both fit':<11}  " + ", ".join(f"{k}: {v}" for k, v in answered.items()))


# -- follow-ups ------------------------------------------------------------------------------
# Refinements in each language.
FOLLOW_UPS = {
    "en": (
        "only series",
        "only movies",
        "something shorter",
        "newer",
        "from the 2010s",
        "on netflix",
        "not horror",
        "more",
        "another one",
    ),
    "es": (
        "solo series",
        "solo películas",
        "algo más corto",
        "más nuevas",
        "de los 2010",
        "en netflix",
        "sin terror",
        "otra",
        "más",
    ),
}
FOLLOW_UP_TARGET = 0.95
# What the flags of a follow-up change: "newer" moves the years, both ends.
_FLAG_SLOTS = {"shorter": ("max_minutes", "max_seasons"), "newer": ("year_min", "year_max")}


def _kept(before: Discovering, intent: Intent, reply: Reply, lang: str) -> bool:
    """Whether ``reply`` to the follow-up ``intent`` keeps every earlier slot the follow-up
    does not name, and does what it asks."""
    args = intent.args
    if args.get("more"):
        return (reply.discovery is not None and reply.discovery.offset > before.offset) or (
            reply.discovery is None and t(lang, "discovery_end") in reply.text
        )
    if reply.discovery is None:
        return False
    after, named = reply.discovery.slots, {name for name in args if name in SLOT_TYPES}
    if "not_genres" in named:
        named.add("genres")  # "not horror" takes horror out of the genres asked for
    if "year_min" in named or "year_max" in named:
        named |= {"year_min", "year_max"}
    flags = [slot for flag, slots in _FLAG_SLOTS.items() if args.get(flag) for slot in slots]
    kept = all(after.get(k) == v for k, v in before.slots.items() if k not in named | set(flags))
    asked = all(
        set(args[name]) <= set(after.get(name, ()))
        if isinstance(args[name], tuple)
        else after.get(name) == args[name]
        for name in named & set(args)
    )
    moved = not flags or any(after.get(slot) != before.slots.get(slot) for slot in flags)
    return kept and asked and moved


def follow_up_kept(engine: Engine, queries: list[Query]) -> tuple[int, int, int]:
    """Of conversations (a wish from the slot sets, then each refinement in its language)
    through the chat core, how many keep every earlier wish the refinement leaves alone and
    do what it asks; and how many today's parser keeps (none: it looks every follow-up up as
    a title). Returns (kept, today's, conversations)."""
    kept = today_kept = total = 0
    for query in queries:
        if query.intent != parsing.DISCOVER or not query.slots:
            continue
        first = answer(
            parse_message(query.text, engine.registry, titles=engine), engine, query.lang
        )
        if first.discovery is None:
            continue
        for text in FOLLOW_UPS[query.lang]:
            total += 1
            intent = parse_message(text, engine.registry, titles=engine)
            reply = answer(intent, engine, query.lang, last=first.discovery)
            kept += intent.name == parsing.FOLLOW_UP and _kept(
                first.discovery, intent, reply, query.lang
            )
            today_kept += today(text, engine.registry).name in LIST_INTENTS
    return kept, today_kept, total


def report_follow_ups(engine: Engine) -> None:
    kept, today_kept, total = follow_up_kept(engine, load_queries())
    print(f"\n{'follow-ups':<40}{'target':>8}{'ours':>8}{'today':>18}")
    print(
        f"{f'keep the earlier wishes ({total})':<40}{FOLLOW_UP_TARGET:>8.2f}"
        f"{kept / max(total, 1):>8.3f}{today_kept / max(total, 1):>18.3f}"
    )
