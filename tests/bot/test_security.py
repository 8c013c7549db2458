"""The admin surface and the secrets: forged admin requests are refused and logged, a webhook
request without the secret does nothing, and no failure writes the token, the webhook secret or
the database password anywhere.

``test_reload`` covers non-admins typing /versions, /rollback and /upload and one forged "apply"
button; ``test_webhook`` covers the secret against the real server and the bot behind it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.chat import commands
from bot.cli import EXIT_USAGE, main
from bot.logs import REDACTED, configure_logging
from bot.telegram import application as telegram_app
from bot.telegram.http import AiohttpRequest
from bot.telegram.webhook import SECRET_HEADER, make_app, serve
from tests.bot.conftest import ADMIN_ID, BOT_USER, TOKEN
from tests.bot.test_logs import restore_logging  # noqa: F401 (a fixture)
from tests.bot.test_webhook import free_port, update
from tests.test_upload import edited_netflix, snapshot

REFUSED = "Sorry, only StreamBot's admins can do that."
DB_PASSWORD = "pa55-w0rd-never-logged"
WEBHOOK_SECRET = "webhook-secret-never-logged"


def _refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "(not an admin)" in r.getMessage()]


# -- the admin surface -------------------------------------------------------------------------
async def test_admin_commands_from_anyone_else_are_refused_whoever_they_pretend_to_be(
    running_bot, caplog
):
    """The sender decides, not the chat nor the original author: a stranger in the admin's chat
    id, a forward of the admin's message, an anonymous group admin, another user's group."""
    caplog.set_level(logging.WARNING, logger="bot.telegram.application")

    async with running_bot() as bot:
        old = bot.holder.engine
        stranger = bot.chat(user_id=666, chat_id=ADMIN_ID)
        for command in ("/versions", "/versiones", "/rollback", "/upload netflix", "/subir"):
            assert await stranger.reply(command) == REFUSED
        await stranger.say("/reload@StreamBot")  # non-blocking: its answer comes later
        (reload,) = [c for c in await bot.wait_for("sendMessage", 6) if "reload" in c.text]
        assert reload.text == "Sorry, only StreamBot's admins can reload the catalogue."
        group = bot.chat(user_id=666, chat_id=-100900, chat_type="supergroup")
        assert await group.reply("/rollback@StreamBot") == REFUSED
        admin = bot.admin()
        forwarded = {
            "message_id": 77,
            "date": 1_700_000_000,
            "chat": stranger.chat,
            "from": stranger.user,
            "text": "/rollback",
            "entities": [{"type": "bot_command", "offset": 0, "length": 9}],
            "forward_origin": {"type": "user", "date": 1_699_999_000, "sender_user": admin.user},
        }
        calls = await stranger.feed({"message": forwarded})
        assert [call.text for call in calls] == [REFUSED]
        anonymous = {
            **forwarded,
            "chat": group.chat,
            "from": {"id": 1087968824, "is_bot": True, "first_name": "Group"},
            "sender_chat": {"id": -100900, "type": "supergroup", "title": "Movie night"},
            "text": "/rollback@StreamBot",
            "entities": [{"type": "bot_command", "offset": 0, "length": 19}],
        }
        del anonymous["forward_origin"]
        calls = await group.feed({"message": anonymous})
        assert [call.text for call in calls] == [REFUSED]
        channel = {**anonymous, "chat": {"id": -100901, "type": "channel", "title": "News"}}
        del channel["from"]
        assert await group.feed({"channel_post": channel}) == []
        assert bot.holder.engine is old
    assert len(_refusals(caplog)) == 9


async def test_a_staged_upload_cannot_be_applied_or_dropped_by_anyone_else(
    running_bot, built_copy, caplog
):
    """The admin stages an upload; its real token, pressed (or forged) by someone else, is
    refused both ways and leaves the upload for the admin, whose replayed press then expires."""
    caplog.set_level(logging.WARNING, logger="bot.telegram.application")
    before = snapshot(built_copy.data_dir / "raw")

    async with running_bot(data_dir=built_copy.data_dir) as bot:
        admin = bot.admin()
        staged = await admin.send_document(edited_netflix(), "netflix.csv", "/upload netflix")
        buttons = dict(staged[-1].buttons)
        apply, cancel = buttons["✅ Apply and reload"], buttons["✖️ Cancel"]
        old = bot.holder.engine
        stranger = bot.chat(user_id=666, chat_id=666)
        stranger_group = bot.chat(user_id=666, chat_id=-100666, chat_type="supergroup")
        for data in (apply, cancel):
            for chat in (stranger, stranger_group):
                (answer,) = await chat.press(data)
                assert answer.params == {
                    "callback_query_id": answer.params["callback_query_id"],
                    "text": REFUSED,
                    "show_alert": True,
                }
        assert bot.holder.engine is old
        cancelled = await admin.press(cancel)
        assert cancelled[-1].text == "✖️ Upload cancelled. Nothing changed."
        (replayed,) = await admin.press(cancel)
        assert replayed.params["text"].startswith("this upload has expired")
    assert snapshot(built_copy.data_dir / "raw") == before
    assert len(_refusals(caplog)) == 4


async def test_a_webhook_request_without_the_secret_does_nothing():
    """Each wrong way of sending the secret is refused before the update is even read."""
    received: list[dict] = []

    async def on_update(data: dict) -> None:
        received.append(data)

    port = free_port()
    app = make_app("/telegram", on_update, "s3cret", lambda: (True, {}))
    server = await serve(app, port, "127.0.0.1")
    body = update(1, "/reload now")
    attempts = [
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: "S3CRET"},
        {SECRET_HEADER: "s3cre"},
        {SECRET_HEADER: "s3cret" * 50},
        {"X-Telegram-Bot-Api-Secret": "s3cret"},
    ]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            statuses = [
                (await client.post("/telegram", json=body, headers=headers)).status_code
                for headers in attempts
            ]
            query = await client.post("/telegram?secret_token=s3cret", json=body)
            statuses.append(query.status_code)
    finally:
        await server.cleanup()
    assert set(statuses) == {HTTPStatus.FORBIDDEN}
    assert received == []


# -- secrets in logs and messages --------------------------------------------------------------
def test_log_secrets_are_the_token_the_secret_in_use_and_the_database_password(bot_settings, built):
    settings = bot_settings(
        built.data_dir, db_url=f"postgresql://streambot:{DB_PASSWORD}@db.example.com/streambot"
    )
    assert telegram_app.log_secrets(settings) == [TOKEN, "test-secret", DB_PASSWORD]
    derived = dataclasses.replace(settings, webhook_secret="")
    assert telegram_app.log_secrets(derived)[1] == derived.secret_token != ""


@pytest.mark.usefixtures("restore_logging")
async def test_failures_at_debug_level_never_log_a_secret(
    running_bot, capsys, monkeypatch, bot_settings, built
):
    """Everything logged at DEBUG while things fail: PTB's own lines (the Bot API URL, the
    setWebhook parameters), network errors retried and given up, and a handler's exception
    whose message holds the secrets. The log shows [REDACTED]; the user sees an apology."""
    monkeypatch.setattr(telegram_app, "RETRY_DELAY_SECONDS", 0.01)
    monkeypatch.setattr(telegram_app, "NETWORK_RETRIES", 2)
    settings = bot_settings(built.data_dir, webhook_secret="")  # the secret is derived
    secrets = telegram_app.log_secrets(settings)
    configure_logging("DEBUG", secrets)
    real_answer = commands.answer

    def leaky(intent, *args, **kwargs):
        if intent.args.get("title") == "boom":
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/x {secrets[1]}")
        return real_answer(intent, *args, **kwargs)

    monkeypatch.setattr(commands, "answer", leaky)

    async with running_bot(webhook_secret="") as bot:
        await bot.app.bot.set_webhook(settings.public_webhook_url, secret_token=secrets[1])
        chat = bot.chat()
        apology = await chat.reply("/recommend boom")
        assert apology.startswith("😕 Sorry")
        bot.api.fail["sendMessage"] = [(502, f"Bad Gateway for bot{TOKEN}", {})] * 6
        await chat.say("/count netflix")
    err = capsys.readouterr().err
    assert "Set Bot API URL" in err and "setWebhook" in err
    assert "handler failed" in err and "Bad Gateway" in err and REDACTED in err
    for secret in secrets[:2]:
        assert secret not in err
        assert all(secret not in call.text for call in bot.api.calls if call.method != "setWebhook")


class _BotApi(BaseHTTPRequestHandler):
    """A Bot API on a real socket: getMe answers, or every method says the token is wrong."""

    reject_token = False

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.reject_token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        elif self.path.endswith("/getMe"):
            status, body = 200, {"ok": True, "result": BOT_USER}
        else:
            status, body = 200, {"ok": True, "result": True}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def bot_api() -> Iterator[Callable[[bool], str]]:
    """Start a Bot API on a loopback port; the base URL to give the bot."""
    servers: list[ThreadingHTTPServer] = []

    def start(reject_token: bool) -> str:
        handler = type("Handler", (_BotApi,), {"reject_token": reject_token})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/bot"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def run_streambot(built, monkeypatch, capfd) -> Callable[..., tuple[object, str]]:
    """``streambot run --telegram`` in-process at LOG_LEVEL=DEBUG; its exit and all it wrote."""
    monkeypatch.setattr(telegram_app, "NETWORK_RETRIES", 0)  # fail at once, not in a minute

    def run(api_base_url: str, database: str = "") -> tuple[object, str]:
        environ = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api_base_url,
            "STREAMBOT_DATA_DIR": str(built.data_dir),
            "STREAMBOT_DB": database or f"sqlite:///{built.data_dir}/security.sqlite3",
            "WEBHOOK_URL": "",
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "LOG_LEVEL": "DEBUG",
        }
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        try:
            outcome: object = main(["run", "--telegram"])
        except SystemExit as exit_:
            outcome = exit_.code
        finally:
            asyncio.set_event_loop(None)  # poll() set a loop of its own, and closed it
        captured = capfd.readouterr()
        return outcome, captured.out + captured.err

    return run


@pytest.mark.usefixtures("restore_logging")
def test_an_unreachable_bot_api_exits_with_one_line_and_no_secret(run_streambot):
    base_url = f"http://127.0.0.1:{_closed_port()}/bot"
    outcome, output = run_streambot(base_url)
    assert str(outcome).startswith(f"error: cannot reach the Bot API at {base_url} (")
    assert TOKEN not in str(outcome) + output
    assert REDACTED in output  # PTB logged the URL, scrubbed


@pytest.mark.usefixtures("restore_logging")
def test_a_rejected_token_exits_with_one_line_and_no_secret(run_streambot, bot_api):
    outcome, output = run_streambot(bot_api(True))
    assert outcome == "error: Telegram rejected TELEGRAM_BOT_TOKEN; copy it again from @BotFather"
    assert TOKEN not in output


@pytest.mark.usefixtures("restore_logging")
def test_an_unreachable_database_names_it_without_its_password(run_streambot, bot_api):
    database = f"postgresql://streambot:{DB_PASSWORD}@127.0.0.1:{_closed_port()}/streambot"
    outcome, output = run_streambot(bot_api(False), database)
    assert outcome == EXIT_USAGE
    assert "error: STREAMBOT_DB: cannot open the database postgresql+psycopg://streambot:***@" in (
        output
    )
    for secret in (TOKEN, DB_PASSWORD, WEBHOOK_SECRET):
        assert secret not in output


# ``streambot`` that gives up on the Bot API at its first failure, and on an answer after half a
# second: the real one retries for about a minute.
HASTY_STREAMBOT = """
import functools, sys
from bot.telegram import http, application as telegram_app
telegram_app.NETWORK_RETRIES = 0
telegram_app.AiohttpRequest = functools.partial(
    http.AiohttpRequest, connect_timeout=0.5, read_timeout=0.5
)
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


