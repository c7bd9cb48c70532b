"""Check a household plan against every member's rules, independently of how it was planned.

Each member's day is rebuilt from the recipes and the ingredient table (shared meals they eat,
their personal top-ups) and compared with what the plan states; used by the tests and as a
safety net wherever a household plan is trusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.core.household import (
    KIND_ITEM,
    HouseholdPlan,
    Member,
    eaters,
    household_profile,
    item_allowed,
    member_rules,
    sorted_members,
)
from bot.core.models import RecipeSet, Slot
from bot.core.nutrition import absorbed_ug
from bot.core.plan_rules import EPS, plan_rules, status_of, unsafe_item_ids
from bot.core.regions import for_region


def check_household(
    recipes: RecipeSet, hplan: HouseholdPlan, members: Sequence[Member]
) -> list[str]:
    """Every rule the household plan breaks, recomputed from the recipe set (empty = ok).

    Independent of the search: each member's day is rebuilt from recipes and ingredients.
    """
    ordered = sorted_members(members)
    problems: list[str] = []
    combined = household_profile(ordered)
    recipes = for_region(recipes, combined.region)
    unsafe = (
        unsafe_item_ids(recipes.ingredients.values())
        if plan_rules(combined).safe_foods
        else frozenset()
    )
    if hplan.member_ids != tuple(m.user_id for m in ordered):
        problems.append(f"members {hplan.member_ids} differ from {[m.user_id for m in ordered]}")
    shared_doses: dict[Slot, float] = {}
    shared_fort: dict[Slot, bool] = {}
    shared_fug: dict[Slot, float] = {}
    for meal in hplan.plan.meals:
        recipe = recipes.recipes.get(meal.recipe_id)
        if recipe is None:
            problems.append(f"{meal.slot.value}: unknown recipe {meal.recipe_id!r}")
            continue
        eating = len(eaters(ordered, meal.slot))
        if eating == 0:
            problems.append(f"{meal.slot.value}: no member eats it")
        elif meal.servings != eating:
            problems.append(
                f"{meal.slot.value}: {meal.servings} servings for {eating} member(s) eating it"
            )
        if not combined.diet.allows(recipe.diet):
            problems.append(f"{meal.slot.value}: {recipe.id} breaks the {combined.diet} diet")
        if not recipe.item_ids.isdisjoint(combined.exclude):
            problems.append(f"{meal.slot.value}: {recipe.id} has an excluded ingredient")
        if not recipe.item_ids.isdisjoint(unsafe):
            problems.append(f"{meal.slot.value}: {recipe.id} is unsafe for a member's life stage")
        if recipe.id in recipes.hidden:
            problems.append(f"{meal.slot.value}: {recipe.id} is not sold in {recipes.region}")
        dose = recipe.per_serving.b12_ug
        fort = recipe.fortified_b12
        fort_ug = recipe.fortified_b12_ug
        if meal.topup_item:
            ing = recipes.ingredients[meal.topup_item]
            part = ing.per_100g.b12_ug * meal.topup_grams / 100
            dose += part
            fort_ug += part if ing.fortified else 0.0
            fort = True
        shared_doses[meal.slot] = dose
        shared_fort[meal.slot] = fort
        shared_fug[meal.slot] = fort_ug
    for member in ordered:
        day = hplan.member(member.user_id)
        if day is None:
            problems.append(f"member {member.user_id} has no day")
            continue
        profile = member.profile
        doses = {s: d for s, d in shared_doses.items() if s in profile.slots}
        fort = {s: f for s, f in shared_fort.items() if s in profile.slots}
        fort_ug = sum(f for s, f in shared_fug.items() if s in profile.slots)
        extra: list[float] = []
        for t in day.topups:
            if t.kind == KIND_ITEM:
                ing = recipes.ingredients.get(t.ref_id)
                if ing is None or not item_allowed(ing, profile):
                    problems.append(f"{member.user_id}: top-up {t.ref_id} not allowed")
                    continue
                if t.slot not in doses:
                    problems.append(f"{member.user_id}: top-up on {t.slot.value} they don't eat")
                    continue
                part = ing.per_100g.b12_ug * t.grams / 100
                doses[t.slot] += part
                fort_ug += part
                fort[t.slot] = True
            else:
                r = recipes.recipes.get(t.ref_id)
                if (
                    r is None
                    or not profile.diet.allows(r.diet)
                    or not r.item_ids.isdisjoint(profile.exclude)
                ):
                    problems.append(f"{member.user_id}: snack {t.ref_id} not allowed")
                    continue
                extra.append(r.per_serving.b12_ug)
                fort_ug += r.fortified_b12_ug
        all_doses = [*doses.values(), *extra]
        total = sum(all_doses)
        absorbed = sum(absorbed_ug(d) for d in all_doses)
        fortified = sum(fort.values()) + len(extra)
        rules = member_rules(profile)
        target = rules.target
        if not math.isclose(total, day.b12_ug, rel_tol=1e-9, abs_tol=1e-9):
            problems.append(f"{member.user_id}: stated B12 {day.b12_ug} != {total}")
        if day.target_ug != target:
            problems.append(f"{member.user_id}: target {day.target_ug} is not theirs ({target})")
        status = status_of(
            profile,
            target,
            total=total,
            absorbed=absorbed,
            fortified_meals=fortified,
            fortified_ug=fort_ug,
        )
        if day.met and not status.met:
            problems.append(f"{member.user_id}: stated met but misses {status.misses}")
        if rules.clinician_managed:
            if day.topups:
                problems.append(f"{member.user_id}: top-ups for a clinician-managed member")
            continue
        if total < target - EPS:
            problems.append(f"{member.user_id}: {total:.2f} µg under their {target:g} µg target")
        if absorbed < rules.absorbed_min - EPS:
            problems.append(
                f"{member.user_id}: absorbed {absorbed:.2f} µg under {rules.absorbed_min:.2f}"
            )
        if fortified < rules.fortified_min:
            problems.append(f"{member.user_id}: {fortified} fortified meal(s), vegan needs 2")
        if not fort_ug > rules.fortified_ug_above + EPS:
            problems.append(f"{member.user_id}: {fort_ug:.2f} µg fortified, over 50 needs more")
    return problems
