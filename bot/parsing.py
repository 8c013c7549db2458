"""Message text → :class:`Intent`: which question, with which arguments, or what was wrong.

Arguments may come in any order where their kind tells them apart: a four-digit year, a
platform name or alias, a score from 0 to 10, ``movie``/``película``/``serie``,
``min``/``temporadas``. Nothing here raises on any text; a bad argument becomes a
:class:`Problem` that the reply explains.

>>> from recommender.platforms import Platform, PlatformRegistry
>>> registry = PlatformRegistry([Platform("netflix", "n", "n.csv", "Netflix", ("nflx",))])
>>> parse_message("/duracion netflix temporadas 2018", registry).args
{'year': 2018, 'platform': 'netflix', 'duration_type': 'season'}
>>> parse_message("recomiéndame algo como Stranger Things", registry)
Intent(name='recommend', args={'title': 'Stranger Things'}, problem=None)
>>> parse_message("/count@OtherBot netflix", registry, bot_username="StreamBot").name
'ignore'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.i18n import COUNTRIES_ES
from recommender.platforms import PlatformRegistry
from recommender.text import fold

# Intent names.
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
GREETING = "greeting"
THANKS = "thanks"
UNKNOWN_COMMAND = "unknown_command"
EMPTY = "empty"
IGNORE = "ignore"

# Every command name, English, Spanish and the original project's, per intent.
COMMANDS: dict[str, tuple[str, ...]] = {
    RECOMMEND: ("recommend", "recomendar", "get_recommendation"),
    LONGEST: ("longest", "duracion", "get_max_duration"),
    SCORE_COUNT: ("scorecount", "puntaje", "get_score_count"),
    COUNT: ("count", "cantidad", "get_count_platform"),
    ACTOR: ("actor", "get_actor"),
    COUNTRY: ("country", "pais", "prod_per_county"),
    RATING: ("rating", "clasificacion", "get_contents"),
    INFO: ("info",),
    HELP: ("help", "ayuda"),
    START: ("start",),
    LANG: ("lang", "idioma"),
    RELOAD: ("reload",),
}
_COMMAND_INTENT = {name: intent for intent, names in COMMANDS.items() for name in names}

# A message longer than this is not a title anyone typed on purpose.
MAX_TITLE_LENGTH = 200
FIRST_YEAR, LAST_YEAR = 1900, 2099

_TYPES = {
    "movie": "movie",
    "movies": "movie",
    "film": "movie",
    "films": "movie",
    "pelicula": "movie",
    "peliculas": "movie",
    "peli": "movie",
    "pelis": "movie",
    "tv": "tv show",
    "show": "tv show",
    "shows": "tv show",
    "series": "tv show",
    "serie": "tv show",
    "tv show": "tv show",
    "tv shows": "tv show",
    "tv series": "tv show",
    "programa": "tv show",
    "programas": "tv show",
}
_DURATIONS = {
    "min": "min",
    "mins": "min",
    "minute": "min",
    "minutes": "min",
    "minuto": "min",
    "minutos": "min",
    "season": "season",
    "seasons": "season",
    "temporada": "season",
    "temporadas": "season",
}
_LANGUAGES = {
    "es": "es",
    "esp": "es",
    "espanol": "es",
    "castellano": "es",
    "spanish": "es",
    "en": "en",
    "eng": "en",
    "ingles": "en",
    "english": "en",
}
_COUNTRY_ALIASES = {
    **{fold(spanish): english for english, spanish in COUNTRIES_ES.items()},
    "usa": "united states",
    "us": "united states",
    "united states of america": "united states",
    "america": "united states",
    "eeuu": "united states",
    "estados unidos de america": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "gran bretana": "united kingdom",
    "inglaterra": "united kingdom",
    "england": "united kingdom",
    "korea": "south korea",
    "corea": "south korea",
    "holanda": "netherlands",
    "the netherlands": "netherlands",
    "holland": "netherlands",
    "arabia saudi": "saudi arabia",
    "emiratos arabes": "united arab emirates",
    "uae": "united arab emirates",
}


def _letters(text: str) -> str:
    """Only the letters: "EE. UU." and "eeuu" are the same name."""
    return re.sub(r"[^a-z]", "", text)


_COUNTRY_BY_LETTERS = {_letters(alias): country for alias, country in _COUNTRY_ALIASES.items()}
_GREETINGS = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "hey there",
        "hi there",
        "good morning",
        "good evening",
        "yo",
        "hola",
        "buenas",
        "buenos dias",
        "buenas tardes",
        "buenas noches",
        "hola bot",
        "que tal",
    ]
)
_THANKS = frozenset(
    [
        "thanks",
        "thank you",
        "thx",
        "ty",
        "gracias",
        "muchas gracias",
        "thanks a lot",
        "thank you so much",
        "mil gracias",
        "great thanks",
        "perfecto gracias",
        "ok gracias",
    ]
)
_HELP_WORDS = frozenset(["help", "ayuda", "?", "menu", "commands", "comandos", "/"])

# "Recommend something like X" and its Spanish forms; the noun can ask for a type.
_A, _E, _I, _O, _U = "[aá]", "[eé]", "[ií]", "[oó]", "[uú]"
_LIKE_EN = r"(?:like|similar\s+to|such\s+as)"
_LIKE_ES = (
    r"(?:como|parecid[oa]s?\s+a(?:l)?|similar(?:es)?\s+a(?:l)?|del\s+estilo\s+de|"
    r"al\s+estilo\s+de|tipo)"
)
_NOUN_EN = r"(?P<noun>movies?|films?|shows?|tv\s+shows?|series|titles?|things?|stuff)"
_NOUN_ES = rf"(?P<noun>pel{_I}culas?|pelis?|series?|programas?|t{_I}tulos?|cosas?)"
_RECOMMEND_PATTERNS = [
    re.compile(pattern, re.IGNORECASE | re.DOTALL)
    for pattern in (
        r"^(?:(?:hey|hi|ok|okay|so)[,!]?\s+)?(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?"
        r"(?:please\s+)?(?:recommend|suggest|find|show|give|get)(?:\s+(?:me|us))?"
        r"(?:\s+(?:some|something|anything|a|an|more|other|another|good|similar))*"
        rf"(?:\s+{_NOUN_EN})?\s+{_LIKE_EN}\s+(?P<title>.+)$",
        rf"^(?:something|anything|more|stuff|{_NOUN_EN})\s+{_LIKE_EN}\s+(?P<title>.+)$",
        r"^similar\s+to\s+(?P<title>.+)$",
        r"^i\s+(?:really\s+)?(?:liked|loved|enjoyed)\s+(?P<title>.+?)"
        r"(?:[,.;]?\s+(?:what|anything|recommend|suggest)\b.*)?$",
        rf"^(?:(?:hola|oye|bueno)[,!]?\s+)?(?:por\s+favor\s+)?"
        rf"(?:(?:me\s+)?(?:puedes|podr{_I}as)\s+)?"
        rf"(?:recom{_I}{_E}nda(?:me|nos)?|recomendar(?:me|nos)?|recomi{_E}nda(?:me|nos)?|"
        rf"sug{_I}{_E}re(?:me|nos)?|sugerir(?:me|nos)?|dame|d{_I}me|busca(?:me)?|"
        rf"quiero(?:\s+ver)?|pon(?:me)?)"
        rf"(?:\s+(?:alg{_U}n|alguna|algo|unas?|unos?|otras?|otros?|m{_A}s|buen[oa]s?))*"
        rf"(?:\s+{_NOUN_ES})?\s+{_LIKE_ES}\s+(?P<title>.+)$",
        rf"^(?:algo|m{_A}s|{_NOUN_ES})\s+{_LIKE_ES}\s+(?P<title>.+)$",
        r"^(?:parecid[oa]s?|similar(?:es)?)\s+a(?:l)?\s+(?P<title>.+)$",
        rf"^me\s+(?:gust{_O}|encant{_O})\s+(?P<title>.+?)(?:[,.;]?\s+(?:qu{_E}|algo)\b.*)?$",
    )
]
# "… on Netflix" / "… en Netflix" at the end of a title asks for one platform.
_ON_PLATFORM = re.compile(r"^(?P<title>.+?)\s+(?:on|in|en)\s+(?P<platform>[^\s].{0,30})$", re.I)
_QUOTES = "\"'“”‘’«»`"
_TRAILING_NOISE = re.compile(r"(?:[\s?!.¿¡,;:…]+|\s+(?:please|pls|plz|por\s+favor))+$", re.I)
# Words are split at spaces, semicolons and commas, except a decimal comma as in "7,5".
_WORD_SEPARATOR = re.compile(r"[\s;]+|,(?!\d)")


@dataclass(frozen=True)
class Problem:
    """What was wrong with a message's arguments: a ``code`` and the offending text."""

    code: str
    value: str = ""


