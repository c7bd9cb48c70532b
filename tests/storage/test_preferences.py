"""Recipe preferences and the cooking-time column on SQLite and PostgreSQL: one mark per
recipe, cleared by the same tap, bounded, read in batches, exported and erased with the
user."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.preferences import FAVOURITE, MAX_PREFS, NEVER, RecipePrefs
from bot.storage.preferences import PreferenceStore, TooManyPrefsError
from bot.storage.store import Store
from bot.storage.tracking import TrackingStore

NOW = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


async def test_marks_are_one_per_recipe_and_clear(store: Store) -> None:
    await store.ensure_user(1, 10, "Ana", now_utc=NOW)
    await store.ensure_user(2, 20, "Ben", now_utc=NOW)
    prefs = PreferenceStore(store)
    await prefs.set_pref(1, "shakshuka", FAVOURITE, now_utc=NOW)
    await prefs.set_pref(1, "tofu_scramble_toast", NEVER, now_utc=NOW)
    await prefs.set_pref(2, "shakshuka", NEVER, now_utc=NOW)
    assert await prefs.prefs(1) == RecipePrefs(
        favourites=frozenset({"shakshuka"}), never=frozenset({"tofu_scramble_toast"})
    )
    await prefs.set_pref(1, "shakshuka", NEVER, now_utc=NOW)  # never replaces the favourite
    assert (await prefs.prefs(1)).kind("shakshuka") == NEVER
    await prefs.set_pref(1, "shakshuka", None, now_utc=NOW)
    assert (await prefs.prefs(1)).kind("shakshuka") is None
    many = await prefs.prefs_many([1, 2, 3])
    assert set(many) == {1, 2} and many[2].never == frozenset({"shakshuka"})
    assert await prefs.prefs(3) == RecipePrefs()
    with pytest.raises(ValueError, match="unknown preference"):
        await prefs.set_pref(1, "shakshuka", "love", now_utc=NOW)
    with pytest.raises(ValueError, match="1-80"):
        await prefs.set_pref(1, "x" * 81, FAVOURITE, now_utc=NOW)


async def test_marks_are_bounded(store: Store) -> None:
    await store.ensure_user(1, 10, "Ana", now_utc=NOW)
    prefs = PreferenceStore(store)
    for i in range(MAX_PREFS):
        await prefs.set_pref(1, f"r{i}", FAVOURITE, now_utc=NOW)
    with pytest.raises(TooManyPrefsError):
        await prefs.set_pref(1, "one_more", FAVOURITE, now_utc=NOW)
    await prefs.set_pref(1, "r0", NEVER, now_utc=NOW)  # changing a kept mark still works


async def test_cooking_time_is_a_checked_user_setting(store: Store) -> None:
    await store.ensure_user(1, 10, "Ana", now_utc=NOW)
    user = await store.update_user(1, max_cook_min=30, now_utc=NOW)
    assert user.max_cook_min == 30 and (await store.get_user(1)) == user
    with pytest.raises(ValueError, match="max cooking time"):
        await store.update_user(1, max_cook_min=20, now_utc=NOW)
    assert (await store.update_user(1, max_cook_min=None, now_utc=NOW)).max_cook_min is None


async def test_export_lists_the_marks_and_delete_erases_them(store: Store) -> None:
    await store.ensure_user(1, 10, "Ana", now_utc=NOW)
    prefs = PreferenceStore(store)
    await prefs.set_pref(1, "shakshuka", FAVOURITE, now_utc=NOW)
    exported = await TrackingStore(store).export_user(1)
    rows = exported["tables"]["recipe_prefs"]
    assert [(r["recipe_id"], r["kind"]) for r in rows] == [("shakshuka", FAVOURITE)]
    await store.delete_user(1)
    await store.ensure_user(1, 10, "Ana", now_utc=NOW)
    assert await prefs.prefs(1) == RecipePrefs()
