"""Users and plans on SQLAlchemy Core, one code path for both engines (the daily push ledger,
part of the Store, is in bot.storage.push).

Every public method is one transaction through `self.db` (bot.storage.db.Database), almost all
as `db.run(fn)`: a plain function over a sync Connection, which on SQLite is one hop to the
connection's worker thread for the whole method (on PostgreSQL `run_sync`). On SQLite the
Database has one connection, so each method is atomic with respect to the other coroutines,
as with the single aiosqlite connection before; on PostgreSQL read-then-write methods lock the
rows they read (`with_for_update`). The statements of the push path are built once, with bind
parameters, so SQLAlchemy only looks up their compiled SQL, and they work on whole batches:
claim_due_pushes (a lease for up to n users, one UPDATE … RETURNING), plan_inputs_many and
save_new_plans (one read, one write for a batch's plans), start_pushes (the at-most-once
ledger rows of a group, one INSERT) and finish_pushes (one executemany per kind of write); see
bot.services.push for the rules they serve. Row <-> UserSettings conversion
lives in `user_from_row` and `_user_values` only. HouseholdStore and TrackingStore share the
Store's Database (`StoreRepository`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.core.clock import zone
from bot.core.energy import KCAL_MAX, KCAL_MIN
from bot.core.models import Diet, Slot, UserSettings
from bot.core.preferences import COOK_LIMITS
from bot.core.schedule import (
    next_push_after,
    require_aware,
)
from bot.storage.account import Erased, erase_user
from bot.storage.db import Database
from bot.storage.dialects import insert_for, per_dialect, upsert
from bot.storage.push import PushLedger
from bot.storage.rows import from_ts, to_ts, user_from_row, utc_now
from bot.storage.schema import (
    ABSORPTIONS,
    LIFE_STAGES,
    PlanBody,
    plans,
    user_products,
    users,
)

log = logging.getLogger(__name__)

REGIONS = ("us", "uk", "eu")
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
class PlanInputs:
    """What planning one day reads from storage, in one read (see Store.plan_inputs)."""

    stored: dict[str, Any] | None  # the stored plan of that day, if any
    recent_ids: list[str]  # recipe ids of the days before, oldest first
    product_overrides: dict[str, float]  # ingredient id -> µg B12 per 100 g (own labels)


PLANS_FROM_LIMIT = 31  # days ahead a settings change looks at (buttons plan up to 14 days)


def user_owner(user_id: int) -> str:
    """Plan owner key of a user's personal plans."""
    return f"u:{user_id}"


def household_owner(household_id: int) -> str:
    return f"h:{household_id}"


# --- conversions (reading a row: bot.storage.rows) -----------------------------------------


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
        "kcal_min": user.kcal_min,
        "kcal_max": user.kcal_max,
        "max_cook_min": user.max_cook_min,
        "language": user.language,
    }


# a language code as bot.core.i18n uses it ("de", "fr"); which ones exist is not the store's
# business (a new language is a folder of catalogues, not a schema change)
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,8}$")
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
    if (user.kcal_min is None) != (user.kcal_max is None):
        raise ValueError("set both ends of the energy range, or neither")
    low, high = user.kcal_min, user.kcal_max
    if low is not None and high is not None and not KCAL_MIN <= low < high <= KCAL_MAX:
        raise ValueError(
            f"energy range must lie within {KCAL_MIN}-{KCAL_MAX} kcal, low end first "
            f"(got {low}-{high})"
        )
    if user.max_cook_min is not None and user.max_cook_min not in COOK_LIMITS:
        raise ValueError(
            f"max cooking time must be one of {', '.join(map(str, COOK_LIMITS))} minutes "
            f"or None (got {user.max_cook_min!r})"
        )
    if user.language is not None and not _LANGUAGE_CODE.match(user.language):
        raise ValueError(f"language must be a code like 'de' or None (got {user.language!r})")
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


_PLAN_BODY = PlanBody()
# A meal's recipe id in PlanBody's compact JSON. Only meals have a "recipe_id" key, and a
# quote inside a JSON string is escaped, so text in a note can never match.
_RECIPE_ID_RE = re.compile(rb'"recipe_id":"([^"\\]+)"')


