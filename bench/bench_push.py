"""Bench: N users due in the same minute, pushed through the real push path to a fake Bot API.

Why: the daily push must reach everyone at their morning time, within Telegram's ~30 msg/s
budget, exactly once. This drives the real thing end to end — `bot.app.build_application`
(ExtBot + bot.chat.ratelimit + HTTPX) -> `bot.services.push.run_push_tick` ->
`bot.chat.jobs.push.send_daily_push` -> HTTP to the fake Bot API on 127.0.0.1 — and counts
what arrived on the server.

Two phases, both over the same users:
  1. wire:  the real tick for today's date, real HTTP. Measures the achieved messages/s
     against the configured limit, duplicates and misses (from the server's own record),
     and total CPU per push (planning + rendering + storage + PTB/HTTPX + limiter).
  2. core:  the real tick for the next day with `send_daily_push` given a bot that
     does not touch the network. Measures CPU per push for planning + rendering + storage
     (the SQLite thread included: time.process_time counts every thread of this process).
The fake server runs in a SUBPROCESS, so its CPU is never counted (it is reported apart).
CPU per push is split into ours (phase 2) and the client's (phase 1 minus phase 2).
`--compare BASE_TREE` measures an older checkout (`git worktree add /tmp/base <commit>`) and
this tree in turn on the same host, in fresh processes, and prints both side by side.

Usage (from the repository root):
    .venv/bin/python bench/bench_push.py                         # 10,000 users at 30/s, ~6 min
    .venv/bin/python bench/bench_push.py --users 2000 --rate 100 # quick run, ~25 s
A rate far above Telegram's 30/s measures the client instead of the limiter: on a 2-core
Xeon the PTB/HTTPX send path topped out near 180 msg/s at concurrency 64 (httpcore's pool
scans every open connection per request; the bot's tick uses
bot.chat.jobs.push.PUSH_CONCURRENCY), so `--rate 200` reads as a rate FAIL there.
Goals: < 2 ms CPU per push (core), >= 95 % of the configured rate, 0 duplicates, 0 misses.
Exit status 0 when every goal passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import functools
import json
import logging
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _code_tree(argv: list[str]) -> Path:
    """`--tree DIR`: measure the bot code in DIR (e.g. a git worktree of an older commit)."""
    if "--tree" in argv:
        return Path(argv[argv.index("--tree") + 1]).resolve()
    return ROOT


def _hide_modules(names: list[str]) -> None:
    """Make `import name` fail, as when the package is not installed (used to measure a
    tree as its own dependency list installs it)."""
    import importlib.abc

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: object, target: object = None) -> None:
            if fullname.split(".")[0] in names:
                raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
            return None

    sys.meta_path.insert(0, Refuse())


TREE = _code_tree(sys.argv)
sys.path.insert(0, str(TREE))
if os.environ.get("BENCH_HIDE_MODULES"):
    _hide_modules(os.environ["BENCH_HIDE_MODULES"].split(","))

from bot.app import build_application  # noqa: E402
from bot.chat.jobs.push import (  # noqa: E402
    PUSH_CONCURRENCY,
    run_push_tick_now,
    send_daily_push,
)
from bot.chat.send import delivering  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.clock import zone  # noqa: E402
from bot.core.models import TARGET_PRESETS, Diet, Slot  # noqa: E402
from bot.services.container import Services  # noqa: E402
from bot.services.push import run_push_tick  # noqa: E402
from bot.storage.store import Store  # noqa: E402

TOKEN = "123456:BENCH"
FAKE_SERVER = ROOT / "tests" / "support" / "fake_bot_api.py"
CPU_GOAL_MS = 2.0
DEFAULT_CONCURRENCY: int = PUSH_CONCURRENCY  # what the bot's tick (run_push_tick_now) uses
RATE_GOAL = 0.95

DIETS = (Diet.OMNIVORE, Diet.PESCATARIAN, Diet.VEGETARIAN, Diet.VEGAN)
TARGETS = (*TARGET_PRESETS.values(), 3.5)
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Helsinki",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
SLOT_SETS = (
    (Slot.BREAKFAST, Slot.LUNCH, Slot.DINNER),
    (Slot.BREAKFAST, Slot.LUNCH, Slot.DINNER, Slot.SNACK),
    (Slot.BREAKFAST, Slot.DINNER),
)
FIRST_USER_ID = 10_000_000


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.exists():
        for line in with_cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.platform()} · {model} · {os.cpu_count()} logical cores · "
        f"Python {platform.python_version()}"
    )


class FakeServerProcess:
    """tests/support/fake_bot_api.py in a child process; stops when its stdin closes."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(FAKE_SERVER), "--token", TOKEN, "--port", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"fake Bot API server did not start (said {line!r})")
        self.port = int(line.split()[1])
        self.base_url = f"http://127.0.0.1:{self.port}/bot"

    def control(self, name: str) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/_fake/{name}"
        with urllib.request.urlopen(url, timeout=30) as answer:  # loopback only
            return json.loads(answer.read())

    def stop(self) -> float:
        """Stop the child; returns its CPU seconds (user + system) when it could be reaped."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


async def create_users(db_path: Path, users: int, due_utc: dt.datetime) -> None:
    """`users` onboarded users with varied diets/targets/zones/meals, all due at `due_utc`."""
    store = await Store.open(db_path)
    try:
        setup_time = due_utc - dt.timedelta(seconds=1)
        for i in range(users):
            uid = FIRST_USER_ID + i
            zone_name = ZONES[i % len(ZONES)]
            local_push = due_utc.astimezone(zone(zone_name)).time()
            await store.ensure_user(uid, uid, f"User{i}", now_utc=setup_time)
            await store.update_user(
                uid,
                now_utc=setup_time,
                diet=DIETS[i % len(DIETS)],
                target_ug=TARGETS[(i // len(DIETS)) % len(TARGETS)],
                slots=SLOT_SETS[(i // 7) % len(SLOT_SETS)],
                timezone=zone_name,
                push_time=local_push,
                onboarded=True,
            )
    finally:
        await store.close()


class NullBot:
    """Stands in for the Bot in the core phase: the render/plan/store work is real, no HTTP."""

    def __init__(self) -> None:
        self.sent = 0

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> SimpleNamespace:
        self.sent += 1
        return SimpleNamespace(message_id=self.sent, chat_id=chat_id, text=text)


@dataclass
class WireResult:
    wall_s: float
    cpu_s: float
    outcome: Any
    sends: list[list[Any]]


def ledger_states(db_path: Path, day_of: str) -> dict[str, int]:
    """pushes rows by state, read straight from SQLite (a second opinion to the server's)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT state, COUNT(*) FROM pushes WHERE claimed_utc LIKE ? GROUP BY state",
            (f"{day_of}%",),
        ).fetchall()
    return {state: count for state, count in rows}


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {machine()}")
    print(
        f"users: {args.users}, configured rate: {args.rate:g} msg/s, "
        f"concurrency: {args.concurrency}"
    )
    expected_wire_s = args.users / args.rate
    time_limit = args.time_limit or expected_wire_s * 1.5 + 120
    print(f"expected wire time ≈ {expected_wire_s:.0f} s; time limit {time_limit:.0f} s")

    workdir = Path(tempfile.mkdtemp(prefix="bench_push_"))
    db_path = workdir / "bench.sqlite3"
    due = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    clock = {"now": due + dt.timedelta(seconds=30)}

    started = time.perf_counter()
    await create_users(db_path, args.users, due)
    print(f"created {args.users} users in {time.perf_counter() - started:.1f} s (not timed below)")

    server = FakeServerProcess()
    server_cpu = 0.0
    try:
        settings = load_settings(
            environ={
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "DATABASE_PATH": str(db_path),
                "RATE_LIMIT_PER_SECOND": f"{args.rate:g}",
                "LOG_LEVEL": "WARNING",
            },
            dotenv_path=None,
        )
        application = build_application(settings, now=lambda: clock["now"])
        await application.initialize()
        try:
            assert application.post_init is not None
            await application.post_init(application)  # opens the store; no JobQueue started
            services: Services = application.bot_data["services"]
            server.control("reset")  # forget getMe/setMyCommands

            # Phase 1: wire
            cpu0, wall0 = time.process_time(), time.perf_counter()
            async with asyncio.timeout(time_limit):
                if args.concurrency == DEFAULT_CONCURRENCY:
                    outcome = await run_push_tick_now(application)  # exactly the bot's tick
                else:
                    outcome = await run_push_tick(
                        services.store,
                        clock["now"],
                        delivering(functools.partial(send_daily_push, services, application.bot)),
                        catch_up=dt.timedelta(hours=settings.catch_up_hours),
                        concurrency=args.concurrency,
                    )
            wire = WireResult(
                wall_s=time.perf_counter() - wall0,
                cpu_s=time.process_time() - cpu0,
                outcome=outcome,
                sends=server.control("sends")["result"],
            )

            # Phase 2: core (next local day for everyone, no network)
            clock["now"] = due + dt.timedelta(days=1, seconds=30)
            null_bot = NullBot()

            async def send_without_network(user: Any, local_date: dt.date) -> int:
                return await send_daily_push(services, null_bot, user, local_date)  # type: ignore[arg-type]

            cpu0, wall0 = time.process_time(), time.perf_counter()
            async with asyncio.timeout(time_limit):
                core_outcome = await run_push_tick(
                    services.store,
                    clock["now"],
                    send_without_network,
                    catch_up=dt.timedelta(hours=settings.catch_up_hours),
                    concurrency=args.concurrency,
                )
            core_cpu = time.process_time() - cpu0
            core_wall = time.perf_counter() - wall0
        finally:
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
    finally:
        server_cpu = server.stop()

    return report(
        args, wire, core_outcome, core_cpu, core_wall, null_bot.sent, server_cpu, db_path, due
    )


