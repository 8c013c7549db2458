"""The webhook server, run for real on a loopback port: secret token checks and health."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

import httpx

from bot.telegram_app import build_application, serve_webhook
from bot.webhook import (
    HEALTH_PATH,
    MAX_BODY_BYTES,
    SECRET_HEADER,
    make_app,
    secret_matches,
    serve,
)
from recommender.engine import EngineHolder


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


def test_the_webhook_verifies_the_secret_token_and_serves_health(
    engine, built, bot_settings, fake_api
):
    settings = bot_settings(built.data_dir, port=free_port())
    application = build_application(settings, EngineHolder(engine), request=fake_api)

    async def main() -> None:
        stop = asyncio.Event()
        server = asyncio.create_task(serve_webhook(application, settings, stop))
        base = f"http://127.0.0.1:{settings.port}"
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            health = await _wait_until_healthy(client)
            assert health == {"status": "ok", "catalogue": engine.version, "worker": os.getpid()}
            good = {SECRET_HEADER: "test-secret"}
            assert (
                await client.post("/telegram", json=update(1, "/count netflix"))
            ).status_code == 403
            wrong = {SECRET_HEADER: "guess"}
            response = await client.post(
                "/telegram", json=update(2, "/count netflix"), headers=wrong
            )
            assert response.status_code == 403
            response = await client.post("/telegram", content=b"{oops", headers=good)
            assert response.status_code == 400
            assert (await client.get("/telegram")).status_code == 405
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

    asyncio.run(main())
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


def test_non_updates_are_bad_requests_and_health_says_when_it_is_not_ready():
    received: list[dict] = []
    ready = {"now": False}

    async def on_update(data: dict) -> None:
        if "update_id" not in data:
            raise TypeError("not an update")
        received.append(data)

    def health() -> tuple[bool, dict]:
        return ready["now"], {"status": "ok" if ready["now"] else "starting"}

    async def main() -> None:
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

    asyncio.run(main())
    assert received == [{"update_id": 1}]


def test_oversized_bodies_and_failing_callbacks_get_an_answer_and_a_log_line(caplog):
    """Past 1 MB a body is refused unread; a callback that breaks is a logged 500, which
    Telegram retries, and the server keeps serving."""
    received: list[dict] = []

    async def on_update(data: dict) -> None:
        if data.get("update_id") == 2:
            raise RuntimeError("kaboom")
        received.append(data)

    async def main() -> list[int]:
        port = free_port()
        app = make_app("/telegram/", on_update, "s3cret", lambda: (True, {}))
        server = await serve(app, port, "127.0.0.1")
        good = {SECRET_HEADER: "s3cret"}
        huge = b'{"update_id": 1, "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                return [
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

    with caplog.at_level(logging.WARNING, logger="bot.webhook"):
        assert asyncio.run(main()) == [413, 500, 200]
    assert received == [{"update_id": 3}]
    (failure,) = [r for r in caplog.records if r.getMessage() == "webhook handler failed"]
    assert failure.exc_info[0] is RuntimeError
