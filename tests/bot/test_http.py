"""The HTTP backends against a real socket: ``AiohttpRequest`` must fail the way PTB's own
``HTTPXRequest`` does, since the bot's retry loops (see ``test_faults.py``) rely on PTB's
exception types: ``TimedOut`` for a hang, ``NetworkError`` for a reset connection or a 502,
``RetryAfter`` for a 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from telegram import InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.http import AiohttpRequest
from tests.conftest import AsyncFixture

READ_TIMEOUT = 0.3
BACKENDS: dict[str, Callable[[], BaseRequest]] = {
    "httpx": lambda: HTTPXRequest(read_timeout=READ_TIMEOUT),
    "aiohttp": lambda: AiohttpRequest(read_timeout=READ_TIMEOUT),
}


@pytest.fixture(autouse=True)
def timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's durations as the bot has them: ``build_application`` opts in for its process."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def _response(status: int, body: dict[str, Any] | bytes) -> bytes:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    return head.encode() + payload


class TinyBotApi:
    """A Bot API on a local socket that answers by the last part of the path, and records what
    it was sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.server: asyncio.Server | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> TinyBotApi:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.split("\r\n")
            headers = {
                key.strip().lower(): value.strip()
                for key, _, value in (line.partition(":") for line in lines if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            path = request_line.split()[1]
            self.requests.append((path, headers, body))
            name = path.rsplit("/", 1)[-1]
            if name == "reset":
                writer.transport.abort()
                return
            if name == "hang":
                await asyncio.sleep(READ_TIMEOUT * 5)
            writer.write(self._answer(name, request_line.split()[0]))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def _answer(self, name: str, method: str) -> bytes:
        if method == "GET":
            return _response(200, b"file bytes")
        if name == "tooMany":
            return _response(
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 7",
                    "parameters": {"retry_after": 7},
                },
            )
        if name == "badGateway":
            return _response(502, b"<html>502 Bad Gateway</html>")
        if name == "moved":
            head = b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n"
            return head + b"Connection: close\r\n\r\n"
        return _response(200, {"ok": True, "result": {"method": name}})


@contextlib.asynccontextmanager
async def started(backend: str) -> AsyncIterator[BaseRequest]:
    """A new ``BaseRequest`` of ``backend``, initialized, and shut down on exit."""
    request = BACKENDS[backend]()
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


@pytest.fixture
def api() -> AsyncFixture[TinyBotApi]:
    """The Bot API the backend talks to, serving for the whole test."""
    return AsyncFixture(TinyBotApi)


@pytest.fixture
def client(backend: str) -> AsyncFixture[BaseRequest]:
    """The backend under test, ready to send."""
    return AsyncFixture(functools.partial(started, backend))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_ok_json(api: TinyBotApi, client: BaseRequest) -> None:
    data = RequestData([RequestParameter.from_input("chat_id", 5)])
    result = await client.post(f"{api.base}/botT/sendMessage", data)
    assert result == {"method": "sendMessage"}
    assert _fields(*api.requests[0][1:]) == {"chat_id": "5"}


def _fields(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """A request's parameters as the Bot API reads them: a form (httpx), or a JSON object of
    strings (aiohttp), each value what PTB's ``json_parameters`` gives."""
    if headers["content-type"] == "application/json":
        fields = json.loads(body)
        assert all(isinstance(value, str) for value in fields.values())
        return fields
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    return {
        name: value
        for name, (value,) in parse_qs(body.decode("ascii"), strict_parsing=True).items()
    }


@pytest.mark.parametrize("backend", BACKENDS)
async def test_fields_arrive_as_ptb_encodes_them(api: TinyBotApi, client: BaseRequest) -> None:
    """What Telegram parses: HTML text with every awkward character, and a JSON keyboard."""
    text = '<b>Amélie</b> & "Léon" 100% + ü 🎬\n=?#'
    markup = {"inline_keyboard": [[{"text": "Más", "callback_data": "rec:ns1:5:"}]]}
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", -1001),
            RequestParameter.from_input("text", text),
            RequestParameter.from_input("reply_markup", markup),
            RequestParameter.from_input("disable_notification", True),
        ]
    )
    await client.post(f"{api.base}/botT/sendMessage", data)
    fields = _fields(*api.requests[0][1:])
    assert fields == data.json_parameters
    assert fields["chat_id"] == "-1001" and fields["text"] == text
    assert json.loads(fields["reply_markup"]) == markup


