"""/reload: a rebuild in a worker thread, validated, swapped in; failures keep the old engine."""

from __future__ import annotations

import asyncio
import errno
import gc
import io
import logging
import multiprocessing
import os
import signal
import threading
import time
import weakref
from pathlib import Path

import pytest

from bot import reload
from bot.admin import reload_failed_reply
from etl import build as build_module
from etl.build import BuildRefused, build, run_etl, validate
from etl.upload import STAGED_SECONDS, stage_upload
from etl.versions import VersionError, change_lock, list_versions, live_version
from recommender.artifact import ENGINE_FILE, version_folder
from recommender.engine import Engine, EngineHolder
from tests.conftest import BuiltData
from tests.test_engine import lazy_tables
from tests.test_upload import edited_netflix, snapshot

ROMA = (
    b's12,Movie,Roma,Alfonso Cuar\xc3\xb3n,"Yalitza Aparicio, Marina de Tavira",Mexico,'
    b'"December 14, 2018",2018,R,135 min,"Dramas, International Movies",'
    b"A live-in housekeeper keeps a family together in 1970s Mexico City."
)


@pytest.fixture
def bot_options(served_dir: Path) -> dict[str, Path]:
    """The bots of this module serve ``served_dir``, which reloads rebuild."""
    return {"data_dir": served_dir}


def netflix_file(data_dir: Path) -> Path:
    return data_dir / "raw" / "catalogues" / "netflix_titles.csv"


def replace_a_title(data_dir: Path) -> None:
    """Take Islands Calling (ns9) out of the Netflix file and put Roma in."""
    path = netflix_file(data_dir)
    lines = [line for line in path.read_bytes().split(b"\r\n") if not line.startswith(b"s9,")]
    lines.insert(-1 if lines[-1] == b"" else len(lines), ROMA)
    path.write_bytes(b"\r\n".join(lines))


async def test_an_admin_reload_swaps_in_the_new_catalogue(bot, served_dir):
    replace_a_title(served_dir)

    admin = bot.admin()
    old = bot.holder.engine
    await admin.say("/reload")
    started, summary = await bot.wait_for("sendMessage", 2)
    assert started.text.startswith("🔄 Rebuilding the catalogue…")
    assert summary.text.startswith("✅ <b>Catalogue reloaded</b> in ")
    assert "Titles: 28 → 28 (+1, −1)" in summary.text
    assert "Scores known for " in summary.text
    assert bot.holder.engine is not old
    assert "<b>Roma</b> (2018)" in await admin.reply("/info roma")


async def test_a_reload_in_spanish(bot, served_dir):
    admin = bot.admin(language_code="es")
    await admin.say("/reload")
    _, summary = await bot.wait_for("sendMessage", 2)
    assert "✅ <b>Catálogo recargado</b>" in summary.text
    assert "Títulos: 28 → 28 (+0, −0)" in summary.text


async def test_a_failed_reload_keeps_the_old_catalogue_serving(running_bot, served_dir):
    netflix_file(served_dir).write_bytes(b"\xff\xfe\x00garbage")
    current = (served_dir / "processed" / "CURRENT").read_text()

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        old = bot.holder.engine
        await admin.say("/reload")
        _, failed = await bot.wait_for("sendMessage", 2)
        assert failed.text.startswith("❌ <b>Reload failed</b>: the data could not be built.")
        assert "netflix_titles.csv" in failed.text
        assert "Still serving the previous catalogue (28 titles)." in failed.text
        assert bot.holder.engine is old
        assert "If you like <b>Toy Story</b>" in await admin.reply("/recommend toy story")
    assert (served_dir / "processed" / "CURRENT").read_text() == current


