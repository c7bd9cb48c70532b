"""Local-time maths for pushes and reminders: DST-correct, via zoneinfo.

Everything is stored in UTC; a user's "07:30" is turned into the UTC instant of the next
07:30 in their zone. On the spring-forward day a time that does not exist (02:30 in Berlin)
fires at the first valid instant after it; on the fall-back day an ambiguous time fires once,
at its first occurrence (fold=0).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.i18n import N_, _

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
        msg = f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"  # for logs
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
    for _attempt in range(4):
        candidate = local_instant_utc(day, local_time, tz)
        if candidate > after_utc or (inclusive and candidate == after_utc):
            return candidate
        day += dt.timedelta(days=1)
    raise AssertionError("unreachable: a local time occurs at least once in any 4 days")


# --------------------------------------------------------------------------- typed zones

MAX_ZONE_INPUT = 64  # longer than any IANA name or offset; longer input is refused unread

# "GMT+2", "UTC+02:00", "utc -5", "+0530", "−3:30" (Unicode minus), "Z+1".
_OFFSET_RE = re.compile(r"^(?:utc|gmt|z)?\s*([+\-−–])\s*(\d{1,2})(?::?(\d{2}))?$")

# A city for each offset that has no Etc/GMT zone (its standard time; DST may shift it).
_CITY_FOR_OFFSET: dict[int, str] = {
    -(9 * 60 + 30): "Pacific/Marquesas",
    -(3 * 60 + 30): "America/St_Johns",
    3 * 60 + 30: "Asia/Tehran",
    4 * 60 + 30: "Asia/Kabul",
    5 * 60 + 30: "Asia/Kolkata",
    5 * 60 + 45: "Asia/Kathmandu",
    6 * 60 + 30: "Asia/Yangon",
    8 * 60 + 45: "Australia/Eucla",
    9 * 60 + 30: "Australia/Darwin",
    10 * 60 + 30: "Australia/Lord_Howe",
    12 * 60 + 45: "Pacific/Chatham",
}

_ZONE_HINT = N_("Use a city like Berlin or New York, an IANA name like Europe/Berlin, or UTC+2.")

# Cities as German, Spanish and French speakers write them, where the IANA spelling differs.
LOCAL_CITY_NAMES: dict[str, str] = {
    "wien": "Europe/Vienna", "viena": "Europe/Vienna", "vienne": "Europe/Vienna",
    "münchen": "Europe/Berlin", "munich": "Europe/Berlin", "múnich": "Europe/Berlin",
    "köln": "Europe/Berlin", "cologne": "Europe/Berlin", "colonia": "Europe/Berlin",
    "zürich": "Europe/Zurich", "genf": "Europe/Zurich", "genève": "Europe/Zurich",
    "ginebra": "Europe/Zurich", "bern": "Europe/Zurich", "berne": "Europe/Zurich",
    "brüssel": "Europe/Brussels", "bruxelles": "Europe/Brussels", "bruselas": "Europe/Brussels",
    "londres": "Europe/London", "edimburgo": "Europe/London", "édimbourg": "Europe/London",
    "lissabon": "Europe/Lisbon", "lisboa": "Europe/Lisbon", "lisbonne": "Europe/Lisbon",
    "rom": "Europe/Rome", "roma": "Europe/Rome", "mailand": "Europe/Rome",
    "milán": "Europe/Rome", "milan": "Europe/Rome",
    "prag": "Europe/Prague", "praga": "Europe/Prague",
    "warschau": "Europe/Warsaw", "varsovia": "Europe/Warsaw", "varsovie": "Europe/Warsaw",
    "kopenhagen": "Europe/Copenhagen", "copenhague": "Europe/Copenhagen",
    "estocolmo": "Europe/Stockholm", "stockholm": "Europe/Stockholm",
    "atenas": "Europe/Athens", "athen": "Europe/Athens", "athènes": "Europe/Athens",
    "den haag": "Europe/Amsterdam", "la haya": "Europe/Amsterdam", "la haye": "Europe/Amsterdam",
    "nueva york": "America/New_York", "ciudad de méxico": "America/Mexico_City",
    "mexiko-stadt": "America/Mexico_City", "mexico": "America/Mexico_City",
    "méxico": "America/Mexico_City", "bogotá": "America/Bogota",
    "montréal": "America/Toronto", "québec": "America/Toronto",
    "sevilla": "Europe/Madrid", "séville": "Europe/Madrid", "barcelone": "Europe/Madrid",
}  # fmt: skip


@functools.cache
def _zone_names() -> dict[str, str]:
    """Lower-case IANA name -> proper name (so "europe/berlin" works)."""
    return {name.lower(): name for name in available_timezones()}


def _offset_zone(text: str, sign: str, hours: int, minutes: int) -> str:
    """The Etc zone for a whole-hour UTC offset. Etc/GMT signs are POSIX (flipped):
    UTC+2 is Etc/GMT-2."""
    total = (-1 if sign != "+" else 1) * (hours * 60 + minutes)
    if minutes > 59 or not -12 * 60 <= total <= 14 * 60:
        raise ValueError(
            _("“{text}” is not a UTC offset: they run from UTC-12 to UTC+14.").format(text=text)
        )
    if minutes:
        city = _CITY_FOR_OFFSET.get(total) or "Kolkata"
        raise ValueError(
            _(
                "{offset} has no fixed-offset zone; send a city in your time zone instead "
                "(e.g. /timezone {city})."
            ).format(offset=format_offset(dt.timedelta(minutes=total)), city=city)
        )
    if total == 0:
        return "Etc/UTC"
    return f"Etc/GMT{-total // 60:+d}"


def resolve_zone(text: str) -> str:
    """An IANA zone name from what a user typed: a name in any case ("europe/berlin"), a
    city ("berlin", "new york", "Kolkata"), or a UTC offset ("GMT+2", "UTC-5", "+02:00").

    Offsets read as people mean them (GMT+2 is two hours ahead of UTC), not as the legacy
    POSIX-signed zone names of the same spelling. Raises ValueError with a clear message."""
    if len(text) > MAX_ZONE_INPUT:
        raise ValueError(_("That is too long for a time zone.") + " " + _(_ZONE_HINT))
    shown = " ".join(text.split())
    if not shown:
        raise ValueError(_("Which time zone?") + " " + _(_ZONE_HINT))
    offset = _OFFSET_RE.match(shown.lower())
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        return _offset_zone(shown, sign, hours, minutes)
    local = LOCAL_CITY_NAMES.get(shown.lower())
    if local is not None:
        return local
    wanted = shown.replace(" ", "_").lower()
    names = _zone_names()
    if wanted in names:
        return names[wanted]
    if "/" not in wanted:
        by_city = [n for low, n in names.items() if low.rsplit("/", 1)[-1] == wanted]
        if by_city:
            return sorted(by_city, key=len)[0]
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
    text = _("I don't know the time zone “{zone}”.").format(zone=shown)
    if close:
        text += " " + _("Did you mean {zones}?").format(
            zones=_(" or ").join(names[c] for c in close)
        )
    raise ValueError(f"{text} {_(_ZONE_HINT)}")


def format_offset(offset: dt.timedelta) -> str:
    """The offset as people write it: "UTC+01:00", "UTC-03:30", "UTC+00:00"."""
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def zone_now(tz: str, at_utc: dt.datetime) -> tuple[str, str]:
    """The zone's offset ("UTC+01:00") and local clock time ("08:14") at the instant."""
    local = at_utc.astimezone(zone(tz))
    offset = local.utcoffset() or dt.timedelta(0)
    return format_offset(offset), local.strftime("%H:%M")
