"""PlanService.settings_changed: stored days reshaped only where they must change, on the real
store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from store_helpers import add_user

from bot.core.models import Diet, RecipeSet, Slot
from bot.core.recipe_search import match_ingredient
from bot.services.plans import PlanService
from bot.services.tracking import tracking_store
from bot.storage.family import HouseholdStore
from bot.storage.store import Store

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # 10:00 in Berlin
TODAY = dt.date(2026, 11, 24)


def service(store: Store, recipes: RecipeSet) -> PlanService:
    return PlanService(
        store, HouseholdStore(store), tracking_store(store), recipes, now=lambda: NOW
    )


async def test_unchanged_settings_keep_every_stored_day_with_its_swap(
    store: Store, shipped: RecipeSet
) -> None:
    await add_user(store, 1, NOW, diet=Diet.VEGAN, region="eu")
    plans = service(store, shipped)
    user = await store.get_user(1)
    assert user is not None
    await plans.days(user, TODAY, 3)
    swapped = await plans.swap_meal(user, TODAY, Slot.DINNER)
    results = await plans.settings_changed(user)
    assert [day for day, _ in results] == [TODAY + dt.timedelta(days=i) for i in range(3)]
    assert not any(r.changed or r.changes for _, r in results)
    assert await plans.stored_plan(user, TODAY) == swapped


async def test_exclusion_reshapes_today_and_later_days_and_keeps_the_eaten_meal(
    store: Store, shipped: RecipeSet
) -> None:
    await add_user(store, 2, NOW, diet=Diet.VEGETARIAN, region="eu")
    plans = service(store, shipped)
    user = await store.get_user(2)
    assert user is not None
    week = await plans.days(user, TODAY, 7)
    breakfast = week[0].meal(Slot.BREAKFAST)
    assert breakfast is not None
    await plans.tracking.log_meal(
        2, TODAY, "breakfast", breakfast.recipe_id, "eaten", breakfast.b12_ug, now_utc=NOW
    )
    # leave out a food of today's breakfast: the eaten breakfast still stays
    items = sorted(shipped.recipes[breakfast.recipe_id].item_ids - {"water", "salt"})
    word = next(i for i in items if match_ingredient(shipped, i).ids)
    user = await store.update_user(2, exclude=frozenset({word}), now_utc=NOW)
    results = dict(await plans.settings_changed(user))
    today = await plans.stored_plan(user, TODAY)
    assert today is not None and today.meal(Slot.BREAKFAST) == breakfast
    assert results[TODAY].kept_ticked == (Slot.BREAKFAST,)
    for offset, old in enumerate(week):
        day = TODAY + dt.timedelta(days=offset)
        new = await plans.stored_plan(user, day)
        assert new is not None
        for before, after in zip(old.meals, new.meals, strict=True):
            if day == TODAY and before.slot == Slot.BREAKFAST:
                continue
            has_it = word in shipped.recipes[before.recipe_id].item_ids
            assert (before.recipe_id != after.recipe_id) == has_it, (day, before.slot)
            assert word not in shipped.recipes[after.recipe_id].item_ids
