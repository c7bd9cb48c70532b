"""The daily push: one recurring tick delivers every due plan, at most once per user and day.

The bot calls `run_push_tick` from one repeating job (say every 30-60 s) with the current
time; tests call it with a controlled clock and a fake `send`. Per user the tick

1. claims (user, local date) durably in the `pushes` ledger -- a second claim fails, so two
   ticks in the same minute, overlapping ticks, or a restart never push twice;
2. calls `send(user, local_date)`, which renders the plan and sends it (through PTB's
   AIORateLimiter in the bot; nothing here assumes a rate) and returns the message id;
3. records the outcome and schedules the next push (DST-correct, via bot.core.schedule).

Crash semantics (at most once): a process killed after the claim but before step 3 leaves a
'sending' row; that push is not resent (Telegram has no idempotency key, so resending could
duplicate it) and `Store.stale_claims` lists it. Users not yet claimed when the process died
are still due and go out on the next tick. So after a crash mid-fan-out every user gets
exactly one push except the at most `concurrency` whose send was in flight, who get one or none.

Errors arrive as bot.services.delivery exceptions (the chat layer translates Telegram's):
Blocked -> 'blocked' and the user is marked inactive; RateLimited -> wait as told and retry;
Transient (network, time-out) -> retry with exponential backoff, then release the claim so a
later tick (within `catch_up`) retries. A timed-out request may in fact have reached Telegram,
so this retry is the one place a rare duplicate is possible: a lost plan is judged worse. Any
other error from `send` -> 'failed' for that day (logged, not retried every minute).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core.models import UserSettings
from bot.core.schedule import (
    MAX_CATCH_UP,
    check_catch_up,
    latest_push_at_or_before,
    next_push_after,
    push_local_date,
    require_aware,
)
from bot.services.delivery import Blocked, BotUnusable, RateLimited, Refused, Transient
from bot.storage.store import DuePush, Store

log = logging.getLogger(__name__)

SendPlan = Callable[[UserSettings, dt.date], Awaitable[int]]
Sleep = Callable[[float], Awaitable[object]]

DEFAULT_CATCH_UP = dt.timedelta(hours=6)
assert DEFAULT_CATCH_UP <= MAX_CATCH_UP


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one send is retried within a tick."""

    network_attempts: int = 3  # tries in total when the network fails
    backoff_first_s: float = 1.0  # wait after the first network failure, doubling after that
    backoff_factor: float = 2.0
    max_retry_after_waits: int = 5  # flood-control waits before giving up for this tick


@dataclass(slots=True)
class PushOutcome:
    sent: int = 0
    blocked: int = 0  # Blocked: user marked inactive
    failed: int = 0  # permanent error: no push for that user today
    released: int = 0  # transient error: claim dropped, a later tick retries
    skipped: int = 0  # already claimed for that date (duplicate tick, crash leftover)
    missed: int = 0  # overdue by more than catch_up: dropped, next push scheduled
    errors: list[str] = field(default_factory=list)  # short reasons for failed/released

    @property
    def attempted(self) -> int:
        return self.sent + self.blocked + self.failed + self.released


class _GiveUp(Exception):
    """Transient failures outlasted the retry policy: release the claim."""


def due_local_date(user: UserSettings, now_utc: dt.datetime) -> dt.date:
    """The local date of the push a tick at `now_utc` would deliver to `user` (the date whose
    plan to render): today's if today's push time has passed, else yesterday's."""
    due = latest_push_at_or_before(user.push_time, user.timezone, require_aware(now_utc))
    return push_local_date(due, user.timezone)


async def _send_with_retries(
    send: SendPlan, due: DuePush, policy: RetryPolicy, sleep: Sleep
) -> int:
    network_failures = 0
    flood_waits = 0
    while True:
        try:
            return await send(due.user, due.local_date)
        except RateLimited as exc:
            flood_waits += 1
            if flood_waits > policy.max_retry_after_waits:
                raise _GiveUp(f"flood control {flood_waits} times") from exc
            await sleep(exc.retry_after)
        except (Blocked, Refused, BotUnusable):
            raise
        except Transient as exc:  # includes time-outs
            network_failures += 1
            if network_failures >= policy.network_attempts:
                raise _GiveUp(f"network error x{network_failures}: {exc}") from exc
            await sleep(policy.backoff_first_s * policy.backoff_factor ** (network_failures - 1))