@dataclass(frozen=True)
class Intent:
    """What a message asks for: an intent name, its arguments, and any problem with them."""

    name: str
    args: Mapping[str, object] = field(default_factory=dict)
    problem: Problem | None = None


def parse_message(
    text: str | None, registry: PlatformRegistry, bot_username: str | None = None
) -> Intent:
    """The intent of one chat message; never raises.

    ``bot_username`` makes ``/command@OtherBot`` an ``ignore`` intent.
    """
    text = (text or "").strip()
    if not text:
        return Intent(EMPTY)
    if text.startswith("/") and len(text) > 1:
        return _parse_command(text, registry, bot_username)
    return parse_free_text(text, registry)


def _parse_command(text: str, registry: PlatformRegistry, bot_username: str | None) -> Intent:
    head, _, rest = text[1:].partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = f"{more} {rest}"
    name, _, addressee = head.partition("@")
    if addressee and bot_username and fold(addressee) != fold(bot_username):
        return Intent(IGNORE)
    intent = _COMMAND_INTENT.get(fold(name))
    if intent is None:
        return Intent(UNKNOWN_COMMAND, {"command": "/" + name[:32]})
    return parse_arguments(intent, rest.strip(), registry)


def parse_arguments(intent: str, text: str, registry: PlatformRegistry) -> Intent:
    """The arguments of command ``intent`` from the text after the command name."""
    if intent in (RECOMMEND, INFO):
        return _title_intent(intent, text, registry, with_filters=intent == RECOMMEND)
    if intent == LANG:
        return _language(text)
    if intent in (LONGEST, SCORE_COUNT, COUNT, ACTOR):
        return _catalogue_question(intent, text, registry)
    if intent == COUNTRY:
        return _country(text)
    if intent == RATING:
        rating = " ".join(text.split()).strip(_QUOTES).lower()[:20]
        if not rating:
            return Intent(RATING, problem=Problem("missing_rating"))
        return Intent(RATING, {"rating": rating})
    return Intent(intent)


