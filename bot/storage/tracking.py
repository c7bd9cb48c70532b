"""Repository for tracking data, on SQLAlchemy Core through the Store's `Database`.

Meal check-offs, supplement and injection doses, lab results, reminders, the user's own
fortified products, the evening-check schedule and retest reminders. Every public method is
ONE transaction (`store.db.transaction()` for writes, `store.db.read()` for reads), so it is
atomic with respect to the other coroutines and, on PostgreSQL, to other processes. The same
statements run on SQLite and PostgreSQL; the only per-dialect ones are the upserts and
insert-or-ignore claims, built by bot.storage.dialects. Where a method reads and then writes
what it read (lab numbers, rezoning, the evening schedule) it locks the rows it read with
`FOR UPDATE` on PostgreSQL; SQLite's compiler drops the clause, and its `BEGIN IMMEDIATE`
already serialises writers.

Every table has `user_id REFERENCES users ON DELETE CASCADE`, so `Store.delete_user` erases
all of it. `tracking_sends` is the exactly-once ledger for the messages the tracking tick sends
(a reminder firing, an evening check, a retest reminder): a row is claimed and committed
before sending, so a second tick, an overlapping tick or a restart never sends twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.labs import LabResult
from bot.storage import schema
from bot.storage.dialects import insert_or_ignore, upsert
from bot.storage.reminders import (
    ScheduledSends,
    answer_update,
    aware_utc,
    check_in,
    maybe_from_ts,
    user_reminders,
)
from bot.storage.rows import to_ts
from bot.storage.schema import (
    doses,
    lab_results,
    meal_logs,
    plans,
    user_products,
    users,
)
from bot.storage.store import StoreRepository

UTC = dt.UTC
MEAL_STATUSES = schema.MEAL_STATUSES
DOSE_KINDS = schema.DOSE_KINDS
EXTRA_SLOT = "extra"  # a meal eaten besides the plan ("/ate …"); schema.PLANNED_SLOT excludes it


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MealLog:
    id: int
    local_date: dt.date
    slot: str
    recipe_id: str | None
    status: str
    b12_ug: float
    planned_ug: float
    note: str
    logged_utc: dt.datetime | None = None  # when it was ticked: a tablet near it joins its dose


@dataclass(frozen=True, slots=True)
class DoseLog:
    id: int
    local_date: dt.date
    taken_utc: dt.datetime
    dose_ug: float
    kind: str
    reminder_id: int | None
    occurrence_utc: dt.datetime | None


@dataclass(frozen=True, slots=True)
class StoredLab:
    """A stored result. `number` is the user's own, stable "result #N": given once when the
    result is saved (1 + the highest number in use), so adding a back-dated result or deleting
    another never renumbers it, and "/levels delete N" removes what the user was shown as #N."""

    id: int
    result: LabResult
    number: int = 0


@dataclass(frozen=True, slots=True)
class Product:
    ingredient_id: str
    b12_per_100g: float
    label_value: float
    label_unit: str


# --- conversions ----------------------------------------------------------------------------


# --- the repository -------------------------------------------------------------------------


