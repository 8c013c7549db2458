"""Which platforms a request is about: the one it names, or the chat's own."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from bot.chat.i18n import date_text, join_names, t
from bot.chat.replies import esc
from recommender.engine import Engine


def display(engine: Engine, platform: str) -> str:
    return esc(engine.registry.get(platform).display_name)


def platform_filter(engine: Engine, args: Mapping[str, object]) -> str | None:
    """The registry name of the platform a request is limited to, if any."""
    name = args.get("platform") or args.get("platform_letter")
    if not name:
        return None
    platform = engine.registry.resolve(str(name))
    return None if platform is None else platform.name


def narrowing(engine: Engine, args: Mapping[str, object], mine: Collection[str]) -> list[str]:
    """The chat's platforms that narrow this request: none when it names a platform, asks
    for ``everywhere``, or the chat has every platform (or none still in the catalogue)."""
    if args.get("platform") or args.get("platform_letter") or args.get("everywhere"):
        return []
    kept = [platform.name for platform in engine.registry if platform.name in mine]
    return kept if len(kept) < len(engine.registry) else []


def mine_line(engine: Engine, lang: str, mine: Sequence[str]) -> str:
    names = join_names(lang, engine.registry.display(mine))
    return f"<i>{t(lang, 'only_mine', platforms=esc(names))}</i>"


def letter(engine: Engine, platform: str | None) -> str | None:
    return None if platform is None else engine.registry.get(platform).letter


def as_of(engine: Engine, lang: str) -> str:
    """The date of the catalogue snapshot, or a dash when no title has a date."""
    snapshot = engine.catalogue.as_of
    return date_text(lang, snapshot) if snapshot else "—"
