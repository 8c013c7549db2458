"""What the bot keeps about a chat: /mydata shows all of it, and /forget deletes all of it
once a button confirms."""

from __future__ import annotations

from bot.chat import callbacks
from bot.chat.i18n import join_names, plural, t
from bot.chat.parsing import Intent
from bot.chat.replies import Ask, Button, Reply, esc, shorten
from bot.chat.taste import Taste
from recommender.engine import Engine

# Titles /mydata names of each kind of feedback; the rest are counted.
SHOWN_TITLES = 10


def my_data_reply(intent: Intent, ask: Ask) -> Reply:
    """``/mydata``: every kind of row stored for the chat, and how to delete them."""
    data, lang = ask.data, ask.lang
    if data is None:
        return Reply(t(lang, "not_saved"))
    if not data:
        return Reply(t(lang, "mydata_nothing"))
    lines = [t(lang, "mydata_header")]
    if data.language:
        lines.append(t(lang, "mydata_language", language=t(data.language, "language_name")))
    if data.platforms:
        names = ask.engine.registry.display(sorted(data.platforms))
        lines.append(t(lang, "mydata_platforms", platforms=esc(join_names(lang, names))))
    lines += _feedback_lines(data.taste, ask.engine, lang)
    if data.last_list is not None:
        lines.append(t(lang, "mydata_last_list"))
    for table, count in sorted(data.rows.items()):
        if count:
            lines.append(plural(lang, f"mydata_{table}", count))
    lines += ["", t(lang, "mydata_why")]
    forget = (Button(t(lang, "forget_button"), callbacks.encode_forget(None)),)
    return Reply("\n".join(lines), (forget,))


def _feedback_lines(taste: Taste, engine: Engine, lang: str) -> list[str]:
    lines = []
    for key, records in (
        ("mydata_liked", taste.liked),
        ("mydata_disliked", taste.disliked),
        ("mydata_saved", taste.saved),
    ):
        if not records:
            continue
        works = (engine.details(engine.work_of(record) or "") for record in records)
        titles = [esc(shorten(work.title, 40)) for work in works if work is not None]
        shown = ", ".join(titles[:SHOWN_TITLES])
        if len(titles) > SHOWN_TITLES:
            shown += " " + t(lang, "mydata_more", count=len(titles) - SHOWN_TITLES)
        lines.append(plural(lang, key, len(records), titles=shown))
    return lines


def forget_reply(intent: Intent, ask: Ask) -> Reply:
    """``/forget``: what would go, and a button to confirm; the button: done, or kept."""
    lang = ask.lang
    confirm = intent.args.get("confirm")
    if confirm is None:
        buttons = (
            Button(t(lang, "forget_yes"), callbacks.encode_forget(True)),
            Button(t(lang, "forget_no"), callbacks.encode_forget(False)),
        )
        return Reply(t(lang, "forget_ask"), (buttons,))
    if not confirm:
        return Reply(t(lang, "forget_kept"))
    return Reply(t(lang, "forget_done"), notice=t(lang, "forget_notice"), forget=True)
