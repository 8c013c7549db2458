"""Language data, one TOML file per language, apart from the logic that reads it.

Every ``<code>.toml`` in this folder is a language (``en.toml``, ``es.toml``); ``common.toml``
holds what no language owns. :mod:`bot.chat.i18n` takes its strings and formats from here, and
:mod:`bot.chat.parsing` its words and regex fragments, so a new language is one new file.

A language file has these tables; ``[language]`` and ``[format]`` are required, the rest may
leave out what the language has no words for:

``[language]``
    ``names``: what ``/lang`` accepts for it ("es", "spanish", "español"); ``everyday``:
    common words of the language, which tell the language of a message besides the words of
    the other tables.
``[format]``
    ``thousands`` and ``decimal`` separators, and ``months``: the twelve short month names.
``[commands.<command>]``
    ``names``: the command's names, the first being the one menus show; ``menu``: its
    description in Telegram's command menu; ``help``: its line in /help, an example.
    ``<command>`` is the intent (``score_count``); the registry in bot/chat/commands.py holds
    what it does, and the order of /help and the menus.
``[strings]``
    The reply templates by key (``str.format`` fields, HTML allowed). A key left out falls
    back to the default language's text; a key the default language lacks, or a template
    whose fields differ from the default language's, is an error.
``[genres]``
    ``names``: the catalogue's genre (lowercase English) → its name in the language;
    ``words``: the catalogue's genre → the words and moods people ask for it with ("scary" →
    horror). A phrase under two genres asks for both ("rom-com").
``[countries]``
    ``names``: the catalogue's country (lowercase English) → its name in the language, which
    the parser also accepts; ``aliases``: the catalogue's country → other names people type;
    ``from``: the word for "from" → the countries that take it ("from the" → united states);
    ``adjectives``: the catalogue's country → its nationality words ("korean"); a word under
    several countries asks for any of them ("nordic").
``[words]``
    What the parser looks words up in, written as people type them (the loader folds case
    and accents): ``types`` and ``durations`` (the catalogue's value → words for it),
    ``ratings`` (an age rating → phrases for it), ``fillers`` (per question: words that only
    make it read naturally, ``any`` for every question), ``all`` ("all" platforms),
    ``greetings``, ``thanks`` and ``please`` (closing a message), ``pick`` ("/list pick": choose
    from the watchlist). What a request for a list
    of titles is made of, each a table of meaning → phrases that :mod:`bot.chat.understanding`
    lists: ``sort``, ``audience``, ``years``, ``length``, ``numbers``, ``limits``,
    ``follow_up`` and ``markers``.
``[phrasing]``
    Regular-expression fragments (TOML literal strings, or lists of them as alternatives) that
    :mod:`bot.chat.parsing` fills its request shapes with; which fragments exist, and which
    shapes use them, is said there and in ``en.toml``. A fragment may use another of its
    language as ``{name}``, and holds no capturing group.

``common.toml`` holds ``[commands.<command>] names`` that every language accepts (Telegram's
``/start``, the original project's ``/get_recommendation``) and ``[platforms] uncovered``:
streaming services the bot does not cover.

New vocabulary goes in the table of what it names: a mood that means a genre under
``[genres]``, a nationality adjective under ``[countries]``, words for an order or an audience
under ``[words]``, a new way of asking under ``[phrasing]``. :func:`load` reads a folder, and
``BUILTIN`` is this folder's languages.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from recommender.text import fold

FOLDER = Path(__file__).parent
COMMON_FILE = "common.toml"
DEFAULT_LANGUAGE = "en"
# Telegram's rule for a command name.
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_REFERENCE = re.compile(r"\{([a-z_]+)\}")


class LanguageDataError(ValueError):
    """A language file that cannot be used, with the file and the key that are wrong."""

    def __init__(self, source: Path, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}" if key else f"{source}: {problem}")
        self.source = source
        self.key = key


@dataclass(frozen=True)
class CommandWords:
    """A command in one language: its names (the first for menus), its menu text and its
    line in /help (an example)."""

    names: tuple[str, ...]
    menu: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class Words:
    """The word tables of one language, folded."""

    types: Mapping[str, str]
    durations: Mapping[str, str]
    ratings: Mapping[str, str]
    fillers: Mapping[str, frozenset[str]]
    all: frozenset[str]
    greetings: frozenset[str]
    thanks: frozenset[str]
    # "/list pick": choose one of the watchlist.
    pick: frozenset[str]
    please: tuple[str, ...]
    # What a request for a list is made of: each a meaning → the phrases that say it.
    sort: Mapping[str, tuple[str, ...]]
    audience: Mapping[str, tuple[str, ...]]
    years: Mapping[str, tuple[str, ...]]
    length: Mapping[str, tuple[str, ...]]
    numbers: Mapping[str, tuple[str, ...]]
    limits: Mapping[str, tuple[str, ...]]
    follow_up: Mapping[str, tuple[str, ...]]
    markers: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Language:
    """One language file, read and checked."""

    code: str
    source: Path
    names: tuple[str, ...]
    everyday: tuple[str, ...]
    thousands: str
    decimal: str
    months: tuple[str, ...]
    commands: Mapping[str, CommandWords]
    strings: Mapping[str, str]
    genres: Mapping[str, str]
    # The catalogue's genre → the phrases that ask for it.
    genre_words: Mapping[str, tuple[str, ...]]
    countries: Mapping[str, str]
    country_aliases: Mapping[str, tuple[str, ...]]
    country_adjectives: Mapping[str, tuple[str, ...]]
    from_country: Mapping[str, str]
    words: Words
    # Regular-expression fragments, with the fragments they use filled in.
    phrasing: Mapping[str, str]


@dataclass(frozen=True)
class Common:
    """What ``common.toml`` holds: command names every language accepts, and services the bot
    does not cover."""

    source: Path
    commands: Mapping[str, tuple[str, ...]]
    uncovered_platforms: frozenset[str]


@dataclass(frozen=True)
class MenuEntry:
    """A line of one language's command menu."""

    command: str
    name: str
    text: str


