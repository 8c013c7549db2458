"""The webhook server, run for real on a loopback port: secret token checks, health, retried
updates, and what strangers can do to it (forged or malformed requests, idle and slow
connections, more connections than the process has files)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import httpx
from aiohttp import web

from bot.logs import BoundedLog
from bot.telegram import webhook
from bot.telegram.application import build_application, serve_webhook
from bot.telegram.webhook import (
    HEALTH_PATH,
    MAX_BODY_BYTES,
    SECRET_HEADER,
    make_app,
    secret_matches,
    serve,
)
from recommender.engine import EngineHolder
from scripts.fake_bot_api import FakeBotApi
from tests.bot.test_workers import answered, ask, deployed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def update(update_id: int, text: str) -> dict:
    user = {"id": 7, "is_bot": False, "first_name": "Ana", "language_code": "en"}
    message = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": 7, "type": "private", "first_name": "Ana"},
        "from": user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": text.find(" ")}],
    }
    return {"update_id": update_id, "message": message}


def test_secret_matches_only_the_exact_token():
    assert secret_matches("abc-123", "abc-123")
    assert not secret_matches("abc-124", "abc-123")
    assert not secret_matches("", "abc-123")
    assert not secret_matches(None, "abc-123")


async def test_the_webhook_verifies_the_secret_token_and_serves_health(
    engine, built, bot_settings, fake_api
):
    settings = bot_settings(built.data_dir, port=free_port())
    application = build_application(settings, EngineHolder(engine), request=fake_api)

    stop = asyncio.Event()
    server = asyncio.create_task(serve_webhook(application, settings, stop))
    base = f"http://127.0.0.1:{settings.port}"
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        health = await _wait_until_healthy(client)
        assert health == {"status": "ok", "catalogue": engine.version, "worker": os.getpid()}
        good = {SECRET_HEADER: "test-secret"}
        assert (await client.post("/telegram", json=update(1, "/count netflix"))).status_code == 403
        wrong = {SECRET_HEADER: "guess"}
        response = await client.post("/telegram", json=update(2, "/count netflix"), headers=wrong)
        assert response.status_code == 403
        response = await client.post("/telegram", content=b"{oops", headers=good)
        assert response.status_code == 400
        assert (await client.get("/telegram")).status_code == 405
        for _ in range(2):  # the second as Telegram retries: received, not answered again
            response = await client.post(
                "/telegram", json=update(3, "/count netflix"), headers=good
            )
            assert response.status_code == 200
        for _ in range(250):
            if fake_api.sent:
                break
            await asyncio.sleep(0.02)
    stop.set()
    await server
    (sent,) = fake_api.sent  # only the update with the right secret got an answer
    assert sent.text.startswith("📊 Netflix has")
    (hook,) = fake_api.of("setWebhook")
    assert hook.params["url"] == "https://bot.example.com/telegram"
    assert hook.params["secret_token"] == "test-secret"


async def _wait_until_healthy(client: httpx.AsyncClient) -> dict:
    for _ in range(250):
        try:
            response = await client.get(HEALTH_PATH)
        except httpx.TransportError:
            response = None
        if response is not None and response.json()["status"] == "ok":
            return response.json()
        await asyncio.sleep(0.02)
    raise AssertionError("the webhook server never became healthy")


async def test_non_updates_are_bad_requests_and_health_says_when_it_is_not_ready():
    received: list[dict] = []
    ready = {"now": False}

    async def on_update(data: dict) -> None:
        if "update_id" not in data:
            raise TypeError("not an update")
        received.append(data)

    def health() -> tuple[bool, dict]:
        return ready["now"], {"status": "ok" if ready["now"] else "starting"}

    port = free_port()
    server = await serve(make_app("/telegram", on_update, "s3cret", health), port, "127.0.0.1")
    good = {SECRET_HEADER: "s3cret"}
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            assert (await client.get(HEALTH_PATH)).status_code == 503
            assert (await client.head(HEALTH_PATH)).status_code == 503
            ready["now"] = True
            assert (await client.get(HEALTH_PATH)).json() == {"status": "ok"}
            response = await client.post("/telegram", json={"foo": 1}, headers=good)
            assert response.status_code == 400
            response = await client.post("/telegram", json=[1, 2], headers=good)
            assert response.status_code == 400
            response = await client.post("/telegram", json={"update_id": 1}, headers=good)
            assert response.status_code == 200
    finally:
        await server.cleanup()
    assert received == [{"update_id": 1}]


async def test_oversized_bodies_and_failing_callbacks_get_an_answer_and_a_log_line(caplog):
    """Past 1 MB a body is refused unread; a callback that breaks is a logged 500, which
    Telegram retries, and the server keeps serving."""
    received: list[dict] = []

    async def on_update(data: dict) -> None:
        if data.get("update_id") == 2:
            raise RuntimeError("kaboom")
        received.append(data)

    with caplog.at_level(logging.WARNING, logger="bot.telegram.webhook"):
        port = free_port()
        app = make_app("/telegram/", on_update, "s3cret", lambda: (True, {}))
        server = await serve(app, port, "127.0.0.1")
        good = {SECRET_HEADER: "s3cret"}
        huge = b'{"update_id": 1, "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                statuses = [
                    (await client.post("/telegram", content=huge, headers=good)).status_code,
                    (
                        await client.post("/telegram", json={"update_id": 2}, headers=good)
                    ).status_code,
                    (
                        await client.post("/telegram/", json={"update_id": 3}, headers=good)
                    ).status_code,
                ]
        finally:
            await server.cleanup()
        assert statuses == [413, 500, 200]
    assert received == [{"update_id": 3}]
    oversized, failure = caplog.records
    assert oversized.getMessage() == f"webhook refused an update over {MAX_BODY_BYTES} bytes"
    assert failure.getMessage() == "webhook handler failed"
    assert failure.exc_info[0] is RuntimeError


@contextlib.asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[int]:
    """``app`` served on a free loopback port; the port."""
    port = free_port()
    server = await serve(app, port, "127.0.0.1")
    try:
        yield port
    finally:
        await server.cleanup()


async def _nothing(data: dict) -> None:
    """An update callback that takes everything."""


def _healthy() -> tuple[bool, dict]:
    return True, {}


async def raw_request(port: int, request: bytes, whole: bool = True) -> bytes:
    """What the server answers ``request``, sent as it is: all it sends before it closes the
    connection, or (not ``whole``) the status line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        return await asyncio.wait_for(reader.read() if whole else reader.readline(), 3)
    finally:
        writer.close()


