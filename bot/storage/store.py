"""The only module that writes SQL: a repository over one aiosqlite connection.

Every public method runs as ONE plain function on aiosqlite's connection thread. That costs
one thread hop per call (cheap enough for 10,000 pushes a minute) and makes each method
atomic with respect to the other coroutines sharing the connection: no one else's statement
can land inside a half-done transaction, which an `await` between BEGIN and COMMIT would
allow. Row <-> UserSettings conversion lives in `_user_from_row` / `_user_columns` only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.core.clock import zone
from bot.core.models import Diet, Slot, UserSettings
from bot.core.schedule import (
    check_catch_up,
    latest_push_at_or_before,
    next_push_after,
    push_local_date,
    require_aware,
)
from bot.storage.migrations import MIGRATIONS, Migration, apply_migrations

log = logging.getLogger(__name__)

T = TypeVar("T")
UTC = dt.UTC
BUSY_TIMEOUT_MS = 5000
PUSH_STATES = ("sending", "sent", "blocked", "failed")
FINAL_PUSH_STATES = ("sent", "blocked", "failed")
# Changing any of these moves the next push.
_SCHEDULE_FIELDS = frozenset({"timezone", "push_time", "push_enabled", "active", "onboarded"})
_OWNER_RE = re.compile(r"^[a-z]+:-?\d+$")


class UnknownUserError(LookupError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"no stored user with id {user_id}")
        self.user_id = user_id


@dataclass(frozen=True, slots=True)
class DuePush:
    """One push a tick should deliver: the user, their local date, and when it fell due."""

    user: UserSettings
    local_date: dt.date
    due_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class PushRecord:
    user_id: int
    local_date: dt.date
    state: str
    message_id: int | None
    claimed_utc: dt.datetime
    finished_utc: dt.datetime | None


def user_owner(user_id: int) -> str:
    """Plan owner key of a user's personal plans."""
    return f"u:{user_id}"


def household_owner(household_id: int) -> str:
    return f"h:{household_id}"


# --- conversions ----------------------------------------------------------------------------


def _utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


def _iso(moment: dt.datetime) -> str:
    return require_aware(moment, "timestamp").astimezone(UTC).isoformat(timespec="seconds")


