"""run_weekly_tick on both engines: each user's own Sunday evening, at most once per week even
with two worker processes ticking at the same moment, and no summary without the opt-in."""

from __future__ import annotations

import asyncio
import datetime as dt

from store_helpers import add_user

from bot.core.models import UserSettings
from bot.services.weekly import run_weekly_tick
from bot.storage.store import Store
from bot.storage.tracking import TrackingStore
from bot.storage.weekly import WeeklyStore

UTC = dt.UTC
CREATED = dt.datetime(2026, 11, 1, tzinfo=UTC)
BERLIN, TOKYO, NEW_YORK, QUIET = 1, 2, 3, 4


class Sender:
    """Records (user, local day); waits a little so concurrent ticks overlap mid-send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, dt.date]] = []

    async def __call__(self, user: UserSettings, day: dt.date) -> int:
        await asyncio.sleep(0.02)
        self.sent.append((user.user_id, day))
        return len(self.sent)


async def users(store: Store) -> WeeklyStore:
    weekly = WeeklyStore(store)
    for uid, tz in (
        (BERLIN, "Europe/Berlin"),
        (TOKYO, "Asia/Tokyo"),
        (NEW_YORK, "America/New_York"),
    ):
        await add_user(store, uid, CREATED, tz)
        assert await weekly.set_weekly(uid, True, now_utc=CREATED)
    await add_user(store, QUIET, CREATED, "Europe/Berlin")  # never opted in
    return weekly


async def test_each_user_gets_the_summary_on_their_own_sunday_evening(store: Store) -> None:
    weekly = await users(store)
    tracking = TrackingStore(store)
    send = Sender()
    sunday = dt.date(2026, 11, 29)
    # Tokyo (UTC+9): Sunday 18:00 = 09:00 UTC; Berlin 17:00 UTC; New York (UTC-5) 23:00 UTC
    for hour, expected in (
        (8, []),
        (9, [TOKYO]),
        (17, [TOKYO, BERLIN]),
        (23, [TOKYO, BERLIN, NEW_YORK]),
    ):
        await run_weekly_tick(
            tracking, weekly, dt.datetime(2026, 11, 29, hour, 5, tzinfo=UTC), send
        )
        assert [uid for uid, _ in send.sent] == expected
    assert all(day == sunday for _, day in send.sent)
    # Monday morning UTC: still Sunday evening in New York, but its summary is in the ledger
    outcome = await run_weekly_tick(
        tracking, weekly, dt.datetime(2026, 11, 30, 3, 0, tzinfo=UTC), send
    )
    assert outcome.sent == 0 and outcome.skipped == 1
    assert len(send.sent) == 3
    assert await tracking.count_sends("weekly", QUIET) == 0


async def test_two_workers_ticking_together_send_each_week_once(
    store: Store, database_url: str, engine_name: str
) -> None:
    """A second worker process is a second Store on the same database (PostgreSQL); SQLite
    allows one process, so there two ticks of one process overlap instead."""
    await users(store)
    other = await Store.open(database_url) if engine_name == "postgresql" else store
    send = Sender()
    now = dt.datetime(2026, 11, 29, 17, 5, tzinfo=UTC)  # Sunday 18:05 in Berlin
    try:
        outcomes = await asyncio.gather(
            run_weekly_tick(TrackingStore(store), WeeklyStore(store), now, send),
            run_weekly_tick(TrackingStore(other), WeeklyStore(other), now, send),
        )
    finally:
        if other is not store:
            await other.close()
    assert [uid for uid, _ in send.sent] == [BERLIN]
    assert sum(o.sent for o in outcomes) == 1
    assert await TrackingStore(store).count_sends("weekly") == 1


async def test_switching_off_stops_the_summary_and_reads_back(store: Store) -> None:
    weekly = await users(store)
    assert await weekly.weekly_on(BERLIN) and not await weekly.weekly_on(QUIET)
    assert await weekly.set_weekly(BERLIN, False, now_utc=CREATED)
    assert not await weekly.weekly_on(BERLIN)
    assert await weekly.weekly_users() == [TOKYO, NEW_YORK]
    assert await weekly.weekly_users(after_id=TOKYO) == [NEW_YORK]
    assert not await weekly.set_weekly(999, True, now_utc=CREATED)  # no such user
    send = Sender()
    sunday_1805_berlin = dt.datetime(2026, 11, 29, 17, 5, tzinfo=UTC)  # only Berlin is due
    outcome = await run_weekly_tick(TrackingStore(store), weekly, sunday_1805_berlin, send)
    assert send.sent == [] and outcome.sent == 0
    assert await weekly.set_weekly(BERLIN, True, now_utc=CREATED)
    await run_weekly_tick(TrackingStore(store), weekly, sunday_1805_berlin, send)
    assert [uid for uid, _ in send.sent] == [BERLIN]
