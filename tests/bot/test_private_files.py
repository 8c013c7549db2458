"""What the bot writes under its data folder is its own user's alone: folders 0700, files 0600
(etl/permissions.py), whatever the umask."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.build import run_etl
from tests.test_upload import edited_netflix


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems give a service (022: new files readable by everyone), so the modes
    checked are the bot's own doing."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _stat_all(folder: Path) -> dict[Path, os.stat_result]:
    return {path: path.stat() for path in folder.rglob("*")}


async def test_everything_the_bot_writes_is_private(running_bot, data_dir, usual_umask):
    """A build, an upload applied (the replaced file kept in history, a new version built), one
    staged, and a /lang choice in a SQLite file in the data folder (its WAL files too)."""
    before = _stat_all(data_dir)
    run_etl(data_dir / "raw", data_dir / "processed")
    written = {}

    database = data_dir / "streambot.sqlite3"
    async with running_bot(data_dir=data_dir, db_url=f"sqlite:///{database}") as bot:
        admin = bot.admin()
        calls = await admin.send_document(edited_netflix(), "netflix.csv", "/upload netflix")
        (_, apply_data), _ = calls[-1].buttons
        assert "updated from the upload" in (await admin.press(apply_data))[-1].text
        await admin.send_document(edited_netflix(), "netflix.csv", "/upload netflix")
        assert "español" in await bot.chat().reply("/lang es")
        written.update(_stat_all(data_dir))  # while the database is open, with its WAL files

    def is_new(path: Path, stat: os.stat_result) -> bool:
        old = before.get(path)
        return old is None or (old.st_ino, old.st_mtime_ns) != (stat.st_ino, stat.st_mtime_ns)

    modes = {
        str(path.relative_to(data_dir)): oct(stat.st_mode & 0o777)
        for path, stat in written.items()
        if is_new(path, stat) and not (path.is_dir() and path in before)
    }
    names = " ".join(modes)
    for kind in [
        "processed/CURRENT",
        "processed/versions/",
        "/engine.pkl",
        "raw/catalogues/netflix_titles.csv",
        "raw/catalogues/history/netflix_titles.",
        "state/uploads/",
        ".json",
        "streambot.sqlite3-wal",
        "streambot.sqlite3-shm",
    ]:
        assert kind in names, f"the bot wrote no {kind}"
    folders = {name for name, _ in modes.items() if (data_dir / name).is_dir()}
    assert {name: modes[name] for name in folders} == dict.fromkeys(folders, "0o700")
    files = set(modes) - folders
    assert {name: modes[name] for name in files} == dict.fromkeys(files, "0o600")
