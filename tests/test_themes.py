"""The theme vocabulary (etl/themes.py, recommender/themes.py): read strictly, each fault named
by its row and column; found in the works by the stems of its phrases; and the only themes a
reason names, in English and in Spanish, over the real catalogue."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from bot.chat.i18n import genre_name, join_names, t
from bot.chat.replies.titles import reason_text
from etl.build import BuildResult, build, input_paths, run_etl
from etl.errors import EtlError
from etl.themes import THEMES_FILE, load_themes
from etl.versions import live_name
from recommender.discovery import Slots
from recommender.engine import Reason
from recommender.themes import Theme, ThemeIndex

if TYPE_CHECKING:
    from tests.conftest import BuiltData

HEADER = "theme,tema,evidence\n"
REAL_RAW = Path(__file__).resolve().parent.parent / "data" / "raw"


def test_the_vocabulary_loads(fixture_raw: Path) -> None:
    table = load_themes(fixture_raw)
    drugs = table[0]
    assert (drugs.row, drugs.theme) == (2, Theme("drugs", "drogas"))
    assert "drug lord" in drugs.evidence
    assert len(table) == len(pd.read_csv(fixture_raw / THEMES_FILE)) >= 250
    assert fixture_raw / THEMES_FILE in input_paths(fixture_raw)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ('drugs,,"drug"\n', "row 2, column 'tema': '' is not a name"),
        (' drugs,drogas,"drug"\n', "row 2, column 'theme': ' drugs' is not a name"),
        ('drugs;,drogas,"drug"\n', "row 2, column 'theme': 'drugs;' is not a name"),
        ('drugs,drogas  duras,"drug"\n', "row 2, column 'tema': 'drogas  duras' is not a name"),
        (
            'drugs,drogas,"drug"\nDrugs,narcóticos,"narcotics"\n',
            "row 3, column 'theme': 'Drugs' is listed twice (row 2 too)",
        ),
        ('drugs,drogas,"Drug"\n', "row 2, column 'evidence': 'Drug' is not lowercase words"),
        ('drugs,drogas,"drug, , cartel"\n', "row 2, column 'evidence': '' is not lowercase"),
        ("drugs,drogas,\n", "row 2, column 'evidence': '' is not lowercase words"),
        ('drugs,drogas,"drug lord\'s"\n', "row 2, column 'evidence': \"drug lord's\" is not"),
        (
            'drugs,drogas,"drug, drugs"\n',
            "row 2, column 'evidence': 'drugs' stems as 'drug' of row 2",
        ),
        (
            'heroes,héroes,"heroine"\ndrugs,drogas,"heroin"\n',
            "row 3, column 'evidence': 'heroin' stems as 'heroine' of row 2",
        ),
    ],
)
def test_a_bad_row_is_named(tmp_path: Path, rows: str, message: str) -> None:
    (tmp_path / THEMES_FILE).write_text(HEADER + rows)
    with pytest.raises(EtlError, match=re.escape(f"{THEMES_FILE}, {message}")):
        load_themes(tmp_path)


def test_a_file_without_its_columns_or_missing_is_named(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match=re.escape(f"{THEMES_FILE}: file not found")):
        load_themes(tmp_path)
    (tmp_path / THEMES_FILE).write_text("theme,evidence\ndrugs,drug\n")
    with pytest.raises(EtlError, match="tema"):
        load_themes(tmp_path)


def test_a_broken_vocabulary_stops_the_build_and_the_live_version_stays(
    built_copy: BuiltData,
) -> None:
    path = built_copy.raw_dir / THEMES_FILE
    path.write_text(path.read_text() + 'cartel bosses,capos,"Cartel Boss"\n')
    with pytest.raises(EtlError, match=re.escape("column 'evidence'")):
        run_etl(built_copy.raw_dir, built_copy.processed_dir)
    assert live_name(built_copy.processed_dir) == built_copy.report.version


def test_the_report_counts_the_themes_and_the_works_about_them(built: BuiltData) -> None:
    themes = len(load_themes(built.raw_dir))
    # Of the 27 fixture works, those whose synopsis or keywords hold a phrase of the vocabulary.
    assert (built.report.themes, built.report.themed_works) == (themes, 24)
    assert f"themes: {themes:,}, found in 24 works" in built.report.format().splitlines()


def test_an_edited_vocabulary_changes_the_themes(raw_dir: Path) -> None:
    (raw_dir / THEMES_FILE).write_text(HEADER + 'playthings,juguetes,"toy, doll"\n')
    result = build(raw_dir)
    toy_story = result.works.index[result.works["title_display"] == "Toy Story"][0]
    assert result.themes.of_work(toy_story) == [Theme("playthings", "juguetes")]
    assert result.report.themes == 1


# -- finding themes ----------------------------------------------------------------------------
VOCABULARY = [
    (Theme("drugs", "drogas"), ["drug", "cartel", "drug lord"]),
    (Theme("high school", "el instituto"), ["high school"]),
    (Theme("school", "la escuela"), ["school"]),
    (Theme("World War II", "la Segunda Guerra Mundial"), ["world war ii", "nazi"]),
]


def index_of(*descriptions: str, keywords: tuple[str, ...] = ()) -> ThemeIndex:
    works = pd.DataFrame(
        {
            "description": list(descriptions),
            "keywords": list(keywords) or [""] * len(descriptions),
        }
    )
    return ThemeIndex(VOCABULARY).fit(works)


def names(themes: list[Theme]) -> list[str]:
    return [theme.en for theme in themes]


def test_a_phrase_is_found_by_its_stems_in_one_clause() -> None:
    index = index_of(
        "Two drug lords at their high schools.",
        "A boy who is high, school be damned.",
        "",
    )
    assert names(index.of_work(0)) == ["drugs", "high school", "school"]
    assert names(index.of_work(1)) == ["school"]
    assert index.of_work(2) == []


def test_keywords_count_as_the_synopsis_does() -> None:
    index = index_of("A family story.", "", keywords=("", "nazi occupied france, world war ii"))
    assert index.of_work(0) == []
    assert names(index.of_work(1)) == ["World War II"]


def test_shared_themes_come_rarest_first() -> None:
    index = index_of(
        "A high school dealer's drug money.",
        "The cartel recruits at a high school.",
        "A drug deal at school.",
    )
    assert names(index.shared(0, 1)) == ["high school", "drugs", "school"]
    assert names(index.shared(0, 2)) == ["drugs", "school"]
    assert index.frequency_.tolist() == [3, 2, 3, 0]


def test_a_request_names_themes_in_english_and_spanish() -> None:
    index = index_of("")
    assert index.in_text("something about a drug cartel") == [0]
    assert index.in_text("algo de la segunda guerra mundial", "es") == [3]
    assert index.in_text("películas sobre drogas en el instituto", "es") == [0, 1]
    # English words are read in a Spanish request too ("narcos"); Spanish names are not in an
    # English one.
    assert index.in_text("drogas", "en") == []


def test_a_reason_says_a_theme_once() -> None:
    index = index_of("")
    drugs, high_school, school, war = index.themes_
    assert index.unsaid([high_school, school, drugs], [], 2) == [high_school, drugs]
    assert index.unsaid([war, drugs], ["world war ii"], 2) == [drugs]
    # A genre that is one of a theme's phrases says it: "nazi" is one of World War II's.
    assert index.unsaid([war, drugs], ["nazi", "crime"], 2) == [drugs]
    assert index.unsaid([Theme("mysteries", "misterios")], ["mystery"], 2) == []


# -- the real catalogue ------------------------------------------------------------------------
def test_every_real_theme_is_about_two_works_at_least(real_build: BuildResult) -> None:
    """A theme no two works share can never be a reason: it is a typo or dead weight."""
    themes = real_build.themes
    rare = [t.en for t, n in zip(themes.themes_, themes.frequency_, strict=True) if n < 2]
    assert rare == []
    assert real_build.report.themes == len(load_themes(REAL_RAW))
    assert real_build.report.themed_works > 0.9 * real_build.report.works


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def allowed_words(reason: Reason, lang: str, vocabulary: list[Theme]) -> set[str]:
    """Every word a reason line may hold: its templates', its people's, its genres' and the
    vocabulary's, in ``lang``."""
    allowed = set()
    for key in ("reason_director_one", "reason_director_other", "reason_cast"):
        allowed.update(words(t(lang, key, names="")))
    for key in ("reason_themes", "reason_topics", "reason_similar"):
        allowed.update(words(t(lang, key, themes="")))
    allowed.update(words(join_names(lang, ["qqq", "zzz"])))
    for name in [*reason.directors, *reason.cast]:
        allowed.update(words(name))
    for genre in reason.genres:
        allowed.update(words(genre_name(lang, genre)))
    for theme in vocabulary:
        allowed.update(words(theme.name(lang)))
    return allowed - {"qqq", "zzz"}


