"""Schema upgrades: a legacy v4 (or older) SQLite file is upgraded in place at first start with
every row kept; new databases on both engines match bot.storage.schema exactly; databases the
bot does not know, and failed upgrades, leave the file as it was and say why."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.core.models import Diet, Slot, UserSettings
from bot.storage import schema
from bot.storage.db import StorageStartError
from bot.storage.legacy_v4 import MIGRATIONS, MigrationError, apply_migrations
from bot.storage.migrations import head_revision
from bot.storage.store import Store

TS = "2026-01-10T12:00:00+00:00"
NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
PLAN = {
    "date": "2026-01-05",
    "meals": [{"recipe_id": "oats", "slot": "breakfast", "b12_ug": 1.2}] * 4,
    "notes": ["Grüße"],
    "b12_ug": 10.360661333333333,
}
V4_TABLES = {
    "users",
    "plans",
    "pushes",
    "households",
    "household_members",
    "household_invites",
    "group_links",
    "group_pushes",
    "meal_logs",
    "reminders",
    "doses",
    "lab_results",
    "user_products",
    "evening_schedule",
    "retest_settings",
    "tracking_sends",
}


def raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def make_v4(path: Path) -> None:
    """A v4 file as the legacy code made it, with rows in every table."""
    conn = raw(path)
    assert apply_migrations(conn, MIGRATIONS) == 4
    x = conn.execute
    x("PRAGMA foreign_keys = ON")
    for uid in (1, 2, 3):
        x(
            "INSERT INTO users (user_id, chat_id, first_name, diet, target_ug, exclude, slots, "
            "timezone, push_time, onboarded, next_push_utc, created_utc, updated_utc, "
            "evening_check, evening_time) VALUES (?, ?, ?, 'vegan', 4.0, '[\"tofu\"]', "
            "'[\"breakfast\", \"snack\"]', 'Europe/Berlin', '06:45', 1, 1768000000, ?, ?, 1, "
            "'20:15')",
            (uid, uid * 10, f"User{uid}", TS, TS),
        )
    x("INSERT INTO households (name, created_by, created_utc) VALUES ('Smiths', 1, ?)", (TS,))
    x("INSERT INTO household_members VALUES (1, 1, 'owner', ?)", (TS,))
    x("INSERT INTO household_members VALUES (2, 1, 'member', '2026-01-10T12:01:00+00:00')")
    x("INSERT INTO household_invites VALUES ('ab12', 1, 1, ?, ?, NULL)", (TS, TS))
    x(
        "INSERT INTO group_links (chat_id, household_id, linked_by, title, push_time, "
        "linked_utc) VALUES (-1001234567890, 1, 1, 'Family', '08:05', ?)",
        (TS,),
    )
    x("INSERT INTO group_pushes VALUES (-1001234567890, '2026-01-10', 'sent', 5, ?, ?)", (TS, TS))
    x("INSERT INTO pushes VALUES (1, '2026-01-10', 'sent', 7, ?, ?)", (TS, TS))
    x("INSERT INTO pushes VALUES (3, '2026-01-10', 'sending', NULL, ?, NULL)", (TS,))
    for owner in ("u:1", "u:3", "h:1"):
        for d in range(1, 6):
            x(
                "INSERT INTO plans VALUES (?, ?, ?, ?)",
                (owner, f"2026-01-0{d}", json.dumps(PLAN, ensure_ascii=False, sort_keys=True), TS),
            )
    x(
        "INSERT INTO meal_logs (user_id, local_date, slot, recipe_id, status, b12_ug, "
        "planned_ug, note, logged_utc) VALUES (1, '2026-01-10', 'lunch', 'salad', 'eaten', 2.5, "
        "2.5, '', ?), (1, '2026-01-10', 'extra', NULL, 'eaten', 1, 0, 'yoghurt', ?)",
        (TS, TS),
    )
    x(
        "INSERT INTO reminders (user_id, data, next_fire_utc, snooze_fire_utc, last_answer, "
        'created_utc) VALUES (1, \'{"kind": "daily", "time": "08:00"}\', 1768000000, '
        "1768000600, 'snoozed', ?)",
        (TS,),
    )
    x(
        "INSERT INTO doses (user_id, local_date, taken_utc, dose_ug, kind, reminder_id, "
        "occurrence_utc) VALUES (1, '2026-01-10', ?, 250, 'oral', 1, 1768000000)",
        (TS,),
    )
    x(
        "INSERT INTO lab_results (user_id, marker, taken_on, data, created_utc) VALUES "
        "(1, 'serum', '2025-06-01', '{\"value\": 300, \"number\": 2}', ?), "
        "(1, 'serum', '2025-09-01', '{\"value\": 320}', ?), "  # saved before numbers existed
        "(3, 'mma', '2025-09-01', '{\"value\": 0.4, \"number\": 1}', ?)",
        (TS, TS, TS),
    )
    x("INSERT INTO user_products VALUES (1, 'oat_milk', 0.38, 0.38, '100 ml', ?)", (TS,))
    x("INSERT INTO evening_schedule VALUES (1, 1768000000, 'Europe/Berlin', '20:15')")
    x("INSERT INTO retest_settings VALUES (1, 6, '2026-03-01', 1772000000, ?)", (TS,))
    x(
        "INSERT INTO tracking_sends VALUES (1, 'reminder', '1@1768000000', 'sent', 9, ?, ?)",
        (TS, TS),
    )
    conn.close()


def rows_by_table(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every v4 table, in a stable order."""
    conn = raw(path)
    try:
        return {
            table: sorted(
                (dict(r) for r in conn.execute(f'SELECT * FROM "{table}"')),
                key=lambda row: json.dumps(row, sort_keys=True, default=repr),
            )
            for table in sorted(V4_TABLES)
        }
    finally:
        conn.close()


