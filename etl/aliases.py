"""Other names of works: ``titles_alt.csv``, an editorial table in ``data/raw/``.

Each row names a work as the catalogue names it (``title``, ``year``, ``type``) and one other
name people know it by (``alias``) in one language (``lang``): the English name of a work the
catalogue keeps under its original one ("Money Heist" for *La casa de papel*), or a Spanish
name of an English title, Latin American (``es-419``) or Spain's (``es-ES``) where they
differ. The ETL adds them to the works as an ``aliases`` field that the title matcher
indexes beside the title.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etl.errors import EtlError
from etl.extract import read_csv
from etl.lexicon import MAX_ROWS, WorkRow, check_once, check_work_name, rows_of_works
from recommender.text import fold, normalize_title

ALIASES_FILE = "titles_alt.csv"
ALIAS_COLUMNS = ("title", "year", "type", "alias", "lang")
LANGUAGES = ("en", "es-419", "es-ES")
# A work's names in the ``aliases`` field, which no name holds (names are one line).
ALIAS_SEPARATOR = "\n"
# Longer than any real title: a longer one is a pasted paragraph.
MAX_ALIAS_CHARS = 200


@dataclass(frozen=True)
class Alias(WorkRow):
    """One row of ``titles_alt.csv``: a work and one other name of it, in ``lang``."""

    alias: str
    lang: str


def load_aliases(raw_dir: Path) -> list[Alias]:
    """The rows of ``raw_dir/titles_alt.csv``, the other names of works.

    Raises ``EtlError`` naming the row and column of an empty title, a year that is not one,
    a type other than ``movie`` or ``tv show``, an alias that is empty, longer than
    ``MAX_ALIAS_CHARS``, not one printable line or without a letter or digit, a language
    other than ``LANGUAGES``, or an alias listed twice for a work and language (case and
    accents aside).
    Whether each row names a work of the catalogue is ``aliases_of_works``'s to say.
    """
    path = raw_dir / ALIASES_FILE
    frame, _ = read_csv(path, ALIAS_COLUMNS, max_rows=MAX_ROWS)
    table: list[Alias] = []
    seen: dict[tuple[str, ...], int] = {}
    columns = [frame[column] for column in ALIAS_COLUMNS]
    for row, (title, year, kind, alias, lang) in enumerate(zip(*columns, strict=True), start=2):
        check_work_name(path, row, title, year, kind)
        if len(alias) > MAX_ALIAS_CHARS:
            message = f"the alias is longer than {MAX_ALIAS_CHARS} characters"
            raise EtlError(path, message, row=row, column="alias")
        if not alias.isprintable() or alias != alias.strip() or not normalize_title(alias):
            message = f"{alias!r} is not a name: one line, letters or digits, no outer spaces"
            raise EtlError(path, message, row=row, column="alias")
        if lang not in LANGUAGES:
            message = f"{lang!r} is not one of {', '.join(map(repr, LANGUAGES))}"
            raise EtlError(path, message, row=row, column="lang")
        entry = Alias(row, title, int(year), kind, alias, lang)
        key = (title, year, kind, fold(alias), lang)
        check_once(path, seen, key, row, "alias", f"{alias!r} ({lang}) of {entry.name}")
        table.append(entry)
    return table


def aliases_of_works(
    works: pd.DataFrame, table: list[Alias], path: Path
) -> tuple[np.ndarray, list[EtlError]]:
    """The other names of each row of ``works``, ``ALIAS_SEPARATOR``-joined (``""`` for
    none), and the rows of ``table`` that name no work, or several, each as the ``EtlError``
    that says so. Such a row is skipped, as ``rows_of_works`` explains; the same name for
    two languages is kept once.
    """
    names: list[list[str]] = [[] for _ in range(len(works))]
    found, problems = rows_of_works(works, table, path)
    for entry, position in zip(table, found, strict=True):
        if position is not None and entry.alias not in names[position]:
            names[position].append(entry.alias)
    aliases = np.array([ALIAS_SEPARATOR.join(work) for work in names], dtype=object)
    return aliases, problems
