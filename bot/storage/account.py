"""The account as a whole: what /delete erases and what /export hands over.

Erasing is more than deleting the user row. A household plan stores each member's day (their
id, first name, diet, target and top-ups) inside the plan body, other members' notes can
name them, and a household may be called after them ("Ana's household"). So `erase_user`,
run inside Store.delete_user's one transaction:

* takes the user out of their household (bot.storage.membership: hand-over, or the end of a
  household they were the last member of, with its plans, invites and group links);
* anonymises every stored plan and shopping list of the household they leave: their member
  entry goes, and their first name in the other members' notes becomes "a former member"
  (past days keep their shared meals, so the others' history and tallies stay right; the
  services layer then fits today's and later plans to the remaining members);
* renames a household that bears their name (their own, and any they created);
* deletes their own plans and shopping lists (membership.end_household takes those of a
  household that ended with them) and the user row, which cascades to every table with a
  user_id.

On SQLite the connection runs with `PRAGMA secure_delete = ON` (bot.storage.db), so freed
cells and pages are overwritten with zeros, and Store.delete_user checkpoints the WAL
(TRUNCATE) afterwards, so no old page image stays in the `-wal` file. On PostgreSQL the
deleted and updated rows are dead tuples until VACUUM (autovacuum) reclaims them.

The export is the tracking export (TrackingStore.export_user: every table with a user_id) plus
`AccountStore.household_export`: what the user can see of their household, and `about`, which
explains each field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.i18n import N_
from bot.storage import membership
from bot.storage.db import Database
from bot.storage.schema import (
    group_links,
    household_invites,
    household_members,
    households,
    plans,
    shopping_lists,
    users,
)

FORMER_MEMBER = "a former member"
NEUTRAL_HOUSEHOLD_NAME = "Our household"
EXPORT_FORMAT = "b12-meal-planner export v2"

# What each top-level field of the export holds (shown in the file itself; N_-marked, so
# /export shows them in the user's language).
EXPORT_ABOUT: dict[str, str] = {
    "user_id": N_("Your Telegram user id: the key every row about you is stored under."),
    "settings": N_(
        "Your settings as stored: diet, B12 target, exclusions, meals, time zone, plan "
        "time, region, life stage, absorption, evening check, max cooking time."
    ),
    "lab_results": N_("The lab results you added with /levels add."),
    "reminders": N_("Your supplement and injection reminders (/remind)."),
    "tables": N_(
        "Every stored row about you, table by table: plans (your own, about 60 days), "
        "meal check-offs, doses, lab results, reminders, product labels, the reminder "
        "and push ledgers, retest and evening settings, your household membership, your "
        "favourite and never-suggest recipes."
    ),
    "household": N_("Your household as you see it in /family (null when you are in none)."),
    "household.name": N_("The household's name."),
    "household.your_role": N_("owner or member."),
    "household.members": N_("Members' first names and roles, as /family shows them."),
    "household.group_links": N_(
        "Group chats that get the household's daily plan: title, time, time zone, "
        "whether it is active, whether you linked it."
    ),
    "household.invites": N_(
        "Invite links of the household: when made, until when they work, whether "
        "revoked, whether you made them (the links themselves are not stored)."
    ),
    "household.plans": N_(
        "The household plans you follow, by day: the shared meals, your own day in "
        "full, and of the other members what /family shows (name, diet, target, meals)."
    ),
    "household.shopping_lists": N_("The household's shopping lists (items and ticks)."),
    "shopping_lists": N_("Your own shopping lists (items and ticks)."),
    "invites_you_made": N_("Invite links you created (erased with your data)."),
    "groups_you_linked": N_("Group chats you linked (they forget you when your data is erased)."),
}


@dataclass(frozen=True, slots=True)
class Erased:
    """What erase_user did besides deleting the user's own rows."""

    household_id: int | None  # the household they were in (None: none)
    household_ended: bool  # they were its last member
    renamed: tuple[int, ...]  # households that bore their name
    new_owner_id: int | None = None  # they owned the household: who owns it now


