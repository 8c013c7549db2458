"""Streaming platforms and the names people use for them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from recommender.text import fold


@dataclass(frozen=True)
class Platform:
    """One streaming platform from the registry."""

    name: str
    letter: str
    file: str
    display_name: str
    aliases: tuple[str, ...] = field(default_factory=tuple)
    # Which season a TV show's release year is: the "latest" (Netflix, Prime Video) or the
    # "first" (Disney+, Hulu).
    tv_year: str = "latest"


class PlatformRegistry:
    """The platforms in registry order, with alias lookup.

    >>> registry = PlatformRegistry([Platform("disney", "d", "d.csv", "Disney+", ("disney plus",))])
    >>> registry.resolve("Disney Plus").name
    'disney'
    >>> registry.resolve("hbo") is None
    True
    """

    def __init__(self, platforms: Iterable[Platform]) -> None:
        self.platforms = tuple(platforms)
        self._by_alias: dict[str, Platform] = {}
        for platform in self.platforms:
            for alias in (platform.name, platform.display_name, platform.letter, *platform.aliases):
                self._by_alias.setdefault(fold(alias), platform)

    def __iter__(self) -> Iterator[Platform]:
        return iter(self.platforms)

    def __len__(self) -> int:
        return len(self.platforms)

    @property
    def names(self) -> list[str]:
        return [platform.name for platform in self.platforms]

    def resolve(self, text: str) -> Platform | None:
        """The platform that ``text`` names, by name, display name or alias."""
        return self._by_alias.get(fold(text))

    def get(self, name: str) -> Platform:
        """The platform with exactly this registry ``name``."""
        for platform in self.platforms:
            if platform.name == name:
                return platform
        raise KeyError(name)

    def display(self, names: Iterable[str]) -> list[str]:
        """Display names for registry names, in registry order."""
        wanted = set(names)
        return [p.display_name for p in self.platforms if p.name in wanted]

    def to_records(self) -> list[dict]:
        return [
            {
                "name": p.name,
                "letter": p.letter,
                "file": p.file,
                "display_name": p.display_name,
                "aliases": list(p.aliases),
                "tv_year": p.tv_year,
            }
            for p in self.platforms
        ]

    @classmethod
    def from_records(cls, records: Iterable[dict]) -> PlatformRegistry:
        return cls(
            Platform(
                name=r["name"],
                letter=r["letter"],
                file=r["file"],
                display_name=r["display_name"],
                aliases=tuple(r.get("aliases", ())),
                tv_year=r.get("tv_year", "latest"),
            )
            for r in records
        )
