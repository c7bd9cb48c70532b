"""Households, invites, group links and the group push ledger: nothing else.

`HouseholdStore` runs its statements through the Store's Database (SQLAlchemy Core, one code
path for SQLite and PostgreSQL): every method is one transaction, `db.transaction()` for
writes and `db.read()` for reads. What the v4 triggers did (the users.household_id mirror,
the owner hand-over, the end of an empty household and its plans) is explicit code in
bot.storage.membership, shared with Store.delete_user. Methods that read and then write lock
the rows they read on PostgreSQL, user rows before household rows (see membership); on
SQLite BEGIN IMMEDIATE already serialises writers.

Invite tokens are `secrets.token_urlsafe(24)`: 32 URL-safe characters, 192 random bits, well
inside Telegram's 64-character start parameter. Only their SHA-256 is stored, so a copy of
the database does not contain working invite links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.i18n import _
from bot.core.models import UserSettings
from bot.core.schedule import (
    check_catch_up,
    latest_push_at_or_before,
    push_local_date,
    require_aware,
)
from bot.storage.dialects import insert_for, insert_or_ignore
from bot.storage.membership import (
    ROLE_MEMBER,
    ROLE_OWNER,
    LeaveResult,
    Membership,
    lock_households,
    lock_users,
    locked_membership,
    member_added,
    member_gone,
    membership,
)
from bot.storage.rows import user_from_row
from bot.storage.schema import (
    group_links,
    group_pushes,
    household_invites,
    household_members,
    households,
    users,
)
from bot.storage.store import StoreRepository

INVITE_TTL = dt.timedelta(days=7)
TOKEN_BYTES = 24  # -> 32 characters of base64url, 192 bits
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAX_NAME = 64
FINAL_STATES = ("sent", "blocked", "failed")


class FamilyError(Exception):
    """A household operation that is not allowed; the message is fit to show the user."""


class AlreadyInHouseholdError(FamilyError):
    pass


class NotOwnerError(FamilyError):
    pass


class NotMemberError(FamilyError):
    pass


@dataclass(frozen=True, slots=True)
class Household:
    household_id: int
    name: str
    created_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A member row joined with their stored settings."""

    user: UserSettings
    household_id: int
    role: str
    joined_utc: dt.datetime

    @property
    def user_id(self) -> int:
        return self.user.user_id

    @property
    def is_owner(self) -> bool:
        return self.role == ROLE_OWNER


@dataclass(frozen=True, slots=True)
class Invite:
    """A freshly made invite: the token exists only here and in the link sent to the owner."""

    token: str
    household_id: int
    expires_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class InviteInfo:
    """What a valid token points at (shown on the confirm screen)."""

    household: Household
    inviter_id: int
    inviter_name: str
    expires_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class JoinResult:
    status: str  # "joined" | "already" | "invalid"
    household: Household | None = None
    left_household_id: int | None = None  # the household the user left to join this one


