"""Load test: the real bot process under a realistic stream of updates, measured end to end.

The bot runs as in production (``streambot run``, or ``streambot run --webhook``), pointed with
``TELEGRAM_API_BASE_URL`` at the fake Bot API of ``scripts/fake_bot_api.py``, in this process,
which answers every call 20 ms later, as over a real network. Updates arrive at random (Poisson)
moments at the offered rate: bare titles with typos, the commands (/recommend, /info, /where,
/new, /longest, /count, /platforms, /lang, English and Spanish names), presses of "did you
mean", "More like this" and 👍 👎 🔖 buttons the bot really sent, inline queries, and movie
nights (a group's /movienight poll, its members' votes, and its close), from thousands of users
in private chats and hundreds of groups (``/command@StreamBot`` there). A chat sends its next
message only once the last one was answered, as people do; each user stays far below the bot's
flood control. The titles with typos are made, and resolved by the matcher, before the clock
starts, so that the driver, on the same cores as the bot, does no matching during the run.

Every reply is matched to its update (chat and quoted message, callback query id, inline query
id) and checked: the right method, chat and message, not an alert, and a text of the kind the
request asks for in the chat's language (found by the i18n templates). An apology, an error,
a reply in the wrong chat or language, or a second reply counts as wrong. A vote gets no reply:
it counts as handled, and the winner announced when its poll closes must be one with the most
votes fed, with that many (a vote lost or counted twice shows there).

Figures: updates a second sustained (answered / first update to last answer), reply latency from
the moment an update is made available (queued for getUpdates, or posted to the webhook) to the
moment its answer reaches the fake server, the bot's memory and its CPU time per update, updates
left unanswered, and wrong replies. Memory and CPU are the whole process tree's: the process
started and every process under it (with workers, the supervisor and the workers it forked),
each sampled while it lives. Peak RSS is the largest sum of their resident sets seen (never
below one process's ``VmHWM``); peak PSS is the same sum of ``Pss`` (``smaps_rollup``), which
splits a shared page among the processes sharing it, where RSS counts it in each: forked workers
share the engine. Feeding stops early once 1,000 updates wait for an answer: the bot cannot
keep up, and a longer queue would only lengthen the run.

Rows: long polling and webhook at 330 updates a second (the target, 300, and a margin); the
webhook deployed with two workers (``--workers``): one ``streambot run --webhook`` with
``STREAMBOT_WORKERS=2``, whose supervisor forks two workers sharing the engine's memory and one
port, and the kernel spreads the fake API's connections over them; the same bot handling one
update at a time (``STREAMBOT_CONCURRENT_UPDATES=1``), the naive baseline; the bot with
Telegram's flood limit on (30 messages a second, the production default); and long polling at
30 updates a second, below the bot's capacity, where latency shows the cost of each kind of
request rather than a queue. Every row but the flood-limit one lifts that limit
(``STREAMBOT_RATE_LIMIT=0``): the fake server has none, and the test measures what the bot
itself can do. Nothing is asserted: read the figures beside their targets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import html
import os
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.chat.callbacks import encode_feedback, encode_more, encode_recommend
from bot.chat.commands import parse_message
from bot.chat.i18n import CATALOGUES, language_for
from bot.chat.parsing import TITLE
from bot.chat.taste import LIKE
from bot.settings import Settings
from recommender.engine import Engine
from recommender.evaluation import noisy_query
from recommender.text import normalize_title
from scripts.fake_bot_api import BOT_USERNAME, ApiError, Call, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
STREAMBOT = Path(sys.executable).parent / "streambot"
SEED = 20240611
WEBHOOK_SECRET = "loadtest-secret"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 40.0  # the supervisor gives its workers 30 s to finish their updates
SAMPLE_SECONDS = 1.0  # how often the bot's processes are measured (each costs the driver CPU)
# After the last update, how long without any answer before the rest count as lost.
SETTLE_SECONDS = 10.0
# After the last answer, how long to wait for stray second replies.
GRACE_SECONDS = 0.5
# Feeding stops once this many updates wait for an answer: the bot cannot keep up, and going
# on would only lengthen the queue (and the run) without telling more.
MAX_BACKLOG = 1_000

TARGET_RATE = 300
OFFERED_RATE = 1.1 * TARGET_RATE
# A Bot API round trip from a server near Telegram's; the fake adds it to every answer.
API_LATENCY = 0.02
TARGET_P95_MS = 100
TARGET_RSS_MB = 350
# The webhook runs of ``make loadtest``: one worker, and one a core of the build machine.
WEBHOOK_WORKERS = (1, 2)

# What the stream holds, by weight.
MIX = {
    "title": 18,
    "recommend": 12,
    "info": 6,
    "where": 7,
    "new": 4,
    "longest": 5,
    "count": 4,
    "platforms": 3,
    "lang": 3,
    "ambiguous": 6,
    "pick": 9,
    "more": 9,
    "inline": 14,
    "discover": 10,
    "follow_up": 5,
    "feedback": 8,
    # In groups: /movienight, its members' votes (poll answers, which get no reply) and its
    # close, whose announced winner must count every vote.
    "movienight": 2,
    "vote": 8,
    "close": 1,
}
GROUP_SHARE = 0.25  # of messages and presses, in groups rather than private chats
LANGUAGE_CODES = ("en", "es", "en-US", "es-AR", "es-MX", "en-GB", "pt-BR", "de")
PLATFORM_WORDS = ("netflix", "hulu", "disney", "disney+", "prime", "prime video", "amazon")
# Described wishes and follow-ups, by the language they are written in: the reply follows it.
WISHES = {
    "en": (
        "something funny on {platform}",
        "recommend me a good horror movie",
        "korean dramas on {platform}",
        "a short comedy under 90 minutes",
        "best movies on {platform}",
        "action movies from the 90s",
        "something for the kids to watch",
        "I loved {title} and {other}",
        "the show where a chemistry teacher makes drugs",
    ),
    "es": (
        "algo de risa en {platform}",
        "pelis de terror de los 90",
        "series coreanas en {platform}",
        "películas de acción de los 90",
        "algo para ver con niños",
        "me gustaron {title} y {other}",
        "una comedia romántica",
        "las mejores series de {platform}",
    ),
}
FOLLOW_UPS = {
    "en": ("only series please", "only movies", "something shorter", "show me more"),
    "es": ("solo series", "solo películas", "algo más corto", "otra"),
}

# What each kind of request may be answered with: i18n keys whose template the text holds.
# A title no platform carries, or none at all: "not_carried", "not_in_catalogue…".
ELSEWHERE_ANSWERS = frozenset({"not_carried", "not_in_catalogue", "not_in_catalogue_closest"})
TITLE_ANSWERS = (
    frozenset({"like_header", "like_none", "did_you_mean", "not_found"}) | ELSEWHERE_ANSWERS
)
PAGE_ANSWERS = frozenset({"like_header", "like_header_page", "like_none", "like_end"})
ANSWERS = {
    "title": TITLE_ANSWERS,
    "recommend": TITLE_ANSWERS,
    "ambiguous": TITLE_ANSWERS,
    "info": frozenset({"streams_on", "did_you_mean", "not_found"}) | ELSEWHERE_ANSWERS,
    "where": frozenset({"where_header", "where_closest", "where_not_found", "did_you_mean"})
    | {"not_carried"},
    "new": frozenset({"new_header", "new_none"}),
    "longest": frozenset({"longest_movie", "longest_tv", "longest_none"}),
    "count": frozenset({"count"}),
    "platforms": frozenset({"platforms_all", "platforms_some"}),
    "lang": frozenset({"lang_set"}),
    "more": frozenset({"like_header", "like_none"}),
    # "I loved X and Y" with random catalogue titles: one title with "and" in it is one title.
    "discover": frozenset(
        {"discovery_header", "discovery_none", "streams_on", "like_header", "did_you_mean"}
    )
    | ELSEWHERE_ANSWERS,
    # After a list of works like a title, "more" is its next page.
    "follow_up": frozenset({"discovery_header", "discovery_end", "follow_up_nothing"})
    | {"like_header_page", "like_end"},
}
PICK_ANSWERS = {
    "rec": PAGE_ANSWERS,
    "info": frozenset({"streams_on"}),
    "title": frozenset({"streams_on"}),
    "where": frozenset({"where_header"}),
}
# What a press of 👍, 👎 or 🔖 is answered with: a notice over the chat, and its buttons ticked.
FEEDBACK_ANSWERS = frozenset(
    {"feedback_like", "feedback_dislike", "feedback_save", "feedback_undone"}
)
MOVIE_NIGHT_ANSWERS = frozenset(
    {"movienight_question", "movienight_question_for", "movienight_too_few"}
)
CLOSE_ANSWERS = frozenset(
    {"movienight_winner_one", "movienight_winner_other", "movienight_no_votes"}
)
# A vote gets no reply, so the driver cannot see it handled: a vote is closed only this long
# after its last vote was fed, when the bot has handled those (its p99 is far below it).
VOTE_SETTLE_SECONDS = 3.0
MOVIE_NIGHT_WISHES = ("", "", "comedy", "horror", "comedias", "something short", "on netflix")
# Buttons that pick one of several titles ("did you mean"), and the answer calls by query id.
PICK_BUTTON = re.compile(r"^(?:rec:[^:]+:0:|info:|title:|where:)")
QUERY_ID = {"answerCallbackQuery": "callback_query_id", "answerInlineQuery": "inline_query_id"}
# Telling texts of errors, to name what a wrong reply was.
ERROR_KEYS = ("apology", "unknown_command", "empty", "stale_button", "gone", "too_long")


def _pattern(template: str) -> re.Pattern[str]:
    """A regex finding text made from ``template``, whatever filled its placeholders."""
    parts = re.split(r"\{[^{}]*\}", template)
    return re.compile(".*?".join(re.escape(part) for part in parts), re.S)


PATTERNS = {
    (key, lang): _pattern(template)
    for lang, catalogue in CATALOGUES.items()
    for key, template in catalogue.items()
}


def answer_kind(text: str, keys: frozenset[str], lang: str) -> str | None:
    """Which of ``keys`` (in ``lang``) ``text`` answers with; else ``None``."""
    for key in keys:
        if PATTERNS[key, lang].search(text):
            return key
    return None


def describe(text: str) -> str:
    """A short label for a wrong text: the error it is, or its start."""
    for (key, lang), pattern in PATTERNS.items():
        if (key in ERROR_KEYS or key.startswith("problem_")) and pattern.search(text):
            return f"{key} ({lang})"
    return repr(text[:60])


# -- the stream ----------------------------------------------------------------------------------
@dataclass
class Night:
    """An open movie night: its poll, the message holding it, who started it, its options, and
    each member's current ballot as fed."""

    poll_id: str
    message: dict
    starter: dict
    labels: list[str]
    lang: str
    ballots: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # When its last vote was fed, or it was sent: the bot stores a poll only once Telegram
    # has answered the sending, and a close pressed before that finds no movie night.
    last_vote: float = field(default_factory=time.perf_counter)

    def wrong_winner(self, text: str) -> list[str]:
        """What is wrong with the announcement ``text``: its winner must be one of the titles
        with the most votes fed, with that many votes."""
        counts = [
            sum(n in ballot for ballot in self.ballots.values()) for n in range(len(self.labels))
        ]
        most = max(counts, default=0)
        if not most:
            return [] if "🗳️" in text else [f"a winner with no votes: {describe(text)}"]
        first = text.split("\n", 1)[0]
        tied = [
            self.labels[n].split(" (")[0].rstrip("…") for n, c in enumerate(counts) if c == most
        ]
        if f" {most} " not in first or not any(
            f"<b>{html.escape(t, quote=False)}" in first for t in tied
        ):
            return [f"winner {describe(first)}, not one of {tied} with {most} votes"]
        return []


