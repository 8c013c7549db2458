"""The project's five data rules and the quirk repairs, each a small function on one platform."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from etl.genres import canonical_genres
from recommender.catalogue import FIRST_YEAR, LAST_YEAR, MAX_SHOW_ID, SHOW_ID
from recommender.platforms import Platform

RAW_COLUMNS = (
    "show_id",
    "type",
    "title",
    "director",
    "cast",
    "country",
    "date_added",
    "release_year",
    "rating",
    "duration",
    "listed_in",
    "description",
)
# Stored lowercase (rule 4); the original text is kept in ``<field>_display``.
TEXT_FIELDS = ("title", "director", "cast", "country", "listed_in", "description", "rating")
DEFAULT_RATING = "G"
TYPES = {"movie": "movie", "tv show": "tv show"}
DURATION_TYPES = {"min": "min", "mins": "min", "season": "season", "seasons": "season"}

# Four digits at most: a longer amount is a typo, and would not fit in an integer column.
_DURATION = re.compile(r"^\s*([0-9]{1,4})\s*([A-Za-z]+)\s*$")
_DATE_FORMAT = "%B %d, %Y"


@dataclass
class PlatformResult:
    """One platform's clean rows, plus what was repaired and what was set aside."""

    frame: pd.DataFrame
    rows_in: int
    repairs: Counter = field(default_factory=Counter)
    quarantined: list[dict] = field(default_factory=list)
    # The row in the file of each of ``frame``'s rows (the header is row 1).
    file_rows: pd.Index = field(default_factory=lambda: pd.Index([], dtype="int64"))