async def test_v4_file_is_upgraded_in_place_and_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    make_v4(path)
    before = rows_by_table(path)
    assert all(before[t] for t in V4_TABLES), "the fixture must fill every table"

    store = await Store.open(path)
    try:
        assert store.schema_version == head_revision()
        # every row of every table, value by value, except the documented conversions
        after = rows_by_table(path)
        # columns added since v4 (0002-0005), with the value existing rows get
        added: dict[str, dict[str, object]] = {
            "users": {
                "region": None,
                "life_stage": "none",
                "absorption": "normal",
                "kcal_min": None,
                "kcal_max": None,
                "weekly_summary": 0,
                "max_cook_min": None,
                "language": None,
            },
            "household_members": {"group_share": 0},
            "reminders": {"lease_utc": None},
            "evening_schedule": {"lease_utc": None},
        }
        for table in V4_TABLES - {"plans", "lab_results"}:
            expected = [row | added.get(table, {}) for row in before[table]]
            assert after[table] == expected, table
        # plans: the same (owner, day) keys, the same JSON, compressed
        assert sorted((r["owner"], r["day"], r["updated_utc"]) for r in after["plans"]) == sorted(
            (r["owner"], r["day"], r["updated_utc"]) for r in before["plans"]
        )
        for row in after["plans"]:
            assert json.loads(zlib.decompress(row["body"])) == PLAN
        assert await store.get_plan("h:1", dt.date(2026, 1, 3)) == PLAN
        # lab numbers: kept where stored, the unnumbered one gets the next (as the legacy
        # code numbered it on first read); the key leaves the JSON
        labs = sorted(after["lab_results"], key=lambda r: r["id"])
        assert [(r["user_id"], r["number"], json.loads(r["data"])) for r in labs] == [
            (1, 2, {"value": 300}),
            (1, 3, {"value": 320}),
            (3, 1, {"value": 0.4}),
        ]
        # and the data reads back through the repositories
        assert await store.get_user(1) == UserSettings(
            user_id=1,
            chat_id=10,
            first_name="User1",
            diet=Diet.VEGAN,
            target_ug=4.0,
            exclude=frozenset({"tofu"}),
            slots=(Slot.BREAKFAST, Slot.SNACK),
            timezone="Europe/Berlin",
            push_time=dt.time(6, 45),
            onboarded=True,
            household_id=1,
            evening_check=True,
            evening_time=dt.time(20, 15),
        )
        assert await store.stale_claims(NOW + dt.timedelta(hours=1)) == [(3, dt.date(2026, 1, 10))]
        assert not await store.claim_push(1, dt.date(2026, 1, 10), NOW)  # the ledger holds
        # the triggers' work is explicit code now: deleting the owner hands over
        await store.delete_user(1)
        assert (await store.get_user(2)).household_id == 1
        assert await store.get_plan("u:1", dt.date(2026, 1, 3)) is None
    finally:
        await store.close()

    conn = raw(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1000  # legacy code refuses it
        assert (
            conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]
            == 0
        )
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert (
            conn.execute("SELECT role FROM household_members WHERE user_id = 2").fetchone()[0]
            == "owner"
        )
    finally:
        conn.close()
    backup = tmp_path / "bot.sqlite3.v4-backup"
    assert rows_by_table(backup) == before  # the copy taken before the upgrade


