"""End to end over local HTTP: a reminder added by buttons only (kind -> dose on the number
pad -> time -> days -> save), one message edited in place, then fired by the tracking tick."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from e2e_bot import WAIT_S, buttons, onboard, press, running_bot, say, services_of, to_chat
from fake_bot_api import FakeBotApi
from fake_clock import Clock

from bot.chat.jobs.tracking import run_tracking_tick_now
from bot.core.reminders import ReminderKind
from bot.services.tracking import tracking_store

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

ANA = 515151515


async def test_reminder_by_buttons_over_http(tmp_path: Path) -> None:
    clock = Clock()
    async with (
        FakeBotApi() as api,
        running_bot(api, tmp_path, now=clock.now) as (application, errors),
    ):
        await onboard(api, ANA, "Vegan", "2.4")
        message = await say(api, ANA, "/remind")
        for label in ("➕ New reminder", "💊 Tablet (daily or weekly)", "5", "0", "0"):
            message = await press(api, message, label)
        assert "500 µg" in message["text"]
        for label in ("OK ✅", "🕐 Other time", "10", "10:30", "Every day"):
            message = await press(api, message, label)
        assert "Daily tablet: 500 µg at 10:30" in message["text"]
        message = await press(api, message, "✅ Save reminder")
        assert "Reminder set: Daily tablet: 500 µg at 10:30" in message["text"]
        assert "reply_markup" not in message or not buttons(message)

        svc = services_of(application)
        (stored,) = await tracking_store(svc.store).reminders(ANA)
        assert stored.reminder.kind is ReminderKind.DAILY
        assert (stored.reminder.dose_ug, stored.reminder.local_time) == (500.0, dt.time(10, 30))

        # 10:30 in Berlin (UTC+1 in December) is 09:30 UTC: the tick sends the reminder
        clock.set(stored.next_fire_utc + dt.timedelta(seconds=5))
        mark = api.mark()
        await run_tracking_tick_now(application)
        sent = await api.wait_for("sendMessage", to_chat(ANA), timeout=WAIT_S, after=mark)
        assert "Daily tablet: 500 µg at 10:30" in sent.params["text"]
        assert errors == []
