"""The webhook web server: Telegram's updates in, checked against the secret token, and a
health endpoint for the platform that runs the bot.

PTB's own ``run_webhook`` server has no way to add routes, so this is a small tornado
application (tornado comes with PTB's ``webhooks`` extra) that hands each verified update to
a callback. It knows nothing of python-telegram-bot.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

import tornado.web
from tornado.httpserver import HTTPServer

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


class _UpdateHandler(tornado.web.RequestHandler):
    """POST: one update from Telegram."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, on_update: UpdateCallback, secret: str) -> None:
        self.on_update = on_update
        self.secret = secret

    async def post(self) -> None:
        if not secret_matches(self.request.headers.get(SECRET_HEADER), self.secret):
            logger.warning(
                "webhook request from %s without the secret token", self.request.remote_ip
            )
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            update = json.loads(self.request.body)
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if not isinstance(update, dict):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        try:
            await self.on_update(update)
        except (ValueError, TypeError, KeyError):
            logger.warning("webhook received an update it could not read", exc_info=True)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ, value, tb) -> None:  # type: ignore[no-untyped-def]
        # HTTP errors are answers, not faults; anything else is logged with its traceback.
        if not isinstance(value, tornado.web.HTTPError):
            logger.error("webhook handler failed", exc_info=(typ, value, tb))


class _HealthHandler(tornado.web.RequestHandler):
    """GET: 200 and a small JSON status while the bot runs."""

    SUPPORTED_METHODS = ("GET", "HEAD")

    def initialize(self, health: HealthCallback) -> None:
        self.health = health

    def get(self) -> None:
        ready, status = self.health()
        self.set_status(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(status))

    def head(self) -> None:
        ready, _ = self.health()
        self.set_status(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE)


class _Quiet(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: Telegram posts every update, and the log would be only that."""


def make_app(
    path: str, on_update: UpdateCallback, secret: str, health: HealthCallback
) -> tornado.web.Application:
    """The tornado application: updates at ``path``, status at ``/health``."""
    return _Quiet(
        [
            (rf"{path.rstrip('/')}/?", _UpdateHandler, {"on_update": on_update, "secret": secret}),
            (HEALTH_PATH, _HealthHandler, {"health": health}),
        ]
    )


def serve(app: tornado.web.Application, port: int, address: str = "0.0.0.0") -> HTTPServer:
    """Start serving ``app`` on the running event loop; ``stop()`` the server to end."""
    server = HTTPServer(app, max_body_size=MAX_BODY_BYTES)
    server.listen(port, address=address)
    return server
