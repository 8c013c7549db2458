"""Hostile catalogue files sent by an admin, through the real Application and the fake Bot API:
each is refused in the dry run with a reason that names the file, row and column, or is read
as it was meant, and nothing it holds can break a reply once it is served."""

from __future__ import annotations

import time
import tracemalloc
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from bot import upload_check
from bot.chat.i18n import EN
from bot.upload_check import check_upload
from etl.upload import UploadError, UploadRows
from recommender.platforms import Platform, PlatformRegistry
from tests.bot.conftest import Call
from tests.test_extract import excel_export
from tests.test_upload import HEAT, snapshot

REFUSED = "❌ <b>Upload refused</b>: that isn't a CSV file I can read. "


@pytest.fixture
def bot_options(served_dir: Path) -> dict[str, Path]:
    """The bots of this module serve ``served_dir``, which reloads rebuild."""
    return {"data_dir": served_dir}


def netflix(data_dir: Path) -> bytes:
    """The served Netflix file: the fixture's 11 rows, with a BOM and CRLF line ends."""
    return (data_dir / "raw" / "catalogues" / "netflix_titles.csv").read_bytes()


def no_apology(calls: list[Call]) -> None:
    assert not any(EN["apology"] in call.text for call in calls)


# -- D: a file of 300,000 columns ---------------------------------------------------------------
async def test_a_file_of_300k_columns_is_refused_in_a_blink(running_bot, served_dir):
    header = netflix(served_dir).split(b"\r\n", 1)[0]
    wide = header + b"".join(b",c%d" % number for number in range(300_000))  # 2.7 MB
    before = snapshot(served_dir)

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        tracemalloc.start()
        try:
            started = time.perf_counter()
            calls = await admin.send_document(
                wide + b"\r\n" + HEAT, "netflix.csv", "/upload netflix"
            )
            seconds = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert calls[-1].text == (
            f"{REFUSED}netflix.csv, row 1: more than 20,310 columns; a file has at most 64\n"
            "Nothing changed."
        )
        # The download and its copies, its text and the text's line reader: a few times the
        # file's size, and never a table of its columns.
        assert peak < 10 * len(wide)
        assert seconds < 1
    assert snapshot(served_dir) == before


# -- E: a show_id too long for a button ---------------------------------------------------------
async def test_an_id_that_does_not_fit_a_button_is_set_aside_in_the_dry_run(bot, served_dir):
    long_id = b"s" + b"9" * 59
    upload = netflix(served_dir) + HEAT.replace(b"s12,", long_id + b",")

    admin = bot.admin()
    preview = (await admin.send_document(upload, "netflix.csv", "/upload netflix"))[-1]
    assert (
        "⚠️ 1 rows would be set aside:\n• row 13, column show_id: show_id is not 1 to 40 "
        "letters, digits, '.', '_' or '-'" in preview.text
    )
    done = await admin.press(dict(preview.buttons)["✅ Apply and reload"])
    assert done[-1].text.startswith("✅ <b>Netflix</b> updated from the upload.")
    assert not any(len(record_id) > 41 for record_id in bot.holder.engine.catalogue.records.id)
    answers = [
        *await admin.say("/where heat"),
        *await admin.say("/recommend heat"),
        *await admin.say("/info heat"),
    ]
    no_apology(answers)
    assert all(len(data.encode()) <= 64 for call in answers for _, data in call.buttons)


def test_the_dry_run_refuses_ids_its_buttons_cannot_carry():
    """The ETL sets such rows aside first; this is the bot's own check, should the two drift."""
    platform = Platform("netflix", "n", "netflix_titles.csv", "Netflix")
    ids = ["ns1", "n" + "s" * 60, "ns:3"]
    for bad in ids[1:]:
        rows = UploadRows(
            "netflix.csv",
            PlatformRegistry([platform]),
            platform,
            pd.DataFrame({"id": ["ns1", bad]}),
            pd.Index([2, 7]),
        )
        with pytest.raises(UploadError) as caught:
            check_upload(rows)
        assert str(caught.value) == (
            f"netflix.csv, row 7, column 'show_id': the id {bad!r} cannot go into a button"
        )


