"""Amounts of one food typed after /ate: counts, units, and the limits of what can be measured."""

from __future__ import annotations

import pytest

from bot.core.food_amount import AmountInputError, food_without_amount, parse_food_amount
from bot.core.models import RecipeSet


def test_food_amount_units_and_limits(shipped: RecipeSet) -> None:
    recipes = shipped
    soy = recipes.ingredients["soy_milk_fortified"]
    cup = parse_food_amount("1 cup soy milk", recipes)
    assert cup is not None and cup.grams == soy.unit_grams["cup"]
    ml = parse_food_amount("250 ml soy milk", recipes)
    assert ml is not None and ml.grams == pytest.approx(250 * (soy.g_per_ml or 0))
    assert parse_food_amount("omelette", recipes) is None  # a dish: the caller's job
    assert parse_food_amount("2 flibbertigibbets", recipes) is None
    with pytest.raises(AmountInputError, match="more than I accept"):
        parse_food_amount("5000 g salmon", recipes)
    with pytest.raises(AmountInputError, match="more than 0"):
        parse_food_amount("0 eggs", recipes)
    with pytest.raises(AmountInputError, match="can't measure"):
        parse_food_amount("3 slices salmon", recipes)


def test_a_food_without_an_amount_is_asked_about_never_guessed(shipped: RecipeSet) -> None:
    """'/ate egg' names one food but not how much: the caller asks, with a command that logs it."""
    found = food_without_amount("eggs", shipped)
    assert found is not None and found[0].id == "egg"
    assert parse_food_amount(found[1].removeprefix("/ate "), shipped) is not None
    salmon = food_without_amount("salmon", shipped)
    assert salmon is not None and salmon[1] == "/ate 100 g salmon"
    for vague in ("a", "on", "no", "inf", "2 eggs", "fish"):  # stop word, no food, an amount, many
        assert food_without_amount(vague, shipped) is None, vague
