"""Bench: the real bot process under a mixed load, alone and during a morning push fan-out.

Why: replies must stay quick whatever else happens — many users at once, one user flooding,
3,000 pushes going out — and no single update may hold the event loop. This starts the real
bot (`main.py`, long polling, its own rate limiter and update processor, SQLite) in a child
process against the fake Bot API (tests/support/fake_bot_api.py, on 127.0.0.1 only, in this
process), acts as N onboarded users and measures from the outside:

  phases 1-3: a mixed load at 1, 10 and 30 updates/s (/today 40 %, swap taps 25 %, /week 10 %,
              /shopping 10 %, /recipe 10 %, /progress 5 %), each user one request at a time;
  phase 4:    10 updates/s while PUSH_USERS users get their morning plan (the bot's own tick);
  phase 5:    a second, smaller fan-out with no one talking: the push rate on its own.

Per phase: reply latency p50/p95/p99 per command (update queued -> the bot's first visible
answer: a message, or the edited plan for a swap; /progress also its chart), CPU of the bot
process per update, its RSS (and the chart worker's), pushes/s, the host's load average, and
the longest time any one event-loop callback held the loop, in the loop thread's CPU time
(so other processes on a shared host do not count; wall time printed beside it; measured
inside the bot process, see `bot_child`). Ends with a goal table (figure, goal, measured,
PASS/FAIL); exit status 0 when every goal passes.

Usage (from the repository root; ~8 min with the defaults):
    .venv/bin/python bench/bench_load.py
    .venv/bin/python bench/bench_load.py --quick            # ~5 min
    .venv/bin/python bench/bench_load.py --quick --no-push  # the three load phases, ~2 min
Bounded: at most 5,000 users and 20,000 push users, every phase has a time limit, and the
child is stopped with SIGTERM (then SIGKILL) whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests" / "support"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

TOKEN = "123456789:AAEbenchTOKENvalue_for-load-bench"
MIX = (  # command, share
    ("/today", 40),
    ("swap", 25),
    ("/week", 10),
    ("/shopping", 10),
    ("/recipe", 10),
    ("/progress", 5),
)
RECIPE_QUERIES = ("porridge", "salmon", "tofu scramble", "omelette", "lentil soup", "egg")
COUNTED = ("send", "edit", "copy", "forward")  # messages put into a chat (edits: per chat only)
FREE = frozenset({"sendChatAction"})
FIRST_USER = 20_000_000
FIRST_PUSH_USER = 30_000_000
GOAL_P95_S = 1.0
GOAL_BLOCK_S = 0.100
GOAL_PUSH_SHARE = 0.90


# --------------------------------------------------------------------------- the bot child


def bot_child(stats_path: str) -> int:
    """Run the real bot (bot.app.run_bot) with the loop's longest step recorded.

    Every callback the event loop runs (asyncio.Handle._run: a task step, a timer, an I/O
    callback) is timed as asyncio's own slow-callback detection does in debug mode, but in
    two clocks: wall time, and the loop thread's CPU time (time.thread_time). Only the CPU
    time is what this update made the loop do: wall time also holds the moments the host
    gave the core to another process (other test runs on a shared machine) or another
    thread of the bot held the GIL.
    """
    import asyncio.events as events

    # steps over 10 ms in either clock: [time.time(), wall s, CPU s, what ran]
    stats: dict[str, Any] = {"slow": [], "steps": 0}
    original = events.Handle._run
    cpu_clock, wall_clock = time.thread_time, time.perf_counter

    def timed(self: events.Handle) -> None:
        wall0, cpu0 = wall_clock(), cpu_clock()
        original(self)
        cpu, wall = cpu_clock() - cpu0, wall_clock() - wall0
        stats["steps"] += 1
        if (wall > 0.01 or cpu > 0.01) and len(stats["slow"]) < 20_000:
            stats["slow"].append([time.time(), wall, cpu, describe(self)])

    events.Handle._run = timed  # type: ignore[method-assign]

    # garbage-collector pauses over 5 ms: [time.time(), seconds, generation] (they land inside
    # whatever callback allocated last, so a long step may be the collector's, not its own)
    import gc

    gc_started = [0.0]
    stats["gc"] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.thread_time()
            return
        took = time.thread_time() - gc_started[0]
        if took > 0.005 and len(stats["gc"]) < 20_000:
            stats["gc"].append([time.time(), took, info.get("generation", -1)])

    gc.callbacks.append(on_gc)

    def dump() -> None:
        while True:
            time.sleep(0.5)
            Path(stats_path).write_text(json.dumps(stats))

    threading.Thread(target=dump, daemon=True).start()
    from bot.app import run_bot

    profile_to = os.environ.get("BENCH_PROFILE")  # --profile: where the bot's cProfile goes
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        code = profiler.runcall(run_bot)
        profiler.dump_stats(profile_to)
    else:
        code = run_bot()
    Path(stats_path).write_text(json.dumps(stats))
    return code


def describe(handle: Any) -> str:
    """What a slow callback was: for a task step, the task's coroutines down to where it is
    suspended now (just after the slow stretch), e.g. "tick > feed @ push.py:440"."""
    task = getattr(getattr(handle, "_callback", None), "__self__", None)
    if not isinstance(task, asyncio.Task):
        return repr(handle)[:160]
    names, where, coro = [], "", task.get_coro()
    while coro is not None and len(names) < 12:
        names.append(getattr(coro, "__qualname__", type(coro).__name__).split(".")[-1])
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None and f"{os.sep}asyncio{os.sep}" not in frame.f_code.co_filename:
            where = f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return f"{' > '.join(names[-4:])} @ {where}"[:160]


# --------------------------------------------------------------------------- the driver


@dataclass
class Pending:
    command: str
    sent: float
    chart: bool = False


@dataclass
class Phase:
    name: str
    rate: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    sent: int = 0
    lost: int = 0
    cpu_s: float = 0.0
    child_cpu_s: float = 0.0
    rss_mb: float = 0.0
    worker_rss_mb: float = 0.0
    pushes: int = 0
    push_rate: float = 0.0
    push_burst: int = 0  # most pushes the server saw in any 100 ms
    counted: collections.Counter[str] = field(default_factory=collections.Counter)
    max_step_s: float = 0.0  # the longest loop step, the loop thread's CPU time
    where: str = ""
    max_wall_s: float = 0.0  # the longest loop step in wall time (host contention included)
    max_gc_s: float = 0.0  # the longest garbage-collector pause (CPU), inside some step
    load: str = ""  # the host's load average when the phase ended


def make_api() -> Any:
    from fake_bot_api import FakeBotApi

    class MeasuringApi(FakeBotApi):
        """Notes when the bot first answered each user's pending request."""

        def __init__(self) -> None:
            super().__init__(TOKEN)
            self.pending: dict[int, Pending] = {}
            self.phase: Phase | None = None
            self.push_times: list[float] = []
            self.push_ids: set[int] = set()

        async def _dispatch(self, method: str, params: dict[str, Any], files: Any) -> Any:
            result = await super()._dispatch(method, params, files)
            chat = params.get("chat_id")
            if chat is None:
                return result
            chat = int(chat)
            counted = method.startswith(COUNTED) and method not in FREE
            if counted and self.phase is not None and chat not in self.push_ids:
                self.phase.counted[method] += 1  # replies, against Telegram's 30 messages/s
            now = time.monotonic()
            if chat in self.push_ids and method == "sendMessage":
                self.push_times.append(now)
                return result
            waiting = self.pending.get(chat)
            if waiting is None or self.phase is None:
                return result
            visible = {"sendMessage", "editMessageText", "sendPhoto"}
            if waiting.command == "swap" and method != "editMessageText":
                return result
            if method in visible and not waiting.chart:
                self.phase.latencies[waiting.command].append(now - waiting.sent)
                if waiting.command == "/progress" and method == "sendMessage":
                    waiting.chart = True  # the chart follows
                    return result
                del self.pending[chat]
            elif method == "sendPhoto" and waiting.chart:
                self.phase.latencies["/progress chart"].append(now - waiting.sent)
                del self.pending[chat]
            return result

    return MeasuringApi()


