"""The daily push: one recurring tick delivers every due plan, at most once per user and day.

The bot calls `run_push_tick` from one repeating job (say every 30-60 s) with the current
time; tests call it with a controlled clock and a fake `send`. Per user the tick

1. claims (user, local date) durably in the `pushes` ledger -- a second claim fails, so two
   ticks in the same minute, overlapping ticks, or a restart never push twice;
2. calls `send(user, local_date)`, which renders the plan and sends it (the bot's rate
   limiter paces it; nothing here assumes a rate) and returns the message id;
3. records the outcome and schedules the next push (DST-correct, via bot.core.schedule).

At most once, always. Telegram has no idempotency key, so a message whose fate is unknown is
never sent again: a process killed after the claim leaves a 'sending' row that is not resent
(`Store.stale_claims` lists it), and a send whose request went out but got no answer (a read
time-out: `Unconfirmed`) is recorded as delivered. Only sends that surely did not go out are
retried: `Transient` (no connection) with exponential backoff and then a released claim that a
later tick (within `catch_up`) sends; `RateLimited` after the wait Telegram asks for.
Blocked -> 'blocked' and the user is marked inactive; Refused -> 'failed' for the day. An
error that is not about delivery (the database, planning) releases the claim too when
`attempts` remembers failures across ticks, until it gives up the day; without it the day
is 'failed' at once (no retry storm).

One user's error never stops the others: each worker handles its own user's failure and
goes on. `stop` (the bot is shutting down) ends claiming at once; sends in flight get
`grace_s` to finish, and users not yet claimed simply stay due for the next start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
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
from bot.services.delivery import (
    Blocked,
    BotUnusable,
    DeliveryError,
    RateLimited,
    Stopping,
    Transient,
    Unconfirmed,
)
from bot.storage.store import DuePush, Store

log = logging.getLogger(__name__)

SendPlan = Callable[[UserSettings, dt.date], Awaitable[int]]
Sleep = Callable[[float], Awaitable[object]]

DEFAULT_CATCH_UP = dt.timedelta(hours=6)
assert DEFAULT_CATCH_UP <= MAX_CATCH_UP
# After a stop request, sends already on their way get this long to finish. Docker and
# systemd kill a process 10 s after SIGTERM; the rest of the shutdown needs about a second.
STOP_GRACE_S = 7.0


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
    unconfirmed: int = 0  # request went out, no answer: recorded as sent, never resent
    blocked: int = 0  # Blocked: user marked inactive
    failed: int = 0  # permanent error: no push for that user today
    released: int = 0  # did not go out: claim dropped, a later tick (or the next start) retries
    skipped: int = 0  # already claimed for that date (duplicate tick, crash leftover)
    missed: int = 0  # overdue by more than catch_up: dropped, next push scheduled
    stopped: bool = False  # a stop request ended the tick early
    errors: list[str] = field(default_factory=list)  # short reasons for failed/released

    @property
    def attempted(self) -> int:
        return self.sent + self.unconfirmed + self.blocked + self.failed + self.released


class PushAttempts:
    """Failed tries per (user, local date) across the ticks of one process.

    An error that is not about delivery (the database went away, planning raised) means the
    message surely did not go out, so the claim is released and a later tick tries again;
    after `max_failures` the day is given up, so a lasting bug costs a few tries, not one per
    tick for hours. Bounded: the oldest entries are forgotten first.
    """

    def __init__(self, max_failures: int = 3, max_entries: int = 10_000) -> None:
        if max_failures < 1 or max_entries < 1:
            raise ValueError("max_failures and max_entries must be at least 1")
        self.max_failures = max_failures
        self.max_entries = max_entries
        self._failures: OrderedDict[tuple[int, dt.date], int] = OrderedDict()

    def record_failure(self, user_id: int, local_date: dt.date) -> bool:
        """Count one failure; True while another try is still allowed."""
        key = (user_id, local_date)
        count = self._failures.pop(key, 0) + 1
        self._failures[key] = count
        while len(self._failures) > self.max_entries:
            self._failures.popitem(last=False)
        return count < self.max_failures

    def forget(self, user_id: int, local_date: dt.date) -> None:
        self._failures.pop((user_id, local_date), None)


class _GiveUp(Exception):
    """Transient failures outlasted the retry policy: release the claim."""


def due_local_date(user: UserSettings, now_utc: dt.datetime) -> dt.date:
    """The local date of the push a tick at `now_utc` would deliver to `user` (the date whose
    plan to render): today's if today's push time has passed, else yesterday's."""
    due = latest_push_at_or_before(user.push_time, user.timezone, require_aware(now_utc))
    return push_local_date(due, user.timezone)


