"""What a chat told the bot about titles: the ones it liked (👍), the ones not for it (👎) and
the ones it saved to watch (🔖), by record id, as the chat database keeps them.

A press is stored under the record the button carried, but it speaks of the work: a title
liked on Netflix is liked wherever else it streams, so every question here goes through the
engine's ``work_of``. A title is liked or disliked, not both; liking or disliking a saved title
takes it off the watchlist (it was watched), and saving a disliked one takes the dislike back.
Pressing a button that is on turns it off.

The rules live here alone: a press becomes the rows to write (:class:`Feedback`), which the
database stores as they are and the console applies to its own :class:`Taste`.

>>> works = {"ns1": "w1", "hs1": "w1", "hs2": "w2", "ns3": "w3"}
>>> taste = Taste((Row("ns1", LIKE, False), Row("hs2", None, True)))
>>> taste.pressed("hs1", LIKE, works.get).rows  # the same work, liked on Netflix: undone
(Row(record_id='ns1', verdict=None, saved=False),)
>>> press = taste.pressed("hs2", DISLIKE, works.get)
>>> press.on, press.rows
(True, (Row(record_id='hs2', verdict='dislike', saved=False),))
>>> taste.after(press).disliked, taste.after(press).saved
(('hs2',), ())
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

LIKE, DISLIKE, SAVE = "like", "dislike", "save"
ACTIONS = (LIKE, DISLIKE, SAVE)
# The watchlist is a list to scroll and pick from, and the verdicts steer recommendations: a
# chat keeps this many rows at most, the oldest going first.
MAX_ROWS = 1500

WorkOf = Callable[[str], str | None]


class Row(NamedTuple):
    """What a chat said of one record: its verdict (``like``, ``dislike`` or none) and
    whether it is saved. A row with neither is no row: it is deleted."""

    record_id: str
    verdict: str | None
    saved: bool

    @property
    def empty(self) -> bool:
        return self.verdict is None and not self.saved


@dataclass(frozen=True)
class Feedback:
    """One press: ``action`` turned ``on`` or off, and the rows it writes."""

    action: str
    on: bool
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Taste:
    """A chat's feedback rows, oldest first."""

    rows: tuple[Row, ...] = ()

    @property
    def liked(self) -> tuple[str, ...]:
        return tuple(row.record_id for row in self.rows if row.verdict == LIKE)

    @property
    def disliked(self) -> tuple[str, ...]:
        return tuple(row.record_id for row in self.rows if row.verdict == DISLIKE)

    @property
    def saved(self) -> tuple[str, ...]:
        return tuple(row.record_id for row in self.rows if row.saved)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def _on(self, row: Row, action: str) -> bool:
        return row.saved if action == SAVE else row.verdict == action

    def _of_work(self, record_id: str, work_of: WorkOf) -> list[Row]:
        """The rows of ``record_id``'s work: its own, and those of its other records."""
        work = work_of(record_id)
        return [
            row
            for row in self.rows
            if row.record_id == record_id or (work is not None and work_of(row.record_id) == work)
        ]

    def has(self, record_id: str, action: str, work_of: WorkOf) -> bool:
        """Whether ``action`` is on for the work of ``record_id``, pressed on any record."""
        return any(self._on(row, action) for row in self._of_work(record_id, work_of))

    def pressed(self, record_id: str, action: str, work_of: WorkOf) -> Feedback:
        """What pressing ``action`` on ``record_id`` writes: it off wherever it was on for
        the work, else on for this record."""
        rows = self._of_work(record_id, work_of)
        if any(self._on(row, action) for row in rows):
            off = [
                row._replace(saved=False) if action == SAVE else row._replace(verdict=None)
                for row in rows
                if self._on(row, action)
            ]
            return Feedback(action, False, tuple(off))
        own = next((row for row in rows if row.record_id == record_id), Row(record_id, None, False))
        others = [row for row in rows if row.record_id != record_id]
        if action == SAVE:
            changed = [
                own._replace(saved=True, verdict=None if own.verdict == DISLIKE else own.verdict)
            ]
            changed += [row._replace(verdict=None) for row in others if row.verdict == DISLIKE]
        else:
            # One verdict per work, and a judged title has been watched: off the watchlist.
            changed = [own._replace(verdict=action, saved=False)]
            changed += [Row(row.record_id, None, False) for row in others]
        return Feedback(action, True, tuple(changed))

    def after(self, feedback: Feedback) -> Taste:
        """This taste once ``feedback`` is stored (the database keeps the same)."""
        changed = {row.record_id: row for row in feedback.rows}
        kept = [changed.pop(row.record_id, row) for row in self.rows]
        rows = [row for row in (*kept, *changed.values()) if not row.empty]
        return Taste(tuple(rows[-MAX_ROWS:]))

    def hidden_works(self, work_of: WorkOf) -> frozenset[str]:
        """The works never to recommend again: those liked or disliked."""
        works = (work_of(row.record_id) for row in self.rows if row.verdict is not None)
        return frozenset(work for work in works if work is not None)

    def profile(self, work_of: WorkOf) -> tuple[list[str], list[str]]:
        """The works a taste is made of, each once, oldest first: those liked or saved (the
        chat would watch them), and those disliked."""

        def works(records: tuple[str, ...]) -> list[str]:
            return list(dict.fromkeys(w for w in map(work_of, records) if w is not None))

        return works((*self.liked, *self.saved)), works(self.disliked)

    def saved_works(self, work_of: WorkOf) -> list[str]:
        """The saved works, each once, oldest first."""
        return list(dict.fromkeys(w for w in map(work_of, self.saved) if w is not None))