async def test_upgraded_v4_file_matches_the_schema_exactly(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    make_v4(path)
    store = await Store.open(path)
    try:
        assert await store.db.run(_differences, write=False) == []
    finally:
        await store.close()


async def test_new_database_matches_the_schema_exactly(store: Store) -> None:
    assert store.schema_version == head_revision()
    assert await store.db.run(_differences, write=False) == []


def _differences(conn: sa.Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": conn.dialect.name != "sqlite"})
    return [d for d in compare_metadata(context, schema.metadata)]


async def test_legacy_code_refuses_the_upgraded_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await Store.open(path)).close()
    with pytest.raises(MigrationError, match="version 1000 is newer than this code knows"):
        apply_migrations(raw(path))


async def test_version_1_file_is_brought_to_v4_then_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = raw(path)
    assert apply_migrations(conn, MIGRATIONS[:1]) == 1
    conn.execute(
        "INSERT INTO users (user_id, chat_id, first_name, diet, target_ug, exclude, slots, "
        "timezone, push_time, onboarded, next_push_utc, created_utc, updated_utc) VALUES "
        "(7, 70, 'Old', 'vegan', 4.0, '[\"tofu\"]', '[\"breakfast\",\"snack\"]', "
        "'Europe/Berlin', '06:45', 1, 1768000000, '2025-12-01T00:00:00+00:00', "
        "'2025-12-01T00:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO plans VALUES ('u:7', '2026-01-09', '{\"meals\": []}', "
        "'2026-01-09T00:00:00+00:00')"
    )
    conn.close()

    s = await Store.open(path)
    try:
        assert s.schema_version == head_revision()
        user = await s.get_user(7)
        assert user == UserSettings(
            user_id=7,
            chat_id=70,
            first_name="Old",
            diet=Diet.VEGAN,
            target_ug=4.0,
            exclude=frozenset({"tofu"}),
            slots=(Slot.BREAKFAST, Slot.SNACK),
            timezone="Europe/Berlin",
            push_time=dt.time(6, 45),
            onboarded=True,
            evening_check=False,  # v2 column, default
            evening_time=dt.time(19, 0),
        )
        assert await s.get_plan("u:7", dt.date(2026, 1, 9)) == {"meals": []}
        assert await s.claim_push(7, dt.date(2026, 1, 10), NOW)  # v2 table, foreign key works
    finally:
        await s.close()
    assert (tmp_path / "old.sqlite3.v1-backup").exists()


async def test_failed_upgrade_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    make_v4(path)
    conn = raw(path)  # foreign keys off: a row the upgrade's final check must refuse
    conn.execute("INSERT INTO pushes VALUES (99, '2026-01-10', 'sent', 1, ?, ?)", (TS, TS))
    conn.close()
    before = rows_by_table(path)

    with pytest.raises(StorageStartError, match="foreign keys broken"):
        await Store.open(path)

    assert rows_by_table(path) == before
    conn = raw(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "alembic_version" not in tables and "plans_v4" not in tables
    finally:
        conn.close()
    # and the lock file was released: once the row is fixed the same process opens it
    conn = raw(path)
    conn.execute("DELETE FROM pushes WHERE user_id = 99")
    conn.close()
    await (await Store.open(path)).close()


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        ("PRAGMA user_version = 99", "schema version 99, which this bot does not know"),
        (
            "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY); "
            "INSERT INTO alembic_version VALUES ('9999'); PRAGMA user_version = 1000;",
            "revision 9999, newer than this bot knows",
        ),
        ("CREATE TABLE users (id INTEGER);", "no schema version this bot knows"),
    ],
)
async def test_unknown_database_is_refused_with_a_clear_message(
    tmp_path: Path, prepare: str, message: str
) -> None:
    path = tmp_path / "bot.sqlite3"
    conn = raw(path)
    conn.executescript(prepare)
    conn.close()
    with pytest.raises(StorageStartError, match=message):
        await Store.open(path)


def test_legacy_migrations_must_be_numbered_without_gaps() -> None:
    with pytest.raises(MigrationError, match="without gaps"):
        apply_migrations(sqlite3.connect(":memory:"), ((1, MIGRATIONS[0][1]), (3, "")))


@pytest.mark.postgresql
async def test_missing_postgresql_database_is_one_line_without_the_password(
    pg_admin_url: sa.URL,
) -> None:
    url = pg_admin_url.set(database="no_such_db", password="hunter2")
    with pytest.raises(StorageStartError) as info:
        await Store.open(url.render_as_string(hide_password=False))
    message = str(info.value)
    assert message.startswith("cannot connect to PostgreSQL at postgresql+asyncpg://postgres:***@")
    assert "no_such_db" in message and "does not exist" in message
    assert "hunter2" not in message and "\n" not in message