async def create_users(db_url: str, users: int, push_users: int, push_at: dt.datetime) -> None:
    from bot.core.models import Diet
    from bot.storage.store import Store
    from bot.storage.tracking import TrackingStore

    store = await Store.open(db_url)
    tracking = TrackingStore(store)
    now = dt.datetime.now(dt.UTC)
    diets = (Diet.OMNIVORE, Diet.PESCATARIAN, Diet.VEGETARIAN, Diet.VEGAN)
    try:
        for i in range(users):  # talkers: their push is far from now
            uid = FIRST_USER + i
            await store.ensure_user(uid, uid, f"U{i}", now_utc=now)
            far = (now + dt.timedelta(hours=12)).time().replace(second=0, microsecond=0)
            await store.update_user(
                uid, now_utc=now, diet=diets[i % 4], timezone="UTC", push_time=far, onboarded=True
            )
            for days_ago in (1, 2, 3):  # something to chart on /progress
                day = now.date() - dt.timedelta(days=days_ago)
                await tracking.add_extra(uid, day, None, 1.5 + i % 3, "bench", now_utc=now)
        setup = push_at - dt.timedelta(seconds=1)
        for i in range(push_users):
            uid = FIRST_PUSH_USER + i
            await store.ensure_user(uid, uid, f"P{i}", now_utc=setup)
            await store.update_user(
                uid,
                now_utc=setup,
                diet=diets[i % 4],
                timezone="UTC",
                push_time=push_at.time(),
                onboarded=True,
            )
    finally:
        await store.close()


