"""ONE repeating tick for supplement/injection reminders, evening checks and retest reminders.

Like the daily push (bot.services.push): each tick selects the rows that are due (an indexed
`next_fire_utc <= now`), claims each message durably in the `tracking_sends` ledger BEFORE
sending (so an overlapping tick or a restart never sends it twice), sends, and advances the
schedule with bot.core.reminders.next_fire_utc / bot.core.clock, which work in the user's
zone and so follow DST. Everything lives in the database, so reminders survive restarts: after
downtime a firing missed by less than `catch_up` is still sent, an older one is dropped and the
schedule moves on.

Several workers may tick at once: due reminders and evening checks are taken in batches with a
lease (FOR UPDATE SKIP LOCKED on PostgreSQL), so each worker works on its own rows; a worker
killed mid-tick leaves its leases to expire and another takes the firings over, the ledger
still deciding (a firing claimed before the kill may have gone out: not resent). A firing
released after a network error is retried when its lease ends.

`run_tracking_tick` takes the three send functions as arguments, so tests drive it with a
controlled clock and fakes; bot.chat.jobs.tracking builds the real ones. Send errors arrive as
bot.services.delivery exceptions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.core.clock import local_date_at, next_local_occurrence_utc
from bot.core.models import UserSettings
from bot.core.reminders import next_fire_utc
from bot.services.delivery import Blocked, RateLimited, Transient, Unconfirmed
from bot.storage.reminders import DueReminder
from bot.storage.tracking import TrackingStore

log = logging.getLogger(__name__)

DEFAULT_CATCH_UP = dt.timedelta(hours=6)
CLAIM_BATCH = 100
T = TypeVar("T")

SendReminder = Callable[[UserSettings, DueReminder], Awaitable[int]]
SendEvening = Callable[[UserSettings, dt.date], Awaitable[int | None]]
SendRetest = Callable[[UserSettings, dt.date], Awaitable[int]]


@dataclass(slots=True)
class TrackingOutcome:
    reminders: int = 0  # reminder messages sent
    evenings: int = 0  # evening checks sent (a day already on target sends nothing)
    retests: int = 0
    skipped: int = 0  # already claimed (overlapping tick, restart after a crash)
    missed: int = 0  # overdue by more than catch_up: dropped, schedule moved on
    blocked: int = 0
    failed: int = 0
    released: int = 0  # transient error: stays due, a later tick retries


async def _deliver(
    tracking: TrackingStore,
    kind: str,
    key: str,
    user: UserSettings,
    send: Callable[[], Awaitable[int | None]],
    now: dt.datetime,
    outcome: TrackingOutcome,
) -> str:
    """Claim, send, record. Returns 'sent' | 'skipped' | 'blocked' | 'failed' | 'released'."""
    if not await tracking.claim_send(user.user_id, kind, key, now_utc=now):
        outcome.skipped += 1
        return "skipped"
    try:
        message_id = await send()
    except Blocked:
        await tracking.finish_send(kind, key, "blocked", None, now_utc=now)
        await tracking.store.set_active(user.user_id, False, now_utc=now)
        outcome.blocked += 1
        log.info("user %s blocked the bot; marked inactive", user.user_id)
        return "blocked"
    except Unconfirmed as exc:  # it may have arrived: never resent (at most once)
        await tracking.finish_send(kind, key, "sent", None, now_utc=now)
        log.warning("%s for user %s unconfirmed (%s): counted as sent", kind, user.user_id, exc)
        return "sent"
    except (RateLimited, Transient) as exc:
        await tracking.release_send(kind, key)
        outcome.released += 1
        log.warning(
            "%s for user %s released for a later tick: %s", kind, user.user_id, type(exc).__name__
        )
        return "released"
    except Exception:
        await tracking.finish_send(kind, key, "failed", None, now_utc=now)
        outcome.failed += 1
        log.exception("%s for user %s failed", kind, user.user_id)
        return "failed"
    await tracking.finish_send(kind, key, "sent", message_id, now_utc=now)
    return "sent"


async def _claimed(
    claim: Callable[[dt.datetime, int], Awaitable[list[T]]], now: dt.datetime, limit: int
) -> AsyncIterator[T]:
    """Up to `limit` due rows, leased to this tick a batch at a time (see
    TrackingStore.claim_due_reminders): a tick holds only what it works through next, and a
    second worker ticking at the same time takes the other rows."""
    taken = 0
    while taken < limit:
        batch = await claim(now, min(CLAIM_BATCH, limit - taken))
        for item in batch:
            yield item
        taken += len(batch)
        if len(batch) < CLAIM_BATCH:
            return


async def run_tracking_tick(
    tracking: TrackingStore,
    now_utc: dt.datetime,
    *,
    send_reminder: SendReminder,
    send_evening: SendEvening,
    send_retest: SendRetest,
    catch_up: dt.timedelta = DEFAULT_CATCH_UP,
    limit: int = 500,
) -> TrackingOutcome:
    """Send every reminder, evening check and retest reminder due at `now_utc` (up to `limit`
    of each per tick; the rest stay due for the next tick)."""
    if now_utc.tzinfo is None:
        raise ValueError("pass an aware datetime (UTC)")
    now = now_utc.astimezone(dt.UTC)
    oldest_ok = now - catch_up
    outcome = TrackingOutcome()
    store = tracking.store

    async for due in _claimed(tracking.claim_due_reminders, now, limit):
        reminder = due.stored.reminder
        user = await store.get_user(due.stored.user_id)
        if user is None:
            continue
        if due.fire_utc < oldest_ok:
            await tracking.advance_reminder(
                due, next_fire_utc(reminder, now), fired=False, now_utc=now
            )
            outcome.missed += 1
            continue
        state = await _deliver(
            tracking,
            "reminder",
            due.key,
            user,
            lambda user=user, due=due: send_reminder(user, due),
            now,
            outcome,
        )
        if state == "released":
            continue
        outcome.reminders += state == "sent"
        following = next_fire_utc(reminder, max(now, due.fire_utc))
        await tracking.advance_reminder(due, following, fired=state == "sent", now_utc=now)

    await tracking.sync_evening(now)
    async for user_id, due_utc in _claimed(tracking.claim_due_evenings, now, limit):
        user = await store.get_user(user_id)
        if user is None:
            continue
        following = next_local_occurrence_utc(user.evening_time, user.timezone, max(now, due_utc))
        if due_utc < oldest_ok:
            await tracking.advance_evening(user_id, following)
            outcome.missed += 1
            continue
        local_date = local_date_at(due_utc, user.timezone)
        state = await _deliver(
            tracking,
            "evening",
            f"{user_id}@{local_date.isoformat()}",
            user,
            lambda user=user, day=local_date: send_evening(user, day),
            now,
            outcome,
        )
        if state == "released":
            continue
        outcome.evenings += state == "sent"
        await tracking.advance_evening(user_id, following)

    for user_id, due_date, _fire in await tracking.due_retests(now, limit):
        user = await store.get_user(user_id)
        if user is None:
            continue
        state = await _deliver(
            tracking,
            "retest",
            f"{user_id}@{due_date.isoformat()}",
            user,
            lambda user=user, day=due_date: send_retest(user, day),
            now,
            outcome,
        )
        if state == "released":
            continue
        outcome.retests += state == "sent"
        await tracking.retest_done(user_id, due_date)
    return outcome
