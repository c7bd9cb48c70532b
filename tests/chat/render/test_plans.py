"""Message texts and keyboards: what a user reads must match the plan, fit Telegram's limits
and parse as Telegram HTML whatever the data contains."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re

import pytest
from english_check import english_left
from ptb_offline import check_html, visible_text
from translated import in_language

from bot.chat.render.common import render_about, render_help
from bot.chat.render.family import render_share_card, render_week_card
from bot.chat.render.format import (
    CALLBACK_LIMIT,
    callback,
    fmt_day,
    fmt_grams,
    fmt_ug,
    plan_fingerprint,
    plan_meets_target,
    split_message,
)
from bot.chat.render.plans import (
    day_title,
    not_in_plan_line,
    push_title,
    recipe_callback,
    render_plan,
    render_recipe,
    render_share,
    render_week,
)
from bot.chat.render.settings import render_settings
from bot.core import planner
from bot.core.exclusions import profile
from bot.core.i18n import fmt_decimal
from bot.core.languages import localized_name, localized_steps
from bot.core.models import DayPlan, Diet, PlannedMeal, Profile, RecipeSet, Slot, UserSettings
from bot.core.nutrition import absorbed_ug
from bot.core.plan_rules import CLINICIAN_LINE, target_status
from bot.core.planner import plan_day
from bot.core.week import plan_week

DAY = dt.date(2026, 11, 24)


def test_every_recipe_renders_as_valid_html_and_its_button_fits(shipped: RecipeSet) -> None:
    for recipe in shipped.recipes.values():
        text = render_recipe(recipe, shipped, 4)
        check_html(text)
        assert len(text) <= 4096
        assert html.unescape(recipe.name) in visible_text(text)
        assert len(recipe_callback(recipe.id, 12).encode()) <= CALLBACK_LIMIT


def test_callback_refuses_data_over_64_bytes() -> None:
    with pytest.raises(ValueError, match="too long"):
        callback("rec", 1, "x" * 80)


def test_plan_text_matches_the_plan_and_buttons_fit(shipped: RecipeSet) -> None:
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN, slots=tuple(Slot))
    plan = plan_day(shipped, profile(user, shipped), DAY)
    text, markup = render_plan(plan, shipped, user, title="Today")
    check_html(text)
    shown = visible_text(text)
    for meal in plan.meals:
        assert shipped.recipes[meal.recipe_id].name in shown
        assert f"B12 {meal.b12_ug:.1f} µg" in shown
    assert f"B12 {plan.b12_ug:.1f} µg of your 2.4 µg target: met" in shown
    assert f"≈ {plan.b12_absorbed_ug:.1f} µg absorbed" in shown
    for row in markup.inline_keyboard:
        for button in row:
            assert len(str(button.callback_data).encode()) <= CALLBACK_LIMIT
    swap_data = next(b.callback_data for row in markup.inline_keyboard for b in row)
    assert swap_data == f"v1:swap:20261124:{plan.meals[0].slot.value}:{plan_fingerprint(plan)}"


def _meal(shipped: RecipeSet, slot: Slot, **extra: object) -> PlannedMeal:
    recipe = next(r for r in shipped.for_slot(slot))
    return PlannedMeal(
        slot=slot,
        recipe_id=recipe.id,
        servings=1,
        b12_ug=recipe.b12_ug,
        kcal=recipe.per_serving.kcal,
        protein_g=recipe.per_serving.protein_g,
        **extra,  # type: ignore[arg-type]
    )


def test_shortfall_top_up_and_notes_are_shown_with_a_warning(shipped: RecipeSet) -> None:
    topped = _meal(
        shipped,
        Slot.BREAKFAST,
        topup_item="x",
        topup_grams=250,
        topup_b12_ug=1.2,
        topup_label="a glass (250 ml) of <fortified> soy milk",
    )
    topped = dataclasses.replace(topped, b12_ug=1.5)
    plan = DayPlan(
        date=DAY,
        meals=(topped,),
        target_ug=4.0,
        b12_ug=1.5,
        b12_absorbed_ug=0.8,
        kcal=300,
        protein_g=10,
        shortfall_ug=2.5,
        notes=("Add nutritional yeast & soy milk",),
    )
    text, _ = render_plan(plan, shipped, None, title="Today")
    check_html(text)
    shown = visible_text(text)
    assert "⚠️ B12 1.5 µg of your 4.0 µg target: 2.5 µg short" in shown
    assert "plus a glass (250 ml) of <fortified> soy milk (1.2 µg B12 top-up)" in shown
    assert "💡 Add nutritional yeast & soy milk" in shown
    assert "✅" not in shown


def test_week_marks_a_missing_meal_and_a_short_day_and_points_to_the_day(
    shipped: RecipeSet,
) -> None:
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN, slots=tuple(Slot))
    plans = plan_week(shipped, profile(user, shipped), DAY)
    assert all(p.meal(Slot.BREAKFAST) for p in plans) and all(map(plan_meets_target, plans))
    text, _ = render_week(plans, shipped, user)
    assert "⚠️" not in visible_text(text)  # nothing to flag on a week that meets every target
    # day 2 lost its breakfast (no recipe fitted), day 4 falls short of the target
    no_breakfast = dataclasses.replace(
        plans[1], meals=tuple(m for m in plans[1].meals if m.slot != Slot.BREAKFAST)
    )
    short_by = 0.6
    meals = list(plans[3].meals)
    cut = plans[3].b12_ug - (plans[3].target_ug - short_by)  # taken off the richest meal
    richest = max(range(len(meals)), key=lambda i: meals[i].b12_ug)
    meals[richest] = dataclasses.replace(meals[richest], b12_ug=meals[richest].b12_ug - cut)
    short = dataclasses.replace(
        plans[3],
        meals=tuple(meals),
        b12_ug=plans[3].target_ug - short_by,
        shortfall_ug=short_by,
        status=None,
    )
    week = [plans[0], no_breakfast, plans[2], short, *plans[4:]]
    text, _ = render_week(week, shipped, user)
    check_html(text)
    assert all(len(part) <= 4096 for part in split_message(text))
    lines = visible_text(text).splitlines()
    flagged = [i for i, line in enumerate(lines[:-1]) if line.strip().startswith("⚠️")]
    assert len(flagged) == 2
    day_of = {i: max(j for j, line in enumerate(lines[:i]) if "µg (≈" in line) for i in flagged}
    assert fmt_day(no_breakfast.date) in lines[day_of[flagged[0]]]
    assert "no breakfast fits" in lines[flagged[0]]
    assert fmt_day(short.date) in lines[day_of[flagged[1]]]
    assert f"{short_by:.1f} µg short" in lines[flagged[1]]
    assert "the day's plan says why and how to close it" in lines[-1]
    # without the user's meals, the short day is still flagged
    assert "0.6 µg short" in visible_text(render_week(week, shipped, None)[0])


def test_week_share_settings_help_about_are_valid_html(shipped: RecipeSet) -> None:
    user = UserSettings(
        user_id=1, chat_id=1, first_name="<i>Zoë</i> & co", exclude=frozenset({"tofu"})
    )
    plans = plan_week(shipped, profile(user, shipped), DAY)
    week_text, week_markup = render_week(plans, shipped, user)
    share = render_share(plans[0], shipped)
    settings_text, _ = render_settings(user)
    for text in (week_text, share, settings_text, render_help(), render_about()):
        check_html(text)
        assert len(text) <= 4096
    assert sum(len(row) for row in week_markup.inline_keyboard) == 8
    assert "does not treat MS" in visible_text(render_about())
    assert "tofu" in visible_text(settings_text)


# ------------------------------------------------------------------------- dishes outside the plan


def test_several_excluded_foods_are_named_once_each(shipped: RecipeSet) -> None:
    dish = shipped.recipes["spinach_walnut_pesto_pasta"]
    user = UserSettings(
        user_id=1, chat_id=1, diet=Diet.VEGAN, exclude=frozenset({"pasta", "walnuts", "basil"})
    )
    line = not_in_plan_line(dish, shipped, user)
    assert line is not None
    # single foods as the user named them, once each, in one line
    assert line.splitlines()[-1] == "⚠️ contains Basil, Pasta and Walnuts (you excluded them)"
    assert line.count("Walnuts") == 1


# --------------------------------------------------------------------------- top-up amounts


def test_a_top_up_and_the_recipe_round_the_same_weight_alike(shipped: RecipeSet) -> None:
    engine = planner.Planner(shipped)
    yeast = next(
        t
        for t in engine.allowed_topups(Profile(diet=Diet.VEGAN))
        if t.item_id == "nutritional_yeast"
    )
    assert "3.75" in yeast.label  # the planner's own label, as stored in plans
    recipe = shipped.recipes["avocado_toast_nooch"]
    meal = PlannedMeal(
        slot=Slot.BREAKFAST,
        recipe_id=recipe.id,
        servings=1,
        b12_ug=recipe.b12_ug + yeast.b12_ug,
        kcal=recipe.per_serving.kcal,
        protein_g=recipe.per_serving.protein_g,
        topup_item=yeast.item_id,
        topup_grams=yeast.grams,
        topup_b12_ug=yeast.b12_ug,
        topup_label=yeast.label,
    )
    plan = DayPlan(DAY, (meal,), 2.4, meal.b12_ug, 1.0, meal.kcal, meal.protein_g)
    plan_text = visible_text(render_plan(plan, shipped, None, title="Today")[0])
    recipe_text = visible_text(render_recipe(recipe, shipped, 1))
    grams = f"({fmt_grams(yeast.grams)} g)"
    assert grams == "(3.8 g)"
    yeast_name = shipped.ingredients["nutritional_yeast"].name
    assert any(yeast_name in line and grams in line for line in recipe_text.splitlines())
    assert f"plus 1 tbsp {grams} of" in plan_text and "3.75" not in plan_text
    # the planner's note names the same top-up: one rounding in one message
    noted = dataclasses.replace(plan, notes=(f"Added {yeast.label} to breakfast for B12.",))
    noted_text = visible_text(render_plan(noted, shipped, None, title="Today")[0])
    assert noted_text.count(grams) == 2 and "3.75" not in noted_text


def test_millilitres_in_a_top_up_label_are_left_alone(shipped: RecipeSet) -> None:
    engine = planner.Planner(shipped)
    milk = next(
        t
        for t in engine.allowed_topups(Profile(diet=Diet.VEGAN))
        if t.item_id == "soy_milk_fortified"
    )
    recipe = next(iter(shipped.for_slot(Slot.BREAKFAST)))
    meal = PlannedMeal(
        Slot.BREAKFAST, recipe.id, 1, 1.0, 100.0, 5.0,
        topup_item=milk.item_id, topup_grams=milk.grams, topup_b12_ug=milk.b12_ug,
        topup_label=milk.label,
    )  # fmt: skip
    plan = DayPlan(DAY, (meal,), 2.4, 1.0, 0.5, 100.0, 5.0)
    assert milk.label in visible_text(render_plan(plan, shipped, None, title="Today")[0])


def test_rendered_recipe_has_no_long_decimals(shipped: RecipeSet) -> None:
    recipes = shipped
    for recipe in recipes.recipes.values():
        for servings in (1, 3):
            text = visible_text(render_recipe(recipe, recipes, servings))
            assert not re.search(r"\d\.\d\d", text.split("Steps")[0]), recipe.id


def _dinner_only_vegan_day(shipped: RecipeSet, b12: float = 2.4) -> DayPlan:
    """All of the day's B12 in one fortified dinner: the total reaches 2.4 µg, yet only about
    0.8 µg is absorbed (rule: at least 1.2) and only one meal is fortified (vegan rule: 2)."""
    dinner = dataclasses.replace(_meal(shipped, Slot.DINNER), b12_ug=b12, fortified_b12=True)
    return DayPlan(
        date=DAY,
        meals=(dinner,),
        target_ug=2.4,
        b12_ug=b12,
        b12_absorbed_ug=absorbed_ug(b12),
        kcal=dinner.kcal,
        protein_g=dinner.protein_g,
    )


VEGAN = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN)


def test_a_day_that_reaches_the_total_but_misses_a_rule_is_not_met(shipped: RecipeSet) -> None:
    plan = _dinner_only_vegan_day(shipped)
    shown = visible_text(render_plan(plan, shipped, VEGAN, title="Today")[0])
    assert "✅" not in shown and "target: met" not in shown
    assert "⚠️ B12 2.4 µg of your 2.4 µg target: not met — " in shown
    assert "absorbed about 0.8 µg, under half the target (1.2 µg)" in shown
    assert "fortified B12 in 1 meal, not 2" in shown
    # the same day, everywhere it is shown: the week, the share copy and the share card
    week = visible_text(render_week([plan], shipped, VEGAN)[0])
    assert "✅" not in week and "On target 0 of 1 days" in week
    assert "fortified B12 in 1 meal, not 2" in week
    for card in (render_share(plan, shipped, VEGAN), render_share_card(plan, shipped, user=VEGAN)):
        assert "✅" not in card and "⚠️" in card and "fortified B12 in 1 meal" in card
    assert "⚠️" in render_week_card([plan], shipped, user=VEGAN)


def test_a_day_meeting_every_rule_is_met_everywhere(shipped: RecipeSet) -> None:
    plans = plan_week(shipped, profile(VEGAN, shipped), DAY)
    assert all(plan_meets_target(p, VEGAN) for p in plans)
    week = visible_text(render_week(plans, shipped, VEGAN)[0])
    assert "On target 7 of 7 days" in week and "⚠️" not in week
    assert "✅" in render_share_card(plans[0], shipped, user=VEGAN)


@pytest.mark.parametrize("absorption", ["impaired", "injections"])
def test_clinician_managed_days_claim_nothing_from_food(
    shipped: RecipeSet, absorption: str
) -> None:
    user = dataclasses.replace(VEGAN, absorption=absorption)
    plan = plan_day(shipped, profile(user, shipped), DAY)
    shown = visible_text(render_plan(plan, shipped, user, title="Today")[0])
    assert "✅" not in shown and "⚠️" not in shown
    assert "absorbed" not in shown  # no food absorption estimate
    assert CLINICIAN_LINE in shown and "from food" in shown
    week = visible_text(render_week([plan], shipped, user)[0])
    assert "✅" not in week and "On target" not in week and CLINICIAN_LINE in week
    card = render_share_card(plan, shipped, user=user)
    assert "✅" not in card and "⚠️" not in card


def test_over_50_shows_the_fortified_share(shipped: RecipeSet) -> None:
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.OMNIVORE, life_stage="over50")
    plan = plan_day(shipped, profile(user, shipped), DAY)
    status = target_status(plan, profile(user, shipped))
    shown = visible_text(render_plan(plan, shipped, user, title="Today")[0])
    assert f"🥣 {status.fortified_ug:.1f} µg from fortified sources" in shown
    assert "more than half the target, IOM 1998" in shown
    assert ("✅" in shown) is status.met
    younger = dataclasses.replace(user, life_stage="none")
    assert "fortified sources" not in visible_text(
        render_plan(plan, shipped, younger, title="Today")[0]
    )


def test_the_clinician_line_is_said_once(shipped: RecipeSet) -> None:
    user = dataclasses.replace(VEGAN, absorption="impaired")
    plan = plan_day(shipped, profile(user, shipped), DAY)
    shown = visible_text(render_plan(plan, shipped, user, title="Today")[0])
    assert shown.count(CLINICIAN_LINE) == 1


def _german_names(shipped: RecipeSet) -> list[str]:
    """Recipe and food names as a German user reads them (proper names in the check)."""
    return [
        *(localized_name(r, "de") for r in shipped.recipes.values()),
        *(localized_name(i, "de") for i in shipped.ingredients.values()),
    ]


def _short_vegan_dinner(shipped: RecipeSet) -> tuple[UserSettings, DayPlan]:
    """A vegan dinner-only day: a top-up, a missed rule and planner notes to translate."""
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN, slots=(Slot.DINNER,))
    plan = plan_day(shipped, profile(user, shipped), DAY)
    assert plan.meals[0].topup_item and plan.notes  # what the test is about
    return user, plan


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_a_plan_with_a_top_up_and_notes_reads_in_the_users_language(
    shipped: RecipeSet, lang: str
) -> None:
    user, plan = _short_vegan_dinner(shipped)
    english, _ = render_plan(plan, shipped, user, title="Today")
    with in_language(lang):
        text, markup = render_plan(plan, shipped, user, title=day_title(DAY, DAY))
        amount = fmt_ug(plan.b12_ug)
    check_html(text)
    shown = visible_text(text)
    names = [
        *(localized_name(r, lang) for r in shipped.recipes.values()),
        *(localized_name(i, lang) for i in shipped.ingredients.values()),
    ]
    assert english_left(text, names, lang) == []
    assert (
        english_left(" · ".join(b.text for row in markup.inline_keyboard for b in row), names, lang)
        == []
    )
    dinner = shipped.recipes[plan.meals[0].recipe_id]
    assert localized_name(dinner, lang) in shown
    assert f"B12 {amount} µg" in shown and "," in amount  # the local decimal mark
    topup = shipped.ingredients[plan.meals[0].topup_item or ""]
    assert localized_name(topup, lang).lower() in shown.lower()  # the top-up names the food
    assert "💡" in shown and "Added" not in shown  # the planner's notes, translated
    # English reads exactly as before
    assert english == render_plan(plan, shipped, user, title="Today")[0]
    assert "of your 2.4 µg target: not met" in visible_text(english)


def test_a_german_day_title_and_morning_greeting() -> None:
    user = UserSettings(user_id=1, chat_id=1, first_name="Grete")
    with in_language("de"):
        assert day_title(DAY, DAY) == "Heute · Di., 24. Nov."
        assert day_title(DAY, DAY - dt.timedelta(days=1)) == "Morgen · Di., 24. Nov."
        assert push_title(user, DAY) == "☀️ Guten Morgen, Grete! Ihr Plan für Di., 24. Nov."
    assert push_title(user, DAY) == "☀️ Good morning, Grete! Your plan for Tue 24 Nov"


def test_a_german_recipe_card_has_german_steps_and_decimal_commas(shipped: RecipeSet) -> None:
    user, plan = _short_vegan_dinner(shipped)
    meal = plan.meals[0]
    recipe = shipped.recipes[meal.recipe_id]
    with in_language("de"):
        card = render_recipe(recipe, shipped, 2, user, planned=meal)
        b12 = fmt_decimal(meal.b12_ug)
    check_html(card)
    shown = visible_text(card)
    assert english_left(card, _german_names(shipped)) == []
    assert shown.startswith(f"📖 {localized_name(recipe, 'de')}\n2 Portionen")
    for number, step in enumerate(localized_steps(recipe, "de"), start=1):
        assert f"{number}. {step}" in shown
    assert "Zutaten" in shown and "Zubereitung" in shown
    for line in recipe.ingredients:
        assert localized_name(shipped.ingredients[line.item], "de") in shown
    assert re.search(r"\(\d+,\d g\)", shown)  # a weight with a decimal comma
    assert re.search(r"\d (EL|TL) ", shown)  # kitchen spoons in German
    assert f"B12 {b12} µg mit dem Extra" in shown and "," in b12
    # the English card is unchanged: English name, steps and spoons
    english = visible_text(render_recipe(recipe, shipped, 2, user, planned=meal))
    assert recipe.name in english and recipe.steps[0] in english and "tbsp" in english


def test_the_week_and_a_swap_reason_read_german(shipped: RecipeSet) -> None:
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN, slots=tuple(Slot))
    plans = plan_week(shipped, profile(user, shipped), DAY)
    with in_language("de"):
        text, markup = render_week(plans, shipped, user)
    assert english_left(text, _german_names(shipped)) == []
    assert "Ihre Woche" in text and "Di., 24." in [b.text for b in markup.inline_keyboard[0]]
