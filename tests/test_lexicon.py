"""The word tables of plot search (etl/lexicon.py): read strictly, each fault named by its row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.errors import EtlError
from etl.lexicon import LEXICON_COLUMNS, load_lexicon, load_synonyms, read_word_table


def test_the_fixture_tables_load(fixture_raw: Path) -> None:
    lexicon = load_lexicon(fixture_raw)
    assert lexicon["profesor"] == "teacher professor"
    assert load_synonyms(fixture_raw)["cop"] == "police detective"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("Profesor,teacher\n", "row 2, column 'spanish': 'Profesor' is not one lowercase word"),
        ("la casa,house\n", "row 2, column 'spanish': 'la casa' is not one lowercase word"),
        ("casa,house\ncasa,home\n", "row 3, column 'spanish': 'casa' is listed twice (row 2 too)"),
        ("química,chemistry\nquimica,chemistry\n", "row 3, column 'spanish': 'quimica' is listed"),
        ("casa,House\n", "row 2, column 'english': 'House' is not lowercase English words"),
        ("casa,\n", "row 2, column 'english': '' is not lowercase English words"),
        ("casa,house  home\n", "row 2, column 'english': 'house  home' is not lowercase"),
    ],
)
def test_a_bad_row_is_named(tmp_path: Path, rows: str, message: str) -> None:
    path = tmp_path / "lexicon_es_en.csv"
    path.write_text("spanish,english\n" + rows)
    with pytest.raises(EtlError, match=re.escape(message)):
        read_word_table(path, LEXICON_COLUMNS)


def test_a_missing_table_is_named(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match=re.escape("lexicon_es_en.csv: file not found")):
        load_lexicon(tmp_path)
