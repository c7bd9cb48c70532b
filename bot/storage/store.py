"""Users, plans and the daily push ledger on SQLAlchemy Core, one code path for both engines.

Every public method is one transaction through `self.db` (bot.storage.db.Database), almost all
as `db.run(fn)`: a plain function over a sync Connection, which on SQLite is one hop to the
connection's worker thread for the whole method (on PostgreSQL `run_sync`). On SQLite the
Database has one connection, so each method is atomic with respect to the other coroutines,
as with the single aiosqlite connection before; on PostgreSQL read-then-write methods lock the
rows they read (`with_for_update`). The statements of the push path are built once, with bind
parameters, so SQLAlchemy only looks up their compiled SQL. Row <-> UserSettings conversion
lives in `user_from_row` and `_user_values` only. HouseholdStore and TrackingStore share the
Store's Database (`StoreRepository`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.core.clock import zone
from bot.core.models import Diet, Slot, UserSettings
from bot.core.schedule import (
    check_catch_up,
    latest_push_at_or_before,
    next_push_after,
    push_local_date,
    require_aware,
)
from bot.storage import membership
from bot.storage.db import Database
from bot.storage.dialects import insert_for, insert_or_ignore, upsert
from bot.storage.schema import (
    ABSORPTIONS,
    LIFE_STAGES,
    PUSHABLE,
    plans,
    pushes,
    user_products,
    users,
)

log = logging.getLogger(__name__)

UTC = dt.UTC
PUSH_STATES = ("sending", "sent", "blocked", "failed")
REGIONS = ("us", "uk", "eu")
FINAL_PUSH_STATES = ("sent", "blocked", "failed")
# Plans older than this are pruned daily. Readers: the planner looks 7 days back, /progress
# and the tally 30 days, /export whatever is left (so an export holds ~60 days of plans).
PLAN_RETENTION_DAYS = 60
PRUNE_BATCH = 500
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


@dataclass(frozen=True, slots=True)
class ClaimedPushes:
    """What one claim_due_pushes call took: pushes to send now (their ledger rows are
    'sending'), and due users whose push for that local date exists already (the record, for
    the log; their schedule has been moved on)."""

    claimed: list[DuePush]
    skipped: list[tuple[DuePush, PushRecord | None]]


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """What planning one day reads from storage, in one read (see Store.plan_inputs)."""

    stored: dict[str, Any] | None  # the stored plan of that day, if any
    recent_ids: list[str]  # recipe ids of the days before, oldest first
    product_overrides: dict[str, float]  # ingredient id -> µg B12 per 100 g (own labels)


def user_owner(user_id: int) -> str:
    """Plan owner key of a user's personal plans."""
    return f"u:{user_id}"


def household_owner(household_id: int) -> str:
    return f"h:{household_id}"


# --- conversions ----------------------------------------------------------------------------


def utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


