"""The watchlist: the titles a chat saved with 🔖, page by page with a remove button each,
and "pick one for me", at random among those that fit what was asked ("/list pick comedy")."""

from __future__ import annotations

import random
from dataclasses import replace

from bot.chat import callbacks
from bot.chat.i18n import plural, t, type_name
from bot.chat.parsing import Intent
from bot.chat.replies import Ask, Button, Reply, esc, shorten, years
from bot.chat.replies.discovery import recommender_slots, summary
from bot.chat.replies.titles import card_buttons, details_text
from bot.chat.state import Discovering, slots_of
from bot.chat.taste import SAVE, Feedback, Taste
from recommender.engine import Engine, WorkDetails

PAGE_SIZE = 8
REMOVE_TITLE_LENGTH = 24
# How many saved titles a pick draws from: the whole list, as it is bounded.
PICK_POOL = 500
_CHANCE = random.Random()


def watchlist_reply(intent: Intent, ask: Ask) -> Reply:
    """``/list``: a page of the saved titles; ``/list pick …``: one of them; a remove button:
    the page without it."""
    args = intent.args
    if args.get("pick"):
        return _pick(intent, ask)
    if "remove" in args:
        return _remove(str(args["remove"]), int(args.get("offset", 0)), ask)
    return _page(ask, int(args.get("offset", 0)))


def saved_details(taste: Taste, engine: Engine) -> list[WorkDetails]:
    """The works ``taste`` saved, newest first, each once: the watchlist, on any platform."""
    works = (engine.details(work) for work in reversed(taste.saved_works(engine.work_of)))
    return [work for work in works if work is not None]


def _saved(ask: Ask) -> tuple[list[WorkDetails], int]:
    """The saved works on the chat's platforms, newest first, and how many are elsewhere."""
    mine = set(ask.mine)
    found = saved_details(ask.taste, ask.engine)
    kept = [work for work in found if not mine or mine & set(work.platforms)]
    return kept, len(found) - len(kept)


def _page(
    ask: Ask, offset: int, notice: str | None = None, feedback: Feedback | None = None
) -> Reply:
    engine, lang = ask.engine, ask.lang
    works, elsewhere = _saved(ask)
    if not works and not elsewhere:
        return Reply(t(lang, "list_empty"), notice=notice, feedback=feedback)
    offset = max(0, min(offset, max(len(works) - 1, 0) // PAGE_SIZE * PAGE_SIZE))
    shown = works[offset : offset + PAGE_SIZE]
    lines = [plural(lang, "list_header", len(works))]
    mine = set(ask.mine)
    for number, work in enumerate(shown, start=offset + 1):
        where = [p for p in work.platforms if not mine or p in mine]
        lines.append(
            f"{number}. <b>{esc(work.title)}</b> ({years(engine, lang, work)}) · "
            f"{type_name(lang, work.type)} · {esc(', '.join(engine.registry.display(where)))}"
        )
    if elsewhere:
        lines += ["", f"<i>{plural(lang, 'list_elsewhere', elsewhere)}</i>"]
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                t(lang, "list_remove", title=shorten(work.title, REMOVE_TITLE_LENGTH)),
                callbacks.encode_watchlist_remove(work.id, offset),
            ),
        )
        for work in shown
    ]
    nav = []
    if offset:
        nav.append(Button(t(lang, "previous"), callbacks.encode_watchlist(offset - PAGE_SIZE)))
    if offset + PAGE_SIZE < len(works):
        nav.append(Button(t(lang, "list_next"), callbacks.encode_watchlist(offset + PAGE_SIZE)))
    if nav:
        rows.append(tuple(nav))
    if works:
        rows.append((Button(t(lang, "list_pick"), callbacks.encode_pick()),))
    return Reply("\n".join(lines), tuple(rows), notice=notice, feedback=feedback)


def _remove(record_id: str, offset: int, ask: Ask) -> Reply:
    """The page once ``record_id`` is off the list (a second press finds it gone)."""
    engine, taste = ask.engine, ask.taste
    if not taste.has(record_id, SAVE, engine.work_of):
        return _page(ask, offset)
    press = taste.pressed(record_id, SAVE, engine.work_of)
    work = engine.details(engine.work_of(record_id) or "")
    title = work.title if work is not None else record_id
    after = replace(ask, taste=taste.after(press))
    return _page(after, offset, t(ask.lang, "list_removed", title=shorten(title, 60)), press)


def _pick(intent: Intent, ask: Ask) -> Reply:
    """One saved title at random among those that fit the wish, as a card."""
    engine, lang = ask.engine, ask.lang
    works, _ = _saved(ask)
    if not works:
        return Reply(t(lang, "list_empty"))
    wish = slots_of(intent.args)
    if wish:
        slots, liked = recommender_slots(Discovering(wish), engine, lang)
        ids = [work.work_id for work in works]
        found = engine.discover(slots, k=PICK_POOL, mine=ask.mine, within=ids)
        if found.relaxed or not found.results:
            wishes = esc(summary(slots, engine, lang, liked.named))
            again = (Button(t(lang, "list_pick_any"), callbacks.encode_pick()),)
            return Reply(t(lang, "list_pick_none", wishes=wishes), (again,))
        pool = [engine.details(result.work_id) for result in found.results]
        works = [work for work in pool if work is not None]
    work = _CHANCE.choice(works)
    text = f"{t(lang, 'list_picked')}\n\n{details_text(work, engine, lang)}"
    another = (Button(t(lang, "list_pick_again"), callbacks.encode_pick()),)
    return Reply(text, (*card_buttons(work, ask), another))
