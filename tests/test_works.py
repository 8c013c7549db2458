"""Linking copies of one work across platforms (etl/works.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from etl.build import EtlReport
from etl.platforms import load_registry
from etl.works import SERVED_WORK_COLUMNS, build_works, link_works, work_id
from recommender.engine import Engine


def test_same_work_on_two_platforms_shares_one_work_id(records: pd.DataFrame) -> None:
    assert records.at["ds1", "work_id"] == records.at["hs1", "work_id"]  # Toy Story 1995


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("as4", "ns2"),  # The Office 2001 and The Office 2005: same title, other year
        ("ds1", "ds2"),  # Toy Story and Toy Story 2
        ("as6", "ns10"),  # two titles whose keys are empty
    ],
)
def test_different_works_have_different_ids(records: pd.DataFrame, first: str, second: str) -> None:
    assert records.at[first, "work_id"] != records.at[second, "work_id"]


def test_works_table_lists_every_platform_of_a_shared_work(
    engine: Engine, work_id_of: Callable[[str, int], str]
) -> None:
    works = engine.works.set_index("work_id")
    toy_story = works.loc[work_id_of("Toy Story", 1995)]
    assert toy_story["ids"] == "ds1 hs1"
    assert toy_story["platforms"] == "disney hulu"
    assert toy_story["id"] == "ds1"  # the copy on the first platform in registry order
    assert toy_story["title_display"] == "Toy Story"
    assert toy_story["score"] == pytest.approx(8.3)
    # Disney+ lists Action-Adventure, Animation, Comedy; Hulu Animation, Family, Kids.
    assert toy_story["genres"] == "action adventure animation comedy family kids"
    assert toy_story["cast_display"] == "Tom Hanks, Tim Allen, Don Rickles"  # Hulu has none


def test_works_table_shape(engine: Engine, report: EtlReport) -> None:
    works = engine.works
    assert list(works.columns) == SERVED_WORK_COLUMNS
    assert len(works) == report.works == 27
    assert works["work_id"].is_unique
    assert works["work_id"].tolist() == sorted(works["work_id"])
    assert report.shared_works == 1
    assert works.loc[works["platforms"].str.contains(" "), "title_display"].tolist() == [
        "Toy Story"
    ]


def test_work_id_is_stable_and_short() -> None:
    first = work_id("toy story", 1995, "movie", "ds1")
    assert first == work_id("toy story", 1995, "movie", "hs1")  # the record id does not count
    assert re.fullmatch(r"w[0-9a-f]{12}", first)
    assert first != work_id("toy story", 1996, "movie", "ds1")
    assert first != work_id("toy story", 1995, "tv show", "ds1")
    assert work_id("", 2019, "movie", "as6") != work_id("", 2019, "movie", "hs6")


def test_build_works_merges_copies(fixture_raw: Path) -> None:
    registry = load_registry(fixture_raw)
    base = {
        "title_key": "heat",
        "release_year": 1995,
        "type": "movie",
        "score": 7.1,
        "first_year": pd.NA,
        "genres": "action",
        "description": "A heist.",
        "director": "michael mann",
        "director_display": "Michael Mann",
        "listed_in_display": "Action",
    }
    catalogue = pd.DataFrame(
        [
            {
                **base,
                "id": "ns9",
                "platform": "netflix",
                "title": "heat",
                "title_display": "HEAT",
                "cast": "al pacino, val kilmer",
                "cast_display": "Al Pacino, Val Kilmer",
                "genres": "crime action",
            },
            {
                **base,
                "id": "as2",
                "platform": "amazon",
                "title": "heat",
                "title_display": "Heat",
                "cast": "al pacino,  robert de niro",
                "cast_display": "Al Pacino,  Robert De Niro",
            },
            {
                **base,
                "id": "ds7",
                "platform": "disney",
                "title": "up",
                "title_display": "Up",
                "title_key": "up",
                "release_year": 2009,
                "cast": pd.NA,
                "cast_display": pd.NA,
            },
        ]
    )
    works = build_works(link_works(catalogue), registry).set_index("title_key")
    heat = works.loc["heat"]
    assert heat["id"] == "as2"  # amazon comes first in the registry
    assert heat["title_display"] == "Heat"
    assert heat["ids"] == "as2 ns9"
    assert heat["platforms"] == "amazon netflix"
    assert heat["cast_display"] == "Al Pacino, Robert De Niro, Val Kilmer"
    assert heat["genres"] == "action crime"
    assert heat["description"] == "A heist."
    up = works.loc["up"]
    assert (up["ids"], up["platforms"], up["cast_display"]) == ("ds7", "disney", "")
