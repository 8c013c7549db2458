"""The /stats charts: PNGs drawn in memory with matplotlib's object-oriented API on Agg.

Each chart is its own ``Figure`` on its own ``FigureCanvasAgg``: no pyplot, no change to the
global ``rcParams``, no files; so charts can render in a worker thread (``asyncio.to_thread``).
Every string is drawn as plain text, never as mathtext or TeX: platform names, genres,
countries and ratings come from uploaded files, and a ``$`` in them must stay a ``$``.

Every word drawn comes from a ``ChartLabels`` mapping (a language's i18n catalogue will do),
with these ``str.format`` templates (``LABEL_KEYS``):

- ``chart_overview_title``: the overview's title
- ``chart_types_title``: its panel of movies and TV shows per platform
- ``chart_movies``, ``chart_tv_shows``: that panel's legend, and the platform chart's subtitle
- ``chart_releases_title``: its panel of releases per year; ``{first}``, ``{last}`` are years
- ``chart_year``, ``chart_titles``: that panel's x and y axis labels
- ``chart_platform_title``: the platform chart's title; ``{platform}`` is the platform's name
- ``chart_genres``, ``chart_ratings``: its panel titles
- ``chart_countries``: its countries panel; ``{known}`` of the ``{titles}`` titles list one
- ``chart_other_ratings``, ``chart_unrated``: the ratings outside the top, and titles with none
- ``chart_no_data``: written on an empty panel

matplotlib is imported by the functions that draw, at the first chart: most bot processes never
draw one, and would otherwise pay its import in start-up time and memory.
"""

from __future__ import annotations

import re
import textwrap
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

import numpy as np

from recommender.catalogue import Catalogue
from recommender.engine import Engine
from recommender.platforms import PlatformRegistry
from recommender.stats import platform_profile, releases_by_year, titles_by_type

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ChartLabels = Mapping[str, str]
LABEL_KEYS = (
    "chart_overview_title",
    "chart_types_title",
    "chart_movies",
    "chart_tv_shows",
    "chart_releases_title",
    "chart_year",
    "chart_titles",
    "chart_platform_title",
    "chart_genres",
    "chart_ratings",
    "chart_countries",
    "chart_other_ratings",
    "chart_unrated",
    "chart_no_data",
)

DPI = 150
OVERVIEW_SIZE = (1200, 1500)  # pixels: a tall image fills a phone screen
PLATFORM_SIZE = (1200, 1800)
YEARS = 30
TOP = 8
# Okabe–Ito colours: distinct for colour-blind readers too.
PALETTE = ("#0072B2", "#CC79A7", "#009E73", "#D55E00", "#E69F00", "#56B4E9", "#F0E442", "#000000")
INK, MUTED, GRID, BUCKET = "#222222", "#666666", "#DDDDDD", "#9E9E9E"
TITLE_SIZE, PANEL_SIZE, TEXT_SIZE = 18, 15, 13
_PANEL_TITLE = {"fontsize": PANEL_SIZE, "fontweight": "bold", "color": INK, "loc": "left"}
# Genre names such as "Stand-Up Comedy & Talk Shows" would squeeze the bars.
WRAP = 22
MARGIN = 0.12  # inches around the figure and between panels
_NUMBER = re.compile(r"[-−+\d\s.,:%]*")


@dataclass(frozen=True)
class Chart:
    """A rendered chart: the PNG, its size in pixels, its title and every word drawn."""

    png: bytes
    width: int
    height: int
    labels: tuple[str, ...]
    title: str


def platform_colours(registry: PlatformRegistry) -> dict[str, str]:
    """A colour per platform name, by registry order, so a platform looks the same in every
    chart.

    >>> from recommender.platforms import Platform
    >>> registry = PlatformRegistry(
    ...     [Platform("a", "a", "a.csv", "A"), Platform("b", "b", "b.csv", "B")]
    ... )
    >>> platform_colours(registry)
    {'a': '#0072B2', 'b': '#CC79A7'}
    """
    return {
        platform.name: PALETTE[position % len(PALETTE)]
        for position, platform in enumerate(registry)
    }


def overview_chart(catalogue: Catalogue, labels: ChartLabels) -> Chart:
    """Movies and TV shows per platform (grouped bars), over titles released per year per
    platform in the last ``YEARS`` years (lines)."""
    _check(labels)
    figure = _figure(OVERVIEW_SIZE)
    types_axes, years_axes = figure.subplots(2, 1, height_ratios=(1, 1.3))
    colours = platform_colours(catalogue.registry)
    _types_panel(types_axes, catalogue, colours, labels)
    _releases_panel(years_axes, catalogue, colours, labels)
    title = labels["chart_overview_title"]
    figure.suptitle(title, fontsize=TITLE_SIZE, fontweight="bold", color=INK)
    return _render(figure, title)