async def test_queries_during_a_reload_use_the_old_engine_and_a_second_reload_waits(
    bot, monkeypatch
):
    entered, release = threading.Event(), threading.Event()
    real_build = reload.build_in_child

    def slow_build(raw_dir: Path):
        entered.set()
        assert release.wait(30)
        return real_build(raw_dir)

    monkeypatch.setattr(reload, "build_in_child", slow_build)

    admin = bot.admin()
    old = bot.holder.engine
    await admin.say("/reload")
    assert await asyncio.to_thread(entered.wait, 30)
    assert "Netflix has 6 movies" in await bot.chat().reply("/count netflix")
    assert bot.holder.engine is old
    await admin.say("/reload")
    sent = await bot.wait_for("sendMessage", 3)
    assert "A reload is already running" in sent[-1].text
    release.set()
    sent = await bot.wait_for("sendMessage", 4)
    assert "Catalogue reloaded" in sent[-1].text
    assert bot.holder.engine is not old


async def test_a_non_admin_is_refused_and_logged(running_bot, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.telegram.application"):
        async with running_bot() as bot:
            old = bot.holder.engine
            await bot.chat(language_code="es").say("/reload")
            (refusal,) = await bot.wait_for("sendMessage", 1)
            assert "solo los administradores" in refusal.text
            assert bot.holder.engine is old
    assert f"refused /reload from user {bot.user_id}" in caplog.text


def test_two_reloads_never_run_at_once(engine, built):
    holder = EngineHolder(engine)
    with holder.reload_lock, pytest.raises(reload.ReloadBusy):
        reload.reload_engine(holder, built.raw_dir, built.processed_dir)


@pytest.fixture(scope="module")
def fresh_build(built):
    return build(built.raw_dir)


@pytest.fixture(scope="module")
def live(built):
    """The live version a build is validated against."""
    return live_version(built.processed_dir)


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ({"in": 5, "out": 0, "quarantined": 0}, "empty_platform"),
        ({"in": 1000, "out": 900, "quarantined": 100}, "quarantined"),
    ],
)
def test_validation_refuses_builds_that_look_broken(fresh_build, live, monkeypatch, rows, code):
    monkeypatch.setitem(fresh_build.report.rows, "hulu", rows)
    for allow_shrink in (False, True):
        with pytest.raises(BuildRefused) as error:
            validate(fresh_build, live, allow_shrink)
        assert error.value.code == code
        assert "Hulu" in error.value.detail


def test_validation_refuses_a_platform_that_shrank_by_half(fresh_build, live, engine, monkeypatch):
    validate(fresh_build, live)
    monkeypatch.setitem(fresh_build.report.rows, "netflix", {"in": 3, "out": 3, "quarantined": 0})
    with pytest.raises(BuildRefused) as error:
        validate(fresh_build, live)
    assert error.value.code == "platform_shrunk"
    served = int((engine.catalogue.records["platform"] == "netflix").sum())
    assert error.value.detail == f"Netflix: {served:,} → 3"
    validate(fresh_build, live, allow_shrink=True)  # a cut made on purpose
    validate(fresh_build, None)  # a first build has nothing to compare with


def test_validation_refuses_a_catalogue_that_lost_a_platform(fresh_build, live, monkeypatch):
    monkeypatch.setattr(build_module, "MIN_KEPT_SHARE", 0.99)
    for platform in ("amazon", "disney", "hulu"):
        monkeypatch.delitem(fresh_build.report.rows, platform)
    monkeypatch.setattr(fresh_build.report, "titles", 9)
    with pytest.raises(BuildRefused) as error:
        validate(fresh_build, live)
    assert error.value.code == "shrunk"
    validate(fresh_build, live, allow_shrink=True)


def test_a_truncated_file_is_refused_and_the_old_catalogue_keeps_serving(served_dir):
    """A real reload (the ETL in its child process) of a Netflix file cut to two rows."""
    holder = EngineHolder(Engine.load(served_dir / "processed"))
    old, current = holder.engine, (served_dir / "processed" / "CURRENT").read_text()
    path = netflix_file(served_dir)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]))
    with pytest.raises(reload.ReloadError) as error:
        reload.reload_engine(holder, served_dir / "raw", served_dir / "processed")
    assert error.value.code == "platform_shrunk"
    assert error.value.detail.startswith("Netflix: ")
    assert holder.engine is old
    assert (served_dir / "processed" / "CURRENT").read_text() == current


