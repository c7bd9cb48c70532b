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
