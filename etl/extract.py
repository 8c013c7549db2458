"""Reading raw CSV files strictly, with errors that name the file, row and column."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import pandas as pd

from etl.errors import EtlError


def read_csv(path: Path, required: tuple[str, ...]) -> tuple[pd.DataFrame, bool]:
    """Read ``path`` as UTF-8 text with every value a string ('' when empty).

    Returns the frame and whether a UTF-8 byte-order mark was stripped.
    Raises ``EtlError`` when the file is missing, not UTF-8, malformed or lacks a column.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EtlError(path, "file not found") from None
    except OSError as error:
        raise EtlError(path, f"cannot read the file ({error.strerror})") from None
    had_bom = raw.startswith(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = raw[: error.start].count(b"\n") + 1
        raise EtlError(path, "not UTF-8 text (is it a CSV file?)", row=row) from None
    if not text.strip():
        raise EtlError(path, "the file is empty")
    if "\x00" in text:
        raise EtlError(path, "the file holds binary data, not CSV text")
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL
        )
    except pd.errors.ParserError as error:
        # pandas says "line N" (1-based) or "row N" (0-based, the header being row 0).
        match = re.search(r"\b(line|row) (\d+)", str(error))
        row = int(match.group(2)) + (match.group(1) == "row") if match else None
        raise EtlError(path, f"malformed CSV ({_first_line(error)})", row=row) from None
    frame.columns = [str(column).strip() for column in frame.columns]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise EtlError(path, "required column is missing", row=1, column=", ".join(missing))
    return frame, had_bom


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
