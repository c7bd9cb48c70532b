"""Swap one meal of a day plan for the next different recipe that keeps every rule.

Used by the Swap buttons: each press shows a recipe not shown yet for that meal (`DayPlan.swaps`
remembers them), keeping the day's other meals whenever they still fit.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

from bot.core.models import SLOT_ORDER, DayPlan, Profile, RecipeSet, Slot
from bot.core.plan_rules import EPS, as_profiles, combine_profiles
from bot.core.planner import planner_for, seed
from bot.core.regions import for_region


def swap(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    plan: DayPlan,
    slot: Slot,
    history: Sequence[str] = (),
    *,
    allow_topups: bool = True,
) -> DayPlan:
    """The next different recipe for `slot` that keeps every constraint.

    Walks the slot's allowed recipes in a seeded order (recipes outside the history first),
    skipping those already shown (`plan.swaps`). First it tries to keep the other meals
    (top-ups may change); when no remaining recipe fits that way, it re-balances the other
    meals. When every alternative has been shown, the walk starts over.
    """
    members = as_profiles(profiles)
    profile = combine_profiles(members)
    planner = planner_for(for_region(recipes, profile.region))
    # what the life stage rules out (liver, smoked fish; oily-fish cap) binds swaps too
    allowed = planner.effective_profile(profile)
    if profile.kcal_range is not None and not (
        profile.kcal_range[0] - EPS <= plan.kcal <= profile.kcal_range[1] + EPS
    ):
        # the day misses its energy range already (the recipes cannot reach it): swap on the
        # B12 rules alone rather than refuse every dish; the plan's note still names the range
        allowed = replace(allowed, kcal_range=None)
    oily_max = planner.oily_max(profile, history)
    current = plan.meal(slot)
    if current is None:
        raise ValueError(f"the plan has no {slot.value} to swap")
    recent = frozenset(history)
    shown_by_slot = dict(plan.swaps)
    shown = shown_by_slot.get(slot, ())
    if current.recipe_id not in shown:
        shown = (*shown, current.recipe_id)
    others = {m.slot: m.recipe_id for m in plan.meals if m.slot != slot and m.slot in profile.slots}
    # keeping the other meals is only possible while they still exist and fit the profile
    # (recipes or settings may have changed since the plan was stored)
    can_keep = all(
        rid in {i.id for i in planner.candidates(s, allowed.diet, allowed.exclude).all}
        for s, rid in others.items()
    )
    other_sources = {
        planner.recipe_info[r].source for r in others.values() if r in planner.recipe_info
    }
    order_rng = random.Random(seed(profile, plan.date.isoformat(), "swap", slot.value))
    cands = list(planner.candidates(slot, allowed.diet, allowed.exclude).all)
    order_rng.shuffle(cands)
    # stable sort: fresh recipes first, then those not repeating another meal's B12 source
    cands.sort(key=lambda i: (i.id in recent, i.source is not None and i.source in other_sources))

    for already in (shown, (current.recipe_id,)):
        todo = [c for c in cands if c.id not in already]
        for keep_others in (True, False) if can_keep else (False,):
            for info in todo:
                rng = random.Random(seed(profile, plan.date.isoformat(), "swap", info.id))
                fixed = {slot: info.id}
                if keep_others:
                    if info.id in others.values():
                        continue
                    fixed.update(others)
                choice, feasible = planner.solve(
                    allowed,
                    rng,
                    recent,
                    allow_topups,
                    fixed=fixed,
                    prefer=frozenset(others.values()),
                    oily_max=oily_max,
                )
                if feasible:
                    shown_by_slot[slot] = (*already, info.id)
                    new = planner.build(profile, len(members), plan.date, choice, True)
                    swaps = tuple((s, shown_by_slot[s]) for s in SLOT_ORDER if s in shown_by_slot)
                    return replace(new, swaps=swaps)
    note = f"No other {slot.value} recipe fits all your constraints."
    return replace(plan, notes=(*plan.notes, note) if note not in plan.notes else plan.notes)


def unswap(
    recipes: RecipeSet,
    profile: Profile,
    plan: DayPlan,
    slot: Slot,
    recipe_id: str,
    history: Sequence[str] = (),
) -> DayPlan | None:
    """`plan` with `slot` back to `recipe_id` (the ↩️ Undo of a swap), or None when that dish
    no longer fits (settings changed since, or no day with it keeps every rule).

    The other meals stay when they can, else they are re-balanced as a swap would; the
    recipes already shown by Swap stay remembered, so the next Swap moves on.
    """
    planner = planner_for(for_region(recipes, profile.region))
    allowed = planner.effective_profile(profile)
    if plan.meal(slot) is None:
        return None
    if recipe_id not in {i.id for i in planner.candidates(slot, allowed.diet, allowed.exclude).all}:
        return None
    others = {m.slot: m.recipe_id for m in plan.meals if m.slot != slot and m.slot in profile.slots}
    rng = random.Random(seed(profile, plan.date.isoformat(), "unswap", recipe_id))
    for keep_others in (True, False):
        fixed = {slot: recipe_id, **(others if keep_others else {})}
        choice, feasible = planner.solve(
            allowed,
            rng,
            frozenset(history),
            True,
            fixed=fixed,
            prefer=frozenset(others.values()),
            oily_max=planner.oily_max(profile, history),
        )
        if feasible:
            return replace(planner.build(profile, 1, plan.date, choice, True), swaps=plan.swaps)
    return None