class _Redirect(BaseHTTPRequestHandler):
    """A Bot API that sends every request back to itself."""

    def do_POST(self) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST  # a client following a 302 may GET it

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def unreachable_bot_apis(bot_api) -> Iterator[dict[str, str]]:
    """A Bot API base URL for each way of failing to reach it."""
    redirect = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=redirect.serve_forever, daemon=True).start()
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel does), never answers
    plain = bot_api(False).removeprefix("http://")  # TLS spoken to it fails
    yield {
        "redirect loop": f"http://127.0.0.1:{redirect.server_address[1]}/bot",
        "name that does not resolve": "https://bot.invalid/bot",
        "TLS handshake that fails": f"https://{plain}",
        "refused connection": f"http://127.0.0.1:{_closed_port()}/bot",
        "server that never answers": f"http://127.0.0.1:{silent.getsockname()[1]}/bot",
        "mistyped scheme": "htps://api.telegram.org/bot",  # aiohttp quotes the whole URL
    }
    redirect.shutdown()
    redirect.server_close()
    silent.close()


@pytest.mark.usefixtures("restore_logging")
def test_no_way_of_failing_to_reach_the_bot_api_shows_a_secret(
    run_streambot, unreachable_bot_apis, monkeypatch
):
    """Polling, at LOG_LEVEL=DEBUG: for each way the Bot API can be out of reach, the bot exits
    with a line that says so, and neither that line nor anything it wrote shows a secret."""
    monkeypatch.setattr(
        telegram_app,
        "AiohttpRequest",
        functools.partial(AiohttpRequest, connect_timeout=0.5, read_timeout=0.5),
    )
    for way, base_url in unreachable_bot_apis.items():
        outcome, output = run_streambot(base_url)
        assert str(outcome).startswith(f"error: cannot reach the Bot API at {base_url} ("), way
        for secret in (TOKEN, WEBHOOK_SECRET):
            assert secret not in str(outcome) + output, (way, outcome, output)


