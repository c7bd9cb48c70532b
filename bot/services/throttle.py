"""Per-user limits that protect everyone else: message floods and guessed invite links.

One user sending hundreds of messages must not cost others their replies, and nobody should
be able to try invite tokens at machine speed. Both are "at most N events in any W seconds"
per key, kept in memory (bounded: idle keys are forgotten first). Times are plain seconds
from the caller (Telegram's message dates, or time.monotonic()), so tests need no clock.
"""

from __future__ import annotations

import enum
from collections import OrderedDict, deque
from collections.abc import Hashable
from dataclasses import dataclass, field

FLOOD_LIMIT = 20  # typed messages ...
FLOOD_WINDOW_S = 10.0  # ... in any 10 seconds; more is a flood, not a conversation
INVITE_TRIES = 5  # wrong invite tokens ...
INVITE_WINDOW_S = 600.0  # ... in any 10 minutes; a real invite link works on the first try
MAX_KEYS = 50_000


@dataclass(slots=True)
class _Events:
    times: deque[float] = field(default_factory=deque)
    refused_at: float | None = None  # the last event over the limit


class SlidingWindow:
    """At most `limit` events per key in any `window_s` seconds (an exact sliding log)."""

    def __init__(self, limit: int, window_s: float, *, max_keys: int = MAX_KEYS) -> None:
        if limit < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("limit, window_s and max_keys must be positive")
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._keys: OrderedDict[Hashable, _Events] = OrderedDict()

    def events(self, key: Hashable, now: float) -> _Events:
        """The key's events within the window ending at `now` (idle keys forgotten first)."""
        cutoff = now - self.window_s
        events = self._keys.pop(key, None) or _Events()
        self._forget_idle(cutoff)
        self._keys[key] = events  # the most recently used key goes last
        while events.times and events.times[0] <= cutoff:
            events.times.popleft()
        return events

    def _forget_idle(self, cutoff: float) -> None:
        keys = self._keys
        while keys:
            key, events = next(iter(keys.items()))
            idle = not events.times or events.times[-1] <= cutoff
            if not (idle or len(keys) > self.max_keys):
                break
            del keys[key]

    def allows(self, key: Hashable, now: float) -> bool:
        """True while `key` has fewer than `limit` events in the window ending at `now`."""
        return len(self.events(key, now).times) < self.limit

    def add(self, key: Hashable, now: float) -> None:
        self.events(key, now).times.append(now)

    def retry_in(self, key: Hashable, now: float) -> float:
        """Seconds until `key` may have one more event (0 when it may now)."""
        times = self.events(key, now).times
        if len(times) < self.limit:
            return 0.0
        return times[len(times) - self.limit] + self.window_s - now


class Verdict(enum.Enum):
    ALLOW = "allow"  # act on it
    WARN = "warn"  # the first one over the limit: say "slow down" once, do not act on it
    DROP = "drop"  # over the limit, already warned: ignore quietly


class FloodGuard:
    """Typed messages per user: more than `limit` in `window_s` seconds is a flood."""

    def __init__(self, limit: int = FLOOD_LIMIT, window_s: float = FLOOD_WINDOW_S) -> None:
        self.window = SlidingWindow(limit, window_s)

    def check(self, user_id: int, now: float) -> Verdict:
        """Count a message the user sent at `now` (seconds) and say what to do with it.

        Only messages acted on count, so a user who keeps sending still gets `limit` of them
        answered in every window. One warning per flood: a new one only after a whole
        window without a refused message.
        """
        events = self.window.events(user_id, now)
        if len(events.times) < self.window.limit:
            events.times.append(now)
            return Verdict.ALLOW
        quiet = events.refused_at is None or now - events.refused_at >= self.window.window_s
        events.refused_at = now
        return Verdict.WARN if quiet else Verdict.DROP


class InviteThrottle:
    """Wrong invite tokens per user: after `tries` in `window_s` seconds, stop checking them."""

    def __init__(self, tries: int = INVITE_TRIES, window_s: float = INVITE_WINDOW_S) -> None:
        self.window = SlidingWindow(tries, window_s)

    def wait_s(self, user_id: int, now: float) -> float:
        """0 when the user may try a token now; else the seconds until they may."""
        return self.window.retry_in(user_id, now)

    def failed(self, user_id: int, now: float) -> None:
        """Record a token that did not open any invite."""
        self.window.add(user_id, now)
