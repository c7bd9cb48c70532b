"""HouseholdStore: households, roles, invites, group links and the group push ledger, on both
engines (the `store` fixture runs each test on SQLite and on PostgreSQL).

The v4 triggers are explicit code now (bot.storage.membership): the tests marked "trigger
work" check the mirror in users.household_id, the owner hand-over, the end of an empty
household with its plans, invites and group links, and the same through Store.delete_user.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa

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
from bot.storage.legacy_v4 import MIGRATIONS
from bot.storage.membership import lock_households
from bot.storage.schema import household_invites, households
from bot.storage.store import Store, household_owner, user_owner

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PLAN = {"meals": [{"recipe_id": "oats"}]}


@pytest.fixture
async def stores(store: Store):
    for uid, name in ((1, "Ana"), (2, "Ben"), (3, "Cleo"), (4, "Dev")):
        await store.ensure_user(uid, uid, name, now_utc=NOW)
    return store, HouseholdStore(store)


async def _household_with(hs: HouseholdStore, *joiners: int):
    """'The Smiths', owned by Ana (1), with the joiners as members (all joined at NOW)."""
    home = await hs.create_household(1, "  The   Smiths ", NOW)
    invite = await hs.create_invite(home.household_id, 1, NOW)
    for uid in joiners:
        assert (await hs.join(uid, invite.token, NOW)).status == "joined"
    return home, invite


async def _rows(store: Store, stmt: sa.Select) -> list[sa.Row]:
    async with store.db.read() as conn:
        return list((await conn.execute(stmt)).all())


def test_migration_3_is_registered_after_2():
    numbers = [n for n, _ in MIGRATIONS]
    assert numbers[:3] == [1, 2, 3]


async def test_create_sets_owner_and_mirrors_household_id(stores):
    store, hs = stores
    home, _ = await _household_with(hs)
    assert home.name == "The Smiths"
    assert home.created_utc == NOW
    assert await hs.get_household(home.household_id) == home
    assert await hs.household_of(1) == home
    assert await hs.membership(1) == (home.household_id, "owner")
    assert (await store.get_user(1)).household_id == home.household_id
    with pytest.raises(AlreadyInHouseholdError):
        await hs.create_household(1, "Second", NOW)
    with pytest.raises(FamilyError):
        await hs.create_household(2, "   ", NOW)
    with pytest.raises(FamilyError, match="/start"):
        await hs.create_household(99, "Nobody's", NOW)


async def test_rename_cleans_the_name_and_refuses_a_gone_household(stores):
    _, hs = stores
    home, _ = await _household_with(hs)
    renamed = await hs.rename(home.household_id, " The\n Joneses ")
    assert renamed.name == "The Joneses" and renamed.household_id == home.household_id
    assert (await hs.get_household(home.household_id)).name == "The Joneses"
    with pytest.raises(FamilyError):
        await hs.rename(home.household_id + 100, "Ghosts")


async def test_invite_token_is_random_urlsafe_and_only_its_hash_is_stored(stores, engine_name):
    store, hs = stores
    home, invite = await _household_with(hs)
    assert len(invite.token) == 32 and looks_like_token(invite.token)
    assert invite.expires_utc == NOW + INVITE_TTL
    other = await hs.create_invite(home.household_id, 1, NOW)
    assert other.token != invite.token
    rows = await _rows(store, sa.select(household_invites))
    assert token_hash(other.token) in {r.token_hash for r in rows}
    assert not [r for r in rows if any(other.token in str(value) for value in r)]
    if engine_name == "sqlite":  # nor anywhere in the file or its write-ahead log
        path = store.db.path
        raw = path.read_bytes()
        for wal in path.parent.glob(path.name + "-wal"):
            raw += wal.read_bytes()
        assert other.token.encode() not in raw


async def test_join_by_link_and_joining_twice_is_harmless(stores):
    store, hs = stores
    home, invite = await _household_with(hs, 2)
    info = await hs.check_invite(invite.token, NOW)
    assert info is not None and info.inviter_name == "Ana" and info.household.name == "The Smiths"
    assert (info.inviter_id, info.expires_utc) == (1, NOW + INVITE_TTL)
    again = await hs.join(2, invite.token, NOW)
    assert again.status == "already" and again.household == home
    members = await hs.members(home.household_id)
    assert [(m.user_id, m.role) for m in members] == [(1, "owner"), (2, "member")]
    assert [m.user.first_name for m in members] == ["Ana", "Ben"]
    assert members[0].is_owner and not members[1].is_owner
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


async def test_unknown_user_cannot_join(stores):
    _, hs = stores
    _, invite = await _household_with(hs)
    assert (await hs.join(99, invite.token, NOW)).status == "invalid"


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


async def test_owner_leaving_hands_over_to_the_longest_standing_member(stores):
    """Trigger work: the earliest joiner is promoted, not the lowest user id."""
    store, hs = stores
    home, invite = await _household_with(hs)
    assert (await hs.join(3, invite.token, NOW + dt.timedelta(minutes=1))).status == "joined"
    assert (await hs.join(2, invite.token, NOW + dt.timedelta(minutes=2))).status == "joined"
    result = await hs.leave(1)
    assert (result.household_id, result.new_owner_id, result.household_ended) == (
        home.household_id,
        3,
        False,
    )
    members = await hs.members(home.household_id)
    assert [(m.user_id, m.role) for m in members] == [(3, "owner"), (2, "member")]
    assert (await store.get_user(1)).household_id is None
    assert (await store.get_user(2)).household_id == home.household_id
    # a member (not the owner) leaving hands nothing over
    result = await hs.leave(2)
    assert (result.new_owner_id, result.household_ended) == (None, False)
    assert await hs.membership(3) == (home.household_id, "owner")


async def test_last_member_leaving_ends_household_and_its_plans(stores):
    """Trigger work: the household row goes with its plans, invites and group links; other
    plans stay."""
    store, hs = stores
    home, invite = await _household_with(hs, 2)
    other = await hs.create_household(3, "Other", NOW)
    await hs.link_group(-9, home.household_id, await store.get_user(1), "G", NOW)
    for owner in (household_owner(home.household_id), household_owner(other.household_id)):
        await store.save_plan(owner, NOW.date(), PLAN, now_utc=NOW)
    await store.save_plan(user_owner(1), NOW.date(), PLAN, now_utc=NOW)
    await hs.leave(2)
    result = await hs.leave(1)
    assert (result.household_id, result.new_owner_id, result.household_ended) == (
        home.household_id,
        None,
        True,
    )
    assert await hs.get_household(home.household_id) is None
    assert await hs.household_of(1) is None
    assert (await store.get_user(1)).household_id is None
    assert await store.get_plan(household_owner(home.household_id), NOW.date()) is None
    assert await store.get_plan(household_owner(other.household_id), NOW.date()) == PLAN
    assert await store.get_plan(user_owner(1), NOW.date()) == PLAN
    assert await hs.group_link(-9) is None
    assert (
        await _rows(
            store,
            sa.select(household_invites).where(
                household_invites.c.household_id == home.household_id
            ),
        )
        == []
    )
    assert (await hs.join(3, invite.token, NOW)).status == "invalid"


async def test_remove_and_transfer_are_owner_only(stores):
    store, hs = stores
    home, _ = await _household_with(hs, 2, 3)
    with pytest.raises(NotOwnerError):
        await hs.remove_member(2, 3)
    with pytest.raises(NotMemberError):
        await hs.remove_member(1, 4)
    with pytest.raises(FamilyError, match="leave"):
        await hs.remove_member(1, 1)
    assert await hs.remove_member(1, 3) == home.household_id
    assert await hs.membership(3) is None
    assert (await store.get_user(3)).household_id is None
    with pytest.raises(NotOwnerError):
        await hs.transfer_ownership(2, 2)
    with pytest.raises(FamilyError, match="owner already"):
        await hs.transfer_ownership(1, 1)
    assert await hs.transfer_ownership(1, 2) == home.household_id
    assert await hs.membership(1) == (home.household_id, "member")
    assert await hs.membership(2) == (home.household_id, "owner")


async def test_joining_another_household_moves_the_user(stores):
    store, hs = stores
    first, _ = await _household_with(hs, 2)
    other = await hs.create_household(3, "Other", NOW)
    invite = await hs.create_invite(other.household_id, 3, NOW)
    result = await hs.join(2, invite.token, NOW)
    assert result.status == "joined" and result.left_household_id == first.household_id
    assert await hs.membership(2) == (other.household_id, "member")
    assert (await store.get_user(2)).household_id == other.household_id
    assert [m.user_id for m in await hs.members(first.household_id)] == [1]


async def test_the_last_member_moving_away_ends_the_old_household(stores):
    """Trigger work: moving is a leave, so an owner alone ends their household and its plans;
    an owner with members hands over."""
    store, hs = stores
    alone = await hs.create_household(3, "Alone", NOW)
    await store.save_plan(household_owner(alone.household_id), NOW.date(), PLAN, now_utc=NOW)
    home, invite = await _household_with(hs)
    result = await hs.join(3, invite.token, NOW)
    assert result.status == "joined" and result.left_household_id == alone.household_id
    assert await hs.get_household(alone.household_id) is None
    assert await store.get_plan(household_owner(alone.household_id), NOW.date()) is None
    crowd = await hs.create_household(4, "Crowd", NOW)
    crowd_invite = await hs.create_invite(crowd.household_id, 4, NOW)
    assert (await hs.join(2, crowd_invite.token, NOW)).status == "joined"
    assert (await hs.join(4, invite.token, NOW)).left_household_id == crowd.household_id
    assert await hs.membership(2) == (crowd.household_id, "owner")
    assert [m.user_id for m in await hs.members(home.household_id)] == [1, 3, 4]


async def test_deleting_a_user_removes_membership_and_promotes(stores):
    """Trigger work through Store.delete_user: hand-over, the creator forgotten, their
    invites gone."""
    store, hs = stores
    home, invite = await _household_with(hs, 2)
    await store.delete_user(1)
    assert await hs.membership(2) == (home.household_id, "owner")
    assert [m.user_id for m in await hs.members(home.household_id)] == [2]
    assert await hs.check_invite(invite.token, NOW) is None
    rows = await _rows(store, sa.select(households.c.created_by))
    assert [r.created_by for r in rows] == [None]
    assert await _rows(store, sa.select(household_invites)) == []


async def test_deleting_the_last_member_ends_the_household_and_its_plans(stores):
    """Trigger work through Store.delete_user when nobody is left."""
    store, hs = stores
    home, _ = await _household_with(hs)
    await hs.link_group(-3, home.household_id, await store.get_user(1), "G", NOW)
    await store.save_plan(household_owner(home.household_id), NOW.date(), PLAN, now_utc=NOW)
    await store.delete_user(1)
    assert await store.get_user(1) is None
    assert await hs.get_household(home.household_id) is None
    assert await store.get_plan(household_owner(home.household_id), NOW.date()) is None
    assert await hs.group_link(-3) is None


async def test_group_link_and_push_once_per_day(stores):
    store, hs = stores
    home, _ = await _household_with(hs, 2)
    ana = await store.update_user(1, timezone="Europe/Berlin", push_time=dt.time(7, 30))
    with pytest.raises(NotMemberError):
        await hs.link_group(-100, home.household_id, await store.get_user(4), "G", NOW)
    link = await hs.link_group(-100, home.household_id, ana, "Family <chat>", NOW)
    assert (link.timezone, link.push_time, link.active) == ("Europe/Berlin", dt.time(7, 30), True)
    assert (link.chat_id, link.linked_by, link.title, link.linked_utc) == (
        -100,
        1,
        "Family <chat>",
        NOW,
    )
    assert await hs.groups_of(home.household_id) == [link]
    before = dt.datetime(2026, 3, 2, 6, 29, tzinfo=dt.UTC)  # 07:29 Berlin
    at = dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.UTC)
    assert await hs.due_group_pushes(before, dt.timedelta(hours=6)) == []
    due = await hs.due_group_pushes(at, dt.timedelta(hours=6))
    assert [(d.link.chat_id, d.local_date, d.due_utc) for d in due] == [
        (-100, dt.date(2026, 3, 2), at)
    ]
    assert await hs.claim_group_push(-100, dt.date(2026, 3, 2), at)
    assert not await hs.claim_group_push(-100, dt.date(2026, 3, 2), at)
    assert await hs.group_push_state(-100, dt.date(2026, 3, 2)) == "sending"
    assert await hs.due_group_pushes(at, dt.timedelta(hours=6)) == []
    await hs.finish_group_push(-100, dt.date(2026, 3, 2), "sent", 7, at)
    assert await hs.group_push_state(-100, dt.date(2026, 3, 2)) == "sent"
    # unlinking and relinking the same day does not push twice
    assert await hs.unlink_group(-100)
    assert not await hs.unlink_group(-100)
    await hs.link_group(-100, home.household_id, ana, "Family", at)
    assert await hs.due_group_pushes(at + dt.timedelta(minutes=5), dt.timedelta(hours=6)) == []
    # too late for catch-up: skipped
    late = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)
    assert await hs.due_group_pushes(late, dt.timedelta(hours=6)) == []


async def test_relinking_takes_the_new_household_and_settings(stores):
    store, hs = stores
    home, _ = await _household_with(hs)
    other = await hs.create_household(3, "Other", NOW)
    await hs.link_group(-8, home.household_id, await store.get_user(1), "Old", NOW)
    cleo = await store.update_user(3, timezone="Asia/Tokyo", push_time=dt.time(6, 15))
    later = NOW + dt.timedelta(hours=1)
    link = await hs.link_group(-8, other.household_id, cleo, "  New\n name ", later)
    assert (link.household_id, link.linked_by, link.title, link.linked_utc) == (
        other.household_id,
        3,
        "New name",
        later,
    )
    assert (link.timezone, link.push_time, link.active) == ("Asia/Tokyo", dt.time(6, 15), True)
    assert await hs.groups_of(home.household_id) == []
    assert await hs.groups_of(other.household_id) == [link]


async def test_released_claim_can_be_claimed_again(stores):
    store, hs = stores
    home, _ = await _household_with(hs)
    await hs.link_group(-6, home.household_id, await store.get_user(1), "G", NOW)
    day = dt.date(2026, 3, 2)
    assert await hs.claim_group_push(-6, day, NOW)
    await hs.release_group_push(-6, day)
    assert await hs.group_push_state(-6, day) is None
    assert [d.link.chat_id for d in await hs.due_group_pushes(NOW, dt.timedelta(hours=6))] == [-6]
    assert await hs.claim_group_push(-6, day, NOW)
    await hs.finish_group_push(-6, day, "failed", None, NOW)
    await hs.release_group_push(-6, day)  # only a 'sending' claim is released
    assert await hs.group_push_state(-6, day) == "failed"


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


# --- at the same time: row locks on PostgreSQL, BEGIN IMMEDIATE on SQLite ---------------------


async def _at_once(hs: HouseholdStore, *calls):
    """Run the calls concurrently, with enough pooled connections already open that their
    transactions really overlap on PostgreSQL (a fresh connection takes longer to open than
    a whole transaction takes to run). On SQLite they queue for the one connection."""
    await asyncio.gather(*(hs.membership(uid) for uid in range(len(calls) + 1)))
    return await asyncio.gather(*calls)


async def test_the_last_two_leaving_at_once_end_the_household(stores):
    """Each leave must see the other's: without the household lock both would still see the
    other member on PostgreSQL and leave an empty household behind. (Whether the two really
    overlap depends on timing, so the race runs a few times.)"""
    store, hs = stores
    for _ in range(6):
        home, _ = await _household_with(hs, 2)
        owner = household_owner(home.household_id)
        await store.save_plan(owner, NOW.date(), PLAN, now_utc=NOW)
        results = await _at_once(hs, hs.leave(1), hs.leave(2))
        assert sorted(r.household_ended for r in results) == [False, True]
        assert await hs.get_household(home.household_id) is None
        assert await store.get_plan(owner, NOW.date()) is None


async def test_owner_and_heir_leaving_at_once_leave_an_owner(stores):
    """The heir's own leave must see the role it was just handed (read under the lock)."""
    _, hs = stores
    home, _ = await _household_with(hs, 2, 3)
    await _at_once(hs, hs.leave(1), hs.leave(2))
    assert await hs.membership(3) == (home.household_id, "owner")


