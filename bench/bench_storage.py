"""Bench: bytes on disk per stored plan-day, and storage CPU per daily push, per engine.

Why: every user gets one plan row a day, so plan size is most of the database; and the push
tick asks the same of storage for every user each morning. This measures both through the
public Store API only, so the same file also measures an older checkout (`--root`).

1. bytes per plan-day: `--plan-days` rows (real planner output, four-meal vegan days) saved
   through Store.save_plan, then the size of the plans table with its indexes / row count:
   SQLite from `dbstat` (pages of every b-tree of the table, overflow pages counted apart),
   PostgreSQL from pg_table_size + pg_indexes_size (heap, TOAST and indexes).
2. storage CPU per push: `--users` onboarded users with 7 days of plan history, all due;
   exactly what the push tick asks of storage, without planning, rendering or sending:
   * this tree (Store.start_pushes exists): per batch of `--batch` users, claim_due_pushes
     (a lease), plan_inputs_many (user's stored plan, 7 days of history, product values),
     save_new_plans; per group of `--concurrency`, start_pushes; finish_pushes per batch.
   * an older tree (`--root`): per push, claim_push, get_user, recent_recipe_ids (7 days),
     save_plan, finish_push, `--concurrency` pushes at a time.
   CPU = time.process_time of this process (every thread, so the aiosqlite worker thread is
   included) per push; on PostgreSQL also the server's CPU (the postmaster and its backends,
   from psutil), reported apart. Each figure is the median of `--rounds` runs (a new day each).

Usage (from the repository root):
    .venv/bin/python bench/bench_storage.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/bench_storage.py --engines sqlite
    .venv/bin/python bench/bench_storage.py --baseline /tmp/baseline  # + the old tree, same plans
    .venv/bin/python bench/bench_storage.py --root /tmp/oldtree --engines sqlite \
        --plans /tmp/plans.json                                        # old code only
The host load (os.getloadavg, as `uptime` prints it) is printed with the figures: on a shared
machine the figures move with it. PostgreSQL runs on a throwaway pgserver cluster under the
system temp folder (removed after).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

UTC = dt.UTC
DAY0 = dt.date(2026, 1, 1)
NOW = dt.datetime(2026, 1, 1, 5, 0, tzinfo=UTC)


def _setup_path(root: Path) -> None:
    sys.path.insert(0, str(root))


def make_plans(count: int) -> list[dict[str, Any]]:
    """`count` distinct real plans (planner output as the bot stores it)."""
    from bot.core.models import SLOT_ORDER, Diet, Profile
    from bot.core.plan_codec import plan_to_dict
    from bot.core.planner import plan_day
    from bot.core.recipes import load_recipes

    recipes = load_recipes()
    profile = Profile(diet=Diet.VEGAN, target_ug=4.0, slots=tuple(SLOT_ORDER))
    return [
        dict(plan_to_dict(plan_day(recipes, profile, DAY0 + dt.timedelta(days=i))))
        for i in range(count)
    ]


async def add_users(store: Any, count: int) -> None:
    """Onboarded users in UTC with a 06:30 push; only the first `--users` are pushed (the
    others just own plan rows, for the size figure)."""
    for uid in range(1, count + 1):
        await store.ensure_user(uid, uid, f"user{uid}", now_utc=NOW)
        await store.update_user(
            uid, timezone="UTC", push_time=dt.time(6, 30), onboarded=True, now_utc=NOW
        )


async def fill_plans(store: Any, plans: list[dict[str, Any]], plan_days: int) -> int:
    """plan_days rows: users 1..n with 30 days each."""
    per_user = 30
    users = max(1, plan_days // per_user)
    for uid in range(1, users + 1):
        for d in range(per_user):
            day = DAY0 + dt.timedelta(days=d)
            await store.save_plan(f"u:{uid}", day, plans[(uid + d) % len(plans)], now_utc=NOW)
    return users * per_user


def sqlite_plan_bytes(path: Path) -> tuple[int, int, int]:
    """(bytes in every b-tree of the plans table, overflow pages, rows) via dbstat."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        names = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'plans'")
        ]
        marks = ",".join("?" * len(names))
        size, overflow = conn.execute(
            f"SELECT sum(pgsize), sum(pagetype = 'overflow') FROM dbstat WHERE name IN ({marks})",
            names,
        ).fetchone()
        rows = conn.execute("SELECT count(*) FROM plans").fetchone()[0]
        return int(size), int(overflow or 0), int(rows)
    finally:
        conn.close()