@dataclass
class Expected:
    """One update in flight, and what it must get back."""

    update_id: int
    kind: str
    pushed: float
    lang: str
    answers: frozenset[str]
    chat_id: int | None = None  # where the message (or edit) must go; None for inline
    reply_to: int | None = None  # the message it must quote (groups)
    edit_of: int | None = None  # the message a press must replace
    query_id: str | None = None  # callback or inline query id
    text: str = ""  # what an inline query asked
    needs: set[str] = field(default_factory=set)  # "reply" and/or "answer"
    sets_lang: str | None = None
    night: Night | None = None  # the movie night a close must announce
    done: float | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Result:
    """What one run measured; ``updates`` is how many were fed, fewer than asked when the bot
    fell ``MAX_BACKLOG`` behind."""

    label: str
    offered: float
    asked: int
    updates: int
    answered: int
    seconds: float
    latencies_ms: list[float]
    rss_mb: float  # peak RSS and PSS summed over the bot's processes
    pss_mb: float
    rss_process_mb: float  # the largest peak RSS of one of them
    cpu_ms_per_update: float
    driver_cpu: float
    wrong: int
    problems: list[str]
    # The CPU seconds of each of the bot's processes during the run, by pid, and the processes
    # that said they were ready: with workers, the workers.
    cpu_by_process: dict[int, float] = field(default_factory=dict)
    ready: tuple[int, ...] = ()
    # Latencies by kind of update ("title", "new", "pick", …).
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def kept_up(self) -> bool:
        """Whether the bot answered as fast as it was fed, so latency is not a queue's."""
        return self.updates == self.asked and self.rate >= 0.9 * self.offered

    @property
    def lost(self) -> int:
        return self.updates - self.answered

    def percentile(self, q: float, kind: str | None = None) -> float:
        latencies = self.latencies_ms if kind is None else self.by_kind.get(kind, [])
        if not latencies:
            return float("nan")
        ordered = sorted(latencies)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