def to_ts(moment: dt.datetime) -> int:
    """Unix seconds; push instants are whole minutes, so nothing is rounded away."""
    return int(require_aware(moment).timestamp() // 1)


def from_ts(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def user_from_row(row: Row[Any]) -> UserSettings:
    """A `users` row (select of schema.users, types already converted) as UserSettings."""
    return UserSettings(
        user_id=row.user_id,
        chat_id=row.chat_id,
        first_name=row.first_name,
        diet=Diet(row.diet),
        target_ug=row.target_ug,
        exclude=frozenset(row.exclude),
        slots=tuple(Slot(s) for s in row.slots),
        timezone=row.timezone,
        push_time=row.push_time,
        push_enabled=bool(row.push_enabled),
        active=bool(row.active),
        onboarded=bool(row.onboarded),
        household_id=row.household_id,
        evening_check=bool(row.evening_check),
        evening_time=row.evening_time,
        region=row.region,
        life_stage=row.life_stage,
        absorption=row.absorption,
    )


def _user_values(user: UserSettings) -> dict[str, Any]:
    """Column values for a UserSettings (every field except the key, plus nothing else)."""
    return {
        "chat_id": user.chat_id,
        "first_name": user.first_name,
        "diet": user.diet.value,
        "target_ug": float(user.target_ug),
        "exclude": sorted(user.exclude),
        "slots": [s.value for s in user.slots],
        "timezone": user.timezone,
        "push_time": user.push_time,
        "push_enabled": bool(user.push_enabled),
        "active": bool(user.active),
        "onboarded": bool(user.onboarded),
        "household_id": user.household_id,
        "evening_check": bool(user.evening_check),
        "evening_time": user.evening_time,
        "region": user.region,
        "life_stage": user.life_stage,
        "absorption": user.absorption,
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
    if user.region is not None and user.region not in REGIONS:
        raise ValueError(f"unknown region {user.region!r}; use {', '.join(REGIONS)} or None")
    if user.life_stage not in LIFE_STAGES:
        raise ValueError(f"unknown life stage {user.life_stage!r}; use {', '.join(LIFE_STAGES)}")
    if user.absorption not in ABSORPTIONS:
        raise ValueError(f"unknown absorption {user.absorption!r}; use {', '.join(ABSORPTIONS)}")
    for name in ("push_time", "evening_time"):
        value = getattr(user, name)
        if not isinstance(value, dt.time):
            raise ValueError(f"{name} must be a datetime.time (got {value!r})")
    return dataclasses.replace(
        user, diet=diet, slots=slots, exclude=frozenset(str(x) for x in user.exclude)
    )


def _next_push_ts(user: UserSettings, now_utc: dt.datetime) -> int:
    return to_ts(next_push_after(user.push_time, user.timezone, now_utc))


def _check_owner(owner: str) -> str:
    if not _OWNER_RE.match(owner):
        raise ValueError(f"plan owner must look like 'u:<id>' or 'h:<id>' (got {owner!r})")
    return owner


def _plan_recipe_ids(plan: dict[str, Any]) -> list[str]:
    """Recipe ids of a stored plan dict: `meals[*].recipe_id` (as dataclasses.asdict(DayPlan))."""
    meals = plan.get("meals") or []
    return [m["recipe_id"] for m in meals if isinstance(m, dict) and m.get("recipe_id")]


# --- statements built once (the hot path of a push; SQLAlchemy caches their SQL) ----------

_GET_USER = sa.select(users).where(users.c.user_id == sa.bindparam("uid"))
_LOCK_USER = _GET_USER.with_for_update()
_NEXT_PUSH = sa.select(users.c.next_push_utc).where(users.c.user_id == sa.bindparam("uid"))
_GET_PLAN = sa.select(plans.c.body).where(
    plans.c.owner == sa.bindparam("owner"), plans.c.day == sa.bindparam("day")
)
_RECENT_PLANS = (
    sa.select(plans.c.body)
    .where(
        plans.c.owner == sa.bindparam("owner"),
        plans.c.day >= sa.bindparam("first"),
        plans.c.day < sa.bindparam("before"),
    )
    .order_by(plans.c.day)
)
_FINISH_PUSH = (
    sa.update(pushes)
    .where(pushes.c.user_id == sa.bindparam("uid"), pushes.c.local_date == sa.bindparam("day"))
    .values(
        state=sa.bindparam("state", type_=pushes.c.state.type),
        message_id=sa.bindparam("message_id", type_=pushes.c.message_id.type),
        finished_utc=sa.bindparam("finished", type_=pushes.c.finished_utc.type),
    )
)
_SCHEDULE = (
    sa.update(users)
    .where(users.c.user_id == sa.bindparam("uid"))
    .values(next_push_utc=sa.bindparam("next_ts", type_=users.c.next_push_utc.type))
)
_SCHEDULE_BLOCKED = _SCHEDULE.values(active=False)
_ADVANCE = _SCHEDULE.where(  # only ever forward
    sa.or_(
        users.c.next_push_utc.is_(None),
        users.c.next_push_utc < sa.bindparam("next_ts", type_=users.c.next_push_utc.type),
    )
)
_PRODUCTS = sa.select(user_products.c.ingredient_id, user_products.c.b12_per_100g).where(
    user_products.c.user_id == sa.bindparam("uid")
)
_GET_PUSH = sa.select(pushes).where(
    pushes.c.user_id == sa.bindparam("uid"), pushes.c.local_date == sa.bindparam("day")
)
_PER_DIALECT: dict[tuple[str, str], Any] = {}


def _claim_statement(conn: sa.Connection) -> Any:
    key = (conn.dialect.name, "claim")
    if key not in _PER_DIALECT:
        _PER_DIALECT[key] = insert_or_ignore(
            conn,
            pushes,
            {
                "user_id": sa.bindparam("uid", type_=pushes.c.user_id.type),
                "local_date": sa.bindparam("day", type_=pushes.c.local_date.type),
                "state": "sending",
                "claimed_utc": sa.bindparam("claimed", type_=pushes.c.claimed_utc.type),
            },
            conflict=[pushes.c.user_id, pushes.c.local_date],
        )
    return _PER_DIALECT[key]


def _save_plan_statement(conn: sa.Connection) -> Any:
    key = (conn.dialect.name, "save_plan")
    if key not in _PER_DIALECT:
        _PER_DIALECT[key] = upsert(
            conn,
            plans,
            {
                "owner": sa.bindparam("owner", type_=plans.c.owner.type),
                "day": sa.bindparam("day", type_=plans.c.day.type),
                "body": sa.bindparam("body", type_=plans.c.body.type),
                "updated_utc": sa.bindparam("stamp", type_=plans.c.updated_utc.type),
            },
            conflict=[plans.c.owner, plans.c.day],
            update=["body", "updated_utc"],
        )
    return _PER_DIALECT[key]


# --- the repository -------------------------------------------------------------------------


class Store:
    """Users, plans and the push ledger over one Database (SQLite file or PostgreSQL).

    Each method is one `db.run(fn)`: a plain function over a sync Connection, one transaction,
    one hop to SQLite's connection thread (see bot.storage.db.Database.run).
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    async def open(cls, target: str | Path) -> Store:
        """Open and migrate. A Path or plain path is a SQLite file (created with its folder);
        a string starting with `sqlite:` or `postgresql:`/`postgres:` is a database URL.
        Raises bot.storage.db.StorageStartError with a clear message when it cannot."""
        return cls(await Database.open(target))

    async def close(self) -> None:
        await self.db.close()

    @property
    def dialect(self) -> str:
        return self.db.dialect

    @property
    def path(self) -> str:
        """Where the data is, for logs: the SQLite file, or the URL without its password."""
        return self.db.description

    @property
    def schema_version(self) -> str | None:
        """The Alembic revision the database is at."""
        return self.db.revision

    async def pragma(self, name: str) -> Any:
        """Read a SQLite PRAGMA (diagnostics and tests); PostgreSQL has none."""
        if not name.isidentifier():
            raise ValueError(f"not a pragma name: {name!r}")
        if self.db.dialect != "sqlite":
            raise ValueError("PRAGMA is SQLite only")

        def run(conn: sa.Connection) -> Any:
            row = conn.exec_driver_sql(f"PRAGMA {name}").first()
            return None if row is None else row[0]

        return await self.db.run(run, write=False)

    # --- users ------------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> UserSettings | None:
        return await self.db.run(_get_user, user_id, write=False)

    async def ensure_user(
        self, user_id: int, chat_id: int, first_name: str, *, now_utc: dt.datetime | None = None
    ) -> UserSettings:
        """Insert a new user with defaults, or refresh chat id and name of a known one.

        A message from a user proves they no longer block the bot, so an inactive user becomes
        active again (their next push is scheduled from now, not caught up).
        """
        now = require_aware(now_utc or utc_now())

        def run(conn: sa.Connection) -> UserSettings:
            row = conn.execute(_LOCK_USER, {"uid": user_id}).first()
            if row is None:
                user = UserSettings(user_id=user_id, chat_id=chat_id, first_name=first_name)
                _insert_user(conn, user, now)
                return user
            old = user_from_row(row)
            user = dataclasses.replace(old, chat_id=chat_id, first_name=first_name, active=True)
            _write_user(conn, old, user, now)
            return user

        try:
            return await self.db.run(run)
        except sa.exc.IntegrityError:
            # PostgreSQL: the first messages of a new user handled at once both found no row;
            # the loser's INSERT failed, and now it finds the winner's row and updates it.
            return await self.db.run(run)

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
        now = require_aware(now_utc or utc_now())

        def run(conn: sa.Connection) -> UserSettings:
            row = conn.execute(_LOCK_USER, {"uid": user_id}).first()
            if row is None:
                raise UnknownUserError(user_id)
            old = user_from_row(row)
            new = _validated(dataclasses.replace(old, **fields))
            _write_user(conn, old, new, now)
            return new

        return await self.db.run(run)

    async def set_active(
        self, user_id: int, active: bool, *, now_utc: dt.datetime | None = None
    ) -> None:
        """Blocked the bot -> False; any new message from them -> True."""
        await self.update_user(user_id, active=active, now_utc=now_utc)

    async def delete_user(self, user_id: int) -> None:
        """Erase every row about the user, in one transaction.

        Their household membership goes first (hand-over to the longest-standing member, or
        the end of a household they were the last member of, with its plans), then their own
        plans (a text owner key, so no foreign key can take them), then the user row: every
        table with a user_id cascades, households they created forget them (SET NULL) and
        invites they made go (CASCADE).
        """
        async with self.db.transaction() as conn:
            await membership.member_gone(conn, user_id)
            await conn.execute(sa.delete(plans).where(plans.c.owner == user_owner(user_id)))
            await conn.execute(sa.delete(users).where(users.c.user_id == user_id))

    async def next_push_utc(self, user_id: int) -> dt.datetime | None:
        """When the user's next push is scheduled (None for an unknown user)."""

        def run(conn: sa.Connection) -> int | None:
            seconds: int | None = conn.execute(_NEXT_PUSH, {"uid": user_id}).scalar_one_or_none()
            return seconds

        seconds = await self.db.run(run, write=False)
        return None if seconds is None else from_ts(seconds)

    async def count_users(self, *, active_only: bool = False) -> int:
        query = sa.select(sa.func.count()).select_from(users)
        if active_only:
            query = query.where(users.c.active == sa.true())
        return await self.db.run(lambda conn: int(conn.execute(query).scalar_one()), write=False)

    # --- plans ------------------------------------------------------------------------------

    async def get_plan(self, owner: str, day: dt.date) -> dict[str, Any] | None:
        _check_owner(owner)

        def run(conn: sa.Connection) -> dict[str, Any] | None:
            body: dict[str, Any] | None = conn.execute(
                _GET_PLAN, {"owner": owner, "day": day}
            ).scalar_one_or_none()
            return body

        return await self.db.run(run, write=False)

    async def save_plan(
        self,
        owner: str,
        day: dt.date,
        plan: dict[str, Any],
        *,
        now_utc: dt.datetime | None = None,
    ) -> None:
        """Insert or replace the plan. Dates/tuples/sets are stored as JSON text/lists."""
        _check_owner(owner)
        params = {
            "owner": owner,
            "day": day,
            "body": plan,
            "stamp": require_aware(now_utc or utc_now()),
        }

        def run(conn: sa.Connection) -> None:
            conn.execute(_save_plan_statement(conn), params)

        try:
            await self.db.run(run)
        except sa.exc.StatementError as exc:
            if isinstance(exc.orig, TypeError):  # PlanBody: a value JSON cannot hold
                raise exc.orig from None
            raise

    async def delete_plans_from(self, owner: str, day: dt.date) -> int:
        """Drop stored plans for `day` and later (settings changed); returns how many."""
        _check_owner(owner)
        stmt = sa.delete(plans).where(plans.c.owner == owner, plans.c.day >= day)
        return await self.db.run(lambda conn: int(conn.execute(stmt).rowcount))

    async def recent_recipe_ids(self, owner: str, before: dt.date, days: int = 7) -> list[str]:
        """Recipe ids in stored plans of the `days` days before `before`, oldest first."""
        _check_owner(owner)
        params = {"owner": owner, "first": before - dt.timedelta(days=days), "before": before}

        def run(conn: sa.Connection) -> list[str]:
            bodies = conn.execute(_RECENT_PLANS, params).scalars()
            return [rid for body in bodies for rid in _plan_recipe_ids(body)]

        return await self.db.run(run, write=False)

    async def plan_inputs(
        self, owner: str, user_id: int, day: dt.date, history_days: int
    ) -> PlanInputs:
        """get_plan(owner, day), recent_recipe_ids(owner, day, history_days) and the user's
        own product values (TrackingStore.product_overrides) in one read."""
        _check_owner(owner)
        plan_params = {"owner": owner, "day": day}
        recent_params = {
            "owner": owner,
            "first": day - dt.timedelta(days=history_days),
            "before": day,
        }

        def run(conn: sa.Connection) -> PlanInputs:
            stored = conn.execute(_GET_PLAN, plan_params).scalar_one_or_none()
            bodies = conn.execute(_RECENT_PLANS, recent_params).scalars()
            recent = [rid for body in bodies for rid in _plan_recipe_ids(body)]
            products = {
                r.ingredient_id: r.b12_per_100g for r in conn.execute(_PRODUCTS, {"uid": user_id})
            }
            return PlanInputs(stored, recent, products)

        return await self.db.run(run, write=False)

    async def prune_plans(self, before: dt.date, *, batch: int = PRUNE_BATCH) -> int:
        """Delete plans of days before `before`, `batch` rows per transaction (short write
        locks on SQLite); returns how many went. The bot calls it daily with
        today - PLAN_RETENTION_DAYS."""
        if batch < 1:
            raise ValueError(f"batch must be at least 1 (got {batch})")
        doomed = (
            sa.select(plans.c.id)
            .where(plans.c.day < before)
            .order_by(plans.c.id)
            .limit(batch)
            .scalar_subquery()
        )
        stmt = sa.delete(plans).where(plans.c.id.in_(doomed))
        total = 0
        while True:
            deleted = await self.db.run(lambda conn: int(conn.execute(stmt).rowcount))
            total += deleted
            if deleted < batch:
                return total

    # --- daily push ledger ------------------------------------------------------------------

    async def skip_missed_pushes(self, now_utc: dt.datetime, catch_up: dt.timedelta) -> int:
        """Re-aim overdue schedules after downtime; returns how many users lose a push.

        A push older than `catch_up` is dropped: the user's schedule moves to the next push
        time after now. If a newer occurrence is still within `catch_up` (yesterday's was
        missed but today's just passed), the schedule moves to that one so it is sent once.
        """
        now = require_aware(now_utc)
        check_catch_up(catch_up)
        return await self.db.run(_skip_missed, now, catch_up)

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
        after_key = (-1, -(2**63)) if after is None else (to_ts(after[0]), int(after[1]))
        query = (
            sa.select(users)
            .where(
                PUSHABLE,
                users.c.next_push_utc <= to_ts(now),
                sa.tuple_(users.c.next_push_utc, users.c.user_id)
                > sa.tuple_(sa.literal(after_key[0]), sa.literal(after_key[1])),
            )
            .order_by(users.c.next_push_utc, users.c.user_id)
            .limit(limit)
        )

        def run(conn: sa.Connection) -> list[DuePush]:
            _skip_missed(conn, now, catch_up)
            due = []
            for row in conn.execute(query):
                user = user_from_row(row)
                due_utc = from_ts(row.next_push_utc)
                due.append(DuePush(user, push_local_date(due_utc, user.timezone), due_utc))
            return due

        return await self.db.run(run)

    async def claim_push(self, user_id: int, local_date: dt.date, now_utc: dt.datetime) -> bool:
        """Record 'sending' before sending; False when this (user, date) has a row already
        (sent, being sent, or lost in a crash) or the user is gone. The committed row is what
        makes a push happen at most once per user and local date."""
        params = {"uid": user_id, "day": local_date, "claimed": require_aware(now_utc)}

        def run(conn: sa.Connection) -> bool:
            return conn.execute(_claim_statement(conn), params).first() is not None

        try:
            return await self.db.run(run)
        except sa.exc.IntegrityError:  # the user was deleted meanwhile (foreign key)
            return False

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
        ledger = {
            "uid": user_id,
            "day": local_date,
            "state": state,
            "message_id": message_id,
            "finished": require_aware(now_utc or utc_now()),
        }
        schedule = {"uid": user_id, "next_ts": to_ts(next_push_utc)}
        reschedule = _SCHEDULE_BLOCKED if state == "blocked" else _SCHEDULE

        def run(conn: sa.Connection) -> None:
            conn.execute(_FINISH_PUSH, ledger)
            conn.execute(reschedule, schedule)

        await self.db.run(run)

    async def claim_due_pushes(
        self, now_utc: dt.datetime, catch_up: dt.timedelta, limit: int
    ) -> ClaimedPushes:
        """Claim up to `limit` due pushes in ONE write transaction (due_pushes + claim_push
        for each, without a round trip per user).

        Missed pushes beyond `catch_up` are skipped first (as due_pushes does); then the due
        users, in (due, user id) order, get their 'sending' ledger rows in one multi-row
        INSERT … ON CONFLICT DO NOTHING. A user whose push for that local date exists already
        is returned in `skipped` and their schedule moves to the next push time after now, so
        they drop out of the selection. No paging key is needed: call again until fewer than
        `limit` come back. On PostgreSQL the due rows are taken with FOR UPDATE SKIP LOCKED,
        so several workers claim disjoint users.
        """
        now = require_aware(now_utc)
        check_catch_up(catch_up)
        if limit < 1:
            raise ValueError(f"limit must be at least 1 (got {limit})")
        due_query = (
            sa.select(users)
            .where(PUSHABLE, users.c.next_push_utc <= to_ts(now))
            .order_by(users.c.next_push_utc, users.c.user_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

        def run(conn: sa.Connection) -> ClaimedPushes:
            _skip_missed(conn, now, catch_up)
            due = []
            for row in conn.execute(due_query):
                user = user_from_row(row)
                due_utc = from_ts(row.next_push_utc)
                due.append(DuePush(user, push_local_date(due_utc, user.timezone), due_utc))
            if not due:
                return ClaimedPushes([], [])
            claim = (
                insert_for(conn)(pushes)
                .values(
                    [
                        {
                            "user_id": d.user.user_id,
                            "local_date": d.local_date,
                            "state": "sending",
                            "claimed_utc": now,
                        }
                        for d in due
                    ]
                )
                .on_conflict_do_nothing(index_elements=[pushes.c.user_id, pushes.c.local_date])
                .returning(pushes.c.user_id, pushes.c.local_date)
            )
            taken = {(r.user_id, r.local_date) for r in conn.execute(claim)}
            claimed = [d for d in due if (d.user.user_id, d.local_date) in taken]
            others = [d for d in due if (d.user.user_id, d.local_date) not in taken]
            if not others:
                return ClaimedPushes(claimed, [])
            records = {
                (r.user_id, r.local_date): _push_from_row(r)
                for r in conn.execute(
                    sa.select(pushes).where(
                        sa.tuple_(pushes.c.user_id, pushes.c.local_date).in_(
                            [(d.user.user_id, d.local_date) for d in others]
                        )
                    )
                )
            }
            conn.execute(
                _ADVANCE,
                [
                    {
                        "uid": d.user.user_id,
                        "next_ts": to_ts(
                            next_push_after(d.user.push_time, d.user.timezone, max(now, d.due_utc))
                        ),
                    }
                    for d in others
                ],
            )
            skipped = [(d, records.get((d.user.user_id, d.local_date))) for d in others]
            return ClaimedPushes(claimed, skipped)

        return await self.db.run(run)

    async def release_push(self, user_id: int, local_date: dt.date) -> None:
        """Drop a 'sending' claim whose send failed for sure, so a later tick retries it."""
        stmt = sa.delete(pushes).where(
            pushes.c.user_id == user_id,
            pushes.c.local_date == local_date,
            pushes.c.state == "sending",
        )
        await self.db.run(lambda conn: conn.execute(stmt))

    async def advance_push(self, user_id: int, next_push_utc: dt.datetime) -> None:
        """Move a user's schedule on without sending (their push for the day exists already)."""
        params = {"uid": user_id, "next_ts": to_ts(next_push_utc)}
        await self.db.run(lambda conn: conn.execute(_ADVANCE, params))

    async def get_push(self, user_id: int, local_date: dt.date) -> PushRecord | None:
        def run(conn: sa.Connection) -> PushRecord | None:
            row = conn.execute(_GET_PUSH, {"uid": user_id, "day": local_date}).first()
            return None if row is None else _push_from_row(row)

        return await self.db.run(run, write=False)

    async def stale_claims(self, older_than_utc: dt.datetime) -> list[tuple[int, dt.date]]:
        """'sending' rows claimed before `older_than_utc`: sends cut off by a crash. They are
        not resent (at most once); the bot logs them."""
        stmt = (
            sa.select(pushes.c.user_id, pushes.c.local_date)
            .where(
                pushes.c.state == "sending", pushes.c.claimed_utc < require_aware(older_than_utc)
            )
            .order_by(pushes.c.claimed_utc, pushes.c.user_id)
        )
        return await self.db.run(
            lambda conn: [(r.user_id, r.local_date) for r in conn.execute(stmt)], write=False
        )


class StoreRepository:
    """Base of the repositories that share the Store's Database (households, tracking)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def db(self) -> Database:
        return self.store.db


# --- functions run inside one transaction (Database.run) ------------------------------------


def _get_user(conn: sa.Connection, user_id: int) -> UserSettings | None:
    row = conn.execute(_GET_USER, {"uid": user_id}).first()
    return None if row is None else user_from_row(row)


def _insert_user(conn: sa.Connection, user: UserSettings, now: dt.datetime) -> None:
    user = _validated(user)
    values = _user_values(user)
    values.update(
        user_id=user.user_id,
        next_push_utc=_next_push_ts(user, now),
        created_utc=now,
        updated_utc=now,
    )
    conn.execute(sa.insert(users).values(**values))


def _write_user(
    conn: sa.Connection, old: UserSettings, new: UserSettings, now: dt.datetime
) -> None:
    values = _user_values(new)
    values["updated_utc"] = now
    if any(getattr(old, f) != getattr(new, f) for f in _SCHEDULE_FIELDS):
        values["next_push_utc"] = _next_push_ts(new, now)
    conn.execute(sa.update(users).where(users.c.user_id == new.user_id).values(**values))


def _skip_missed(conn: sa.Connection, now: dt.datetime, catch_up: dt.timedelta) -> int:
    """Overdue beyond catch_up -> latest occurrence if still within catch_up, else the next."""
    oldest_ok = now - catch_up
    rows = conn.execute(
        sa.select(users.c.user_id, users.c.timezone, users.c.push_time)
        .where(PUSHABLE, users.c.next_push_utc < to_ts(oldest_ok))
        .with_for_update()
    ).all()
    if not rows:
        return 0
    dropped = 0
    updates = []
    for row in rows:
        latest = latest_push_at_or_before(row.push_time, row.timezone, now)
        if latest >= oldest_ok:
            new_ts = to_ts(latest)
        else:
            new_ts = to_ts(next_push_after(row.push_time, row.timezone, now))
            dropped += 1
        updates.append({"uid": row.user_id, "next_ts": new_ts})
    conn.execute(_SCHEDULE, updates)
    if dropped:
        log.warning("skipped %d push(es) missed by more than %s (downtime?)", dropped, catch_up)
    return dropped


def _push_from_row(row: Row[Any]) -> PushRecord:
    return PushRecord(
        user_id=row.user_id,
        local_date=row.local_date,
        state=row.state,
        message_id=row.message_id,
        claimed_utc=row.claimed_utc,
        finished_utc=row.finished_utc,
    )
