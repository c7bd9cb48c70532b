"""Tracking texts: check-off toasts, tallies and logged extras, with the same
rounding as the plan."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ptb_offline import visible_text

from bot.chat.render.format import fmt_ug as plan_fmt_ug
from bot.chat.render.tracking import (
    checkoff_toast,
    render_evening_status,
    render_extra_logged,
    tally_line,
)
from bot.core.models import UserSettings
from bot.core.plan_rules import CLINICIAN_LINE
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


def test_target_reached_only_when_the_absorbed_rule_holds_too() -> None:
    # 2.4 µg in one meal reaches the total, but only ~0.8 µg is absorbed (rule: >= 1.2)
    one_meal = day_tally(TODAY, [2.4], [2.4])
    line = visible_text(tally_line(one_meal, 2.4))
    assert "target reached" not in line and "✅" not in line
    assert "absorbed about 0.8 µg, under half the target (1.2 µg)" in line
    spread = day_tally(TODAY, [0.8, 0.8, 0.8], [0.8, 0.8, 0.8])  # ~1.3 µg absorbed
    assert "target reached ✅" in visible_text(tally_line(spread, 2.4))
    short = day_tally(TODAY, [2.4], [1.0])
    assert "1.4 µg to go" in visible_text(tally_line(short, 2.4))
    covered = dataclasses.replace(short, weekly_cover_ug=2000.0)  # a weekly dose covers it
    line = visible_text(tally_line(covered, 2.4))
    assert "covered by your weekly 2,000 µg dose ✅" in line and "to go" not in line


def test_clinician_managed_tallies_claim_nothing_and_nag_nothing() -> None:
    for absorption in ("impaired", "injections"):
        user = UserSettings(user_id=1, chat_id=1, absorption=absorption)
        line = visible_text(tally_line(day_tally(TODAY, [2.4], [1.0]), 2.4, user))
        assert "to go" not in line and "reached" not in line and "of 2.4" not in line
        assert CLINICIAN_LINE in line
        toast = checkoff_toast("lunch", "eaten", 1.0, day_tally(TODAY, [2.4], [1.0]), 2.4, user)
        assert "of 2.4" not in toast and "1.0 µg logged" in toast
    injections = UserSettings(user_id=1, chat_id=1, absorption="injections")
    status = render_evening_status(True, dt.time(19, 0), injections)
    assert "no evening “short of target” messages" in status
