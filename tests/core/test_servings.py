"""Recipe amounts rescaled to what a person measures (bot.core.servings)."""

from __future__ import annotations

import pytest

from bot.core.models import RecipeSet
from bot.core.servings import PINCH, kitchen_measure, scaled_grams


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (0.125, "tsp", (PINCH, "tsp")),  # ⅛ tsp: nobody owns that spoon -> a pinch
        (0.3, "tsp", (0.25, "tsp")),
        (0.5, "tbsp", (1.5, "tsp")),  # under a tablespoon: teaspoons
        (1 / 6, "tbsp", (0.5, "tsp")),
        (4.5, "tsp", (1.5, "tbsp")),  # three teaspoons or more: tablespoons
        (1.3, "tbsp", (1.5, "tbsp")),
        (2.5, "slice", (3.0, "slice")),  # slices whole, halves round up
        (0.2, "slice", (1.0, "slice")),
        (0.3, "piece", (0.5, "piece")),
        (1.4, "piece", (1.5, "piece")),
        (3.4, "piece", (3.0, "piece")),
        (133.3, "g", (135.0, "g")),
        (12.4, "g", (12.0, "g")),
        (1234.0, "ml", (1230.0, "ml")),
    ],
)
def test_amounts_round_to_what_a_cook_measures(
    amount: float, unit: str, expected: tuple[float, str]
) -> None:
    assert kitchen_measure(amount, unit) == pytest.approx(expected)


def test_grams_follow_a_spoon_changed_to_teaspoons() -> None:
    # ½ tbsp of 14 g is 7 g; measured as 1½ tsp it still weighs 7 g
    measured, unit = kitchen_measure(0.5, "tbsp")
    assert scaled_grams(7.0, 0.5, "tbsp", measured, unit) == pytest.approx(7.0)
    assert scaled_grams(10.0, 1.4, "piece", 1.5, "piece") == pytest.approx(10.0 * 1.5 / 1.4)


STEPS = {"tsp": 0.25, "tbsp": 0.5, "cup": 0.25, "slice": 1.0, "piece": 0.5}


def test_shipped_recipes_scale_to_spoon_and_piece_steps_for_one_to_eight(
    shipped: RecipeSet,
) -> None:
    """No ⅛ or ⅓ spoon, no 1.3 eggs, for any shipped recipe at 1 to 8 servings."""
    for recipe in shipped.recipes.values():
        for servings in range(1, 9):
            for line in recipe.ingredients:
                amount, unit = kitchen_measure(line.amount * servings / recipe.servings, line.unit)
                step = STEPS.get(unit)
                if step is not None:
                    assert amount / step == pytest.approx(round(amount / step)), (
                        recipe.id,
                        servings,
                        line,
                        amount,
                    )
