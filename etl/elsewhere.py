"""Works known but not carried: what the bot can say about a title none of the platforms has.

Two sources. The score files list some 22,000 works, with genres, directors, countries and
length for movies; those that join no catalogue work are known but not carried. And
``titles_elsewhere.csv``, an editorial table in ``data/raw/``, names well-known works that
neither the catalogue nor the score files hold (Interstellar, Game of Thrones), each with its
real year, genres (IMDb's names, comma-separated), directors and countries, and the other
names people ask for it by (``aliases``, ``;``-separated: "El padrino").

``known_elsewhere`` puts them into one table (see ``ELSEWHERE_TABLE_COLUMNS``) that
``recommender.elsewhere.KnownWorks`` indexes by title.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ftfy
import pandas as pd

from etl.errors import EtlError
from etl.extract import read_csv
from etl.genres import canonical_genres
from etl.lexicon import MAX_ROWS, WorkRow, check_once, check_work_name
from etl.scores import SCORE_SOURCES, parse_imdb
from recommender.elsewhere import ELSEWHERE_TABLE_COLUMNS, SOURCES
from recommender.text import fold, normalize_title

ELSEWHERE_FILE = "titles_elsewhere.csv"
ELSEWHERE_COLUMNS = ("title", "year", "type", "genres", "directors", "countries", "aliases")
ALIAS_SEPARATOR = ";"
# What the score files give of a work beyond its title, year and score; the TV file has none.
_FACT_COLUMNS = {"Directors": "directors", "Genres": "genres", "Country": "countries"}
# A score file's year this close to a catalogue work's, of the same title, is that work.
YEAR_SLACK = 1


@dataclass(frozen=True)
class ElsewhereRow(WorkRow):
    """One row of ``titles_elsewhere.csv``: a work none of the platforms has, and its facts."""

    genres: str
    directors: str
    countries: str
    aliases: str


def load_elsewhere(raw_dir: Path) -> list[ElsewhereRow]:
    """The rows of ``raw_dir/titles_elsewhere.csv``.

    Raises ``EtlError`` naming the row and column of an empty title, a year that is not one,
    a type other than ``movie`` or ``tv show``, genres none of which is a genre, a movie
    without a director, an empty name in a list, or a work listed twice.
    """
    path = raw_dir / ELSEWHERE_FILE
    frame, _ = read_csv(path, ELSEWHERE_COLUMNS, max_rows=MAX_ROWS)
    table: list[ElsewhereRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    columns = [frame[column] for column in ELSEWHERE_COLUMNS]
    for row, values in enumerate(zip(*columns, strict=True), start=2):
        title, year, kind, genres, directors, countries, aliases = values
        check_work_name(path, row, title, year, kind)
        if not canonical_genres(genres):
            raise EtlError(path, f"{genres!r} names no genre", row=row, column="genres")
        if kind == "movie" and not directors.strip():
            raise EtlError(path, "a movie needs its director", row=row, column="directors")
        lists = {"genres": (genres, ","), "directors": (directors, ",")}
        lists |= {"countries": (countries, ","), "aliases": (aliases, ALIAS_SEPARATOR)}
        for column, (text, separator) in lists.items():
            if text and not all(normalize_title(name) for name in text.split(separator)):
                message = f"{text!r} holds an empty name"
                raise EtlError(path, message, row=row, column=column)
        entry = ElsewhereRow(row, title, int(year), kind, genres, directors, countries, aliases)
        key = (fold(title), year, kind)
        check_once(path, seen, key, row, "title", entry.name)
        table.append(entry)
    return table


def _score_facts(scores_dir: Path) -> pd.DataFrame:
    """Every work of the score files, one row per title, year and type, with its facts."""
    frames = []
    for file_name, item_type in SCORE_SOURCES:
        raw, _ = read_csv(scores_dir / file_name, ("Title", "Year", "IMDb"))
        facts = {
            ours: raw[theirs].map(ftfy.fix_text) if theirs in raw else ""
            for theirs, ours in _FACT_COLUMNS.items()
        }
        minutes = raw["Runtime"] if "Runtime" in raw else pd.Series("", index=raw.index)
        frames.append(
            pd.DataFrame(
                {
                    "title": raw["Title"].map(ftfy.fix_text).str.strip(),
                    "year": pd.to_numeric(raw["Year"], errors="coerce"),
                    "type": item_type,
                    **facts,
                    "minutes": pd.to_numeric(minutes, errors="coerce"),
                    "score": parse_imdb(raw["IMDb"]),
                    "aliases": "",
                    "source": SOURCES[0],
                }
            )
        )
    works = pd.concat(frames, ignore_index=True).dropna(subset=["year"])
    works = works[works["title"].map(normalize_title) != ""]
    return works.drop_duplicates(["title", "year", "type"]).astype({"year": "int64"})


def _carried(works: pd.DataFrame, catalogue: pd.DataFrame) -> pd.Series:
    """Which of ``works`` the catalogue carries: a work of the same title key (its title or
    another name of it) dated within ``YEAR_SLACK`` years, whatever the type (the score files
    type some works otherwise), or a TV show of the same title key, whatever the years (a
    series is dated by its first season or by its latest)."""
    names = catalogue[["title_key", "release_year", "type"]]
    other_names = catalogue[["aliases", "release_year", "type"]].assign(
        title_key=catalogue["aliases"].str.split("\n")
    )
    other_names = other_names.explode("title_key").dropna(subset=["title_key"])
    other_names["title_key"] = other_names["title_key"].map(normalize_title)
    ours = pd.concat([names, other_names[["title_key", "release_year", "type"]]])
    ours = ours[ours["title_key"] != ""].drop_duplicates()
    keyed = works.assign(title_key=works["title"].map(normalize_title)).reset_index()
    pairs = keyed.merge(ours, on="title_key", suffixes=("", "_ours"))
    series = (pairs["type"] == "tv show") & (pairs["type_ours"] == "tv show")
    same = ((pairs["release_year"] - pairs["year"]).abs() <= YEAR_SLACK) | series
    return works.index.isin(pairs.loc[same, "index"])


def known_elsewhere(
    works: pd.DataFrame, scores_dir: Path, editorial: list[ElsewhereRow]
) -> tuple[pd.DataFrame, list[str]]:
    """The works the score files and ``editorial`` know that no catalogue work is, as
    ``ELSEWHERE_TABLE_COLUMNS``, and the editorial rows skipped because the catalogue
    carries them (the file is written against one catalogue; an upload may add the work).

    ``works`` is the ETL's works table, with its ``aliases``. Genres become the catalogue's
    genre words; an editorial row stands in for a score file row of its title, year and type.
    """
    edited = pd.DataFrame(
        {
            "title": [entry.title for entry in editorial],
            "year": pd.Series([entry.year for entry in editorial], dtype="int64"),
            "type": [entry.type for entry in editorial],
            "directors": [entry.directors for entry in editorial],
            "genres": [entry.genres for entry in editorial],
            "countries": [entry.countries for entry in editorial],
            "minutes": pd.Series([float("nan")] * len(editorial), dtype="float64"),
            "score": pd.Series([float("nan")] * len(editorial), dtype="float64"),
            "aliases": [entry.aliases.replace(ALIAS_SEPARATOR, "\n") for entry in editorial],
            "source": SOURCES[1],
        }
    )
    carried = _carried(edited, works)
    skipped = [
        f"{entry.name}: the catalogue carries it"
        for entry, is_carried in zip(editorial, carried, strict=True)
        if is_carried
    ]
    scored = _score_facts(scores_dir)
    scored = scored[~_carried(scored, works)]
    key = ["title", "year", "type"]
    kept = edited[~carried]
    # An editorial row keeps the score file's score, where it has one.
    scores = scored.set_index(key)["score"]
    kept = kept.assign(score=kept.set_index(key).index.map(scores).astype("float64"))
    scored = scored[~scored.set_index(key).index.isin(kept.set_index(key).index)]
    table = pd.concat([kept, scored], ignore_index=True)
    table["genres"] = table["genres"].map(canonical_genres)
    for column in ("directors", "countries"):
        table[column] = table[column].fillna("").str.strip()
    table["minutes"] = table["minutes"].where(table["minutes"] > 0).astype("Int64")
    table["score"] = table["score"].round(2)
    return table[list(ELSEWHERE_TABLE_COLUMNS)].reset_index(drop=True), skipped
