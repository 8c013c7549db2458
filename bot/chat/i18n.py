"""Every user-facing string, one catalogue per language, and how each language writes numbers,
dates, lists, genres and countries.

The strings and formats are language data (bot/chat/languages/). Strings are ``str.format``
templates and may hold HTML; whatever fills a placeholder is escaped by the caller
(``bot.chat.replies``), never here. Keys ending in ``_one``/``_other`` are plural forms picked
by :func:`plural`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from bot.chat import languages
from bot.chat.languages import Language, Languages


class Texts:
    """The strings and formats of the languages of a :class:`~bot.chat.languages.Languages`.

    A language it does not have is answered in the default one.
    """

    def __init__(self, languages: Languages) -> None:
        self._languages = languages
        self.languages = languages.codes
        self.default = languages.default
        self.catalogues: Mapping[str, Mapping[str, str]] = languages.strings

    def _language(self, lang: str) -> Language:
        if lang in self.catalogues:
            return self._languages[lang]
        return self._languages[self.default]

    def language_for(self, code: str | None) -> str:
        """The reply language for a Telegram ``language_code``: the language it starts with,
        else the default one.

        >>> language_for("es-419"), language_for("en-GB"), language_for(None), language_for("pt")
        ('es', 'en', 'en', 'en')
        """
        code = (code or "").lower()
        others = (lang for lang in self.languages if lang != self.default)
        return next((lang for lang in others if code.startswith(lang)), self.default)

    def t(self, lang: str, key: str, **values: object) -> str:
        """The string ``key`` in ``lang``, formatted with ``values``.

        >>> t("es", "seconds", n=3)
        '3 s'
        """
        catalogue = self.catalogues.get(lang) or self.catalogues[self.default]
        return catalogue[key].format(**values)

    def plural(self, lang: str, key: str, n: int, **values: object) -> str:
        """``key_one`` or ``key_other`` in ``lang`` for ``n``, with ``n`` formatted as a number.

        >>> plural("en", "movies", 1), plural("es", "movies", 1234)
        ('1 movie', '1.234 películas')
        """
        form = "one" if n == 1 else "other"
        return self.t(lang, f"{key}_{form}", n=self.number(lang, n), **values)

    def number(self, lang: str, value: float, decimals: int = 0) -> str:
        """``value`` written the way ``lang`` writes numbers.

        >>> number("en", 6131), number("es", 6131), number("es", 7.5, 1)
        ('6,131', '6.131', '7,5')
        """
        language = self._language(lang)
        text = f"{value:,.{decimals}f}"
        return (
            text.replace(",", "\0").replace(".", language.decimal).replace("\0", language.thousands)
        )

    def exact_number(self, lang: str, value: float) -> str:
        """``value`` with the decimals it has and no more, the way ``lang`` writes numbers.

        >>> exact_number("en", 6.95), exact_number("es", 6.95), exact_number("en", 7.0)
        ('6.95', '6,95', '7')
        """
        exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
        return self.number(lang, value, max(0, -int(exponent)))

    def date_text(self, lang: str, iso: str) -> str:
        """An ISO date as ``lang`` writes it.

        >>> date_text("en", "2021-11-26"), date_text("es", "2019-03-01")
        ('26 Nov 2021', '1 mar 2019')
        """
        date = datetime.date.fromisoformat(iso)
        return f"{date.day} {self._language(lang).months[date.month - 1]} {date.year}"

    def join_names(self, lang: str, names: Iterable[str], last: str = "list_and") -> str:
        """``a, b and c`` in ``lang``; ``last`` names the text before the last name
        (``list_or``: ``a, b or c``).

        >>> join_names("es", ["Netflix", "Hulu", "Disney+"])
        'Netflix, Hulu y Disney+'
        >>> join_names("es", ["Netflix", "Hulu", "Disney+"], last="list_nor")
        'Netflix, Hulu ni Disney+'
        """
        names = list(names)
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + self.t(lang, last) + names[-1]

    def type_name(self, lang: str, item_type: str) -> str:
        """``Movie`` or ``TV show`` (or ``Película``/``Serie``) for a catalogue type."""
        return self.t(lang, "type_movie" if item_type == "movie" else "type_tv")

    def years_text(self, lang: str, item_type: str, year: int, first_year: int | None) -> str:
        """A work's year as replies show it. A catalogue dates a TV show by its latest season,
        so a show spans from its first year where that is known, and says so where not.

        >>> years_text("en", "tv show", 2013, 2008), years_text("es", "tv show", 2013, None)
        ('2008–2013', '2013, última temporada')
        >>> years_text("en", "tv show", 2016, 2016), years_text("en", "movie", 1995, None)
        ('2016', '1995')
        """
        if item_type == "movie" or first_year == year:
            return str(year)
        if first_year is None:
            return self.t(lang, "year_latest_season", year=year)
        return f"{first_year}–{year}"

    def genre_name(self, lang: str, genre: str) -> str:
        """A canonical genre word (etl.genres' vocabulary, underscores as spaces) in ``lang``;
        unknown words stay as they are.

        >>> genre_name("es", "science fiction"), genre_name("en", "science fiction")
        ('ciencia ficción', 'science fiction')
        """
        return self._language(lang).genres.get(genre, genre)

    def country_name(self, lang: str, display: str) -> str:
        """A catalogue country, given as the catalogue displays it, as ``lang`` writes it.

        >>> country_name("es", "Czech Republic"), country_name("en", "Bosnia and Herzegovina")
        ('República Checa', 'Bosnia and Herzegovina')
        """
        return self._language(lang).countries.get(display.strip().lower(), display)

    def from_country(self, lang: str, display: str) -> str:
        """Where titles come from, in ``lang``: "from the United States", "del Reino Unido".

        >>> from_country("en", "United Kingdom"), from_country("es", "Hungary")
        ('from the United Kingdom', 'de Hungría')
        """
        language = self._language(lang)
        word = language.from_country.get(display.strip().lower()) or self.t(lang, "from_country")
        return f"{word} {self.country_name(lang, display)}"


TEXTS = Texts(languages.BUILTIN)
LANGUAGES = TEXTS.languages
DEFAULT_LANGUAGE = TEXTS.default
CATALOGUES = TEXTS.catalogues
EN = CATALOGUES["en"]
ES = CATALOGUES["es"]
# Every country in the catalogue (lowercase English, as the catalogue spells it) in Spanish.
COUNTRIES_ES = languages.BUILTIN["es"].countries

language_for = TEXTS.language_for
t = TEXTS.t
plural = TEXTS.plural
number = TEXTS.number
exact_number = TEXTS.exact_number
date_text = TEXTS.date_text
join_names = TEXTS.join_names
type_name = TEXTS.type_name
years_text = TEXTS.years_text
genre_name = TEXTS.genre_name
country_name = TEXTS.country_name
from_country = TEXTS.from_country
