"""The DayPlan of a chosen option per slot: its meals, totals, rule status and plain notes.

Split from bot.core.planner (which picks the candidates and runs the search in
bot.core.plan_search) so each stays readable. Pure: it reads only the recipe set and the
values it is given; the notes are written in English here and translated when shown
(bot.core.plan_notes holds a template for each).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core.models import OVER_50, SLOT_ORDER, DayPlan, PlannedMeal, Profile, RecipeSet, Slot
from bot.core.nutrition import absorbed_ug
from bot.core.plan_rules import (
    CLINICIAN_LINE,
    EPS,
    MAX_OILY_FISH_MEALS_PER_7_DAYS,
    PlanRules,
    plan_rules,
    status_of,
)
from bot.core.plan_search import BUDGET_NOTE, Option, kcal_note
from bot.core.topups import TopUp


def build_plan(
    recipes: RecipeSet,
    profile: Profile,
    servings: int,
    day: dt.date,
    choice: dict[Slot, Option],
    feasible: bool,
    topups: Sequence[TopUp],
    *,
    cut_short: bool = False,
) -> DayPlan:
    """The DayPlan of a chosen option per slot, with totals and notes on any gap.
    `topups`: those the profile allows (read only when not `feasible`, for the advice on
    closing the gap). `cut_short`: the search ran out of its node budget, so a plan that
    misses a rule says so (BUDGET_NOTE) instead of claiming that no combination fits."""
    rules = plan_rules(profile)
    meals: list[PlannedMeal] = []
    for s in SLOT_ORDER:
        opt = choice.get(s)
        if opt is None:
            continue
        info, t = opt.recipe, opt.topup
        meals.append(
            PlannedMeal(
                slot=s,
                recipe_id=info.id,
                servings=servings,
                b12_ug=opt.b12,
                kcal=opt.kcal,
                protein_g=info.protein + (t.protein_g if t else 0.0),
                fortified_b12=bool(opt.fortified),
                topup_item=t.item_id if t else None,
                topup_grams=t.grams if t else 0.0,
                topup_b12_ug=t.b12_ug if t else 0.0,
                topup_kcal=t.kcal if t else 0.0,
                topup_label=t.label if t else "",
                fortified_ug=opt.fort_ug,
            )
        )
    b12 = sum(m.b12_ug for m in meals)
    absorbed = sum(absorbed_ug(m.b12_ug) for m in meals)
    kcal = sum(m.kcal for m in meals)
    fortified = sum(1 for m in meals if m.fortified_b12)
    shortfall = max(0.0, rules.target - b12)
    if shortfall <= EPS:
        shortfall = 0.0
    repeats = tuple(o.recipe.id for o in choice.values() if o.repeat)

    notes: list[str] = []
    for s in profile.slots:
        if s not in choice:
            notes.append(f"No {s.value} recipe fits your diet and exclusions.")
    for m in meals:
        if m.topup_item:
            notes.append(f"Added {m.topup_label} to {m.slot.value} for B12.")
    if repeats:
        names = ", ".join(_name(recipes, r) for r in repeats)
        notes.append(
            f"Repeats {names} from the last 7 days: not enough other recipes fit your constraints."
        )
    if rules.clinician_managed:
        notes.append(CLINICIAN_LINE)
        return _finish(recipes, profile, day, meals, rules, notes, shortfall, repeats)
    if rules.safe_foods and any(o.recipe.oily for o in choice.values()):
        notes.append(
            f"Oily fish at most {MAX_OILY_FISH_MEALS_PER_7_DAYS} times in any 7 days "
            "(NHS advice in pregnancy and breastfeeding)."
        )
    fix = gap_advice(topups) if not feasible else ""
    if cut_short and not feasible:
        notes.append(BUDGET_NOTE)
    none_fits = "" if cut_short else ": no combination of recipes you can eat reaches it"
    if shortfall > 0:
        notes.append(
            f"This plan gives {b12:.1f} µg B12, {shortfall:.1f} µg short of your "
            f"{rules.target:g} µg target{none_fits}." + fix
        )
    if absorbed < rules.absorbed_min - EPS:
        notes.append(
            f"Estimated absorbed B12 is {absorbed:.2f} µg, under half the target "
            f"({rules.absorbed_min:.2f} µg); B12 spread over more meals is absorbed better."
            + ("" if shortfall > 0 else fix)
        )
    if fortified < rules.fortified_min:
        notes.append(
            f"Only {fortified} meal(s) have fortified B12; the Vegan Society advises eating "
            "fortified foods at least twice a day."
            + ("" if shortfall > 0 or absorbed < rules.absorbed_min - EPS else fix)
        )
    outside = kcal_note(kcal, rules, cut_short)
    if outside:
        notes.append(outside)
    fortified_ug = sum(m.fortified_ug for m in meals)
    if profile.life_stage == OVER_50 and not fortified_ug > rules.fortified_ug_above + EPS:
        notes.append(
            f"{fortified_ug:.1f} µg of today's B12 comes from fortified foods; after 50 more "
            f"than half the target ({rules.target / 2:.1f} µg) should (IOM 1998): a fortified "
            "food or a supplement your clinician agrees closes it."
        )
    if len({m.recipe_id for m in meals}) < len(meals):
        notes.append("Not enough different recipes fit: one recipe appears twice today.")
    return _finish(recipes, profile, day, meals, rules, notes, shortfall, repeats)


def gap_advice(topups: Sequence[TopUp]) -> str:
    """What would close the gap: the richest allowed fortified item, else the clinician."""
    if not topups:
        return (
            " Nothing in the recipe set that fits your diet and exclusions closes the gap:"
            " discuss a B12 supplement with your clinician."
        )
    best = max(topups, key=lambda t: (t.b12_ug, t.item_id))
    return (
        f" To close it: {best.label} adds {best.b12_ug:.1f} µg (best eaten with a meal that"
        " has little B12); or discuss a B12 supplement with your clinician."
    )


def _finish(
    recipes: RecipeSet,
    profile: Profile,
    day: dt.date,
    meals: list[PlannedMeal],
    rules: PlanRules,
    notes: list[str],
    shortfall: float,
    repeats: tuple[str, ...],
) -> DayPlan:
    """The DayPlan with its totals and the status of every rule (what `target_status`
    gives for it, computed from the same sums)."""
    b12 = sum(m.b12_ug for m in meals)
    absorbed = sum(absorbed_ug(m.b12_ug) for m in meals)
    status = status_of(
        profile,
        rules.target,
        total=b12,
        absorbed=absorbed,
        fortified_meals=sum(1 for m in meals if m.fortified_b12),
        fortified_ug=sum(m.fortified_ug for m in meals),
    )
    return DayPlan(
        date=day,
        meals=tuple(meals),
        target_ug=rules.target,
        b12_ug=b12,
        b12_absorbed_ug=absorbed,
        kcal=sum(m.kcal for m in meals),
        protein_g=sum(m.protein_g for m in meals),
        shortfall_ug=shortfall,
        notes=tuple(notes),
        repeats=repeats,
        status=status,
        region=recipes.region,
    )


def _name(recipes: RecipeSet, recipe_id: str) -> str:
    """The recipe's name, or its id when it is gone from the set."""
    r = recipes.recipes.get(recipe_id)
    return r.name if r else recipe_id
