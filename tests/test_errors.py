"""``EtlError`` (etl/errors.py): one message naming the file, then the row and column if known."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.errors import EtlError


@pytest.mark.parametrize(
    ("path", "row", "column", "where"),
    [
        ("/srv/data/raw/catalogues/hulu_titles.csv", None, None, "catalogues/hulu_titles.csv"),
        ("raw/catalogues/hulu_titles.csv", 7, None, "catalogues/hulu_titles.csv, row 7"),
        (
            "raw/catalogues/hulu_titles.csv",
            1,
            "title",
            "catalogues/hulu_titles.csv, row 1, column 'title'",
        ),
        ("hulu_titles.csv", None, None, "hulu_titles.csv"),
        ("/", None, None, "/"),
    ],
)
def test_message_names_file_row_and_column(
    path: str, row: int | None, column: str | None, where: str
) -> None:
    error = EtlError(path, "file not found", row=row, column=column)
    assert str(error) == f"{where}: file not found"
    assert error.path == Path(path)
    assert (error.row, error.column, error.reason) == (row, column, "file not found")
