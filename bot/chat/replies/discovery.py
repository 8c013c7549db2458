"""Discovery: a list of works for what someone described ("something funny on netflix",
"pelis de terror de los 90", "I loved narcos and ozark"), the follow-ups that refine it ("only
series", "more", "otra"), and its refine buttons.

Each page carries its state (:class:`~bot.chat.state.Discovering`) for the front end to keep;
a follow-up comes back with it in ``Ask.last``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import replace
from typing import NamedTuple

from bot.chat import callbacks, parsing
from bot.chat.i18n import (
    DEFAULT_LANGUAGE,
    country_name,
    genre_name,
    join_names,
    plural,
    t,
    type_name,
)
from bot.chat.parsing import GRAMMAR, Intent
from bot.chat.replies import Ask, Button, Reply, esc, shorten
from bot.chat.replies.feedback import result_rows
from bot.chat.replies.titles import (
    PAGE_SIZE,
    find,
    known_page,
    not_carried_line,
    reason_text,
    recommendations_reply,
    result_line,
    slots_scope,
    title_reply,
    typed_alias,
)
from bot.chat.state import Discovering, slots_of
from bot.chat.understanding import RECENT_YEARS
from recommender.discovery import Discovery, Slots
from recommender.engine import Engine, Match
from recommender.matcher import CONFIDENT
from recommender.text import fold, normalize_title

# "More" stops here, as recommendations do.
MAX_RESULTS = 50
# "Shorter" brings a movie list down to this many minutes at first, then by this step.
SHORT_MINUTES = 90
SHORTER_STEP = 30
SHORTEST_MINUTES = 30
# "Newer" moves years that end before the catalogue's latest to as many years after them,
# this many at least; else it starts from this many years before the latest, then halves the
# gap.
NEWER_SPAN = 10
NEWER_YEARS = 5
LIKED_SHOWN = 3
# A message of this many words that names no title is taken as a description of one.
DESCRIBED_WORDS = 3
# What a remembered discovery keeps of each slot: the first few names, and words to this length.
MAX_SLOT_ITEMS = 8
MAX_SLOT_TEXT = 200
# "Recent" is the catalogue's last release years: this many before its latest, and that one.
RECENT = RECENT_YEARS - 1


def discover_reply(intent: Intent, ask: Ask) -> Reply:
    """A new discovery: the works that fit what the message asked for."""
    args = intent.args
    as_title = _exact_title(args, ask)
    if as_title is not None:
        return as_title
    return discovery_page(
        Discovering(bounded(wished(args, ask.engine)), int(args.get("offset", 0))), ask
    )


def named_or_described_reply(intent: Intent, ask: Ask) -> Reply:
    """Free text read as a title: the work it names; when none is close and the text is a
    sentence whose words the plot index knows ("a bounty hunter protects baby yoda"), the
    works it describes, since a description never gets "not found"."""
    reply = title_reply(intent, ask)
    text = str(intent.args.get("title", ""))
    if not reply.nothing_found or len(text.split()) < DESCRIBED_WORDS:
        return reply
    # Read as a title, the message kept the chat's language; a description is answered in
    # its own when it is clearly written in one.
    described = replace(ask, lang=parsing.detect_language(text) or ask.lang)
    # Whether the plot index searches any of its words; the page then scores them once.
    searched, _ = ask.engine.plot.query_terms(text, described.lang)
    if not len(searched):
        return reply
    return discovery_page(Discovering(bounded({"about": text})), described)


def wished(args: Mapping[str, object], engine: Engine) -> dict[str, object]:
    """The slots a new request asks for; "shorter" or "newer" are than its liked titles ("like
    friends but newer": from the year after Friends; shorter: half its seasons, or half an
    hour less), or, with none found, as a follow-up makes them."""
    slots = slots_of(args)
    if not (args.get("shorter") or args.get("newer")):
        return slots
    works = [engine.details(work) for work in _liked(engine, tuple(slots.get("like", ()))).works]
    liked = [work for work in works if work is not None]
    if not liked:
        return refine(slots, {}, args, engine)
    if args.get("newer"):
        after = min(max(work.year for work in liked) + 1, _latest_year(engine))
        slots["year_min"] = max(after, int(slots.get("year_min") or after))
    if args.get("shorter"):
        for name, unit, shorter in (
            ("max_minutes", "min", lambda minutes: max(SHORTEST_MINUTES, minutes - SHORTER_STEP)),
            ("max_seasons", "season", lambda seasons: max(1, seasons // 2)),
        ):
            lengths = [work.duration_int for work in liked if work.duration_type == unit]
            if lengths and all(lengths):
                most = shorter(min(lengths))
                slots[name] = min(most, int(slots.get(name) or most))
    return slots


def follow_up_reply(intent: Intent, ask: Ask) -> Reply:
    """A follow-up to the chat's last discovery: the next page, or the same wishes refined."""
    args = intent.args
    last = ask.last
    stamp = args.get("stamp")
    as_title = _exact_title(args, ask)
    if as_title is not None:
        return as_title
    if stamp is not None and (last is None or last.stamp != stamp):
        return Reply(t(ask.lang, "discovery_expired"), alert=True)
    changes = slots_of(args)
    if last is None:
        if not changes:
            return Reply(t(ask.lang, "follow_up_nothing"))
        last = Discovering()
    if args.get("more"):
        offset = last.offset + PAGE_SIZE
        if offset >= MAX_RESULTS:
            return Reply(t(ask.lang, "discovery_end"))
        if last.similar is not None:
            return _similar_page(last, offset, ask)
        if last.known is not None:
            return known_page(last, offset, ask)
        return discovery_page(Discovering(last.slots, offset), ask)
    slots = bounded(refine(dict(last.slots), changes, args, ask.engine))
    return discovery_page(Discovering(slots, 0), ask)


