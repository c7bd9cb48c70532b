"""Recipe preferences as the planner sees them (bot.core.preferences): a cooking-time limit
and 🚫 never-suggest recipes hidden from plans and swaps, ♥ favourites planned more often."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

from bot.core.models import Diet, RecipeSet, Slot, UserSettings
from bot.core.plan_rules import check_plan
from bot.core.planner import plan_day
from bot.core.preferences import (
    RecipePrefs,
    for_user,
    hidden_reason,
    raised_limits,
    restricted,
    slot_limits,
)
from bot.core.replan import replan_day
from bot.core.swap import swap
from bot.core.week import plan_days

START = dt.date(2026, 11, 1)
USER = UserSettings(user_id=1, chat_id=1, diet=Diet.OMNIVORE, target_ug=2.4, region="eu")


def test_nothing_to_hide_keeps_the_same_set(shipped: RecipeSet) -> None:
    assert restricted(shipped) is shipped
    assert restricted(shipped, None, frozenset({"no_such_recipe"})) is shipped


def test_restricted_sets_are_cached_and_name_why(shipped: RecipeSet) -> None:
    never = frozenset({next(iter(sorted(shipped.recipes)))})
    one = restricted(shipped, 30, never)
    assert restricted(shipped, 30, never) is one
    assert never <= one.hidden
    slow = next(r for r in shipped.recipes.values() if r.time_min > 30 and r.id not in never)
    assert slow.id in one.hidden
    assert hidden_reason(one, next(iter(never))) == "you asked never to see it again"
    assert hidden_reason(one, slow.id) == f"it takes {slow.time_min} min, over your 30 min limit"
    assert hidden_reason(shipped, slow.id) is None


def test_a_week_under_a_cooking_time_limit_keeps_every_meal_and_rule(shipped: RecipeSet) -> None:
    for diet in Diet:
        user = replace(USER, diet=diet, max_cook_min=15)
        recipes, person = for_user(shipped, user)
        limits = slot_limits(recipes, 15, person, frozenset())
        for day in plan_days(recipes, person, START, 7):
            assert {m.slot for m in day.meals} == set(person.slots)
            assert all(recipes.recipes[m.recipe_id].time_min <= limits[m.slot] for m in day.meals)
            assert check_plan(recipes, person, day) == []


def test_a_meal_with_too_few_quick_dishes_gets_the_quickest_few(shipped: RecipeSet) -> None:
    user = replace(USER, diet=Diet.VEGETARIAN, max_cook_min=15)
    raised = raised_limits(shipped, user, RecipePrefs())
    assert set(raised) == {Slot.DINNER} and raised[Slot.DINNER] > 15
    assert raised_limits(shipped, replace(user, max_cook_min=None), RecipePrefs()) == {}


def test_never_suggested_is_never_planned_or_swapped_in(shipped: RecipeSet) -> None:
    recipes, person = for_user(shipped, USER)
    baseline = Counter(m.recipe_id for d in plan_days(recipes, person, START, 14) for m in d.meals)
    banned = baseline.most_common(1)[0][0]
    mine, person = for_user(shipped, USER, RecipePrefs(never=frozenset({banned})))
    days = plan_days(mine, person, START, 28)
    assert all(m.recipe_id != banned for d in days for m in d.meals)
    plan = days[0]
    for slot in (m.slot for m in plan.meals):
        for _ in range(6):
            plan = swap(mine, person, plan, slot)
            assert plan.meal(slot).recipe_id != banned  # type: ignore[union-attr]


def test_never_suggest_replaces_a_stored_meal_and_says_why(shipped: RecipeSet) -> None:
    recipes, person = for_user(shipped, USER)
    plan = plan_day(recipes, person, START)
    banned = plan.meals[1]
    mine, person = for_user(shipped, USER, RecipePrefs(never=frozenset({banned.recipe_id})))
    result = replan_day(mine, person, plan)
    assert result.plan.meal(banned.slot).recipe_id != banned.recipe_id  # type: ignore[union-attr]
    assert [c.reason for c in result.changes] == ["you asked never to see it again"]
    assert result.plan.meals[0] == plan.meals[0]  # the other meals stay


def test_a_favourite_is_planned_more_often_and_never_twice_a_week(shipped: RecipeSet) -> None:
    recipes, person = for_user(shipped, USER)
    days = 28
    baseline = Counter(
        m.recipe_id for d in plan_days(recipes, person, START, days) for m in d.meals
    )
    rare = sorted(
        (r.id for r in recipes.for_slot(Slot.LUNCH) if USER.diet.allows(r.diet)),
        key=lambda rid: (baseline[rid], rid),
    )[0]
    fav_set, fav_person = for_user(shipped, USER, RecipePrefs(favourites=frozenset({rare})))
    planned = plan_days(fav_set, fav_person, START, days)
    with_fav = Counter(m.recipe_id for d in planned for m in d.meals)
    assert with_fav[rare] > baseline[rare]
    assert with_fav[rare] <= days // 7 + 1
    assert all(check_plan(fav_set, fav_person, d) == [] for d in planned)