def _from_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def _ts(moment: dt.datetime) -> int:
    """Unix seconds; push instants are whole minutes, so nothing is rounded away."""
    return int(require_aware(moment).timestamp() // 1)


def _from_ts(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def _hhmm(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _parse_hhmm(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _user_from_row(row: sqlite3.Row) -> UserSettings:
    return UserSettings(
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        first_name=row["first_name"],
        diet=Diet(row["diet"]),
        target_ug=row["target_ug"],
        exclude=frozenset(json.loads(row["exclude"])),
        slots=tuple(Slot(s) for s in json.loads(row["slots"])),
        timezone=row["timezone"],
        push_time=_parse_hhmm(row["push_time"]),
        push_enabled=bool(row["push_enabled"]),
        active=bool(row["active"]),
        onboarded=bool(row["onboarded"]),
        household_id=row["household_id"],
        evening_check=bool(row["evening_check"]),
        evening_time=_parse_hhmm(row["evening_time"]),
    )


def _user_columns(user: UserSettings) -> dict[str, Any]:
    """Column values for a UserSettings (every field except the key, plus nothing else)."""
    return {
        "chat_id": user.chat_id,
        "first_name": user.first_name,
        "diet": user.diet.value,
        "target_ug": float(user.target_ug),
        "exclude": json.dumps(sorted(user.exclude)),
        "slots": json.dumps([s.value for s in user.slots]),
        "timezone": user.timezone,
        "push_time": _hhmm(user.push_time),
        "push_enabled": int(user.push_enabled),
        "active": int(user.active),
        "onboarded": int(user.onboarded),
        "household_id": user.household_id,
        "evening_check": int(user.evening_check),
        "evening_time": _hhmm(user.evening_time),
    }


_SETTABLE_FIELDS = frozenset(f.name for f in dataclasses.fields(UserSettings)) - {"user_id"}


def _validated(user: UserSettings) -> UserSettings:
    """Normalise types and refuse values that would break pushes, with a message naming them."""
    try:
        diet = Diet(user.diet)
    except ValueError:
        raise ValueError(
            f"unknown diet {user.diet!r}; choose one of {', '.join(d.value for d in Diet)}"
        ) from None
    try:
        slots = tuple(Slot(s) for s in user.slots)
    except ValueError:
        raise ValueError(
            f"unknown meal slot in {list(user.slots)!r}; use {', '.join(s.value for s in Slot)}"
        ) from None
    if not slots:
        raise ValueError("at least one meal per day is needed")
    if len(set(slots)) != len(slots):
        raise ValueError(f"meal slots repeat: {[s.value for s in slots]}")
    if not user.target_ug > 0:
        raise ValueError(f"B12 target must be above 0 µg (got {user.target_ug})")
    zone(user.timezone)  # raises ValueError naming the zone
    for name in ("push_time", "evening_time"):
        value = getattr(user, name)
        if not isinstance(value, dt.time):
            raise ValueError(f"{name} must be a datetime.time (got {value!r})")
    return dataclasses.replace(
        user, diet=diet, slots=slots, exclude=frozenset(str(x) for x in user.exclude)
    )


def _next_push_ts(user: UserSettings, now_utc: dt.datetime) -> int:
    return _ts(next_push_after(user.push_time, user.timezone, now_utc))


def _check_owner(owner: str) -> str:
    if not _OWNER_RE.match(owner):
        raise ValueError(f"plan owner must look like 'u:<id>' or 'h:<id>' (got {owner!r})")
    return owner


def _plan_recipe_ids(plan: dict[str, Any]) -> list[str]:
    """Recipe ids of a stored plan dict: `meals[*].recipe_id` (as dataclasses.asdict(DayPlan))."""
    meals = plan.get("meals") or []
    return [m["recipe_id"] for m in meals if isinstance(m, dict) and m.get("recipe_id")]


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a plan: {value!r}")


# --- the repository -------------------------------------------------------------------------


class Store:
    """Repository over ONE aiosqlite connection (WAL, busy_timeout, foreign keys on)."""

    def __init__(self, conn: aiosqlite.Connection, path: str, version: int) -> None:
        self._conn = conn
        self.path = path
        self.schema_version = version

    @classmethod
    async def open(cls, path: str | Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> Store:
        """Open (creating the file and its folder) and migrate; ':memory:' works for tests."""
        where = str(path)
        if where != ":memory:":
            Path(where).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(where, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            version = await conn._execute(_prepare_connection, conn._conn, tuple(migrations))
        except BaseException:
            await conn.close()
            raise
        return cls(conn, where, version)

    async def close(self) -> None:
        await self._conn.close()

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        # aiosqlite has no public "run this function on the connection thread"; _execute is
        # that primitive (it backs every public aiosqlite method) and gives one hop per call.
        return await self._conn._execute(fn, self._conn._conn, *args)

    async def pragma(self, name: str) -> Any:
        """Read a PRAGMA (for diagnostics and tests)."""
        if not name.isidentifier():
            raise ValueError(f"not a pragma name: {name!r}")
        rows = await self._conn.execute_fetchall(f"PRAGMA {name}")
        return rows[0][0] if rows else None

    # --- users ------------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> UserSettings | None:
        def run(c: sqlite3.Connection) -> UserSettings | None:
            row = c.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
            return None if row is None else _user_from_row(row)

        return await self._run(run)

    async def ensure_user(
        self, user_id: int, chat_id: int, first_name: str, *, now_utc: dt.datetime | None = None
    ) -> UserSettings:
        """Insert a new user with defaults, or refresh chat id and name of a known one.

        A message from a user proves they no longer block the bot, so an inactive user becomes
        active again (their next push is scheduled from now, not caught up).
        """
        now = require_aware(now_utc or _utc_now())

        def run(c: sqlite3.Connection) -> UserSettings:
            with _transaction(c):
                row = c.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
                if row is None:
                    user = UserSettings(user_id=user_id, chat_id=chat_id, first_name=first_name)
                    _insert_user(c, user, now)
                    return user
                old = _user_from_row(row)
                user = dataclasses.replace(old, chat_id=chat_id, first_name=first_name, active=True)
                _write_user(c, old, user, now)
                return user

        return await self._run(run)

    async def update_user(
        self, user_id: int, /, *, now_utc: dt.datetime | None = None, **fields: Any
    ) -> UserSettings:
        """Change any UserSettings fields; returns the stored result.

        When the schedule changes (zone, time, pause, block, onboarding) the next push moves
        to the first new push time after now. A push already made today is never repeated:
        the ledger, not next_push_utc, guarantees once per local date.
        """
        unknown = set(fields) - _SETTABLE_FIELDS
        if unknown:
            raise ValueError(
                f"unknown user setting(s): {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(_SETTABLE_FIELDS))}"
            )
        now = require_aware(now_utc or _utc_now())

        def run(c: sqlite3.Connection) -> UserSettings:
            with _transaction(c):
                row = c.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
                if row is None:
                    raise UnknownUserError(user_id)
                old = _user_from_row(row)
                new = _validated(dataclasses.replace(old, **fields))
                _write_user(c, old, new, now)
                return new

        return await self._run(run)

    async def set_active(
        self, user_id: int, active: bool, *, now_utc: dt.datetime | None = None
    ) -> None:
        """Blocked the bot -> False; any new message from them -> True."""
        await self.update_user(user_id, active=active, now_utc=now_utc)

    async def delete_user(self, user_id: int) -> None:
        """Erase every row about the user: pushes and later tables cascade, plans by trigger."""

        def run(c: sqlite3.Connection) -> None:
            with _transaction(c):
                c.execute("DELETE FROM users WHERE user_id = ?", (user_id,))

        await self._run(run)

    async def next_push_utc(self, user_id: int) -> dt.datetime | None:
        """When the user's next push is scheduled (None for an unknown user)."""

        def run(c: sqlite3.Connection) -> int | None:
            row = c.execute(
                "SELECT next_push_utc FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
            return None if row is None else row[0]

        seconds = await self._run(run)
        return None if seconds is None else _from_ts(seconds)

    async def count_users(self, *, active_only: bool = False) -> int:
        sql = "SELECT count(*) FROM users" + (" WHERE active = 1" if active_only else "")
        rows = await self._conn.execute_fetchall(sql)
        return int(rows[0][0])

    # --- plans ------------------------------------------------------------------------------

    async def get_plan(self, owner: str, day: dt.date) -> dict[str, Any] | None:
        _check_owner(owner)

        def run(c: sqlite3.Connection) -> str | None:
            row = c.execute(
                "SELECT json FROM plans WHERE owner = ? AND day = ?", (owner, day.isoformat())
            ).fetchone()
            return None if row is None else row[0]

        text = await self._run(run)
        return None if text is None else json.loads(text)

    async def save_plan(
        self,
        owner: str,
        day: dt.date,
        plan: dict[str, Any],
        *,
        now_utc: dt.datetime | None = None,
    ) -> None:
        """Insert or replace the plan. Dates/tuples/sets become JSON text/lists."""
        _check_owner(owner)
        text = json.dumps(plan, default=_json_default, ensure_ascii=False, sort_keys=True)
        stamp = _iso(now_utc or _utc_now())

        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO plans (owner, day, json, updated_utc) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (owner, day) DO UPDATE SET json = excluded.json, "
                "updated_utc = excluded.updated_utc",
                (owner, day.isoformat(), text, stamp),
            )

        await self._run(run)

    async def delete_plans_from(self, owner: str, day: dt.date) -> int:
        """Drop stored plans for `day` and later (settings changed); returns how many."""
        _check_owner(owner)

        def run(c: sqlite3.Connection) -> int:
            cur = c.execute(
                "DELETE FROM plans WHERE owner = ? AND day >= ?", (owner, day.isoformat())
            )
            return cur.rowcount

        return await self._run(run)

    async def recent_recipe_ids(self, owner: str, before: dt.date, days: int = 7) -> list[str]:
        """Recipe ids in stored plans of the `days` days before `before`, oldest first."""
        _check_owner(owner)
        first = before - dt.timedelta(days=days)

        def run(c: sqlite3.Connection) -> list[str]:
            rows = c.execute(
                "SELECT json FROM plans WHERE owner = ? AND day >= ? AND day < ? ORDER BY day",
                (owner, first.isoformat(), before.isoformat()),
            ).fetchall()
            return [rid for (text,) in rows for rid in _plan_recipe_ids(json.loads(text))]

        return await self._run(run)

    # --- daily push ledger ------------------------------------------------------------------

    async def skip_missed_pushes(self, now_utc: dt.datetime, catch_up: dt.timedelta) -> int:
        """Re-aim overdue schedules after downtime; returns how many users lose a push.

        A push older than `catch_up` is dropped: the user's schedule moves to the next push
        time after now. If a newer occurrence is still within `catch_up` (yesterday's was
        missed but today's just passed), the schedule moves to that one so it is sent once.
        """
        now = require_aware(now_utc)
        check_catch_up(catch_up)
        return await self._run(_skip_missed, now, catch_up)

    async def due_pushes(
        self,
        now_utc: dt.datetime,
        catch_up: dt.timedelta,
        limit: int = 1000,
        *,
        after: tuple[dt.datetime, int] | None = None,
    ) -> list[DuePush]:
        """Users whose push is due (active, pushes on, onboarded, next_push_utc <= now).

        Missed pushes older than `catch_up` are skipped first (see skip_missed_pushes). Rows
        come in (due_utc, user_id) order; pass the last row's `(due_utc, user_id)` as `after`
        to fetch the next page (keyset paging, so rows updated meanwhile are not seen twice).
        """
        now = require_aware(now_utc)
        check_catch_up(catch_up)
        if limit < 1:
            raise ValueError(f"limit must be at least 1 (got {limit})")
        after_key = (-1, -(2**63)) if after is None else (_ts(after[0]), int(after[1]))

        def run(c: sqlite3.Connection) -> list[DuePush]:
            _skip_missed(c, now, catch_up)
            rows = c.execute(
                "SELECT * FROM users "
                "WHERE active = 1 AND push_enabled = 1 AND onboarded = 1 "
                "AND next_push_utc <= ? AND (next_push_utc, user_id) > (?, ?) "
                "ORDER BY next_push_utc, user_id LIMIT ?",
                (_ts(now), after_key[0], after_key[1], limit),
            ).fetchall()
            due = []
            for row in rows:
                user = _user_from_row(row)
                due_utc = _from_ts(row["next_push_utc"])
                due.append(DuePush(user, push_local_date(due_utc, user.timezone), due_utc))
            return due

        return await self._run(run)

    async def claim_push(self, user_id: int, local_date: dt.date, now_utc: dt.datetime) -> bool:
        """Record 'sending' before sending; False when this (user, date) has a row already
        (sent, being sent, or lost in a crash) or the user is gone. The committed row is what
        makes a push happen at most once per user and local date."""
        stamp = _iso(now_utc)

        def run(c: sqlite3.Connection) -> bool:
            try:
                cur = c.execute(
                    "INSERT INTO pushes (user_id, local_date, state, claimed_utc) "
                    "VALUES (?, ?, 'sending', ?) ON CONFLICT (user_id, local_date) DO NOTHING",
                    (user_id, local_date.isoformat(), stamp),
                )
            except sqlite3.IntegrityError:  # the user was deleted meanwhile (foreign key)
                return False
            return cur.rowcount == 1

        return await self._run(run)

    async def finish_push(
        self,
        user_id: int,
        local_date: dt.date,
        state: str,
        message_id: int | None,
        next_push_utc: dt.datetime,
        *,
        now_utc: dt.datetime | None = None,
    ) -> None:
        """Close a claim ('sent' | 'blocked' | 'failed') and schedule the next push, in one
        transaction. 'blocked' also marks the user inactive."""
        if state not in FINAL_PUSH_STATES:
            raise ValueError(f"push state must be one of {FINAL_PUSH_STATES} (got {state!r})")
        stamp = _iso(now_utc or _utc_now())
        next_ts = _ts(next_push_utc)

        def run(c: sqlite3.Connection) -> None:
            with _transaction(c):
                c.execute(
                    "UPDATE pushes SET state = ?, message_id = ?, finished_utc = ? "
                    "WHERE user_id = ? AND local_date = ?",
                    (state, message_id, stamp, user_id, local_date.isoformat()),
                )
                c.execute(
                    "UPDATE users SET next_push_utc = ?, "
                    "active = CASE WHEN ? THEN 0 ELSE active END WHERE user_id = ?",
                    (next_ts, state == "blocked", user_id),
                )

        await self._run(run)

    async def release_push(self, user_id: int, local_date: dt.date) -> None:
        """Drop a 'sending' claim whose send failed for sure, so a later tick retries it."""

        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "DELETE FROM pushes WHERE user_id = ? AND local_date = ? AND state = 'sending'",
                (user_id, local_date.isoformat()),
            )

        await self._run(run)

    async def advance_push(self, user_id: int, next_push_utc: dt.datetime) -> None:
        """Move a user's schedule on without sending (their push for the day exists already)."""
        next_ts = _ts(next_push_utc)

        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE users SET next_push_utc = ? WHERE user_id = ? "
                "AND (next_push_utc IS NULL OR next_push_utc < ?)",
                (next_ts, user_id, next_ts),
            )

        await self._run(run)

    async def get_push(self, user_id: int, local_date: dt.date) -> PushRecord | None:
        def run(c: sqlite3.Connection) -> sqlite3.Row | None:
            return c.execute(
                "SELECT * FROM pushes WHERE user_id = ? AND local_date = ?",
                (user_id, local_date.isoformat()),
            ).fetchone()

        row = await self._run(run)
        return None if row is None else _push_from_row(row)

    async def stale_claims(self, older_than_utc: dt.datetime) -> list[tuple[int, dt.date]]:
        """'sending' rows claimed before `older_than_utc`: sends cut off by a crash. They are
        not resent (at most once); the bot logs them."""
        stamp = _iso(older_than_utc)

        def run(c: sqlite3.Connection) -> list[tuple[int, dt.date]]:
            rows = c.execute(
                "SELECT user_id, local_date FROM pushes "
                "WHERE state = 'sending' AND claimed_utc < ? ORDER BY claimed_utc, user_id",
                (stamp,),
            ).fetchall()
            return [(r[0], dt.date.fromisoformat(r[1])) for r in rows]

        return await self._run(run)


class StoreRepository:
    """Base of the repositories that share the Store's one connection (households, tracking):
    their methods run through `Store._run`, so they are atomic like the Store's own."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.store._run(fn, *args)


# --- helpers that run on the connection thread ----------------------------------------------


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error (connection is in autocommit mode)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _prepare_connection(conn: sqlite3.Connection, migrations: tuple[Migration, ...]) -> int:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() not in ("wal", "memory"):  # ':memory:' databases cannot use WAL
        log.warning("SQLite refused WAL mode (journal_mode=%s)", mode)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return apply_migrations(conn, migrations)


def _insert_user(c: sqlite3.Connection, user: UserSettings, now: dt.datetime) -> None:
    user = _validated(user)
    columns = _user_columns(user)
    columns.update(
        user_id=user.user_id,
        next_push_utc=_next_push_ts(user, now),
        created_utc=_iso(now),
        updated_utc=_iso(now),
    )
    names = ", ".join(columns)
    marks = ", ".join(f":{name}" for name in columns)
    c.execute(f"INSERT INTO users ({names}) VALUES ({marks})", columns)


def _write_user(
    c: sqlite3.Connection, old: UserSettings, new: UserSettings, now: dt.datetime
) -> None:
    columns = _user_columns(new)
    columns["updated_utc"] = _iso(now)
    if any(getattr(old, f) != getattr(new, f) for f in _SCHEDULE_FIELDS):
        columns["next_push_utc"] = _next_push_ts(new, now)
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    columns["user_id"] = new.user_id
    c.execute(f"UPDATE users SET {assignments} WHERE user_id = :user_id", columns)


def _skip_missed(c: sqlite3.Connection, now: dt.datetime, catch_up: dt.timedelta) -> int:
    """Overdue beyond catch_up -> latest occurrence if still within catch_up, else the next."""
    oldest_ok = now - catch_up
    rows = c.execute(
        "SELECT user_id, timezone, push_time, next_push_utc FROM users "
        "WHERE active = 1 AND push_enabled = 1 AND onboarded = 1 AND next_push_utc < ?",
        (_ts(oldest_ok),),
    ).fetchall()
    if not rows:
        return 0
    dropped = 0
    updates = []
    for row in rows:
        push_time = _parse_hhmm(row["push_time"])
        latest = latest_push_at_or_before(push_time, row["timezone"], now)
        if latest >= oldest_ok:
            new_ts = _ts(latest)
        else:
            new_ts = _ts(next_push_after(push_time, row["timezone"], now))
            dropped += 1
        updates.append((new_ts, row["user_id"]))
    with _transaction(c):
        c.executemany("UPDATE users SET next_push_utc = ? WHERE user_id = ?", updates)
    if dropped:
        log.warning("skipped %d push(es) missed by more than %s (downtime?)", dropped, catch_up)
    return dropped


def _push_from_row(row: sqlite3.Row) -> PushRecord:
    return PushRecord(
        user_id=row["user_id"],
        local_date=dt.date.fromisoformat(row["local_date"]),
        state=row["state"],
        message_id=row["message_id"],
        claimed_utc=_from_iso(row["claimed_utc"]),
        finished_utc=None if row["finished_utc"] is None else _from_iso(row["finished_utc"]),
    )
