"""Repository for tracking data, over the Store's single aiosqlite connection.

Meal check-offs, supplement and injection doses, lab results, reminders, the user's own
fortified products, the evening-check schedule and retest reminders. Like `Store`, every
public method is ONE plain function run on the connection thread (`store._run`), so it is
atomic with respect to the other coroutines sharing the connection.

Every table has `user_id REFERENCES users ON DELETE CASCADE`, so `Store.delete_user` erases
all of it. `tracking_sends` is the exactly-once ledger for the messages the tracking tick sends
(a reminder firing, an evening check, a retest reminder): a row is claimed and committed
before sending, so a second tick, an overlapping tick or a restart never sends twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.clock import local_date_at, local_instant_utc, next_local_occurrence_utc
from bot.core.labs import LabResult
from bot.core.reminders import Reminder
from bot.core.reminders import next_fire_utc as next_reminder_fire
from bot.core.schedule import require_aware
from bot.storage.migrations import MIGRATIONS
from bot.storage.store import StoreRepository, _iso, _transaction, _ts

UTC = dt.UTC
MEAL_STATUSES = ("eaten", "skipped", "other")
DOSE_KINDS = ("oral", "injection")
SEND_KINDS = ("reminder", "evening", "retest")
SEND_STATES = ("sending", "sent", "blocked", "failed")
REMINDER_ANSWERS = ("taken", "skipped", "snoozed")
EXTRA_SLOT = "extra"  # a meal eaten besides the plan ("/ate …")
TRACKING_VERSION = 4

# Migration 4 in bot.storage.migrations holds the schema (one copy, never edited once shipped).
TRACKING_SCRIPT = dict(MIGRATIONS)[TRACKING_VERSION]


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
        return f"{self.stored.id}@{_ts(self.fire_utc)}"


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
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, UTC)


def _reminder_from_row(row: sqlite3.Row) -> StoredReminder:
    return StoredReminder(
        id=row["id"],
        user_id=row["user_id"],
        reminder=Reminder.from_dict(json.loads(row["data"])),
        next_fire_utc=dt.datetime.fromtimestamp(row["next_fire_utc"], UTC),
        snooze_fire_utc=_from_ts(row["snooze_fire_utc"]),
        snooze_occurrence_utc=_from_ts(row["snooze_occurrence_utc"]),
        last_fired_utc=_from_ts(row["last_fired_utc"]),
        last_answer=row["last_answer"],
    )


def _check_in(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)} (got {value!r})")
    return value


# --- the repository -------------------------------------------------------------------------


class TrackingStore(StoreRepository):
    """Tracking tables over `store`'s connection (the store must include migration 4)."""

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
        eaten = b12_ug if status == "eaten" else 0.0
        params = (user_id, local_date.isoformat(), slot, recipe_id, status, eaten, planned_ug)

        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO meal_logs (user_id, local_date, slot, recipe_id, status, b12_ug, "
                "planned_ug, logged_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, local_date, slot) WHERE slot <> 'extra' DO UPDATE SET "
                "recipe_id = excluded.recipe_id, status = excluded.status, "
                "b12_ug = excluded.b12_ug, planned_ug = excluded.planned_ug, "
                "logged_utc = excluded.logged_utc",
                (*params, _iso(now_utc)),
            )

        await self._run(run)

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

        def run(c: sqlite3.Connection) -> int:
            cur = c.execute(
                "INSERT INTO meal_logs (user_id, local_date, slot, recipe_id, status, b12_ug, "
                "note, logged_utc) VALUES (?, ?, ?, ?, 'eaten', ?, ?, ?)",
                (
                    user_id,
                    local_date.isoformat(),
                    EXTRA_SLOT,
                    recipe_id,
                    b12_ug,
                    note[:200],
                    _iso(now_utc),
                ),
            )
            return int(cur.lastrowid or 0)

        return await self._run(run)

    async def meal_logs(self, user_id: int, start: dt.date, end: dt.date) -> list[MealLog]:
        """Meal rows with start <= local_date <= end, by date then insertion."""

        def run(c: sqlite3.Connection) -> list[MealLog]:
            rows = c.execute(
                "SELECT * FROM meal_logs WHERE user_id = ? AND local_date BETWEEN ? AND ? "
                "ORDER BY local_date, id",
                (user_id, start.isoformat(), end.isoformat()),
            ).fetchall()
            return [
                MealLog(
                    id=r["id"],
                    local_date=dt.date.fromisoformat(r["local_date"]),
                    slot=r["slot"],
                    recipe_id=r["recipe_id"],
                    status=r["status"],
                    b12_ug=r["b12_ug"],
                    planned_ug=r["planned_ug"],
                    note=r["note"],
                )
                for r in rows
            ]

        return await self._run(run)

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
        occurrence = None if occurrence_utc is None else _ts(occurrence_utc)

        def run(c: sqlite3.Connection) -> bool:
            with _transaction(c):
                cur = c.execute(
                    "INSERT INTO doses (user_id, local_date, taken_utc, dose_ug, kind, "
                    "reminder_id, occurrence_utc) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (reminder_id, occurrence_utc) WHERE reminder_id IS NOT NULL "
                    "DO NOTHING",
                    (
                        user_id,
                        local_date.isoformat(),
                        _iso(taken_utc),
                        dose_ug,
                        kind,
                        reminder_id,
                        occurrence,
                    ),
                )
                if cur.rowcount == 1 and reminder_id is not None:
                    _answer(c, reminder_id, "taken", _ts(taken_utc))
                return cur.rowcount == 1

        return await self._run(run)

    async def doses(self, user_id: int, start: dt.date, end: dt.date) -> list[DoseLog]:
        def run(c: sqlite3.Connection) -> list[DoseLog]:
            rows = c.execute(
                "SELECT * FROM doses WHERE user_id = ? AND local_date BETWEEN ? AND ? "
                "ORDER BY local_date, id",
                (user_id, start.isoformat(), end.isoformat()),
            ).fetchall()
            return [
                DoseLog(
                    id=r["id"],
                    local_date=dt.date.fromisoformat(r["local_date"]),
                    taken_utc=dt.datetime.fromisoformat(r["taken_utc"]).astimezone(UTC),
                    dose_ug=r["dose_ug"],
                    kind=r["kind"],
                    reminder_id=r["reminder_id"],
                    occurrence_utc=_from_ts(r["occurrence_utc"]),
                )
                for r in rows
            ]

        return await self._run(run)

    async def dose_logged(self, reminder_id: int, occurrence_utc: dt.datetime) -> bool:
        def run(c: sqlite3.Connection) -> bool:
            row = c.execute(
                "SELECT 1 FROM doses WHERE reminder_id = ? AND occurrence_utc = ?",
                (reminder_id, _ts(occurrence_utc)),
            ).fetchone()
            return row is not None

        return await self._run(run)

    # --- lab results ------------------------------------------------------------------------

    async def add_lab(self, user_id: int, result: LabResult, *, now_utc: dt.datetime) -> int:
        """Store a result under the next number of this user; returns the row id."""

        def run(c: sqlite3.Connection) -> int:
            with _transaction(c):
                number = _highest_lab_number(c, user_id) + 1
                text = json.dumps({**result.to_dict(), LAB_NUMBER_KEY: number}, sort_keys=True)
                cur = c.execute(
                    "INSERT INTO lab_results (user_id, marker, taken_on, data, created_utc) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        user_id,
                        result.marker.value,
                        result.taken_on.isoformat(),
                        text,
                        _iso(now_utc),
                    ),
                )
                return int(cur.lastrowid or 0)

        return await self._run(run)

    async def labs(self, user_id: int) -> list[StoredLab]:
        """The user's results, oldest first (by date taken), each with its stable number.

        Results saved before numbers existed get theirs here, once, in the order they were
        saved, and keep them from then on."""

        def run(c: sqlite3.Connection) -> list[StoredLab]:
            _number_unnumbered_labs(c, user_id)
            rows = c.execute(
                "SELECT id, data FROM lab_results WHERE user_id = ? ORDER BY taken_on, id",
                (user_id,),
            ).fetchall()
            found = []
            for row in rows:
                data = json.loads(row["data"])
                number = int(data.pop(LAB_NUMBER_KEY))
                found.append(StoredLab(row["id"], LabResult.from_dict(data), number))
            return found

        return await self._run(run)

    async def delete_lab(self, user_id: int, lab_id: int) -> bool:
        def run(c: sqlite3.Connection) -> bool:
            cur = c.execute(
                "DELETE FROM lab_results WHERE user_id = ? AND id = ?", (user_id, lab_id)
            )
            return cur.rowcount == 1

        return await self._run(run)

    # --- reminders --------------------------------------------------------------------------

    async def add_reminder(
        self, user_id: int, reminder: Reminder, next_fire_utc: dt.datetime, *, now_utc: dt.datetime
    ) -> StoredReminder:
        text = json.dumps(reminder.to_dict(), sort_keys=True)

        def run(c: sqlite3.Connection) -> StoredReminder:
            cur = c.execute(
                "INSERT INTO reminders (user_id, data, next_fire_utc, created_utc) "
                "VALUES (?, ?, ?, ?)",
                (user_id, text, _ts(next_fire_utc), _iso(now_utc)),
            )
            row = c.execute("SELECT * FROM reminders WHERE id = ?", (cur.lastrowid,)).fetchone()
            return _reminder_from_row(row)

        return await self._run(run)

    async def reminders(self, user_id: int) -> list[StoredReminder]:
        def run(c: sqlite3.Connection) -> list[StoredReminder]:
            rows = c.execute(
                "SELECT * FROM reminders WHERE user_id = ? ORDER BY id", (user_id,)
            ).fetchall()
            return [_reminder_from_row(r) for r in rows]

        return await self._run(run)

    async def get_reminder(self, reminder_id: int) -> StoredReminder | None:
        def run(c: sqlite3.Connection) -> StoredReminder | None:
            row = c.execute("SELECT * FROM reminders WHERE id = ?", (reminder_id,)).fetchone()
            return None if row is None else _reminder_from_row(row)

        return await self._run(run)

    async def delete_reminder(self, user_id: int, reminder_id: int) -> bool:
        def run(c: sqlite3.Connection) -> bool:
            cur = c.execute(
                "DELETE FROM reminders WHERE user_id = ? AND id = ?", (user_id, reminder_id)
            )
            return cur.rowcount == 1

        return await self._run(run)

    async def due_reminders(self, now_utc: dt.datetime, limit: int = 500) -> list[DueReminder]:
        """Reminders whose regular or snoozed firing is due, for users who can be messaged.

        When both are due, the older one comes first (the other stays due for the next tick).
        """
        now = _ts(now_utc)

        def run(c: sqlite3.Connection) -> list[DueReminder]:
            rows = c.execute(
                "SELECT r.* FROM reminders r JOIN users u ON u.user_id = r.user_id "
                "WHERE u.active = 1 AND (r.next_fire_utc <= ? OR r.snooze_fire_utc <= ?) "
                "ORDER BY min(r.next_fire_utc, coalesce(r.snooze_fire_utc, r.next_fire_utc)), "
                "r.id LIMIT ?",
                (now, now, limit),
            ).fetchall()
            due = []
            for row in rows:
                stored = _reminder_from_row(row)
                snooze = stored.snooze_fire_utc
                if snooze is not None and _ts(snooze) <= now and snooze <= stored.next_fire_utc:
                    occurrence = stored.snooze_occurrence_utc or snooze
                    due.append(DueReminder(stored, snooze, occurrence, True))
                else:
                    fire = stored.next_fire_utc
                    due.append(DueReminder(stored, fire, fire, False))
            return due

        return await self._run(run)

    async def advance_reminder(
        self, due: DueReminder, next_fire_utc: dt.datetime, *, fired: bool, now_utc: dt.datetime
    ) -> None:
        """After a firing (sent, skipped as too old, or already claimed): clear the snooze or
        move the regular schedule to `next_fire_utc`; `fired` records last_fired_utc."""
        rid = due.stored.id

        def run(c: sqlite3.Connection) -> None:
            with _transaction(c):
                if due.snoozed:
                    c.execute(
                        "UPDATE reminders SET snooze_fire_utc = NULL, snooze_occurrence_utc = "
                        "NULL WHERE id = ? AND snooze_fire_utc = ?",
                        (rid, _ts(due.fire_utc)),
                    )
                else:
                    c.execute(
                        "UPDATE reminders SET next_fire_utc = ? WHERE id = ? AND next_fire_utc = ?",
                        (_ts(next_fire_utc), rid, _ts(due.fire_utc)),
                    )
                if fired:
                    c.execute(
                        "UPDATE reminders SET last_fired_utc = ? WHERE id = ?",
                        (_ts(now_utc), rid),
                    )

        await self._run(run)

    async def rezone_reminders(
        self, user_id: int, tz: str, *, retest_time: dt.time, now_utc: dt.datetime
    ) -> int:
        """The user moved to zone `tz`: their reminders keep their local time, now in `tz`, and
        their next firing is recomputed after now (DST-correct, bot.core.reminders). An occurrence
        that already fired on that local day is not repeated. A pending retest reminder moves
        to `retest_time` (the plan time) in `tz`. Returns how many reminders moved."""
        now = require_aware(now_utc).astimezone(UTC)

        def run(c: sqlite3.Connection) -> int:
            moved = 0
            with _transaction(c):
                retest = c.execute(
                    "SELECT due_date FROM retest_settings WHERE user_id = ? "
                    "AND due_date IS NOT NULL AND next_fire_utc IS NOT NULL",
                    (user_id,),
                ).fetchone()
                if retest is not None:
                    due = dt.date.fromisoformat(retest[0])
                    c.execute(
                        "UPDATE retest_settings SET next_fire_utc = ? WHERE user_id = ?",
                        (_ts(retest_fire_utc(due, retest_time, tz, now)), user_id),
                    )
                rows = c.execute("SELECT * FROM reminders WHERE user_id = ?", (user_id,))
                for stored in [_reminder_from_row(r) for r in rows.fetchall()]:
                    if stored.reminder.tz == tz:
                        continue
                    reminder = dataclasses.replace(stored.reminder, tz=tz)
                    fire = next_reminder_fire(reminder, now)
                    last = stored.last_fired_utc
                    if last is not None and local_date_at(last, tz) == local_date_at(fire, tz):
                        fire = next_reminder_fire(reminder, fire)
                    c.execute(
                        "UPDATE reminders SET data = ?, next_fire_utc = ? WHERE id = ?",
                        (json.dumps(reminder.to_dict(), sort_keys=True), _ts(fire), stored.id),
                    )
                    moved += 1
            return moved

        return await self._run(run)

    async def reschedule_reminder(self, reminder_id: int, next_fire_utc: dt.datetime) -> None:
        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE reminders SET next_fire_utc = ? WHERE id = ?",
                (_ts(next_fire_utc), reminder_id),
            )

        await self._run(run)

    async def snooze_reminder(
        self,
        reminder_id: int,
        occurrence_utc: dt.datetime,
        fire_utc: dt.datetime,
        *,
        now_utc: dt.datetime,
    ) -> None:
        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE reminders SET snooze_fire_utc = ?, snooze_occurrence_utc = ?, "
                "last_answer = 'snoozed', last_answered_utc = ? WHERE id = ?",
                (_ts(fire_utc), _ts(occurrence_utc), _ts(now_utc), reminder_id),
            )

        await self._run(run)

    async def answer_reminder(self, reminder_id: int, answer: str, *, now_utc: dt.datetime) -> None:
        """Record the user's last answer (taken/skipped); a pending snooze is dropped."""
        _check_in(answer, REMINDER_ANSWERS, "answer")

        def run(c: sqlite3.Connection) -> None:
            _answer(c, reminder_id, answer, _ts(now_utc))

        await self._run(run)

    # --- exactly-once ledger ----------------------------------------------------------------

    async def claim_send(self, user_id: int, kind: str, key: str, *, now_utc: dt.datetime) -> bool:
        """Record 'sending' before sending; False when (kind, key) has a row already or the
        user is gone."""
        _check_in(kind, SEND_KINDS, "send kind")

        def run(c: sqlite3.Connection) -> bool:
            try:
                cur = c.execute(
                    "INSERT INTO tracking_sends (user_id, kind, key, state, claimed_utc) "
                    "VALUES (?, ?, ?, 'sending', ?) ON CONFLICT (kind, key) DO NOTHING",
                    (user_id, kind, key, _iso(now_utc)),
                )
            except sqlite3.IntegrityError:  # user deleted meanwhile
                return False
            return cur.rowcount == 1

        return await self._run(run)

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

        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE tracking_sends SET state = ?, message_id = ?, finished_utc = ? "
                "WHERE kind = ? AND key = ?",
                (state, message_id, _iso(now_utc), kind, key),
            )

        await self._run(run)

    async def release_send(self, kind: str, key: str) -> None:
        """Drop a 'sending' claim whose send failed transiently, so a later tick retries."""

        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "DELETE FROM tracking_sends WHERE kind = ? AND key = ? AND state = 'sending'",
                (kind, key),
            )

        await self._run(run)

    async def send_state(self, kind: str, key: str) -> str | None:
        def run(c: sqlite3.Connection) -> str | None:
            row = c.execute(
                "SELECT state FROM tracking_sends WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
            return None if row is None else row[0]

        return await self._run(run)

    async def count_sends(self, kind: str, user_id: int | None = None) -> int:
        """How many messages of `kind` were claimed (for tests and diagnostics)."""

        def run(c: sqlite3.Connection) -> int:
            if user_id is None:
                row = c.execute(
                    "SELECT count(*) FROM tracking_sends WHERE kind = ?", (kind,)
                ).fetchone()
            else:
                row = c.execute(
                    "SELECT count(*) FROM tracking_sends WHERE kind = ? AND user_id = ?",
                    (kind, user_id),
                ).fetchone()
            return int(row[0])

        return await self._run(run)

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

        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO user_products (user_id, ingredient_id, b12_per_100g, label_value, "
                "label_unit, updated_utc) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, ingredient_id) DO UPDATE SET "
                "b12_per_100g = excluded.b12_per_100g, label_value = excluded.label_value, "
                "label_unit = excluded.label_unit, updated_utc = excluded.updated_utc",
                (user_id, ingredient_id, b12_per_100g, label_value, label_unit, _iso(now_utc)),
            )

        await self._run(run)

    async def products(self, user_id: int) -> list[Product]:
        def run(c: sqlite3.Connection) -> list[Product]:
            rows = c.execute(
                "SELECT * FROM user_products WHERE user_id = ? ORDER BY ingredient_id",
                (user_id,),
            ).fetchall()
            return [
                Product(r["ingredient_id"], r["b12_per_100g"], r["label_value"], r["label_unit"])
                for r in rows
            ]

        return await self._run(run)

    async def product_overrides(self, user_id: int) -> dict[str, float]:
        """ingredient id -> µg B12 per 100 g from the user's labels (for with_products)."""
        return {p.ingredient_id: p.b12_per_100g for p in await self.products(user_id)}

    async def clear_products(self, user_id: int, ingredient_id: str | None = None) -> int:
        def run(c: sqlite3.Connection) -> int:
            if ingredient_id is None:
                cur = c.execute("DELETE FROM user_products WHERE user_id = ?", (user_id,))
            else:
                cur = c.execute(
                    "DELETE FROM user_products WHERE user_id = ? AND ingredient_id = ?",
                    (user_id, ingredient_id),
                )
            return cur.rowcount

        return await self._run(run)

    # --- evening check ----------------------------------------------------------------------

    async def sync_evening(self, now_utc: dt.datetime, user_id: int | None = None) -> int:
        """Bring evening_schedule in line with users.evening_check/evening_time/timezone.

        Opted-in users without a row (or whose time or zone changed) get their next evening
        time after now; opted-out users lose their row. Returns rows inserted or changed.
        """
        now = require_aware(now_utc).astimezone(UTC)

        def run(c: sqlite3.Connection) -> int:
            only = "" if user_id is None else " AND u.user_id = :uid"
            with _transaction(c):
                c.execute(
                    "DELETE FROM evening_schedule WHERE user_id IN (SELECT user_id FROM users u "
                    f"WHERE u.evening_check = 0{only})",
                    {"uid": user_id},
                )
                rows = c.execute(
                    "SELECT u.user_id, u.timezone, u.evening_time FROM users u "
                    "LEFT JOIN evening_schedule e ON e.user_id = u.user_id "
                    "WHERE u.evening_check = 1 AND (e.user_id IS NULL OR e.timezone <> u.timezone "
                    f"OR e.local_time <> u.evening_time){only}",
                    {"uid": user_id},
                ).fetchall()
                for row in rows:
                    local = dt.time.fromisoformat(row["evening_time"])
                    fire = next_local_occurrence_utc(local, row["timezone"], now)
                    c.execute(
                        "INSERT INTO evening_schedule (user_id, next_fire_utc, timezone, "
                        "local_time) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                        "next_fire_utc = excluded.next_fire_utc, timezone = excluded.timezone, "
                        "local_time = excluded.local_time",
                        (row["user_id"], _ts(fire), row["timezone"], row["evening_time"]),
                    )
                return len(rows)

        return await self._run(run)

    async def due_evenings(
        self, now_utc: dt.datetime, limit: int = 500
    ) -> list[tuple[int, dt.datetime]]:
        """(user_id, due_utc) of evening checks due for active, opted-in users."""

        def run(c: sqlite3.Connection) -> list[tuple[int, dt.datetime]]:
            rows = c.execute(
                "SELECT e.user_id, e.next_fire_utc FROM evening_schedule e "
                "JOIN users u ON u.user_id = e.user_id "
                "WHERE u.active = 1 AND u.evening_check = 1 AND e.next_fire_utc <= ? "
                "ORDER BY e.next_fire_utc, e.user_id LIMIT ?",
                (_ts(now_utc), limit),
            ).fetchall()
            return [(r[0], dt.datetime.fromtimestamp(r[1], UTC)) for r in rows]

        return await self._run(run)

    async def advance_evening(self, user_id: int, next_fire_utc: dt.datetime) -> None:
        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE evening_schedule SET next_fire_utc = ? WHERE user_id = ? "
                "AND next_fire_utc < ?",
                (_ts(next_fire_utc), user_id, _ts(next_fire_utc)),
            )

        await self._run(run)

    async def evening_next(self, user_id: int) -> dt.datetime | None:
        def run(c: sqlite3.Connection) -> int | None:
            row = c.execute(
                "SELECT next_fire_utc FROM evening_schedule WHERE user_id = ?", (user_id,)
            ).fetchone()
            return None if row is None else row[0]

        return _from_ts(await self._run(run))

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
        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO retest_settings (user_id, months, due_date, next_fire_utc, "
                "updated_utc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "months = excluded.months, due_date = excluded.due_date, "
                "next_fire_utc = excluded.next_fire_utc, updated_utc = excluded.updated_utc",
                (
                    user_id,
                    months,
                    None if due_date is None else due_date.isoformat(),
                    None if next_fire_utc is None else _ts(next_fire_utc),
                    _iso(now_utc),
                ),
            )

        await self._run(run)

    async def get_retest(self, user_id: int) -> Retest | None:
        def run(c: sqlite3.Connection) -> Retest | None:
            row = c.execute(
                "SELECT * FROM retest_settings WHERE user_id = ?", (user_id,)
            ).fetchone()
            if row is None:
                return None
            due = row["due_date"]
            return Retest(
                row["months"],
                None if due is None else dt.date.fromisoformat(due),
                _from_ts(row["next_fire_utc"]),
            )

        return await self._run(run)

    async def clear_retest(self, user_id: int) -> bool:
        def run(c: sqlite3.Connection) -> bool:
            cur = c.execute("DELETE FROM retest_settings WHERE user_id = ?", (user_id,))
            return cur.rowcount == 1

        return await self._run(run)

    async def due_retests(
        self, now_utc: dt.datetime, limit: int = 500
    ) -> list[tuple[int, dt.date, dt.datetime]]:
        """(user_id, due_date, fire_utc) of retest reminders due for active users."""

        def run(c: sqlite3.Connection) -> list[tuple[int, dt.date, dt.datetime]]:
            rows = c.execute(
                "SELECT r.user_id, r.due_date, r.next_fire_utc FROM retest_settings r "
                "JOIN users u ON u.user_id = r.user_id WHERE u.active = 1 "
                "AND r.next_fire_utc IS NOT NULL AND r.next_fire_utc <= ? "
                "ORDER BY r.next_fire_utc LIMIT ?",
                (_ts(now_utc), limit),
            ).fetchall()
            return [
                (r[0], dt.date.fromisoformat(r[1]), dt.datetime.fromtimestamp(r[2], UTC))
                for r in rows
            ]

        return await self._run(run)

    async def retest_done(self, user_id: int, due_date: dt.date) -> None:
        """The reminder for `due_date` went out (or was claimed): nothing more to send for it."""

        def run(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE retest_settings SET next_fire_utc = NULL WHERE user_id = ? "
                "AND due_date = ?",
                (user_id, due_date.isoformat()),
            )

        await self._run(run)

    # --- privacy ----------------------------------------------------------------------------

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the user, JSON-ready: their settings, their plans, and the
        rows of every table with a user_id column (found from the schema, so tables added by
        later migrations are included without changing this code)."""
        user = await self.store.get_user(user_id)

        def run(c: sqlite3.Connection) -> dict[str, Any]:
            tables: dict[str, list[dict[str, Any]]] = {}
            names = [
                r[0]
                for r in c.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                ).fetchall()
            ]
            for name in names:
                columns = [r[1] for r in c.execute(f'PRAGMA table_info("{name}")').fetchall()]
                if name == "users" or "user_id" not in columns:
                    continue
                rows = c.execute(f'SELECT * FROM "{name}" WHERE user_id = ?', (user_id,)).fetchall()
                tables[name] = [_exportable(dict(r)) for r in rows]
            plans = c.execute(
                "SELECT day, json FROM plans WHERE owner = ? ORDER BY day", (f"u:{user_id}",)
            ).fetchall()
            tables["plans"] = [{"day": r[0], "plan": json.loads(r[1])} for r in plans]
            return tables

        tables = await self._run(run)
        settings = None
        if user is not None:
            settings = {k: _json_value(v) for k, v in dataclasses.asdict(user).items()}
        return {
            "format": "b12-meal-planner export v1",
            "user_id": user_id,
            "settings": settings,
            "lab_results": [s.result.to_dict() for s in await self.labs(user_id)],
            "reminders": [
                {"id": r.id, "description": r.reminder.describe(), **r.reminder.to_dict()}
                for r in await self.reminders(user_id)
            ],
            "tables": tables,
        }


def _answer(c: sqlite3.Connection, reminder_id: int, answer: str, ts: int) -> None:
    c.execute(
        "UPDATE reminders SET last_answer = ?, last_answered_utc = ?, snooze_fire_utc = NULL, "
        "snooze_occurrence_utc = NULL WHERE id = ?",
        (answer, ts, reminder_id),
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if hasattr(value, "value"):  # StrEnum
        return value.value
    return value


def _exportable(row: dict[str, Any]) -> dict[str, Any]:
    """A row for the export: JSON text columns decoded, bytes as text."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("data", "json") and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        elif isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        out[key] = value
    return out


