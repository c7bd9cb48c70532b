"""Second QA pass on the Telegram layer: each test is a small defect a user met (typed times,
cut-off buttons, health questions typed as text, exclusion wording, gram rounding, the inline
set-up hint), driven through the real Application offline where a chat is involved."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ptb_offline import (
    START,
    Clock,
    OfflineBot,
    RecordingRequest,
    answers,
    check_html,
    onboard,
    running_application,
    texts,
    visible_text,
)
from telegram import InlineQueryResultsButton

from bot.chat.handlers.common import health_faq_keys
from bot.chat.handlers.onboarding import parse_time
from bot.chat.render.plans import (
    BUTTON_LABEL_MAX,
    CLINICIAN_LINE,
    button_label,
    exclusions_keyboard,
    fmt_grams,
    not_in_plan_line,
    render_plan,
    render_recipe,
    setup_inline_button,
)
from bot.core import planner
from bot.core.models import DayPlan, Diet, PlannedMeal, Profile, RecipeSet, Slot, UserSettings
from bot.core.recipes import load_recipes

DAY = dt.date(2026, 11, 24)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    clock = Clock(START)
    request = RecordingRequest()
    async with running_application(tmp_path, clock, request) as app:
        yield OfflineBot(app, request, clock)


@pytest.fixture(scope="module")
def recipes() -> RecipeSet:
    return load_recipes()


# --------------------------------------------------------------------------- 1: /time 0745


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0745", dt.time(7, 45)),
        ("745", dt.time(7, 45)),
        ("1930", dt.time(19, 30)),
        ("0005", dt.time(0, 5)),
        ("1230pm", dt.time(12, 30)),
        ("6.30", dt.time(6, 30)),
        ("7am", dt.time(7, 0)),
        ("19:00", dt.time(19, 0)),
        ("7", dt.time(7, 0)),
    ],
)
def test_times_typed_without_a_separator_are_read_as_hours_and_minutes(
    typed: str, expected: dt.time
) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["2561", "799", "25:00", "13pm", "12345", "7:5", "noon"])
def test_an_impossible_time_names_the_forms_that_work(typed: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_time(typed)
    message = str(caught.value)
    assert f"“{typed}”" in message
    for form in ("06:45", "6.45", "0645", "7am"):
        assert form in message, form


async def test_time_0745_is_stored_and_a_bad_one_changes_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send("/time 0745"))[0])
    assert "07:45" in shown
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.push_time == dt.time(7, 45)
    bad = visible_text(texts(await chat.send("/time 2590"))[0])
    assert "“2590” is not a time" in bad and "0645" in bad
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.push_time == dt.time(7, 45)


# --------------------------------------------------------------------------- 2: /include labels


def test_button_label_keeps_short_text_and_cuts_long_text_at_a_word() -> None:
    assert button_label("↩️ Tofu") == "↩️ Tofu"
    cut = button_label("↩️ Soya yogurt alternative, plain, fortified")
    assert cut == "↩️ Soya yogurt alternative…"
    one_word = button_label("x" * 50)
    assert len(one_word) == BUTTON_LABEL_MAX and one_word.endswith("…")
    exact = "a" * 10 + " " + "b" * 21  # 32 characters: fits as it is
    assert button_label(exact) == exact


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


def test_two_foods_with_one_short_name_keep_distinguishable_labels(recipes: RecipeSet) -> None:
    tofu = recipes.ingredients["tofu_firm"]
    twin = dataclasses.replace(tofu, id="tofu_silken_test", name="Tofu, silken, extra soft")
    both = dataclasses.replace(recipes, ingredients={**recipes.ingredients, twin.id: twin})
    user = UserSettings(user_id=1, chat_id=1, exclude=frozenset({tofu.id, twin.id, "pasta"}))
    markup = exclusions_keyboard(user, both, back=False)
    assert markup is not None
    labels = [button.text for row in markup.inline_keyboard for button in row]
    assert "↩️ Pasta" in labels
    tofus = [label for label in labels if "Tofu" in label]
    assert len(tofus) == 2 and len(set(tofus)) == 2
    assert all(len(label) <= BUTTON_LABEL_MAX for label in labels)


# --------------------------------------------------------------------------- 3: health questions


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("how much b12 should I take for MS", ("supplements", "ms")),
        ("Should I get B12 injections?", ("supplements",)),
        ("my lab says my level is 180", ("testing",)),
        ("am I deficient?", ("testing",)),
        ("does b12 help multiple sclerosis", ("ms",)),
        ("vitamin?", ()),
    ],
)
def test_health_words_pick_the_faq_entries(typed: str, keys: tuple[str, ...]) -> None:
    assert health_faq_keys(typed) == keys


@pytest.mark.parametrize(
    "typed", ["what should I eat?", "hello, what can you do?", "the items on the label", "thanks"]
)
def test_other_free_text_is_not_taken_for_a_health_question(typed: str) -> None:
    assert health_faq_keys(typed) is None


async def test_a_typed_dose_question_gets_the_faq_and_the_clinician(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("how much b12 should I take for MS")
    sent = texts(calls)
    assert len(sent) == 1
    check_html(sent[0])
    shown = visible_text(sent[0])
    assert CLINICIAN_LINE in shown
    assert "/faq supplements" in shown and "/faq ms" in shown
    assert "/recipe" not in shown  # not the generic command list
    labels = [label for label, _ in calls[-1].buttons]
    assert labels == ["❓ Supplements or injections?", "❓ Does B12 help MS itself?"]
    calls = await chat.tap("Does B12 help MS itself?")
    opened = visible_text(texts(calls)[0] if texts(calls) else texts(calls, "editMessageText")[0])
    assert "B12 does not treat MS" in opened
    assert "That question is gone" not in " ".join(answers(calls))


async def test_other_free_text_still_gets_the_command_list(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send("what should I eat?"))[0])
    assert "/today" in shown and "/help" in shown and CLINICIAN_LINE not in shown


# --------------------------------------------------------------------------- 4: exclusion wording


async def test_a_dish_with_an_excluded_group_names_the_group(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/exclude gluten")
    shown = visible_text(texts(await chat.send("/recipe pesto pasta"))[0])
    warning = next(line for line in shown.splitlines() if "Not in your plan" in line)
    assert warning == "⚠️ Not in your plan: contains Pasta (gluten, wheat) — you left it out."


def test_several_excluded_foods_are_named_once_each(recipes: RecipeSet) -> None:
    dish = recipes.recipes["spinach_walnut_pesto_pasta"]
    user = UserSettings(
        user_id=1, chat_id=1, diet=Diet.VEGAN, exclude=frozenset({"pasta", "walnuts", "basil"})
    )
    line = not_in_plan_line(dish, recipes, user)
    assert line is not None
    assert {"tree_nut", "nuts"} <= recipes.ingredients["walnuts"].groups
    # allergen groups only: "nuts" is a food group, so walnuts show "(tree nut)" alone
    assert "Basil and Pasta (gluten, wheat) and Walnuts (tree nut) — you left them out" in line


# --------------------------------------------------------------------------- 5: gram rounding


def test_a_top_up_and_the_recipe_round_the_same_weight_alike(recipes: RecipeSet) -> None:
    engine = planner.Planner(recipes)
    yeast = next(
        t
        for t in engine.allowed_topups(Profile(diet=Diet.VEGAN))
        if t.item_id == "nutritional_yeast"
    )
    assert "3.75" in yeast.label  # the planner's own label, as stored in plans
    recipe = recipes.recipes["avocado_toast_nooch"]
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
    plan_text = visible_text(render_plan(plan, recipes, None, title="Today")[0])
    recipe_text = visible_text(render_recipe(recipe, recipes, 1))
    grams = f"({fmt_grams(yeast.grams)} g)"
    assert grams == "(3.8 g)"
    yeast_name = recipes.ingredients["nutritional_yeast"].name
    assert any(yeast_name in line and grams in line for line in recipe_text.splitlines())
    assert f"plus 1 tbsp {grams} of" in plan_text and "3.75" not in plan_text


def test_millilitres_in_a_top_up_label_are_left_alone(recipes: RecipeSet) -> None:
    engine = planner.Planner(recipes)
    milk = next(
        t
        for t in engine.allowed_topups(Profile(diet=Diet.VEGAN))
        if t.item_id == "soy_milk_fortified"
    )
    recipe = next(iter(recipes.for_slot(Slot.BREAKFAST)))
    meal = PlannedMeal(
        Slot.BREAKFAST, recipe.id, 1, 1.0, 100.0, 5.0,
        topup_item=milk.item_id, topup_grams=milk.grams, topup_b12_ug=milk.b12_ug,
        topup_label=milk.label,
    )  # fmt: skip
    plan = DayPlan(DAY, (meal,), 2.4, 1.0, 0.5, 100.0, 5.0)
    assert milk.label in visible_text(render_plan(plan, recipes, None, title="Today")[0])


# --------------------------------------------------------------------------- 6: inline hint


def test_setup_inline_button_opens_the_private_chat_at_start() -> None:
    button = setup_inline_button()
    assert isinstance(button, InlineQueryResultsButton)
    assert button.to_dict() == {"text": "Set up your plan first", "start_parameter": "start"}


async def test_the_inline_buttons_start_parameter_begins_onboarding(bot: OfflineBot) -> None:
    chat = bot.chat()
    parameter = setup_inline_button().start_parameter
    calls = await chat.send(f"/start {parameter}")
    assert "how do you eat" in visible_text(texts(calls)[0])
    assert "invite" not in visible_text(texts(calls)[0]).lower()
