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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.clock import local_date_at, local_instant_utc, next_local_occurrence_utc
from bot.core.labs import LabResult
from bot.core.reminders import Reminder
from bot.core.reminders import next_fire_utc as next_reminder_fire
from bot.core.schedule import require_aware
from bot.storage import schema
from bot.storage.dialects import insert_or_ignore, upsert
from bot.storage.rows import from_ts, to_ts
from bot.storage.schema import (
    doses,
    evening_schedule,
    lab_results,
    meal_logs,
    plans,
    reminders,
    retest_settings,
    tracking_sends,
    user_products,
    users,
)
from bot.storage.store import StoreRepository

UTC = dt.UTC
MEAL_STATUSES = schema.MEAL_STATUSES
DOSE_KINDS = schema.DOSE_KINDS
SEND_KINDS = schema.SEND_KINDS
SEND_STATES = schema.PUSH_STATES  # 'sending' first, then the final states
REMINDER_ANSWERS = schema.REMINDER_ANSWERS
# How long a tick holds the due firings it took; a killed worker's are taken over after it.
LEASE = dt.timedelta(minutes=2)
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
class StoredReminder:
    id: int
    user_id: int
    reminder: Reminder
    next_fire_utc: dt.datetime
    snooze_fire_utc: dt.datetime | None
    snooze_occurrence_utc: dt.datetime | None
    last_fired_utc: dt.datetime | None
    last_answer: str | None


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One firing a tick should send: `fire_utc` is when it fell due, `occurrence_utc` the
    dose occurrence it is about (they differ for a snoozed firing)."""

    stored: StoredReminder
    fire_utc: dt.datetime
    occurrence_utc: dt.datetime
    snoozed: bool

    @property
    def key(self) -> str:
        return f"{self.stored.id}@{to_ts(self.fire_utc)}"


@dataclass(frozen=True, slots=True)
class Product:
    ingredient_id: str
    b12_per_100g: float
    label_value: float
    label_unit: str


@dataclass(frozen=True, slots=True)
class Retest:
    months: int
    due_date: dt.date | None
    next_fire_utc: dt.datetime | None


# --- conversions ----------------------------------------------------------------------------


def retest_fire_utc(
    due: dt.date, local_time: dt.time, tz: str, now_utc: dt.datetime
) -> dt.datetime:
    """When the retest reminder goes out: at `local_time` on the due date in `tz`, or at the
    next `local_time` when that moment has passed."""
    fire = local_instant_utc(due, local_time, tz)
    return fire if fire > now_utc else next_local_occurrence_utc(local_time, tz, now_utc)


def _from_ts(seconds: int | None) -> dt.datetime | None:
    return None if seconds is None else from_ts(seconds)


def _aware(moment: dt.datetime, name: str = "now_utc") -> dt.datetime:
    """Refuse a naive timestamp with a ValueError before any statement runs (IsoUtc would
    refuse it too, but wrapped in SQLAlchemy's StatementError)."""
    return require_aware(moment, name)


def _due_reminders(now: int, limit: int) -> sa.Select[Any]:
    """Due regular or snoozed firings of active users, the older firing first."""
    r = reminders
    # The earlier of the two firings; a NULL snooze compares as unknown -> the regular one.
    # (SQLite's two-argument min() is not portable: PostgreSQL's min is an aggregate.)
    earliest = sa.case(
        (r.c.snooze_fire_utc < r.c.next_fire_utc, r.c.snooze_fire_utc),
        else_=r.c.next_fire_utc,
    )
    return (
        sa.select(r)
        .join(users, users.c.user_id == r.c.user_id)
        .where(
            users.c.active == sa.true(),
            sa.or_(r.c.next_fire_utc <= now, r.c.snooze_fire_utc <= now),
        )
        .order_by(earliest, r.c.id)
        .limit(limit)
    )


def _due_reminder(row: Row[Any], now: int) -> DueReminder:
    stored = _reminder_from_row(row)
    snooze = stored.snooze_fire_utc
    if snooze is not None and to_ts(snooze) <= now and snooze <= stored.next_fire_utc:
        return DueReminder(stored, snooze, stored.snooze_occurrence_utc or snooze, True)
    fire = stored.next_fire_utc
    return DueReminder(stored, fire, fire, False)


def _due_evenings(now: int, limit: int) -> sa.Select[Any]:
    e = evening_schedule
    return (
        sa.select(e.c.user_id, e.c.next_fire_utc)
        .join(users, users.c.user_id == e.c.user_id)
        .where(
            users.c.active == sa.true(),
            users.c.evening_check == sa.true(),
            e.c.next_fire_utc <= now,
        )
        .order_by(e.c.next_fire_utc, e.c.user_id)
        .limit(limit)
    )


def _reminder_from_row(row: Row[Any]) -> StoredReminder:
    return StoredReminder(
        id=row.id,
        user_id=row.user_id,
        reminder=Reminder.from_dict(row.data),
        next_fire_utc=from_ts(row.next_fire_utc),
        snooze_fire_utc=_from_ts(row.snooze_fire_utc),
        snooze_occurrence_utc=_from_ts(row.snooze_occurrence_utc),
        last_fired_utc=_from_ts(row.last_fired_utc),
        last_answer=row.last_answer,
    )


def _check_in(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)} (got {value!r})")
    return value


