"""↩️ Undo swap (bot.core.swap.unswap): the previous dish comes back while it still fits."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.core.models import Diet, Profile, RecipeSet, Slot
from bot.core.plan_rules import check_plan
from bot.core.planner import plan_day
from bot.core.swap import swap, unswap

START = dt.date(2026, 11, 3)
PERSON = Profile(diet=Diet.PESCATARIAN, target_ug=2.4, region="uk")


def test_undo_brings_the_previous_dish_back_and_keeps_what_swap_showed(
    shipped: RecipeSet,
) -> None:
    plan = plan_day(shipped, PERSON, START)
    before = plan.meal(Slot.LUNCH)
    assert before is not None
    swapped = swap(shipped, PERSON, plan, Slot.LUNCH)
    assert swapped.meal(Slot.LUNCH).recipe_id != before.recipe_id  # type: ignore[union-attr]
    back = unswap(shipped, PERSON, swapped, Slot.LUNCH, before.recipe_id)
    assert back is not None
    assert [m.recipe_id for m in back.meals] == [m.recipe_id for m in plan.meals]
    assert check_plan(shipped, PERSON, back) == []
    assert back.swaps == swapped.swaps  # the next swap moves on


def test_undo_refuses_a_dish_that_no_longer_fits(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, PERSON, START)
    before = plan.meal(Slot.DINNER)
    assert before is not None
    swapped = swap(shipped, PERSON, plan, Slot.DINNER)
    stricter = replace(PERSON, exclude=PERSON.exclude | shipped.recipes[before.recipe_id].item_ids)
    assert unswap(shipped, stricter, swapped, Slot.DINNER, before.recipe_id) is None
    assert unswap(shipped, PERSON, swapped, Slot.SNACK, before.recipe_id) is None  # no snack


def test_swap_still_works_when_the_energy_range_is_out_of_reach(shipped: RecipeSet) -> None:
    person = replace(PERSON, kcal_range=(3500.0, 4000.0))  # three shipped meals never get there
    plan = plan_day(shipped, person, START)
    assert plan.kcal < 3500
    before = plan.meal(Slot.LUNCH)
    assert before is not None
    swapped = swap(shipped, person, plan, Slot.LUNCH)
    after = swapped.meal(Slot.LUNCH)
    assert after is not None and after.recipe_id != before.recipe_id
    assert swapped.meets_target  # the B12 rules still hold
    assert any("outside your range 3500-4000 kcal" in note for note in swapped.notes)
