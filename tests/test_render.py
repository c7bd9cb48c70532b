"""Message texts and keyboards: what a user reads must match the plan, fit Telegram's limits
and parse as Telegram HTML whatever the data contains."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from ptb_offline import check_html, visible_text

from bot import planner
from bot.models import DayPlan, Diet, PlannedMeal, RecipeSet, Slot, UserSettings
from bot.recipes import load_recipes
from bot.render import (
    CALLBACK_LIMIT,
    callback,
    plan_fingerprint,
    recipe_callback,
    render_about,
    render_help,
    render_plan,
    render_recipe,
    render_settings,
    render_share,
    render_week,
)

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
