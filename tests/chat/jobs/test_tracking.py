"""The tracking tick with a controlled clock: reminders at the right local time across both
DST changes, exactly once across overlapping ticks and restarts, catch-up after downtime,
snooze, blocked users, transient errors, evening checks and retest reminders."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from ptb_offline import offline_bot, onboard, texts, visible_text
from store_helpers import add_user
from telegram.error import Forbidden, NetworkError, TimedOut

from bot.chat.jobs.tracking import TrackingOutcome, run_tracking_tick, run_tracking_tick_now
from bot.chat.send import delivering
from bot.core.clock import zone
from bot.core.models import UserSettings
from bot.core.reminders import Reminder, ReminderKind, next_fire_utc
from bot.storage.reminders import DueReminder
from bot.storage.store import Store
from bot.storage.tracking import TrackingStore

UTC = dt.UTC
BERLIN = "Europe/Berlin"
ANA = 2001
PLAN_TIME = dt.time(7, 30)


class Recorder:
    """Fake senders: record (kind, user, when, what) and return message ids."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, dt.datetime, object]] = []
        self.now = dt.datetime(2000, 1, 1, tzinfo=UTC)
        self.fail_with: BaseException | None = None

    async def _record(self, kind: str, user: UserSettings, what: object) -> int:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((kind, user.user_id, self.now, what))
        return len(self.sent)

    async def reminder(self, user: UserSettings, due: DueReminder) -> int:
        return await self._record("reminder", user, (due.occurrence_utc, due.snoozed))

    async def evening(self, user: UserSettings, day: dt.date) -> int | None:
        return await self._record("evening", user, day)

    async def retest(self, user: UserSettings, day: dt.date) -> int:
        return await self._record("retest", user, day)

    async def tick(
        self, ts: TrackingStore, now: dt.datetime, catch_up: dt.timedelta = dt.timedelta(hours=6)
    ) -> TrackingOutcome:
        self.now = now
        return await run_tracking_tick(
            ts,
            now,
            send_reminder=delivering(self.reminder),
            send_evening=delivering(self.evening),
            send_retest=delivering(self.retest),
            catch_up=catch_up,
        )

    def of(self, kind: str) -> list[tuple[str, int, dt.datetime, object]]:
        return [s for s in self.sent if s[0] == kind]


async def open_tracking(path: Path) -> TrackingStore:
    return TrackingStore(await Store.open(path))


@pytest.fixture
async def ts(tmp_path: Path) -> AsyncIterator[TrackingStore]:
    tracking = await open_tracking(tmp_path / "jobs.sqlite3")
    start = dt.datetime(2026, 3, 1, tzinfo=UTC)
    await add_user(tracking.store, ANA, start, BERLIN, name="Ana")
    try:
        yield tracking
    finally:
        await tracking.store.close()


async def add_daily(ts: TrackingStore, at: dt.time, now: dt.datetime) -> int:
    reminder = Reminder(ReminderKind.DAILY, 1000.0, at, BERLIN)
    stored = await ts.add_reminder(ANA, reminder, next_fire_utc(reminder, now), now_utc=now)
    return stored.id


async def tick_every(
    rec: Recorder, ts: TrackingStore, start: dt.datetime, end: dt.datetime, minutes: int
) -> None:
    now = start
    while now <= end:
        await rec.tick(ts, now)
        now += dt.timedelta(minutes=minutes)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(zone(BERLIN))


@pytest.mark.parametrize(
    ("start", "change_day"),
    [
        (dt.datetime(2026, 3, 27, 12, 0, tzinfo=UTC), dt.date(2026, 3, 29)),  # spring forward
        (dt.datetime(2026, 10, 23, 12, 0, tzinfo=UTC), dt.date(2026, 10, 25)),  # fall back
    ],
)
async def test_daily_reminder_fires_at_local_time_once_a_day_across_dst(
    ts: TrackingStore, start: dt.datetime, change_day: dt.date
) -> None:
    await add_daily(ts, dt.time(8, 0), start)
    rec = Recorder()
    await tick_every(rec, ts, start, start + dt.timedelta(days=4), minutes=10)
    fired = [local(when) for _, _, when, _ in rec.of("reminder")]
    assert [f.date() for f in fired] == [
        change_day - dt.timedelta(days=1),
        change_day,
        change_day + dt.timedelta(days=1),
        change_day + dt.timedelta(days=2),
    ]
    assert all((f.hour, f.minute) == (8, 0) for f in fired)
    # the UTC hour moves by one across the change: the reminder follows the wall clock
    assert len({f.astimezone(UTC).hour for f in fired}) == 2