# -- F: a display name that matplotlib would read as mathtext ----------------------------------
async def test_a_display_name_with_dollars_is_drawn_as_typed(bot, served_dir):
    rows = netflix(served_dir).split(b"\r\n")
    upload = b"\r\n".join(rows[:4]) + b"\r\n"

    admin = bot.admin()
    calls = await admin.send_document(upload, "cash.csv", "/upload cash Cash $$ TV")
    assert calls[-1].text.startswith("📋 <b>Dry run</b> of cash.csv for Cash $$ TV")
    done = await admin.press(dict(calls[-1].buttons)["✅ Apply and reload"])
    assert done[-1].text.startswith("✅ <b>Cash $$ TV</b> updated from the upload.")
    user = bot.chat()
    overview = await user.say("/stats")
    no_apology(overview)
    (photo,) = [call for call in overview if call.method == "sendPhoto"]
    assert "Cash $$ TV" in Image.open(BytesIO(photo.files["photo"])).text["Description"]
    assert ("📊 Cash $$ TV", "stats:c") in photo.buttons
    pressed = await user.press("stats:c")
    no_apology(pressed)
    (chart,) = [call for call in pressed if call.method == "sendPhoto"]
    title = Image.open(BytesIO(chart.files["photo"])).text["Title"]
    assert title == EN["chart_platform_title"].format(platform="Cash $$ TV")


async def test_a_chart_that_cannot_be_drawn_refuses_the_upload(
    running_bot, served_dir, monkeypatch
):
    """Whatever else the charts trip on is found in the dry run, not by the users' /stats."""

    def broken(*args: object) -> None:
        raise ValueError("no glyph for you")

    monkeypatch.setattr(upload_check, "platform_chart", broken)
    before = snapshot(served_dir)

    async with running_bot(data_dir=served_dir) as bot:
        admin = bot.admin()
        calls = await admin.send_document(netflix(served_dir), "netflix.csv", "/upload netflix")
        assert calls[-1].text == (
            "❌ <b>Upload refused</b>: netflix.csv: the /stats charts cannot be drawn with its "
            "rows (ValueError: no glyph for you)\nNothing changed."
        )
    assert snapshot(served_dir) == before


# -- G: a spreadsheet export with a comma after every row ---------------------------------------
async def test_an_excel_export_is_previewed_applied_and_served(bot, served_dir):
    admin = bot.admin()
    export = excel_export(netflix(served_dir))
    preview = (await admin.send_document(export, "netflix.csv", "/upload netflix"))[-1]
    assert preview.text.startswith(
        "📋 <b>Dry run</b> of netflix.csv for Netflix: 11 rows\n"
        "➕ 0 new · ➖ 0 gone · ✏️ 0 changed · 11 the same"
    )
    done = await admin.press(dict(preview.buttons)["✅ Apply and reload"])
    assert done[-1].text.startswith("✅ <b>Netflix</b> updated from the upload.")
    assert "<b>Dick Johnson Is Dead</b> (2020)" in await admin.reply("/where dick johnson is dead")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda lines: [*lines[:3], lines[3] + b"oops", *lines[4:]],
            "netflix.csv, row 4: malformed CSV (the row has 13 fields, the header 12)",
        ),
        (
            lambda lines: [*lines[:3], lines[3].replace(b",Movie,", b',"Mov"ie,'), *lines[4:]],
            "netflix.csv, row 4: malformed CSV (',' expected after '\"')",
        ),
    ],
    ids=["value-after-the-comma", "a-stray-quote"],
)
async def test_a_broken_export_is_refused_with_its_row(bot, served_dir, edit, reason):
    lines = edit(excel_export(netflix(served_dir)).split(b"\r\n"))

    calls = await bot.admin().send_document(b"\r\n".join(lines), "netflix.csv", "/upload netflix")
    no_apology(calls)
    assert calls[-1].text.startswith(f"{REFUSED}{reason}")
