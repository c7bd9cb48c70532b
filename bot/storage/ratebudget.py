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
* A background take may ask for several tokens (`want`): it gets up to the slot's room in the
  same one statement, to be sent before the slot ends, and (`ahead`) when the current slot is
  full, up to the next slot's room, to be sent once it begins. A worker whose push has eight
  messages waiting pays one round trip for them instead of eight, and two workers take turns
  instead of racing for every slot (the loser paid a refused round trip per slot): this is
  what keeps a worker's CPU per push on PostgreSQL near SQLite's.

PostgreSQL only (the statements use CTEs with INSERT … ON CONFLICT … RETURNING and
clock_timestamp()); one process on SQLite counts in memory (bot.chat.ratelimit).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
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
    """The answer: `ok` (`granted` sends counted, to be sent from `start_s` until `until_s`
    after the decision: the current slot, or the next one for a take that books ahead) or
    refused with `wait_s` until the refusing scope's next slot begins; `server_ms` is the
    database clock when it was decided."""

    ok: bool
    wait_s: float
    server_ms: int
    refused_by: str | None = None
    granted: int = 0
    start_s: float = 0.0
    until_s: float = 0.0


def _cap(slot: str) -> str:
    """The cap of `slot` (integer arithmetic, spreading count over the slots of a period)."""
    i = f"(({slot}) % {SLOTS_PER_PERIOD})"
    n = "CAST(:count AS bigint)"
    return f"((({i} + 1) * {n}) / {SLOTS_PER_PERIOD} - ({i} * {n}) / {SLOTS_PER_PERIOD})"


# Up to :n sends of the current slot (replies ask for one). SET sees the row before the
# update, so `grant` is what this take adds; it is written to `granted` because RETURNING
# shows only the new row.
_TAKE = """
WITH cur AS (
    SELECT ms, slot, {cap} AS cap{next_caps}
    FROM (
        SELECT ms, ms / CAST(:slot_ms AS bigint) AS slot
        FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) AS clock
    ) AS now_slot
), took AS (
    INSERT INTO send_budget AS b (scope, ring, slot, sent, reserved, granted)
    SELECT CAST(:scope AS text), (cur.slot % {ring})::int, cur.slot,
           LEAST(CAST(:n AS bigint), cur.cap), 0, LEAST(CAST(:n AS bigint), cur.cap)
    FROM cur WHERE cur.cap > 0
    ON CONFLICT (scope, ring) DO UPDATE SET
        slot = excluded.slot,
        sent = CASE WHEN b.slot = excluded.slot THEN b.sent + {grant} ELSE excluded.sent END,
        reserved = CASE WHEN b.slot = excluded.slot THEN {reserved_after} ELSE 0 END,
        granted = CASE WHEN b.slot = excluded.slot THEN {grant} ELSE excluded.granted END
    WHERE b.slot < excluded.slot
       OR (b.slot = excluded.slot AND {room} < (SELECT cap FROM cur))
    RETURNING b.granted
){reserve}{ahead}
SELECT (SELECT granted FROM took) AS granted{granted_ahead}, cur.ms, cur.slot FROM cur
"""
# a refused reply keeps one send of the next slot for itself (at most a slot's cap)
_RESERVE = """, reserve AS (
    INSERT INTO send_budget AS b (scope, ring, slot, sent, reserved, granted)
    SELECT CAST(:scope AS text), ((cur.slot + 1) % {ring})::int, cur.slot + 1, 0, 1, 0
    FROM cur WHERE NOT EXISTS (SELECT 1 FROM took)
    ON CONFLICT (scope, ring) DO UPDATE SET
        slot = excluded.slot,
        sent = CASE WHEN b.slot = excluded.slot THEN b.sent ELSE 0 END,
        reserved = CASE WHEN b.slot = excluded.slot THEN b.reserved + 1 ELSE 1 END,
        granted = CASE WHEN b.slot = excluded.slot THEN b.granted ELSE 0 END
    WHERE b.slot < excluded.slot OR (b.slot = excluded.slot AND b.reserved < CAST(:count AS bigint))
)"""
# A background take that finds the current slot full books the first of the next AHEAD
# slots with room (never further), leaving the sends replies reserved there: the worker sleeps
# until that slot begins. Two workers pacing one budget thus take turns instead of racing for
# each slot (the loser of every race paid a refused round trip); two slots, because a worker
# that used its booked slot finds the next one booked by the other worker.
AHEAD = 2
_AHEAD = """, took_{k} AS (
    INSERT INTO send_budget AS b (scope, ring, slot, sent, reserved, granted)
    SELECT CAST(:scope AS text), ((cur.slot + {k}) % {ring})::int, cur.slot + {k},
           LEAST(CAST(:n AS bigint), cur.cap_{k}), 0, LEAST(CAST(:n AS bigint), cur.cap_{k})
    FROM cur WHERE cur.cap_{k} > 0 AND NOT EXISTS ({before})
    ON CONFLICT (scope, ring) DO UPDATE SET
        slot = excluded.slot,
        sent = CASE WHEN b.slot = excluded.slot THEN b.sent + {grant} ELSE excluded.sent END,
        reserved = CASE WHEN b.slot = excluded.slot THEN b.reserved ELSE 0 END,
        granted = CASE WHEN b.slot = excluded.slot THEN {grant} ELSE excluded.granted END
    WHERE b.slot < excluded.slot
       OR (b.slot = excluded.slot AND b.sent + b.reserved < (SELECT cap_{k} FROM cur))
    RETURNING b.granted
)"""