async def test_a_retried_update_is_handed_on_once_unless_handling_it_failed():
    """A retry of an update that was handed on gets its 200 and goes no further; one whose
    handling failed (a 500, which Telegram retries) is handed on again."""
    calls: list[int] = []

    async def on_update(data: dict) -> None:
        calls.append(data["update_id"])
        if calls == [1, 2]:
            raise RuntimeError("the update queue broke")

    app = make_app("/telegram", on_update, "s3cret", _healthy)
    async with served(app) as port, httpx.AsyncClient(timeout=5) as client:
        statuses = [
            (
                await client.post(
                    f"http://127.0.0.1:{port}/telegram",
                    json={"update_id": update_id},
                    headers={SECRET_HEADER: "s3cret"},
                )
            ).status_code
            for update_id in (1, 1, 2, 2, 1, 2)
        ]
    assert statuses == [200, 200, 500, 200, 200, 200]
    assert calls == [1, 2, 2]


async def test_a_flood_of_forged_requests_writes_one_log_line(caplog):
    with caplog.at_level(logging.WARNING):
        app = make_app("/telegram", _nothing, "s3cret", _healthy)
        async with served(app) as port, aiohttp.ClientSession() as client:

            async def forge() -> int:
                async with client.post(
                    f"http://127.0.0.1:{port}/telegram",
                    json={"update_id": 1},
                    headers={SECRET_HEADER: "guess"},
                ) as response:
                    return response.status

            statuses = set(await asyncio.gather(*(forge() for _ in range(1000))))
        assert statuses == {403}
    assert [record.getMessage() for record in caplog.records] == [
        "webhook refused a request from 127.0.0.1 without the secret token"
    ]


async def test_a_secret_header_that_is_not_utf8_is_forbidden_in_one_log_line(caplog):
    with caplog.at_level(logging.WARNING):
        app = make_app("/telegram", _nothing, "s3cret", _healthy)
        async with served(app) as port:
            answer = await raw_request(
                port,
                b"POST /telegram HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n"
                b"X-Telegram-Bot-Api-Secret-Token: s3cr\xe9t\xff\r\n"
                b"Content-Length: 2\r\n\r\n{}",
            )
        assert answer.startswith(b"HTTP/1.1 403 ")
    (line,) = caplog.records
    assert line.getMessage() == "webhook refused a request from 127.0.0.1 without the secret token"
    assert line.exc_info is None


MALFORMED = {
    "not JSON": b"{oops",
    "not an object": b"[1, 2]",
    "no update_id": b'{"message": {}}',
    "a text update_id": b'{"update_id": "7"}',
    "a true update_id": b'{"update_id": true}',
    "a negative update_id": b'{"update_id": -1}',
    "a fractional update_id": b'{"update_id": 1.5}',
    "a message that is text": b'{"update_id": 8, "message": "hello"}',
    "a callback query that is a list": b'{"update_id": 9, "callback_query": []}',
    "a message without its fields": b'{"update_id": 10, "message": {"chat": 5}}',
}


