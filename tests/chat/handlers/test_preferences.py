"""Recipe cards with actions through the real handlers offline, buttons only: ♥ favourite is
planned more often than without (the planner is deterministic: counts compare), 🚫 never
suggest leaves today's plan, later plans and swaps, ◀ back and 🔁 swap from the card."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from ptb_offline import OfflineBot, TgUser, answers, meal_lines, onboard, texts, visible_text

from bot.storage.preferences import PreferenceStore

TODAY = dt.date(2026, 11, 24)
DAYS = 28


def edits(calls: list) -> list:
    return [c for c in calls if c.method == "editMessageText"]


async def planned(bot: OfflineBot, user_id: int, start: dt.date, days: int) -> Counter[str]:
    user = await bot.services.store.get_user(user_id)
    assert user is not None
    plans = await bot.services.plans.days(user, start, days)
    return Counter(m.recipe_id for day in plans for m in day.meals)


async def test_favourite_is_planned_more_often_than_without(bot: OfflineBot) -> None:
    fan, other = bot.chat(), bot.chat(TgUser(id=5151, first_name="Ben", username="ben"))
    await onboard(fan, diet="Omnivore")
    await onboard(other, diet="Omnivore")
    await fan.send("/today")
    await other.send("/today")
    lunch = meal_lines(texts(await fan.send("/tomorrow"))[0])["lunch"]
    await other.send("/tomorrow")
    recipe_id = next(r.id for r in bot.services.recipes.recipes.values() if r.name == lunch)
    await fan.tap("Lunch recipe")
    calls = await fan.tap("♡ Favourite")
    assert "favourite" in answers(calls)[0]
    assert "♥ Favourite ✓" in str(edits(calls)[0].params.get("reply_markup"))
    start = TODAY + dt.timedelta(days=2)  # plans made after the tap
    with_fav = await planned(bot, fan.user.id, start, DAYS)
    without = await planned(bot, other.user.id, start, DAYS)
    assert with_fav[recipe_id] > without[recipe_id]
    assert with_fav[recipe_id] <= DAYS // 7 + 1  # still never twice in 7 days
    # tapping again takes the favourite back
    await fan.tap("♥ Favourite ✓")
    prefs = await PreferenceStore(bot.services.store).prefs(fan.user.id)
    assert recipe_id not in prefs.favourites


async def test_never_suggest_removes_the_dish_from_plans_and_swaps(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    lunch = meal_lines(texts(await chat.send("/today"))[0])["lunch"]
    recipe_id = next(r.id for r in bot.services.recipes.recipes.values() if r.name == lunch)
    await chat.tap("Lunch recipe")
    calls = await chat.tap("🚫 Never suggest")
    assert "won't be suggested again" in answers(calls)[0]
    card = edits(calls)[0]
    assert "🚫 Never suggested ✓" in str(card.params.get("reply_markup"))
    back = edits(await chat.tap("Back to plan"))[0]
    assert meal_lines(back.text)["lunch"] != lunch  # today's plan changed at once
    assert recipe_id not in await planned(bot, chat.user.id, TODAY, DAYS)
    for _ in range(8):  # swaps walk every other lunch, never this one
        shown = meal_lines(edits(await chat.tap("Swap lunch"))[0].text)
        assert shown["lunch"] != lunch


async def test_swap_this_meal_from_the_card_shows_the_plan_with_undo(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Pescatarian")
    before = meal_lines(texts(await chat.send("/today"))[0])
    await chat.tap("Dinner recipe")
    card_id = chat.messages()[-1].message_id
    calls = await chat.tap("Swap this meal")
    edited = edits(calls)
    assert len(edited) == 1 and edited[0].params["message_id"] == card_id
    after = meal_lines(edited[0].text)
    assert after["dinner"] != before["dinner"] and after["lunch"] == before["lunch"]
    assert "Undo swap (dinner)" in str(edited[0].params.get("reply_markup"))
    restored = meal_lines(edits(await chat.tap("Undo swap"))[0].text)
    assert restored["dinner"] == before["dinner"]
    assert visible_text(texts(await chat.send("/today"))[0]).count(before["dinner"]) == 1


# --------------------------------------------------------------------------- card and plan


async def test_card_opened_from_a_plan_shows_the_meals_top_up(bot: OfflineBot) -> None:
    from bot.chat.render.format import fmt_ug

    chat = bot.chat()
    await onboard(chat, diet="Vegan", target="3.0")
    await chat.send("/exclude soy, peanuts")  # this set needs nutritional yeast on some days
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    plans = await bot.services.plans.days(user, TODAY, 7)
    day, meal = next((p.date, m) for p in plans for m in p.meals if m.topup_item)
    recipe = bot.services.recipes.recipes[meal.recipe_id]
    label = meal.topup_label.replace("(3.75 g)", "(3.8 g)")  # as every message rounds it
    await chat.send("/week")
    await chat.tap(day.strftime("%a %-d"))
    plan_text = visible_text(chat.messages()[-1].text)
    assert f"➕ plus {label} (" in plan_text and "3.75" not in plan_text

    card = visible_text(texts(await chat.tap(f"{meal.slot.value.capitalize()} recipe"))[0])
    assert f"Per serving: B12 {fmt_ug(meal.b12_ug)} µg with the top-up" in card
    topup_line = next(line for line in card.splitlines() if line.startswith("• ➕"))
    assert topup_line.startswith(f"• ➕ {label}:") and "(3.8 g)" in topup_line
    assert f"{fmt_ug(meal.topup_b12_ug)} µg" in topup_line
    # a tap on the card (one more serving) keeps the top-up
    more = visible_text(edits(await chat.tap("➕ Serving"))[0].text)
    assert "with the top-up" in more and any(x.startswith("• ➕") for x in more.splitlines())

    # /recipe shows the dish alone, as it is
    alone = visible_text(texts(await chat.send(f"/recipe {recipe.name}"))[0])
    assert f"Per serving: B12 {fmt_ug(recipe.b12_ug)} µg ·" in alone
    assert "top-up" not in alone and "• ➕" not in alone


async def test_pregnant_or_breastfeeding_card_says_liver_or_smoked_fish_is_not_advised(
    bot: OfflineBot,
) -> None:
    pregnant = bot.chat()
    await onboard(pregnant, diet="Omnivore", target="Pregnant · 4.5")
    liver = visible_text(texts(await pregnant.send("/recipe liver"))[0]).splitlines()
    assert liver[0] == (
        "🤰 Not advised in pregnancy or while breastfeeding: liver (NHS: too much vitamin A)"
    )
    assert liver[1].startswith("📖 ")
    smoked = visible_text(texts(await pregnant.send("/recipe smoked salmon"))[0])
    assert smoked.splitlines()[0].endswith("cold-smoked or cured fish (FSA/NHS: listeria)")
    porridge = visible_text(texts(await pregnant.send("/recipe porridge"))[0])
    assert "🤰" not in porridge

    feeding = bot.chat(TgUser(id=5252, first_name="Bea", username="bea"))
    await onboard(feeding, diet="Omnivore", target="Breastfeeding · 5.0")
    assert "🤰 Not advised" in texts(await feeding.send("/recipe liver"))[0]

    other = bot.chat(TgUser(id=5353, first_name="Cy", username="cy"))
    await onboard(other, diet="Omnivore")
    assert "🤰" not in texts(await other.send("/recipe liver"))[0]
