"""Every command, declared once, and the two entry points that dispatch through them:
:func:`parse_message` (text → :class:`~bot.chat.parsing.Intent`) and :func:`answer` (intent →
:class:`~bot.chat.replies.Reply`).

A command is its intent name, how its arguments are read, how it is answered, and whether it
is for admins or shown in the menu. Its names in each language and its menu line are language
data (:mod:`bot.chat.i18n`). The Telegram handlers, the console, Telegram's command menus and
/help are all derived from :data:`COMMANDS`: adding a command is one entry here plus its strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from bot.chat import callbacks, languages, parsing
from bot.chat.i18n import join_names, t
from bot.chat.parsing import GRAMMAR, ArgumentParser, Grammar, Intent
from bot.chat.replies import AdminService, Ask, Replier, Reply, esc
from bot.chat.replies.conversation import (
    empty_reply,
    greeting_reply,
    language_reply,
    problem_reply,
    thanks_reply,
    unknown_command_reply,
)
from bot.chat.replies.discovery import (
    discover_reply,
    follow_up_reply,
    named_or_described_reply,
)
from bot.chat.replies.feedback import feedback_reply
from bot.chat.replies.foryou import PAGE_SIZE as FOR_YOU_PAGE
from bot.chat.replies.foryou import for_you_page, for_you_reply, instead_of_a_title
from bot.chat.replies.lists import new_reply, platforms_reply, stats_reply
from bot.chat.replies.movienight import movie_night_reply, suggest_reply
from bot.chat.replies.privacy import forget_reply, my_data_reply
from bot.chat.replies.questions import (
    actor_reply,
    count_reply,
    country_reply,
    longest_reply,
    rating_reply,
    score_count_reply,
)
from bot.chat.replies.titles import slots_scope, title_reply
from bot.chat.replies.watchlist import watchlist_reply
from bot.chat.replies.where import where_reply, why_reply
from bot.chat.state import ChatData, Discovering, slots_of
from bot.chat.taste import Taste
from bot.chat.understanding import Titles
from recommender.engine import Engine
from recommender.platforms import PlatformRegistry
from recommender.text import fold


@dataclass(frozen=True)
class Command:
    """One command: the intent it makes, how its arguments are read and how it is answered.

    ``admin`` commands are answered only once a front end has checked who asks (see
    :class:`~bot.chat.replies.Ask`); ``long`` ones take minutes, so a front end runs them
    without holding up other updates and says first that it started. ``menu`` puts the
    command in Telegram's command menu.
    """

    name: str
    reply: Replier
    parse: ArgumentParser = parsing.no_arguments
    admin: bool = False
    long: bool = False
    menu: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the command answers to, in every language and the original project's."""
        return GRAMMAR.commands[self.name]

    def menu_entry(self, lang: str) -> tuple[str, str] | None:
        """The command's name and description in ``lang``'s menu, if it is in the menu."""
        text = languages.menu_text(lang, self.name) if self.menu else None
        if not text:
            return None
        return languages.command_names(self.name)[lang][0], text


def help_reply(engine: Engine, lang: str, bot_username: str | None = None) -> Reply:
    """Usage and examples in ``lang``: an example of each command that has one, in the
    registry's order; mentions inline mode when the bot's name is known."""
    platforms = join_names(lang, [esc(p.display_name) for p in engine.registry])
    examples = (languages.help_line(lang, command.name) for command in COMMANDS)
    lines = "\n".join(line for line in examples if line)
    text = f"{t(lang, 'help', platforms=platforms)}\n\n{lines}\n{t(lang, 'help_groups')}"
    if bot_username:
        text += t(lang, "help_inline", bot=esc(bot_username))
    return Reply(text)


def _help(intent: Intent, ask: Ask) -> Reply:
    return help_reply(ask.engine, ask.lang, ask.bot_username)


def _start_arguments(name: str, text: str, reading: parsing.Reading) -> Intent:
    """``/start``, or ``/start w_<id>`` from a deep link: the card of that title."""
    record_id = callbacks.deep_linked(text)
    return (
        Intent(parsing.START)
        if record_id is None
        else Intent(parsing.INFO, {"record_id": record_id})
    )


def _admins_only(run: Callable[[AdminService, Ask], Reply], refusal: str = "admin_only") -> Replier:
    """An admin command's reply: ``run`` with the admin service, which a front end gives only
    to admins; anyone else gets ``refusal``."""

    def reply(intent: Intent, ask: Ask) -> Reply:
        return Reply(t(ask.lang, refusal)) if ask.admin is None else run(ask.admin, ask)

    return reply


def _upload_help(admin: AdminService, ask: Ask) -> Reply:
    """``/upload`` with no file: how to send one, where files can be sent."""
    return Reply(t(ask.lang, "upload_how" if admin.accepts_files else "admin_only"))