def swap_button(api: Any, chat: int) -> tuple[int, str] | None:
    for message in reversed(api.messages_to(chat)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if "🔁" in button.get("text", "") and button.get("callback_data"):
                    return message["message_id"], button["callback_data"]
    return None


async def drive(api: Any, phase: Phase, users: list[int], seconds: float, rng: random.Random):
    """Send `phase.rate` updates a second for `seconds`, each user one request at a time."""
    api.phase = phase
    commands = [c for c, share in MIX for _ in range(share)]
    interval = 1.0 / phase.rate
    start = time.monotonic()
    next_at = start
    free = collections.deque(users)
    while time.monotonic() - start < seconds:
        next_at += interval
        for _ in range(len(free)):
            uid = free.popleft()
            free.append(uid)
            if uid not in api.pending:
                break
        else:
            phase.lost += 1  # every user still waiting: the bot is far behind
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            continue
        command = rng.choice(commands)
        now = time.monotonic()
        if command == "swap":
            button = swap_button(api, uid)
            if button is None:
                command = "/today"
            else:
                api.pending[uid] = Pending("swap", now)
                api.user_taps(uid, button[0], button[1])
        if command != "swap":
            text = f"/recipe {rng.choice(RECIPE_QUERIES)}" if command == "/recipe" else command
            api.pending[uid] = Pending(command, now)
            api.user_sends(uid, text)
        phase.sent += 1
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    async with asyncio.timeout(30):  # let the last answers arrive
        while api.pending:
            await asyncio.sleep(0.05)
    api.phase = None


def cpu_of(process: Any) -> tuple[float, float]:
    own = process.cpu_times()
    children = sum(c.cpu_times().user + c.cpu_times().system for c in process.children())
    return own.user + own.system, children


def rss_of(process: Any) -> tuple[float, float]:
    own = process.memory_info().rss / 2**20
    workers = sum(c.memory_info().rss for c in process.children()) / 2**20
    return own, workers


async def measured(api: Any, process: Any, stats: Path, phase: Phase, work: Any) -> None:
    began = time.time()
    cpu0, child0 = cpu_of(process)
    pushes0 = len(api.push_times)
    await work
    cpu1, child1 = cpu_of(process)
    phase.cpu_s, phase.child_cpu_s = cpu1 - cpu0, child1 - child0
    phase.rss_mb, phase.worker_rss_mb = rss_of(process)
    times = api.push_times[pushes0:]
    phase.pushes = len(times)
    if len(times) > 1:
        phase.push_rate = (len(times) - 1) / (times[-1] - times[0])
        start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 0.1:
                start += 1
            phase.push_burst = max(phase.push_burst, end - start + 1)
    await asyncio.sleep(1.0)  # the child writes its record every 0.5 s
    ended = time.time()
    if stats.exists():
        record = json.loads(stats.read_text() or "{}")
        slow = record.get("slow", [])
        pauses = [g[1] for g in record.get("gc", []) if began <= g[0] <= ended]
        phase.max_gc_s = max(pauses, default=0.0)
        inside = [s for s in slow if began <= s[0] <= ended]
        if inside:
            _, _, phase.max_step_s, phase.where = max(inside, key=lambda s: s[2])
            phase.max_wall_s = max(s[1] for s in inside)
    phase.load = load_average()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(phases: list[Phase], rate: float) -> int:
    print()
    for phase in phases:
        print(f"{phase.name}: {phase.sent} updates at {phase.rate:g}/s (load average {phase.load})")
        for command in [c for c, _ in MIX] + ["/progress chart"]:
            values = phase.latencies.get(command, [])
            if values:
                print(
                    f"  {command:16s} n={len(values):5d}  p50 {statistics.median(values):6.3f} s"
                    f"  p95 {pct(values, 0.95):6.3f} s  p99 {pct(values, 0.99):6.3f} s"
                )
        everything = replies(phase)
        p95 = pct(everything, 0.95) if everything else float("nan")
        per, unit = (phase.sent, "update") if phase.sent else (max(phase.pushes, 1), "push")
        print(
            f"  all replies p95 {p95:.3f} s; CPU {phase.cpu_s / per * 1000:.2f} ms/{unit} "
            f"(bot process; chart worker {phase.child_cpu_s:.1f} s in all); "
            f"RSS {phase.rss_mb:.0f} MB (+ chart worker {phase.worker_rss_mb:.0f} MB)"
        )
        if phase.counted and phase.sent:
            overall = sum(n for m, n in phase.counted.items() if not m.startswith("edit"))
            per_update = overall / phase.sent
            print(
                f"  reply messages in the overall limit: {per_update:.2f} per update = "
                f"{per_update * phase.rate:.1f}/s of {rate:g}/s (edits count per chat only; "
                + ", ".join(f"{m} {n}" for m, n in phase.counted.most_common())
                + ")"
            )
        if phase.pushes:
            print(
                f"  pushes: {phase.pushes} at {phase.push_rate:.1f}/s (limit {rate:g}/s); "
                f"busiest 100 ms: {phase.push_burst} (evenly paced: {rate / 10:.0f})"
            )
        if phase.where:
            print(
                f"  longest event-loop step: {phase.max_step_s * 1000:.1f} ms loop-thread CPU "
                f"({phase.where[:100]}); longest in wall time {phase.max_wall_s * 1000:.1f} ms; "
                f"longest garbage-collector pause {phase.max_gc_s * 1000:.1f} ms"
            )
        else:
            print("  longest event-loop step: under 10 ms (CPU and wall time)")
        if phase.lost:
            print(f"  {phase.lost} updates not sent: every user was still waiting")
    last = phases[-1]
    block = max(phases, key=lambda p: p.max_step_s)
    goals = [
        ("reply p95 at 30 updates/s", "< 1 s", _p95(phases, "30/s"), GOAL_P95_S, "s"),
        ("reply p95 at 10/s during the push", "< 1 s", _p95(phases, "push of"), GOAL_P95_S, "s"),
    ]
    print()
    print("loop block = the longest single event-loop callback, in the loop thread's CPU time")
    print("(wall time, which also counts other processes on the host, is printed per phase)")
    print(f"| {'figure':36s} | {'goal':10s} | {'measured':24s} | result |")
    print(f"|{'-' * 38}|{'-' * 12}|{'-' * 26}|--------|")
    ok = True
    rows = [
        (name, goal, f"{value:.3f} s", value < limit)
        for name, goal, value, limit, _ in goals
        if value != float("inf")  # a phase not run (--no-push) has no row
    ]
    if last.push_rate and "alone" in last.name:
        rows.append(
            (
                "push rate, no one talking",
                f">= {GOAL_PUSH_SHARE:.0%} of {rate:g}/s",
                f"{last.push_rate:.1f}/s",
                last.push_rate >= GOAL_PUSH_SHARE * rate,
            )
        )
    rows.append(
        (
            "loop blocked by one callback (CPU)",
            "< 100 ms",
            f"{block.max_step_s * 1000:.1f} ms ({block.name[:12]})",
            block.max_step_s < GOAL_BLOCK_S,
        )
    )
    for name, goal, measured, passed in rows:
        ok &= passed
        print(f"| {name:36s} | {goal:10s} | {measured:24s} | {'PASS' if passed else 'FAIL':6s} |")
    return 0 if ok else 1


def replies(phase: Phase) -> list[float]:
    return [v for c, vs in phase.latencies.items() if c != "/progress chart" for v in vs]


def _p95(phases: list[Phase], word: str) -> float:
    for phase in phases:
        if word in phase.name:
            values = replies(phase)
            return pct(values, 0.95) if values else float("inf")
    return float("inf")


async def run(args: argparse.Namespace) -> int:
    import psutil

    workdir = Path(tempfile.mkdtemp(prefix="bench_load_"))
    db_url = f"sqlite:///{workdir / 'bot.sqlite3'}"
    stats = workdir / "loop.json"
    rng = random.Random(13)
    talk_s = args.phase_seconds
    # the push minute: after the warm-up and the three load phases
    lead = args.users / 30 + 3 * talk_s + 40
    push_at = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead + 60)).replace(
        second=0, microsecond=0
    )
    alone_at = push_at + dt.timedelta(minutes=max(2, int(args.push_users / args.rate / 60) + 2))
    print(f"creating {args.users} users + {args.push_users} + {args.alone_users} push users ...")
    await create_users(db_url, args.users, args.push_users, push_at)
    if args.alone_users:
        from bot.storage.store import Store

        store = await Store.open(db_url)
        try:
            setup = alone_at - dt.timedelta(seconds=1)
            for i in range(args.alone_users):
                uid = FIRST_PUSH_USER + args.push_users + i
                await store.ensure_user(uid, uid, f"A{i}", now_utc=setup)
                await store.update_user(
                    uid, now_utc=setup, timezone="UTC", push_time=alone_at.time(), onboarded=True
                )
        finally:
            await store.close()
    api = make_api()
    api.push_ids = {FIRST_PUSH_USER + i for i in range(args.push_users + args.alone_users)}
    talkers = [FIRST_USER + i for i in range(args.users)]
    phases: list[Phase] = []
    async with api:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": db_url,
            "RATE_LIMIT_PER_SECOND": f"{args.rate:g}",
            "PUSH_TICK_SECONDS": "5",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **({"BENCH_PROFILE": str(Path(args.profile).resolve())} if args.profile else {}),
        }
        log = (workdir / "bot.log").open("wb")
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--bot-child", str(stats),
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        process = psutil.Process(child.pid)
        try:
            async with asyncio.timeout(30):
                while not api.commands:  # set at start-up: the bot is ready
                    await asyncio.sleep(0.1)
            print(f"bot started (pid {child.pid}); warming up: /today for every user")
            warm = Phase("warm-up", 30.0)
            await drive_once(api, warm, talkers)
            for rate in (1.0, 10.0, 30.0):
                phase = Phase(f"mixed load {rate:g}/s", rate)
                await measured(api, process, stats, phase, drive(api, phase, talkers, talk_s, rng))
                phases.append(phase)
                print(f"  {phase.name}: done")
            if args.push_users:
                await during_push(api, process, stats, phases, args, push_at, talkers, rng)
            if args.alone_users:
                wait = (alone_at - dt.datetime.now(dt.UTC)).total_seconds()
                print(f"waiting {max(wait, 0):.0f} s for the push with no one talking")
                await asyncio.sleep(max(0.0, wait))
                alone = Phase(f"push of {args.alone_users} alone", 0.0)
                before = len(api.push_times)

                async def fan_out() -> None:
                    async with asyncio.timeout(args.alone_users / args.rate + 120):
                        while len(api.push_times) < before + args.alone_users:
                            await asyncio.sleep(0.2)

                await measured(api, process, stats, alone, fan_out())
                phases.append(alone)
            sends = collections.Counter(
                int(c.params["chat_id"]) for c in api.calls_of("sendMessage") if c.ok
            )
            duplicates = sum(1 for uid in api.push_ids if sends[uid] > 1)
            print(f"push duplicates: {duplicates}; misses: "
                  f"{sum(1 for uid in api.push_ids if sends[uid] == 0)}")  # fmt: skip
        finally:
            if child.returncode is None:
                child.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(child.wait(), 15)
                except TimeoutError:
                    child.kill()
            log.close()
    return report(phases, args.rate)


