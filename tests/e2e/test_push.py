"""End to end: the morning push under pressure, the real bot against the fake Bot API.

Replies overtake a running fan-out; a slow Telegram (answers after 7 s, when the client has
long given up) gets no message twice; and SIGTERM in the middle of a fan-out ends the real
bot process within seconds, after which the next start sends the rest: nobody gets two
plans, nobody none.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from e2e_bot import WAIT_S, env_for, onboard, running_bot, say, services_of
from fake_bot_api import FakeBotApi
from repo_paths import MAIN, REPO
from store_helpers import add_user

from bot.chat.jobs.push import PUSH_CONCURRENCY
from bot.storage.store import Store

ANA = 4711
FIRST = 800_000  # user ids of the users who get the push
STOP_BUDGET_S = 10.0  # Docker and systemd kill 10 s after SIGTERM


async def add_due_users(store: Store, count: int, due: dt.datetime) -> list[int]:
    """`count` onboarded users in UTC whose push time is `due` (already passed)."""
    ids = [FIRST + i for i in range(count)]
    for uid in ids:
        await add_user(
            store, uid, due - dt.timedelta(seconds=1), timezone="UTC", push_time=due.time()
        )
    return ids


def pushes(api: FakeBotApi, ids: list[int]) -> collections.Counter[int]:
    """Messages that arrived per pushed user (the server's own record)."""
    wanted = set(ids)
    counts: collections.Counter[int] = collections.Counter()
    for call in api.calls_of("sendMessage"):
        chat = int(call.params.get("chat_id", 0))
        if call.ok and chat in wanted:
            counts[chat] += 1
    return counts


def due_now() -> dt.datetime:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)).replace(microsecond=0)


async def test_a_reply_overtakes_a_running_push(tmp_path: Path) -> None:
    api = FakeBotApi()
    async with (
        asyncio.timeout(90),
        api,
        running_bot(api, tmp_path, RATE_LIMIT_PER_SECOND="10", PUSH_TICK_SECONDS="1") as (
            application,
            errors,
        ),
    ):
        await onboard(api, ANA, "Omnivore", "2.4")
        ids = await add_due_users(services_of(application).store, 40, due_now())
        # the bot's own tick starts the fan-out within a second: ~4 s at 10 messages/s
        await wait_until(lambda: sum(pushes(api, ids).values()) >= 10, WAIT_S)
        asked = time.monotonic()
        await say(api, ANA, "/today")
        waited = time.monotonic() - asked
        pushed_before_reply = sum(pushes(api, ids).values())
        await wait_until(lambda: len(pushes(api, ids)) == len(ids), 30)
        assert waited < 1.0
        assert pushed_before_reply <= 25  # the reply did not wait for the rest of the push
        assert pushes(api, ids) == {uid: 1 for uid in ids}
        assert errors == []


async def test_a_slow_telegram_gets_no_message_twice(tmp_path: Path) -> None:
    api = FakeBotApi()
    async with (
        asyncio.timeout(90),
        api,
        running_bot(api, tmp_path, PUSH_TICK_SECONDS="1") as (application, errors),
    ):
        services = services_of(application)
        api.slow_down(7.0, for_seconds=30)  # carried out at once, answered after 7 s
        due = due_now()
        ids = await add_due_users(services.store, PUSH_CONCURRENCY, due)  # one wave

        async def all_recorded() -> bool:
            for uid in ids:
                record = await services.store.get_push(uid, due.date())
                if record is None or record.state == "sending":
                    return False
            return True

        async with asyncio.timeout(40):
            while not await all_recorded():
                await asyncio.sleep(0.2)
        await asyncio.sleep(1.5)  # more ticks come and go
        assert pushes(api, ids) == {uid: 1 for uid in ids}
        for uid in ids:
            record = await services.store.get_push(uid, due.date())
            # PTB gave up after 5 s, so no answer, no message id: recorded as sent anyway
            assert record is not None and (record.state, record.message_id) == ("sent", None)
        assert errors == []


async def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(MAIN), cwd=REPO, env=env, stdout=out, stderr=out
        )


async def test_sigterm_mid_fan_out_stops_in_seconds_and_the_next_start_sends_the_rest(
    tmp_path: Path,
) -> None:
    api = FakeBotApi("123456789:AAEsecretTOKENvalue_for-tests-stop")  # a token run_bot accepts
    async with asyncio.timeout(120), api:
        env = {
            **os.environ,
            **env_for(api, tmp_path, RATE_LIMIT_PER_SECOND="20", PUSH_TICK_SECONDS="2"),
            "TELEGRAM_BOT_TOKEN": api.token,
            "LOG_LEVEL": "INFO",
        }
        store = await Store.open(env["DATABASE_URL"])
        try:
            ids = await add_due_users(store, 80, due_now())  # 4 s at 20/s
        finally:
            await store.close()
        log = tmp_path / "bot.log"

        first = await start_bot(env, log)
        await wait_until(lambda: sum(pushes(api, ids).values()) >= 10, WAIT_S)
        stopped_at = time.monotonic()
        first.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(first.wait(), 2 * STOP_BUDGET_S)
        took = time.monotonic() - stopped_at
        assert code == 0, log.read_text()[-3000:]
        assert took <= STOP_BUDGET_S
        before_restart = pushes(api, ids)
        assert max(before_restart.values()) == 1
        assert len(before_restart) < len(ids)  # it did stop in the middle

        second = await start_bot(env, log)
        try:
            await wait_until(lambda: len(pushes(api, ids)) == len(ids), 60)
        finally:
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 2 * STOP_BUDGET_S) == 0
        assert pushes(api, ids) == {uid: 1 for uid in ids}  # nobody twice, nobody missed
        store = await Store.open(env["DATABASE_URL"])
        try:
            later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
            assert await store.stale_claims(later) == []  # no claim was left hanging
        finally:
            await store.close()
