"""Title normalisation shared by the ETL and the matcher (recommender/text.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.text import (
    drop_leading_article,
    fold,
    main_title,
    normalize_title,
    strip_accents,
    version_base,
)


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Amélie", "amelie"),
        ("AmÃ©lie", "amelie"),  # mojibake repaired first
        ("Y Tu MamÃ¡ TambiÃ©n", "y tu mama tambien"),
        ("The Office", "the office"),
        ("  Spider-Man: No Way Home! ", "spider man no way home"),
        ("Oct-01", "oct 01"),
        ("Louis C.K. 2017", "louis c k 2017"),
        ("Pokémon", "pokemon"),
        ("Tom &amp; Jerry", "tom jerry"),
        ("¿?", ""),
        ("忍者ハットリくん", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_title(title: str | None, key: str) -> None:
    assert normalize_title(title) == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Pokémon", "Pokemon"), ("Amélie", "Amelie"), ("naïve café", "naive cafe"), ("Heat", "Heat")],
)
def test_strip_accents(text: str, expected: str) -> None:
    assert strip_accents(text) == expected


def test_fold_keeps_punctuation() -> None:
    assert fold("  Disney+ ") == "disney+"
    assert fold("PRIME Vidéo") == "prime video"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("the office", "office"),
        ("an american tail", "american tail"),
        ("el camino", "camino"),
        ("the", "the"),  # nothing would remain
        ("theodore", "theodore"),  # an article must be a whole word
        ("the the", "the"),  # only one article goes
        ("office", "office"),
    ],
)
def test_drop_leading_article(key: str, expected: str) -> None:
    assert drop_leading_article(key) == expected


@pytest.mark.parametrize(
    ("title", "head"),
    [
        ("Star Wars: The Clone Wars", "star wars"),
        ("Kingsman - The Golden Circle", "kingsman"),
        ("Louis C.K.: Hilarious", "louis c k"),
        ("Heat (1995)", "heat"),
        ("Spider-Man", "spider man"),  # a hyphen inside a word is no subtitle
        ("Toy Story", "toy story"),
    ],
)
def test_main_title(title: str, head: str) -> None:
    assert main_title(title) == head


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalized_keys_are_plain_words_and_stable(title: str) -> None:
    key = normalize_title(title)
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", key)
    assert normalize_title(key) == key


@pytest.mark.parametrize(
    ("title", "base"),
    [
        ("Coco (in Spanish)", "coco"),
        ("Coco (Spanish Version)", "coco"),
        ("Coco (Dubbed)", "coco"),
        ("Your Name (Original Japanese Version)", "your name"),
        ("Shrek 2 (en Español)", "shrek 2"),
        ("Shrek en Español", "shrek"),
        ("en Español", None),
        ("Heat (4K UHD)", "heat"),
        ("The Office (U.S.)", None),
        ("Something Wild (1986)", None),
        ("Cocomong", None),
        ("Dark", None),
        ("(Dubbed)", None),
    ],
)
def test_version_base_names_the_original_of_a_language_or_cut(title, base):
    assert version_base(title) == base