def platform_chart(catalogue: Catalogue, platform: str, labels: ChartLabels) -> Chart:
    """One platform's top genres, ratings mix and top countries, as horizontal bars; raises
    ``QueryError`` for an unknown platform."""
    _check(labels)
    profile = platform_profile(catalogue, platform, TOP)
    colour = platform_colours(catalogue.registry)[profile.platform]
    ratings = [(name, count, colour) for name, count in profile.ratings.items()]
    for bucket, count in (
        ("chart_other_ratings", profile.other_ratings),
        ("chart_unrated", profile.unrated),
    ):
        if count:
            ratings.append((labels[bucket], count, BUCKET))
    genres = [(name, count, colour) for name, count in profile.genres.items()]
    countries = [(name, count, colour) for name, count in profile.countries.items()]
    countries_title = labels["chart_countries"].format(
        known=profile.with_country, titles=profile.titles
    )
    panels = [
        (labels["chart_genres"], genres),
        (labels["chart_ratings"], ratings),
        (countries_title, countries),
    ]
    figure = _figure(PLATFORM_SIZE)
    # Room for at least TOP bars in every panel, and heights in proportion, so bars are
    # equally thick in every panel and every platform's chart, however few there are.
    slots = [max(len(bars), TOP) for _, bars in panels]
    axes_list = figure.subplots(3, 1, height_ratios=[rows + 1.5 for rows in slots])
    for axes, (panel_title, bars), rows in zip(axes_list, panels, slots, strict=True):
        _bars_panel(axes, panel_title, bars, rows, labels)
    display_name = catalogue.registry.get(profile.platform).display_name
    title = labels["chart_platform_title"].format(platform=display_name)
    figure.suptitle(title, fontsize=TITLE_SIZE, fontweight="bold", color=INK)
    summary = (
        f"{labels['chart_movies']}: {profile.movies}  ·  "
        f"{labels['chart_tv_shows']}: {profile.tv_shows}"
    )
    figure.axes[0].set_title(summary, loc="right", fontsize=TEXT_SIZE, color=MUTED)
    return _render(figure, title)


class ChartCache:
    """Rendered charts per (engine version, language, platform or ``None``), kept until the
    engine version changes, i.e. until the next reload."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._charts: dict[tuple[str, str | None], Chart] = {}

    def chart(
        self, engine: Engine, language: str, labels: ChartLabels, platform: str | None = None
    ) -> Chart:
        """The overview, or ``platform``'s chart (any alias; ``QueryError`` if unknown)."""
        name = None if platform is None else engine.catalogue.platform(platform).name
        # Rendering under the lock: many people asking at once cause one render, not many.
        with self._lock:
            if engine.version != self._version:
                self._version, self._charts = engine.version, {}
            key = (language, name)
            if key not in self._charts:
                self._charts[key] = (
                    overview_chart(engine.catalogue, labels)
                    if name is None
                    else platform_chart(engine.catalogue, name, labels)
                )
            return self._charts[key]


# -- panels ------------------------------------------------------------------------------------
def _types_panel(
    axes: Axes, catalogue: Catalogue, colours: Mapping[str, str], labels: ChartLabels
) -> None:
    """Two bars per platform: movies in the platform's colour, TV shows in a tint of it."""
    from matplotlib.patches import Patch

    counts = titles_by_type(catalogue)
    rows = np.arange(len(counts))
    solid = [colours[name] for name in counts.index]
    tinted = [_tint(colour) for colour in solid]
    for offset, column, fill in ((-0.2, "movie", solid), (0.2, "tv show", tinted)):
        bars = axes.barh(rows + offset, counts[column], height=0.38, color=fill)
        axes.bar_label(bars, padding=4, fontsize=TEXT_SIZE, color=INK)
    names = [platform.display_name for platform in catalogue.registry]
    axes.set_yticks(rows, labels=names, fontsize=TEXT_SIZE, color=INK)
    _bare(axes, int(counts.to_numpy().max(initial=0)))
    axes.legend(
        handles=[Patch(color=MUTED), Patch(color=_tint(MUTED))],
        labels=[labels["chart_movies"], labels["chart_tv_shows"]],
        # Between the title and the bars, where no bar can run into it.
        loc="lower left",
        bbox_to_anchor=(0, 1),
        ncols=2,
        borderaxespad=0.2,
        frameon=False,
        fontsize=TEXT_SIZE,
    )
    axes.set_title(labels["chart_types_title"], pad=32, **_PANEL_TITLE)