def parse_free_text(text: str, registry: PlatformRegistry) -> Intent:
    """A message that is not a command: a greeting, a request for similar titles, or a title."""
    folded = _TRAILING_NOISE.sub("", fold(text)).strip()
    if folded in _GREETINGS:
        return Intent(GREETING)
    if folded in _THANKS:
        return Intent(THANKS)
    if not folded or folded in _HELP_WORDS:
        return Intent(HELP)
    for pattern in _RECOMMEND_PATTERNS:
        match = pattern.match(text.strip())
        if match:
            noun = match.groupdict().get("noun")
            intent = _title_intent(RECOMMEND, match.group("title"), registry, with_filters=True)
            item_type = _TYPES.get(fold(re.sub(r"\s+", " ", noun))) if noun else None
            if item_type and intent.problem is None and "item_type" not in intent.args:
                return Intent(RECOMMEND, {**intent.args, "item_type": item_type})
            return intent
    return _title_intent(TITLE, text, registry, with_filters=False)


def _clean_title(text: str) -> str:
    title = _TRAILING_NOISE.sub("", " ".join(text.split()))
    return title.strip().strip(_QUOTES).strip()


def _title_intent(intent: str, text: str, registry: PlatformRegistry, with_filters: bool) -> Intent:
    if len(text) > MAX_TITLE_LENGTH * 2:
        return Intent(intent, problem=Problem("too_long"))
    title = _clean_title(text)
    args: dict[str, object] = {}
    if with_filters:
        on = _ON_PLATFORM.match(title)
        platform = registry.resolve(_clean_title(on.group("platform"))) if on else None
        if on and platform is not None:
            title = _clean_title(on.group("title"))
            args["platform"] = platform.name
    if not title:
        return Intent(intent, problem=Problem("missing_title"))
    if len(title) > MAX_TITLE_LENGTH:
        return Intent(intent, problem=Problem("too_long"))
    return Intent(intent, {"title": title, **args})


def _language(text: str) -> Intent:
    word = fold(text).strip(_QUOTES + " .!")
    if not word:
        return Intent(LANG, problem=Problem("missing_language"))
    language = _LANGUAGES.get(word) or _LANGUAGES.get(word.split("-")[0].split("_")[0])
    if language is None:
        return Intent(LANG, problem=Problem("unknown_language", text.strip()[:20]))
    return Intent(LANG, {"language": language})


def _words(text: str) -> list[str]:
    return [word for word in _WORD_SEPARATOR.split(text) if word]


