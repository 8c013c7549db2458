"""The string catalogues: both languages say everything, and the menus are valid."""

from __future__ import annotations

import re
import string

import pytest

from bot import i18n, parsing


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_strings_with_the_same_placeholders():
    assert i18n.EN.keys() == i18n.ES.keys()
    for key in i18n.EN:
        assert fields(i18n.EN[key]) == fields(i18n.ES[key]), key


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_problem_and_example_is_written(lang):
    catalogue = i18n.CATALOGUES[lang]
    for intent in parsing.COMMANDS:
        if intent not in (parsing.HELP, parsing.START, parsing.RELOAD):
            assert f"example_{intent}" in catalogue


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_menus_list_real_commands_telegram_accepts(lang):
    names = {name for group in parsing.COMMANDS.values() for name in group}
    for command, description in i18n.MENU[lang] + i18n.ADMIN_MENU[lang]:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command)
        assert command in names
        assert 1 <= len(description) <= 256


def test_examples_use_each_languages_command_names():
    assert i18n.EN["example_recommend"].startswith("/recommend ")
    assert i18n.ES["example_recommend"].startswith("/recomendar ")


def test_spanish_country_names_round_trip_through_the_parser():
    for english, spanish in i18n.COUNTRIES_ES.items():
        intent = parsing.parse_message(f"/pais serie {spanish} 2020", registry=_NoPlatforms())
        assert intent.args["country"] == english


class _NoPlatforms:
    def resolve(self, text: str) -> None:
        return None