# --- the repository -------------------------------------------------------------------------


class TrackingStore(StoreRepository):
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
        _check_in(status, MEAL_STATUSES, "meal status")
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
            "logged_utc": _aware(now_utc),
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
                logged_utc=_aware(now_utc),
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
        _check_in(kind, DOSE_KINDS, "dose kind")
        if not dose_ug > 0:
            raise ValueError("a dose must be above 0 µg")
        taken = _aware(taken_utc, "taken_utc")
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
                await conn.execute(_answer(reminder_id, "taken", to_ts(taken)))
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
                occurrence_utc=_from_ts(r.occurrence_utc),
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
        created = _aware(now_utc)
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

    # --- reminders --------------------------------------------------------------------------

    async def add_reminder(
        self, user_id: int, reminder: Reminder, next_fire_utc: dt.datetime, *, now_utc: dt.datetime
    ) -> StoredReminder:
        stmt = (
            sa.insert(reminders)
            .values(
                user_id=user_id,
                data=reminder.to_dict(),
                next_fire_utc=to_ts(next_fire_utc),
                created_utc=_aware(now_utc),
            )
            .returning(*reminders.c)
        )
        async with self.db.transaction() as conn:
            return _reminder_from_row((await conn.execute(stmt)).one())

    async def reminders(self, user_id: int) -> list[StoredReminder]:
        async with self.db.read() as conn:
            return await _reminders(conn, user_id)

    async def get_reminder(self, reminder_id: int) -> StoredReminder | None:
        stmt = sa.select(reminders).where(reminders.c.id == reminder_id)
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else _reminder_from_row(row)

    async def delete_reminder(self, user_id: int, reminder_id: int) -> bool:
        stmt = sa.delete(reminders).where(
            reminders.c.user_id == user_id, reminders.c.id == reminder_id
        )
        async with self.db.transaction() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def due_reminders(self, now_utc: dt.datetime, limit: int = 500) -> list[DueReminder]:
        """Reminders whose regular or snoozed firing is due, for users who can be messaged
        (leased or not; the tick uses claim_due_reminders).

        When both are due, the older one comes first (the other stays due for the next tick).
        """
        now = to_ts(now_utc)
        async with self.db.read() as conn:
            rows = (await conn.execute(_due_reminders(now, limit))).all()
        return [_due_reminder(row, now) for row in rows]

    async def claim_due_reminders(
        self, now_utc: dt.datetime, limit: int = 100, *, lease: dt.timedelta = LEASE
    ) -> list[DueReminder]:
        """Take up to `limit` due firings for this tick: rows nobody holds (no lease, or an
        expired one) are locked with FOR UPDATE SKIP LOCKED on PostgreSQL, so workers ticking
        at once take disjoint rows, and leased until now + `lease`. advance_reminder ends the
        lease; a worker killed mid-tick leaves it to expire, and then another worker takes the
        firing over (the tracking_sends ledger still decides whether it is sent)."""
        now = to_ts(now_utc)
        until = to_ts(now_utc + lease)
        r = reminders
        stmt = (
            _due_reminders(now, limit)
            .where(sa.or_(r.c.lease_utc.is_(None), r.c.lease_utc <= now))
            .with_for_update(of=r, skip_locked=True)
        )
        async with self.db.transaction() as conn:
            rows = (await conn.execute(stmt)).all()
            if rows:
                await conn.execute(
                    sa.update(r).where(r.c.id.in_([row.id for row in rows])).values(lease_utc=until)
                )
        return [_due_reminder(row, now) for row in rows]

    async def advance_reminder(
        self, due: DueReminder, next_fire_utc: dt.datetime, *, fired: bool, now_utc: dt.datetime
    ) -> None:
        """After a firing (sent, skipped as too old, or already claimed): clear the snooze or
        move the regular schedule to `next_fire_utc`; `fired` records last_fired_utc.

        Each change applies only while the row still holds the firing it is about, so a
        reminder rescheduled or snoozed meanwhile keeps its new schedule."""
        rid = due.stored.id
        fire = to_ts(due.fire_utc)
        if due.snoozed:
            step = (
                sa.update(reminders)
                .where(reminders.c.id == rid, reminders.c.snooze_fire_utc == fire)
                .values(snooze_fire_utc=None, snooze_occurrence_utc=None)
            )
        else:
            step = (
                sa.update(reminders)
                .where(reminders.c.id == rid, reminders.c.next_fire_utc == fire)
                .values(next_fire_utc=to_ts(next_fire_utc))
            )
        done: dict[str, Any] = {"lease_utc": None}  # the firing is dealt with: lease ends
        if fired:
            done["last_fired_utc"] = to_ts(now_utc)
        async with self.db.transaction() as conn:
            await conn.execute(step)
            await conn.execute(sa.update(reminders).where(reminders.c.id == rid).values(**done))

    async def rezone_reminders(
        self, user_id: int, tz: str, *, retest_time: dt.time, now_utc: dt.datetime
    ) -> int:
        """The user moved to zone `tz`: their reminders keep their local time, now in `tz`, and
        their next firing is recomputed after now (DST-correct, bot.core.reminders). An occurrence
        that already fired on that local day is not repeated. A pending retest reminder moves
        to `retest_time` (the plan time) in `tz`. Returns how many reminders moved.

        The rows read are locked (PostgreSQL) until the new schedule is written, so a
        concurrent change of the same rows waits instead of being overwritten."""
        now = require_aware(now_utc).astimezone(UTC)
        moved = 0
        async with self.db.transaction() as conn:
            due_date = (
                await conn.execute(
                    sa.select(retest_settings.c.due_date)
                    .where(
                        retest_settings.c.user_id == user_id,
                        retest_settings.c.due_date.is_not(None),
                        retest_settings.c.next_fire_utc.is_not(None),
                    )
                    .with_for_update()
                )
            ).scalar()
            if due_date is not None:
                await conn.execute(
                    sa.update(retest_settings)
                    .where(retest_settings.c.user_id == user_id)
                    .values(next_fire_utc=to_ts(retest_fire_utc(due_date, retest_time, tz, now)))
                )
            rows = (
                await conn.execute(
                    sa.select(reminders)
                    .where(reminders.c.user_id == user_id)
                    .order_by(reminders.c.id)
                    .with_for_update()
                )
            ).all()
            for stored in [_reminder_from_row(r) for r in rows]:
                if stored.reminder.tz == tz:
                    continue
                reminder = dataclasses.replace(stored.reminder, tz=tz)
                fire = next_reminder_fire(reminder, now)
                last = stored.last_fired_utc
                if last is not None and local_date_at(last, tz) == local_date_at(fire, tz):
                    fire = next_reminder_fire(reminder, fire)
                await conn.execute(
                    sa.update(reminders)
                    .where(reminders.c.id == stored.id)
                    .values(data=reminder.to_dict(), next_fire_utc=to_ts(fire))
                )
                moved += 1
        return moved

    async def reschedule_reminder(self, reminder_id: int, next_fire_utc: dt.datetime) -> None:
        stmt = (
            sa.update(reminders)
            .where(reminders.c.id == reminder_id)
            .values(next_fire_utc=to_ts(next_fire_utc))
        )
        async with self.db.transaction() as conn:
            await conn.execute(stmt)

    async def snooze_reminder(
        self,
        reminder_id: int,
        occurrence_utc: dt.datetime,
        fire_utc: dt.datetime,
        *,
        now_utc: dt.datetime,
    ) -> None:
        stmt = (
            sa.update(reminders)
            .where(reminders.c.id == reminder_id)
            .values(
                snooze_fire_utc=to_ts(fire_utc),
                snooze_occurrence_utc=to_ts(occurrence_utc),
                last_answer="snoozed",
                last_answered_utc=to_ts(now_utc),
            )
        )
        async with self.db.transaction() as conn:
            await conn.execute(stmt)

    async def answer_reminder(self, reminder_id: int, answer: str, *, now_utc: dt.datetime) -> None:
        """Record the user's last answer (taken/skipped); a pending snooze is dropped."""
        _check_in(answer, REMINDER_ANSWERS, "answer")
        stmt = _answer(reminder_id, answer, to_ts(now_utc))
        async with self.db.transaction() as conn:
            await conn.execute(stmt)

    # --- exactly-once ledger ----------------------------------------------------------------

    async def claim_send(self, user_id: int, kind: str, key: str, *, now_utc: dt.datetime) -> bool:
        """Record 'sending' before sending; False when (kind, key) has a row already or the
        user is gone."""
        _check_in(kind, SEND_KINDS, "send kind")
        claimed = _aware(now_utc)
        try:
            async with self.db.transaction() as conn:
                stmt = insert_or_ignore(
                    conn,
                    tracking_sends,
                    {
                        "user_id": user_id,
                        "kind": kind,
                        "key": key,
                        "state": "sending",
                        "claimed_utc": claimed,
                    },
                    [tracking_sends.c.kind, tracking_sends.c.key],
                )
                return (await conn.execute(stmt)).first() is not None
        except IntegrityError:  # the user was deleted meanwhile (foreign key)
            return False

    async def finish_send(
        self,
        kind: str,
        key: str,
        state: str,
        message_id: int | None,
        *,
        now_utc: dt.datetime,
    ) -> None:
        _check_in(state, SEND_STATES[1:], "final send state")
        stmt = (
            sa.update(tracking_sends)
            .where(tracking_sends.c.kind == kind, tracking_sends.c.key == key)
            .values(state=state, message_id=message_id, finished_utc=_aware(now_utc))
        )
        async with self.db.transaction() as conn:
            await conn.execute(stmt)

    async def release_send(self, kind: str, key: str) -> None:
        """Drop a 'sending' claim whose send failed transiently, so a later tick retries."""
        stmt = sa.delete(tracking_sends).where(
            tracking_sends.c.kind == kind,
            tracking_sends.c.key == key,
            tracking_sends.c.state == "sending",
        )
        async with self.db.transaction() as conn:
            await conn.execute(stmt)

    async def send_state(self, kind: str, key: str) -> str | None:
        stmt = sa.select(tracking_sends.c.state).where(
            tracking_sends.c.kind == kind, tracking_sends.c.key == key
        )
        async with self.db.read() as conn:
            state: str | None = (await conn.execute(stmt)).scalar()
        return state

    async def count_sends(self, kind: str, user_id: int | None = None) -> int:
        """How many messages of `kind` were claimed (for tests and diagnostics)."""
        stmt = sa.select(sa.func.count()).select_from(tracking_sends)
        stmt = stmt.where(tracking_sends.c.kind == kind)
        if user_id is not None:
            stmt = stmt.where(tracking_sends.c.user_id == user_id)
        async with self.db.read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

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
            "updated_utc": _aware(now_utc),
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

    # --- evening check ----------------------------------------------------------------------

    async def sync_evening(self, now_utc: dt.datetime, user_id: int | None = None) -> int:
        """Bring evening_schedule in line with users.evening_check/evening_time/timezone.

        Opted-in users without a row (or whose time or zone changed) get their next evening
        time after now; opted-out users lose their row. Returns rows inserted or changed.

        The users read are locked (PostgreSQL, in user id order) until their row is written,
        so a settings change committed meanwhile is not overwritten with the old time.
        """
        now = require_aware(now_utc).astimezone(UTC)
        u, e = users, evening_schedule
        only = [] if user_id is None else [u.c.user_id == user_id]
        opted_out = sa.select(u.c.user_id).where(u.c.evening_check == sa.false(), *only)
        stale = (
            sa.select(u.c.user_id, u.c.timezone, u.c.evening_time)
            .select_from(u.outerjoin(e, e.c.user_id == u.c.user_id))
            .where(
                u.c.evening_check == sa.true(),
                sa.or_(
                    e.c.user_id.is_(None),
                    e.c.timezone != u.c.timezone,
                    e.c.local_time != u.c.evening_time,
                ),
                *only,
            )
            .order_by(u.c.user_id)
            .with_for_update(of=u)
        )
        async with self.db.transaction() as conn:
            await conn.execute(sa.delete(e).where(e.c.user_id.in_(opted_out)))
            rows = (await conn.execute(stale)).all()
            for row in rows:
                fire = next_local_occurrence_utc(row.evening_time, row.timezone, now)
                values = {
                    "user_id": row.user_id,
                    "next_fire_utc": to_ts(fire),
                    "timezone": row.timezone,
                    "local_time": row.evening_time,
                }
                await conn.execute(
                    upsert(
                        conn, e, values, [e.c.user_id], ("next_fire_utc", "timezone", "local_time")
                    )
                )
        return len(rows)

    async def due_evenings(
        self, now_utc: dt.datetime, limit: int = 500
    ) -> list[tuple[int, dt.datetime]]:
        """(user_id, due_utc) of evening checks due for active, opted-in users (leased or
        not; the tick uses claim_due_evenings)."""
        async with self.db.read() as conn:
            rows = (await conn.execute(_due_evenings(to_ts(now_utc), limit))).all()
        return [(r.user_id, from_ts(r.next_fire_utc)) for r in rows]

    async def claim_due_evenings(
        self, now_utc: dt.datetime, limit: int = 100, *, lease: dt.timedelta = LEASE
    ) -> list[tuple[int, dt.datetime]]:
        """As claim_due_reminders, for evening checks: unleased due rows, locked with SKIP
        LOCKED and leased until now + `lease`; advance_evening ends the lease."""
        now = to_ts(now_utc)
        e = evening_schedule
        stmt = (
            _due_evenings(now, limit)
            .where(sa.or_(e.c.lease_utc.is_(None), e.c.lease_utc <= now))
            .with_for_update(of=e, skip_locked=True)
        )
        async with self.db.transaction() as conn:
            rows = (await conn.execute(stmt)).all()
            if rows:
                await conn.execute(
                    sa.update(e)
                    .where(e.c.user_id.in_([r.user_id for r in rows]))
                    .values(lease_utc=to_ts(now_utc + lease))
                )
        return [(r.user_id, from_ts(r.next_fire_utc)) for r in rows]

    async def advance_evening(self, user_id: int, next_fire_utc: dt.datetime) -> None:
        """Move the evening check forward (never back: a later tick's value wins); its lease
        ends."""
        fire = to_ts(next_fire_utc)
        e = evening_schedule
        async with self.db.transaction() as conn:
            await conn.execute(
                sa.update(e)
                .where(e.c.user_id == user_id, e.c.next_fire_utc < fire)
                .values(next_fire_utc=fire)
            )
            await conn.execute(sa.update(e).where(e.c.user_id == user_id).values(lease_utc=None))

    async def evening_next(self, user_id: int) -> dt.datetime | None:
        stmt = sa.select(evening_schedule.c.next_fire_utc).where(
            evening_schedule.c.user_id == user_id
        )
        async with self.db.read() as conn:
            seconds: int | None = (await conn.execute(stmt)).scalar()
        return _from_ts(seconds)

    # --- retest reminder --------------------------------------------------------------------

    async def set_retest(
        self,
        user_id: int,
        months: int,
        due_date: dt.date | None,
        next_fire_utc: dt.datetime | None,
        *,
        now_utc: dt.datetime,
    ) -> None:
        values = {
            "user_id": user_id,
            "months": months,
            "due_date": due_date,
            "next_fire_utc": None if next_fire_utc is None else to_ts(next_fire_utc),
            "updated_utc": _aware(now_utc),
        }
        async with self.db.transaction() as conn:
            await conn.execute(
                upsert(
                    conn,
                    retest_settings,
                    values,
                    [retest_settings.c.user_id],
                    ("months", "due_date", "next_fire_utc", "updated_utc"),
                )
            )

    async def get_retest(self, user_id: int) -> Retest | None:
        stmt = sa.select(retest_settings).where(retest_settings.c.user_id == user_id)
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
        if row is None:
            return None
        return Retest(row.months, row.due_date, _from_ts(row.next_fire_utc))

    async def clear_retest(self, user_id: int) -> bool:
        stmt = sa.delete(retest_settings).where(retest_settings.c.user_id == user_id)
        async with self.db.transaction() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def due_retests(
        self, now_utc: dt.datetime, limit: int = 500
    ) -> list[tuple[int, dt.date, dt.datetime]]:
        """(user_id, due_date, fire_utc) of retest reminders due for active users."""
        r = retest_settings
        stmt = (
            sa.select(r.c.user_id, r.c.due_date, r.c.next_fire_utc)
            .join(users, users.c.user_id == r.c.user_id)
            .where(
                users.c.active == sa.true(),
                r.c.next_fire_utc.is_not(None),
                r.c.next_fire_utc <= to_ts(now_utc),
            )
            .order_by(r.c.next_fire_utc, r.c.user_id)
            .limit(limit)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [(r.user_id, r.due_date, from_ts(r.next_fire_utc)) for r in rows]

    async def retest_done(self, user_id: int, due_date: dt.date) -> None:
        """The reminder for `due_date` went out (or was claimed): nothing more to send for it."""
        stmt = (
            sa.update(retest_settings)
            .where(retest_settings.c.user_id == user_id, retest_settings.c.due_date == due_date)
            .values(next_fire_utc=None)
        )
        async with self.db.transaction() as conn:
            await conn.execute(stmt)

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
            stored_reminders = await _reminders(conn, user_id)
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


def _answer(reminder_id: int, answer: str, ts: int) -> sa.Update:
    """The user answered a firing: record it; a pending snooze is dropped."""
    return (
        sa.update(reminders)
        .where(reminders.c.id == reminder_id)
        .values(
            last_answer=answer,
            last_answered_utc=ts,
            snooze_fire_utc=None,
            snooze_occurrence_utc=None,
        )
    )


async def _labs(conn: AsyncConnection, user_id: int) -> list[StoredLab]:
    stmt = (
        sa.select(lab_results.c.id, lab_results.c.data, lab_results.c.number)
        .where(lab_results.c.user_id == user_id)
        .order_by(lab_results.c.taken_on, lab_results.c.id)
    )
    return [
        StoredLab(r.id, LabResult.from_dict(r.data), r.number) for r in await conn.execute(stmt)
    ]


async def _reminders(conn: AsyncConnection, user_id: int) -> list[StoredReminder]:
    stmt = sa.select(reminders).where(reminders.c.user_id == user_id).order_by(reminders.c.id)
    return [_reminder_from_row(r) for r in await conn.execute(stmt)]


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