def name_pattern(first_name: str) -> re.Pattern[str] | None:
    """The first name as a whole word, case-insensitive (None for a blank name: nothing to
    find). Whole words, so "Al" does not match inside "Also"."""
    name = " ".join(first_name.split())
    if not name:
        return None
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str] | None) -> Any:
    """Every string in a JSON value with the name replaced by FORMER_MEMBER."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(FORMER_MEMBER, value)
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, pattern) for k, v in value.items()}
    return value


def anonymised_plan(
    body: dict[str, Any], user_id: int, pattern: re.Pattern[str] | None
) -> dict[str, Any]:
    """A household plan body without the user's member entry and without their name."""
    section = body.get("household")
    if not isinstance(section, dict):
        return dict(_scrub(body, pattern))
    members = [
        m
        for m in section.get("members", [])
        if not (isinstance(m, dict) and m.get("user_id") == user_id)
    ]
    result: dict[str, Any] = _scrub({**body, "household": {**section, "members": members}}, pattern)
    return result


async def _anonymise_household_plans(
    conn: AsyncConnection, household_id: int, user_id: int, pattern: re.Pattern[str] | None
) -> int:
    owner = membership.household_plan_owner(household_id)
    rows = (
        await conn.execute(sa.select(plans.c.id, plans.c.body).where(plans.c.owner == owner))
    ).all()
    changed = 0
    for row in rows:
        body = anonymised_plan(row.body, user_id, pattern)
        if body != row.body:
            await conn.execute(sa.update(plans).where(plans.c.id == row.id).values(body=body))
            changed += 1
    lists = (
        await conn.execute(
            sa.select(shopping_lists.c.id, shopping_lists.c.body).where(
                shopping_lists.c.owner == owner
            )
        )
    ).all()
    for row in lists:
        body = _scrub(row.body, pattern)
        if body != row.body:
            await conn.execute(
                sa.update(shopping_lists).where(shopping_lists.c.id == row.id).values(body=body)
            )
            changed += 1
    return changed


async def _rename_named_households(
    conn: AsyncConnection, household_ids: set[int], pattern: re.Pattern[str] | None
) -> tuple[int, ...]:
    if pattern is None or not household_ids:
        return ()
    rows = (
        await conn.execute(
            sa.select(households.c.household_id, households.c.name)
            .where(households.c.household_id.in_(sorted(household_ids)))
            .order_by(households.c.household_id)
        )
    ).all()
    renamed = []
    for row in rows:
        if pattern.search(row.name):
            await conn.execute(
                sa.update(households)
                .where(households.c.household_id == row.household_id)
                .values(name=NEUTRAL_HOUSEHOLD_NAME)
            )
            renamed.append(row.household_id)
    return tuple(renamed)


async def erase_user(conn: AsyncConnection, user_id: int) -> Erased:
    """Everything about the user, gone, inside the caller's transaction (see the module)."""
    first_name = (
        await conn.execute(sa.select(users.c.first_name).where(users.c.user_id == user_id))
    ).scalar_one_or_none()
    pattern = name_pattern(first_name or "")
    created = set(
        (
            await conn.execute(
                sa.select(households.c.household_id).where(households.c.created_by == user_id)
            )
        ).scalars()
    )
    left = await membership.member_gone(conn, user_id)
    if left is not None and not left.household_ended:
        await _anonymise_household_plans(conn, left.household_id, user_id, pattern)
        created.add(left.household_id)
    if left is not None and left.household_ended:
        created.discard(left.household_id)
    renamed = await _rename_named_households(conn, created, pattern)
    own = f"u:{user_id}"
    await conn.execute(sa.delete(plans).where(plans.c.owner == own))
    await conn.execute(sa.delete(shopping_lists).where(shopping_lists.c.owner == own))
    await conn.execute(sa.delete(users).where(users.c.user_id == user_id))
    return Erased(
        household_id=None if left is None else left.household_id,
        household_ended=left is not None and left.household_ended,
        renamed=renamed,
        new_owner_id=None if left is None else left.new_owner_id,
    )


# --- export -------------------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


