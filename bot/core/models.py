"""Typed core objects shared by the loader, the planner, storage and the Telegram layer.

Everything here is plain, frozen data: no I/O, no Telegram. Diets form a chain
(vegan ⊂ vegetarian ⊂ pescatarian ⊂ omnivore), so "strictest diet" is a simple min().
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.i18n import N_, _


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

# Where fortified foods are bought. Fortification differs by region (a UK soy drink has about a
# third of the B12 of a US one), so each fortified food carries a value per region; an unknown
# region ("any") uses the lowest value and only foods sold in every region.
REGIONS: tuple[str, ...] = ("us", "uk", "eu")
REGION_ANY = "any"
REGION_NAMES: dict[str, str] = {
    "us": "United States",
    "uk": "United Kingdom",
    "eu": "European Union",
    REGION_ANY: "not set (lowest values of all regions)",
}

# Life stages change the rules of a plan, not only its number (see plan_rules).
LIFE_STAGE_NONE = "none"
PREGNANT = "pregnant"
BREASTFEEDING = "breastfeeding"
OVER_50 = "over50"
LIFE_STAGES: tuple[str, ...] = (LIFE_STAGE_NONE, PREGNANT, BREASTFEEDING, OVER_50)

# Absorption status: with impaired absorption (pernicious anaemia, autoimmune gastritis, gut
# surgery, long-term metformin or PPIs) or B12 injections, food absorption estimates do not
# apply and the clinician sets the dose.
ABSORPTION_NORMAL = "normal"
ABSORPTION_IMPAIRED = "impaired"
ABSORPTION_INJECTIONS = "injections"
ABSORPTION_STATUSES: tuple[str, ...] = (
    ABSORPTION_NORMAL,
    ABSORPTION_IMPAIRED,
    ABSORPTION_INJECTIONS,
)
CLINICIAN_MANAGED: frozenset[str] = frozenset({ABSORPTION_IMPAIRED, ABSORPTION_INJECTIONS})


@dataclass(frozen=True, slots=True)
class TargetPreset:
    """A daily B12 target a user can pick, with the body that sets it (shown to the user)."""

    key: str
    target_ug: float
    label: str  # "US RDA (adults)"
    source: str  # "IOM 1998 / NIH ODS"
    life_stage: str = LIFE_STAGE_NONE  # the life stage the preset belongs to

    @property
    def with_source(self) -> str:
        """ "US RDA (adults), IOM 1998 / NIH ODS"; the source once when the label names it
        already ("Vegan Society (vegans)")."""
        label = _(self.label)  # marked N_ where the presets are defined; sources are names
        return label if self.source in self.label else f"{label}, {self.source}"


# Presets by life stage, each naming its source. Numbers: IOM 1998 (US RDA), EFSA 2015
# (adequate intakes), UK COMA 1991 (RNI), Vegan Society (at least 3 µg a day from fortified food).
LIFE_STAGE_PRESETS: dict[str, tuple[TargetPreset, ...]] = {
    LIFE_STAGE_NONE: (
        TargetPreset("us_rda", 2.4, N_("US RDA (adults)"), "IOM 1998 / NIH ODS"),
        TargetPreset("efsa", 4.0, N_("EU adequate intake (adults)"), "EFSA 2015"),
        TargetPreset("uk_rni", 1.5, N_("UK reference nutrient intake (adults)"), "UK COMA 1991"),
        TargetPreset("vegan_society", 3.0, N_("Vegan Society (vegans)"), "Vegan Society"),
    ),
    PREGNANT: (
        TargetPreset("us_rda_pregnancy", 2.6, N_("US RDA (pregnancy)"), "IOM 1998 / NIH ODS",
                     PREGNANT),
        TargetPreset("efsa_pregnancy", 4.5, N_("EU adequate intake (pregnancy)"), "EFSA 2015",
                     PREGNANT),
    ),
    BREASTFEEDING: (
        TargetPreset(
            "us_rda_breastfeeding", 2.8, N_("US RDA (breastfeeding)"), "IOM 1998 / NIH ODS",
            BREASTFEEDING,
        ),
        TargetPreset(
            "efsa_breastfeeding", 5.0, N_("EU adequate intake (breastfeeding)"), "EFSA 2015",
            BREASTFEEDING,
        ),
    ),
    OVER_50: (
        TargetPreset("us_rda_over50", 2.4, N_("US RDA (51 and over)"), "IOM 1998 / NIH ODS",
                     OVER_50),
        TargetPreset("efsa_over50", 4.0, N_("EU adequate intake (adults)"), "EFSA 2015", OVER_50),
    ),
}  # fmt: skip
VEGAN_DEFAULT_TARGET_UG = 3.0  # Vegan Society: at least 3 µg a day from fortified foods


def default_target(diet: Diet, life_stage: str = LIFE_STAGE_NONE) -> float:
    """The target to suggest first: the life stage's US RDA, or 3.0 µg for a vegan adult."""
    if life_stage in (PREGNANT, BREASTFEEDING):
        return LIFE_STAGE_PRESETS[life_stage][0].target_ug
    if diet is Diet.VEGAN:
        return VEGAN_DEFAULT_TARGET_UG
    return DEFAULT_TARGET_UG


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
    # Fortified foods whose B12 differs by region: µg per 100 g in each region where the food is
    # sold, and where each value comes from. Empty = the same everywhere (per_100g). A region
    # missing from a non-empty map means the product is not sold there.
    b12_by_region: dict[str, float] = field(default_factory=dict)
    region_sources: dict[str, str] = field(default_factory=dict)
    # The name per language code (bot.core.languages); `name` is the English one, the fallback.
    names: dict[str, str] = field(default_factory=dict)

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
    # µg of the serving's B12 that comes from fortified ingredients (the over-50 rule counts it)
    fortified_b12_ug: float = 0.0
    # "savoury" or "sweet" (recipe files say which; "" = not said): top-ups must match it
    taste: str = ""
    # Name and steps per language code (bot.core.languages); `name` and `steps` are the English
    # ones, each the fallback for a language that lacks that field.
    names: dict[str, str] = field(default_factory=dict)
    steps_by_lang: dict[str, tuple[str, ...]] = field(default_factory=dict)

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
    # The region whose fortified values this set carries ("any" = the lowest of all regions;
    # "" = the values as written in the table). Set by bot.core.regions.for_region.
    region: str = ""
    # Recipe and ingredient ids not sold in `region`: kept so stored plans still read, but never
    # suggested (planner, top-ups, snacks, searches skip them).
    hidden: frozenset[str] = frozenset()

    def for_slot(self, slot: Slot) -> list[Recipe]:
        return [r for r in self.recipes.values() if slot in r.meals and r.id not in self.hidden]