class Languages:
    """The languages of one folder: the default one first, then the others by code.

    >>> BUILTIN.codes, BUILTIN.command_names("recommend")
    (('en', 'es'), {'en': ('recommend',), 'es': ('recomendar',)})
    >>> BUILTIN.all_command_names("recommend")
    ('recommend', 'recomendar', 'get_recommendation')
    >>> BUILTIN.menu_text("es", "stats"), BUILTIN.menu("es")[0].name
    ('gráficos del catálogo', 'recomendar')
    """

    def __init__(
        self, languages: Mapping[str, Language], common: Common, default: str = DEFAULT_LANGUAGE
    ) -> None:
        if default not in languages:
            raise LanguageDataError(common.source.parent / f"{default}.toml", "", "missing")
        others = sorted(code for code in languages if code != default)
        self._languages = {code: languages[code] for code in [default, *others]}
        self.default = default
        self.common = common
        self.codes = tuple(self._languages)
        self.strings = {code: self._strings(language) for code, language in self._languages.items()}
        self.commands = self._commands()

    def __iter__(self) -> Iterator[Language]:
        return iter(self._languages.values())

    def __getitem__(self, code: str) -> Language:
        return self._languages[code]

    def command_names(self, command: str) -> dict[str, tuple[str, ...]]:
        """The names of ``command`` in each language that names it."""
        return {
            language.code: language.commands[command].names
            for language in self
            if command in language.commands
        }

    def all_command_names(self, command: str) -> tuple[str, ...]:
        """Every name of ``command``: the default language's, the others', then the common ones."""
        return self.commands.get(command, ())

    def menu_text(self, lang: str, command: str) -> str | None:
        """What ``lang``'s command menu says of ``command``, if it lists it."""
        words = self._languages[lang].commands.get(command)
        return words.menu if words else None

    def help_line(self, lang: str, command: str) -> str | None:
        """``command``'s line in ``lang``'s /help, if it has one."""
        words = self._languages[lang].commands.get(command)
        return words.help if words else None

    def menu(self, lang: str) -> tuple[MenuEntry, ...]:
        """``lang``'s command menu, in the order its file lists the commands."""
        return tuple(
            MenuEntry(command, words.names[0], words.menu)
            for command, words in self._languages[lang].commands.items()
            if words.menu
        )

    def _strings(self, language: Language) -> dict[str, str]:
        """``language``'s strings, the default language's where it has none."""
        reference = self._languages[self.default].strings
        for key, text in language.strings.items():
            if key not in reference:
                raise LanguageDataError(language.source, f"strings.{key}", "unknown string")
            if _fields(text) != _fields(reference[key]):
                fields = ", ".join(sorted(_fields(reference[key]))) or "none"
                problem = f"its fields must be those of {self.default}.toml: {fields}"
                raise LanguageDataError(language.source, f"strings.{key}", problem)
        return {**reference, **language.strings}

    def _commands(self) -> dict[str, tuple[str, ...]]:
        """Every command's names; a name may belong to one command only."""
        sources: list[tuple[Path, Mapping[str, tuple[str, ...]]]] = [
            (language.source, {c: words.names for c, words in language.commands.items()})
            for language in self
        ]
        sources.append((self.common.source, self.common.commands))
        commands: dict[str, tuple[str, ...]] = {}
        owner: dict[str, str] = {}
        for source, names_of in sources:
            for command, names in names_of.items():
                for name in names:
                    if owner.setdefault(name, command) != command:
                        problem = f"{name!r} already names the command {owner[name]!r}"
                        raise LanguageDataError(source, f"commands.{command}.names", problem)
                known = commands.get(command, ())
                commands[command] = known + tuple(name for name in names if name not in known)
        return commands


