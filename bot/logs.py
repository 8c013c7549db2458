"""Logging for the bot: one format, the level from ``LOG_LEVEL``, and secrets never written.

The bot token travels inside every Bot API URL, and httpx logs each URL it requests, so the
token is scrubbed from every line the handlers write (tracebacks included), whoever logged it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "[REDACTED]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces each secret in the finished line with ``[REDACTED]``.

    >>> formatter = RedactingFormatter(["1:SECRET"], "%(message)s")
    >>> record = logging.LogRecord("x", logging.INFO, "", 0, "GET /bot%s/x", ("1:SECRET",), None)
    >>> formatter.format(record)
    'GET /bot[REDACTED]/x'
    """

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at ``level``, scrubbing ``secrets`` from every line."""
    logging.basicConfig(level=level, force=True)
    formatter = RedactingFormatter(secrets)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    # httpx logs every request URL at INFO: noise at best, so only its warnings show.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))
