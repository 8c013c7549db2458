"""Logging for the bot: one format, the level from ``LOG_LEVEL``, secrets never written, and
lines that strangers can cause at will written at a bounded rate.

The bot token travels inside every Bot API URL, and httpx logs each URL it requests, so the
token is scrubbed from every line the handlers write (tracebacks included), whoever logged it;
``redact`` does the same for what reaches the terminal without the log (exit messages).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from types import TracebackType

REDACTED = "[REDACTED]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# How often a line of one kind that strangers can cause (a forged request, a connection flood)
# is written at most; the ones in between are counted in the next.
BOUNDED_LOG_SECONDS = 10.0
# What asyncio logs, with a traceback, for each accept() that fails for want of a file
# descriptor: Python 3.11's accept loop logs it once for each connection it would have accepted.
_ACCEPT_FAILED = "socket.accept() out of system resource"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` replaced by ``[REDACTED]``.

    >>> redact("GET /bot1:SECRET/getMe", ["1:SECRET", ""])
    'GET /bot[REDACTED]/getMe'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


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
        return redact(super().format(record), self.secrets)


class BoundedLog:
    """Writes each kind of line at most once every ``interval`` seconds, and counts the lines it
    holds back in between: the next line of that kind says how many there were.

    For lines a stranger can cause at will (forged requests, floods of connections), each the
    same as the last: written every time, they would fill the disk and bury the rest of the log.
    Its memory is one entry per kind, and the kinds are the code's, not the requests'.

    >>> times = iter([0.0, 1.0, 2.0, 12.0])
    >>> log = BoundedLog(logging.getLogger("demo"), clock=lambda: next(times))
    >>> [log.admit("forged") for _ in range(4)]  # how many held back, or None: hold it back
    [0, None, None, 2]
    """

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = BOUNDED_LOG_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._next: dict[str, float] = {}  # by kind: when a line may be written again
        self._held: dict[str, int] = {}

    def admit(self, kind: str) -> int | None:
        """``None`` if a line of ``kind`` must be held back now; else how many were since the
        last one written."""
        now = self.clock()
        if now < self._next.get(kind, now):
            self._held[kind] = self._held.get(kind, 0) + 1
            return None
        self._next[kind] = now + self.interval
        return self._held.pop(kind, 0)

    def warning(self, kind: str, message: str, *args: object) -> None:
        """Log ``message % args`` at WARNING, unless a line of ``kind`` was written lately."""
        held = self.admit(kind)
        if held is not None:
            self.logger.warning(*_counted(held, message, *args))


def _counted(held: int, message: str, *args: object) -> tuple[object, ...]:
    """A log call's message and arguments, saying how many like it were held back."""
    if held:
        return f"{message} (and %s more like it since the last)", *args, held
    return message, *args


class _AcceptFailures(logging.Filter):
    """Lets one of asyncio's "accept() out of system resource" lines through every interval,
    without its traceback, with the count of those held back."""

    def __init__(self) -> None:
        super().__init__()
        self.bounded = BoundedLog(logging.getLogger("asyncio"))

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(_ACCEPT_FAILED):
            return True
        held = self.bounded.admit(_ACCEPT_FAILED)
        if held is None:
            return False
        error = record.exc_info[1] if record.exc_info else None
        record.msg, *args = _counted(held, "%s (%s)", _ACCEPT_FAILED, error)
        record.args = tuple(args)
        record.exc_info = record.exc_text = None
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at ``level``, scrubbing ``secrets`` from every line, uncaught exceptions'
    tracebacks included."""
    logging.basicConfig(level=level, force=True)
    formatter = RedactingFormatter(secrets)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    # httpx logs every request URL at INFO: noise at best, so only its warnings show.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    asyncio_logger = logging.getLogger("asyncio")
    if not any(isinstance(f, _AcceptFailures) for f in asyncio_logger.filters):
        asyncio_logger.addFilter(_AcceptFailures())
    sys.excepthook = _log_uncaught


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """Python's own report of an exception nobody caught, through the log's formatter."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("bot").critical("uncaught exception", exc_info=(kind, error, traceback))