async def _push_one(
    store: Store,
    due: DuePush,
    now_utc: dt.datetime,
    send: SendPlan,
    policy: RetryPolicy,
    sleep: Sleep,
    outcome: PushOutcome,
) -> None:
    user = due.user
    uid = user.user_id
    next_utc = next_push_after(user.push_time, user.timezone, max(now_utc, due.due_utc))
    if not await store.claim_push(uid, due.local_date, now_utc):
        record = await store.get_push(uid, due.local_date)
        if record is not None and record.state == "sending":
            log.warning(
                "push to user %s for %s is claimed (at %s) but unfinished: another tick is "
                "sending it or a crash cut it off; not resending",
                uid,
                due.local_date,
                record.claimed_utc.isoformat(),
            )
        await store.advance_push(uid, next_utc)
        outcome.skipped += 1
        return
    try:
        message_id = await _send_with_retries(send, due, policy, sleep)
    except Blocked:
        await store.finish_push(uid, due.local_date, "blocked", None, next_utc, now_utc=now_utc)
        outcome.blocked += 1
        log.info("user %s blocked the bot; marked inactive", uid)
    except BotUnusable:
        # Nothing can be sent by anyone: give the claim back and stop the tick.
        await store.release_push(uid, due.local_date)
        raise
    except _GiveUp as exc:
        await store.release_push(uid, due.local_date)
        outcome.released += 1
        outcome.errors.append(f"user {uid}: {exc}")
        log.warning("push to user %s released for a later tick: %s", uid, exc)
    except Exception as exc:  # a bug or a permanent Telegram refusal: no retry storm
        await store.finish_push(uid, due.local_date, "failed", None, next_utc, now_utc=now_utc)
        outcome.failed += 1
        outcome.errors.append(f"user {uid}: {type(exc).__name__}: {exc}")
        log.exception("push to user %s failed for %s", uid, due.local_date)
    else:
        await store.finish_push(uid, due.local_date, "sent", message_id, next_utc, now_utc=now_utc)
        outcome.sent += 1


async def run_push_tick(
    store: Store,
    now_utc: dt.datetime,
    send: SendPlan,
    *,
    catch_up: dt.timedelta = DEFAULT_CATCH_UP,
    concurrency: int = 64,
    page_size: int = 1000,
    retry: RetryPolicy = RetryPolicy(),  # frozen, so one shared default is safe
    sleep: Sleep = asyncio.sleep,
) -> PushOutcome:
    """Deliver every push due at `now_utc` (all pages, however many users) and return counts.

    At most `concurrency` sends are in flight. Safe to run twice or overlapping: the ledger
    claim decides who sends. An exception that is not about one user's send (a database
    error, BotUnusable, cancellation) stops the tick; unclaimed users stay due.
    """
    require_aware(now_utc)
    check_catch_up(catch_up)
    if concurrency < 1 or page_size < 1:
        raise ValueError("concurrency and page_size must be at least 1")
    outcome = PushOutcome()
    outcome.missed = await store.skip_missed_pushes(now_utc, catch_up)
    queue: asyncio.Queue[DuePush | None] = asyncio.Queue(maxsize=2 * concurrency)

    async def produce() -> None:
        after: tuple[dt.datetime, int] | None = None
        while True:
            page = await store.due_pushes(now_utc, catch_up, page_size, after=after)
            for due in page:
                await queue.put(due)
            if len(page) < page_size:
                break
            after = (page[-1].due_utc, page[-1].user.user_id)
        for _ in range(concurrency):
            await queue.put(None)

    async def work() -> None:
        while (due := await queue.get()) is not None:
            await _push_one(store, due, now_utc, send, retry, sleep, outcome)

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(concurrency):
                group.create_task(work())
    except BaseExceptionGroup as failure:
        # One worker's error stops the tick; callers see that error, not a group of one.
        if len(failure.exceptions) == 1:
            raise failure.exceptions[0] from None
        raise
    if outcome.attempted or outcome.skipped or outcome.missed:
        log.info(
            "push tick %s: sent=%d blocked=%d failed=%d released=%d skipped=%d missed=%d",
            now_utc.isoformat(timespec="seconds"),
            outcome.sent,
            outcome.blocked,
            outcome.failed,
            outcome.released,
            outcome.skipped,
            outcome.missed,
        )
    return outcome
