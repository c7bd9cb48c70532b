"""Push engine with a controlled clock and fake `send` coroutines (no Telegram, no sleeping)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

import httpx
import pytest
from store_helpers import add_user
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.chat.send import delivering
from bot.core.models import UserSettings
from bot.services.delivery import BotUnusable
from bot.services.push import (
    PushAttempts,
    PushOutcome,
    RetryPolicy,
    due_local_date,
    run_push_tick,
)
from bot.storage.push import PUSH_LEASE, DuePush, PushResult
from bot.storage.store import Store

UTC = dt.UTC
# PTB's own RetryAfter constructor warns about int seconds (PTB_TIMEDELTA migration).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


class FakeSend:
    """Records every delivered message; `script[user_id]` lists errors to raise first."""

    def __init__(self, script: dict[int, list[BaseException]] | None = None) -> None:
        self.script = {uid: list(errors) for uid, errors in (script or {}).items()}
        self.delivered: list[tuple[int, dt.date]] = []
        self.calls: list[int] = []

    async def __call__(self, user: UserSettings, local_date: dt.date) -> int:
        self.calls.append(user.user_id)
        await asyncio.sleep(0)  # let other workers run, like a real HTTP call
        pending = self.script.get(user.user_id)
        if pending:
            raise pending.pop(0)
        self.delivered.append((user.user_id, local_date))
        return 1000 + len(self.delivered)

    def per_user(self) -> Counter[int]:
        return Counter(uid for uid, _ in self.delivered)


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def tick(store: Store, now: dt.datetime, send: FakeSend, **kwargs: object) -> PushOutcome:
    kwargs.setdefault("sleep", Sleeps())
    return await run_push_tick(store, now, delivering(send), **kwargs)


def minutes(start: dt.datetime, end: dt.datetime, step: int) -> Iterable[dt.datetime]:
    t = start
    while t <= end:
        yield t
        t += dt.timedelta(minutes=step)


@pytest.mark.parametrize(
    ("tz", "day", "due"),
    [
        ("Europe/Berlin", dt.date(2026, 1, 15), utc(2026, 1, 15, 6, 30)),  # CET
        ("Europe/Berlin", dt.date(2026, 7, 15), utc(2026, 7, 15, 5, 30)),  # CEST
        ("America/New_York", dt.date(2026, 1, 15), utc(2026, 1, 15, 12, 30)),  # EST
        ("America/New_York", dt.date(2026, 7, 15), utc(2026, 7, 15, 11, 30)),  # EDT
    ],
)
async def test_push_arrives_at_local_time_not_before(
    store: Store, tz: str, day: dt.date, due: dt.datetime
) -> None:
    await add_user(store, 1, due - dt.timedelta(hours=20), tz)
    send = FakeSend()
    early = await tick(store, due - dt.timedelta(minutes=1), send)
    assert early.sent == 0 and send.delivered == []
    on_time = await tick(store, due, send)
    assert on_time.sent == 1
    assert send.delivered == [(1, day)]
    record = await store.get_push(1, day)
    assert (record.state, record.message_id) == ("sent", 1001)
    assert await store.next_push_utc(1) == due + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("tz", "push_time", "expected"),
    [
        # Spring forward in Berlin on 2026-03-29 (02:00 CET -> 03:00 CEST).
        (
            "Europe/Berlin",
            dt.time(7, 30),
            [utc(2026, 3, 28, 6, 30), utc(2026, 3, 29, 5, 30), utc(2026, 3, 30, 5, 30)],
        ),
        (  # 02:30 does not exist on the 29th: it fires at 03:00 CEST, once.
            "Europe/Berlin",
            dt.time(2, 30),
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)],
        ),
        # Fall back in New York on 2026-11-01 (02:00 EDT -> 01:00 EST).
        (
            "America/New_York",
            dt.time(7, 30),
            [utc(2026, 10, 31, 11, 30), utc(2026, 11, 1, 12, 30), utc(2026, 11, 2, 12, 30)],
        ),
        (  # 01:30 happens twice on Nov 1: pushed at the first one only.
            "America/New_York",
            dt.time(1, 30),
            [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        ),
    ],
)
async def test_dst_days_push_once_per_local_day_at_the_right_instant(
    store: Store, tz: str, push_time: dt.time, expected: list[dt.datetime]
) -> None:
    start = expected[0] - dt.timedelta(hours=12)
    await add_user(store, 1, start, tz, push_time)
    send = FakeSend()
    sent_at: list[dt.datetime] = []
    for now in minutes(start, expected[-1] + dt.timedelta(hours=12), 5):
        before = len(send.delivered)
        await tick(store, now, send)
        sent_at += [now] * (len(send.delivered) - before)
    assert sent_at == expected
    days = [d for _, d in send.delivered]
    assert days == [e.astimezone(ZoneInfo(tz)).date() for e in expected]
    assert len(set(days)) == 3


async def test_two_ticks_in_the_same_minute_push_once(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    for uid in range(1, 21):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    send = FakeSend()
    first = await tick(store, due, send)
    second = await tick(store, due + dt.timedelta(seconds=40), send)
    assert (first.sent, second.sent) == (20, 0)
    assert set(send.per_user().values()) == {1}


async def test_concurrent_overlapping_ticks_push_once(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    for uid in range(1, 41):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    send = FakeSend()
    outcomes = await asyncio.gather(
        tick(store, due, send, concurrency=4), tick(store, due, send, concurrency=4)
    )
    assert sum(o.sent for o in outcomes) == 40
    assert send.per_user() == Counter({uid: 1 for uid in range(1, 41)})


async def test_many_users_over_several_pages_each_get_one_push(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    for uid in range(1, 51):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    send = FakeSend()
    outcome = await tick(store, due, send, page_size=7, concurrency=3)
    assert outcome.sent == 50
    assert send.per_user() == Counter({uid: 1 for uid in range(1, 51)})


class Crash(BaseException):
    """Stands in for the process dying (not an Exception, so nothing handles it)."""


class CrashingSend(FakeSend):
    """Crashes on call number `crash_on`, after delivering it (`delivered_first`) or not."""

    def __init__(self, crash_on: int, delivered_first: bool) -> None:
        super().__init__()
        self.crash_on = crash_on
        self.delivered_first = delivered_first

    async def __call__(self, user: UserSettings, local_date: dt.date) -> int:
        self.calls.append(user.user_id)
        call_number = len(self.calls)  # taken before yielding: other workers append meanwhile
        await asyncio.sleep(0)
        if call_number == self.crash_on:
            if self.delivered_first:
                self.delivered.append((user.user_id, local_date))
            raise Crash
        self.delivered.append((user.user_id, local_date))
        return len(self.delivered)


@pytest.mark.parametrize("delivered_first", [True, False])
async def test_restart_mid_fan_out_no_duplicate_no_miss(
    database_url: str, delivered_first: bool
) -> None:
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    n, k = 10, 4
    s = await Store.open(database_url)
    for uid in range(1, n + 1):
        await add_user(s, uid, due - dt.timedelta(hours=3))
    crashing = CrashingSend(crash_on=k, delivered_first=delivered_first)
    try:
        with pytest.raises(Crash):
            await tick(s, due, crashing, concurrency=1)
    finally:
        await s.close()  # the process is gone
    in_flight = crashing.calls[-1]

    s = await Store.open(database_url)  # restart: a new Store on the same database
    try:
        resumed = FakeSend()
        outcome = await tick(s, due + dt.timedelta(minutes=1), resumed)
        assert outcome.sent == n - k  # the crash gave back what it had not started
        assert outcome.skipped == 0  # the in-flight one is still under its lease: not seen
        after_lease = await tick(s, due + PUSH_LEASE + dt.timedelta(minutes=1), resumed)
        assert (after_lease.sent, after_lease.skipped) == (0, 1)  # started: never resent
        total = crashing.per_user() + resumed.per_user()
        expected_counts = {uid: 1 for uid in range(1, n + 1)}
        if not delivered_first:
            # At most once: a send cut off before it reached Telegram is not retried.
            expected_counts[in_flight] = 0
        assert {uid: total[uid] for uid in range(1, n + 1)} == expected_counts
        assert await s.stale_claims(due + dt.timedelta(minutes=5)) == [(in_flight, day)]
        # And nothing more the rest of the day.
        later = await tick(s, due + dt.timedelta(hours=2), resumed)
        assert later.sent == 0 and later.skipped == 0
    finally:
        await s.close()


async def test_crash_with_concurrent_sends_only_in_flight_users_are_uncertain(
    database_url: str,
) -> None:
    due = utc(2026, 1, 15, 6, 30)
    n, concurrency = 60, 8
    s = await Store.open(database_url)
    for uid in range(1, n + 1):
        await add_user(s, uid, due - dt.timedelta(hours=3))
    crashing = CrashingSend(crash_on=25, delivered_first=False)
    try:
        with pytest.raises(Crash):
            await tick(s, due, crashing, concurrency=concurrency)
    finally:
        await s.close()

    s = await Store.open(database_url)
    try:
        resumed = FakeSend()
        await tick(s, due + dt.timedelta(minutes=1), resumed)
        total = crashing.per_user() + resumed.per_user()
        assert max(total.values()) == 1  # never a duplicate
        missing = {uid for uid in range(1, n + 1) if total[uid] == 0}
        stale = {uid for uid, _ in await s.stale_claims(due + dt.timedelta(minutes=5))}
        assert missing == stale  # every miss is a logged, cut-off send
        assert 1 <= len(missing) <= concurrency
    finally:
        await s.close()


async def test_blocked_user_marked_inactive_and_not_pushed_again(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    await add_user(store, 2, due - dt.timedelta(hours=3))
    send = FakeSend({1: [Forbidden("Forbidden: bot was blocked by the user")]})
    outcome = await tick(store, due, send)
    assert (outcome.sent, outcome.blocked) == (1, 1)
    assert (await store.get_user(1)).active is False
    assert (await store.get_push(1, dt.date(2026, 1, 15))).state == "blocked"

    next_day = due + dt.timedelta(days=1)
    await tick(store, next_day, send)
    assert send.calls.count(1) == 1  # never tried again
    assert send.per_user() == Counter({2: 2})

    # They unblock and write to the bot: pushes resume from the next push time.
    await store.ensure_user(1, 10, "user1", now_utc=next_day + dt.timedelta(hours=1))
    await tick(store, due + dt.timedelta(days=2), send)
    assert send.per_user() == Counter({2: 3, 1: 1})


async def test_retry_after_is_honoured_then_sent(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    send = FakeSend({1: [RetryAfter(30), RetryAfter(dt.timedelta(seconds=12))]})
    sleeps = Sleeps()
    outcome = await tick(store, due, send, sleep=sleeps)
    assert outcome.sent == 1
    assert sleeps.waits == [30.0, 12.0]
    assert send.delivered == [(1, dt.date(2026, 1, 15))]


async def test_endless_flood_control_releases_the_claim(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    send = FakeSend({1: [RetryAfter(5)] * 3})
    policy = RetryPolicy(max_retry_after_waits=2)
    outcome = await tick(store, due, send, retry=policy)
    assert (outcome.sent, outcome.released) == (0, 1)
    assert await store.get_push(1, dt.date(2026, 1, 15)) is None


def caused_by(error: Exception, cause: Exception) -> Exception:
    """A PTB error as PTB raises it: `raise TimedOut from httpx.ReadTimeout(...)`."""
    error.__cause__ = cause
    return error


# Errors PTB raises when the request never left the process: safe to send again.
NOT_SENT = [
    lambda: caused_by(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
    lambda: caused_by(TimedOut(), httpx.ConnectTimeout("connect")),
    lambda: caused_by(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")),
]
# Errors after the request went out: the message may have arrived.
MAYBE_SENT = [
    lambda: caused_by(TimedOut(), httpx.ReadTimeout("read")),
    lambda: caused_by(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("x")),
    lambda: NetworkError("Bad Gateway"),
]


@pytest.mark.parametrize("make_error", NOT_SENT)
async def test_network_errors_back_off_then_release_and_a_later_tick_sends(
    store: Store, make_error: Callable[[], Exception]
) -> None:
    error = make_error()
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    await add_user(store, 2, due - dt.timedelta(hours=3))
    send = FakeSend({1: [error] * 3})
    sleeps = Sleeps()
    policy = RetryPolicy(network_attempts=3, backoff_first_s=1.0, backoff_factor=2.0)
    outcome = await tick(store, due, send, sleep=sleeps, retry=policy)
    assert (outcome.sent, outcome.released) == (1, 1)
    assert sleeps.waits == [1.0, 2.0]  # exponential, between the 3 tries
    assert send.calls.count(1) == 3
    assert await store.get_push(1, day) is None  # released

    retry = await tick(store, due + dt.timedelta(minutes=1), send)
    assert retry.sent == 1
    assert send.per_user() == Counter({1: 1, 2: 1})


async def test_network_error_recovering_within_the_tick(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    send = FakeSend({1: [caused_by(TimedOut(), httpx.ConnectTimeout("connect"))]})
    sleeps = Sleeps()
    outcome = await tick(store, due, send, sleep=sleeps)
    assert outcome.sent == 1 and sleeps.waits == [1.0]


@pytest.mark.parametrize("make_error", MAYBE_SENT)
async def test_a_send_without_an_answer_counts_as_delivered_and_is_never_resent(
    store: Store, make_error: Callable[[], Exception]
) -> None:
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    send = FakeSend({1: [make_error()]})
    sleeps = Sleeps()
    outcome = await tick(store, due, send, sleep=sleeps)
    assert (outcome.sent, outcome.unconfirmed, outcome.released) == (0, 1, 0)
    assert sleeps.waits == []  # no blind retry
    assert (await store.get_push(1, day)).state == "sent"
    for later in (due + dt.timedelta(minutes=1), due + dt.timedelta(hours=2)):
        await tick(store, later, send)
    assert send.calls == [1]


async def test_a_failed_ledger_write_is_retried_and_never_resends(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    for uid in range(1, 13):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    finish = store.finish_pushes
    calls: list[int] = []

    async def failing_once(results: Sequence[PushResult], **kwargs: object) -> None:
        calls.append(len(results))
        if len(calls) == 1:
            raise OSError("database connection lost")
        await finish(results, **kwargs)  # type: ignore[arg-type]

    store.finish_pushes = failing_once  # type: ignore[method-assign]
    send = FakeSend()
    outcome = await tick(store, due, send, concurrency=4)
    assert outcome.sent == 12 and len(calls) >= 2
    for uid in range(1, 13):
        assert (await store.get_push(uid, day)).state == "sent"
    assert await store.next_push_utc(1) == due + dt.timedelta(days=1)
    assert send.per_user() == Counter({uid: 1 for uid in range(1, 13)})


async def test_outcomes_that_cannot_be_recorded_stay_sending_and_are_never_resent(
    store: Store,
) -> None:
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    for uid in range(1, 6):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    finish = store.finish_pushes

    async def broken(results: Sequence[PushResult], **kwargs: object) -> None:
        raise OSError("database connection lost")

    store.finish_pushes = broken  # type: ignore[method-assign]
    send = FakeSend()
    assert (await tick(store, due, send)).sent == 5
    store.finish_pushes = finish  # type: ignore[method-assign]
    assert {(await store.get_push(uid, day)).state for uid in range(1, 6)} == {"sending"}
    # their messages went out: once the leases run out they are skipped, never sent again
    later = await tick(store, due + PUSH_LEASE + dt.timedelta(minutes=1), send)
    assert (later.sent, later.skipped) == (0, 5)
    assert send.per_user() == Counter({uid: 1 for uid in range(1, 6)})
    assert await store.next_push_utc(1) == due + dt.timedelta(days=1)


async def test_a_second_tick_does_not_see_users_claimed_by_a_running_one(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    for uid in range(1, 7):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    send = GatedSend()
    running = asyncio.create_task(tick(store, due, send, concurrency=2))
    try:
        await until(lambda: send.waiting == 2)
        second = await tick(store, due + dt.timedelta(seconds=40), FakeSend())
        assert (second.attempted, second.skipped) == (0, 0)  # in flight is not "skipped"
    finally:
        send.gate.set()
    first = await running
    assert first.sent == 6 and send.per_user() == Counter({uid: 1 for uid in range(1, 7)})


async def test_a_dead_workers_claims_are_taken_over_after_the_lease_and_never_resent(
    database_url: str,
) -> None:
    """Worker A claims every due user, starts two groups of sends and then hangs for good
    (as if killed with kill -9: nothing of it runs again). Worker B, after A's lease ran out,
    sends the users A never started and skips the ones A started (they may have arrived)."""
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    a_store = await Store.open(database_url)
    b_store = a_store if database_url.startswith("sqlite") else await Store.open(database_url)
    try:
        for uid in range(1, 11):
            await add_user(a_store, uid, due - dt.timedelta(hours=3))
        hung = GatedSend()  # the gate never opens
        worker_a = asyncio.create_task(tick(a_store, due, hung, concurrency=2, page_size=10))
        try:
            await until(lambda: hung.waiting == 2)
            started_by_a = set()
            for _ in range(100):  # A's next group is started while its first is in flight
                started_by_a = {u for u in range(1, 11) if await b_store.get_push(u, day)}
                if len(started_by_a) == 4:
                    break
                await asyncio.sleep(0.01)
            assert len(started_by_a) == 4
            early = await tick(b_store, due + dt.timedelta(minutes=1), FakeSend())
            assert (early.attempted, early.skipped) == (0, 0)  # A's lease holds
            b_send = FakeSend()
            b = await tick(b_store, due + PUSH_LEASE + dt.timedelta(minutes=1), b_send)
            assert set(b_send.per_user()) == set(range(1, 11)) - started_by_a
            assert (b.sent, b.skipped) == (6, 4)
            assert hung.delivered == []
            for uid in started_by_a:  # may have reached the user: left 'sending'
                assert (await b_store.get_push(uid, day)).state == "sending"
                assert await b_store.next_push_utc(uid) == due + dt.timedelta(days=1)
        finally:
            worker_a.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker_a
    finally:
        if b_store is not a_store:
            await b_store.close()
        await a_store.close()


async def test_two_stores_ticking_at_once_send_each_push_once(database_url: str) -> None:
    """Two workers (on PostgreSQL two connection pools, as two processes would have)."""
    due = utc(2026, 1, 15, 6, 30)
    one = await Store.open(database_url)
    two = one if database_url.startswith("sqlite") else await Store.open(database_url)
    try:
        for uid in range(1, 61):
            await add_user(one, uid, due - dt.timedelta(hours=3))
        send = FakeSend()
        outcomes = await asyncio.gather(
            tick(one, due, send, concurrency=3, page_size=5),
            tick(two, due, send, concurrency=3, page_size=5),
        )
        assert sum(o.sent for o in outcomes) == 60
        assert sum(o.skipped for o in outcomes) == 0
        assert send.per_user() == Counter({uid: 1 for uid in range(1, 61)})
    finally:
        if two is not one:
            await two.close()
        await one.close()


async def test_storage_is_asked_per_batch_not_per_user(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    for uid in range(1, 31):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    calls: Counter[str] = Counter()
    for name in ("claim_due_pushes", "start_pushes", "finish_pushes", "claim_push"):
        method = getattr(store, name)

        async def counted(*args: object, _m=method, _n=name, **kwargs: object) -> object:
            calls[_n] += 1
            return await _m(*args, **kwargs)

        setattr(store, name, counted)
    outcome = await tick(store, due, FakeSend(), page_size=16, concurrency=4)
    assert outcome.sent == 30
    assert calls["claim_due_pushes"] == 2  # 16 + 14 users
    assert calls["start_pushes"] == 8  # groups of 4: 4 + 4
    assert calls["finish_pushes"] <= 4 and calls["claim_push"] == 0  # per batch or second
    assert {(await store.get_push(uid, dt.date(2026, 1, 15))).state for uid in range(1, 31)} == {
        "sent"
    }


async def test_prepare_sees_each_claimed_batch_before_its_sends(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    for uid in range(1, 12):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    batches: list[list[int]] = []
    send = FakeSend()

    async def prepare(batch: Sequence[DuePush]) -> None:
        assert not set(send.calls) & {d.user.user_id for d in batch}
        batches.append([d.user.user_id for d in batch])

    outcome = await tick(store, due, send, page_size=5, concurrency=2, prepare=prepare)
    assert outcome.sent == 11
    assert batches == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11]]


async def test_a_failing_prepare_does_not_stop_the_push(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))

    async def prepare(batch: Sequence[DuePush]) -> None:
        raise RuntimeError("planner broke")

    send = FakeSend()
    assert (await tick(store, due, send, prepare=prepare)).sent == 1


async def test_an_error_before_sending_is_retried_by_later_ticks_then_given_up(
    store: Store,
) -> None:
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    await add_user(store, 2, due - dt.timedelta(hours=3))
    locked = RuntimeError("database is locked")
    send = FakeSend({1: [locked, locked, locked], 2: [locked]})
    attempts = PushAttempts(max_failures=3)
    first = await tick(store, due, send, attempts=attempts)
    assert (first.sent, first.released) == (0, 2)
    assert await store.get_push(1, day) is None  # released: not lost for the day
    second = await tick(store, due + dt.timedelta(minutes=1), send, attempts=attempts)
    assert (second.sent, second.released) == (1, 1)  # user 2 recovered
    third = await tick(store, due + dt.timedelta(minutes=2), send, attempts=attempts)
    assert (third.failed, third.sent) == (1, 0)  # user 1: three failures, given up for today
    assert (await store.get_push(1, day)).state == "failed"
    assert send.per_user() == Counter({2: 1})


class GatedSend(FakeSend):
    """Sends wait at a gate (like slow HTTP) until the test opens it."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = 0

    async def __call__(self, user: UserSettings, local_date: dt.date) -> int:
        self.calls.append(user.user_id)
        self.waiting += 1
        await self.gate.wait()
        self.delivered.append((user.user_id, local_date))
        return len(self.delivered)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.001)


