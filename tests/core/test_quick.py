"""Tired today (bot.core.quick): the remaining meals get the quickest dishes that keep every
rule; ticked meals stay; when nothing quicker keeps the target, nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.models import Diet, Profile, RecipeSet, Slot
from bot.core.plan_rules import check_plan
from bot.core.planner import plan_day
from bot.core.quick import cook_minutes, quick_day

START = dt.date(2026, 11, 1)


@pytest.mark.parametrize("diet", list(Diet))
def test_remaining_meals_get_quicker_dishes_and_every_rule_holds(
    shipped: RecipeSet, diet: Diet
) -> None:
    person = Profile(diet=diet, target_ug=2.4, region="eu")
    for offset in range(5):
        plan = plan_day(shipped, person, START + dt.timedelta(days=offset))
        ticked = {Slot.BREAKFAST: None}
        result = quick_day(shipped, person, plan, ticked)
        assert result.remaining == tuple(m.slot for m in plan.meals if m.slot not in ticked)
        rest = [m for m in plan.meals if m.slot not in ticked]
        assert (result.longest_before, result.minutes_before) == cook_minutes(shipped, rest)
        if result.plan is None:
            continue
        new = result.plan
        assert new.meal(Slot.BREAKFAST) == plan.meal(Slot.BREAKFAST)
        assert {m.slot for m in new.meals} == {m.slot for m in plan.meals}
        assert check_plan(shipped, person, new) == []
        after = [m for m in new.meals if m.slot not in ticked]
        assert (result.longest_after, result.minutes_after) == cook_minutes(shipped, after)
        assert (result.longest_after, result.minutes_after) < (
            result.longest_before,
            result.minutes_before,
        )


def test_no_quicker_day_keeping_the_target_changes_nothing(shipped: RecipeSet) -> None:
    # the quickest day is planned by the first tap: a second finds nothing quicker
    person = Profile(diet=Diet.OMNIVORE, target_ug=2.4, region="eu")
    plan = plan_day(shipped, person, START)
    quick = quick_day(shipped, person, plan, {})
    assert quick.plan is not None
    again = quick_day(shipped, person, quick.plan, {})
    assert again.plan is None  # already the quickest: said honestly, plan kept
    assert again.longest_before == quick.longest_after


def test_every_meal_ticked_leaves_nothing_to_replan(shipped: RecipeSet) -> None:
    person = Profile(diet=Diet.VEGAN, target_ug=3.0, region="uk")
    plan = plan_day(shipped, person, START)
    result = quick_day(shipped, person, plan, dict.fromkeys((m.slot for m in plan.meals), None))
    assert result.plan is None and result.remaining == ()


def test_a_target_no_day_reaches_keeps_the_plan(shipped: RecipeSet) -> None:
    # 60 µg a day is out of reach of any plan: no quick day can keep it, so none is offered
    person = Profile(diet=Diet.VEGAN, target_ug=60.0, region="eu")
    plan = plan_day(shipped, person, START)
    assert plan.status is not None and not plan.status.met
    result = quick_day(shipped, person, plan, {})
    assert result.plan is None
    assert result.longest_before == cook_minutes(shipped, plan.meals)[0] > 0
