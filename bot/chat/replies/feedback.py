"""Feedback on titles: the 👍 👎 🔖 buttons under a card and under each listed result, what a
press answers, and the buttons of the pressed message relabelled once it is stored.

The buttons carry only the record and the action (:mod:`bot.chat.callbacks`); whether one is
on is the chat's :class:`~bot.chat.taste.Taste`, shown as a tick on its label.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.chat import callbacks
from bot.chat.i18n import t
from bot.chat.parsing import Intent
from bot.chat.replies import Ask, Button, Reply, shorten
from bot.chat.taste import ACTIONS, DISLIKE, LIKE, SAVE, Taste
from recommender.engine import Engine, Recommendation

_EMOJI = {LIKE: "👍", DISLIKE: "👎", SAVE: "🔖"}
ON = "✓"
_NOTICES = {LIKE: "feedback_like", DISLIKE: "feedback_dislike", SAVE: "feedback_save"}
# A result's row holds its "more like" button and the three feedback buttons: its title is
# cut shorter than a row of its own would need.
ROW_TITLE_LENGTH = 14


def feedback_buttons(record_id: str, taste: Taste, engine: Engine) -> tuple[Button, ...]:
    """👍 👎 🔖 for ``record_id``, each ticked when on for its work."""
    return tuple(
        Button(_label(action, taste.has(record_id, action, engine.work_of)), data)
        for action in ACTIONS
        for data in [callbacks.encode_feedback(action, record_id)]
    )


def _label(action: str, on: bool) -> str:
    return _EMOJI[action] + (ON if on else "")


def result_rows(
    results: Sequence[Recommendation],
    ask: Ask,
    platform_letter: str | None = None,
    item_type: str | None = None,
) -> list[tuple[Button, ...]]:
    """A row for each listed result: more like it, and its feedback buttons."""
    return [
        (
            Button(
                t(ask.lang, "more_like", title=shorten(result.title, ROW_TITLE_LENGTH)),
                callbacks.encode_more(result.id, platform_letter, item_type),
            ),
            *feedback_buttons(result.id, ask.taste, ask.engine),
        )
        for result in results
    ]


def feedback_reply(intent: Intent, ask: Ask) -> Reply:
    """A press of 👍, 👎 or 🔖: the rows to store, and the notice that answers it."""
    record_id, action = str(intent.args["record_id"]), str(intent.args["action"])
    work = ask.engine.details(ask.engine.work_of(record_id) or "")
    if work is None:
        return Reply(t(ask.lang, "gone"), alert=True)
    press = ask.taste.pressed(record_id, action, ask.engine.work_of)
    key = _NOTICES[action] if press.on else "feedback_undone"
    return Reply("", notice=t(ask.lang, key, title=shorten(work.title, 60)), feedback=press)


def relabelled(
    rows: Sequence[Sequence[Button]], taste: Taste, engine: Engine
) -> tuple[tuple[Button, ...], ...]:
    """``rows`` with each feedback button's tick as ``taste`` has it: the pressed message,
    shown again once the press is stored."""

    def label(button: Button) -> Button:
        choice = callbacks.decode(button.data) if button.data.startswith("fb:") else None
        if choice is None:
            return button
        args = choice.intent.args
        on = taste.has(str(args["record_id"]), str(args["action"]), engine.work_of)
        return button._replace(label=_label(str(args["action"]), on))

    return tuple(tuple(map(label, row)) for row in rows)
