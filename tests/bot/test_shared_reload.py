"""Start-up and following with shared versions (``bot.reload`` over ``etl.shared``), on a real
PostgreSQL: an instance on an empty disk serves the live version without building it, and a
version another release's code built is rebuilt by the first instance of this code, and never
followed by an instance still running other code."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

import bot.reload
import etl.build
from bot.admin import Admin, UploadRequest
from bot.chat.replies import Reply
from bot.cli import EXIT_OK, EXIT_USAGE, main
from bot.reload import load_engine, to_follow
from bot.settings import Settings
from etl.build import input_paths
from etl.shared import SharedCatalogue, catalogue_inputs
from etl.versions import live_name
from recommender.engine import EngineHolder
from tests.bot.conftest import postgres_schema
from tests.conftest import BuiltData


@pytest.fixture
def shared(built: BuiltData) -> Iterator[SharedCatalogue]:
    """A schema of its own whose live version is the fixtures' one."""
    with postgres_schema() as url:
        catalogue = SharedCatalogue(url)
        name = live_name(built.processed_dir)
        catalogue.publish(built.processed_dir, name, built.raw_dir, input_paths(built.raw_dir))
        yield catalogue
        catalogue.close()


@pytest.fixture
def new_release(monkeypatch: pytest.MonkeyPatch) -> str:
    """This process runs another release's code than the one that built the live version."""
    new = hashlib.sha256(b"the next release").hexdigest()
    for module in (etl.build, bot.reload):
        monkeypatch.setattr(module, "code_hash", lambda: new)
    return new


def test_an_instance_on_an_empty_disk_serves_the_live_version_unbuilt(
    shared: SharedCatalogue, built: BuiltData, tmp_path: Path
):
    live = shared.live()
    err = io.StringIO()
    engine = load_engine(Settings(data_dir=tmp_path), err, shared)
    assert engine.version == live
    assert err.getvalue() == ""  # nothing built, nothing waited for
    assert live_name(tmp_path / "processed") == live
    assert (tmp_path / "raw" / "catalogues" / "netflix_titles.csv").read_bytes() == (
        built.raw_dir / "catalogues" / "netflix_titles.csv"
    ).read_bytes()
    assert to_follow(shared, engine.version) is None


def test_a_live_version_another_release_built_is_rebuilt_from_the_inputs_of_record(
    shared: SharedCatalogue, new_release: str, tmp_path: Path
):
    old = shared.live()
    assert to_follow(shared, "anything served") is None  # left to the old release's instances

    err = io.StringIO()
    engine = load_engine(Settings(data_dir=tmp_path), err, shared)
    assert f"{old} was built by other code: rebuilding it with this" in err.getvalue()
    assert engine.version == shared.live() != old
    assert shared.manifest(engine.version)["code_hash"] == new_release
    assert [version.name for version in shared.versions()] == [engine.version, old]
    assert engine.recommend("toy story").results
    assert to_follow(shared, old) == engine.version  # this code's instances follow it


def test_a_rebuild_for_this_code_that_fails_serves_the_live_version_as_built(
    shared: SharedCatalogue, new_release: str, tmp_path: Path
):
    old = shared.live()
    broken = tmp_path / "platforms.toml"
    broken.write_text("[netflix\n")  # inputs of record this code's ETL refuses
    sha, size = shared.put_file(broken)
    with shared._engine.begin() as connection:
        connection.execute(
            update(catalogue_inputs)
            .where(catalogue_inputs.c.path == "platforms.toml")
            .values(sha256=sha, size=size)
        )
    err = io.StringIO()
    engine = load_engine(Settings(data_dir=tmp_path), err, shared)
    assert "platforms.toml" in err.getvalue()
    assert f"serving {old} as built" in err.getvalue()
    assert engine.version == shared.live() == old


def test_the_command_line_lists_the_shared_versions_and_leaves_rollback_to_the_bot(
    shared: SharedCatalogue,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    live = shared.live()
    shared.serving("host-a:12", live, datetime.now(UTC))
    monkeypatch.setenv("STREAMBOT_DB", str(shared.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("STREAMBOT_DATA_DIR", str(tmp_path))  # empty: the database answers
    assert main(["versions", "--json"]) == EXIT_OK
    (version,) = json.loads(capsys.readouterr().out)
    assert (version["name"], version["live"], version["instances"]) == (live, True, ["host-a:12"])
    assert version["titles"] > 0
    assert datetime.fromisoformat(version["published_at"]).utcoffset().total_seconds() == 0

    assert main(["versions"]) == EXIT_OK
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[-1] == "serving"
    assert row.startswith(f"* {live}") and row.endswith("host-a:12")

    assert main(["rollback"]) == EXIT_USAGE
    assert "roll back with /rollback in the bot" in capsys.readouterr().err


def test_an_upload_dropped_on_one_instance_cannot_be_applied_on_another(
    shared: SharedCatalogue, built: BuiltData, tmp_path: Path
):
    """The admin flows of two instances (``bot.admin.Admin``) on folders of their own."""
    here, there = (
        Admin(
            EngineHolder(load_engine(Settings(data_dir=tmp_path / name), io.StringIO(), shared)),
            Settings(data_dir=tmp_path / name),
            shared=shared,
        )
        for name in ("here", "there")
    )
    data = (built.raw_dir / "catalogues" / "netflix_titles.csv").read_bytes()
    request = UploadRequest("netflix.csv", "netflix", "", 1)
    for admin in (here, there):
        preview = here.preview_upload(data, request, "en")
        token = _token(preview)
        assert not admin.start_upload(token, "en").alert  # either may apply it
        assert admin.cancel_upload(token, "en").text.startswith("✖️ Upload cancelled")
        for either in (here, there):  # dropped for both
            assert either.start_upload(token, "en").alert
            assert "expired" in either.apply_upload(token, "en").text


def _token(preview: Reply) -> str:
    """The staged upload's token, from its "apply" button."""
    (token,) = {button.data.split(":")[1] for row in preview.buttons for button in row}
    return token
