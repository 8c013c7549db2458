"""Text normalisation shared by the ETL (score join, work linking) and the matcher."""

from __future__ import annotations

import re
import unicodedata

import ftfy

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|el|la|los|las|le|les|lo|il|un|una|der|die|das)\s+")
# The separators below start only where a run of spaces starts: tried from every position of a
# long run, "\s*" would scan to its end each time, in time quadratic in its length.
_QUALIFIER = re.compile(r"(?<!\s)\s*(?:\([^()]*\)|\[[^\[\]]*\])\s*$")
_SUBTITLE_SEPARATOR = re.compile(r"(?<!\s)\s*(?::|\s-\s|\s–\s|\s—\s|\(|\[)\s*")
_SUBTITLE = re.compile(r"(?<!\s)(?:\s*:\s*|\s+[-–—]\s+)")


def strip_accents(text: str) -> str:
    """Decompose to NFKD and drop combining marks: ``"Pokémon"`` becomes ``"Pokemon"``."""
    if text.isascii():  # Nothing to decompose, and far quicker than looking at each character.
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str) -> str:
    """Case- and accent-insensitive form of free text, keeping spaces and punctuation."""
    return strip_accents(text).lower().strip()


def normalize_title(title: str | None) -> str:
    """The baseline title key: repaired, accent-free, lowercase, alphanumeric words.

    >>> normalize_title("Y Tu MamÃ¡ TambiÃ©n")
    'y tu mama tambien'
    >>> normalize_title("  Spider-Man: No Way Home! ")
    'spider man no way home'
    >>> normalize_title("¿?")
    ''
    """
    if not title or not isinstance(title, str):
        return ""
    # ftfy is the slow step, and plain ASCII without HTML entities has nothing for it to fix.
    repaired = title if title.isascii() and "&" not in title else ftfy.fix_text(title)
    folded = strip_accents(repaired).lower()
    return _NON_ALNUM.sub(" ", folded).strip()


def drop_leading_article(key: str) -> str:
    """Drop one leading article from a normalised key, unless nothing would remain.

    >>> drop_leading_article("the office")
    'office'
    >>> drop_leading_article("the")
    'the'
    """
    stripped = _LEADING_ARTICLE.sub("", key)
    return stripped or key


def drop_qualifier(title: str) -> str:
    """A display title without a trailing bracketed qualifier.

    >>> drop_qualifier("The Office (U.S.)")
    'The Office'
    >>> drop_qualifier("Coco [Dubbed]"), drop_qualifier("(500) Days of Summer")
    ('Coco', '(500) Days of Summer')
    """
    return _QUALIFIER.sub("", title).strip() or title


# A title's last bracket, and the words that say only which language or cut a copy is.
_LAST_BRACKET = re.compile(r"^(?P<base>.*\S)\s*[(\[](?P<tag>[^()\[\]]*)[)\]]\s*$")
_VERSION_TEXT = (
    "version ver dub dubbed dubbing doblada doblado doblaje sub subs subbed subtitled "
    "subtitles subtitulada subtitulado subtitulos audio language idioma original in en "
    "with con no non dialog and y 4k uhd hd extended edition cut director s producer s "
    "uncut remastered digitally restored black white color colour "
    "spanish english french german italian portuguese japanese korean chinese mandarin "
    "cantonese hindi tamil telugu telegu malayalam kannada marathi bengali punjabi arabic "
    "turkish russian polish dutch swedish thai indonesian filipino tagalog hebrew "
    "castilian espanol castellano latino latin american brazilian ingles frances"
)
_VERSION_WORDS = frozenset(_VERSION_TEXT.split())


def version_base(title: str) -> str | None:
    """The title key of the work a language or cut version is of, or ``None`` when ``title``
    carries no version tag.

    >>> version_base("Coco (in Spanish)"), version_base("Shrek 2 (en Español)")
    ('coco', 'shrek 2')
    >>> version_base("Shrek en Español")
    'shrek'
    >>> version_base("The Office (U.K.)") is None, version_base("Coco") is None
    (True, True)
    """
    version = _version(title)
    return None if version is None else version[0]


def version_tag(title: str) -> str | None:
    """Which language or cut a version is, as its title says it, or ``None`` for no version.

    >>> version_tag("Shrek 2 (en Español)"), version_tag("Heat [4K UHD]"), version_tag("Heat")
    ('en Español', '4K UHD', None)
    """
    version = _version(title)
    return None if version is None else version[1]


def bracket_tag(title: str) -> str | None:
    """The text of the bracket a title ends with, or ``None``.

    >>> bracket_tag("PJ Masks (Shorts)"), bracket_tag("(500) Days of Summer")
    ('Shorts', None)
    """
    bracket = _LAST_BRACKET.match(title or "")
    return bracket.group("tag").strip() if bracket else None


def _version(title: str) -> tuple[str, str] | None:
    """A version's base title key and its tag, or ``None`` when ``title`` has no version tag."""
    bracket = _LAST_BRACKET.match(title or "")
    if not bracket:
        # Hulu names its Spanish versions without a bracket: "Shrek en Español".
        words = (title or "").split()
        if len(words) > 2 and normalize_title(" ".join(words[-2:])) == "en espanol":
            base = normalize_title(" ".join(words[:-2]))
            return (base, " ".join(words[-2:])) if base else None
        return None
    tag = bracket.group("tag")
    words = normalize_title(tag).split()
    if words and all(word in _VERSION_WORDS for word in words):
        base = normalize_title(bracket.group("base"))
        return (base, tag.strip()) if base else None
    return None


# Studios and authors some platforms write before a title and others leave out ("Marvel
# Studios' Black Panther" on Disney+, "Black Panther" on Netflix), as people do; as keys.
_BRAND = re.compile(
    r"^(?:marvel studios|(?:marvel|disney|disney pixar|tom clancy|jim henson|tim burton"
    r"|national lampoon|agatha christie) s|dr seuss) (?=\S)"
)


def drop_brand(key: str) -> str:
    """A normalised title key without the studio or author written before some titles.

    >>> drop_brand("marvel studios black panther"), drop_brand("tom clancy s jack ryan")
    ('black panther', 'jack ryan')
    >>> drop_brand("marvel studios")
    'marvel studios'
    """
    return _BRAND.sub("", key)


def subtitle(title: str) -> str:
    """The part of a display title after its main title, as a normalised key ('' if none).

    >>> subtitle("Star Wars: The Clone Wars")
    'the clone wars'
    >>> subtitle("Heat")
    ''
    """
    parts = _SUBTITLE.split(title, maxsplit=1)
    return normalize_title(parts[1]) if len(parts) == 2 else ""


def last_subtitle(title: str) -> str:
    """The part of a display title after its last subtitle separator ('' if none), which
    people name alone: "the last jedi" of "Star Wars: Episode VIII: The Last Jedi".

    >>> last_subtitle("Star Wars: Episode VIII: The Last Jedi"), last_subtitle("Heat")
    ('the last jedi', '')
    """
    parts = _SUBTITLE.split(title)
    return normalize_title(parts[-1]) if len(parts) > 1 else ""


def main_title(title: str) -> str:
    """The part of a display title before its subtitle, as a normalised key.

    >>> main_title("Star Wars: The Clone Wars")
    'star wars'
    >>> main_title("Kingsman - The Golden Circle")
    'kingsman'
    """
    head = _SUBTITLE_SEPARATOR.split(title, maxsplit=1)[0]
    return normalize_title(head)
