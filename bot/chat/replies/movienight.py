"""Movie night in a group: a poll of up to five titles on the group's platforms that fit what
it asked for, members' suggestions first; ``/suggest`` adds one to the next; and the winner
once the vote closes.

A reply only asks for the poll (``Reply.poll``) or for a suggestion to be kept
(``Reply.suggested``): sending, voting, closing and counting are the front end's and the chat
database's (``bot.storage``), and :func:`result_reply` words the outcome.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from bot.chat import callbacks
from bot.chat.i18n import join_names, plural, t
from bot.chat.parsing import Intent
from bot.chat.replies import (
    Ask,
    Button,
    PollOption,
    PollRequest,
    Reply,
    esc,
    plain_text,
    shorten,
    years,
)
from bot.chat.replies.discovery import bounded, recommender_slots, summary, wished
from bot.chat.replies.titles import (
    BUTTON_TITLE_LENGTH,
    asked_work,
    not_carried,
    score_text,
    title_reply,
)
from bot.chat.state import Discovering
from recommender.engine import Engine, Recommendation, WorkDetails
from recommender.text import fold

# The titles a poll offers at most, and at least (Telegram's fewest options).
POLL_SIZE = 5
MIN_OPTIONS = 2
# Telegram's longest poll question and option.
QUESTION_LENGTH = 300
OPTION_LENGTH = 100
WISHES_LENGTH = 120
# Titles a chat may have waiting for its next movie night.
MAX_SUGGESTIONS = 10
# The works found for a night: with wishes, the poll takes the first that fit, so a few more
# than it holds (suggestions may be among them); with none, a varied few of the best scored,
# of more genres. Each found work is a whole result (details, reason): no more than needed.
POOL = 2 * POLL_SIZE
VARIED_POOL = 20


def movie_night_reply(intent: Intent, ask: Ask) -> Reply:
    """A group's movie night: a poll of the titles its members suggested that stream on its
    platforms, then the works that fit what it asked for (movies, unless it asked for
    series); asked for nothing, a varied few of the best scored movies. The works the group
    liked (seen) or disliked are left out. In a private chat, how to start one in a group."""
    engine, lang = ask.engine, ask.lang
    if not ask.group:
        return Reply(t(lang, "movienight_groups"))
    wishes = bounded(wished(intent.args, engine))
    slots, liked = recommender_slots(Discovering({"type": "movie", **wishes}), engine, lang)
    where = set(slots.platforms) or set(ask.mine)
    options: dict[str, PollOption] = {}  # by work id
    for record_id in ask.suggestions:
        work_id = engine.work_of(record_id)
        work = None if work_id is None else engine.details(work_id)
        if len(options) < POLL_SIZE and work is not None and _streams_on(work, where):
            options.setdefault(
                work.work_id, PollOption(record_id, option_label(work, engine, lang))
            )
    relaxed: tuple[str, ...] = ()
    if len(options) < POLL_SIZE:
        asked = slots if wishes else replace(slots, sort="score")
        pool = POOL if wishes else VARIED_POOL
        found = engine.discover(asked, k=pool, mine=ask.mine, exclude=ask.hidden)
        for result in found.results if wishes else _varied(found.results, engine):
            if len(options) < POLL_SIZE:
                option = PollOption(result.id, option_label(result, engine, lang))
                options.setdefault(result.work_id, option)
        relaxed = found.relaxed if wishes else ()
    if len(options) < MIN_OPTIONS:
        return Reply(t(lang, "movienight_too_few"), nothing_found=True)
    question = t(lang, "movienight_question")
    if wishes:
        shown = shorten(summary(slots, engine, lang, liked.named), WISHES_LENGTH)
        question = t(lang, "movienight_question_for", wishes=shown)
    if relaxed:
        # Once each: the first and last year are both "the years".
        labels = dict.fromkeys(t(lang, f"relaxed_{name}") for name in relaxed)
        dropped = plain_text(t(lang, "discovery_relaxed", dropped=join_names(lang, list(labels))))
        question = f"{question} {dropped}"
    question = shorten(question, QUESTION_LENGTH)
    close = Button(t(lang, "movienight_close"), callbacks.CLOSE_VOTE)
    return Reply(esc(question), ((close,),), poll=PollRequest(question, tuple(options.values())))


def _streams_on(work: WorkDetails, platforms: Collection[str]) -> bool:
    """Whether ``work`` streams on one of ``platforms`` (none: any)."""
    return not platforms or any(platform in platforms for platform in work.platforms)


def _varied(works: Sequence[Recommendation], engine: Engine) -> list[Recommendation]:
    """``works`` (best scored first) with those of a main genre not seen yet first, and those
    with a score before those without: a few good titles of different kinds."""
    scored = [work for work in works if work.score is not None]
    ordered = scored + [work for work in works if work.score is None]
    seen: set[str] = set()
    first, rest = [], []
    for work in ordered:
        details = engine.details(work.work_id)
        genres = details.genre_words if details is not None else []
        main = genres[0] if genres else ""
        (rest if main in seen else first).append(work)
        seen.add(main)
    return first + rest


def option_label(work: Recommendation | WorkDetails, engine: Engine, lang: str) -> str:
    """A poll option: "Amélie (2001) · Netflix · ⭐ 7.9", the title cut to fit."""
    tail = f" ({years(engine, lang, work)}) · " + ", ".join(engine.registry.display(work.platforms))
    if work.score is not None:
        tail += f" · ⭐ {score_text(lang, work.score)}"
    return shorten(shorten(work.title, max(1, OPTION_LENGTH - len(tail))) + tail, OPTION_LENGTH)


def result_reply(votes: Sequence[tuple[str, int]], engine: Engine, lang: str) -> Reply:
    """The outcome of a closed movie night, from each option's record id and votes: the most
    voted title, ties broken by the audience score and then the title, with where it streams
    and a button to its card. Options gone from the catalogue since are left out."""
    counted = []
    for record_id, count in votes:
        work_id = engine.work_of(record_id)
        work = None if work_id is None else engine.details(work_id)
        if work is not None and count > 0:
            counted.append((count, work, record_id))
    if not counted:
        return Reply(t(lang, "movienight_no_votes"))
    most = max(count for count, _, _ in counted)
    tied = [(work, record_id) for count, work, record_id in counted if count == most]
    work, record_id = min(
        tied, key=lambda pair: (pair[0].score is None, -(pair[0].score or 0.0), fold(pair[0].title))
    )
    lines = [
        plural(
            lang, "movienight_winner", most, title=esc(work.title), year=years(engine, lang, work)
        )
    ]
    if len(tied) > 1:
        lines.append(t(lang, "movienight_tie"))
    platforms = join_names(lang, engine.registry.display(work.platforms))
    lines.append(t(lang, "streams_on", platforms=esc(platforms)))
    label = t(lang, "movienight_card", title=shorten(work.title, BUTTON_TITLE_LENGTH))
    return Reply("\n".join(lines), ((Button(label, callbacks.encode_info(record_id)),),))


def suggest_reply(intent: Intent, ask: Ask) -> Reply:
    """``/suggest``: the title named, kept for the group's next movie night if it streams on
    the group's platforms; an unclear or unknown title gets the usual answers, whose buttons
    suggest the one picked. In a private chat, how to suggest in a group."""
    args, engine, lang = intent.args, ask.engine, ask.lang
    if not ask.group:
        return Reply(t(lang, "suggest_groups"))
    asked = asked_work(engine, args)
    if asked is None:
        return Reply(t(lang, "gone"), alert=True)
    work_id = asked[0]
    work = None if work_id is None else engine.details(work_id)
    if work is None or not_carried(engine, args) is not None:
        return title_reply(intent, ask)
    named = {"title": esc(work.title), "year": years(engine, lang, work)}
    mine = [name for name in engine.registry.names if name in ask.mine]
    if not _streams_on(work, mine):
        platforms = esc(join_names(lang, engine.registry.display(mine)))
        return Reply(t(lang, "suggest_elsewhere", platforms=platforms, **named))
    if work.work_id in {engine.work_of(record_id) for record_id in ask.suggestions}:
        return Reply(t(lang, "suggest_already", **named))
    if len(ask.suggestions) >= MAX_SUGGESTIONS:
        return Reply(t(lang, "suggest_full", n=MAX_SUGGESTIONS))
    record_id = str(args.get("record_id") or work.id)
    return Reply(t(lang, "suggest_added", **named), suggested=record_id)
