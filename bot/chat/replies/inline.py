"""Inline mode: ``@bot <title>`` in any chat, page by page."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat import parsing
from bot.chat.callbacks import deep_link
from bot.chat.i18n import t, type_name
from bot.chat.parsing import Intent
from bot.chat.replies import Ask, esc, years
from bot.chat.replies.discovery import is_a_title, recommender_slots, summary
from bot.chat.replies.scope import narrowing
from bot.chat.replies.titles import (
    DID_YOU_MEAN,
    close_to_best,
    details_text,
    named,
    not_carried_text,
    reason_text,
    result_line,
    score_text,
)
from bot.chat.replies.where import where_reply
from bot.chat.state import Discovering, slots_of
from recommender.elsewhere import KnownWork
from recommender.engine import Engine, Recommendation, WorkDetails
from recommender.matcher import CONFIDENT

# Inline mode: ten works a page (the matched work's card joins the first), fifty at most.
INLINE_PAGE_SIZE = 10
INLINE_MAX_RESULTS = 50


@dataclass(frozen=True)
class InlineItem:
    """One inline result: a unique id, what the list shows, and the HTML message it sends."""

    id: str
    title: str
    description: str
    text: str


@dataclass(frozen=True)
class InlinePage:
    """One page of inline results; ``next_offset`` is empty on the last page."""

    items: tuple[InlineItem, ...]
    next_offset: str = ""


def inline_page(query: str, ask: Ask, offset: str = "") -> InlinePage:
    """Results for ``@bot <query>`` from ``offset``: for a described wish ("scary movies on
    netflix") the works that fit it; for a title the matched work, then works like it (on
    ``ask.mine``, the user's platforms, when they chose some), never those they liked or
    disliked. The card of the matched work links to it in the bot, when its name is known."""
    engine, lang, mine = ask.engine, ask.lang, ask.mine
    # The offset is one this bot gave ("10") unless a client forged it: "²" passes isdigit()
    # and fails int(), and int() refuses more than 4,300 digits.
    start = int(offset) if offset.isascii() and offset.isdecimal() and len(offset) <= 4 else 0
    if not query.strip() or start >= INLINE_MAX_RESULTS:
        return InlinePage(())
    asked = parsing.where_title(query[: parsing.MAX_TITLE_LENGTH])
    # "where s waldo" is *Where's Waldo?*, as in a chat: a query that names a title surely.
    if asked is not None and engine.title_confidence(query[: parsing.MAX_TITLE_LENGTH]) < CONFIDENT:
        return InlinePage(() if start else _inline_where(asked, engine, lang))
    text = query[: parsing.MAX_TITLE_LENGTH * 2]
    intent = parsing.parse_free_text(text, engine.registry, titles=engine)
    if intent.name == parsing.DISCOVER and not is_a_title(engine, query.strip()):
        return _inline_discovery(intent, ask, start)
    title = query[: parsing.MAX_TITLE_LENGTH]
    matches = engine.match(title, limit=DID_YOU_MEAN)
    known = engine.not_carried(title, matches)
    if known is not None:
        return _inline_not_carried(known, ask, start)
    if not matches:
        return InlinePage(())
    work = engine.details(matches[0].work_id)
    if work is None:
        return InlinePage(())
    items = []
    if start == 0:
        description = " · ".join(
            [type_name(lang, work.type), ", ".join(engine.registry.display(work.platforms))]
        )
        items.append(
            InlineItem(
                id=f"w-{work.id}",
                title=f"{work.title} ({years(engine, lang, work)})",
                description=f"{description}\n{t(lang, 'inline_match')}",
                text=details_text(work, engine, lang, matches[0].alias) + _open_line(work, ask),
            )
        )
    narrowed = narrowing(engine, {}, mine)
    results = engine.similar(
        work.work_id, INLINE_PAGE_SIZE, narrowed or None, offset=start, exclude=ask.hidden
    )
    alias = named(lang, matches[0].alias)
    like = t(
        lang, "like_header", title=esc(work.title), year=years(engine, lang, work), named=alias
    )
    items += [_result_item(f"r{start}", result, like, engine, lang) for result in results]
    following = start + INLINE_PAGE_SIZE
    more = len(results) == INLINE_PAGE_SIZE and following < INLINE_MAX_RESULTS
    return InlinePage(tuple(items), str(following) if more else "")


def _open_line(work: WorkDetails, ask: Ask) -> str:
    """A link that opens ``work``'s card in a chat with the bot (a deep link), for whoever
    gets the shared card; none while the bot's name is unknown."""
    if not ask.bot_username:
        return ""
    link = f"https://t.me/{ask.bot_username}?start={deep_link(work.id)}"
    return "\n\n" + t(ask.lang, "open_in_bot", link=esc(link), bot=esc(ask.bot_username))


def _inline_not_carried(known: KnownWork, ask: Ask, start: int) -> InlinePage:
    """A title no platform carries: that it is not carried, then the works like it."""
    engine, lang = ask.engine, ask.lang
    card = not_carried_text(known, engine, lang)
    items = []
    if start == 0:
        items.append(
            InlineItem(
                id=f"elsewhere-{start}",
                title=f"📭 {known.title} ({known.year})",
                description=t(lang, "inline_not_carried"),
                text=card,
            )
        )
    narrowed = narrowing(engine, {}, ask.mine)
    results = engine.like_known(
        known, INLINE_PAGE_SIZE, narrowed or None, offset=start, exclude=ask.hidden
    )
    header = card.split("\n")[0] + "\n" + t(lang, "not_carried_like")
    items += [_result_item(f"e{start}", result, header, engine, lang) for result in results]
    following = start + INLINE_PAGE_SIZE
    more = len(results) == INLINE_PAGE_SIZE and following < INLINE_MAX_RESULTS
    return InlinePage(tuple(items), str(following) if more else "")


def _inline_where(title: str, engine: Engine, lang: str) -> tuple[InlineItem, ...]:
    """ "@bot where <title>": where each work of that title streams, one result per work."""
    found = engine.match(title, limit=DID_YOU_MEAN)
    items = []
    for match in close_to_best(found) if found else []:
        intent = Intent(parsing.WHERE, {"record_id": match.id})
        reply = where_reply(intent, Ask(engine, lang))
        items.append(
            InlineItem(
                id=f"where-{match.id}",
                title=f"📺 {match.title} ({years(engine, lang, match)})",
                description=", ".join(engine.registry.display(match.platforms)),
                text=reply.text,
            )
        )
    return tuple(items)


def _inline_discovery(intent: Intent, ask: Ask, start: int) -> InlinePage:
    """One page of the works that fit a described wish."""
    engine, lang = ask.engine, ask.lang
    state = Discovering(slots_of(intent.args))
    slots, liked = recommender_slots(state, engine, lang)
    found = engine.discover(
        slots, k=INLINE_PAGE_SIZE, offset=start, mine=ask.mine, exclude=ask.hidden
    )
    header = t(lang, "discovery_header", wishes=esc(summary(slots, engine, lang, liked.named)))
    items = [
        _result_item(f"d{start}", result, header, engine, lang, shared=False)
        for result in found.results
    ]
    following = start + INLINE_PAGE_SIZE
    more = following < min(found.total, INLINE_MAX_RESULTS)
    return InlinePage(tuple(items), str(following) if more else "")


def _result_item(
    prefix: str,
    result: Recommendation,
    header: str,
    engine: Engine,
    lang: str,
    shared: bool = True,
) -> InlineItem:
    """One recommended or discovered (``shared=False``, see ``reason_text``) work as an inline
    result, under ``header`` when sent."""
    facts = [type_name(lang, result.type), ", ".join(engine.registry.display(result.platforms))]
    if result.score is not None:
        facts.append(f"⭐ {score_text(lang, result.score)}")
    reason = reason_text(result.reason, lang, shared)
    return InlineItem(
        id=f"{prefix}-{result.id}",
        title=f"{result.title} ({years(engine, lang, result)})",
        description=f"{' · '.join(facts)}\n{reason}",
        text=f"{header}\n\n{result_line(result, engine, lang)}\n<i>{esc(reason)}</i>",
    )