async def test_stop_ends_claiming_lets_sends_in_flight_finish_and_leaves_the_rest_due(
    store: Store,
) -> None:
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    for uid in range(1, 11):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    send = GatedSend()
    stop = asyncio.Event()
    running = asyncio.create_task(tick(store, due, send, concurrency=2, stop=stop))
    await until(lambda: send.waiting == 2)
    stop.set()
    send.gate.set()
    outcome = await running
    assert outcome.stopped and outcome.sent == 2
    in_flight = set(send.calls)
    for uid in set(range(1, 11)) - in_flight:
        assert await store.get_push(uid, day) is None  # never claimed: still due
    resumed = FakeSend()  # the next start
    after = await tick(store, due + dt.timedelta(minutes=1), resumed)
    assert after.sent == 8
    assert send.per_user() + resumed.per_user() == Counter({uid: 1 for uid in range(1, 11)})


async def test_stop_cancels_sends_still_running_after_the_grace_period(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    for uid in (1, 2, 3):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    send = GatedSend()  # the gate never opens: Telegram hangs
    stop = asyncio.Event()
    running = asyncio.create_task(tick(store, due, send, concurrency=1, stop=stop, grace_s=0.05))
    await until(lambda: send.waiting == 1)
    stop.set()
    async with asyncio.timeout(2):
        outcome = await running
    assert outcome.stopped and outcome.sent == 0
    hung = send.calls[0]
    assert (await store.get_push(hung, day)).state == "sending"  # may have gone: not resent
    assert await store.get_push(({1, 2, 3} - {hung}).pop(), day) is None


async def test_stop_during_a_network_backoff_releases_the_claim(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    day = dt.date(2026, 1, 15)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    not_sent = caused_by(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused"))
    send = FakeSend({1: [not_sent] * 3})
    stop = asyncio.Event()
    stop_later = asyncio.get_running_loop().call_later(0.05, stop.set)
    try:
        outcome = await run_push_tick(store, due, delivering(send), stop=stop)  # real sleep
    finally:
        stop_later.cancel()
    assert outcome.released == 1 and send.calls == [1]
    assert await store.get_push(1, day) is None


async def test_permanent_errors_fail_for_the_day_without_stopping_others(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    for uid in (1, 2, 3):
        await add_user(store, uid, due - dt.timedelta(hours=3))
    send = FakeSend({1: [BadRequest("Chat not found")], 2: [KeyError("broken plan")]})
    outcome = await tick(store, due, send)
    assert (outcome.sent, outcome.failed) == (1, 2)
    assert send.calls.count(1) == 1  # BadRequest is not retried like a network error
    assert (await store.get_push(2, dt.date(2026, 1, 15))).state == "failed"
    again = await tick(store, due + dt.timedelta(minutes=5), send)
    assert again.attempted == 0
    next_day = await tick(store, due + dt.timedelta(days=1), send)
    assert next_day.sent == 3


async def test_invalid_token_stops_the_tick_and_gives_the_claim_back(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    send = FakeSend({1: [InvalidToken()]})
    with pytest.raises(BotUnusable):
        await tick(store, due, send)
    assert await store.get_push(1, dt.date(2026, 1, 15)) is None
    assert (await tick(store, due + dt.timedelta(minutes=1), send)).sent == 1


async def test_downtime_of_three_hours_is_caught_up_once(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    send = FakeSend()
    back = due + dt.timedelta(hours=3)
    outcome = await tick(store, back, send)
    assert (outcome.sent, outcome.missed) == (1, 0)
    for now in minutes(back, back + dt.timedelta(hours=6), 10):
        await tick(store, now, send)
    assert send.delivered == [(1, dt.date(2026, 1, 15))]


async def test_downtime_longer_than_catch_up_skips_that_day(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    send = FakeSend()
    outcome = await tick(store, due + dt.timedelta(hours=7), send, catch_up=dt.timedelta(hours=6))
    assert (outcome.sent, outcome.missed) == (0, 1)
    assert await store.next_push_utc(1) == due + dt.timedelta(days=1)
    await tick(store, due + dt.timedelta(days=1), send)
    assert send.delivered == [(1, dt.date(2026, 1, 16))]


async def test_downtime_across_a_day_sends_todays_push_once_not_two(store: Store) -> None:
    yesterday_due = utc(2026, 1, 14, 6, 30)
    await add_user(store, 1, yesterday_due - dt.timedelta(hours=3))
    send = FakeSend()
    back = yesterday_due + dt.timedelta(hours=26)  # today's 06:30Z was 2 h ago
    outcome = await tick(store, back, send)
    assert outcome.sent == 1
    await tick(store, back + dt.timedelta(minutes=1), send)
    assert send.delivered == [(1, dt.date(2026, 1, 15))]


@pytest.mark.parametrize(
    "extra",
    [{"push_enabled": False}, {"onboarded": False}, {"active": False}],
)
async def test_paused_not_onboarded_or_inactive_users_are_not_pushed(
    store: Store, extra: dict
) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3), **extra)
    send = FakeSend()
    for now in minutes(due - dt.timedelta(minutes=5), due + dt.timedelta(days=2), 30):
        await tick(store, now, send)
    assert send.calls == []


async def test_resuming_after_pause_pushes_next_day_not_the_missed_ones(store: Store) -> None:
    due = utc(2026, 1, 15, 6, 30)
    await add_user(store, 1, due - dt.timedelta(hours=3))
    await store.update_user(1, push_enabled=False, now_utc=due - dt.timedelta(hours=1))
    send = FakeSend()
    await tick(store, due, send)
    await store.update_user(1, push_enabled=True, now_utc=due + dt.timedelta(hours=1))
    await tick(store, due + dt.timedelta(hours=1, minutes=1), send)
    await tick(store, due + dt.timedelta(days=1), send)
    assert send.delivered == [(1, dt.date(2026, 1, 16))]


async def test_due_local_date_and_catch_up_limits(store: Store) -> None:
    user = UserSettings(user_id=1, chat_id=1, timezone="Pacific/Auckland")  # UTC+13 in January
    # 2026-01-14 18:00Z is 07:00 on the 15th in Auckland: today's 07:30 not yet, so the 14th.
    assert due_local_date(user, utc(2026, 1, 14, 18, 0)) == dt.date(2026, 1, 14)
    assert due_local_date(user, utc(2026, 1, 14, 18, 30)) == dt.date(2026, 1, 15)
    with pytest.raises(ValueError, match="catch_up"):
        await tick(store, utc(2026, 1, 15), FakeSend(), catch_up=dt.timedelta(hours=30))
    with pytest.raises(ValueError, match="timezone-aware"):
        await tick(store, dt.datetime(2026, 1, 15), FakeSend())