async def _pause(seconds: float, sleep: Sleep, stop: asyncio.Event | None) -> bool:
    """Wait `seconds` (with the injected `sleep`); True when `stop` was set meanwhile."""
    if stop is None:
        await sleep(seconds)
        return False
    if stop.is_set():
        return True
    sleeper = asyncio.ensure_future(sleep(seconds))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((sleeper, stopper), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, stopper):
            task.cancel()
    return stop.is_set()


@dataclass(slots=True)
class _Tick:
    """What every worker of one tick shares."""

    store: Store
    now_utc: dt.datetime
    send: SendPlan
    policy: RetryPolicy
    sleep: Sleep
    outcome: PushOutcome
    stop: asyncio.Event | None
    attempts: PushAttempts | None


async def _send_with_retries(tick: _Tick, due: DuePush) -> int:
    policy = tick.policy
    network_failures = 0
    flood_waits = 0
    while True:
        try:
            return await tick.send(due.user, due.local_date)
        except RateLimited as exc:
            flood_waits += 1
            if flood_waits > policy.max_retry_after_waits:
                raise _GiveUp(f"flood control {flood_waits} times") from exc
            if await _pause(exc.retry_after, tick.sleep, tick.stop):
                raise Stopping("stopping during a flood-control wait") from exc
        except Stopping:
            raise
        except Transient as exc:  # surely not sent: safe to try again
            network_failures += 1
            if network_failures >= policy.network_attempts:
                raise _GiveUp(f"network error x{network_failures}: {exc}") from exc
            backoff = policy.backoff_first_s * policy.backoff_factor ** (network_failures - 1)
            if await _pause(backoff, tick.sleep, tick.stop):
                raise Stopping("stopping during a network backoff") from exc