COMMANDS: tuple[Command, ...] = (
    Command(parsing.RECOMMEND, title_reply, parsing.recommend_arguments),
    Command(parsing.DISCOVER, discover_reply, parsing.discover_arguments),
    Command(parsing.INFO, title_reply, parsing.title_arguments),
    Command(parsing.WHERE, where_reply, parsing.title_arguments),
    Command(parsing.NEW, new_reply, parsing.platform_arguments),
    Command(parsing.LONGEST, longest_reply, parsing.question_arguments),
    Command(parsing.SCORE_COUNT, score_count_reply, parsing.question_arguments),
    Command(parsing.COUNT, count_reply, parsing.question_arguments),
    Command(parsing.ACTOR, actor_reply, parsing.question_arguments),
    Command(parsing.COUNTRY, country_reply, parsing.country_arguments),
    Command(parsing.RATING, rating_reply, parsing.rating_arguments),
    Command(parsing.WHY, why_reply, parsing.why_arguments),
    Command(parsing.FOR_YOU, for_you_reply),
    Command(parsing.WATCHLIST, watchlist_reply, parsing.watchlist_arguments),
    Command(parsing.STATS, stats_reply, parsing.platform_arguments),
    Command(parsing.MOVIE_NIGHT, movie_night_reply, parsing.movie_night_arguments),
    Command(parsing.SUGGEST, suggest_reply, parsing.suggest_arguments),
    Command(parsing.PLATFORMS, platforms_reply, parsing.platforms_arguments),
    Command(parsing.LANG, language_reply, parsing.language_arguments),
    Command(parsing.MY_DATA, my_data_reply),
    Command(parsing.FORGET, forget_reply),
    Command(parsing.HELP, _help),
    Command(parsing.START, _help, _start_arguments, menu=False),
    Command(
        parsing.RELOAD,
        _admins_only(lambda admin, ask: admin.reload(ask.lang), "reload_refused"),
        admin=True,
        long=True,
    ),
    Command(
        parsing.VERSIONS, _admins_only(lambda admin, ask: admin.versions(ask.lang)), admin=True
    ),
    Command(
        parsing.ROLLBACK,
        _admins_only(lambda admin, ask: admin.rollback(ask.lang, ask.user)),
        admin=True,
    ),
    Command(parsing.UPLOAD, _admins_only(_upload_help), parsing.upload_arguments, admin=True),
)
BY_NAME = {command.name: command for command in COMMANDS}


def _follow_up(intent: Intent, ask: Ask) -> Reply:
    """A follow-up: after /foryou, "more" is its next page and "only movies" its movies;
    anything else continues the last list as :func:`~bot.chat.replies.discovery.follow_up_reply`
    does (a wish /foryou cannot keep to starts a list of its own)."""
    last = ask.last
    changes = slots_of(intent.args)
    if last is not None and last.for_you is not None and set(changes) <= {"type"}:
        _, item_type = slots_scope({**last.slots, **changes})
        if changes:
            return for_you_page(0, ask, item_type)
        if intent.args.get("more"):
            return for_you_page(last.offset + FOR_YOU_PAGE, ask, item_type)
    return follow_up_reply(intent, ask)


# Intents no command makes: what free text and the parser's verdicts are answered with.
_OTHER_REPLIES: dict[str, Replier] = {
    parsing.TITLE: named_or_described_reply,
    parsing.GREETING: greeting_reply,
    parsing.THANKS: thanks_reply,
    parsing.UNKNOWN_COMMAND: unknown_command_reply,
    parsing.FOLLOW_UP: _follow_up,
    parsing.FEEDBACK: feedback_reply,
}


def parse_message(
    text: str | None,
    registry: PlatformRegistry,
    bot_username: str | None = None,
    grammar: Grammar = GRAMMAR,
    titles: Titles | None = None,
) -> Intent:
    """The intent of one chat message; never raises.

    ``bot_username`` makes ``/command@OtherBot`` an ``ignore`` intent. ``titles``, the
    catalogue's (the engine), cut liked titles where they say and keep a title's words from
    being read as genres typed with a slip.

    >>> from recommender.platforms import Platform, PlatformRegistry
    >>> registry = PlatformRegistry([Platform("netflix", "n", "n.csv", "Netflix", ("nflx",))])
    >>> parse_message("/duracion netflix temporadas 2018", registry).args
    {'year': 2018, 'platform': 'netflix', 'duration_type': 'season'}
    >>> parse_message("/count@OtherBot netflix", registry, bot_username="StreamBot").name
    'ignore'
    """
    text = parsing.message_text(text)
    if not text:
        return Intent(parsing.EMPTY)
    if text.startswith("/") and len(text) > 1:
        return _parse_command(text, registry, bot_username, grammar, titles)
    return parsing.parse_free_text(text, registry, grammar, titles)