def test_an_unexpected_failure_is_reported_not_raised(served_dir, monkeypatch):
    holder = EngineHolder(Engine.load(served_dir / "processed"))
    old = holder.engine

    def broken(raw_dir: Path):
        raise MemoryError("out of memory")

    monkeypatch.setattr(reload, "build_in_child", broken)
    with pytest.raises(reload.ReloadError) as error:
        reload.reload_engine(holder, served_dir / "raw", served_dir / "processed")
    assert error.value.code == "broken"
    assert "MemoryError" in error.value.detail
    assert holder.engine is old
    assert not holder.reload_lock.locked()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Netflix: 8 → 2 titles: more than half would disappear"),
        ("es", "Netflix: 8 → 2 títulos: desaparecería más de la mitad"),
    ],
)
def test_a_shrunk_platform_is_explained_to_the_admin(lang, expected):
    reply = reload_failed_reply("platform_shrunk", "Netflix: 8 → 2", 30, lang)
    assert expected in reply.text


def test_a_reload_of_the_same_inputs_serves_the_version_already_built(served_dir):
    processed = served_dir / "processed"
    holder = EngineHolder(Engine.load(processed))
    [built] = list_versions(processed)
    summary = reload.reload_engine(holder, served_dir / "raw", processed)
    assert summary.version == holder.engine.version == built.name
    assert lazy_tables(holder.engine) == lazy_tables(holder.engine.catalogue) == set()
    assert [version.name for version in list_versions(processed)] == [built.name]


# -- rollback ------------------------------------------------------------------------------------
@pytest.fixture
def two_versions(served_dir: Path) -> tuple[Path, list[str]]:
    """``served_dir`` with a second version (Roma in, Islands Calling out) live; oldest first."""
    first = (served_dir / "processed" / "CURRENT").read_text().strip()
    replace_a_title(served_dir)
    second = run_etl(served_dir / "raw", served_dir / "processed").version
    return served_dir / "processed", [first, second]


def test_rollback_engine_serves_the_previous_version(two_versions):
    processed, names = two_versions
    holder = EngineHolder(Engine.load(processed))
    summary = reload.rollback_engine(holder, processed)
    assert (summary.from_version, summary.to_version) == (names[1], names[0])
    assert (summary.titles_before, summary.titles_after) == (28, 28)
    assert summary.created == list_versions(processed)[1].created
    assert holder.engine.version == names[0]
    assert lazy_tables(holder.engine) == lazy_tables(holder.engine.catalogue) == set()
    assert holder.engine.match("islands calling", limit=1)[0].title == "Islands Calling"
    assert (processed / "CURRENT").read_text().strip() == names[0]
    assert not holder.reload_lock.locked()
    with pytest.raises(VersionError, match="no earlier version to roll back to"):
        reload.rollback_engine(holder, processed)
    assert reload.rollback_engine(holder, processed, to=names[1]).to_version == names[1]
    assert holder.engine.version == names[1]


def test_the_served_engine_is_frozen_and_the_replaced_one_freed(two_versions):
    """Frozen, the served engine's objects are no work for the collector; replaced, it goes,
    reference cycles and all (a frozen cycle would never be freed)."""
    processed, _ = two_versions
    holder = EngineHolder(Engine.load(processed))
    holder.engine.itself = holder.engine  # a cycle: only the collector can free it
    served = weakref.ref(holder.engine)
    try:
        reload.release_freed_memory()  # as after start-up
        assert served() is not None and gc.get_freeze_count() > 0
        reload.rollback_engine(holder, processed)
        assert served() is None
        assert gc.get_freeze_count() > 0  # now the new engine
    finally:
        gc.unfreeze()


