"""The command registry: every command declared once, and what derives from it."""

from __future__ import annotations

import pytest

from bot.chat import commands, languages, parsing
from bot.chat.commands import BY_NAME, COMMANDS, help_reply, parse_message


def test_the_registry_and_the_language_data_name_the_same_commands():
    assert set(parsing.GRAMMAR.commands) == set(BY_NAME)
    for command in COMMANDS:
        assert languages.command_names(command.name).get("en") or command.name == "start"


def test_every_name_of_every_command_parses_to_it(engine):
    for command in COMMANDS:
        for name in command.names:
            intent = parse_message(f"/{name}", engine.registry)
            assert intent.name == command.name, name


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_menus_follow_the_registry(lang):
    shown = [name for name, _ in commands.menu(lang)]
    expected = [
        languages.command_names(command.name)[lang][0]
        for command in COMMANDS
        if command.menu and not command.admin
    ]
    assert shown == expected
    admin = [name for name, _ in commands.menu(lang, admin=True)]
    assert admin[: len(shown)] == shown
    assert {
        BY_NAME[parsing.GRAMMAR.command_intent[name]].admin for name in admin[len(shown) :]
    } == {True}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_help_shows_each_commands_example_in_the_registrys_order(engine, lang):
    text = help_reply(engine, lang).text
    positions = [
        text.index(languages.help_line(lang, command.name))
        for command in COMMANDS
        if languages.help_line(lang, command.name)
    ]
    assert len(positions) >= 14
    assert positions == sorted(positions)
    assert not any(
        command.admin and languages.help_line(lang, command.name) for command in COMMANDS
    )


def test_admin_commands_are_refused_without_the_admin_service(engine):
    for command in COMMANDS:
        if command.admin:
            intent = parse_message(f"/{command.names[0]} netflix", engine.registry)
            reply = commands.answer(intent, engine, "en")
            assert "only StreamBot's admins" in reply.text, command.name


@pytest.mark.parametrize(
    ("text", "chat_lang", "expected"),
    [
        ("me gustaron The Office y Friends", "en", "es"),
        ("¿dónde puedo ver The Good Place?", "en", "es"),
        ("something funny on netflix", "es", "en"),
        ("The Office", "es", "es"),  # a bare title keeps the chat's language
        ("/recommend the office", "es", "es"),  # so does a command
    ],
)
def test_the_reply_follows_the_messages_language_titles_aside(engine, text, chat_lang, expected):
    intent = parse_message(text, engine.registry)
    assert commands.reply_language(text, intent, chat_lang) == expected
