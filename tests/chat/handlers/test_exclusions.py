"""Allergies and foods a user avoids, through the real Application offline
(tests/support/ptb_offline.py): /exclude and /include keep groups as said, food emoji, the
onboarding allergy step, and the warning on every recipe view (old 📖 buttons, kept meals,
inline results)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ptb_offline import OfflineBot, OfflineChat, answers, inline, onboard, texts, visible_text

from bot.chat.render.plans import recipe_callback
from bot.core.exclusions import ALLERGEN_CHOICES, group_label
from bot.core.models import DayPlan, RecipeSet, UserSettings
from bot.core.plan_codec import plan_to_dict
from bot.services.plans import owner_key

SOY_WARNING = "⚠️ contains soy (you excluded it)"


def soy_foods(rs: RecipeSet) -> set[str]:
    return {i.id for i in rs.ingredients.values() if "soy" in i.groups}


async def stored_user(bot: OfflineBot, chat: OfflineChat) -> UserSettings:
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    return user


async def week_items(bot: OfflineBot, user: UserSettings) -> set[str]:
    """Every ingredient of the user's next 7 stored days (recipes and top-ups)."""
    rs = bot.services.recipes
    items: set[str] = set()
    start = bot.services.today(user)
    for plan in await bot.services.plans.days(user, start, 7):
        for meal in plan.meals:
            items |= rs.recipes[meal.recipe_id].item_ids
            items |= {meal.topup_item} if meal.topup_item else set()
    return items