def test_rollback_engine_follows_a_rollback_made_from_the_command_line(two_versions):
    """``streambot rollback`` moved the pointer; the bot's rollback serves what it points at."""
    processed, names = two_versions
    holder = EngineHolder(Engine.load(processed))
    (processed / "CURRENT").write_text(names[0] + "\n")
    assert reload.rollback_engine(holder, processed).to_version == names[0]
    assert holder.engine.version == names[0]


def test_a_rollback_to_a_version_that_cannot_load_changes_nothing(two_versions):
    processed, names = two_versions
    holder = EngineHolder(Engine.load(processed))
    old = holder.engine
    (version_folder(processed, names[0]) / ENGINE_FILE).unlink()
    with pytest.raises(reload.ReloadError) as error:
        reload.rollback_engine(holder, processed)
    assert error.value.code == "broken"
    assert "engine.pkl" in error.value.detail
    assert holder.engine is old
    assert (processed / "CURRENT").read_text().strip() == names[1]
    assert not holder.reload_lock.locked()


def test_a_rollback_with_nothing_to_roll_back_to_changes_nothing(served_dir):
    processed = served_dir / "processed"
    holder = EngineHolder(Engine.load(processed))
    old, current = holder.engine, (processed / "CURRENT").read_text()
    with pytest.raises(VersionError, match="no earlier version to roll back to"):
        reload.rollback_engine(holder, processed)
    assert holder.engine is old
    assert (processed / "CURRENT").read_text() == current
    assert not holder.reload_lock.locked()


def test_a_rollback_waits_for_no_reload(engine, built):
    holder = EngineHolder(engine)
    with holder.reload_lock, pytest.raises(reload.ReloadBusy):
        reload.rollback_engine(holder, built.processed_dir)
    assert holder.engine is engine


# -- the admin surface in chat: /versions, /rollback, and CSV uploads ------------------------
async def test_versions_and_rollback_in_chat(running_bot, served_dir):
    replace_a_title(served_dir)
    run_etl(served_dir / "raw", served_dir / "processed")
    older, newer = sorted(version.name for version in list_versions(served_dir / "processed"))

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        listed = await admin.reply("/versions")
        assert listed.startswith("🗂️ <b>Catalogue versions</b>, newest first")
        assert listed.index(f"▶️ <code>{newer}</code>") < listed.index(f"• <code>{older}</code>")
        assert "28 titles" in listed
        rolled = await admin.reply("/rollback")
        assert rolled.startswith(f"↩️ <b>Rolled back</b> to <code>{older}</code>")
        assert bot.holder.engine.version == older
        assert "Islands Calling" in await admin.reply("/info islands calling")
        nothing = await admin.reply("/rollback")
        assert nothing.startswith("↩️ Nothing to roll back to: no earlier version")
        assert bot.holder.engine.version == older


async def test_non_admins_cannot_list_roll_back_or_upload(running_bot, served_dir, caplog):
    caplog.set_level(logging.WARNING, logger="bot.telegram.application")
    before = snapshot(served_dir)

    async with running_bot(data_dir=served_dir) as bot:
        user = bot.chat()
        for command in ("/versions", "/rollback", "/upload netflix"):
            assert await user.reply(command) == "Sorry, only StreamBot's admins can do that."
        calls = await user.send_document(edited_netflix(), "netflix.csv", "/upload netflix")
        assert [call.text for call in calls if call.method == "sendMessage"] == [
            "Sorry, only StreamBot's admins can do that."
        ]
        assert "download" not in [call.method for call in calls]
        # A forged "apply" button for someone else's upload does nothing either.
        pressed = await user.press("upok:0123456789")
        assert pressed[-1].method == "answerCallbackQuery" and pressed[-1].params["show_alert"]
    assert snapshot(served_dir) == before
    refused = [r.getMessage() for r in caplog.records if "not an admin" in r.getMessage()]
    assert len(refused) == 5


