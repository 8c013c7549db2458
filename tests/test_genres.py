"""One genre vocabulary across platforms (etl/genres.py)."""

from __future__ import annotations

import pytest

from etl.genres import canonical_genres, canonical_label


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("Dramas", ("drama",)),  # Netflix
        ("TV Dramas", ("drama",)),  # Netflix TV
        ("Drama", ("drama",)),  # Amazon, Hulu
        ("Action & Adventure", ("action", "adventure")),
        ("Action-Adventure", ("action", "adventure")),  # Disney+
        ("Sci-Fi & Fantasy", ("science_fiction", "fantasy")),
        ("Science Fiction", ("science_fiction",)),
        ("TV Sci-Fi & Fantasy", ("science_fiction", "fantasy")),
        ("Stand-Up Comedy & Talk Shows", ("standup", "comedy", "talk_show")),
        ("Kids' TV", ("kids",)),
        ("Children & Family Movies", ("kids", "family")),
        ("Romantic Movies", ("romance",)),
        ("International TV Shows", ("international",)),
        ("Crime TV Shows", ("crime",)),
        ("Documentaries", ("documentary",)),
        ("Docuseries", ("documentary",)),
        ("Suspense", ("thriller",)),
        ("Unscripted", ("reality",)),
        ("  COMEDIES ", ("comedy",)),
        ("Movies", ()),
        ("TV Shows", ()),
    ],
)
def test_canonical_label(label: str, words: tuple[str, ...]) -> None:
    assert canonical_label(label) == words


@pytest.mark.parametrize(
    ("listed_in", "genres"),
    [
        ("Dramas, International Movies, Thrillers", "drama international thriller"),
        ("Crime TV Shows, TV Dramas, TV Thrillers", "crime drama thriller"),
        ("Dramas, TV Dramas, Drama", "drama"),  # one word, however many labels say it
        ("Action & Adventure,Suspense", "action adventure thriller"),
        ("Movies", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_canonical_genres(listed_in: str | None, genres: str) -> None:
    assert canonical_genres(listed_in) == genres
