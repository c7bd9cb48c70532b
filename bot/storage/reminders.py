"""Scheduled sends of the tracking tick: supplement reminders, the evening check and the retest
reminder, and `tracking_sends`, the exactly-once ledger for what the tick sends.

Part of the TrackingStore (`TrackingStore` inherits `ScheduledSends`): the schedules and their
ledger are their own concern. Due firings are claimed in batches with a lease (`LEASE`;
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers take disjoint ones, and a killed
worker's are taken over when the lease ends); a `tracking_sends` row is claimed and committed
before sending, so a second tick, an overlapping tick, another worker or a restart never sends
twice.
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
from bot.core.reminders import Reminder
from bot.core.reminders import next_fire_utc as next_reminder_fire
from bot.core.schedule import require_aware
from bot.storage import schema
from bot.storage.db import Database
from bot.storage.dialects import insert_or_ignore, upsert
from bot.storage.rows import UTC, from_ts, to_ts
from bot.storage.schema import (
    evening_schedule,
    reminders,
    retest_settings,
    tracking_sends,
    users,
)

SEND_KINDS = schema.SEND_KINDS
SEND_STATES = schema.PUSH_STATES  # 'sending' first, then the final states
REMINDER_ANSWERS = schema.REMINDER_ANSWERS
# How long a tick holds the due firings it took; a killed worker's are taken over after it.
LEASE = dt.timedelta(minutes=2)


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


def maybe_from_ts(seconds: int | None) -> dt.datetime | None:
    return None if seconds is None else from_ts(seconds)


def aware_utc(moment: dt.datetime, name: str = "now_utc") -> dt.datetime:
    """Refuse a naive timestamp with a ValueError before any statement runs (IsoUtc would
    refuse it too, but wrapped in SQLAlchemy's StatementError)."""
    return require_aware(moment, name)


def check_in(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)} (got {value!r})")
    return value


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
        snooze_fire_utc=maybe_from_ts(row.snooze_fire_utc),
        snooze_occurrence_utc=maybe_from_ts(row.snooze_occurrence_utc),
        last_fired_utc=maybe_from_ts(row.last_fired_utc),
        last_answer=row.last_answer,
    )


class ScheduledSends:
    """The TrackingStore's methods for reminders, the evening check, the retest reminder and
    the send ledger (each one transaction through `self.db`)."""

    db: Database

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
                created_utc=aware_utc(now_utc),
            )
            .returning(*reminders.c)
        )
        async with self.db.transaction() as conn:
            return _reminder_from_row((await conn.execute(stmt)).one())

    async def reminders(self, user_id: int) -> list[StoredReminder]:
        async with self.db.read() as conn:
            return await user_reminders(conn, user_id)

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
        rows = await self._claim(_due_reminders(now, limit), reminders.c.id, now_utc, lease)
        return [_due_reminder(row, now) for row in rows]

    async def _claim(
        self,
        due: sa.Select[Any],
        key: sa.Column[Any],
        now_utc: dt.datetime,
        lease: dt.timedelta,
    ) -> list[sa.Row[Any]]:
        """The rows of `due` that nobody holds (no lease, or an expired one), locked with
        FOR UPDATE SKIP LOCKED and leased until now + `lease`, in one transaction."""
        table = key.table
        now = to_ts(now_utc)
        stmt = due.where(
            sa.or_(table.c.lease_utc.is_(None), table.c.lease_utc <= now)
        ).with_for_update(of=table, skip_locked=True)
        async with self.db.transaction() as conn:
            rows = list((await conn.execute(stmt)).all())
            if rows:
                keys = [getattr(row, key.name) for row in rows]
                await conn.execute(
                    sa.update(table).where(key.in_(keys)).values(lease_utc=to_ts(now_utc + lease))
                )
        return rows

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
        check_in(answer, REMINDER_ANSWERS, "answer")
        stmt = answer_update(reminder_id, answer, to_ts(now_utc))
        async with self.db.transaction() as conn:
            await conn.execute(stmt)

    # --- exactly-once ledger ----------------------------------------------------------------

    async def claim_send(self, user_id: int, kind: str, key: str, *, now_utc: dt.datetime) -> bool:
        """Record 'sending' before sending; False when (kind, key) has a row already or the
        user is gone."""
        check_in(kind, SEND_KINDS, "send kind")
        claimed = aware_utc(now_utc)
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
        check_in(state, SEND_STATES[1:], "final send state")
        stmt = (
            sa.update(tracking_sends)
            .where(tracking_sends.c.kind == kind, tracking_sends.c.key == key)
            .values(state=state, message_id=message_id, finished_utc=aware_utc(now_utc))
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
        due = _due_evenings(to_ts(now_utc), limit)
        rows = await self._claim(due, evening_schedule.c.user_id, now_utc, lease)
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
        return maybe_from_ts(seconds)

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
            "updated_utc": aware_utc(now_utc),
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
        return Retest(row.months, row.due_date, maybe_from_ts(row.next_fire_utc))

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


# --- statements shared with the TrackingStore -----------------------------------------------


def answer_update(reminder_id: int, answer: str, ts: int) -> sa.Update:
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


async def user_reminders(conn: AsyncConnection, user_id: int) -> list[StoredReminder]:
    stmt = sa.select(reminders).where(reminders.c.user_id == user_id).order_by(reminders.c.id)
    return [_reminder_from_row(r) for r in await conn.execute(stmt)]
