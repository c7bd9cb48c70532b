"""One member's view of the household plan, as an ordinary DayPlan.

Every plan renderer, the meal check-off and the B12 tally work on a DayPlan, so the shared
menu is turned into the member's own day: their meals, their personal top-ups and their
own total, with notes on the shared meals they do not eat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.household import KIND_ITEM, KIND_SNACK, HouseholdPlan
from bot.core.models import SLOT_ORDER, DayPlan, PlannedMeal, RecipeSet, Slot, TargetStatus


def member_view(recipes: RecipeSet, hplan: HouseholdPlan, user_id: int) -> DayPlan:
    """The shared plan as one member sees it: their meals, their top-ups, their own total.

    A DayPlan, so every plan renderer works unchanged. Personal items sit on the meal as its
    top-up (joined to a shared top-up's label when the meal has one); a personal snack is an
    extra meal with servings=1. A shared meal the member does not eat is not one of their
    meals (no B12 counted, no check-off), but a note names it "(not in your meals)", so every
    member sees the same shared menu. Raises KeyError for a non-member
    (a plan is never shown to someone outside the household).
    """
    day = hplan.member(user_id)
    if day is None:
        raise KeyError(f"user {user_id} is not a member of this household plan")
    items = {t.slot: t for t in day.topups if t.kind == KIND_ITEM}
    meals: list[PlannedMeal] = []
    for meal in hplan.plan.meals:
        if meal.slot not in day.slots:
            continue
        t = items.get(meal.slot)
        if t is not None and meal.topup_item is None:
            meal = replace(
                meal,
                b12_ug=meal.b12_ug + t.b12_ug,
                kcal=meal.kcal + t.kcal,
                protein_g=meal.protein_g + t.protein_g,
                fortified_b12=True,
                fortified_ug=meal.fortified_ug + t.fortified_ug,
                topup_item=t.ref_id,
                topup_grams=t.grams,
                topup_b12_ug=t.b12_ug,
                topup_kcal=t.kcal,
                topup_label=f"{t.label}, just for you",
            )
        elif t is not None:  # the meal has a shared top-up already: show both on one line
            meal = replace(
                meal,
                b12_ug=meal.b12_ug + t.b12_ug,
                kcal=meal.kcal + t.kcal,
                protein_g=meal.protein_g + t.protein_g,
                topup_b12_ug=meal.topup_b12_ug + t.b12_ug,
                topup_kcal=meal.topup_kcal + t.kcal,
                fortified_ug=meal.fortified_ug + t.fortified_ug,
                topup_label=f"{meal.topup_label} (for everyone) and {t.label}, just for you",
            )
        meals.append(meal)
    for t in day.topups:
        if t.kind == KIND_SNACK:
            recipe = recipes.recipes.get(t.ref_id)
            meals.append(
                PlannedMeal(
                    slot=Slot.SNACK,
                    recipe_id=t.ref_id,
                    servings=1,
                    b12_ug=t.b12_ug,
                    kcal=t.kcal,
                    protein_g=t.protein_g,
                    fortified_b12=bool(recipe.fortified_b12) if recipe else True,
                    fortified_ug=t.fortified_ug,
                )
            )
    meals.sort(key=lambda m: SLOT_ORDER.index(m.slot))
    people = len(hplan.members)
    others = [m.name or "a member" for m in hplan.members if m.user_id != user_id]
    notes = [
        f"Shared household plan for {people} "
        + ("person" if people == 1 else "people")
        + (f" (with {', '.join(others)})" if others else "")
        + "."
    ]
    names = {d.user_id: d.name or "a member" for d in hplan.members}
    for meal in hplan.plan.meals:
        if meal.slot in day.slots:
            continue
        others_eating = [names[d.user_id] for d in hplan.members if meal.slot in d.slots]
        recipe = recipes.recipes.get(meal.recipe_id)
        notes.append(
            f"{meal.slot.value.capitalize()} (not in your meals): "
            f"{recipe.name if recipe else meal.recipe_id}, for {_join_and(others_eating)}; "
            "not counted in your total."
        )
    everyone = " for everyone" if people > 1 else ""  # a household of one: just "added"
    notes += [f"Added {m.topup_label} to {m.slot.value}{everyone}." for m in hplan.plan.meals
              if m.topup_item and m.slot in day.slots]  # fmt: skip
    if hplan.plan.repeats:
        names = ", ".join(
            recipes.recipes[r].name if r in recipes.recipes else r for r in hplan.plan.repeats
        )
        notes.append(f"Repeats {names} from the last 7 days: not enough other recipes fit.")
    notes += list(day.notes)
    return DayPlan(
        date=hplan.plan.date,
        meals=tuple(meals),
        target_ug=day.target_ug,
        b12_ug=day.b12_ug,
        b12_absorbed_ug=day.absorbed_ug,
        kcal=day.kcal,
        protein_g=day.protein_g,
        shortfall_ug=day.shortfall_ug,
        notes=tuple(notes),
        swaps=hplan.plan.swaps,
        repeats=hplan.plan.repeats,
        status=TargetStatus(
            met=day.met,
            misses=day.misses,
            clinician_managed=day.clinician_managed,
            fortified_ug=day.fortified_ug,
        ),
        region=hplan.plan.region,
    )


def _join_and(words: Sequence[str]) -> str:
    """'Ana', 'Ana and Ben', 'Ana, Ben and Cleo' ('nobody' for none)."""
    if not words:
        return "nobody"
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