@pytest.mark.parametrize("backend", BACKENDS)
async def test_multipart_upload(api: TinyBotApi, client: BaseRequest) -> None:
    photo = InputFile(b"\x89PNG fake", filename="chart.png", attach=False)
    data = RequestData(
        [RequestParameter.from_input("chat_id", 5), RequestParameter.from_input("photo", photo)]
    )
    result = await client.post(f"{api.base}/botT/sendPhoto", data)
    assert result == {"method": "sendPhoto"}
    _, headers, body = api.requests[0]
    assert headers["content-type"].startswith("multipart/form-data")
    assert b'name="chat_id"' in body and b"\x89PNG fake" in body and b"chart.png" in body


@pytest.mark.parametrize("backend", BACKENDS)
async def test_retrieve(api: TinyBotApi, client: BaseRequest) -> None:
    result = await client.retrieve(f"{api.base}/file/botT/a.csv")
    assert result == b"file bytes"


@pytest.mark.parametrize(
    ("name", "exception"),
    [
        ("tooMany", RetryAfter),
        ("badGateway", NetworkError),
        ("reset", NetworkError),
        ("hang", TimedOut),
    ],
)
@pytest.mark.parametrize("backend", BACKENDS)
async def test_faults_raise_ptbs_exceptions(
    api: TinyBotApi, client: BaseRequest, name: str, exception: type
) -> None:
    with pytest.raises(exception) as caught:
        await client.post(f"{api.base}/botT/{name}")
    if exception is NetworkError:
        assert not isinstance(caught.value, TimedOut)
    if exception is RetryAfter:
        assert caught.value.retry_after in (7, timedelta(seconds=7))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_redirect_is_a_network_error_not_followed(
    api: TinyBotApi, client: BaseRequest
) -> None:
    """The Bot API never redirects: following one would send the token (in the path) where
    the answer points."""
    with pytest.raises(NetworkError):
        try:
            await client.post(f"{api.base}/botT/moved")
        finally:
            await asyncio.sleep(0.1)  # time for a request to where it points, if one is sent
            assert [path for path, _, _ in api.requests] == ["/botT/moved"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_refused_connection_is_a_network_error(api: TinyBotApi, client: BaseRequest) -> None:
    base = api.base
    assert api.server is not None
    api.server.close()
    await api.server.wait_closed()
    with pytest.raises(NetworkError) as caught:
        await client.post(f"{base}/botT/getMe")
    assert not isinstance(caught.value, TimedOut)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_proxy_from_the_environment(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY is honoured, as a deployment behind a proxy needs, and NO_PROXY still wins;
    both read when the backend first meets a host (aiohttp) or is made (httpx)."""

    @contextlib.asynccontextmanager
    async def proxied(no_proxy: str) -> AsyncIterator[tuple[BaseRequest, TinyBotApi]]:
        """A Bot API that is the HTTP_PROXY too, and a backend made after it."""
        async with TinyBotApi() as api:
            monkeypatch.setenv("HTTP_PROXY", api.base)
            monkeypatch.setenv("NO_PROXY", no_proxy)
            async with started(backend) as client:
                yield client, api

    async with proxied("localhost") as (client, api):
        await client.post("http://api.telegram.invalid/botT/getMe")
        await client.post("http://api.telegram.invalid/botT/getMe")
    # A proxy is sent the whole URL; the invalid host was never resolved.
    assert [path for path, _, _ in api.requests] == ["http://api.telegram.invalid/botT/getMe"] * 2
    async with proxied("127.0.0.1") as (client, api):
        await client.post(f"{api.base}/botT/getMe")
    assert [path for path, _, _ in api.requests] == ["/botT/getMe"]
