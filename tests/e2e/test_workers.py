"""End to end: two webhook workers on one PostgreSQL database, as a deployment runs them.

Two real bot processes (`main.py` with WEBHOOK_URL) listen on their own ports; the fake Bot
API plays Telegram and the load balancer, POSTing updates to them in turn with the secret
token. 1,000 users are due for their morning push; one worker is killed with SIGKILL in the
middle of the fan-out and the other finishes it: nobody gets the plan twice, and the only
users without one are those the killed worker had on the wire (their ledger rows stay
'sending': at most once wins over a duplicate).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fake_bot_api import FakeBotApi
from workers import (
    PUBLIC_URL,
    SECRET,
    TOKEN,
    add_due_users,
    health,
    start_workers,
    wait_healthy,
)

from bot.chat.jobs.push import PUSH_CONCURRENCY
from bot.storage.schema import users
from bot.storage.store import Store

USERS = 1000
FIRST = 900_000
TALKERS = [7001, 7002, 7003, 7004, 7005, 7006]
KILL_AFTER = 250  # pushes delivered before one worker is killed
RATE = 150  # RATE_LIMIT_PER_SECOND: ~7 s for the whole fan-out
LEASE_S = 3  # PUSH_LEASE_SECONDS: the killed worker's claims are taken over after it


def pushed(api: FakeBotApi, ids: set[int]) -> collections.Counter[int]:
    counts: collections.Counter[int] = collections.Counter()
    for call in api.calls_of("sendMessage"):
        chat = int(call.params.get("chat_id", 0))
        if call.ok and chat in ids:
            counts[chat] += 1
    return counts


async def not_done(store: Store) -> int:
    """Pushed users whose next push is not tomorrow's yet: due, or held by a claim's lease."""
    soon = int(time.time()) + 3600
    query = sa.select(sa.func.count()).where(users.c.user_id >= FIRST, users.c.next_push_utc < soon)
    async with store.db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def settled(store: Store, timeout: float) -> None:
    """Until every pushed user's schedule moved on to tomorrow (sent, or skipped because the
    killed worker had started their send)."""
    deadline = time.monotonic() + timeout
    while (left := await not_done(store)) and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
    if left:
        raise TimeoutError(f"fan-out not finished: {left} users still due or leased")


async def test_two_workers_share_the_fan_out_and_one_killed_mid_way_loses_only_its_sends(
    database_url: str, engine_name: str, tmp_path: Path
) -> None:
    if engine_name != "postgresql":
        pytest.skip("several workers share PostgreSQL; SQLite takes one process")
    store = await Store.open(database_url)
    api = FakeBotApi(TOKEN)
    workers = []
    try:
        due = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)).replace(microsecond=0)
        ids = await add_due_users(store, range(FIRST, FIRST + USERS), due)
        async with asyncio.timeout(55), api:
            workers = start_workers(
                2,
                api.base_url,
                database_url,
                tmp_path,
                env={
                    "PUSH_TICK_SECONDS": "1",
                    "RATE_LIMIT_PER_SECOND": str(RATE),
                    "PUSH_LEASE_SECONDS": str(LEASE_S),
                },
            )
            api.deliver_to([w.hook_url for w in workers])  # the load balancer
            await wait_healthy(workers)

            # every worker set the same webhook, keeping pending updates
            assert len(api.set_webhook_calls) == 2
            for call in api.set_webhook_calls:
                assert call["url"] == PUBLIC_URL
                assert call["secret_token"] == SECRET
                assert not call.get("drop_pending_updates")

            # updates land on both workers in turn, and each is answered once
            mark = api.mark()
            for uid in TALKERS:
                api.user_sends(uid, "/help")
            for uid in TALKERS:
                await api.wait_for("sendMessage", lambda c, u=uid: c.params.get("chat_id") == u,
                                   timeout=15, after=mark)  # fmt: skip

            # kill -9 one worker in the middle of the fan-out
            while sum(pushed(api, ids).values()) < KILL_AFTER:
                await asyncio.sleep(0.02)
            workers[0].kill()
            at_kill = sum(pushed(api, ids).values())
            assert at_kill < USERS, "the fan-out ended before the kill: raise USERS or RATE"
            await settled(store, timeout=30)

            counts = pushed(api, ids)
            stale = {uid for uid, _ in await store.stale_claims(dt.datetime.now(dt.UTC))}
            survivor = workers[1]
            assert await asyncio.to_thread(health, survivor) == 200
            stopped_in = time.monotonic()
            assert await asyncio.to_thread(survivor.stop) == 0  # SIGTERM: the polite stop
            assert time.monotonic() - stopped_in < 10
    finally:
        for worker in workers:
            worker.stop()
        await store.close()

    posted = collections.Counter(target for target, _, status in api.webhook_posts if status == 200)
    assert set(posted) == {w.hook_url for w in workers}
    assert sorted(int(c.params["chat_id"]) for c in api.calls_of("sendMessage")
                  if int(c.params["chat_id"]) in TALKERS) == TALKERS  # fmt: skip
    duplicates = {uid: n for uid, n in counts.items() if n > 1}
    missed = ids - set(counts)
    assert duplicates == {}
    # the only users without a plan are sends the killed worker had in flight
    assert missed <= stale
    # at most the sends on the wire and the rest of their group (bot.services.push)
    assert len(missed) <= 2 * PUSH_CONCURRENCY
    assert "Traceback" not in survivor.log(), survivor.log()[-3000:]
