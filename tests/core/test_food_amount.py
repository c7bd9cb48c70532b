"""Amounts of one food typed after /ate: counts, units, and the limits of what can be measured."""

from __future__ import annotations

import pytest
from translated import in_language

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


@pytest.mark.parametrize(
    ("lang", "typed", "food", "unit", "shown"),
    [
        ("de", "2 Eier", "egg", "piece", "2 × Ei, ganz, roh (Größe L)"),
        ("de", "2 Stück Ei", "egg", "piece", "2 × Ei, ganz, roh (Größe L)"),
        ("de", "1 EL Hefeflocken", "nutritional_yeast", "tbsp", "1 EL Hefeflocken, angereichert"),
        ("de", "1,5 Tassen Haferdrink", "oat_milk_fortified", "cup", "1,5 Tassen Haferdrink"),
        ("es", "1 taza de bebida de soja", "soy_milk_fortified", "cup", "1 taza Bebida de soja"),
        ("es", "2 huevos", "egg", "piece", "2 × Huevo entero"),
        ("fr", "1 cuillère à café levure", "nutritional_yeast", "tsp", "1 c. à c. Levure"),
        ("fr", "1 c. à s. levure nutritionnelle", "nutritional_yeast", "tbsp", "1 c. à s. Levure"),
        ("fr", "1 tasse boisson soja", "soy_milk_fortified", "cup", "1 tasse Boisson au soja"),
    ],
)
def test_local_unit_words_and_food_names_are_read(
    shipped: RecipeSet, lang: str, typed: str, food: str, unit: str, shown: str
) -> None:
    with in_language(lang):
        amount = parse_food_amount(typed, shipped)
        assert amount is not None and (amount.ingredient_id, amount.unit) == (food, unit)
        assert amount.describe().startswith(shown), amount.describe()
    expected = shipped.ingredients[food].grams(amount.amount, unit)
    assert amount.grams == pytest.approx(expected)


def test_errors_and_examples_are_in_the_users_language(shipped: RecipeSet) -> None:
    with in_language("de"):
        with pytest.raises(AmountInputError, match="mehr, als ich für ein Lebensmittel annehme"):
            parse_food_amount("5000 g Lachs", shipped)
        with pytest.raises(AmountInputError, match="nicht in Scheiben messen; nutzen Sie g"):
            parse_food_amount("3 Scheiben Lachs", shipped)
        soy = food_without_amount("Sojadrink", shipped)
    assert soy is not None and soy[1] == "/ate 1 Tasse sojadrink"
    with in_language("de"):
        assert parse_food_amount(soy[1].removeprefix("/ate "), shipped) is not None
