"""Works known but not carried (etl/elsewhere.py, recommender/elsewhere.py): the editorial
file read strictly, each fault named by its row and column; the score files' works that join
no catalogue work kept, with their facts; and the engine finding one by its title only when
it is named more surely than any catalogue work."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from etl.build import build, input_paths
from etl.elsewhere import ELSEWHERE_FILE, load_elsewhere
from etl.errors import EtlError
from recommender.evaluation import MissingQuery, evaluate_missing

if TYPE_CHECKING:
    from etl.build import BuildResult
    from recommender.engine import Engine
    from tests.conftest import BuiltData

HEADER = "title,year,type,genres,directors,countries,aliases\n"
REAL_RAW = Path(__file__).resolve().parent.parent / "data" / "raw"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (",2014,movie,Drama,Christopher Nolan,,\n", "row 2, column 'title': the title is empty"),
        ("Interstellar,14,movie,Drama,Christopher Nolan,,\n", "row 2, column 'year': '14' is"),
        ("Interstellar,2014,film,Drama,Christopher Nolan,,\n", "row 2, column 'type': 'film'"),
        ("Interstellar,2014,movie,,Christopher Nolan,,\n", "row 2, column 'genres': '' names no"),
        ("Interstellar,2014,movie,Drama,,,\n", "row 2, column 'directors': a movie needs its"),
        (
            'Interstellar,2014,movie,"Drama,",Christopher Nolan,,\n',
            "row 2, column 'genres': 'Drama,' holds an empty name",
        ),
        (
            'Interstellar,2014,movie,Drama,Christopher Nolan,"United States,,UK",\n',
            "row 2, column 'countries': 'United States,,UK' holds an empty name",
        ),
        (
            "Interstellar,2014,movie,Drama,Christopher Nolan,,Interestelar;\n",
            "row 2, column 'aliases': 'Interestelar;' holds an empty name",
        ),
        (
            "Game of Thrones,2011,tv show,Drama,,,\nGame of Thrones,2011,tv show,Fantasy,,,\n",
            "row 3, column 'title': 'Game of Thrones' (2011, tv show) is listed twice (row 2 too)",
        ),
    ],
)
def test_a_bad_row_is_named(tmp_path: Path, rows: str, message: str) -> None:
    (tmp_path / ELSEWHERE_FILE).write_text(HEADER + rows)
    with pytest.raises(EtlError, match=re.escape(f"{ELSEWHERE_FILE}, {message}")):
        load_elsewhere(tmp_path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match=re.escape(f"{ELSEWHERE_FILE}: file not found")):
        load_elsewhere(tmp_path)


def test_the_file_is_a_versioned_input(fixture_raw: Path) -> None:
    assert fixture_raw / ELSEWHERE_FILE in input_paths(fixture_raw)


def test_the_table_holds_what_no_catalogue_work_is(built: BuiltData) -> None:
    """Interstellar and Game of Thrones from the editorial file; Heat 1986 from the movie
    scores (the catalogue's Heat is 1995). Not the scores' Toy Story 1995 TV show nor The
    Office 2005 movie, typed otherwise than the catalogue's works of their title and year,
    nor the editorial Toy Story, which the catalogue carries."""
    table = build(built.raw_dir).elsewhere.table_
    rows = sorted(zip(table["title"], table["year"], table["type"], table["source"], strict=True))
    assert rows == [
        ("Game of Thrones", 2011, "tv show", "editorial"),
        ("Heat", 1986, "movie", "scores"),
        ("Interstellar", 2014, "movie", "editorial"),
    ]
    interstellar = table[table["title"] == "Interstellar"].iloc[0]
    assert interstellar["genres"] == "adventure drama science_fiction"
    assert interstellar["aliases"] == "Interestelar"


def test_the_report_counts_them_and_names_the_skipped_row(built: BuiltData) -> None:
    report = built.report
    assert report.elsewhere == {"scores": 1, "editorial": 2}
    assert report.elsewhere_skipped == ["'Toy Story' (1995, movie): the catalogue carries it"]
    assert (
        "known but not carried: 3 works (1 from scores, 2 from editorial); 1 editorial row skipped"
    ) in report.format()


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("interstellar", None, ("Interstellar", 2014)),
        ("Intersteller", None, ("Interstellar", 2014)),
        ("interestelar", None, ("Interstellar", 2014)),
        ("juego de tronos", None, ("Game of Thrones", 2011)),
        ("heat", 1986, ("Heat", 1986)),
        # The catalogue's works, named as surely or more, are the ones asked for.
        ("heat", None, None),
        ("toy story", None, None),
        ("toy stroy", None, None),
        ("the ofice", None, None),
    ],
)
def test_not_carried_only_when_named_more_surely(
    engine: Engine, text: str, year: int | None, expected: tuple[str, int] | None
) -> None:
    known = engine.not_carried(text, engine.match(text), year)
    assert (known and (known.title, known.year)) == expected


def test_recommend_answers_for_it_from_its_facts(engine: Engine) -> None:
    answer = engine.recommend("interstellar", k=3)
    assert answer.match is None and answer.not_carried is not None
    assert answer.results, "works sharing a genre with it"
    for result in answer.results:
        assert result.type == "movie"
        assert set(result.reason.genres) <= {"adventure", "drama", "science fiction"}
        assert result.reason.genres
    data = answer.to_dict()
    assert data["not_carried"]["title"] == "Interstellar"
    assert data["not_carried"]["directors"] == ["Christopher Nolan"]
    assert "not_carried" not in engine.recommend("toy story").to_dict()


def test_a_work_of_its_director_comes_first(real_build: BuildResult) -> None:
    engine = real_build.engine()
    answer = engine.recommend("interstellar", k=5)
    assert answer.results[0].title == "Inception"
    assert answer.results[0].reason.directors == ["Christopher Nolan"]


def test_a_longer_title_of_the_same_work_is_no_rival(real_build: BuildResult) -> None:
    """The score files know *To End All Wars* (2001), which the catalogue carries as *To End
    All Wars: Director's Cut* (2001): a work of its type and year named about as surely is
    the work asked for, not a rival."""
    engine = real_build.engine()
    text = "to end all wars"
    assert engine.elsewhere.best(text) is not None
    assert engine.match(text)[0].title == "To End All Wars: Director's Cut"
    assert engine.not_carried(text, engine.match(text)) is None
    assert engine.not_carried("the godfather", engine.match("the godfather")) is not None


def test_words_typed_right_never_name_a_work_only_nearly(real_build: BuildResult) -> None:
    """The score files know *The Terminators* (2009), not *The Terminator*: "the terminator"
    is another work, while a slip ("the godfater") still finds *The Godfather*."""
    engine = real_build.engine()
    assert engine.elsewhere.best("the terminator").title == "The Terminators"
    assert engine.not_carried("the terminator", engine.match("the terminator")) is None
    assert engine.not_carried("the godfater", engine.match("the godfater")).title == (
        "The Godfather"
    )


def test_the_eval_scores_each_kind_of_title(engine: Engine) -> None:
    """Interstellar is said not carried, Toy Story answered as itself, and Oppenheimer,
    which nothing knows, never answered as another work; the previous engine says nothing
    is not carried."""
    queries = [
        MissingQuery("interstellar", "en", "Interstellar", 2014),
        MissingQuery("toy story", "en", "Toy Story", 1995),
        MissingQuery("oppenheimer", "en", "Oppenheimer", 2023),
    ]
    read = [(query, query.query) for query in queries]
    ours, before = evaluate_missing(engine, read), evaluate_missing(engine, read, previous=True)
    assert ours.counts == {"carried": 1, "editorial": 1, "scores": 0, "unknown": 1}
    assert (ours.handled, ours.said_not_carried, ours.recommended) == (1.0, 1.0, 1.0)
    assert before.handled == pytest.approx(2 / 3) and before.said_not_carried == 0.0


def test_every_editorial_row_is_a_work_no_platform_carries(real_build: BuildResult) -> None:
    """Each row of the real file is kept: none is a catalogue work, so none is skipped."""
    rows = load_elsewhere(REAL_RAW)
    assert len(rows) >= 25
    assert real_build.report.elsewhere_skipped == []
    assert real_build.report.elsewhere["editorial"] == len(rows)
    assert real_build.report.elsewhere["scores"] > 10_000