async def test_excluding_soy_and_gluten_then_including_gluten_keeps_soy_sauce_out(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    await chat.send("/exclude soy, gluten")
    assert (await stored_user(bot, chat)).exclude == {"group:soy", "group:gluten"}
    shown = visible_text(texts(await chat.send("/include gluten"))[0])
    assert shown.startswith("✅ Back in your plans: gluten.")
    assert "Soy sauce is part of soy, which you excluded — /include soy to allow all of it." in (
        shown
    )
    user = await stored_user(bot, chat)
    assert user.exclude == {"group:soy"}
    assert not await week_items(bot, user) & soy_foods(bot.services.recipes)


async def test_including_tofu_while_soy_is_excluded_names_the_group(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/exclude soy")
    shown = visible_text(texts(await chat.send("/include tofu"))[0])
    assert shown == "Tofu is part of soy, which you excluded — /include soy to allow all of it."
    assert (await stored_user(bot, chat)).exclude == {"group:soy"}


async def test_food_emoji_are_understood_by_exclude_and_include(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send("/exclude 🥜🌾"))[0])
    assert "Left out from now on: peanuts (" in shown and "gluten (" in shown
    assert "I don't know" not in shown
    assert (await stored_user(bot, chat)).exclude == {"group:peanut", "group:gluten"}
    await chat.send("/include 🌾")
    assert (await stored_user(bot, chat)).exclude == {"group:peanut"}


async def test_a_soy_allergic_vegans_first_plan_has_no_soy(bot: OfflineBot) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Vegan")
    await chat.tap("3.0")
    await chat.tap("None of these")
    await chat.tap("Berlin")
    calls = await chat.tap("EU")
    question = visible_text(texts(calls, "editMessageText")[0])
    assert "Anything you can't or won't eat?" in question
    labels = [label for label, _ in calls[-1].buttons]
    assert {"Soy", "🥜 Peanuts", "🌰 Tree nuts", "Sesame", "Lupin", "None, go on ▶️"} <= set(labels)
    calls = await chat.tap("Soy")
    assert answers(calls) == ["Soy: left out"]
    assert "✅ Soy" in [label for label, _ in calls[-1].buttons]
    assert "Done ▶️" in [label for label, _ in calls[-1].buttons]
    await chat.tap("Peanuts")
    calls = await chat.tap("✅ Peanuts")  # a second tap brings peanuts back
    assert answers(calls) == ["Peanuts: back in your plans"]
    calls = await chat.tap("Done")
    assert "When should your plan arrive" in visible_text(texts(calls, "editMessageText")[0])
    await chat.tap("07:30")
    user = await stored_user(bot, chat)
    assert user.onboarded and user.exclude == {"group:soy"}
    await chat.send("/today")
    plan = await bot.services.plans.stored_plan(user, bot.services.today(user))
    assert plan is not None and plan.meals
    rs = bot.services.recipes
    for meal in plan.meals:
        assert not rs.recipes[meal.recipe_id].item_ids & soy_foods(rs)
        assert meal.topup_item not in soy_foods(rs)  # no glass of soy milk either


async def soy_meal_kept(bot: OfflineBot, chat: OfflineChat) -> tuple[DayPlan, str]:
    """Today's stored plan with its lunch made a soy dish, as a plan kept from before an
    exclusion would be (an eaten meal stays); returns the plan and the soy recipe id."""
    rs = bot.services.recipes
    user = await stored_user(bot, chat)
    day = bot.services.today(user)
    plan = await bot.services.plans.day_plan(user, day)
    soy_dish = next(r for r in rs.recipes.values() if "tofu_firm" in r.item_ids)
    meals = tuple(
        dataclasses.replace(m, recipe_id=soy_dish.id) if i == 1 else m
        for i, m in enumerate(plan.meals)
    )
    kept = dataclasses.replace(plan, meals=meals)
    await bot.services.store.save_plan(owner_key(user), day, plan_to_dict(kept))
    return kept, soy_dish.id


async def test_every_recipe_view_warns_about_an_excluded_food(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    await chat.send("/today")
    old_message, _ = chat.find_button("Lunch recipe")  # a plan message from before
    await chat.send("/exclude soy")
    _, soy_id = await soy_meal_kept(bot, chat)

    today = visible_text(texts(await chat.send("/today"))[0])
    assert f"      {SOY_WARNING}" in today.splitlines()

    # a 📖 button on the old message: the user's exclusions as they are now
    calls = await chat.tap_data(recipe_callback(soy_id), old_message)
    shown = visible_text(texts(calls)[0])
    assert SOY_WARNING in shown.splitlines()
    assert any(
        line.startswith("• ") and "Tofu" in line and "⚠️" in line for line in shown.split("\n")
    )

    recipe = visible_text(texts(await chat.send(f"/recipe {soy_id}"))[0])
    assert SOY_WARNING in recipe.splitlines()

    # inline mode: the sender sees it in the result; the card others get names no exclusion
    results = await inline(chat)
    assert results[0]["description"].startswith(SOY_WARNING)
    assert results[1]["description"].startswith(SOY_WARNING)  # the week holds that day too
    card = results[0]["input_message_content"]["message_text"]
    assert "excluded" not in card and "⚠️ contains" not in card


async def test_exclusions_stored_as_food_ids_before_groups_still_hold(bot: OfflineBot) -> None:
    """Users who excluded soy before groups were kept have the soy foods' ids stored."""
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    rs = bot.services.recipes
    old = frozenset(soy_foods(rs))
    await bot.services.users.update(chat.user.id, exclude=old)
    await bot.services.plans.settings_changed(await stored_user(bot, chat))
    user = await stored_user(bot, chat)
    assert not await week_items(bot, user) & old
    settings = visible_text(texts(await chat.send("/settings"))[0])
    assert "Tofu, firm" in settings and "tofu_firm" not in settings
    shown = visible_text(texts(await chat.send("/include soy"))[0])
    assert shown.startswith("✅ Back in your plans: ") and "Tofu" in shown
    assert (await stored_user(bot, chat)).exclude == frozenset()


async def test_the_exclusions_screen_brings_back_a_group_as_a_group(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/exclude soy, gluten, tofu")
    calls = await chat.send("/exclude")
    labels = [label for label, _ in calls[-1].buttons]
    assert labels[:3] == ["↩️ gluten", "↩️ soy", "↩️ Tofu"]  # groups first, then foods
    calls = await chat.tap("↩️ gluten")
    assert answers(calls) == ["Back in your plans: gluten"]
    user = await stored_user(bot, chat)
    assert user.exclude == {"group:soy", *(t for t in user.exclude if t.startswith("tofu"))}
    assert "soy_sauce" not in user.exclude and "group:gluten" not in user.exclude


async def test_old_dates_do_not_matter_for_the_recipe_warning(bot: OfflineBot) -> None:
    """A 📖 button carries no date: a week-old message still warns."""
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    await chat.send("/today")
    old_message, _ = chat.find_button("Lunch recipe")
    bot.clock.current += dt.timedelta(days=7)
    await chat.send("/exclude soy")
    soy_dish = next(r for r in bot.services.recipes.recipes.values() if "edamame" in r.item_ids)
    calls = await chat.tap_data(recipe_callback(soy_dish.id, 2), old_message)
    assert SOY_WARNING in visible_text(texts(calls)[0]).splitlines()


async def test_allergen_toggles_are_reachable_from_settings(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/settings")
    await chat.tap("Exclusions")
    calls = await chat.tap("Allergens")
    assert "Anything you can't or won't eat?" in visible_text(texts(calls, "editMessageText")[0])
    await chat.tap("Sesame")
    calls = await chat.tap("Done")
    menu = visible_text(texts(calls, "editMessageText")[0])
    assert "Excluded: sesame" in menu
    assert (await stored_user(bot, chat)).exclude == {"group:sesame"}


async def test_an_allergen_toggled_in_settings_leaves_todays_plan_and_says_so(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    await chat.send("/today")
    rs = bot.services.recipes
    user = await stored_user(bot, chat)
    plan = await bot.services.plans.stored_plan(user, bot.services.today(user))
    assert plan is not None
    items = set().union(*(rs.recipes[m.recipe_id].item_ids for m in plan.meals))
    group = next(
        g for g, _ in ALLERGEN_CHOICES if any(g in rs.ingredients[i].groups for i in items)
    )
    await chat.send("/settings")
    await chat.tap("Exclusions")
    bare = visible_text(texts(await chat.tap("Allergens"), "editMessageText")[0])
    calls = await chat.tap(group_label(group).capitalize())
    shown = visible_text(texts(calls, "editMessageText")[0])
    assert shown.startswith(bare.split("\n")[0])
    assert " changed: " in shown  # what today's plan changed, and why
    user = await stored_user(bot, chat)
    after = await bot.services.plans.stored_plan(user, bot.services.today(user))
    assert after is not None
    for meal in after.meals:
        assert not any(
            group in rs.ingredients[i].groups for i in rs.recipes[meal.recipe_id].item_ids
        )
