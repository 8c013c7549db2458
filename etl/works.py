"""Linking the same work across platforms, and the one-row-per-work table the engine serves."""

from __future__ import annotations

import hashlib

import pandas as pd

from recommender.platforms import PlatformRegistry
from recommender.text import drop_brand

# What the engine serves; the lowercase text the model is fitted on stays in the build.
SERVED_WORK_COLUMNS = [
    "work_id",
    "id",
    "ids",
    "platforms",
    "title_display",
    "title_key",
    "release_year",
    "type",
    "score",
    "first_year",
    "genres",
    "listed_in_display",
    "director_display",
    "cast_display",
]


def work_id(title_key: str, year: int, item_type: str, fallback: str) -> str:
    """A short stable id for a work; a record whose title key is empty is a work of its own."""
    source = f"{title_key}|{year}|{item_type}" if title_key else f"id|{fallback}"
    return "w" + hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


def link_works(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Add ``work_id``: records with the same normalised title, release year and type share it,
    the studio some platforms write before a title aside ("Marvel Studios' Black Panther")."""
    catalogue = catalogue.copy()
    catalogue["work_id"] = [
        work_id(drop_brand(key), year, item_type, record_id)
        for key, year, item_type, record_id in zip(
            catalogue["title_key"],
            catalogue["release_year"],
            catalogue["type"],
            catalogue["id"],
            strict=True,
        )
    ]
    return catalogue


def _join_unique(values: list, separator: str) -> str:
    """Join the distinct ``separator``-separated entries of several copies, first seen first."""
    seen: dict[str, None] = {}
    for value in values:
        if pd.isna(value):
            continue
        for entry in str(value).split(separator):
            if entry.strip():
                seen.setdefault(entry.strip(), None)
    joiner = ", " if separator == "," else separator
    return joiner.join(seen)


# Fields merged across copies of a work, and the separator of their entries.
_MERGED_FIELDS = {
    "ids": " ",
    "platforms": " ",
    "genres": " ",
    "description": "\n",
    "director": ",",
    "cast": ",",
    "director_display": ",",
    "cast_display": ",",
    "listed_in_display": ",",
}


def build_works(catalogue: pd.DataFrame, registry: PlatformRegistry) -> pd.DataFrame:
    """One row per work, sorted by ``work_id``: its copies' ids and platforms, and its text.

    The representative record, whose display fields replies show, is the copy on the first
    platform in registry order, among those titled as people name the work ("Black Panther",
    not "Marvel Studios' Black Panther").
    """
    order = {name: position for position, name in enumerate(registry.names)}
    ranked = catalogue.assign(
        _branded=[drop_brand(key) != key for key in catalogue["title_key"]],
        _order=catalogue["platform"].map(order),
        ids=catalogue["id"],
        platforms=catalogue["platform"],
    ).sort_values(["work_id", "_branded", "_order", "id"], kind="stable")
    columns = [
        "id",
        "title",
        "title_display",
        "title_key",
        "release_year",
        "type",
        "score",
        "first_year",
    ]
    works = ranked.drop_duplicates("work_id").set_index("work_id")[columns + list(_MERGED_FIELDS)]
    # Most works have one copy; only the shared ones need merging, which keeps this fast.
    shared = ranked[ranked["work_id"].duplicated(keep=False)]
    for field, separator in _MERGED_FIELDS.items():
        copies: dict[str, list] = {}
        for work, value in zip(shared["work_id"], shared[field], strict=True):
            copies.setdefault(work, []).append(value)
        merged = pd.Series(
            {work: _join_unique(values, separator) for work, values in copies.items()}
        )
        works.loc[merged.index, field] = merged
    text = ["title", "title_display", *_MERGED_FIELDS]
    works[text] = works[text].fillna("")
    return works.sort_index().reset_index()
