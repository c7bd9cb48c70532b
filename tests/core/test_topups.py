"""Top-up labels: fortified foods named the way a sentence needs them, in plans and households."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from household_sets import m

from bot.core.household import KIND_ITEM, Member, plan_household_day
from bot.core.models import Diet, RecipeSet
from bot.core.topups import mid_sentence_name, topup_for

DAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Almond milk, vanilla, fortified", "fortified vanilla almond milk"),
        ("Soy milk, unsweetened, fortified", "fortified unsweetened soy milk"),
        ("Bran flakes, fortified", "fortified bran flakes"),
        ("Tofu, firm", "firm tofu"),
        ("Whole Grain Total (fortified cereal)", "Whole Grain Total (fortified cereal)"),
        ("Cheerios (fortified oat cereal)", "Cheerios (fortified oat cereal)"),
        ("Egg, whole, raw (large)", "raw whole egg (large)"),
        ("Tuna, light, canned in water, drained", "tuna, light, canned in water, drained"),
        ("Rolled oats", "rolled oats"),
        ("USDA cheese", "USDA cheese"),
    ],
)
def test_short_name_reads_naturally(name: str, expected: str) -> None:
    assert mid_sentence_name(name) == expected


def test_topup_labels_of_the_shipped_set_read_naturally(shipped: RecipeSet) -> None:
    rs = shipped
    labels = {i.id: t.label for i in rs.ingredients.values() if (t := topup_for(i))}
    assert labels["almond_milk_fortified"] == "a glass (250 ml) of fortified vanilla almond milk"
    assert labels["total_cereal"].endswith("of Whole Grain Total (fortified cereal)")
    for label in labels.values():
        assert ", fortified" not in label and "whole Grain" not in label
    # and household top-ups carry the same labels
    members = [Member(1, dataclasses.replace(m(1).profile, diet=Diet.VEGAN, target_ug=8.0))]
    hp = plan_household_day(rs, members, DAY)
    for t in hp.member(1).topups:
        if t.kind == KIND_ITEM:
            assert t.label == labels[t.ref_id]


def test_savoury_dishes_get_savoury_or_neutral_topups(shipped: RecipeSet) -> None:
    from bot.core.models import Slot
    from bot.core.topups import suits

    tops = {i.id: t for i in shipped.ingredients.values() if (t := topup_for(i))}
    assert tops["nutritional_yeast"].taste == "savoury"
    assert tops["almond_milk_fortified"].taste == "sweet"  # vanilla: never with chilli
    assert tops["soy_milk_fortified"].taste == "any"  # unsweetened, a glass on the side
    assert suits(tops["nutritional_yeast"], Slot.DINNER, "savoury")
    assert not suits(tops["almond_milk_fortified"], Slot.DINNER, "savoury")
    assert not suits(tops["nutritional_yeast"], Slot.BREAKFAST, "sweet")
    assert suits(tops["almond_milk_fortified"], Slot.BREAKFAST, "sweet")
    assert not suits(tops["bran_flakes"], Slot.DINNER, "sweet")  # no cereal on dinner


def test_a_topup_must_add_at_least_0_2_ug_absorbed() -> None:
    from bot.core.nutrition import absorbed_ug
    from bot.core.topups import TopUp, raises_absorbed_enough

    glass = TopUp("soy", 253.0, "a glass", 0.95, 80.0, 7.0, frozenset())
    assert raises_absorbed_enough(0.0, glass)  # 0.48 µg more absorbed
    assert absorbed_ug(3.95) - absorbed_ug(3.0) < 0.2
    assert not raises_absorbed_enough(3.0, glass)


def test_planned_topups_suit_the_dish_and_are_worth_it(shipped: RecipeSet) -> None:
    from bot.core.models import Profile
    from bot.core.nutrition import absorbed_ug
    from bot.core.week import plan_days

    seen = 0
    for region in ("uk", "us"):
        for target in (3.0, 4.0, 5.0):
            profile = Profile(diet=Diet.VEGAN, target_ug=target, region=region)
            for plan in plan_days(shipped, [profile], DAY, 28):
                for meal in plan.meals:
                    if not meal.topup_item:
                        continue
                    seen += 1
                    taste = shipped.recipes[meal.recipe_id].taste
                    item = topup_for(shipped.ingredients[meal.topup_item])
                    assert item is not None and item.taste in ("any", taste)
                    before = meal.b12_ug - meal.topup_b12_ug
                    assert absorbed_ug(meal.b12_ug) - absorbed_ug(before) >= 0.2 - 1e-9
    assert seen > 0
