"""The bot's half of an upload's dry run: the rows an upload would serve meet the reply
buttons and the /stats charts before they are applied, so a row that would break replies
for everyone once live is refused with a reason instead.

``etl`` cannot import the bot, so ``stage_upload`` takes ``check_upload`` as its ``check``.
"""

from __future__ import annotations

import logging
import textwrap

import numpy as np

from bot.charts import overview_chart, platform_chart
from bot.chat import callbacks
from bot.chat.i18n import EN
from etl.upload import UploadError, UploadRows
from recommender.catalogue import Catalogue

logger = logging.getLogger(__name__)


def check_upload(rows: UploadRows) -> None:
    """Raise ``UploadError`` (code ``unservable``) naming the file, row and column of the
    first row whose buttons cannot be made, or the file when the charts cannot be drawn."""
    _check_buttons(rows)
    _check_charts(rows)


def _check_buttons(rows: UploadRows) -> None:
    """Every button that carries a record id, at its longest, must encode and decode back."""
    letter = rows.platform.letter
    for file_row, record_id in zip(rows.file_rows, rows.frame["id"], strict=True):
        try:
            data = (
                callbacks.encode_recommend(
                    record_id, callbacks.MAX_OFFSET, letter, "tv show", everywhere=True
                ),
                callbacks.encode_more(record_id, letter, "tv show", everywhere=True),
                callbacks.encode_info(record_id),
                callbacks.encode_title(record_id),
                callbacks.encode_where(record_id),
            )
        except ValueError:  # over Telegram's 64 bytes
            data = ()
        choices = [callbacks.decode(one) for one in data]
        if not choices or any(
            choice is None or choice.intent.args["record_id"] != record_id for choice in choices
        ):
            raise UploadError(
                "unservable",
                f"the id {record_id!r} cannot go into a button",
                rows.filename,
                int(file_row),
                "show_id",
            )


def _check_charts(rows: UploadRows) -> None:
    """The overview, where the platform's name is drawn, and the platform's own chart, where
    its genres, ratings and countries are. The other platforms' rows would only change the
    bars' lengths, so they are left out: the check costs the upload's size, not the
    catalogue's."""
    try:
        catalogue = Catalogue(rows.frame.assign(score=np.nan), rows.registry)
        overview_chart(catalogue, EN)
        platform_chart(catalogue, rows.platform.name, EN)
    except Exception as error:
        # Whatever the drawing trips on, the admin hears it now rather than everyone later.
        logger.warning("the charts cannot be drawn with %s", rows.filename, exc_info=True)
        detail = textwrap.shorten(f"{type(error).__name__}: {error}", 200)
        raise UploadError(
            "unservable",
            f"the /stats charts cannot be drawn with its rows ({detail})",
            rows.filename,
        ) from error
