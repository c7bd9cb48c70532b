"""The send budget that worker processes share in PostgreSQL (bot.storage.ratebudget): two
budgets on one database, as two workers, stay within the limit together in every window;
replies that found the budget full get the next slot before the push; a group's own limit is
taken with the overall one or not at all."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from bot.storage.db import Database
from bot.storage.ratebudget import (
    OVERALL_SCOPE,
    Scope,
    SharedRateBudget,
    Taken,
    chat_scope,
)

RATE = 30
OVERALL = Scope(OVERALL_SCOPE, RATE, 1.0, reserve=True)


@pytest.fixture
async def databases(database_url: str, engine_name: str) -> AsyncIterator[list[Database]]:
    """Two Database handles (two pools, as two worker processes) on one PostgreSQL."""
    if engine_name != "postgresql":
        pytest.skip("the shared budget is PostgreSQL's (one SQLite process counts in memory)")
    opened = [await Database.open(database_url) for _ in range(2)]
    try:
        yield opened
    finally:
        for db in opened:
            await db.close()


def most_in_any_window(times_ms: list[int], window_ms: int = 1000) -> int:
    times = sorted(times_ms)
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window_ms:
            start += 1
        best = max(best, end - start + 1)
    return best


async def keep_taking(
    budget: SharedRateBudget, scopes: list[Scope], until: float, interactive: bool
) -> list[Taken]:
    granted = []
    while time.monotonic() < until:
        taken = await budget.take(scopes, interactive=interactive)
        if taken.ok:
            granted.append(taken)
        else:
            await asyncio.sleep(taken.wait_s)
    return granted


async def test_two_workers_together_never_exceed_the_rate_in_any_second(
    databases: list[Database],
) -> None:
    budgets = [SharedRateBudget(db) for db in databases]
    until = time.monotonic() + 2.5
    try:
        results = await asyncio.gather(
            *(
                keep_taking(budget, [OVERALL], until, interactive)
                for budget in budgets
                for interactive in (False, True, False)
            )
        )
    finally:
        for budget in budgets:
            await budget.close()
    granted = [t.server_ms for part in results for t in part]
    # both workers got sends, and together at most ~10 % over the limit in any second
    assert any(results[:3]) and any(results[3:])
    assert most_in_any_window(granted) <= RATE * 1.1
    span_s = (max(granted) - min(granted)) / 1000
    assert len(granted) >= RATE * span_s * 0.8  # and the limit is used, not left idle


async def test_a_reply_refused_on_one_worker_gets_the_next_slot_before_the_push(
    databases: list[Database],
) -> None:
    push, replies = (SharedRateBudget(db) for db in databases)
    slow = Scope("slow", 60, 20.0, reserve=True)  # 1 s slots of 3 sends: time to look
    try:
        for _attempt in range(5):
            while (await push.take([slow], interactive=False)).ok:
                pass  # the push fills the slot
            refused = await replies.take([slow], interactive=True)  # reserves the next slot
            await asyncio.sleep(refused.wait_s + 0.05)
            pushed = []
            while (taken := await push.take([slow], interactive=False)).ok:
                pushed.append(taken)
            reply = await replies.take([slow], interactive=True)
            slots = {t.server_ms // slow.slot_ms for t in [*pushed, reply]}
            reserved_for = refused.server_ms // slow.slot_ms + 1
            if not refused.ok and slots == {reserved_for}:
                break  # the takes fell into the slot the reply reserved: the case to judge
        else:
            pytest.fail("could not keep the takes within one slot")
    finally:
        await push.close()
        await replies.close()
    assert len(pushed) == 2  # 3 per slot, one kept for the waiting reply
    assert reply.ok


async def test_a_group_limit_is_taken_with_the_overall_one_or_not_at_all(
    databases: list[Database],
) -> None:
    budget = SharedRateBudget(databases[0])
    try:
        for attempt in range(5):
            group = Scope(chat_scope(-100123 - attempt), 40, 60.0)  # 3 s slots of 2 sends
            overall = Scope(f"overall-{attempt}", 1000, 1.0)
            answers = [await budget.take([overall, group], interactive=False) for _ in range(3)]
            if len({a.server_ms // group.slot_ms for a in answers}) == 1:
                break  # all three within one slot of the group: the case to judge
        async with databases[0].read() as conn:
            overall_sent = (
                await conn.execute(
                    sa.text("SELECT sum(sent) FROM send_budget WHERE scope = :s"),
                    {"s": overall.name},
                )
            ).scalar_one()
    finally:
        await budget.close()
    assert [a.ok for a in answers] == [True, True, False]
    assert answers[2].refused_by == group.name
    assert 0 < answers[2].wait_s <= 3.0
    assert overall_sent == 2  # the refused group send took nothing from the overall budget


async def sent_in(db: Database, scope: Scope) -> dict[int, int]:
    """slot -> sends counted, as stored."""
    async with db.read() as conn:
        rows = await conn.execute(
            sa.text("SELECT slot, sent FROM send_budget WHERE scope = :s AND sent > 0"),
            {"s": scope.name},
        )
        return {int(r.slot): int(r.sent) for r in rows}


async def test_a_push_take_gets_up_to_the_slots_room_in_one_statement(
    databases: list[Database],
) -> None:
    budget = SharedRateBudget(databases[0])
    try:
        for attempt in range(5):
            slow = Scope(f"batch-{attempt}", 60, 20.0)  # 1 s slots of 3 sends
            first = await budget.take([slow], interactive=False, want=2)
            second = await budget.take([slow], interactive=False, want=8)
            third = await budget.take([slow], interactive=False, want=8)
            if len({t.server_ms // slow.slot_ms for t in (first, second, third)}) == 1:
                break  # all three within one slot: the case to judge
        else:
            pytest.fail("could not keep the takes within one slot")
        stored = await sent_in(databases[0], slow)
    finally:
        await budget.close()
    assert (first.ok, first.granted) == (True, 2)
    assert (second.ok, second.granted) == (True, 1)  # what was left of the slot's 3
    assert not third.ok and third.granted == 0
    assert first.start_s == 0 and 0 < first.until_s <= 1.0  # to be sent before the slot ends
    assert stored == {first.server_ms // slow.slot_ms: 3}


async def test_a_push_take_that_finds_its_slot_full_books_one_of_the_next_two(
    databases: list[Database],
) -> None:
    push, replies = (SharedRateBudget(db) for db in databases)
    try:
        for attempt in range(5):
            slow = Scope(f"ahead-{attempt}", 60, 20.0, reserve=True)  # 1 s slots of 3 sends
            answers = [await push.take([slow], interactive=False, want=3, ahead=True)]
            refused_reply = await replies.take([slow], interactive=True)  # reserves slot + 1
            answers += [
                await push.take([slow], interactive=False, want=8, ahead=True) for _ in range(3)
            ]
            slots = {t.server_ms // slow.slot_ms for t in [*answers, refused_reply]}
            if len(slots) == 1:
                break
        else:
            pytest.fail("could not keep the takes within one slot")
        stored = await sent_in(databases[0], slow)
    finally:
        await push.close()
        await replies.close()
    now_slot = answers[0].server_ms // slow.slot_ms
    assert not refused_reply.ok
    # the current slot, then the next one less the reply's reservation, then the one after
    assert [(a.ok, a.granted) for a in answers] == [(True, 3), (True, 2), (True, 3), (False, 0)]

    def at(taken: Taken, seconds: float) -> int:  # database-clock ms, `seconds` after it
        return taken.server_ms + round(seconds * 1000)

    assert answers[0].start_s == 0
    # each booking starts when its slot begins and ends with it
    for taken, ahead in ((answers[1], 1), (answers[2], 2)):
        assert at(taken, taken.start_s) == (now_slot + ahead) * slow.slot_ms
        assert at(taken, taken.until_s) == (now_slot + ahead + 1) * slow.slot_ms
    # never further than two ahead: wait for the next slot and ask again
    assert at(answers[3], answers[3].wait_s) == (now_slot + 1) * slow.slot_ms
    assert stored == {now_slot: 3, now_slot + 1: 2, now_slot + 2: 3}


async def batch_sender(budget: SharedRateBudget, until: float, want: int) -> list[int]:
    """A worker's push: asks for `want` at a time, sends each grant when its slot begins;
    returns the database-clock times of the sends."""
    sends: list[int] = []
    while time.monotonic() < until:
        taken = await budget.take([OVERALL], interactive=False, want=want, ahead=True)
        if not taken.ok:
            await asyncio.sleep(taken.wait_s)
            continue
        at = taken.server_ms + round(taken.start_s * 1000)  # the start of the granted slot
        sends += [at] * taken.granted
        await asyncio.sleep(taken.start_s)
    return sends


async def test_two_workers_taking_batches_ahead_stay_within_the_rate_and_use_it(
    databases: list[Database],
) -> None:
    budgets = [SharedRateBudget(db) for db in databases]
    until = time.monotonic() + 2.5
    try:
        wants = (8, 3)  # a worker with a long queue, and one with a short one
        results = await asyncio.gather(
            *(batch_sender(b, until, w) for b, w in zip(budgets, wants, strict=True))
        )
    finally:
        for budget in budgets:
            await budget.close()
    sends = [t for part in results for t in part]
    assert all(results)  # both workers got sends
    assert most_in_any_window(sends) <= RATE * 1.1
    span_s = (max(sends) - min(sends)) / 1000
    assert len(sends) >= RATE * span_s * 0.9