async def test_reminder_in_the_spring_gap_fires_once_right_after_it(ts: TrackingStore) -> None:
    start = dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    await add_daily(ts, dt.time(2, 30), start)  # 02:30 does not exist on 29 March in Berlin
    rec = Recorder()
    await tick_every(rec, ts, start, start + dt.timedelta(days=2), minutes=5)
    fired = [local(when) for _, _, when, _ in rec.of("reminder")]
    assert [(f.day, f.hour, f.minute) for f in fired] == [(29, 3, 0), (30, 2, 30)]


async def test_overlapping_ticks_send_once(ts: TrackingStore) -> None:
    start = dt.datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    await add_daily(ts, dt.time(8, 0), start)
    due = dt.datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    rec = Recorder()
    import asyncio

    outcomes = await asyncio.gather(*(rec.tick(ts, due) for _ in range(3)))
    assert len(rec.of("reminder")) == 1
    assert sum(o.reminders for o in outcomes) == 1
    assert await ts.count_sends("reminder", ANA) == 1


async def test_reminders_survive_a_restart_and_a_crash_mid_send_is_not_repeated(
    tmp_path: Path,
) -> None:
    path = tmp_path / "restart.sqlite3"
    start = dt.datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    ts = await open_tracking(path)
    await add_user(ts.store, ANA, start, BERLIN, name="Ana")
    rid = await add_daily(ts, dt.time(8, 0), start)
    due = dt.datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    # the process claims the firing, then dies before sending completes
    assert await ts.claim_send(ANA, "reminder", f"{rid}@{int(due.timestamp())}", now_utc=due)
    await ts.store.close()

    ts = await open_tracking(path)  # restart
    try:
        rec = Recorder()
        out = await rec.tick(ts, due + dt.timedelta(minutes=1))
        assert (out.reminders, out.skipped) == (0, 1)  # at most once: not resent
        await tick_every(rec, ts, due, due + dt.timedelta(days=1, hours=1), minutes=15)
        fired = [local(when) for _, _, when, _ in rec.of("reminder")]
        assert [(f.day, f.hour) for f in fired] == [(25, 8)]  # next day as usual
    finally:
        await ts.store.close()


