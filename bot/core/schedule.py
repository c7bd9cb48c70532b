"""When a user's daily push falls: pure schedule maths on bot.core.clock (no I/O, no Telegram).

A push is identified by (user, local date). `users.next_push_utc` always holds one occurrence
of the user's local push time; these helpers move it forward and find the occurrence a late
tick should still deliver. Storage and the push engine both use them, so they live apart.
"""

from __future__ import annotations

import datetime as dt

from bot.core.clock import local_date_at, local_instant_utc, next_local_occurrence_utc

# A push more than this late is pointless (the day's plan at night), and keeping catch-up
# below the shortest DST day (23 h) guarantees at most one occurrence is ever overdue.
MAX_CATCH_UP = dt.timedelta(hours=12)


def require_aware(value: dt.datetime, name: str = "now_utc") -> dt.datetime:
    """Reject naive datetimes: a naive 'now' silently shifts every push by the host's offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime (got naive {value!r})")
    return value


def next_push_after(push_time: dt.time, tz: str, after_utc: dt.datetime) -> dt.datetime:
    """The first push instant strictly after `after_utc`."""
    return next_local_occurrence_utc(push_time, tz, require_aware(after_utc, "after_utc"))


def latest_push_at_or_before(push_time: dt.time, tz: str, at_utc: dt.datetime) -> dt.datetime:
    """The most recent push instant not later than `at_utc` (today's, or else yesterday's)."""
    require_aware(at_utc, "at_utc")
    today = local_date_at(at_utc, tz)
    candidate = local_instant_utc(today, push_time, tz)
    if candidate > at_utc:
        candidate = local_instant_utc(today - dt.timedelta(days=1), push_time, tz)
    return candidate


def push_local_date(due_utc: dt.datetime, tz: str) -> dt.date:
    """The user's calendar date of a push due at `due_utc`: the key of 'once per day'."""
    return local_date_at(require_aware(due_utc, "due_utc"), tz)


def check_catch_up(catch_up: dt.timedelta) -> dt.timedelta:
    if not dt.timedelta(0) <= catch_up <= MAX_CATCH_UP:
        raise ValueError(f"catch_up must be between 0 and {MAX_CATCH_UP} (got {catch_up})")
    return catch_up