def check_reason(reason: Reason, vocabulary: list[Theme], shared: bool = True) -> None:
    assert set(reason.themes) <= set(vocabulary), reason
    assert len(reason.themes) <= 2
    for lang in ("en", "es"):
        text = reason_text(reason, lang, shared)
        stray = set(words(text)) - allowed_words(reason, lang, vocabulary)
        assert not stray, (text, stray)


def test_real_reasons_name_only_vocabulary_themes_genres_and_people(
    real_build: BuildResult,
) -> None:
    engine = real_build.engine()
    vocabulary = engine.themes.themes_
    rows = random.Random(14).sample(range(len(engine.works)), 400)
    with_themes = 0
    for row in rows:
        for result in engine.similar(str(engine.works["work_id"].iloc[row]), k=10):
            check_reason(result.reason, vocabulary)
            with_themes += bool(result.reason.themes)
    assert with_themes > 1000  # most of the 4,000 reasons name a theme


@pytest.mark.parametrize(
    ("about", "lang", "theme"),
    [
        ("movies about drug cartels", "en", "drugs"),
        ("series sobre la segunda guerra mundial", "es", "World War II"),
        ("something with time travel", "en", "time travel"),
    ],
)
def test_real_discovery_reasons_name_the_themes_asked_for(
    real_build: BuildResult, about: str, lang: str, theme: str
) -> None:
    engine = real_build.engine()
    found = engine.discover(Slots(about=about, lang=lang), k=10)
    assert found.results
    for result in found.results:
        check_reason(result.reason, engine.themes.themes_, shared=False)
    assert sum(theme in names(result.reason.themes) for result in found.results) >= 5


def test_the_issue_fragments_are_gone(real_build: BuildResult) -> None:
    """Replies said "about high, school", "about follows", "sobre family", "sobre drug"."""
    engine = real_build.engine()
    lines = []
    for title in ("13 Reasons Why", "Breaking Bad", "Narcos", "Stranger Things"):
        work_id = engine.match(title)[0].work_id
        for result in engine.similar(work_id, k=10):
            lines += [reason_text(result.reason, lang) for lang in ("en", "es")]
    text = "\n".join(lines)
    for fragment in ("high, school", "follows", "collide", "sobre family", "sobre drug"):
        assert fragment not in text
    assert "también sobre drogas" in text or "también sobre cárteles" in text