async def test_downtime_catches_up_recent_firings_and_drops_old_ones(ts: TrackingStore) -> None:
    start = dt.datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    await add_daily(ts, dt.time(8, 0), start)  # 07:00 UTC
    rec = Recorder()
    out = await rec.tick(ts, dt.datetime(2026, 11, 24, 9, 30, tzinfo=UTC))  # 2.5 h late
    assert out.reminders == 1 and out.missed == 0
    out = await rec.tick(ts, dt.datetime(2026, 11, 25, 20, 0, tzinfo=UTC))  # 13 h late
    assert (out.reminders, out.missed) == (0, 1)
    out = await rec.tick(ts, dt.datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    assert out.reminders == 1
    assert len(rec.of("reminder")) == 2


async def test_snoozed_reminder_fires_again_an_hour_later_for_the_same_occurrence(
    ts: TrackingStore,
) -> None:
    start = dt.datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    rid = await add_daily(ts, dt.time(8, 0), start)
    due = dt.datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    rec = Recorder()
    await rec.tick(ts, due)
    await ts.snooze_reminder(rid, due, due + dt.timedelta(hours=1), now_utc=due)
    await rec.tick(ts, due + dt.timedelta(minutes=59))
    assert len(rec.of("reminder")) == 1
    await rec.tick(ts, due + dt.timedelta(hours=1))
    await rec.tick(ts, due + dt.timedelta(hours=1, minutes=1))
    assert [what for _, _, _, what in rec.of("reminder")] == [(due, False), (due, True)]


async def test_blocked_user_is_marked_inactive_and_not_retried(ts: TrackingStore) -> None:
    start = dt.datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    await add_daily(ts, dt.time(8, 0), start)
    rec = Recorder()
    rec.fail_with = Forbidden("bot was blocked by the user")
    out = await rec.tick(ts, dt.datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    assert out.blocked == 1
    user = await ts.store.get_user(ANA)
    assert user is not None and not user.active
    rec.fail_with = None
    await rec.tick(ts, dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
    assert rec.of("reminder") == []


async def test_network_error_releases_and_a_later_tick_sends_once(ts: TrackingStore) -> None:
    start = dt.datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    await add_daily(ts, dt.time(8, 0), start)
    due = dt.datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    rec = Recorder()
    refused = NetworkError("httpx.ConnectError: refused")
    refused.__cause__ = httpx.ConnectError("refused")  # never left: safe to send again
    rec.fail_with = refused
    out = await rec.tick(ts, due)
    assert (out.released, out.reminders) == (1, 0)
    rec.fail_with = None
    await rec.tick(ts, due + dt.timedelta(minutes=1))
    await rec.tick(ts, due + dt.timedelta(minutes=2))
    assert len(rec.of("reminder")) == 1


async def test_a_reminder_without_an_answer_counts_as_sent_and_is_not_repeated(
    ts: TrackingStore,
) -> None:
    start = dt.datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    await add_daily(ts, dt.time(8, 0), start)
    due = dt.datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    rec = Recorder()
    timed_out = TimedOut()
    timed_out.__cause__ = httpx.ReadTimeout("read")  # went out, no answer: maybe delivered
    rec.fail_with = timed_out
    out = await rec.tick(ts, due)
    assert (out.released, out.reminders) == (0, 1)
    rec.fail_with = None
    await rec.tick(ts, due + dt.timedelta(minutes=1))
    await rec.tick(ts, due + dt.timedelta(minutes=2))
    assert rec.of("reminder") == []  # the one attempt was all: no second reminder


async def test_evening_check_once_per_local_day_at_local_time_across_dst(
    ts: TrackingStore,
) -> None:
    start = dt.datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    await ts.store.update_user(ANA, evening_check=True, now_utc=start)
    rec = Recorder()
    await tick_every(rec, ts, start, start + dt.timedelta(days=3), minutes=10)
    sent = rec.of("evening")
    assert [what for _, _, _, what in sent] == [
        dt.date(2026, 3, 27),
        dt.date(2026, 3, 28),
        dt.date(2026, 3, 29),
    ]
    assert all((local(w).hour, local(w).minute) == (19, 0) for _, _, w, _ in sent)
    # opting out stops it
    await ts.store.update_user(ANA, evening_check=False, now_utc=start)
    await tick_every(rec, ts, start + dt.timedelta(days=3), start + dt.timedelta(days=4), 30)
    assert len(rec.of("evening")) == 3


async def test_retest_reminder_sent_once(ts: TrackingStore) -> None:
    fire = dt.datetime(2027, 4, 2, 6, 30, tzinfo=UTC)
    await ts.set_retest(ANA, 6, dt.date(2027, 4, 2), fire, now_utc=fire - dt.timedelta(days=9))
    rec = Recorder()
    await rec.tick(ts, fire - dt.timedelta(minutes=1))
    await rec.tick(ts, fire)
    await rec.tick(ts, fire + dt.timedelta(minutes=1))
    assert [what for _, _, _, what in rec.of("retest")] == [dt.date(2027, 4, 2)]


# --------------------------------------------------------------------------- a new time zone


async def test_timezone_command_moves_reminders_to_the_new_zone(tmp_path: Path) -> None:
    """A daily 08:00 reminder made in UTC, then /timezone Europe/Berlin: it fires at 08:00
    Berlin, i.e. 07:00 UTC in winter, and the list shows the new zone."""
    async with offline_bot(tmp_path) as bot:  # Tue 24 Nov 2026, 09:00 UTC
        chat = bot.chat()
        await onboard(chat)
        await chat.send("/timezone UTC")
        await chat.send("/remind daily 1000 08:00")
        (made,) = await bot.tracking.reminders(chat.user.id)
        assert made.reminder.tz == "UTC"
        assert made.next_fire_utc == dt.datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

        await chat.send("/timezone Europe/Berlin")
        (moved,) = await bot.tracking.reminders(chat.user.id)
        assert moved.reminder.tz == BERLIN and moved.reminder.local_time == dt.time(8, 0)
        assert moved.next_fire_utc == dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
        listing = visible_text(texts(await chat.send("/remind"))[0])
        assert f"at 08:00 ({BERLIN})" in listing

        bot.clock.set(dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
        assert (await run_tracking_tick_now(bot.app)).reminders == 1


async def test_timezone_change_moves_the_retest_reminder_to_the_plan_time_there(
    tmp_path: Path,
) -> None:
    """The retest reminder comes at the plan time (07:30) on its due date; after a move from
    Berlin to New York it comes at 07:30 New York time."""
    async with offline_bot(tmp_path) as bot:  # Tue 24 Nov 2026, 09:00 UTC
        chat = bot.chat()
        await onboard(chat)  # Berlin, plan at 07:30
        await chat.send("/levels add serum 310 pg/mL 2026-11-20")
        await chat.send("/levels retest 3")
        retest = await bot.tracking.get_retest(chat.user.id)
        assert retest is not None and retest.due_date == dt.date(2027, 2, 20)
        assert retest.next_fire_utc == dt.datetime(2027, 2, 20, 6, 30, tzinfo=UTC)

        await chat.send("/timezone America/New_York")
        moved = await bot.tracking.get_retest(chat.user.id)
        assert moved is not None and moved.due_date == dt.date(2027, 2, 20)
        assert moved.next_fire_utc == dt.datetime(2027, 2, 20, 12, 30, tzinfo=UTC)  # EST


async def test_time_command_moves_the_retest_reminder_but_not_other_reminders(
    tmp_path: Path,
) -> None:
    """The retest reminder follows the plan time: after /time 09:15 it comes at 09:15 Berlin
    on its due date (not at the old 07:30), while a reminder with its own time stays put."""
    async with offline_bot(tmp_path) as bot:  # Tue 24 Nov 2026, 09:00 UTC
        chat = bot.chat()
        await onboard(chat)  # Berlin, plan at 07:30
        await chat.send("/levels add serum 310 pg/mL 2026-11-20")
        await chat.send("/levels retest 3")
        await chat.send("/remind daily 1000 08:00")
        (daily,) = await bot.tracking.reminders(chat.user.id)
        retest = await bot.tracking.get_retest(chat.user.id)
        assert retest is not None
        assert retest.next_fire_utc == dt.datetime(2027, 2, 20, 6, 30, tzinfo=UTC)

        await chat.send("/time 09:15")
        user = await bot.services.store.get_user(chat.user.id)
        assert user is not None and user.push_time == dt.time(9, 15)
        moved = await bot.tracking.get_retest(chat.user.id)
        assert moved is not None and moved.due_date == dt.date(2027, 2, 20)
        assert moved.next_fire_utc == dt.datetime(2027, 2, 20, 8, 15, tzinfo=UTC)  # CET
        (same,) = await bot.tracking.reminders(chat.user.id)
        assert same.reminder == daily.reminder and same.next_fire_utc == daily.next_fire_utc

        # the old 07:30 passes without a retest reminder; 09:15 brings it
        bot.clock.set(dt.datetime(2027, 2, 20, 6, 31, tzinfo=UTC))
        assert (await run_tracking_tick_now(bot.app)).retests == 0
        bot.clock.set(dt.datetime(2027, 2, 20, 8, 15, tzinfo=UTC))
        assert (await run_tracking_tick_now(bot.app)).retests == 1


async def test_rezone_does_not_repeat_an_occurrence_already_fired_that_local_day(
    ts: TrackingStore,
) -> None:
    """Fired at 08:00 Berlin (07:00 UTC); at 07:30 UTC the user moves to UTC, where 08:00 has
    not come yet today: that day's tablet is not reminded twice, the next one is tomorrow."""
    start = dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    await add_daily(ts, dt.time(8, 0), start)
    rec = Recorder()
    await rec.tick(ts, dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
    assert len(rec.of("reminder")) == 1

    moved_at = dt.datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    moved = await ts.rezone_reminders(ANA, "UTC", retest_time=PLAN_TIME, now_utc=moved_at)
    again = await ts.rezone_reminders(ANA, "UTC", retest_time=PLAN_TIME, now_utc=moved_at)
    assert (moved, again) == (1, 0)  # the second call finds it already there
    (stored,) = await ts.reminders(ANA)
    assert stored.reminder.tz == "UTC"
    assert stored.next_fire_utc == dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    await tick_every(rec, ts, moved_at, dt.datetime(2026, 11, 26, 9, 0, tzinfo=UTC), minutes=30)
    assert [when for _, _, when, _ in rec.of("reminder")] == [
        dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC),
        dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
    ]


async def test_rezone_keeps_the_weekday_and_follows_dst_in_the_new_zone(ts: TrackingStore) -> None:
    """A Sunday 09:00 reminder moved from Berlin to New York just before the US DST change
    (Sun 1 Nov 2026): it fires at 09:00 New York time, which is EST (14:00 UTC) that day."""
    now = dt.datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    reminder = Reminder(ReminderKind.WEEKLY, 2000.0, dt.time(9, 0), BERLIN, weekday=6)
    await ts.add_reminder(ANA, reminder, next_fire_utc(reminder, now), now_utc=now)
    await ts.rezone_reminders(ANA, "America/New_York", retest_time=PLAN_TIME, now_utc=now)
    (stored,) = await ts.reminders(ANA)
    assert stored.reminder.weekday == 6 and stored.reminder.tz == "America/New_York"
    assert stored.next_fire_utc == dt.datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
