"""A plan owner's lock (bot.services.plans.OwnerLocks) holds across worker processes on
PostgreSQL: a second worker waits while the first plans or swaps that owner's day, and the
reads and writes inside the lock are one transaction with it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.services.plans import OwnerLocks
from bot.storage.store import Store

DAY = dt.date(2026, 12, 2)
PLAN = {"date": DAY.isoformat(), "meals": [], "b12_ug": 0.0}


@pytest.fixture
async def two_workers(database_url: str, engine_name: str) -> AsyncIterator[list[Store]]:
    """Two stores on one PostgreSQL database, each with its own pool, as two workers."""
    if engine_name != "postgresql":
        pytest.skip("a SQLite file takes one bot process (its lock file refuses a second)")
    stores = [await Store.open(database_url) for _ in range(2)]
    try:
        yield stores
    finally:
        for store in stores:
            await store.close()


async def test_a_second_worker_waits_for_the_owner_lock_of_the_first(
    two_workers: list[Store],
) -> None:
    first, second = (OwnerLocks(store.db) for store in two_workers)
    entered = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def hold() -> None:
        async with first("u:1"):
            order.append("first in")
            entered.set()
            await release.wait()
            order.append("first out")

    async def wait_then_enter() -> None:
        await entered.wait()
        async with second("u:1"):
            order.append("second in")

    async def other_owner() -> None:
        await entered.wait()
        async with second("u:2"):  # another owner is not held up
            order.append("other owner in")

    holding = asyncio.ensure_future(hold())
    waiting = asyncio.ensure_future(wait_then_enter())
    await asyncio.wait_for(other_owner(), timeout=5)
    await asyncio.sleep(0.3)
    assert order == ["first in", "other owner in"]
    release.set()
    await asyncio.wait_for(asyncio.gather(holding, waiting), timeout=5)
    assert order == ["first in", "other owner in", "first out", "second in"]


async def test_what_is_written_under_the_lock_commits_or_rolls_back_with_it(
    two_workers: list[Store],
) -> None:
    store, other = two_workers
    locks = OwnerLocks(store.db)
    with pytest.raises(RuntimeError):
        async with locks("u:7"):
            await store.save_plan("u:7", DAY, PLAN)
            assert await store.get_plan("u:7", DAY) == PLAN  # read inside: its own write
            assert await other.get_plan("u:7", DAY) is None  # not committed yet
            raise RuntimeError("planning failed half way")
    assert await other.get_plan("u:7", DAY) is None  # rolled back with the lock
    async with locks("u:7"):
        await store.save_plan("u:7", DAY, PLAN)
    assert await other.get_plan("u:7", DAY) == PLAN