def _stored_recipe_ids(raw: bytes) -> list[str]:
    """_plan_recipe_ids of a stored body without parsing the whole plan (the history of a
    push reads seven; a regex over the inflated text costs a third of json.loads)."""
    if not raw.startswith(b"\x78"):  # not PlanBody's zlib stream: the full decode
        return _plan_recipe_ids(_PLAN_BODY.process_result_value(raw, None) or {})  # type: ignore[arg-type]
    return [m.decode("utf-8") for m in _RECIPE_ID_RE.findall(zlib.decompress(raw))]


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
_PRODUCTS = sa.select(user_products.c.ingredient_id, user_products.c.b12_per_100g).where(
    user_products.c.user_id == sa.bindparam("uid")
)
# the body as stored (PlanBody's zlib bytes): the days before only need their recipe ids
_BATCH_PLANS = sa.select(
    plans.c.owner, plans.c.day, sa.type_coerce(plans.c.body, sa.LargeBinary).label("raw")
).where(
    plans.c.owner.in_(sa.bindparam("owners", expanding=True)),
    plans.c.day >= sa.bindparam("first", type_=plans.c.day.type),
    plans.c.day <= sa.bindparam("last", type_=plans.c.day.type),
)
_BATCH_PRODUCTS = sa.select(
    user_products.c.user_id, user_products.c.ingredient_id, user_products.c.b12_per_100g
).where(user_products.c.user_id.in_(sa.bindparam("uids", expanding=True)))


@per_dialect
def _save_new_plan_statement(conn: sa.Connection) -> Any:
    return (
        insert_for(conn)(plans)
        .values(
            owner=sa.bindparam("owner", type_=plans.c.owner.type),
            day=sa.bindparam("day", type_=plans.c.day.type),
            body=sa.bindparam("body", type_=plans.c.body.type),
            updated_utc=sa.bindparam("stamp", type_=plans.c.updated_utc.type),
        )
        .on_conflict_do_nothing(index_elements=[plans.c.owner, plans.c.day])
        .returning(plans.c.owner, plans.c.day)
    )


