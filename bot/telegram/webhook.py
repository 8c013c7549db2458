"""The webhook web server: Telegram's updates in, checked against the secret token, each
answered once, and a health endpoint for the platform that runs the bot.

PTB's own ``run_webhook`` server has no way to add routes, so this is a small ``aiohttp.web``
application (aiohttp already carries the bot's Bot API calls; its C HTTP parser costs a
fraction of the CPU of PTB's tornado server per update) that hands each verified update to a
callback. It knows nothing of python-telegram-bot.

Whoever can reach the port can send anything, so the server bounds what a stranger costs it:
a request without the secret or with a malformed update gets ``403`` or ``400`` and a log line
at a bounded rate (``BoundedLog``); a connection idle for ``IDLE_SECONDS``, or a body slower
than ``BODY_SECONDS``, is closed; and past ``max_connections()`` open connections the oldest is
closed to make room, so idle connections can never use up the process's file descriptors and
lock Telegram and ``/health`` out.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import mmap
import resource
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web

from bot.logs import BoundedLog

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/health"
MAX_BODY_BYTES = 1 << 20
# A connection that sends no request for this long is closed, whether it never sent one, is
# between two, or has not finished a request's headers. Longer than the idle timeout of the
# proxies that commonly sit in front (60 s), so the proxy, not the bot, closes a connection
# it may be about to reuse.
IDLE_SECONDS = 75.0
# To read an update's body once its headers have arrived: Telegram's are a few kilobytes.
BODY_SECONDS = 10.0
# Connections held open at once, at most (Telegram opens up to 100 to a bot). Each holds a file
# descriptor: the other half of the process's limit is left to the Bot API client (up to 256),
# the connections accept() takes in one go before any is closed (up to the backlog), the
# database and the files the bot reads.
MAX_CONNECTIONS = 1024
BACKLOG = 128
# Update ids remembered to answer a retried update once: Telegram numbers updates one after
# another, so these are the last this many updates, several minutes of a busy bot.
SEEN_UPDATES = 1 << 16
_MAX_UPDATE_ID = (1 << 63) - 1  # a slot of SeenUpdates holds a signed 64-bit integer

# Raises ValueError (or TypeError, KeyError) for data that is not an update it can read.
UpdateCallback = Callable[[dict], Awaitable[None]]
# Whether the bot is ready, and the status to show.
HealthCallback = Callable[[], tuple[bool, dict]]


def secret_matches(received: str | None, expected: str) -> bool:
    """Whether a request's secret-token header is ``expected``, in constant time.

    aiohttp hands over a header's bytes that are not UTF-8 as surrogates; they are compared as
    the bytes they were, so they simply do not match.

    >>> secret_matches("s3cret", "s3cret"), secret_matches("guess", "s3cret")
    (True, False)
    >>> secret_matches(None, "s3cret"), secret_matches("", ""), secret_matches("\\udcff", "s")
    (False, False, False)
    """
    if not received or not expected:
        return False
    return hmac.compare_digest(received.encode("utf-8", "surrogateescape"), expected.encode())


class SeenUpdates:
    """The ids of the updates received lately, to answer an update Telegram posts again (as it
    does when it did not see the ``200``) only once.

    A table of ``size`` slots in shared memory (``mmap``): an id takes slot ``id % size``, so
    checking one costs a division and a read. Processes forked after it was made share it, so
    a retry that reaches another webhook worker is known there too. Two deliveries of one update
    checked in the same microsecond could both pass; Telegram posts an update again only after
    it gave up waiting for the first.

    >>> seen = SeenUpdates(size=4)
    >>> seen.add(7), seen.add(7), seen.add(11), seen.add(7)  # 11 takes 7's slot
    (True, False, True, True)
    >>> seen.forget(7); seen.add(7)
    True
    """

    def __init__(self, size: int = SEEN_UPDATES) -> None:
        self._memory = mmap.mmap(-1, 8 * size)  # anonymous and MAP_SHARED
        self._memory.write(b"\xff" * (8 * size))  # every slot -1: no update id
        self._ids = memoryview(self._memory).cast("q")
        self._size = size

    def add(self, update_id: int) -> bool:
        """Remember ``update_id`` (0 to 2⁶³ - 1); False if it was already remembered."""
        slot = update_id % self._size
        if self._ids[slot] == update_id:
            return False
        self._ids[slot] = update_id
        return True

    def forget(self, update_id: int) -> None:
        """Let ``update_id`` be received again: it was not handled."""
        slot = update_id % self._size
        if self._ids[slot] == update_id:
            self._ids[slot] = -1


def make_app(
    path: str,
    on_update: UpdateCallback,
    secret: str,
    health: HealthCallback,
    seen: SeenUpdates | None = None,
) -> web.Application:
    """The web application: updates POSTed at ``path``, status at ``/health`` (GET, HEAD).

    ``seen`` holds the updates received; share one between the processes of one bot.
    """
    seen = seen if seen is not None else SeenUpdates()
    refusals = BoundedLog(logger)

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            refusals.warning(
                "forged",
                "webhook refused a request from %s without the secret token",
                request.remote,
            )
            raise web.HTTPForbidden()
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await request.read()
        except TimeoutError:
            refusals.warning("slow", "webhook refused an update whose body was too slow")
            raise web.HTTPRequestTimeout() from None
        except web.HTTPRequestEntityTooLarge:
            refusals.warning("large", "webhook refused an update over %s bytes", MAX_BODY_BYTES)
            raise
        try:
            update = json.loads(body)
        except ValueError:
            refusals.warning("malformed", "webhook refused an update that is not JSON")
            raise web.HTTPBadRequest() from None
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if type(update_id) is not int or not 0 <= update_id <= _MAX_UPDATE_ID:
            refusals.warning("malformed", "webhook refused a body that is not an update")
            raise web.HTTPBadRequest()
        if not seen.add(update_id):
            logger.debug("update %s was received before; answered once", update_id)
            return web.Response(status=HTTPStatus.OK)
        try:
            await on_update(update)
        except (ValueError, TypeError, KeyError) as error:
            seen.forget(update_id)
            refusals.warning(
                "malformed", "webhook refused update %s: %s", update_id, str(error)[:200]
            )
            raise web.HTTPBadRequest() from None
        except Exception:
            # An answer, not aiohttp's own traceback: Telegram retries a 500 later.
            seen.forget(update_id)
            logger.exception("webhook handler failed")
            raise web.HTTPInternalServerError() from None
        return web.Response(status=HTTPStatus.OK)

    async def status(request: web.Request) -> web.Response:
        ready, body = health()
        code = HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE
        if request.method == "HEAD":
            return web.Response(status=code)
        return web.json_response(body, status=code)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    route = path.rstrip("/")
    for each in {route or "/", f"{route}/"}:  # with or without the last slash
        app.router.add_post(each, receive)
    app.router.add_get(HEALTH_PATH, status)  # and HEAD
    return app


def max_connections() -> int:
    """How many connections a server holds open at once: ``MAX_CONNECTIONS``, or half the
    process's file descriptors if that is fewer."""
    files, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if files == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(1, min(MAX_CONNECTIONS, files // 2))


class CappedSite(web.BaseSite):
    """A TCP site that holds at most ``limit`` connections open: a new one past it closes the
    one opened longest ago (an idle connection, most likely; a request cut short there is
    posted again by Telegram, and answered once). Refusing the new one instead would let
    anyone lock Telegram out with idle connections; stopping accept() would lock out
    ``/health`` as well."""

    __slots__ = ("_address", "_evictions", "_limit", "_port", "_reuse_port")

    def __init__(
        self, runner: web.BaseRunner, address: str, port: int, reuse_port: bool, limit: int
    ) -> None:
        super().__init__(runner, backlog=BACKLOG)
        self._address = address
        self._port = port
        self._reuse_port = reuse_port
        self._limit = limit
        self._evictions = BoundedLog(logger)

    @property
    def name(self) -> str:
        return f"http://{self._address}:{self._port}"

    async def start(self) -> None:
        await super().start()
        self._server = await asyncio.get_running_loop().create_server(
            self._connection,
            self._address,
            self._port,
            backlog=self._backlog,
            reuse_port=self._reuse_port,
        )

    def _connection(self) -> web.RequestHandler:
        """The protocol of a connection just accepted, room made for it first."""
        server = self._runner.server
        assert server is not None  # the runner was set up before the site
        # Oldest first; a connection closed here has no transport any more.
        open_now = [handler for handler in server.connections if handler.transport is not None]
        excess = len(open_now) + 1 - self._limit
        if excess > 0:
            for handler in open_now[:excess]:
                handler.force_close()
            self._evictions.warning(
                "full",
                "webhook holds %s connections, its most; closed the oldest",
                self._limit,
            )
        return server()


async def serve(
    app: web.Application, port: int, address: str = "0.0.0.0", reuse_port: bool = False
) -> web.AppRunner:
    """Start serving ``app`` on the running event loop; ``await runner.cleanup()`` to end.

    With ``reuse_port``, several processes listen on ``port`` (SO_REUSEPORT) and the kernel
    spreads new connections over them evenly. No access log: Telegram posts every update, and
    the log would be only that.
    """
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, keepalive_timeout=IDLE_SECONDS
    )
    await runner.setup()
    try:
        await CappedSite(runner, address, port, reuse_port, max_connections()).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
