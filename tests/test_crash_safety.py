"""Catalogue changes survive SIGKILL: the bot (``streambot run`` against the fake Bot API) and
the command line (``streambot etl``, ``etl --add``, ``rollback``) are killed at every stage of
an upload, a reload and a rollback, and started again.

Each process stops at one stage (``STREAMBOT_TEST_STOP_AT``, see ``etl.versions.crash_point``),
says so, and is killed from outside with SIGKILL. Then, for every stage:

- the restart (``load_engine``, where the bot, its workers' supervisor and every command start)
  serves the last validated version: the one live before the change when the kill came before
  it was published, the new one after;
- the raw data agrees with what serves: an upload reaches ``raw/`` only once published;
- no process the killed one started outlives it (the ETL child dies with the bot);
- nothing is left behind: no pending change, half-written version or temporary file.

A reload's new inputs are the operator's, already in ``raw/`` before the reload: a restart
builds them, validated like a reload, so a reload killed before publishing serves them if they
pass, and the previous version (with a log line saying why) if they are refused. The cases run
a few at a time, each in a data folder of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.reload import load_engine
from bot.settings import Settings
from etl.build import PENDING_DIR, run_etl
from etl.versions import STAGING_PREFIX, TEMPORARY, list_versions, live_name
from recommender.artifact import MANIFEST_FILE, VERSIONS_DIR
from scripts.fake_bot_api import FakeBotApi, command_entities
from tests.bot.test_reload import replace_a_title
from tests.test_upload import edited_netflix, snapshot

STREAMBOT = Path(sys.executable).with_name("streambot")
ADMIN = 4242
WAIT_SECONDS = 60.0
RUNNING_AT_ONCE = 3
NETFLIX = Path("catalogues") / "netflix_titles.csv"
BEFORE, AFTER = "before", "after"  # the version that must serve once restarted


def two_rows(netflix: bytes) -> bytes:
    """A Netflix file cut to its header and two titles: 11 → 2, which validation refuses."""
    return b"\r\n".join(netflix.split(b"\r\n")[:3]) + b"\r\n"


@dataclass(frozen=True)
class Case:
    """One change, killed at one stage; ``serves`` says which version must serve after."""

    change: str  # upload, refused upload, reload, refused reload, rollback
    stage: str
    serves: str

    @property
    def name(self) -> str:
        return f"{self.change} killed at {self.stage}"


CASES = (
    Case("refused upload", "prepared", BEFORE),
    Case("refused upload", "building", BEFORE),  # issue 11's H
    Case("upload", "writing", BEFORE),  # its version half-written: issue 11's I
    Case("upload", "written", BEFORE),
    Case("upload", "published", AFTER),
    Case("upload", "moving", AFTER),  # its file half-way into raw/
    Case("refused reload", "building", BEFORE),
    Case("reload", "building", AFTER),
    Case("reload", "written", AFTER),
    Case("reload", "published", AFTER),
    Case("rollback", "chosen", BEFORE),
    Case("rollback", "published", AFTER),
)


@dataclass
class Killed:
    """What a case left: its data folder, its raw data and the version live before the change
    (and the one it makes live, when known beforehand), and the processes the killed one had
    started."""

    case: Case
    data_dir: Path
    before: str
    raw_before: dict[str, bytes]
    after: str | None = None
    children: frozenset[int] = frozenset()


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory, built) -> dict[str, Path]:
    """Data folders to copy: ``one`` serves the fixtures' version, ``two`` a later one built
    after Roma replaced a title (so a rollback has somewhere to go)."""
    folder = tmp_path_factory.mktemp("crash")
    one, two = folder / "one", folder / "two"
    shutil.copytree(built.data_dir, one)
    shutil.copytree(built.data_dir, two)
    replace_a_title(two)
    run_etl(two / "raw", two / "processed")
    return {"one": one, "two": two}


def children_of(pid: int) -> frozenset[int]:
    """Every process ``pid`` started that still runs, and theirs."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found |= {int(child)} | children_of(int(child))
    return frozenset(found)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def prepare(case: Case, templates: dict[str, Path], folder: Path) -> Killed:
    """A data folder of the case's own, as it is before the change."""
    data_dir = folder / "data"
    shutil.copytree(templates["two" if case.change == "rollback" else "one"], data_dir)
    killed = Killed(case, data_dir, live_name(data_dir / "processed"), snapshot(data_dir / "raw"))
    if case.change == "rollback":
        killed.after = list_versions(data_dir / "processed")[1].name  # the one before
    return killed


