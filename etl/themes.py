"""The theme vocabulary: ``themes.csv``, an editorial bilingual table in ``data/raw/``.

Each row is a theme worth saying in a reason ("drugs", Spanish "drogas"), and the lowercase
English words and phrases, comma-separated, that evidence it in a synopsis or in a work's
editorial keywords ("drug, cartel, drug lord"). ``recommender.themes.ThemeIndex`` finds them by
their English stems; reasons name only these themes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from etl.errors import EtlError
from etl.extract import read_csv
from etl.lexicon import check_once
from recommender.plot import stems
from recommender.text import fold
from recommender.themes import Theme

THEMES_FILE = "themes.csv"
THEMES_COLUMNS = ("theme", "tema", "evidence")
# The vocabulary is a few hundred rows; a larger file is not one.
MAX_ROWS = 5_000
# What a reply prints: letters (Spanish ones too), digits, spaces, an apostrophe or a hyphen.
_NAME = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ0-9'-]+(?: [A-Za-zÁÉÍÓÚÜÑáéíóúüñ0-9'-]+)*")
# As ``recommender.plot.words`` reads a synopsis: lowercase words of letters and digits.
_PHRASE = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


@dataclass(frozen=True)
class ThemeRow:
    """One row of ``themes.csv``: a theme and the English phrases that evidence it."""

    row: int
    theme: Theme
    evidence: tuple[str, ...]


def load_themes(raw_dir: Path) -> list[ThemeRow]:
    """The rows of ``raw_dir/themes.csv``, the vocabulary of themes reasons name.

    Raises ``EtlError`` naming the row and column of a name that is empty or holds more than
    words (letters, digits, apostrophes, hyphens) separated by single spaces, a theme listed
    twice (case and accents aside), evidence that is not lowercase words, or holds an empty
    phrase, or a phrase that stems as one listed before (in that row or another), since it
    could evidence only one of them.
    """
    path = raw_dir / THEMES_FILE
    frame, _ = read_csv(path, THEMES_COLUMNS, max_rows=MAX_ROWS)
    table: list[ThemeRow] = []
    themes: dict[str, int] = {}
    phrases: dict[tuple[str, ...], tuple[int, str]] = {}
    columns = [frame[column] for column in THEMES_COLUMNS]
    for row, (english, spanish, evidence) in enumerate(zip(*columns, strict=True), start=2):
        for column, name in (("theme", english), ("tema", spanish)):
            if not _NAME.fullmatch(name):
                message = f"{name!r} is not a name: words separated by single spaces"
                raise EtlError(path, message, row=row, column=column)
        check_once(path, themes, fold(english), row, "theme", repr(english))
        found = tuple(phrase.strip() for phrase in evidence.split(","))
        for phrase in found:
            if not _PHRASE.fullmatch(phrase):
                message = f"{phrase!r} is not lowercase words separated by single spaces"
                raise EtlError(path, message, row=row, column="evidence")
            key = tuple(stems(phrase))
            if key in phrases:
                first, said = phrases[key]
                message = f"{phrase!r} stems as {said!r} of row {first}"
                raise EtlError(path, message, row=row, column="evidence")
            phrases[key] = (row, phrase)
        table.append(ThemeRow(row, Theme(english, spanish), found))
    return table