def _parse_command(
    text: str,
    registry: PlatformRegistry,
    bot_username: str | None,
    grammar: Grammar,
    titles: Titles | None,
) -> Intent:
    # Any whitespace ends the command name: a tab, a new line or a non-breaking space.
    head, rest = re.match(r"(\S*)(.*)", text[1:], re.DOTALL).groups()
    name, _, addressee = head.partition("@")
    if addressee and bot_username and fold(addressee) != fold(bot_username):
        return Intent(parsing.IGNORE)
    command = grammar.command_intent.get(fold(name))
    if command is None:
        return Intent(parsing.UNKNOWN_COMMAND, {"command": "/" + name[:32]})
    return parse_arguments(command, rest.strip(), registry, grammar, titles)


def parse_arguments(
    name: str,
    text: str,
    registry: PlatformRegistry,
    grammar: Grammar = GRAMMAR,
    titles: Titles | None = None,
) -> Intent:
    """The arguments of command ``name`` from the text after the command's name."""
    reading = parsing.Reading(registry, grammar, titles)
    return BY_NAME[name].parse(name, text[: parsing.MAX_MESSAGE_LENGTH], reading)


def answer(
    intent: Intent,
    engine: Engine,
    lang: str,
    bot_username: str | None = None,
    mine: Collection[str] = (),
    admin: AdminService | None = None,
    user: int | None = None,
    last: Discovering | None = None,
    taste: Taste | None = None,
    data: ChatData | None = None,
    group: bool = False,
    suggestions: Sequence[str] = (),
) -> Reply:
    """The reply to ``intent`` in ``lang``; never raises for any parsed intent.

    ``mine`` holds the chat's platforms (empty: all); recommendations, the longest title and
    new arrivals keep to them unless the request names a platform or asks for ``everywhere``.
    ``admin`` is given only once the front end knows ``user`` is an admin; ``last`` is the
    chat's last discovery, which a follow-up continues; ``taste`` its feedback on titles;
    ``data`` everything stored for it (for /mydata). ``group`` is set in a group, and
    ``suggestions`` holds the titles (record ids) suggested for its next movie night.
    """
    ask = Ask(
        engine,
        lang,
        mine,
        bot_username,
        admin,
        user,
        last,
        taste or Taste(),
        data,
        group=group,
        suggestions=tuple(suggestions),
    )
    if intent.problem is not None:
        missing = intent.name == parsing.RECOMMEND and intent.problem.code == "missing_title"
        picks = instead_of_a_title(ask) if missing else None
        return picks or problem_reply(intent, ask)
    command = BY_NAME.get(intent.name)
    reply = command.reply if command is not None else _OTHER_REPLIES.get(intent.name, empty_reply)
    return reply(intent, ask)


# Intents whose words say nothing of the writer's language: a title is in its own language.
_LANGUAGE_BLIND = frozenset({parsing.TITLE, parsing.IGNORE, parsing.EMPTY})


def reply_language(text: str | None, intent: Intent, lang: str) -> str:
    """The language to answer ``text`` in: the message's own when it is clearly written in
    one ("hola", "pelis de terror"), else ``lang``, the chat's. Commands and bare titles keep
    the chat's language."""
    if not text or text.lstrip().startswith("/") or intent.name in _LANGUAGE_BLIND:
        return lang
    # Titles are in their own language: "me gustaron The Office y Friends" is Spanish.
    for title in (*intent.args.get("like", ()), intent.args.get("title") or ""):
        text = _without(text, str(title))
    return parsing.detect_language(text) or lang


def _without(text: str, part: str) -> str:
    """``text`` without the first ``part`` in it as words of their own, case aside: "Star" is
    not taken out of "me gustaron"."""
    folded, wanted = text.lower(), part.lower()
    if not wanted or len(folded) != len(text):
        return text
    start = folded.find(wanted)
    while start >= 0:
        end = start + len(wanted)
        alone = not (start and folded[start - 1].isalnum())
        if alone and not (end < len(folded) and folded[end].isalnum()):
            return text[:start] + " " + text[end:]
        start = folded.find(wanted, start + 1)
    return text


def menu(lang: str, admin: bool = False) -> list[tuple[str, str]]:
    """Telegram's command menu in ``lang``: name and description of each command in it (the
    admin commands too, for an admin)."""
    return [
        entry
        for command in COMMANDS
        if command.menu and (admin or not command.admin)
        for entry in [command.menu_entry(lang)]
        if entry is not None
    ]
