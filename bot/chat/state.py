"""What a chat remembers between messages: its last discovery, so that "only series", "more" or
a refine button continues it; and, for /mydata, everything stored for it (:class:`ChatData`).

The front end keeps it in the chat database (``bot.storage``), as JSON under a short stamp,
so whichever bot process answers the follow-up finds it. A refine button carries the stamp of
the list it sits under: pressed under an older list, it is known to be stale.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.chat.taste import Taste

# The slots a discovery remembers (bot.chat.parsing.DiscoverArgs without the message's text
# and the page), with the type each must have to be read back.
SLOT_TYPES: dict[str, type] = {
    "genres": tuple,
    "not_genres": tuple,
    "platforms": tuple,
    "type": str,
    "year_min": int,
    "year_max": int,
    "recent": bool,
    "max_minutes": int,
    "max_seasons": int,
    "countries": tuple,
    "audience": str,
    "sort": str,
    "like": tuple,
    "about": str,
}
# What a list was of, besides its slots (``Discovering``'s fields of that name).
_LISTS = ("similar", "known", "for_you")
STAMP_BYTES = 3  # six hex digits: enough to tell a chat's lists apart
# ``Discovering.for_you`` of a list of /foryou: its works come from the chat's own feedback.
FOR_YOU = "taste"


def slots_of(args: Mapping[str, object]) -> dict[str, object]:
    """The slots among an intent's arguments."""
    return {name: value for name, value in args.items() if name in SLOT_TYPES}


def new_stamp() -> str:
    return secrets.token_hex(STAMP_BYTES)


@dataclass(frozen=True)
class Discovering:
    """A chat's last list: its slots, the page shown (``offset``) and its stamp.

    ``similar`` is set when the list was the works like one work (the record id of it), with
    that work as its one liked title: "more" pages on through the same list, and "only
    series" or "newer" ask for works like it so. ``known`` is set when it was the works like
    one that no platform carries (the title typed for it), and "more" pages on through them.
    ``for_you`` is set (to :data:`FOR_YOU`) when it was /foryou's, and "more" pages on.
    """

    slots: Mapping[str, object] = field(default_factory=dict)
    offset: int = 0
    stamp: str = field(default_factory=new_stamp)
    similar: str | None = None
    known: str | None = None
    for_you: str | None = None

    def to_json(self) -> str:
        data: dict[str, object] = {"slots": dict(self.slots), "offset": self.offset}
        for name in _LISTS:
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, stamp: str, text: str) -> Discovering | None:
        """The discovery stored as ``text``, or ``None`` for anything that is not one (a
        state written by another version of the bot, say)."""
        try:
            data = json.loads(text)
            slots, offset = data["slots"], data["offset"]
            lists = {name: data.get(name) for name in _LISTS}
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        if not isinstance(slots, dict) or not isinstance(offset, int) or offset < 0:
            return None
        if any(value is not None and not isinstance(value, str) for value in lists.values()):
            return None
        read: dict[str, object] = {}
        for name, value in slots.items():
            kind = SLOT_TYPES.get(name)
            if kind is tuple and isinstance(value, list):
                read[name] = tuple(str(item) for item in value)
            elif kind is not None and kind is not tuple and type(value) is kind:
                read[name] = value
            else:
                return None
        return cls(read, offset, stamp, **lists)


@dataclass(frozen=True)
class ChatData:
    """Everything the chat database holds for one chat, as /mydata shows it: its settings
    (``None`` where it never chose), its feedback, when its last list was shown (kept a day
    for follow-ups), and how many rows each other table holds for it (movie nights)."""

    language: str | None = None
    platforms: frozenset[str] = frozenset()
    taste: Taste = field(default_factory=Taste)
    last_list: datetime | None = None
    rows: Mapping[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        stored = (self.language, self.platforms, self.taste, self.last_list)
        return any(stored) or any(self.rows.values())