def change_inputs(case: Case, data_dir: Path) -> bytes | None:
    """What a reload finds edited in ``raw/``, or the file an upload sends."""
    netflix = (data_dir / "raw" / NETFLIX).read_bytes()
    if case.change == "refused reload":
        (data_dir / "raw" / NETFLIX).write_bytes(two_rows(netflix))
    elif case.change == "reload":
        replace_a_title(data_dir)
    elif case.change == "upload":
        return edited_netflix()
    elif case.change == "refused upload":
        return two_rows(netflix)
    return None


async def until(
    condition: Callable[[], object], process: asyncio.subprocess.Process, log: Path
) -> object:
    """What ``condition`` returns once it is true, while ``process`` runs."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not (found := condition()):
        assert process.returncode is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        await asyncio.sleep(0.05)
    return found


async def kill_at(stage: str, process: asyncio.subprocess.Process, killed: Killed, log: Path):
    """Once ``process`` (or its ETL child) stopped at ``stage``, SIGKILL it and wait for it,
    noting the processes it had started."""
    stopped = re.compile(rf"stopped at {stage} \(pid \d+\)")
    await until(lambda: stopped.search(log.read_text(errors="replace")), process, log)
    killed.children = children_of(process.pid)
    process.kill()
    await process.wait()


def environ(case: Case, data_dir: Path, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "STREAMBOT_DATA_DIR": str(data_dir),
        "STREAMBOT_TEST_STOP_AT": case.stage,
        "LOG_LEVEL": "INFO",
        **more,
    }


# -- the command line ----------------------------------------------------------------------------
async def kill_the_command_line(case: Case, templates: dict[str, Path], folder: Path) -> Killed:
    killed = prepare(case, templates, folder)
    upload = change_inputs(case, killed.data_dir)
    if case.change == "rollback":
        argv = ["rollback"]
    elif upload is not None:
        (folder / "upload.csv").write_bytes(upload)
        argv = ["etl", "--add", str(folder / "upload.csv"), "--platform", "netflix", "--yes"]
    else:
        argv = ["etl"]
    log = folder / "streambot.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            str(STREAMBOT),
            *argv,
            env=environ(case, killed.data_dir),
            cwd=folder,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    await kill_at(case.stage, process, killed, log)
    return killed


# -- the bot -------------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def running_bot(
    case: Case, data_dir: Path, folder: Path
) -> AsyncIterator[tuple[FakeBotApi, asyncio.subprocess.Process, Path]]:
    """``streambot run``, polling the fake Bot API, once it has started."""
    async with FakeBotApi() as api:
        log = folder / "streambot.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                str(STREAMBOT),
                "run",
                env=environ(
                    case,
                    data_dir,
                    TELEGRAM_BOT_TOKEN=api.token,
                    TELEGRAM_API_BASE_URL=api.base_url,
                    STREAMBOT_DB=f"sqlite:///{folder / 'chats.sqlite3'}",
                    STREAMBOT_ADMIN_IDS=str(ADMIN),
                    WEBHOOK_URL="",
                    STREAMBOT_WORKERS="1",
                ),
                cwd=folder,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        try:
            await until(lambda: api.of("getUpdates"), process, log)
            yield api, process, log
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def kill_the_bot(case: Case, templates: dict[str, Path], folder: Path) -> Killed:
    killed = prepare(case, templates, folder)
    async with running_bot(case, killed.data_dir, folder) as (api, process, log):
        admin = api.user(ADMIN)
        chat = api.private_chat(admin)
        if case.change == "rollback":
            api.push(api.message_update(chat, admin, "/rollback"))
        elif case.change.endswith("reload"):
            change_inputs(case, killed.data_dir)  # the operator's edit, once the bot runs
            api.push(api.message_update(chat, admin, "/reload"))
        else:
            upload = change_inputs(case, killed.data_dir)
            preview = await send_upload(api, admin, upload, process, log)
            (_, apply) = preview.buttons[0]
            assert apply.startswith("upok:"), preview.params
            api.push(api.callback_update(admin, preview.result, apply))
        await kill_at(case.stage, process, killed, log)
    return killed


async def send_upload(
    api: FakeBotApi, admin: dict, data: bytes, process: asyncio.subprocess.Process, log: Path
):
    """The admin sends ``data`` as netflix.csv with the caption /upload netflix; the bot's dry
    run, once it answers."""
    api.files["upload"] = data
    caption = "/upload netflix"
    message = {
        "message_id": 1,
        "from": admin,
        "chat": api.private_chat(admin),
        "date": int(time.time()),
        "caption": caption,
        "caption_entities": command_entities(caption),
        "document": {
            "file_id": "upload",
            "file_unique_id": "upload",
            "file_name": "netflix.csv",
            "mime_type": "text/csv",
            "file_size": len(data),
        },
    }
    api.push({"message": message})
    previews = await until(
        lambda: [call for call in api.of("sendMessage") if call.buttons], process, log
    )
    return previews[0]


# -- the restart ---------------------------------------------------------------------------------
def restart(killed: Killed) -> list[str]:
    """Start again as the bot and every command do; what is wrong, if anything."""
    case, data_dir = killed.case, killed.data_dir
    problems = []
    lingering = [pid for pid in killed.children if alive(pid)]
    deadline = time.monotonic() + 10
    while lingering and time.monotonic() < deadline:
        time.sleep(0.05)
        lingering = [pid for pid in lingering if alive(pid)]
    if lingering:
        problems.append(f"processes {lingering} outlived the killed one")
        for pid in lingering:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    err = io.StringIO()
    engine = load_engine(Settings(data_dir=data_dir), err)
    new = sorted(
        {version.name for version in list_versions(data_dir / "processed")} - {killed.before}
    )
    raw = snapshot(data_dir / "raw")
    if case.serves == BEFORE:
        expected = killed.before
    else:
        expected = killed.after or (new[0] if len(new) == 1 else f"one new version, not {new}")
    if engine.version != expected:
        problems.append(f"serves {engine.version}, not {expected} ({err.getvalue().strip()})")
    netflix = engine.catalogue.count("netflix")
    titles = netflix.movies + netflix.tv_shows
    if case.change.startswith("refused") and titles != 11:
        problems.append(f"serves {titles} Netflix titles, not 11")
    if case.change == "refused reload" and "etl refused: Netflix: 11 → 2" not in err.getvalue():
        problems.append(f"the refusal is not logged: {err.getvalue()!r}")
    if case.change.endswith("upload"):
        history = {name for name in raw if name.startswith("catalogues/history/")}
        if case.serves == BEFORE and raw != killed.raw_before:
            problems.append(f"raw/ changed: {sorted(set(raw) ^ set(killed.raw_before))}")
        if case.serves == AFTER and (raw[str(NETFLIX)] != edited_netflix() or len(history) != 1):
            problems.append(f"the upload is not in raw/ (history: {sorted(history)})")
    left = leftovers(data_dir)
    if left:
        problems.append(f"left behind: {left}")
    return problems


def leftovers(data_dir: Path) -> list[str]:
    """Pending changes, half-written or unpublished versions, temporary files, staged uploads."""
    return sorted(str(path.relative_to(data_dir)) for path in data_dir.rglob("*") if left(path))


def left(path: Path) -> bool:
    return (
        path.name == PENDING_DIR
        or path.name.startswith(STAGING_PREFIX)
        or (path.is_file() and TEMPORARY.fullmatch(path.name) is not None)
        or (path.parent.name == VERSIONS_DIR and not (path / MANIFEST_FILE).is_file())
        or (path.parent.name == "uploads" and path.is_file())
    )


async def run_cases(kill_case, templates: dict[str, Path], tmp_path: Path) -> dict[str, list[str]]:
    """Kill every case a few at a time, then restart each; the problems, by case."""
    slots = asyncio.Semaphore(RUNNING_AT_ONCE)

    async def one(number: int, case: Case) -> Killed:
        async with slots:
            folder = tmp_path / f"case{number}"
            folder.mkdir()
            return await kill_case(case, templates, folder)

    killed_cases = await asyncio.gather(*(one(n, case) for n, case in enumerate(CASES)))
    return {killed.case.name: restart(killed) for killed in killed_cases}


async def test_the_command_line_killed_at_every_stage(templates, tmp_path):
    problems = await run_cases(kill_the_command_line, templates, tmp_path)
    assert {name: found for name, found in problems.items() if found} == {}


async def test_the_bot_killed_at_every_stage(templates, tmp_path):
    problems = await run_cases(kill_the_bot, templates, tmp_path)
    assert {name: found for name, found in problems.items() if found} == {}
