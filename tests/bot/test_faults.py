"""Telegram API faults, through the real polling path: ``run_polling`` with the bot's own
arguments, its Updater and its retry loops, over an in-process Bot API that serves
``getUpdates`` from a queue (with Telegram's ``offset`` semantics) and fails on demand.

Every test ends by checking the promise that matters most: each update whose ``offset`` the bot
acknowledged got its reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from telegram.error import TimedOut
from telegram.request import RequestData

from bot.chat.i18n import t
from bot.telegram import application as telegram_app
from bot.telegram.application import build_application
from recommender.engine import EngineHolder
from scripts.fake_bot_api import Call, FakeBotRequest
from tests.bot.conftest import make_settings

# A fault answers one request in place of Telegram: (HTTP status, body), or an exception.
Fault = Callable[[float], Awaitable[tuple[int, bytes]]]
READ_TIMEOUT = 0.5
APOLOGY = t("en", "apology")


def error(status: int, description: str, **parameters: Any) -> Fault:
    """Telegram's JSON error answer."""
    body = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters

    async def answer(timeout: float) -> tuple[int, bytes]:
        return status, json.dumps(body).encode()

    return answer


def raw(status: int, body: bytes) -> Fault:
    """Any answer at all: a proxy's HTML error page, or a body cut short."""

    async def answer(timeout: float) -> tuple[int, bytes]:
        return status, body

    return answer


def raises(exception: BaseException) -> Fault:
    """A failure below HTTP: a refused or reset connection."""

    async def answer(timeout: float) -> tuple[int, bytes]:
        raise exception

    return answer


async def hang(timeout: float) -> tuple[int, bytes]:
    """A server that accepts the request and never answers: the client's read timeout ends it,
    as httpx does in production."""
    await asyncio.sleep(timeout)
    raise TimedOut("Timed out")


