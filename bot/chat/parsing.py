"""Message text → :class:`Intent`: which question, with which arguments, or what was wrong.

Arguments may come in any order where their kind tells them apart: a four-digit year, a
platform name or alias, a score from 0 to 10, ``movie``/``película``/``serie``,
``min``/``temporadas``. Words that only make a request read naturally ("on", "from", "en",
"mayor a") are skipped. Nothing here raises on any text; a bad argument becomes a
:class:`Problem` that the reply explains.

>>> from recommender.platforms import Platform, PlatformRegistry
>>> registry = PlatformRegistry([Platform("netflix", "n", "n.csv", "Netflix", ("nflx",))])
>>> question_arguments("longest", "netflix temporadas 2018", registry).args
{'year': 2018, 'platform': 'netflix', 'duration_type': 'season'}
>>> question_arguments("actor", "on netflix in 2019", registry).args
{'year': 2019, 'platform': 'netflix'}
>>> parse_free_text("recomiéndame algo como Stranger Things", registry)
Intent(name='recommend', args={'title': 'Stranger Things'}, problem=None)

Which command a message names is :mod:`bot.chat.commands`' business.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Required, TypedDict

from rapidfuzz import fuzz, process

from bot.chat.i18n import COUNTRIES_ES
from recommender.catalogue import FIRST_YEAR, LAST_YEAR
from recommender.platforms import Platform, PlatformRegistry
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
WHERE = "where"
NEW = "new"
PLATFORMS = "platforms"
WHY = "why"
STATS = "stats"
VERSIONS = "versions"
ROLLBACK = "rollback"
UPLOAD = "upload"
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
    WHERE: ("where", "donde"),
    NEW: ("new", "nuevo", "novedades"),
    PLATFORMS: ("platforms", "plataformas"),
    WHY: ("why", "porque"),
    STATS: ("stats", "estadisticas"),
    HELP: ("help", "ayuda"),
    START: ("start",),
    LANG: ("lang", "idioma"),
    RELOAD: ("reload",),
    VERSIONS: ("versions", "versiones"),
    ROLLBACK: ("rollback",),
    UPLOAD: ("upload", "subir"),
}

# Telegram's limit on a message's text. Longer text (from the console or the command line) is
# cut to it before parsing, so no text costs more to parse than a message can.
MAX_MESSAGE_LENGTH = 4096
# A message longer than this is not a title anyone typed on purpose.
MAX_TITLE_LENGTH = 200
# A platform name typed with a slip ("netflx") still counts when it is this close
# (rapidfuzz's ratio, 0-100) to one platform and clearly closer to it than to any other.
PLATFORM_TYPO = 80
# After "on …" at the end of a title a slip must be closer: "Dinner in Amazonia" is a title.
TITLE_PLATFORM_TYPO = 90
# The same for a country ("untied states").
COUNTRY_TYPO = 85
TYPO_MARGIN = 5

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


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that make a request read naturally but carry no argument ("/count on netflix",
# "/actor netflix en 2019", "/puntaje netflix mayor a 7 en 2015").
_FILLERS = _word_set(
    "on in at from of for the a an to el la los las de del desde en para por con with and y "
    "year ano released estrenadas estrenados estrenada estrenado "
    "platform plataforma please pls porfa"
)
_QUESTION_FILLERS = {
    LONGEST: _word_set("longest largest long larga largas largo largos mas most duration duracion"),
    SCORE_COUNT: _word_set(
        "above over more than greater higher better mayor mayores superior superiores encima "
        "arriba mas que score scores scoring scored rated rating nota notas puntaje puntuacion "
        "calificacion movie movies film films pelicula peliculas peli pelis how many cuantas "
        "cuantos tienen"
    ),
    COUNT: _word_set(
        "how many titles titulos movie movies films shows tv series peliculas pelis programas "
        "are there is hay has have tiene tienen cuantas cuantos total content contenido"
    ),
    ACTOR: _word_set(
        "actor actors actress actresses actores actriz actrices cast reparto busiest top "
        "most mas who quien aparece appears"
    ),
}
# Words around a country name ("/country movies from the united states in 2019").
_COUNTRY_FILLERS = _word_set(
    "from in of the de del en el la los las made produced filmed released country countries "
    "year hechas hechos hecha hecho producidas producidos producida producido rodadas "
    "estrenadas estrenados pais paises ano"
)
# Words around an age rating ("/rating rated pg-13", "/clasificacion para mayores de 18").
_RATING_FILLERS = _word_set(
    "rated rating ratings rate classification classified clasificacion clasificados "
    "clasificadas clasificada clasificado calificacion age edad edades titles titulos "
    "movies shows peliculas series content contenido for para de the el la los las con with "
    "only solo"
)
# Around an age ("mayores de 18", "18 and up"): the rating for that age and older.
_AGE_WORDS = _word_set(
    "mayores mayor adultos over older than above plus and up or y mas years year old anos +"
)
_RATING_WORDS = {
    "adults": "18+",
    "adult": "18+",
    "adultos": "18+",
    "mature": "18+",
    "all": "all",
    "all ages": "all",
    "everyone": "all",
    "todos": "all",
    "todas": "all",
    "todo publico": "all",
    "todos publicos": "all",
    "publico general": "all",
}
# Ages the catalogue rates for ("13+"): a bare "16" means "16+".
_RATED_AGES = frozenset({7, 13, 16, 18})

# Streaming services people name that this bot does not cover: "/recommend X on hbo" gets
# "not one of my platforms" instead of a search for the title "X on hbo".
_OTHER_PLATFORMS = frozenset(
    [
        "hbo",
        "hbo max",
        "hbomax",
        "max",
        "apple tv",
        "apple tv+",
        "apple tv plus",
        "appletv",
        "paramount",
        "paramount+",
        "paramount plus",
        "peacock",
        "crunchyroll",
        "youtube",
        "youtube tv",
        "starz",
        "showtime",
        "movistar",
        "movistar+",
        "movistar plus",
        "filmin",
        "mubi",
        "tubi",
        "pluto tv",
        "rakuten",
        "rakuten tv",
        "vix",
        "star+",
        "star plus",
        "skyshowtime",
        "atresplayer",
        "britbox",
        "discovery+",
        "discovery plus",
        "amc+",
        "claro video",
    ]
)


def _letters(text: str) -> str:
    """Only the letters: "EE. UU." and "eeuu" are the same name."""
    return re.sub(r"[^a-z]", "", text)


# Every way people name a catalogue country, folded, to its catalogue name (lowercase English).
_COUNTRY_ALIASES = {
    **{english: english for english in COUNTRIES_ES},
    **{fold(spanish): english for english, spanish in COUNTRIES_ES.items()},
    "usa": "united states",
    "us": "united states",
    "u s": "united states",
    "united states of america": "united states",
    "america": "united states",
    "eeuu": "united states",
    "estados unidos de america": "united states",
    "norteamerica": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "gran bretana": "united kingdom",
    "inglaterra": "united kingdom",
    "england": "united kingdom",
    "scotland": "united kingdom",
    "escocia": "united kingdom",
    "wales": "united kingdom",
    "gales": "united kingdom",
    "korea": "south korea",
    "republic of korea": "south korea",
    "corea": "south korea",
    "republica de corea": "south korea",
    "holanda": "netherlands",
    "holland": "netherlands",
    "czechia": "czech republic",
    "chequia": "czech republic",
    "republica checa": "czech republic",
    "arabia saudi": "saudi arabia",
    "emiratos arabes": "united arab emirates",
    "emiratos": "united arab emirates",
    "uae": "united arab emirates",
    "emirates": "united arab emirates",
    "ussr": "soviet union",
    "urss": "soviet union",
    "union sovietica": "soviet union",
    "gdr": "east germany",
    "rda": "east germany",
    "alemania del este": "east germany",
    "frg": "west germany",
    "rfa": "west germany",
    "alemania del oeste": "west germany",
    "rumania": "romania",
    "vatican": "vatican city",
    "vaticano": "vatican city",
    "bermudas": "bermuda",
    "islas bermudas": "bermuda",
    "caiman": "cayman islands",
    "kazajstan": "kazakhstan",
    "turkiye": "turkey",
    "viet nam": "vietnam",
    "hongkong": "hong kong",
    "persia": "iran",
    "islas virgenes": "united states virgin islands",
    "virgin islands": "united states virgin islands",
    "us virgin islands": "united states virgin islands",
}
_COUNTRY_BY_LETTERS = {_letters(alias): country for alias, country in _COUNTRY_ALIASES.items()}
# The longest alias, in words: longer spans of a message are never a country.
_COUNTRY_WORDS = max(len(alias.split()) for alias in _COUNTRY_ALIASES)

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
# Questions about the bot itself, folded ("¿qué puedes hacer?" → "que puedes hacer").
_HELP = re.compile(
    r"^(?:help(?: me)?|ayuda(?:me)?|\?|/|menu|commands|comandos|instructions|instrucciones"
    r"|what (?:can|do) (?:you|i) do|what can i ask(?: you)?|what are you|who are you"
    r"|how (?:does (?:this|it)|do you) work|how (?:do i|to|can i) use (?:this|you|it|the bot)"
    r"|que (?:puedes|sabes) hacer|que haces|que eres|quien eres|que se puede hacer"
    r"|como funciona(?:s| esto)?|como (?:te|lo) uso|como se usa)$"
)

# -- asking for recommendations ------------------------------------------------------------
# The shapes people ask in. A pattern with a ``title`` group asks for works like that title;
# one without asks for recommendations without saying like what, and gets asked for a
# title. ``noun`` can ask for a type ("recommend movies like X").
_A, _E, _I, _O, _U, _N = "[aá]", "[eé]", "[ií]", "[oó]", "[uú]", "[nñ]"
# Whitespace entered only at its start. Where text of any length comes before ("(?P<title>.+?)"),
# a bare "\s+" is tried from every position of a long run of spaces, each time to its end:
# time quadratic in the run. A match starting inside a run is also one from its start.
_GAP = r"(?<!\s)\s+"
_NOUN_EN = r"(?:movies?|films?|shows?|tv\s+shows?|tv\s+series|series|titles?|things?|stuff)"
_NOUN_ES = rf"(?:pel{_I}culas?|pelis?|series?|programas?|t{_I}tulos?|cosas?)"
_POLITE_EN = (
    r"(?:(?:hey|hi|hello|ok|okay|so|well)[,!]?\s+)?(?:please\s+)?"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
)
_QUANT_EN = r"(?:some|something|anything|a|an|more|other|another|good|great|nice|new|similar|few)"
# Everything in these fragments starts with its own whitespace, so that each may be empty.
_OBJECT_EN = rf"(?:\s+(?:me|us))?(?:\s+{_QUANT_EN})*(?:\s+(?P<noun>{_NOUN_EN}))?"
# Something before "like" ("recommend something like X"): a bare "like" starts titles such
# as "Like Crazy".
_SOME_OBJECT_EN = rf"(?=\s+(?:me|us|{_QUANT_EN}|{_NOUN_EN})\b){_OBJECT_EN}"
_LIKE_EN = (
    r"(?:like|similar\s+to|such\s+as|along\s+the\s+lines\s+of|in\s+the\s+(?:style|vein)\s+of)"
)
_AFTER_EN = (
    r"(?:for\s+fans\s+of|for|after|based\s+on|if\s+(?:i|you)\s+(?:liked|like|loved|enjoyed))"
)
_TO_WATCH_EN = r"(?:\s+to\s+(?:watch|see))?(?:\s+(?:tonight|today|now))?"
_ASKING_EN = (
    r"(?:(?:any|some|got\s+any|i\s+(?:need|want)(?:\s+(?:a|some))?|give\s+me(?:\s+(?:a|some))?)"
    r"\s+)?(?:good\s+)?"
)
_ASKS_EN = r"(?:recommendations?|recs|suggestions?)"
_WATCH_EN = r"what\s+(?:should|can|could|do|shall)\s+(?:i|we)\s+watch|what\s+to\s+watch"

_POLITE_ES = (
    rf"(?:(?:hola|oye|bueno|vale|venga)[,!]?\s+)?(?:por\s+favor,?\s+)?(?:(?:me|nos)\s+)?"
    rf"(?:(?:puedes|podr{_I}as|podr{_I}a)\s+)?"
)
_RECOMMEND_ES = (
    rf"(?:recom{_I}{_E}nda(?:me|nos)?|recomendar(?:me|nos)?|(?:qu{_E}\s+)?(?:(?:me|nos)\s+)?"
    rf"recomiendas|sug{_I}{_E}re(?:me|nos)?|sugerir(?:me|nos)?|(?:qu{_E}\s+)?(?:(?:me|nos)\s+)?"
    rf"sugieres)"
)
_WEAK_ES = (
    rf"(?:dame|d{_I}me|busca(?:me)?|quiero(?:\s+ver)?|pon(?:me)?|mu{_E}strame|ens{_E}{_N}ame)"
)
_QUANT_ES = (
    rf"(?:alg{_U}n|alguna|algunas|algunos|algo|un|una|unas|unos|otr[oa]s?|m{_A}s|buen[oa]s?|"
    rf"nuev[oa]s?|parecid[oa]s?|similar(?:es)?)"
)
_OBJECT_ES = rf"(?:\s+{_QUANT_ES})*(?:\s+(?P<noun>{_NOUN_ES}))?"
_SOME_OBJECT_ES = rf"(?=\s+(?:{_QUANT_ES}|{_NOUN_ES})\b){_OBJECT_ES}"
_LIKE_ES = (
    rf"(?:como|parecid[oa]s?\s+a(?:l)?|similar(?:es)?\s+a(?:l)?|del\s+estilo\s+de|"
    rf"al\s+estilo\s+de|tipo|igual\s+que|en\s+la\s+l{_I}nea\s+de)"
)
_AFTER_ES = rf"(?:despu{_E}s\s+de|tras|si\s+me\s+(?:gust{_O}|encant{_O})|para\s+fans\s+de)"
_TO_WATCH_ES = r"(?:\s+(?:para|que)\s+ver)?(?:\s+(?:hoy|esta\s+noche|ahora))?"
_ASKING_ES = (
    r"(?:(?:alguna|algunas|unas?|dame(?:\s+(?:una|unas|alguna|algunas))?|"
    r"necesito(?:\s+(?:una|unas))?|quiero(?:\s+(?:una|unas))?)\s+)?(?:buenas?\s+)?"
)
_ASKS_ES = rf"(?:recomendaci{_O}n(?:es)?|sugerencias?)"
_WATCH_ES = rf"qu{_E}\s+(?:veo|miro|puedo\s+ver|podr{_I}a\s+ver|ver|me\s+pongo)"
_TONIGHT = r"(?:\s+(?:tonight|today|now|next|hoy|esta\s+noche|ahora))?"


def _patterns(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE | re.DOTALL) for pattern in patterns)


# Free text, tried in order: requests with no title first, then with one.
_REQUESTS = _patterns(
    rf"^{_POLITE_EN}(?:recommend|suggest){_OBJECT_EN}{_TO_WATCH_EN}$",
    rf"^{_POLITE_EN}(?:find|show|give|get)\s+(?:me|us){_SOME_OBJECT_EN}{_TO_WATCH_EN}$",
    rf"^{_ASKING_EN}(?:(?P<noun>{_NOUN_EN})\s+)?{_ASKS_EN}{_TO_WATCH_EN}$",
    rf"^(?:{_WATCH_EN}){_TONIGHT}$",
    r"^(?:something|anything)(?:\s+(?:good|new|fun))?\s+to\s+(?:watch|see)$",
    rf"^{_POLITE_ES}{_RECOMMEND_ES}{_OBJECT_ES}{_TO_WATCH_ES}$",
    rf"^{_POLITE_ES}{_WEAK_ES}{_SOME_OBJECT_ES}{_TO_WATCH_ES}$",
    rf"^{_ASKING_ES}{_ASKS_ES}(?:\s+de\s+(?P<noun>{_NOUN_ES}))?{_TO_WATCH_ES}$",
    rf"^{_WATCH_ES}{_TONIGHT}$",
    # With a title.
    rf"^{_POLITE_EN}(?:recommend|suggest){_SOME_OBJECT_EN}\s+(?:{_LIKE_EN}|{_AFTER_EN})\s+"
    rf"(?P<title>.+)$",
    rf"^{_POLITE_EN}(?:recommend|suggest)(?:\s+(?:me|us))?\s+(?P<title>.+)$",
    rf"^{_POLITE_EN}(?:find|show|give|get){_OBJECT_EN}\s+{_LIKE_EN}\s+(?P<title>.+)$",
    rf"^(?:(?:some|any|other|more|good|great)\s+)*(?:something|anything|more|stuff|"
    rf"(?P<noun>{_NOUN_EN}))(?:\s+(?:else|more))?\s+{_LIKE_EN}\s+(?P<title>.+)$",
    r"^(?:similar\s+to|more\s+like)\s+(?P<title>.+)$",
    rf"^{_ASKING_EN}(?:(?P<noun>{_NOUN_EN})\s+)?{_ASKS_EN}\s+(?:{_LIKE_EN}|{_AFTER_EN}|of)\s+"
    rf"(?P<title>.+)$",
    rf"^(?P<title>.+?){_GAP}{_ASKS_EN}$",
    rf"^(?:{_WATCH_EN})(?:\s+next)?\s+(?:{_AFTER_EN}|{_LIKE_EN}|now\s+that\s+(?:i|we)"
    rf"(?:'ve|\s+have)?\s+(?:finished|watched|seen))\s+(?P<title>.+)$",
    rf"^what(?:'s|\s+is|\s+are)\s+(?:(?:some|any)\s+)?(?:(?:something|(?P<noun>{_NOUN_EN}))\s+)?"
    rf"(?:similar\s+to|like)\s+(?P<title>.+)$",
    rf"^i\s+(?:really\s+)?(?:liked|loved|enjoyed)\s+(?P<title>.+?)"
    rf"(?:[,.;]?{_GAP}(?:what|anything|recommend|suggest)\b.*)?$",
    rf"^if\s+(?:i|you)\s+(?:liked|like|loved|enjoyed)\s+(?P<title>.+?)"
    rf"(?:[,.;]?{_GAP}(?:what|anything|recommend|suggest)\b.*)?$",
    rf"^{_POLITE_ES}{_RECOMMEND_ES}{_SOME_OBJECT_ES}\s+(?:{_LIKE_ES}|{_AFTER_ES})\s+"
    rf"(?P<title>.+)$",
    rf"^{_POLITE_ES}{_RECOMMEND_ES}\s+(?P<title>.+)$",
    rf"^{_POLITE_ES}{_WEAK_ES}{_OBJECT_ES}\s+{_LIKE_ES}\s+(?P<title>.+)$",
    rf"^(?:(?:alg{_U}n|alguna|algunas|algunos|otr[oa]s?|m{_A}s|buen[oa]s?)\s+)*"
    rf"(?:algo|m{_A}s|(?P<noun>{_NOUN_ES}))(?:\s+m{_A}s)?\s+{_LIKE_ES}\s+(?P<title>.+)$",
    r"^(?:parecid[oa]s?|similar(?:es)?)\s+a(?:l)?\s+(?P<title>.+)$",
    rf"^{_ASKING_ES}{_ASKS_ES}(?:\s+de\s+(?P<noun>{_NOUN_ES}))?\s+(?:{_LIKE_ES}|{_AFTER_ES}|"
    rf"para|de|sobre)\s+(?P<title>.+)$",
    rf"^{_WATCH_ES}\s+{_AFTER_ES}\s+(?P<title>.+)$",
    rf"^(?:si\s+)?me\s+(?:gust{_O}|encant{_O})\s+(?P<title>.+?)"
    rf"(?:[,.;]?{_GAP}¿?(?:qu{_E}|algo)\b.*)?$",
)
# "Where can I watch X?" / "¿Dónde puedo ver X?"
_WHERE = re.compile(
    r"^(?:(?:where\s+(?:can|could|do|should)\s+(?:i|we)\s+(?:watch|see|stream|find)|"
    r"where\s+to\s+(?:watch|stream)|"
    rf"d{_O}nde\s+(?:(?:puedo|podemos|se\s+puede)\s+)?(?:ver|veo|miro|est{_A}n?|dan|echan))"
    rf"\s+(?P<title>.+?)|where(?:'s|\s+is|\s+are)\s++(?P<streaming>.+?){_GAP}streaming)$",
    re.IGNORECASE | re.DOTALL,
)
# What follows /recommend: the command is the verb ("/recommend movies like toy story").
# Asking for "something" or "a movie" is asking without a title; "/recommend us" is a title.
_COMMAND_REQUESTS = _patterns(
    rf"^(?=.*\b(?:something|anything|{_NOUN_EN})\b){_OBJECT_EN}{_TO_WATCH_EN}$",
    rf"^(?=.*\b(?:algo|{_NOUN_ES})\b){_OBJECT_ES}{_TO_WATCH_ES}$",
    rf"^{_SOME_OBJECT_EN}\s+(?:{_LIKE_EN}|{_AFTER_EN})\s+(?P<title>.+)$",
    rf"^{_SOME_OBJECT_ES}\s+(?:{_LIKE_ES}|{_AFTER_ES})\s+(?P<title>.+)$",
)

# "… on Netflix" / "… en Netflix" at the end of a title asks for one platform.
_ON_PLATFORM = re.compile(
    rf"^(?P<title>.+){_GAP}(?:on|in|en)\s+(?P<platform>\S.{{0,30}})$", re.IGNORECASE | re.DOTALL
)
# "Toy Story 2 (1999)" and "The Office 2005": the year picks between works of one title.
_TITLE_YEAR = re.compile(r"^(?P<title>.*?\S)(?:\s*\((?P<paren>\d{4})\)|\s+(?P<bare>\d{4}))$")
_QUOTES = "\"'“”‘’«»`"
_LEADING_NOISE = re.compile(r"^[\s¿¡]+")
# Spaces, punctuation and " please" (" por favor") at the end, matched on the reversed text
# from its start: a pattern anchored at the end is tried from every position of a long run of
# noise, in time quadratic in its length. Each alternative starts with a different character,
# so the possessive loop never needs to backtrack.
_TRAILING_NOISE = re.compile(r"(?:[\s?!.¿¡,;:…]|(?:esaelp|slp|zlp|rovaf\s++rop)\s)*+", re.I)
# Words are split at spaces, semicolons and commas, except a decimal comma as in "7,5".
_WORD_SEPARATOR = re.compile(r"[\s;]+|,(?!\d)")
# Punctuation around an argument word ("Netflix.", "¿netflix?"), but not "disney+" or "pg-13".
_WORD_EDGES = _QUOTES + ".,;:!?¿¡…()[]{}"
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
# and the platforms the catalogue knows.
ArgumentParser = Callable[[str, str, PlatformRegistry], Intent]


def no_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return Intent(name)


def recommend_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    """A title, or a whole request ("/recommend something like coco on disney")."""
    if text and len(text) <= MAX_TITLE_LENGTH * 2:
        request = _request(_COMMAND_REQUESTS, " " + _strip_noise(text).strip(), registry)
        if request is not None:
            return request
    return _title_intent(name, text, registry, with_filters=True)


def title_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _title_intent(name, text, registry, with_filters=False)


def why_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _why(text, registry)


def platform_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _one_platform(name, text, registry)


def platforms_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _platforms(text, registry)


def upload_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _upload(text)


def language_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _language(text)


def question_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _catalogue_question(name, text, registry)


def country_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _country(text)


def rating_arguments(name: str, text: str, registry: PlatformRegistry) -> Intent:
    return _rating(text)


def parse_free_text(text: str, registry: PlatformRegistry) -> Intent:
    """A message that is not a command: a greeting, a question about the bot, a request for
    similar titles, or a title (with "on <platform>" and a year if given)."""
    text = text[:MAX_MESSAGE_LENGTH]
    body = _strip_noise(text)
    folded = " ".join(fold(body).split())
    if folded in _GREETINGS:
        return Intent(GREETING)
    if folded in _THANKS:
        return Intent(THANKS)
    if not folded or _HELP.match(folded):
        return Intent(HELP)
    if len(text) <= MAX_TITLE_LENGTH * 2:
        where = _WHERE.match(body)
        if where is not None:
            title = where.group("title") or where.group("streaming")
            return _title_intent(WHERE, title, registry, with_filters=False)
        request = _request(_REQUESTS, body, registry)
        if request is not None:
            return request
    return _title_intent(TITLE, text, registry, with_filters=True)


def _strip_noise(text: str) -> str:
    """``text`` without the punctuation and "please" around what it asks."""
    return _strip_trailing_noise(_LEADING_NOISE.sub("", text))


def _strip_trailing_noise(text: str) -> str:
    """``text`` without the punctuation, spaces and "please" it ends with.

    >>> _strip_trailing_noise("Up, please?? "), _strip_trailing_noise("Heat por  favor!")
    ('Up', 'Heat')
    """
    return text[: len(text) - _TRAILING_NOISE.match(text[::-1]).end()]


def _request(
    patterns: Iterable[re.Pattern[str]], text: str, registry: PlatformRegistry
) -> Intent | None:
    """A recommendation request in one of ``patterns``, or ``None``."""
    for pattern in patterns:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        if not groups.get("title"):
            return Intent(RECOMMEND, problem=Problem("missing_title"))
        intent = _title_intent(RECOMMEND, groups["title"], registry, with_filters=True)
        noun = groups.get("noun")
        item_type = _TYPES.get(fold(" ".join(noun.split()))) if noun else None
        if item_type and intent.problem is None:
            return Intent(RECOMMEND, {**intent.args, "item_type": item_type})
        return intent
    return None


def _clean_title(text: str) -> str:
    title = _strip_trailing_noise(" ".join(text.split()))
    return title.strip().strip(_QUOTES).strip()


def _title_intent(intent: str, text: str, registry: PlatformRegistry, with_filters: bool) -> Intent:
    """A title, and with ``with_filters`` a trailing "on <platform>"; then a trailing year."""
    if len(text) > MAX_TITLE_LENGTH * 2:
        return Intent(intent, problem=Problem("too_long"))
    title = _clean_title(_LEADING_NOISE.sub("", text))
    args: dict[str, object] = {}
    on = _ON_PLATFORM.match(title) if with_filters else None
    if on:
        named = _clean_title(on.group("platform"))
        platform = _platform_named(named, registry, TITLE_PLATFORM_TYPO)
        if platform is not None:
            title = _clean_title(on.group("title"))
            args["platform"] = platform.name
        elif fold(named) in _OTHER_PLATFORMS:
            return Intent(intent, problem=Problem("uncovered_platform", named))
    if not title:
        return Intent(intent, problem=Problem("missing_title"))
    if len(title) > MAX_TITLE_LENGTH:
        return Intent(intent, problem=Problem("too_long"))
    dated = _TITLE_YEAR.match(title)
    if dated:
        year = int(dated.group("paren") or dated.group("bare"))
        undated = _clean_title(dated.group("title"))
        # A year still to come is part of a title: "Blade Runner 2049".
        if undated and FIRST_YEAR <= year <= datetime.date.today().year + 1:
            return Intent(intent, {"title": undated, "year": year, **args})
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
    """The argument words of ``text``, without the punctuation around them."""
    words = (word.strip(_WORD_EDGES) for word in _WORD_SEPARATOR.split(text))
    return [word for word in words if word]


def where_title(text: str) -> str | None:
    """The title a "where can I watch …" query asks about (``where toy story`` too, as typed
    in inline mode), or ``None``.

    >>> where_title("donde coco"), where_title("where can I watch Up?"), where_title("Up")
    ('coco', 'Up', None)
    """
    body = _strip_noise(text[:MAX_MESSAGE_LENGTH].translate(_INVISIBLE_SPACES).strip())
    short = _WHERE.match(body) or _INLINE_WHERE.match(body)
    if short is None:
        return None
    title = _clean_title(short.group("title") or short.groupdict().get("streaming") or "")
    return title or None


_INLINE_WHERE = re.compile(rf"^/?(?:where|d{_O}nde)\s+(?P<title>.+)$", re.IGNORECASE | re.DOTALL)


def _why(text: str, registry: PlatformRegistry) -> Intent:
    """Two titles to compare: ``A | B`` (or ``A vs B``)."""
    parts = [part for part in _WHY_SEPARATOR.split(text, maxsplit=1) if part.strip()]
    if len(parts) < 2:
        return Intent(WHY, problem=Problem("missing_second_title"))
    titles = []
    for part in parts:
        intent = _title_intent(TITLE, part, registry, with_filters=False)
        if intent.problem is not None:
            return Intent(WHY, problem=intent.problem)
        titles.append(intent.args)
    first, second = titles
    return Intent(WHY, {"title": first["title"], "year": first.get("year"), "other": second})


# Starting only where a run of spaces starts, as _GAP does.
_WHY_SEPARATOR = re.compile(r"(?<!\s)(?:\s*[|｜]\s*|\s+(?:vs\.?|versus|contra)\s+)", re.IGNORECASE)


def _one_platform(intent: str, text: str, registry: PlatformRegistry) -> Intent:
    """``/new`` and ``/stats``: an optional platform name, and nothing else."""
    words = [word for word in _words(text) if fold(word) not in _FILLERS]
    if not words:
        return Intent(intent)
    platform = _platform_named(" ".join(words), registry, PLATFORM_TYPO)
    if platform is None:
        return Intent(intent, problem=_platform_problem(" ".join(words)))
    return Intent(intent, {"platform": platform.name})


def _platform_problem(named: str) -> Problem:
    if fold(named) in _OTHER_PLATFORMS:
        return Problem("uncovered_platform", named[:30])
    return Problem("unknown_platform", named[:30])


def _platforms(text: str, registry: PlatformRegistry) -> Intent:
    """``/platforms netflix disney``; ``all`` (or ``todas``) for every one; none to show."""
    words = [word for word in _words(text) if fold(word) not in _FILLERS]
    if not words:
        return Intent(PLATFORMS)
    if len(words) == 1 and fold(words[0]) in _ALL_WORDS:
        return Intent(PLATFORMS, {"platforms": ()})
    chosen: list[str] = []
    start = 0
    while start < len(words):
        platform, size = _platform_from(words, start, registry)
        if platform is None:
            return Intent(PLATFORMS, problem=_platform_problem(words[start]))
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
            platform = _platform_named(" ".join(words[start : start + size]), registry)
            if platform is not None:
                return platform, size
    return _platform_named(words[start], registry, PLATFORM_TYPO), 1


_ALL_WORDS = _word_set("all every everything any reset todas todo todos cualquiera")


def _upload(text: str) -> Intent:
    """``/upload <platform> [Display Name]`` (the caption of a CSV document)."""
    name, _, display_name = text.strip().partition(" ")
    if not name:
        return Intent(UPLOAD, problem=Problem("missing_platform"))
    return Intent(UPLOAD, {"platform": fold(name).strip(_QUOTES), "display_name": display_name})


# -- platforms ------------------------------------------------------------------------------
def _platform_named(
    text: str, registry: PlatformRegistry, typo: float | None = None
) -> Platform | None:
    """The platform ``text`` names, exactly or, given ``typo``, with a slip that close.

    Single letters are record-id prefixes, not names: "mayor a 7" is not Prime Video.
    """
    folded = fold(text)
    if len(folded) < 2:
        return None
    # Folded once: folding again changes nothing, and a folded name is quick to fold (ASCII).
    platform = registry.resolve(folded)
    if platform is None and typo is not None:
        platform = _closest_platform(text, registry, typo)
    return platform


def _closest_platform(text: str, registry: PlatformRegistry, typo: float) -> Platform | None:
    """The one platform whose names are within ``typo`` of ``text``, if it is clear."""
    folded = fold(text)
    if len(folded) < 3:
        return None
    best = sorted(
        (
            max(fuzz.ratio(folded, fold(name)) for name in _names(platform)),
            index,
        )
        for index, platform in enumerate(registry)
    )
    score, index = best[-1]
    runner_up = best[-2][0] if len(best) > 1 else 0.0
    if score >= typo and score - runner_up >= TYPO_MARGIN:
        return registry.platforms[index]
    return None


def _names(platform: Platform) -> list[str]:
    return [platform.name, platform.display_name, *platform.aliases]


def _take_platform(words: list[str], registry: PlatformRegistry) -> tuple[str | None, list[str]]:
    """The first platform named by one to three consecutive words, and the other words."""
    folded = [fold(word) for word in words]  # Once each, not once in each of six windows.
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            platform = _platform_named(" ".join(folded[start : start + size]), registry)
            if platform is not None:
                return platform.name, words[:start] + words[start + size :]
    return None, words


# -- the catalogue questions ---------------------------------------------------------------
def _catalogue_question(intent: str, text: str, registry: PlatformRegistry) -> Intent:
    """``longest``, ``score_count``, ``count`` and ``actor``: typed words, any order."""
    platform, words = _take_platform(_join_types(_words(text)), registry)
    fillers = _FILLERS | _QUESTION_FILLERS[intent]
    args: dict[str, object] = {}
    years: list[str] = []
    leftovers: list[str] = []
    for word in words:
        folded = fold(word)
        if folded in fillers:
            continue
        kind, value = _classify(folded, intent)
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
    others = [p for p in (_platform_named(word, registry) for word in leftovers) if p]
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


def _join_types(words: list[str]) -> list[str]:
    """``words`` with two-word types ("tv show") as one word."""
    joined: list[str] = []
    for word in words:
        if joined and f"{fold(joined[-1])} {fold(word)}" in _TYPES:
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
            platform = _closest_platform(named, registry, PLATFORM_TYPO)
            if platform is not None:
                return platform.name, words[:start] + words[start + size :]
    return None, words


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
def _country(text: str) -> Intent:
    """``country``: a type word, a year and a country, in any order, among filler words."""
    item_type = year = None
    rest: list[str] = []
    for word in _join_types(_words(text)):
        folded = fold(word)
        if folded in _TYPES:
            item_type = item_type or _TYPES[folded]
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
    country = _country_in(rest)
    if not country:
        return Intent(COUNTRY, problem=Problem("missing_country"))
    if year is None:
        return Intent(COUNTRY, problem=Problem("missing_year"))
    return Intent(COUNTRY, {"item_type": item_type, "country": country, "year": year})


def _country_alias(phrase: str) -> str | None:
    """The catalogue country a folded ``phrase`` names exactly, in English or Spanish."""
    return _COUNTRY_ALIASES.get(phrase) or _COUNTRY_BY_LETTERS.get(_letters(phrase))


def _country_in(words: list[str]) -> str:
    """The country among folded ``words``: the longest run of words naming one, when the
    others are only filler ("de", "from the"); else the words that are not filler.

    >>> _country_in(["de", "la", "ciudad", "del", "vaticano", "en"])
    'vatican city'
    >>> _country_in(["from", "narnia"])
    'narnia'
    """
    meaningful = [0]
    for word in words:
        meaningful.append(meaningful[-1] + (word not in _COUNTRY_FILLERS))
    for size in range(min(len(words), _COUNTRY_WORDS), 0, -1):
        for start in range(len(words) - size + 1):
            end = start + size
            outside = meaningful[-1] - (meaningful[end] - meaningful[start])
            country = _country_alias(" ".join(words[start:end])) if outside == 0 else None
            if country:
                return country
    return " ".join(word for word in words if word not in _COUNTRY_FILLERS)[:60]


def resolve_country(text: str, known: Mapping[str, str]) -> str | None:
    """The country of ``known`` (the catalogue's, by lowercase name) that ``text`` names:
    by name or alias in English or Spanish, or with a slip close to only one country.

    >>> known = {"united states": "United States", "austria": "Austria", "australia": "Australia"}
    >>> resolve_country("EE. UU.", known), resolve_country("untied states", known)
    ('united states', 'united states')
    >>> resolve_country("austrlia", known) is None  # as close to Austria as to Australia
    True
    """
    folded = " ".join(fold(text).split())
    for candidate in (folded, _country_alias(folded)):
        if candidate in known:
            return candidate
    # One slip in a short name often spells another country: "mali" is not Malta.
    if len(folded) < 5:
        return None
    choices = {name: name for name in known}
    choices.update({alias: name for alias, name in _COUNTRY_ALIASES.items() if name in known})
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
def _rating(text: str) -> Intent:
    """``rating``: an age rating as the catalogue writes it ("pg-13", "18+"), or as people say
    it ("rated pg-13", "para mayores de 18")."""
    words = (fold(word).strip(_WORD_EDGES) for word in text.split())
    phrase = " ".join(word for word in words if word and word not in _RATING_FILLERS)[:20]
    if not phrase:
        return Intent(RATING, problem=Problem("missing_rating"))
    return Intent(RATING, {"rating": _RATING_WORDS.get(phrase) or _age_rating(phrase) or phrase})


def _age_rating(phrase: str) -> str | None:
    """ "18+" for "mayores 18", "over 18", "18 and up" or a bare "18".

    >>> _age_rating("mayores 18"), _age_rating("16 years and over"), _age_rating("pg-13")
    ('18+', '16+', None)
    """
    ages = re.findall(r"\d+", phrase)
    others = re.sub(r"\d+", " ", phrase).replace("+", " + ").split()
    if len(ages) != 1 or int(ages[0]) not in _RATED_AGES:
        return None
    if all(word in _AGE_WORDS for word in others):
        return f"{int(ages[0])}+"
    return None
