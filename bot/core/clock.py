"""Local-time maths for pushes and reminders: DST-correct, via zoneinfo.

Everything is stored in UTC; a user's "07:30" is turned into the UTC instant of the next
07:30 in their zone. On the spring-forward day a time that does not exist (02:30 in Berlin)
fires at the first valid instant after it; on the fall-back day an ambiguous time fires once,
at its first occurrence (fold=0).
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; raises ValueError with a clear message when unknown.

    Cached: ZoneInfo keeps only 8 zones strongly, so with users in more zones every push
    re-read a tzdata file (about a tenth of the push's own CPU).
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        msg = f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
        raise ValueError(msg) from exc


def local_date_at(utc: dt.datetime, tz: str) -> dt.date:
    """The calendar date in `tz` at the instant `utc`."""
    return utc.astimezone(zone(tz)).date()


def local_instant_utc(day: dt.date, local_time: dt.time, tz: str) -> dt.datetime:
    """UTC instant of `local_time` on `day` in `tz` (gap -> first valid instant after it)."""
    z = zone(tz)
    naive = dt.datetime.combine(day, local_time.replace(tzinfo=None))
    aware = naive.replace(tzinfo=z, fold=0)
    as_utc = aware.astimezone(UTC)
    # A non-existent local time does not survive the round trip: move to the gap's end.
    if as_utc.astimezone(z).replace(tzinfo=None) != naive:
        as_utc = naive.replace(tzinfo=z, fold=1).astimezone(UTC)
        # fold=1 in a gap maps to the instant before the gap; step to the first valid instant.
        end_of_gap = as_utc
        while end_of_gap.astimezone(z).replace(tzinfo=None) < naive:
            end_of_gap += dt.timedelta(minutes=1)
        as_utc = end_of_gap
    return as_utc


def next_local_occurrence_utc(
    local_time: dt.time, tz: str, after_utc: dt.datetime, *, inclusive: bool = False
) -> dt.datetime:
    """The first UTC instant after `after_utc` (or at it, if inclusive) when it is
    `local_time` in `tz`."""
    day = local_date_at(after_utc, tz) - dt.timedelta(days=1)
    for _ in range(4):
        candidate = local_instant_utc(day, local_time, tz)
        if candidate > after_utc or (inclusive and candidate == after_utc):
            return candidate
        day += dt.timedelta(days=1)
    raise AssertionError("unreachable: a local time occurs at least once in any 4 days")