async def test_an_uploaded_csv_is_previewed_then_applied_and_served(running_bot, served_dir):
    netflix = netflix_file(served_dir).read_bytes()

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        calls = await admin.send_document(edited_netflix(), "netflix_2022.csv", "/upload netflix")
        checking, preview = [call for call in calls if call.method == "sendMessage"]
        assert checking.text == "📥 Checking netflix_2022.csv…"
        assert preview.text.startswith(
            "📋 <b>Dry run</b> of netflix_2022.csv for Netflix: 12 rows\n"
            "➕ 1 new · ➖ 1 gone · ✏️ 4 changed · 6 the same"
        )
        assert "New: Heat" in preview.text and "Gone: Breaking Bad" in preview.text
        assert "⚠️ 1 rows would be set aside:\n• row 13, column release_year:" in preview.text
        (apply, apply_data), (cancel, _) = preview.buttons
        assert (apply, cancel) == ("✅ Apply and reload", "✖️ Cancel")
        old = bot.holder.engine
        done = await admin.press(apply_data)
        assert done[-1].text.startswith("✅ <b>Netflix</b> updated from the upload.\n✅ ")
        assert bot.holder.engine is not old
        assert "nh12" not in old.catalogue.records["id"].tolist()
        assert "<b>Heat</b> (1995)" in await admin.reply("/where heat")
        again = await admin.press(apply_data)
        assert again[-1].params["show_alert"]  # already applied: expired
    history = list((served_dir / "raw" / "catalogues" / "history").iterdir())
    assert [path.read_bytes() for path in history] == [netflix]
    assert len(list_versions(served_dir / "processed")) == 2


async def test_bad_uploads_change_nothing(running_bot, served_dir):
    before = snapshot(served_dir)

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        png = b"\x89PNG\r\n\x1a\n" + bytes(200)
        picture = await admin.send_document(png, "poster.png", "/upload netflix", "image/png")
        assert picture[-1].text.startswith("❌ <b>Upload refused</b>: that isn't a CSV file")
        columns = await admin.send_document(b"id,name\n1,x\n", "netflix.csv", "/upload netflix")
        assert "columns are missing" in columns[-1].text and "Nothing changed." in columns[-1].text
        unnamed = await admin.send_document(edited_netflix(), "peacock.csv", "/upload peacock")
        assert "a new platform needs a display name" in unnamed[-1].text
        no_caption = await admin.send_document(edited_netflix(), "netflix.csv")
        assert no_caption[-1].text.startswith("📥 To update a catalogue, send its CSV file")
        # Staged, then cancelled.
        staged = await admin.send_document(edited_netflix(), "netflix.csv", "/subir netflix")
        cancel = dict(staged[-1].buttons)["✖️ Cancel"]
        assert (await admin.press(cancel))[-1].text == "✖️ Upload cancelled. Nothing changed."
    assert snapshot(served_dir) == before


async def test_an_upload_the_reload_refuses_never_reaches_raw(running_bot, served_dir):
    lines = netflix_file(served_dir).read_bytes().split(b"\r\n")
    two_rows = b"\r\n".join(lines[:3]) + b"\r\n"  # the header and two titles: most are gone
    before = snapshot(served_dir / "raw"), snapshot(served_dir / "processed")

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin(language_code="es")
        staged = await admin.send_document(two_rows, "netflix.csv", "/subir netflix")
        assert "➖ 9 quitadas" in staged[-1].text
        old = bot.holder.engine
        pressed = await admin.press(dict(staged[-1].buttons)["✅ Aplicar y recargar"])
        assert pressed[-1].text.startswith("❌ <b>La recarga falló</b>: Netflix: 11 → 2")
        assert "La subida no se aplicó" in pressed[-1].text
        assert bot.holder.engine is old
    assert (snapshot(served_dir / "raw"), snapshot(served_dir / "processed")) == before


