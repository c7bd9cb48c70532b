"""Benchmark plan_day and plan_week on the shipped recipes and on a generated 500-recipe set,
then plan_week with a wide and a tight kcal range on a generated 2,000-recipe set.

    taskset -c 0 .venv/bin/python bench/bench_planner.py [--iterations N]
    taskset -c 0 .venv/bin/python bench/bench_planner.py --kcal-only [--kcal-weeks 12]
    ... --kcal-only --unbounded     # the same without the search budget, for comparison

Prints the machine, then median and p95 per call after a warm-up. Goals: plan_day
median < 1 ms and plan_week median < 10 ms on 500 recipes, one core, CPython; with a kcal
range, no week over 2 s on 2,000 recipes (the node budget, bot.core.planner.NODE_BUDGET, bounds
the exact search; the days it cut short are counted). Timing lives here, never in unit tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

# --root DIR measures another checkout's planner (e.g. `git archive HEAD | tar -x -C /tmp/base`)
sys.path.insert(
    0,
    sys.argv[sys.argv.index("--root") + 1]
    if "--root" in sys.argv
    else str(Path(__file__).resolve().parents[1]),
)

import bot.core.planner as planner_module
from bot.core.models import DEFAULT_SLOTS, SLOT_ORDER, Diet, Profile, RecipeSet
from bot.core.plan_rules import check_plan
from bot.core.planner import planner_for
from bot.core.recipes import load_recipes
from bot.core.week import plan_week

START = dt.date(2026, 1, 5)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return (
        f"{platform.platform()} · {platform.python_implementation()} "
        f"{platform.python_version()} · {cpu} · {os.cpu_count()} cores, {usable} usable"
    )


def scaled_copies(rs: RecipeSet, size: int, seed: int = 1) -> RecipeSet:
    """`size` recipes: the shipped ones plus copies with new ids and amounts scaled 0.7-1.3."""
    rng = random.Random(seed)
    originals = sorted(rs.recipes.values(), key=lambda r: r.id)
    recipes = {r.id: r for r in originals}
    copy_no = 0
    while len(recipes) < size:
        base = originals[copy_no % len(originals)]
        factor = rng.uniform(0.7, 1.3)
        rid = f"{base.id}_v{copy_no // len(originals) + 1}"
        recipes[rid] = replace(
            base,
            id=rid,
            name=f"{base.name} (variant {copy_no // len(originals) + 1})",
            per_serving=base.per_serving.scaled(factor),
            grams_per_serving={k: v * factor for k, v in base.grams_per_serving.items()},
            b12_by_item={k: v * factor for k, v in base.b12_by_item.items()},
        )
        copy_no += 1
    return RecipeSet(ingredients=rs.ingredients, recipes=recipes)


def profiles() -> list[Profile]:
    result = []
    for diet in Diet:
        for target in (2.4, 2.8, 4.0):
            for slots in (DEFAULT_SLOTS, SLOT_ORDER):
                result.append(Profile(diet=diet, target_ug=target, slots=slots))
    result.append(Profile(diet=Diet.VEGAN, target_ug=4.0, exclude=frozenset({"tofu_firm"})))
    result.append(Profile(diet=Diet.OMNIVORE, kcal_range=(1400.0, 2200.0)))
    return result


def summary(samples_ns: list[int]) -> str:
    ms = sorted(s / 1e6 for s in samples_ns)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):.3f} ms · p95 {p95:.3f} ms · n={len(ms)}"


def timed(calls: list[Callable[[], object]]) -> list[int]:
    samples = []
    for call in calls:
        t0 = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - t0)
    return samples


def bench(name: str, rs: RecipeSet, iterations: int) -> None:
    planner = planner_for(rs)
    profs = profiles()
    rng = random.Random(42)
    ids = sorted(rs.recipes)

    def day_call(i: int) -> Callable[[], object]:
        profile = profs[i % len(profs)]
        day = START + dt.timedelta(days=i)
        history = rng.sample(ids, min(21, len(ids)))  # about a week of earlier meals
        return lambda: planner.plan_day(profile, day, history)

    def week_call(i: int) -> Callable[[], object]:
        profile = profs[i % len(profs)]
        return lambda: plan_week(rs, profile, START + dt.timedelta(days=7 * i))

    timed([day_call(i) for i in range(200)])  # warm-up: caches, branch predictors
    day_ns = timed([day_call(i) for i in range(iterations)])
    timed([week_call(i) for i in range(20)])
    week_ns = timed([week_call(i) for i in range(max(50, iterations // 10))])

    # the figures only count if the plans are right: check a sample outside the timing
    bad = 0
    for i in range(200):
        profile = profs[i % len(profs)]
        plan = planner.plan_day(profile, START + dt.timedelta(days=i))
        bad += bool(check_plan(rs, profile, plan))
    print(f"{name}: {len(rs.recipes)} recipes")
    print(f"  plan_day   {summary(day_ns)}")
    print(f"  plan_week  {summary(week_ns)}")
    print(f"  plans failing check_plan in a 200-plan sample: {bad}")


BUDGET_NOTE = getattr(planner_module, "BUDGET_NOTE", "")  # older checkouts have no budget
KCAL_RANGES: dict[str, tuple[float, float]] = {
    "wide 1,600-2,400 kcal": (1600.0, 2400.0),
    "tight 2,900-3,000 kcal": (2900.0, 3000.0),
    "high 3,300-3,400 kcal (few or no days can reach it)": (3300.0, 3400.0),
}


def kcal_profiles(kcal_range: tuple[float, float]) -> list[Profile]:
    """Diets x targets x 3 or 4 meals x life stages, all with the range."""
    return [
        Profile(diet=diet, target_ug=target, slots=slots, kcal_range=kcal_range, life_stage=stage)
        for diet in (Diet.OMNIVORE, Diet.PESCATARIAN, Diet.VEGAN)
        for target in (2.4, 4.0)
        for slots in (DEFAULT_SLOTS, SLOT_ORDER)
        for stage in ("none", "pregnant", "over50")
    ]


def bench_kcal(rs: RecipeSet, weeks: int) -> None:
    """plan_week per profile and range: seconds per week (median, p95, max), days inside the
    range, days whose search the budget cut short (they say so in a note)."""
    budget = getattr(sys.modules.get("bot.core.plan_search"), "NODE_BUDGET", "none")
    print(f"kcal ranges on {len(rs.recipes)} recipes ({planner_module.__file__}), budget {budget}")
    for name, kcal_range in KCAL_RANGES.items():
        profs = kcal_profiles(kcal_range)
        seconds: list[float] = []
        cpu = 0.0
        days = inside = cut = 0
        for i in range(weeks):
            profile = profs[i % len(profs)]
            t0, c0 = time.perf_counter(), time.process_time()
            plans = plan_week(rs, profile, START + dt.timedelta(days=7 * i))
            seconds.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
            days += len(plans)
            inside += sum(kcal_range[0] - 1e-9 <= p.kcal <= kcal_range[1] + 1e-9 for p in plans)
            cut += sum(BUDGET_NOTE in p.notes for p in plans) if BUDGET_NOTE else 0
        ordered = sorted(seconds)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(
            f"  {name}: plan_week median {statistics.median(ordered):.3f} s · p95 {p95:.3f} s · "
            f"max {ordered[-1]:.3f} s · CPU {cpu / len(ordered):.3f} s per week · "
            f"n={len(ordered)} weeks · days in range {inside}/{days} · cut short {cut}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--kcal-only", action="store_true", help="only the kcal-range part")
    parser.add_argument("--kcal-weeks", type=int, default=36, help="weeks per kcal range")
    parser.add_argument("--kcal-size", type=int, default=2000, help="recipes in the kcal part")
    parser.add_argument(
        "--unbounded", action="store_true", help="no node budget (slow: for comparison)"
    )
    parser.add_argument("--root", type=Path, help="measure the planner of another checkout")
    args = parser.parse_args()
    if args.unbounded:
        import bot.core.plan_search as plan_search  # the search budget lives there

        plan_search.NODE_BUDGET = float("inf")  # type: ignore[assignment]
    print(machine())
    shipped = load_recipes()
    if not args.kcal_only:
        bench("shipped set", shipped, args.iterations)
        bench("generated set", scaled_copies(shipped, 500), args.iterations)
    bench_kcal(scaled_copies(shipped, args.kcal_size), args.kcal_weeks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
