"""Variety in "works like X": one line per work whatever its language or cut versions, shorts
below features, and no more than a few of X's own franchise on the first page.

``Engine.similar`` puts the parts together. This module holds the parts that need no engine:
which works are versions of one work (``version_groups``) and the order (``arranged``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from recommender.discovery import franchise_key
from recommender.text import bracket_tag, normalize_title, version_base

# The first page (the bot's page of five) holds at most FRANCHISE_FIRST_PAGE works of the
# query's own franchise; the others it held come right after it.
FIRST_PAGE = 5
FRANCHISE_FIRST_PAGE = 3
# The order is rearranged among this many of the most similar works (as many as the bot ever
# pages through), then follows similarity: a pool of fixed size, so that every page, whatever
# its offset and length, is cut from one order.
POOL = 50
# A movie this long or shorter is a short (the Academy's limit), as are the specials the
# catalogues list as movies ("Toy Story of Terror!", 22 min); so is a series of shorts
# ("Star Wars Rebels (Shorts)").
SHORT_MINUTES = 40
SHORTS_TAGS = frozenset({"short", "shorts"})
# Catalogues date copies of one film a year apart ("House on Haunted Hill" 1959, "(in Color)"
# 1958); further apart, one title is two films ("War" 2007, "War (Tamil)" 2019).
VERSION_YEARS = 1


def version_groups(works: pd.DataFrame) -> np.ndarray:
    """For each work of ``works`` (``title_display``, ``title_key``, ``release_year``,
    ``type``), the row of the work it is a version of; its own row for most works.

    A language or cut version ("Shrek 2 (en Español)") belongs to the work of its base title
    and type, the closest in years (for a movie, at most ``VERSION_YEARS`` apart: a series is
    dated by its latest season). Versions with no such work belong to the first of them of
    the same base, type and year ("War (Tamil)" and "War (Telugu)" of 2019).

    >>> titles = ["Coco", "Coco (in Spanish)", "War", "War (Tamil)", "War (Telugu)"]
    >>> version_groups(pd.DataFrame({
    ...     "title_display": titles,
    ...     "title_key": [normalize_title(title) for title in titles],
    ...     "release_year": [2017, 2017, 2007, 2019, 2019],
    ...     "type": ["movie"] * 5,
    ... })).tolist()
    [0, 0, 2, 3, 3]
    """
    titles = works["title_display"].tolist()
    keys = works["title_key"].tolist()
    years = works["release_year"].tolist()
    types = works["type"].astype(str).tolist()
    group = np.arange(len(titles), dtype=np.int64)
    works_of: dict[tuple[str, str], list[int]] = {}
    for row, (key, kind) in enumerate(zip(keys, types, strict=True)):
        works_of.setdefault((key, kind), []).append(row)
    first_version: dict[tuple[str, str, int], int] = {}
    for row, title in enumerate(titles):
        base = version_base(title)
        if base is None:
            continue
        kind, year = types[row], int(years[row])
        near = [
            other
            for other in works_of.get((base, kind), [])
            if kind != "movie" or abs(int(years[other]) - year) <= VERSION_YEARS
        ]
        if near:
            group[row] = min(near, key=lambda other: (abs(int(years[other]) - year), other))
        else:
            group[row] = first_version.setdefault((base, kind, year), row)
    return group


def is_shorts(title: str) -> bool:
    """Whether a title says it is a short or a series of them.

    >>> is_shorts("PJ Masks (Shorts)"), is_shorts("WATER (short)"), is_shorts("Short Term 12")
    (True, True, False)
    """
    # Most titles never say "short": the bracket is read only where they do.
    if "short" not in title.lower():
        return False
    return normalize_title(bracket_tag(title) or "") in SHORTS_TAGS


def of_franchise(key: str) -> Callable[[str, str], bool]:
    """Whether a work (its display title and title key) is of franchise ``key``
    (``recommender.discovery.franchise_key``): its own key is ``key``, or, for a key of two
    words or more, its title holds it ("LEGO Star Wars Terrifying Tales" is Star Wars).

    >>> star_wars = of_franchise("star wars")
    >>> star_wars("Star Wars Rebels", "star wars rebels")
    True
    >>> star_wars("LEGO Star Wars", "lego star wars")
    True
    >>> of_franchise("up")("Grown Ups", "grown ups"), of_franchise("up")("Up", "up")
    (False, True)
    """
    inside = f" {key} " if " " in key else None

    def test(title: str, title_key: str) -> bool:
        return franchise_key(title) == key or (inside is not None and inside in f" {title_key} ")

    return test


def shorts_below(rows: Sequence[int] | np.ndarray, short: np.ndarray) -> np.ndarray:
    """``rows`` (one per work, best first) with the ``short`` ones (a boolean per work) below
    the rest among the first ``POOL``; past the pool, as given. A pool of fixed size keeps
    every page, whatever its offset and length, cut from one order.

    >>> shorts_below([4, 3, 2, 1], np.array([False, False, True, False, True])).tolist()
    [3, 1, 4, 2]
    """
    rows = np.asarray(rows, dtype=np.int64)
    pool = rows[:POOL]
    return np.concatenate([pool[~short[pool]], pool[short[pool]], rows[POOL:]])


def arranged(
    rows: Sequence[int],
    ours: Callable[[int], bool],
    short: np.ndarray | None = None,
) -> list[int]:
    """``rows`` (one per work, the most similar first) in the order they are served.

    Among the first ``POOL``: the ``short`` ones (a boolean per work; ``None`` when shorts
    were asked for) below the rest, then no more than ``FRANCHISE_FIRST_PAGE`` of the
    query's franchise (the rows ``ours`` is true of) among the first ``FIRST_PAGE``, the
    others it held right after them. Past the pool, ``rows`` as given. ``ours`` is asked only
    of the rows the first page reads.

    >>> franchise = ["toy", "toy", "toy", "toy", "toy", "cars", "up", "toy", "coco"]
    >>> short = np.array([False] * 7 + [True, False])
    >>> arranged(range(9), lambda row: franchise[row] == "toy", short)
    [0, 1, 2, 5, 6, 3, 4, 8, 7]
    """
    if short is not None:
        rows = shorts_below(rows, short).tolist()
    pool, rest = list(rows[:POOL]), list(rows[POOL:])
    first: list[int] = []
    held: list[int] = []
    of_ours = 0
    for position, row in enumerate(pool):
        if len(first) == FIRST_PAGE:
            return first + held + pool[position:] + rest
        if ours(row):
            if of_ours == FRANCHISE_FIRST_PAGE:
                held.append(row)
                continue
            of_ours += 1
        first.append(row)
    return first + held + rest