async def test_webhook_workers_that_cannot_reach_the_bot_api_show_no_secret(
    unreachable_bot_apis, built, tmp_path
):
    """The real ``streambot run --webhook`` with two workers under their supervisor, one process
    per way the Bot API can be out of reach, at LOG_LEVEL=DEBUG: the workers say why they
    stopped, the supervisor exits 2, and nothing any of them wrote shows a secret."""

    async def run(base_url: str) -> tuple[int, str]:
        environ = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "STREAMBOT_DATA_DIR": str(built.data_dir),
            "STREAMBOT_DB": f"sqlite:///{tmp_path / 'chats.sqlite3'}",
            "WEBHOOK_URL": "https://bot.example.com/telegram",
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STREAMBOT_WORKERS": "2",
            "PORT": str(free_port()),
            "LOG_LEVEL": "DEBUG",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HASTY_STREAMBOT,
            "run",
            "--webhook",
            env=environ,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), 120)
        return process.returncode, output.decode()

    outcomes = await asyncio.gather(*map(run, unreachable_bot_apis.values()))
    for way, (code, output) in zip(unreachable_bot_apis, outcomes, strict=True):
        assert code == 2, (way, output[-3000:])
        assert "error: cannot reach the Bot API at " in output, way
        for secret in (TOKEN, WEBHOOK_SECRET):
            assert secret not in output, (way, output)
