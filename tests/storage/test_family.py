"""HouseholdStore: households, roles, invites, group links and the group push ledger."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from bot.storage.family import (
    INVITE_TTL,
    AlreadyInHouseholdError,
    FamilyError,
    HouseholdStore,
    NotMemberError,
    NotOwnerError,
    looks_like_token,
    token_hash,
)
from bot.storage.migrations import MIGRATIONS
from bot.storage.store import Store, household_owner

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def stores(tmp_path):
    store = await Store.open(tmp_path / "family.sqlite3")
    for uid, name in ((1, "Ana"), (2, "Ben"), (3, "Cleo"), (4, "Dev")):
        await store.ensure_user(uid, uid, name, now_utc=NOW)
    yield store, HouseholdStore(store)
    await store.close()


async def _household_with(hs: HouseholdStore, *joiners: int):
    home = await hs.create_household(1, "  The   Smiths ", NOW)
    invite = await hs.create_invite(home.household_id, 1, NOW)
    for uid in joiners:
        assert (await hs.join(uid, invite.token, NOW)).status == "joined"
    return home, invite


def test_migration_3_is_registered_after_2():
    numbers = [n for n, _ in MIGRATIONS]
    assert numbers[:3] == [1, 2, 3]


async def test_create_sets_owner_and_mirrors_household_id(stores):
    store, hs = stores
    home, _ = await _household_with(hs)
    assert home.name == "The Smiths"
    assert await hs.membership(1) == (home.household_id, "owner")
    assert (await store.get_user(1)).household_id == home.household_id
    with pytest.raises(AlreadyInHouseholdError):
        await hs.create_household(1, "Second", NOW)
    with pytest.raises(FamilyError):
        await hs.create_household(2, "   ", NOW)


async def test_invite_token_is_random_urlsafe_and_only_its_hash_is_stored(stores, tmp_path):
    _, hs = stores
    home, invite = await _household_with(hs)
    assert len(invite.token) == 32 and looks_like_token(invite.token)
    assert invite.expires_utc == NOW + INVITE_TTL
    other = await hs.create_invite(home.household_id, 1, NOW)
    assert other.token != invite.token
    raw = (tmp_path / "family.sqlite3").read_bytes()
    for wal in tmp_path.glob("family.sqlite3-wal"):
        raw += wal.read_bytes()
    assert other.token.encode() not in raw
    conn = sqlite3.connect(tmp_path / "family.sqlite3")
    hashes = {r[0] for r in conn.execute("SELECT token_hash FROM household_invites")}
    conn.close()
    assert token_hash(other.token) in hashes


async def test_join_by_link_and_joining_twice_is_harmless(stores):
    store, hs = stores
    home, invite = await _household_with(hs, 2)
    info = await hs.check_invite(invite.token, NOW)
    assert info is not None and info.inviter_name == "Ana" and info.household.name == "The Smiths"
    again = await hs.join(2, invite.token, NOW)
    assert again.status == "already"
    members = await hs.members(home.household_id)
    assert [(m.user_id, m.role) for m in members] == [(1, "owner"), (2, "member")]
    assert (await store.get_user(2)).household_id == home.household_id


@pytest.mark.parametrize("how", ["expired", "revoked", "regenerated", "guessed", "malformed"])
async def test_dead_tokens_are_invalid(stores, how):
    _, hs = stores
    home, invite = await _household_with(hs)
    token, when = invite.token, NOW
    if how == "expired":
        when = NOW + INVITE_TTL + dt.timedelta(seconds=1)
    elif how == "revoked":
        assert await hs.revoke_invites(home.household_id, NOW) == 1
    elif how == "regenerated":
        await hs.create_invite(home.household_id, 1, NOW)
    elif how == "guessed":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    else:
        token = "../../etc/passwd"
    assert await hs.check_invite(token, when) is None
    assert (await hs.join(3, token, when)).status == "invalid"
    assert await hs.membership(3) is None


async def test_only_members_can_invite(stores):
    _, hs = stores
    home, _ = await _household_with(hs)
    with pytest.raises(NotMemberError):
        await hs.create_invite(home.household_id, 4, NOW)


async def test_leave_removes_access_at_once_and_owner_hands_over(stores):
    store, hs = stores
    home, _ = await _household_with(hs, 2, 3)
    result = await hs.leave(1)
    assert result.new_owner_id == 2 and not result.household_ended
    assert await hs.membership(1) is None
    assert (await store.get_user(1)).household_id is None
    assert await hs.membership(2) == (home.household_id, "owner")
    assert await hs.leave(4) is None


async def test_last_member_leaving_ends_household_and_its_plans(stores):
    store, hs = stores
    home, invite = await _household_with(hs, 2)
    await store.save_plan(household_owner(home.household_id), NOW.date(), {"meals": []})
    await hs.leave(2)
    result = await hs.leave(1)
    assert result.household_ended
    assert await hs.get_household(home.household_id) is None
    assert await store.get_plan(household_owner(home.household_id), NOW.date()) is None
    assert (await hs.join(3, invite.token, NOW)).status == "invalid"


async def test_remove_and_transfer_are_owner_only(stores):
    _, hs = stores
    home, _ = await _household_with(hs, 2, 3)
    with pytest.raises(NotOwnerError):
        await hs.remove_member(2, 3)
    with pytest.raises(NotMemberError):
        await hs.remove_member(1, 4)
    assert await hs.remove_member(1, 3) == home.household_id
    assert await hs.membership(3) is None
    with pytest.raises(NotOwnerError):
        await hs.transfer_ownership(2, 2)
    await hs.transfer_ownership(1, 2)
    assert await hs.membership(1) == (home.household_id, "member")
    assert await hs.membership(2) == (home.household_id, "owner")


async def test_joining_another_household_moves_the_user(stores):
    _, hs = stores
    first, _ = await _household_with(hs, 2)
    other = await hs.create_household(3, "Other", NOW)
    invite = await hs.create_invite(other.household_id, 3, NOW)
    result = await hs.join(2, invite.token, NOW)
    assert result.status == "joined" and result.left_household_id == first.household_id
    assert await hs.membership(2) == (other.household_id, "member")
    assert [m.user_id for m in await hs.members(first.household_id)] == [1]


async def test_deleting_a_user_removes_membership_and_promotes(stores):
    store, hs = stores
    home, _ = await _household_with(hs, 2)
    await store.delete_user(1)
    assert await hs.membership(2) == (home.household_id, "owner")


async def test_group_link_and_push_once_per_day(stores):
    store, hs = stores
    home, _ = await _household_with(hs, 2)
    ana = await store.update_user(1, timezone="Europe/Berlin", push_time=dt.time(7, 30))
    with pytest.raises(NotMemberError):
        await hs.link_group(-100, home.household_id, await store.get_user(4), "G", NOW)
    link = await hs.link_group(-100, home.household_id, ana, "Family <chat>", NOW)
    assert (link.timezone, link.push_time, link.active) == ("Europe/Berlin", dt.time(7, 30), True)
    before = dt.datetime(2026, 3, 2, 6, 29, tzinfo=dt.UTC)  # 07:29 Berlin
    at = dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.UTC)
    assert await hs.due_group_pushes(before, dt.timedelta(hours=6)) == []
    due = await hs.due_group_pushes(at, dt.timedelta(hours=6))
    assert [(d.link.chat_id, d.local_date) for d in due] == [(-100, dt.date(2026, 3, 2))]
    assert await hs.claim_group_push(-100, dt.date(2026, 3, 2), at)
    assert not await hs.claim_group_push(-100, dt.date(2026, 3, 2), at)
    assert await hs.due_group_pushes(at, dt.timedelta(hours=6)) == []
    await hs.finish_group_push(-100, dt.date(2026, 3, 2), "sent", 7, at)
    assert await hs.group_push_state(-100, dt.date(2026, 3, 2)) == "sent"
    # unlinking and relinking the same day does not push twice
    assert await hs.unlink_group(-100)
    await hs.link_group(-100, home.household_id, ana, "Family", at)
    assert await hs.due_group_pushes(at + dt.timedelta(minutes=5), dt.timedelta(hours=6)) == []
    # too late for catch-up: skipped
    late = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)
    assert await hs.due_group_pushes(late, dt.timedelta(hours=6)) == []


async def test_blocked_group_is_deactivated(stores):
    store, hs = stores
    home, _ = await _household_with(hs)
    ana = await store.get_user(1)
    await hs.link_group(-5, home.household_id, ana, "G", NOW)
    due = await hs.due_group_pushes(NOW, dt.timedelta(hours=6))
    assert [d.link.chat_id for d in due] == [-5]
    assert await hs.claim_group_push(-5, due[0].local_date, NOW)
    await hs.finish_group_push(-5, due[0].local_date, "blocked", None, NOW)
    assert not (await hs.group_link(-5)).active
    tomorrow = NOW + dt.timedelta(days=1)
    assert await hs.due_group_pushes(tomorrow, dt.timedelta(hours=6)) == []
    with pytest.raises(ValueError):
        await hs.finish_group_push(-5, due[0].local_date, "sending", None, NOW)


async def test_household_removed_unlinks_groups(stores):
    store, hs = stores
    home, _ = await _household_with(hs)
    await hs.link_group(-7, home.household_id, await store.get_user(1), "G", NOW)
    await hs.leave(1)
    assert await hs.group_link(-7) is None