async def during_push(
    api: Any,
    process: Any,
    stats: Path,
    phases: list[Phase],
    args: argparse.Namespace,
    push_at: dt.datetime,
    talkers: list[int],
    rng: random.Random,
) -> None:
    """Phase 4: 10 updates/s while the bot's own tick pushes `args.push_users` plans."""
    wait = (push_at - dt.datetime.now(dt.UTC)).total_seconds()
    print(f"waiting {max(wait, 0):.0f} s for the push minute ({push_at:%H:%M} UTC)")
    await asyncio.sleep(max(0.0, wait))
    async with asyncio.timeout(60):
        while not api.push_times:
            await asyncio.sleep(0.05)
    phase = Phase(f"10/s during the push of {args.push_users}", 10.0)
    expected = args.push_users / args.rate
    await measured(api, process, stats, phase, drive(api, phase, talkers, expected * 0.9, rng))
    async with asyncio.timeout(expected + 120):
        while len(api.push_times) < args.push_users:
            await asyncio.sleep(0.2)
    phases.append(phase)


async def drive_once(api: Any, phase: Phase, users: list[int]) -> None:
    """Every user asks /today once (so swap taps have a plan to tap), at 30/s."""
    api.phase = phase
    for uid in users:
        api.pending[uid] = Pending("/today", time.monotonic())
        api.user_sends(uid, "/today")
        await asyncio.sleep(1 / 30)
    async with asyncio.timeout(60):
        while api.pending:
            await asyncio.sleep(0.05)
    api.phase = None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--bot-child"]:
        return bot_child(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=500, help="users who talk (default 500)")
    parser.add_argument("--phase-seconds", type=float, default=20.0, help="per load phase")
    parser.add_argument("--push-users", type=int, default=3000, help="users pushed (3000)")
    parser.add_argument(
        "--alone-users", type=int, default=600, help="pushed with no one talking (600)"
    )
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s limit (30)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="200 users, 15 s phases, a push of 600 and 300 alone (~5 min)",
    )
    parser.add_argument(
        "--no-push", action="store_true", help="the three load phases only (~2 min with --quick)"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="run the bot under cProfile and write its stats here"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.phase_seconds, args.push_users, args.alone_users = 200, 15.0, 600, 300
    if args.no_push:
        args.push_users = args.alone_users = 0
    if not 10 <= args.users <= 5000 or not 0 <= args.push_users <= 20000:
        parser.error("--users 10..5000, --push-users 0..20000")
    if not 1 <= args.phase_seconds <= 300 or not 0 <= args.alone_users <= 20000:
        parser.error("--phase-seconds 1..300, --alone-users 0..20000")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
