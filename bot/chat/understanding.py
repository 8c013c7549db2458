"""What a free-text message asks for beyond a title: the slots of a request for a list of
titles (genres, platforms, years, length, countries, audience, order, liked titles, topic),
whether it refines the last list, and which language it is written in.

Words are looked up, not matched by patterns. A message is cut into tokens once; at each
token the longest phrase that starts there is looked up in one table that holds every
language's vocabulary (bot/chat/languages/: ``[genres.words]``, ``[countries.adjectives]``,
``[words.*]``) and the platforms' names, or the token is read as a year or a number. A phrase's
neighbours then settle what it means: "after 2015" is a year and "after heat" a liked title;
"from the 90s" is a decade and "from spain" a country. The work is linear in the message's
length, and no message can make it raise.

Given the catalogue's titles (:class:`Titles`), two readings lean on it: liked titles are cut
where its titles say ("I loved pride and prejudice" is one title, "narcos and ozark" two, "Star
Wars: The Clone Wars" is not cut at its colon), asking its matcher a bounded number of times;
and a word no table and no title or synopsis has is read as the genre word it is one slip from
("horor movies").

>>> from bot.chat.languages import BUILTIN
>>> from recommender.platforms import Platform, PlatformRegistry
>>> registry = PlatformRegistry([Platform("netflix", "n", "n.csv", "Netflix", ("nflx",))])
>>> vocabulary = Vocabulary(BUILTIN)
>>> understood = understand("korean dramas on netflix from the 90s", registry, vocabulary)
>>> understood.args
{'genres': ('drama',), 'platforms': ('netflix',), 'year_min': 1990, 'year_max': 1999, \
'countries': ('South Korea',)}
>>> understood.listing, understood.follow_up
(True, False)
>>> understand("sin terror", registry, vocabulary).args
{'not_genres': ('horror',)}
>>> understand("me gustaron narcos y ozark", registry, vocabulary).args
{'like': ('narcos', 'ozark')}
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.chat.languages import Language, LanguageDataError, Languages
from recommender.matcher import CONFIDENT, MIN_CONFIDENCE
from recommender.platforms import Platform, PlatformRegistry
from recommender.text import fold

# A platform name typed with a slip ("netflx") still counts when it is this close (rapidfuzz's
# ratio, 0-100) to one platform and clearly closer to it than to any other.
PLATFORM_TYPO = 80
# After "on …" a slip must be closer: "Dinner in Amazonia" is a title.
TITLE_PLATFORM_TYPO = 90
TYPO_MARGIN = 5
# "short" asks for movies this long at most.
SHORT_MINUTES = 90
# "classic" asks for titles released before this year.
CLASSIC_BEFORE = 1980
# "recent" asks for the catalogue's last this many release years. Only the catalogue knows
# which those are, so the slot says ``recent`` and the reply sets the years.
RECENT_YEARS = 3
FIRST_YEAR = 1870
# A word the vocabulary does not know reads as the genre or mood word it is one slip from
# ("horor", "comdy", "terorr", "romantc"): a letter missing, added, changed or two swapped.
# The slip keeps the first letter and does not only add or drop letters at the end ("crimes",
# "heist" are words of their own), and a word the catalogue's text has (its titles, synopses
# and names: "honor", "auction", "Acton") is never read so.
GENRE_SLIP_LENGTH = 5
# Nor in a message this short that as a whole surely names a title ("Horor Story").
TITLE_WORDS = 12
# Liked titles ("I loved X and Y: Z") are cut where the catalogue's titles say: of the ways
# to split them at "and" and commas, and to end them at a clause's end or a word that starts
# something else, the one whose parts name titles most surely, each part weighing its length
# times how far its confidence is above MIN_CONFIDENCE ("pride and prejudice" is one title,
# "narcos and ozark" two). A title holds at most MAX_CUTS_IN_TITLE of those cuts, the ways
# weighed end after MAX_LIKED_ENDS possible ends, and beyond MAX_LIKED_CUTS cuts or
# MAX_LIKED_ITEMS phrases every cut is taken: the matcher is asked a bounded number of times.
MAX_CUTS_IN_TITLE = 2
MAX_LIKED_ENDS = 5
MAX_LIKED_CUTS = 6
MAX_LIKED_ITEMS = 40
MAX_LIKED_TITLE = 200
# However many lists of liked titles a message holds, the matcher is asked this often at most.
MAX_TITLE_LOOKUPS = 40

# What a phrase may mean: (kind, value). The kinds in _SINGLE take one value per phrase; the
# others may take several ("rom-com": romance and comedy; "nordic": four countries).
GENRE = "genre"
COUNTRY = "country"  # a nationality word ("korean"): a country wherever it stands
COUNTRY_NAME = "country_name"  # a country's name: a country after "from" ("from korea")
TYPE = "type"
SORT = "sort"
AUDIENCE = "audience"
YEARS = "years"  # "recent", "classic", or "decade": a word before a decade ("los 90")
DECADE = "decade"
LENGTH = "length"  # "short", "one_season", "half"
UNIT = "unit"  # "min", "season", "hour"
NUMBER = "number"
LIMIT = "limit"  # "below", "at_most", "above", "at_least", "between", "to"
FOLLOW = "follow"  # "more", "shorter", "newer", "only", "then", "not"
MARKER = "marker"  # what a word says of the words around it: MARKER_MEANINGS
FILLER = "filler"
# Read from a token's shape, or from the platform registry.
YEAR = "year"
RANGE = "range"
AMOUNT = "amount"  # a number and its unit in one token: "90min", "2h", "1h30"
PLATFORM = "platform"
_SINGLE = frozenset({TYPE, SORT, AUDIENCE, DECADE, UNIT, NUMBER})
# A message of this many words, this many of them unknown to the vocabulary, describes a
# title rather than naming it ("a sheriff wakes up from a coma and the world is full of
# zombies"): 4% of the catalogue's titles are as long, and the reply still prefers a title
# the message names exactly.
DESCRIPTION_WORDS = 8
DESCRIPTION_UNKNOWN = 4
# How far into a message "a" or "una" describes what it asks for.
_INDEFINITE_WITHIN = 6
# What :meth:`_Reader.slot` fills.
_FILLED_KINDS = frozenset({GENRE, COUNTRY, TYPE, AUDIENCE, SORT, YEARS, DECADE, LENGTH})
# A phrase of only these kinds is a plain word or filler.
_PLAIN_KINDS = frozenset({FILLER})
_SLOT_KINDS = frozenset(
    {GENRE, COUNTRY, TYPE, SORT, AUDIENCE, DECADE, LENGTH, YEAR, RANGE, AMOUNT, PLATFORM}
)

MARKER_MEANINGS = (
    "about",
    "where",
    "like",
    "liked",
    "and",
    "from",
    "on",
    "request",
    "list",
    "some",
)
# The tables of ``[words]`` a language may write, with the kind of their phrases and the
# meanings they may hold (None: checked by _meaning).
_WORD_TABLES: dict[str, tuple[str, frozenset[str] | None]] = {
    "sort": (SORT, frozenset({"score", "newest"})),
    "audience": (AUDIENCE, frozenset({"kids"})),
    "years": (YEARS, None),
    "length": (LENGTH, frozenset({"short", "one_season", "half"})),
    "numbers": (NUMBER, None),
    "limits": (LIMIT, frozenset({"below", "at_most", "above", "at_least", "between", "to"})),
    "follow_up": (FOLLOW, frozenset({"more", "shorter", "newer", "only", "then", "not"})),
    "markers": (MARKER, frozenset(MARKER_MEANINGS)),
}
_TYPES = {"movie": "movie", "tv show": "tv"}
_DECADE_KEY = re.compile(r"1[89]\d0|20\d0")

# A message's tokens: what lies between spaces and punctuation. A dot, an apostrophe or a
# hyphen inside a token stays in it ("U.S.", "what's", "sci-fi", "2010-2015").
_TOKEN = re.compile(r"[^\s,;:!?¿¡()\[\]{}\"“”«»…|/]+")
_EDGES = ".'’‘`´-–—*_~"
_DASHES = frozenset("-–—")
_ALNUM = re.compile(r"[^\W_]")
# Punctuation that ends a clause; a comma only pauses.
_CLAUSE_END = frozenset(".;:!?…")
# Tokens read by their shape: years, decades ("90s", "1990s"), ranges, numbers, amounts.
_YEAR = re.compile(r"\d{4}")
_DECADE = re.compile(r"(?P<century>1[89]|20)?(?P<digit>\d)0'?s")
_RANGE = re.compile(r"(?P<first>\d{4})[-–—](?P<last>\d{4}|\d{2})")
_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?")
_TWO_DIGIT_DECADE = re.compile(r"\d0")
_AMOUNT = re.compile(r"(?P<number>\d{1,3}(?:[.,]\d{1,2})?)(?P<unit>h|hrs?|m|mins?)")
_HOURS_MINUTES = re.compile(r"(?P<hours>\d)h(?P<minutes>[0-5]\d)(?:m|min)?")


class _Token(NamedTuple):
    """A word as typed (without the punctuation around it), its folded key, where it is in
    the message, and the pause before it: "." after punctuation that ends a clause, "," after
    a comma, else ""."""

    text: str
    key: str
    start: int
    end: int
    pause: str


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    gap_start = 0
    for match in _TOKEN.finditer(text):
        raw = match.group()
        # A dash alone joins a range ("2000 - 2005"); other punctuation alone is noise.
        word = raw if raw.isalnum() or raw in _DASHES else raw.strip(_EDGES)
        if not (word.isalnum() or word in _DASHES or _ALNUM.search(word)):
            continue
        start = match.start() + (0 if word is raw else raw.index(word))
        gap = text[gap_start:start]
        gap_start = start + len(word)
        pause = "." if _CLAUSE_END.intersection(gap) else "," if "," in gap else ""
        key = fold(word)
        if "’" in key or "‘" in key:
            key = key.replace("’", "'").replace("‘", "'")
        tokens.append(_Token(word, key, start, start + len(word), pause))
    return tokens


def phrase_key(phrase: str) -> str:
    """A phrase as the vocabulary keys it: its tokens, folded, one space apart.

    >>> phrase_key("  ¿Ciencia-Ficción? "), phrase_key("What’s")
    ('ciencia-ficcion', "what's")
    """
    return " ".join(token.key for token in _tokens(phrase))


def _decade_start(digit: int) -> int:
    """The first year of a decade written with one digit: the 20s are the 1920s, the 00s and
    the 10s this century's."""
    return (2000 if digit < 2 else 1900) + 10 * digit


