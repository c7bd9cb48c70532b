"""Texts and keyboards for reminders: the reminder message with Taken / Snooze / Skip, the
/remind list, and the "new reminder" button flow (kind -> dose -> time -> days -> confirm), one
message edited in place. No handlers, no I/O.

The flow keeps its whole state in each button's callback data (`ReminderDraft`, under 64
bytes), so a tap needs no process memory and any worker can answer it; `ReminderDraft.decode`
range-checks every field a button brings back. The bot never suggests a dose: the dose step
offers only the user's own past doses and a number pad.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback, esc
from bot.chat.render.pickers import (
    Row,
    back_cancel,
    date_code,
    hour_grid,
    local_number,
    minute_grid,
    number_pad,
    pad_text,
    pad_value,
    parse_date_code,
    parse_hhmm,
    parse_hour,
    valid_pad_value,
)
from bot.chat.render.tracking import CLINICIAN_DOSES
from bot.core.clock import zone
from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_day, fmt_time, pgettext
from bot.core.reminders import (
    MAX_DOSE_UG,
    MAX_EVERY_WEEKS,
    REMIND_EXAMPLES,
    WEEKDAY_NAMES,
    Reminder,
    ReminderInputError,
    ReminderKind,
)
from bot.storage.reminders import StoredReminder

# --------------------------------------------------------------------------- reminder messages


def reminder_callback(action: str, reminder_id: int, occurrence_ts: int) -> str:
    return callback("rm", action, reminder_id, occurrence_ts)


def taken_again_keyboard(reminder_id: int, occurrence_ts: int) -> InlineKeyboardMarkup:
    """Yes/No under "log again?" for a reminder's Taken: Yes is the same reminder answer,
    confirmed ("T"), so it is still logged against this reminder and its occurrence."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("Yes, log it"),
                    callback_data=reminder_callback("T", reminder_id, occurrence_ts),
                ),
                InlineKeyboardButton(
                    pgettext("button", "No"), callback_data=callback("took2", "n")
                ),
            ]
        ]
    )


def reminder_keyboard(reminder_id: int, occurrence_ts: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ " + pgettext("button", "Taken"),
                    callback_data=reminder_callback("t", reminder_id, occurrence_ts),
                ),
                InlineKeyboardButton(
                    "⏰ " + _("Snooze 1 h"),
                    callback_data=reminder_callback("z", reminder_id, occurrence_ts),
                ),
                InlineKeyboardButton(
                    "⏭ " + pgettext("button", "Skip"),
                    callback_data=reminder_callback("k", reminder_id, occurrence_ts),
                ),
            ]
        ]
    )


def render_reminder_message(reminder: Reminder, *, snoozed: bool = False) -> str:
    """'⏰ Injection: 1,000 µg every 4 weeks …' then what to do: the schedule names the dose
    and the kind once (no "injection: Injection:")."""
    # injections bypass the gut: bot.core.tally keeps them out of the oral tally, so say so
    if reminder.is_injection and snoozed:
        line = _(
            "It's time (snoozed reminder): tap ✅ Taken when done, so it is recorded in your "
            "log (shown apart from food)."
        )
    elif reminder.is_injection:
        line = _(
            "It's time: tap ✅ Taken when done, so it is recorded in your log (shown apart "
            "from food)."
        )
    elif snoozed:
        line = _(
            "It's time (snoozed reminder): tap ✅ Taken when done, so it counts in your daily "
            "tally."
        )
    else:
        line = _("It's time: tap ✅ Taken when done, so it counts in your daily tally.")
    return f"⏰ <b>{esc(reminder.describe())}</b>\n{line}"


