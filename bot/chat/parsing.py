"""Message text → :class:`Intent`: which question, with which arguments, or what was wrong.

Arguments may come in any order where their kind tells them apart: a four-digit year, a
platform name or alias, a score from 0 to 10, ``movie``/``película``/``serie``,
``min``/``temporadas``. Words that only make a request read naturally ("on", "from", "en",
"mayor a") are skipped. Nothing here raises on any text; a bad argument becomes a
:class:`Problem` that the reply explains.

The words and ways of asking are language data (bot/chat/languages/), read into a
:class:`Grammar` that understands every language at once; the patterns' shapes are here. Each
function takes a grammar, ``GRAMMAR`` (the shipped languages) unless told otherwise.

>>> from recommender.platforms import Platform, PlatformRegistry
>>> registry = PlatformRegistry([Platform("netflix", "n", "n.csv", "Netflix", ("nflx",))])
>>> question_arguments("longest", "netflix temporadas 2018", Reading(registry)).args
{'year': 2018, 'platform': 'netflix', 'duration_type': 'season'}
>>> question_arguments("actor", "on netflix in 2019", Reading(registry)).args
{'year': 2019, 'platform': 'netflix'}
>>> parse_free_text("recomiéndame algo como Stranger Things", registry)
Intent(name='recommend', args={'title': 'Stranger Things'}, problem=None)

Free text that asks for a list of titles ("korean dramas on netflix", "only series") is read
by :mod:`bot.chat.understanding`, from the same language data; which command a message names
is :mod:`bot.chat.commands`' business.
"""

from __future__ import annotations

import datetime
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Required, TypedDict

from rapidfuzz import fuzz, process

from bot.chat import languages, understanding
from bot.chat.languages import Language, LanguageDataError, Languages, check_phrasing
from bot.chat.understanding import (
    PLATFORM_TYPO,
    TITLE_PLATFORM_TYPO,
    TYPO_MARGIN,
    Titles,
    closest_platform,
    platform_named,
)
from recommender.catalogue import FIRST_YEAR, LAST_YEAR
from recommender.matcher import CONFIDENT
from recommender.platforms import Platform, PlatformRegistry
from recommender.text import fold, normalize_title

# Intent names.
DISCOVER = "discover"
FOLLOW_UP = "follow_up"
RECOMMEND = "recommend"
INFO = "info"
TITLE = "title"
LONGEST = "longest"
SCORE_COUNT = "score_count"
COUNT = "count"
ACTOR = "actor"
COUNTRY = "country"
RATING = "rating"
HELP = "help"
START = "start"
LANG = "lang"
RELOAD = "reload"
WHERE = "where"
NEW = "new"
PLATFORMS = "platforms"
WHY = "why"
STATS = "stats"
VERSIONS = "versions"
ROLLBACK = "rollback"
UPLOAD = "upload"
MOVIE_NIGHT = "movienight"
SUGGEST = "suggest"
GREETING = "greeting"
THANKS = "thanks"
UNKNOWN_COMMAND = "unknown_command"
EMPTY = "empty"
IGNORE = "ignore"
FEEDBACK = "feedback"
WATCHLIST = "list"
FOR_YOU = "foryou"
MY_DATA = "mydata"
FORGET = "forget"


# Telegram's limit on a message's text. Longer text (from the console or the command line) is
# cut to it before parsing, so no text costs more to parse than a message can.
MAX_MESSAGE_LENGTH = 4096
# A message longer than this is not a title anyone typed on purpose.
MAX_TITLE_LENGTH = 200
# A country typed with a slip ("untied states") still counts when it is this close.
COUNTRY_TYPO = 85

# Ages the catalogue rates for ("13+"): a bare "16" means "16+".
_RATED_AGES = frozenset({7, 13, 16, 18})
# What the languages' word tables may name: the catalogue's types and length units, and the
# questions filler words belong to ("any" for every one; "age" around an age).
_TYPE_VALUES = frozenset({"movie", "tv show"})
_DURATION_VALUES = frozenset({"min", "season"})
# "question": around a catalogue question asked in plain words; "discover": in a request for a
# list, besides its slots.
_FILLER_KINDS = frozenset(
    {"any", LONGEST, SCORE_COUNT, COUNT, ACTOR, COUNTRY, RATING, "age", "question", "discover"}
)

# -- asking for recommendations ------------------------------------------------------------
# The shapes people ask in, filled with each language's phrasing fragments (``{like}`` is the
# fragment ``like``). A pattern with a ``title`` group asks for works like that title; one
# without asks for recommendations without saying like what, and gets asked for a title.
# ``noun`` can ask for a type ("recommend movies like X"). A shape is built for each language
# that has every fragment it names; the pieces in _pieces are built from several.
#
# Whitespace entered only at its start. Where text of any length comes before ("(?P<title>.+?)"),
# a bare "\s+" is tried from every position of a long run of spaces, each time to its end:
# time quadratic in the run. A match starting inside a run is also one from its start.
_GAP = r"(?<!\s)\s+"
# Free text, tried in order: requests with no title first (in every language), then with one.
_NO_TITLE_SHAPES = (
    r"^{polite}{recommend}{object}{to_watch_now}$",
    r"^{polite}{show}{pronoun_after_show}{some_object}{to_watch_now}$",
    r"^{asking}{asks_for_noun}{to_watch_now}$",
    r"^{watch}{tonight}$",
    r"^{anything_to_watch}$",
)
_TITLE_SHAPES = (
    r"^{polite}{recommend}{some_object}\s+(?:{like}|{after})\s+(?P<title>.+)$",
    r"^{polite}{recommend}{pronoun_after_recommend}\s+(?P<title>.+)$",
    r"^{polite}{show}{object}\s+{like}\s+(?P<title>.+)$",
    r"^(?:{some}\s+)*(?:{anything}|{more}|(?P<noun>{noun}))(?:\s+{else})?\s+{like}\s+(?P<title>.+)$",
    r"^{similar_to}\s+(?P<title>.+)$",
    r"^{asking}{asks_for_noun}\s+(?:{like}|{after}|{about})\s+(?P<title>.+)$",
    r"^(?P<title>.+?){gap}{asks_after_title}$",
    r"^{watch}{maybe_next}\s+{watch_for}\s+(?P<title>.+)$",
    r"^{what_is}\s+(?:(?:{what_thing}|(?P<noun>{noun}))\s+)?{what_like}\s+(?P<title>.+)$",
    r"^{liked}\s+(?P<title>.+?)(?:[,.;]?{gap}{then_asks}\b.*)?$",
)
# What follows /recommend: the command is the verb ("/recommend movies like toy story").
# Asking for "something" or "a movie" is asking without a title; "/recommend us" is a title.
_COMMAND_NO_TITLE_SHAPES = (r"^(?=.*\b(?:{anything}|{noun})\b){object}{to_watch_now}$",)
_COMMAND_TITLE_SHAPES = (r"^{some_object}\s+(?:{like}|{after})\s+(?P<title>.+)$",)
# Patterns of every language at once, from the fragments of all of them.
# "Where can I watch X?" / "¿Dónde puedo ver X?"
_WHERE_SHAPE = r"^(?:{where}\s+(?P<title>.+?)|{where_is}\s++(?P<streaming>.+?){gap}{streaming})$"
# "Is Friends on Netflix?" / "¿Está Friends en Netflix?": where a title streams, and whether
# on the platform named.
_AVAILABLE_SHAPE = r"^{available}\s++(?P<title>.+){gap}{on}\s+(?P<platform>\S.{{0,30}})$"
# "Tell me about Narcos" / "Háblame de Narcos": one title's card.
_ABOUT_TITLE_SHAPE = r"^{tell_about}\s++(?P<title>.+)$"
# "where toy story", as typed in inline mode.
_INLINE_WHERE_SHAPE = r"^/?{where_word}\s+(?P<title>.+)$"
# "… on Netflix" / "… en Netflix" at the end of a title asks for one platform.
_ON_PLATFORM_SHAPE = r"^(?P<title>.+){gap}{on}\s+(?P<platform>\S.{{0,30}})$"
# Between the two titles of /why. Starting only where a run of spaces starts, as _GAP does.
_WHY_SEPARATOR_SHAPE = r"(?<!\s)(?:\s*[|｜]\s*|\s+{versus}\s+)"
# Questions about the bot itself, on the folded message ("¿qué puedes hacer?" → "que puedes
# hacer").
_HELP_SHAPE = r"^(?:\?|/|{help})$"
# Spaces, punctuation and " please" (" por favor") at the end, matched on the reversed text
# from its start: a pattern anchored at the end is tried from every position of a long run of
# noise, in time quadratic in its length. Each alternative is a fixed word, and the loop is
# possessive, so no text is read twice.
_TRAILING_NOISE_SHAPE = r"(?:[\s?!.¿¡,;:…]|{please}\s)*+"
# The named groups of the shapes: a fragment adds none.
_GROUPS = frozenset({"noun", "title", "streaming", "platform"})
# The fragments a language may write; en.toml says what each is for.
_FRAGMENTS = frozenset(
    {
        *("noun", "pronoun", "quantity", "polite", "recommend", "show", "like", "after"),
        *("to_watch", "now", "next", "asking", "asks", "asks_of", "about", "watch", "watch_for"),
        *("anything", "anything_to_watch", "some", "more", "else", "similar_to"),
        *("what_is", "what_thing", "what_like", "liked", "then_asks"),
        *("where", "where_is", "streaming", "where_word", "on", "versus", "help", "how_many"),
        *("available", "tell_about"),
        *(f"question_{intent}" for intent in (NEW, LONGEST, SCORE_COUNT, COUNT, ACTOR)),
        *(f"question_{intent}" for intent in (COUNTRY, RATING, STATS)),
    }
)
# The catalogue questions asked in plain words ("how many movies does netflix have"), in the
# order they are tried: each is tried when its fragment ``question_<intent>`` is in the
# message, on the words the fragment leaves, and taken when it understands all of them.
_PLAIN_QUESTIONS = (NEW, LONGEST, ACTOR, RATING, COUNT, SCORE_COUNT, COUNTRY, STATS)