def load(folder: Path = FOLDER, default: str = DEFAULT_LANGUAGE) -> Languages:
    """Every language of ``folder``, and its ``common.toml`` if it has one."""
    languages = {
        path.stem: _language(path)
        for path in sorted(folder.glob("*.toml"))
        if path.name != COMMON_FILE
    }
    return Languages(languages, _common(folder / COMMON_FILE), default)


# -- reading -------------------------------------------------------------------------------
class _Table:
    """A TOML table being read: each key is taken once, and keys left over are errors."""

    def __init__(self, source: Path, data: Mapping[str, object], path: str = "") -> None:
        self.source = source
        self.data = dict(data)
        self.path = path

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, problem: str) -> LanguageDataError:
        return LanguageDataError(self.source, self.key(name), problem)

    def take(self, name: str, kind: type, required: bool = False) -> object:
        if name not in self.data:
            if required:
                raise self.error(name, "missing")
            return None
        value = self.data.pop(name)
        if not isinstance(value, kind):
            raise self.error(name, f"must be a {_KIND_NAMES[kind]}")
        return value

    def table(self, name: str, required: bool = False) -> _Table:
        value = self.take(name, dict, required)
        return _Table(self.source, value or {}, self.key(name))

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.take(name, str, required)
        if value is not None and not value:
            raise self.error(name, "is empty")
        return value

    def texts(self, name: str, required: bool = False) -> tuple[str, ...]:
        value = self.take(name, list, required) or []
        if not all(isinstance(item, str) and item for item in value):
            raise self.error(name, "must be a list of non-empty strings")
        return tuple(value)

    def phrases(self, name: str) -> tuple[str, ...]:
        """A list of words or phrases, folded as the parser compares them."""
        return tuple(_folded(phrase) for phrase in self.texts(name))

    def items(self) -> Iterator[tuple[str, _Table]]:
        """Each key left, with a table holding just it: for tables whose keys are data."""
        for name in list(self.data):
            yield name, _Table(self.source, {name: self.data[name]}, self.path)
            self.data.pop(name)

    def text_map(self) -> dict[str, str]:
        return {name: entry.text(name) for name, entry in self.items()}

    def pattern(self, name: str) -> str:
        """A regular expression, or a list of them as alternatives."""
        if isinstance(self.data.get(name), list):
            return "|".join(self.texts(name))
        return self.text(name)

    def phrase_map(self) -> dict[str, tuple[str, ...]]:
        return {name: entry.phrases(name) for name, entry in self.items()}

    def close(self) -> None:
        for name in self.data:
            raise self.error(name, "unknown key")


_KIND_NAMES = {dict: "table", str: "string", list: "list"}
# The tables of [words] that say what a request for a list is made of.
_LIST_TABLES = ("sort", "audience", "years", "length", "numbers", "limits", "follow_up", "markers")


def _folded(phrase: str) -> str:
    return " ".join(fold(phrase).split())


def _read(source: Path) -> _Table:
    try:
        with source.open("rb") as file:
            return _Table(source, tomllib.load(file))
    except tomllib.TOMLDecodeError as error:
        raise LanguageDataError(source, "", f"not valid TOML: {error}") from None
    except OSError as error:
        raise LanguageDataError(source, "", f"cannot be read: {error}") from None