def render_reminders(
    reminders: Sequence[StoredReminder], tz: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """/remind without arguments: the list (with delete buttons) and how to add one."""
    lines = ["<b>⏰ " + _("Your reminders") + "</b>"]
    buttons = []
    if not reminders:
        lines.append(_("None yet."))
    for number, stored in enumerate(reminders, start=1):
        nxt = stored.next_fire_utc
        if stored.snooze_fire_utc is not None and stored.snooze_fire_utc < nxt:
            nxt = stored.snooze_fire_utc
        lines.append(
            _("{number}. {reminder} · next {when}").format(
                number=number,
                reminder=esc(stored.reminder.describe()),
                when=esc(local_text(nxt, tz)),
            )
        )
        label = "🗑 " + _("Delete {number}").format(number=number)
        buttons.append([InlineKeyboardButton(label, callback_data=callback("rmdel", stored.id))])
    buttons.append(
        [InlineKeyboardButton("➕ " + _("New reminder"), callback_data=ReminderDraft().encode("k"))]
    )
    lines += ["", _("Tap ➕ New reminder, or type one:"), esc(_(REMIND_EXAMPLES))]
    lines.append(f"<i>{esc(_(CLINICIAN_DOSES))}</i>")
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


def render_reminder_added(stored: StoredReminder, tz: str) -> str:
    return (
        "⏰ "
        + _("Reminder set: {reminder}. First one {when}. It follows daylight saving time.").format(
            reminder=esc(stored.reminder.describe()),
            when=esc(local_text(stored.next_fire_utc, tz)),
        )
        + f"\n<i>{esc(_(CLINICIAN_DOSES))}</i>"
    )


def local_text(moment: dt.datetime, tz: str) -> str:
    """'Tue 24 Nov 08:00' in the user's zone (24-hour in every language)."""
    local = moment.astimezone(zone(tz))
    return f"{fmt_day(local.date())} {fmt_time(local)}"


# --------------------------------------------------------------------------- the button flow

FLOW = "rw"  # callback prefix: v1:rw:<step>:<kind>:<dose>:<unit>:<time>:<schedule>
TABLET, INJECTION = "t", "i"
KIND_LABEL = {  # _() at use
    TABLET: N_("💊 Tablet (daily or weekly)"),
    INJECTION: N_("💉 Injection (every few weeks)"),
}
UG, MG = "u", "m"
UNIT_WORD = {UG: "µg", MG: "mg"}
QUICK_TIMES = ("0700", "0800", "0900", "1200", "1800", "2100")
INJECTION_WEEKS = (1, 2, 3, 4, 6, 8, 12)
START_DAYS = 7  # an injection series starts today or on one of the next six days
MAX_PAST_DOSES = 4
# steps: k kind, d dose pad, t time, h hour grid, m minute grid, s schedule, w weekday,
# f first injection day, c confirm, v save, x cancel
STEPS = frozenset("kdthmswfcvx")


@dataclass(frozen=True, slots=True)
class ReminderDraft:
    """What the user has chosen so far; every field is checked when a button brings it back.
    `time` is "" (not yet), "HH" (hour chosen, minute next) or "HHMM"; `schedule` is "" (not
    yet), "d" (daily), "w0".."w6" (weekly on that day), "n4" (injection every 4 weeks, first
    day next) or "n4@261203" (every 4 weeks from that date)."""

    kind: str = ""
    dose: str = ""
    unit: str = UG
    time: str = ""
    schedule: str = ""

    def encode(self, step: str) -> str:
        return callback(FLOW, step, self.kind, self.dose, self.unit, self.time, self.schedule)

    @classmethod
    def decode(cls, data: str) -> tuple[str, ReminderDraft] | None:
        """(step, draft) from callback data, or None when any field is out of range."""
        parts = data.split(":")
        if len(parts) != 8 or parts[:2] != ["v1", FLOW] or parts[2] not in STEPS:
            return None
        step, kind, dose, unit, time, schedule = parts[2:]
        draft = cls(kind, dose, unit, time, schedule)
        return (step, draft) if draft.valid() else None

    def valid(self) -> bool:
        if self.kind not in ("", TABLET, INJECTION) or self.unit not in UNIT_WORD:
            return False
        if not valid_pad_value(self.dose):
            return False
        if self.time and parse_hour(self.time) is None and parse_hhmm(self.time) is None:
            return False
        return self.schedule == "" or self._schedule_parts() is not None

    def _schedule_parts(self) -> tuple[str, int | None, dt.date | None] | None:
        """("d"|"w"|"n", weekday or weeks, first injection day) or None when malformed."""
        s = self.schedule
        if s == "d" and self.kind == TABLET:
            return ("d", None, None)
        if len(s) == 2 and s[0] == "w" and s[1] in "0123456" and self.kind == TABLET:
            return ("w", int(s[1]), None)
        if s[:1] == "n" and self.kind == INJECTION:
            weeks, _sep, start = s[1:].partition("@")
            if not weeks.isascii() or not weeks.isdigit() or len(weeks) > 2:
                return None
            if not 1 <= int(weeks) <= MAX_EVERY_WEEKS:
                return None
            first = parse_date_code(start) if start else None
            if start and first is None:
                return None
            return ("n", int(weeks), first)
        return None

    @property
    def dose_ug(self) -> float | None:
        value = pad_value(self.dose)
        if value is None:
            return None
        return value * (1000 if self.unit == MG else 1)

    def dose_text(self) -> str:
        value = pad_value(self.dose)
        return f"{local_number(f'{value:,g}')} {UNIT_WORD[self.unit]}" if value is not None else "…"

    def reminder(self, tz: str, today: dt.date) -> Reminder:
        """The finished reminder; ReminderInputError names the part still missing or wrong."""
        dose = self.dose_ug
        if dose is None or not 0 < dose <= MAX_DOSE_UG:
            raise ReminderInputError(
                _(
                    "A dose of {dose} is not plausible (I accept more than 0 and up "
                    "to {most} µg). Check the number on your product."
                ).format(dose=self.dose_text(), most=local_number(f"{MAX_DOSE_UG:,.0f}"))
            )
        at = parse_hhmm(self.time)
        parts = self._schedule_parts() if self.schedule else None
        if at is None or parts is None:
            raise ReminderInputError(_("Choose the time and the days first."))
        how, number, first = parts
        if how == "d":
            return Reminder(ReminderKind.DAILY, dose, at, tz)
        if how == "w":
            return Reminder(ReminderKind.WEEKLY, dose, at, tz, weekday=number)
        if first is None or not today - dt.timedelta(days=1) <= first <= today + dt.timedelta(
            days=START_DAYS
        ):
            raise ReminderInputError(_("Choose the day of the first injection again."))
        return Reminder(ReminderKind.EVERY_N_WEEKS, dose, at, tz, every_weeks=number, start=first)


def _summary(draft: ReminderDraft, typing: bool) -> str:
    """The choices so far, one line, above each question (the dose only once typed: the pad
    step shows it in its question)."""
    parts = []
    if draft.kind:
        parts.append(_("Tablet") if draft.kind == TABLET else _("Injection"))
    if draft.dose and draft.dose_ug is not None and not typing:
        parts.append(draft.dose_text())
    if parse_hhmm(draft.time) is not None:
        parts.append(_("at {time}").format(time=f"{draft.time[:2]}:{draft.time[2:]}"))
    return " · ".join(parts)


def _head(draft: ReminderDraft, question: str, *, typing: bool = False) -> str:
    summary = _summary(draft, typing)
    lines = ["<b>⏰ " + _("New reminder") + "</b>"]
    if summary:
        lines.append(esc(summary))
    lines += ["", question]
    return "\n".join(lines)


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def _markup(rows: list[Row], back: str | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*rows, back_cancel(back, ReminderDraft().encode("x"))])