def _pieces(phrasing: Mapping[str, str], tonight: str) -> dict[str, str]:
    """One language's fragments as the shapes use them, and the pieces built from several;
    ``tonight`` is every language's ``now`` and ``next`` ("what should I watch hoy")."""
    pieces = {name: f"(?:{fragment})" for name, fragment in phrasing.items()}
    pieces.update(tonight=tonight, gap=_GAP)
    pronoun = pieces.get("pronoun")
    pieces["pronoun_after_show"] = rf"\s+{pronoun}" if pronoun else ""
    pieces["pronoun_after_recommend"] = rf"(?:\s+{pronoun})?" if pronoun else ""
    if "quantity" in pieces and "noun" in pieces:
        quantity, noun = pieces["quantity"], pieces["noun"]
        pieces["object"] = (
            pieces["pronoun_after_recommend"] + rf"(?:\s+{quantity})*(?:\s+(?P<noun>{noun}))?"
        )
        # Something before "like" ("recommend something like X"): a bare "like" starts titles
        # such as "Like Crazy".
        first = "|".join(piece for piece in (pronoun, quantity, noun) if piece)
        pieces["some_object"] = rf"(?=\s+(?:{first})\b){pieces['object']}"
    pieces["maybe_next"] = rf"(?:\s+{pieces['next']})?" if "next" in pieces else ""
    pieces["to_watch_now"] = "".join(
        rf"(?:\s+{pieces[name]})?" for name in ("to_watch", "now") if name in pieces
    )
    if "asks" in pieces and "noun" in pieces:
        asks, noun = pieces["asks"], pieces["noun"]
        if "asks_of" in pieces:
            pieces["asks_for_noun"] = rf"{asks}(?:\s+{pieces['asks_of']}\s+(?P<noun>{noun}))?"
        else:
            pieces["asks_for_noun"] = rf"(?:(?P<noun>{noun})\s+)?{asks}"
            pieces["asks_after_title"] = asks
    return pieces


def _filled(shapes: Iterable[str], pieces: Mapping[str, str]) -> list[str]:
    """The ``shapes`` that ``pieces`` has every piece of, filled with them."""
    return [
        shape.format_map(pieces)
        for shape in shapes
        if {name for _, name, _, _ in string.Formatter().parse(shape) if name} <= pieces.keys()
    ]


def _alternatives(languages: Languages, name: str) -> str:
    """The fragment ``name`` of every language that has it, as one group; one that matches
    nothing when none has it."""
    fragments = [language.phrasing[name] for language in languages if name in language.phrasing]
    return "(?:" + "|".join(fragments) + ")" if fragments else "(?!)"


def _compile(pattern: str, flags: int, languages: Languages) -> re.Pattern[str]:
    """``pattern``, compiled; when a fragment breaks it, the error names the fragment."""
    try:
        compiled = re.compile(pattern, flags)
    except re.error as error:
        compiled, problem = None, str(error)
    if compiled is not None:
        if set(compiled.groupindex) <= _GROUPS and compiled.groups == len(compiled.groupindex):
            return compiled
        problem = "a fragment holds a capturing group"
    for language in languages:
        check_phrasing(language)
    first = next(iter(languages))
    raise LanguageDataError(first.source, "phrasing", f"{problem}, in /{pattern[:80]}/")


def _merged(
    tables: Iterable[tuple[Language | None, str, Mapping[str, str]]],
) -> dict[str, str]:
    """One table from several (language, key, table); a word given two meanings is an error."""
    merged: dict[str, str] = {}
    for language, key, table in tables:
        for word, meaning in table.items():
            if merged.setdefault(word, meaning) != meaning:
                problem = f"{word!r} means {meaning!r} here and {merged[word]!r} before"
                raise LanguageDataError(language.source, key, problem)
    return merged


def _letters(text: str) -> str:
    """Only the letters: "EE. UU." and "eeuu" are the same name."""
    return re.sub(r"[^a-z]", "", text)


