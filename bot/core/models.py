"""Typed core objects shared by the loader, the planner, storage and the Telegram layer.

Everything here is plain, frozen data: no I/O, no Telegram. Diets form a chain
(vegan ⊂ vegetarian ⊂ pescatarian ⊂ omnivore), so "strictest diet" is a simple min().
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Diet(StrEnum):
    VEGAN = "vegan"
    VEGETARIAN = "vegetarian"
    PESCATARIAN = "pescatarian"
    OMNIVORE = "omnivore"

    @property
    def rank(self) -> int:
        """0 for the strictest (vegan) up to 3 (omnivore)."""
        return DIET_ORDER.index(self)

    def allows(self, other: Diet) -> bool:
        """True when a recipe of diet `other` may be eaten by someone on this diet."""
        return other.rank <= self.rank


DIET_ORDER: tuple[Diet, ...] = (Diet.VEGAN, Diet.VEGETARIAN, Diet.PESCATARIAN, Diet.OMNIVORE)


def strictest_diet(diets: list[Diet] | tuple[Diet, ...]) -> Diet:
    return min(diets, key=lambda d: d.rank)


class Kind(StrEnum):
    """What an ingredient is, which alone decides the diets a recipe fits."""

    MEAT = "meat"
    FISH = "fish"
    SHELLFISH = "shellfish"
    EGG = "egg"
    DAIRY = "dairy"
    HONEY = "honey"
    PLANT = "plant"


# The least strict diet each kind forces on a recipe that contains it.
KIND_DIET: dict[Kind, Diet] = {
    Kind.PLANT: Diet.VEGAN,
    Kind.EGG: Diet.VEGETARIAN,
    Kind.DAIRY: Diet.VEGETARIAN,
    Kind.HONEY: Diet.VEGETARIAN,
    Kind.FISH: Diet.PESCATARIAN,
    Kind.SHELLFISH: Diet.PESCATARIAN,
    Kind.MEAT: Diet.OMNIVORE,
}


def diet_for_kinds(kinds: set[Kind] | frozenset[Kind]) -> Diet:
    """The strictest diet a dish made of these kinds fits (derived, never hand-tagged)."""
    if not kinds:
        return Diet.VEGAN
    return max((KIND_DIET[k] for k in kinds), key=lambda d: d.rank)


class Slot(StrEnum):
    BREAKFAST = "breakfast"
    LUNCH = "lunch"
    DINNER = "dinner"
    SNACK = "snack"


SLOT_ORDER: tuple[Slot, ...] = (Slot.BREAKFAST, Slot.LUNCH, Slot.DINNER, Slot.SNACK)
DEFAULT_SLOTS: tuple[Slot, ...] = (Slot.BREAKFAST, Slot.LUNCH, Slot.DINNER)

# Units a recipe may use. Volumes in ml; piece/slice need a per-ingredient weight.
UNITS: tuple[str, ...] = ("g", "ml", "piece", "slice", "tsp", "tbsp", "cup")
VOLUME_ML: dict[str, float] = {"ml": 1.0, "tsp": 5.0, "tbsp": 15.0, "cup": 240.0}

# B12 targets in µg/day (IOM 1998 / NIH ODS; EFSA 2015) — see README "Sources".
TARGET_PRESETS: dict[str, float] = {
    "standard": 2.4,
    "pregnancy": 2.6,
    "breastfeeding": 2.8,
    "efsa": 4.0,
}
DEFAULT_TARGET_UG = 2.4


@dataclass(frozen=True, slots=True)
class Nutrients:
    """Nutrients of some amount of food (per 100 g, per serving or per day)."""

    kcal: float = 0.0
    protein_g: float = 0.0
    b12_ug: float = 0.0
    fat_g: float | None = None
    carbs_g: float | None = None
    fibre_g: float | None = None
    folate_ug: float | None = None
    vit_d_ug: float | None = None

    def scaled(self, factor: float) -> Nutrients:
        def s(v: float | None) -> float | None:
            return None if v is None else v * factor

        return Nutrients(
            kcal=self.kcal * factor,
            protein_g=self.protein_g * factor,
            b12_ug=self.b12_ug * factor,
            fat_g=s(self.fat_g),
            carbs_g=s(self.carbs_g),
            fibre_g=s(self.fibre_g),
            folate_ug=s(self.folate_ug),
            vit_d_ug=s(self.vit_d_ug),
        )

    def __add__(self, other: Nutrients) -> Nutrients:
        def a(x: float | None, y: float | None) -> float | None:
            if x is None and y is None:
                return None
            return (x or 0.0) + (y or 0.0)

        return Nutrients(
            kcal=self.kcal + other.kcal,
            protein_g=self.protein_g + other.protein_g,
            b12_ug=self.b12_ug + other.b12_ug,
            fat_g=a(self.fat_g, other.fat_g),
            carbs_g=a(self.carbs_g, other.carbs_g),
            fibre_g=a(self.fibre_g, other.fibre_g),
            folate_ug=a(self.folate_ug, other.folate_ug),
            vit_d_ug=a(self.vit_d_ug, other.vit_d_ug),
        )


@dataclass(frozen=True, slots=True)
class Ingredient:
    """One row of recipes/ingredients.yaml.

    Values come from USDA SR28 (`ndb`, an NDB_No kept as text) or, for foods SR28 lacks,
    a named product label (`source`, with `fortified=True`).
    """

    id: str
    name: str
    kind: Kind
    aisle: str
    per_100g: Nutrients
    ndb: str | None = None
    source: str | None = None
    fortified: bool = False
    # grams for one `piece`, `slice`, `tsp`, `tbsp` or `cup` (SR28 household measures)
    unit_grams: dict[str, float] = field(default_factory=dict)
    g_per_ml: float | None = None
    # allergen and food groups (soy, gluten, tree_nut, milk, cheese, ...) that /exclude words match
    groups: frozenset[str] = frozenset()

    def grams(self, amount: float, unit: str) -> float:
        """Convert an amount in a recipe unit to grams (the loader checks the unit is possible)."""
        if unit == "g":
            return amount
        if unit in self.unit_grams:
            return amount * self.unit_grams[unit]
        if unit in VOLUME_ML and self.g_per_ml is not None:
            return amount * VOLUME_ML[unit] * self.g_per_ml
        raise ValueError(f"ingredient {self.id!r} has no conversion for unit {unit!r}")

    def can_convert(self, unit: str) -> bool:
        return (
            unit == "g"
            or unit in self.unit_grams
            or (unit in VOLUME_ML and self.g_per_ml is not None)
        )


@dataclass(frozen=True, slots=True)
class RecipeIngredient:
    item: str
    amount: float
    unit: str
    grams_total: float  # for the whole recipe (all servings)


@dataclass(frozen=True, slots=True)
class Recipe:
    """A validated recipe with derived, per-serving nutrition."""

    id: str
    name: str
    meals: tuple[Slot, ...]
    servings: int
    time_min: int
    ingredients: tuple[RecipeIngredient, ...]
    steps: tuple[str, ...]
    tags: tuple[str, ...]
    diet: Diet  # derived from ingredient kinds
    per_serving: Nutrients
    grams_per_serving: dict[str, float]  # ingredient id -> grams in one serving
    b12_by_item: dict[str, float]  # ingredient id -> µg B12 in one serving
    fortified_b12: bool  # a fortified ingredient supplies B12 in this recipe
    main_b12_source: str | None  # ingredient id giving the most B12 (None when 0)
    source_file: str = ""

    @property
    def b12_ug(self) -> float:
        return self.per_serving.b12_ug

    @property
    def item_ids(self) -> frozenset[str]:
        return frozenset(self.grams_per_serving)


@dataclass(frozen=True, slots=True)
class RecipeSet:
    """All recipes and the ingredient table they were validated against."""

    ingredients: dict[str, Ingredient]
    recipes: dict[str, Recipe]

    def for_slot(self, slot: Slot) -> list[Recipe]:
        return [r for r in self.recipes.values() if slot in r.meals]


@dataclass(frozen=True, slots=True)
class Profile:
    """How one person eats. `exclude` holds ingredient ids."""

    diet: Diet = Diet.OMNIVORE
    target_ug: float = DEFAULT_TARGET_UG
    exclude: frozenset[str] = frozenset()
    slots: tuple[Slot, ...] = DEFAULT_SLOTS
    kcal_range: tuple[float, float] | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class PlannedMeal:
    slot: Slot
    recipe_id: str
    servings: int  # number of people eating it
    b12_ug: float  # per person (one serving)
    kcal: float  # per person
    protein_g: float  # per person
    fortified_b12: bool = False
    # Optional top-up eaten with this meal (e.g. a 250 ml glass of fortified soy milk). When set,
    # b12_ug/kcal/protein_g above are the meal as eaten: recipe serving + top-up.
    topup_item: str | None = None  # ingredient id
    topup_grams: float = 0.0  # per person
    topup_b12_ug: float = 0.0  # per person
    topup_kcal: float = 0.0  # per person
    topup_label: str = ""  # e.g. "a glass (250 ml) of fortified soy milk"


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One day's meals. Nutrient totals are per person (one serving of each meal)."""

    date: dt.date
    meals: tuple[PlannedMeal, ...]
    target_ug: float
    b12_ug: float
    b12_absorbed_ug: float
    kcal: float
    protein_g: float
    shortfall_ug: float = 0.0  # > 0 only when no plan could meet every constraint
    notes: tuple[str, ...] = ()  # plain-language advice (how to close a gap, etc.)
    swaps: tuple[tuple[Slot, tuple[str, ...]], ...] = ()  # per slot: recipe ids already shown
    repeats: tuple[str, ...] = ()  # recipe ids reused from history because nothing else fitted

    @property
    def meets_target(self) -> bool:
        return self.shortfall_ug <= 0

    def meal(self, slot: Slot) -> PlannedMeal | None:
        return next((m for m in self.meals if m.slot == slot), None)


DEFAULT_PUSH_TIME = dt.time(7, 30)
DEFAULT_EVENING_TIME = dt.time(19, 0)


@dataclass(frozen=True, slots=True)
class UserSettings:
    """A bot user's stored settings (one row of the `users` table)."""

    user_id: int
    chat_id: int
    first_name: str = ""
    diet: Diet = Diet.OMNIVORE
    target_ug: float = DEFAULT_TARGET_UG
    exclude: frozenset[str] = frozenset()
    slots: tuple[Slot, ...] = DEFAULT_SLOTS
    timezone: str = "UTC"  # IANA name
    push_time: dt.time = DEFAULT_PUSH_TIME  # local time of the daily push
    push_enabled: bool = True  # False after /stop or "pause"
    active: bool = True  # False once Telegram says the user blocked the bot
    onboarded: bool = False  # finished /start
    household_id: int | None = None
    evening_check: bool = False  # opt-in evening message: how short today is and a snack to fix it
    evening_time: dt.time = DEFAULT_EVENING_TIME

    def profile(self) -> Profile:
        return Profile(
            diet=self.diet,
            target_ug=self.target_ug,
            exclude=self.exclude,
            slots=self.slots,
            name=self.first_name,
        )
