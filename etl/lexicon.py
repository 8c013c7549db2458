"""The word tables plot search reads: Spanish words to English ones, English words to related
ones, and the keywords of well-known works.

The first two are two-column CSV files in ``data/raw/``, written by hand: one lowercase word a
row, and the words it stands for, space-separated. ``recommender.plot.PlotIndex`` takes them as
mappings. The third, ``plot_keywords_en.csv``, is editorial: what viewers remember of a work
(its characters, places, real people, the premise in everyday words) when its synopsis does
not say it. The ETL adds them to the works as a ``keywords`` field that only the plot index
reads; nothing shows them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etl.errors import EtlError
from etl.extract import read_csv
from recommender.text import fold

LEXICON_FILE = "lexicon_es_en.csv"
LEXICON_COLUMNS = ("spanish", "english")
SYNONYMS_FILE = "synonyms_en.csv"
SYNONYMS_COLUMNS = ("word", "related")
KEYWORDS_FILE = "plot_keywords_en.csv"
KEYWORDS_COLUMNS = ("title", "year", "type", "keywords")
WORK_TYPES = ("movie", "tv show")
# The tables are a few thousand rows at most; a larger file is not one of them.
MAX_ROWS = 20_000
_WORD = re.compile(r"[a-záéíóúüñ]+")
_WORDS = re.compile(r"[a-z]+(?: [a-z]+)*")
_YEAR = re.compile(r"[0-9]{4}")


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
        check_once(path, seen, fold(word), row, key, repr(word))
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


@dataclass(frozen=True)
class WorkRow:
    """A row of an editorial table that names a work as the catalogue names it: its
    ``title_display``, ``release_year`` and ``type``."""

    row: int
    title: str
    year: int
    type: str

    @property
    def name(self) -> str:
        return f"{self.title!r} ({self.year}, {self.type})"


@dataclass(frozen=True)
class PlotKeywords(WorkRow):
    """One row of ``plot_keywords_en.csv``: a work and the words viewers remember it by,
    comma-separated."""

    keywords: str


def check_once(path: Path, seen: dict, key: object, row: int, column: str, what: str) -> None:
    """Raise ``EtlError`` naming ``row`` and ``column`` when ``key`` was on an earlier row of
    ``seen`` (``what`` is how the message names it); else remember it on ``row``."""
    if key in seen:
        raise EtlError(
            path, f"{what} is listed twice (row {seen[key]} too)", row=row, column=column
        )
    seen[key] = row


def check_work_name(path: Path, row: int, title: str, year: str, kind: str) -> None:
    """Raise ``EtlError`` naming ``row`` and the column of an empty title, a year that is not
    one, or a type other than ``movie`` or ``tv show``."""
    if not title.strip():
        raise EtlError(path, "the title is empty", row=row, column="title")
    if not _YEAR.fullmatch(year):
        raise EtlError(path, f"{year!r} is not a year", row=row, column="year")
    if kind not in WORK_TYPES:
        message = f"{kind!r} is not one of {', '.join(map(repr, WORK_TYPES))}"
        raise EtlError(path, message, row=row, column="type")


def load_keywords(raw_dir: Path) -> list[PlotKeywords]:
    """The rows of ``raw_dir/plot_keywords_en.csv``, the editorial keywords of well-known works.

    Raises ``EtlError`` naming the row and column of an empty title, a year that is not one,
    a type other than ``movie`` or ``tv show``, keywords that are not lowercase or hold an
    empty one, or a work listed twice. Whether each row names a work of the catalogue is
    ``keywords_of_works``'s to say.
    """
    path = raw_dir / KEYWORDS_FILE
    frame, _ = read_csv(path, KEYWORDS_COLUMNS, max_rows=MAX_ROWS)
    table: list[PlotKeywords] = []
    seen: dict[tuple[str, str, str], int] = {}
    columns = [frame[column] for column in KEYWORDS_COLUMNS]
    for row, (title, year, kind, keywords) in enumerate(zip(*columns, strict=True), start=2):
        check_work_name(path, row, title, year, kind)
        if keywords != keywords.lower():
            raise EtlError(path, f"{keywords!r} is not lowercase", row=row, column="keywords")
        # A keyword without a letter or digit is a stray comma, or nothing at all.
        if not all(any(char.isalnum() for char in word) for word in keywords.split(",")):
            message = f"{keywords!r} has an empty keyword"
            raise EtlError(path, message, row=row, column="keywords")
        entry = PlotKeywords(row, title, int(year), kind, keywords)
        check_once(path, seen, (title, year, kind), row, "title", entry.name)
        table.append(entry)
    return table


def keywords_of_works(
    works: pd.DataFrame, table: list[PlotKeywords], path: Path
) -> tuple[np.ndarray, list[EtlError]]:
    """The keywords of each row of ``works`` (``""`` for none), and the rows of ``table`` that
    name no work, or several, each as the ``EtlError`` that says so (see ``rows_of_works``)."""
    keywords = np.full(len(works), "", dtype=object)
    found, problems = rows_of_works(works, table, path)
    for entry, position in zip(table, found, strict=True):
        if position is not None:
            keywords[position] = entry.keywords
    return keywords, problems


def rows_of_works(
    works: pd.DataFrame, table: Sequence[WorkRow], path: Path
) -> tuple[list[int | None], list[EtlError]]:
    """The row of ``works`` each entry of ``table`` names (``None`` for none, or several),
    and the entries that name no work, or several, each as the ``EtlError`` that says so.

    A row names a work by its ``title_display``, ``release_year`` and ``type``. One that names
    none is skipped rather than refused: the catalogue changes under the table (a series'
    year is its latest season's), and an upload must not wait on an editorial row.
    """
    keys = zip(works["title_display"], works["release_year"], works["type"], strict=True)
    rows_of: dict[tuple[str, int, str], list[int]] = {}
    versions: dict[str, list[tuple[int, str]]] = {}
    for position, (title, year, kind) in enumerate(keys):
        rows_of.setdefault((title, int(year), kind), []).append(position)
        versions.setdefault(title, []).append((int(year), kind))
    positions: list[int | None] = []
    problems = []
    for entry in table:
        found = rows_of.get((entry.title, entry.year, entry.type), [])
        positions.append(found[0] if len(found) == 1 else None)
        if len(found) == 1:
            continue
        others = sorted(versions.get(entry.title, []))
        if found:
            message, column = f"{entry.name} is {len(found)} works of the catalogue", "title"
        elif others:
            listed = "; ".join(f"{year}, {kind}" for year, kind in others)
            message = f"{entry.name} is no work of the catalogue, which has it as ({listed})"
            column = "type" if any(year == entry.year for year, _ in others) else "year"
        else:
            message, column = f"{entry.name} is no work of the catalogue", "title"
        problems.append(EtlError(path, message, row=entry.row, column=column))
    return positions, problems
