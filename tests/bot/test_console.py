"""The console chat and `streambot ask`: the same parsing and replies, buttons as numbers."""

from __future__ import annotations

import io

import pytest

from bot import cli, settings
from bot.chat.replies import Button, ChartRequest, Reply
from bot.console import ConsoleChat, chat, render, to_terminal
from recommender.engine import EngineHolder


@pytest.fixture(autouse=True)
def no_token(monkeypatch, tmp_path):
    """No token from the environment or a developer's .env: the console is the default."""
    for name in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "STREAMBOT_DATA_DIR", "LANG", "LC_ALL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(settings, "ENV_FILE", tmp_path / "no.env")


def test_ask_prints_the_reply_with_numbered_buttons(built, capsys):
    code = cli.main(
        ["--data-dir", str(built.data_dir), "ask", "/recomendar toy story", "--lang", "es"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("🍿 Si te gusta Toy Story (1995), prueba con:\n")
    assert "  [1] 🔎 Más como Toy Story 2  [2] 👍  [3] 👎  [4] 🔖\n" in out
    assert "<b>" not in out


def test_ask_html_shows_what_telegram_gets(built, capsys):
    cli.main(["--data-dir", str(built.data_dir), "ask", "the office", "--html"])
    out = capsys.readouterr().out
    assert (
        "🤔 Did you mean…?\n  [1] The Office (2001, latest season) · Prime Video  → title:as4"
        in out
    )


def test_ask_defaults_to_the_terminal_language(built, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    cli.main(["--data-dir", str(built.data_dir), "ask", "/count netflix"])
    assert capsys.readouterr().out == "📊 Netflix tiene 6 películas y 5 series.\n"


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        ("/count\u00a0Netflix.", "en", "📊 Netflix has 6 movies and 5 TV shows.\n"),
        (
            "/pais series del reino unido en 2001",
            "es",
            "🌎 1 serie del Reino Unido se estrenó en 2001.\n",
        ),
        ("recomiéndame algo", "es", "Dime un título.\nEjemplo: /recomendar toy story\n"),
    ],
)
def test_ask_understands_sloppy_messages(built, capsys, message, lang, expected):
    cli.main(["--data-dir", str(built.data_dir), "ask", message, "--lang", lang])
    assert capsys.readouterr().out == expected


def test_a_chat_session_with_buttons_as_numbers(engine):
    lines = iter(["/recommend toy story", "21", "1", "/lang es", "the office", "2", "99", "/quit"])
    out = io.StringIO()
    assert chat(EngineHolder(engine), "en", out, read=lambda prompt: next(lines)) == 0
    text = out.getvalue()
    assert text.startswith("StreamBot console chat.")
    assert "More like Toy Story (1995), 6–10:" in text  # 21 pressed "Next 5"
    assert "If you like " in text.split("6–10:")[1]  # 1 pressed "More like this"
    assert "¡Listo! Hablaré en español" in text
    assert (
        "The Office (2005, última temporada)\nSerie · 9 temporadas" in text
    )  # 2 picked the Netflix one
    assert "No encontré nada llamado «99»" in text  # no button 99: a title search


def test_the_console_shows_a_movie_nights_choices_and_its_suggestions_first(engine):
    conversation = ConsoleChat(EngineHolder(engine), "en")
    assert conversation.respond("/suggest the office").text == "🤔 Did you mean…?"
    added = conversation.respond("2")  # the Netflix one
    assert added.suggested == "ns2"
    reply = conversation.respond("/movienight")
    shown = render(reply, "en")
    assert shown.startswith(
        "🍿 Movie night! What shall we watch?\n  1. The Office (2005, latest season) · Netflix\n"
    )
    assert shown.endswith("\n(A group votes on these in Telegram; here you only see them.)")
    assert shown.count("\n  ") == 5 and "[1]" not in shown  # no button to close anything
    assert conversation.rows == () and conversation.suggestions == []  # used up


@pytest.mark.parametrize("line", ["²", "0", "-1", "99"])
def test_only_a_listed_number_picks_a_button(engine, line):
    conversation = ConsoleChat(EngineHolder(engine), "en")
    conversation.respond("the office")
    assert conversation.respond(line).text.startswith("🔍 I couldn't find anything called")


def test_chat_ends_on_end_of_input(engine):
    def read(prompt: str) -> str:
        raise EOFError

    assert chat(EngineHolder(engine), "en", io.StringIO(), read=read) == 0


def test_run_without_a_token_starts_the_console_chat(built, capsys, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt="": "/quit")
    assert cli.main(["--data-dir", str(built.data_dir), "run", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "No TELEGRAM_BOT_TOKEN set" in captured.err
    assert captured.out.startswith("StreamBot console chat.")


def test_run_webhook_needs_its_settings(built, capsys):
    assert cli.main(["--data-dir", str(built.data_dir), "run", "--webhook"]) == 2
    assert "WEBHOOK_URL" in capsys.readouterr().err


def test_a_bad_setting_is_a_usage_error(built, capsys, monkeypatch):
    monkeypatch.setenv("STREAMBOT_ADMIN_IDS", "alice")
    assert cli.main(["--data-dir", str(built.data_dir), "ask", "hi"]) == 2
    assert "STREAMBOT_ADMIN_IDS" in capsys.readouterr().err


def test_the_console_may_reload(data_dir):
    from etl.build import run_etl
    from recommender.engine import Engine

    run_etl(data_dir / "raw", data_dir / "processed")
    conversation = ConsoleChat(EngineHolder(Engine.load(data_dir / "processed")), "en", data_dir)
    assert conversation.respond("/reload").text.startswith("✅ <b>Catalogue reloaded</b>")


def test_terminal_rendering():
    styled = to_terminal("<b>A &amp; B</b> <i>c</i>", color=True)
    assert styled == "\033[1mA & B\033[0m \033[3mc\033[0m"
    reply = Reply("<b>hi</b>", ((Button("yes", "info:ns1"),),))
    assert render(reply, "en") == "hi\n  [1] yes"
    assert render(reply, "en", raw_html=True) == "<b>hi</b>\n  [1] yes  → info:ns1"


def test_a_chart_is_announced_only_when_the_reply_has_one():
    chart = Reply("📊 <b>Hulu</b>", chart=ChartRequest("hulu"))
    assert render(chart, "en") == "📊 Hulu\n(In Telegram this comes with a chart.)"
    assert render(Reply("📊 <b>Hulu</b>"), "es") == "📊 Hulu"


@pytest.mark.parametrize(
    ("argv", "env"),
    [(["run", "--telegram"], {}), (["run"], {"WEBHOOK_URL": "https://bot.example.com/telegram"})],
)
def test_a_deployment_without_a_token_fails_instead_of_chatting(
    built, capsys, monkeypatch, argv, env
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail("the console started"))
    assert cli.main(["--data-dir", str(built.data_dir), *argv]) == 2
    assert "set TELEGRAM_BOT_TOKEN first" in capsys.readouterr().err
