"""The account service: /export carries the household, /delete leaves the remaining members a
household plan made for them (today on) and past days without the erased member."""

from __future__ import annotations

import datetime as dt

from store_helpers import add_user

from bot.core.models import RecipeSet
from bot.services.container import Services
from bot.storage.store import Store, household_owner

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ANA, BEN = 987654321987, 123123123


async def household_of_two(store: Store, shipped: RecipeSet) -> tuple[Services, int]:
    svc = Services(store, shipped, now=lambda: NOW)
    await add_user(store, ANA, NOW, name="Zephyrine", diet="vegan", target_ug=7.37)
    await add_user(store, BEN, NOW, name="Ben", diet="omnivore")
    home = await svc.households.create_household(ANA, "Zephyrine's family", NOW)
    invite = await svc.households.create_invite(home.household_id, ANA, NOW)
    await svc.households.join(BEN, invite.token, NOW + dt.timedelta(minutes=1))
    return svc, home.household_id


async def test_delete_replans_today_for_the_remaining_members(
    store: Store, shipped: RecipeSet
) -> None:
    svc, household_id = await household_of_two(store, shipped)
    today = NOW.date()
    yesterday = today - dt.timedelta(days=1)
    for day in (yesterday, today, today + dt.timedelta(days=1)):
        plan = await svc.plans.household_plan(household_id, day)
        assert {m.user_id for m in plan.members} == {ANA, BEN}

    exported = await svc.account.export(ANA)
    assert exported["settings"]["first_name"] == "Zephyrine"
    assert [p["day"] for p in exported["household"]["plans"]] == [
        d.isoformat() for d in (yesterday, today, today + dt.timedelta(days=1))
    ]
    assert exported["household"]["members"][1]["name"] == "Ben"

    deleted = await svc.account.delete(ANA)

    erased = deleted.erased
    assert erased.household_id == household_id and erased.renamed == (household_id,)
    assert erased.new_owner_id == BEN
    assert [u.user_id for u in deleted.remaining] == [BEN]
    assert deleted.household_name == "Our household"
    assert await store.get_user(ANA) is None
    for day in (yesterday, today, today + dt.timedelta(days=1)):
        raw = await store.get_plan(household_owner(household_id), day)
        if raw is not None:
            assert [m["user_id"] for m in raw["household"]["members"]] == [BEN]
            assert "Zephyrine" not in str(raw)
    assert await store.get_plan(household_owner(household_id), yesterday) is not None
    plan = await svc.plans.household_plan(household_id, today)
    assert [m.user_id for m in plan.members] == [BEN]
    assert plan.members[0].target_ug != 7.37
    home = await svc.households.get_household(household_id)
    assert home is not None and "Zephyrine" not in home.name


async def test_export_of_a_user_without_household(store: Store, shipped: RecipeSet) -> None:
    svc = Services(store, shipped, now=lambda: NOW)
    await add_user(store, BEN, NOW, name="Ben")
    exported = await svc.account.export(BEN)
    assert exported["household"] is None
    assert exported["settings"]["first_name"] == "Ben"
    assert exported["invites_you_made"] == [] and exported["shopping_lists"] == []