RESET = raises(ConnectionResetError(104, "Connection reset by peer"))
REFUSED = raises(ConnectionRefusedError(111, "Connection refused"))
PROXY_502 = raw(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>")


class TelegramServer(FakeBotRequest):
    """The fake Bot API plus ``getUpdates``: updates wait in a queue until a request carries an
    ``offset`` past them, as on Telegram. Every request is timed; ``faults`` fail a method's
    next requests, one each, and ``outage`` fails every request while it is set."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[dict] = []
        self.confirmed = 0  # every update_id below this was acknowledged
        self.updates: dict[int, dict] = {}
        # (when, method, whether a fault answered it) of every request
        self.requests: list[tuple[float, str, bool]] = []
        self.batches: list[list[int]] = []  # the update ids of each getUpdates answer
        self.outage_started: float | None = None
        self.delivered: list[Call] = []  # messages that reached the user
        self.faults: dict[str, list[Fault]] = {}
        self.outage: Fault | None = None
        # Set when a batch of updates is handed out: (fault, seconds) of an outage that starts
        # right after, before the bot can answer them.
        self.outage_after_delivery: tuple[Fault, float] | None = None
        self._arrived = asyncio.Event()
        self._ids = itertools.count(1)

    @property
    def read_timeout(self) -> float:
        return READ_TIMEOUT

    def send(self, text: str = "/count netflix") -> int:
        """A user (one per update, so each reply names its update) sends ``text``."""
        update_id = next(self._ids)
        user_id = 10_000 + update_id
        message: dict[str, Any] = {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        update = {"update_id": update_id, "message": message}
        self.updates[update_id] = update
        self.queue.append(update)
        self._arrived.set()
        return update_id

    def replied(self, update_id: int) -> bool:
        """Whether the answer to ``update_id`` (not an apology) reached its user."""
        chat_id = self.updates[update_id]["message"]["chat"]["id"]
        return any(
            int(call.params["chat_id"]) == chat_id and call.text != APOLOGY
            for call in self.delivered
        )

    def times(self, method: str, faulted: bool | None = None) -> list[float]:
        """When each request for ``method`` came (only those a fault answered, or only the
        others)."""
        return [
            moment
            for moment, endpoint, failed in self.requests
            if endpoint == method and faulted in (None, failed)
        ]

    def next_after(self, moment: float, method: str) -> float:
        """When the first request for ``method`` after ``moment`` came."""
        return min(t for t in self.times(method) if t > moment)

    async def wait_for_reply(self, update_id: int, timeout: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.replied(update_id):
            assert loop.time() < deadline, f"update {update_id} got no reply in {timeout} s"
            await asyncio.sleep(0.02)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        timeout = read_timeout if isinstance(read_timeout, int | float) else self.read_timeout
        queued = self.faults.get(endpoint)
        fault = self.outage or (queued.pop(0) if queued else None)
        self.requests.append((asyncio.get_running_loop().time(), endpoint, fault is not None))
        if fault is not None:
            self.calls.append(Call(endpoint, params))
            return await fault(timeout)
        if endpoint == "getUpdates":
            self.calls.append(Call(endpoint, params))
            batch = await self._get_updates(params)
            return 200, json.dumps({"ok": True, "result": batch}).encode()
        status, body = await super().do_request(url, method, request_data, **kwargs)
        if endpoint == "sendMessage" and status == 200:
            self.delivered.append(self.calls[-1])
        return status, body

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        self.confirmed = max(self.confirmed, offset)
        self.queue = [update for update in self.queue if update["update_id"] >= offset]
        long_poll = float(params.get("timeout") or 0)
        if not self.queue and long_poll:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), long_poll)
        batch = self.queue[: int(params.get("limit") or 100)]
        if batch:
            self.batches.append([update["update_id"] for update in batch])
        if batch and self.outage_after_delivery is not None:
            fault, seconds = self.outage_after_delivery
            self.outage_after_delivery = None
            self.outage = fault
            self.outage_started = asyncio.get_running_loop().time()
            asyncio.get_running_loop().call_later(seconds, setattr, self, "outage", None)
        return batch

    def check_nothing_acknowledged_was_lost(self) -> None:
        acknowledged = [update_id for update_id in self.updates if update_id < self.confirmed]
        assert acknowledged, "no update was acknowledged"
        assert [update_id for update_id in acknowledged if not self.replied(update_id)] == []


Scenario = Callable[[TelegramServer], Awaitable[None]]


@pytest.fixture
def poll(engine, built) -> Callable[..., TelegramServer]:
    """Run the bot with ``run_polling`` and the bot's polling arguments (``overrides`` change
    them) until ``scenario(server)`` returns; the server, after the bot shut down."""

    def run(
        scenario: Scenario, server: TelegramServer | None = None, **overrides: Any
    ) -> TelegramServer:
        server = server or TelegramServer()
        application = build_application(
            make_settings(built.data_dir), EngineHolder(engine), request=server
        )
        failures: list[BaseException] = []

        async def drive() -> None:
            try:
                while not (application.running and application.updater.running):
                    await asyncio.sleep(0.01)
                await asyncio.wait_for(scenario(server), 60)
            except BaseException as failure:
                failures.append(failure)
            finally:
                application.stop_running()

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        task = loop.create_task(drive())
        try:
            application.run_polling(
                **{**telegram_app.POLLING, **overrides}, stop_signals=None, close_loop=False
            )
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    loop.run_until_complete(task)
            loop.close()
            asyncio.set_event_loop(None)
        if failures:
            raise failures[0]
        server.check_nothing_acknowledged_was_lost()
        return server

    return run


async def one_reply(server: TelegramServer) -> None:
    """A user sends /count netflix and gets the answer."""
    await server.wait_for_reply(server.send())


# -- rate limits -------------------------------------------------------------------------------
RETRY_AFTER_1 = error(429, "Too Many Requests: retry after 1", retry_after=1)


def test_a_reply_waits_out_retry_after_then_goes_once(poll):
    server = TelegramServer()
    server.faults["sendMessage"] = [RETRY_AFTER_1]
    poll(one_reply, server)
    (limited,) = server.times("sendMessage", faulted=True)
    assert server.next_after(limited, "sendMessage") - limited >= 1.0
    assert len(server.delivered) == 1


def test_polling_waits_out_retry_after(poll):
    server = TelegramServer()
    server.faults["getUpdates"] = [RETRY_AFTER_1]
    poll(one_reply, server)
    (limited,) = server.times("getUpdates", faulted=True)
    assert server.next_after(limited, "getUpdates") - limited >= 1.0


# -- transient errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fault",
    [
        error(500, "Internal Server Error"),
        error(502, "Bad Gateway"),
        PROXY_502,
        raw(503, b""),
        RESET,
        REFUSED,
    ],
    ids=["500", "502", "proxy-html-502", "503-empty", "reset", "refused"],
)
def test_a_reply_survives_transient_errors(poll, monkeypatch, fault):
    monkeypatch.setattr(telegram_app, "RETRY_DELAY_SECONDS", 0.01)
    server = TelegramServer()
    server.faults["sendMessage"] = [fault, fault, fault]
    poll(one_reply, server)
    assert len(server.times("sendMessage")) == 4
    assert len(server.delivered) == 1
    assert server.delivered[0].text.startswith("📊 Netflix has")


def test_retries_back_off(poll):
    """With the real delays: half a second, then a second, then a reply."""
    server = TelegramServer()
    server.faults["sendMessage"] = [RESET, error(502, "Bad Gateway")]
    first, second, third = poll(one_reply, server).times("sendMessage")
    assert 0.5 <= second - first < 2.0
    assert 1.0 <= third - second < 3.0
    assert third - second > second - first


def test_polling_survives_every_kind_of_fault_in_turn(poll, caplog):
    """One after another on getUpdates, each right after a delivery (so its acknowledgement
    fails too): each costs a pause, none an update, and none a second reply."""
    faults = [
        PROXY_502,
        RESET,
        raw(200, b'{"ok": true, "result": [{"update_id": '),  # cut short
        error(409, "Conflict: terminated by other getUpdates request"),
    ]

    async def scenario(server):
        for fault in faults:
            server.faults["getUpdates"] = [fault]
            await server.wait_for_reply(server.send())
            while server.faults["getUpdates"]:
                await asyncio.sleep(0.01)
        await server.wait_for_reply(server.send())

    with caplog.at_level(logging.DEBUG):
        server = poll(scenario)
    assert len(server.times("getUpdates", faulted=True)) == len(faults)
    assert len(server.delivered) == len(faults) + 1
    polling = [
        r for r in caplog.records if r.name == "bot.telegram.application" and "Bot API" in r.message
    ]
    assert polling and all(r.exc_info is None for r in polling)  # one line each, no traceback
    assert "handler failed" not in caplog.text


# -- outages -------------------------------------------------------------------------------------
def test_an_outage_neither_busy_loops_nor_loses_an_acknowledged_update(poll):
    """Telegram goes away for three seconds (refused connections and 502s) right after
    handing out three updates: polling backs off instead of spinning, and each of the three
    gets its reply when it comes back."""
    outage = 3.0
    answers = itertools.cycle([REFUSED, error(502, "Bad Gateway")])

    async def flaky(timeout: float) -> tuple[int, bytes]:
        return await next(answers)(timeout)

    async def scenario(server):
        server.outage_after_delivery = (flaky, outage)
        for update_id in [server.send() for _ in range(3)]:
            await server.wait_for_reply(update_id)
        await server.wait_for_reply(server.send())  # and it keeps serving

    server = poll(scenario)
    start = server.outage_started
    during = [t for t in server.times("getUpdates") if start <= t < start + outage]
    # PTB waits 1 s, then 1.5 s, 2.25 s… between failed polls: a handful in 3 s, not thousands.
    assert 1 <= len(during) <= 4
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(during))
    assert len(server.delivered) == 4
    assert min(server.times("sendMessage", faulted=False)) >= start + outage


def test_a_hanging_get_updates_times_out_and_polling_resumes(poll):
    """getUpdates hangs; the read timeout ends it and polling goes on at once."""
    server = TelegramServer()
    server.faults["getUpdates"] = [hang]
    poll(one_reply, server, timeout=1)
    first, second = server.times("getUpdates")[:2]
    assert 1.5 <= second - first < 3.0  # the long poll (1 s) and the read timeout (0.5 s)


# -- start and stop ------------------------------------------------------------------------------
def test_start_up_waits_out_a_bot_api_that_is_not_there_yet(poll):
    server = TelegramServer()
    server.faults["getMe"] = [REFUSED, error(502, "Bad Gateway")]
    server.faults["deleteWebhook"] = [RESET]
    poll(one_reply, server)
    assert len(server.of("getMe")) == 3
    assert len(server.of("deleteWebhook")) == 2


def test_stopping_answers_every_update_already_fetched(poll):
    """A stop right after a batch arrived: the bot answers all of it, and acknowledges it so
    that Telegram does not send it again after the restart."""

    async def scenario(server):
        for platform in ("netflix", "hulu") * 10:
            server.send(f"/count {platform}")
        while not server.batches:
            await asyncio.sleep(0.001)

    server = poll(scenario)
    assert server.batches[0] == list(range(1, 21))
    assert len(server.delivered) == 20
    assert server.confirmed == 21
