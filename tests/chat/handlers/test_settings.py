"""/settings, /exclude and /include, pause, /stop, through the real Application offline
(tests/support/ptb_offline.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import (
    OfflineBot,
    answers,
    meal_lines,
    onboard,
    texts,
    visible_text,
)

from bot.chat.jobs.push import run_push_tick_now
from bot.chat.render.format import BUTTON_LABEL_MAX
from bot.core import i18n
from bot.core.recipe_search import match_ingredient, resolve_ingredient

UTC = dt.UTC


async def test_exclude_tofu_then_no_plan_contains_tofu(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    calls = await chat.send("/exclude tofu")
    assert "Left out from now on" in visible_text(texts(calls)[0])
    tofu = set(resolve_ingredient(bot.services.recipes, "tofu"))
    assert tofu
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and tofu <= user.exclude
    await chat.send("/week")
    for i in range(7):
        plan = await bot.services.plans.stored_plan(
            user, dt.date(2026, 11, 24) + dt.timedelta(days=i)
        )
        assert plan is not None
        for meal in plan.meals:
            assert not bot.services.recipes.recipes[meal.recipe_id].item_ids & tofu
    calls = await chat.send("/include tofu")
    assert "Back in your plans" in visible_text(texts(calls)[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and not tofu & user.exclude


async def test_exclude_unknown_word_gets_helpful_reply(bot: OfflineBot) -> None:
    chat = bot.chat()
    shown = visible_text(texts(await chat.send("/exclude flibbertigibbet"))[0])
    assert "I don't know “flibbertigibbet”" in shown and "/exclude tofu" in shown
    close = visible_text(texts(await chat.send("/exclude salmn"))[0])
    # a typo is either resolved or answered with close matches naming salmon
    assert "almon" in close
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None


async def test_settings_meals_toggle_adds_snack_to_plans(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    before = meal_lines(texts(await chat.send("/today"))[0])
    assert "snack" not in before
    await chat.send("/settings")
    await chat.tap("Meals")
    calls = await chat.tap("Snack")
    assert "✅ Snack" in [label for label, _ in calls[-1].buttons]
    after = meal_lines(texts(await chat.send("/today"))[0])
    assert "snack" in after


async def test_pause_and_stop_end_pushes_and_resume_restores(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/settings")
    await chat.tap("Pause")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and not user.push_enabled
    await chat.tap("Resume")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.push_enabled
    calls = await chat.send("/stop")
    assert "/delete" in visible_text(texts(calls)[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and not user.push_enabled and user.onboarded  # data kept
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 31, tzinfo=UTC)  # 07:31 in Berlin
    bot.request.clear()
    await run_push_tick_now(bot.app)
    assert not bot.request.of("sendMessage")


async def test_include_buttons_use_short_names_that_fit_a_phone(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/exclude soya yogurt alternative")
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and "soy_yogurt_fortified" in stored.exclude
    calls = await chat.send("/include")
    labels = [label for label, _ in calls[-1].buttons]
    assert "↩️ Soya yogurt alternative" in labels
    assert all(len(label) <= BUTTON_LABEL_MAX for label in labels)
    calls = await chat.tap("↩️ Soya yogurt alternative")
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and "soy_yogurt_fortified" not in stored.exclude


# --------------------------------------------------------------------------- foods by their names


async def test_settings_and_exclusions_show_names_and_bring_foods_back(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/exclude peanut butter, tofu")
    assert "Left out from now on: Peanut butter; Tofu." in visible_text(texts(calls)[0])
    settings = visible_text(texts(await chat.send("/settings"))[0])
    assert "Excluded: Peanut butter, smooth · Tofu, firm" in settings
    assert "tofu_firm" not in settings and "peanut_butter" not in settings

    calls = await chat.tap("Exclusions")
    screen = visible_text(texts(calls, "editMessageText")[0])
    assert "• Peanut butter, smooth\n• Tofu, firm" in screen
    labels = [
        button["text"] for button in chat.find_button("Tofu")[0].reply_markup["inline_keyboard"][0]
    ]
    assert labels == ["↩️ Peanut butter", "↩️ Tofu"]
    calls = await chat.tap("↩️ Tofu")
    assert answers(calls) == ["Back in your plans: Tofu, firm"]
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.exclude == frozenset({"peanut_butter"})
    screen = visible_text(texts(calls, "editMessageText")[0])
    assert "Tofu" not in screen and "Peanut butter, smooth" in screen
    calls = await chat.tap("↩️ Peanut butter")
    assert "Nothing is left out now." in visible_text(texts(calls, "editMessageText")[0])
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.exclude == frozenset()


async def test_exclude_groups_are_summed_up_with_notes_and_lupin_is_known(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    rs = bot.services.recipes
    soy, gluten = match_ingredient(rs, "soy"), match_ingredient(rs, "gluten")
    assert len(gluten.ids) > 4 and gluten.notes  # a long group, with the oats note
    calls = await chat.send("/exclude soy, gluten, lupin")
    (shown,) = [visible_text(t) for t in texts(calls)]
    assert f"🚫 Left out from now on: soy ({len(soy.ids)} foods: " in shown
    assert f"; gluten ({len(gluten.ids)} foods: " in shown
    # a group is named with a few of its foods, not every one of them
    names = [rs.ingredients[i].name.split(",")[0] for i in gluten.ids]
    assert sum(name in shown for name in names) <= 4
    assert "oats are kept" in shown.lower()
    # lupin is a known allergen group that no recipe food contains: not "I don't know"
    assert "I don't know" not in shown and "lupin (no food in the recipes contains it)" in shown
    stored = await bot.services.store.get_user(chat.user.id)
    # kept as said: the groups (lupin too, so a lupin food added later is left out)
    assert stored is not None
    assert stored.exclude == {"group:soy", "group:gluten", "group:lupin"}

    shown = visible_text(texts(await chat.send("/exclude glutn"))[0])
    assert "I don't know “glutn”. Did you mean: gluten?" in shown
    assert "soy, gluten, nuts" in shown  # the group examples
    after = await bot.services.store.get_user(chat.user.id)
    assert after is not None and after.exclude == stored.exclude

    shown = visible_text(texts(await chat.send("/include soy"))[0])
    assert shown.startswith("✅ Back in your plans: soy.")
    # soy sauce is soy AND gluten: gluten still leaves it out, and the reply says so
    assert "Soy sauce is part of gluten, which you excluded — /include gluten" in shown
    after = await bot.services.store.get_user(chat.user.id)
    assert after is not None and after.exclude == {"group:gluten", "group:lupin"}


async def test_settings_change_region_life_stage_and_absorption(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    text = visible_text(texts(await chat.send("/settings"))[0])
    assert "Food bought in: the EU" in text
    assert "B12 target: 2.4 µg/day (US RDA (adults), IOM 1998 / NIH ODS)" in text
    assert "Life stage: not pregnant, breastfeeding or over 50" in text

    await chat.tap("Food region")
    calls = await chat.tap("🇬🇧 UK")
    assert answers(calls) == ["Food region: 🇬🇧 UK"]
    assert "Food bought in: the UK" in visible_text(texts(calls, "editMessageText")[0])

    calls = await chat.tap("Target · life stage")
    labels = [label for label, _ in calls[-1].buttons]
    assert "⬅️ Back" in labels and any("Pregnant" in label for label in labels)
    calls = await chat.tap("Pregnant · 4.5")
    text = visible_text(texts(calls, "editMessageText")[0])
    assert "leave out liver" in text and "oily fish at most twice" in text
    assert "B12 target: 4.5 µg/day (EU adequate intake (pregnancy), EFSA 2015)" in text
    assert "Life stage: pregnant" in text

    await chat.tap("Absorption")
    calls = await chat.tap("I get B12 injections")
    text = visible_text(texts(calls, "editMessageText")[0])
    assert "Your clinician sets your injections" in text
    assert "B12 absorption: B12 injections" in text

    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    assert (user.region, user.life_stage, user.target_ug, user.absorption) == (
        "uk",
        "pregnant",
        4.5,
        "injections",
    )
    # a typed target keeps the life stage; the summary then names no preset
    await chat.send("/target 3.5")
    text = visible_text(texts(await chat.send("/settings"))[0])
    assert "B12 target: 3.5 µg/day\n" in text and "Life stage: pregnant" in text


async def test_region_elsewhere_stores_no_region(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/settings")
    await chat.tap("Food region")
    await chat.tap("Elsewhere")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.region is None


async def test_an_old_numeric_target_button_still_sets_the_target(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    await chat.send("/settings")
    message = chat.messages()[-1]
    calls = await chat.tap_data("v1:tgt:s:2.8", message)
    assert answers(calls) == ["Target: 2.8 µg a day"]
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 2.8 and user.life_stage == "none"
    calls = await chat.tap_data("v1:tgt:s:no_such_preset", message)
    assert "out of date" in answers(calls)[0]


# --------------------------------------------------------------------------- a day keeps its shape


async def test_eaten_egg_dish_stays_after_exclude_eggs_and_log_shows_that_dish(
    bot: OfflineBot,
) -> None:
    from bot.core.recipe_search import match_ingredient
    from bot.storage.tracking import MealLog

    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    svc = bot.services
    user = await svc.store.get_user(chat.user.id)
    assert user is not None
    eggs = set(match_ingredient(svc.recipes, "eggs").ids)
    start = svc.today(user)
    # the first day (of the next three weeks) with a dish made with eggs
    for offset in range(21):
        day = start + dt.timedelta(days=offset)
        plan = await svc.plans.day_plan(user, day)
        egg_meals = [m for m in plan.meals if svc.recipes.recipes[m.recipe_id].item_ids & eggs]
        if egg_meals:
            break
    else:
        raise AssertionError("no egg dish planned in three weeks")
    eaten = egg_meals[0]
    label = eaten.slot.value.capitalize()
    bot.clock.current = dt.datetime.combine(day, dt.time(10, 0), tzinfo=UTC)  # that day, Berlin
    await chat.send("/today")
    await chat.tap(f"{label} eaten")

    calls = await chat.send("/exclude eggs")
    reply = visible_text(texts(calls)[0])
    assert f"{label} stays" in reply and "you already ticked it" in reply
    user = await svc.store.get_user(chat.user.id)
    assert user is not None
    after = await svc.plans.stored_plan(user, day)
    assert after is not None
    kept = after.meal(eaten.slot)
    assert kept is not None and kept.recipe_id == eaten.recipe_id
    for meal in after.meals:  # every other meal is free of eggs
        if meal.slot != eaten.slot:
            assert not svc.recipes.recipes[meal.recipe_id].item_ids & eggs
    log_text = visible_text(texts(await chat.send("/log"))[0])
    dish = svc.recipes.recipes[eaten.recipe_id].name
    assert f"{label}: {dish} — eaten" in log_text
    today_text = visible_text(texts(await chat.send("/today"))[0])
    assert f"{label}: {dish} — eaten" in today_text
    logs: list[MealLog] = await bot.tracking.meal_logs(chat.user.id, day, day)
    assert [m.recipe_id for m in logs if m.slot == eaten.slot.value] == [eaten.recipe_id]


async def test_exclude_says_which_meal_changed_and_why(bot: OfflineBot) -> None:
    from bot.core.recipe_search import match_ingredient

    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    svc = bot.services
    user = await svc.store.get_user(chat.user.id)
    assert user is not None
    eggs = set(match_ingredient(svc.recipes, "eggs").ids)
    start = svc.today(user)
    for offset in range(21):
        day = start + dt.timedelta(days=offset)
        plan = await svc.plans.day_plan(user, day)
        if any(svc.recipes.recipes[m.recipe_id].item_ids & eggs for m in plan.meals):
            break
    bot.clock.current = dt.datetime.combine(day, dt.time(10, 0), tzinfo=UTC)
    before = await svc.plans.day_plan(user, day)
    reply = visible_text(texts(await chat.send("/exclude eggs"))[0])
    assert "changed: it had eggs, which you excluded" in reply
    user = await svc.store.get_user(chat.user.id)
    assert user is not None
    after = await svc.plans.stored_plan(user, day)
    assert after is not None
    for old, new in zip(before.meals, after.meals, strict=True):
        had_eggs = bool(svc.recipes.recipes[old.recipe_id].item_ids & eggs)
        assert (old.recipe_id == new.recipe_id) != had_eggs  # only the egg meals changed


def use_shipped_catalogues(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shipped catalogue counts as complete, so this feature's German is tested even
    while another feature's texts wait for translation (tests/core/test_i18n.py checks that
    every catalogue is complete)."""
    monkeypatch.setattr(i18n, "_complete", lambda locales_dir: i18n.catalogue_languages())