def _similar_page(last: Discovering, offset: int, ask: Ask) -> Reply:
    """The next page of the works like one work the chat was last shown."""
    work_id = ask.engine.work_of(str(last.similar))
    work = None if work_id is None else ask.engine.details(work_id)
    if work is None:
        return Reply(t(ask.lang, "gone"))
    platform, item_type = slots_scope(last.slots)
    return recommendations_reply(
        work, ask, offset, platform, item_type, mine=() if platform else ask.mine
    )


def refine(
    slots: dict[str, object],
    changes: Mapping[str, object],
    args: Mapping[str, object],
    engine: Engine,
) -> dict[str, object]:
    """``slots`` with a follow-up's ``changes``: genres add up ("not horror" takes one away),
    anything else replaces what was there; "shorter" and "newer" move from where the list
    is."""
    for name, value in changes.items():
        if name == "genres":
            slots[name] = tuple(dict.fromkeys([*slots.get("genres", ()), *value]))
            kept = set(slots.get("not_genres", ())) - set(value)
            slots["not_genres"] = tuple(g for g in slots.get("not_genres", ()) if g in kept)
        elif name == "not_genres":
            slots[name] = tuple(dict.fromkeys([*slots.get("not_genres", ()), *value]))
            slots["genres"] = tuple(g for g in slots.get("genres", ()) if g not in value)
        else:
            slots[name] = value
    if changes.get("type"):  # a list of one kind has no length of the other
        slots.pop("max_seasons" if changes["type"] == "movie" else "max_minutes", None)
    if args.get("shorter"):
        # A length of one kind keeps the list to that kind; of a list of both movies and
        # series, shorter movies and one-season series.
        minutes, seasons = slots.get("max_minutes"), slots.get("max_seasons")
        if slots.get("type") != "movie" and (minutes is None or seasons is not None):
            slots["max_seasons"] = 1
        if slots.get("type") != "tv" and (seasons is None or minutes is not None):
            slots["max_minutes"] = (
                SHORT_MINUTES
                if minutes is None
                else max(SHORTEST_MINUTES, int(minutes) - SHORTER_STEP)
            )
    if args.get("newer"):
        slots.update(newer(slots.get("year_min"), slots.get("year_max"), _latest_year(engine)))
    return {name: value for name, value in slots.items() if value not in ((), None)}


