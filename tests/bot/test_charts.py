"""The /stats charts (bot/charts.py): real PNGs from the fixture engine, read back with PIL."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from matplotlib.colors import to_rgb
from PIL import Image

from bot import charts
from bot.charts import Chart, ChartCache, overview_chart, platform_chart, platform_colours
from bot.chat.i18n import EN, ES  # The labels the bot passes: its string catalogues.
from recommender.catalogue import Catalogue, QueryError
from recommender.engine import Engine
from recommender.platforms import PlatformRegistry
from tests.conftest import BuiltData

LABELS = {"en": EN, "es": ES}
PLATFORMS = ["Prime Video", "Disney+", "Hulu", "Netflix"]


@pytest.fixture(scope="module")
def overviews(engine: Engine) -> dict[str, Chart]:
    return {
        language: overview_chart(engine.catalogue, labels) for language, labels in LABELS.items()
    }


@pytest.fixture(scope="module")
def netflix(engine: Engine) -> dict[str, Chart]:
    return {
        language: platform_chart(engine.catalogue, "nflx", labels)
        for language, labels in LABELS.items()
    }


@pytest.fixture(scope="module")
def sparse(engine: Engine) -> Catalogue:
    """A catalogue whose Hulu has no titles, whose Disney+ has no ratings, and whose Netflix
    has one title."""
    records = engine.catalogue.records
    records = records[records["platform"] != "hulu"].copy()
    records["rating_display"] = records["rating_display"].astype(object)
    records.loc[records["platform"] == "disney", "rating_display"] = None
    records = records[(records["platform"] != "netflix") | (records["id"] == "ns1")]
    return Catalogue(records.reset_index(drop=True), engine.registry)


def decode(chart: Chart) -> Image.Image:
    """The chart's PNG, checked against what ``chart`` says it holds."""
    image = Image.open(BytesIO(chart.png))
    assert image.format == "PNG"
    assert image.size == (chart.width, chart.height)
    assert image.text["Title"] == chart.title
    assert tuple(image.text["Description"].split("\n")) == chart.labels
    return image


def colours_in(chart: Chart) -> set[tuple[int, int, int]]:
    pixels = decode(chart).convert("RGB").getcolors(maxcolors=chart.width * chart.height)
    return {colour for _, colour in pixels}


def rgb(colour: str) -> tuple[int, int, int]:
    red, green, blue = (round(channel * 255) for channel in to_rgb(colour))
    return red, green, blue


# -- what the PNGs hold ------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_overview_is_a_png_with_its_words_in_its_text_chunks(
    overviews: dict[str, Chart], language: str
) -> None:
    labels, chart = LABELS[language], overviews[language]
    assert decode(chart).size == (1200, 1500)
    assert chart.title == labels["chart_overview_title"]
    words = [labels[key] for key in ("chart_types_title", "chart_movies", "chart_tv_shows")]
    words += [labels["chart_year"], labels["chart_titles"]]
    words.append(labels["chart_releases_title"].format(first=1991, last=2020))
    assert set(words + PLATFORMS) <= set(chart.labels)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_platform_chart_shows_genres_ratings_and_countries(
    netflix: dict[str, Chart], language: str
) -> None:
    labels, chart = LABELS[language], netflix[language]
    assert decode(chart).size == (1200, 1800)
    assert chart.title == labels["chart_platform_title"].format(platform="Netflix")
    expected = {
        labels["chart_genres"],
        labels["chart_ratings"],
        labels["chart_countries"].format(known=11, titles=11),
        f"{labels['chart_movies']}: 6 · {labels['chart_tv_shows']}: 5",
        "International Movies",  # the top genre: three titles
        "TV-14",
        "TV-MA",
        "United States",
        "United States Virgin Islands",
    }
    assert expected <= set(chart.labels)
    # Netflix's 7 ratings all fit in the top 8, and every title has one.
    assert not {labels["chart_other_ratings"], labels["chart_unrated"]} & set(chart.labels)


def test_nothing_english_is_drawn_in_spanish(
    overviews: dict[str, Chart], netflix: dict[str, Chart]
) -> None:
    english = {text for text in EN.values() if "{" not in text}
    assert not english & set(overviews["es"].labels + netflix["es"].labels)
    assert "Películas: 6 · Series: 5" in netflix["es"].labels


def test_every_platform_keeps_its_colour(
    engine: Engine, overviews: dict[str, Chart], netflix: dict[str, Chart]
) -> None:
    colours = {name: rgb(colour) for name, colour in platform_colours(engine.registry).items()}
    assert len(set(colours.values())) == 4
    assert set(colours.values()) <= colours_in(overviews["en"])
    in_netflix = colours_in(netflix["en"])
    assert colours["netflix"] in in_netflix
    assert not {colours["amazon"], colours["disney"], colours["hulu"]} & in_netflix


# -- sparse data ---------------------------------------------------------------------------------
def test_sparse_platforms_render_without_warnings(sparse: Catalogue) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        overview = overview_chart(sparse, EN)
        empty = platform_chart(sparse, "hulu", EN)
        unrated = platform_chart(sparse, "disney", EN)
        tiny = platform_chart(sparse, "netflix", EN)
    assert [str(warning.message) for warning in caught] == []
    assert set(PLATFORMS) <= set(overview.labels)
    assert {"No data", "Top countries (listed for 0 of 0)"} <= set(empty.labels)
    assert "Unrated" in unrated.labels
    assert not {"G", "PG", "TV-PG"} & set(unrated.labels)
    assert {"Documentaries", "PG-13", "United States"} <= set(tiny.labels)
    for chart in (overview, empty, unrated, tiny):
        decode(chart)