def report(
    args: argparse.Namespace,
    wire: WireResult,
    core_outcome: Any,
    core_cpu: float,
    core_wall: float,
    core_messages: int,
    server_cpu: float,
    db_path: Path,
    due: dt.datetime,
) -> int:
    users = args.users
    ok_sends = [s for s in wire.sends if s[2] == 200]
    per_chat = collections.Counter(int(s[0]) for s in ok_sends)
    expected = {FIRST_USER_ID + i for i in range(users)}
    duplicates = sum(1 for chat in expected if per_chat[chat] > 1)
    misses = sum(1 for chat in expected if per_chat[chat] == 0)
    strangers = sum(1 for chat in per_chat if chat not in expected)
    times = sorted(s[1] for s in ok_sends)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span > 0 else float("nan")
    # AIORateLimiter is a leaky bucket: the first `rate` messages go out at once. The steady
    # rate after that burst shows what the limiter holds to over the long run.
    burst = min(int(args.rate), max(len(times) - 2, 0))
    steady_span = times[-1] - times[burst] if len(times) > burst + 1 else 0.0
    steady = (len(times) - 1 - burst) / steady_span if steady_span > 0 else float("nan")
    # Busiest 1-second window seen by the server.
    peak, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)

    wire_cpu_ms = wire.cpu_s / max(wire.outcome.sent, 1) * 1000
    core_cpu_ms = core_cpu / max(core_outcome.sent, 1) * 1000
    client_cpu_ms = wire_cpu_ms - core_cpu_ms  # PTB + HTTPX + the rate limiter
    ledger = ledger_states(db_path, (due + dt.timedelta(seconds=30)).date().isoformat())

    print()
    print("phase 1 — wire (real tick, real HTTP to the fake server in a subprocess)")
    print(
        f"  outcome: {wire.outcome.sent} sent, {wire.outcome.blocked} blocked, "
        f"{wire.outcome.failed} failed, {wire.outcome.released} released, "
        f"{wire.outcome.skipped} skipped"
    )
    print(
        f"  server received {len(wire.sends)} sendMessage ({len(ok_sends)} ok) from "
        f"{len(per_chat)} chats; ledger (today's claims): {ledger}"
    )
    print(
        f"  wall {wire.wall_s:.1f} s; achieved {achieved:.2f} msg/s vs configured "
        f"{args.rate:g} ({achieved / args.rate:.1%}); after the first {burst}: "
        f"{steady:.2f} msg/s; busiest 1-s window {peak} msgs"
    )
    print(
        f"  client CPU {wire.cpu_s:.2f} s = {wire_cpu_ms:.3f} ms per push "
        "(planning + rendering + storage + PTB/HTTPX + rate limiter)"
    )
    print(f"  fake server CPU (subprocess, not counted): {server_cpu:.2f} s")
    print(
        f"  duplicates (users with >1 message): {duplicates}; misses (users with 0): {misses}; "
        f"messages to unknown chats: {strangers}"
    )
    print("phase 2 — core (real tick for the next day, send_daily_push with a no-network bot)")
    print(
        f"  {core_outcome.sent} pushes, {core_messages} messages rendered, wall {core_wall:.2f} s"
    )
    print(
        f"  CPU {core_cpu:.2f} s = {core_cpu_ms:.3f} ms per push (planning + rendering + storage)"
    )
    print(
        f"CPU per push: ours {core_cpu_ms:.3f} ms (planning + rendering + storage), client "
        f"{client_cpu_ms:.3f} ms (PTB + HTTPX + rate limiter), total {wire_cpu_ms:.3f} ms"
    )
    result = {
        "tree": str(TREE),
        "ours_ms": core_cpu_ms,
        "client_ms": client_cpu_ms,
        "total_ms": wire_cpu_ms,
        "achieved": achieved,
        "duplicates": duplicates,
        "misses": misses,
    }
    print("RESULT " + json.dumps(result))

    goals = [
        (
            f"CPU per push (core) < {CPU_GOAL_MS:g} ms",
            core_cpu_ms < CPU_GOAL_MS,
            f"{core_cpu_ms:.3f} ms",
        ),
        (
            f"achieved rate >= {RATE_GOAL:.0%} of configured",
            achieved >= RATE_GOAL * args.rate,
            f"{achieved:.2f}/{args.rate:g} msg/s",
        ),
        ("zero duplicates", duplicates == 0, str(duplicates)),
        ("zero misses", misses == 0 and wire.outcome.sent == users, str(misses)),
    ]
    print()
    for name, passed, value in goals:
        print(f"  {'PASS' if passed else 'FAIL'}  {name}: {value}")
    return 0 if all(passed for _, passed, _ in goals) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=10_000, help="users due (default 10000)")
    parser.add_argument(
        "--rate", type=float, default=30.0, help="AIORateLimiter msg/s (default 30)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"sends in flight (default {DEFAULT_CONCURRENCY}, what the bot's tick uses)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=0.0, help="seconds per phase (default: from users/rate)"
    )
    parser.add_argument("--tree", default=str(ROOT), help="the code to measure (default: this)")
    parser.add_argument(
        "--compare",
        metavar="BASE_TREE",
        help="measure BASE_TREE (e.g. `git worktree add /tmp/base HEAD`) and this tree in turn, "
        "on the same host in one run, and print both",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds per tree with --compare")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(args)
    if not 1 <= args.users <= 100_000:
        parser.error("--users must be between 1 and 100000")
    if not 1 <= args.rate <= 10_000:
        parser.error("--rate must be between 1 and 10000")
    return asyncio.run(run(args))


def compare(args: argparse.Namespace) -> int:
    """Both trees, alternating (base, ours, base, ours ...), each in a fresh process. The base
    runs without sniffio, as its own dependency list installed it."""
    if not 1 <= args.rounds <= 5:
        raise SystemExit("--rounds must be between 1 and 5")
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
    for _ in range(args.rounds):
        for label, tree in (("base", args.compare), ("this", str(ROOT))):
            env = dict(os.environ)
            env.pop("BENCH_HIDE_MODULES", None)
            if label == "base":
                env["BENCH_HIDE_MODULES"] = "sniffio"
            command = [sys.executable, str(Path(__file__).resolve()), "--tree", tree]
            command += ["--users", str(args.users), "--rate", f"{args.rate:g}"]
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, timeout=3600, check=False
            )
            lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
            if not lines:
                print(done.stdout[-2000:], done.stderr[-2000:])
                raise SystemExit(f"the {label} run printed no result")
            runs[label].append(json.loads(lines[-1].removeprefix("RESULT ")))
            print(f"{label}: " + lines[-1])

    def best(label: str, key: str) -> float:
        return min(r[key] for r in runs[label])  # the least disturbed round

    print()
    print(f"machine: {machine()}; {args.users} users at {args.rate:g} msg/s, best of {args.rounds}")
    print("| CPU per push | base (" + args.compare + ") | this tree | this / base |")
    print("|---|---|---|---|")
    verdicts = []
    for key, name in (("ours_ms", "ours"), ("client_ms", "client"), ("total_ms", "total")):
        base, this = best("base", key), best("this", key)
        print(f"| {name} | {base:.3f} ms | {this:.3f} ms | {this / base:.0%} |")
        if key != "client_ms":
            verdicts.append((f"{name} <= 50 % of base", this <= 0.5 * base))
    for name, passed in verdicts:
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    return 0 if all(p for _, p in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
