"""The database side of tests: users as the store holds them after /start, rows naming a user."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

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


def rows_mentioning(db: Path, user_id: int) -> list[tuple[str, dict[str, object]]]:
    """Every row of every table in sqlite_master with a value equal to the id, or a text
    containing it."""
    found = []
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        assert {"users", "meal_logs", "doses", "lab_results", "reminders"} <= set(tables)
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                values = dict(row)
                for value in values.values():
                    if value == user_id or (isinstance(value, str) and str(user_id) in value):
                        found.append((table, values))
                        break
    return found
