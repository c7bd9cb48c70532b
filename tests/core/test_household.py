"""Household planning (pure): combined profile, own targets, personal top-ups, JSON, views."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from household_sets import B, D, L, S, expected_shopping, m, modest_set, recipe_set, vegan_set

from bot.core.household import (
    KIND_ITEM,
    KIND_SNACK,
    Member,
    evaluate,
    household_profile,
    missing_meal_notes,
    plan_household_day,
    refresh,
    swap_household_meal,
)
from bot.core.household_check import check_household
from bot.core.household_codec import household_from_dict, household_to_dict
from bot.core.household_view import member_view
from bot.core.models import DEFAULT_SLOTS, SLOT_ORDER, Diet, Profile, RecipeSet, Slot
from bot.core.plan_rules import check_plan
from bot.core.shopping import household_shopping, shopping_list

DAY = dt.date(2026, 3, 2)


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


def test_identical_for_everyone_and_independent_of_member_order(shipped: RecipeSet):
    rs = shipped
    members = [m(5, target=4.0), m(3, Diet.VEGAN), m(9, Diet.VEGETARIAN, 2.8)]
    first = plan_household_day(rs, members, DAY)
    for order in itertools.permutations(members):
        assert plan_household_day(rs, list(order), DAY) == first
    views = {uid: member_view(rs, first, uid) for uid in (3, 5, 9)}
    shared = [x.recipe_id for x in first.plan.meals]
    for view in views.values():
        assert [x.recipe_id for x in view.meals if x.servings == 3] == shared


def test_shipped_set_random_households_meet_every_target(shipped: RecipeSet):
    rs = shipped
    rng = random.Random(7)
    ids = sorted(rs.ingredients)
    for trial in range(25):
        members = [
            Member(
                uid,
                Profile(
                    diet=rng.choice(list(Diet)),
                    target_ug=rng.choice((2.4, 2.6, 2.8, 4.0, 5.0)),  # 5.0: EFSA, breastfeeding
                    exclude=frozenset(rng.sample(ids, rng.choice((0, 1, 2)))),
                    slots=rng.choice((DEFAULT_SLOTS, SLOT_ORDER, (B, D))),
                    # US-fortified foods reach even 6 µg; UK/EU values are checked below
                    region="us",
                ),
            )
            for uid in range(1, rng.randint(2, 4) + 1)
        ]
        day = DAY + dt.timedelta(days=trial)
        hp = plan_household_day(rs, members, day)
        problems = check_household(rs, hp, members)
        assert problems == [] or not all(d.met for d in hp.members), problems
        assert all(d.met for d in hp.members), [d.notes for d in hp.members]


def test_uk_households_never_call_a_member_met_while_a_rule_fails(shipped: RecipeSet):
    rng = random.Random(11)
    for trial in range(20):
        members = [
            Member(
                uid,
                Profile(
                    diet=rng.choice(list(Diet)),
                    target_ug=rng.choice((2.4, 3.0, 4.0)),
                    slots=rng.choice((DEFAULT_SLOTS, SLOT_ORDER)),
                    region="uk",
                    life_stage=rng.choice(("none", "over50", "pregnant")),
                ),
            )
            for uid in range(1, rng.randint(2, 3) + 1)
        ]
        hp = plan_household_day(shipped, members, DAY + dt.timedelta(days=trial))
        problems = check_household(shipped, hp, members)
        met_ids = {d.user_id for d in hp.members if d.met}
        # every problem names a member who is not shown as met
        assert not [p for p in problems if any(p.startswith(f"{u}:") for u in met_ids)], problems
        for d in hp.members:
            assert d.met == (not d.misses), (d.met, d.misses)


def test_swap_changes_shared_meal_for_everyone_and_keeps_targets(shipped: RecipeSet):
    rs = shipped
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


def test_json_round_trip_and_history_sees_meals(shipped: RecipeSet):
    rs = shipped
    members = [m(1, target=4.0), m(2, Diet.VEGAN, exclude=frozenset({"soy_milk_fortified"}))]
    hp = plan_household_day(rs, members, DAY)
    data = household_to_dict(hp)
    assert [x["recipe_id"] for x in data["meals"]] == [x.recipe_id for x in hp.plan.meals]
    assert household_from_dict(data) == hp
    broken = dict(data)
    broken.pop("household")
    with pytest.raises(ValueError, match="household"):
        household_from_dict(broken)


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


# --------------------------------------------------------------------------- notes on missing meals


def breakfast_only_with_egg():  # type: ignore[no-untyped-def]
    """Every breakfast has egg; lunch, dinner and a snack do not."""
    return recipe_set(
        [
            ("egg_toast", (B,), {"egg": 50, "oats": 40}, 1.0, False),
            ("egg_porridge", (B,), {"egg": 30, "oats": 60}, 0.8, False),
            ("beef_stew", (L,), {"beef": 100, "lentils": 50}, 1.0, False),
            ("salmon_rice", (D,), {"salmon": 100}, 1.0, False),
            ("cheese_plate", (S,), {"cheese": 40}, 0.6, False),
        ]
    )


def test_household_member_is_told_which_meal_is_missing_and_why() -> None:
    rs = breakfast_only_with_egg()
    ann = m(1)
    ben = m(2, exclude=frozenset({"egg"}))
    hp = plan_household_day(rs, [ann, ben], DAY)
    assert hp.plan.meal(Slot.BREAKFAST) is None  # the planner could not fill it
    ben_view = member_view(rs, hp, 2)
    ann_view = member_view(rs, hp, 1)
    ben_notes = [n for n in ben_view.notes if "breakfast" in n]
    ann_notes = [n for n in ann_view.notes if "breakfast" in n]
    assert len(ben_notes) == 1 and "your diet and exclusions" in ben_notes[0]
    assert "/settings" in ben_notes[0]  # Ben can change it
    assert len(ann_notes) == 1 and "m2's diet and exclusions" in ann_notes[0]  # names Ben
    assert "lunch" not in ben_notes[0] and "dinner" not in ben_notes[0]
    # the shortfall stays in the view, and the notes survive storage
    assert ben_view.shortfall_ug == pytest.approx(max(0.0, 2.4 - ben_view.b12_ug))
    again = household_from_dict(household_to_dict(hp))
    assert member_view(rs, again, 2).notes == ben_view.notes


def test_missing_meal_from_the_combination_is_named_as_such() -> None:
    rs = recipe_set(
        [
            ("egg_cheese", (B,), {"egg": 50, "cheese": 20}, 1.2, False),
            ("salmon_rice", (L,), {"salmon": 100}, 1.0, False),
            ("beef_stew", (D,), {"beef": 100}, 1.0, False),
        ]
    )
    # m1's exclusion alone rules out the one breakfast: m1 is told it is theirs, m2 who
    members = [m(1, exclude=frozenset({"egg"})), m(2)]
    one = missing_meal_notes(rs, plan_household_day(rs, members, DAY).plan, members)
    assert "your diet and exclusions" in one[1][0] and "m1's" in one[2][0]
    two = recipe_set(
        [
            ("egg_toast", (B,), {"egg": 50}, 1.0, False),
            ("cheese_toast", (B,), {"cheese": 40}, 0.6, False),
            ("salmon_rice", (L,), {"salmon": 100}, 1.0, False),
        ]
    )
    members = [m(1, exclude=frozenset({"egg"})), m(2, exclude=frozenset({"cheese"}))]
    hp = plan_household_day(two, members, DAY)
    notes = missing_meal_notes(two, hp.plan, members)
    assert all("everyone's diets and exclusions together" in notes[u][0] for u in (1, 2))


def test_member_kcal_range_and_no_notes_when_every_meal_is_there() -> None:
    rs = modest_set()
    members = [m(1), m(2, kcal_range=(100.0, 200.0))]
    hp = plan_household_day(rs, members, DAY)
    assert not any("recipe fits" in n or "has no" in n for n in hp.member(1).notes)
    assert any(n.startswith("Calories") for n in hp.member(2).notes)
    assert not any(n.startswith("Calories") for n in hp.member(1).notes)


# ----------------------------------------------------------------- members who eat different meals


def _ana_ben() -> list[Member]:
    return [m(1, slots=(B, D, S)), m(2, slots=(B, L, D))]


def test_members_with_different_meals_see_the_same_shared_menu() -> None:
    rs = modest_set()
    members = _ana_ben()
    hp = plan_household_day(rs, members, DAY)
    assert [x.slot for x in hp.plan.meals] == [B, L, D, S]  # the union of both members' meals
    menu = {rs.recipes[x.recipe_id].name for x in hp.plan.meals}
    for uid, skipped in ((1, L), (2, S)):
        view = member_view(rs, hp, uid)
        skipped_id = hp.plan.meal(skipped).recipe_id
        assert skipped_id not in {x.recipe_id for x in view.meals}  # not one of their meals
        marked = [n for n in view.notes if "(not in your meals)" in n]
        assert len(marked) == 1 and rs.recipes[skipped_id].name in marked[0]
        seen = {rs.recipes[x.recipe_id].name for x in view.meals} | {
            name for name in menu if name in marked[0]
        }
        assert menu <= seen  # every shared meal is shown to every member
        # the skipped meal is not in the member's own total
        day = hp.member(uid)
        assert skipped not in day.slots
        eaten = sum(x.b12_ug for x in hp.plan.meals if x.slot != skipped)
        assert day.shared_b12_ug == pytest.approx(eaten)
        assert view.b12_ug == pytest.approx(day.b12_ug)
        assert sum(x.b12_ug for x in view.meals) == pytest.approx(view.b12_ug)
    assert check_household(rs, hp, members) == []


def test_servings_count_only_the_members_who_eat_each_meal() -> None:
    rs = modest_set()
    members = _ana_ben()
    hp = plan_household_day(rs, members, DAY)
    assert {x.slot: x.servings for x in hp.plan.meals} == {B: 2, L: 1, D: 2, S: 1}
    # the same after a swap, and check_household catches a wrong count
    swapped = swap_household_meal(rs, members, hp, L)
    assert {x.slot: x.servings for x in swapped.plan.meals} == {B: 2, L: 1, D: 2, S: 1}
    from dataclasses import replace

    wrong = replace(hp, plan=replace(hp.plan, meals=tuple(
        replace(x, servings=2) for x in hp.plan.meals
    )))  # fmt: skip
    assert any("lunch: 2 servings for 1" in p for p in check_household(rs, wrong, members))


def test_household_shopping_buys_each_meal_for_its_eaters_and_topups_once() -> None:
    rs = modest_set()
    members = [m(1, target=4.0, slots=(B, D, S)), m(2, slots=(B, L, D))]
    hp = plan_household_day(rs, members, DAY)
    assert any(d.topups for d in hp.members)  # the personal side is exercised too
    got = {i.item_id: i.grams for i in household_shopping(rs, [hp])}
    assert got == pytest.approx(expected_shopping(rs, hp, members))


def test_refresh_keeps_the_menu_when_a_member_changes_meals_only_servings_move() -> None:
    rs = modest_set()
    members = _ana_ben()
    hp = plan_household_day(rs, members, DAY)
    ben_snacks = [members[0], m(2, slots=(B, L, D, S))]
    kept = refresh(rs, hp, ben_snacks)
    assert kept is not None
    assert [x.recipe_id for x in kept.plan.meals] == [x.recipe_id for x in hp.plan.meals]
    assert kept.plan.meal(S).servings == 2
    assert check_household(rs, kept, ben_snacks) == []
