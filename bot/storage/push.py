"""The daily push ledger: claiming due users, starting, finishing and releasing their pushes.

Part of the Store (`Store` inherits `PushLedger`), split out because the push is its own
concern with its own rules: a claim is a lease written into users.next_push_utc, the
'sending' row written just before a send is the at-most-once gate, outcomes are written in
batches (bot.services.push explains why). Every statement here is built once, with bind
parameters, and works on whole batches.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.core.models import UserSettings
from bot.core.schedule import (
    check_catch_up,
    latest_push_at_or_before,
    next_push_after,
    push_local_date,
    require_aware,
)
from bot.storage.db import Database
from bot.storage.dialects import insert_or_ignore, per_dialect
from bot.storage.rows import from_ts, to_ts, user_from_row, utc_now
from bot.storage.schema import PUSHABLE, pushes, users

log = logging.getLogger(__name__)

PUSH_STATES = ("sending", "sent", "blocked", "failed")
FINAL_PUSH_STATES = ("sent", "blocked", "failed")
# How long a claim hides a due user from other claimers (other workers, the next tick) before
# anyone may take it over: longer than a claimed batch takes to start its sends, short enough
# that a worker killed mid fan-out delays its users by minutes, not a day.
PUSH_LEASE = dt.timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class DuePush:
    """One push a tick should deliver: the user, their local date, and when it fell due.

    `lease_utc` is what claim_due_pushes wrote into the user's next_push_utc (None when the
    push was not claimed that way): later writes of the schedule only apply while it is
    still there, so a user who changed their push time meanwhile keeps the new one.
    """

    user: UserSettings
    local_date: dt.date
    due_utc: dt.datetime
    lease_utc: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PushRecord:
    user_id: int
    local_date: dt.date
    state: str
    message_id: int | None
    claimed_utc: dt.datetime
    finished_utc: dt.datetime | None


@dataclass(frozen=True, slots=True)
class StartedPushes:
    """What one start_pushes call did: pushes whose 'sending' row this call wrote (send them
    now), and pushes whose row existed already (the record, for the log; at most once: they
    are not sent, and their schedule has been moved on)."""

    started: list[DuePush]
    skipped: list[tuple[DuePush, PushRecord | None]]


@dataclass(frozen=True, slots=True)
class PushResult:
    """What became of one claimed push, for Store.finish_pushes.

    state: 'sent' | 'blocked' | 'failed' close the 'sending' row ('blocked' also marks the
    user inactive); 'released' deletes it (the message surely did not go out, so a later
    claim may send it); None leaves the ledger alone (the push was never started).
    next_push_utc: the schedule to write, None to leave it. With a `push.lease_utc` it is
    written only while the lease is still in users.next_push_utc.
    """

    push: DuePush
    state: str | None
    message_id: int | None = None
    next_push_utc: dt.datetime | None = None


# --- statements built once (the hot path of a push; SQLAlchemy caches their SQL) ----------

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
_GET_PUSH = sa.select(pushes).where(
    pushes.c.user_id == sa.bindparam("uid"), pushes.c.local_date == sa.bindparam("day")
)
# The batch push (claim, start, finish): one statement each, whatever the batch size.
_DUE_IDS = (
    sa.select(users.c.user_id)
    .where(PUSHABLE, users.c.next_push_utc <= sa.bindparam("now_ts", type_=sa.BigInteger))
    .order_by(users.c.next_push_utc, users.c.user_id)
    .limit(sa.bindparam("n", type_=sa.Integer))
    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time anyway
)
_LEASE = (
    sa.update(users)
    .where(users.c.user_id.in_(_DUE_IDS.scalar_subquery()))
    .values(next_push_utc=sa.bindparam("lease_ts", type_=users.c.next_push_utc.type))
    .returning(*users.c)
)
_CLOSE_PUSH = _FINISH_PUSH.where(pushes.c.state == "sending")
_DROP_PUSH = sa.delete(pushes).where(
    pushes.c.user_id == sa.bindparam("uid"),
    pushes.c.local_date == sa.bindparam("day"),
    pushes.c.state == "sending",
)
_SCHEDULE_LEASED = _SCHEDULE.where(
    users.c.next_push_utc == sa.bindparam("lease_ts", type_=users.c.next_push_utc.type)
)
_DEACTIVATE = sa.update(users).where(users.c.user_id == sa.bindparam("uid")).values(active=False)
_PUSHES_OF = sa.select(pushes).where(
    sa.tuple_(pushes.c.user_id, pushes.c.local_date).in_(sa.bindparam("keys", expanding=True))
)


@per_dialect
def _claim_statement(conn: sa.Connection) -> Any:
    return insert_or_ignore(
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


class PushLedger:
    """The push ledger's methods of the Store (each one transaction through `self.db`)."""

    db: Database

    # --- the daily push ledger -------------------------------------------------------------

    async def skip_missed_pushes(self, now_utc: dt.datetime, catch_up: dt.timedelta) -> int:
        """Re-aim overdue schedules after downtime; returns how many users lose a push.

        A push older than `catch_up` is dropped: the user's schedule moves to the next push
        time after now. If a newer occurrence is still within `catch_up` (yesterday's was
        missed but today's just passed), the schedule moves to that one so it is sent once.
        """
        now = require_aware(now_utc)
        check_catch_up(catch_up)
        return await self.db.run(_skip_missed, now, catch_up)

    async def claim_due_pushes(
        self,
        now_utc: dt.datetime,
        limit: int,
        *,
        lease_until_utc: dt.datetime | None = None,
    ) -> list[DuePush]:
        """Claim up to `limit` due users (active, pushes on, onboarded, next_push_utc <= now)
        in ONE statement, and return them in (due, user id) order.

        A claim is a lease: the users' next_push_utc becomes `lease_until_utc` (default now +
        PUSH_LEASE), so no other claimer (another worker, the next tick) sees them until it
        runs out, and nobody reports them as skipped meanwhile. Nothing is in the ledger yet:
        a claimer killed before starting a send leaves users that anyone takes over after
        the lease (start_pushes is what makes a push at most once). On PostgreSQL the due
        rows are locked FOR UPDATE SKIP LOCKED, so concurrent claimers get disjoint users
        without waiting for each other. Missed pushes are not skipped here: call
        skip_missed_pushes once per tick first.

        The due instant is not stored while a lease is on; it is the latest push time at or
        before now (catch-up stays far below a day, so that is the one this claim serves).
        """
        now = require_aware(now_utc)
        if limit < 1:
            raise ValueError(f"limit must be at least 1 (got {limit})")
        lease = require_aware(lease_until_utc or now + PUSH_LEASE, "lease_until_utc")
        if lease <= now:
            raise ValueError(f"the lease must end after now (got {lease} <= {now})")
        params = {"now_ts": to_ts(now), "n": limit, "lease_ts": to_ts(lease)}

        def run(conn: sa.Connection) -> list[DuePush]:
            return [user_from_row(row) for row in conn.execute(_LEASE, params)]

        leased = from_ts(params["lease_ts"])
        due = []
        for user in await self.db.run(run):
            due_utc = latest_push_at_or_before(user.push_time, user.timezone, now)
            day = push_local_date(due_utc, user.timezone)
            due.append(DuePush(user, day, due_utc, leased))
        due.sort(key=lambda d: (d.due_utc, d.user.user_id))
        return due

    async def start_pushes(self, due: Sequence[DuePush], now_utc: dt.datetime) -> StartedPushes:
        """Write the 'sending' ledger rows of pushes about to be sent, in one statement
        (INSERT … ON CONFLICT DO NOTHING): the row is the at-most-once gate. A push whose row
        exists already (sent, or started by a claimer that died: it may have reached the user)
        is returned in `skipped` and never sent; its schedule moves to the next push time.
        A user deleted since the claim is simply left out."""
        now = require_aware(now_utc)
        if not due:
            return StartedPushes([], [])

        def run(conn: sa.Connection, group: Sequence[DuePush]) -> StartedPushes:
            params = [{"uid": d.user.user_id, "day": d.local_date, "claimed": now} for d in group]
            taken = {
                (r.user_id, r.local_date) for r in conn.execute(_claim_statement(conn), params)
            }
            started = [d for d in group if (d.user.user_id, d.local_date) in taken]
            others = [d for d in group if (d.user.user_id, d.local_date) not in taken]
            if not others:
                return StartedPushes(started, [])
            keys = [(d.user.user_id, d.local_date) for d in others]
            records = {
                (r.user_id, r.local_date): _push_from_row(r)
                for r in conn.execute(_PUSHES_OF, {"keys": keys})
            }
            conn.execute(_ADVANCE, [_next_schedule(d, now) for d in others])
            return StartedPushes(
                started, [(d, records.get(k)) for d, k in zip(others, keys, strict=True)]
            )

        # The INSERT is atomic by itself, and the rest (records, schedules) needs none: on
        # PostgreSQL it runs in autocommit, which saves the BEGIN and COMMIT round trips that
        # cost more than the statement (this runs once per `concurrency` pushes).
        write = self.db.dialect != "postgresql"
        try:
            return await self.db.run(run, due, write=write)
        except sa.exc.IntegrityError:  # a user was deleted after the claim (foreign key)
            started: list[DuePush] = []
            skipped: list[tuple[DuePush, PushRecord | None]] = []
            for one in due:
                try:
                    found = await self.db.run(run, [one], write=write)
                except sa.exc.IntegrityError:
                    continue
                started += found.started
                skipped += found.skipped
            return StartedPushes(started, skipped)

    async def finish_pushes(
        self, results: Sequence[PushResult], *, now_utc: dt.datetime | None = None
    ) -> None:
        """Record what became of claimed pushes, in one transaction of at most one statement
        per kind of write (executemany): close the 'sending' rows (sent, blocked, failed),
        delete released ones, write the schedules (under the lease, see PushResult), mark
        blocked users inactive."""
        now = require_aware(now_utc or utc_now())
        close: list[dict[str, Any]] = []
        drop: list[dict[str, Any]] = []
        leased: list[dict[str, Any]] = []
        free: list[dict[str, Any]] = []
        blocked: list[dict[str, Any]] = []
        for result in results:
            uid, day = result.push.user.user_id, result.push.local_date
            if result.state in FINAL_PUSH_STATES:
                close.append(
                    {
                        "uid": uid,
                        "day": day,
                        "state": result.state,
                        "message_id": result.message_id,
                        "finished": now,
                    }
                )
                if result.state == "blocked":
                    blocked.append({"uid": uid})
            elif result.state == "released":
                drop.append({"uid": uid, "day": day})
            elif result.state is not None:
                raise ValueError(
                    f"push result state must be one of {FINAL_PUSH_STATES}, 'released' or "
                    f"None (got {result.state!r})"
                )
            if result.next_push_utc is not None:
                schedule = {"uid": uid, "next_ts": to_ts(result.next_push_utc)}
                lease = result.push.lease_utc
                if lease is None:
                    free.append(schedule)
                else:
                    leased.append(schedule | {"lease_ts": to_ts(lease)})
        writes = [
            (stmt, rows)
            for stmt, rows in (
                (_CLOSE_PUSH, close),
                (_DROP_PUSH, drop),
                (_SCHEDULE_LEASED, leased),
                (_SCHEDULE, free),
                (_DEACTIVATE, blocked),
            )
            if rows
        ]
        if not writes:
            return

        def run(conn: sa.Connection) -> None:
            for stmt, rows in writes:
                conn.execute(stmt, rows)

        await self.db.run(run)

    async def claim_push(self, user_id: int, local_date: dt.date, now_utc: dt.datetime) -> bool:
        """Record 'sending' before sending one push; False when this (user, date) has a row
        already (sent, being sent, or lost in a crash) or the user is gone. The committed row
        is what makes a push happen at most once per user and local date (start_pushes does
        the same for a batch)."""
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

    async def release_push(
        self, user_id: int, local_date: dt.date, *, due_utc: dt.datetime | None = None
    ) -> None:
        """Drop a 'sending' claim whose send failed for sure, so a later claim sends it; with
        `due_utc`, the user's schedule goes back to it (due again at once). The push tick
        releases in batches instead (finish_pushes)."""
        stmt = sa.delete(pushes).where(
            pushes.c.user_id == user_id,
            pushes.c.local_date == local_date,
            pushes.c.state == "sending",
        )
        schedule = None if due_utc is None else {"uid": user_id, "next_ts": to_ts(due_utc)}

        def run(conn: sa.Connection) -> None:
            conn.execute(stmt)
            if schedule is not None:
                conn.execute(_SCHEDULE, schedule)

        await self.db.run(run)

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


# --- functions run inside one transaction (Database.run) ------------------------------------


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


def _next_schedule(due: DuePush, now: dt.datetime) -> dict[str, Any]:
    """_ADVANCE parameters: the user's first push time after this push (and after now)."""
    user = due.user
    after = max(now, due.due_utc)
    return {
        "uid": user.user_id,
        "next_ts": to_ts(next_push_after(user.push_time, user.timezone, after)),
    }


def _push_from_row(row: Row[Any]) -> PushRecord:
    return PushRecord(
        user_id=row.user_id,
        local_date=row.local_date,
        state=row.state,
        message_id=row.message_id,
        claimed_utc=row.claimed_utc,
        finished_utc=row.finished_utc,
    )
