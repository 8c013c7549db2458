"""Several bot instances sharing one PostgreSQL, each on an empty data folder of its own, as on
a PaaS whose disks start empty (issue 16): each serves the database's live version, an upload
or a rollback on one reaches every other within seconds, and an instance started later
serves what is live. Real ``streambot run --webhook`` processes, one with two workers under
a supervisor, against the fake Bot API over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from etl.build import input_paths
from etl.shared import SharedCatalogue
from etl.versions import live_name
from scripts.fake_bot_api import FakeBotApi
from tests.bot.conftest import postgres_schema
from tests.bot.test_reload import ROMA
from tests.bot.test_workers import ADMIN, WAIT_SECONDS, Deployment, deployed
from tests.conftest import BuiltData


@pytest.fixture
def database(built: BuiltData) -> Iterator[str]:
    """A schema of its own, where the fixtures' version is already the live one (published
    from a data folder no instance uses)."""
    with postgres_schema() as url:
        shared = SharedCatalogue(url)
        name = live_name(built.processed_dir)
        shared.publish(built.processed_dir, name, built.raw_dir, input_paths(built.raw_dir))
        shared.close()
        yield url


def netflix_with_roma(built: BuiltData) -> bytes:
    """The fixtures' Netflix file with Islands Calling (s9) out and Roma in."""
    path = built.raw_dir / "catalogues" / "netflix_titles.csv"
    lines = [line for line in path.read_bytes().split(b"\r\n") if not line.startswith(b"s9,")]
    lines.insert(-1 if lines[-1] == b"" else len(lines), ROMA)
    return b"\r\n".join(lines)


async def serving(bot: Deployment, workers: int, version: str) -> None:
    """Until ``workers`` of ``bot``'s workers serve ``version``."""
    await bot.healthy(workers, ok=lambda status: status["catalogue"] == version)


