"""aiosqlite with one thread hop per statement, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs every sqlite3 call on its own worker thread, and SQLAlchemy's adapter makes a
separate call for each step of a statement: open a cursor, execute, fetch the rows, close the
cursor. Each call is a round trip through a queue to the worker thread and back through the
event loop (~50-100 µs), so a push (claim, read the user and the history, save the plan,
finish) cost ~70 hops: ~6 ms of CPU instead of the ~0.6 ms of the hand-written storage before.

This connection keeps aiosqlite's thread (a statement waiting for a lock held by another
program must not stop the event loop) but runs a whole statement (execute, fetch every row,
close) as ONE function on it; rows are buffered in the cursor object, which is what
SQLAlchemy's adapter does anyway. Passed to create_async_engine as `async_creator`, so
everything else (dialect, pool, events) is the stock `sqlite+aiosqlite`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
_Rows = list[Any]
_Description = tuple[tuple[Any, ...], ...] | None


def _run_one(
    conn: sqlite3.Connection, sql: str, params: Any, many: bool
) -> tuple[_Description, int, int | None, _Rows, bool]:
    cursor = conn.executemany(sql, params) if many else conn.execute(sql, params)
    try:
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows, conn.in_transaction
    finally:
        cursor.close()


class OneHopCursor:
    """A DB-API-like async cursor whose execute() is one trip to the worker thread."""

    __slots__ = ("_owner", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, owner: OneHopConnection) -> None:
        self._owner = owner
        self._rows: _Rows = []
        self.description: _Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self, sql: str, params: Any, many: bool) -> OneHopCursor:
        owner = self._owner
        found = await owner.call(_run_one, owner.sqlite3_connection, sql, params, many)
        self.description, self.rowcount, self.lastrowid, self._rows, owner.in_transaction = found
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneHopCursor:
        return await self._run(sql, () if parameters is None else parameters, False)

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> OneHopCursor:
        return await self._run(sql, list(seq), True)

    async def fetchall(self) -> _Rows:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> _Rows:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []


class OneHopConnection:
    """aiosqlite.Connection whose cursors run each statement in one hop; commit and rollback
    skip the hop when no transaction is open (a read sends no BEGIN). Everything else (close,
    create_function, the worker thread) is aiosqlite's own."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._aio = conn
        self.in_transaction = False  # as the worker thread last saw it

    @property
    def is_open(self) -> bool:
        """False once the connection was closed or its worker thread stopped."""
        return bool(self._aio._running) and self._aio._connection is not None

    @property
    def sqlite3_connection(self) -> sqlite3.Connection:
        """The sqlite3 connection; use it only on the worker thread (see call)."""
        return self._aio._conn

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(*args) on the connection's worker thread, in one hop.

        aiosqlite has no public "run this function on the connection thread"; `_execute` is
        that primitive (every public aiosqlite method goes through it)."""
        result: T = await self._aio._execute(fn, *args)
        return result

    def cursor(self) -> OneHopCursor:
        return OneHopCursor(self)

    async def commit(self) -> None:
        if self.in_transaction:
            await self._aio.commit()
            self.in_transaction = False

    async def rollback(self) -> None:
        if self.in_transaction:
            await self._aio.rollback()
            self.in_transaction = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._aio, name)


async def connect(database: str) -> OneHopConnection:
    """Open `database` in autocommit mode (the engine's begin hook sends BEGIN itself)."""
    conn = aiosqlite.connect(database, isolation_level=None)
    conn._thread.daemon = True  # as SQLAlchemy does: an unclosed connection never blocks exit
    return OneHopConnection(await conn)
