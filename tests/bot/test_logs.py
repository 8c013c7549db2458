"""Logging never writes the token, not even inside a traceback."""

from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, configure_logging

TOKEN = "123456:SECRET-token"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.NOTSET)


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