def _take_platform(words: list[str], registry: PlatformRegistry) -> tuple[str | None, list[str]]:
    """The first platform named by one to three consecutive words, and the other words."""
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            platform = registry.resolve(" ".join(words[start : start + size]))
            if platform is not None:
                return platform.name, words[:start] + words[start + size :]
    return None, words


def _catalogue_question(intent: str, text: str, registry: PlatformRegistry) -> Intent:
    """``longest``, ``score_count``, ``count`` and ``actor``: typed words, any order."""
    words = _words(text)
    platform, words = _take_platform(words, registry)
    args: dict[str, object] = {}
    leftovers: list[str] = []
    for word in words:
        folded = fold(word).strip(_QUOTES + ".")
        kind, value = _classify(folded, intent)
        if kind is None or kind in args:
            leftovers.append(word)
        elif kind == "bad_year" or kind == "bad_score":
            return Intent(intent, problem=Problem(kind, word[:20]))
        else:
            args[kind] = value
    if platform is not None:
        args["platform"] = platform
    needed = {
        LONGEST: (),
        SCORE_COUNT: ("platform", "score", "year"),
        COUNT: ("platform",),
        ACTOR: ("platform", "year"),
    }[intent]
    if leftovers:
        unknown = " ".join(leftovers)[:40]
        if "platform" not in args and (intent != LONGEST or len(leftovers) == 1):
            return Intent(intent, problem=Problem("unknown_platform", unknown))
        return Intent(intent, problem=Problem("unknown_words", unknown))
    for name in needed:
        if name not in args:
            return Intent(intent, problem=Problem(f"missing_{name}"))
    order = ("year", "platform", "score", "duration_type")
    return Intent(intent, {key: args[key] for key in order if key in args})


def _classify(word: str, intent: str) -> tuple[str | None, object]:
    """What one argument word is: ``year``, ``score``, ``duration_type``, or ``None``.

    >>> _classify("2018", "longest"), _classify("7,5", "score_count"), _classify("1800", "count")
    (('year', 2018), ('score', 7.5), ('bad_year', None))
    """
    if re.fullmatch(r"\d{4}", word):
        year = int(word)
        return ("year", year) if FIRST_YEAR <= year <= LAST_YEAR else ("bad_year", None)
    if intent == LONGEST:
        duration = _DURATIONS.get(word)
        if duration is None and word in _TYPES:
            duration = "min" if _TYPES[word] == "movie" else "season"
        return ("duration_type", duration) if duration else (None, None)
    if intent == SCORE_COUNT:
        number = re.fullmatch(r">?=?(\d{1,2}(?:[.,]\d+)?)(?:/10)?", word)
        if number:
            score = float(number.group(1).replace(",", "."))
            return ("score", score) if score <= 10 else ("bad_score", None)
        if re.fullmatch(r"[\d.,/]+", word):
            return "bad_score", None
    if intent in (ACTOR, SCORE_COUNT) and re.fullmatch(r"\d+", word):
        return "bad_year", None
    return None, None


def _country(text: str) -> Intent:
    """``country``: a type word, a year and the rest is the country, in any order."""
    words = _words(text)
    item_type = year = None
    rest: list[str] = []
    for index, word in enumerate(words):
        folded = fold(word).strip(_QUOTES + ".")
        pair = f"{folded} {fold(words[index + 1])}" if index + 1 < len(words) else ""
        if item_type is None and pair in _TYPES:
            item_type = _TYPES[pair]
            words[index + 1] = ""
        elif item_type is None and folded in _TYPES:
            item_type = _TYPES[folded]
        elif year is None and re.fullmatch(r"\d{4}", folded):
            if not FIRST_YEAR <= int(folded) <= LAST_YEAR:
                return Intent(COUNTRY, problem=Problem("bad_year", word))
            year = int(folded)
        elif re.fullmatch(r"\d+", folded):
            return Intent(COUNTRY, problem=Problem("bad_year", word[:20]))
        elif folded:
            rest.append(folded)
    while rest and rest[0] in ("de", "from", "in", "en", "of", "del"):
        rest.pop(0)
    if item_type is None:
        return Intent(COUNTRY, problem=Problem("missing_type"))
    if not rest:
        return Intent(COUNTRY, problem=Problem("missing_country"))
    if year is None:
        return Intent(COUNTRY, problem=Problem("missing_year"))
    phrase = " ".join(rest)[:60]
    country = _COUNTRY_ALIASES.get(phrase) or _COUNTRY_BY_LETTERS.get(_letters(phrase), phrase)
    return Intent(COUNTRY, {"item_type": item_type, "country": country, "year": year})
