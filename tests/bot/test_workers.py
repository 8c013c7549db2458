"""Webhook workers (``STREAMBOT_WORKERS``), run for real: ``streambot run --webhook`` as a
process of its own, its supervisor forking the workers, against the fake Bot API over HTTP.
They share the port, answer, replace a dead or frozen worker, answer a retried update once
whichever worker it reaches, all move to a reloaded catalogue, and stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from etl.build import run_etl
from scripts.fake_bot_api import FakeBotApi
from tests.bot.conftest import postgres_schema
from tests.bot.test_reload import replace_a_title

STREAMBOT = Path(sys.executable).with_name("streambot")
ADMIN = 4242
SECRET = "workers-secret"
WAIT_SECONDS = 60.0
# ``streambot`` whose supervisor kills a worker silent for as many seconds as its first
# argument says, not ``HEARTBEAT_TIMEOUT``: a test cannot wait for the real one.
IMPATIENT_STREAMBOT = """
import sys
from bot.telegram import workers
workers.HEARTBEAT_TIMEOUT = float(sys.argv.pop(1))
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Deployment:
    """One ``streambot run --webhook`` with its workers, and how to ask them how they are."""

    def __init__(self, process: asyncio.subprocess.Process, port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    async def healthy(self, workers: int, ok: Callable[[dict], bool] = lambda _: True) -> dict:
        """``/health`` of ``workers`` distinct worker processes that all pass ``ok``, by pid.

        Each probe is a new connection, which the kernel hands to any worker.
        """
        seen: dict[int, dict] = {}
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.returncode is None, self.log.read_text()[-3000:]
            with contextlib.suppress(httpx.HTTPError):
                async with httpx.AsyncClient(timeout=2) as client:
                    response = await client.get(f"http://127.0.0.1:{self.port}/health")
                if response.status_code == 200:
                    status = response.json()
                    seen[status["worker"]] = status
                    current = {pid: s for pid, s in seen.items() if ok(s) and _alive(pid)}
                    if len(current) >= workers:
                        return current
            await asyncio.sleep(0.05)
        raise AssertionError(f"not {workers} healthy workers: {seen}\n{self.log.read_text()}")

    def workers(self) -> set[int]:
        """The supervisor's children now."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(child) for child in children}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.asynccontextmanager
async def deployed(
    api: FakeBotApi,
    data_dir: Path,
    tmp_path: Path,
    workers: int = 2,
    token: str | None = None,
    heartbeat_timeout: float | None = None,
    files: int | None = None,
    database: str | None = None,
) -> AsyncIterator[Deployment]:
    """``streambot run --webhook``; with ``heartbeat_timeout``, its supervisor's patience with a
    silent worker; with ``files``, its limit of open files (RLIMIT_NOFILE); with ``database``,
    that chat database instead of a SQLite file of its own."""
    port = free_port()
    environ = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token or api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "STREAMBOT_DATA_DIR": str(data_dir),
        "STREAMBOT_DB": database or f"sqlite:///{tmp_path / 'chats.sqlite3'}",
        "STREAMBOT_ADMIN_IDS": str(ADMIN),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "STREAMBOT_WORKERS": str(workers),
        "LOG_LEVEL": "INFO",
    }
    command = [str(STREAMBOT)]
    if heartbeat_timeout is not None:
        command = [sys.executable, "-c", IMPATIENT_STREAMBOT, str(heartbeat_timeout)]

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *command,
            "run",
            "--webhook",
            env=environ,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            preexec_fn=limit_files if files is not None else None,
        )
        try:
            yield Deployment(process, port, log)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), WAIT_SECONDS)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def answered(api: FakeBotApi, count: int) -> list:
    """The first ``count`` messages the bot sent, once it has sent them."""
    deadline = time.monotonic() + WAIT_SECONDS
    while len(api.of("sendMessage")) < count:
        assert time.monotonic() < deadline, f"{len(api.of('sendMessage'))} of {count} answered"
        await asyncio.sleep(0.05)
    return api.of("sendMessage")[:count]


def ask(api: FakeBotApi, users: range, text: str) -> None:
    for user_id in users:
        user = api.user(user_id)
        api.push(api.message_update(api.private_chat(user), user, text))


async def test_workers_share_the_port_answer_everyone_and_stop_cleanly(built_copy, tmp_path):
    async with FakeBotApi() as api, deployed(api, built_copy.data_dir, tmp_path) as bot:
        health = await bot.healthy(2)
        assert set(health) == bot.workers()  # two workers, both serving
        (hook,) = api.of("setWebhook")  # set once, by the first worker
        assert hook.params["secret_token"] == SECRET
        ask(api, range(100, 140), "/count netflix")
        sent = await answered(api, 40)
        assert sorted(call.params["chat_id"] for call in sent) == list(range(100, 140))
        assert all(call.params["text"].startswith("📊 Netflix has") for call in sent)
        workers = bot.workers()
        bot.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.process.wait(), WAIT_SECONDS)
    assert code == 0
    assert not any(_alive(pid) for pid in workers)


async def test_a_dead_worker_brings_a_new_generation(built_copy, tmp_path):
    async with FakeBotApi() as api, deployed(api, built_copy.data_dir, tmp_path) as bot:
        first = set(await bot.healthy(2))
        os.kill(min(first), signal.SIGKILL)
        second = await bot.healthy(2, ok=lambda status: status["worker"] not in first)
        # The survivor was retired too: every worker now comes from one fork of the engine.
        await _until(lambda: bot.workers() == set(second))
        ask(api, range(200, 210), "/count disney")
        assert len(await answered(api, 10)) == 10


async def test_a_frozen_worker_is_killed_and_a_new_generation_serves(built_copy, tmp_path):
    """A worker whose event loop stops (SIGSTOP here; a handler stuck on the CPU alike) answers
    nothing, /health included, while the kernel still hands it its share of connections."""

    async with (
        FakeBotApi() as api,
        deployed(api, built_copy.data_dir, tmp_path, heartbeat_timeout=2.0) as bot,
    ):
        first = set(await bot.healthy(2))
        frozen = min(first)
        os.kill(frozen, signal.SIGSTOP)
        stopped = time.monotonic()
        second = await bot.healthy(2, ok=lambda status: status["worker"] not in first)
        replaced = time.monotonic() - stopped
        await _until(lambda: not _alive(frozen))
        await _until(lambda: bot.workers() == set(second))
        ask(api, range(400, 410), "/count disney")
        assert len(await answered(api, 10)) == 10
        log = bot.log.read_text()
        assert f"worker {frozen} has not run for 2 s; killing it" in log
    # The timeout, a beat, a tick and the new workers' start.
    assert replaced < 15


async def test_a_retried_update_is_answered_once_whichever_worker_it_reaches(built_copy, tmp_path):
    """Telegram posts an update again when it did not see the 200; the kernel may hand the
    retry to the other worker, which must know the update was received."""

    async with FakeBotApi() as api, deployed(api, built_copy.data_dir, tmp_path) as bot:
        workers = set(await bot.healthy(2))
        user = api.user(500)
        chat = api.private_chat(user)
        update = {"update_id": 77, **api.message_update(chat, user, "/count netflix")}
        reached: set[int] = set()
        url = f"http://127.0.0.1:{bot.port}"
        while reached != workers:
            # One connection: /health names the worker that then gets the update.
            async with httpx.AsyncClient(base_url=url, timeout=5) as client:
                worker = (await client.get("/health")).json()["worker"]
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                response = await client.post("/telegram", json=update, headers=headers)
            assert response.status_code == 200
            reached.add(worker)
        await answered(api, 1)
        await asyncio.sleep(0.5)  # time for a second answer, if one were coming
        (sent,) = api.of("sendMessage")
    assert sent.params["chat_id"] == 500


async def test_a_reload_in_one_worker_moves_every_worker_to_the_new_version(data_dir, tmp_path):
    old = run_etl(data_dir / "raw", data_dir / "processed").version

    async with FakeBotApi() as api, deployed(api, data_dir, tmp_path) as bot:
        before = await bot.healthy(2)
        assert {status["catalogue"] for status in before.values()} == {old}
        replace_a_title(data_dir)
        admin = api.user(ADMIN)
        api.push(api.message_update(api.private_chat(admin), admin, "/reload"))
        done = await _reply_containing(api, "Catalogue reloaded")
        assert done.params["chat_id"] == ADMIN
        live = (data_dir / "processed" / "CURRENT").read_text().strip()
        assert live != old
        # A new generation serves it; the old one, the reloading worker too, is retired.
        after = await bot.healthy(
            2, ok=lambda status: status["catalogue"] == live and status["worker"] not in before
        )
        await _until(lambda: bot.workers() == set(after))
        ask(api, range(300, 306), "/info roma")
        sent = await _replies_to(api, range(300, 306))
        assert all("Roma" in call.params["text"] for call in sent)


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        await asyncio.sleep(0.05)


async def _reply_containing(api: FakeBotApi, text: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = [call for call in api.of("sendMessage") if text in call.params["text"]]
        if found:
            return found[0]
        assert time.monotonic() < deadline, [call.params["text"] for call in api.of("sendMessage")]
        await asyncio.sleep(0.05)


async def _replies_to(api: FakeBotApi, chats: range) -> list:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        sent = [call for call in api.of("sendMessage") if call.params["chat_id"] in chats]
        if len(sent) >= len(chats):
            return sent
        assert time.monotonic() < deadline, f"{len(sent)} of {len(chats)} answered"
        await asyncio.sleep(0.05)


async def test_workers_stop_when_the_supervisor_is_killed(built_copy, tmp_path):
    async with FakeBotApi() as api, deployed(api, built_copy.data_dir, tmp_path) as bot:
        workers = set(await bot.healthy(2))
        bot.process.kill()  # SIGKILL: the supervisor cannot stop them itself
        await bot.process.wait()
        await _until(lambda: not any(_alive(pid) for pid in workers))
    assert len(workers) == 2


async def test_a_token_telegram_refuses_stops_the_supervisor(built_copy, tmp_path):
    async with (
        FakeBotApi() as api,
        deployed(api, built_copy.data_dir, tmp_path, token="123:wrong") as bot,
    ):
        code = await asyncio.wait_for(bot.process.wait(), WAIT_SECONDS)
        log = bot.log.read_text()
    assert code == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in log
    assert "123:wrong" not in log


def test_workers_need_the_webhook(monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("STREAMBOT_WORKERS", "2")
    monkeypatch.setenv("WEBHOOK_URL", "")
    assert main(["run", "--telegram"]) == 2
    assert "STREAMBOT_WORKERS above 1 needs the webhook" in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_feedback_holds_on_every_worker_and_after_a_restart(built_copy, tmp_path, backend):
    """A title disliked through one worker never comes back, whichever worker answers next,
    nor once the whole deployment restarted on the same database."""
    with contextlib.ExitStack() as stack:
        if backend == "postgresql":
            database = stack.enter_context(postgres_schema())
        else:
            database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        await _dislike_then_ask(built_copy.data_dir, tmp_path, database)


async def _dislike_then_ask(data_dir: Path, tmp_path: Path, database: str) -> None:
    users = range(500, 530)
    for restart in (False, True):
        async with FakeBotApi() as api, deployed(api, data_dir, tmp_path, database=database) as bot:
            await bot.healthy(2)
            if not restart:
                for user_id in users:
                    user = api.user(user_id)
                    message = api.bot_message(api.private_chat(user), "…", [["fb:d:ds2"]])
                    api.push(api.callback_update(user, message, "fb:d:ds2"))
                await _calls(api, "answerCallbackQuery", len(users))
            ask(api, users, "/recommend toy story")
            sent = await answered(api, len(users))
        assert sorted(call.params["chat_id"] for call in sent) == list(users)
        for call in sent:
            assert "Toy Story 2" not in call.params["text"]
            assert "fb:l:ds4" in [data for _, data in call.buttons]


async def _calls(api: FakeBotApi, method: str, count: int) -> list:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(api.of(method)) < count:
        assert time.monotonic() < deadline, f"{len(api.of(method))} of {count} {method}"
        await asyncio.sleep(0.05)
    return api.of(method)
