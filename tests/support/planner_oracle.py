"""Random recipe sets and an exhaustive oracle for the planner tests (and the benchmark).

The oracle knows nothing of the planner's search: it tries every combination of allowed
recipes, one per slot, and reports what the best possible plan looks like.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

from bot.core.models import (
    DEFAULT_SLOTS,
    SLOT_ORDER,
    Diet,
    Ingredient,
    Kind,
    Nutrients,
    Profile,
    Recipe,
    RecipeIngredient,
    RecipeSet,
    Slot,
    diet_for_kinds,
)
from bot.core.nutrition import absorbed_ug

TOL = 1e-9

# A small ingredient table: every kind, two fortified items (a milk and a sprinkle).
_INGREDIENTS: tuple[tuple[str, Kind, bool, dict[str, float], float | None], ...] = (
    ("beef", Kind.MEAT, False, {}, None),
    ("salmon", Kind.FISH, False, {}, None),
    ("shrimp", Kind.SHELLFISH, False, {}, None),
    ("egg", Kind.EGG, False, {"piece": 50.0}, None),
    ("cow_milk", Kind.DAIRY, False, {}, 1.03),
    ("cheese", Kind.DAIRY, False, {}, None),
    ("honey", Kind.HONEY, False, {"tbsp": 21.0}, None),
    ("oats", Kind.PLANT, False, {"cup": 81.0}, None),
    ("tofu", Kind.PLANT, False, {}, None),
    ("lentils", Kind.PLANT, False, {}, None),
    ("spinach", Kind.PLANT, False, {}, None),
    ("soy_milk", Kind.PLANT, True, {}, 1.03),
    ("nutritional_yeast", Kind.PLANT, True, {"tbsp": 5.0}, None),
    ("fortified_cereal", Kind.PLANT, True, {"cup": 30.0}, None),
)
_AISLES = {
    Kind.MEAT: "meat",
    Kind.FISH: "fish",
    Kind.SHELLFISH: "fish",
    Kind.EGG: "eggs",
    Kind.DAIRY: "dairy",
    Kind.HONEY: "pantry",
    Kind.PLANT: "produce",
}
# label-style B12 per 100 g for the fortified test items (test data only)
_FORTIFIED_B12 = {"soy_milk": 1.11, "nutritional_yeast": 60.0, "fortified_cereal": 6.0}


def ingredient_table() -> dict[str, Ingredient]:
    table: dict[str, Ingredient] = {}
    for iid, kind, fortified, unit_grams, g_per_ml in _INGREDIENTS:
        table[iid] = Ingredient(
            id=iid,
            name=iid.replace("_", " "),
            kind=kind,
            aisle=_AISLES[kind],
            per_100g=Nutrients(kcal=100.0, protein_g=5.0, b12_ug=_FORTIFIED_B12.get(iid, 0.5)),
            fortified=fortified,
            unit_grams=dict(unit_grams),
            g_per_ml=g_per_ml,
        )
    return table


def make_recipe(
    rid: str,
    meals: tuple[Slot, ...],
    items: dict[str, float],
    b12: float,
    kcal: float,
    table: dict[str, Ingredient],
    fortified: bool = False,
    servings: int = 2,
) -> Recipe:
    """A Recipe whose per-serving nutrition is given (the planner only reads these numbers)."""
    kinds = {table[i].kind for i in items}
    b12_by_item = dict.fromkeys(items, 0.0)
    source = None
    if b12 > 0:
        source = max(items, key=lambda i: (table[i].fortified == fortified, i))
        b12_by_item[source] = b12
    return Recipe(
        id=rid,
        name=rid.replace("_", " ").title(),
        meals=meals,
        servings=servings,
        time_min=15,
        ingredients=tuple(
            RecipeIngredient(item=i, amount=g * servings, unit="g", grams_total=g * servings)
            for i, g in items.items()
        ),
        steps=("Cook.",),
        tags=(),
        diet=diet_for_kinds(kinds),
        per_serving=Nutrients(kcal=kcal, protein_g=10.0, b12_ug=b12),
        grams_per_serving=dict(items),
        b12_by_item=b12_by_item,
        fortified_b12=fortified,
        main_b12_source=source,
    )


def random_recipe_set(
    rng: random.Random, per_slot: tuple[int, int] = (3, 6), slots: tuple[Slot, ...] = SLOT_ORDER
) -> RecipeSet:
    table = ingredient_table()
    ids = list(table)
    recipes: dict[str, Recipe] = {}
    for slot in slots:
        for n in range(rng.randint(*per_slot)):
            items = {
                i: float(rng.choice((30, 50, 100, 150))) for i in rng.sample(ids, rng.randint(1, 3))
            }
            has_fortified = any(table[i].fortified for i in items)
            b12 = 0.0 if rng.random() < 0.2 else round(rng.uniform(0.0, 4.0), 2)
            meals = (slot,)
            if rng.random() < 0.25:  # some recipes fit two slots: tests "not twice a day"
                meals = tuple(s for s in SLOT_ORDER if s in {slot, rng.choice(slots)})
            rid = f"{slot.value}_{n}"
            recipes[rid] = make_recipe(
                rid,
                meals,
                items,
                b12,
                float(rng.randint(150, 800)),
                table,
                fortified=has_fortified and b12 > 0 and rng.random() < 0.7,
            )
    return RecipeSet(ingredients=table, recipes=recipes)


def random_profile(rng: random.Random, rs: RecipeSet) -> Profile:
    diet = rng.choice(list(Diet))
    exclude = frozenset(rng.sample(sorted(rs.ingredients), rng.choice((0, 0, 1, 2, 3))))
    slots = DEFAULT_SLOTS if rng.random() < 0.6 else SLOT_ORDER
    kcal_range = None
    if rng.random() < 0.3:
        lo = float(rng.randint(600, 1500))
        kcal_range = (lo, lo + rng.choice((300.0, 600.0, 1200.0)))
    target = rng.choice((1.0, 2.4, 2.6, 2.8, 4.0, 6.0))
    return Profile(diet=diet, target_ug=target, exclude=exclude, slots=slots, kcal_range=kcal_range)


@dataclass(frozen=True)
class OracleResult:
    slots_fillable: bool  # every profile slot has at least one allowed recipe
    feasible_fresh: bool  # a plan meets every rule without a recipe from history
    min_repeats: int | None  # fewest history recipes in a plan meeting every rule (None: none)
    best_key: tuple[float, float, float, float] | None  # best (kcal ok, capped B12, ...) plan


def allowed(rs: RecipeSet, profile: Profile, slot: Slot) -> list[Recipe]:
    return sorted(
        (
            r
            for r in rs.recipes.values()
            if slot in r.meals
            and profile.diet.allows(r.diet)
            and not (set(r.grams_per_serving) & profile.exclude)
        ),
        key=lambda r: r.id,
    )


def oracle(rs: RecipeSet, profile: Profile, history: set[str]) -> OracleResult:
    """Exhaustive search over every combination (top-ups not modelled)."""
    lists = [allowed(rs, profile, s) for s in profile.slots]
    fillable = all(lists)
    lists = [lst for lst in lists if lst]
    target = profile.target_ug
    need_fort = 2 if profile.diet == Diet.VEGAN else 0
    lo, hi = profile.kcal_range or (-math.inf, math.inf)
    feasible_fresh = False
    min_repeats: int | None = None
    best_key = None
    for combo in itertools.product(*lists):
        if len({r.id for r in combo}) < len(combo):
            continue
        b12 = sum(r.per_serving.b12_ug for r in combo)
        ab = sum(absorbed_ug(r.per_serving.b12_ug) for r in combo)
        fort = sum(1 for r in combo if r.fortified_b12)
        kcal = sum(r.per_serving.kcal for r in combo)
        kcal_ok = lo - TOL <= kcal <= hi + TOL
        key = (float(kcal_ok), min(b12, target), min(ab, target / 2), float(min(fort, need_fort)))
        if best_key is None or key > best_key:
            best_key = key
        ok = kcal_ok and b12 >= target - TOL and ab >= target / 2 - TOL and fort >= need_fort
        if ok and fillable:
            repeats = sum(1 for r in combo if r.id in history)
            if repeats == 0:
                feasible_fresh = True
            if min_repeats is None or repeats < min_repeats:
                min_repeats = repeats
    return OracleResult(fillable, feasible_fresh, min_repeats, best_key)
