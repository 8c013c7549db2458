"""Flood control: a token bucket per user, so one user sending a burst (a script, a stuck key)
cannot take the bot's time from everyone else.

Each user's bucket holds up to ``burst`` tokens and refills at ``rate`` tokens a second; an
update takes ``cost`` tokens. An update that finds too few is refused, and still drains the
bucket, so a flood that keeps going stays refused until it stops rather than getting an answer
whenever a token trickles in. The first refusal of a flood says :attr:`Verdict.WARN` (tell the
user, once); the rest say :attr:`Verdict.DROP` (ignore). A flood ends when the bucket is full
again: a script that pauses now and then is still told only once.

It knows nothing of Telegram, and the clock is injected.

>>> now = [0.0]
>>> throttle = Throttle(burst=2, rate=1.0, clock=lambda: now[0])
>>> [throttle.admit("ana").value for _ in range(4)]
['serve', 'serve', 'warn', 'drop']
>>> now[0] = 1.0
>>> throttle.admit("ana").value, throttle.admit("ana").value, throttle.admit("bob").value
('serve', 'drop', 'serve')
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

# A person sends a message every few seconds at most, and taps "Next 5" a few times in a row;
# ten at once and one a second after that (60 a minute) is far beyond either, and well within
# what a script or a stuck key sends.
BURST = 10
RATE = 1.0
# Telegram clients send an inline query as the user types, so one costs a quarter: 40 at once,
# then 4 a second.
INLINE_QUERY_COST = 0.25
# Users whose bucket has refilled are forgotten once this many are tracked, so memory stays
# proportional to the users active in the last few seconds.
SWEEP_AT = 4096


class Verdict(enum.Enum):
    """What to do with one update."""

    SERVE = "serve"
    WARN = "warn"  # refuse it, and tell the user to slow down: the first refusal of a flood
    DROP = "drop"  # refuse it silently: the user has been told


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class Throttle:
    """Per-key token buckets: up to ``burst`` updates at once, ``rate`` a second after that."""

    def __init__(
        self,
        burst: float = BURST,
        rate: float = RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.rate = rate
        self.clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}
        self._sweep_at = SWEEP_AT

    def __len__(self) -> int:
        """How many keys are tracked."""
        return len(self._buckets)

    def admit(self, key: Hashable, cost: float = 1.0, can_warn: bool = True) -> Verdict:
        """Take ``cost`` tokens from ``key``'s bucket if it has them.

        ``can_warn=False`` is for an update that has nowhere to show a warning: it is refused
        silently and leaves the warning for the next one.
        """
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._sweep_at:
                self._sweep(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= self.burst:
                bucket.warned = False
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return Verdict.SERVE
        bucket.tokens = max(0.0, bucket.tokens - cost)
        if bucket.warned or not can_warn:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        """Forget every key whose bucket is full again: it would start afresh anyway."""
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.rate < self.burst
        }
        self._sweep_at = max(SWEEP_AT, 2 * len(self._buckets))