async def test_an_upload_under_a_new_name_adds_a_platform(running_bot, served_dir):
    rows = netflix_file(served_dir).read_bytes().split(b"\r\n")
    peacock = b"\r\n".join(rows[:4]) + b"\r\n"  # the header and three titles

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        calls = await admin.send_document(peacock, "peacock.csv", "/upload peacock Peacock TV")
        preview = calls[-1]
        assert preview.text.startswith(
            "📋 <b>Dry run</b> of peacock.csv for Peacock TV (a new platform): 3 rows\n➕ 3 new"
        )
        done = await admin.press(dict(preview.buttons)["✅ Apply and reload"])
        assert done[-1].text.startswith("✅ <b>Peacock TV</b> updated from the upload.")
        assert (await admin.reply("/count peacock")).startswith("📊 Peacock TV has 2 movies")
        assert "Peacock TV" in await admin.reply("/where dick johnson is dead")
    assert 'display_name = "Peacock TV"' in (served_dir / "raw" / "platforms.toml").read_text()


# -- a reload that dies midway -------------------------------------------------------------------
def _kill_the_child_reading(path: Path, killed: list[int]) -> None:
    """Wait until a child process has the FIFO at ``path`` open to read (opening it to write
    succeeds only then), SIGKILL it while it waits for data, then let go of the FIFO."""
    before = {child.pid for child in multiprocessing.active_children()}
    deadline = time.monotonic() + 60
    while True:
        try:
            writer = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as error:
            if error.errno != errno.ENXIO or time.monotonic() > deadline:
                return
            time.sleep(0.01)
    try:
        for child in multiprocessing.active_children():
            if child.pid not in before:
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)
    finally:
        os.close(writer)


async def test_an_etl_child_killed_mid_build_changes_nothing(running_bot, served_dir):
    """kill -9 of the ETL child while it reads its inputs (the Netflix file is a FIFO that
    never ends, so the kill lands mid-build): the admin hears why, the old catalogue serves,
    and nothing under data/processed changed, CURRENT included."""
    netflix = netflix_file(served_dir)
    netflix.unlink()
    os.mkfifo(netflix)
    before = snapshot(served_dir / "processed")
    killed: list[int] = []

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        old = bot.holder.engine
        killer = threading.Thread(target=_kill_the_child_reading, args=(netflix, killed))
        killer.start()
        await admin.say("/reload")
        _, failed = await bot.wait_for("sendMessage", 2)
        await asyncio.to_thread(killer.join, 30)
        assert killed
        assert failed.text.startswith(
            "❌ <b>Reload failed</b>: the new catalogue did not load (BrokenProcessPool: "
        )
        assert "Still serving the previous catalogue (28 titles)." in failed.text
        assert bot.holder.engine is old
        assert not bot.holder.reload_lock.locked()
        assert "If you like <b>Toy Story</b>" in await admin.reply("/recommend toy story")
    assert snapshot(served_dir / "processed") == before


def test_a_disk_that_fills_up_while_writing_the_version_changes_nothing(served_dir, monkeypatch):
    """The build succeeds but writing its version fails once the engine's file is written,
    before the manifest: the staging folder goes, CURRENT stays, the old engine serves, and
    the admin hears the disk is full."""
    replace_a_title(served_dir)  # new inputs, so the reload writes a new version
    monkeypatch.setattr(reload, "build_in_child", reload.build_for_serving)  # no child needed
    real_dump = build_module.dump
    written: list[object] = []

    def dump(value, folder, name):
        real_dump(value, folder, name)
        written.append(folder / name)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build_module, "dump", dump)
    processed = served_dir / "processed"
    holder = EngineHolder(Engine.load(processed))
    old, before = holder.engine, snapshot(processed)
    with pytest.raises(reload.ReloadError) as error:
        reload.reload_engine(holder, served_dir / "raw", processed)
    assert written
    assert (error.value.code, error.value.detail) == ("disk_full", old.version)
    reply = reload_failed_reply(error.value.code, error.value.detail, 28, "en").text
    assert reply.startswith(
        f"❌ <b>Reload failed</b>: the disk is full, so nothing changed (version {old.version} "
        "stays live).\nStill serving the previous catalogue (28 titles)."
    )
    assert holder.engine is old
    assert not holder.reload_lock.locked()
    assert snapshot(processed) == before


