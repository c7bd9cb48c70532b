"""Households, invites, group links and the group push ledger: nothing else.

`HouseholdStore` shares the Store's ONE aiosqlite connection: every method is one plain
function run on the connection thread through `Store._run`, so each is atomic with respect to
other coroutines, exactly like the Store's own methods. Schema: migration 3 in
bot.storage.migrations (triggers keep `users.household_id` in step, hand ownership over
when an owner disappears and end a household when its last member goes).

Invite tokens are `secrets.token_urlsafe(24)`: 32 URL-safe characters, 192 random bits, well
inside Telegram's 64-character start parameter. Only their SHA-256 is stored, so a copy of
the database does not contain working invite links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass

from bot.core.models import UserSettings
from bot.core.schedule import (
    check_catch_up,
    latest_push_at_or_before,
    push_local_date,
    require_aware,
)
from bot.storage.store import StoreRepository, _from_iso, _hhmm, _iso, _transaction, _user_from_row

UTC = dt.UTC
INVITE_TTL = dt.timedelta(days=7)
TOKEN_BYTES = 24  # -> 32 characters of base64url, 192 bits
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAX_NAME = 64
ROLE_OWNER = "owner"
ROLE_MEMBER = "member"
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
class LeaveResult:
    household_id: int
    new_owner_id: int | None  # set when the owner left and ownership moved on
    household_ended: bool  # the last member left


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
        raise FamilyError("A household needs a name, e.g. /family create The Smiths")
    return text


def _household(row: sqlite3.Row) -> Household:
    return Household(row["household_id"], row["name"], _from_iso(row["created_utc"]))


def _link(row: sqlite3.Row) -> GroupLink:
    hours, minutes = row["push_time"].split(":")
    return GroupLink(
        chat_id=row["chat_id"],
        household_id=row["household_id"],
        linked_by=row["linked_by"],
        title=row["title"],
        timezone=row["timezone"],
        push_time=dt.time(int(hours), int(minutes)),
        active=bool(row["active"]),
        linked_utc=_from_iso(row["linked_utc"]),
    )


def _membership(c: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    return c.execute(
        "SELECT household_id, role FROM household_members WHERE user_id = ?", (user_id,)
    ).fetchone()


def _get_household(c: sqlite3.Connection, household_id: int) -> Household | None:
    row = c.execute("SELECT * FROM households WHERE household_id = ?", (household_id,)).fetchone()
    return None if row is None else _household(row)


def _live_invite(c: sqlite3.Connection, token: str, now: dt.datetime) -> sqlite3.Row | None:
    if not looks_like_token(token):
        return None
    return c.execute(
        "SELECT * FROM household_invites WHERE token_hash = ? AND revoked_utc IS NULL "
        "AND expires_utc > ?",
        (token_hash(token), _iso(now)),
    ).fetchone()


def _leave(c: sqlite3.Connection, user_id: int) -> LeaveResult | None:
    row = _membership(c, user_id)
    if row is None:
        return None
    household_id = row["household_id"]
    c.execute("DELETE FROM household_members WHERE user_id = ?", (user_id,))  # triggers run
    new_owner = None
    if row["role"] == ROLE_OWNER:
        found = c.execute(
            "SELECT user_id FROM household_members WHERE household_id = ? AND role = 'owner'",
            (household_id,),
        ).fetchone()
        new_owner = None if found is None else found[0]
    ended = _get_household(c, household_id) is None
    return LeaveResult(household_id, new_owner, ended)


def _owner_and_member(
    c: sqlite3.Connection, owner_id: int, member_id: int, action: str
) -> sqlite3.Row:
    """The owner's membership row, after checking they own the household and that
    `member_id` belongs to it (owner-only actions on a member)."""
    owner = _membership(c, owner_id)
    if owner is None or owner["role"] != ROLE_OWNER:
        raise NotOwnerError(f"Only the household's owner can {action}.")
    member = _membership(c, member_id)
    if member is None or member["household_id"] != owner["household_id"]:
        raise NotMemberError("That person is not in your household.")
    return owner


class HouseholdStore(StoreRepository):
    """Repository for households over the Store's connection (no SQL outside this module)."""

    # --- households ---------------------------------------------------------------------

    async def create_household(self, owner_id: int, name: str, now_utc: dt.datetime) -> Household:
        """A new household with `owner_id` as its owner; refused while they are in one."""
        title = clean_name(name)
        stamp = _iso(now_utc)

        def run(c: sqlite3.Connection) -> Household:
            with _transaction(c):
                if _membership(c, owner_id) is not None:
                    raise AlreadyInHouseholdError(
                        "You are already in a household. Leave it first with /family leave."
                    )
                if (
                    c.execute("SELECT 1 FROM users WHERE user_id = ?", (owner_id,)).fetchone()
                    is None
                ):
                    raise FamilyError("Send /start first, then create your household.")
                cur = c.execute(
                    "INSERT INTO households (name, created_by, created_utc) VALUES (?, ?, ?)",
                    (title, owner_id, stamp),
                )
                household_id = int(cur.lastrowid or 0)
                c.execute(
                    "INSERT INTO household_members (user_id, household_id, role, joined_utc) "
                    "VALUES (?, ?, 'owner', ?)",
                    (owner_id, household_id, stamp),
                )
                found = _get_household(c, household_id)
                assert found is not None
                return found

        return await self._run(run)

    async def get_household(self, household_id: int) -> Household | None:
        return await self._run(_get_household, household_id)

    async def household_of(self, user_id: int) -> Household | None:
        def run(c: sqlite3.Connection) -> Household | None:
            row = c.execute(
                "SELECT h.* FROM households h JOIN household_members m USING (household_id) "
                "WHERE m.user_id = ?",
                (user_id,),
            ).fetchone()
            return None if row is None else _household(row)

        return await self._run(run)

    async def membership(self, user_id: int) -> tuple[int, str] | None:
        """(household_id, role) of the user, or None."""

        def run(c: sqlite3.Connection) -> tuple[int, str] | None:
            row = _membership(c, user_id)
            return None if row is None else (row["household_id"], row["role"])

        return await self._run(run)

    async def members(self, household_id: int) -> list[MemberRecord]:
        """Members, longest-standing first, each with their stored settings."""

        def run(c: sqlite3.Connection) -> list[MemberRecord]:
            rows = c.execute(
                "SELECT u.*, m.role AS member_role, m.joined_utc AS member_joined, "
                "m.household_id AS member_household FROM household_members m "
                "JOIN users u USING (user_id) WHERE m.household_id = ? "
                "ORDER BY m.joined_utc, m.user_id",
                (household_id,),
            ).fetchall()
            return [
                MemberRecord(
                    _user_from_row(r),
                    r["member_household"],
                    r["member_role"],
                    _from_iso(r["member_joined"]),
                )
                for r in rows
            ]

        return await self._run(run)

    async def rename(self, household_id: int, name: str) -> Household:
        title = clean_name(name)

        def run(c: sqlite3.Connection) -> Household:
            c.execute(
                "UPDATE households SET name = ? WHERE household_id = ?", (title, household_id)
            )
            found = _get_household(c, household_id)
            if found is None:
                raise FamilyError("That household no longer exists.")
            return found

        return await self._run(run)

    # --- invites ------------------------------------------------------------------------

    async def create_invite(
        self, household_id: int, by_user_id: int, now_utc: dt.datetime
    ) -> Invite:
        """A new invite token; any earlier live invite of the household stops working.

        Only household members may invite (checked here, not only in the handler).
        """
        now = require_aware(now_utc)
        expires = now + INVITE_TTL

        def run(c: sqlite3.Connection) -> Invite:
            with _transaction(c):
                row = _membership(c, by_user_id)
                if row is None or row["household_id"] != household_id:
                    raise NotMemberError("Only members of a household can invite to it.")
                c.execute(
                    "UPDATE household_invites SET revoked_utc = ? "
                    "WHERE household_id = ? AND revoked_utc IS NULL",
                    (_iso(now), household_id),
                )
                token = new_token()
                c.execute(
                    "INSERT INTO household_invites (token_hash, household_id, created_by, "
                    "created_utc, expires_utc) VALUES (?, ?, ?, ?, ?)",
                    (token_hash(token), household_id, by_user_id, _iso(now), _iso(expires)),
                )
                return Invite(token, household_id, expires)

        return await self._run(run)

    async def revoke_invites(self, household_id: int, now_utc: dt.datetime) -> int:
        """Every live invite of the household stops working; returns how many."""

        def run(c: sqlite3.Connection) -> int:
            cur = c.execute(
                "UPDATE household_invites SET revoked_utc = ? "
                "WHERE household_id = ? AND revoked_utc IS NULL",
                (_iso(now_utc), household_id),
            )
            return cur.rowcount

        return await self._run(run)

    async def check_invite(self, token: str, now_utc: dt.datetime) -> InviteInfo | None:
        """What a token invites to, or None for unknown, expired, revoked or malformed tokens."""
        now = require_aware(now_utc)

        def run(c: sqlite3.Connection) -> InviteInfo | None:
            row = _live_invite(c, token, now)
            if row is None:
                return None
            household = _get_household(c, row["household_id"])
            if household is None:
                return None
            inviter = c.execute(
                "SELECT first_name FROM users WHERE user_id = ?", (row["created_by"],)
            ).fetchone()
            return InviteInfo(
                household,
                row["created_by"],
                inviter[0] if inviter is not None else "",
                _from_iso(row["expires_utc"]),
            )

        return await self._run(run)

    async def join(self, user_id: int, token: str, now_utc: dt.datetime) -> JoinResult:
        """Join by token. Joining your own household again is harmless ("already"); a member
        of another household moves (they confirmed on the invite screen)."""
        now = require_aware(now_utc)

        def run(c: sqlite3.Connection) -> JoinResult:
            with _transaction(c):
                row = _live_invite(c, token, now)
                if row is None:
                    return JoinResult("invalid")
                household = _get_household(c, row["household_id"])
                if household is None:
                    return JoinResult("invalid")
                if (
                    c.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone()
                    is None
                ):
                    return JoinResult("invalid")
                current = _membership(c, user_id)
                if current is not None and current["household_id"] == household.household_id:
                    return JoinResult("already", household)
                left = None
                if current is not None:
                    left = _leave(c, user_id)
                c.execute(
                    "INSERT INTO household_members (user_id, household_id, role, joined_utc) "
                    "VALUES (?, ?, 'member', ?)",
                    (user_id, household.household_id, _iso(now)),
                )
                return JoinResult(
                    "joined", household, left.household_id if left is not None else None
                )

        return await self._run(run)

    # --- membership changes -------------------------------------------------------------

    async def leave(self, user_id: int) -> LeaveResult | None:
        """Leave at once (None if not in a household). An owner's role moves to the
        longest-standing member; the last one out ends the household and its plans."""

        def run(c: sqlite3.Connection) -> LeaveResult | None:
            with _transaction(c):
                return _leave(c, user_id)

        return await self._run(run)

    async def remove_member(self, owner_id: int, member_id: int) -> int:
        """The owner removes a member; returns the household id."""

        def run(c: sqlite3.Connection) -> int:
            with _transaction(c):
                owner = _owner_and_member(c, owner_id, member_id, "remove members")
                if member_id == owner_id:
                    raise FamilyError("You can't remove yourself: use /family leave.")
                c.execute("DELETE FROM household_members WHERE user_id = ?", (member_id,))
                return int(owner["household_id"])

        return await self._run(run)

    async def transfer_ownership(self, owner_id: int, new_owner_id: int) -> int:
        """Hand the owner role to another member; returns the household id."""

        def run(c: sqlite3.Connection) -> int:
            with _transaction(c):
                owner = _owner_and_member(c, owner_id, new_owner_id, "hand over ownership")
                if new_owner_id == owner_id:
                    raise FamilyError("You are the owner already.")
                c.execute(
                    "UPDATE household_members SET role = 'member' WHERE user_id = ?", (owner_id,)
                )
                c.execute(
                    "UPDATE household_members SET role = 'owner' WHERE user_id = ?",
                    (new_owner_id,),
                )
                return int(owner["household_id"])

        return await self._run(run)

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

        def run(c: sqlite3.Connection) -> GroupLink:
            with _transaction(c):
                row = _membership(c, by_user.user_id)
                if row is None or row["household_id"] != household_id:
                    raise NotMemberError("Only household members can link a group.")
                c.execute(
                    "INSERT INTO group_links (chat_id, household_id, linked_by, title, timezone, "
                    "push_time, active, linked_utc) VALUES (?, ?, ?, ?, ?, ?, 1, ?) "
                    "ON CONFLICT (chat_id) DO UPDATE SET household_id = excluded.household_id, "
                    "linked_by = excluded.linked_by, title = excluded.title, "
                    "timezone = excluded.timezone, push_time = excluded.push_time, active = 1, "
                    "linked_utc = excluded.linked_utc",
                    (
                        chat_id,
                        household_id,
                        by_user.user_id,
                        " ".join(title.split())[:MAX_NAME],
                        by_user.timezone,
                        _hhmm(by_user.push_time),
                        _iso(now_utc),
                    ),
                )
                found = c.execute("SELECT * FROM group_links WHERE chat_id = ?", (chat_id,))
                return _link(found.fetchone())

        return await self._run(run)

    async def unlink_group(self, chat_id: int) -> bool:
        def run(c: sqlite3.Connection) -> bool:
            return c.execute("DELETE FROM group_links WHERE chat_id = ?", (chat_id,)).rowcount > 0

        return await self._run(run)

    async def group_link(self, chat_id: int) -> GroupLink | None:
        def run(c: sqlite3.Connection) -> GroupLink | None:
            row = c.execute("SELECT * FROM group_links WHERE chat_id = ?", (chat_id,)).fetchone()
            return None if row is None else _link(row)

        return await self._run(run)

    async def groups_of(self, household_id: int) -> list[GroupLink]:
        def run(c: sqlite3.Connection) -> list[GroupLink]:
            rows = c.execute(
                "SELECT * FROM group_links WHERE household_id = ? ORDER BY chat_id",
                (household_id,),
            ).fetchall()
            return [_link(r) for r in rows]

        return await self._run(run)

    # --- group push ledger --------------------------------------------------------------

    async def due_group_pushes(
        self, now_utc: dt.datetime, catch_up: dt.timedelta
    ) -> list[DueGroupPush]:
        """Active linked groups whose latest push time is within `catch_up` and not yet
        claimed for that local date (linked groups are few: a scan is fine)."""
        now = require_aware(now_utc)
        check_catch_up(catch_up)

        def run(c: sqlite3.Connection) -> list[DueGroupPush]:
            due = []
            for row in c.execute("SELECT * FROM group_links WHERE active = 1 ORDER BY chat_id"):
                link = _link(row)
                when = latest_push_at_or_before(link.push_time, link.timezone, now)
                if when < now - catch_up:
                    continue
                day = push_local_date(when, link.timezone)
                done = c.execute(
                    "SELECT 1 FROM group_pushes WHERE chat_id = ? AND local_date = ?",
                    (link.chat_id, day.isoformat()),
                ).fetchone()
                if done is None:
                    due.append(DueGroupPush(link, day, when))
            return due

        return await self._run(run)

    async def claim_group_push(
        self, chat_id: int, local_date: dt.date, now_utc: dt.datetime
    ) -> bool:
        """Record 'sending' before sending; False when the group has a row for that date."""

        def run(c: sqlite3.Connection) -> bool:
            cur = c.execute(
                "INSERT INTO group_pushes (chat_id, local_date, state, claimed_utc) "
                "VALUES (?, ?, 'sending', ?) ON CONFLICT (chat_id, local_date) DO NOTHING",
                (chat_id, local_date.isoformat(), _iso(now_utc)),
            )
            return cur.rowcount == 1

        return await self._run(run)

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

        def run(c: sqlite3.Connection) -> None:
            with _transaction(c):
                c.execute(
                    "UPDATE group_pushes SET state = ?, message_id = ?, finished_utc = ? "
                    "WHERE chat_id = ? AND local_date = ?",
                    (state, message_id, _iso(now_utc), chat_id, local_date.isoformat()),
                )
                if state == "blocked":
                    c.execute("UPDATE group_links SET active = 0 WHERE chat_id = ?", (chat_id,))

        await self._run(run)

    async def release_group_push(self, chat_id: int, local_date: dt.date) -> None:
        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "DELETE FROM group_pushes WHERE chat_id = ? AND local_date = ? "
                "AND state = 'sending'",
                (chat_id, local_date.isoformat()),
            )

        await self._run(run)

    async def group_push_state(self, chat_id: int, local_date: dt.date) -> str | None:
        def run(c: sqlite3.Connection) -> str | None:
            row = c.execute(
                "SELECT state FROM group_pushes WHERE chat_id = ? AND local_date = ?",
                (chat_id, local_date.isoformat()),
            ).fetchone()
            return None if row is None else row[0]

        return await self._run(run)