def repair_duration_in_rating(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Move a duration that sits in ``rating`` (with ``duration`` empty) to ``duration``.

    Netflix has three such rows (the Louis C.K. specials, ``74 min``); Hulu has more.
    The emptied rating then gets the default of rule 2.
    """
    misplaced = (frame["duration"].str.strip() == "") & frame["rating"].str.match(
        r"^\s*\d+\s*(?:min|seasons?)\s*$", case=False
    )
    frame = frame.copy()
    frame.loc[misplaced, "duration"] = frame.loc[misplaced, "rating"].str.strip()
    frame.loc[misplaced, "rating"] = ""
    return frame, int(misplaced.sum())


def default_rating(ratings: pd.Series) -> tuple[pd.Series, int]:
    """Rule 2: a null rating becomes ``G``."""
    missing = ratings.str.strip() == ""
    return ratings.str.strip().where(~missing, DEFAULT_RATING), int(missing.sum())


def make_ids(show_ids: pd.Series, letter: str) -> pd.Series:
    """Rule 1: the platform letter plus ``show_id``, so Amazon's ``s123`` becomes ``as123``."""
    return letter + show_ids.str.strip().str.lower()


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rule 3: ``" September 25, 2021"`` becomes ``"2021-09-25"``; missing stays missing.

    Returns the ISO dates and a mask of values that are present but unreadable.
    """
    stripped = values.str.strip()
    parsed = pd.to_datetime(stripped, format=_DATE_FORMAT, errors="coerce")
    present = stripped != ""
    iso = parsed.dt.strftime("%Y-%m-%d").astype("string")
    return iso.where(present & parsed.notna(), pd.NA), present & parsed.isna()


def split_duration(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Rule 5: ``"90 min"`` becomes ``(90, "min")`` and ``"3 Seasons"`` ``(3, "season")``.

    Returns the integer part, the unit and a mask of values present but unreadable.
    """
    parts = values.str.extract(_DURATION)
    amount = pd.to_numeric(parts[0], errors="coerce").astype("Int64")
    unit = parts[1].str.lower().map(DURATION_TYPES).astype("string")
    present = values.str.strip() != ""
    bad = present & (amount.isna() | unit.isna())
    return amount.where(~bad, pd.NA), unit.where(~bad, pd.NA), bad


def lowercase_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Rule 4: text fields lowercase, the original kept in ``<field>_display``; '' is missing."""
    frame = frame.copy()
    for column in TEXT_FIELDS:
        display = frame[column].str.strip().replace("", pd.NA).astype("string")
        frame[f"{column}_display"] = display
        frame[column] = display.str.lower()
    return frame


def describe_quarantined(row: dict) -> str:
    """One quarantined row for a report: where it is, why, and the value.

    >>> describe_quarantined({"file": "n.csv", "row": 3, "column": "release_year",
    ...                       "reason": "not a year", "value": "20x1"})
    "quarantined n.csv row 3 column 'release_year': not a year ('20x1')"
    """
    return (
        f"quarantined {row['file']} row {row['row']} column '{row['column']}': "
        f"{row['reason']} ({row['value']!r})"
    )


def transform_platform(raw: pd.DataFrame, platform: Platform, file_label: str) -> PlatformResult:
    """Apply the rules and repairs to one platform's raw rows; set malformed rows aside."""
    result = PlatformResult(frame=raw, rows_in=len(raw))
    frame, moved = repair_duration_in_rating(raw)
    result.repairs["duration moved out of rating"] += moved
    frame["date_added"], bad_dates = parse_dates(frame["date_added"])
    frame["duration_int"], frame["duration_type"], bad_durations = split_duration(frame["duration"])
    problems = _row_problems(frame, bad_dates, bad_durations)
    for index, column, reason in problems:
        result.quarantined.append(
            {
                "file": file_label,
                "row": int(index) + 2,  # the header is row 1
                "column": column,
                "value": str(raw.at[index, column])[:80],
                "reason": reason,
            }
        )
    bad_rows = {index for index, _, _ in problems}
    frame = frame.drop(index=sorted(bad_rows))
    result.file_rows = frame.index + 2
    # After the drop, so the report counts only defaults that reach the catalogue.
    frame["rating"], defaulted = default_rating(frame["rating"])
    result.repairs["rating defaulted to G"] += defaulted

    frame["id"] = make_ids(frame["show_id"], platform.letter)
    frame["platform"] = platform.name
    frame["type"] = frame["type"].str.strip().str.lower().map(TYPES)
    frame["release_year"] = frame["release_year"].str.strip().astype("int64")
    frame = lowercase_text(frame)
    frame["genres"] = frame["listed_in_display"].map(canonical_genres, na_action="ignore")
    frame["genres"] = frame["genres"].fillna("").astype("string")
    result.frame = frame.drop(columns=["duration"]).reset_index(drop=True)
    return result


def _row_problems(
    frame: pd.DataFrame, bad_dates: pd.Series, bad_durations: pd.Series
) -> list[tuple[int, str, str]]:
    """Every (row index, column, reason) that makes a row unusable."""
    problems: list[tuple[int, str, str]] = []

    def flag(mask: pd.Series, column: str, reason: str) -> None:
        problems.extend((index, column, reason) for index in frame.index[mask])

    show_id = frame["show_id"].str.strip().str.lower()
    flag(show_id == "", "show_id", "missing show_id")
    flag(
        (show_id != "") & ~show_id.str.fullmatch(SHOW_ID),
        "show_id",
        f"show_id is not 1 to {MAX_SHOW_ID} letters, digits, '.', '_' or '-'",
    )
    flag(show_id.duplicated(keep="first") & (show_id != ""), "show_id", "duplicate show_id")
    flag(frame["title"].str.strip() == "", "title", "missing title")
    flag(~frame["type"].str.strip().str.lower().isin(TYPES), "type", "type is not Movie or TV Show")
    year = pd.to_numeric(frame["release_year"].str.strip(), errors="coerce")
    flag(
        ~frame["release_year"].str.strip().str.fullmatch(r"[0-9]{4}")
        | ~year.between(FIRST_YEAR, LAST_YEAR),
        "release_year",
        "release_year is not a year",
    )
    flag(bad_dates, "date_added", "date_added is not a date like 'September 25, 2021'")
    flag(bad_durations, "duration", "duration is not like '90 min' or '2 Seasons'")
    first_problem: dict[int, tuple[int, str, str]] = {}
    for problem in problems:
        first_problem.setdefault(problem[0], problem)
    return sorted(first_problem.values())
