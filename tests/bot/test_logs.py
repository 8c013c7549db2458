"""Logging never writes the token, not even inside a traceback."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest

from bot.logs import REDACTED, configure_logging

TOKEN = "123456:SECRET-token"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    asyncio_filters = logging.getLogger("asyncio").filters[:]
    excepthook = sys.excepthook
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.NOTSET)
    logging.getLogger("asyncio").filters[:] = asyncio_filters
    sys.excepthook = excepthook


def test_the_token_is_redacted_from_messages_and_tracebacks(restore_logging, capsys):
    configure_logging("DEBUG", [TOKEN, ""])
    logger = logging.getLogger("telegram.test")
    logger.debug("Set Bot API URL: https://api.telegram.org/bot%s", TOKEN)
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        logger.exception("request failed")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert err.count(REDACTED) == 2  # in the message, and in the exception's line
    assert logging.getLogger("httpx").level == logging.WARNING


def test_an_uncaught_exception_is_reported_through_the_log_without_the_token(
    restore_logging, capsys
):
    """What Python prints of an exception nobody caught goes through the same formatter."""
    configure_logging("INFO", [TOKEN])
    try:
        raise ValueError(f"cannot parse https://api.telegram.org/bot{TOKEN}/getMe")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    err = capsys.readouterr().err
    assert "CRITICAL bot: uncaught exception" in err
    assert "ValueError: cannot parse https://api.telegram.org/bot[REDACTED]/getMe" in err
    assert TOKEN not in err


def test_failed_accepts_are_logged_once_with_a_count(restore_logging, capsys):
    """asyncio logs a failed accept() with its traceback once per connection it would have
    taken (Python 3.11 goes on looping after the first failure): a flood of them makes one line."""
    configure_logging("INFO")
    loop = asyncio.new_event_loop()
    error = OSError(24, "Too many open files")
    try:
        for _ in range(1000):
            loop.call_exception_handler(
                {"message": "socket.accept() out of system resource", "exception": error}
            )
        loop.call_exception_handler({"message": "something else", "exception": error})
    finally:
        loop.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith(
        "ERROR asyncio: socket.accept() out of system resource ([Errno 24] Too many open files)"
    )
    assert lines[1].endswith("ERROR asyncio: something else")
    assert lines[2] == "OSError: [Errno 24] Too many open files"  # other errors keep theirs
    assert len(lines) == 3