async def test_each_malformed_update_gets_a_400_and_one_log_line(
    engine, built, bot_settings, fake_api, caplog, monkeypatch
):
    """Through the real bot, so that PTB reads what passes the server's own checks; with the
    log's rate bound lifted, so that each refusal shows its line."""
    monkeypatch.setattr(webhook, "BoundedLog", functools.partial(BoundedLog, interval=0.0))
    settings = bot_settings(built.data_dir, port=free_port())
    application = build_application(settings, EngineHolder(engine), request=fake_api)
    base = f"http://127.0.0.1:{settings.port}"
    good = {SECRET_HEADER: "test-secret", "Content-Type": "application/json"}

    with caplog.at_level(logging.WARNING):
        stop = asyncio.Event()
        server = asyncio.create_task(serve_webhook(application, settings, stop))
        answers = {}
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            await _wait_until_healthy(client)
            for case, body in MALFORMED.items():
                caplog.clear()
                response = await client.post("/telegram", content=body, headers=good)
                answers[case] = response.status_code, caplog.records[:]
            response = await client.post(
                "/telegram", json=update(11, "/count netflix"), headers=good
            )
            assert response.status_code == 200  # and the server serves on
        stop.set()
        await server
    for case, (status, records) in answers.items():
        assert status == 400, case
        assert [r.name for r in records] == ["bot.telegram.webhook"], case
        assert records[0].getMessage().startswith("webhook refused"), case
        assert records[0].exc_info is None, case


async def test_idle_connections_and_slow_bodies_are_closed(monkeypatch):
    """A connection that sends nothing, or stops in the middle of its headers, is closed; a
    body that does not arrive in time gets 408."""
    monkeypatch.setattr(webhook, "IDLE_SECONDS", 0.3)
    monkeypatch.setattr(webhook, "BODY_SECONDS", 0.3)
    headers = b"POST /telegram HTTP/1.1\r\nHost: bot\r\nX-Telegram-Bot-Api-Secret-Token: s3cret\r\n"

    start = time.monotonic()
    app = make_app("/telegram", _nothing, "s3cret", _healthy)
    async with served(app) as port:
        idle, half_headers, slow_body = await asyncio.gather(
            raw_request(port, b""),
            raw_request(port, headers),
            raw_request(port, headers + b'Content-Length: 99\r\n\r\n{"update_id"', whole=False),
        )
    assert time.monotonic() - start < 2.5
    assert idle == half_headers == b""
    assert slow_body.startswith(b"HTTP/1.1 408 ")


EVICTED = "webhook holds 512 connections, its most; closed the oldest"


async def test_idle_connections_past_the_file_limit_lock_out_neither_updates_nor_health(
    built_copy, tmp_path
):
    """``streambot run --webhook`` with 1,024 files (a common systemd default) and 1,100 idle
    connections opened to it: the oldest are closed to make room, so Telegram's update and
    /health still get through at once, and the log stays short."""
    async with (
        FakeBotApi() as api,
        deployed(api, built_copy.data_dir, tmp_path, workers=1, files=1024) as bot,
    ):
        await bot.healthy(1)
        loop = asyncio.get_running_loop()
        idle = [socket.socket() for _ in range(1100)]
        try:
            for each in idle:
                each.setblocking(False)

            async def connect(each: socket.socket) -> bool:
                with contextlib.suppress(OSError, TimeoutError):
                    await asyncio.wait_for(loop.sock_connect(each, ("127.0.0.1", bot.port)), 10)
                    return True
                return False

            # In waves smaller than the listen backlog of 128: past it the kernel drops the
            # handshake and retries it after 1, 3 and 7 s, and on a busy machine a connection
            # could give up before the server had accepted enough of them to make room.
            connected = 0
            for start in range(0, len(idle), 100):
                connected += sum(await asyncio.gather(*map(connect, idle[start : start + 100])))
            assert connected > 1000, f"only {connected} of 1,100 connected"
            # The server accepts them on its own time; wait until it has had to make room.
            for _ in range(100):
                if EVICTED in bot.log.read_text():
                    break
                await asyncio.sleep(0.1)
            start = time.monotonic()
            async with httpx.AsyncClient(timeout=3) as client:
                health = await client.get(f"http://127.0.0.1:{bot.port}{HEALTH_PATH}")
            took = time.monotonic() - start
            assert health.status_code == 200
            ask(api, range(600, 601), "/count netflix")
            await asyncio.wait_for(answered(api, 1), 5)
        finally:
            for each in idle:
                each.close()
        log = bot.log.read_text()
    assert took < 1
    assert "Too many open files" not in log
    assert len(log.splitlines()) < 50
    assert EVICTED in log