async def pg_plan_bytes(store: Any) -> tuple[int, int, int]:
    async with store.db.read() as conn:
        size, rows = (
            await conn.exec_driver_sql(
                "SELECT pg_table_size('plans') + pg_indexes_size('plans'), "
                "(SELECT count(*) FROM plans)"
            )
        ).one()
    return int(size), 0, int(rows)


async def push_cpu(
    store: Any,
    plans: list[dict[str, Any]],
    users: range,
    args: argparse.Namespace,
    server: Any,
    day: dt.date,
) -> dict[str, float]:
    """CPU per push of the storage calls of a push, after 7 days of history per user."""
    for uid in users:
        for back in range(1, 8):
            await store.save_plan(
                f"u:{uid}",
                day - dt.timedelta(days=back),
                plans[(uid + back) % len(plans)],
                now_utc=NOW,
            )
    now = dt.datetime.combine(day, dt.time(6, 30), UTC)
    batched = hasattr(store, "start_pushes")
    server_before = _server_cpu(server)
    wall = time.perf_counter()
    cpu = time.process_time()
    if batched:
        done = await _batched_pushes(store, plans, now, args)
    else:
        done = await _per_push(store, plans, users, now, args.concurrency)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    server_cpu = _server_cpu(server) - server_before
    assert done == len(users), (done, len(users))
    return {
        "client_ms": cpu / done * 1000,
        "server_ms": server_cpu / done * 1000,
        "wall_per_s": done / wall,
    }


async def _batched_pushes(
    store: Any, plans: list[dict[str, Any]], now: dt.datetime, args: argparse.Namespace
) -> int:
    """What bot.services.push.run_push_tick asks of storage (with the bot's prepare step)."""
    from bot.storage.push import PushResult

    done = 0
    next_push = now + dt.timedelta(days=1)
    while batch := await store.claim_due_pushes(now, args.batch):
        inputs = await store.plan_inputs_many(
            [(f"u:{d.user.user_id}", d.user.user_id, d.local_date) for d in batch], 7
        )
        assert all(i.recent_ids and i.stored is None for i in inputs)
        await store.save_new_plans(
            [
                (f"u:{d.user.user_id}", d.local_date, plans[d.user.user_id % len(plans)])
                for d in batch
            ],
            now_utc=now,
        )
        results = []
        for first in range(0, len(batch), args.concurrency):
            started = await store.start_pushes(batch[first : first + args.concurrency], now)
            assert not started.skipped
            results += [
                PushResult(d, "sent", 1000 + d.user.user_id, next_push) for d in started.started
            ]
        await store.finish_pushes(results, now_utc=now)
        done += len(results)
    return done


async def _per_push(
    store: Any, plans: list[dict[str, Any]], users: range, now: dt.datetime, concurrency: int
) -> int:
    """One push at a time per worker, five calls each (the older trees' tick)."""
    sem = asyncio.Semaphore(concurrency)
    day = now.date()
    next_push = now + dt.timedelta(days=1)

    async def push(uid: int) -> None:
        async with sem:
            assert await store.claim_push(uid, day, now)
            user = await store.get_user(uid)
            assert user is not None
            history = await store.recent_recipe_ids(f"u:{uid}", day, 7)
            assert history
            await store.save_plan(f"u:{uid}", day, plans[uid % len(plans)], now_utc=now)
            await store.finish_push(uid, day, "sent", 1000 + uid, next_push, now_utc=now)

    await asyncio.gather(*(push(uid) for uid in users))
    return len(users)


def _server_cpu(server: Any) -> float:
    if server is None:
        return 0.0
    import psutil

    total = 0.0
    try:
        main = psutil.Process(server.get_pid())
        for proc in [main, *main.children(recursive=True)]:
            with_children = proc.cpu_times()
            total += with_children.user + with_children.system
            total += with_children.children_user + with_children.children_system
    except psutil.Error:
        pass
    return total


