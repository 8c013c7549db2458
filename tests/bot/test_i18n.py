"""The string catalogues: both languages say everything, and the menus are valid."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot import storage
from bot.chat import commands, i18n, parsing


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_strings_with_the_same_placeholders():
    assert i18n.EN.keys() == i18n.ES.keys()
    for key in i18n.EN:
        assert fields(i18n.EN[key]) == fields(i18n.ES[key]), key


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_problem_and_example_is_written(lang):
    catalogue = i18n.CATALOGUES[lang]
    # Admin commands take no arguments, but for /upload's platform.
    no_arguments = {parsing.HELP, parsing.START} | (
        {c.name for c in commands.COMMANDS if c.admin} - {parsing.UPLOAD}
    )
    for intent in parsing.COMMANDS:
        if intent not in no_arguments:
            assert f"example_{intent}" in catalogue


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_menus_list_real_commands_telegram_accepts(lang):
    names = {name for group in parsing.COMMANDS.values() for name in group}
    for command, description in commands.menu(lang, admin=True):
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command)
        assert command in names
        assert 1 <= len(description) <= 256


def test_examples_use_each_languages_command_names():
    assert i18n.EN["example_recommend"].startswith("/recommend ")
    assert i18n.ES["example_recommend"].startswith("/recomendar ")


def test_spanish_country_names_round_trip_through_the_parser():
    for english, spanish in i18n.COUNTRIES_ES.items():
        intent = commands.parse_message(f"/pais serie {spanish} 2020", registry=_NoPlatforms())
        assert intent.args["country"] == english


class _NoPlatforms:
    def resolve(self, text: str) -> None:
        return None


# Every country in the full catalogue (data/raw), as the catalogue spells it.
CATALOGUE_COUNTRIES = [
    "afghanistan",
    "albania",
    "algeria",
    "angola",
    "argentina",
    "armenia",
    "australia",
    "austria",
    "azerbaijan",
    "bahamas",
    "bangladesh",
    "belarus",
    "belgium",
    "bermuda",
    "botswana",
    "brazil",
    "bulgaria",
    "burkina faso",
    "cambodia",
    "cameroon",
    "canada",
    "cayman islands",
    "chile",
    "china",
    "colombia",
    "costa rica",
    "croatia",
    "cuba",
    "cyprus",
    "czech republic",
    "denmark",
    "dominican republic",
    "east germany",
    "ecuador",
    "egypt",
    "ethiopia",
    "finland",
    "france",
    "french polynesia",
    "georgia",
    "germany",
    "ghana",
    "greece",
    "guatemala",
    "hong kong",
    "hungary",
    "iceland",
    "india",
    "indonesia",
    "iran",
    "iraq",
    "ireland",
    "israel",
    "italy",
    "jamaica",
    "japan",
    "jordan",
    "kazakhstan",
    "kenya",
    "kosovo",
    "kuwait",
    "latvia",
    "lebanon",
    "liechtenstein",
    "lithuania",
    "luxembourg",
    "malawi",
    "malaysia",
    "malta",
    "mauritius",
    "mexico",
    "monaco",
    "mongolia",
    "montenegro",
    "morocco",
    "mozambique",
    "namibia",
    "nepal",
    "netherlands",
    "new zealand",
    "nicaragua",
    "nigeria",
    "norway",
    "pakistan",
    "palestine",
    "panama",
    "paraguay",
    "peru",
    "philippines",
    "poland",
    "portugal",
    "puerto rico",
    "qatar",
    "romania",
    "russia",
    "samoa",
    "saudi arabia",
    "senegal",
    "serbia",
    "singapore",
    "slovakia",
    "slovenia",
    "somalia",
    "south africa",
    "south korea",
    "soviet union",
    "spain",
    "sri lanka",
    "sudan",
    "sweden",
    "switzerland",
    "syria",
    "taiwan",
    "tanzania",
    "thailand",
    "tunisia",
    "turkey",
    "uganda",
    "ukraine",
    "united arab emirates",
    "united kingdom",
    "united states",
    "uruguay",
    "vatican city",
    "venezuela",
    "vietnam",
    "west germany",
    "zimbabwe",
]


def test_every_catalogue_country_has_a_spanish_name():
    assert len(CATALOGUE_COUNTRIES) == 128
    assert [c for c in CATALOGUE_COUNTRIES if c not in i18n.COUNTRIES_ES] == []


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("hungary", "Hungría"),
        ("czech republic", "República Checa"),
        ("romania", "Rumanía"),
        ("iceland", "Islandia"),
        ("pakistan", "Pakistán"),
        ("japan", "Japón"),
        ("united kingdom", "Reino Unido"),
    ],
)
def test_spanish_country_names_keep_their_accents(english, spanish):
    assert i18n.COUNTRIES_ES[english] == spanish
    assert i18n.country_name("es", english.title()) == spanish


@pytest.mark.parametrize(
    ("lang", "display", "expected"),
    [
        ("en", "United States", "from the United States"),
        ("en", "United Kingdom", "from the United Kingdom"),
        ("en", "Netherlands", "from the Netherlands"),
        ("en", "Spain", "from Spain"),
        ("en", "Bosnia and Herzegovina", "from Bosnia and Herzegovina"),
        ("es", "United States", "de Estados Unidos"),
        ("es", "United Kingdom", "del Reino Unido"),
        ("es", "Netherlands", "de los Países Bajos"),
        ("es", "Czech Republic", "de la República Checa"),
        ("es", "Spain", "de España"),
        ("es", "Bosnia and Herzegovina", "de Bosnia and Herzegovina"),
    ],
)
def test_where_titles_come_from(lang, display, expected):
    assert i18n.from_country(lang, display) == expected


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("en", 6.95, "6.95"),
        ("es", 6.95, "6,95"),
        ("en", 7.0, "7"),
        ("es", 7.5, "7,5"),
        ("en", 10.0, "10"),
        ("en", 0.05, "0.05"),
    ],
)
def test_exact_numbers_keep_their_decimals(lang, value, expected):
    assert i18n.exact_number(lang, value) == expected


def test_every_string_is_used():
    """A string no code asks for is dead text (keys built at run time are by their prefix)."""
    bot_package = Path(i18n.__file__).parents[1]
    sources = "\n".join(path.read_text() for path in bot_package.rglob("*.py"))
    built_at_run_time = ("problem_", "example_", "reload_", "relaxed_", "wish_sort_")
    # /mydata counts the rows of each other table by the table's name.
    built_at_run_time += tuple(f"mydata_{table}" for table in storage.metadata.tables)
    for key in i18n.EN:
        base = re.sub(r"_(?:one|other)$", "", key)
        used = re.search(rf"[\"']{base}[\"'](?!:)", sources) or key.startswith(built_at_run_time)
        assert used, key