def _language(source: Path) -> Language:
    if not _LANGUAGE_CODE.fullmatch(source.stem):
        raise LanguageDataError(source, "", "a language file is named by its code, as es.toml")
    top = _read(source)
    about = top.table("language", required=True)
    names = about.phrases("names")
    everyday = about.phrases("everyday")
    about.close()
    number = top.table("format", required=True)
    thousands = number.text("thousands", required=True)
    decimal = number.text("decimal", required=True)
    months = number.texts("months", required=True)
    if len(months) != 12:
        raise number.error("months", "must name twelve months")
    number.close()
    commands = _commands(top.table("commands"), with_menu=True)
    strings = top.table("strings")
    texts = strings.text_map()
    for key, text in texts.items():
        try:
            _fields(text)
        except ValueError as error:
            raise strings.error(key, f"not a str.format template: {error}") from None
    genres = top.table("genres")
    genre_names = genres.table("names").text_map()
    genre_words = genres.table("words").phrase_map()
    genres.close()
    countries = top.table("countries")
    country_names = countries.table("names").text_map()
    aliases = countries.table("aliases").phrase_map()
    adjectives = countries.table("adjectives").phrase_map()
    from_country = {
        country: word
        for word, listed in countries.table("from").phrase_map().items()
        for country in listed
    }
    countries.close()
    language = Language(
        code=source.stem,
        source=source,
        names=names,
        everyday=everyday,
        thousands=thousands,
        decimal=decimal,
        months=months,
        commands=commands,
        strings=texts,
        genres=genre_names,
        genre_words=genre_words,
        countries=country_names,
        country_aliases=aliases,
        country_adjectives=adjectives,
        from_country=from_country,
        words=_words(top.table("words")),
        phrasing=_phrasing(top.table("phrasing")),
    )
    top.close()
    return language


def _common(source: Path) -> Common:
    if not source.exists():
        return Common(source, {}, frozenset())
    top = _read(source)
    commands = _commands(top.table("commands"), with_menu=False)
    platforms = top.table("platforms")
    uncovered = frozenset(platforms.phrases("uncovered"))
    platforms.close()
    top.close()
    return Common(source, {c: words.names for c, words in commands.items()}, uncovered)


def _commands(table: _Table, with_menu: bool) -> dict[str, CommandWords]:
    commands = {}
    for command, entry in table.items():
        words = entry.table(command)
        names = words.texts("names", required=True)
        for name in names:
            if not _COMMAND_NAME.fullmatch(name):
                problem = f"{name!r} is not a Telegram command name (a-z, 0-9 and _, up to 32)"
                raise words.error("names", problem)
        menu = words.text("menu") if with_menu else None
        help_line = words.text("help") if with_menu else None
        words.close()
        commands[command] = CommandWords(names, menu, help_line)
    return commands


def _words(table: _Table) -> Words:
    def inverted(name: str) -> dict[str, str]:
        return {
            phrase: value
            for value, phrases in table.table(name).phrase_map().items()
            for phrase in phrases
        }

    words = Words(
        types=inverted("types"),
        durations=inverted("durations"),
        ratings=inverted("ratings"),
        fillers={
            kind: frozenset(words) for kind, words in table.table("fillers").phrase_map().items()
        },
        all=frozenset(table.phrases("all")),
        greetings=frozenset(table.phrases("greetings")),
        thanks=frozenset(table.phrases("thanks")),
        pick=frozenset(table.phrases("pick")),
        please=table.phrases("please"),
        **{name: table.table(name).phrase_map() for name in _LIST_TABLES},
    )
    table.close()
    return words


def _phrasing(table: _Table) -> dict[str, str]:
    """The fragments, each with the fragments it uses filled in.

    They are compiled only within the parser's patterns; :func:`check_phrasing` finds the
    fragment to blame when one of those does not compile.
    """
    written = {name: entry.pattern(name) for name, entry in table.items()}
    resolved: dict[str, str] = {}

    def resolve(name: str, using: tuple[str, ...]) -> str:
        if name not in resolved:
            if name in using:
                raise table.error(name, "uses itself: " + " → ".join([*using, name]))

            def fill(match: re.Match[str]) -> str:
                if match.group(1) not in written:
                    raise table.error(name, f"uses {{{match.group(1)}}}, which is not written")
                return f"(?:{resolve(match.group(1), (*using, name))})"

            resolved[name] = _REFERENCE.sub(fill, written[name])
        return resolved[name]

    for name in written:
        resolve(name, ())
    return resolved


def check_phrasing(language: Language) -> None:
    """Raise :class:`LanguageDataError` for the first fragment of ``language`` that is not a
    regular expression, or that holds a capturing group (the parser's patterns own those)."""
    for name, fragment in language.phrasing.items():
        key = f"phrasing.{name}"
        try:
            groups = re.compile(fragment).groups
        except re.error as error:
            problem = f"not a valid regular expression: {error}"
            raise LanguageDataError(language.source, key, problem) from None
        if groups:
            problem = "holds a capturing group; write (?:…) instead"
            raise LanguageDataError(language.source, key, problem)


def _fields(template: str) -> set[str]:
    """The names of a template's ``str.format`` fields."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


BUILTIN = load()
command_names = BUILTIN.command_names
all_command_names = BUILTIN.all_command_names
menu_text = BUILTIN.menu_text
help_line = BUILTIN.help_line
menu = BUILTIN.menu
