"""The database side of tests: users as the store holds them after /start, rows naming a user."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.db import resolve_database_url
from bot.storage.store import Store


async def add_user(
    store: Store,
    user_id: int,
    now: dt.datetime,
    timezone: str = "Europe/Berlin",
    push_time: dt.time | None = None,
    *,
    name: str | None = None,
    **settings: object,
) -> None:
    """An onboarded user (chat id = user id) created at `now`; `settings` as for update_user."""
    await store.ensure_user(user_id, user_id, name or f"user{user_id}", now_utc=now)
    if push_time is not None:
        settings["push_time"] = push_time
    settings = {"timezone": timezone, "onboarded": True} | settings
    await store.update_user(user_id, now_utc=now, **settings)


async def rows_mentioning(
    database: str | Path, user_id: int
) -> list[tuple[str, dict[str, object]]]:
    """Every row of every table (reflected, so tables the code forgot are seen too) with a
    value equal to the id, or a text containing it. JSON documents are searched as text and
    compressed plan bodies after decompressing. `database`: a DATABASE_URL or a SQLite file."""
    url = resolve_database_url(database)
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as conn:
            metadata = sa.MetaData()
            await conn.run_sync(metadata.reflect)
            tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
            assert {"users", "meal_logs", "doses", "lab_results", "reminders"} <= {
                t.name for t in tables
            }
            found = []
            for table in tables:
                for row in (await conn.execute(sa.select(table))).mappings():
                    values = dict(row)
                    if any(_mentions(value, user_id) for value in values.values()):
                        found.append((table.name, values))
            return found
    finally:
        await engine.dispose()


def _mentions(value: object, user_id: int) -> bool:
    if value == user_id:
        return True
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            value = zlib.decompress(raw).decode("utf-8")
        except zlib.error:
            value = raw.decode("utf-8", errors="replace")
    elif isinstance(value, dict | list):
        value = json.dumps(value)
    return isinstance(value, str) and str(user_id) in value
