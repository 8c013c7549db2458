"""Replies: what the bot says, as HTML text and buttons, shared by the console and Telegram and
knowing nothing of either. One module per feature: titles (cards, recommendations, did you
mean), questions (the six catalogue questions), where (where to watch, why two are alike), lists
(new arrivals, the chat's platforms, charts), inline, and conversation (help, problems, small
talk); :mod:`bot.chat.commands` picks one per intent.

Every piece of catalogue or user text is escaped before it goes into HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, Protocol

from bot.chat.i18n import years_text
from bot.chat.parsing import Intent
from bot.chat.state import ChatData, Discovering
from bot.chat.taste import Feedback, Taste
from recommender.engine import Engine


class Button(NamedTuple):
    """An inline button: what it says and the callback data it sends; or, with ``share``,
    one that lets the user pick a chat to send the inline result of ``share`` to."""

    label: str
    data: str
    share: str | None = None


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """A picture for the front end to draw and attach: the whole catalogue, or with
    ``platform`` (a registry name) that platform alone."""

    platform: str | None = None


@dataclass(frozen=True, slots=True)
class PollOption:
    """One option of a poll: its title's record id, and what it says (plain text, at most
    Telegram's 100 characters)."""

    record_id: str
    label: str


@dataclass(frozen=True, slots=True)
class PollRequest:
    """A poll for the front end to send to a group (a movie night): its question (plain text,
    at most Telegram's 300 characters) and its options in order."""

    question: str
    options: tuple[PollOption, ...]


@dataclass(frozen=True)
class Reply:
    """One message to send.

    ``prompt`` asks the user to answer it (Telegram's force-reply, so a group with privacy
    mode still delivers the answer). ``alert`` marks a notice that, after a button press, is
    better shown as a pop-up than as a message. ``language`` is set when the chat switches
    to that language, and ``platforms`` when it chooses its platforms (empty: all).
    ``nothing_found`` marks a "no title like that" answer, which a group need not hear about
    chatter. ``chart``, when set, asks the front end to attach that picture; the text is its
    caption. ``discovery`` is the state of a discovery page, for the front end to keep as the
    chat's last discovery. ``feedback`` is a press on a title for the front end to store.
    ``notice`` is the short notice that answers a button press (Telegram shows it for a
    moment over the chat); with it and no text, the pressed message stays, its buttons
    relabelled (:func:`bot.chat.replies.feedback.relabelled`). ``forget`` asks the front end
    to delete everything stored for the chat. ``poll``, when set, is sent as a poll instead,
    with the buttons; the text is its question as HTML. ``suggested`` is a title's record id
    for the front end to keep for the chat's next movie night.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    prompt: bool = False
    alert: bool = False
    language: str | None = None
    platforms: frozenset[str] | None = None
    nothing_found: bool = False
    chart: ChartRequest | None = None
    discovery: Discovering | None = None
    feedback: Feedback | None = None
    notice: str | None = None
    forget: bool = False
    poll: PollRequest | None = None
    suggested: str | None = None

    @property
    def changes_settings(self) -> bool:
        """Whether sending this reply stores a new language or platforms for its chat."""
        return self.language is not None or self.platforms is not None


def plain_text(text: str) -> str:
    """Reply HTML as plain text, for pop-ups and terminals.

    >>> plain_text("<b>Tom &amp; Jerry</b> (1940)")
    'Tom & Jerry (1940)'
    """
    return html.unescape(_TAG.sub("", text))


# No "<" inside a tag: each "<" of a long run then fails at the next, instead of at the end.
_TAG = re.compile(r"<[^<>]*>")


def esc(text: object) -> str:
    """``text`` made safe to put inside HTML.

    >>> esc("Tom & Jerry <3")
    'Tom &amp; Jerry &lt;3'
    """
    return html.escape(str(text), quote=False)


def shorten(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters at most, with an ellipsis when cut.

    >>> shorten("Star Wars: The Clone Wars", 12)
    'Star Wars:…'
    """
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class Dated(Protocol):
    """A work as replies date it: a match, a recommendation or a work's details."""

    work_id: str
    type: str
    year: int


def years(engine: Engine, lang: str, work: Dated) -> str:
    """``work``'s year as replies show it (see :func:`bot.chat.i18n.years_text`)."""
    return years_text(lang, work.type, work.year, engine.first_year(work.work_id))


class AdminService(Protocol):
    """The admin flows a front end offers its admins (:class:`bot.admin.Admin`)."""

    accepts_files: bool

    def reload(self, lang: str) -> Reply: ...

    def versions(self, lang: str) -> Reply: ...

    def rollback(self, lang: str, admin: int | None = None) -> Reply: ...


@dataclass(frozen=True)
class Ask:
    """Everything a reply depends on besides the intent: the engine, the reply language, the
    chat's platforms (``mine``; empty: all), the bot's username (for help), the chat's last
    discovery (for a follow-up), once the front end has checked that ``user`` is an admin,
    the admin service, the chat's feedback on titles (``taste``), and, for /mydata,
    everything stored for it (``data``; ``None`` when the database cannot say). ``group``
    tells a group from a private chat, and ``suggestions`` holds the record ids members
    suggested for the chat's next movie night, the first suggested first."""

    engine: Engine
    lang: str
    mine: Collection[str] = frozenset()
    bot_username: str | None = None
    admin: AdminService | None = None
    user: int | None = None
    last: Discovering | None = None
    taste: Taste = field(default_factory=Taste)
    data: ChatData | None = None
    group: bool = False
    suggestions: tuple[str, ...] = ()

    @cached_property
    def hidden(self) -> frozenset[str]:
        """The works never to show this chat again: those it liked or disliked."""
        return self.taste.hidden_works(self.engine.work_of)


# Every reply function has this shape; the command registry maps intents to them.
Replier = Callable[[Intent, Ask], Reply]