class AccountStore:
    """The household half of the export, over the Store's Database (the services layer adds
    TrackingStore.export_user: every table with a user_id). Not a StoreRepository: store.py
    imports this module for erase_user, so this one must not import store.py."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def household_export(self, user_id: int) -> dict[str, Any]:
        """The household the user can see, the invites they made and the groups they linked,
        with `about` saying what each field of the whole export is."""
        async with self.db.read() as conn:
            household = await _household_export(conn, user_id)
            invites = (
                await conn.execute(
                    sa.select(household_invites)
                    .where(household_invites.c.created_by == user_id)
                    .order_by(household_invites.c.created_utc)
                )
            ).all()
            linked = (
                await conn.execute(
                    sa.select(group_links)
                    .where(group_links.c.linked_by == user_id)
                    .order_by(group_links.c.linked_utc)
                )
            ).all()
            lists = (
                await conn.execute(
                    sa.select(shopping_lists)
                    .where(shopping_lists.c.owner == f"u:{user_id}")
                    .order_by(shopping_lists.c.start_day, shopping_lists.c.id)
                )
            ).all()
        return {
            "format": EXPORT_FORMAT,
            "shopping_lists": [_shopping(r) for r in lists],
            "about": EXPORT_ABOUT,
            "household": household,
            "invites_you_made": [_invite(r, user_id) for r in invites],
            "groups_you_linked": [_group(r, user_id) for r in linked],
        }


# What /family shows a member of the others; the rest of their day (totals, top-ups, notes,
# clinician status) stays theirs and is left out of anyone else's export.
OTHER_MEMBER_FIELDS = ("name", "diet", "target_ug", "slots")


def _as_seen_by(body: dict[str, Any], user_id: int) -> dict[str, Any]:
    """A household plan as the user sees it: the shared meals, their own day in full, and of
    the other members only OTHER_MEMBER_FIELDS."""
    section = body.get("household")
    if not isinstance(section, dict):
        return body
    members = [
        m
        if not isinstance(m, dict) or m.get("user_id") == user_id
        else {k: m[k] for k in OTHER_MEMBER_FIELDS if k in m}
        for m in section.get("members", [])
    ]
    return {**body, "household": {**section, "members": members}}


def _shopping(row: Any) -> dict[str, Any]:
    return {
        "start_day": _iso(row.start_day),
        "days": row.days,
        "list": row.body,
        "created": _iso(row.created_utc),
    }


def _invite(row: Any, user_id: int) -> dict[str, Any]:
    return {
        "household_id": row.household_id,
        "created": _iso(row.created_utc),
        "expires": _iso(row.expires_utc),
        "revoked": _iso(row.revoked_utc),
        "made_by_you": row.created_by == user_id,
    }


def _group(row: Any, user_id: int) -> dict[str, Any]:
    return {
        "title": row.title,
        "push_time": row.push_time.strftime("%H:%M"),
        "timezone": row.timezone,
        "active": bool(row.active),
        "linked": _iso(row.linked_utc),
        "linked_by_you": row.linked_by == user_id,
    }


async def _household_export(conn: AsyncConnection, user_id: int) -> dict[str, Any] | None:
    found = await membership.membership(conn, user_id)
    if found is None:
        return None
    home = (
        await conn.execute(
            sa.select(households).where(households.c.household_id == found.household_id)
        )
    ).first()
    if home is None:
        return None
    members = (
        await conn.execute(
            sa.select(users.c.first_name, household_members.c.role, household_members.c.user_id)
            .join(users, users.c.user_id == household_members.c.user_id)
            .where(household_members.c.household_id == found.household_id)
            .order_by(household_members.c.joined_utc, household_members.c.user_id)
        )
    ).all()
    links = (
        await conn.execute(
            sa.select(group_links)
            .where(group_links.c.household_id == found.household_id)
            .order_by(group_links.c.linked_utc)
        )
    ).all()
    invites = (
        await conn.execute(
            sa.select(household_invites)
            .where(household_invites.c.household_id == found.household_id)
            .order_by(household_invites.c.created_utc)
        )
    ).all()
    owner = membership.household_plan_owner(found.household_id)
    stored = (
        await conn.execute(
            sa.select(plans.c.day, plans.c.body).where(plans.c.owner == owner).order_by(plans.c.day)
        )
    ).all()
    household_lists = (
        await conn.execute(
            sa.select(shopping_lists)
            .where(shopping_lists.c.owner == owner)
            .order_by(shopping_lists.c.start_day, shopping_lists.c.id)
        )
    ).all()
    return {
        "name": home.name,
        "created": _iso(home.created_utc),
        "your_role": found.role,
        "members": [
            {
                "name": m.first_name or "member",
                "role": m.role,
                "you": m.user_id == user_id,
            }
            for m in members
        ],
        "group_links": [_group(r, user_id) for r in links],
        "invites": [_invite(r, user_id) for r in invites],
        "plans": [{"day": r.day.isoformat(), "plan": _as_seen_by(r.body, user_id)} for r in stored],
        "shopping_lists": [_shopping(r) for r in household_lists],
    }
