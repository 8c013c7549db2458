"""Other names of works (etl/aliases.py, ``TitleMatcher``): read strictly, each fault named by
its row; a row that names no work is reported and skipped; every real row names one work, and
the matcher finds a work by any of its names as surely as by its title."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from etl.aliases import ALIASES_FILE, aliases_of_works, load_aliases
from etl.build import build, input_paths
from etl.errors import EtlError
from recommender.evaluation import alias_accuracy, load_alias_queries
from recommender.matcher import TitleMatcher, is_confident

if TYPE_CHECKING:
    from etl.build import BuildResult
    from tests.conftest import BuiltData

HEADER = "title,year,type,alias,lang\n"
REAL_RAW = Path(__file__).resolve().parent.parent / "data" / "raw"
MIN_REAL_ALIASES = 300
ALIAS_QUERIES = Path(__file__).resolve().parent.parent / "scripts" / "queries" / "aliases.csv"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (",1995,movie,Fuego,es-419\n", "row 2, column 'title': the title is empty"),
        ("Heat,95,movie,Fuego,es-419\n", "row 2, column 'year': '95' is not a year"),
        ("Heat,1995,film,Fuego,es-419\n", "row 2, column 'type': 'film' is not one of"),
        ("Heat,1995,movie,,es-419\n", "row 2, column 'alias': '' is not a name"),
        ("Heat,1995,movie,¿?,es-419\n", "row 2, column 'alias': '¿?' is not a name"),
        ("Heat,1995,movie, Fuego,es-419\n", "row 2, column 'alias': ' Fuego' is not a name"),
        ("Heat,1995,movie,Fuego,es\n", "row 2, column 'lang': 'es' is not one of"),
        (f"Heat,1995,movie,{'a' * 201},en\n", "row 2, column 'alias': the alias is longer"),
        (
            "Heat,1995,movie,Fuego,es-419\nHeat,1995,movie,FUEGO,es-419\n",
            "row 3, column 'alias': 'FUEGO' (es-419) of 'Heat' (1995, movie) is listed twice "
            "(row 2 too)",
        ),
    ],
)
def test_a_bad_row_is_named(tmp_path: Path, rows: str, message: str) -> None:
    (tmp_path / ALIASES_FILE).write_text(HEADER + rows)
    with pytest.raises(EtlError, match=re.escape(f"{ALIASES_FILE}, {message}")):
        load_aliases(tmp_path)


def test_a_file_without_its_columns_is_named(tmp_path: Path) -> None:
    (tmp_path / ALIASES_FILE).write_text("title,year,type,alias\nHeat,1995,movie,Fuego\n")
    with pytest.raises(EtlError, match=re.escape("row 1, column 'lang': required column")):
        load_aliases(tmp_path)


def test_the_same_name_in_two_languages_is_one_name(tmp_path: Path) -> None:
    works = pd.DataFrame({"title_display": ["Heat"], "release_year": [1995], "type": ["movie"]})
    path = tmp_path / ALIASES_FILE
    path.write_text(
        HEADER
        + "Heat,1995,movie,Fuego contra fuego,es-419\n"
        + "Heat,1995,movie,Fuego contra fuego,es-ES\n"
        + "Heat,1995,movie,Heat: Fuego,es-ES\n"
        + "Heat,1996,movie,Calor,es-ES\n"
    )
    aliases, problems = aliases_of_works(works, load_aliases(path.parent), path)
    assert aliases.tolist() == ["Fuego contra fuego\nHeat: Fuego"]
    assert [str(problem) for problem in problems] == [
        f"{tmp_path.name}/{ALIASES_FILE}, row 5, column 'year': 'Heat' (1996, movie) is no work "
        "of the catalogue, which has it as (1995, movie)"
    ]


def test_the_fixture_aliases_are_joined_and_reported(built: BuiltData) -> None:
    report = built.report
    assert (report.aliases, report.aliased_works, report.aliases_skipped) == (6, 5, [])
    assert "other names: 6 joined to 5 works; 0 rows skipped" in report.format().splitlines()


def test_the_file_is_a_versioned_input(fixture_raw: Path) -> None:
    assert fixture_raw / ALIASES_FILE in input_paths(fixture_raw)


def test_a_row_naming_no_work_is_reported_and_the_rest_is_built(raw_dir: Path) -> None:
    path = raw_dir / ALIASES_FILE
    path.write_text(path.read_text() + "Breaking Bad,2008,tv show,Breaking Bad (2008),en\n")
    report = build(raw_dir).report
    assert report.aliases == 6
    assert report.aliases_skipped == [
        f"raw/{ALIASES_FILE}, row 8, column 'year': 'Breaking Bad' (2008, tv show) is no work "
        "of the catalogue, which has it as (2013, tv show)"
    ]
    assert f"  skipped {report.aliases_skipped[0]}" in report.format().splitlines()


def _matcher(titles: list[str], aliases: list[str]) -> TitleMatcher:
    ids = [f"ns{row}" for row in range(len(titles))]
    works = pd.DataFrame({"title_display": titles, "ids": ids, "aliases": aliases})
    return TitleMatcher().fit(works)


def test_an_exact_alias_is_as_sure_as_an_exact_title() -> None:
    matcher = _matcher(["La casa de papel", "Money Heist: The Phenomenon"], ["Money Heist", ""])
    found = matcher.match("money heist")
    assert (found[0].work, found[0].confidence, found[0].alias) == (0, 1.0, "Money Heist")
    assert is_confident([candidate.confidence for candidate in found])
    assert matcher.match("la casa de papel")[0].alias is None


def test_an_alias_forgives_typos_accents_and_articles_like_a_title() -> None:
    matcher = _matcher(
        ["Finding Nemo", "Pan's Labyrinth"], ["Buscando a Nemo", "El laberinto del fauno"]
    )
    assert matcher.match("buscando a nemmo")[0].alias == "Buscando a Nemo"
    assert matcher.match("BUSCANDO A NÉMO")[0].confidence == 1.0
    assert matcher.match("laberinto del fauno")[0].work == 1


def test_a_title_shared_with_an_alias_shows_the_title() -> None:
    matcher = _matcher(["Matrix"], ["Matrix"])
    assert matcher.match("matrix")[0].alias is None


def test_every_real_alias_names_one_work_and_finds_it(real_build: BuildResult) -> None:
    table = load_aliases(REAL_RAW)
    assert len(table) >= MIN_REAL_ALIASES
    assert real_build.report.aliases_skipped == []
    assert real_build.report.aliases == len(table)
    works, matcher = real_build.works, real_build.matcher
    key = works["title_display"] + "|" + works["release_year"].astype(str) + "|" + works["type"]
    row_of = {name: row for row, name in enumerate(key)}
    for entry in table:
        row = row_of[f"{entry.title}|{entry.year}|{entry.type}"]
        found = matcher.match(entry.alias)
        assert row in [candidate.work for candidate in found], entry
        assert found[[candidate.work for candidate in found].index(row)].confidence == 1.0


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("money heist", "La casa de papel"),
        ("el laberinto del fauno", "Pan's Labyrinth"),
        ("buscando a nemo", "Finding Nemo"),
        ("buscando a nemmo", "Finding Nemo"),
        ("intensamente", "Inside Out"),
        ("como conoci a vuestra madre", "How I Met Your Mother"),
    ],
)
def test_the_issue_names_find_their_works(real_build: BuildResult, query: str, title: str) -> None:
    found = real_build.matcher.match(query)
    assert real_build.works["title_display"].iloc[found[0].work] == title
    assert found[0].alias is not None


def test_a_studio_written_before_a_title_links_the_copies(real_build: BuildResult) -> None:
    """Disney+ lists "Marvel Studios' Black Panther", Netflix "Black Panther": one film, shown
    by the name people use, and found by it with a slip."""
    works, matcher = real_build.works, real_build.matcher
    panther = works[works["title_display"] == "Black Panther"]
    assert [set(platforms.split()) for platforms in panther["platforms"]] == [{"disney", "netflix"}]
    assert not works["title_display"].eq("Marvel Studios' Black Panther").any()
    for query in ("black panther", "black panter"):
        assert matcher.match(query)[0].work == panther.index[0]
    iron_man = works.index[works["title_display"] == "Marvel Studios' Iron Man"][0]
    assert iron_man in [candidate.work for candidate in matcher.match("iron man")[:2]]


def test_the_alias_query_set_names_real_works(real_build: BuildResult) -> None:
    """``make eval``'s other-name queries each name one work of the real catalogue."""
    queries = load_alias_queries(ALIAS_QUERIES, real_build.works)
    assert len(queries) >= 100
    assert {query.lang for query in queries} == {"en", "es"}
    assert alias_accuracy(real_build.matcher, queries) > 0.85
