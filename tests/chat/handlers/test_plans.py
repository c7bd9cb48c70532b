"""Plans through the real Application offline: /today, swaps, out-of-date buttons, /week and
/recipe, with real handlers, store and recipes, PTB's HTTP layer replaced by a
recorder (tests/support/ptb_offline.py) and a controlled clock."""

from __future__ import annotations

import datetime as dt

from english_check import english_left
from ptb_offline import (
    OfflineBot,
    TgUser,
    answers,
    meal_lines,
    onboard,
    texts,
    visible_text,
)

from bot.chat.render.format import format_quantity
from bot.core.exclusions import profile
from bot.core.languages import localized_name
from bot.core.plan_rules import check_plan
from bot.core.servings import kitchen_measure


async def test_today_shows_meals_and_total_vs_target_and_meets_it(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    calls = await chat.send("/today")
    text = texts(calls)[0]
    shown = visible_text(text)
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    day = dt.date(2026, 11, 24)
    plan = await bot.services.plans.day_plan(user, day)
    for meal in plan.meals:
        assert bot.services.recipes.recipes[meal.recipe_id].name in shown
    assert f"B12 {plan.b12_ug:.1f} µg of your 2.4 µg target" in shown
    assert "✅" in shown and "absorbed" in shown
    history = await bot.services.store.recent_recipe_ids(f"u:{user.user_id}", day, 7)
    recipes = bot.services.recipes
    assert check_plan(recipes, profile(user, recipes), plan, history) == []
    labels = [label for label, _ in calls[-1].buttons]
    assert {"🔁 Swap breakfast", "📖 Lunch recipe", "🛒 Shopping list", "📤 Share"} <= set(labels)


async def test_swap_edits_in_place_and_today_remembers_it(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    first = await chat.send("/today")
    message_id = chat.messages()[-1].message_id
    before = meal_lines(texts(first)[0])

    calls = await chat.tap("Swap lunch")
    edits = calls_of(calls, "editMessageText")
    assert len(edits) == 1 and edits[0].params["message_id"] == message_id
    assert not calls_of(calls, "sendMessage")
    after = meal_lines(edits[0].text)
    assert after["lunch"] != before["lunch"]
    assert after["breakfast"] == before["breakfast"] and after["dinner"] == before["dinner"]
    assert after["lunch"] in answers(calls)[0]

    again = meal_lines(texts(await chat.send("/today"))[0])
    assert again == after


def calls_of(calls: list, method: str) -> list:
    return [c for c in calls if c.method == method]


async def test_button_from_yesterday_says_out_of_date(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    bot.clock.advance(days=1)
    calls = await chat.tap("Swap dinner")
    assert "out of date" in answers(calls)[0]
    assert not calls_of(calls, "editMessageText")


async def test_button_of_changed_plan_says_so_and_shows_current_plan(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    calls = await chat.send("/today")
    old_lunch = meal_lines(texts(calls)[0])["lunch"]
    recipes = bot.services.recipes
    lunch_recipe = next(r for r in recipes.recipes.values() if r.name == old_lunch)
    # leave out the lunch's main ingredient: the stored plan is replanned without it
    main = max(lunch_recipe.grams_per_serving, key=lunch_recipe.grams_per_serving.get)
    await chat.send(f"/exclude {recipes.ingredients[main].name}")
    calls = await chat.tap("Swap lunch")
    assert "out of date" in answers(calls)[0]
    edited = meal_lines(texts(calls, "editMessageText")[0])
    assert edited["lunch"] != old_lunch


async def test_week_shows_seven_days_with_totals(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    calls = await chat.send("/week")
    shown = visible_text(texts(calls)[0])
    days = [dt.date(2026, 11, 24) + dt.timedelta(days=i) for i in range(7)]
    for day in days:
        assert day.strftime("%a %-d %b") in shown
    assert "On target 7 of 7 days" in shown
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    for day in days:  # the week is stored: /today later shows the same day
        stored = await bot.services.plans.stored_plan(user, day)
        assert stored is not None and f"{stored.b12_ug:.1f} µg" in shown
    labels = [label for label, _ in calls[-1].buttons]
    assert len(labels) == 8 and "Shopping for 7 days" in labels[-1]


async def test_recipe_fuzzy_match_shows_scaled_recipe(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    recipes = bot.services.recipes
    target = next(r for r in recipes.recipes.values() if "porridge" in r.name.lower())
    typo = target.name.lower().replace("porridge", "porrige")
    shown = visible_text(texts(await chat.send(f"/recipe {typo}"))[0])
    assert target.name in shown
    assert (
        f"B12 {target.b12_ug:.1f} µg" in shown and f"{round(target.per_serving.kcal)} kcal" in shown
    )
    assert target.steps[0] in shown
    nothing = visible_text(texts(await chat.send("/recipe xyzzyqq"))[0])
    assert "no recipe matching" in nothing


async def test_recipe_card_plus_and_minus_rescale_in_kitchen_amounts(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    first = meal_lines(texts(await chat.send("/today"))[0])
    opened = await chat.tap("Breakfast recipe")
    card = visible_text(texts(opened)[0])
    recipe = next(r for r in bot.services.recipes.recipes.values() if r.name == first["breakfast"])
    assert recipe.name in card and "1 serving" in card
    card_id = chat.messages()[-1].message_id
    calls = await chat.tap("➕ Serving")
    edits = [c for c in calls if c.method == "editMessageText"]
    assert len(edits) == 1 and edits[0].params["message_id"] == card_id
    shown = visible_text(edits[0].text)
    assert "2 servings" in shown
    for line in recipe.ingredients:  # the recipe's amounts for 2 servings, as a cook measures
        name = bot.services.recipes.ingredients[line.item].name
        measured = kitchen_measure(line.amount * 2 / recipe.servings, line.unit)
        assert f"{format_quantity(*measured)} {name}" in shown
    back = visible_text(
        next(c for c in await chat.tap("➖ Serving") if c.method == "editMessageText").text
    )
    assert "1 serving" in back and "⅛" not in back


async def test_a_dish_with_an_excluded_group_names_the_group(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/exclude gluten")
    shown = visible_text(texts(await chat.send("/recipe pesto pasta"))[0])
    # named as the user said it, not as the foods it covers
    assert "⚠️ contains gluten (you excluded it)" in shown.splitlines()


async def test_recipe_outside_the_diet_or_exclusions_says_so(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    shown = visible_text(texts(await chat.send("/recipe salmon"))[0])
    assert "Not in your plan: contains fish (you're vegan)." in shown
    recipes = bot.services.recipes
    vegan = next(r for r in recipes.recipes.values() if r.diet.value == "vegan")
    shown = visible_text(texts(await chat.send(f"/recipe {vegan.name}"))[0])
    assert vegan.name in shown and "Not in your plan" not in shown
    tofu_dish = next(r for r in recipes.recipes.values() if "tofu_firm" in r.item_ids)
    await chat.send("/exclude tofu")
    shown = visible_text(texts(await chat.send(f"/recipe {tofu_dish.name}"))[0])
    assert "⚠️ contains Tofu (you excluded it)" in shown


def _german_breakfast(text: str) -> str:
    """The breakfast dish of a German plan as the user reads it."""
    line = next(x for x in visible_text(text).splitlines() if "Frühstück: " in x)
    return line.split("Frühstück: ", 1)[1].strip()


async def test_a_german_user_gets_today_a_swap_and_a_recipe_card_in_german(
    bot: OfflineBot,
) -> None:
    chat = bot.chat(TgUser(id=81, first_name="Grete"))
    await onboard(chat, diet="Vegan")
    await chat.send("/language de")
    recipes = bot.services.recipes
    names = [
        *(localized_name(r, "de") for r in recipes.recipes.values()),
        *(localized_name(i, "de") for i in recipes.ingredients.values()),
    ]
    text = texts(await chat.send("/today"))[0]
    shown = visible_text(text)
    assert shown.startswith("Heute · ") and "von Ihrem Ziel 2,4 µg" in shown
    assert english_left(text, names) == []
    before = _german_breakfast(text)

    calls = await chat.tap("Frühstück tauschen")
    answer = answers(calls)[0]
    assert answer.startswith("Frühstück getauscht: ")
    edited = next(c for c in calls if c.method == "editMessageText")
    assert _german_breakfast(edited.text) != before
    assert answer.endswith(_german_breakfast(edited.text))
    assert english_left(edited.text, names) == []

    card = texts(await chat.tap("Rezept Frühstück"))[0]
    assert "<b>Zutaten</b>" in card and "<b>Zubereitung</b>" in card
    assert english_left(card, names) == []
