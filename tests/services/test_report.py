"""report_for on both engines: the report reads the user's logged food, doses (a weekly
reminder's dose counted as weekly), injections and every lab result from storage."""

from __future__ import annotations

import datetime as dt

import pytest
from store_helpers import add_user

from bot.core.labs import LabResult, Marker
from bot.core.models import RecipeSet
from bot.core.reminders import Reminder, ReminderKind
from bot.services.report import report_for
from bot.storage.store import Store
from bot.storage.tracking import TrackingStore

UTC = dt.UTC
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
ANA = 11


async def test_report_for_reads_food_doses_injections_and_labs(
    store: Store, shipped: RecipeSet
) -> None:
    await add_user(store, ANA, NOW - dt.timedelta(days=400), "Europe/Berlin", target_ug=2.4)
    tracking = TrackingStore(store)
    weekly = Reminder(ReminderKind.WEEKLY, 2000.0, dt.time(9, 0), "Europe/Berlin", weekday=0)
    stored = await tracking.add_reminder(ANA, weekly, NOW, now_utc=NOW)
    for days_ago, ug in ((0, 1.2), (0, 0.9), (3, 2.0), (120, 50.0)):  # the last: too old
        day = TODAY - dt.timedelta(days=days_ago)
        await tracking.add_extra(ANA, day, None, ug, "label", now_utc=NOW)
    await tracking.log_dose(ANA, TODAY, 10.0, "oral", taken_utc=NOW)
    await tracking.log_dose(
        ANA, TODAY - dt.timedelta(days=7), 1000.0, "oral", taken_utc=NOW, reminder_id=stored.id
    )
    await tracking.log_dose(ANA, TODAY - dt.timedelta(days=14), 1000.0, "injection", taken_utc=NOW)
    await tracking.add_lab(
        ANA, LabResult(Marker.SERUM, 250, "ng/L", dt.date(2024, 5, 1)), now_utc=NOW
    )
    user = await store.get_user(ANA)
    assert user is not None

    report = await report_for(tracking, shipped, user, TODAY)

    # today, 3 days ago (food), 7 days ago (dose), 14 (injection); not the days only covered
    # by the weekly dose (nothing was recorded on them)
    assert report.days_logged == 4
    assert report.avg_food_ug == pytest.approx((1.2 + 0.9 + 2.0) / 4)
    assert report.oral_doses == 2 and report.weekly_doses == 1
    assert [(i.day, i.dose_ug) for i in report.injections] == [
        (TODAY - dt.timedelta(days=14), 1000.0)
    ]
    assert [(r.marker, r.value, r.band) for r in report.labs] == [
        ("serum B12", "250 ng/L", "indeterminate")
    ]