@functools.cache
def _this_year() -> int:
    return datetime.date.today().year


class Titles(Protocol):
    """What reading a message needs of the catalogue (``recommender.engine.Engine`` has it):
    how surely some text names one title, from 0 to 1 (with ``carried`` false, a title it
    knows of but does not carry counts too), whether a word is one of its
    titles, synopses or names, or of its Spanish lexicon: a word, not a slip of one, and the
    runs of a text's words that name a title exactly, longest first."""

    def title_confidence(self, text: str, carried: bool = True) -> float: ...

    def knows_word(self, word: str) -> bool: ...

    def titles_within(self, text: str) -> list[str]: ...


# -- the vocabulary --------------------------------------------------------------------------
class Vocabulary:
    """Every language's words for the slots of a request, in one table of phrases.

    ``phrases`` maps a phrase (as :func:`phrase_key` writes it) to its meanings, ``(kind,
    value)`` pairs. ``exclusive`` holds, per language, the words of its data that no other
    language's data has: they tell which language a message is in.
    """

    def __init__(self, languages: Languages) -> None:
        self.codes = languages.codes
        self.uncovered_platforms = languages.common.uncovered_platforms
        genres = {genre for language in languages for genre in language.genres}
        phrases: dict[str, list[tuple[str, str]]] = {}
        words: dict[str, set[str]] = {}
        for language in languages:
            own = words.setdefault(language.code, set())
            for kind, value, phrase, key in _entries(language, genres):
                phrase = phrase_key(phrase)
                own.update(phrase.split())
                _add(phrases, phrase, (kind, value), language, key)
            own.update(_other_words(language))
        # The catalogue's own names for its countries, English but in no language's data.
        for language in languages:
            for country in (*language.countries, *language.country_aliases):
                _add(phrases, phrase_key(country), (COUNTRY_NAME, country), language, "")
        phrases.pop("", None)
        self.phrases = {phrase: tuple(meanings) for phrase, meanings in phrases.items()}
        # Every start of a phrase longer than a word ("los años" of "los años noventa").
        self.prefixes = frozenset(
            " ".join(words[:size])
            for words in map(str.split, self.phrases)
            for size in range(2, len(words))
        )
        self.exclusive = {
            code: frozenset(
                word
                for word in own
                if not word.isdigit()
                and not any(word in other for theirs, other in words.items() if theirs != code)
            )
            for code, own in words.items()
        }
        # The one-word genre and mood phrases a slip may stand for.
        self.genre_words = tuple(
            phrase
            for phrase, meanings in self.phrases.items()
            if " " not in phrase
            and phrase.isalpha()
            and len(phrase) >= GENRE_SLIP_LENGTH - 1
            and any(kind == GENRE for kind, _ in meanings)
        )
        self.genre_slip = functools.lru_cache(maxsize=4096)(self._genre_slip)

    def _genre_slip(self, key: str) -> tuple[tuple[str, str], ...]:
        """The meanings of the genre or mood word ``key`` is a slip of, if it is clearly one
        ("horor": horror), else none."""
        if len(key) < GENRE_SLIP_LENGTH or not key.isalpha():
            return ()
        found = process.extract(
            key, self.genre_words, scorer=OSA.distance, score_cutoff=1, limit=None
        )
        near = [
            (slipped, word)
            for word, slipped, _ in found
            if word[0] == key[0] and not (key.startswith(word) or word.startswith(key))
        ]
        closest = {self.phrases[word] for slipped, word in near if slipped == min(near)[0]}
        return closest.pop() if len(closest) == 1 else ()