def newer(first: object, last: object, latest: int) -> dict[str, int | None]:
    """The years "newer" moves to from ``first`` to ``last``: the as many years after them (a
    decade at least), so the 70s become the 80s and "classic" the 80s; with no end before
    ``latest``, halfway from ``first`` to it, or its last few years.

    >>> newer(1970, 1979, 2021), newer(None, 1979, 2021), newer(2000, 2015, 2021)
    ({'year_min': 1980, 'year_max': 1989}, {'year_min': 1980, 'year_max': 1989}, \
{'year_min': 2016, 'year_max': None})
    >>> newer(2001, None, 2021), newer(None, None, 2021)
    ({'year_min': 2011, 'year_max': None}, {'year_min': 2016, 'year_max': None})
    """
    if last is not None and int(last) < latest:
        span = max(NEWER_SPAN, int(last) - int(first if first is not None else last) + 1)
        end = int(last) + span
        return {"year_min": int(last) + 1, "year_max": end if end < latest else None}
    gap = NEWER_YEARS if first is None else max(1, (latest - int(first)) // 2)
    start = latest - gap
    return {"year_min": start, "year_max": None if last is None else max(int(last), start)}


def bounded(slots: Mapping[str, object]) -> dict[str, object]:
    """``slots`` cut to what a chat needs remembered: a message of 4,096 characters could
    otherwise make a state too big to keep (the engine reads no more than this anyway)."""
    kept: dict[str, object] = {}
    for name, value in slots.items():
        if isinstance(value, str):
            value = value[:MAX_SLOT_TEXT]
        elif isinstance(value, tuple):
            value = tuple(str(item)[:MAX_SLOT_TEXT] for item in value[:MAX_SLOT_ITEMS])
        kept[name] = value
    return kept


def _exact_title(args: Mapping[str, object], ask: Ask) -> Reply | None:
    """The title's reply when the whole message, typed, is exactly a title ("Scary Movie",
    "Best of the Best"), else ``None``."""
    text = str(args.get("text") or "")
    if "stamp" in args or not text or not is_a_title(ask.engine, text):
        return None
    return title_reply(Intent(parsing.TITLE, {"title": text}), ask)


def _latest_year(engine: Engine) -> int:
    """The year of the catalogue snapshot: "newer" counts back from it."""
    as_of = engine.catalogue.as_of
    return int(as_of[:4]) if as_of else datetime.date.today().year


def is_a_title(engine: Engine, text: str) -> bool:
    """Whether ``text`` is exactly the title of a work ("Scary Movie")."""
    found = engine.match(text, limit=1)
    return bool(found) and found[0].confidence >= 1.0 and fold(found[0].title) == fold(text)


class Liked(NamedTuple):
    """The works liked titles name, the titles that name none, and the other names
    (``titles_alt.csv``) typed for works, by work id."""

    works: list[str]
    unknown: list[str]
    named: dict[str, str]


def _liked(engine: Engine, typed: tuple[str, ...]) -> Liked:
    """What liked titles name. A title several works share ("Dark", "Star") names the best
    known of them (a list has no room to ask which): one with a score, the best scored, then
    the newest."""
    liked = Liked([], [], {})
    for title in typed:
        work_id, found = find(engine, title)
        if engine.not_carried(title, engine.match(title)) is not None:  # carried under no name
            liked.unknown.append(title)
            continue
        if work_id is None and found and found[0].confidence >= CONFIDENT:
            work_id = _best_known(engine, found)
        if work_id is None:
            liked.unknown.append(title)
        elif work_id not in liked.works:
            liked.works.append(work_id)
            alias = typed_alias(found)
            if alias and found[0].work_id == work_id:
                liked.named[work_id] = alias
    return liked


def _best_known(engine: Engine, found: list[Match]) -> str | None:
    """Of the works the text names as surely as the best match, all of one title, the best
    known; ``None`` when as sure matches have other titles."""
    close = [match for match in found if match.confidence == found[0].confidence]
    if len({normalize_title(match.title) for match in close}) > 1:
        return None

    def known(match: Match) -> tuple[bool, float, int]:
        work = engine.details(match.work_id)
        score = None if work is None else work.score
        return score is not None, score or 0.0, match.year

    return max(close, key=known).work_id


def recommender_slots(state: Discovering, engine: Engine, lang: str) -> tuple[Slots, Liked]:
    """The engine's slots for ``state``, and what its liked titles name."""
    slots = dict(state.slots)
    if slots.pop("recent", False):  # the catalogue's last few release years
        slots["year_min"] = max(int(slots.get("year_min") or 0), _latest_year(engine) - RECENT)
    liked = _liked(engine, tuple(slots.pop("like", ())))
    return Slots(**slots, like=tuple(liked.works), lang=lang), liked


def discovery_page(state: Discovering, ask: Ask) -> Reply:
    engine, lang = ask.engine, ask.lang
    slots, liked = recommender_slots(state, engine, lang)
    found = engine.discover(
        slots, k=PAGE_SIZE, offset=state.offset, mine=ask.mine, exclude=ask.hidden
    )
    wishes = summary(slots, engine, lang, liked.named)
    lines = [t(lang, "discovery_header", wishes=esc(wishes))]
    not_carried = [engine.not_carried(title, engine.match(title)) for title in liked.unknown]
    unknown = [title for title, known in zip(liked.unknown, not_carried, strict=True) if not known]
    if unknown:
        titles = join_names(lang, [f"“{esc(shorten(title, 40))}”" for title in unknown])
        lines.append(plural(lang, "discovery_unknown_like", len(unknown), titles=titles))
    for known in filter(None, not_carried):
        lines.append(not_carried_line(known, engine, lang))
    if found.relaxed:
        # Once each: the first and last year are both "the years".
        labels = dict.fromkeys(t(lang, f"relaxed_{name}") for name in found.relaxed)
        dropped = join_names(lang, list(labels))
        lines.append(f"<i>{t(lang, 'discovery_relaxed', dropped=dropped)}</i>")
    if not found.results:
        lines.append(t(lang, "discovery_end" if state.offset else "discovery_none"))
        return Reply("\n".join(lines), nothing_found=not state.offset)
    for number, result in enumerate(found.results, start=state.offset + 1):
        lines.append("")
        lines.append(f"{number}. {result_line(result, engine, lang)}")
        lines.append(f"    <i>{esc(reason_text(result.reason, lang, shared=False))}</i>")
    more = state.offset + PAGE_SIZE < min(found.total, MAX_RESULTS)
    rows = (*result_rows(found.results, ask), *_buttons(state, lang, more))
    return Reply("\n".join(lines), rows, discovery=state)


def _buttons(state: Discovering, lang: str, more: bool) -> tuple[tuple[Button, ...], ...]:
    def button(key: str, action: str) -> Button:
        return Button(t(lang, key), callbacks.encode_refine(state.stamp, action))

    kind = state.slots.get("type")
    rows = [
        tuple(
            button(key, action)
            for key, action in (("refine_movies", "movie"), ("refine_series", "tv"))
            if action != kind
        ),
        (button("refine_shorter", "shorter"), button("refine_newer", "newer")),
        (button("refine_top", "top"), *([button("refine_more", "more")] if more else [])),
    ]
    return tuple(row for row in rows if row)


def summary(slots: Slots, engine: Engine, lang: str, named: Mapping[str, str] | None = None) -> str:
    """What a discovery looks for, in a few words: "comedy · movies · Netflix · 1990–1999"
    (plain text: escape it for HTML); a liked work shows the other name ``named`` for it, as
    typed: "like Finding Nemo (“Buscando a Nemo”)"."""
    parts = [", ".join(genre_name(lang, genre) for genre in slots.genres)]
    parts.append(
        t(lang, "wish_not", genres=", ".join(genre_name(lang, g) for g in slots.not_genres))
        if slots.not_genres
        else ""
    )
    if slots.type:
        parts.append(type_name(lang, "movie" if slots.type == "movie" else "tv show"))
    parts.append(", ".join(engine.registry.display(list(slots.platforms))))
    parts.append(", ".join(country_name(lang, country) for country in slots.countries))
    if slots.year_min and slots.year_min == slots.year_max:
        parts.append(str(slots.year_min))
    elif slots.year_min and slots.year_max:
        parts.append(f"{slots.year_min}–{slots.year_max}")
    elif slots.year_min:
        parts.append(t(lang, "wish_since", year=slots.year_min))
    elif slots.year_max:
        parts.append(t(lang, "wish_until", year=slots.year_max))
    if slots.max_minutes:
        parts.append(t(lang, "wish_minutes", minutes=slots.max_minutes))
    if slots.max_seasons:
        parts.append(plural(lang, "wish_seasons", slots.max_seasons))
    if slots.audience:
        parts.append(t(lang, "wish_kids"))
    if slots.sort != "relevance":
        parts.append(t(lang, f"wish_sort_{slots.sort}"))
    if slots.like:
        named = named or {}
        titles = [
            engine.details(work).title + t(lang, "named_inline", alias=named[work])
            if work in named
            else engine.details(work).title
            for work in slots.like[:LIKED_SHOWN]
        ]
        parts.append(t(lang, "wish_like", titles=join_names(lang, titles)))
    if slots.about:
        parts.append(f"“{shorten(slots.about, 40)}”")
    return " · ".join(part for part in parts if part) or t(lang, "wish_anything")


def discovery_json(text: str, engine: Engine, lang: str | None = None, k: int = 10) -> dict:
    """``streambot discover``'s answer for ``text``: what was understood, and the works found.

    The contract other tools read: ``{"query", "lang", "understood", "results"}``, genres in
    the catalogue's English names, platforms by registry name, record ids as ``recommend``
    gives them.
    """
    lang = lang or parsing.detect_language(text) or DEFAULT_LANGUAGE
    intent = parsing.discover_arguments(
        parsing.DISCOVER, text, parsing.Reading(engine.registry, GRAMMAR, engine)
    )
    args = {} if intent.problem else intent.args
    # A question in plain words, say, has nothing to discover.
    state = Discovering(wished(args, engine) if intent.name == parsing.DISCOVER else {})
    slots, _ = recommender_slots(state, engine, lang)
    if text.strip():
        found = engine.discover(slots, k=max(1, min(k, MAX_RESULTS)), mine=())
    else:  # a blank line gets an empty answer, so output lines stay paired with input lines
        found = Discovery((), (), 0)
    liked = [engine.details(work) for work in slots.like]
    understood = {
        "genres": list(slots.genres),
        "platforms": list(slots.platforms),
        "type": slots.type,
        "year_min": slots.year_min,
        "year_max": slots.year_max,
        "max_minutes": slots.max_minutes,
        "countries": list(slots.countries),
        "audience": slots.audience,
        "sort": slots.sort,
        "like": [{"id": work.id, "title": work.title} for work in liked if work is not None],
        "about": slots.about,
        "relaxed": list(found.relaxed),
    }
    results = [
        {
            "id": result.id,
            "work_id": result.work_id,
            "title": result.title,
            "year": result.year,
            "type": "tv" if result.type == "tv show" else result.type,
            "platforms": list(result.platforms),
            "score": result.score,
            "reason": reason_text(result.reason, lang, shared=False),
        }
        for result in found.results
    ]
    return {"query": text, "lang": lang, "understood": understood, "results": results}