@per_dialect
def _save_plan_statement(conn: sa.Connection) -> Any:
    return upsert(
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


# --- the repository -------------------------------------------------------------------------


class Store(PushLedger):
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
        self,
        user_id: int,
        chat_id: int,
        first_name: str,
        *,
        now_utc: dt.datetime | None = None,
        language: str | None = None,
    ) -> UserSettings:
        """Insert a new user with defaults, or refresh chat id and name of a known one.

        A message from a user proves they no longer block the bot, so an inactive user becomes
        active again (their next push is scheduled from now, not caught up). `language` is
        stored only when none is yet (a choice made with /language is never overwritten).
        """
        now = require_aware(now_utc or utc_now())

        def run(conn: sa.Connection) -> UserSettings:
            row = conn.execute(_LOCK_USER, {"uid": user_id}).first()
            if row is None:
                user = UserSettings(
                    user_id=user_id, chat_id=chat_id, first_name=first_name, language=language
                )
                _insert_user(conn, user, now)
                return user
            old = user_from_row(row)
            user = dataclasses.replace(
                old,
                chat_id=chat_id,
                first_name=first_name,
                active=True,
                language=old.language or language,
            )
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

    async def delete_user(self, user_id: int) -> Erased:
        """Erase every row about the user, in one transaction (bot.storage.account.erase_user).

        Their household membership goes first (hand-over to the longest-standing member, or
        the end of a household they were the last member of, with its plans), their entry and
        name leave the household's stored plans and its name, then their own plans (a text
        owner key, so no foreign key can take them), then the user row: every table with a
        user_id cascades, households they created forget them (SET NULL) and invites they made
        go (CASCADE). On SQLite the WAL is then checkpointed and truncated, so (with
        secure_delete on) no copy of the deleted bytes stays in the database files.
        """
        async with self.db.transaction() as conn:
            erased = await erase_user(conn, user_id)
        await self.db.checkpoint()
        return erased

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

    async def plans_from(
        self, owner: str, day: dt.date, limit: int = PLANS_FROM_LIMIT
    ) -> list[tuple[dt.date, dict[str, Any]]]:
        """Stored plans of `day` and later, oldest first (at most `limit`): what a settings
        change replans where it must."""
        _check_owner(owner)
        stmt = (
            sa.select(plans.c.day, plans.c.body)
            .where(plans.c.owner == owner, plans.c.day >= day)
            .order_by(plans.c.day)
            .limit(limit)
        )

        def run(conn: sa.Connection) -> list[tuple[dt.date, dict[str, Any]]]:
            return [(row.day, row.body) for row in conn.execute(stmt)]

        return await self.db.run(run, write=False)

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
        return (await self.plan_inputs_many([(owner, user_id, day)], history_days))[0]

    async def plan_inputs_many(
        self, requests: Sequence[tuple[str, int, dt.date]], history_days: int
    ) -> list[PlanInputs]:
        """plan_inputs for many (owner, user id, day) at once, in the same order: one read of
        two statements whatever their number (the plans of every owner over the span of days
        the requests need, and the users' product values), for the morning push's batches."""
        if history_days < 0:
            raise ValueError(f"history_days must not be negative (got {history_days})")
        if not requests:
            return []
        owners = sorted({_check_owner(owner) for owner, _, _ in requests})
        uids = sorted({uid for _, uid, _ in requests})
        days = [day for _, _, day in requests]
        plan_params = {
            "owners": owners,
            "first": min(days) - dt.timedelta(days=history_days),
            "last": max(days),
        }

        def run(conn: sa.Connection) -> list[PlanInputs]:
            bodies: dict[str, dict[dt.date, bytes]] = {}
            for row in conn.execute(_BATCH_PLANS, plan_params):
                bodies.setdefault(row.owner, {})[row.day] = bytes(row.raw)
            products: dict[int, dict[str, float]] = {}
            for row in conn.execute(_BATCH_PRODUCTS, {"uids": uids}):
                products.setdefault(row.user_id, {})[row.ingredient_id] = row.b12_per_100g
            found = []
            for owner, uid, day in requests:
                own = bodies.get(owner, {})
                first = day - dt.timedelta(days=history_days)
                recent = [
                    rid
                    for d in sorted(d for d in own if first <= d < day)
                    for rid in _stored_recipe_ids(own[d])
                ]
                raw = own.get(day)
                stored = None if raw is None else _PLAN_BODY.process_result_value(raw, conn.dialect)
                found.append(PlanInputs(stored, recent, dict(products.get(uid, {}))))
            return found

        return await self.db.run(run, write=False)

    async def save_new_plans(
        self,
        rows: Sequence[tuple[str, dt.date, dict[str, Any]]],
        *,
        now_utc: dt.datetime | None = None,
    ) -> set[tuple[str, dt.date]]:
        """Store the plans of (owner, day)s that have none yet, in one statement; returns the
        keys this call stored. A plan stored meanwhile by someone else (a tap on /today, a
        swap, another worker) stands: the caller should read and show that one instead."""
        if not rows:
            return set()
        stamp = require_aware(now_utc or utc_now())
        params = [
            {"owner": _check_owner(owner), "day": day, "body": plan, "stamp": stamp}
            for owner, day, plan in rows
        ]

        def run(conn: sa.Connection) -> set[tuple[str, dt.date]]:
            return {(r.owner, r.day) for r in conn.execute(_save_new_plan_statement(conn), params)}

        try:
            return await self.db.run(run)
        except sa.exc.StatementError as exc:
            if isinstance(exc.orig, TypeError):  # PlanBody: a value JSON cannot hold
                raise exc.orig from None
            raise

    async def prune_plans(self, before: dt.date, *, batch: int = PRUNE_BATCH) -> int:
        """Delete plans of days before `before`, `batch` rows per transaction (short write
        locks on SQLite); returns how many went. The bot calls it daily with
        today - PLAN_RETENTION_DAYS."""
        return await delete_in_batches(self.db, plans, plans.c.day < before, batch)


async def delete_in_batches(
    db: Database, table: sa.Table, where: sa.ColumnElement[bool], batch: int = PRUNE_BATCH
) -> int:
    """Delete `table`'s rows matching `where`, at most `batch` per transaction (oldest id
    first), so a large prune never holds the write lock for long; returns how many went."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1 (got {batch})")
    doomed = sa.select(table.c.id).where(where).order_by(table.c.id).limit(batch)
    stmt = sa.delete(table).where(table.c.id.in_(doomed.scalar_subquery()))
    total = 0
    while True:
        deleted = await db.run(lambda conn: int(conn.execute(stmt).rowcount))
        total += deleted
        if deleted < batch:
            return total


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