async def _push_one(tick: _Tick, due: DuePush) -> None:
    store, outcome, now_utc = tick.store, tick.outcome, tick.now_utc
    user = due.user
    uid, day = user.user_id, due.local_date
    next_utc = next_push_after(user.push_time, user.timezone, max(now_utc, due.due_utc))
    if not await store.claim_push(uid, day, now_utc):
        record = await store.get_push(uid, day)
        if record is not None and record.state == "sending":
            log.warning(
                "push to user %s for %s is claimed (at %s) but unfinished: another tick is "
                "sending it or a crash cut it off; not resending",
                uid,
                day,
                record.claimed_utc.isoformat(),
            )
        await store.advance_push(uid, next_utc)
        outcome.skipped += 1
        return
    try:
        message_id = await _send_with_retries(tick, due)
    except Blocked:
        await store.finish_push(uid, day, "blocked", None, next_utc, now_utc=now_utc)
        outcome.blocked += 1
        log.info("user %s blocked the bot; marked inactive", uid)
    except Unconfirmed as exc:
        # It may have arrived: recorded as delivered, never resent (at most once).
        await store.finish_push(uid, day, "sent", None, next_utc, now_utc=now_utc)
        outcome.unconfirmed += 1
        log.warning("push to user %s unconfirmed (%s): counted as delivered", uid, exc)
    except BotUnusable:
        # Nothing can be sent by anyone: give the claim back; the tick stops claiming.
        await store.release_push(uid, day)
        raise
    except (_GiveUp, Stopping) as exc:
        await store.release_push(uid, day)
        outcome.released += 1
        outcome.errors.append(f"user {uid}: {exc}")
        log.warning("push to user %s released for a later tick: %s", uid, exc)
    except DeliveryError as exc:  # Refused: Telegram will not take this message
        await store.finish_push(uid, day, "failed", None, next_utc, now_utc=now_utc)
        outcome.failed += 1
        outcome.errors.append(f"user {uid}: {type(exc).__name__}: {exc}")
        log.warning("push to user %s refused for %s: %s", uid, day, exc)
    except Exception as exc:  # not about delivery: the message surely did not go out
        reason = f"user {uid}: {type(exc).__name__}: {exc}"
        outcome.errors.append(reason)
        if tick.attempts is not None and tick.attempts.record_failure(uid, day):
            await store.release_push(uid, day)
            outcome.released += 1
            log.warning(
                "push to user %s released after an error, a later tick retries: %s",
                uid,
                reason,
                exc_info=True,
            )
        else:
            await store.finish_push(uid, day, "failed", None, next_utc, now_utc=now_utc)
            outcome.failed += 1
            log.exception("push to user %s failed for %s", uid, day)
    else:
        await store.finish_push(uid, day, "sent", message_id, next_utc, now_utc=now_utc)
        outcome.sent += 1
        if tick.attempts is not None:
            tick.attempts.forget(uid, day)


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
    stop: asyncio.Event | None = None,
    attempts: PushAttempts | None = None,
    grace_s: float = STOP_GRACE_S,
) -> PushOutcome:
    """Deliver every push due at `now_utc` (all pages, however many users) and return counts.

    At most `concurrency` sends are in flight. Safe to run twice or overlapping: the ledger
    claim decides who sends. A worker's error is that user's problem only; an error that
    concerns everyone (the due list cannot be read, BotUnusable) stops the claiming, lets the
    sends in flight finish, and is raised at the end; unclaimed users stay due. When `stop` is
    set, claiming stops at once and sends in flight get `grace_s` seconds before they are
    cancelled (a cancelled send keeps its 'sending' claim: it may have gone out).
    """
    require_aware(now_utc)
    check_catch_up(catch_up)
    if concurrency < 1 or page_size < 1:
        raise ValueError("concurrency and page_size must be at least 1")
    outcome = PushOutcome()
    if stop is not None and stop.is_set():
        outcome.stopped = True
        return outcome
    outcome.missed = await store.skip_missed_pushes(now_utc, catch_up)
    tick = _Tick(store, now_utc, send, retry, sleep, outcome, stop, attempts)
    halt = asyncio.Event()  # stop claiming: a fatal error, or `stop`
    fatal: list[Exception] = []
    queue: asyncio.Queue[DuePush | None] = asyncio.Queue(maxsize=2 * concurrency)

    def halted() -> bool:
        return halt.is_set() or (stop is not None and stop.is_set())

    async def feed() -> None:
        after: tuple[dt.datetime, int] | None = None
        while not halted():
            page = await store.due_pushes(now_utc, catch_up, page_size, after=after)
            for due in page:
                if halted():
                    return
                await queue.put(due)
            if len(page) < page_size:
                return
            after = (page[-1].due_utc, page[-1].user.user_id)

    async def produce() -> None:
        try:
            await feed()
        except Exception as exc:  # the due list is unreadable: nobody else can be claimed
            fatal.append(exc)
            halt.set()
        # Not in a `finally`: when cancelled, nobody is left to take these.
        for _ in range(concurrency):  # workers drain the queue, so this never blocks long
            await queue.put(None)

    async def work() -> None:
        while (due := await queue.get()) is not None:
            if halted():
                continue  # not claimed: stays due for the next tick or the next start
            try:
                await _push_one(tick, due)
            except BotUnusable as exc:
                fatal.append(exc)
                halt.set()
            except Exception as exc:  # e.g. the database failed for this user: go on
                outcome.errors.append(f"user {due.user.user_id}: {type(exc).__name__}: {exc}")
                log.exception("push to user %s: unexpected error", due.user.user_id)

    tasks = {asyncio.ensure_future(produce())}
    tasks.update(asyncio.ensure_future(work()) for _ in range(concurrency))
    await _run_until_done(tasks, stop, grace_s, outcome)
    if fatal:
        raise fatal[0]
    if outcome.attempted or outcome.skipped or outcome.missed:
        log.info(
            "push tick %s: sent=%d unconfirmed=%d blocked=%d failed=%d released=%d "
            "skipped=%d missed=%d%s",
            now_utc.isoformat(timespec="seconds"),
            outcome.sent,
            outcome.unconfirmed,
            outcome.blocked,
            outcome.failed,
            outcome.released,
            outcome.skipped,
            outcome.missed,
            " (stopped)" if outcome.stopped else "",
        )
    return outcome


async def _run_until_done(
    tasks: set[asyncio.Future[None]],
    stop: asyncio.Event | None,
    grace_s: float,
    outcome: PushOutcome,
) -> None:
    """Wait for the producer and workers. A BaseException in one of them (the process is
    going down) cancels the rest and is raised; `stop` starts the grace period, after which
    the sends still running are cancelled."""
    loop = asyncio.get_running_loop()
    watch = {asyncio.ensure_future(stop.wait())} if stop is not None else set()
    deadline: float | None = None
    pending = set(tasks)
    try:
        while pending:
            timeout = None if deadline is None else max(0.0, deadline - loop.time())
            done, _ = await asyncio.wait(
                pending | watch, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done & pending:
                pending.discard(task)
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            if watch & done:
                watch = set()
                outcome.stopped = True
                deadline = loop.time() + grace_s
            if deadline is not None and pending and loop.time() >= deadline:
                log.warning(
                    "stopping: %d push workers still busy after %.0f s, cancelled "
                    "(their claims stay 'sending': not resent)",
                    len(pending),
                    grace_s,
                )
                break
    finally:
        leftovers = [t for t in (*tasks, *watch) if not t.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            await asyncio.gather(*leftovers, return_exceptions=True)