def test_the_engine_a_bot_starts_with_is_prepared(bot_settings, built):
    """No first user of /longest or /new waits for its table, and forked workers share it."""
    engine = reload.load_engine(bot_settings(built.data_dir), io.StringIO())
    assert lazy_tables(engine) == lazy_tables(engine.catalogue) == set()


# -- start-up: recover, validate, and serve the last good version --------------------------------
def _break_the_scores(served_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    def broken(folder: Path):
        raise RuntimeError("the scores cannot be read")

    netflix_file(served_dir).write_bytes(netflix_file(served_dir).read_bytes() + b"\r\n")
    monkeypatch.setattr(build_module, "load_scores", broken)
    return "etl failed: RuntimeError: the scores cannot be read"


def _cut_netflix_to_two_titles(served_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    lines = netflix_file(served_dir).read_bytes().split(b"\r\n")
    netflix_file(served_dir).write_bytes(b"\r\n".join(lines[:3]) + b"\r\n")
    return (
        "etl refused: Netflix: 11 → 2 titles: more than half of the platform would disappear "
        "(if that is meant, add --allow-shrink to streambot etl)"
    )


def _corrupt_netflix(served_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    netflix_file(served_dir).write_bytes(b'show_id,type\r\ns1,"Movie\r\n')
    return "etl failed: catalogues/netflix_titles.csv"


@pytest.mark.parametrize(
    "spoil",
    [_cut_netflix_to_two_titles, _break_the_scores, _corrupt_netflix],
    ids=["refused", "exception", "bad-file"],
)
def test_a_start_up_build_that_fails_serves_the_last_good_version(
    served_dir, bot_settings, monkeypatch, spoil
):
    """Whatever stops the start-up build (a refused build, an exception, a bad file), the bot
    starts with the version that was live, and its log says why, naming the file or reason."""
    processed = served_dir / "processed"
    live = (processed / "CURRENT").read_text().strip()
    before = snapshot(processed)
    reason = spoil(served_dir, monkeypatch)
    err = io.StringIO()
    engine = reload.load_engine(bot_settings(served_dir), err)
    assert engine.version == live
    assert engine.catalogue.count("netflix").movies == 6
    last = err.getvalue().splitlines()[-1]
    assert last.startswith(reason)
    assert last.endswith(f"; serving the previous catalogue {live}")
    assert snapshot(processed) == before


def test_a_start_up_while_another_process_changes_the_catalogue(served_dir, bot_settings):
    """The other process's half-written version is not a leftover, and the bot does not wait
    for it: it serves the live version."""
    processed = served_dir / "processed"
    replace_a_title(served_dir)  # stale: it would build, were it alone
    staging = processed / "versions" / ".staging-running"
    staging.mkdir()
    err = io.StringIO()
    with change_lock(processed):
        engine = reload.load_engine(bot_settings(served_dir), err)
    assert engine.version == (processed / "CURRENT").read_text().strip()
    assert err.getvalue() == (
        f"another process is changing the catalogue; serving {engine.version}\n"
    )
    assert staging.is_dir()


async def test_a_reload_while_another_process_changes_the_catalogue_is_busy(bot, served_dir):
    """``streambot etl`` (or another worker) holds the catalogue: /reload says a reload runs."""

    old = bot.holder.engine
    with change_lock(served_dir / "processed"):
        assert "A reload is already running" in await bot.admin().reply("/rollback")
        await bot.admin().say("/reload")
        busy = await bot.wait_for("sendMessage", 3)
    assert busy[-1].text == "⏳ A reload is already running. I'll report when it's done."
    assert bot.holder.engine is old
    assert not bot.holder.reload_lock.locked()


async def test_an_upload_on_a_full_disk_changes_nothing_and_says_so(
    running_bot, served_dir, monkeypatch
):
    """Once the upload is staged the disk fills up, so writing any file fails with ENOSPC:
    the admin hears the disk is full and which version still serves; raw/ and processed/ are
    as they were, with no temporary file anywhere."""
    monkeypatch.setattr(reload, "build_in_child", reload.build_for_serving)  # no child needed
    before = snapshot(served_dir / "raw"), snapshot(served_dir / "processed")

    real_open = io.open

    class FullDisk(io.BufferedWriter):
        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    def open_on_a_full_disk(file: object, mode: str = "r", *args: object, **kwargs: object):
        """Files open (and are created) as on a full disk; writing to them fails."""
        if mode.strip("bt") == "r":
            return real_open(file, mode, *args, **kwargs)
        return FullDisk(io.FileIO(file, mode.strip("bt"), opener=kwargs.get("opener")))

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        staged = await admin.send_document(edited_netflix(), "netflix.csv", "/upload netflix")
        apply = dict(staged[-1].buttons)["✅ Apply and reload"]
        old = bot.holder.engine
        with monkeypatch.context() as full:
            full.setattr(io, "open", open_on_a_full_disk)  # os.fdopen's and tempfile's
            pressed = await admin.press(apply)
        assert pressed[-1].text == (
            f"❌ <b>Reload failed</b>: the disk is full, so nothing changed (version {old.version} "
            "stays live).\nStill serving the previous catalogue (28 titles).\n"
            "The upload was not applied: the previous catalogue file stays in place."
        )
        assert bot.holder.engine is old
    assert (snapshot(served_dir / "raw"), snapshot(served_dir / "processed")) == before
    assert list(served_dir.rglob(".*")) == []


def test_the_bot_starts_by_deleting_what_killed_changes_left(served_dir, bot_settings):
    """A half-written version, temporary pointer and history files, and a staged upload past its
    expiry go at start-up; a staged upload still waiting for its admin stays."""
    processed, catalogues = served_dir / "processed", served_dir / "raw" / "catalogues"
    raw = snapshot(served_dir / "raw")
    staging = processed / "versions" / ".staging-k1ll3d"
    staging.mkdir()
    (staging / "catalogue.pkl").write_bytes(bytes(1 << 20))
    (processed / ".CURRENT.ab1cd2ef").write_text("half")
    (catalogues / "history").mkdir()
    (catalogues / "history" / ".netflix_titles.20260101T000000Z.csv.x8y9z0ab").write_text("half")
    state = served_dir / "state"
    stale = stage_upload(served_dir / "raw", state, edited_netflix(), "n.csv", "netflix").token
    day_ago = time.time() - STAGED_SECONDS - 60
    for path in (state / "uploads").glob(f"{stale}.*"):
        os.utime(path, (day_ago, day_ago))
    waiting = stage_upload(served_dir / "raw", state, edited_netflix(), "n.csv", "netflix").token
    reload.load_engine(bot_settings(served_dir), io.StringIO())
    assert not staging.exists()
    assert sorted(path.name for path in processed.iterdir()) == ["CURRENT", "versions"]
    assert snapshot(served_dir / "raw") == raw
    assert sorted(path.name for path in (state / "uploads").iterdir()) == [
        f"{waiting}.csv",
        f"{waiting}.json",
    ]


def test_an_engine_is_ready_only_once_it_finds_its_own_titles(
    built: BuiltData, monkeypatch: pytest.MonkeyPatch
):
    engine = Engine.load(built.processed_dir)
    assert reload.ready(engine) is engine
    assert engine.catalogue.longest(2014)  # prepared too

    broken = Engine.load(built.processed_dir)
    monkeypatch.setattr(broken, "_candidates", lambda text, limit: ())  # a matcher finding nothing
    with pytest.raises(reload.ReloadError, match="does not find its own titles"):
        reload.ready(broken)
