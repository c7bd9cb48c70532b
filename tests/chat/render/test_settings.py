"""The settings screens: the /include buttons name each left-out food so it can be told apart."""

from __future__ import annotations

import dataclasses

import pytest
from translated import english_left, in_language

from bot.chat.render.format import BUTTON_LABEL_MAX
from bot.chat.render.settings import (
    exclusions_keyboard,
    meals_keyboard,
    render_exclusions,
    render_meals_question,
    render_settings,
)
from bot.core.models import RecipeSet, UserSettings


def test_two_foods_with_one_short_name_keep_distinguishable_labels(shipped: RecipeSet) -> None:
    tofu = shipped.ingredients["tofu_firm"]
    twin = dataclasses.replace(tofu, id="tofu_silken_test", name="Tofu, silken, extra soft")
    both = dataclasses.replace(shipped, ingredients={**shipped.ingredients, twin.id: twin})
    user = UserSettings(user_id=1, chat_id=1, exclude=frozenset({tofu.id, twin.id, "pasta"}))
    markup = exclusions_keyboard(user, both, back=False)
    assert markup is not None
    labels = [button.text for row in markup.inline_keyboard for button in row]
    assert "↩️ Pasta" in labels
    tofus = [label for label in labels if "Tofu" in label]
    assert len(tofus) == 2 and len(set(tofus)) == 2
    assert all(len(label) <= BUTTON_LABEL_MAX for label in labels)


SETUP = UserSettings(
    user_id=1,
    chat_id=1,
    target_ug=2.6,
    life_stage="pregnant",
    region="eu",
    exclude=frozenset({"group:soy", "tofu_firm"}),
    max_cook_min=20,
)


def test_the_settings_screen_in_english_is_unchanged(shipped: RecipeSet) -> None:
    text, _markup = render_settings(SETUP, shipped)
    assert "B12 target: <b>2.6 µg/day (US RDA (pregnancy), IOM 1998 / NIH ODS)</b>" in text
    assert "Meals: breakfast, lunch, dinner\n" in text and "Max cooking time: 20 min" in text
    assert "Excluded: soy · Tofu, firm" in text and "Daily plan: daily at 07:30" in text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ("Ihre Einstellungen", "2,6 µg/Tag", "Soja", "Tofu, fest", "Frühstück")),
        ("es", ("Sus ajustes", "2,6 µg/día", "soja", "Tofu firme", "desayuno")),
        ("fr", ("Vos réglages", "2,6 µg/jour", "soja", "Tofu ferme", "petit-déjeuner")),
    ],
)
def test_the_settings_screens_and_buttons_are_translated(
    shipped: RecipeSet, lang: str, words: tuple[str, ...]
) -> None:
    with in_language(lang):
        text, markup = render_settings(SETUP, shipped)
        exclusions = render_exclusions(SETUP, shipped)
        meals = render_meals_question(SETUP)
        keyboards = [markup, meals_keyboard(SETUP), exclusions_keyboard(SETUP, shipped)]
    labels = " ".join(b.text for k in keyboards if k for row in k.inline_keyboard for b in row)
    for word in words:
        assert word in text
    for shown in (text, exclusions, meals, labels):
        assert english_left(shown) == [], shown
    assert "Settings" not in labels and "Back" not in labels and "Breakfast" not in labels
