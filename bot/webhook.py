"""The webhook web server: Telegram's updates in, checked against the secret token, and a
health endpoint for the platform that runs the bot.

PTB's own ``run_webhook`` server has no way to add routes, so this is a small ``aiohttp.web``
application (aiohttp already carries the bot's Bot API calls; its C HTTP parser costs a
fraction of the CPU of PTB's tornado server per update) that hands each verified update to a
callback. It knows nothing of python-telegram-bot.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/health"
MAX_BODY_BYTES = 1 << 20

UpdateCallback = Callable[[dict], Awaitable[None]]
# Whether the bot is ready, and the status to show.
HealthCallback = Callable[[], tuple[bool, dict]]


def secret_matches(received: str | None, expected: str) -> bool:
    """Whether a request's secret-token header is ``expected``, in constant time.

    >>> secret_matches("s3cret", "s3cret"), secret_matches("guess", "s3cret")
    (True, False)
    >>> secret_matches(None, "s3cret"), secret_matches("", "")
    (False, False)
    """
    if not received or not expected:
        return False
    return hmac.compare_digest(received.encode(), expected.encode())


def make_app(
    path: str, on_update: UpdateCallback, secret: str, health: HealthCallback
) -> web.Application:
    """The web application: updates POSTed at ``path``, status at ``/health`` (GET, HEAD)."""

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            logger.warning("webhook request from %s without the secret token", request.remote)
            raise web.HTTPForbidden()
        try:
            update = json.loads(await request.read())
        except ValueError:
            raise web.HTTPBadRequest() from None
        if not isinstance(update, dict):
            raise web.HTTPBadRequest()
        try:
            await on_update(update)
        except (ValueError, TypeError, KeyError):
            logger.warning("webhook received an update it could not read", exc_info=True)
            raise web.HTTPBadRequest() from None
        except Exception:
            # An answer, not aiohttp's own traceback: Telegram retries a 500 later.
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


async def serve(
    app: web.Application, port: int, address: str = "0.0.0.0", reuse_port: bool = False
) -> web.AppRunner:
    """Start serving ``app`` on the running event loop; ``await runner.cleanup()`` to end.

    With ``reuse_port``, several processes listen on ``port`` (SO_REUSEPORT) and the kernel
    spreads new connections over them evenly. No access log: Telegram posts every update, and
    the log would be only that.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, address, port, reuse_port=reuse_port or None).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
