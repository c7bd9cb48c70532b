"""Shopping lists for day plans and household plans: ingredients summed over days and servings.

Amounts are rounded UP to a readable step (you cannot buy too little): eggs in pieces, liquids
in ml or litres, everything else in grams or kg. Fortified items are marked because the
unfortified kind of the same food (plant milk, nutritional yeast, cereal) has no B12.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.core.household import KIND_ITEM, HouseholdPlan
from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_decimal, ngettext
from bot.core.languages import localized_aisle, localized_name
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
FORTIFIED_NOTE = N_("must be the fortified kind")  # translate at use: _(FORTIFIED_NOTE)
# The stored amount text (always English, so a list reads in each member's own language):
# "6 eggs", "1 egg", "1.5 l", "250 ml", "320 g", "1.2 kg".
_AMOUNT = re.compile(r"^([0-9]{1,6}(?:\.[0-9]{1,3})?) (eggs?|kg|g|ml|l)$")


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
        return item_line(self.name, localized_amount(self.display), self.fortified)


def item_line(name: str, amount: str, fortified: bool) -> str:
    """ "Soy milk: 1.5 l", with "(must be the fortified kind)" in the current language."""
    text = f"{name}: {amount}"
    return f"{text} ({_(FORTIFIED_NOTE)})" if fortified else text


def localized_amount(display: str) -> str:
    """A stored amount ("6 eggs", "1.5 l") in the current language ("6 Eier", "1,5 l"); the
    text as stored in English, or when it is not one `display_amount` writes."""
    found = _AMOUNT.match(display)
    if found is None or current_language() == SOURCE_LANGUAGE:
        return display
    value, unit = float(found.group(1)), found.group(2)
    if unit.startswith("egg"):
        count = int(value)
        return ngettext("{n} egg", "{n} eggs", count).format(n=count)
    return f"{fmt_decimal(value, 1, trim=True)} {unit}"


def local_item_name(item_id: str, name: str, ingredients: Mapping[str, Ingredient] | None) -> str:
    """The food's name in the current language from the ingredient table (lists store ids, so
    each member reads their own language); the stored name for a food the table lost."""
    ing = ingredients.get(item_id) if ingredients else None
    return localized_name(ing, current_language()) if ing is not None else name


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
        # English on purpose: stored lists keep this text, localized_amount reads it back
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


# --- a list you tick ------------------------------------------------------------------------

# Pantry staples: what most kitchens have already, so "hide what I have" hides this aisle.
PANTRY_AISLES = frozenset({"oils, spices & condiments"})
SHEET_VERSION = 1
MAX_SHEET_ITEMS = 400  # the whole ingredient table is ~150 foods; a damaged body cannot grow


@dataclass(frozen=True, slots=True)
class SheetItem:
    """One line of a stored list: what the tick buttons show, frozen when the list was made
    (a later replan does not move items under a finger that is about to tap)."""

    item_id: str
    name: str
    display: str
    aisle: str
    fortified: bool

    @property
    def staple(self) -> bool:
        return self.aisle.lower() in PANTRY_AISLES

    @property
    def line(self) -> str:
        return self.local_line()

    def local_name(self, ingredients: Mapping[str, Ingredient] | None = None) -> str:
        """The name in the current language (from `ingredients`), else the stored name."""
        return local_item_name(self.item_id, self.name, ingredients)

    def local_line(self, ingredients: Mapping[str, Ingredient] | None = None) -> str:
        """ "Sojadrink: 1,5 l (muss die angereicherte Sorte sein)" in the current language."""
        return item_line(
            self.local_name(ingredients), localized_amount(self.display), self.fortified
        )


@dataclass(frozen=True, slots=True)
class ShoppingSheet:
    """A shopping list as a person uses it in the shop: items in shop order, ticked ones
    moved to the bottom, pantry staples hidden on request. Pure data; the chat layer draws
    buttons from `rows()` and storage keeps `to_body()`."""

    start: dt.date
    days: int
    people: int  # 1 for one person; the household's member count for a household list
    items: tuple[SheetItem, ...]
    ticked: frozenset[str] = frozenset()
    hide_staples: bool = False

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    def index_of(self, position: int) -> SheetItem | None:
        """The item at a button's position, or None for a position no item has."""
        return self.items[position] if 0 <= position < len(self.items) else None

    def toggled(self, position: int) -> ShoppingSheet:
        item = self.index_of(position)
        if item is None:
            raise ValueError(f"no item at position {position}")
        ticked = self.ticked ^ {item.item_id}
        return replace(self, ticked=frozenset(ticked))

    def with_staples_hidden(self, hide: bool) -> ShoppingSheet:
        return replace(self, hide_staples=hide)

    @property
    def staple_count(self) -> int:
        return sum(1 for i in self.items if i.staple)

    @property
    def ticked_count(self) -> int:
        return sum(1 for i in self.items if i.item_id in self.ticked)

    def rows(self) -> list[tuple[int, SheetItem, bool]]:
        """(position, item, ticked) for every visible item: still to buy first, in shop order,
        then what is in the basket already (also in shop order)."""
        visible = [
            (pos, item, item.item_id in self.ticked)
            for pos, item in enumerate(self.items)
            if not (self.hide_staples and item.staple)
        ]
        return [r for r in visible if not r[2]] + [r for r in visible if r[2]]

    def plain_lines(self, ingredients: Mapping[str, Ingredient] | None = None) -> list[str]:
        """The list as plain lines for a notes app: aisle headings, "[x]" for ticked items;
        names, aisles and amounts in the current language (names from `ingredients`)."""
        lines: list[str] = []
        aisle = None
        for item in self.items:
            if self.hide_staples and item.staple:
                continue
            if item.aisle != aisle:
                aisle = item.aisle
                lines += ["", localized_aisle(aisle, current_language())]
            mark = "[x]" if item.item_id in self.ticked else "[ ]"
            lines.append(f"{mark} {item.local_line(ingredients)}")
        return lines[1:] if lines else []

    def to_body(self) -> dict[str, object]:
        return {
            "v": SHEET_VERSION,
            "people": self.people,
            "items": [
                [i.item_id, i.name, i.display, i.aisle, int(i.fortified)] for i in self.items
            ],
            "ticked": sorted(self.ticked),
            "hide": int(self.hide_staples),
        }

    @classmethod
    def from_body(cls, start: dt.date, days: int, body: Mapping[str, Any]) -> ShoppingSheet:
        """Read what `to_body` wrote; ValueError for anything else (a damaged row is refused,
        never shown half)."""
        try:
            if body.get("v") != SHEET_VERSION:
                raise ValueError(f"unknown shopping list version {body.get('v')!r}")
            raw = body["items"]
            if not isinstance(raw, list) or len(raw) > MAX_SHEET_ITEMS:
                raise ValueError(f"items must be a list of at most {MAX_SHEET_ITEMS} entries")
            items = tuple(
                SheetItem(str(i), str(n), str(d), str(a), bool(f)) for i, n, d, a, f in raw
            )
            known = {i.item_id for i in items}
            ticked = frozenset(str(t) for t in body.get("ticked", ())) & known
            people = int(body.get("people", 1))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"damaged shopping list: {exc}") from None
        return cls(start, days, max(1, people), items, ticked, bool(body.get("hide", 0)))


def new_sheet(
    items: Sequence[ShoppingItem], *, start: dt.date, days: int, people: int = 1
) -> ShoppingSheet:
    """A fresh, unticked list from `shopping_list`/`household_shopping` items."""
    ordered = shopping_by_aisle(items)
    sheet_items = tuple(
        SheetItem(i.item_id, i.name, i.display, i.aisle, i.fortified)
        for aisle_items in ordered.values()
        for i in aisle_items
    )
    if len(sheet_items) > MAX_SHEET_ITEMS:  # never cut a list short without a word
        raise ValueError(f"{len(sheet_items)} items: more than a list can hold")
    return ShoppingSheet(start, days, max(1, people), sheet_items)
