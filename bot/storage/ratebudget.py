"""Telegram's send limits counted in PostgreSQL, so that worker processes share one budget.

Telegram counts per bot, not per process: two workers that each keep to 30 messages a second
send 60. Here each send first takes a token with ONE statement on the `send_budget` table:

* Time is cut into slots of a twentieth of the limit's period (50 ms for "30 per second"),
  taken from the DATABASE's clock (`clock_timestamp()`), so workers on different machines
  agree. Slot i may hold cap(i) = floor((i+1)·count/20) − floor(i·count/20) sends (1 or 2
  for 30/s), so any window of one period overlaps at most 21 slots: at most count + the
  largest cap (32 for 30/s, ~7 % over; the rest of the 10 % is room for the jitter of
  requests on their way), and the whole rate is usable (a fixed 1 s window would allow
  2 × count across its boundary).
* A scope ('all', or 'chat:<id>' for a group's 20 a minute) keeps a ring of 20 + 20 rows;
  the row of slot N is N mod 40, reset when a newer slot comes round: the table never grows.
* Replies first across workers: a reply that finds its slot full reserves a send in the next
  slot (`reserved`); background sends (the push) take a slot only while sent + reserved <
  cap, so a reply waiting on one worker is not starved by another worker's push.

PostgreSQL only (the statements use CTEs with INSERT … ON CONFLICT … RETURNING and
clock_timestamp()); one process on SQLite counts in memory (bot.chat.ratelimit).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database

SLOTS_PER_PERIOD = 20
RING = 2 * SLOTS_PER_PERIOD
OVERALL_SCOPE = "all"


def chat_scope(chat: int | str) -> str:
    """The scope of one chat's own limit (groups: 20 a minute)."""
    return f"chat:{chat}"


@dataclass(frozen=True, slots=True)
class Scope:
    """One limit to take a token from: at most `count` sends in any `period_s` (+ ~10 %)."""

    name: str
    count: int
    period_s: float
    reserve: bool = False  # a refused reply reserves the next slot (the overall limit)

    @property
    def slot_ms(self) -> int:
        return max(1, round(self.period_s * 1000 / SLOTS_PER_PERIOD))


@dataclass(frozen=True, slots=True)
class Taken:
    """The answer: `ok` (counted) or refused with the seconds until the refusing scope's
    next slot begins; `server_ms` is the database clock when it was decided."""

    ok: bool
    wait_s: float
    server_ms: int
    refused_by: str | None = None


# cap of the slot (integer arithmetic, spreading count over the ten slots of a period)
_CAP = (
    f"((((cur.slot % {SLOTS_PER_PERIOD}) + 1) * CAST(:count AS bigint)) / {SLOTS_PER_PERIOD}"
    f" - ((cur.slot % {SLOTS_PER_PERIOD}) * CAST(:count AS bigint)) / {SLOTS_PER_PERIOD})"
)
_TAKE = """
WITH cur AS (
    SELECT ms, ms / CAST(:slot_ms AS bigint) AS slot
    FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) AS clock
), took AS (
    INSERT INTO send_budget AS b (scope, ring, slot, sent, reserved)
    SELECT CAST(:scope AS text), (cur.slot % {ring})::int, cur.slot, 1, 0
    FROM cur WHERE {cap} > 0
    ON CONFLICT (scope, ring) DO UPDATE SET
        slot = excluded.slot,
        sent = CASE WHEN b.slot = excluded.slot THEN b.sent + 1 ELSE 1 END,
        reserved = CASE WHEN b.slot = excluded.slot THEN {reserved_after} ELSE 0 END
    WHERE b.slot < excluded.slot
       OR (b.slot = excluded.slot AND {room} < (SELECT {cap} FROM cur))
    RETURNING b.sent
){reserve}
SELECT (SELECT sent FROM took) AS sent, cur.ms, cur.slot FROM cur
"""
# a refused reply keeps one send of the next slot for itself (at most a slot's cap)
_RESERVE = """, reserve AS (
    INSERT INTO send_budget AS b (scope, ring, slot, sent, reserved)
    SELECT CAST(:scope AS text), ((cur.slot + 1) % {ring})::int, cur.slot + 1, 0, 1
    FROM cur WHERE NOT EXISTS (SELECT 1 FROM took)
    ON CONFLICT (scope, ring) DO UPDATE SET
        slot = excluded.slot,
        sent = CASE WHEN b.slot = excluded.slot THEN b.sent ELSE 0 END,
        reserved = CASE WHEN b.slot = excluded.slot THEN b.reserved + 1 ELSE 1 END
    WHERE b.slot < excluded.slot OR (b.slot = excluded.slot AND b.reserved < CAST(:count AS bigint))
)"""


