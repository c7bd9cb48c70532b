"""Supplement and injection reminders: `/remind` parsing and DST-correct scheduling.

Pure code. A reminder fires at a local wall-clock time in the user's IANA zone; the UTC
instant is worked out per day by bot.core.clock, so 08:00 in Berlin is 07:00 UTC in winter and
06:00 UTC in summer, a time skipped by spring-forward fires at the first valid instant after
it, and a time repeated by fall-back fires once (first occurrence). The bot stores only the
reminder and its next UTC fire time, so reminders survive restarts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from babel.dates import get_day_names

from bot.core.clock import local_date_at, local_instant_utc, next_local_occurrence_utc, zone
from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_decimal, ngettext

REMIND_EXAMPLES = N_(
    "Examples:\n"
    "/remind daily 1000 08:00 — a daily tablet of 1,000 µg at 08:00\n"
    "/remind weekly 2000 mon 09:00 — 2,000 µg every Monday at 09:00\n"
    "/remind injection 1000 every 4 weeks 10:00 from 2026-12-01"
)

MAX_DOSE_UG = 10_000.0  # plausibility limit for one dose (typos), not a dosing advice
MAX_EVERY_WEEKS = 52

WEEKDAYS: dict[str, int] = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
# the weekdays in the bot's other languages, typed in /remind ("montag", "lunes", "lun")
WEEKDAYS |= {
    name: i
    for i, names in enumerate(
        (
            ("mo", "montag", "lun", "lunes", "lundi"),
            ("di", "dienstag", "mar", "martes", "mardi"),
            ("mi", "mittwoch", "mié", "mie", "miércoles", "miercoles", "mer", "mercredi"),
            ("do", "donnerstag", "jue", "jueves", "jeu", "jeudi"),
            ("fr", "freitag", "vie", "viernes", "ven", "vendredi"),
            ("sa", "samstag", "sáb", "sab", "sábado", "sabado", "sam", "samedi"),
            ("so", "sonntag", "dom", "domingo", "dim", "dimanche"),
        )
    )
    for name in names
}
# /remind words in German, Spanish and French, read as the English grammar's words
LOCAL_WORDS: dict[str, str] = {
    "täglich": "daily", "taeglich": "daily", "tablette": "tablet", "wöchentlich": "weekly",
    "woechentlich": "weekly", "spritze": "injection", "injektion": "injection", "alle": "every",
    "woche": "week", "wochen": "weeks", "ab": "from", "um": "at", "jeden": "on",
    "diario": "daily", "diaria": "daily", "comprimido": "tablet", "semanal": "weekly",
    "inyección": "injection", "inyeccion": "injection", "cada": "every", "semana": "week",
    "semanas": "weeks", "desde": "from", "a": "at", "las": "on", "el": "on",
    "quotidien": "daily", "quotidienne": "daily", "comprimé": "tablet", "comprime": "tablet",
    "hebdomadaire": "weekly", "toutes": "every", "chaque": "every", "les": "on",
    "semaine": "week", "semaines": "weeks", "partir": "from", "à": "at", "du": "on", "le": "on",
}  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_name(index: int) -> str:
    """Monday (0) … Sunday (6) in the current language: "Monday" / "Montag" / "lunes"."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return WEEKDAY_NAMES[index]
    return str(get_day_names("wide", locale=lang)[index])


class ReminderKind(StrEnum):
    DAILY = "daily"  # tablet every day
    WEEKLY = "weekly"  # one dose on a weekday
    EVERY_N_WEEKS = "every_n_weeks"  # injection every N weeks from a start date