# --- lab numbers -------------------------------------------------------------------------------

LAB_NUMBER_KEY = "number"  # the user's "result #N", kept in the row's JSON


def _highest_lab_number(c: sqlite3.Connection, user_id: int) -> int:
    row = c.execute(
        "SELECT MAX(CAST(json_extract(data, '$.number') AS INTEGER)) FROM lab_results "
        "WHERE user_id = ?",
        (user_id,),
    ).fetchone()
    return int(row[0] or 0)


def _number_unnumbered_labs(c: sqlite3.Connection, user_id: int) -> None:
    """Give rows stored without a number (older versions) the next numbers, in saving order."""
    query = (
        "SELECT id, data FROM lab_results WHERE user_id = ? "
        "AND json_extract(data, '$.number') IS NULL ORDER BY id"
    )
    if not c.execute(query, (user_id,)).fetchone():
        return  # the usual case: a plain read, no write lock
    with _transaction(c):
        number = _highest_lab_number(c, user_id)
        for row in c.execute(query, (user_id,)).fetchall():
            number += 1
            data = {**json.loads(row[1]), LAB_NUMBER_KEY: number}
            c.execute(
                "UPDATE lab_results SET data = ? WHERE id = ?",
                (json.dumps(data, sort_keys=True), row[0]),
            )