class Workload:
    """Builds the updates (``updates`` at most), feeds them to the fake Bot API, and checks the
    replies."""

    def __init__(self, api: FakeBotApi, engine: Engine, updates: int, seed: int = SEED) -> None:
        self.api = api
        self.rng = random.Random(seed)
        works = engine.works
        titles = works["title_display"].astype(str)
        usable = [len(normalize_title(title)) >= 4 for title in titles]
        self.works = list(zip(titles[usable], works["id"][usable].astype(str), strict=True))
        self.engine = engine
        self.registry = engine.registry
        shared = works["title_key"].duplicated(keep=False)
        self.ambiguous = [title for title in sorted(set(titles[shared])) if self._is_title(title)]
        # An update draws at most one typed title, so one an update is always enough.
        self.typed = deque(self._typed_title() for _ in range(updates))
        self.users: list[dict] = []
        # Who may press a button in each chat: its user, or the group's members.
        self.members: dict[int, list[dict]] = {}
        for _ in range(max(20, updates // 3)):
            self._new_user()
        self.groups: list[dict] = []
        for _ in range(max(4, updates // 12)):
            self._new_group()
        self.chat_lang: dict[int, str] = {}
        self.by_chat: dict[int, Expected] = {}
        self.by_query: dict[str, Expected] = {}
        self.expected: list[Expected] = []
        self.stray: list[str] = []
        # Bot messages with buttons to press: (message, callback data), newest last.
        self.picks: deque[tuple[dict, list[str]]] = deque(maxlen=500)
        self.mores: deque[tuple[dict, list[str]]] = deque(maxlen=500)
        self.feedbacks: deque[tuple[dict, list[str]]] = deque(maxlen=500)
        # Presses of 👍 👎 🔖 whose message may be ticked anew, by chat and message.
        self.relabels: dict[tuple[int, int], Expected] = {}
        # Open movie nights by poll id, and how many votes were fed.
        self.nights: dict[str, Night] = {}
        self.starters: dict[int, dict] = {}  # who sent each /movienight, by update id
        self.votes = 0
        self.answered = 0
        self.last_answer = 0.0
        kinds, weights = zip(*MIX.items(), strict=True)
        self._kinds, self._weights = list(kinds), list(weights)
        api.listeners.append(self.on_call)

    # -- choosing ------------------------------------------------------------------------------
    def _new_user(self) -> dict:
        user = self.api.user(10_000_000 + len(self.users), self.rng.choice(LANGUAGE_CODES))
        self.users.append(user)
        self.members[user["id"]] = [user]
        return user

    def _new_group(self) -> dict:
        number = len(self.groups)
        chat = self.api.group_chat(-1_001_000_000_000 - number, f"Movie night {number}")
        self.groups.append(chat)
        self.members[chat["id"]] = self.rng.sample(self.users, 4)
        return chat

    def _idle_chat(self, group: bool) -> tuple[dict, dict]:
        """A chat with nothing in flight (a new one if none comes up), and who writes in it."""
        for _ in range(50):
            if group:
                chat = self.rng.choice(self.groups)
            else:
                chat = self.api.private_chat(self.rng.choice(self.users))
            if chat["id"] not in self.by_chat:
                break
        else:
            chat = self._new_group() if group else self.api.private_chat(self._new_user())
        return chat, self.rng.choice(self.members[chat["id"]])

    def _is_title(self, text: str) -> bool:
        """Whether the bot reads ``text`` sent alone as a title ("Help" is a command), with
        the catalogue's titles, as it does."""
        return parse_message(text, self.registry, BOT_USERNAME, titles=self.engine).name == TITLE

    def _title(self) -> tuple[str, str]:
        """The next typed title, and its record id."""
        return self.typed.popleft()

    def _typed_title(self) -> tuple[str, str]:
        """A catalogue title as someone might type it, and its record id.

        Only typos the matcher still resolves: a reply to the rest is rightly "not found"
        (or, inline, no results), which the checks here would count as wrong. How many typos
        are resolved is ``make eval``'s measure, not this one's.
        """
        while True:
            title, record_id = self.rng.choice(self.works)
            text = noisy_query(title, self.rng)[0]
            if self._is_title(text) and self.engine.match(text, limit=1):
                return text, record_id

    def _lang(self, chat_id: int, user: dict) -> str:
        return self.chat_lang.get(chat_id) or language_for(user["language_code"])

    def _command(self, english: str, spanish: str, lang: str, group: bool) -> str:
        name = spanish if lang == "es" and self.rng.random() < 0.7 else english
        return f"/{name}@{BOT_USERNAME}" if group else f"/{name}"

    # -- feeding -------------------------------------------------------------------------------
    def push_next(self) -> None:
        """Make the next update of the mix available to the bot."""
        kind = self.rng.choices(self._kinds, self._weights)[0]
        if kind == "inline":
            self._push_inline()
        elif kind in ("pick", "more", "feedback"):
            self._push_press(kind)
        elif kind == "vote" and self.nights:
            self._push_vote()
        elif kind == "close" and self._closable():
            self._push_close()
        elif kind in ("movienight", "vote", "close"):
            self._push_movie_night()
        else:
            self._push_message(kind)

    def _push_message(self, kind: str) -> None:
        group = self.rng.random() < GROUP_SHARE
        chat, user = self._idle_chat(group)
        lang = self._lang(chat["id"], user)
        if kind in ("discover", "follow_up"):
            # Written in a language of its own, which the reply follows.
            lang = self.rng.choice(("en", "es"))
        text, sets_lang = self._text(kind, lang, group), None
        if kind == "lang":
            sets_lang = text.rsplit(" ", 1)[-1]
            lang = sets_lang
        if group and kind in ("lang", "platforms"):
            # Only a group's admins change its settings; the bot asks Telegram who they are.
            self.api.statuses[chat["id"], user["id"]] = "administrator"
        update = self.api.message_update(chat, user, text)
        message_id = update["message"]["message_id"]
        expected = self._expect(
            update,
            kind,
            lang,
            ANSWERS[kind],
            chat_id=chat["id"],
            reply_to=message_id if group else None,
            needs={"reply"},
            sets_lang=sets_lang,
        )
        self.by_chat[chat["id"]] = expected

    def _text(self, kind: str, lang: str, group: bool) -> str:
        rng = self.rng
        if kind in ("discover", "follow_up"):
            templates = WISHES[lang] if kind == "discover" else FOLLOW_UPS[lang]
            text = rng.choice(templates).format(
                platform=rng.choice(("netflix", "hulu", "disney+", "prime video")),
                title=self._title()[0],
                other=self._title()[0],
            )
            return f"@{BOT_USERNAME} {text}" if group else text
        if kind in ("title", "ambiguous"):
            ambiguous = kind == "ambiguous" and self.ambiguous
            title = rng.choice(self.ambiguous) if ambiguous else self._title()[0]
            return f"@{BOT_USERNAME} {title}" if group else title
        if kind == "recommend":
            return f"{self._command('recommend', 'recomendar', lang, group)} {self._title()[0]}"
        if kind == "info":
            return f"{self._command('info', 'info', lang, group)} {self._title()[0]}"
        if kind == "where":
            if not group and rng.random() < 0.3:
                asking = "¿dónde puedo ver" if lang == "es" else "where can I watch"
                return f"{asking} {self._title()[0]}?"
            return f"{self._command('where', 'donde', lang, group)} {self._title()[0]}"
        if kind == "new":
            platform = rng.choice(("", *PLATFORM_WORDS))
            return f"{self._command('new', 'nuevo', lang, group)} {platform}".strip()
        if kind == "longest":
            words = [str(rng.randint(2008, 2020)), rng.choice(PLATFORM_WORDS)]
            words.append(rng.choice(("", "min", "season" if lang == "en" else "temporadas")))
            rng.shuffle(words)
            return f"{self._command('longest', 'duracion', lang, group)} {' '.join(words)}".strip()
        if kind == "count":
            return f"{self._command('count', 'cantidad', lang, group)} {rng.choice(PLATFORM_WORDS)}"
        if kind == "platforms":
            choice = rng.choice(("", "all", "netflix disney", "hulu prime", "netflix"))
            return f"{self._command('platforms', 'plataformas', lang, group)} {choice}".strip()
        return f"{self._command('lang', 'idioma', lang, group)} {rng.choice(('es', 'en'))}"

    def _push_press(self, kind: str) -> None:
        """Press a button the bot sent (or, before it sent one, a valid encoding of one)."""
        pool = {"pick": self.picks, "more": self.mores, "feedback": self.feedbacks}[kind]
        found = None
        for _ in range(min(len(pool), 20)):
            message, buttons = pool[self.rng.randrange(len(pool))]
            if message["chat"]["id"] not in self.by_chat:
                found = message, buttons
                pool.remove(found)
                break
        if found is None:
            chat = self._idle_chat(self.rng.random() < GROUP_SHARE)[0]
            record_id = self._title()[1]
            encode = {"pick": encode_recommend, "more": encode_more, "feedback": _encode_like}
            data = encode[kind](record_id)
            found = self.api.bot_message(chat, "…", [[data]]), [data]
        message, buttons = found
        chat = message["chat"]
        presser = self.rng.choice(self.members[chat["id"]])
        data = self.rng.choice(buttons)
        lang = self._lang(chat["id"], presser)
        update = self.api.callback_update(presser, message, data)
        if kind == "feedback":
            self._expect_feedback(update, chat, message, lang)
            return
        replace = kind == "pick"
        answers = PICK_ANSWERS[data.partition(":")[0]] if replace else ANSWERS["more"]
        expected = self._expect(
            update,
            kind,
            lang,
            answers,
            chat_id=chat["id"],
            reply_to=message["message_id"] if chat["type"] != "private" and not replace else None,
            edit_of=message["message_id"] if replace else None,
            query_id=update["callback_query"]["id"],
            needs={"reply", "answer"},
        )
        self.by_chat[chat["id"]] = expected
        self.by_query[expected.query_id] = expected

    def _expect_feedback(self, update: dict, chat: dict, message: dict, lang: str) -> None:
        """A press of 👍, 👎 or 🔖: a notice, and the message's buttons ticked anew. The ticks
        are the chat's feedback, pressed on other messages too, which the driver does not
        follow: an edit is checked when it comes (the pressed message, not refused), and none
        is owed when the ticks did not change."""
        query_id = update["callback_query"]["id"]
        expected = self._expect(
            update,
            "feedback",
            lang,
            FEEDBACK_ANSWERS,
            chat_id=chat["id"],
            edit_of=message["message_id"],
            query_id=query_id,
            needs={"answer"},
        )
        self.by_chat[chat["id"]] = expected
        self.by_query[query_id] = expected
        self.relabels[chat["id"], message["message_id"]] = expected

    def _push_movie_night(self) -> None:
        chat, user = self._idle_chat(group=True)
        lang = self._lang(chat["id"], user)
        wish = self.rng.choice(MOVIE_NIGHT_WISHES)
        text = f"{self._command('movienight', 'nochedepeli', lang, True)} {wish}".strip()
        update = self.api.message_update(chat, user, text)
        expected = self._expect(
            update,
            "movienight",
            lang,
            MOVIE_NIGHT_ANSWERS,
            chat_id=chat["id"],
            reply_to=update["message"]["message_id"],
            needs={"reply"},
        )
        self.starters[expected.update_id] = user
        self.by_chat[chat["id"]] = expected

    def _push_vote(self) -> None:
        """A member ticks one or two titles of an open poll, or (one in ten) takes theirs back."""
        night = self.rng.choice(list(self.nights.values()))
        voter = self.rng.choice(self.members[night.message["chat"]["id"]])
        count = len(night.labels)
        chosen = [] if self.rng.random() < 0.1 else self.rng.sample(range(count), min(2, count))
        self.api.push(self.api.poll_answer_update(voter, night.poll_id, chosen))
        night.ballots[voter["id"]] = tuple(chosen)
        night.last_vote = time.perf_counter()
        self.votes += 1

    def _closable(self) -> list[Night]:
        settled = time.perf_counter() - VOTE_SETTLE_SECONDS
        return [
            night
            for night in self.nights.values()
            if night.last_vote < settled and night.message["chat"]["id"] not in self.by_chat
        ]

    def _push_close(self) -> None:
        """Its starter closes a poll whose votes were all handled: the winner must count them."""
        night = self.rng.choice(self._closable())
        del self.nights[night.poll_id]
        chat = night.message["chat"]
        update = self.api.callback_update(night.starter, night.message, "vote:close")
        query_id = update["callback_query"]["id"]
        expected = self._expect(
            update,
            "close",
            night.lang,
            CLOSE_ANSWERS,
            chat_id=chat["id"],
            reply_to=night.message["message_id"],
            query_id=query_id,
            needs={"reply", "answer"},
            night=night,
        )
        self.by_chat[chat["id"]] = expected
        self.by_query[query_id] = expected

    def _push_inline(self) -> None:
        user = self.rng.choice(self.users)
        text = self._title()[0]
        update = self.api.inline_update(user, text)
        query_id = update["inline_query"]["id"]
        lang = self._lang(user["id"], user)
        expected = self._expect(update, "inline", lang, frozenset(), query_id=query_id, text=text)
        expected.needs = {"answer"}
        self.by_query[query_id] = expected

    def _expect(
        self, update: dict, kind: str, lang: str, answers: frozenset[str], **fields: Any
    ) -> Expected:
        """Push ``update``, and remember what it must get back."""
        update_id = self.api.push(update)
        pushed = self.api.pushed_at[update_id]
        expected = Expected(update_id, kind, pushed, lang, answers, **fields)
        self.expected.append(expected)
        return expected

    # -- checking ------------------------------------------------------------------------------
    def on_call(self, call: Call) -> None:
        """Match one Bot API call to the update it answers, and check it."""
        if call.method in ("sendMessage", "sendPhoto", "editMessageText", "sendPoll"):
            expected = self.by_chat.get(call.chat_id)  # type: ignore[arg-type]
            if expected is None or "reply" not in expected.needs:
                self.stray.append(f"{call.method} to chat {call.chat_id}: {describe(call.text)}")
                return
            self._check_reply(expected, call)
            expected.needs.discard("reply")
        elif call.method in QUERY_ID:
            query_id = call.params.get(QUERY_ID[call.method], "")
            expected = self.by_query.get(query_id)
            if expected is None or "answer" not in expected.needs:
                self.stray.append(f"{call.method} {query_id}")
                return
            if call.params.get("show_alert"):
                expected.problems.append(f"alert: {describe(call.params.get('text', ''))}")
            elif expected.kind == "feedback":
                notice = str(call.params.get("text", ""))
                if answer_kind(notice, expected.answers, expected.lang) is None:
                    problems = expected.problems
                    problems.append(f"feedback in {expected.lang} got {describe(notice)}")
            if call.method == "answerInlineQuery" and not call.params.get("results"):
                expected.problems.append(f"inline answer to {expected.text!r} with no results")
            expected.needs.discard("answer")
        elif call.method == "editMessageReplyMarkup":
            pressed = self.relabels.pop((call.chat_id, call.params.get("message_id")), None)
            if pressed is None:
                self.stray.append(f"{call.method} to chat {call.chat_id}: no press on it")
            elif (
                isinstance(call.result, ApiError) and "not modified" not in call.result.description
            ):
                pressed.problems.append(f"{call.method} refused: {call.result.description}")
            return
        else:
            return
        if not expected.needs:
            self._done(expected, call)

    def _check_reply(self, expected: Expected, call: Call) -> None:
        problems = expected.problems
        if isinstance(call.result, ApiError):
            problems.append(f"{call.method} refused: {call.result.description}")
        edited = call.params.get("message_id") if call.method == "editMessageText" else None
        if expected.edit_of is not None:
            if edited != expected.edit_of:
                problems.append(f"{call.method} instead of editing {expected.edit_of}")
        elif edited is not None:
            problems.append("an edit instead of a new message")
        elif call.reply_to != expected.reply_to:
            problems.append(f"quotes message {call.reply_to}, not {expected.reply_to}")
        text = call.params.get("question", "") if call.method == "sendPoll" else call.text
        if answer_kind(text, expected.answers, expected.lang) is None:
            problems.append(f"{expected.kind} in {expected.lang} got {describe(text)}")
        elif expected.night is not None:
            problems.extend(expected.night.wrong_winner(call.text))

    def _done(self, expected: Expected, call: Call) -> None:
        expected.done = call.at
        self.answered += 1
        self.last_answer = call.at
        if expected.chat_id is not None:
            self.by_chat.pop(expected.chat_id, None)
        if expected.query_id is not None:
            self.by_query.pop(expected.query_id, None)
        if expected.sets_lang and not expected.problems:
            self.chat_lang[expected.chat_id] = expected.sets_lang  # type: ignore[index]
        if (
            expected.kind == "movienight"
            and isinstance(call.result, dict)
            and "poll" in call.result
        ):
            poll = call.result["poll"]
            starter = self.starters.pop(expected.update_id)
            labels = [option["text"] for option in poll["options"]]
            self.nights[poll["id"]] = Night(poll["id"], call.result, starter, labels, expected.lang)
        if isinstance(call.result, dict):  # a message the bot sent: its buttons are to press
            picks = [data for _, data in call.buttons if PICK_BUTTON.match(data)]
            mores = [data for _, data in call.buttons if data.startswith("more:")]
            if picks and not mores:
                self.picks.append((call.result, picks))
            elif mores:
                self.mores.append((call.result, mores))
            feedback = [data for _, data in call.buttons if data.startswith("fb:")]
            if feedback:
                self.feedbacks.append((call.result, feedback))

    @property
    def in_flight(self) -> int:
        return len(self.expected) - self.answered


def _encode_like(record_id: str) -> str:
    return encode_feedback(LIKE, record_id)


# -- running the bot -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """One row: how the bot runs and what it is fed."""

    label: str
    webhook: bool = False
    updates: int = 10_000
    rate: float = OFFERED_RATE
    env: tuple[tuple[str, str], ...] = (("STREAMBOT_RATE_LIMIT", "0"),)
    latency: float = API_LATENCY
    workers: int = 1  # webhook worker processes (``STREAMBOT_WORKERS``)

    def describe(self) -> str:
        env = " ".join(f"{key}={value}" for key, value in self.env)
        mode = " --webhook" if self.webhook else ""
        if self.workers > 1:
            env += f" STREAMBOT_WORKERS={self.workers}"
            mode += f" (a supervisor and {self.workers} workers on one port)"
        return (
            f"{env} streambot run{mode}, fed {self.updates:,} updates at {self.rate:g}/s, "
            f"Bot API answers after {1e3 * self.latency:g} ms"
        )


def _free_port() -> int:
    """A free port of 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Bot:
    """The bot's process, started, and the processes that said they were ready."""

    process: asyncio.subprocess.Process
    ready: tuple[int, ...]


@contextlib.asynccontextmanager
async def bot_process(
    api: FakeBotApi,
    data_dir: Path,
    webhook: bool,
    env: Sequence[tuple[str, str]] = (),
    workers: int = 1,
) -> AsyncIterator[Bot]:
    """``streambot run`` against ``api``, started and ready; stopped (SIGTERM) afterwards.

    With ``webhook`` and ``workers`` above 1 it is the deployment of
    ``bot/telegram/workers.py``: one process, whose supervisor forks the workers, on one port
    and one webhook URL. The fake API posts there, and the kernel hands each connection to one
    of the workers.
    """
    if workers > 1 and not webhook:
        raise ValueError("workers serve a webhook; a poller is one process")
    folder = Path(tempfile.mkdtemp(prefix="streambot-load-"))
    port = _free_port()
    environ = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "STREAMBOT_DATA_DIR": str(data_dir),
        "STREAMBOT_DB": f"sqlite:///{folder / 'chats.sqlite3'}",
        "STREAMBOT_ADMIN_IDS": "",
        "LOG_LEVEL": "WARNING",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram" if webhook else "",
        "PORT": str(port),
        # Empty: the defaults, whatever a developer's .env says; the scenario sets its own.
        "STREAMBOT_RATE_LIMIT": "",
        "STREAMBOT_CONCURRENT_UPDATES": "",
        **dict(env),
        "STREAMBOT_WORKERS": str(workers),
    }
    command = [str(STREAMBOT), "run", *(["--webhook"] if webhook else [])]
    log_path = folder / "bot.log"
    process = None
    try:
        with log_path.open("wb") as log:  # the workers write to it too
            process = await asyncio.create_subprocess_exec(
                *command,
                env=environ,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=ROOT,
            )
        ready = await _wait_ready(api, process, port if webhook else None, workers, log_path)
        yield Bot(process, ready)
    finally:
        if process is not None:
            await _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, and SIGKILL for the whole tree if it takes too long."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            for pid in process_tree(process.pid):  # workers would outlive a killed supervisor
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            await process.wait()


async def _wait_ready(
    api: FakeBotApi,
    process: asyncio.subprocess.Process,
    port: int | None,
    workers: int,
    log: Path,
) -> tuple[int, ...]:
    """Until the bot polls, or its webhook is set and ``/health`` said ready from ``workers``
    different processes; their pids."""
    deadline = time.monotonic() + START_TIMEOUT
    ready: set[int] = set()
    # A new connection for every probe: the kernel hands each to one of the workers on the port.
    probes = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=2, limits=probes) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the bot exited with {process.returncode}:\n{tail}")
            if port is None and api.of("getUpdates"):
                return (process.pid,)
            if port is not None and api.webhook:
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(f"http://127.0.0.1:{port}/health")
                    if response.status_code == 200:
                        ready.add(response.json()["worker"])
                if len(ready) == workers:
                    return tuple(sorted(ready))
            await asyncio.sleep(0.05)
    raise RuntimeError(f"the bot was not ready after {START_TIMEOUT:.0f} s")


# -- measuring the bot's processes ---------------------------------------------------------------
def process_tree(root: int) -> list[int]:
    """``root`` and every live process under it (``/proc/<pid>/task/<tid>/children``)."""
    tree = [root]
    for pid in tree:  # grows as it goes
        with contextlib.suppress(OSError):  # it has just exited
            for tid in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    children = Path(f"/proc/{pid}/task/{tid}/children").read_text()
                    tree += map(int, children.split())
    return tree


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` so far (its threads', not its children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _megabytes(path: str) -> dict[str, float]:
    """The ``kB`` figures of a ``/proc/<pid>`` file (``status``, ``smaps_rollup``), in MB."""
    figures = {}
    for line in Path(path).read_text().splitlines():
        name, _, value = line.partition(":")
        if value.endswith(" kB"):
            figures[name] = int(value.split()[0]) / 1024
    return figures


@dataclass
class TreeUsage:
    """The CPU and memory of a process tree, sampled while it runs: a worker that exits keeps
    the last figures seen of it."""

    root: int
    cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds so far, by pid
    start_cpu: dict[int, float] = field(default_factory=dict)  # at the first sample
    hwm_mb: dict[int, float] = field(default_factory=dict)  # each process's peak RSS (VmHWM)
    rss_mb: float = 0.0  # the largest sum seen
    pss_mb: float = 0.0

    def sample(self) -> None:
        rss = pss = 0.0
        for pid in process_tree(self.root):
            try:
                cpu = _cpu_seconds(pid)
                memory = _megabytes(f"/proc/{pid}/smaps_rollup")
                status = _megabytes(f"/proc/{pid}/status")
            except OSError:  # it has just exited
                continue
            self.cpu[pid] = cpu
            rss += memory.get("Rss", 0.0)  # none left in a zombie
            pss += memory.get("Pss", 0.0)
            if "VmHWM" in status:
                self.hwm_mb[pid] = status["VmHWM"]
        if not self.start_cpu:
            self.start_cpu = dict(self.cpu)
        self.rss_mb = max(self.rss_mb, rss)
        self.pss_mb = max(self.pss_mb, pss)

    @contextlib.asynccontextmanager
    async def sampling(self) -> AsyncIterator[TreeUsage]:
        """Sample now, every ``SAMPLE_SECONDS`` in a thread, and once more at the end."""
        await asyncio.to_thread(self.sample)
        stop = asyncio.Event()

        async def periodically() -> None:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), SAMPLE_SECONDS)
                    return
                await asyncio.to_thread(self.sample)

        task = asyncio.create_task(periodically())
        try:
            yield self
        finally:
            stop.set()
            await task
            await asyncio.to_thread(self.sample)

    @property
    def cpu_by_process(self) -> dict[int, float]:
        """CPU seconds of each process since the first sample (all of it, for a later one)."""
        return {pid: cpu - self.start_cpu.get(pid, 0.0) for pid, cpu in self.cpu.items()}

    @property
    def peak_rss_mb(self) -> float:
        # A sample can miss a short peak; one process's high-water mark does not.
        return max(self.rss_mb, *self.hwm_mb.values())


async def run_load(
    scenario: Scenario, data_dir: Path, engine: Engine | None = None, seed: int = SEED
) -> Result:
    """Run the bot as ``scenario`` says, feed it, and measure."""
    engine = engine or Engine.load(data_dir / "processed")
    async with FakeBotApi(latency=scenario.latency) as api:
        workload = Workload(api, engine, scenario.updates, seed)
        async with (
            bot_process(api, data_dir, scenario.webhook, scenario.env, scenario.workers) as bot,
            TreeUsage(bot.process.pid).sampling() as usage,
        ):
            rng = random.Random(seed)
            with frozen_heap():
                driver_before = time.process_time()
                started = next_at = time.perf_counter()
                for _ in range(scenario.updates):
                    if workload.in_flight >= MAX_BACKLOG:
                        break
                    next_at += rng.expovariate(scenario.rate)
                    delay = next_at - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    workload.push_next()
                await _settle(workload)
                await asyncio.sleep(GRACE_SECONDS)
                driver_cpu = (time.process_time() - driver_before) / (time.perf_counter() - started)
    done = [expected for expected in workload.expected if expected.done is not None]
    first = min((expected.pushed for expected in workload.expected), default=0.0)
    wrong = [expected for expected in workload.expected if expected.problems]
    problems = [f"wrong: update {e.update_id} ({e.kind}): {'; '.join(e.problems)}" for e in wrong]
    problems += [
        f"lost: update {e.update_id} ({e.kind}) got no {' or '.join(sorted(e.needs))}"
        for e in workload.expected
        if e.done is None
    ]
    by_kind: dict[str, list[float]] = {}
    for expected in done:
        by_kind.setdefault(expected.kind, []).append(1e3 * (expected.done - expected.pushed))  # type: ignore[operator]
    cpu_by_process = usage.cpu_by_process
    return Result(
        label=scenario.label,
        offered=scenario.rate,
        asked=scenario.updates,
        # A vote gets no reply: it counts as handled, and the winners announced check that.
        updates=len(workload.expected) + workload.votes,
        answered=len(done) + workload.votes,
        seconds=max(0.0, workload.last_answer - first),
        latencies_ms=[1e3 * (expected.done - expected.pushed) for expected in done],  # type: ignore[operator]
        rss_mb=usage.peak_rss_mb,
        pss_mb=usage.pss_mb,
        rss_process_mb=max(usage.hwm_mb.values()),
        cpu_ms_per_update=1e3 * sum(cpu_by_process.values()) / max(1, len(done) + workload.votes),
        driver_cpu=driver_cpu,
        wrong=len(wrong) + len(workload.stray),
        problems=problems + [f"wrong: {stray}" for stray in workload.stray],
        cpu_by_process=cpu_by_process,
        ready=bot.ready,
        by_kind=by_kind,
    )


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep what this process holds so far (the engine, the prepared workload) out of the
    cyclic collector's sight while it lasts. Its full collections of them would stop the
    driver, and with it every update and answer in flight, so the bot's latency would show the
    driver's pauses. Afterwards everything frozen is in sight again."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def _settle(workload: Workload) -> None:
    """Wait until every update is answered, or none was for ``SETTLE_SECONDS``."""
    answered, quiet_since = -1, time.monotonic()
    while workload.in_flight:
        if workload.answered != answered:
            answered, quiet_since = workload.answered, time.monotonic()
        elif time.monotonic() - quiet_since > SETTLE_SECONDS:
            return
        await asyncio.sleep(0.05)


# -- the table -----------------------------------------------------------------------------------
COLUMNS = (
    ("run", "target"),
    ("updates fed", f">= {10_000:,}"),
    ("updates/s", f">= {TARGET_RATE}"),
    ("p50 ms", ""),
    ("p95 ms", f"<= {TARGET_P95_MS}"),
    ("p99 ms", ""),
    ("peak RSS MB", f"<= {TARGET_RSS_MB}"),
    ("peak PSS MB", ""),
    ("CPU ms/update", ""),
    ("no reply", "0"),
    ("wrong", "0"),
)


def _row(result: Result) -> list[str]:
    fed = f"{result.updates:,}" + ("" if result.updates == result.asked else " (fell behind)")
    processes, largest = len(result.cpu_by_process), result.rss_process_mb
    return [
        result.label,
        fed,
        f"{result.rate:.0f}",
        f"{result.percentile(50):.0f}",
        f"{result.percentile(95):.0f}",
        f"{result.percentile(99):.0f}",
        f"{result.rss_mb:.0f}"
        + (f" ({processes} processes, <= {largest:.0f} each)" if processes > 1 else ""),
        f"{result.pss_mb:.0f}",
        f"{result.cpu_ms_per_update:.1f}",
        str(result.lost),
        str(result.wrong),
    ]


def markdown(rows: Sequence[Sequence[str]]) -> str:
    """``rows`` (the first is the header) as a Markdown table, figures aligned right."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]

    def line(cells: Sequence[str]) -> str:
        padded = [cells[0].ljust(widths[0])]
        padded += [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(rows[0]), rule, *map(line, rows[1:])])


def table(results: Sequence[Result]) -> str:
    """One row a run, the targets on the first."""
    rows = [[name for name, _ in COLUMNS], [target for _, target in COLUMNS]]
    return markdown(rows + [_row(result) for result in results])


def kinds_table(results: Sequence[Result]) -> str:
    """Reply latency p50 / p95 in ms by kind of update, a column a run."""
    rows = [["kind", *(result.label for result in results)]]
    for kind in MIX:
        if kind == "vote":
            continue  # no reply to time; the winners announced check votes
        rows.append(
            [
                kind,
                *(f"{r.percentile(50, kind):.0f} / {r.percentile(95, kind):.0f}" for r in results),
            ]
        )
    return markdown(rows)


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    """The runs of ``make loadtest``, or those ``--only`` names; a webhook run a ``--workers``."""
    lifted = (("STREAMBOT_RATE_LIMIT", "0"),)
    one_at_a_time = (*lifted, ("STREAMBOT_CONCURRENT_UPDATES", "1"))
    flood_limit = (("STREAMBOT_RATE_LIMIT", "30"),)
    extra = tuple(tuple(setting.split("=", 1)) for setting in args.env)

    def run(
        label: str, webhook: bool, updates: int, rate: float, env: tuple, workers: int = 1
    ) -> Scenario:
        env = (*env, *extra)
        return Scenario(label, webhook, updates, rate, env, args.api_latency / 1e3, workers)

    runs = [
        ("polling", run("long polling", False, args.updates, args.rate, lifted)),
        *(
            ("webhook", run(_webhook_label(n), True, args.updates, args.rate, lifted, n))
            for n in args.workers or WEBHOOK_WORKERS
        ),
        (
            "baseline",
            run(
                "baseline: one update at a time",
                False,
                args.baseline_updates,
                args.rate,
                one_at_a_time,
            ),
        ),
        (
            "limited",
            run("flood limit on (production)", False, args.limited_updates, args.rate, flood_limit),
        ),
        (
            "light",
            run(
                f"long polling at {args.light_rate:g}/s",
                False,
                args.light_updates,
                args.light_rate,
                lifted,
            ),
        ),
    ]
    return [scenario for name, scenario in runs if not args.only or name in args.only]


def _processes(result: Result) -> str:
    """How the memory and the work spread over the bot's processes."""
    cpu = result.cpu_by_process
    workers = " / ".join(f"{cpu.get(pid, float('nan')):.1f}" for pid in result.ready)
    supervisor = sum(seconds for pid, seconds in cpu.items() if pid not in result.ready)
    return (
        f"{len(cpu)} processes: peak RSS {result.rss_mb:.0f} MB in all, "
        f"{result.rss_process_mb:.0f} MB in the largest, peak PSS {result.pss_mb:.0f} MB; "
        f"CPU s: workers {workers}, the rest {supervisor:.1f}"
    )


def _webhook_label(workers: int) -> str:
    return "webhook" if workers == 1 else f"webhook, {workers} workers"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=10_000, help="to feed the main runs")
    parser.add_argument("--rate", type=float, default=OFFERED_RATE, help="offered updates a second")
    parser.add_argument(
        "--api-latency", type=float, default=1e3 * API_LATENCY, help="ms the Bot API answers in"
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for the bot, every run"
    )
    parser.add_argument("--baseline-updates", type=int, default=2_000)
    parser.add_argument("--limited-updates", type=int, default=600)
    parser.add_argument("--light-updates", type=int, default=600)
    parser.add_argument("--light-rate", type=float, default=30.0, help="below the bot's capacity")
    parser.add_argument(
        "--only", action="append", choices=["polling", "webhook", "baseline", "limited", "light"]
    )
    parser.add_argument(
        "--workers",
        type=int,
        action="append",
        metavar="N",
        help="webhook workers; a webhook run for each --workers (default: 1, and 2)",
    )
    args = parser.parse_args()
    settings = Settings.from_env()
    engine = Engine.load(settings.processed_dir)
    results = []
    for scenario in scenarios(args):
        print(f"{scenario.label}: {scenario.describe()}", flush=True)
        result = asyncio.run(run_load(scenario, settings.data_dir, engine))
        results.append(result)
        print(
            f"  {result.answered:,} of {result.updates:,} answered in {result.seconds:.1f} s; "
            f"the driver used {result.driver_cpu:.0%} of a core",
            flush=True,
        )
        if len(result.cpu_by_process) > 1:
            print(f"  {_processes(result)}", flush=True)
        for problem in result.problems[:5]:
            print(f"  {problem}", flush=True)
    print(f"\n{engine.version}: {len(engine.catalogue):,} titles, {os.cpu_count()} cores")
    print(table(results))
    kept_up = [result for result in results if result.kept_up]
    if kept_up:
        print("\nreply latency by kind of update, p50 / p95 ms, in the runs that kept up")
        print(kinds_table(kept_up))
    return 0


if __name__ == "__main__":
    sys.exit(main())
