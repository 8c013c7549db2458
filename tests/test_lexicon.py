"""The word tables of plot search (etl/lexicon.py): read strictly, each fault named by its row;
a keywords row that names no work is reported and skipped, and never stops a build."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from etl.build import build, run_etl
from etl.errors import EtlError
from etl.lexicon import (
    KEYWORDS_FILE,
    LEXICON_COLUMNS,
    keywords_of_works,
    load_keywords,
    load_lexicon,
    load_synonyms,
    read_word_table,
)
from etl.versions import live_name
from etl.works import SERVED_WORK_COLUMNS
from recommender.engine import Engine

if TYPE_CHECKING:
    from tests.conftest import BuiltData

KEYWORDS_HEADER = "title,year,type,keywords\n"


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


# -- the keywords of well-known works ----------------------------------------------------------
def test_the_fixture_keywords_load(fixture_raw: Path) -> None:
    first, second = load_keywords(fixture_raw)
    assert (first.row, first.title, first.year, first.type) == (2, "Breaking Bad", 2013, "tv show")
    assert first.keywords.startswith("walter white, heisenberg")
    assert second.title == "The Mandalorian"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (' ,2008,tv show,"a, b"\n', "row 2, column 'title': the title is empty"),
        ('Heat,95,movie,"a, b"\n', "row 2, column 'year': '95' is not a year"),
        (
            'Heat,1995,film,"a, b"\n',
            "row 2, column 'type': 'film' is not one of 'movie', 'tv show'",
        ),
        (
            'Heat,1995,movie,"Al Pacino, cop"\n',
            "row 2, column 'keywords': 'Al Pacino, cop' is not lo",
        ),
        ("Heat,1995,movie,\n", "row 2, column 'keywords': '' has an empty keyword"),
        ('Heat,1995,movie,"cop, , robbers"\n', "row 2, column 'keywords': 'cop, , robbers' has an"),
        ('Heat,1995,movie,"cop,"\n', "row 2, column 'keywords': 'cop,' has an empty keyword"),
        (
            'Heat,1995,movie,"cop"\nHeat,1995,movie,"robbers"\n',
            "row 3, column 'title': 'Heat' (1995, movie) is listed twice (row 2 too)",
        ),
    ],
)
def test_a_bad_keywords_row_is_named(tmp_path: Path, rows: str, message: str) -> None:
    (tmp_path / KEYWORDS_FILE).write_text(KEYWORDS_HEADER + rows)
    with pytest.raises(EtlError, match=re.escape(f"{KEYWORDS_FILE}, {message}")):
        load_keywords(tmp_path)


def test_a_keywords_file_without_its_columns_is_named(tmp_path: Path) -> None:
    (tmp_path / KEYWORDS_FILE).write_text('title,year,keywords\nHeat,1995,"cop"\n')
    with pytest.raises(EtlError, match=re.escape("row 1, column 'type': required column")):
        load_keywords(tmp_path)


def test_a_row_naming_no_work_or_several_is_skipped_and_named(tmp_path: Path) -> None:
    works = pd.DataFrame(
        {
            "title_display": ["Heat", "Dark", "Dark", "Twins", "Twins"],
            "release_year": [1995, 2018, 2020, 1988, 1988],
            "type": ["movie", "movie", "tv show", "movie", "movie"],
        }
    )
    path = tmp_path / KEYWORDS_FILE
    path.write_text(
        KEYWORDS_HEADER
        + 'Heat,1995,movie,"cop, robbers"\n'
        + 'Dark,2017,tv show,"time travel"\n'
        + 'Dark,2018,tv show,"time travel"\n'
        + 'Nowhere,2000,movie,"nothing"\n'
        + 'Twins,1988,movie,"twins"\n'
    )
    keywords, problems = keywords_of_works(works, load_keywords(tmp_path), path)
    assert keywords.tolist() == ["cop, robbers", "", "", "", ""]
    assert [str(problem) for problem in problems] == [
        f"{tmp_path.name}/{KEYWORDS_FILE}, row 3, column 'year': 'Dark' (2017, tv show) is no "
        "work of the catalogue, which has it as (2018, movie; 2020, tv show)",
        f"{tmp_path.name}/{KEYWORDS_FILE}, row 4, column 'type': 'Dark' (2018, tv show) is no "
        "work of the catalogue, which has it as (2018, movie; 2020, tv show)",
        f"{tmp_path.name}/{KEYWORDS_FILE}, row 5, column 'title': 'Nowhere' (2000, movie) is no "
        "work of the catalogue",
        f"{tmp_path.name}/{KEYWORDS_FILE}, row 6, column 'title': 'Twins' (1988, movie) is 2 works "
        "of the catalogue",
    ]


def test_the_fixture_keywords_reach_their_works_and_are_not_served(
    built: BuiltData, engine: Engine
) -> None:
    assert (built.report.keywords, built.report.keywords_skipped) == (2, [])
    assert "plot keywords: 2 works; 0 rows skipped" in built.report.format().splitlines()
    assert "keywords" not in SERVED_WORK_COLUMNS
    assert "keywords" not in engine.works.columns
    assert "keywords" not in engine.catalogue.records.columns


def test_a_row_naming_no_work_is_reported_and_the_rest_is_built(raw_dir: Path) -> None:
    path = raw_dir / KEYWORDS_FILE
    path.write_text(path.read_text() + 'Breaking Bad,2008,tv show,"walter white"\n')
    report = build(raw_dir).report
    assert report.keywords == 2
    assert report.keywords_skipped == [
        f"raw/{KEYWORDS_FILE}, row 4, column 'year': 'Breaking Bad' (2008, tv show) is no work "
        "of the catalogue, which has it as (2013, tv show)"
    ]
    lines = report.format().splitlines()
    assert "plot keywords: 2 works; 1 row skipped" in lines
    assert f"  skipped {report.keywords_skipped[0]}" in lines


def test_a_broken_keywords_file_stops_the_build_and_the_live_version_stays(
    built_copy: BuiltData,
) -> None:
    path = built_copy.raw_dir / KEYWORDS_FILE
    path.write_text(path.read_text() + 'Heat,1995,movie,"Al Pacino"\n')
    with pytest.raises(EtlError, match=re.escape("row 4, column 'keywords'")):
        run_etl(built_copy.raw_dir, built_copy.processed_dir)
    assert live_name(built_copy.processed_dir) == built_copy.report.version
