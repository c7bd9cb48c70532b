"""What a valid day plan is, and `check_plan`, which verifies one independently of the search.

Per person, a plan must give:

* total B12 >= target;
* estimated absorbed B12 >= target / 2, summing `absorbed_ug` per meal (uptake saturates per
  meal, so B12 spread over meals counts for more than the same amount in one meal);
* vegan plans have fortified B12 in at least two meals (Vegan Society advice);
* diet and excluded ingredients are never broken; no recipe twice in a day;
* no recipe from the last 7 days' history unless no plan without one exists (then the repeat
  is recorded in `DayPlan.repeats` and explained in `notes`);
* kcal inside the profile's range when one is given.

Several people eating together are planned as one combined profile (`combine_profiles`).
The search lives in `bot.core.planner`; both use `plan_rules` and `EPS`, so they agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import (
    KIND_DIET,
    SLOT_ORDER,
    DayPlan,
    Diet,
    Profile,
    Recipe,
    RecipeSet,
    strictest_diet,
)
from bot.core.nutrition import absorbed_ug

EPS = 1e-9  # float tolerance for every ">= target" comparison (planner and checker agree)
MIN_FORTIFIED_MEALS_VEGAN = 2


@dataclass(frozen=True, slots=True)
class PlanRules:
    """The hard constraints of one plan, derived from the (combined) profile."""

    target: float
    absorbed_min: float
    fortified_min: int
    kcal_lo: float
    kcal_hi: float


def plan_rules(profile: Profile) -> PlanRules:
    """The hard constraints for a plan made for `profile` (a combined one for several)."""
    lo, hi = profile.kcal_range if profile.kcal_range else (-math.inf, math.inf)
    return PlanRules(
        target=profile.target_ug,
        absorbed_min=profile.target_ug / 2,
        fortified_min=MIN_FORTIFIED_MEALS_VEGAN if profile.diet == Diet.VEGAN else 0,
        kcal_lo=lo,
        kcal_hi=hi,
    )


def as_profiles(profiles: Profile | Sequence[Profile]) -> tuple[Profile, ...]:
    """One profile or several as a tuple; ValueError when there is none."""
    result = (profiles,) if isinstance(profiles, Profile) else tuple(profiles)
    if not result:
        raise ValueError("at least one profile is needed to plan meals")
    return result


def combine_profiles(profiles: Profile | Sequence[Profile]) -> Profile:
    """One profile a whole household can eat from.

    Strictest diet, union of exclusions, highest target, union of meal slots (everyone gets
    fed at every meal someone eats), kcal range = intersection of the members' ranges (each
    eats one serving), or None when no member gives one or the ranges do not overlap.
    """
    members = as_profiles(profiles)
    if len(members) == 1:
        return members[0]
    slots = {s for p in members for s in p.slots}
    ranges = [p.kcal_range for p in members if p.kcal_range is not None]
    kcal_range: tuple[float, float] | None = None
    if ranges:
        lo = max(r[0] for r in ranges)
        hi = min(r[1] for r in ranges)
        kcal_range = (lo, hi) if lo <= hi else None
    return Profile(
        diet=strictest_diet([p.diet for p in members]),
        target_ug=max(p.target_ug for p in members),
        exclude=frozenset().union(*(p.exclude for p in members)),
        slots=tuple(s for s in SLOT_ORDER if s in slots),
        kcal_range=kcal_range,
        name=" + ".join(p.name for p in members if p.name),
    )


def check_plan(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    plan: DayPlan,
    history: Sequence[str] = (),
) -> list[str]:
    """Every hard constraint the plan breaks, recomputed from the recipe set (empty = ok).

    Independent of the search: it recomputes each meal from the recipes and ingredient table.
    A recipe from `history` counts as a violation unless the plan declares it in `repeats`
    (the planner only does so when no plan without it exists).
    """
    members = as_profiles(profiles)
    profile = combine_profiles(members)
    problems: list[str] = []
    slots_seen = [m.slot for m in plan.meals]
    for s in profile.slots:
        if s not in slots_seen:
            problems.append(f"no meal for {s.value}")
    if len(set(slots_seen)) != len(slots_seen):
        problems.append("a slot has more than one meal")
    ids = [m.recipe_id for m in plan.meals]
    if len(set(ids)) != len(ids):
        problems.append("the same recipe twice in one day")
    recent = set(history)
    total = absorbed = kcal = 0.0
    fortified_meals = 0
    for m in plan.meals:
        r: Recipe | None = recipes.recipes.get(m.recipe_id)
        if r is None:
            problems.append(f"{m.slot.value}: unknown recipe {m.recipe_id!r}")
            continue
        if m.slot not in r.meals:
            problems.append(f"{m.slot.value}: {r.id} is not a {m.slot.value} recipe")
        if not profile.diet.allows(r.diet):
            problems.append(f"{m.slot.value}: {r.id} is {r.diet.value}, not {profile.diet.value}")
        banned = sorted(set(r.grams_per_serving) & profile.exclude)
        if banned:
            problems.append(f"{m.slot.value}: {r.id} contains excluded {', '.join(banned)}")
        if m.recipe_id in recent and m.recipe_id not in plan.repeats:
            problems.append(f"{m.slot.value}: {r.id} was planned in the last 7 days")
        if m.servings != len(members):
            problems.append(f"{m.slot.value}: {m.servings} servings for {len(members)} people")
        dose = r.per_serving.b12_ug
        meal_kcal = r.per_serving.kcal
        fortified = r.fortified_b12
        if m.topup_item is not None:
            ing = recipes.ingredients.get(m.topup_item)
            if ing is None:
                problems.append(f"{m.slot.value}: unknown top-up {m.topup_item!r}")
            else:
                if m.topup_item in profile.exclude:
                    problems.append(f"{m.slot.value}: top-up {ing.id} is excluded")
                if not profile.diet.allows(KIND_DIET[ing.kind]):
                    problems.append(f"{m.slot.value}: top-up {ing.id} breaks the diet")
                if m.topup_grams <= 0:
                    problems.append(f"{m.slot.value}: top-up without an amount")
                part = ing.per_100g.scaled(m.topup_grams / 100.0)
                dose += part.b12_ug
                meal_kcal += part.kcal
                fortified = fortified or (ing.fortified and part.b12_ug > 0)
        if not math.isclose(dose, m.b12_ug, rel_tol=1e-9, abs_tol=1e-9):
            problems.append(f"{m.slot.value}: B12 {m.b12_ug} does not match the recipe ({dose})")
        total += dose
        absorbed += absorbed_ug(dose)
        kcal += meal_kcal
        fortified_meals += 1 if fortified else 0
    rules = plan_rules(profile)
    if total < rules.target - EPS:
        problems.append(f"total B12 {total:.2f} µg is under the {rules.target:g} µg target")
    if not math.isclose(total, plan.b12_ug, rel_tol=1e-9, abs_tol=1e-9):
        problems.append(f"stated B12 total {plan.b12_ug} differs from the meals ({total})")
    if not math.isclose(plan.shortfall_ug, max(0.0, rules.target - total), abs_tol=1e-6):
        problems.append("stated shortfall does not equal target minus total")
    if absorbed < rules.absorbed_min - EPS:
        problems.append(
            f"absorbed B12 {absorbed:.2f} µg is under half the target ({rules.absorbed_min:.2f})"
        )
    if not math.isclose(absorbed, plan.b12_absorbed_ug, rel_tol=1e-9, abs_tol=1e-9):
        problems.append("stated absorbed B12 differs from the per-meal curve")
    if fortified_meals < rules.fortified_min:
        problems.append(f"vegan plan has fortified B12 in only {fortified_meals} meal(s), not 2")
    if not rules.kcal_lo - EPS <= kcal <= rules.kcal_hi + EPS:
        problems.append(f"{kcal:.0f} kcal is outside {rules.kcal_lo:.0f}-{rules.kcal_hi:.0f}")
    return problems
