"""Message texts and keyboards: what a user reads must match the plan, fit Telegram's limits
and parse as Telegram HTML whatever the data contains."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re

import pytest
from ptb_offline import check_html, visible_text

from bot.chat.render.common import render_about, render_help
from bot.chat.render.format import (
    CALLBACK_LIMIT,
    callback,
    fmt_day,
    fmt_grams,
    plan_fingerprint,
    plan_meets_target,
    split_message,
)
from bot.chat.render.plans import (
    not_in_plan_line,
    recipe_callback,
    render_plan,
    render_recipe,
    render_share,
    render_week,
)
from bot.chat.render.settings import render_settings
from bot.core import planner
from bot.core.models import DayPlan, Diet, PlannedMeal, Profile, RecipeSet, Slot, UserSettings
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
    plan = plan_day(shipped, user.profile(), DAY)
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
    plans = plan_week(shipped, user.profile(), DAY)
    assert all(p.meal(Slot.BREAKFAST) for p in plans) and all(map(plan_meets_target, plans))
    text, _ = render_week(plans, shipped, user)
    assert "⚠️" not in visible_text(text)  # nothing to flag on a week that meets every target
    # day 2 lost its breakfast (no recipe fitted), day 4 falls short of the target
    no_breakfast = dataclasses.replace(
        plans[1], meals=tuple(m for m in plans[1].meals if m.slot != Slot.BREAKFAST)
    )
    short_by = 0.6
    short = dataclasses.replace(
        plans[3], b12_ug=plans[3].target_ug - short_by, shortfall_ug=short_by
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
    plans = plan_week(shipped, user.profile(), DAY)
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
    assert {"tree_nut", "nuts"} <= shipped.ingredients["walnuts"].groups
    # allergen groups only: "nuts" is a food group, so walnuts show "(tree nut)" alone
    assert "Basil and Pasta (gluten, wheat) and Walnuts (tree nut) — you left them out" in line


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
