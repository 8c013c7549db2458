"""One genre vocabulary across platforms: "Dramas", "TV Dramas" and "Drama" are all ``drama``."""

from __future__ import annotations

import re
from functools import cache

# Multi-word genres kept as one word, applied before splitting a label into words.
_PHRASES = (
    (r"sci-fi|science fiction", "science_fiction"),
    (r"stand[- ]?up( comedy)?", "standup comedy"),
    (r"game shows?", "game_show"),
    (r"talk shows?", "talk_show"),
    (r"soap opera", "soap_opera"),
    (r"coming of age", "coming_of_age"),
    (r"special interest", "special_interest"),
    (r"concert film", "concert"),
    (r"music videos", "music"),
    (r"late night", "late_night"),
    (r"black stories", "black_stories"),
    (r"young adult audience", "teen"),
    (r"adult animation", "animation adult"),
    (r"action-adventure", "action adventure"),
    (r"lgbtq\+?", "lgbtq"),
)
# Words that say what kind of item it is, not its genre.
_FILLER = frozenset(
    [
        "and",
        "tv",
        "movies",
        "movie",
        "shows",
        "show",
        "series",
        "features",
        "films",
        "film",
        "the",
        "of",
        "language",
        "interest",
    ]
)
_SYNONYMS = {
    "dramas": "drama",
    "comedies": "comedy",
    "documentaries": "documentary",
    "docuseries": "documentary",
    "thrillers": "thriller",
    "romantic": "romance",
    "children": "kids",
    "kids'": "kids",
    "kid": "kids",
    "cartoons": "animation",
    "musicals": "musical",
    "classics": "classic",
    "concerts": "concert",
    "mysteries": "mystery",
    "sitcom": "comedy",
    "melodrama": "drama",
    "cop": "police",
    "espionage": "spy",
    "biographical": "biography",
    "historical": "history",
    "military": "war",
    "spirituality": "faith",
    "competition": "game_show",
    "anime": "anime",
    "suspense": "thriller",
    "arthouse": "independent",
    "unscripted": "reality",
}
_WORD = re.compile(r"[a-z_']+")


@cache
def canonical_label(label: str) -> tuple[str, ...]:
    """Canonical genre words for one raw ``listed_in`` label.

    >>> canonical_label("TV Dramas")
    ('drama',)
    >>> canonical_label("Action & Adventure")
    ('action', 'adventure')
    >>> canonical_label("Sci-Fi & Fantasy")
    ('science_fiction', 'fantasy')
    >>> canonical_label("Movies")
    ()
    """
    text = label.lower().strip()
    for pattern, replacement in _PHRASES:
        text = re.sub(pattern, replacement, text)
    words = []
    for word in _WORD.findall(text):
        word = _SYNONYMS.get(word, word).strip("'")
        if word and word not in _FILLER and word not in words:
            words.append(word)
    return tuple(words)


def canonical_genres(listed_in: str | None) -> str:
    """Canonical genre words for a comma-separated ``listed_in`` value, space-joined.

    >>> canonical_genres("Dramas, International Movies, Thrillers")
    'drama international thriller'
    >>> canonical_genres("Arts, Entertainment, and Culture")
    'arts entertainment culture'
    """
    if not listed_in or not isinstance(listed_in, str):
        return ""
    words: list[str] = []
    for label in listed_in.split(","):
        for word in canonical_label(label):
            if word not in words:
                words.append(word)
    return " ".join(words)