def _releases_panel(
    axes: Axes, catalogue: Catalogue, colours: Mapping[str, str], labels: ChartLabels
) -> None:
    """A line per platform: titles released each year."""
    from matplotlib.ticker import MaxNLocator

    releases = releases_by_year(catalogue, YEARS)
    for platform in catalogue.registry:
        axes.plot(
            releases.index,
            releases[platform.name],
            color=colours[platform.name],
            linewidth=2.5,
            label=platform.display_name,
        )
    first, last = int(releases.index[0]), int(releases.index[-1])
    axes.set_xlim(first, last)
    axes.set_ylim(bottom=0)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(labelsize=TEXT_SIZE, colors=INK, length=0)
    axes.grid(axis="y", color=GRID)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(MUTED)
    axes.set_xlabel(labels["chart_year"], fontsize=TEXT_SIZE, color=MUTED)
    axes.set_ylabel(labels["chart_titles"], fontsize=TEXT_SIZE, color=MUTED)
    axes.legend(loc="upper left", frameon=False, fontsize=TEXT_SIZE, ncols=2)
    axes.set_title(labels["chart_releases_title"].format(first=first, last=last), **_PANEL_TITLE)


def _bars_panel(
    axes: Axes,
    title: str,
    bars: Sequence[tuple[str, int, str]],
    rows: int,
    labels: ChartLabels,
) -> None:
    """Horizontal bars, ``(name, count, colour)`` each, from the top of ``rows`` places."""
    axes.set_title(title, **_PANEL_TITLE)
    if not bars:
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            labels["chart_no_data"],
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=TEXT_SIZE,
            color=MUTED,
        )
        return
    names, counts, colours = zip(*bars, strict=True)
    places = np.arange(len(bars))
    drawn = axes.barh(places, counts, height=0.7, color=colours)
    axes.bar_label(drawn, padding=4, fontsize=TEXT_SIZE, color=INK)
    wrapped = [textwrap.fill(name, WRAP) for name in names]
    axes.set_yticks(places, labels=wrapped, fontsize=TEXT_SIZE, color=INK)
    _bare(axes, max(counts))
    axes.set_ylim(rows - 0.5, -0.5)


# -- helpers -----------------------------------------------------------------------------------
def _check(labels: ChartLabels) -> None:
    missing = [key for key in LABEL_KEYS if key not in labels]
    if missing:
        raise KeyError(f"chart labels missing: {', '.join(missing)}")


def _figure(size: tuple[int, int]) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = size
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    figure.get_layout_engine().set(w_pad=MARGIN, h_pad=MARGIN)
    figure.set_facecolor("white")
    FigureCanvasAgg(figure)
    return figure


def _bare(axes: Axes, largest: int) -> None:
    """Bars labelled with their counts need no x axis, no frame and no tick marks; the top
    row goes first, and the room on the right is for the count labels."""
    axes.invert_yaxis()
    axes.set_xlim(0, max(largest, 1) * 1.15)
    axes.xaxis.set_visible(False)
    axes.tick_params(axis="y", length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)


def _tint(colour: str) -> str:
    """``colour`` mixed half-and-half with white."""
    from matplotlib.colors import to_hex, to_rgb

    return to_hex([(channel + 1) / 2 for channel in to_rgb(colour)])


def _render(figure: Figure, title: str) -> Chart:
    """The PNG of ``figure``; its title and every word drawn go in its text chunks too."""
    from matplotlib.text import Text

    # Every text is made by now, tick labels included (the ticks that the axes add while
    # drawing are numbers), so turning math off here covers titles, legends and labels alike.
    for text in figure.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)
    figure.draw_without_rendering()  # lays out, and fills in the tick labels to collect
    texts = dict.fromkeys([title])
    for text in figure.findobj(Text):
        words = " ".join(text.get_text().split())
        if text.get_visible() and not _NUMBER.fullmatch(words):
            texts[words] = None
    labels = tuple(texts)
    buffer = BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=DPI,
        facecolor="white",
        metadata={"Title": title, "Description": "\n".join(labels)},
    )
    width, height = figure.canvas.get_width_height()
    return Chart(png=buffer.getvalue(), width=width, height=height, labels=labels, title=title)
