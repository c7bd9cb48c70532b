"""Message texts and keyboards: what a user reads must match the plan, fit Telegram's limits
and parse as Telegram HTML whatever the data contains."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import pytest
from ptb_offline import check_html, visible_text

from bot.chat.render.plans import (
    CALLBACK_LIMIT,
    callback,
    fmt_day,
    plan_fingerprint,
    plan_meets_target,
    recipe_callback,
    render_about,
    render_help,
    render_plan,
    render_recipe,
    render_settings,
    render_share,
    render_week,
    split_message,
)
from bot.core import planner
from bot.core.models import DayPlan, Diet, PlannedMeal, RecipeSet, Slot, UserSettings
from bot.core.recipes import load_recipes

DAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def recipes() -> RecipeSet:
    return load_recipes()


def test_every_recipe_renders_as_valid_html_and_its_button_fits(recipes: RecipeSet) -> None:
    for recipe in recipes.recipes.values():
        text = render_recipe(recipe, recipes, 4)
        check_html(text)
        assert len(text) <= 4096
        assert html.unescape(recipe.name) in visible_text(text)
        assert len(recipe_callback(recipe.id, 12).encode()) <= CALLBACK_LIMIT


def test_callback_refuses_data_over_64_bytes() -> None:
    with pytest.raises(ValueError, match="too long"):
        callback("rec", 1, "x" * 80)


def test_plan_text_matches_the_plan_and_buttons_fit(recipes: RecipeSet) -> None:
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN, slots=tuple(Slot))
    plan = planner.plan_day(recipes, user.profile(), DAY)
    text, markup = render_plan(plan, recipes, user, title="Today")
    check_html(text)
    shown = visible_text(text)
    for meal in plan.meals:
        assert recipes.recipes[meal.recipe_id].name in shown
        assert f"B12 {meal.b12_ug:.1f} µg" in shown
    assert f"B12 {plan.b12_ug:.1f} µg of your 2.4 µg target: met" in shown
    assert f"≈ {plan.b12_absorbed_ug:.1f} µg absorbed" in shown
    for row in markup.inline_keyboard:
        for button in row:
            assert len(str(button.callback_data).encode()) <= CALLBACK_LIMIT
    swap_data = next(b.callback_data for row in markup.inline_keyboard for b in row)
    assert swap_data == f"v1:swap:20261124:{plan.meals[0].slot.value}:{plan_fingerprint(plan)}"


def _meal(recipes: RecipeSet, slot: Slot, **extra: object) -> PlannedMeal:
    recipe = next(r for r in recipes.for_slot(slot))
    return PlannedMeal(
        slot=slot,
        recipe_id=recipe.id,
        servings=1,
        b12_ug=recipe.b12_ug,
        kcal=recipe.per_serving.kcal,
        protein_g=recipe.per_serving.protein_g,
        **extra,  # type: ignore[arg-type]
    )


def test_shortfall_top_up_and_notes_are_shown_with_a_warning(recipes: RecipeSet) -> None:
    topped = _meal(
        recipes,
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
    text, _ = render_plan(plan, recipes, None, title="Today")
    check_html(text)
    shown = visible_text(text)
    assert "⚠️ B12 1.5 µg of your 4.0 µg target: 2.5 µg short" in shown
    assert "plus a glass (250 ml) of <fortified> soy milk (1.2 µg B12 top-up)" in shown
    assert "💡 Add nutritional yeast & soy milk" in shown
    assert "✅" not in shown


def test_week_marks_a_missing_meal_and_a_short_day_and_points_to_the_day(
    recipes: RecipeSet,
) -> None:
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN, slots=tuple(Slot))
    plans = planner.plan_week(recipes, user.profile(), DAY)
    assert all(p.meal(Slot.BREAKFAST) for p in plans) and all(map(plan_meets_target, plans))
    text, _ = render_week(plans, recipes, user)
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
    text, _ = render_week(week, recipes, user)
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
    assert "0.6 µg short" in visible_text(render_week(week, recipes, None)[0])


def test_week_share_settings_help_about_are_valid_html(recipes: RecipeSet) -> None:
    user = UserSettings(
        user_id=1, chat_id=1, first_name="<i>Zoë</i> & co", exclude=frozenset({"tofu"})
    )
    plans = planner.plan_week(recipes, user.profile(), DAY)
    week_text, week_markup = render_week(plans, recipes, user)
    share = render_share(plans[0], recipes)
    settings_text, _ = render_settings(user)
    for text in (week_text, share, settings_text, render_help(), render_about()):
        check_html(text)
        assert len(text) <= 4096
    assert sum(len(row) for row in week_markup.inline_keyboard) == 8
    assert "does not treat MS" in visible_text(render_about())
    assert "tofu" in visible_text(settings_text)