def _statement(*, interactive: bool, reserve: bool, ahead: bool) -> sa.TextClause:
    if interactive:  # a reply may use the whole slot and consumes a reservation
        room, after = "b.sent", "GREATEST(b.reserved - 1, 0)"
    else:  # the push leaves reserved sends to replies
        room, after = "b.sent + b.reserved", "b.reserved"
    ahead = ahead and not interactive
    steps = range(1, AHEAD + 1) if ahead else range(0)
    text = _TAKE.format(
        ring=RING,
        cap=_cap("slot"),
        next_caps="".join(f", {_cap(f'slot + {k}')} AS cap_{k}" for k in range(1, AHEAD + 1)),
        room=room,
        grant=f"LEAST(CAST(:n AS bigint), (SELECT cap FROM cur) - ({room}))",
        reserved_after=after,
        reserve=_RESERVE.format(ring=RING) if interactive and reserve else "",
        ahead="".join(
            _AHEAD.format(
                k=k,
                ring=RING,
                before=" UNION ALL ".join(
                    ["SELECT 1 FROM took", *(f"SELECT 1 FROM took_{j}" for j in range(1, k))]
                ),
                grant=f"LEAST(CAST(:n AS bigint), (SELECT cap_{k} FROM cur) - b.sent - b.reserved)",
            )
            for k in steps
        ),
        granted_ahead="".join(
            f", {f'(SELECT granted FROM took_{k})' if ahead else 'CAST(NULL AS integer)'}"
            f" AS granted_{k}"
            for k in range(1, AHEAD + 1)
        ),
    )
    return sa.text(text)


_STATEMENTS = {
    (interactive, reserve, ahead): _statement(interactive=interactive, reserve=reserve, ahead=ahead)
    for interactive in (False, True)
    for reserve in (False, True)
    for ahead in (False, True)
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

    async def take(
        self, scopes: Sequence[Scope], *, interactive: bool, want: int = 1, ahead: bool = False
    ) -> Taken:
        """One token from every scope, or none: one statement in autocommit for one scope,
        one transaction (rolled back on a refusal) for several. A background take from one
        scope may ask for up to `want` tokens (a worker with several push messages waiting:
        one round trip for all of them) and, `ahead`, book them in the next slot when the
        current one is full; replies take one, now."""
        if not scopes:
            raise ValueError("at least one scope")
        if want < 1:
            raise ValueError("want at least one token")
        if interactive or len(scopes) > 1:
            want, ahead = 1, False
        if len(scopes) == 1:
            async with self._lock:
                conn = self._conn
                if conn is None or conn.closed:
                    engine = self.db.engine.execution_options(isolation_level="AUTOCOMMIT")
                    conn = self._conn = await engine.connect()
                    self._prepared = {}
                try:
                    return await self._take_prepared(conn, scopes[0], interactive, want, ahead)
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

    async def _take_prepared(
        self, conn: AsyncConnection, scope: Scope, interactive: bool, want: int, ahead: bool
    ) -> Taken:
        """The one-scope take as an asyncpg prepared statement on the kept connection: the
        same SQL as `_take_one`, without SQLAlchemy's per-execute work (a take runs before
        every message, so its CPU is part of every push: ~0.26 ms through SQLAlchemy's text()
        execution, ~0.08 ms prepared, measured on the dev machine)."""
        _check(scope)
        key = (interactive, scope.reserve, ahead)
        stmt = self._prepared.get(key)
        if stmt is None:
            raw = await conn.get_raw_connection()
            sql = _STATEMENTS[key].text
            for name, number in (("scope", 1), ("slot_ms", 2), ("count", 3), ("n", 4)):
                sql = sql.replace(f":{name}", f"${number}")
            stmt = self._prepared[key] = await raw.driver_connection.prepare(sql)
        row = await stmt.fetchrow(scope.name, scope.slot_ms, scope.count, want)
        return _taken(scope, row["granted"], _ahead(row), row["ms"], row["slot"])

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


def _ahead(row: Mapping[str, Any]) -> tuple[int, int] | None:
    """(k, sends) of the slot k ahead that a take booked, if it booked one."""
    for k in range(1, AHEAD + 1):
        if row[f"granted_{k}"]:
            return k, int(row[f"granted_{k}"])
    return None


def _taken(
    scope: Scope, granted: int | None, ahead: tuple[int, int] | None, ms: int, slot: int
) -> Taken:
    left_s = max((int(slot) + 1) * scope.slot_ms - int(ms), 1) / 1000
    if granted:
        return Taken(True, 0.0, int(ms), granted=int(granted), until_s=left_s)
    if ahead is not None:
        k, sends = ahead
        start_s = left_s + (k - 1) * scope.slot_ms / 1000
        until_s = start_s + scope.slot_ms / 1000
        return Taken(True, 0.0, int(ms), granted=sends, start_s=start_s, until_s=until_s)
    return Taken(False, left_s, int(ms), scope.name)


async def _take_one(conn: AsyncConnection, scope: Scope, interactive: bool) -> Taken:
    _check(scope)
    stmt = _STATEMENTS[(interactive, scope.reserve, False)]
    row = (
        await conn.execute(
            stmt, {"scope": scope.name, "slot_ms": scope.slot_ms, "count": scope.count, "n": 1}
        )
    ).one()
    return _taken(scope, row.granted, _ahead(row._mapping), row.ms, row.slot)