def _statement(*, interactive: bool, reserve: bool) -> sa.TextClause:
    if interactive:  # a reply may use the whole slot and consumes a reservation
        room, after = "b.sent", "GREATEST(b.reserved - 1, 0)"
    else:  # the push leaves reserved sends to replies
        room, after = "b.sent + b.reserved", "b.reserved"
    text = _TAKE.format(
        ring=RING,
        cap=_CAP,
        room=room,
        reserved_after=after,
        reserve=_RESERVE.format(ring=RING) if interactive and reserve else "",
    )
    return sa.text(text)


_STATEMENTS = {
    (interactive, reserve): _statement(interactive=interactive, reserve=reserve)
    for interactive in (False, True)
    for reserve in (False, True)
}


class _Refused(Exception):
    def __init__(self, taken: Taken) -> None:
        super().__init__(taken.refused_by)
        self.taken = taken


class SharedRateBudget:
    """Tokens from the `send_budget` table (see the module docstring); PostgreSQL only.

    A one-scope take (every private message) runs on a connection of its own, kept open in
    autocommit: one round trip per send, without the pool's checkout and pre-ping. Takes are
    serialised on it, as the rate limiter's dispatcher asks one at a time anyway.
    """

    def __init__(self, db: Database) -> None:
        if db.dialect != "postgresql":
            raise ValueError("a shared send budget needs PostgreSQL")
        self.db = db
        self._conn: AsyncConnection | None = None
        self._prepared: dict[tuple[bool, bool], Any] = {}  # asyncpg statements on _conn
        self._lock = asyncio.Lock()

    async def take(self, scopes: Sequence[Scope], *, interactive: bool) -> Taken:
        """One token from every scope, or none: one statement in autocommit for one scope,
        one transaction (rolled back on a refusal) for several."""
        if not scopes:
            raise ValueError("at least one scope")
        if len(scopes) == 1:
            async with self._lock:
                conn = self._conn
                if conn is None or conn.closed:
                    engine = self.db.engine.execution_options(isolation_level="AUTOCOMMIT")
                    conn = self._conn = await engine.connect()
                    self._prepared = {}
                try:
                    return await self._take_prepared(conn, scopes[0], interactive)
                except BaseException:
                    self._conn = None  # a broken connection is replaced on the next take
                    self._prepared = {}
                    with contextlib.suppress(Exception):
                        await conn.close()
                    raise
        try:
            async with self.db.transaction() as conn:
                taken = None
                for scope in scopes:
                    taken = await _take_one(conn, scope, interactive)
                    if not taken.ok:
                        raise _Refused(taken)  # undo the scopes taken before it
                assert taken is not None
                return taken
        except _Refused as refused:
            return refused.taken

    async def _take_prepared(self, conn: AsyncConnection, scope: Scope, interactive: bool) -> Taken:
        """The one-scope take as an asyncpg prepared statement on the kept connection: the
        same SQL as `_take_one`, without SQLAlchemy's per-execute work (a take runs before
        every message, so its CPU is part of every push: ~0.26 ms through SQLAlchemy's text()
        execution, ~0.08 ms prepared, measured on the dev machine)."""
        _check(scope)
        key = (interactive, scope.reserve)
        stmt = self._prepared.get(key)
        if stmt is None:
            raw = await conn.get_raw_connection()
            sql = _STATEMENTS[key].text
            for name, number in (("scope", 1), ("slot_ms", 2), ("count", 3)):
                sql = sql.replace(f":{name}", f"${number}")
            stmt = self._prepared[key] = await raw.driver_connection.prepare(sql)
        row = await stmt.fetchrow(scope.name, scope.slot_ms, scope.count)
        return _taken(scope, row["sent"], row["ms"], row["slot"])

    async def close(self) -> None:
        """Give the connection back (before the Database closes)."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()


def _check(scope: Scope) -> None:
    if scope.count < 1 or scope.period_s <= 0:
        raise ValueError(f"a limit needs a count and a period: {scope}")


def _taken(scope: Scope, sent: int | None, ms: int, slot: int) -> Taken:
    if sent is not None:
        return Taken(True, 0.0, int(ms))
    wait_ms = (int(slot) + 1) * scope.slot_ms - int(ms)
    return Taken(False, max(wait_ms, 1) / 1000, int(ms), scope.name)


async def _take_one(conn: AsyncConnection, scope: Scope, interactive: bool) -> Taken:
    _check(scope)
    stmt = _STATEMENTS[(interactive, scope.reserve)]
    row = (
        await conn.execute(
            stmt, {"scope": scope.name, "slot_ms": scope.slot_ms, "count": scope.count}
        )
    ).one()
    return _taken(scope, row.sent, row.ms, row.slot)
