"""Household membership changes: the work the v4 SQLite triggers did, as explicit statements.

v4 kept households consistent with triggers (household_member_added, household_member_gone,
households_delete_plans). Triggers are not portable between SQLite and PostgreSQL, so the same
rules live here, in ONE module shared by HouseholdStore (join, leave, remove) and
Store.delete_user. It imports nothing from the other repositories (store.py imports it, and
family.py imports store.py), only the schema.

The rules, each run inside the caller's transaction:
* a member added: `users.household_id` mirrors the membership (UserSettings carries it);
* a member gone (left, removed, moved to another household, deleted their data): the mirror is
  cleared; when the owner went, the longest-standing member becomes owner; when nobody is
  left, the household ends: its row goes (members, invites and group links cascade) and so do
  its plans (`plans.owner` is text, so no foreign key can take them).

Locking: SQLite's BEGIN IMMEDIATE already serialises writers. On PostgreSQL (READ COMMITTED)
every read-then-write takes row locks in one order to stay free of lost updates and
deadlocks: user rows first (ascending ids), then household rows (ascending ids). The user row
guards the user's membership and mirror; the household row guards its member list, owner and
invites. Without the household lock two last members leaving at once would each still see the
other and leave an empty household behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.schema import household_members, households, plans, shopping_lists, users

ROLE_OWNER = "owner"
ROLE_MEMBER = "member"


@dataclass(frozen=True, slots=True)
class LeaveResult:
    household_id: int
    new_owner_id: int | None  # set when the owner left and ownership moved on
    household_ended: bool  # the last member left


@dataclass(frozen=True, slots=True)
class Membership:
    household_id: int
    role: str


def household_plan_owner(household_id: int) -> str:
    """Plan owner key of a household's plans (the same 'h:<id>' as store.household_owner)."""
    return f"h:{household_id}"


async def lock_users(conn: AsyncConnection, user_ids: Iterable[int]) -> set[int]:
    """Lock the users' rows (PostgreSQL; ascending ids) and return the ids that exist."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return set()
    rows = await conn.execute(
        sa.select(users.c.user_id)
        .where(users.c.user_id.in_(wanted))
        .order_by(users.c.user_id)
        .with_for_update()
    )
    return set(rows.scalars())


async def lock_households(conn: AsyncConnection, household_ids: Iterable[int]) -> set[int]:
    """Lock the households' rows (PostgreSQL; ascending ids) and return the ids that exist."""
    wanted = sorted(set(household_ids))
    if not wanted:
        return set()
    rows = await conn.execute(
        sa.select(households.c.household_id)
        .where(households.c.household_id.in_(wanted))
        .order_by(households.c.household_id)
        .with_for_update()
    )
    return set(rows.scalars())


async def membership(conn: AsyncConnection, user_id: int) -> Membership | None:
    """The user's membership as this transaction sees it now (no lock)."""
    row = (
        await conn.execute(
            sa.select(household_members.c.household_id, household_members.c.role).where(
                household_members.c.user_id == user_id
            )
        )
    ).first()
    return None if row is None else Membership(row.household_id, row.role)


async def locked_membership(conn: AsyncConnection, user_id: int) -> Membership | None:
    """The user's membership with their household's row locked, read again under the lock.

    The caller holds the user's row lock, so the household cannot change under us; the role
    can (an owner elsewhere leaving promotes this user), hence the second read. On SQLite
    both reads see the same thing.
    """
    found = await membership(conn, user_id)
    if found is None:
        return None
    await lock_households(conn, [found.household_id])
    return await membership(conn, user_id)


async def member_added(
    conn: AsyncConnection, user_id: int, household_id: int, role: str, now_utc: dt.datetime
) -> None:
    """Insert the membership row and mirror it into users.household_id."""
    await conn.execute(
        sa.insert(household_members).values(
            user_id=user_id, household_id=household_id, role=role, joined_utc=now_utc
        )
    )
    await conn.execute(
        sa.update(users).where(users.c.user_id == user_id).values(household_id=household_id)
    )


async def member_gone(conn: AsyncConnection, user_id: int) -> LeaveResult | None:
    """Take the user out of their household (None if they are in none).

    Deletes the membership row and clears the mirror; an owner's role moves to the
    longest-standing member; the last member out ends the household and its plans. Call it
    inside a transaction (Store.delete_user calls it before deleting the user row).
    """
    await lock_users(conn, [user_id])
    gone = await locked_membership(conn, user_id)
    if gone is None:
        return None
    household_id = gone.household_id
    await conn.execute(sa.delete(household_members).where(household_members.c.user_id == user_id))
    await conn.execute(
        sa.update(users)
        .where(users.c.user_id == user_id, users.c.household_id == household_id)
        .values(household_id=None)
    )
    # Demote-by-delete happened above, so promoting now never meets the one-owner index.
    first = (
        await conn.execute(
            sa.select(household_members.c.user_id)
            .where(household_members.c.household_id == household_id)
            .order_by(household_members.c.joined_utc, household_members.c.user_id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if first is None:
        await end_household(conn, household_id)
        return LeaveResult(household_id, None, True)
    new_owner = None
    if gone.role == ROLE_OWNER:
        await conn.execute(
            sa.update(household_members)
            .where(household_members.c.user_id == first)
            .values(role=ROLE_OWNER)
        )
        new_owner = first
    return LeaveResult(household_id, new_owner, False)


async def end_household(conn: AsyncConnection, household_id: int) -> None:
    """Delete the household (members, invites and group links cascade), its plans and its
    shopping lists (text owner keys, so no foreign key takes them)."""
    owner = household_plan_owner(household_id)
    await conn.execute(sa.delete(households).where(households.c.household_id == household_id))
    await conn.execute(sa.delete(plans).where(plans.c.owner == owner))
    await conn.execute(sa.delete(shopping_lists).where(shopping_lists.c.owner == owner))
