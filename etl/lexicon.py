"""The word tables plot search reads: Spanish words to English ones, English words to related ones.

Both are two-column CSV files in ``data/raw/``, written by hand: one lowercase word a row, and
the words it stands for, space-separated. ``recommender.plot.PlotIndex`` takes them as mappings.
"""

from __future__ import annotations

import re
from pathlib import Path

from etl.errors import EtlError
from etl.extract import read_csv
from recommender.text import fold

LEXICON_FILE = "lexicon_es_en.csv"
LEXICON_COLUMNS = ("spanish", "english")
SYNONYMS_FILE = "synonyms_en.csv"
SYNONYMS_COLUMNS = ("word", "related")
# The tables are a few thousand rows at most; a larger file is not one of them.
MAX_ROWS = 20_000
_WORD = re.compile(r"[a-záéíóúüñ]+")
_WORDS = re.compile(r"[a-z]+(?: [a-z]+)*")


def read_word_table(path: Path, columns: tuple[str, str]) -> dict[str, str]:
    """The ``word -> words`` table in ``path``, whose header is ``columns``.

    Raises ``EtlError`` naming the row and column of a word that is not one lowercase word
    (Spanish letters allowed), of a word listed twice (accents aside), or of words that are
    not lowercase English words.
    """
    key, value = columns
    frame, _ = read_csv(path, columns, max_rows=MAX_ROWS)
    table: dict[str, str] = {}
    seen: dict[str, int] = {}
    for row, (word, words) in enumerate(zip(frame[key], frame[value], strict=True), start=2):
        if not _WORD.fullmatch(word):
            raise EtlError(path, f"{word!r} is not one lowercase word", row=row, column=key)
        if fold(word) in seen:
            message = f"{word!r} is listed twice (row {seen[fold(word)]} too)"
            raise EtlError(path, message, row=row, column=key)
        if not _WORDS.fullmatch(words):
            message = f"{words!r} is not lowercase English words, space-separated"
            raise EtlError(path, message, row=row, column=value)
        seen[fold(word)] = row
        table[word] = words
    return table


def load_lexicon(raw_dir: Path) -> dict[str, str]:
    """Spanish word to English words, from ``raw_dir/lexicon_es_en.csv``."""
    return read_word_table(raw_dir / LEXICON_FILE, LEXICON_COLUMNS)


def load_synonyms(raw_dir: Path) -> dict[str, str]:
    """English word to related English words, from ``raw_dir/synonyms_en.csv``."""
    return read_word_table(raw_dir / SYNONYMS_FILE, SYNONYMS_COLUMNS)