def test_every_string_is_drawn_as_typed_never_as_mathtext(engine: Engine) -> None:
    """Names come from uploaded files; mathtext would fail on these, or draw other text."""
    odd = {
        "listed_in_display": "$\\frac$ Dramas",
        "country_display": "$x_$",
        "rating_display": "$$",
    }
    records = engine.catalogue.records.astype(dict.fromkeys(odd, object))
    netflix = records["platform"] == "netflix"
    for column, value in odd.items():
        records.loc[netflix, column] = value
    registry = PlatformRegistry(
        [
            dataclasses.replace(platform, display_name="Cash $$ TV")
            if platform.name == "netflix"
            else platform
            for platform in engine.registry
        ]
    )
    catalogue = Catalogue(records, registry)
    overview = overview_chart(catalogue, EN)
    chart = platform_chart(catalogue, "netflix", EN)
    assert "Cash $$ TV" in overview.labels
    assert {*odd.values(), EN["chart_platform_title"].format(platform="Cash $$ TV")} <= set(
        chart.labels
    )


def test_an_unknown_platform_is_a_query_error(engine: Engine) -> None:
    with pytest.raises(QueryError, match="unknown platform"):
        platform_chart(engine.catalogue, "hbo", EN)
    with pytest.raises(QueryError, match="unknown platform"):
        ChartCache().chart(engine, "en", EN, "hbo")


def test_missing_labels_are_named(engine: Engine) -> None:
    labels = {key: text for key, text in EN.items() if key != "chart_no_data"}
    with pytest.raises(KeyError, match="chart_no_data"):
        overview_chart(engine.catalogue, labels)


# -- no files, no pyplot ---------------------------------------------------------------------
def test_charts_write_no_files(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_temporary_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("a chart made a temporary file")

    for name in (
        "mkstemp",
        "mkdtemp",
        "NamedTemporaryFile",
        "TemporaryFile",
        "SpooledTemporaryFile",
    ):
        monkeypatch.setattr(tempfile, name, no_temporary_files)
    monkeypatch.chdir(tmp_path)
    overview_chart(engine.catalogue, EN)
    platform_chart(engine.catalogue, "disney", ES)
    assert list(tmp_path.iterdir()) == []


def test_charts_leave_pyplot_alone(built: BuiltData) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bot.charts import LABEL_KEYS, overview_chart, platform_chart\n"
        "from recommender.engine import Engine\n"
        "engine = Engine.load(Path(sys.argv[1]))\n"
        "labels = {key: key for key in LABEL_KEYS}\n"
        "overview_chart(engine.catalogue, labels)\n"
        "platform_chart(engine.catalogue, 'hulu', labels)\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    root = Path(__file__).parents[2]
    subprocess.run(
        [sys.executable, "-W", "error", "-c", script, str(built.processed_dir)],
        cwd=root,
        check=True,
        timeout=120,
    )


# -- the cache -----------------------------------------------------------------------------------
@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Replace the renderers by fast fakes; the list of the renders they were asked for."""
    asked: list[tuple] = []

    def fake(*args: object) -> Chart:
        asked.append(args)
        time.sleep(0.01)  # long enough for threads to overlap
        return Chart(png=b"", width=1, height=1, labels=(), title=str(len(asked)))

    monkeypatch.setattr(charts, "overview_chart", fake)
    monkeypatch.setattr(charts, "platform_chart", fake)
    return asked


def test_the_cache_keeps_a_real_chart(engine: Engine) -> None:
    cache = ChartCache()
    chart = cache.chart(engine, "en", EN)
    assert cache.chart(engine, "en", EN) is chart
    assert decode(chart).text["Title"] == EN["chart_overview_title"]


def test_the_cache_keys_on_language_and_platform(engine: Engine, renders: list[tuple]) -> None:
    cache = ChartCache()
    netflix = cache.chart(engine, "en", EN, "netflix")
    assert cache.chart(engine, "en", EN, "NFLX") is netflix  # an alias: the same chart
    assert cache.chart(engine, "es", ES, "netflix") is not netflix
    assert cache.chart(engine, "en", EN) is not netflix
    assert len(renders) == 3
    assert renders[0] == (engine.catalogue, "netflix", EN)


def test_a_new_engine_version_drops_every_chart(engine: Engine, renders: list[tuple]) -> None:
    cache = ChartCache()
    old = [cache.chart(engine, "en", EN), cache.chart(engine, "en", EN, "hulu")]
    reloaded = SimpleNamespace(
        catalogue=engine.catalogue, registry=engine.registry, version=engine.version + "-next"
    )
    new = [cache.chart(reloaded, "en", EN), cache.chart(reloaded, "en", EN, "hulu")]
    assert all(after is not before for before, after in zip(old, new, strict=True))
    assert cache.chart(reloaded, "en", EN) is new[0]
    assert len(renders) == 4


def test_people_asking_at_once_cause_one_render(engine: Engine, renders: list[tuple]) -> None:
    cache = ChartCache()
    got: list[Chart] = []
    threads = [
        threading.Thread(target=lambda: got.append(cache.chart(engine, "es", ES))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(renders) == 1
    assert len(got) == 8 and all(chart is got[0] for chart in got)
