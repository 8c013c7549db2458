"""The platform registry, read from the declarative table ``platforms.toml``."""

from __future__ import annotations

import json
import re
import string
import tomllib
from pathlib import Path

from etl.errors import EtlError
from recommender.platforms import Platform, PlatformRegistry

REGISTRY_FILE = "platforms.toml"
_FIELDS = ("name", "letter", "file", "display_name")
TV_YEARS = ("latest", "first")


def load_registry(raw_dir: Path) -> PlatformRegistry:
    """Read and validate ``raw_dir/platforms.toml``."""
    path = raw_dir / REGISTRY_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EtlError(path, "the platform registry is missing") from None
    except UnicodeDecodeError as error:
        raise EtlError(path, f"the platform registry is not valid TOML ({error})") from None
    return parse_registry(text, path)


def parse_registry(text: str, path: Path) -> PlatformRegistry:
    """Validate the registry ``text``; errors name ``path``."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise EtlError(path, f"the platform registry is not valid TOML ({error})") from None
    entries = table.get("platform", [])
    if not entries:
        raise EtlError(path, "the platform registry lists no [[platform]] entries")
    platforms = []
    for number, entry in enumerate(entries, start=1):
        missing = [key for key in _FIELDS if not str(entry.get(key, "")).strip()]
        if missing:
            raise EtlError(path, f"entry {number} has no {', '.join(missing)}")
        if not re.fullmatch(r"[a-z]", entry["letter"]):
            raise EtlError(path, f"entry {number}: letter must be one lowercase letter")
        tv_year = entry.get("tv_year", "latest")
        if tv_year not in TV_YEARS:
            raise EtlError(path, f"entry {number}: tv_year must be {' or '.join(TV_YEARS)}")
        platforms.append(
            Platform(
                name=entry["name"].strip().lower(),
                letter=entry["letter"],
                file=entry["file"],
                display_name=entry["display_name"],
                aliases=tuple(entry.get("aliases", ())),
                tv_year=tv_year,
            )
        )
    for key in ("name", "letter", "file"):
        values = [getattr(p, key) for p in platforms]
        duplicated = sorted({v for v in values if values.count(v) > 1})
        if duplicated:
            raise EtlError(path, f"two entries share the {key} {', '.join(duplicated)}")
    return PlatformRegistry(platforms)


def free_letter(registry: PlatformRegistry, name: str) -> str | None:
    """The id letter for a new platform: its first letter if free, else the first free one.

    >>> registry = PlatformRegistry([Platform("netflix", "n", "n.csv", "Netflix")])
    >>> free_letter(registry, "max"), free_letter(registry, "nowtv")
    ('m', 'a')
    """
    used = {platform.letter for platform in registry}
    letters = [name[:1], *string.ascii_lowercase]
    return next((letter for letter in letters if letter.isalpha() and letter not in used), None)


def with_platform(text: str, platform: Platform, path: Path) -> str:
    """The registry ``text`` with an entry for ``platform`` appended, validated.

    Comments and layout stay as they are; the entry takes the file's line ends.
    Raises ``EtlError`` naming ``path`` when the result is not a valid registry.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    fields = {
        "name": platform.name,
        "letter": platform.letter,
        "file": platform.file,
        "display_name": platform.display_name,
        "aliases": list(platform.aliases),
        "tv_year": platform.tv_year,
    }
    # A JSON string or list is also a TOML one, escapes included.
    entry = ["[[platform]]"] + [
        f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()
    ]
    if text and not text.endswith(newline):
        text += newline
    text += newline + newline.join(entry) + newline
    parse_registry(text, path)
    return text