class TrackingStore(StoreRepository, ScheduledSends):
    """Tracking tables, through the Store's Database (`self.db`, shared with the Store and
    HouseholdStore)."""

    # --- meals ------------------------------------------------------------------------------

    async def log_meal(
        self,
        user_id: int,
        local_date: dt.date,
        slot: str,
        recipe_id: str | None,
        status: str,
        b12_ug: float,
        *,
        planned_ug: float = 0.0,
        now_utc: dt.datetime,
    ) -> None:
        """Record (or change) what happened to a planned meal: one row per user, day, slot."""
        check_in(status, MEAL_STATUSES, "meal status")
        if slot == EXTRA_SLOT:
            raise ValueError("use add_extra for meals eaten besides the plan")
        if b12_ug < 0 or planned_ug < 0:
            raise ValueError("B12 amounts cannot be negative")
        values = {
            "user_id": user_id,
            "local_date": local_date,
            "slot": slot,
            "recipe_id": recipe_id,
            "status": status,
            "b12_ug": b12_ug if status == "eaten" else 0.0,
            "planned_ug": planned_ug,
            "logged_utc": aware_utc(now_utc),
        }
        async with self.db.transaction() as conn:
            # The conflict target is the partial unique index meal_logs_slot: its condition
            # must be repeated (index_where) for both engines to pick it.
            await conn.execute(
                upsert(
                    conn,
                    meal_logs,
                    values,
                    [meal_logs.c.user_id, meal_logs.c.local_date, meal_logs.c.slot],
                    ("recipe_id", "status", "b12_ug", "planned_ug", "logged_utc"),
                    index_where=schema.PLANNED_SLOT,
                )
            )

    async def unlog_meal(self, user_id: int, local_date: dt.date, slot: str) -> bool:
        """Undo a planned meal's tick (the ↩️ button on a plan); False when there was none."""
        if slot == EXTRA_SLOT:
            raise ValueError("extra meals are not ticks")
        stmt = sa.delete(meal_logs).where(
            meal_logs.c.user_id == user_id,
            meal_logs.c.local_date == local_date,
            meal_logs.c.slot == slot,
        )
        async with self.db.transaction() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def add_extra(
        self,
        user_id: int,
        local_date: dt.date,
        recipe_id: str | None,
        b12_ug: float,
        note: str,
        *,
        now_utc: dt.datetime,
    ) -> int:
        """Something eaten besides the plan (a recipe, or a B12 amount the user knows)."""
        if b12_ug < 0:
            raise ValueError("B12 amounts cannot be negative")
        stmt = (
            sa.insert(meal_logs)
            .values(
                user_id=user_id,
                local_date=local_date,
                slot=EXTRA_SLOT,
                recipe_id=recipe_id,
                status="eaten",
                b12_ug=b12_ug,
                note=note[:200],
                logged_utc=aware_utc(now_utc),
            )
            .returning(meal_logs.c.id)
        )
        async with self.db.transaction() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def meal_logs(self, user_id: int, start: dt.date, end: dt.date) -> list[MealLog]:
        """Meal rows with start <= local_date <= end, by date then insertion."""
        stmt = (
            sa.select(meal_logs)
            .where(meal_logs.c.user_id == user_id, meal_logs.c.local_date.between(start, end))
            .order_by(meal_logs.c.local_date, meal_logs.c.id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            MealLog(
                id=r.id,
                local_date=r.local_date,
                slot=r.slot,
                recipe_id=r.recipe_id,
                status=r.status,
                b12_ug=r.b12_ug,
                planned_ug=r.planned_ug,
                note=r.note,
                logged_utc=r.logged_utc,
            )
            for r in rows
        ]

    # --- doses ------------------------------------------------------------------------------

    async def log_dose(
        self,
        user_id: int,
        local_date: dt.date,
        dose_ug: float,
        kind: str,
        *,
        taken_utc: dt.datetime,
        reminder_id: int | None = None,
        occurrence_utc: dt.datetime | None = None,
    ) -> bool:
        """Record a dose taken; False when this reminder occurrence was logged already."""
        check_in(kind, DOSE_KINDS, "dose kind")
        if not dose_ug > 0:
            raise ValueError("a dose must be above 0 µg")
        taken = aware_utc(taken_utc, "taken_utc")
        async with self.db.transaction() as conn:
            # Doses from a reminder are unique per occurrence (partial index doses_occurrence);
            # manual doses (no reminder) never conflict.
            stmt = insert_or_ignore(
                conn,
                doses,
                {
                    "user_id": user_id,
                    "local_date": local_date,
                    "taken_utc": taken,
                    "dose_ug": dose_ug,
                    "kind": kind,
                    "reminder_id": reminder_id,
                    "occurrence_utc": None if occurrence_utc is None else to_ts(occurrence_utc),
                },
                [doses.c.reminder_id, doses.c.occurrence_utc],
                index_where=schema.FROM_REMINDER,
            )
            inserted = (await conn.execute(stmt)).first() is not None
            if inserted and reminder_id is not None:
                await conn.execute(answer_update(reminder_id, "taken", to_ts(taken)))
        return inserted

    async def doses(self, user_id: int, start: dt.date, end: dt.date) -> list[DoseLog]:
        stmt = (
            sa.select(doses)
            .where(doses.c.user_id == user_id, doses.c.local_date.between(start, end))
            .order_by(doses.c.local_date, doses.c.id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            DoseLog(
                id=r.id,
                local_date=r.local_date,
                taken_utc=r.taken_utc,
                dose_ug=r.dose_ug,
                kind=r.kind,
                reminder_id=r.reminder_id,
                occurrence_utc=maybe_from_ts(r.occurrence_utc),
            )
            for r in rows
        ]

    async def dose_logged(self, reminder_id: int, occurrence_utc: dt.datetime) -> bool:
        stmt = sa.select(doses.c.id).where(
            doses.c.reminder_id == reminder_id, doses.c.occurrence_utc == to_ts(occurrence_utc)
        )
        async with self.db.read() as conn:
            return (await conn.execute(stmt.limit(1))).first() is not None

    # --- lab results ------------------------------------------------------------------------

    async def add_lab(self, user_id: int, result: LabResult, *, now_utc: dt.datetime) -> int:
        """Store a result under the next number of this user; returns the row id.

        The user's row is locked first (PostgreSQL), so two results saved at once get
        different numbers instead of one failing on UNIQUE (user_id, number)."""
        created = aware_utc(now_utc)
        async with self.db.transaction() as conn:
            await conn.execute(
                sa.select(users.c.user_id).where(users.c.user_id == user_id).with_for_update()
            )
            highest = (
                await conn.execute(
                    sa.select(sa.func.max(lab_results.c.number)).where(
                        lab_results.c.user_id == user_id
                    )
                )
            ).scalar()
            stmt = (
                sa.insert(lab_results)
                .values(
                    user_id=user_id,
                    marker=result.marker.value,
                    taken_on=result.taken_on,
                    data=result.to_dict(),
                    created_utc=created,
                    number=int(highest or 0) + 1,
                )
                .returning(lab_results.c.id)
            )
            return int((await conn.execute(stmt)).scalar_one())

    async def labs(self, user_id: int) -> list[StoredLab]:
        """The user's results, oldest first (by date taken), each with its stable number."""
        async with self.db.read() as conn:
            return await _labs(conn, user_id)

    async def delete_lab(self, user_id: int, lab_id: int) -> bool:
        stmt = sa.delete(lab_results).where(
            lab_results.c.user_id == user_id, lab_results.c.id == lab_id
        )
        async with self.db.transaction() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    # --- user products ----------------------------------------------------------------------

    async def set_product(
        self,
        user_id: int,
        ingredient_id: str,
        b12_per_100g: float,
        label_value: float,
        label_unit: str,
        *,
        now_utc: dt.datetime,
    ) -> None:
        if b12_per_100g < 0 or label_value < 0:
            raise ValueError("B12 per 100 g cannot be negative")
        values = {
            "user_id": user_id,
            "ingredient_id": ingredient_id,
            "b12_per_100g": b12_per_100g,
            "label_value": label_value,
            "label_unit": label_unit,
            "updated_utc": aware_utc(now_utc),
        }
        async with self.db.transaction() as conn:
            await conn.execute(
                upsert(
                    conn,
                    user_products,
                    values,
                    [user_products.c.user_id, user_products.c.ingredient_id],
                    ("b12_per_100g", "label_value", "label_unit", "updated_utc"),
                )
            )

    async def products(self, user_id: int) -> list[Product]:
        stmt = (
            sa.select(user_products)
            .where(user_products.c.user_id == user_id)
            .order_by(user_products.c.ingredient_id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [Product(r.ingredient_id, r.b12_per_100g, r.label_value, r.label_unit) for r in rows]

    async def product_overrides(self, user_id: int) -> dict[str, float]:
        """ingredient id -> µg B12 per 100 g from the user's labels (for with_products)."""
        return {p.ingredient_id: p.b12_per_100g for p in await self.products(user_id)}

    async def clear_products(self, user_id: int, ingredient_id: str | None = None) -> int:
        stmt = sa.delete(user_products).where(user_products.c.user_id == user_id)
        if ingredient_id is not None:
            stmt = stmt.where(user_products.c.ingredient_id == ingredient_id)
        async with self.db.transaction() as conn:
            return int((await conn.execute(stmt)).rowcount)

    # --- privacy ----------------------------------------------------------------------------

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the user, JSON-ready: their settings, their plans, and the
        rows of every table with a user_id column (schema.USER_TABLES, so a table added to the
        schema is included without changing this code)."""
        user = await self.store.get_user(user_id)
        async with self.db.read() as conn:  # one snapshot for all the rows
            tables: dict[str, list[dict[str, Any]]] = {}
            for table in sorted(schema.USER_TABLES, key=lambda t: t.name):
                stmt = (
                    sa.select(table)
                    .where(table.c.user_id == user_id)
                    .order_by(*table.primary_key.columns)
                )
                rows = (await conn.execute(stmt)).all()
                tables[table.name] = [_exported_row(row) for row in rows]
            stmt = (
                sa.select(plans.c.day, plans.c.body)
                .where(plans.c.owner == f"u:{user_id}")
                .order_by(plans.c.day)
            )
            tables["plans"] = [
                {"day": r.day.isoformat(), "plan": r.body} for r in await conn.execute(stmt)
            ]
            labs = await _labs(conn, user_id)
            stored_reminders = await user_reminders(conn, user_id)
            weekly = sa.select(users.c.weekly_summary).where(users.c.user_id == user_id)
            weekly_summary = bool((await conn.execute(weekly)).scalar())
        settings = None
        if user is not None:
            settings = {k: _json_value(v) for k, v in dataclasses.asdict(user).items()}
            settings["weekly_summary"] = weekly_summary  # kept apart from UserSettings
        return {
            "format": "b12-meal-planner export v1",
            "user_id": user_id,
            "settings": settings,
            "lab_results": [s.result.to_dict() for s in labs],
            "reminders": [
                {"id": r.id, "description": r.reminder.describe(), **r.reminder.to_dict()}
                for r in stored_reminders
            ],
            "tables": tables,
        }


# --- statements shared by several methods ---------------------------------------------------


async def _labs(conn: AsyncConnection, user_id: int) -> list[StoredLab]:
    stmt = (
        sa.select(lab_results.c.id, lab_results.c.data, lab_results.c.number)
        .where(lab_results.c.user_id == user_id)
        .order_by(lab_results.c.taken_on, lab_results.c.id)
    )
    return [
        StoredLab(r.id, LabResult.from_dict(r.data), r.number) for r in await conn.execute(stmt)
    ]


def _exported_row(row: Row[Any]) -> dict[str, Any]:
    """A table row for the export, values as stored: JSON columns decoded (JsonDoc does it),
    dates and instants as ISO text, local times as 'HH:MM'."""
    return {
        key: value.strftime("%H:%M") if isinstance(value, dt.time) else _json_value(value)
        for key, value in row._mapping.items()
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "value"):  # StrEnum
        return value.value
    return value
