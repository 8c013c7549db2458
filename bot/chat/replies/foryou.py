"""/foryou: recommendations from the chat's own feedback, the titles it liked and saved, kept
away from the ones it disliked, each with the liked titles it is most like."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from bot.chat import callbacks
from bot.chat.i18n import join_names, t
from bot.chat.parsing import Intent
from bot.chat.replies import Ask, Button, Reply, esc
from bot.chat.replies.discovery import discovery_page
from bot.chat.replies.feedback import result_rows
from bot.chat.replies.scope import mine_line
from bot.chat.replies.titles import reason_text, result_line, scope_slots
from bot.chat.state import FOR_YOU, Discovering
from bot.chat.taste import Taste
from recommender.engine import Engine, Recommendation

PAGE_SIZE = 5
MAX_RESULTS = 50
# Fewer liked or saved titles than this say too little of a taste to recommend from.
MIN_LIKED = 2


def for_you(
    engine: Engine,
    taste: Taste,
    mine: Collection[str],
    k: int,
    offset: int = 0,
    item_type: str | None = None,
) -> list[Recommendation] | None:
    """The ``k`` works for a chat of ``taste`` from ``offset``, on ``mine`` (and of
    ``item_type``); ``None`` when it liked and saved too few titles to tell."""
    liked, disliked = taste.profile(engine.work_of)
    if len(liked) < MIN_LIKED:
        return None
    hidden = taste.hidden_works(engine.work_of)
    return engine.for_you(
        liked, disliked, k=k, offset=offset, mine=mine, exclude=hidden, item_type=item_type
    )


def for_you_reply(intent: Intent, ask: Ask) -> Reply:
    """A page of works for the chat; with too little feedback, says so and shows the best
    rated works on its platforms instead, each with the buttons that teach it."""
    item_type = intent.args.get("item_type")
    return for_you_page(int(intent.args.get("offset", 0)), ask, str(item_type or "") or None)


def for_you_page(offset: int, ask: Ask, item_type: str | None = None) -> Reply:
    """The works for the chat from ``offset``, of ``item_type`` only if given, as the chat's
    last list: "more" pages on, and "only series" keeps to series."""
    engine, lang = ask.engine, ask.lang
    offset = max(0, min(offset, MAX_RESULTS - PAGE_SIZE))
    results = for_you(engine, ask.taste, ask.mine, PAGE_SIZE + 1, offset, item_type)
    if results is None:
        page = discovery_page(Discovering({"sort": "score"}), ask)
        text = f"{t(lang, 'foryou_few')}\n\n{page.text}"
        return Reply(text, page.buttons, discovery=page.discovery)
    if not results:
        return Reply(t(lang, "foryou_end" if offset else "foryou_none"))
    more = len(results) > PAGE_SIZE and offset + PAGE_SIZE < MAX_RESULTS
    results = results[:PAGE_SIZE]
    lines = [t(lang, "foryou_header")]
    if item_type:
        lines.append(f"<i>{t(lang, 'only_movies' if item_type == 'movie' else 'only_tv')}</i>")
    if ask.mine:
        lines.append(mine_line(engine, lang, ask.mine))
    for number, result in enumerate(results, start=offset + 1):
        because = t(lang, "foryou_because", titles=esc(join_names(lang, result.reason.liked[:2])))
        lines += ["", f"{number}. {result_line(result, engine, lang)}"]
        lines.append(f"    <i>{because} · {esc(reason_text(result.reason, lang))}</i>")
    rows = result_rows(results, ask)
    nav = []
    if offset:
        previous = callbacks.encode_for_you(offset - PAGE_SIZE, item_type)
        nav.append(Button(t(lang, "previous"), previous))
    if more:
        nav.append(Button(t(lang, "next"), callbacks.encode_for_you(offset + PAGE_SIZE, item_type)))
    if nav:
        rows.append(tuple(nav))
    listed = Discovering(scope_slots(None, item_type), offset, for_you=FOR_YOU)
    return Reply("\n".join(lines), tuple(rows), discovery=listed)


def instead_of_a_title(ask: Ask) -> Reply | None:
    """A request for a recommendation that names no title ("what should I watch tonight?"),
    from a chat whose taste is known: its picks, with the way to ask about one title; ``None``
    for a chat that liked and saved too little, which is asked for a title."""
    liked, _ = ask.taste.profile(ask.engine.work_of)
    if len(liked) < MIN_LIKED:
        return None
    page = for_you_page(0, ask)
    text = f"{t(ask.lang, 'foryou_instead')}\n\n{page.text}"
    return replace(page, text=text)
