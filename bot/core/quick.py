"""Quick meals for a tired day: today's remaining meals re-planned with the quickest dishes
that still keep every rule of the day.

Why a ladder of time limits: "quickest" here means the longest remaining dish is as short as
possible (a tired person cares about the one long cook), then the remaining minutes in all.
For each limit, from the shortest cooking time in the set up to the longest remaining dish,
the planner's own search (`Planner.solve`) looks for a day that meets every rule of
`plan_rules` with only dishes within the limit; the first limit that has one wins. Meals
already ticked (eaten, skipped or something else) stay exactly as they were, as in
`bot.core.replan`. When no quicker day keeps the target, nothing changes and the caller says
so. Pure: no I/O, no clock.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot.core.models import DayPlan, PlannedMeal, Profile, RecipeSet, Slot
from bot.core.planner import planner_for, seed
from bot.core.preferences import restricted
from bot.core.regions import for_region


@dataclass(frozen=True, slots=True)
class QuickDay:
    """The outcome of "tired today": the new plan (None: no quicker day keeps the target, or
    nothing is left to cook) and the minutes of the remaining meals before and after."""

    plan: DayPlan | None
    remaining: tuple[Slot, ...]
    minutes_before: int
    longest_before: int
    minutes_after: int = 0
    longest_after: int = 0


def cook_minutes(recipes: RecipeSet, meals: Sequence[PlannedMeal]) -> tuple[int, int]:
    """(longest, total) cooking minutes of `meals` (a recipe gone from the set counts 0)."""
    times = [recipes.recipes[m.recipe_id].time_min for m in meals if m.recipe_id in recipes.recipes]
    return (max(times, default=0), sum(times))


def quick_day(
    recipes: RecipeSet,
    person: Profile,
    plan: DayPlan,
    ticked: Mapping[Slot, str | None],
    history: Sequence[str] = (),
) -> QuickDay:
    """Today's not-yet-ticked meals replaced by the quickest dishes that keep every rule.

    `recipes` and `person` are the user's planning set and profile (bot.core.preferences
    .for_user: their time limit and never-suggest recipes already hidden); `ticked` maps each
    ticked slot to the recipe its tick recorded (None: the plan's meal).
    """
    planner = planner_for(for_region(recipes, person.region))
    remaining_meals = [m for m in plan.meals if m.slot not in ticked]
    remaining = tuple(m.slot for m in remaining_meals)
    longest, total = cook_minutes(planner.recipes, remaining_meals)
    if not remaining:
        return QuickDay(None, remaining, 0, 0)
    fixed: dict[Slot, str] = {}
    for m in plan.meals:
        if m.slot in ticked:
            rid = ticked[m.slot] or m.recipe_id
            fixed[m.slot] = rid if rid in planner.recipe_info else m.recipe_id
    slots = tuple(m.slot for m in plan.meals)
    recent = frozenset(history)
    limits = sorted({r.time_min for r in planner.recipes.recipes.values() if r.time_min <= longest})
    for limit in limits:
        quick_set = restricted(planner.recipes, limit)
        quick = planner_for(quick_set)
        allowed = replace(quick.effective_profile(person), slots=slots)
        rng = random.Random(seed(person, plan.date.isoformat(), "quick", limit))
        choice, feasible = quick.solve(
            allowed,
            rng,
            recent,
            True,
            fixed=fixed,
            oily_max=quick.oily_max(person, history),
        )
        if not feasible or set(choice) != set(slots):
            continue  # no day keeps every rule, or a meal has no dish this quick
        new = quick.build(replace(person, slots=slots), 1, plan.date, choice, True)
        after = [m for m in new.meals if m.slot in remaining]
        new_longest, new_total = cook_minutes(planner.recipes, after)
        if (new_longest, new_total) >= (longest, total):
            break  # the quickest day that keeps the target is no quicker than today's
        return QuickDay(
            replace(new, swaps=plan.swaps), remaining, total, longest, new_total, new_longest
        )
    return QuickDay(None, remaining, total, longest)
