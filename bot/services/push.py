"""The daily push: one recurring tick delivers every due plan, at most once per user and day.

The bot calls `run_push_tick` from one repeating job (say every 30-60 s) with the current
time; tests call it with a controlled clock and a fake `send`. Every worker process may run
it at the same time (PostgreSQL). A push goes through three durable stages, each written for
a whole batch of users at once:

1. **claimed** (`Store.claim_due_pushes`, one statement per batch of `page_size`): the users'
   next_push_utc becomes a lease (now + `PUSH_LEASE`, 2 minutes), so no other worker and no
   later tick sees them meanwhile. Nothing was sent and the ledger has no row yet. Their
   stored plans, history and product values are then read and the missing plans planned and
   saved for the whole batch (`prepare`, one read and one write).
2. **started** (`Store.start_pushes`, one INSERT … ON CONFLICT DO NOTHING per group of
   `concurrency`, written just before those sends begin): the 'sending' row in the `pushes`
   ledger, keyed by (user, local date). This row is the at-most-once gate: whoever writes it
   sends; a push whose row exists is never sent again.
3. **finished** (`Store.finish_pushes`, flushed every `FLUSH_DELAY_S` or `page_size`
   outcomes, and at the end): 'sent' with the message id, 'blocked', 'failed', or released
   (the row deleted: the message surely did not go out), with the schedule moved to the next
   day (or, for a release, back to the due time when the tick ends, so the next tick retries).

How a claim whose send may have reached Telegram is told apart from one that surely did not,
after a worker was killed (SIGKILL, power loss) mid fan-out: once its lease has run out, a
claimed user is due again and another worker claims them. If the ledger has no row for that
(user, date), the dead worker never started the send: the new claimer starts and sends it. If
there is a 'sending' row, the send was started and may have arrived, so it is never sent
again (`Store.stale_claims` lists it): the new claimer's INSERT finds the row and skips the
user. Rows are written per group just before the group's sends, so a killed worker loses at
most its sends in flight plus the rest of its current group (2 x `concurrency`); the rest of
its batch arrives with a delay of at most the lease. A finish that was not flushed leaves a
'sending' row too: that message went out, and it is not sent twice either.

Within a tick: a send whose request went out but got no answer (a read time-out:
`Unconfirmed`) is recorded as delivered. Only sends that surely did not go out are retried:
`Transient` (no connection) with exponential backoff and then a released claim that a later
tick (within `catch_up`) sends; `RateLimited` after the wait Telegram asks for.
Blocked -> 'blocked' and the user is marked inactive; Refused -> 'failed' for the day. An
error that is not about delivery (the database, planning) releases the claim too when
`attempts` remembers failures across ticks, until it gives up the day; without it the day
is 'failed' at once (no retry storm).

One user's error never stops the others: each worker handles its own user's failure and
goes on. `stop` (the bot is shutting down) ends claiming at once; sends in flight get
`grace_s` to finish; pushes claimed or started but not yet sent are released at once, so the
next start sends them without waiting for the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
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
from bot.storage.push import PUSH_LEASE, DuePush, PushRecord, PushResult, StartedPushes
from bot.storage.store import Store

log = logging.getLogger(__name__)

SendPlan = Callable[[UserSettings, dt.date], Awaitable[int]]
# Called with each claimed batch before its sends start (e.g. plan the batch's days with one
# read and one write); an error is logged and each send then does its own work.
Prepare = Callable[[Sequence[DuePush]], Awaitable[object]]
Sleep = Callable[[float], Awaitable[object]]

DEFAULT_CATCH_UP = dt.timedelta(hours=6)
assert DEFAULT_CATCH_UP <= MAX_CATCH_UP
# After a stop request, sends already on their way get this long to finish. Docker and
# systemd kill a process 10 s after SIGTERM; the rest of the shutdown needs about a second.
STOP_GRACE_S = 7.0
# Users claimed (and prepared) per statement; the finished pushes are written in batches of
# this size too, or after FLUSH_DELAY_S, whichever comes first.
CLAIM_BATCH = 64
FLUSH_DELAY_S = 1.0


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
    skipped: int = 0  # started before (sent, or a dead worker's send): never sent again
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


class _Ledger:
    """Outcomes of one tick waiting to be written, flushed in batches by `run()` (every
    `delay_s`, or as soon as `size` are waiting) and by `close()` at the end of the tick.

    A release deletes the 'sending' row at the next flush, but the user's schedule goes back
    to the due time only in the final flush: until then their lease keeps this tick from
    claiming them again. A failed flush is retried by the next one; whatever cannot be
    written stays 'sending' in the ledger, which is never re-sent (at most once).
    """

    def __init__(self, store: Store, now_utc: dt.datetime, size: int, delay_s: float) -> None:
        self.store = store
        self.now_utc = now_utc
        self.size = size
        self.delay_s = delay_s
        self._pending: list[PushResult] = []
        self._restore: list[PushResult] = []
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._closing = False
        self._lock = asyncio.Lock()

    def add(self, result: PushResult) -> None:
        self._pending.append(result)
        self._wake.set()
        if len(self._pending) >= self.size:
            self._full.set()

    def release(self, due: DuePush) -> None:
        """The message surely did not go out: drop the row; the schedule returns at the end."""
        self.add(PushResult(due, "released"))
        self.unclaim(due)

    def unclaim(self, due: DuePush) -> None:
        """Claimed but never started: only the schedule returns to the due time."""
        self._restore.append(PushResult(due, None, next_push_utc=due.due_utc))

    async def run(self) -> None:
        while not self._closing:
            await self._wake.wait()
            if not self._closing:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.delay_s):
                        await self._full.wait()
            await self._flush(final=False)

    async def close(self, runner: asyncio.Task[None] | None) -> None:
        """Stop `runner` (after its current flush) and write everything left."""
        self._closing = True
        self._wake.set()
        self._full.set()
        if runner is not None:
            await asyncio.gather(runner, return_exceptions=True)
        await self._flush(final=False)  # a failure is tried once more just below
        await self._flush(final=True)

    async def _flush(self, *, final: bool) -> None:
        async with self._lock:
            batch, self._pending = self._pending, []
            self._wake.clear()
            self._full.clear()
            restore: list[PushResult] = []
            if final:
                restore, self._restore = self._restore, []
            if not batch and not restore:
                return
            try:
                await self.store.finish_pushes(batch + restore, now_utc=self.now_utc)
            except Exception as exc:
                if final:
                    log.error(
                        "could not record %d push outcome(s): their claims stay 'sending' "
                        "(never re-sent) and %d schedule(s) wait for their lease: %s",
                        len(batch),
                        len(restore),
                        exc,
                    )
                    return
                log.warning("recording %d push outcome(s) failed, retrying: %s", len(batch), exc)
                self._pending[:0] = batch
                self._wake.set()


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
    ledger: _Ledger


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
    """Send one started push and hand its outcome to the ledger."""
    outcome, ledger = tick.outcome, tick.ledger
    user = due.user
    uid, day = user.user_id, due.local_date
    next_utc = next_push_after(user.push_time, user.timezone, max(tick.now_utc, due.due_utc))
    try:
        message_id = await _send_with_retries(tick, due)
    except Blocked:
        ledger.add(PushResult(due, "blocked", None, next_utc))
        outcome.blocked += 1
        log.info("user %s blocked the bot; marked inactive", uid)
    except Unconfirmed as exc:
        # It may have arrived: recorded as delivered, never resent (at most once).
        ledger.add(PushResult(due, "sent", None, next_utc))
        outcome.unconfirmed += 1
        log.warning("push to user %s unconfirmed (%s): counted as delivered", uid, exc)
    except BotUnusable:
        # Nothing can be sent by anyone: give the claim back; the tick stops claiming.
        ledger.release(due)
        raise
    except (_GiveUp, Stopping) as exc:
        ledger.release(due)
        outcome.released += 1
        outcome.errors.append(f"user {uid}: {exc}")
        log.warning("push to user %s released for a later tick: %s", uid, exc)
    except DeliveryError as exc:  # Refused: Telegram will not take this message
        ledger.add(PushResult(due, "failed", None, next_utc))
        outcome.failed += 1
        outcome.errors.append(f"user {uid}: {type(exc).__name__}: {exc}")
        log.warning("push to user %s refused for %s: %s", uid, day, exc)
    except Exception as exc:  # not about delivery: the message surely did not go out
        reason = f"user {uid}: {type(exc).__name__}: {exc}"
        outcome.errors.append(reason)
        if tick.attempts is not None and tick.attempts.record_failure(uid, day):
            ledger.release(due)
            outcome.released += 1
            log.warning(
                "push to user %s released after an error, a later tick retries: %s",
                uid,
                reason,
                exc_info=True,
            )
        else:
            ledger.add(PushResult(due, "failed", None, next_utc))
            outcome.failed += 1
            log.exception("push to user %s failed for %s", uid, day)
    else:
        ledger.add(PushResult(due, "sent", message_id, next_utc))
        outcome.sent += 1
        if tick.attempts is not None:
            tick.attempts.forget(uid, day)


def _log_skipped(due: DuePush, record: PushRecord | None) -> None:
    if record is not None and record.state == "sending":
        log.warning(
            "push to user %s for %s was started (at %s) but never finished: a worker died "
            "mid-send or could not record it; not resending",
            due.user.user_id,
            due.local_date,
            record.claimed_utc.isoformat(),
        )


async def run_push_tick(
    store: Store,
    now_utc: dt.datetime,
    send: SendPlan,
    *,
    catch_up: dt.timedelta = DEFAULT_CATCH_UP,
    concurrency: int = 64,
    page_size: int = CLAIM_BATCH,
    retry: RetryPolicy = RetryPolicy(),  # frozen, so one shared default is safe
    sleep: Sleep = asyncio.sleep,
    stop: asyncio.Event | None = None,
    attempts: PushAttempts | None = None,
    grace_s: float = STOP_GRACE_S,
    prepare: Prepare | None = None,
    lease: dt.timedelta = PUSH_LEASE,
    flush_delay_s: float = FLUSH_DELAY_S,
) -> PushOutcome:
    """Deliver every push due at `now_utc` (in claimed batches of `page_size`, however many
    users) and return counts.

    At most `concurrency` sends are in flight. Safe to run twice, overlapping, or in several
    processes: claims are leases and the ledger row decides who sends (see the module
    docstring). A worker's error is that user's problem only; an error that concerns
    everyone (the due list cannot be read, BotUnusable) stops the claiming, lets the sends in
    flight finish, and is raised at the end; what was claimed but not sent is released. When
    `stop` is set, claiming stops at once and sends in flight get `grace_s` seconds before
    they are cancelled (a cancelled send keeps its 'sending' row: it may have gone out).
    """
    require_aware(now_utc)
    check_catch_up(catch_up)
    if concurrency < 1 or page_size < 1:
        raise ValueError("concurrency and page_size must be at least 1")
    if lease <= dt.timedelta(0):
        raise ValueError(f"lease must be positive (got {lease})")
    outcome = PushOutcome()
    if stop is not None and stop.is_set():
        outcome.stopped = True
        return outcome
    outcome.missed = await store.skip_missed_pushes(now_utc, catch_up)
    loop = asyncio.get_running_loop()
    began = loop.time()
    ledger = _Ledger(store, now_utc, page_size, flush_delay_s)
    tick = _Tick(store, now_utc, send, retry, sleep, outcome, stop, attempts, ledger)
    halt = asyncio.Event()  # stop claiming: a fatal error, or `stop`
    fatal: list[Exception] = []
    ready: asyncio.Queue[DuePush | None] = asyncio.Queue()  # started, not yet sending
    drained = asyncio.Event()  # `ready` is empty: the next group may be started
    drained.set()
    claimed: dict[tuple[int, dt.date], DuePush] = {}  # claimed, not started yet
    # a claim or start whose caller (the feed) was cancelled: its result is settled at the end
    writing: list[asyncio.Future[list[DuePush]] | asyncio.Future[StartedPushes]] = []

    def halted() -> bool:
        return halt.is_set() or (stop is not None and stop.is_set())

    def halt_now() -> None:
        halt.set()
        drained.set()  # wake the feed so it sees the halt

    async def feed() -> None:
        while not halted():
            # the lease runs from the real time of the claim, however long this tick takes
            lease_until = now_utc + dt.timedelta(seconds=loop.time() - began) + lease
            claiming = asyncio.ensure_future(
                store.claim_due_pushes(now_utc, page_size, lease_until_utc=lease_until)
            )
            writing.append(claiming)
            batch = await asyncio.shield(claiming)  # a cancelled tick still learns the result
            writing.remove(claiming)
            claimed.update(((d.user.user_id, d.local_date), d) for d in batch)
            if batch and prepare is not None and not halted():
                try:
                    await prepare(batch)
                except Exception:  # each send plans on its own then
                    log.warning("preparing %d pushes failed", len(batch), exc_info=True)
            for first in range(0, len(batch), concurrency):
                await drained.wait()
                if halted():
                    return
                group = batch[first : first + concurrency]
                starting = asyncio.ensure_future(store.start_pushes(group, now_utc))
                writing.append(starting)
                started = await asyncio.shield(starting)
                writing.remove(starting)
                for due in group:
                    claimed.pop((due.user.user_id, due.local_date), None)
                for due, record in started.skipped:
                    outcome.skipped += 1
                    _log_skipped(due, record)
                if started.started:
                    drained.clear()
                    for due in started.started:
                        ready.put_nowait(due)
            if len(batch) < page_size:
                return

    async def produce() -> None:
        try:
            await feed()
        except Exception as exc:  # claiming failed: nobody else can be claimed
            fatal.append(exc)
            halt_now()
        finally:
            for _ in range(concurrency):
                ready.put_nowait(None)

    async def work() -> None:
        while (due := await ready.get()) is not None:
            if ready.empty():
                drained.set()
            if halted():
                ledger.release(due)  # started but never sent: surely not out
                continue
            try:
                await _push_one(tick, due)
            except BotUnusable as exc:
                fatal.append(exc)
                halt_now()
            except Exception as exc:  # e.g. the ledger could not be read: go on
                outcome.errors.append(f"user {due.user.user_id}: {type(exc).__name__}: {exc}")
                log.exception("push to user %s: unexpected error", due.user.user_id)

    async def watch_stop() -> None:
        if stop is not None:
            await stop.wait()
            halt_now()

    flusher = asyncio.ensure_future(ledger.run())
    watcher = asyncio.ensure_future(watch_stop())
    tasks = {asyncio.ensure_future(produce())}
    tasks.update(asyncio.ensure_future(work()) for _ in range(concurrency))
    try:
        await _run_until_done(tasks, stop, grace_s, outcome)
    finally:
        watcher.cancel()
        for write in writing:  # the feed was cancelled while claiming or starting
            try:
                found = await write
            except Exception:
                continue  # nothing was written
            if isinstance(found, StartedPushes):
                for due in found.started:
                    claimed.pop((due.user.user_id, due.local_date), None)
                    ledger.release(due)
                for due, _ in found.skipped:
                    claimed.pop((due.user.user_id, due.local_date), None)
            else:
                claimed.update(((d.user.user_id, d.local_date), d) for d in found)
        # started but never taken by a worker (a stop, a crash), and claimed but not started
        while not ready.empty():
            if (due := ready.get_nowait()) is not None:
                ledger.release(due)
        for due in claimed.values():
            ledger.unclaim(due)
        try:
            await ledger.close(flusher)
        except BaseException:
            flusher.cancel()
            raise
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