@dataclass(frozen=True, slots=True)
class Profile:
    """How one person eats. `exclude` holds ingredient ids."""

    diet: Diet = Diet.OMNIVORE
    target_ug: float = DEFAULT_TARGET_UG
    exclude: frozenset[str] = frozenset()
    slots: tuple[Slot, ...] = DEFAULT_SLOTS
    kcal_range: tuple[float, float] | None = None
    name: str = ""
    # Where the person buys food: "us", "uk", "eu" or None (unknown: the conservative lowest
    # fortified values). Life stage and absorption status add plan rules (see plan_rules).
    region: str | None = None
    life_stage: str = "none"  # none | pregnant | breastfeeding | over50
    absorption: str = "normal"  # normal | impaired | injections
    # ♥ recipe ids the planner prefers when they keep every rule (bot.core.preferences)
    favourites: frozenset[str] = frozenset()


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
    fortified_ug: float = 0.0  # µg of b12_ug from fortified ingredients (recipe and top-up)


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """Whether a day meets every rule of its plan, and the rules it misses (plain words).

    `met` is True only when every rule holds (bot.core.plan_rules.target_status). When the
    person's clinician manages their B12 (impaired absorption or injections), food is never
    claimed to meet a target: `clinician_managed` is True and `met` False.
    """

    met: bool
    misses: tuple[str, ...] = ()
    clinician_managed: bool = False
    fortified_ug: float = 0.0  # µg of the day's B12 from fortified foods


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
    # Every rule checked when the plan was made (None: a plan stored before statuses existed).
    # For the person's current settings use bot.core.plan_rules.target_status(plan, profile).
    status: TargetStatus | None = None
    region: str = ""  # the region whose fortified values the plan used ("any" = lowest)

    @property
    def meets_target(self) -> bool:
        """True only when every rule held; without a status, the rules the plan's own numbers
        can show (total and absorbed), so an old plan is never called on target wrongly."""
        if self.status is not None:
            return self.status.met
        return (
            self.shortfall_ug <= 0
            and self.b12_ug >= self.target_ug - 1e-9
            and self.b12_absorbed_ug >= self.target_ug / 2 - 1e-9
        )

    def meal(self, slot: Slot) -> PlannedMeal | None:
        return next((m for m in self.meals if m.slot == slot), None)


DEFAULT_PUSH_TIME = dt.time(7, 30)
DEFAULT_EVENING_TIME = dt.time(19, 0)


@dataclass(frozen=True, slots=True)
class UserSettings:
    """A bot user's stored settings (one row of the `users` table).

    `exclude` holds what the user left out as they said it (bot.core.exclusions): food groups
    ("group:soy") and single foods (ingredient ids), resolved to ingredients when used.
    """

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
    region: str | None = None  # "us" | "uk" | "eu"; None = not asked yet (conservative values)
    life_stage: str = "none"  # none | pregnant | breastfeeding | over50
    absorption: str = "normal"  # normal | impaired | injections
    # the daily energy range the plans aim at (kcal, /energy); both None = off: B12-focused
    # meals, not all of the day's food
    kcal_min: int | None = None
    kcal_max: int | None = None
    # the longest cooking time plans may choose (minutes, /settings); None = any
    max_cook_min: int | None = None
    # the language the bot speaks ("en", "de", ...; /language); None = not known yet
    language: str | None = None

    @property
    def kcal_range(self) -> tuple[float, float] | None:
        if self.kcal_min is None or self.kcal_max is None:
            return None
        return (float(self.kcal_min), float(self.kcal_max))

    def profile(self, exclude_ids: frozenset[str]) -> Profile:
        """The planning profile; `exclude_ids` are the user's exclusions resolved to
        ingredient ids (bot.core.exclusions.profile passes them), never the stored terms."""
        return Profile(
            diet=self.diet,
            target_ug=self.target_ug,
            exclude=exclude_ids,
            slots=self.slots,
            kcal_range=self.kcal_range,
            name=self.first_name,
            region=self.region,
            life_stage=self.life_stage,
            absorption=self.absorption,
        )
