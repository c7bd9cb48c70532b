"""Household planning (pure): combined profile, own targets, personal top-ups, JSON, views."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path

import pytest
from planner_oracle import ingredient_table, make_recipe

from bot.core.household import (
    KIND_ITEM,
    KIND_SNACK,
    Member,
    check_household,
    evaluate,
    from_dict,
    household_profile,
    household_shopping,
    member_view,
    plan_household_day,
    refresh,
    swap_household_meal,
    to_dict,
)
from bot.core.models import DEFAULT_SLOTS, SLOT_ORDER, Diet, Profile, RecipeSet, Slot
from bot.core.planner import check_plan
from bot.core.shopping import shopping_list

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 3, 2)
B, L, D, S = Slot.BREAKFAST, Slot.LUNCH, Slot.DINNER, Slot.SNACK


def _set(spec: list[tuple[str, tuple[Slot, ...], dict[str, float], float, bool]]) -> RecipeSet:
    table = ingredient_table()
    recipes = {
        rid: make_recipe(rid, meals, items, b12, 400.0, table, fortified=fort)
        for rid, meals, items, b12, fort in spec
    }
    return RecipeSet(ingredients=table, recipes=recipes)


def modest_set() -> RecipeSet:
    """Omnivore food reaches 2.4-3.0 µg a day at most: enough for one member, not for 4.0."""
    return _set(
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
    return _set(
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


def _shipped() -> RecipeSet:
    if not (ROOT / "recipes" / "ingredients.yaml").exists():
        pytest.skip("recipes not there")
    from bot.core.recipes import load_recipes

    return load_recipes(ROOT / "recipes")


def m(uid: int, diet: Diet = Diet.OMNIVORE, target: float = 2.4, **kw) -> Member:
    return Member(uid, Profile(diet=diet, target_ug=target, name=f"m{uid}", **kw))


def test_combined_profile_is_strictest_diet_union_of_exclusions_and_slots():
    members = [
        m(1, Diet.OMNIVORE, 4.0, exclude=frozenset({"tofu"})),
        m(2, Diet.VEGETARIAN, 2.4, exclude=frozenset({"cheese"}), slots=SLOT_ORDER),
    ]
    p = household_profile(members)
    assert p.diet == Diet.VEGETARIAN
    assert p.exclude == {"tofu", "cheese"}
    assert p.slots == SLOT_ORDER


def test_everyone_met_by_shared_meals_needs_no_topups():
    rs = modest_set()
    members = [m(1, target=2.4), m(2, target=2.4)]
    hp = plan_household_day(rs, members, DAY)
    assert all(meal.servings == 2 for meal in hp.plan.meals)
    assert all(day.met and not day.topups for day in hp.members)
    assert check_household(rs, hp, members) == []
    assert check_plan(rs, [household_profile(members)] * 2, hp.plan) == []


def test_higher_target_gets_a_personal_topup_and_nobody_loses_theirs():
    rs = modest_set()
    members = [m(1, target=4.0), m(2, target=2.4)]
    hp = plan_household_day(rs, members, DAY)
    ana, ben = hp.member(1), hp.member(2)
    assert (ana.target_ug, ben.target_ug) == (4.0, 2.4)  # own targets, none lowered
    assert ben.met and not ben.topups  # the shared meals alone meet the lower target
    assert ana.met and ana.topups  # the higher one gets a personal top-up
    assert ana.b12_ug >= 4.0 and ana.absorbed_ug >= 2.0
    assert ana.shared_b12_ug < 4.0
    assert all(meal.topup_item is None for meal in hp.plan.meals)  # nothing added for Ben
    assert check_household(rs, hp, members) == []


def test_personal_topup_respects_that_members_diet_and_exclusions():
    rs = modest_set()
    members = [
        m(1, Diet.VEGAN, 2.4, exclude=frozenset({"nutritional_yeast"})),
        m(2, Diet.VEGAN, 2.4),
    ]
    # vegan shared meals here have at most 0 µg except the fortified snack recipe (not planned:
    # no one eats snacks), so every member needs top-ups of their own
    hp = plan_household_day(rs, members, DAY)
    one = hp.member(1)
    for t in one.topups:
        assert t.ref_id != "nutritional_yeast"
        if t.kind == KIND_SNACK:
            assert "nutritional_yeast" not in rs.recipes[t.ref_id].item_ids
        else:
            assert rs.ingredients[t.ref_id].kind.value == "plant"
    assert check_household(rs, hp, members) == []


def test_vegan_child_in_omnivore_family_gets_fortified_meals():
    rs = vegan_set()
    parent = m(1, Diet.OMNIVORE, 2.4)
    child = m(2, Diet.VEGAN, 2.4, slots=(B, D))  # skips lunch, where one fortified meal is
    hp = plan_household_day(rs, [parent, child], DAY)
    assert all(rs.recipes[x.recipe_id].diet == Diet.VEGAN for x in hp.plan.meals)
    kid = hp.member(2)
    assert kid.met and kid.fortified_meals >= 2
    assert any(t.kind == KIND_ITEM and t.slot == D for t in kid.topups) or any(
        t.kind == KIND_SNACK for t in kid.topups
    )
    assert hp.member(1).met and not hp.member(1).topups
    assert check_household(rs, hp, [parent, child]) == []


def test_identical_for_everyone_and_independent_of_member_order():
    rs = _shipped()
    members = [m(5, target=4.0), m(3, Diet.VEGAN), m(9, Diet.VEGETARIAN, 2.8)]
    first = plan_household_day(rs, members, DAY)
    for order in itertools.permutations(members):
        assert plan_household_day(rs, list(order), DAY) == first
    views = {uid: member_view(rs, first, uid) for uid in (3, 5, 9)}
    shared = [x.recipe_id for x in first.plan.meals]
    for view in views.values():
        assert [x.recipe_id for x in view.meals if x.servings == 3] == shared


def test_shipped_set_random_households_meet_every_target():
    rs = _shipped()
    rng = random.Random(7)
    ids = sorted(rs.ingredients)
    for trial in range(25):
        members = [
            Member(
                uid,
                Profile(
                    diet=rng.choice(list(Diet)),
                    target_ug=rng.choice((2.4, 2.6, 2.8, 4.0, 6.0)),
                    exclude=frozenset(rng.sample(ids, rng.choice((0, 1, 2)))),
                    slots=rng.choice((DEFAULT_SLOTS, SLOT_ORDER, (B, D))),
                ),
            )
            for uid in range(1, rng.randint(2, 4) + 1)
        ]
        day = DAY + dt.timedelta(days=trial)
        hp = plan_household_day(rs, members, day)
        problems = check_household(rs, hp, members)
        assert problems == [] or not all(d.met for d in hp.members), problems
        assert all(d.met for d in hp.members), [d.notes for d in hp.members]


def test_swap_changes_shared_meal_for_everyone_and_keeps_targets():
    rs = _shipped()
    members = [m(1, target=4.0), m(2, Diet.VEGAN)]
    hp = plan_household_day(rs, members, DAY)
    new = swap_household_meal(rs, members, hp, L)
    assert new.plan.meal(L).recipe_id != hp.plan.meal(L).recipe_id
    assert check_household(rs, new, members) == []
    for uid in (1, 2):
        assert member_view(rs, new, uid).meal(L).recipe_id == new.plan.meal(L).recipe_id


def test_refresh_keeps_meals_but_recomputes_topups_and_replans_on_member_change():
    rs = modest_set()
    members = [m(1, target=2.4), m(2, target=2.4)]
    hp = plan_household_day(rs, members, DAY)
    raised = [m(1, target=4.0), m(2, target=2.4)]
    kept = refresh(rs, hp, raised)
    assert kept is not None and kept.plan == hp.plan
    assert kept.member(1).topups and kept.member(1).met
    assert refresh(rs, hp, [*members, m(3)]) is None  # a new member: servings change
    assert refresh(rs, hp, [m(1, Diet.VEGAN), m(2)]) is None  # the meals break a new diet


def test_member_view_folds_personal_topups_into_their_own_total():
    rs = modest_set()
    members = [m(1, target=4.0), m(2, target=2.4)]
    hp = plan_household_day(rs, members, DAY)
    ana = member_view(rs, hp, 1)
    ben = member_view(rs, hp, 2)
    assert ana.target_ug == 4.0 and ana.b12_ug == pytest.approx(hp.member(1).b12_ug)
    assert ben.b12_ug == pytest.approx(hp.member(2).b12_ug) and ben.target_ug == 2.4
    assert ana.meets_target and ben.meets_target
    assert sum(x.b12_ug for x in ana.meals) == pytest.approx(ana.b12_ug)
    assert any("just for you" in x.topup_label for x in ana.meals if x.topup_item) or any(
        x.servings == 1 for x in ana.meals
    )
    assert not any("just for you" in x.topup_label for x in ben.meals)
    with pytest.raises(KeyError):
        member_view(rs, hp, 99)


def test_json_round_trip_and_history_sees_meals():
    rs = _shipped()
    members = [m(1, target=4.0), m(2, Diet.VEGAN, exclude=frozenset({"soy_milk_fortified"}))]
    hp = plan_household_day(rs, members, DAY)
    data = to_dict(hp)
    assert [x["recipe_id"] for x in data["meals"]] == [x.recipe_id for x in hp.plan.meals]
    assert from_dict(data) == hp
    broken = dict(data)
    broken.pop("household")
    with pytest.raises(ValueError, match="household"):
        from_dict(broken)


def test_household_shopping_counts_every_serving_and_personal_topups():
    rs = modest_set()
    members = [m(1, target=4.0), m(2, target=2.4)]
    hp = plan_household_day(rs, members, DAY)
    items = {i.item_id: i.grams for i in household_shopping(rs, [hp])}
    shared = {i.item_id: i.grams for i in shopping_list(rs, [hp.plan])}
    for item_id, grams in shared.items():
        assert items[item_id] >= grams - 1e-9
    for t in hp.member(1).topups:
        if t.kind == KIND_ITEM:
            assert items[t.ref_id] == pytest.approx(shared.get(t.ref_id, 0.0) + t.grams)
        else:
            for item_id, grams in rs.recipes[t.ref_id].grams_per_serving.items():
                assert items[item_id] >= grams
    # twice the members -> twice each shared amount
    single = plan_household_day(rs, [m(1)], DAY)
    one = {i.item_id: i.grams for i in shopping_list(rs, [single.plan])}
    two = {i.item_id: i.grams for i in shopping_list(rs, [evaluate(rs, hp.plan, members).plan])}
    assert sum(two.values()) == pytest.approx(
        sum(
            rs.recipes[x.recipe_id].grams_per_serving[i] * 2
            for x in hp.plan.meals
            for i in rs.recipes[x.recipe_id].grams_per_serving
        )
    )
    assert one  # a one-person household still plans


def test_no_members_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one member"):
        plan_household_day(modest_set(), [], DAY)
