"""What a household member planned, meal by meal: the shared meals they eat, their personal
top-ups and snacks, valued with their own product labels."""

from __future__ import annotations

import datetime as dt

import pytest
from household_sets import m, modest_set

from bot.core.household import KIND_ITEM, KIND_SNACK, plan_household_day
from bot.core.household_view import member_view
from bot.core.products import with_products
from bot.services.tracking import member_planned_b12, member_planned_by_slot

DAY = dt.date(2026, 3, 2)


def test_member_planned_b12_counts_personal_items_and_snacks_with_own_products() -> None:
    rs = modest_set()
    members = [m(1, target=2.4), m(2, target=6.0)]
    hp = plan_household_day(rs, members, DAY)
    ben = hp.member(2)
    assert {t.kind for t in ben.topups} == {KIND_ITEM, KIND_SNACK}
    per_meal = member_planned_b12(hp, 2)
    assert sum(per_meal) == pytest.approx(member_view(rs, hp, 2).b12_ug)
    assert sum(per_meal) == pytest.approx(ben.b12_ug)
    assert len(per_meal) == len(ben.slots) + 1  # the personal snack is its own meal
    # with Ben's own label for nutritional yeast (half the typical), the items count less
    yeast = rs.ingredients["nutritional_yeast"].per_100g.b12_ug
    mine = with_products(rs, {"nutritional_yeast": yeast / 2})
    grams = sum(t.grams for t in ben.topups if t.ref_id == "nutritional_yeast")
    snack = next(t for t in ben.topups if t.kind == KIND_SNACK)
    expected = sum(meal.b12_ug for meal in hp.plan.meals if meal.slot in ben.slots)
    expected += yeast / 2 * grams / 100 + mine.recipes[snack.ref_id].b12_ug
    assert sum(member_planned_b12(hp, 2, mine)) == pytest.approx(expected)
    assert sum(member_planned_b12(hp, 1)) == pytest.approx(hp.member(1).b12_ug)
    with pytest.raises(KeyError):
        member_planned_b12(hp, 99)


def test_personal_item_on_a_meal_with_a_shared_topup_is_counted() -> None:
    rs = modest_set()
    # food alone meets nobody: the shared plan carries top-ups for everyone, and the member
    # with the higher target adds personal items to the same meals
    hp = plan_household_day(rs, [m(1, target=5.0), m(2, target=8.0)], DAY)
    shared = {meal.slot: meal for meal in hp.plan.meals}
    items = [t for t in hp.member(2).topups if t.kind == KIND_ITEM]
    both = [t for t in items if shared[t.slot].topup_item is not None]
    assert both, "the case under test: a personal item on a meal with a shared top-up"
    by_slot = member_planned_by_slot(hp, 2)
    for t in both:
        assert by_slot[t.slot] == pytest.approx(shared[t.slot].b12_ug + t.b12_ug)
    assert sum(by_slot.values()) == pytest.approx(member_view(rs, hp, 2).b12_ug)
    assert sum(member_planned_by_slot(hp, 2, rs).values()) == pytest.approx(hp.member(2).b12_ug)


async def test_weekly_dose_covers_the_next_six_days_in_the_tally(store) -> None:
    from store_helpers import add_user

    from bot.services.tracking import day_tallies, tracking_store

    monday = dt.date(2026, 11, 2)
    now = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    await add_user(store, 7, now)
    ts = tracking_store(store)
    await ts.log_dose(7, monday, 2000.0, "oral", taken_utc=now)
    await ts.log_dose(7, monday + dt.timedelta(days=9), 10.0, "oral", taken_utc=now)
    user = await store.get_user(7)
    assert user is not None
    # the window starts after the dose: the dose before it still covers the first days
    start = monday + dt.timedelta(days=2)
    tallies = await day_tallies(ts, user, start, monday + dt.timedelta(days=10))
    covered = [t.date for t in tallies if t.covered]
    assert covered == [monday + dt.timedelta(days=i) for i in range(2, 7)]
    assert all(t.short_of(2.4) == 0 for t in tallies if t.covered)
    small = next(t for t in tallies if t.date == monday + dt.timedelta(days=9))
    assert not small.covered and small.short_of(12.0) == pytest.approx(2.0)


async def test_user_recipes_value_checkoffs_with_the_users_region(store, shipped) -> None:
    from dataclasses import replace

    from store_helpers import add_user

    from bot.services.tracking import tracking_store, user_recipes

    await add_user(store, 8, dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    ts = tracking_store(store)
    user = await store.get_user(8)
    assert user is not None and user.region is None
    us = await user_recipes(ts, shipped, replace(user, region="us"))
    uk = await user_recipes(ts, shipped, replace(user, region="uk"))
    looked_up = await user_recipes(ts, shipped, user)  # no region chosen: the lowest values
    rid = "soy_hot_chocolate"
    assert us.recipes[rid].b12_ug > 2.5 * uk.recipes[rid].b12_ug
    assert looked_up.region == "any"
    assert looked_up.recipes[rid].b12_ug == pytest.approx(uk.recipes[rid].b12_ug)


async def test_a_tablet_within_an_hour_of_a_ticked_meal_is_absorbed_with_it(store) -> None:
    """The gut's uptake saturates per dose: a tablet 30 min after breakfast joins that dose,
    one taken 5 hours later is a dose of its own."""
    from store_helpers import add_user

    from bot.core.nutrition import absorbed_ug
    from bot.services.tracking import day_tallies, tracking_store

    day = dt.date(2026, 11, 3)
    breakfast = dt.datetime(2026, 11, 3, 7, 0, tzinfo=dt.UTC)
    await add_user(store, 9, breakfast)
    ts = tracking_store(store)
    await ts.log_meal(9, day, "breakfast", None, "eaten", 1.5, now_utc=breakfast)
    await ts.log_dose(9, day, 10.0, "oral", taken_utc=breakfast + dt.timedelta(minutes=30))
    user = await store.get_user(9)
    assert user is not None
    (together,) = await day_tallies(ts, user, day, day)
    assert together.absorbed_ug == pytest.approx(absorbed_ug(11.5))

    await ts.log_dose(9, day, 10.0, "oral", taken_utc=breakfast + dt.timedelta(hours=5))
    (apart,) = await day_tallies(ts, user, day, day)
    assert apart.absorbed_ug == pytest.approx(absorbed_ug(11.5) + absorbed_ug(10.0))
