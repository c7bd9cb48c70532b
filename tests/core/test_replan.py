"""A day that keeps its shape: replan_day changes only the meals that must change."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from translated import in_language

from bot.core.models import DayPlan, Diet, Profile, RecipeSet, Slot
from bot.core.plan_rules import check_plan
from bot.core.planner import plan_day
from bot.core.products import with_products
from bot.core.recipe_search import match_ingredient
from bot.core.replan import excluded_names, fits, replan_day
from bot.core.swap import swap

START = dt.date(2026, 11, 1)
BASE = Profile(diet=Diet.VEGETARIAN, target_ug=2.4, region="eu")


def ids_of(rs: RecipeSet, word: str) -> frozenset[str]:
    return frozenset(match_ingredient(rs, word).ids)


def day_with(rs: RecipeSet, profile: Profile, items: frozenset[str]) -> tuple[DayPlan, Slot]:
    """The first planned day with exactly one meal containing one of `items`, and its slot."""
    for offset in range(60):
        plan = plan_day(rs, profile, START + dt.timedelta(days=offset))
        hits = [m.slot for m in plan.meals if rs.recipes[m.recipe_id].item_ids & items]
        if len(hits) == 1:
            return plan, hits[0]
    raise AssertionError("no day with exactly one such meal in 60 days")


def test_unchanged_settings_keep_the_stored_plan_and_its_swaps(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, BASE, START)
    swapped = swap(shipped, BASE, plan, Slot.LUNCH)
    assert swapped.meal(Slot.LUNCH) != plan.meal(Slot.LUNCH)
    result = replan_day(shipped, BASE, swapped)
    assert result.plan == swapped
    assert not result.changed and result.changes == ()


def test_same_label_value_typed_again_changes_nothing(shipped: RecipeSet) -> None:
    soy = "soy_milk_fortified"
    mine = with_products(shipped, {soy: shipped.ingredients[soy].per_100g.b12_ug})
    plan = swap(shipped, BASE, plan_day(shipped, BASE, START), Slot.BREAKFAST)
    result = replan_day(mine, BASE, plan)
    assert not result.changed and result.plan == plan


def test_excluded_food_replaces_only_its_meal_and_names_it(shipped: RecipeSet) -> None:
    eggs = ids_of(shipped, "eggs")
    plan, egg_slot = day_with(shipped, BASE, eggs)
    after = replace(BASE, exclude=eggs)
    result = replan_day(shipped, after, plan)
    assert result.changed
    assert [c.slot for c in result.changes] == [egg_slot]
    assert result.changes[0].reason == "it had eggs, which you excluded"
    for meal in plan.meals:
        if meal.slot != egg_slot:
            assert result.plan.meal(meal.slot).recipe_id == meal.recipe_id  # type: ignore[union-attr]
    new = result.plan.meal(egg_slot)
    assert new is not None and not shipped.recipes[new.recipe_id].item_ids & eggs
    assert check_plan(shipped, after, result.plan) == []


def test_eaten_meal_stays_with_its_dish_after_its_food_is_excluded(shipped: RecipeSet) -> None:
    eggs = ids_of(shipped, "eggs")
    plan, egg_slot = day_with(shipped, BASE, eggs)
    eaten = plan.meal(egg_slot)
    assert eaten is not None
    result = replan_day(shipped, replace(BASE, exclude=eggs), plan, {egg_slot: eaten.recipe_id})
    kept = result.plan.meal(egg_slot)
    assert kept is not None and kept.recipe_id == eaten.recipe_id
    assert result.kept_ticked == (egg_slot,)
    assert all(c.slot != egg_slot for c in result.changes)


def test_a_tick_naming_another_dish_keeps_that_dish(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, BASE, START)
    breakfast = plan.meal(Slot.BREAKFAST)
    assert breakfast is not None
    other = next(
        r.id
        for r in sorted(shipped.recipes.values(), key=lambda r: r.id)
        if Slot.BREAKFAST in r.meals and r.id != breakfast.recipe_id and BASE.diet.allows(r.diet)
    )
    result = replan_day(shipped, BASE, plan, {Slot.BREAKFAST: other})
    assert result.plan.meal(Slot.BREAKFAST).recipe_id == other  # type: ignore[union-attr]


def test_diet_change_replaces_what_no_longer_fits(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, BASE, START + dt.timedelta(days=3))
    vegan = replace(BASE, diet=Diet.VEGAN)
    result = replan_day(shipped, vegan, plan)
    for meal in result.plan.meals:
        assert Diet.VEGAN.allows(shipped.recipes[meal.recipe_id].diet)
    not_vegan = {m.slot for m in plan.meals if shipped.recipes[m.recipe_id].diet != Diet.VEGAN}
    assert not_vegan, "the case under test: a vegetarian day with a non-vegan meal"
    reasons = {c.slot: c.reason for c in result.changes}
    assert {s for s, r in reasons.items() if r == "it isn't vegan"} == not_vegan


def test_higher_target_rebalances_but_keeps_ticked_meals(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, BASE, START)
    ticked = plan.meals[0]
    higher = replace(BASE, target_ug=4.0)
    result = replan_day(shipped, higher, plan, {ticked.slot: ticked.recipe_id})
    assert result.plan.meal(ticked.slot).recipe_id == ticked.recipe_id  # type: ignore[union-attr]
    assert result.plan.target_ug == 4.0
    assert fits(result.plan, higher)
    assert all("4 µg target" in c.reason for c in result.changes)


@pytest.mark.parametrize(
    "before",
    [
        Profile(diet=Diet.VEGAN, target_ug=3.0, region="eu"),
        Profile(diet=Diet.OMNIVORE, target_ug=4.0, region="eu"),
    ],
)
def test_a_ticked_meal_gets_no_top_up_when_the_day_is_rebalanced(
    shipped: RecipeSet, before: Profile
) -> None:
    """An energy range or a higher target once added "a glass of fortified soy milk" to a
    breakfast already eaten: the day said met while the log counted what was eaten."""
    for offset in range(10):
        plan = plan_day(shipped, before, START + dt.timedelta(days=offset))
        eaten = plan.meals[0]
        for after in (
            replace(before, kcal_range=(1600.0, 2000.0)),
            replace(before, target_ug=before.target_ug * 2),
        ):
            result = replan_day(shipped, after, plan, {eaten.slot: eaten.recipe_id})
            kept = result.plan.meal(eaten.slot)
            assert kept is not None
            assert (kept.recipe_id, kept.servings, kept.topup_item, kept.topup_grams) == (
                eaten.recipe_id,
                eaten.servings,
                eaten.topup_item,
                eaten.topup_grams,
            ), (offset, after)
            assert kept.b12_ug == pytest.approx(eaten.b12_ug)


def test_lower_target_keeps_every_meal(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, replace(BASE, target_ug=4.0), START)
    result = replan_day(shipped, BASE, plan)
    assert result.changes == ()
    assert [m.recipe_id for m in result.plan.meals] == [m.recipe_id for m in plan.meals]
    assert result.plan.target_ug == 2.4 and result.changed


def test_energy_range_makes_the_day_fit_it(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, BASE, START)
    assert plan.kcal < 2000
    fuller = replace(BASE, kcal_range=(2000.0, 2400.0))
    result = replan_day(shipped, fuller, plan)
    assert 2000 <= result.plan.kcal <= 2400
    assert result.changes and all("energy range" in c.reason for c in result.changes)
    assert check_plan(shipped, fuller, result.plan) == []


def test_meal_turned_off_goes_and_a_new_one_is_added(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, BASE, START)
    no_lunch = replace(BASE, slots=(Slot.BREAKFAST, Slot.DINNER, Slot.SNACK))
    result = replan_day(shipped, no_lunch, plan)
    slots = [m.slot for m in result.plan.meals]
    assert Slot.LUNCH not in slots and Slot.SNACK in slots
    by_slot = {c.slot: c for c in result.changes}
    assert by_slot[Slot.LUNCH].after is None and by_slot[Slot.SNACK].before is None
    assert result.plan.meal(Slot.DINNER) == plan.meal(Slot.DINNER) or Slot.DINNER in by_slot


def test_eaten_meal_of_a_slot_turned_off_stays(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, BASE, START)
    lunch = plan.meal(Slot.LUNCH)
    assert lunch is not None
    no_lunch = replace(BASE, slots=(Slot.BREAKFAST, Slot.DINNER))
    result = replan_day(shipped, no_lunch, plan, {Slot.LUNCH: lunch.recipe_id})
    assert result.plan.meal(Slot.LUNCH) == lunch


def test_exclusion_names_the_group_the_user_left_out(shipped: RecipeSet) -> None:
    eggs = ids_of(shipped, "eggs")
    recipe = next(r for r in shipped.recipes.values() if r.item_ids & eggs)
    assert excluded_names(shipped, recipe, eggs) == ["eggs"]
    one = sorted(recipe.item_ids & eggs)[0]
    if len(eggs) > 1:  # a single food of the group is named by its own name
        assert excluded_names(shipped, recipe, frozenset({one})) != ["eggs"]


def test_custom_namer_gives_the_users_words(shipped: RecipeSet) -> None:
    eggs = ids_of(shipped, "eggs")
    plan, _ = day_with(shipped, BASE, eggs)
    result = replan_day(
        shipped, replace(BASE, exclude=eggs), plan, name_excluded=lambda _r, _ids: ["🥚 eggs"]
    )
    assert result.changes[0].reason == "it had 🥚 eggs, which you excluded"


@pytest.mark.parametrize("offset", range(6))
def test_replanned_days_keep_every_rule(shipped: RecipeSet, offset: int) -> None:
    day = START + dt.timedelta(days=offset)
    plan = plan_day(shipped, BASE, day)
    after = Profile(diet=Diet.VEGAN, target_ug=3.0, region="eu", exclude=ids_of(shipped, "soy"))
    result = replan_day(shipped, after, plan)
    assert check_plan(shipped, after, result.plan) == []
    assert result.plan.meets_target


def test_kept_ticked_meal_is_reported_once(shipped: RecipeSet) -> None:
    eggs = ids_of(shipped, "eggs")
    plan, egg_slot = day_with(shipped, BASE, eggs)
    meal = plan.meal(egg_slot)
    assert meal is not None
    after = replace(BASE, exclude=eggs)
    first = replan_day(shipped, after, plan, {egg_slot: meal.recipe_id})
    assert first.kept_ticked == (egg_slot,)
    again = replan_day(shipped, after, first.plan, {egg_slot: meal.recipe_id})
    assert again.kept_ticked == () and not again.changed


def test_unreachable_energy_range_keeps_the_day_and_says_so(shipped: RecipeSet) -> None:
    plan = plan_day(shipped, BASE, START)
    lunch, dinner = plan.meal(Slot.LUNCH), plan.meal(Slot.DINNER)
    assert lunch is not None and dinner is not None
    ticked = {m.slot: m.recipe_id for m in plan.meals}  # everything eaten: nothing can move
    result = replan_day(shipped, replace(BASE, kcal_range=(3500.0, 4000.0)), plan, ticked)
    assert [m.recipe_id for m in result.plan.meals] == [m.recipe_id for m in plan.meals]
    assert result.changes == ()
    assert any("outside your range 3500-4000 kcal" in n for n in result.plan.notes)


def test_a_german_user_reads_why_a_meal_changed_in_german(shipped: RecipeSet) -> None:
    eggs = ids_of(shipped, "eggs")
    plan, _slot = day_with(shipped, BASE, eggs)
    with in_language("de"):
        result = replan_day(shipped, replace(BASE, exclude=eggs), plan)
        turned_off = replan_day(shipped, replace(BASE, slots=(Slot.BREAKFAST,)), plan)
    assert result.changes[0].reason == "es enthielt Eier, was Sie ausgeschlossen haben"
    reasons = {c.reason for c in turned_off.changes}
    assert "Sie haben Abendessen abgeschaltet" in reasons
    # English is unchanged
    assert replan_day(shipped, replace(BASE, exclude=eggs), plan).changes[0].reason == (
        "it had eggs, which you excluded"
    )
