"""Shopping lists on both engines: stored per owner, changed in one transaction, pruned."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.storage.family import HouseholdStore
from bot.storage.shopping import ShoppingStore, StoredList
from bot.storage.store import Store

DAY = dt.date(2026, 3, 2)


def _body(ticked: list[str]) -> dict[str, object]:
    return {"v": 1, "people": 1, "items": [["egg", "Egg", "2 eggs", "Dairy & eggs", 0]],
            "ticked": ticked, "hide": 0}  # fmt: skip


async def test_a_list_is_stored_and_read_back_by_id(store: Store) -> None:
    lists = ShoppingStore(store)
    first = await lists.create("u:1", DAY, 3, _body([]))
    second = await lists.create("h:7", DAY, 1, _body(["egg"]))
    assert first != second
    got = await lists.get(second)
    assert got == StoredList(second, "h:7", DAY, 1, _body(["egg"]))
    assert await lists.get(second + 1000) is None


async def test_change_writes_what_the_edit_returns_and_none_leaves_it(store: Store) -> None:
    lists = ShoppingStore(store)
    list_id = await lists.create("u:1", DAY, 1, _body([]))
    changed = await lists.change(list_id, lambda s: {**s.body, "ticked": ["egg"]})
    assert changed is not None and changed.body["ticked"] == ["egg"]
    untouched = await lists.change(list_id, lambda s: None)
    assert untouched is not None and untouched.body["ticked"] == ["egg"]
    assert (await lists.get(list_id)).body["ticked"] == ["egg"]  # type: ignore[union-attr]
    assert await lists.change(list_id + 99, lambda s: {}) is None


async def test_concurrent_changes_never_lose_one(store: Store) -> None:
    """Ten members tick ten different items at the same moment: all ten ticks stay."""
    lists = ShoppingStore(store)
    list_id = await lists.create("h:1", DAY, 1, _body([]))

    def add(item: str):  # type: ignore[no-untyped-def]
        return lambda s: {**s.body, "ticked": sorted({*s.body["ticked"], item})}

    await asyncio.gather(*(lists.change(list_id, add(f"i{n}")) for n in range(10)))
    got = await lists.get(list_id)
    assert got is not None and len(got.body["ticked"]) == 10


async def test_owner_lists_delete_and_prune(store: Store) -> None:
    lists = ShoppingStore(store)
    old = await lists.create("u:1", DAY - dt.timedelta(days=70), 1, _body([]))
    mine = await lists.create("u:1", DAY, 2, _body([]))
    theirs = await lists.create("u:2", DAY, 2, _body([]))
    assert [s.list_id for s in await lists.for_owner("u:1")] == [old, mine]
    assert await lists.prune(DAY - dt.timedelta(days=60), batch=1) == 1
    assert await lists.get(old) is None and await lists.get(mine) is not None
    assert await lists.delete_owner("u:1") == 1
    assert await lists.for_owner("u:1") == [] and await lists.get(theirs) is not None
    with pytest.raises(ValueError):
        await lists.prune(DAY, batch=0)


async def test_the_end_of_a_household_takes_its_lists(store: Store) -> None:
    """The last member leaving ends the household: its lists go with its plans."""
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    await store.ensure_user(1, 10, "Ann", now_utc=now)
    households = HouseholdStore(store)
    household = await households.create_household(1, "Ann's home", now)
    lists = ShoppingStore(store)
    theirs = await lists.create(f"h:{household.household_id}", DAY, 1, _body([]))
    mine = await lists.create("u:1", DAY, 1, _body([]))
    await households.leave(1)
    assert await lists.get(theirs) is None and await lists.get(mine) is not None
