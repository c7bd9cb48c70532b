"""😴 Tired today and the max cooking time, through the real handlers offline, buttons only:
the remaining meals get the quickest dishes that keep the target, ticked meals stay, and a
cooking-time limit chosen in /settings holds for a week of plans."""

from __future__ import annotations

import datetime as dt

from ptb_offline import OfflineBot, answers, meal_lines, onboard, texts, visible_text

from bot.core.exclusions import profile
from bot.core.models import Slot
from bot.core.plan_rules import target_status
from bot.core.preferences import for_user, slot_limits

TODAY = dt.date(2026, 11, 24)


def edits(calls: list) -> list:
    return [c for c in calls if c.method == "editMessageText"]


async def test_tired_today_replans_the_rest_with_quick_dishes_and_keeps_the_target(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    await chat.send("/today")
    await chat.tap("Breakfast eaten")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    recipes = bot.services.recipes.recipes
    before = await bot.services.plans.day_plan(user, TODAY)
    rest_before = [
        recipes[m.recipe_id].time_min for m in before.meals if m.slot.value != "breakfast"
    ]

    calls = await chat.tap("Tired today")
    assert "Quick meals" in answers(calls)[0], answers(calls)
    shown = meal_lines(edits(calls)[0].text)
    after = await bot.services.plans.day_plan(user, TODAY)
    assert after.meal(before.meals[0].slot) == before.meals[0]  # the eaten breakfast stays
    assert shown["breakfast"].startswith(recipes[before.meals[0].recipe_id].name)
    rest_after = [recipes[m.recipe_id].time_min for m in after.meals if m.slot.value != "breakfast"]
    assert max(rest_after) < max(rest_before), (answers(calls), rest_before, rest_after)
    _, person = for_user(bot.services.recipes, user)
    assert target_status(after, person).met
    # nothing quicker that keeps the target exists: every quicker limit leaves no such day
    again = await chat.tap("Tired today")
    assert "No quicker meals keep your" in answers(again)[0]
    assert await bot.services.plans.day_plan(user, TODAY) == after


async def test_max_cooking_time_from_settings_holds_for_a_week(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    await chat.send("/today")
    await chat.send("/settings")
    await chat.tap("Cooking time")
    calls = await chat.tap("15 min")
    reply = next(visible_text(t) for t in texts(calls) if "Max cooking time: 15 min" in t)
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.max_cook_min == 15
    # no vegetarian dinner takes 15 min or less: dinner keeps the quickest few, and says so
    limits = slot_limits(bot.services.recipes, 15, profile(user, bot.services.recipes), frozenset())
    assert limits[Slot.BREAKFAST] == limits[Slot.LUNCH] == 15 and limits[Slot.DINNER] > 15
    assert f"dinner may take up to {limits[Slot.DINNER]} min" in reply
    await chat.send("/week")
    recipes = bot.services.recipes.recipes
    week = await bot.services.plans.days(user, TODAY, 7)
    for day in week:
        assert {m.slot for m in day.meals} == set(user.slots)  # no meal dropped
        assert all(recipes[m.recipe_id].time_min <= limits[m.slot] for m in day.meals)
    _, person = for_user(bot.services.recipes, user)
    assert all(target_status(day, person).met for day in week)
    # swaps keep the limit too
    for _ in range(4):
        await chat.tap("Swap lunch")
    plan = await bot.services.plans.day_plan(user, TODAY)
    assert all(recipes[m.recipe_id].time_min <= limits[m.slot] for m in plan.meals)
    await chat.send("/settings")
    await chat.tap("Cooking time")
    await chat.tap("Any")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.max_cook_min is None
