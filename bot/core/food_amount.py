"""`/ate 2 eggs`, `/ate 100 g salmon`, `/ate 1 cup soy milk`: one food with an amount.

Pure code. People log a single food more often than a whole dish; its B12 comes from the
ingredient table (USDA SR28 or the named product label, with the user's own /myproducts
values when the caller passes their derived RecipeSet) times the grams eaten. Amounts are
converted with the same household measures the recipes use (`Ingredient.grams`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.models import VOLUME_ML, Ingredient, RecipeSet
from bot.core.recipe_search import content_words, quote, resolve_ingredient, singular_words

MAX_GRAMS = 2000.0  # more than 2 kg of one food at once is a typo (or a unit mix-up)

_COUNT = re.compile(r"^(\d+(?:[.,]\d+)?|[.,]\d+)\s*(.*)$")
_NEGATIVE = re.compile(r"^[-−–]\s*(\d|[.,]\d)")
_UNITS: dict[str, str] = {
    "piece": "piece",
    "pieces": "piece",
    "pc": "piece",
    "pcs": "piece",
    "slice": "slice",
    "slices": "slice",
    "tsp": "tsp",
    "teaspoon": "tsp",
    "teaspoons": "tsp",
    "tbsp": "tbsp",
    "tablespoon": "tbsp",
    "tablespoons": "tbsp",
    "cup": "cup",
    "cups": "cup",
    "g": "g",
    "gram": "g",
    "grams": "g",
    "ml": "ml",
}
_FILLER = {"of", "x"}


class AmountInputError(ValueError):
    """An amount of a food that cannot be logged; `str(exc)` is fit to show the user."""


@dataclass(frozen=True, slots=True)
class FoodAmount:
    """How much of one ingredient was eaten, and the B12 that brings."""

    ingredient_id: str
    name: str
    amount: float
    unit: str  # piece, slice, tsp, tbsp, cup, g or ml
    grams: float
    b12_ug: float

    def describe(self) -> str:
        """'2 × Egg, whole, raw (large)', '100 g Atlantic salmon, farmed, raw'."""
        if self.unit == "piece":
            return f"{self.amount:g} × {self.name}"
        return f"{self.amount:g} {self.unit} {self.name}"


def is_negative_amount(text: str) -> bool:
    """'-5', '− 2 eggs': a minus sign before a number."""
    return bool(_NEGATIVE.match(text.strip()))


def _one_ingredient(food: str, recipes: RecipeSet) -> list[str]:
    """Ingredient ids the words may mean, narrowed to an exact id or name when there is one
    ("eggs" -> egg, not mayonnaise; "salmon" -> salmon, not smoked_salmon)."""
    hits = resolve_ingredient(recipes, food)
    if len(hits) <= 1:
        return hits
    wanted = singular_words(food)
    exact = [
        i
        for i in hits
        if singular_words(i) == wanted
        or singular_words(recipes.ingredients[i].name)[: len(wanted)] == wanted
    ]
    return exact if len(exact) == 1 else hits


def _units_for(ing: Ingredient) -> list[str]:
    units = ["g", *ing.unit_grams]
    if ing.g_per_ml is not None:
        units += [u for u in VOLUME_ML if u not in units]
    return units


def parse_food_amount(text: str, recipes: RecipeSet) -> FoodAmount | None:
    """`<number> [unit] <food>` as one ingredient, or None when `text` is not that shape or
    names no ingredient (the caller then tries dishes). Raises AmountInputError when the
    food is found but the amount cannot be used (zero, no such unit, implausibly large) or
    the words fit several foods."""
    match = _COUNT.match(text.strip())
    if not match or not match.group(2):
        return None
    amount = float(match.group(1).replace(",", "."))
    words = match.group(2).split()
    unit = _UNITS.get(words[0].lower()) if words else None
    if unit is not None:
        words = words[1:]
    words = [w for w in words if w.lower() not in _FILLER]
    food = " ".join(words)
    if not food:
        return None
    hits = _one_ingredient(food, recipes)
    if not hits:
        return None
    if len(hits) > 1:
        names = "; ".join(recipes.ingredients[i].name for i in sorted(hits)[:8])
        how_much = f"{match.group(1)} {unit}" if unit else "30 g"
        first = recipes.ingredients[sorted(hits)[0]].name.split(",")[0].lower()
        raise AmountInputError(
            f"“{quote(food)}” could be several foods ({names}). "
            f"Name one, e.g. /ate {how_much} {first}."
        )
    ing = recipes.ingredients[hits[0]]
    if amount <= 0:
        raise AmountInputError(f"The amount of {ing.name} must be more than 0.")
    if unit is None:
        if "piece" not in ing.unit_grams:
            options = ", ".join(_units_for(ing))
            raise AmountInputError(
                f"How much {ing.name}? Give a unit ({options}), e.g. /ate 100 g {food}."
            )
        unit = "piece"
    try:
        grams = ing.grams(amount, unit)
    except ValueError:
        options = ", ".join(_units_for(ing))
        raise AmountInputError(
            f"I can't measure {ing.name} in {unit}; use {options}, e.g. /ate 100 g {food}."
        ) from None
    if grams > MAX_GRAMS:
        raise AmountInputError(
            f"{amount:g} {unit} of {ing.name} is about {grams:,.0f} g — more than I accept "
            f"for one food ({MAX_GRAMS:,.0f} g). Check the amount."
        )
    b12 = ing.per_100g.b12_ug * grams / 100.0
    return FoodAmount(ing.id, ing.name, amount, unit, grams, b12)


def food_without_amount(text: str, recipes: RecipeSet) -> tuple[Ingredient, str] | None:
    """The one ingredient `text` names when it gives no amount ("egg", "salmon"), with an
    example of how to give one ("/ate 1 egg", "/ate 100 g salmon", "/ate 1 cup soy milk");
    None when `text` starts with a number, has no word that names a food, or fits several
    foods. Nothing is logged from this: B12 depends on how much was eaten, so the caller asks."""
    words = content_words(singular_words(text))
    if not words or _COUNT.match(text.strip()):
        return None
    hits = _one_ingredient(" ".join(words), recipes)
    if len(hits) != 1:
        return None
    ing = recipes.ingredients[hits[0]]
    shown = quote(" ".join(words), 30)
    if "piece" in ing.unit_grams:
        return ing, f"/ate 1 {shown}"
    if ing.g_per_ml is not None and "cup" in VOLUME_ML:
        return ing, f"/ate 1 cup {shown}"
    return ing, f"/ate 100 g {shown}"
