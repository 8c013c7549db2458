"""A PostgreSQL server that stops answering mid-run (SIGSTOP), under the real bot.

The server is a throwaway one of this test's own, started by ``.ci/postgres.sh``'s functions:
stopping the shared one (``STREAMBOT_TEST_POSTGRES_URL``) would stall every other test. The
test is skipped only where PostgreSQL is not installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bot.conftest import BotHarness, Chat

ROOT = Path(__file__).resolve().parents[2]
# Exit status 3: PostgreSQL is not installed here.
_START = """
source .ci/postgres.sh
find_postgres || exit 3
unset STREAMBOT_TEST_POSTGRES_URL
start_postgres >&2
[[ -n ${STREAMBOT_TEST_POSTGRES_URL:-} ]] || exit 1
printf '%s\\n%s\\n' "$STREAMBOT_TEST_POSTGRES_URL" "$pg_tmp"
"""
# Short, so the test is: the bot's default is 2 s.
DB_TIMEOUT = 0.5
HELP_EN = "/recommend toy story"
HELP_ES = "/recomendar toy story"


@dataclass
class PostgresServer:
    """A running server: its URL, its folder and its postmaster's process id."""

    url: str
    folder: Path
    pid: int

    def processes(self) -> list[int]:
        """The postmaster and the processes it started (a backend per connection)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            if parent == self.pid:
                children.append(int(stat.parent.name))
        return [self.pid, *children]

    def signal(self, number: signal.Signals) -> None:
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):  # gone meanwhile
                os.kill(pid, number)

    def stop(self) -> None:
        """Freeze the whole server: connections stay open, and nothing answers."""
        self.signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.signal(signal.SIGCONT)

    def ended(self, within: float) -> bool:
        """Whether the postmaster exits (it may linger as a zombie) within so many seconds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                return True
            if state == "Z":
                return True
            time.sleep(0.05)
        return False


@pytest.fixture
def postgres_server() -> Iterator[PostgresServer]:
    started = subprocess.run(
        ["bash", "-c", _START], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    if started.returncode == 3:
        pytest.skip("PostgreSQL is not installed (.ci/postgres.sh finds no initdb and pg_ctl)")
    assert started.returncode == 0, started.stderr
    url, folder = started.stdout.split()
    pid = int((Path(folder) / "data" / "postmaster.pid").read_text().split()[0])
    server = PostgresServer(url, Path(folder), pid)
    try:
        yield server
    finally:
        server.resume()
        os.kill(pid, signal.SIGQUIT)  # an immediate shutdown, as pg_ctl -m immediate sends
        if not server.ended(within=5):
            # A backend for a connection made while the server was stopped can outlive it.
            server.signal(signal.SIGKILL)
            server.ended(within=5)
        shutil.rmtree(folder, ignore_errors=True)


async def _timed(chat: Chat, text: str) -> tuple[str, float]:
    """The bot's one reply to ``text`` (updates of other chats may be handled meanwhile), and
    how long it took."""
    started = time.perf_counter()
    calls = await chat.say(text)
    seconds = time.perf_counter() - started
    (reply,) = [
        c.text for c in calls if c.method == "sendMessage" and c.params["chat_id"] == chat.chat_id
    ]
    return reply, seconds


async def _answers_per_second(bot: BotHarness, first_id: int, count: int = 30) -> float:
    """/help from ``count`` chats the bot has not seen, one after another."""
    started = time.perf_counter()
    for chat_id in range(first_id, first_id + count):
        assert HELP_EN in await bot.chat(user_id=chat_id, chat_id=chat_id).reply("/help")
    return count / (time.perf_counter() - started)


async def test_a_hung_postgresql_costs_chats_their_choices_not_their_answers(
    running_bot, postgres_server, caplog
):
    """The server freezes (SIGSTOP) under a running bot, resumes (SIGCONT), and freezes again
    as the bot stops."""
    server = postgres_server
    # Should the bot ever wait on the frozen server again, this frees it after a while: the test
    # then fails on its time limits instead of hanging the suite.
    watchdog = threading.Timer(30, server.resume)
    rates = {}
    stopping = []

    try:
        with caplog.at_level(logging.WARNING, logger="bot.storage"):
            # Two workers' settings: no cache, so every update reads the database. No flood
            # limit, which would hold both rates at Telegram's 30 messages a second.
            async with running_bot(
                db_url=server.url, db_timeout=DB_TIMEOUT, workers=2, rate_limit=0
            ) as bot:
                spanish = bot.chat(language_code="en")
                assert "español" in await spanish.reply("/lang es")
                assert HELP_ES in await spanish.reply("/help")
                rates["healthy"] = await _answers_per_second(bot, 1000)

                server.stop()
                watchdog.start()
                # A burst as the server freezes: each update waits for it once, for the timeout.
                strangers = [bot.chat(user_id=n, chat_id=n) for n in range(2000, 2020)]
                chooser = bot.chat(user_id=8, chat_id=8, language_code="en")
                answers = await asyncio.gather(
                    _timed(chooser, "/lang es"),
                    *(_timed(chat, "/help") for chat in [spanish, *strangers]),
                )
                assert max(seconds for _, seconds in answers) < 3
                # A choice that cannot be stored is not confirmed, in the language the user reads.
                assert "No he podido guardar ese ajuste" in answers[0][0]
                # The rest, with the defaults: the user's own language.
                assert all(HELP_EN in text for text, _ in answers[1:])
                # Then the database is skipped: answers come at once.
                reply, seconds = await _timed(spanish, "/recommend toy story")
                assert "If you like <b>Toy Story</b>" in reply
                assert seconds < DB_TIMEOUT / 2
                assert "couldn't save that setting" in await chooser.reply("/platforms netflix")
                # A 👍 👎 🔖 press that cannot be stored says so, and ticks nothing.
                calls = await chooser.press("fb:s:ds2")
                (notice,) = [call for call in calls if call.method == "answerCallbackQuery"]
                assert notice.params["show_alert"] is True
                assert "couldn't save" in notice.params["text"]
                assert not [call for call in calls if call.method == "editMessageReplyMarkup"]
                rates["hung"] = await _answers_per_second(bot, 3000)

                server.resume()
                # A probe finds the database again, and the stored choice is back. (Asked twice a
                # second: more would trip the flood throttle.)
                deadline = time.monotonic() + 10
                while HELP_ES not in await spanish.reply("/help"):
                    assert time.monotonic() < deadline, "the stored settings never came back"
                    await asyncio.sleep(0.5)
                assert HELP_EN in await chooser.reply("/help")  # its failed choice was not stored

                server.stop()
                assert HELP_EN in await bot.chat(user_id=9, chat_id=9).reply("/help")
                stopping.append(time.perf_counter())
            # What asyncio.run does as the bot's process ends: wait for the threads it left,
            # which the watchdog and the time limit below cover too.
            await asyncio.get_running_loop().shutdown_default_executor()
    finally:
        watchdog.cancel()
    # The bot stops though the server is frozen: within libpq's 2 s connect timeout.
    assert time.perf_counter() - stopping[0] < 5
    assert rates["hung"] > 0.5 * rates["healthy"], rates
    # A line as each outage begins and ends, not one per update.
    logged = [record.getMessage() for record in caplog.records if record.name == "bot.storage"]
    assert len(logged) == 3, logged
    assert "failed (no answer within 0.5 s)" in logged[0]
    assert "answers again" in logged[1]
    assert "failed (no answer within 0.5 s)" in logged[2]
