"""Tracking texts: reminders, check-off toasts, tallies and logged extras, with the same
rounding as the plan."""

from __future__ import annotations

import datetime as dt

from ptb_offline import visible_text

from bot.chat.render.format import fmt_ug as plan_fmt_ug
from bot.chat.render.tracking import (
    checkoff_toast,
    render_extra_logged,
    render_reminder_message,
    tally_line,
)
from bot.core.reminders import Reminder, ReminderKind
from bot.core.tally import day_tally, fmt_ug

TODAY = dt.date(2026, 11, 24)
INJECTION = Reminder(
    ReminderKind.EVERY_N_WEEKS,
    1000.0,
    dt.time(8, 0),
    "Europe/Berlin",
    every_weeks=4,
    start=dt.date(2026, 11, 1),
)
TABLET = Reminder(ReminderKind.DAILY, 500.0, dt.time(8, 0), "Europe/Berlin")


def test_injection_reminder_does_not_promise_the_daily_tally() -> None:
    text = visible_text(render_reminder_message(INJECTION))
    assert "daily tally" not in text  # bot.core.tally keeps injections out of the oral tally
    assert "recorded in your log (shown apart from food)" in text
    assert "counts in your daily tally" in visible_text(render_reminder_message(TABLET))
    # and the tally indeed leaves the injection out of intake
    day = day_tally(TODAY, [], [], injection_doses_ug=[1000.0])
    assert day.injection_ug == 1000.0 and day.intake_ug == 0.0


def test_tracking_texts_round_like_the_plan() -> None:
    toast = checkoff_toast("breakfast", "eaten", 0.57, None, 2.4)
    assert "+0.6 µg" in toast and "0.57" not in toast
    for value in (0.05, 0.57, 0.95, 1.25, 2.4, 12.34):
        assert fmt_ug(value) == plan_fmt_ug(value)
    assert fmt_ug(1000.0) == "1,000"  # doses keep their thousands separator
    day = day_tally(TODAY, [0.57], [0.57])
    assert "0.6 of 2.4 µg" in visible_text(tally_line(day, 2.4))


def test_ate_by_amount_says_the_amount_once() -> None:
    first_line = render_extra_logged(None, 1.2, None, 2.4).splitlines()[0]
    assert first_line == "➕ Logged 1.2 µg B12 from food."
    named = render_extra_logged("Tofu scramble", 0.8, None, 2.4).splitlines()[0]
    assert named == "➕ Logged Tofu scramble: 0.8 µg B12."


def test_reminder_message_names_the_injection_once() -> None:
    text = visible_text(render_reminder_message(INJECTION))
    assert text.lower().count("injection") == 1 and text.count("1,000 µg") == 1
    assert text.startswith("⏰ Injection: 1,000 µg every 4 weeks")
    text = visible_text(render_reminder_message(TABLET, snoozed=True))
    assert text.startswith("⏰ Daily tablet: 500 µg at 08:00") and text.count("500 µg") == 1
    assert "It's time (snoozed reminder): tap ✅ Taken" in text