async def test_a_german_user_sees_settings_and_excludes_soy_in_german(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The /settings screen and its buttons in German; "/exclude Soja" (a German group word)
    leaves out the soy group and answers in German; "/include Soja" brings it back."""
    use_shipped_catalogues(monkeypatch)
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/language de")
    screen = visible_text(texts(await chat.send("/settings"))[0])
    assert "Ihre Einstellungen" in screen and "Ernährung: vegan" in screen
    assert "B12-Ziel: 2,4 µg/Tag" in screen and "Lebensmittel gekauft in: die EU" in screen
    assert "Mahlzeiten: Frühstück, Mittagessen, Abendessen" in screen
    assert "Täglicher Plan: täglich um 07:30" in screen
    assert "Your settings" not in screen and "Daily plan" not in screen
    calls = await chat.send("/exclude Soja, Erdnüsse")
    reply_text = visible_text(texts(calls)[0])
    assert "Ab jetzt weggelassen: Soja (" in reply_text and "Erdnüsse" in reply_text
    assert "Left out" not in reply_text
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and {"group:soy", "group:peanut"} <= user.exclude
    screen = visible_text(texts(await chat.send("/settings"))[0])
    assert "Ausgeschlossen: Erdnüsse · Soja" in screen
    back = visible_text(texts(await chat.send("/include soja"))[0])
    assert "Wieder in Ihren Plänen: Soja" in back
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and "group:soy" not in user.exclude


async def test_exclude_understands_spanish_and_french_food_words(bot: OfflineBot) -> None:
    """Group and food words in Spanish and French, accents optional, whatever the language."""
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/exclude cacahuetes, huevos y oeufs")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and {"group:peanut", "group:egg"} <= user.exclude
    await chat.send("/exclude Sauce soja")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and "soy_sauce" in user.exclude and "group:soy" not in user.exclude


async def test_a_german_target_with_a_decimal_comma_reads_back_with_commas(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "/target 2,5" in German: the reply and the /settings screen write 2,5 (a typed
    target names no preset)."""
    use_shipped_catalogues(monkeypatch)
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/language de")
    set_text = visible_text(texts(await chat.send("/target 2,5"))[0])
    assert "2,5 µg" in set_text and "2.5" not in set_text
    screen = visible_text(texts(await chat.send("/settings"))[0])
    assert "B12-Ziel: 2,5 µg/Tag\n" in screen
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 2.5