@dataclass(frozen=True, slots=True)
class GroupLink:
    chat_id: int
    household_id: int
    linked_by: int | None
    title: str
    timezone: str
    push_time: dt.time
    active: bool
    linked_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class DueGroupPush:
    link: GroupLink
    local_date: dt.date
    due_utc: dt.datetime


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Shape check only (validity is the database's call)."""
    return bool(TOKEN_RE.match(token))


def clean_name(name: str) -> str:
    """A household name fit for a message: one line, trimmed, at most MAX_NAME characters."""
    text = " ".join(name.split())[:MAX_NAME]
    if not text:
        raise FamilyError(_("A household needs a name, e.g. /family create The Smiths"))
    return text


# --- rows -> values ---------------------------------------------------------------------------


def _household(row: Row[Any]) -> Household:
    return Household(row.household_id, row.name, row.created_utc)


def _link(row: Row[Any]) -> GroupLink:
    return GroupLink(
        chat_id=row.chat_id,
        household_id=row.household_id,
        linked_by=row.linked_by,
        title=row.title,
        timezone=row.timezone,
        push_time=row.push_time,
        active=bool(row.active),
        linked_utc=row.linked_utc,
    )


# --- statements run inside a caller's transaction ---------------------------------------------


async def _get_household(conn: AsyncConnection, household_id: int) -> Household | None:
    row = (
        await conn.execute(sa.select(households).where(households.c.household_id == household_id))
    ).first()
    return None if row is None else _household(row)


async def _live_invite(conn: AsyncConnection, token: str, now: dt.datetime) -> Row[Any] | None:
    """The invite row of a well-formed token (callers check the shape first), if still live."""
    invites = household_invites.c
    return (
        await conn.execute(
            sa.select(household_invites).where(
                invites.token_hash == token_hash(token),
                invites.revoked_utc.is_(None),
                invites.expires_utc > now,
            )
        )
    ).first()


def _revoke_live_invites(household_id: int, now: dt.datetime) -> sa.Update:
    invites = household_invites.c
    return (
        sa.update(household_invites)
        .where(invites.household_id == household_id, invites.revoked_utc.is_(None))
        .values(revoked_utc=now)
    )


async def _owner_and_member(
    conn: AsyncConnection, owner_id: int, member_id: int, action: str
) -> Membership:
    """The owner's membership, after locking both users and the household and checking that
    `owner_id` owns it and `member_id` belongs to it (owner-only actions on a member)."""
    await lock_users(conn, [owner_id, member_id])
    owner = await locked_membership(conn, owner_id)
    if owner is None or owner.role != ROLE_OWNER:
        raise NotOwnerError(f"Only the household's owner can {action}.")
    member = await membership(conn, member_id)
    if member is None or member.household_id != owner.household_id:
        raise NotMemberError("That person is not in your household.")
    return owner


class HouseholdStore(StoreRepository):
    """Repository for households over the Store's Database (no SQL outside bot.storage)."""

    # --- households ---------------------------------------------------------------------

    async def create_household(self, owner_id: int, name: str, now_utc: dt.datetime) -> Household:
        """A new household with `owner_id` as its owner; refused while they are in one."""
        title = clean_name(name)
        now = require_aware(now_utc, "timestamp")
        async with self.db.transaction() as conn:
            known = await lock_users(conn, [owner_id])
            if await membership(conn, owner_id) is not None:
                raise AlreadyInHouseholdError(
                    "You are already in a household. Leave it first with /family leave."
                )
            if owner_id not in known:
                raise FamilyError(_("Send /start first, then create your household."))
            row = (
                await conn.execute(
                    sa.insert(households)
                    .values(name=title, created_by=owner_id, created_utc=now)
                    .returning(households)
                )
            ).one()
            await member_added(conn, owner_id, row.household_id, ROLE_OWNER, now)
            return _household(row)

    async def get_household(self, household_id: int) -> Household | None:
        async with self.db.read() as conn:
            return await _get_household(conn, household_id)

    async def household_of(self, user_id: int) -> Household | None:
        stmt = (
            sa.select(households)
            .join(
                household_members,
                household_members.c.household_id == households.c.household_id,
            )
            .where(household_members.c.user_id == user_id)
        )
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else _household(row)

    async def membership(self, user_id: int) -> tuple[int, str] | None:
        """(household_id, role) of the user, or None."""
        async with self.db.read() as conn:
            found = await membership(conn, user_id)
        return None if found is None else (found.household_id, found.role)

    async def shares_in_group(self, user_id: int) -> bool | None:
        """Whether the user agreed to show their B12 target and top-ups in the household's
        group chats (None: in no household). Not shared until they say so."""
        stmt = sa.select(household_members.c.group_share).where(
            household_members.c.user_id == user_id
        )
        async with self.db.read() as conn:
            found = (await conn.execute(stmt)).scalar_one_or_none()
        return None if found is None else bool(found)

    async def set_group_share(self, user_id: int, share: bool) -> bool:
        """Record the user's choice; False when they are in no household."""
        stmt = (
            sa.update(household_members)
            .where(household_members.c.user_id == user_id)
            .values(group_share=share)
        )
        async with self.db.transaction() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def group_sharers(self, household_id: int) -> frozenset[int]:
        """Members of the household who agreed to show their values in its group chats."""
        stmt = sa.select(household_members.c.user_id).where(
            household_members.c.household_id == household_id,
            household_members.c.group_share == sa.true(),
        )
        async with self.db.read() as conn:
            return frozenset((await conn.execute(stmt)).scalars())

    async def members(self, household_id: int) -> list[MemberRecord]:
        """Members, longest-standing first, each with their stored settings."""
        m = household_members.c
        stmt = (
            sa.select(
                users,
                m.role.label("member_role"),
                m.joined_utc.label("member_joined"),
                m.household_id.label("member_household"),
            )
            .join(household_members, m.user_id == users.c.user_id)
            .where(m.household_id == household_id)
            .order_by(m.joined_utc, m.user_id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            MemberRecord(user_from_row(r), r.member_household, r.member_role, r.member_joined)
            for r in rows
        ]

    async def rename(self, household_id: int, name: str) -> Household:
        title = clean_name(name)
        async with self.db.transaction() as conn:
            row = (
                await conn.execute(
                    sa.update(households)
                    .where(households.c.household_id == household_id)
                    .values(name=title)
                    .returning(households)
                )
            ).first()
        if row is None:
            raise FamilyError(_("That household no longer exists."))
        return _household(row)

    # --- invites ------------------------------------------------------------------------

    async def create_invite(
        self, household_id: int, by_user_id: int, now_utc: dt.datetime
    ) -> Invite:
        """A new invite token; any earlier live invite of the household stops working.

        Only household members may invite (checked here, not only in the handler). The
        household row is locked, so two invites made at once still leave one live.
        """
        now = require_aware(now_utc)
        expires = now + INVITE_TTL
        async with self.db.transaction() as conn:
            await lock_users(conn, [by_user_id])
            found = await locked_membership(conn, by_user_id)
            if found is None or found.household_id != household_id:
                raise NotMemberError("Only members of a household can invite to it.")
            await conn.execute(_revoke_live_invites(household_id, now))
            token = new_token()
            await conn.execute(
                sa.insert(household_invites).values(
                    token_hash=token_hash(token),
                    household_id=household_id,
                    created_by=by_user_id,
                    created_utc=now,
                    expires_utc=expires,
                )
            )
        return Invite(token, household_id, expires)

    async def revoke_invites(self, household_id: int, now_utc: dt.datetime) -> int:
        """Every live invite of the household stops working; returns how many."""
        now = require_aware(now_utc, "timestamp")
        async with self.db.transaction() as conn:
            result = await conn.execute(_revoke_live_invites(household_id, now))
        return int(result.rowcount)

    async def check_invite(self, token: str, now_utc: dt.datetime) -> InviteInfo | None:
        """What a token invites to, or None for unknown, expired, revoked or malformed tokens."""
        now = require_aware(now_utc)
        if not looks_like_token(token):
            return None
        async with self.db.read() as conn:
            row = await _live_invite(conn, token, now)
            if row is None:
                return None
            household = await _get_household(conn, row.household_id)
            if household is None:
                return None
            inviter = (
                await conn.execute(
                    sa.select(users.c.first_name).where(users.c.user_id == row.created_by)
                )
            ).scalar_one_or_none()
        return InviteInfo(household, row.created_by, inviter or "", row.expires_utc)

    async def join(self, user_id: int, token: str, now_utc: dt.datetime) -> JoinResult:
        """Join by token. Joining your own household again is harmless ("already"); a member
        of another household moves (they confirmed on the invite screen)."""
        now = require_aware(now_utc)
        if not looks_like_token(token):
            return JoinResult("invalid")
        async with self.db.transaction() as conn:
            invite = await _live_invite(conn, token, now)
            if invite is None:
                return JoinResult("invalid")
            target: int = invite.household_id
            if user_id not in await lock_users(conn, [user_id]):
                return JoinResult("invalid")
            current = await membership(conn, user_id)
            involved = {target} if current is None else {target, current.household_id}
            if target not in await lock_households(conn, involved):
                return JoinResult("invalid")
            household = await _get_household(conn, target)
            assert household is not None  # locked above
            if current is not None and current.household_id == target:
                return JoinResult("already", household)
            left = None if current is None else await member_gone(conn, user_id)
            await member_added(conn, user_id, target, ROLE_MEMBER, now)
        return JoinResult("joined", household, left.household_id if left is not None else None)

    # --- membership changes -------------------------------------------------------------

    async def leave(self, user_id: int) -> LeaveResult | None:
        """Leave at once (None if not in a household). An owner's role moves to the
        longest-standing member; the last one out ends the household and its plans."""
        async with self.db.transaction() as conn:
            return await member_gone(conn, user_id)

    async def remove_member(self, owner_id: int, member_id: int) -> int:
        """The owner removes a member; returns the household id."""
        async with self.db.transaction() as conn:
            owner = await _owner_and_member(conn, owner_id, member_id, "remove members")
            if member_id == owner_id:
                raise FamilyError(_("You can't remove yourself: use /family leave."))
            await member_gone(conn, member_id)
        return owner.household_id

    async def transfer_ownership(self, owner_id: int, new_owner_id: int) -> int:
        """Hand the owner role to another member; returns the household id."""
        m = household_members.c
        async with self.db.transaction() as conn:
            owner = await _owner_and_member(conn, owner_id, new_owner_id, "hand over ownership")
            if new_owner_id == owner_id:
                raise FamilyError(_("You are the owner already."))
            # Demote first: the one-owner unique index is checked per statement.
            await conn.execute(
                sa.update(household_members).where(m.user_id == owner_id).values(role=ROLE_MEMBER)
            )
            await conn.execute(
                sa.update(household_members)
                .where(m.user_id == new_owner_id)
                .values(role=ROLE_OWNER)
            )
        return owner.household_id

    # --- group chats --------------------------------------------------------------------

    async def link_group(
        self,
        chat_id: int,
        household_id: int,
        by_user: UserSettings,
        title: str,
        now_utc: dt.datetime,
    ) -> GroupLink:
        """Link (or re-link) a group; it gets the push at the linking member's time and zone."""
        now = require_aware(now_utc, "timestamp")
        async with self.db.transaction() as conn:
            await lock_users(conn, [by_user.user_id])
            found = await locked_membership(conn, by_user.user_id)
            if found is None or found.household_id != household_id:
                raise NotMemberError("Only household members can link a group.")
            stmt = insert_for(conn)(group_links).values(
                chat_id=chat_id,
                household_id=household_id,
                linked_by=by_user.user_id,
                title=" ".join(title.split())[:MAX_NAME],
                timezone=by_user.timezone,
                push_time=by_user.push_time,
                active=True,
                linked_utc=now,
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[group_links.c.chat_id],
                set_={
                    name: stmt.excluded[name]
                    for name in (
                        "household_id",
                        "linked_by",
                        "title",
                        "timezone",
                        "push_time",
                        "active",
                        "linked_utc",
                    )
                },
            )
            row = (await conn.execute(stmt.returning(group_links))).one()
        return _link(row)

    async def unlink_group(self, chat_id: int) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                sa.delete(group_links).where(group_links.c.chat_id == chat_id)
            )
        return result.rowcount > 0

    async def group_link(self, chat_id: int) -> GroupLink | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(sa.select(group_links).where(group_links.c.chat_id == chat_id))
            ).first()
        return None if row is None else _link(row)

    async def groups_of(self, household_id: int) -> list[GroupLink]:
        stmt = (
            sa.select(group_links)
            .where(group_links.c.household_id == household_id)
            .order_by(group_links.c.chat_id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_link(r) for r in rows]

    # --- group push ledger --------------------------------------------------------------

    async def due_group_pushes(
        self, now_utc: dt.datetime, catch_up: dt.timedelta
    ) -> list[DueGroupPush]:
        """Active linked groups whose latest push time is within `catch_up` and not yet
        claimed for that local date (linked groups are few: a scan is fine)."""
        now = require_aware(now_utc)
        check_catch_up(catch_up)
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    sa.select(group_links)
                    .where(group_links.c.active == sa.true())
                    .order_by(group_links.c.chat_id)
                )
            ).all()
            candidates = []
            for row in rows:
                link = _link(row)
                when = latest_push_at_or_before(link.push_time, link.timezone, now)
                if when >= now - catch_up:
                    day = push_local_date(when, link.timezone)
                    candidates.append(DueGroupPush(link, day, when))
            if not candidates:
                return []
            ledger = await conn.execute(
                sa.select(group_pushes.c.chat_id, group_pushes.c.local_date).where(
                    group_pushes.c.chat_id.in_(sorted({d.link.chat_id for d in candidates})),
                    group_pushes.c.local_date.in_(sorted({d.local_date for d in candidates})),
                )
            )
            done = {(r.chat_id, r.local_date) for r in ledger}
        return [d for d in candidates if (d.link.chat_id, d.local_date) not in done]

    async def claim_group_push(
        self, chat_id: int, local_date: dt.date, now_utc: dt.datetime
    ) -> bool:
        """Record 'sending' before sending; False when the group has a row for that date."""
        now = require_aware(now_utc, "timestamp")
        stmt_values = {
            "chat_id": chat_id,
            "local_date": local_date,
            "state": "sending",
            "claimed_utc": now,
        }
        async with self.db.transaction() as conn:
            stmt = insert_or_ignore(
                conn,
                group_pushes,
                stmt_values,
                [group_pushes.c.chat_id, group_pushes.c.local_date],
            )
            return (await conn.execute(stmt)).first() is not None

    async def finish_group_push(
        self,
        chat_id: int,
        local_date: dt.date,
        state: str,
        message_id: int | None,
        now_utc: dt.datetime,
    ) -> None:
        """'sent' | 'blocked' | 'failed'; 'blocked' (bot removed from the group) deactivates
        the link so later ticks skip it."""
        if state not in FINAL_STATES:
            raise ValueError(f"group push state must be one of {FINAL_STATES} (got {state!r})")
        now = require_aware(now_utc, "timestamp")
        async with self.db.transaction() as conn:
            await conn.execute(
                sa.update(group_pushes)
                .where(group_pushes.c.chat_id == chat_id, group_pushes.c.local_date == local_date)
                .values(state=state, message_id=message_id, finished_utc=now)
            )
            if state == "blocked":
                await conn.execute(
                    sa.update(group_links)
                    .where(group_links.c.chat_id == chat_id)
                    .values(active=False)
                )

    async def release_group_push(self, chat_id: int, local_date: dt.date) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                sa.delete(group_pushes).where(
                    group_pushes.c.chat_id == chat_id,
                    group_pushes.c.local_date == local_date,
                    group_pushes.c.state == "sending",
                )
            )

    async def group_push_state(self, chat_id: int, local_date: dt.date) -> str | None:
        async with self.db.read() as conn:
            state: str | None = (
                await conn.execute(
                    sa.select(group_pushes.c.state).where(
                        group_pushes.c.chat_id == chat_id,
                        group_pushes.c.local_date == local_date,
                    )
                )
            ).scalar_one_or_none()
        return state
