"""The shared button pickers: what each number-pad key leads to, the hour and minute grids,
and the date picker's reach (no day in the future, none before the earliest)."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram import InlineKeyboardMarkup

from bot.chat.render.pickers import (
    date_picker,
    number_pad,
    pad_value,
    parse_date_code,
    parse_hhmm,
    parse_month_code,
    valid_pad_value,
)


def keys(rows: list) -> dict[str, str]:  # type: ignore[type-arg]
    """label -> the value its button carries (the raw value: make() is the identity)."""
    return {b.text: b.callback_data for row in rows for b in row}


def test_pad_keys_carry_the_value_after_the_press() -> None:
    pad = keys(number_pad("12", lambda v: v))
    assert pad["3"] == "123" and pad["⌫"] == "1" and pad["."] == "12."
    empty = keys(number_pad("", lambda v: v))
    assert empty["0"] == "0" and "⌫" not in empty  # nothing to delete: a blank key
    assert keys(number_pad("0", lambda v: v))["5"] == "5"  # no leading zero
    two_decimals = keys(number_pad("2.55", lambda v: v))
    assert "." not in two_decimals and two_decimals["⌫"] == "2.5"


def test_pad_without_decimal_point() -> None:
    assert "." not in keys(number_pad("4", lambda v: v, decimal=False))


@pytest.mark.parametrize("text", ["", "0", "12.5", "123456", "20000.5"])
def test_valid_pad_values(text: str) -> None:
    assert valid_pad_value(text)


@pytest.mark.parametrize("text", ["1.2.3", "-1", "1e5", "12345678", "١٢", "1.234"])
def test_invalid_pad_values(text: str) -> None:
    assert not valid_pad_value(text)


def test_pad_value_of_an_unfinished_number_is_none() -> None:
    assert pad_value("") is None and pad_value(".") is None and pad_value("2.") == 2.0


def test_codes_refuse_what_no_button_carries() -> None:
    assert parse_hhmm("0930") == dt.time(9, 30)
    assert parse_hhmm("2400") is None and parse_hhmm("0960") is None and parse_hhmm("930") is None
    assert parse_date_code("261124") == dt.date(2026, 11, 24)
    assert parse_date_code("260230") is None and parse_date_code("2611") is None
    assert parse_month_code("2611") == dt.date(2026, 11, 1) and parse_month_code("2613") is None


def test_date_picker_offers_no_future_day_and_nothing_before_the_earliest() -> None:
    today = dt.date(2026, 11, 24)
    rows = date_picker(today.replace(day=1), dt.date(2021, 11, 1), today, str, str)
    labels = list(keys(rows))
    assert labels[:24] == [str(d) for d in range(1, 25)]
    assert "◀ Oct 2026" in labels and not any("▶" in label for label in labels)
    oldest = date_picker(dt.date(2021, 11, 1), dt.date(2021, 11, 1), today, str, str)
    assert not any("◀" in label for label in keys(oldest))
    InlineKeyboardMarkup(rows)  # a valid keyboard
