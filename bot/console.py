"""``streambot chat`` and ``streambot ask``: the bot in a terminal, with the same parsing and
replies as on Telegram. Buttons become numbered choices."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.admin import Admin
from bot.chat import callbacks, parsing
from bot.chat.commands import answer, parse_message, reply_language
from bot.chat.i18n import t
from bot.chat.parsing import Intent
from bot.chat.replies import Button, Reply, esc, plain_text
from bot.chat.replies.feedback import relabelled
from bot.chat.state import ChatData, Discovering
from bot.chat.taste import Taste
from bot.settings import Settings
from recommender.engine import EngineHolder

QUIT_WORDS = frozenset(["/quit", "/exit", "/salir", "quit", "exit", "salir", "/q"])
_BOLD, _ITALIC, _RESET = "\033[1m", "\033[3m", "\033[0m"
# No "<" inside a tag, as in bot.chat.replies.
_TAG = re.compile(r"<(/?)(b|i|code)>|<[^<>]*>")


def to_terminal(text: str, color: bool = False) -> str:
    """Reply HTML as terminal text: bold and italics as ANSI styles when ``color``.

    >>> to_terminal("<b>Tom &amp; Jerry</b> (1940)")
    'Tom & Jerry (1940)'
    """

    if not color:
        return plain_text(text)

    def style(match: re.Match[str]) -> str:
        if match.group(2) is None or match.group(2) == "code":
            return ""
        return _RESET if match.group(1) else {"b": _BOLD, "i": _ITALIC}[match.group(2)]

    return html.unescape(_TAG.sub(style, text))


def render(reply: Reply, lang: str, color: bool = False, raw_html: bool = False) -> str:
    """A reply as terminal text, its buttons as numbered choices.

    ``raw_html`` shows the HTML Telegram would get and each button's callback data.
    """
    lines = [reply.text if raw_html else to_terminal(reply.text, color)]
    if reply.chart is not None:
        lines.append(t(lang, "stats_text_only"))
    if reply.poll is not None:
        lines += [f"  {n}. {option.label}" for n, option in enumerate(reply.poll.options, 1)]
        lines.append(t(lang, "movienight_console"))
    number = 0
    for row in _rows(reply):
        shown = []
        for button in row:
            number += 1
            data = f"  → {button.data}" if raw_html else ""
            shown.append(f"[{number}] {button.label}{data}")
        # A row as Telegram shows it: side by side.
        lines.append("  " + "  ".join(shown))
    return "\n".join(lines)


def _rows(reply: Reply) -> tuple[tuple[Button, ...], ...]:
    """The buttons to choose from; a poll's close button is not one, as nothing here votes."""
    return () if reply.poll is not None else reply.buttons


def _buttons(rows: tuple[tuple[Button, ...], ...]) -> list[Button]:
    return [button for row in rows for button in row]


class ConsoleChat:
    """One terminal conversation: the language, the platforms chosen, the last discovery, the
    feedback on titles, the titles suggested for the next movie night, and the buttons of the
    last reply. One process holds the whole conversation, so it stays in memory; Telegram's
    chats keep theirs in the chat database.

    It answers as in a group, so that ``/movienight`` shows the poll a group would get.
    """

    def __init__(self, holder: EngineHolder, lang: str, data_dir: Path | None = None) -> None:
        self.holder = holder
        self.lang = lang
        # Given the data folder, whoever runs the console owns the data and runs the admin
        # commands. No file can be sent here, so /upload is refused as without one.
        self.admin = (
            Admin(holder, Settings(data_dir=data_dir), accepts_files=False)
            if data_dir is not None
            else None
        )
        self.platforms: frozenset[str] = frozenset()
        self.last: Discovering | None = None
        self.last_at: datetime | None = None
        self.chosen: str | None = None  # the language chosen with /lang
        self.taste = Taste()
        self.rows: tuple[tuple[Button, ...], ...] = ()
        self.suggestions: list[str] = []

    def respond(self, text: str) -> Reply | None:
        """The reply to one line; ``None`` for lines the bot ignores."""
        engine = self.holder.engine
        stripped = text.strip()
        # isdecimal, not isdigit: "²" is a digit that int() refuses; so are 4,301 digits.
        choices = _buttons(self.rows)
        if stripped.isdecimal() and len(stripped) <= 4 and 1 <= int(stripped) <= len(choices):
            button = choices[int(stripped) - 1]
            if button.share is not None:
                return Reply(t(self.lang, "share_console", query=esc(button.share)))
            choice = callbacks.decode(button.data)
            intent = choice.intent if choice else Intent(parsing.EMPTY)
        else:
            intent = parse_message(text, engine.registry, titles=engine)
        if intent.name == parsing.IGNORE:
            return None
        lang = reply_language(text, intent, self.lang)
        reply = answer(
            intent,
            engine,
            lang,
            mine=self.platforms,
            admin=self.admin,
            last=self.last,
            taste=self.taste,
            data=ChatData(
                self.chosen,
                self.platforms,
                self.taste,
                self.last_at,
                {"movie_night_suggestions": len(self.suggestions)},
            ),
            group=True,
            suggestions=self.suggestions,
        )
        if reply.feedback is not None:
            self.taste = self.taste.after(reply.feedback)
        if reply.forget:
            self.platforms, self.taste, self.suggestions = frozenset(), Taste(), []
            self.chosen = self.last = self.last_at = None
        if reply.notice and not reply.text:
            # As on Telegram: the notice, over the same buttons ticked anew.
            reply = replace(
                reply, text=reply.notice, buttons=relabelled(self.rows, self.taste, engine)
            )
        elif reply.notice:
            reply = replace(reply, text=f"{reply.notice}\n\n{reply.text}")
        if reply.language:
            self.lang = self.chosen = reply.language
        if reply.platforms is not None:
            self.platforms = reply.platforms
        if reply.discovery is not None:
            self.last, self.last_at = reply.discovery, datetime.now(UTC)
        if reply.suggested is not None:
            self.suggestions.append(reply.suggested)
        if reply.poll is not None:
            taken = {option.record_id for option in reply.poll.options}
            self.suggestions = [record for record in self.suggestions if record not in taken]
        if not reply.alert:
            self.rows = _rows(reply)
        return reply


def ask(holder: EngineHolder, message: str, lang: str, out: TextIO, raw_html: bool = False) -> int:
    """Print the one reply the bot would send to ``message``."""
    conversation = ConsoleChat(holder, lang)
    reply = conversation.respond(message)
    if reply is not None:
        print(render(reply, conversation.lang, raw_html=raw_html), file=out)
    return 0


def chat(
    holder: EngineHolder,
    lang: str,
    out: TextIO,
    read: Callable[[str], str] | None = None,
    color: bool = False,
    data_dir: Path | None = None,
) -> int:
    """Talk with the bot until ``/quit``, end of input or Ctrl-C; ``read`` defaults to
    ``input``."""
    read = read or input
    conversation = ConsoleChat(holder, lang, data_dir)
    print(t(lang, "console_welcome"), file=out)
    while True:
        try:
            line = read("\n> ")
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return 0
        if line.strip().lower() in QUIT_WORDS:
            return 0
        if not line.strip():
            continue
        reply = conversation.respond(line)
        if reply is not None:
            print(render(reply, conversation.lang, color=color), file=out, flush=True)
