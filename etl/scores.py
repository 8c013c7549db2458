"""Audience scores (IMDb, 0-10): title normalisation and the join onto the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ftfy
import numpy as np
import pandas as pd

from etl.extract import read_csv
from recommender.text import normalize_title

# Which score file feeds which catalogue type.
SCORE_SOURCES = (
    ("MoviesOnStreamingPlatforms_updated.csv", "movie"),
    ("tv_shows.csv", "tv show"),
)
SCORE_COLUMNS = ("Title", "Year", "IMDb")
KEY = ["title_key", "release_year", "type"]


@dataclass
class ScoreTable:
    """One averaged IMDb score per (title key, year, type), plus what reading it repaired."""

    scores: pd.DataFrame
    rows_in: int
    mojibake_repaired: int
    bom_stripped: int


def parse_imdb(values: pd.Series) -> pd.Series:
    """``"8.8"`` and ``"9.4/10"`` become floats; anything else, or outside 0-10, is missing."""
    number = pd.to_numeric(values.str.strip().str.split("/").str[0], errors="coerce")
    return number.where(number.between(0, 10))


def load_scores(scores_dir: Path) -> ScoreTable:
    """Read every score source, repair its mojibake with ftfy, and average duplicate keys."""
    frames, rows_in, repaired, boms = [], 0, 0, 0
    for file_name, item_type in SCORE_SOURCES:
        raw, had_bom = read_csv(scores_dir / file_name, SCORE_COLUMNS)
        fixed = raw["Title"].map(ftfy.fix_text)
        repaired += int((fixed != raw["Title"]).sum())
        boms += had_bom
        rows_in += len(raw)
        frames.append(
            pd.DataFrame(
                {
                    "title_key": fixed.map(normalize_title),
                    "release_year": pd.to_numeric(raw["Year"], errors="coerce"),
                    "type": item_type,
                    "score": parse_imdb(raw["IMDb"]),
                }
            )
        )
    scores = pd.concat(frames, ignore_index=True)
    scores = scores[(scores["title_key"] != "") & scores["release_year"].notna()]
    scores = scores.dropna(subset=["score"]).astype({"release_year": "int64"})
    averaged = scores.groupby(KEY, as_index=False, sort=True)["score"].mean()
    return ScoreTable(averaged, rows_in, repaired, boms)


def join_scores(catalogue: pd.DataFrame, table: ScoreTable) -> pd.DataFrame:
    """Add ``score`` and ``score_match`` (``exact``, ``year±1`` or missing) to the catalogue.

    The baseline matches on (title key, release year, type). The fallback accepts a release
    year one off when the title key (with its type) has exactly one year on both sides.
    """
    keyed = catalogue[KEY].reset_index()
    exact = keyed.merge(table.scores, on=KEY, how="left").set_index("index")["score"]
    exact = exact.where(catalogue["title_key"] != "")

    def single_year(frame: pd.DataFrame) -> pd.DataFrame:
        years = frame.groupby(["title_key", "type"])["release_year"].agg(["nunique", "first"])
        return years[years["nunique"] == 1]["first"].rename("year")

    ours = single_year(catalogue[catalogue["title_key"] != ""])
    theirs = single_year(table.scores)
    pairs = pd.concat([ours, theirs.rename("their_year")], axis=1, join="inner")
    pairs = pairs[(pairs["year"] - pairs["their_year"]).abs() == 1].reset_index()
    fallback_scores = pairs.merge(
        table.scores.rename(columns={"release_year": "their_year"}),
        on=["title_key", "type", "their_year"],
    )[["title_key", "type", "score"]]
    fallback = keyed.merge(fallback_scores, on=["title_key", "type"], how="left").set_index(
        "index"
    )["score"]
    result = catalogue.copy()
    result["score"] = exact.combine_first(fallback).astype("float64").round(2)
    result["score_match"] = (
        pd.Series(
            np.select([exact.notna(), fallback.notna()], ["exact", "year±1"], default=""),
            index=catalogue.index,
        )
        .replace("", pd.NA)
        .astype("string")
    )
    return result
