"""Button pickers shared by the button flows: a number pad, hour and minute grids, a small
date picker, and the Back / Cancel row. No handlers, no I/O.

Every picker takes a `make(value) -> callback data` function: a button carries the whole next
state in its callback data (under Telegram's 64 bytes), so a tap needs no memory in the process
and any worker can answer it. The handlers range-check every value a button brings back (a
forged or stale tap is refused, nothing stored).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol
from telegram import InlineKeyboardButton

from bot.core.i18n import SOURCE_LANGUAGE, _, current_language

Row = list[InlineKeyboardButton]
Make = Callable[[str], str]

PAD_DIGITS = ("123", "456", "789")
BACKSPACE = "⌫"
DECIMAL = "."
BLANK = "·"
MAX_PAD_CHARS = 7  # "20000.5": no value a flow asks for needs more
_PAD_VALUE = re.compile(r"^\d{0,6}(?:\.\d{0,2})?$")
MINUTES = tuple(range(0, 60, 5))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def decimal_mark() -> str:
    """The decimal separator of the current language: "." (en) or "," (de, es, fr). Only the
    label changes: callback data always carries "."."""
    lang = current_language()
    return DECIMAL if lang == SOURCE_LANGUAGE else get_decimal_symbol(lang)


def local_number(text: str) -> str:
    """A number formatted the English way ("1,000.5", f"{x:,g}") with the current language's
    separators ("1.000,5" / "1 000,5"); English unchanged (Python's rounding is kept)."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return text
    marks = {",": get_group_symbol(lang), ".": get_decimal_symbol(lang)}
    return "".join(marks.get(c, c) for c in text)


def pad_text(value: str) -> str:
    """A pad value ("12.5", from callback data) as the user reads it: "12.5" / "12,5"."""
    return value.replace(DECIMAL, decimal_mark())


def valid_pad_value(text: str) -> bool:
    """Whether `text` is what a number pad can have typed: digits with at most one decimal
    point (up to 2 decimals), at most MAX_PAD_CHARS characters; "" is an empty pad."""
    return len(text) <= MAX_PAD_CHARS and text.isascii() and _PAD_VALUE.match(text) is not None


def pad_value(text: str) -> float | None:
    """The number a non-empty pad value stands for, or None ("", ".")."""
    if not valid_pad_value(text) or text in ("", DECIMAL):
        return None
    return float(text)


def _pressed(current: str, key: str) -> str | None:
    """The pad value after pressing `key`; None when the key would make it invalid."""
    if key == BACKSPACE:
        return current[:-1] if current else None
    new = current + key
    if new == "0" or (new.startswith("0") and not new.startswith("0.")):
        new = new.lstrip("0") or "0"
    return new if valid_pad_value(new) and new != current else None


def number_pad(current: str, make: Make, *, decimal: bool = True) -> list[Row]:
    """Digits, a decimal point and ⌫; a key that would make the value invalid is left out of
    the pad (its place keeps the layout with a "·" that changes nothing)."""
    rows: list[Row] = []
    last = ("." if decimal else " ", "0", BACKSPACE)
    for keys in (*PAD_DIGITS, last):
        row: Row = []
        for key in keys:
            new = _pressed(current, key) if key != " " else None
            if new is None:
                row.append(InlineKeyboardButton(BLANK, callback_data=make(current)))
            else:
                label = decimal_mark() if key == DECIMAL else key
                row.append(InlineKeyboardButton(label, callback_data=make(new)))
        rows.append(row)
    return rows


def hour_grid(make: Make) -> list[Row]:
    """00 … 23, six a row."""
    buttons = [InlineKeyboardButton(f"{h:02d}", callback_data=make(f"{h:02d}")) for h in range(24)]
    return [buttons[i : i + 6] for i in range(0, 24, 6)]


def minute_grid(hour: int, make: Make) -> list[Row]:
    """HH:00 … HH:55 in five-minute steps, four a row; each carries "HHMM"."""
    buttons = [
        InlineKeyboardButton(f"{hour:02d}:{m:02d}", callback_data=make(f"{hour:02d}{m:02d}"))
        for m in MINUTES
    ]
    return [buttons[i : i + 4] for i in range(0, len(buttons), 4)]


def parse_hhmm(text: str) -> dt.time | None:
    """ "0930" -> 09:30; None for anything that is not a valid 24-hour time in 4 digits."""
    if len(text) != 4 or not text.isascii() or not text.isdigit():
        return None
    hour, minute = int(text[:2]), int(text[2:])
    return dt.time(hour, minute) if hour <= 23 and minute <= 59 else None


def parse_hour(text: str) -> int | None:
    if len(text) != 2 or not text.isascii() or not text.isdigit() or int(text) > 23:
        return None
    return int(text)


def date_code(day: dt.date) -> str:
    """A date in callback data: "261203" (YYMMDD; the flows only pick dates of this century)."""
    return f"{day:%y%m%d}"


def parse_date_code(text: str) -> dt.date | None:
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        return None
    try:
        return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        return None


def month_code(day: dt.date) -> str:
    return f"{day:%y%m}"


def parse_month_code(text: str) -> dt.date | None:
    """ "2611" -> 1 Nov 2026 (the month a date picker shows); None when it is not a month."""
    if len(text) != 4 or not text.isascii() or not text.isdigit() or not 1 <= int(text[2:]) <= 12:
        return None
    return dt.date(2000 + int(text[:2]), int(text[2:]), 1)


def month_label(month: dt.date) -> str:
    """Short month and year for the picker's ◀ / ▶ buttons: "Dec 2026" / "Dez. 2026"."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return f"{MONTHS[month.month - 1]} {month.year}"
    return format_date(month, "LLL y", locale=lang)


def month_name(month: dt.date) -> str:
    """Month and year in full for a question: "December 2026" / "Dezember 2026"."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return f"{month:%B %Y}"
    return format_date(month, "LLLL y", locale=lang)


def date_picker(
    month: dt.date, earliest: dt.date, latest: dt.date, pick: Make, show_month: Make
) -> list[Row]:
    """One month of day buttons between `earliest` and `latest` (seven a row), with ◀ / ▶ to
    the months around it when they hold days to pick. `pick` gets a date code, `show_month` a
    month code."""
    first = month.replace(day=1)
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    days = [
        first + dt.timedelta(days=i)
        for i in range(days_in_month)
        if earliest <= first + dt.timedelta(days=i) <= latest
    ]
    buttons = [InlineKeyboardButton(str(d.day), callback_data=pick(date_code(d))) for d in days]
    rows = [buttons[i : i + 7] for i in range(0, len(buttons), 7)]
    nav: Row = []
    before = first - dt.timedelta(days=1)
    if before >= earliest:
        nav.append(
            InlineKeyboardButton(
                f"◀ {month_label(before)}", callback_data=show_month(month_code(before))
            )
        )
    after = first + dt.timedelta(days=days_in_month)
    if after <= latest:
        nav.append(
            InlineKeyboardButton(
                f"{month_label(after)} ▶", callback_data=show_month(month_code(after))
            )
        )
    if nav:
        rows.append(nav)
    return rows


def back_cancel(back: str | None, cancel: str | None) -> Row:
    """The last row of every step: ◀ Back (to the step before) and ✖ Cancel."""
    row: Row = []
    if back is not None:
        row.append(InlineKeyboardButton("◀ " + _("Back"), callback_data=back))
    if cancel is not None:
        row.append(InlineKeyboardButton("✖ " + _("Cancel"), callback_data=cancel))
    return row
