"""The weekly summary's rules: due on Sunday from 18:00 local, one ledger key per ISO week,
days on target, and the meal slot that most often fell short."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.models import DEFAULT_SLOTS, Diet, Slot, UserSettings
from bot.core.tally import day_tally
from bot.core.weekly import MealTick, anyone_due, build_weekly, due, weakest_slot, week_key

SUNDAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (dt.datetime(2026, 11, 29, 17, 59), False),
        (dt.datetime(2026, 11, 29, 18, 0), True),
        (dt.datetime(2026, 11, 29, 23, 59), True),
        (dt.datetime(2026, 11, 30, 0, 1), False),  # Monday
        (dt.datetime(2026, 11, 28, 19, 0), False),  # Saturday
    ],
)
def test_due_on_sunday_from_six_in_the_evening_local_time(
    local: dt.datetime, expected: bool
) -> None:
    assert due(local) is expected


def test_anyone_due_covers_every_zone_and_nothing_else() -> None:
    # Sunday 18:00 in Kiritimati (UTC+14) and in Baker Island time (UTC-12) are the bounds
    first = dt.datetime(2026, 11, 29, 18, 0, tzinfo=ZoneInfo("Pacific/Kiritimati"))
    last = dt.datetime(2026, 11, 29, 23, 59, tzinfo=ZoneInfo("Etc/GMT+12"))
    assert anyone_due(first) and anyone_due(last)
    assert not anyone_due(first - dt.timedelta(minutes=1))
    assert not anyone_due(last + dt.timedelta(minutes=2))
    assert not anyone_due(dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC))  # a Thursday


def test_week_key_is_the_same_all_week_and_changes_on_monday() -> None:
    assert week_key(7, SUNDAY) == "7@2026-11-23"
    assert week_key(7, SUNDAY - dt.timedelta(days=6)) == week_key(7, SUNDAY)
    assert week_key(7, SUNDAY + dt.timedelta(days=1)) == "7@2026-11-30"
    assert week_key(8, SUNDAY) != week_key(7, SUNDAY)


def ticks(day: dt.date, breakfast: float | None, lunch: float | None, dinner: float | None):  # type: ignore[no-untyped-def]
    out = []
    for slot, ug in (("breakfast", breakfast), ("lunch", lunch), ("dinner", dinner)):
        if ug is not None:
            out.append(MealTick(day, slot, "skipped" if ug < 0 else "eaten", max(ug, 0.0)))
    return out


def test_weakest_slot_counts_skips_missing_ticks_and_meals_under_their_share() -> None:
    d = [SUNDAY - dt.timedelta(days=i) for i in range(4)]
    log = (
        ticks(d[0], 1.0, -1, 1.0)  # lunch skipped
        + ticks(d[1], 1.0, None, 1.0)  # lunch not ticked on a day with ticks
        + ticks(d[2], 0.3, 0.9, 1.0)  # breakfast under its share (2.4 / 3 = 0.8)
        + ticks(d[3], 1.0, 0.2, 1.0)  # lunch under its share
    )
    weak = weakest_slot(DEFAULT_SLOTS, log, 2.4)
    assert weak is not None
    assert (weak.slot, weak.misses, weak.days) == (Slot.LUNCH, 3, 4)


def test_no_weak_slot_when_every_meal_carried_its_share_or_nothing_was_ticked() -> None:
    log = ticks(SUNDAY, 0.8, 0.8, 0.8)
    assert weakest_slot(DEFAULT_SLOTS, log, 2.4) is None
    assert weakest_slot(DEFAULT_SLOTS, [], 2.4) is None


def test_ties_go_to_the_earlier_meal_of_the_day() -> None:
    log = ticks(SUNDAY, 0.1, 0.1, 1.0)
    weak = weakest_slot(DEFAULT_SLOTS, log, 2.4)
    assert weak is not None and weak.slot is Slot.BREAKFAST


def test_build_weekly_counts_days_on_target_in_the_seven_days_only() -> None:
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN, target_ug=2.4)
    tallies = [
        day_tally(SUNDAY, [], [1.0, 1.0, 1.0]),  # 3.0: met
        day_tally(SUNDAY - dt.timedelta(days=1), [], [2.0]),  # short
        day_tally(SUNDAY - dt.timedelta(days=6), [], [0.9, 0.9, 0.9]),  # met, first day
        day_tally(SUNDAY - dt.timedelta(days=7), [], [5.0, 5.0]),  # last week
    ]
    summary = build_weekly(user, SUNDAY, tallies, ticks(SUNDAY - dt.timedelta(days=7), -1, 0, 0))
    assert summary.start == SUNDAY - dt.timedelta(days=6) and summary.end == SUNDAY
    assert summary.days_logged == 3 and summary.days_on_target == 2
    assert summary.weakest is None  # last week's skipped breakfast does not count


def test_clinician_managed_users_get_no_target_count_and_no_food_idea() -> None:
    user = UserSettings(user_id=1, chat_id=1, absorption="impaired")
    summary = build_weekly(user, SUNDAY, [day_tally(SUNDAY, [], [5.0])], ticks(SUNDAY, -1, 0, 0))
    assert summary.clinician_managed
    assert summary.days_on_target == 0 and summary.weakest is None


def test_a_day_only_covered_by_a_weekly_dose_is_on_target_but_no_logged_day() -> None:
    user = UserSettings(user_id=1, chat_id=1, target_ug=2.4)
    monday = SUNDAY - dt.timedelta(days=6)
    tallies = [
        day_tally(monday, [], [], [2000.0], weekly_cover_ug=2000.0),  # the weekly dose
        day_tally(monday + dt.timedelta(days=1), [], [], weekly_cover_ug=2000.0),  # covered
        day_tally(SUNDAY, [], [1.0]),
    ]
    summary = build_weekly(user, SUNDAY, tallies, [], recorded={monday, SUNDAY})
    assert summary.days_on_target == 2  # Monday and the covered Tuesday
    assert [t.date for t in summary.days] == [monday, SUNDAY]