def _add(
    phrases: dict[str, list[tuple[str, str]]],
    phrase: str,
    meaning: tuple[str, str],
    language: Language,
    key: str,
) -> None:
    """Give ``phrase`` one more meaning; a second value of a single-valued kind is an error."""
    meanings = phrases.setdefault(phrase, [])
    kind, value = meaning
    for other_kind, other in meanings:
        if other_kind == kind and other != value and kind in _SINGLE:
            problem = f"{phrase!r} means {value!r} here and {other!r} elsewhere"
            raise LanguageDataError(language.source, key, problem)
    if meaning not in meanings:
        meanings.append(meaning)


def _entries(language: Language, genres: set[str]) -> Iterator[tuple[str, str, str, str]]:
    """One language's phrases: (kind, value, phrase, the key of its file that says it)."""
    for genre, phrases in language.genre_words.items():
        if genres and genre not in genres:
            raise LanguageDataError(language.source, f"genres.words.{genre}", "not a genre")
        yield from ((GENRE, genre, phrase, "genres.words") for phrase in phrases)
    for country, phrases in language.country_adjectives.items():
        yield from ((COUNTRY, country, phrase, "countries.adjectives") for phrase in phrases)
    for country, name in language.countries.items():
        yield COUNTRY_NAME, country, name, "countries.names"
    for country, aliases in language.country_aliases.items():
        yield from ((COUNTRY_NAME, country, alias, "countries.aliases") for alias in aliases)
    words = language.words
    for phrase, kind in words.types.items():
        yield TYPE, _TYPES[kind], phrase, "words.types"
    for phrase, unit in words.durations.items():
        yield UNIT, unit, phrase, "words.durations"
    for table, (kind, allowed) in _WORD_TABLES.items():
        key = f"words.{table}"
        for value, phrases in getattr(words, table).items():
            meaning = _meaning(kind, value, allowed, language, key)
            yield from ((*meaning, phrase, key) for phrase in phrases)
    for filler in (*words.fillers.get("discover", ()), *words.greetings, *words.please):
        yield FILLER, "", filler, "words.fillers.discover"


def _other_words(language: Language) -> Iterator[str]:
    """The words of a language's data that mean nothing in a request but tell its language."""
    yield from (word for phrase in language.everyday for word in phrase_key(phrase).split())
    words = language.words
    for phrases in (*words.fillers.values(), words.thanks, words.ratings, words.all):
        for phrase in phrases:
            yield from phrase_key(phrase).split()


def _meaning(
    kind: str, value: str, allowed: frozenset[str] | None, language: Language, key: str
) -> tuple[str, str]:
    """What ``value`` of the table ``key`` means; an error names a value it cannot mean."""
    if kind == YEARS and _DECADE_KEY.fullmatch(value):
        return DECADE, value
    if kind == YEARS and value in ("recent", "classic", "decade"):
        return YEARS, value
    if kind == NUMBER and value.isdigit():
        return NUMBER, value
    if kind == LENGTH and value == "hours":
        return UNIT, "hour"
    if allowed is not None and value in allowed:
        return kind, value
    raise LanguageDataError(language.source, f"{key}.{value}", "not a meaning the parser knows")