def reminder_step(
    step: str, draft: ReminderDraft, past_doses: Sequence[float], today: dt.date, tz: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of one step of the flow (`past_doses`: the user's own, in µg)."""
    if step == "k":
        rows = [
            [_button(_(label), replace(draft, kind=k).encode("d"))]
            for k, label in KIND_LABEL.items()
        ]
        return _head(draft, _("What should I remind you of?")), _markup(rows, None)
    if step == "d":
        return _dose_step(draft, past_doses)
    if step == "t":
        rows = []
        quick = [
            _button(f"{t[:2]}:{t[2:]}", replace(draft, time=t).encode("s")) for t in QUICK_TIMES
        ]
        rows += [quick[:3], quick[3:]]
        rows.append([_button("🕐 " + _("Other time"), replace(draft, time="").encode("h"))])
        back = replace(draft, time="").encode("d")
        return _head(draft, _("At what time?")), _markup(rows, back)
    if step == "h":
        rows = hour_grid(lambda h: replace(draft, time=h).encode("m"))
        return _head(draft, _("Which hour?")), _markup(rows, replace(draft, time="").encode("t"))
    if step == "m":
        hour = parse_hour(draft.time[:2]) or 0
        rows = minute_grid(hour, lambda t: replace(draft, time=t).encode("s"))
        back = replace(draft, time="").encode("h")
        return _head(draft, _("And the minutes?")), _markup(rows, back)
    if step == "s":
        back = replace(draft, time="", schedule="").encode("t")
        if draft.kind == TABLET:
            rows = [
                [_button(_("Every day"), replace(draft, schedule="d").encode("c"))],
                [_button(_("Once a week on …"), replace(draft, schedule="").encode("w"))],
            ]
            return _head(draft, _("How often?")), _markup(rows, back)
        weeks = [
            _button(
                _("{weeks} wk").format(weeks=n) if n > 1 else _("weekly"),
                replace(draft, schedule=f"n{n}").encode("f"),
            )
            for n in INJECTION_WEEKS
        ]
        rows = [weeks[:4], weeks[4:]]
        return _head(draft, _("Every how many weeks?")), _markup(rows, back)
    if step == "w":
        days = [
            _button(name, replace(draft, schedule=f"w{i}").encode("c"))
            for i, name in enumerate(_weekday_buttons())
        ]
        rows = [days[:4], days[4:]]
        back = replace(draft, schedule="").encode("s")
        return _head(draft, _("On which day of the week?")), _markup(rows, back)
    if step == "f":
        weeks = draft.schedule.partition("@")[0]
        days = [today + dt.timedelta(days=i) for i in range(START_DAYS)]
        labels = [_("Today"), _("Tomorrow"), *(fmt_day(d) for d in days[2:])]
        buttons = [
            _button(label, replace(draft, schedule=f"{weeks}@{date_code(d)}").encode("c"))
            for label, d in zip(labels, days, strict=True)
        ]
        rows = [buttons[:2], buttons[2:5], buttons[5:]]
        back = replace(draft, schedule="").encode("s")
        return _head(draft, _("When is the first (or next) injection?")), _markup(rows, back)
    return _confirm_step(draft, today, tz)


def _weekday_buttons() -> list[str]:
    """Monday … Sunday, short: "Mon" (English, as before) / "Mo." / "lun" / "lun."."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return [name[:3] for name in WEEKDAY_NAMES]
    names = get_day_names("abbreviated", locale=lang)
    return [names[i] for i in range(7)]


def _dose_step(
    draft: ReminderDraft, past_doses: Sequence[float]
) -> tuple[str, InlineKeyboardMarkup]:
    rows: list[Row] = []
    if past_doses:
        rows.append(
            [
                _button(
                    local_number(f"{d:,g}") + " µg",
                    replace(draft, dose=f"{d:g}", unit=UG).encode("t"),
                )
                for d in past_doses[:MAX_PAST_DOSES]
            ]
        )
    rows += number_pad(draft.dose, lambda v: replace(draft, dose=v).encode("d"))
    other = MG if draft.unit == UG else UG
    unit_row = [_button(f"✓ {UNIT_WORD[draft.unit]}", draft.encode("d"))]
    use_other = _("use {unit}").format(unit=UNIT_WORD[other])
    unit_row.append(_button(use_other, replace(draft, unit=other).encode("d")))
    if pad_value(draft.dose) is not None:
        unit_row.append(_button(pgettext("button", "OK") + " ✅", draft.encode("t")))
    rows.append(unit_row)
    typed = f"<b>{esc(pad_text(draft.dose) or '…')} {UNIT_WORD[draft.unit]}</b>"
    question = (
        (_("Your doses so far are at the top.") + " " if past_doses else "")
        + _("Type the dose on your product with the keys: {dose}").format(dose=typed)
        + f"\n<i>{esc(_(CLINICIAN_DOSES))}</i>"
    )
    back = ReminderDraft().encode("k")
    return _head(draft, question, typing=True), _markup(rows, back)


def _confirm_step(
    draft: ReminderDraft, today: dt.date, tz: str
) -> tuple[str, InlineKeyboardMarkup]:
    try:
        described = draft.reminder(tz, today).describe()
    except ReminderInputError as exc:
        described = str(exc)
    how = draft.schedule.partition("@")[0]
    back_step = "f" if draft.kind == INJECTION else ("w" if how.startswith("w") else "s")
    back_schedule = how if draft.kind == INJECTION else ""
    back = replace(draft, schedule=back_schedule).encode(back_step)
    rows = [[_button("✅ " + _("Save reminder"), draft.encode("v"))]]
    text = _head(draft, _("Save this reminder?") + f"\n<b>{esc(described)}</b>")
    return text, _markup(rows, back)


def render_reminder_cancelled() -> str:
    return "⏰ " + _("No reminder added. /remind shows yours.")