async def test_inviting_waits_for_a_household_change_in_progress(stores):
    """create_invite locks the household row, so it waits for a leave or another invite in
    progress and then revokes what that made (on PostgreSQL an UPDATE does not see a row
    inserted by a transaction that commits after it started: two live invites otherwise)."""
    store, hs = stores
    home, _ = await _household_with(hs, 2)
    locked = asyncio.Event()

    async def invite_once_locked():
        await locked.wait()
        return await hs.create_invite(home.household_id, 2, NOW)

    # made outside the transaction: a task inherits the context it is created in
    task = asyncio.create_task(invite_once_locked())
    async with store.db.transaction() as conn:
        await lock_households(conn, [home.household_id])
        locked.set()
        await asyncio.sleep(0.3)
        assert not task.done()
    invite = await task
    assert await hs.check_invite(invite.token, NOW) is not None


async def test_one_user_joining_two_households_at_once_ends_in_one(stores):
    _, hs = stores
    a = await hs.create_household(1, "A", NOW)
    b = await hs.create_household(2, "B", NOW)
    to_a = await hs.create_invite(a.household_id, 1, NOW)
    to_b = await hs.create_invite(b.household_id, 2, NOW)
    results = await _at_once(hs, hs.join(3, to_a.token, NOW), hs.join(3, to_b.token, NOW))
    assert [r.status for r in results] == ["joined", "joined"]
    where = await hs.membership(3)
    assert where in {(a.household_id, "member"), (b.household_id, "member")}
    sizes = sorted([len(await hs.members(a.household_id)), len(await hs.members(b.household_id))])
    assert sizes == [1, 2]
