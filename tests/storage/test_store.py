"""Storage: migrations, pragmas, user/plan repository, push ledger, complete deletion."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.core.models import Diet, Slot, UserSettings
from bot.storage.migrations import MIGRATIONS, MigrationError, apply_migrations, latest_version
from bot.storage.store import Store, UnknownUserError, user_owner

UTC = dt.UTC
NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


async def test_open_creates_file_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.sqlite3"
    s = await Store.open(path)
    try:
        assert path.exists()
        assert s.schema_version == latest_version() == len(MIGRATIONS)
        assert await s.pragma("journal_mode") == "wal"
        assert await s.pragma("foreign_keys") == 1
        assert await s.pragma("busy_timeout") == 5000
        assert await s.pragma("synchronous") == 1  # NORMAL
        assert await s.pragma("user_version") == len(MIGRATIONS)
    finally:
        await s.close()


async def test_reopen_keeps_data_and_does_not_rerun_migrations(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    s = await Store.open(path)
    await s.ensure_user(1, 10, "Ann", now_utc=NOW)
    await s.close()
    s = await Store.open(path)
    try:
        assert s.schema_version == len(MIGRATIONS)
        user = await s.get_user(1)
        assert user is not None and user.first_name == "Ann"
    finally:
        await s.close()


async def test_version_1_database_upgrades_in_place_without_losing_data(tmp_path: Path) -> None:
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
    assert "pushes" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()

    s = await Store.open(path)
    try:
        assert s.schema_version == len(MIGRATIONS)
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
            evening_check=False,  # new column, default
            evening_time=dt.time(19, 0),
        )
        assert await s.get_plan("u:7", dt.date(2026, 1, 9)) == {"meals": []}
        # The new table works (claim goes through its foreign key to the old user row).
        assert await s.claim_push(7, dt.date(2026, 1, 10), NOW)
    finally:
        await s.close()


async def test_database_newer_than_code_is_refused_with_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = raw(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(MigrationError, match="version 99 is newer"):
        await Store.open(path)


async def test_failing_migration_rolls_back_to_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    broken = (
        *MIGRATIONS,
        (len(MIGRATIONS) + 1, "CREATE TABLE extra (a); INSERT INTO nope VALUES (1);"),
    )
    with pytest.raises(MigrationError, match=f"migration {len(MIGRATIONS) + 1} failed"):
        await Store.open(path, migrations=broken)
    conn = raw(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "extra" not in tables and "users" in tables
    conn.close()


async def test_migrations_must_be_numbered_without_gaps(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="without gaps"):
        await Store.open(tmp_path / "x.sqlite3", migrations=((1, MIGRATIONS[0][1]), (3, "")))


async def test_ensure_user_inserts_defaults_then_refreshes_chat_and_name(store: Store) -> None:
    created = await store.ensure_user(5, 50, "Bea", now_utc=NOW)
    assert created == UserSettings(user_id=5, chat_id=50, first_name="Bea")
    await store.update_user(5, diet=Diet.VEGAN, now_utc=NOW)
    refreshed = await store.ensure_user(5, 51, "Beatrice", now_utc=NOW)
    assert (refreshed.chat_id, refreshed.first_name, refreshed.diet) == (51, "Beatrice", Diet.VEGAN)
    assert await store.get_user(5) == refreshed
    assert await store.get_user(6) is None


async def test_every_user_field_round_trips_through_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    s = await Store.open(path)
    await s.ensure_user(42, 4200, "Zoë", now_utc=NOW)
    changes = dict(
        chat_id=-100123,
        first_name="Zoë <b>",
        diet=Diet.PESCATARIAN,
        target_ug=2.8,
        exclude=frozenset({"peanuts", "tofu"}),
        slots=(Slot.SNACK, Slot.BREAKFAST, Slot.DINNER),
        timezone="America/New_York",
        push_time=dt.time(6, 45),
        push_enabled=False,
        active=False,
        onboarded=True,
        household_id=9,
        evening_check=True,
        evening_time=dt.time(20, 15),
    )
    # The test must cover every field: each one differs from its default.
    default = UserSettings(user_id=42, chat_id=4200)
    settable = {f.name for f in dataclasses.fields(UserSettings)} - {"user_id"}
    assert set(changes) == settable
    assert all(getattr(default, k) != v for k, v in changes.items())

    updated = await s.update_user(42, now_utc=NOW, **changes)
    expected = UserSettings(user_id=42, **changes)
    assert updated == expected
    await s.close()
    s = await Store.open(path)
    try:
        assert await s.get_user(42) == expected
    finally:
        await s.close()


async def test_update_user_accepts_plain_values_and_normalises_them(store: Store) -> None:
    await store.ensure_user(1, 1, "A", now_utc=NOW)
    user = await store.update_user(1, diet="vegan", exclude=["tofu"], slots=["lunch"], now_utc=NOW)
    assert user.diet is Diet.VEGAN
    assert user.exclude == frozenset({"tofu"})
    assert user.slots == (Slot.LUNCH,)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"colour": "red"}, "unknown user setting"),
        ({"user_id": 2}, "unknown user setting"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"diet": "carnivore"}, "unknown diet 'carnivore'"),
        ({"slots": ()}, "at least one meal"),
        ({"slots": ("lunch", "lunch")}, "repeat"),
        ({"target_ug": 0}, "above 0"),
        ({"push_time": "07:30"}, "push_time must be a datetime.time"),
    ],
)
async def test_update_user_refuses_bad_values_and_keeps_the_row(
    store: Store, fields: dict, message: str
) -> None:
    before = await store.ensure_user(1, 1, "A", now_utc=NOW)
    with pytest.raises(ValueError, match=message):
        await store.update_user(1, now_utc=NOW, **fields)
    assert await store.get_user(1) == before


async def test_update_unknown_user_raises(store: Store) -> None:
    with pytest.raises(UnknownUserError, match="no stored user with id 3"):
        await store.update_user(3, diet=Diet.VEGAN, now_utc=NOW)


async def test_update_user_recomputes_next_push_only_when_schedule_changes(store: Store) -> None:
    await store.ensure_user(1, 1, "A", now_utc=NOW)
    await store.update_user(1, timezone="Europe/Berlin", onboarded=True, now_utc=NOW)
    # 07:30 Berlin (CET, UTC+1); 12:00Z is past today's, so tomorrow's.
    assert await store.next_push_utc(1) == dt.datetime(2026, 1, 11, 6, 30, tzinfo=UTC)

    await store.update_user(1, push_time=dt.time(20, 0), now_utc=NOW)
    assert await store.next_push_utc(1) == dt.datetime(2026, 1, 10, 19, 0, tzinfo=UTC)

    await store.update_user(1, timezone="America/New_York", now_utc=NOW)
    assert await store.next_push_utc(1) == dt.datetime(2026, 1, 11, 1, 0, tzinfo=UTC)

    # Not a schedule field: the next push stays where it is even at a later "now".
    later = NOW + dt.timedelta(days=3)
    await store.update_user(1, diet=Diet.VEGAN, first_name="B", now_utc=later)
    assert await store.next_push_utc(1) == dt.datetime(2026, 1, 11, 1, 0, tzinfo=UTC)

    # Pause, resume days later: scheduled from the resume time, not caught up.
    await store.update_user(1, push_enabled=False, now_utc=later)
    await store.update_user(1, push_enabled=True, now_utc=later)
    assert await store.next_push_utc(1) == dt.datetime(2026, 1, 14, 1, 0, tzinfo=UTC)


async def test_set_active_and_ensure_user_reactivate(store: Store) -> None:
    await store.ensure_user(1, 1, "A", now_utc=NOW)
    await store.set_active(1, False, now_utc=NOW)
    assert (await store.get_user(1)).active is False
    await store.ensure_user(1, 1, "A", now_utc=NOW)
    assert (await store.get_user(1)).active is True
    await store.set_active(1, False, now_utc=NOW)
    await store.set_active(1, True, now_utc=NOW)
    assert (await store.get_user(1)).active is True


async def test_naive_now_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.ensure_user(1, 1, "A", now_utc=dt.datetime(2026, 1, 1, 7, 30))


def plan(*recipe_ids: str) -> dict:
    return {
        "date": dt.date(2026, 1, 1),
        "meals": [{"slot": "breakfast", "recipe_id": r, "servings": 1} for r in recipe_ids],
        "swaps": (("breakfast", ("a", "b")),),
    }


async def test_plans_save_get_upsert_and_delete_from(store: Store) -> None:
    owner = user_owner(1)
    day = dt.date(2026, 1, 10)
    assert await store.get_plan(owner, day) is None
    await store.save_plan(owner, day, plan("oats"))
    assert await store.get_plan(owner, day) == {
        "date": "2026-01-01",
        "meals": [{"slot": "breakfast", "recipe_id": "oats", "servings": 1}],
        "swaps": [["breakfast", ["a", "b"]]],
    }
    await store.save_plan(owner, day, plan("eggs"))  # swap: replaces, not duplicates
    assert (await store.get_plan(owner, day))["meals"][0]["recipe_id"] == "eggs"

    for offset in (1, 2, 3):
        await store.save_plan(owner, day + dt.timedelta(days=offset), plan(f"r{offset}"))
    await store.save_plan("u:2", day + dt.timedelta(days=2), plan("other"))
    assert await store.delete_plans_from(owner, day + dt.timedelta(days=2)) == 2
    assert await store.get_plan(owner, day + dt.timedelta(days=1)) is not None
    assert await store.get_plan(owner, day + dt.timedelta(days=2)) is None
    assert await store.get_plan("u:2", day + dt.timedelta(days=2)) is not None


async def test_recent_recipe_ids_window_and_order(store: Store) -> None:
    owner = user_owner(1)
    before = dt.date(2026, 1, 10)
    await store.save_plan(owner, before - dt.timedelta(days=8), plan("too_old"))
    await store.save_plan(owner, before - dt.timedelta(days=1), plan("c", "d"))
    await store.save_plan(owner, before - dt.timedelta(days=7), plan("a"))
    await store.save_plan(owner, before - dt.timedelta(days=3), plan("b"))
    await store.save_plan(owner, before, plan("today"))
    await store.save_plan("h:1", before - dt.timedelta(days=1), plan("household"))
    assert await store.recent_recipe_ids(owner, before) == ["a", "b", "c", "d"]
    assert await store.recent_recipe_ids(owner, before, days=2) == ["c", "d"]


async def test_bad_owner_key_and_unstorable_plan_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="plan owner"):
        await store.get_plan("1", dt.date(2026, 1, 1))
    with pytest.raises(TypeError, match="cannot store a object"):
        await store.save_plan("u:1", dt.date(2026, 1, 1), {"x": object()})


async def test_delete_user_leaves_no_row_mentioning_them(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    s = await Store.open(path)
    for uid in (111111, 222222):
        await s.ensure_user(uid, uid, f"user{uid}", now_utc=NOW)
        await s.update_user(uid, onboarded=True, household_id=5, now_utc=NOW)
        await s.save_plan(user_owner(uid), dt.date(2026, 1, 10), plan("oats"))
        assert await s.claim_push(uid, dt.date(2026, 1, 10), NOW)
        await s.finish_push(uid, dt.date(2026, 1, 10), "sent", 9, NOW, now_utc=NOW)
    await s.save_plan("h:5", dt.date(2026, 1, 10), plan("shared"))
    await s.delete_user(111111)
    await s.close()

    conn = raw(path)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    assert {"users", "plans", "pushes"} <= set(tables)

    def mentions(value: object) -> int:
        total = 0
        for table in tables:
            columns = [r["name"] for r in conn.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                total += conn.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}" = ? OR "{column}" = ?',
                    (value, f"u:{value}"),
                ).fetchone()[0]
        return total

    assert mentions(111111) == 0
    assert mentions(222222) >= 3  # the other user is untouched (users, plans, pushes)
    assert conn.execute("SELECT count(*) FROM plans WHERE owner = 'h:5'").fetchone()[0] == 1
    conn.close()


async def test_claims_are_exactly_once_under_concurrency(store: Store) -> None:
    day = dt.date(2026, 1, 10)
    for uid in range(1, 21):
        await store.ensure_user(uid, uid, "x", now_utc=NOW)
    results = await asyncio.gather(
        *(store.claim_push(uid, day, NOW) for uid in range(1, 21) for _ in range(5))
    )
    assert sum(results) == 20
    assert await store.claim_push(999, day, NOW) is False  # unknown user: foreign key


async def test_push_ledger_finish_release_and_stale_claims(store: Store) -> None:
    day = dt.date(2026, 1, 10)
    tomorrow_push = dt.datetime(2026, 1, 11, 7, 30, tzinfo=UTC)
    for uid in (1, 2, 3):
        await store.ensure_user(uid, uid, "x", now_utc=NOW)
        assert await store.claim_push(uid, day, NOW)
    await store.finish_push(1, day, "sent", 77, tomorrow_push, now_utc=NOW)
    await store.finish_push(2, day, "blocked", None, tomorrow_push, now_utc=NOW)
    record = await store.get_push(1, day)
    assert (record.state, record.message_id, record.finished_utc) == ("sent", 77, NOW)
    assert await store.next_push_utc(1) == tomorrow_push
    assert (await store.get_user(2)).active is False
    assert (await store.get_user(1)).active is True

    later = NOW + dt.timedelta(minutes=10)
    assert await store.stale_claims(later) == [(3, day)]
    assert await store.stale_claims(NOW) == []
    await store.release_push(1, day)  # only 'sending' rows are released
    assert await store.get_push(1, day) is not None
    await store.release_push(3, day)
    assert await store.get_push(3, day) is None
    assert await store.claim_push(3, day, later)
    with pytest.raises(ValueError, match="push state"):
        await store.finish_push(3, day, "sending", None, tomorrow_push)