class Grammar:
    """What the parser understands, from the words and phrasing of every language of a
    :class:`~bot.chat.languages.Languages`: a message may be in any of them, whatever the
    chat's language.

    The parser's functions take one; ``GRAMMAR`` is the one of bot/chat/languages/.
    """

    def __init__(self, languages: Languages) -> None:
        self.commands = self._commands(languages)
        self.command_intent = {
            name: intent for intent, names in self.commands.items() for name in names
        }
        self.languages = _merged(
            (language, "language.names", dict.fromkeys(language.names, language.code))
            for language in languages
        )
        self.types = self._meanings(languages, "types", _TYPE_VALUES)
        self.durations = self._meanings(languages, "durations", _DURATION_VALUES)
        self.ratings = self._meanings(languages, "ratings", None)
        fillers = self._fillers(languages)
        # Words that make a request read naturally but carry no argument ("/count on netflix",
        # "/actor netflix en 2019", "/puntaje netflix mayor a 7 en 2015").
        self.fillers = fillers["any"]
        self.question_fillers = {
            intent: fillers["any"] | fillers[intent]
            for intent in (LONGEST, SCORE_COUNT, COUNT, ACTOR)
        }
        # Words around a country ("/country movies from the united states in 2019"), and
        # around an age rating ("/rating rated pg-13", "/clasificacion para mayores de 18").
        self.country_fillers = fillers[COUNTRY]
        self.rating_fillers = fillers[RATING]
        # Around an age ("mayores de 18", "18 and up"): the rating for that age and older.
        self.age_words = fillers["age"]
        # Around a catalogue question in plain words ("how many", "does", "have").
        self.plain_question_fillers = fillers["question"]
        # The words of requests for lists of titles, in every language.
        self.vocabulary = understanding.Vocabulary(languages)
        self.all_words = frozenset().union(*(language.words.all for language in languages))
        self.greetings = frozenset().union(*(language.words.greetings for language in languages))
        self.thanks = frozenset().union(*(language.words.thanks for language in languages))
        self.pick = frozenset().union(*(language.words.pick for language in languages))
        # Words of chatter around a title ("i like", "what about"), as titles are normalised.
        self.everyday = frozenset(
            word
            for language in languages
            for phrase in language.everyday
            for word in normalize_title(phrase).split()
        )
        # Streaming services people name that this bot does not cover: "/recommend X on hbo"
        # gets "not one of my platforms" instead of a search for the title "X on hbo".
        self.uncovered_platforms = languages.common.uncovered_platforms
        self._countries(languages)
        self._patterns(languages)

    @staticmethod
    def _commands(languages: Languages) -> dict[str, tuple[str, ...]]:
        """Every command's names. The default language and common.toml name every command
        there is (bot.chat.commands checks them against its registry); another language may
        name only those."""
        known = list(
            dict.fromkeys([*languages[languages.default].commands, *languages.common.commands])
        )
        for source in languages:
            for command in source.commands:
                if command not in known:
                    raise LanguageDataError(source.source, f"commands.{command}", "no such command")
        return {command: languages.all_command_names(command) for command in known}

    @staticmethod
    def _meanings(
        languages: Languages, table: str, meanings: frozenset[str] | None
    ) -> dict[str, str]:
        """The word table ``table`` of every language: word → what it means."""
        for language in languages:
            for meaning in getattr(language.words, table).values():
                if meanings is not None and meaning not in meanings:
                    problem = f"{meaning!r} is not one of " + ", ".join(sorted(meanings))
                    raise LanguageDataError(language.source, f"words.{table}", problem)
        return _merged(
            (language, f"words.{table}", getattr(language.words, table)) for language in languages
        )

    @staticmethod
    def _fillers(languages: Languages) -> dict[str, frozenset[str]]:
        fillers = dict.fromkeys(_FILLER_KINDS, frozenset())
        for language in languages:
            for kind, words in language.words.fillers.items():
                if kind not in fillers:
                    problem = "not a kind of question: " + ", ".join(sorted(_FILLER_KINDS))
                    raise LanguageDataError(language.source, f"words.fillers.{kind}", problem)
                fillers[kind] |= words
        return fillers

    def _countries(self, languages: Languages) -> None:
        """Every way people name a catalogue country, folded, to its catalogue name (lowercase
        English): that name, and each language's name and aliases for it."""
        catalogue = {country: country for language in languages for country in language.countries}
        tables: list[tuple[Language | None, str, Mapping[str, str]]] = [(None, "", catalogue)]
        for language in languages:
            named = {fold(name): country for country, name in language.countries.items()}
            tables.append((language, "countries.names", named))
            aliases = {
                alias: country
                for country, aliases in language.country_aliases.items()
                for alias in aliases
            }
            tables.append((language, "countries.aliases", aliases))
        self.country_aliases = _merged(tables)
        self.known_countries = frozenset(self.country_aliases.values())
        self.country_by_letters = {
            _letters(alias): country for alias, country in self.country_aliases.items()
        }
        # The longest alias, in words: longer spans of a message are never a country.
        self.country_words = max((len(alias.split()) for alias in self.country_aliases), default=1)

    def _patterns(self, languages: Languages) -> None:
        for language in languages:
            for name in language.phrasing.keys() - _FRAGMENTS:
                problem = "not a fragment the parser uses"
                raise LanguageDataError(language.source, f"phrasing.{name}", problem)
        now = [
            language.phrasing[name]
            for language in languages
            for name in ("now", "next")
            if name in language.phrasing
        ]
        tonight = rf"(?:\s+(?:{'|'.join(now)}))?" if now else ""
        pieces = [_pieces(language.phrasing, tonight) for language in languages]

        def each(*shape_lists: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
            """Every language's patterns of one list of shapes, then of the next list."""
            return tuple(
                _compile(pattern, re.IGNORECASE | re.DOTALL, languages)
                for shapes in shape_lists
                for language_pieces in pieces
                for pattern in _filled(shapes, language_pieces)
            )

        self.requests = each(_NO_TITLE_SHAPES, _TITLE_SHAPES)
        self.command_requests = each(_COMMAND_NO_TITLE_SHAPES, _COMMAND_TITLE_SHAPES)
        shared = {
            name: _alternatives(languages, name)
            for name in (
                *("where", "where_is", "streaming", "where_word", "on", "versus", "help"),
                *("available", "tell_about"),
            )
        }
        # "por favor" reversed is "rovaf\s++rop".
        please = [
            r"\s++".join(re.escape(word) for word in phrase[::-1].split())
            for language in languages
            for phrase in language.words.please
        ]
        shared.update(gap=_GAP, please="(?:" + "|".join(please) + ")" if please else "(?!)")

        def one(shape: str, flags: int) -> re.Pattern[str]:
            return _compile(shape.format_map(shared), flags, languages)

        self.where = one(_WHERE_SHAPE, re.IGNORECASE | re.DOTALL)
        self.available = one(_AVAILABLE_SHAPE, re.IGNORECASE | re.DOTALL)
        self.about_title = one(_ABOUT_TITLE_SHAPE, re.IGNORECASE | re.DOTALL)
        self.inline_where = one(_INLINE_WHERE_SHAPE, re.IGNORECASE | re.DOTALL)
        self.on_platform = one(_ON_PLATFORM_SHAPE, re.IGNORECASE | re.DOTALL)
        self.why_separator = one(_WHY_SEPARATOR_SHAPE, re.IGNORECASE)
        self.help = one(_HELP_SHAPE, 0)
        self.trailing_noise = one(_TRAILING_NOISE_SHAPE, re.IGNORECASE)
        # Searched in the folded message, so a fragment need not spell accents or capitals.
        self.questions = tuple(
            (intent, _compile(fragment, re.IGNORECASE, languages))
            for intent in _PLAIN_QUESTIONS
            for fragment in [_alternatives(languages, f"question_{intent}")]
            if fragment != "(?!)"
        )


GRAMMAR = Grammar(languages.BUILTIN)
# Every command name, in every language and the original project's, per intent.
COMMANDS = GRAMMAR.commands

# Patterns no language has words in.
# "Toy Story 2 (1999)" and "The Office 2005": the year picks between works of one title.
_TITLE_YEAR = re.compile(r"^(?P<title>.*?\S)(?:\s*\((?P<paren>\d{4})\)|\s+(?P<bare>\d{4}))$")
_QUOTES = "\"'“”‘’«»`"
_LEADING_NOISE = re.compile(r"^[\s¿¡]+")
# Words are split at spaces, semicolons and commas, except a decimal comma as in "7,5".
_WORD_SEPARATOR = re.compile(r"[\s;]+|,(?!\d)")
# Punctuation around an argument word ("Netflix.", "¿netflix?"), but not "disney+" or "pg-13".
_WORD_EDGES = _QUOTES + ".,;:!?¿¡…()[]{}"
# The shapes of the catalogue's age ratings: "pg-13", "tv-ma", "16+", "nr".
_CATALOGUE_RATING = re.compile(r"(?:tv-)?(?:g|pg|pg-13|r|nc-17|ma|14|y|y7|y7-fv|nr)|\d{1,2}\+|all")
# Invisible characters that people paste between words.
_INVISIBLE_SPACES = str.maketrans({"\u200b": " ", "\u2060": " ", "\ufeff": " "})


@dataclass(frozen=True)
class Problem:
    """What was wrong with a message's arguments: a ``code`` and the offending text."""

    code: str
    value: str = ""


# -- each intent's arguments ------------------------------------------------------------------
# Dicts, so that an intent reads and prints as what was asked, with a declared type per intent
# that Intent checks: a misspelt or missing argument fails where the intent is made.
class TitleArgs(TypedDict, total=False):
    """``recommend``, ``info``, ``where`` and a bare ``title``: a typed title (with a year, a
    platform and a kind), or a button's record, page and filters."""

    title: str
    year: int
    platform: str
    platform_letter: str
    item_type: str
    record_id: str
    offset: int
    everywhere: bool


class WhyArgs(TypedDict):
    title: str
    year: int | None
    other: TitleArgs


# The four questions read any of these words; each needs some of them.
class LongestArgs(TypedDict, total=False):
    year: int
    platform: str
    score: float
    duration_type: str
    everywhere: bool


# Spelt out as calls: under ``from __future__ import annotations`` a class body's
# ``Required[...]`` is a string, which TypedDict does not read as required.
ScoreCountArgs = TypedDict(  # noqa: UP013
    "ScoreCountArgs",
    {
        "platform": Required[str],
        "score": Required[float],
        "year": Required[int],
        "duration_type": str,
    },
    total=False,
)
CountArgs = TypedDict(  # noqa: UP013
    "CountArgs",
    {"platform": Required[str], "year": int, "score": float, "duration_type": str},
    total=False,
)
ActorArgs = TypedDict(  # noqa: UP013
    "ActorArgs",
    {"platform": Required[str], "year": Required[int], "score": float, "duration_type": str},
    total=False,
)


class CountryArgs(TypedDict):
    item_type: str
    country: str
    year: int


class RatingArgs(TypedDict):
    rating: str


class PlatformArgs(TypedDict, total=False):
    """``new`` and ``stats``: one platform, by name or by a button's letter."""

    platform: str
    platform_letter: str
    everywhere: bool


class PlatformsArgs(TypedDict, total=False):
    """The chat's platforms: all of them chosen at once, or one toggled by a button."""

    platforms: tuple[str, ...]
    toggle: str | None


class LanguageArgs(TypedDict):
    language: str


class UploadArgs(TypedDict, total=False):
    """A captioned file's platform and display name, or a staged upload's button."""

    platform: str
    display_name: str
    token: str
    apply: bool


class UnknownCommandArgs(TypedDict):
    command: str


class SlotArgs(TypedDict, total=False):
    """The slots of a request for a list of titles; every one is optional.

    ``genres`` and ``not_genres`` are the catalogue's genre names ("science fiction"),
    ``platforms`` registry names, ``type`` "movie" or "tv", ``countries`` the catalogue's
    country names ("South Korea"), ``audience`` "kids", ``sort`` "score" or "newest".
    ``recent`` asks for the catalogue's last :data:`~bot.chat.understanding.RECENT_YEARS`
    release years, which only the catalogue knows. ``like`` holds liked titles as typed (the
    reply matches them), ``about`` the topic or plot words, and ``text`` the whole message,
    so the reply can prefer a title it names exactly ("Scary Movie", "Best of the Best").
    """

    genres: tuple[str, ...]
    not_genres: tuple[str, ...]
    platforms: tuple[str, ...]
    type: str
    year_min: int
    year_max: int
    recent: bool
    max_minutes: int
    max_seasons: int
    countries: tuple[str, ...]
    audience: str
    sort: str
    like: tuple[str, ...]
    about: str
    text: str


class DiscoverArgs(SlotArgs, total=False):
    """``discover``: a request for a list, and the page asked for; ``shorter`` or ``newer``
    than the liked titles ("like friends but newer")."""

    offset: int
    shorter: bool
    newer: bool


class FollowUpArgs(SlotArgs, total=False):
    """``follow_up``: what a message changes in the chat's last list: the slots it names,
    ``more`` for the next results, ``shorter`` or ``newer`` than the last ones; from a
    button, the stored state's ``stamp`` and the ``refine`` asked for."""

    more: bool
    shorter: bool
    newer: bool
    stamp: str


class FeedbackArgs(TypedDict):
    """``feedback``, from a button: the record pressed and the action (``bot.chat.taste``)."""

    record_id: str
    action: str


class WatchlistArgs(SlotArgs, total=False):
    """``list``: the page of the watchlist from ``offset``; with ``pick``, one title of it
    chosen at random among those that meet the slots; from a button, ``remove`` a record."""

    offset: int
    pick: bool
    remove: str


class ForYouArgs(TypedDict, total=False):
    """``foryou``: the page from ``offset``, of ``item_type`` ("movie" or "tv show") only."""

    offset: int
    item_type: str


class ForgetArgs(TypedDict, total=False):
    """``forget``: ``confirm`` once the button says so (True) or calls it off (False)."""

    confirm: bool


class NoArgs(TypedDict):
    pass


ARGUMENTS: dict[str, type[Mapping[str, object]]] = {
    **dict.fromkeys((RECOMMEND, INFO, WHERE, TITLE), TitleArgs),
    WHY: WhyArgs,
    LONGEST: LongestArgs,
    SCORE_COUNT: ScoreCountArgs,
    COUNT: CountArgs,
    ACTOR: ActorArgs,
    COUNTRY: CountryArgs,
    RATING: RatingArgs,
    **dict.fromkeys((NEW, STATS), PlatformArgs),
    PLATFORMS: PlatformsArgs,
    LANG: LanguageArgs,
    UPLOAD: UploadArgs,
    UNKNOWN_COMMAND: UnknownCommandArgs,
    DISCOVER: DiscoverArgs,
    FOLLOW_UP: FollowUpArgs,
    FEEDBACK: FeedbackArgs,
    WATCHLIST: WatchlistArgs,
    FOR_YOU: ForYouArgs,
    FORGET: ForgetArgs,
    MOVIE_NIGHT: DiscoverArgs,
    SUGGEST: TitleArgs,
}


@dataclass(frozen=True)
class Intent:
    """What a message asks for: an intent name, its arguments (of the intent's type in
    :data:`ARGUMENTS`), and any problem with them (then there may be no arguments)."""

    name: str
    args: Mapping[str, object] = field(default_factory=dict)
    problem: Problem | None = None

    def __post_init__(self) -> None:
        kind = ARGUMENTS.get(self.name, NoArgs)
        unknown = self.args.keys() - kind.__required_keys__ - kind.__optional_keys__
        missing = set() if self.problem else kind.__required_keys__ - self.args.keys()
        if unknown or missing:
            raise TypeError(
                f"{self.name} takes {kind.__name__}: unknown {sorted(unknown)}, "
                f"missing {sorted(missing)}"
            )


def message_text(text: str | None) -> str:
    """A message as the parser reads it: cut to Telegram's limit, with invisible spaces as
    spaces, stripped."""
    return (text or "")[:MAX_MESSAGE_LENGTH].translate(_INVISIBLE_SPACES).strip()


# -- command arguments: each command's reader in the registry (bot.chat.commands) ------------
# Every reader has one shape: the command's intent name, the text after the command's name,
# and what the message is read with.
@dataclass(frozen=True)
class Reading:
    """What a message is read with: the platforms the catalogue knows, the grammar of the
    languages understood and, when known, the catalogue's titles (liked titles in a request
    are cut where they say)."""

    registry: PlatformRegistry
    grammar: Grammar = GRAMMAR
    titles: Titles | None = None


ArgumentParser = Callable[[str, str, Reading], Intent]


def no_arguments(name: str, text: str, reading: Reading) -> Intent:
    return Intent(name)


def recommend_arguments(name: str, text: str, reading: Reading) -> Intent:
    """A title, or a whole request ("/recommend something like coco on disney")."""
    if text and len(text) <= MAX_TITLE_LENGTH * 2:
        body = " " + _strip_noise(text, reading.grammar).strip()
        request = _request(
            reading.grammar.command_requests, body, reading.registry, reading.grammar
        )
        if request is not None:
            return request
    return _title_intent(name, text, reading.registry, reading.grammar, with_filters=True)


def title_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _title_intent(name, text, reading.registry, reading.grammar, with_filters=False)


def why_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _why(text, reading.registry, reading.grammar)


def platform_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _one_platform(name, text, reading.registry, reading.grammar)


def platforms_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _platforms(text, reading.registry, reading.grammar)


def upload_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _upload(text)


def language_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _language(text, reading.grammar)


def question_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _catalogue_question(name, text, reading.registry, reading.grammar)


def country_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _country(text, reading.grammar)


def rating_arguments(name: str, text: str, reading: Reading) -> Intent:
    return _rating(text, reading.grammar)


# How the catalogue questions asked in plain words read the words the question leaves.
_QUESTION_READERS: dict[str, ArgumentParser] = {
    **dict.fromkeys((NEW, STATS), platform_arguments),
    **dict.fromkeys((LONGEST, SCORE_COUNT, COUNT, ACTOR), question_arguments),
    COUNTRY: country_arguments,
    RATING: rating_arguments,
}


def discover_arguments(name: str, text: str, reading: Reading) -> Intent:
    """``/find``: whatever follows is a request for a list; words that fill no slot are its
    topic, so ``/find toy story`` searches for it (and ``text`` lets the reply prefer the
    title)."""
    body = _strip_noise(text, reading.grammar)
    if not body:
        return Intent(DISCOVER, problem=Problem("missing_request"))
    understood = understanding.understand(
        body, reading.registry, reading.grammar.vocabulary, reading.titles
    )
    if understood.uncovered is not None:
        return Intent(DISCOVER, problem=Problem("uncovered_platform", understood.uncovered[:30]))
    args = {key: value for key, value in understood.args.items() if key in _DISCOVER_KEYS}
    if "about" not in args and understood.rest:
        args["about"] = understood.rest
    if not args:
        return Intent(DISCOVER, problem=Problem("missing_request"))
    return Intent(DISCOVER, {**args, "text": body})


def watchlist_arguments(name: str, text: str, reading: Reading) -> Intent:
    """``/list``, or ``/list pick [what you want]``: a pick word first, then any wish a
    discovery takes ("/list pick comedy")."""
    words = fold(text).split()
    head = next(
        (
            n
            for n in range(min(len(words), 3), 0, -1)
            if " ".join(words[:n]) in reading.grammar.pick
        ),
        0,
    )
    if not head:
        return Intent(WATCHLIST)
    rest = " ".join(text.split()[head:])
    if not rest:
        return Intent(WATCHLIST, {"pick": True})
    wish = discover_arguments(DISCOVER, rest, reading)
    if wish.problem is not None:
        return Intent(WATCHLIST, problem=wish.problem)
    slots = {key: value for key, value in wish.args.items() if key in SlotArgs.__optional_keys__}
    slots.pop("text", None)
    return Intent(WATCHLIST, {"pick": True, **slots})


# -- movie night ----------------------------------------------------------------------------------
def movie_night_arguments(name: str, text: str, reading: Reading) -> Intent:
    """``/movienight``: what the group wants, read as ``/find`` reads it; nothing asked for is
    no problem: anything good."""
    wanted = discover_arguments(DISCOVER, text, reading)
    if wanted.problem is not None and wanted.problem.code == "missing_request":
        return Intent(name)
    return Intent(name, wanted.args, wanted.problem)


def suggest_arguments(name: str, text: str, reading: Reading) -> Intent:
    """``/suggest``: a title, as ``/info`` reads one. Without one the answer says how to give
    it, with no prompt: an answer to a prompt is read as a title to recommend from."""
    intent = title_arguments(name, text, reading)
    if intent.problem is not None and intent.problem.code == "missing_title":
        return Intent(name, problem=Problem("missing_suggestion"))
    return intent


def parse_free_text(
    text: str,
    registry: PlatformRegistry,
    grammar: Grammar = GRAMMAR,
    titles: Titles | None = None,
) -> Intent:
    """A message that is not a command: a greeting, a question about the bot or the
    catalogue, a request for a list of titles or a follow-up to the last one, a request for
    similar titles, or a title (with "on <platform>" and a year if given).

    A message that names a genre, a mood, a country, an audience, an order, a length or
    years in words asks for a list, whatever else it holds: the reply looks for an exact
    title in ``text`` first ("Scary Movie"). One that names only a platform, a type or a
    year beside other words is read as before, as a title or a request.
    """
    text = text[:MAX_MESSAGE_LENGTH]
    body = _strip_noise(text, grammar)
    folded = " ".join(fold(body).split())
    if folded in grammar.greetings:
        return Intent(GREETING)
    if folded in grammar.thanks:
        return Intent(THANKS)
    if not folded or grammar.help.match(folded):
        return Intent(HELP)
    short = len(text) <= MAX_TITLE_LENGTH * 2
    if short:
        where = grammar.where.match(body)
        if where is not None:
            title = where.group("title") or where.group("streaming")
            return _title_intent(WHERE, title, registry, grammar, with_filters=False)
        named = _available(body, registry, grammar, titles) or _about_title(
            body, registry, grammar, titles
        )
        if named is not None:
            return named
        question = _plain_question(folded, registry, grammar)
        if question is not None:
            return question
    understood = understanding.understand(body, registry, grammar.vocabulary, titles)
    if understood.strong:
        return _list_intent(understood, body)
    if short:
        request = _request(grammar.requests, body, registry, grammar)
        if request is not None:
            return request
    # One liked title, and a question ("I just finished X, what next?"): recommendations like
    # it, as "like X" gets. Without the question the message may be a title ("I Love Lucy").
    # Without it, so is a message that names a title only in the liked part ("I like the
    # mandalorian"), and not as a whole.
    liked = understood.args.get("like", ())
    only_liked = not understood.rest and liked and understood.args.keys() <= _LIKED
    if only_liked and (understood.asks or _names_only(liked[0], text, titles, grammar)):
        return _liked_intent(liked[0], understood.args, registry, grammar)
    if understood.listing and not (liked and understood.args.keys() <= _LIKED):
        return _list_intent(understood, body)
    # "la serie de pablo escobar", "the movie with the shark": a type, then words that name
    # no title, asks for a list about them; "la peli de toy story" names its title. A whole
    # message that names a title ("Scary Movie") stays one.
    if (
        titles is not None
        and understood.rest
        and understood.args.keys() == {"type"}
        and titles.title_confidence(text) < CONFIDENT
    ):
        if titles.title_confidence(understood.rest) >= CONFIDENT:
            return _title_intent(TITLE, understood.rest, registry, grammar, with_filters=True)
        return Intent(DISCOVER, {**understood.args, "about": understood.rest, "text": body})
    intent = _title_intent(TITLE, text, registry, grammar, with_filters=True)
    if titles is not None and intent.problem is None:
        title = _title_in_sentence(str(intent.args["title"]), titles, grammar)
        if title is not None:
            return Intent(TITLE, {**intent.args, "title": title})
    return intent


def _title_in_sentence(text: str, titles: Titles, grammar: Grammar) -> str | None:
    """The title a sentence names among everyday words ("what about the mandalorian"), when
    the whole of ``text`` names none; ``None`` when it names one, or none that way."""
    runs = titles.titles_within(text)
    words = normalize_title(text).split()
    if not runs or runs[0] == " ".join(words) or titles.title_confidence(text) >= CONFIDENT:
        return None
    for run in runs:
        if everyday(run, grammar):
            continue  # "what about it" is not about the film *It*
        named = run.split()
        start = next(i for i in range(len(words)) if words[i : i + len(named)] == named)
        rest = words[:start] + words[start + len(named) :]
        if everyday(" ".join(rest), grammar):
            return run
    return None


_DISCOVER_KEYS = DiscoverArgs.__optional_keys__
# What recommendations like one title take besides it.
_LIKED = frozenset({"like", "platforms", "type"})
_FOLLOW_UP_KEYS = FollowUpArgs.__optional_keys__


def _list_intent(understood: understanding.Understanding, body: str) -> Intent:
    """A request for a list, or a follow-up to the last one."""
    intent, keys = (
        (FOLLOW_UP, _FOLLOW_UP_KEYS) if understood.follow_up else (DISCOVER, _DISCOVER_KEYS)
    )
    args = {key: value for key, value in understood.args.items() if key in keys}
    if understood.uncovered is not None:
        return Intent(intent, problem=Problem("uncovered_platform", understood.uncovered[:30]))
    return Intent(intent, {**args, "text": body})


def _names_only(part: str, text: str, titles: Titles | None, grammar: Grammar) -> bool:
    """Whether ``part`` of ``text`` surely names a title and the whole ``text`` does not;
    not everyday words ("I like you" is not about the series *You*)."""
    return (
        titles is not None
        and not everyday(part, grammar)
        and titles.title_confidence(part) >= CONFIDENT
        and titles.title_confidence(text) < CONFIDENT
    )


def everyday(text: str, grammar: Grammar = GRAMMAR) -> bool:
    """Whether every word of ``text`` is an everyday word, which a title alone can't be told
    from ("you", "it")."""
    return all(word in grammar.everyday for word in normalize_title(text).split())


def _available(
    text: str, registry: PlatformRegistry, grammar: Grammar, titles: Titles | None
) -> Intent | None:
    """ "Is friends on netflix?": where a title streams, asked of one platform; ``None`` when
    ``text`` does not ask so of a title the catalogue surely has, or knows it does not
    ("is there anything funny on netflix" names none)."""
    asked = grammar.available.match(text)
    if asked is None or titles is None:
        return None
    platform = platform_named(
        _clean_title(asked.group("platform"), grammar), registry, TITLE_PLATFORM_TYPO
    )
    if platform is None:
        return None
    intent = _title_intent(WHERE, asked.group("title"), registry, grammar, with_filters=False)
    title = str(intent.args.get("title", ""))
    if intent.problem is not None or titles.title_confidence(title, carried=False) < CONFIDENT:
        return None
    return Intent(WHERE, {**intent.args, "platform": platform.name})


def _about_title(
    text: str, registry: PlatformRegistry, grammar: Grammar, titles: Titles | None
) -> Intent | None:
    """ "Tell me about narcos": the card of a title the catalogue surely has; ``None`` for
    words that name none ("tell me about a heist in spain" is a wish)."""
    asked = grammar.about_title.match(text)
    if asked is None or titles is None:
        return None
    intent = _title_intent(INFO, asked.group("title"), registry, grammar, with_filters=False)
    if intent.problem is not None or titles.title_confidence(str(intent.args["title"])) < CONFIDENT:
        return None
    return intent


def _liked_intent(
    title: str, args: Mapping[str, object], registry: PlatformRegistry, grammar: Grammar
) -> Intent:
    """Recommendations like the one title a message says it liked ("I just finished
    stranger things, what next?"), on the platform and of the type it names."""
    intent = _title_intent(RECOMMEND, title, registry, grammar, with_filters=True)
    if intent.problem is not None:
        return intent
    extra: dict[str, object] = {}
    platforms = args.get("platforms", ())
    if platforms and "platform" not in intent.args:
        extra["platform"] = platforms[0]
    if args.get("type"):
        extra["item_type"] = "movie" if args["type"] == "movie" else "tv show"
    return Intent(RECOMMEND, {**intent.args, **extra})


def _plain_question(folded: str, registry: PlatformRegistry, grammar: Grammar) -> Intent | None:
    """A catalogue question asked in plain words: the first whose words are all understood,
    else the first that understood them all but lacks an argument ("how many movies" lacks
    the platform); ``None`` when the message asks none."""
    folded = folded.replace("’", "'")
    lacking = None
    for intent, pattern in grammar.questions:
        match = pattern.search(folded)
        if match is None:
            continue
        rest = f"{folded[: match.start()]} {folded[match.end() :]}"
        words = [w for w in _words(rest) if w not in grammar.plain_question_fillers]
        command = _QUESTION_READERS[intent]
        asked = command(intent, " ".join(words), Reading(registry, grammar))
        if asked.problem is None and _answerable(asked, grammar):
            return asked
        if lacking is None and _lacks_only(asked):
            lacking = asked
    return lacking


def _answerable(intent: Intent, grammar: Grammar) -> bool:
    """Whether a question read from plain words names what its reply can look up: a known
    country, an age rating the catalogue writes."""
    if intent.name == COUNTRY:
        return intent.args["country"] in grammar.known_countries
    if intent.name == RATING:
        rating = str(intent.args["rating"])
        return rating in grammar.ratings.values() or bool(_CATALOGUE_RATING.fullmatch(rating))
    return True


def _lacks_only(intent: Intent) -> bool:
    """Whether the questions that read every word (they report unknown words first) lack
    only an argument."""
    problem = intent.problem
    return (
        problem is not None
        and intent.name in (LONGEST, SCORE_COUNT, COUNT, ACTOR)
        and problem.code in ("missing_platform", "missing_year", "missing_score")
    )


def _strip_noise(text: str, grammar: Grammar) -> str:
    """``text`` without the punctuation and "please" around what it asks."""
    return _strip_trailing_noise(_LEADING_NOISE.sub("", text), grammar)


def _strip_trailing_noise(text: str, grammar: Grammar) -> str:
    """``text`` without the punctuation, spaces and "please" it ends with.

    >>> [_strip_trailing_noise(text, GRAMMAR) for text in ("Up, please?? ", "Heat por  favor!")]
    ['Up', 'Heat']
    """
    return text[: len(text) - grammar.trailing_noise.match(text[::-1]).end()]


def _request(
    patterns: Iterable[re.Pattern[str]], text: str, registry: PlatformRegistry, grammar: Grammar
) -> Intent | None:
    """A recommendation request in one of ``patterns``, or ``None``."""
    for pattern in patterns:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        if not groups.get("title"):
            return Intent(RECOMMEND, problem=Problem("missing_title"))
        intent = _title_intent(RECOMMEND, groups["title"], registry, grammar, with_filters=True)
        noun = groups.get("noun")
        item_type = grammar.types.get(fold(" ".join(noun.split()))) if noun else None
        if item_type and intent.problem is None:
            return Intent(RECOMMEND, {**intent.args, "item_type": item_type})
        return intent
    return None


def _clean_title(text: str, grammar: Grammar) -> str:
    title = _strip_trailing_noise(" ".join(text.split()), grammar)
    return title.strip().strip(_QUOTES).strip()


def _title_intent(
    intent: str, text: str, registry: PlatformRegistry, grammar: Grammar, with_filters: bool
) -> Intent:
    """A title, and with ``with_filters`` a trailing "on <platform>"; then a trailing year."""
    if len(text) > MAX_TITLE_LENGTH * 2:
        return Intent(intent, problem=Problem("too_long"))
    title = _clean_title(_LEADING_NOISE.sub("", text), grammar)
    args: dict[str, object] = {}
    on = grammar.on_platform.match(title) if with_filters else None
    if on:
        named = _clean_title(on.group("platform"), grammar)
        platform = platform_named(named, registry, TITLE_PLATFORM_TYPO)
        if platform is not None:
            title = _clean_title(on.group("title"), grammar)
            args["platform"] = platform.name
        elif fold(named) in grammar.uncovered_platforms:
            return Intent(intent, problem=Problem("uncovered_platform", named))
    if not title:
        return Intent(intent, problem=Problem("missing_title"))
    if len(title) > MAX_TITLE_LENGTH:
        return Intent(intent, problem=Problem("too_long"))
    dated = _TITLE_YEAR.match(title)
    if dated:
        year = int(dated.group("paren") or dated.group("bare"))
        undated = _clean_title(dated.group("title"), grammar)
        # A year still to come is part of a title: "Blade Runner 2049".
        if undated and FIRST_YEAR <= year <= datetime.date.today().year + 1:
            return Intent(intent, {"title": undated, "year": year, **args})
    return Intent(intent, {"title": title, **args})


def _language(text: str, grammar: Grammar) -> Intent:
    word = fold(text).strip(_QUOTES + " .!")
    if not word:
        return Intent(LANG, problem=Problem("missing_language"))
    language = grammar.languages.get(word) or grammar.languages.get(
        word.split("-")[0].split("_")[0]
    )
    if language is None:
        return Intent(LANG, problem=Problem("unknown_language", text.strip()[:20]))
    return Intent(LANG, {"language": language})


def _words(text: str) -> list[str]:
    """The argument words of ``text``, without the punctuation around them."""
    words = (word.strip(_WORD_EDGES) for word in _WORD_SEPARATOR.split(text))
    return [word for word in words if word]


def detect_language(text: str | None, grammar: Grammar = GRAMMAR) -> str | None:
    """The language a message is clearly written in, of the grammar's, or ``None``: the
    reply follows it, and the chat's language otherwise.

    >>> [detect_language(text) for text in ("pelis de terror", "something funny", "Ozark")]
    ['es', 'en', None]
    """
    return understanding.detect_language(message_text(text), grammar.vocabulary)


def prepare(grammar: Grammar = GRAMMAR) -> None:
    """Load now what reading messages loads on first use (the language detector's model): a
    server calls this before it serves, and workers forked after it share it."""
    understanding._identifier(grammar.vocabulary.codes)


def where_title(text: str, grammar: Grammar = GRAMMAR) -> str | None:
    """The title a "where can I watch …" query asks about (``where toy story`` too, as typed
    in inline mode), or ``None``.

    >>> where_title("donde coco"), where_title("where can I watch Up?"), where_title("Up")
    ('coco', 'Up', None)
    """
    body = _strip_noise(text[:MAX_MESSAGE_LENGTH].translate(_INVISIBLE_SPACES).strip(), grammar)
    short = grammar.where.match(body) or grammar.inline_where.match(body)
    if short is None:
        return None
    title = _clean_title(short.group("title") or short.groupdict().get("streaming") or "", grammar)
    return title or None


def _why(text: str, registry: PlatformRegistry, grammar: Grammar) -> Intent:
    """Two titles to compare: ``A | B`` (or ``A vs B``)."""
    parts = [part for part in grammar.why_separator.split(text, maxsplit=1) if part.strip()]
    if len(parts) < 2:
        return Intent(WHY, problem=Problem("missing_second_title"))
    titles = []
    for part in parts:
        intent = _title_intent(TITLE, part, registry, grammar, with_filters=False)
        if intent.problem is not None:
            return Intent(WHY, problem=intent.problem)
        titles.append(intent.args)
    first, second = titles
    return Intent(WHY, {"title": first["title"], "year": first.get("year"), "other": second})


def _one_platform(intent: str, text: str, registry: PlatformRegistry, grammar: Grammar) -> Intent:
    """``/new`` and ``/stats``: an optional platform name, and nothing else."""
    words = [word for word in _words(text) if fold(word) not in grammar.fillers]
    if not words:
        return Intent(intent)
    platform = platform_named(" ".join(words), registry, PLATFORM_TYPO)
    if platform is None:
        return Intent(intent, problem=_platform_problem(" ".join(words), grammar))
    return Intent(intent, {"platform": platform.name})


def _platform_problem(named: str, grammar: Grammar) -> Problem:
    if fold(named) in grammar.uncovered_platforms:
        return Problem("uncovered_platform", named[:30])
    return Problem("unknown_platform", named[:30])


def _platforms(text: str, registry: PlatformRegistry, grammar: Grammar) -> Intent:
    """``/platforms netflix disney``; ``all`` (or ``todas``) for every one; none to show."""
    words = [word for word in _words(text) if fold(word) not in grammar.fillers]
    if not words:
        return Intent(PLATFORMS)
    if len(words) == 1 and fold(words[0]) in grammar.all_words:
        return Intent(PLATFORMS, {"platforms": ()})
    chosen: list[str] = []
    start = 0
    while start < len(words):
        platform, size = _platform_from(words, start, registry)
        if platform is None:
            return Intent(PLATFORMS, problem=_platform_problem(words[start], grammar))
        chosen += [] if platform.name in chosen else [platform.name]
        start += size
    return Intent(PLATFORMS, {"platforms": tuple(chosen)})


def _platform_from(
    words: list[str], start: int, registry: PlatformRegistry
) -> tuple[Platform | None, int]:
    """The platform named by the most words (three at most) from ``start``, or by a slip in
    the one word there, and how many words name it."""
    for size in (3, 2, 1):
        if start + size <= len(words):
            platform = platform_named(" ".join(words[start : start + size]), registry)
            if platform is not None:
                return platform, size
    return platform_named(words[start], registry, PLATFORM_TYPO), 1


def _upload(text: str) -> Intent:
    """``/upload <platform> [Display Name]`` (the caption of a CSV document)."""
    name, _, display_name = text.strip().partition(" ")
    if not name:
        return Intent(UPLOAD, problem=Problem("missing_platform"))
    return Intent(UPLOAD, {"platform": fold(name).strip(_QUOTES), "display_name": display_name})


# -- platforms ------------------------------------------------------------------------------
def _take_platform(words: list[str], registry: PlatformRegistry) -> tuple[str | None, list[str]]:
    """The first platform named by one to three consecutive words, and the other words."""
    folded = [fold(word) for word in words]  # Once each, not once in each of six windows.
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            platform = platform_named(" ".join(folded[start : start + size]), registry)
            if platform is not None:
                return platform.name, words[:start] + words[start + size :]
    return None, words


# -- the catalogue questions ---------------------------------------------------------------
def _catalogue_question(
    intent: str, text: str, registry: PlatformRegistry, grammar: Grammar
) -> Intent:
    """``longest``, ``score_count``, ``count`` and ``actor``: typed words, any order."""
    platform, words = _take_platform(_join_types(_words(text), grammar), registry)
    fillers = grammar.question_fillers[intent]
    args: dict[str, object] = {}
    years: list[str] = []
    leftovers: list[str] = []
    for word in words:
        folded = fold(word)
        if folded in fillers:
            continue
        kind, value = _classify(folded, intent, grammar)
        if kind == "bad_year" or kind == "bad_score":
            return Intent(intent, problem=Problem(kind, word[:20]))
        if kind == "year":
            years.append(word)
        elif kind is not None and args.get(kind, value) != value:
            # "movie season": two answers to one question.
            return Intent(intent, problem=Problem("unknown_words", word[:40]))
        if kind is None:
            leftovers.append(word)
        else:
            args[kind] = value
    if len(set(years)) > 1:
        return Intent(intent, problem=Problem("two_years", " ".join(years)[:40]))
    others = [p for p in (platform_named(word, registry) for word in leftovers) if p]
    if platform is not None and others:
        names = [registry.get(platform).display_name] + [p.display_name for p in others]
        return Intent(intent, problem=Problem("two_platforms", ", ".join(names)[:40]))
    if platform is None and 0 < len(leftovers) <= 3:
        platform, leftovers = _take_close_platform(leftovers, registry)
    if platform is not None:
        args["platform"] = platform
    needed = ARGUMENTS[intent].__required_keys__
    if leftovers:
        unknown = " ".join(leftovers)[:40]
        if "platform" not in args and (intent != LONGEST or len(leftovers) == 1):
            return Intent(intent, problem=Problem("unknown_platform", unknown))
        return Intent(intent, problem=Problem("unknown_words", unknown))
    # In the order a question's arguments are usually typed.
    for name in ("platform", "score", "year"):
        if name in needed and name not in args:
            return Intent(intent, problem=Problem(f"missing_{name}"))
    order = ("year", "platform", "score", "duration_type")
    return Intent(intent, {key: args[key] for key in order if key in args})


def _join_types(words: list[str], grammar: Grammar) -> list[str]:
    """``words`` with two-word types ("tv show") as one word."""
    joined: list[str] = []
    for word in words:
        if joined and f"{fold(joined[-1])} {fold(word)}" in grammar.types:
            joined[-1] = f"{joined[-1]} {word}"
        else:
            joined.append(word)
    return joined


def _take_close_platform(
    words: list[str], registry: PlatformRegistry
) -> tuple[str | None, list[str]]:
    """A platform typed with a slip ("netflx", "disny plus") among a few unknown words."""
    for size in (2, 1):
        for start in range(len(words) - size + 1):
            named = " ".join(words[start : start + size])
            platform = closest_platform(named, registry, PLATFORM_TYPO)
            if platform is not None:
                return platform.name, words[:start] + words[start + size :]
    return None, words


def _classify(word: str, intent: str, grammar: Grammar) -> tuple[str | None, object]:
    """What one argument word is: ``year``, ``score``, ``duration_type``, or ``None``.

    >>> words = [("2018", "longest"), ("7,5", "score_count"), ("1800", "count")]
    >>> [_classify(word, intent, GRAMMAR) for word, intent in words]
    [('year', 2018), ('score', 7.5), ('bad_year', None)]
    """
    if re.fullmatch(r"\d{4}", word):
        year = int(word)
        return ("year", year) if FIRST_YEAR <= year <= LAST_YEAR else ("bad_year", None)
    if intent == LONGEST:
        duration = grammar.durations.get(word)
        if duration is None and word in grammar.types:
            duration = "min" if grammar.types[word] == "movie" else "season"
        return ("duration_type", duration) if duration else (None, None)
    if intent == SCORE_COUNT:
        number = re.fullmatch(r"[>≥+]?=?(\d{1,2}(?:[.,]\d+)?)\+?(?:/10)?", word)
        if number:
            score = float(number.group(1).replace(",", "."))
            return ("score", score) if score <= 10 else ("bad_score", None)
        if re.fullmatch(r"[\d.,/]+", word):
            return "bad_score", None
    if intent in (ACTOR, SCORE_COUNT) and re.fullmatch(r"\d+", word):
        return "bad_year", None
    return None, None


# -- countries --------------------------------------------------------------------------------
def _country(text: str, grammar: Grammar) -> Intent:
    """``country``: a type word, a year and a country, in any order, among filler words."""
    item_type = year = None
    rest: list[str] = []
    for word in _join_types(_words(text), grammar):
        folded = fold(word)
        if folded in grammar.types:
            item_type = item_type or grammar.types[folded]
        elif re.fullmatch(r"\d{4}", folded):
            if not FIRST_YEAR <= int(folded) <= LAST_YEAR:
                return Intent(COUNTRY, problem=Problem("bad_year", word))
            if year is not None and int(folded) != year:
                return Intent(COUNTRY, problem=Problem("two_years", f"{year} {folded}"))
            year = int(folded)
        elif re.fullmatch(r"\d+", folded):
            return Intent(COUNTRY, problem=Problem("bad_year", word[:20]))
        else:
            rest.append(folded)
    if item_type is None:
        return Intent(COUNTRY, problem=Problem("missing_type"))
    country = _country_in(rest, grammar)
    if not country:
        return Intent(COUNTRY, problem=Problem("missing_country"))
    if year is None:
        return Intent(COUNTRY, problem=Problem("missing_year"))
    return Intent(COUNTRY, {"item_type": item_type, "country": country, "year": year})


def _country_alias(phrase: str, grammar: Grammar) -> str | None:
    """The catalogue country a folded ``phrase`` names exactly, in English or Spanish."""
    return grammar.country_aliases.get(phrase) or grammar.country_by_letters.get(_letters(phrase))


def _country_in(words: list[str], grammar: Grammar) -> str:
    """The country among folded ``words``: the longest run of words naming one, when the
    others are only filler ("de", "from the"); else the words that are not filler.

    >>> _country_in(["de", "la", "ciudad", "del", "vaticano", "en"], GRAMMAR)
    'vatican city'
    >>> _country_in(["from", "narnia"], GRAMMAR)
    'narnia'
    """
    meaningful = [0]
    for word in words:
        meaningful.append(meaningful[-1] + (word not in grammar.country_fillers))
    for size in range(min(len(words), grammar.country_words), 0, -1):
        for start in range(len(words) - size + 1):
            end = start + size
            outside = meaningful[-1] - (meaningful[end] - meaningful[start])
            country = _country_alias(" ".join(words[start:end]), grammar) if outside == 0 else None
            if country:
                return country
    return " ".join(word for word in words if word not in grammar.country_fillers)[:60]


def resolve_country(text: str, known: Mapping[str, str], grammar: Grammar = GRAMMAR) -> str | None:
    """The country of ``known`` (the catalogue's, by lowercase name) that ``text`` names:
    by name or alias in English or Spanish, or with a slip close to only one country.

    >>> known = {"united states": "United States", "austria": "Austria", "australia": "Australia"}
    >>> resolve_country("EE. UU.", known), resolve_country("untied states", known)
    ('united states', 'united states')
    >>> resolve_country("austrlia", known) is None  # as close to Austria as to Australia
    True
    """
    folded = " ".join(fold(text).split())
    for candidate in (folded, _country_alias(folded, grammar)):
        if candidate in known:
            return candidate
    # One slip in a short name often spells another country: "mali" is not Malta.
    if len(folded) < 5:
        return None
    choices = {name: name for name in known}
    choices.update(
        {alias: name for alias, name in grammar.country_aliases.items() if name in known}
    )
    ranked = process.extract(
        folded, list(choices), scorer=fuzz.ratio, limit=10, score_cutoff=COUNTRY_TYPO - TYPO_MARGIN
    )
    if not ranked or ranked[0][1] < COUNTRY_TYPO:
        return None
    best = choices[ranked[0][0]]
    rivals = [score for alias, score, _ in ranked if choices[alias] != best]
    if rivals and ranked[0][1] - rivals[0] < TYPO_MARGIN:
        return None
    return best


# -- ratings ----------------------------------------------------------------------------------
def _rating(text: str, grammar: Grammar) -> Intent:
    """``rating``: an age rating as the catalogue writes it ("pg-13", "18+"), or as people say
    it ("rated pg-13", "para mayores de 18")."""
    words = (fold(word).strip(_WORD_EDGES) for word in text.split())
    phrase = " ".join(word for word in words if word and word not in grammar.rating_fillers)[:20]
    if not phrase:
        return Intent(RATING, problem=Problem("missing_rating"))
    rating = grammar.ratings.get(phrase) or _age_rating(phrase, grammar) or phrase
    return Intent(RATING, {"rating": rating})


def _age_rating(phrase: str, grammar: Grammar) -> str | None:
    """ "18+" for "mayores 18", "over 18", "18 and up" or a bare "18".

    >>> [_age_rating(phrase, GRAMMAR) for phrase in ("mayores 18", "16 years and over", "pg-13")]
    ['18+', '16+', None]
    """
    ages = re.findall(r"\d+", phrase)
    others = re.sub(r"\d+", " ", phrase).replace("+", " + ").split()
    if len(ages) != 1 or int(ages[0]) not in _RATED_AGES:
        return None
    if all(word in grammar.age_words for word in others):
        return f"{int(ages[0])}+"
    return None
