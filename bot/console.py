"""``streambot chat`` and ``streambot ask``: the bot in a terminal, with the same parsing and
replies as on Telegram. Buttons become numbered choices."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.admin import Admin
from bot.chat import callbacks, parsing
from bot.chat.commands import answer, parse_message, reply_language
from bot.chat.i18n import t
from bot.chat.parsing import Intent
from bot.chat.replies import Button, Reply, plain_text
from bot.chat.state import Discovering
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
    for number, button in enumerate(_buttons(reply), start=1):
        data = f"  → {button.data}" if raw_html else ""
        lines.append(f"  [{number}] {button.label}{data}")
    return "\n".join(lines)


def _buttons(reply: Reply) -> list[Button]:
    """The buttons to choose from; a poll's close button is not one, as nothing here votes."""
    if reply.poll is not None:
        return []
    return [button for row in reply.buttons for button in row]


class ConsoleChat:
    """One terminal conversation: the language, the platforms chosen, the last discovery, the
    titles suggested for the next movie night, and the buttons of the last reply. One process
    holds the whole conversation, so it stays in memory; Telegram's chats keep theirs in the
    chat database.

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
        self.suggestions: list[str] = []
        self.choices: list[Button] = []

    def respond(self, text: str) -> Reply | None:
        """The reply to one line; ``None`` for lines the bot ignores."""
        engine = self.holder.engine
        stripped = text.strip()
        # isdecimal, not isdigit: "²" is a digit that int() refuses; so are 4,301 digits.
        if stripped.isdecimal() and len(stripped) <= 4 and 1 <= int(stripped) <= len(self.choices):
            choice = callbacks.decode(self.choices[int(stripped) - 1].data)
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
            group=True,
            suggestions=self.suggestions,
        )
        if reply.language:
            self.lang = reply.language
        if reply.platforms is not None:
            self.platforms = reply.platforms
        if reply.discovery is not None:
            self.last = reply.discovery
        if reply.suggested is not None:
            self.suggestions.append(reply.suggested)
        if reply.poll is not None:
            taken = {option.record_id for option in reply.poll.options}
            self.suggestions = [record for record in self.suggestions if record not in taken]
        if not reply.alert:
            self.choices = _buttons(reply)
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
