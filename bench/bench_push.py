"""Bench: N users due in the same minute, pushed through the real push path to a fake Bot API.

Why: the daily push must reach everyone at their morning time, within Telegram's ~30 msg/s
budget, exactly once. This drives the real thing end to end — `bot.app.build_application`
(ExtBot + bot.chat.ratelimit + aiohttp) -> `bot.services.push.run_push_tick` ->
`bot.chat.jobs.push.send_daily_push` -> HTTP to the fake Bot API on 127.0.0.1 — and counts
what arrived on the server.

Three phases, all over the same users:
  1. wire:   the real tick for today's date, real HTTP. Measures the achieved messages/s
     against the configured limit, duplicates and misses (from the server's own record),
     and total CPU per push (planning + rendering + storage + PTB/aiohttp + limiter).
  2. core:   the same real tick for the next day, with bot.chat.send.send_html (where the
     push hands a rendered message to Telegram) replaced by a recorder: CPU per push for
     claiming, planning, rendering and storage ("ours"; the SQLite thread included:
     time.process_time counts every thread of this process).
  3. client: the very messages phase 2 rendered, sent through the real send_html and the
     application's bot (keyboard JSON, rate limiter, PTB, HTTP) with as many in flight as the
     tick, nothing else running: the client's CPU per push measured on its own, not only as
     "phase 1 minus phase 2" (the next day's planning reads a day of history, so the two
     days differ a little; both figures are printed).
The fake server runs in a SUBPROCESS, so its CPU is never counted (it is reported apart).
`--compare BASE_TREE` runs an older checkout's OWN bench/bench_push.py (its code as it was,
without sniffio as its dependency list installed it) and this one in turn on the same host,
in fresh processes, and prints both side by side with the goal (ours and total <= 50 %).

Usage (from the repository root):
    .venv/bin/python bench/bench_push.py                         # 10,000 users at 30/s, ~12 min
    .venv/bin/python bench/bench_push.py --quick                 # 1,500 users at 100/s, ~1 min
    .venv/bin/python bench/bench_push.py --compare /tmp/baseline --quick
A rate far above Telegram's 30/s measures the client instead of the limiter.
Goals: >= 95 % of the configured rate, 0 duplicates, 0 misses (and with --compare: CPU per
push ours and total <= 50 % of the base tree's). Exit status 0 when every goal passes.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import logging
import os
import platform
import re
import resource
import runpy
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


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


if os.environ.get("BENCH_HIDE_MODULES"):
    _hide_modules(os.environ["BENCH_HIDE_MODULES"].split(","))
if sys.argv[1:2] == ["--run-script"]:
    # --compare: another tree's own bench, run before anything of this tree is imported
    _script = Path(sys.argv[2]).resolve()
    sys.argv = [str(_script), *sys.argv[3:]]
    sys.path.insert(0, str(_script.parents[1]))
    runpy.run_path(str(_script), run_name="__main__")
    sys.exit(0)
TREE = ROOT
sys.path.insert(0, str(TREE))

import bot.chat.jobs.push as push_job  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.chat.jobs.push import PUSH_CONCURRENCY, run_push_tick_now  # noqa: E402
from bot.chat.ratelimit import background_sends  # noqa: E402
from bot.chat.send import send_html  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.clock import zone  # noqa: E402
from bot.core.models import TARGET_PRESETS, Diet, Slot  # noqa: E402
from bot.storage.store import Store  # noqa: E402

TOKEN = "123456:BENCH"
FAKE_SERVER = ROOT / "tests" / "support" / "fake_bot_api.py"
CPU_SHARE_GOAL = 0.5  # ours and total, against the base tree (--compare)
QUICK = {"users": 1500, "rate": 100.0}
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


async def create_users(
    db_path: Path, users: int, due_utc: dt.datetime, *, distinct: bool = False
) -> None:
    """`users` onboarded users with varied diets/targets/zones/meals, all due at `due_utc`.

    By default many users share settings (4 diets x 10 targets x 3 meal sets), as people do,
    so the planner and the keyboards do each distinct day once. `distinct` gives every user a
    target of their own: nobody shares a planned day, the worst case for the push's CPU."""
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
                target_ug=(
                    2.4 + i * 0.0005 if distinct else TARGETS[(i // len(DIETS)) % len(TARGETS)]
                ),
                slots=SLOT_SETS[(i // 7) % len(SLOT_SETS)],
                timezone=zone_name,
                push_time=local_push,
                onboarded=True,
            )
    finally:
        await store.close()


class Recorder:
    """Stands in for send_html in the core phase: what would have gone out is kept (for the
    client phase), nothing touches the network."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str, Any]] = []

    async def send_html(self, bot: Any, chat_id: int, text: str, markup: object = None) -> int:
        self.messages.append((chat_id, text, markup))
        return len(self.messages)


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
    print(f"load: {load_average()}")
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
    await create_users(db_path, args.users, due, distinct=args.distinct_settings)
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
            server.control("reset")  # forget getMe/setMyCommands

            push_job.PUSH_CONCURRENCY = args.concurrency  # read by the tick at each run

            # Phase 1: wire
            cpu0, wall0 = time.process_time(), time.perf_counter()
            async with asyncio.timeout(time_limit):
                outcome = await run_push_tick_now(application)  # exactly the bot's tick
            wire = WireResult(
                wall_s=time.perf_counter() - wall0,
                cpu_s=time.process_time() - cpu0,
                outcome=outcome,
                sends=server.control("sends")["result"],
            )

            # Phase 2: core (the same tick for the next local day, nothing sent)
            clock["now"] = due + dt.timedelta(days=1, seconds=30)
            recorder = Recorder()
            push_job.send_html = recorder.send_html  # type: ignore[assignment]
            try:
                cpu0, wall0 = time.process_time(), time.perf_counter()
                async with asyncio.timeout(time_limit):
                    core_outcome = await run_push_tick_now(application)
                core_cpu = time.process_time() - cpu0
                core_wall = time.perf_counter() - wall0
            finally:
                push_job.send_html = send_html

            # Phase 3: client alone (phase 2's messages through the real send path)
            client_cpu, client_sent = await send_alone(
                application, recorder.messages, args.concurrency, time_limit
            )
        finally:
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
    finally:
        server_cpu = server.stop()

    core = CoreResult(
        core_outcome, core_cpu, core_wall, len(recorder.messages), client_cpu, client_sent
    )
    return report(args, wire, core, server_cpu, db_path, due)


async def send_alone(
    application: Any, messages: list[tuple[int, str, Any]], concurrency: int, time_limit: float
) -> tuple[float, int]:
    """Send `messages` with send_html as background sends through the application's bot,
    `concurrency` at a time; returns (CPU seconds, messages sent)."""
    bot = application.bot
    queue = collections.deque(messages)
    sent = 0

    async def worker() -> None:
        nonlocal sent
        while queue:
            await send_html(bot, *queue.popleft())
            sent += 1

    cpu0 = time.process_time()
    with background_sends():
        async with asyncio.timeout(time_limit):
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.process_time() - cpu0, sent


@dataclass
class CoreResult:
    outcome: Any
    cpu_s: float
    wall_s: float
    messages: int
    client_cpu_s: float
    client_sent: int


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


def report(
    args: argparse.Namespace,
    wire: WireResult,
    core: CoreResult,
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
    # The limiter lets a first burst through; the steady rate after it shows what it holds to.
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
    core_cpu_ms = core.cpu_s / max(core.outcome.sent, 1) * 1000
    alone_ms = core.client_cpu_s / max(core.client_sent, 1) * 1000
    client_cpu_ms = wire_cpu_ms - core_cpu_ms  # PTB + HTTP + the limiter + the tick waiting
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
        "(planning + rendering + storage + PTB/HTTP + rate limiter)"
    )
    print(f"  fake server CPU (subprocess, not counted): {server_cpu:.2f} s")
    print(
        f"  duplicates (users with >1 message): {duplicates}; misses (users with 0): {misses}; "
        f"messages to unknown chats: {strangers}"
    )
    print("phase 2 — core (the same tick for the next day, send_html replaced by a recorder)")
    print(
        f"  {core.outcome.sent} pushes, {core.messages} messages rendered, wall {core.wall_s:.2f} s"
    )
    print(
        f"  CPU {core.cpu_s:.2f} s = {core_cpu_ms:.3f} ms per push (planning + rendering + storage)"
    )
    print("phase 3 — client alone (phase 2's messages through send_html and the bot, nothing else)")
    print(
        f"  {core.client_sent} messages, CPU {core.client_cpu_s:.2f} s = {alone_ms:.3f} ms per "
        "message (keyboard JSON + rate limiter + PTB + HTTP)"
    )
    print(
        f"CPU per push: ours {core_cpu_ms:.3f} ms (planning + rendering + storage), client "
        f"{alone_ms:.3f} ms measured alone ({client_cpu_ms:.3f} ms = total - ours), "
        f"total {wire_cpu_ms:.3f} ms"
    )
    result = {
        "tree": str(TREE),
        "ours_ms": core_cpu_ms,
        "client_ms": client_cpu_ms,
        "client_alone_ms": alone_ms,
        "total_ms": wire_cpu_ms,
        "achieved": achieved,
        "duplicates": duplicates,
        "misses": misses,
    }
    print("RESULT " + json.dumps(result))

    goals = [
        (
            f"achieved rate >= {RATE_GOAL:.0%} of configured",
            f">= {RATE_GOAL * args.rate:.1f} msg/s",
            f"{achieved:.2f} msg/s",
            achieved >= RATE_GOAL * args.rate,
        ),
        ("duplicates", "0", str(duplicates), duplicates == 0),
        ("misses", "0", str(misses), misses == 0 and wire.outcome.sent == users),
    ]
    print_goals(goals)
    return 0 if all(g[3] for g in goals) else 1


def print_goals(goals: list[tuple[str, str, str, bool]]) -> None:
    print()
    print(f"| {'figure':44s} | {'goal':18s} | {'measured':18s} | result |")
    print(f"|{'-' * 46}|{'-' * 20}|{'-' * 20}|--------|")
    for name, goal, measured, passed in goals:
        print(f"| {name:44s} | {goal:18s} | {measured:18s} | {'PASS' if passed else 'FAIL':6s} |")


def main(argv: list[str] | None = None) -> int:
    args_given = sys.argv[1:] if argv is None else argv
    if any(arg.split("=")[0] in ("--workers", "--database") for arg in args_given):
        # several worker processes on PostgreSQL: bench_workers.py measures that shape
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import bench_workers

        return bench_workers.main(args_given)
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n", 1)[0],
        epilog="--workers N --database postgresql: run bench/bench_workers.py instead",
    )
    parser.add_argument("--users", type=int, default=10_000, help="users due (default 10000)")
    parser.add_argument("--rate", type=float, default=30.0, help="msg/s limit (default 30)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK['users']} users at {QUICK['rate']:g} msg/s (with --compare: 1 round)",
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
    parser.add_argument(
        "--compare",
        metavar="BASE_TREE",
        help="run BASE_TREE's own bench/bench_push.py and this one in turn, on the same host, "
        "and print both",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds per tree with --compare")
    parser.add_argument(
        "--distinct-settings",
        action="store_true",
        help="every user a target of their own (no two share a planned day: the worst case)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.rate = QUICK["users"], QUICK["rate"]
        if args.compare:
            args.rounds = 1
    if args.compare:
        return compare(args)
    if not 1 <= args.users <= 100_000:
        parser.error("--users must be between 1 and 100000")
    if not 1 <= args.rate <= 10_000:
        parser.error("--rate must be between 1 and 10000")
    return asyncio.run(run(args))


_BASE_TOTAL = re.compile(r"client CPU [\d.]+ s = ([\d.]+) ms per push")
_BASE_CORE = re.compile(r"^\s+CPU [\d.]+ s = ([\d.]+) ms per push", re.MULTILINE)
_BASE_FAULTS = re.compile(
    r"duplicates \(users with >1 message\): (\d+); misses \(users with 0\): (\d+)"
)


def parse_base(stdout: str) -> dict[str, Any]:
    """Figures from an older bench_push.py's text (it predates the RESULT line)."""
    total, core = _BASE_TOTAL.search(stdout), _BASE_CORE.search(stdout)
    faults = _BASE_FAULTS.search(stdout)
    if total is None or core is None or faults is None:
        raise ValueError("no CPU figures in the base run's output")
    total_ms, ours_ms = float(total.group(1)), float(core.group(1))
    return {
        "ours_ms": ours_ms,
        "client_ms": total_ms - ours_ms,
        "total_ms": total_ms,
        "duplicates": int(faults.group(1)),
        "misses": int(faults.group(2)),
    }


def compare(args: argparse.Namespace) -> int:
    """Both trees, alternating (base, this, base, this ...), each in a fresh process. The base
    runs its own bench without sniffio, as its own dependency list installed it."""
    if not 1 <= args.rounds <= 5:
        raise SystemExit("--rounds must be between 1 and 5")
    base_script = Path(args.compare).resolve() / "bench" / "bench_push.py"
    if not base_script.exists():
        raise SystemExit(f"{base_script} does not exist")
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
    loads = []
    for _ in range(args.rounds):
        for label in ("base", "this"):
            env = dict(os.environ)
            env.pop("BENCH_HIDE_MODULES", None)
            command = [sys.executable, str(Path(__file__).resolve())]
            if label == "base":
                env["BENCH_HIDE_MODULES"] = "sniffio"
                command += ["--run-script", str(base_script)]
            command += ["--users", str(args.users), "--rate", f"{args.rate:g}"]
            loads.append(load_average())
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=env,
                timeout=3600,
                check=False,
                cwd=base_script.parents[1] if label == "base" else ROOT,
            )
            try:
                if label == "base":
                    result = parse_base(done.stdout)
                else:
                    line = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")][-1]
                    result = json.loads(line.removeprefix("RESULT "))
            except (IndexError, ValueError):
                print(done.stdout[-2000:], done.stderr[-2000:])
                raise SystemExit(f"the {label} run printed no result") from None
            runs[label].append(result)
            print(f"{label}: " + json.dumps(result))

    def best(label: str, key: str) -> float:
        return min(r[key] for r in runs[label])  # the least disturbed round

    print()
    print(f"machine: {machine()}; {args.users} users at {args.rate:g} msg/s, best of {args.rounds}")
    print(f"load average at the start of each run: {'; '.join(loads)}")
    print(f"| CPU per push | base ({args.compare}) | this tree | this / base |")
    print("|---|---|---|---|")
    goals = []
    for key, name in (("ours_ms", "ours"), ("client_ms", "client"), ("total_ms", "total")):
        base, this = best("base", key), best("this", key)
        print(f"| {name} | {base:.3f} ms | {this:.3f} ms | {this / base:.0%} |")
        if key != "client_ms":
            goals.append(
                (
                    f"CPU per push, {name}",
                    f"<= {CPU_SHARE_GOAL:.0%} of base",
                    f"{this:.3f} ms = {this / base:.0%}",
                    this <= CPU_SHARE_GOAL * base,
                )
            )
    print(f"(this tree's client measured alone: {best('this', 'client_alone_ms'):.3f} ms)")
    faults = sum(r["duplicates"] + r["misses"] for r in runs["this"])
    goals.append(("duplicates + misses, this tree", "0", str(faults), faults == 0))
    print_goals(goals)
    return 0 if all(g[3] for g in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