async def reply_containing(api: FakeBotApi, text: str) -> dict:
    """The first message the bot sent that holds ``text``, as the API keeps it."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        for call in api.of("sendMessage"):
            if text in call.params["text"]:
                return call
        assert time.monotonic() < deadline, [c.params["text"] for c in api.of("sendMessage")]
        await asyncio.sleep(0.05)


def admin_says(api: FakeBotApi, text: str) -> None:
    admin = api.user(ADMIN)
    api.push(api.message_update(api.private_chat(admin), admin, text))


def upload(api: FakeBotApi, data: bytes, caption: str) -> None:
    """The admin sends a CSV with ``caption``, as Telegram delivers a document."""
    admin = api.user(ADMIN)
    update = api.message_update(api.private_chat(admin), admin, caption)
    message = update["message"]
    message["caption"] = message.pop("text")
    message["caption_entities"] = message.pop("entities")
    file_id = f"doc{message['message_id']}"
    api.files[file_id] = data
    message["document"] = {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_name": "netflix.csv",
        "mime_type": "text/csv",
        "file_size": len(data),
    }
    api.push(update)


async def test_instances_on_empty_disks_follow_every_change_made_on_any_of_them(
    database: str, built: BuiltData, tmp_path: Path
):
    seeded = live_name(built.processed_dir)
    folders = {name: tmp_path / name for name in ("a", "b", "c")}
    for folder in folders.values():
        (folder / "data").mkdir(parents=True)
    async with contextlib.AsyncExitStack() as stack:
        apis = {name: await stack.enter_async_context(FakeBotApi()) for name in folders}

        async def start(name: str, workers: int) -> Deployment:
            folder = folders[name]
            return await stack.enter_async_context(
                deployed(apis[name], folder / "data", folder, workers, database=database)
            )

        one, two = await start("a", 1), await start("b", 2)
        # Nothing on their disks: each fetched the live version and serves it.
        await serving(one, 1, seeded)
        await serving(two, 2, seeded)
        assert (folders["a"] / "data" / "processed" / "CURRENT").read_text().strip() == seeded

        # An upload checked on the first and applied on the second (a load balancer sent
        # the button's press there) is served by both within seconds.
        upload(apis["a"], netflix_with_roma(built), "/upload netflix")
        preview = await reply_containing(apis["a"], "Dry run")
        apply = dict(preview.buttons)["✅ Apply and reload"]
        admin = apis["b"].user(ADMIN)
        apis["b"].private_chat(admin)  # one bot: the second's Bot API has the first's message
        apis["b"].messages[ADMIN, preview.result["message_id"]] = preview.result
        apis["b"].push(apis["b"].callback_update(admin, preview.result, apply))
        await reply_containing(apis["b"], "updated from the upload")
        shared = SharedCatalogue(database)
        uploaded = shared.live()
        assert uploaded != seeded
        started = time.monotonic()
        await serving(one, 1, uploaded)
        await serving(two, 2, uploaded)
        assert time.monotonic() - started < 30

        # A third instance, started on an empty disk now, serves the upload too.
        three = await start("c", 1)
        await serving(three, 1, uploaded)
        raw = folders["c"] / "data" / "raw" / "catalogues" / "netflix_titles.csv"
        assert raw.read_bytes() == netflix_with_roma(built)  # the inputs of record
        admin_says(apis["c"], "/info roma")
        assert "Roma" in (await reply_containing(apis["c"], "Roma")).params["text"]

        # A rollback on the second reaches the others, the third too, though the database
        # dropped its connection and it missed the announcement: it catches up on reconnect.
        assert drop_listener(shared, three.process.pid) == 1
        admin_says(apis["b"], "/rollback")
        await reply_containing(apis["b"], "Rolled back")
        assert shared.live() == seeded
        await serving(one, 1, seeded)
        await serving(three, 1, seeded)
        await serving(two, 2, seeded)
        log = three.log.read_text()
        assert "cannot follow the shared catalogue" in log
        assert "following the shared catalogue again" in log

        # An admin's reload while another admin's runs on another instance waits its turn.
        admin_says(apis["a"], "/reload")
        (first,) = await builds(one.process.pid)
        os.kill(first, signal.SIGSTOP)  # mid-build, holding the lock of every change
        try:
            admin_says(apis["b"], "/reload")
            await reply_containing(apis["b"], "Another instance is changing the catalogue")
            for _ in range(20):
                assert shared.change_busy()
                assert not build_processes(two.process.pid)  # it waits, and does not build
                await asyncio.sleep(0.1)
        finally:
            os.kill(first, signal.SIGCONT)
        await reply_containing(apis["a"], "Catalogue reloaded")
        await reply_containing(apis["b"], "Catalogue reloaded")
        reloaded = shared.live()
        assert reloaded == uploaded  # the inputs of record hold the upload
        for bot, workers in ((one, 1), (two, 2), (three, 1)):
            await serving(bot, workers, reloaded)

        # /versions lists the same live version on every instance, and who serves it.
        await until(lambda: {i.version for i in shared.instances()} == {reloaded})
        for name in ("a", "c"):
            admin_says(apis[name], "/versions")
            text = (await reply_containing(apis[name], "Catalogue versions")).params["text"]
            assert f"▶️ <code>{reloaded}</code>" in text
            assert f"• <code>{seeded}</code>" in text
            live_line = text.split(f"<code>{reloaded}</code>")[1].split("\n")[2]
            for pid in (one.process.pid, two.process.pid, three.process.pid):
                assert f":{pid}" in live_line
            assert "3 instances are running now" in text

        # A builder killed mid-build lets go of the lock, and publishes nothing.
        versions = shared.versions()
        admin_says(apis["c"], "/reload")
        await builds(three.process.pid)
        three.process.kill()  # its build dies with it
        await three.process.wait()
        await until(lambda: not shared.change_busy())
        assert shared.versions() == versions
        assert shared.live() == reloaded
        await serving(one, 1, reloaded)
        await serving(two, 2, reloaded)
        shared.close()


def drop_listener(shared: SharedCatalogue, pid: int) -> int:
    """End the connection on which the instance of process ``pid`` listens for
    announcements, as a database restart or a network cut would; how many were ended."""
    query = text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = :name AND query LIKE 'LISTEN %'"
    )
    with shared._engine.connect() as connection:
        name = f"streambot {socket.gethostname()}:{pid}"
        return len(connection.execute(query, {"name": name}).all())


def build_processes(pid: int) -> list[int]:
    """The catalogue builds (spawned children) running under process ``pid``."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        with contextlib.suppress(OSError):
            for thread in Path(f"/proc/{parent}/task").iterdir():
                for child in map(int, (thread / "children").read_text().split()):
                    todo.append(child)
                    with contextlib.suppress(OSError):
                        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                            found.append(child)
    return found


async def builds(pid: int) -> list[int]:
    """Once a catalogue build runs under process ``pid``: its process."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not (found := build_processes(pid)):
        assert time.monotonic() < deadline, f"no build under {pid}"
        await asyncio.sleep(0.02)
    return found


async def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)


async def test_health_says_ready_only_once_the_live_version_answers(
    built: BuiltData, tmp_path: Path
):
    """An instance that waits for the first catalogue another one builds is up but not ready:
    a rolling deploy sends it no traffic until it serves."""
    (tmp_path / "data").mkdir()
    with postgres_schema() as url:
        shared = SharedCatalogue(url)
        try:
            async with contextlib.AsyncExitStack() as stack:
                api = await stack.enter_async_context(FakeBotApi())
                with shared.change_lock():  # another instance is building the first
                    bot = await stack.enter_async_context(
                        deployed(api, tmp_path / "data", tmp_path, 1, database=url)
                    )
                    deadline = time.monotonic() + WAIT_SECONDS
                    while (status := await health(bot)) is None:  # not listening yet
                        assert time.monotonic() < deadline
                        await asyncio.sleep(0.05)
                    for _ in range(5):
                        assert status == (503, "starting")
                        await asyncio.sleep(0.1)
                        status = await health(bot)
                    name = live_name(built.processed_dir)
                    shared.publish(built.processed_dir, name, built.raw_dir)
                await serving(bot, 1, name)
        finally:
            shared.close()


async def health(bot: Deployment) -> tuple[int, str] | None:
    """``/health``'s status code and status; ``None`` while nothing listens."""
    with contextlib.suppress(httpx.TransportError):
        async with httpx.AsyncClient(timeout=2) as client:
            response = await client.get(f"http://127.0.0.1:{bot.port}/health")
        return response.status_code, response.json()["status"]
    return None
