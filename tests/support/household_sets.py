"""Hand-built recipe sets and household members for the household, planner and family tests.

The sets use planner_oracle's ingredient table; `m(uid, ...)` is a member named "m<uid>".
"""

from __future__ import annotations

from collections.abc import Sequence

from planner_oracle import ingredient_table, make_recipe

from bot.core.household import KIND_ITEM, HouseholdPlan, Member
from bot.core.models import Diet, Profile, RecipeSet, Slot

B, L, D, S = Slot.BREAKFAST, Slot.LUNCH, Slot.DINNER, Slot.SNACK


def recipe_set(
    spec: list[tuple[str, tuple[Slot, ...], dict[str, float], float, bool]],
) -> RecipeSet:
    table = ingredient_table()
    recipes = {
        rid: make_recipe(rid, meals, items, b12, 400.0, table, fortified=fort)
        for rid, meals, items, b12, fort in spec
    }
    return RecipeSet(ingredients=table, recipes=recipes)


def modest_set() -> RecipeSet:
    """Omnivore food reaches 2.4-3.0 µg a day at most: enough for one member, not for 4.0."""
    return recipe_set(
        [
            ("egg_toast", (B,), {"egg": 50, "oats": 40}, 1.0, False),
            ("porridge", (B,), {"oats": 60, "cow_milk": 200}, 0.9, False),
            ("beef_stew", (L,), {"beef": 100, "lentils": 50}, 1.0, False),
            ("lentil_soup", (L,), {"lentils": 100, "spinach": 50}, 0.0, False),
            ("salmon_rice", (D,), {"salmon": 100}, 1.0, False),
            ("tofu_stirfry", (D,), {"tofu": 100, "spinach": 50}, 0.0, False),
            ("yeast_popcorn", (S,), {"nutritional_yeast": 5, "oats": 20}, 3.0, True),
            ("cheese_plate", (S,), {"cheese": 40}, 0.6, False),
        ]
    )


def vegan_set() -> RecipeSet:
    """Vegan recipes; fortified B12 only at breakfast and lunch."""
    return recipe_set(
        [
            ("soy_oats", (B,), {"oats": 50, "soy_milk": 250}, 2.0, True),
            ("plain_oats", (B,), {"oats": 60}, 0.0, False),
            ("yeast_bowl", (L,), {"lentils": 100, "nutritional_yeast": 5}, 3.0, True),
            ("lentil_salad", (L,), {"lentils": 100, "spinach": 40}, 0.0, False),
            ("tofu_curry", (D,), {"tofu": 150}, 0.0, False),
            ("spinach_dal", (D,), {"lentils": 80, "spinach": 80}, 0.0, False),
            ("beef_steak", (D,), {"beef": 150}, 2.5, False),
        ]
    )


def m(uid: int, diet: Diet = Diet.OMNIVORE, target: float = 2.4, **kw) -> Member:
    return Member(uid, Profile(diet=diet, target_ug=target, name=f"m{uid}", **kw))


def expected_shopping(
    recipes: RecipeSet, hp: HouseholdPlan, members: Sequence[Member]
) -> dict[str, float]:
    """Grams to buy, recomputed: each meal x its eaters, each personal top-up once."""
    expected: dict[str, float] = {}
    for meal in hp.plan.meals:
        eating = sum(1 for x in members if meal.slot in x.profile.slots)
        for item, grams in recipes.recipes[meal.recipe_id].grams_per_serving.items():
            expected[item] = expected.get(item, 0.0) + grams * eating
        if meal.topup_item:
            expected[meal.topup_item] = expected.get(meal.topup_item, 0.0) + (
                meal.topup_grams * eating
            )
    for day in hp.members:
        for t in day.topups:
            if t.kind == KIND_ITEM:
                expected[t.ref_id] = expected.get(t.ref_id, 0.0) + t.grams
            else:
                for item, grams in recipes.recipes[t.ref_id].grams_per_serving.items():
                    expected[item] = expected.get(item, 0.0) + grams
    return expected
