"""The platform registry, read from the declarative table ``platforms.toml``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from etl.errors import EtlError
from recommender.platforms import Platform, PlatformRegistry

REGISTRY_FILE = "platforms.toml"
_FIELDS = ("name", "letter", "file", "display_name")


def load_registry(raw_dir: Path) -> PlatformRegistry:
    """Read and validate ``raw_dir/platforms.toml``."""
    path = raw_dir / REGISTRY_FILE
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EtlError(path, "the platform registry is missing") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
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
        platforms.append(
            Platform(
                name=entry["name"].strip().lower(),
                letter=entry["letter"],
                file=entry["file"],
                display_name=entry["display_name"],
                aliases=tuple(entry.get("aliases", ())),
            )
        )
    for key in ("name", "letter", "file"):
        values = [getattr(p, key) for p in platforms]
        duplicated = sorted({v for v in values if values.count(v) > 1})
        if duplicated:
            raise EtlError(path, f"two entries share the {key} {', '.join(duplicated)}")
    return PlatformRegistry(platforms)
