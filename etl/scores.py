"""Audience scores (IMDb, 0-10): title normalisation and the join onto the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ftfy
import pandas as pd

from etl.extract import read_csv
from recommender.platforms import PlatformRegistry
from recommender.text import normalize_title

# Which score file feeds which catalogue type.
SCORE_SOURCES = (
    ("MoviesOnStreamingPlatforms_updated.csv", "movie"),
    ("tv_shows.csv", "tv show"),
)
SCORE_COLUMNS = ("Title", "Year", "IMDb")
KEY = ["title_key", "release_year", "type"]
#: The joins of ``join_scores``, in the order they are tried: the ``score_match`` values.
SCORE_JOINS = ("exact", "year±1", "first year")


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


def _unique_title_pairs(catalogue: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """(title key, type) pairs with one release year in the catalogue and one in the scores."""

    def single_year(frame: pd.DataFrame) -> pd.Series:
        years = frame.groupby(["title_key", "type"])["release_year"].agg(["nunique", "first"])
        return years[years["nunique"] == 1]["first"]

    ours = single_year(catalogue[catalogue["title_key"] != ""]).rename("year")
    theirs = single_year(scores).rename("their_year")
    return pd.concat([ours, theirs], axis=1, join="inner").reset_index()


def join_scores(catalogue: pd.DataFrame, table: ScoreTable) -> pd.DataFrame:
    """Add ``score``, ``score_match`` and ``first_year`` to the catalogue.

    Joins are tried in order, the first that matches wins:

    - ``exact``: the same (title key, release year, type);
    - ``year±1``: a release year one off, where the title key (with its type) has exactly one
      year on both sides;
    - ``first year``: a TV show whose score file year is at or before its catalogue year, with
      the same uniqueness. The TV score file dates a show by its first season, while a
      catalogue may date it by its latest.

    ``first_year`` is a TV show's first year, where its score file match gives one at or
    before the catalogue year.
    """
    scores = table.scores.assign(their_year=table.scores["release_year"])
    keyed = catalogue[KEY].reset_index()
    keyed = keyed[keyed["title_key"] != ""]
    pairs = _unique_title_pairs(catalogue, table.scores)
    gap = pairs["year"] - pairs["their_year"]
    fallbacks = {
        "year±1": pairs[gap.abs() == 1],
        "first year": pairs[(gap >= 0) & (pairs["type"] == "tv show")],
    }
    found = [keyed.merge(scores, on=KEY).assign(score_match="exact")]
    for label, chosen in fallbacks.items():
        matched = chosen.merge(scores, on=["title_key", "type", "their_year"])
        columns = ["title_key", "type", "score", "their_year"]
        found.append(
            keyed.merge(matched[columns], on=["title_key", "type"]).assign(score_match=label)
        )
    matches = pd.concat(found).drop_duplicates("index").set_index("index").reindex(catalogue.index)
    result = catalogue.copy()
    result["score"] = matches["score"].astype("float64").round(2)
    result["score_match"] = matches["score_match"].astype("string")
    is_first = (catalogue["type"] == "tv show") & (
        matches["their_year"] <= catalogue["release_year"]
    )
    result["first_year"] = matches["their_year"].where(is_first).astype("Int64")
    return result


def date_first_seasons(catalogue: pd.DataFrame, registry: PlatformRegistry) -> pd.DataFrame:
    """Give ``first_year`` to the TV shows of platforms that date a show by its first season
    (``tv_year = "first"`` in the registry), where the score files gave none."""
    first = [platform.name for platform in registry if platform.tv_year == "first"]
    dated = (
        (catalogue["type"] == "tv show")
        & catalogue["platform"].isin(first)
        & catalogue["first_year"].isna()
    )
    result = catalogue.copy()
    result.loc[dated, "first_year"] = result.loc[dated, "release_year"]
    return result
