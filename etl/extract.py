"""Reading raw CSV files strictly, with errors that name the file, row and column.

Raw files come from third parties, so their shape is checked before pandas builds a table:
pandas keeps a block per column and an object per cell, and a file of a few megabytes with
hundreds of thousands of columns, or millions of one-field rows, takes gigabytes. The check
reads one record at a time with the csv module, and splits no more of a record than
``MAX_ROW_CHARS``, so a hostile file costs a few times its size, whatever its shape.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from etl.errors import EtlError

# The raw catalogues have 12 columns and the score files 17; their longest value (a Hulu
# description) is 1,870 characters and their longest row 3.5 KB. A row is held to the csv
# module's own limit on a value, so that limit never refuses a file without naming why.
MAX_COLUMNS = 64
MAX_VALUE_CHARS = 4096
MAX_ROW_CHARS = 128 * 1024
# A line and its end, as the csv module and pandas see lines.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


class MissingColumns(EtlError):
    """A file that lacks a column the ETL reads; ``column`` lists every missing one."""


def read_csv(
    path: Path, required: tuple[str, ...], max_rows: int | None = None
) -> tuple[pd.DataFrame, bool]:
    """Read ``path`` as UTF-8 text with every value a string ('' when empty).

    Returns the frame and whether a UTF-8 byte-order mark was stripped. Every row has the
    header's number of fields; a row with one more, empty (the trailing comma of some
    spreadsheet exports), is read without it.
    Raises ``EtlError`` when the file is missing, not UTF-8, malformed, lacks a column, is
    over a limit (``MAX_COLUMNS``, ``MAX_VALUE_CHARS``, ``MAX_ROW_CHARS``, ``max_rows``).
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
    if not text or text.isspace():
        raise EtlError(path, "the file is empty")
    if "\x00" in text:
        raise EtlError(path, "the file holds binary data, not CSV text")
    width = _check_shape(text, path, max_rows)
    del text  # pandas reads the bytes
    try:
        # index_col=False: a first column is never taken for an index, whatever the rows'
        # widths; usecols drops the empty field of a trailing comma, which _check_shape saw.
        frame = pd.read_csv(
            io.BytesIO(raw),  # shares the bytes: a StringIO would copy the text at 4 B a character
            encoding="utf-8-sig",
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_MINIMAL,
            index_col=False,
            usecols=range(width),
        )
    except pd.errors.ParserError as error:
        # pandas says "line N" (1-based) or "row N" (0-based, the header being row 0).
        match = re.search(r"\b(line|row) (\d+)", str(error))
        row = int(match.group(2)) + (match.group(1) == "row") if match else None
        raise EtlError(path, f"malformed CSV ({_first_line(error)})", row=row) from None
    frame.columns = [str(column).strip() for column in frame.columns]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise MissingColumns(path, "required column is missing", row=1, column=", ".join(missing))
    return frame, had_bom


def _check_shape(text: str, path: Path, max_rows: int | None) -> int:
    """The header's number of fields, once every row is within the limits and that wide."""
    rows = _records(text, path)
    first = next(rows, None)
    if first is None:
        raise EtlError(path, "the file is empty")
    _, header, cut = first
    if len(header) > MAX_COLUMNS:
        more = "more than " if cut else ""
        raise EtlError(path, f"{more}{len(header):,} columns; a file has at most {MAX_COLUMNS}", 1)
    width = len(header)
    for row, record, cut in itertools.chain([first], rows):
        if max_rows is not None and row - 1 > max_rows:
            raise EtlError(path, f"more than {max_rows:,} rows", row=row)
        # One more field is allowed when it is empty: a trailing comma.
        extra = len(record) - width - (len(record) == width + 1 and record[-1] == "")
        if extra > 0 or (extra < 0 and not cut):
            fields = f"{'at least ' if cut else ''}{len(record):,} field" + "s" * (len(record) > 1)
            raise EtlError(path, f"malformed CSV (the row has {fields}, the header {width})", row)
        if max(map(len, record), default=0) > MAX_VALUE_CHARS:
            position, value = next((i, v) for i, v in enumerate(record) if len(v) > MAX_VALUE_CHARS)
            raise EtlError(
                path,
                f"a value of {'over ' if cut else ''}{len(value):,} characters; "
                f"at most {MAX_VALUE_CHARS:,}",
                row,
                header[position].strip() if position < width and row > 1 else None,
            )
        if cut:
            raise EtlError(path, f"the row is longer than {MAX_ROW_CHARS:,} characters", row)
    return width


class _RowTooLong(Exception):
    """The record being read has passed ``MAX_ROW_CHARS``."""


def _records(text: str, path: Path) -> Iterator[tuple[int, list[str], bool]]:
    """The records of ``text`` that are not blank lines: ``(row, fields, cut)``, the header
    being row 1.

    The csv module asks for a record's lines one at a time. A record whose lines pass
    ``MAX_ROW_CHARS`` is not read whole: its first ``MAX_ROW_CHARS`` characters are split
    instead, it comes with ``cut`` true, and it is the last.
    """
    row, record = 1, []  # the lines of the record being read

    def lines() -> Iterator[str]:
        length = 0
        for match in _LINE.finditer(text):
            line = match.group()
            if not record:
                length = 0
            length += len(line)
            if length > MAX_ROW_CHARS:
                record.append(line[: len(line) - (length - MAX_ROW_CHARS)])
                raise _RowTooLong
            record.append(line)
            yield line

    reader = csv.reader(lines(), strict=True)
    while True:
        try:
            fields = next(reader, None)
        except _RowTooLong:
            head = io.StringIO("".join(record), newline="")
            yield row, next(csv.reader(head), []), True
            return
        except csv.Error as error:
            raise EtlError(path, f"malformed CSV ({error})", row=row) from None
        if fields is None:
            return
        record.clear()
        if len(fields) > 1 or (fields and fields[0].strip()):  # pandas skips blank lines too
            yield row, fields, False
            row += 1


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