# -- platforms ---------------------------------------------------------------------------------
def platform_named(
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
        platform = closest_platform(text, registry, typo)
    return platform


def closest_platform(text: str, registry: PlatformRegistry, typo: float) -> Platform | None:
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


# -- a message as phrases -----------------------------------------------------------------------
class _Item:
    """A phrase of the message, its tokens ``first`` to ``end``, and what it may mean: nothing,
    for a word the vocabulary does not know."""

    __slots__ = (
        *("end", "filler", "first", "kinds", "limit", "meanings", "pairs", "word"),
        *("opens_length", "opens_years"),
    )

    def __init__(self, first: int, end: int, meanings: tuple[tuple[str, str], ...]) -> None:
        self.first = first
        self.end = end
        self.meanings = meanings
        (
            self.pairs,
            self.kinds,
            self.word,
            self.filler,
            self.limit,
            self.opens_years,
            self.opens_length,
        ) = _sense(meanings)

    def has(self, kind: str, value: str | None = None) -> bool:
        return kind in self.kinds if value is None else (kind, value) in self.pairs

    def values(self, kind: str) -> list[str]:
        return [v for k, v in self.meanings if k == kind]

    def value(self, kind: str) -> str:
        return self.values(kind)[0]


@functools.lru_cache(maxsize=4096)
def _sense(
    meanings: tuple[tuple[str, str], ...],
) -> tuple[frozenset[tuple[str, str]], frozenset[str], bool, bool, str | None, bool, bool]:
    """What :class:`_Item` works out of its meanings, once for each set of meanings: its
    meanings and kinds as sets; whether it is a word the vocabulary does not know (or a number
    that is neither year nor length); whether it is filler, neither a slot nor a request ("a",
    "and", "only"); the limit it sets ("below", not "to"); whether years or a length may start
    at it."""
    pairs = frozenset(meanings)
    kinds = frozenset(kind for kind, _ in meanings)
    filler = bool(meanings) and not (
        kinds & _SLOT_KINDS
        or (MARKER, "request") in pairs
        or (YEARS, "recent") in pairs
        or (YEARS, "classic") in pairs
    )
    limit = next((value for kind, value in meanings if kind == LIMIT and value != "to"), None)
    opens_years = bool(
        limit or kinds & {YEAR, RANGE, DECADE} or {(MARKER, "from"), (YEARS, "decade")} & pairs
    )
    opens_length = bool(limit or kinds & {AMOUNT, NUMBER, UNIT})
    return pairs, kinds, kinds <= {NUMBER}, filler, limit, opens_years, opens_length


def _contrasts(item: _Item) -> bool:
    """Whether ``item`` is a "but" ("pero"): a word that turns to something else, not "and"."""
    return item.has(FOLLOW, "then") and not item.has(MARKER)


def _shape_meanings(key: str) -> tuple[tuple[str, str], ...]:
    """What a token means by its shape: a year, a decade, a range, a number, an amount."""
    if not key[:1].isdigit():
        return ()
    if _YEAR.fullmatch(key):
        return ((YEAR, key),) if FIRST_YEAR <= int(key) <= _this_year() + 1 else ()
    decade = _DECADE.fullmatch(key)
    if decade:
        century, digit = decade.group("century"), int(decade.group("digit"))
        first = int(f"{century}{digit}0") if century else _decade_start(digit)
        return ((DECADE, str(first)),)
    years = _RANGE.fullmatch(key)
    if years:
        first, last = years.group("first"), years.group("last")
        return ((RANGE, f"{first}-{first[:2] + last if len(last) == 2 else last}"),)
    if _NUMBER.fullmatch(key):
        return ((NUMBER, key.replace(",", ".")),)
    hours_minutes = _HOURS_MINUTES.fullmatch(key)
    if hours_minutes:
        minutes = 60 * int(hours_minutes.group("hours")) + int(hours_minutes.group("minutes"))
        return ((AMOUNT, f"{minutes} min"),)
    amount = _AMOUNT.fullmatch(key)
    if amount:
        unit = "hour" if amount.group("unit").startswith("h") else "min"
        return ((AMOUNT, f"{amount.group('number').replace(',', '.')} {unit}"),)
    return ()


def _items(
    tokens: list[_Token],
    registry: PlatformRegistry,
    vocabulary: Vocabulary,
    titles: Titles | None = None,
    slips: bool = True,
) -> list[_Item]:
    """The message as phrases: at each token, the longest phrase the vocabulary or the
    platform registry knows, else the token alone with what its shape means, or, with
    ``slips`` and the catalogue's ``titles``, the genre it is a slip of (see GENRE_SLIP_LENGTH).

    A phrase grows a token at a time while it is the start of a known phrase, so each token
    costs a look-up or two, however long the phrases are.
    """
    keys = [token.key for token in tokens]
    platforms = _platform_phrases(registry)
    items: list[_Item] = []
    start = 0
    while start < len(tokens):
        found: tuple[int, tuple[tuple[str, str], ...]] = (start + 1, _shape_meanings(keys[start]))
        phrase = keys[start]
        end = start + 1
        while True:
            meanings = vocabulary.phrases.get(phrase, ())
            if phrase in platforms:
                platform = registry.resolve(phrase)
                meanings = ((PLATFORM, platform.name), *meanings) if platform else meanings
            if meanings:
                found = (end, (*meanings, *found[1]) if end == start + 1 else meanings)
            # A phrase never spans the end of a clause: in "… drama. Netflix" they are two.
            if end == len(tokens) or tokens[end].pause == ".":
                break
            longer = f"{phrase} {keys[end]}"
            if not any(
                longer in known for known in (vocabulary.phrases, vocabulary.prefixes, platforms)
            ):
                break
            phrase, end = longer, end + 1
        if titles is not None and slips and not found[1]:
            slipped = vocabulary.genre_slip(keys[start])
            if slipped and not titles.knows_word(keys[start]):
                found = (start + 1, slipped)
        items.append(_Item(start, *found))
        start = found[0]
    return items


@functools.lru_cache(maxsize=8)
def _platform_phrases(registry: PlatformRegistry) -> frozenset[str]:
    """The folded names of the registry's platforms, and their first words ("prime" of "prime
    video"); single letters are record-id prefixes, not names."""
    names = {
        phrase_key(name)
        for platform in registry
        for name in (*_names(platform), platform.letter)
        if len(phrase_key(name)) >= 2
    }
    return frozenset(
        " ".join(words[:size])
        for words in map(str.split, names)
        for size in range(1, len(words) + 1)
    )


# -- reading the phrases ------------------------------------------------------------------------
class _Part(NamedTuple):
    """A liked title: the pause before it, its phrases, where its text starts, and how surely
    it names a title of the catalogue (0 unweighed)."""

    pause: str
    phrases: list[int]
    start: int
    confidence: float


class _Start(NamedTuple):
    """Where a liked title may start: at a phrase, and in the message at ``text`` (after the
    "y" of "y otra"); the pause before it."""

    phrase: int
    text: int
    pause: str


class _Way(NamedTuple):
    """A way to cut liked titles so far: its worth, how many titles, and the titles. Ways
    compare by worth, then by more titles, as titles are cut without the catalogue."""

    worth: float = 0.0
    count: int = 0
    parts: tuple[_Part, ...] = ()

    def rank(self) -> tuple[float, int]:
        return self.worth, self.count


@dataclass(frozen=True)
class Understanding:
    """What a message asks for, as far as its words tell.

    ``args`` holds the slots found, under the keys of :class:`bot.chat.parsing.DiscoverArgs`,
    and ``more``, ``shorter`` or ``newer`` for a follow-up. ``rest`` holds the words the
    vocabulary does not know, as typed: maybe a title.

    ``strong`` is set when something no title lookup reads was found: a genre, a country, an
    audience, an order, a length, years in words, a topic after "about", a follow-up, or
    several liked titles. ``listing`` is set when the message asks for a list: something
    strong; titles described by a plural noun, by "a" ("heist movies", "a heist movie") or
    at length (a plot told from memory), the other words being their topic; or slots and no
    other words (but a year alone: "2012" is a title). ``asks`` is set when words ask for
    something to watch ("recommend", "what should I watch"). ``follow_up`` is set when the
    message refines the last list: "only series", "not horror", "more", or only slots that
    refine ("on netflix", "from the 90s"). ``uncovered`` names a platform the bot does not
    cover ("on hbo").
    """

    args: dict[str, object] = field(default_factory=dict)
    strong: bool = False
    rest: str = ""
    follow_up: bool = False
    uncovered: str | None = None
    listing: bool = False
    asks: bool = False


class _Reader:
    """One pass over a message's phrases, filling the slots."""

    def __init__(
        self,
        text: str,
        registry: PlatformRegistry,
        vocabulary: Vocabulary,
        titles: Titles | None = None,
    ) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.registry = registry
        self.vocabulary = vocabulary
        self.items = _items(self.tokens, registry, vocabulary, titles)
        slipped = any(map(self.slip, self.items)) and len(self.tokens) <= TITLE_WORDS
        if titles is not None and slipped and titles.title_confidence(text) >= CONFIDENT:
            self.items = _items(self.tokens, registry, vocabulary, titles, slips=False)
        self.titles = titles
        self.confidence: dict[tuple[int, int], float] = {}  # of the liked titles weighed
        self.lookups = 0  # the titles the matcher may have been asked about
        self.genres: list[str] = []
        self.not_genres: list[str] = []
        self.platforms: list[str] = []
        self.types: list[str] = []
        self.countries: list[str] = []
        self.audience: str | None = None
        self.sort: str | None = None
        self.year_min: int | None = None
        self.year_max: int | None = None
        self.recent = False
        self.max_minutes: int | None = None
        self.max_seasons: int | None = None
        self.like: list[str] = []
        self.topic: list[int] = []  # tokens after "about"
        self.rest: list[int] = []  # tokens of unknown words elsewhere
        self.flags: set[str] = set()  # "more", "shorter", "newer"
        self.heads = 0  # what makes a new request ("comedies", "recommend"), not a refinement
        self.asks = 0  # words that ask for something to watch
        # Whether the message describes titles ("heist movies", "a heist movie"): then words
        # besides the slots are their topic, not a title.
        self.describes = False
        self.strong = False
        self.refines = False
        self.uncovered: str | None = None
        self.negated = False  # after "not": the genres that follow are taken out
        self.in_topic = False  # after "about" or "where": the words are the topic
        self.in_titles = False  # reading slots among liked titles: no titles start there
        # For each phrase, whether only filler comes before it.
        self.leading = [True]
        for item in self.items:
            self.leading.append(self.leading[-1] and item.filler)
        # For each phrase, whether a "but" comes after it: "like dark but a movie" compares,
        # where "Like Crazy" is a title.
        self.but_after = [False]
        for item in reversed(self.items):
            self.but_after.append(self.but_after[-1] or _contrasts(item))
        self.but_after.reverse()
        self.contrasted = False  # liked titles, then "but": what follows compares with them
        # "a", "una" first, or after words that ask ("quiero ver una peli de zombis").
        self.indefinite = any(
            item.has(MARKER, "some")
            and all(other.filler or other.has(MARKER, "request") for other in self.items[:index])
            for index, item in enumerate(self.items[:_INDEFINITE_WITHIN])
        )

    def read(self) -> _Reader:
        index = 0
        while index < len(self.items):
            index = self.step(index)
        return self

    def item(self, index: int) -> _Item | None:
        return self.items[index] if 0 <= index < len(self.items) else None

    def first(self, index: int) -> bool:
        """Whether nothing but filler comes before the phrase at ``index``."""
        return self.leading[index]

    def step(self, index: int) -> int:
        """Read the phrase at ``index``, with those after it that it needs; the next index."""
        item = self.items[index]
        if self.in_topic and self.tokens[item.first].pause == ".":
            self.in_topic = False
        if item.kinds <= _PLAIN_KINDS:
            # Most words: one the vocabulary does not know, or filler ("a", "the").
            if self.in_topic:
                self.topic.extend(range(item.first, item.end))
            elif item.word:
                self.rest.extend(range(item.first, item.end))
                self.negated = False
            return index + 1
        following = self.item(index + 1)
        if item.has(PLATFORM):
            return self.platform(index, item.value(PLATFORM))
        for opens, read in ((item.opens_years, self.years), (item.opens_length, self.length)):
            end = read(index) if opens else None
            if end is not None:
                self.negated = False
                return end
        if item.has(MARKER, "on"):
            end = self.platform_after(index + 1)
            if end is not None:
                return end
        if self.in_topic:
            self.topic.extend(range(item.first, item.end))
            return index + 1
        if item.has(MARKER, "from") and following is not None and following.has(COUNTRY_NAME):
            self.add_countries(following.values(COUNTRY_NAME))
            return index + 2
        if item.has(FOLLOW, "not"):
            self.negated = True
            self.refines = self.refines or self.first(index)
            return index + 1
        if not self.in_titles and (
            item.has(MARKER, "liked")
            or (
                item.has(MARKER, "like")
                and (not self.first(index) or self.but_after[index + 1])
                and not self.before_years(index)
            )
        ):
            end = self.liked_titles(index + 1)
            following = self.item(end)
            self.contrasted = bool(self.like) and following is not None and _contrasts(following)
            return end
        if item.has(MARKER, "about") or (item.has(MARKER, "where") and index > 0):
            self.in_topic = self.strong = True
            self.heads += 1
            return index + 1
        if self.slot(item):
            return index + 1
        if not item.filler:
            self.negated = False
        if (item.has(FOLLOW, "only") and (self.first(index) or index == len(self.items) - 1)) or (
            item.has(FOLLOW, "then") and self.first(index)
        ):
            # "only series", "series only", "and on hulu?"; not "solo en casa" in a story.
            self.refines = True
        elif item.has(FOLLOW):
            self.flags.update(item.values(FOLLOW))
        elif item.has(MARKER, "request"):
            self.heads += 1
            self.asks += 1
        elif item.word:
            self.rest.extend(range(item.first, item.end))
        return index + 1

    def slot(self, item: _Item) -> bool:
        """Fill the slots ``item`` names; whether it names any."""
        if not item.kinds & _FILLED_KINDS:
            return False
        filled = item.has(GENRE)
        if filled:
            genres = self.not_genres if self.negated else self.genres
            genres.extend(genre for genre in item.values(GENRE) if genre not in genres)
            self.heads += not self.negated
            self.strong = True
        if item.has(COUNTRY):
            self.add_countries(item.values(COUNTRY))
            filled = True
        if item.has(TYPE):
            self.types.append(item.value(TYPE))
            self.heads += 1
            self.describes = self.describes or item.has(MARKER, "list") or self.indefinite
            filled = True
        if item.has(AUDIENCE):
            self.audience = item.value(AUDIENCE)
            self.heads += 1
            filled = self.strong = True
        if item.has(SORT):
            self.sort = item.value(SORT)
            filled = self.strong = True
        if item.has(YEARS, "recent"):
            self.recent = filled = self.strong = True
        if item.has(YEARS, "classic"):
            self.narrow_years(None, CLASSIC_BEFORE - 1)
            filled = True
        if item.has(DECADE):
            decade = int(item.value(DECADE))
            self.narrow_years(decade, decade + 9)
            filled = True
        if item.has(LENGTH, "short"):
            self.max_minutes = min(self.max_minutes or SHORT_MINUTES, SHORT_MINUTES)
            filled = self.strong = True
        if item.has(LENGTH, "one_season"):
            self.max_seasons = 1
            if not item.has(TYPE):
                self.types.append("tv")
                self.heads += 1
            filled = self.strong = True
        if item.kinds & (_FILLED_KINDS - {GENRE}):
            # "not horror or comedy" takes out both; "not horror, korean" only horror.
            self.negated = False
        return filled

    # -- platforms -------------------------------------------------------------------------------
    def platform(self, index: int, name: str) -> int:
        if name not in self.platforms:
            self.platforms.append(name)
        return index + 1

    def platform_after(self, index: int) -> int | None:
        """A platform after "on", at ``index``: by name, with a slip, or one the bot does not
        cover; the index after it, or ``None`` if none is there."""
        item = self.item(index)
        if item is None:
            return None
        if item.has(PLATFORM):
            return self.platform(index, item.value(PLATFORM))
        if not item.word:
            return None
        for size in (3, 2, 1):
            words = self.tokens[item.first : item.first + size]
            named = " ".join(token.key for token in words)
            if (
                len(words) == size
                and not any(token.pause for token in words[1:])
                and named in self.vocabulary.uncovered_platforms
            ):
                self.uncovered = " ".join(token.text for token in words)
                end = index
                while end < len(self.items) and self.items[end].first < item.first + size:
                    end += 1
                return end
        platform = self.slipped_platform(item)
        return None if platform is None else self.platform(index, platform.name)

    def slipped_platform(self, item: _Item) -> Platform | None:
        text = " ".join(token.text for token in self.tokens[item.first : item.end])
        return closest_platform(text, self.registry, TITLE_PLATFORM_TYPO)

    def add_countries(self, countries: Iterable[str]) -> None:
        self.countries.extend(c for c in countries if c not in self.countries)
        self.heads += 1
        self.strong = True

    # -- years -----------------------------------------------------------------------------------
    def years(self, index: int) -> int | None:
        """Years from ``index``: a year, a decade or a range, maybe after "from", "between" or
        a limit ("before", "since"); the index after them, or ``None``."""
        item = self.items[index]
        limit = item.limit
        start = index + 1 if limit or item.has(MARKER, "from") else index
        span = self.year_span(start)
        if span is None:
            return None
        (first, last), end = span
        if limit == "below":
            self.narrow_years(None, first - 1)
        elif limit == "at_most":
            self.narrow_years(None, last)
        elif limit == "above":
            self.narrow_years(last + 1, None)
        elif limit == "at_least":
            self.narrow_years(first, None)
        else:
            # A year alone may be part of a title ("The Office 2005"); "from 2005" is not.
            bare = first == last and start == index
            self.narrow_years(first, last, strong=not bare)
        return end

    def before_years(self, index: int) -> bool:
        """Whether the phrase after ``index`` names years: "after 2015" is no liked title."""
        return self.year_span(index + 1) is not None

    def year_span(self, index: int) -> tuple[tuple[int, int], int] | None:
        """The years the phrase at ``index`` names, first and last, and the index after it: a
        year, "2000 to 2005", "2000-2005", a decade, "los 90"."""
        item = self.item(index)
        if item is None:
            return None
        if item.has(YEAR):
            year = int(item.value(YEAR))
            joined, other = self.item(index + 1), self.item(index + 2)
            if (
                joined is not None
                and other is not None
                and (joined.has(LIMIT, "to") or joined.has(MARKER, "and"))
                and other.has(YEAR)
            ):
                last = int(other.value(YEAR))
                return (min(year, last), max(year, last)), index + 3
            return (year, year), index + 1
        if item.has(RANGE):
            first, last = sorted(int(year) for year in item.value(RANGE).split("-"))
            return (first, last), index + 1
        if item.has(DECADE):
            decade = int(item.value(DECADE))
            return (decade, decade + 9), index + 1
        following = self.item(index + 1)
        if item.has(YEARS, "decade") and following is not None:
            if following.has(DECADE):
                return self.year_span(index + 1)
            if following.has(YEAR) and following.value(YEAR).endswith("0"):
                # "los 2010": the 2010s.
                first = int(following.value(YEAR))
                return (first, first + 9), index + 2
            unit = self.item(index + 2)
            key = self.tokens[following.first].key
            if _TWO_DIGIT_DECADE.fullmatch(key) and not (unit is not None and unit.has(UNIT)):
                first = _decade_start(int(key[0]))
                return (first, first + 9), index + 2
        return None

    def narrow_years(self, first: int | None, last: int | None, strong: bool = True) -> None:
        if first is not None:
            self.year_min = first if self.year_min is None else max(self.year_min, first)
        if last is not None:
            self.year_max = last if self.year_max is None else min(self.year_max, last)
        self.strong = self.strong or strong

    # -- length ----------------------------------------------------------------------------------
    def length(self, index: int) -> int | None:
        """A length from ``index``: "under 90 minutes", "less than two hours", "hora y
        media", "2 seasons"; the index after it, or ``None``."""
        item = self.items[index]
        limit = item.limit
        amount = self.amount(index + 1 if limit else index)
        if amount is None:
            return None
        (value, unit), end = amount
        if limit in ("above", "at_least"):
            # No slot asks for a least length: the words are read, and ask for nothing.
            return end
        if unit == "season":
            self.max_seasons = max(1, int(value))
        else:
            minutes = round(value * 60) if unit == "hour" else round(value)
            self.max_minutes = min(minutes, self.max_minutes or minutes)
        self.strong = True
        return end

    def amount(self, index: int) -> tuple[tuple[float, str], int] | None:
        """A number and its unit from ``index`` ("90 minutes", "two and a half hours",
        "90min", "an hour"), and the index after them."""
        item = self.item(index)
        if item is None:
            return None
        if item.has(AMOUNT):
            number, unit = item.value(AMOUNT).split()
            return self.half(float(number), unit, index + 1)
        value = None
        if item.has(NUMBER):
            value = float(item.value(NUMBER))
            index += 1
            item = self.item(index)
            if item is not None and item.has(LENGTH, "half"):
                value += 0.5
                index += 1
                item = self.item(index)
        if item is None or not item.has(UNIT):
            return None
        unit = item.value(UNIT)
        if value is None:
            # "hora y media", "under an hour": one hour. "minutes" alone is no length.
            if unit != "hour":
                return None
            value = 1.0
        return self.half(value, unit, index + 1)

    def half(self, value: float, unit: str, index: int) -> tuple[tuple[float, str], int]:
        item = self.item(index)
        if item is not None and item.has(LENGTH, "half"):
            return (value + 0.5, unit), index + 1
        return (value, unit), index

    # -- liked titles ----------------------------------------------------------------------------
    def liked_titles(self, index: int) -> int:
        """The titles after "I loved" or "like" at ``index``, up to the end of the clause or
        a phrase that starts something else; "and" and commas part them, and with the
        catalogue's titles only where they say. A part made only of slots ("I like scary
        movies") is read as slots, and one of filler after a comma ("…, what else should
        I…") is not a title. The index after them."""
        weighed = None if self.titles is None else self.weighed_titles(index)
        parts, index = self.every_title(index) if weighed is None else weighed
        for part in parts:
            phrases = part.phrases
            slots = [position for position in phrases if not self.items[position].filler]
            if not phrases or (part.pause == "," and not slots):
                continue
            named = part.confidence >= CONFIDENT
            if not slots or named or any(self.items[position].word for position in slots):
                self.like.append(self.text[part.start : self.end_of(phrases[-1])])
            else:
                position = phrases[0]
                self.in_titles = True
                while position <= phrases[-1]:
                    position = self.step(position)
                self.in_titles = False
                index = max(index, position)
        return index

    def may_be_title(self, phrases: Iterable[int]) -> bool:
        """Whether ``phrases`` may name a title rather than slots, as the catalogue's titles
        tell: they hold a word the vocabulary does not know, a year ("1917"), a slip ("Out of
        My Lauge"), or no slot at all ("Now You See It")."""
        items = [self.items[position] for position in phrases]
        return any(
            item.word or item.kinds == {YEAR} or self.slip(item) for item in items
        ) or not any(item.kinds & _SLOT_KINDS for item in items)

    def slip(self, item: _Item) -> bool:
        """Whether ``item`` is a word read as the genre it is a slip of."""
        key = self.tokens[item.first].key
        return item.end == item.first + 1 and item.has(GENRE) and key not in self.vocabulary.phrases

    def every_title(self, index: int) -> tuple[list[_Part], int]:
        """The titles from ``index`` cut at every "and" and comma, up to the first end; and
        the index after them."""
        groups: list[tuple[str, list[int]]] = [("", [])]
        while index < len(self.items):
            item = self.items[index]
            pause = self.tokens[item.first].pause
            if groups[-1][1] and pause == ".":
                break
            if (pause == "," or item.has(MARKER, "and")) and groups[-1][1]:
                groups.append((pause, []))
            if self.ends_titles(index):
                break
            if not item.has(MARKER, "and"):
                groups[-1][1].append(index)
            index += 1
        parts = [
            _Part(pause, phrases, self.start_of(phrases[0]), 0.0)
            for pause, phrases in groups
            if phrases
        ]
        return parts, index

    def weighed_titles(self, index: int) -> tuple[list[_Part], int] | None:
        """The titles from ``index`` as the catalogue's titles cut them (see MAX_CUTS_IN_TITLE),
        as :meth:`every_title` gives them; ``None`` when there are too many ways to weigh (see
        MAX_TITLE_LOOKUPS)."""
        begin = index
        # Where a title may end, and the next start: before an "and" and after it (inside
        # the phrase for "y otra", "y el"), or at a comma. And where the titles may end.
        cuts: list[tuple[int, _Start]] = []
        ends: list[int] = []
        while index < len(self.items):
            item = self.items[index]
            pause = self.tokens[item.first].pause
            if (index > begin and pause == ".") or self.ends_titles(index):
                ends.append(index)
                if len(ends) == MAX_LIKED_ENDS:
                    break
            if index > begin and item.has(MARKER, "and"):
                cuts.append((index, _Start(index + 1, self.start_of(index + 1), "")))
            elif index > begin and self.starts_with_and(item):
                cuts.append((index, _Start(index, self.tokens[item.first + 1].start, "")))
            elif index > begin and pause == ",":
                cuts.append((index, _Start(index, self.start_of(index), ",")))
            if len(cuts) > MAX_LIKED_CUTS or index - begin >= MAX_LIKED_ITEMS:
                return None
            index += 1
        else:
            ends.append(index)
        # The titles each cut may end, by where they start (the start, or after a cut), and
        # the last title before each end.
        starts = [_Start(begin, self.start_of(begin), ""), *(start for _, start in cuts)]
        before_cuts = [
            range(max(0, number - MAX_CUTS_IN_TITLE), number + 1) for number in range(len(cuts))
        ]
        before_ends = [
            [
                k
                for k, start in enumerate(starts)
                if start.phrase <= end
                and sum(1 for cut, _ in cuts[k:] if cut < end) <= MAX_CUTS_IN_TITLE
            ]
            for end in ends
        ]
        asked = sum(map(len, before_cuts)) + sum(map(len, before_ends))
        if self.lookups + asked > MAX_TITLE_LOOKUPS:
            return None
        self.lookups += asked
        # The best way to reach each place a title may start.
        best = [_Way()]
        for (end, _), firsts in zip(cuts, before_cuts, strict=True):
            best.append(max((self.way(best[k], starts[k], end) for k in firsts), key=_Way.rank))
        way, end = max(
            (
                (self.way(best[k], starts[k], end), end)
                for end, firsts in zip(ends, before_ends, strict=True)
                for k in firsts
            ),
            # Then the earlier end and more titles, as without the catalogue.
            key=lambda chosen: (chosen[0].worth, -chosen[1], chosen[0].count),
        )
        return list(way.parts), end

    def starts_with_and(self, item: _Item) -> bool:
        """Whether ``item`` is a phrase of several words whose first is "and" ("y otra")."""
        meanings = self.vocabulary.phrases.get(self.tokens[item.first].key, ())
        return item.end > item.first + 1 and (MARKER, "and") in meanings

    def way(self, before: _Way, start: _Start, end: int) -> _Way:
        """``before``, and one more title from ``start`` to the phrase before ``end``, if
        there is any."""
        if start.phrase >= end:
            return before
        confidence = self.confidence_of(start, end)
        worth = (self.end_of(end - 1) - start.text) * max(0.0, confidence - MIN_CONFIDENCE)
        title = _Part(start.pause, list(range(start.phrase, end)), start.text, confidence)
        return _Way(before.worth + worth, before.count + 1, (*before.parts, title))

    def confidence_of(self, start: _Start, end: int) -> float:
        """How surely the message from ``start`` to the phrase before ``end`` names one of the
        catalogue's titles: 0 when it cannot be one (see :meth:`may_be_title`)."""
        key = (start.text, end)
        if key not in self.confidence:
            text = self.text[start.text : self.end_of(end - 1)]
            title = self.may_be_title(range(start.phrase, end)) and len(text) <= MAX_LIKED_TITLE
            found = self.titles.title_confidence(text) if title and self.titles else 0.0
            self.confidence[key] = found
        return self.confidence[key]

    def start_of(self, index: int) -> int:
        """Where the phrase at ``index`` starts in the message (its end, past the last)."""
        return (
            self.tokens[self.items[index].first].start
            if index < len(self.items)
            else len(self.text)
        )

    def end_of(self, index: int) -> int:
        """Where the phrase at ``index`` ends in the message."""
        return self.tokens[self.items[index].end - 1].end

    def ends_titles(self, index: int) -> bool:
        """Whether the phrase at ``index`` starts something else than a list of titles."""
        item = self.items[index]
        following = self.item(index + 1)
        if item.has(MARKER, "request") or (item.has(FOLLOW, "then") and not item.has(MARKER)):
            return True
        if any(item.has(MARKER, name) for name in ("about", "where", "liked")):
            return True
        if following is None:
            return False
        if item.has(MARKER, "on"):
            return following.has(PLATFORM) or (
                following.word and self.slipped_platform(following) is not None
            )
        if item.has(LIMIT) or item.has(MARKER, "from"):
            return self.year_span(index + 1) is not None or following.has(COUNTRY_NAME)
        return False

    # -- the result ------------------------------------------------------------------------------
    def understanding(self) -> Understanding:
        args: dict[str, object] = {}
        not_genres = tuple(genre for genre in self.not_genres if genre not in self.genres)
        types = set(self.types)
        slots = {
            "genres": tuple(self.genres),
            "not_genres": not_genres,
            "platforms": tuple(self.platforms),
            "type": types.pop() if len(types) == 1 else None,
            "year_min": self.year_min,
            "year_max": self.year_max,
            "recent": self.recent,
            "max_minutes": self.max_minutes,
            "max_seasons": self.max_seasons,
            "countries": tuple(country_display(country) for country in self.countries),
            "audience": self.audience,
            "sort": self.sort,
            "like": tuple(self.like),
            "about": self.words(sorted({*self.topic, *self.rest})) if self.topic else None,
        }
        args = {name: value for name, value in slots.items() if value}
        # Liked titles say what "anything else" is like, and other words make a title ("The
        # Silence of Others"): no follow-up then. "Like dark but shorter" is still no title:
        # it asks for titles shorter than the liked ones.
        compared = self.flags & {"more", "shorter", "newer"}
        flags = set() if self.like or self.rest else compared
        than_liked = compared - {"more"} if self.like else set()
        strong = self.strong or len(self.like) > 1 or bool(flags) or bool(not_genres)
        strong = strong or bool(than_liked) or (self.contrasted and len(args) > 1)
        # A long message of words the vocabulary does not know is a story told from memory.
        long = len(self.tokens) >= DESCRIPTION_WORDS and len(self.rest) >= DESCRIPTION_UNKNOWN
        described = (self.describes or long) and bool(self.rest)
        if (strong or described) and self.rest and "about" not in args:
            args["about"] = self.words(self.rest)
        if flags - {"more"} or than_liked:
            args.update(dict.fromkeys(sorted((flags | than_liked) - {"more"}), True))
        elif flags and not args:
            args["more"] = True
        args = {name: value for name, value in args.items() if value}
        strong = strong and bool(args)
        year_alone = args.keys() <= {"year_min", "year_max"} and args.get("year_min") == args.get(
            "year_max"
        )
        return Understanding(
            args=args,
            strong=strong,
            rest=self.words(self.rest),
            follow_up=bool(flags)
            or self.refines
            or (self.heads == 0 and not self.like and "about" not in args),
            uncovered=self.uncovered,
            listing=strong or described or (bool(args) and not self.rest and not year_alone),
            asks=self.asks > 0,
        )

    def words(self, indices: list[int]) -> str:
        """The tokens at ``indices`` as typed, less the filler at either end."""
        while indices and self.filler_token(indices[0]):
            indices = indices[1:]
        while indices and self.filler_token(indices[-1]):
            indices = indices[:-1]
        return " ".join(self.tokens[index].text for index in indices)

    def filler_token(self, index: int) -> bool:
        meanings = self.vocabulary.phrases.get(self.tokens[index].key, ())
        return any(kind == FILLER for kind, _ in meanings)


def country_display(country: str) -> str:
    """A catalogue country (lowercase English) as the catalogue writes it.

    >>> country_display("south korea"), country_display("bosnia and herzegovina")
    ('South Korea', 'Bosnia and Herzegovina')
    """
    small = {"and", "of", "the"}
    return " ".join(w if w in small else w[:1].upper() + w[1:] for w in country.split())


def understand(
    text: str, registry: PlatformRegistry, vocabulary: Vocabulary, titles: Titles | None = None
) -> Understanding:
    """What ``text`` asks for as a request for a list of titles; never raises. With the
    catalogue's ``titles``, liked titles are cut where its titles say, and a genre word typed
    with a slip is read as the genre unless a title has that word."""
    return _Reader(text, registry, vocabulary, titles).read().understanding()


# -- the language a message is in ----------------------------------------------------------------
# py3langid's verdict counts when it is at least this sure, among the languages loaded, and
# weighs a little less than a word that only one language has: it settles a tie.
LANGID_SURE = 0.9
LANGID_WEIGHT = 0.9
# With no word that only one language has, py3langid alone decides only from this many words:
# a shorter message is mostly a title ("breaking bad") or a name ("netflix").
LANGID_ALONE_WORDS = 4


@functools.cache
def _identifier(codes: tuple[str, ...]) -> object | None:
    """py3langid's classifier for the ``codes`` it knows, loaded once; ``None`` for fewer
    than two."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    known = [code for code in codes if code in identifier.nb_classes]
    if len(known) < 2:
        return None
    identifier.set_languages(known)
    return identifier


def detect_language(text: str, vocabulary: Vocabulary) -> str | None:
    """The language ``text`` is clearly written in, of the vocabulary's, or ``None``.

    Each word that only one language's data has ("hola", "comedy", "pelis") votes for it,
    and py3langid, made for short texts, votes when it is sure. A message with no word that
    tells (a title, "netflix", "drama") is in no clear language, nor is a tie.
    """
    tokens = _tokens(text)
    words = [token.key for token in tokens]
    votes = dict.fromkeys(vocabulary.codes, 0.0)
    for word in words:
        for code, exclusive in vocabulary.exclusive.items():
            votes[code] += word in exclusive
    if not any(votes.values()) and len(words) < LANGID_ALONE_WORDS:
        return None
    identifier = _identifier(vocabulary.codes)
    if identifier is not None and words:
        # As typed: accents tell Spanish.
        code, probability = identifier.classify(" ".join(token.text for token in tokens))
        if probability >= LANGID_SURE:
            votes[code] += LANGID_WEIGHT
    (best, most), *others = sorted(votes.items(), key=lambda vote: vote[1], reverse=True)
    if most == 0 or any(score == most for _, score in others):
        return None
    return best
