"""Shopping lists for day plans and household plans: ingredients summed over days and servings.

Amounts are rounded UP to a readable step (you cannot buy too little): eggs in pieces, liquids
in ml or litres, everything else in grams or kg. Fortified items are marked because the
unfortified kind of the same food (plant milk, nutritional yeast, cereal) has no B12.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.core.household import KIND_ITEM, HouseholdPlan
from bot.core.models import DayPlan, Ingredient, Kind, PlannedMeal, RecipeSet, Slot

# Aisles in the order a shop is usually walked; aisles not listed follow alphabetically.
AISLE_ORDER: tuple[str, ...] = (
    "fruit & veg",
    "bread & bakery",
    "dairy & eggs",
    "plant milks & tofu",
    "fish & seafood",
    "meat",
    "frozen",
    "grains, pasta & cereal",
    "tins & jars",
    "nuts, seeds & dried fruit",
    "oils, spices & condiments",
)
FORTIFIED_NOTE = "must be the fortified kind"


@dataclass(frozen=True, slots=True)
class ShoppingItem:
    aisle: str
    item_id: str
    name: str
    grams: float  # exact total, before rounding for display
    display: str  # "6 eggs", "1.5 l", "250 ml", "320 g"
    fortified: bool  # True -> "must be the fortified kind"

    @property
    def line(self) -> str:
        """One human-readable line, e.g. "soy milk: 1.5 l (must be the fortified kind)"."""
        text = f"{self.name}: {self.display}"
        return f"{text} ({FORTIFIED_NOTE})" if self.fortified else text


def _ceil_to(value: float, step: float) -> float:
    # a hair of tolerance so 250.0000001 ml does not become 260 ml
    return math.ceil(value / step - 1e-6) * step


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _grams_display(grams: float) -> str:
    if grams >= 1000:
        return f"{_fmt(_ceil_to(grams / 1000, 0.1))} kg"
    if grams >= 100:
        return f"{_ceil_to(grams, 10):.0f} g"
    if grams >= 10:
        return f"{_ceil_to(grams, 5):.0f} g"
    return f"{max(1.0, _ceil_to(grams, 1)):.0f} g"


def _ml_display(ml: float) -> str:
    if ml >= 1000:
        return f"{_fmt(_ceil_to(ml / 1000, 0.1))} l"
    if ml >= 200:
        return f"{_ceil_to(ml, 50):.0f} ml"
    if ml >= 50:
        return f"{_ceil_to(ml, 10):.0f} ml"
    return f"{max(5.0, _ceil_to(ml, 5)):.0f} ml"


def is_liquid(ing: Ingredient) -> bool:
    """Sold and measured by volume: the ingredient table gives it a density."""
    return ing.g_per_ml is not None


def display_amount(ing: Ingredient, grams: float) -> str:
    """Readable amount: pieces for eggs, ml/l for liquids, g/kg otherwise (rounded up)."""
    piece = ing.unit_grams.get("piece")
    if ing.kind == Kind.EGG and piece:
        count = max(1, math.ceil(grams / piece - 1e-6))
        return f"{count} egg" + ("" if count == 1 else "s")
    if is_liquid(ing) and ing.g_per_ml:
        return _ml_display(grams / ing.g_per_ml)
    return _grams_display(grams)


def _aisle_key(aisle: str) -> tuple[int, str]:
    low = aisle.lower()
    return (AISLE_ORDER.index(low) if low in AISLE_ORDER else len(AISLE_ORDER), low)


def shopping_list(recipes: RecipeSet, plans: Sequence[DayPlan]) -> list[ShoppingItem]:
    """Every ingredient of the plans' meals (and top-ups), grams x servings, summed.

    Sorted by aisle (shop order) then name. Unknown recipe ids raise ValueError naming them,
    because a stored plan that no longer matches the recipe set must not lose items silently.
    """
    totals: dict[str, float] = {}
    for plan in plans:
        for meal in plan.meals:
            recipe = recipes.recipes.get(meal.recipe_id)
            if recipe is None:
                raise ValueError(
                    f"plan for {plan.date.isoformat()} uses unknown recipe {meal.recipe_id!r}"
                )
            for item, grams in recipe.grams_per_serving.items():
                totals[item] = totals.get(item, 0.0) + grams * meal.servings
            if meal.topup_item:
                totals[meal.topup_item] = (
                    totals.get(meal.topup_item, 0.0) + meal.topup_grams * meal.servings
                )
    items: list[ShoppingItem] = []
    for item_id, grams in totals.items():
        ing = recipes.ingredients.get(item_id)
        if ing is None:
            raise ValueError(f"ingredient {item_id!r} is not in the ingredient table")
        if grams <= 0:
            continue
        items.append(
            ShoppingItem(
                aisle=ing.aisle,
                item_id=item_id,
                name=ing.name,
                grams=grams,
                display=display_amount(ing, grams),
                fortified=ing.fortified,
            )
        )
    items.sort(key=lambda i: (_aisle_key(i.aisle), i.name.lower(), i.item_id))
    return items


def shopping_by_aisle(items: Iterable[ShoppingItem]) -> dict[str, list[ShoppingItem]]:
    """Items grouped by aisle; dict order = shop order, items by name within an aisle."""
    grouped: dict[str, list[ShoppingItem]] = {}
    for item in sorted(items, key=lambda i: (_aisle_key(i.aisle), i.name.lower(), i.item_id)):
        grouped.setdefault(item.aisle, []).append(item)
    return grouped


def item_to_dict(item: ShoppingItem) -> dict[str, object]:
    return {
        "aisle": item.aisle,
        "item_id": item.item_id,
        "name": item.name,
        "grams": round(item.grams, 1),
        "display": item.display,
        "fortified": item.fortified,
    }


def household_shopping(recipes: RecipeSet, hplans: Sequence[HouseholdPlan]) -> list[ShoppingItem]:
    """One list for everyone: each shared meal x the members who eat it (its servings), plus
    each member's personal top-ups (bought once, for that member only)."""
    plans: list[DayPlan] = []
    extra: dict[str, float] = {}
    for hp in hplans:
        plans.append(hp.plan)
        snacks: list[PlannedMeal] = []
        for day in hp.members:
            for t in day.topups:
                if t.kind == KIND_ITEM:
                    extra[t.ref_id] = extra.get(t.ref_id, 0.0) + t.grams
                else:
                    snacks.append(PlannedMeal(Slot.SNACK, t.ref_id, 1, t.b12_ug, t.kcal, 0.0))
        if snacks:
            plans.append(replace(hp.plan, meals=tuple(snacks)))
    items = {i.item_id: i for i in shopping_list(recipes, plans)}
    for item_id, grams in extra.items():
        ing = recipes.ingredients[item_id]
        total = grams + (items[item_id].grams if item_id in items else 0.0)
        items[item_id] = ShoppingItem(
            aisle=ing.aisle,
            item_id=item_id,
            name=ing.name,
            grams=total,
            display=display_amount(ing, total),
            fortified=ing.fortified,
        )
    # the same order as shopping_list: aisle in shop order, then name
    return sorted(items.values(), key=lambda i: (_aisle_key(i.aisle), i.name.lower(), i.item_id))
