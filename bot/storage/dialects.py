"""The few statements that differ between SQLite and PostgreSQL, in one place.

`sqlalchemy.dialects.sqlite.insert` and `sqlalchemy.dialects.postgresql.insert` have the same
API (`on_conflict_do_nothing`, `on_conflict_do_update`, `excluded`, `returning`); only the
import differs, so repositories write one statement and take the INSERT from `insert_for`.
Everything else (row locks with `with_for_update`, which SQLite's compiler leaves out; row
values with `tuple_`; RETURNING) is neutral Core.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

Insert = sqlite_dialect.Insert | pg_dialect.Insert


T = TypeVar("T")


def per_dialect(build: Callable[[sa.Connection], T]) -> Callable[[sa.Connection], T]:
    """Build `build(conn)`'s statement once per dialect and keep it: SQLAlchemy caches the
    compiled form per statement object, and the push asks for its statements per batch."""
    built: dict[str, T] = {}

    @functools.wraps(build)
    def statement(conn: sa.Connection) -> T:
        name = conn.dialect.name
        if name not in built:
            built[name] = build(conn)
        return built[name]

    return statement


def insert_for(conn: AsyncConnection | sa.Connection) -> Callable[[sa.Table], Any]:
    """The dialect's `insert()` (with ON CONFLICT support) for this connection."""
    return pg_dialect.insert if conn.dialect.name == "postgresql" else sqlite_dialect.insert


def insert_or_ignore(
    conn: AsyncConnection | sa.Connection,
    table: sa.Table,
    values: Mapping[str, Any],
    conflict: Iterable[sa.Column[Any]],
    *,
    index_where: sa.ColumnElement[bool] | None = None,
) -> Any:
    """`INSERT … ON CONFLICT (conflict) [WHERE index_where] DO NOTHING RETURNING <key>`.

    The claim of an at-most-once ledger: executing it returns a row when this call inserted
    it and none when the key exists already. A foreign-key violation (the user was deleted
    meanwhile) raises sqlalchemy.exc.IntegrityError on both engines; on PostgreSQL that aborts
    the transaction, so run a claim as its own transaction (or in `conn.begin_nested()`) and
    catch the error outside it.
    """
    stmt = insert_for(conn)(table).values(**values)
    stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict), index_where=index_where)
    return stmt.returning(*table.primary_key.columns)


def upsert(
    conn: AsyncConnection | sa.Connection,
    table: sa.Table,
    values: Mapping[str, Any],
    conflict: Iterable[sa.Column[Any]],
    update: Iterable[str],
    *,
    index_where: sa.ColumnElement[bool] | None = None,
) -> Any:
    """`INSERT … ON CONFLICT (conflict) DO UPDATE SET col = excluded.col` for `update`."""
    stmt = insert_for(conn)(table).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=list(conflict),
        index_where=index_where,
        set_={name: stmt.excluded[name] for name in update},
    )