class ReminderInputError(ValueError):
    """Bad `/remind` input; `str(exc)` is a message fit to show the user."""


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    dose_ug: float
    local_time: dt.time
    tz: str = "UTC"
    weekday: int | None = None  # 0 = Monday; WEEKLY only
    every_weeks: int | None = None  # EVERY_N_WEEKS only
    start: dt.date | None = None  # EVERY_N_WEEKS: local date of the first (or a past) dose

    def __post_init__(self) -> None:
        zone(self.tz)  # raises ValueError for an unknown zone
        if not 0 < self.dose_ug <= MAX_DOSE_UG:
            raise ValueError(f"dose must be in (0, {MAX_DOSE_UG}] µg, got {self.dose_ug}")
        if self.kind is ReminderKind.WEEKLY and self.weekday not in range(7):
            raise ValueError("a weekly reminder needs a weekday 0-6")
        if self.kind is ReminderKind.EVERY_N_WEEKS and (
            self.start is None
            or self.every_weeks is None
            or not 1 <= self.every_weeks <= MAX_EVERY_WEEKS
        ):
            raise ValueError("an every-N-weeks reminder needs a start date and 1-52 weeks")

    @property
    def is_injection(self) -> bool:
        """Injections bypass the gut: the tally records them apart from oral doses."""
        return self.kind is ReminderKind.EVERY_N_WEEKS

    def same_schedule(self, other: Reminder) -> bool:
        """Whether both remind of the same dose at the same moments: a second one would only
        send every reminder twice. Every-N-weeks reminders match when their start dates are
        a whole number of periods apart (the same injection days)."""
        if (self.kind, self.dose_ug, self.local_time, self.tz) != (
            other.kind,
            other.dose_ug,
            other.local_time,
            other.tz,
        ) or (self.weekday, self.every_weeks) != (other.weekday, other.every_weeks):
            return False
        if self.kind is not ReminderKind.EVERY_N_WEEKS:
            return True
        assert self.start is not None and other.start is not None
        assert self.every_weeks is not None
        return (self.start - other.start).days % (7 * self.every_weeks) == 0

    def describe(self) -> str:
        """'Daily tablet: 1,000 µg at 08:00 (Europe/Berlin)', in the current language."""
        time, tz = f"{self.local_time:%H:%M}", self.tz
        if self.dose_ug >= 1:
            dose = f"{fmt_decimal(self.dose_ug, 0)} µg"
        elif current_language() == SOURCE_LANGUAGE:
            dose = f"{self.dose_ug:g} µg"
        else:
            dose = f"{fmt_decimal(self.dose_ug, 3, trim=True)} µg"
        if self.kind is ReminderKind.DAILY:
            return _("Daily tablet: {dose} at {time} ({tz})").format(dose=dose, time=time, tz=tz)
        if self.kind is ReminderKind.WEEKLY:
            assert self.weekday is not None
            return _("Weekly: {dose} every {weekday} at {time} ({tz})").format(
                dose=dose, weekday=weekday_name(self.weekday), time=time, tz=tz
            )
        assert self.start is not None and self.every_weeks is not None
        return ngettext(
            "Injection: {dose} every week from {start} at {time} ({tz})",
            "Injection: {dose} every {n} weeks from {start} at {time} ({tz})",
            self.every_weeks,
        ).format(dose=dose, n=self.every_weeks, start=self.start.isoformat(), time=time, tz=tz)

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (storage and /export)."""
        return {
            "kind": self.kind.value,
            "dose_ug": self.dose_ug,
            "local_time": self.local_time.strftime("%H:%M"),
            "tz": self.tz,
            "weekday": self.weekday,
            "every_weeks": self.every_weeks,
            "start": self.start.isoformat() if self.start else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Reminder:
        start = data.get("start")
        weekday = data.get("weekday")
        every = data.get("every_weeks")
        return cls(
            kind=ReminderKind(str(data["kind"])),
            dose_ug=float(data["dose_ug"]),  # type: ignore[arg-type]
            local_time=dt.time.fromisoformat(str(data["local_time"])),
            tz=str(data["tz"]),
            weekday=None if weekday is None else int(weekday),  # type: ignore[call-overload]
            every_weeks=None if every is None else int(every),  # type: ignore[call-overload]
            start=None if start is None else dt.date.fromisoformat(str(start)),
        )


def _require_aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("pass an aware datetime (UTC), not a naive one")
    return moment.astimezone(dt.UTC)


def next_fire_utc(reminder: Reminder, after_utc: dt.datetime) -> dt.datetime:
    """The first instant strictly after `after_utc` at which the reminder fires (UTC)."""
    after = _require_aware(after_utc)
    t, tz = reminder.local_time, reminder.tz
    if reminder.kind is ReminderKind.DAILY:
        return next_local_occurrence_utc(t, tz, after)
    # Start a day early: the local date at `after` may already be past the fire time.
    today = local_date_at(after, tz)
    if reminder.kind is ReminderKind.WEEKLY:
        assert reminder.weekday is not None
        day = today - dt.timedelta(days=1)
        day += dt.timedelta(days=(reminder.weekday - day.weekday()) % 7)
        while True:
            candidate = local_instant_utc(day, t, tz)
            if candidate > after:
                return candidate
            day += dt.timedelta(days=7)
    assert reminder.start is not None and reminder.every_weeks is not None
    period = 7 * reminder.every_weeks
    k = max(0, ((today - reminder.start).days - 1) // period)
    while True:
        candidate = local_instant_utc(reminder.start + dt.timedelta(days=k * period), t, tz)
        if candidate > after:
            return candidate
        k += 1


def snooze(now_utc: dt.datetime, hours: float = 1.0) -> dt.datetime:
    """When a snoozed reminder fires again: `hours` of real time later (DST-proof in UTC)."""
    if not 0 < hours <= 24:
        raise ValueError("snooze between 0 and 24 hours")
    return _require_aware(now_utc) + dt.timedelta(hours=hours)


# --- /remind parsing ------------------------------------------------------------------

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2})|h(\d{2})?)?(am|pm)?$")
_HOUR_H = re.compile(r"^\d{1,2}h(\d{2})?$")  # "21h", "8h30"
_AMPM = re.compile(r"^\d{1,2}(?:[:.]\d{2})?(am|pm)$")  # "9am", "9.30pm"
_NUMBER = r"\d+(?:[.,]\d+)?|[.,]\d+"
_DOSE = re.compile(rf"^({_NUMBER})(µg|μg|ug|mcg|mg)?$")
UG_WORDS = ("µg", "μg", "ug", "mcg")
_UNIT_WORDS = (*UG_WORDS, "mg")
MAX_TIME_CHARS = 12
MAX_DOSE_CHARS = 20


def parse_clock_time(text: str) -> dt.time:
    """A wall-clock time as people type it: "08:00", "9:00", "9.30", "21h", "8h30", "9am",
    "9 am", "9.30pm", "12pm" (noon), "12am" (midnight). ReminderInputError otherwise."""
    tok = text.strip().lower().replace(" ", "").replace("a.m.", "am").replace("p.m.", "pm")
    m = _TIME.match(tok) if len(tok) <= MAX_TIME_CHARS else None
    if m is None or (m.group(2) is None and m.group(4) is None and "h" not in tok):
        raise ReminderInputError(
            _("'{text}' is not a time: use e.g. 08:00, 9am, 9.30pm or 21h.").format(
                text=text[:MAX_TIME_CHARS]
            )
        )
    hour, minute, suffix = int(m.group(1)), int(m.group(2) or m.group(3) or 0), m.group(4)
    if suffix is not None:
        if not 1 <= hour <= 12:
            raise ReminderInputError(
                _("'{text}' is not a time: with am/pm the hour is 1 to 12.").format(
                    text=text[:MAX_TIME_CHARS]
                )
            )
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ReminderInputError(
            _("'{text}' is not a valid time: use 00:00 to 23:59, e.g. 08:00 or 9pm.").format(
                text=text[:MAX_TIME_CHARS]
            )
        )
    return dt.time(hour, minute)


def _parse_time(tok: str) -> dt.time:
    try:
        return parse_clock_time(tok)
    except ReminderInputError as exc:
        raise ReminderInputError(f"{exc}\n" + _(REMIND_EXAMPLES)) from None


def _looks_like_time(tok: str) -> bool:
    """'08:00', '25:00', '8h30', '21h', '9am', '9.30pm': meant as a time (a dose never has
    ':', 'h' or am/pm)."""
    low = tok.lower()
    return ":" in low or bool(_HOUR_H.fullmatch(low) or _AMPM.fullmatch(low))


def parse_dose_ug(text: str) -> float:
    """A dose in µg as people type it: "1000", "1000 µg", "1000mcg", "1000 ug", "1 mg",
    "2,5 mg" (decimal comma). Bounded to (0, MAX_DOSE_UG]; ReminderInputError otherwise."""
    tok = text.strip().lower().replace(" ", "")
    m = _DOSE.match(tok) if len(tok) <= MAX_DOSE_CHARS else None
    if m is None:
        raise ReminderInputError(
            _(
                "'{text}' is not a dose; give the µg (or mg) on your product, e.g. 1000 µg or 1 mg."
            ).format(text=text[:MAX_DOSE_CHARS])
        )
    dose = float(m.group(1).replace(",", "."))
    if m.group(2) == "mg":
        dose *= 1000
    if not 0 < dose <= MAX_DOSE_UG:
        raise ReminderInputError(
            _(
                "A dose of {dose} is not plausible (I accept more than 0 and up to {most} µg). "
                "Check the number on your product."
            ).format(dose=f"{m.group(1)} {m.group(2) or 'µg'}", most=fmt_decimal(MAX_DOSE_UG, 0))
        )
    return dose


def _pop_time(toks: list[str]) -> dt.time | None:
    """Take the one time-looking token out of `toks`, wherever it is (None when there is none),
    so the time may come before or after the dose."""
    found = [i for i, t in enumerate(toks) if _looks_like_time(t)]
    if not found:
        return None
    if len(found) > 1:
        times = ", ".join(f"'{toks[i]}'" for i in found)
        raise ReminderInputError(
            _("Give one time, not {times}.").format(times=times) + "\n" + _(REMIND_EXAMPLES)
        )
    return _parse_time(toks.pop(found[0]))


def _parse_dose(toks: list[str]) -> float:
    if not toks:
        raise ReminderInputError(_("Add the dose in µg.") + "\n" + _(REMIND_EXAMPLES))
    try:
        dose = parse_dose_ug(toks[0])
    except ReminderInputError as exc:
        raise ReminderInputError(f"{exc}\n" + _(REMIND_EXAMPLES)) from None
    toks.pop(0)
    return dose


def _remind_tokens(text: str) -> list[str]:
    """Split `/remind` words and glue what people write apart: "1000 µg" -> "1000µg",
    "9 am" -> "9am", "at 9" -> "9:00"; filler words ("at", "on", "of") are dropped."""
    raw = [LOCAL_WORDS.get(tok.lower(), tok) for tok in text.split()]
    out: list[str] = []
    i = 0
    while i < len(raw):
        tok, nxt = raw[i], raw[i + 1].lower() if i + 1 < len(raw) else ""
        low = tok.lower()
        if re.fullmatch(_NUMBER, tok) and nxt in _UNIT_WORDS:
            out.append(tok + nxt)
            i += 2
        elif re.fullmatch(r"\d{1,2}(?:[:.]\d{2})?", tok) and nxt in ("am", "pm", "a.m.", "p.m."):
            out.append(tok + nxt.replace(".", ""))
            i += 2
        elif (
            low == "at"
            and re.fullmatch(r"\d{1,2}", nxt)
            and (i + 2 >= len(raw) or raw[i + 2].lower() not in ("am", "pm", "a.m.", "p.m."))
        ):
            out.append(f"{nxt}:00")  # "at 9": a time, not a dose
            i += 2
        elif low in ("at", "on", "of", "each"):
            i += 1
        else:
            out.append(tok)
            i += 1
    return out


def _parse_start(toks: list[str], today: dt.date) -> dt.date:
    if not toks:
        return today
    if toks[0].lower() != "from" or len(toks) < 2:
        raise ReminderInputError(
            _(
                "I did not understand '{text}'. Add 'from YYYY-MM-DD' for the first injection."
            ).format(text=" ".join(toks))
            + "\n"
            + _(REMIND_EXAMPLES)
        )
    try:
        start = dt.date.fromisoformat(toks[1])
    except ValueError:
        raise ReminderInputError(
            _("'{text}' is not a date; write it as YYYY-MM-DD, e.g. {today}.").format(
                text=toks[1], today=today.isoformat()
            )
        ) from None
    if abs((start - today).days) > 366:
        raise ReminderInputError(_("Choose a start date within a year of today."))
    toks[:2] = []
    return start


MAX_REMIND_CHARS = 120
_KIND_WORDS = ("daily", "tablet", "weekly", "injection")


def parse_remind(text: str, tz: str, today: dt.date) -> Reminder:
    """Parse the arguments of `/remind` into a Reminder in the user's zone `tz`.

    `today` is the user's local date (default start of an injection series).
    """
    if len(text) > MAX_REMIND_CHARS:
        raise ReminderInputError(
            _("That is too long for a reminder ({length} characters; I read up to {most}).").format(
                length=fmt_decimal(len(text), 0), most=MAX_REMIND_CHARS
            )
            + "\n"
            + _(REMIND_EXAMPLES)
        )
    toks = _remind_tokens(text)
    if not toks:
        raise ReminderInputError(_("What should I remind you of?") + "\n" + _(REMIND_EXAMPLES))
    kinds = [i for i, t in enumerate(toks) if t.lower() in _KIND_WORDS]
    if kinds and kinds[0] != 0:  # "1000 µg daily at 9am": the kind may come later
        toks.insert(0, toks.pop(kinds[0]))
    kind_word = toks.pop(0).lower()
    if kind_word in ("daily", "tablet"):
        local_time = _pop_time(toks)
        dose = _parse_dose(toks)
        if local_time is None and len(toks) == 1:
            local_time = _parse_time(toks.pop(0))
        if local_time is None and not toks:
            raise ReminderInputError(
                _("Add the time, 24-hour HH:MM, e.g. 08:00.") + "\n" + _(REMIND_EXAMPLES)
            )
        if local_time is None or toks:
            raise ReminderInputError(_("Give the dose and the time.") + "\n" + _(REMIND_EXAMPLES))
        return Reminder(ReminderKind.DAILY, dose, local_time, tz)
    if kind_word == "weekly":
        toks = [t for t in toks if t.lower() != "every"]  # "every monday", "cada lunes"
        local_time = _pop_time(toks)
        days = [i for i, t in enumerate(toks) if t.lower() in WEEKDAYS]
        weekday = WEEKDAYS[toks.pop(days[0]).lower()] if len(days) == 1 else None
        dose = _parse_dose(toks)
        if weekday is None and toks:
            day_word = toks.pop(0)
            if day_word.lower() not in WEEKDAYS:
                raise ReminderInputError(
                    _("'{text}' is not a weekday; use mon, tue, wed, thu, fri, sat or sun.").format(
                        text=day_word
                    )
                )
            weekday = WEEKDAYS[day_word.lower()]
        if local_time is None and len(toks) == 1:
            local_time = _parse_time(toks.pop(0))
        if weekday is None or local_time is None or toks:
            raise ReminderInputError(
                _("Give the dose, the weekday and the time.") + "\n" + _(REMIND_EXAMPLES)
            )
        return Reminder(ReminderKind.WEEKLY, dose, local_time, tz, weekday=weekday)
    if kind_word == "injection":
        local_time = _pop_time(toks)
        dose = _parse_dose(toks)
        if (
            len(toks) < (3 if local_time is not None else 4)
            or toks[0].lower() != "every"
            or toks[2].lower() not in ("week", "weeks")
        ):
            raise ReminderInputError(
                _("Write it as {form}.").format(form="'injection <µg> every <N> weeks <HH:MM>'")
                + "\n"
                + _(REMIND_EXAMPLES)
            )
        if not toks[1].isdigit() or not 1 <= int(toks[1]) <= MAX_EVERY_WEEKS:
            raise ReminderInputError(
                _("'{text}' weeks: use a whole number from 1 to {most}.").format(
                    text=toks[1], most=MAX_EVERY_WEEKS
                )
            )
        every = int(toks[1])
        if local_time is None:
            local_time = _parse_time(toks[3])
            rest = toks[4:]
        else:
            rest = toks[3:]
        start = _parse_start(rest, today)
        if rest:
            raise ReminderInputError(
                _("I did not understand '{text}'.").format(text=" ".join(rest))
            )
        return Reminder(
            ReminderKind.EVERY_N_WEEKS, dose, local_time, tz, every_weeks=every, start=start
        )
    raise ReminderInputError(
        _("'{text}' is not a reminder type; use daily, weekly or injection.").format(text=kind_word)
        + "\n"
        + _(REMIND_EXAMPLES)
    )