async def run_engine(
    engine: str, args: argparse.Namespace, plans: list[dict[str, Any]], tmp: Path
) -> dict[str, Any]:
    from bot.storage.store import Store

    server = None
    if engine == "sqlite":
        target: Any = tmp / "bench.sqlite3"
    else:
        import pgserver

        server = pgserver.get_server(tmp / "pg", cleanup_mode="delete")
        server.psql("CREATE DATABASE bench;")
        socket_dir = server.get_postmaster_info().socket_dir
        target = f"postgresql://postgres@/bench?host={socket_dir}"
    try:
        store = await Store.open(target)
        try:
            await add_users(store, max(args.users, args.plan_days // 30))
            rows = await fill_plans(store, plans, args.plan_days)
            if engine == "sqlite":
                size, overflow, counted = sqlite_plan_bytes(Path(target))
            else:
                size, overflow, counted = await pg_plan_bytes(store)
            assert counted == rows, (counted, rows)
            runs = []
            for r in range(args.rounds):  # each round: its own day, every user due again
                day = DAY0 + dt.timedelta(days=40 + 10 * r)
                runs.append(
                    await push_cpu(store, plans, range(1, args.users + 1), args, server, day)
                )
            cpu = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
        finally:
            await store.close()
    finally:
        if server is not None:
            server.cleanup()
    return {
        "bytes_per_plan_day": size / rows,
        "overflow_pages": overflow,
        "rows": rows,
        **cpu,
    }


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def _baseline(args: argparse.Namespace, plans_file: Path) -> None:
    """Run this file on the older tree at `--baseline` (SQLite, same plans) and print its line."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--root",
        str(args.baseline),
        "--engines",
        "sqlite",
        "--plans",
        str(plans_file),
        "--users",
        str(args.users),
        "--plan-days",
        str(args.plan_days),
        "--concurrency",
        str(args.concurrency),
        "--rounds",
        str(args.rounds),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"baseline at {args.baseline} failed:\n{done.stderr[-2000:]}")
        return
    for line in done.stdout.splitlines():
        if line.startswith("sqlite"):
            print(f"baseline   {line} [{args.baseline}]")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--users", type=int, default=1000, help="pushes measured per round")
    parser.add_argument("--rounds", type=int, default=5, help="runs; the median is printed")
    parser.add_argument("--plan-days", type=int, default=3000)
    parser.add_argument(
        "--concurrency", type=int, default=8, help="sends in flight (the bot's tick: 8)"
    )
    parser.add_argument("--batch", type=int, default=64, help="users claimed per statement")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument(
        "--baseline", type=Path, help="an older checkout to measure too (SQLite, same plans)"
    )
    parser.add_argument(
        "--plans",
        type=Path,
        help="JSON file of plans: read if it exists, else written (the same plans for two "
        "checkouts whose planners differ)",
    )
    args = parser.parse_args()
    _setup_path(args.root)
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import bot.storage.store as store_module

    if args.plans is not None and args.plans.exists():
        plans = json.loads(args.plans.read_text(encoding="utf-8"))
    else:
        plans = make_plans(30)
        if args.plans is not None:
            args.plans.write_text(json.dumps(plans, ensure_ascii=False), encoding="utf-8")
    mean_json = sum(len(json.dumps(p, sort_keys=True)) for p in plans) / len(plans)
    code = Path(store_module.__file__ or "").parents[2]
    print(
        f"code: {code} | python {platform.python_version()} | sqlite {sqlite3.sqlite_version}"
        f" | {os.cpu_count()} cpu | plan JSON {mean_json:.0f} B mean | {_load()}"
    )
    if args.baseline is not None:
        with tempfile.TemporaryDirectory(prefix="b12-bench-plans-") as folder:
            plans_file = Path(folder) / "plans.json"
            plans_file.write_text(json.dumps(plans, ensure_ascii=False), encoding="utf-8")
            _baseline(args, plans_file)
    for engine in [e for e in args.engines.split(",") if e]:
        tmp = Path(tempfile.mkdtemp(prefix="b12-bench-", dir=tempfile.gettempdir()))
        try:
            r = await run_engine(engine, args, plans, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        total = r["client_ms"] + r["server_ms"]
        server = f" + server {r['server_ms']:.2f} ms = {total:.2f} ms" if r["server_ms"] else ""
        print(
            f"{engine:10} plans: {r['bytes_per_plan_day']:,.0f} bytes per plan-day "
            f"({r['rows']} rows, {r['overflow_pages']} overflow pages) | storage CPU per push: "
            f"bot {r['client_ms']:.2f} ms{server} ({args.users} pushes x {args.rounds} rounds, "
            f"median; concurrency {args.concurrency}, {r['wall_per_s']:.0f} pushes/s) | {_load()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
