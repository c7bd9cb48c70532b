"""TrackingStore on both engines (the `store` fixture runs each test on SQLite and on
PostgreSQL): check-offs, doses, labs, reminders, products, evening schedule, retest, the
exactly-once ledger, export and erasure; and, on SQLite, tracking rows of databases written by
the hand-made v2/v4 schema after the in-place upgrade."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from store_helpers import add_user

from bot.core.labs import LabResult, Marker
from bot.core.reminders import Reminder, ReminderKind, next_fire_utc
from bot.storage import legacy_v4
from bot.storage.store import Store
from bot.storage.tracking import TrackingStore

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DAY = dt.date(2026, 11, 24)
ANA, BEN = 1001, 1002


@pytest.fixture
async def ts(store: Store) -> TrackingStore:
    for uid, name in ((ANA, "Ana"), (BEN, "Ben")):
        await add_user(store, uid, NOW, name=name)
    return TrackingStore(store)


async def test_meal_check_off_is_one_row_per_slot_and_can_change(ts: TrackingStore) -> None:
    await ts.log_meal(ANA, DAY, "breakfast", "oats", "eaten", 1.5, planned_ug=1.5, now_utc=NOW)
    await ts.log_meal(ANA, DAY, "lunch", "salad", "eaten", 0.8, planned_ug=0.8, now_utc=NOW)
    await ts.log_meal(ANA, DAY, "breakfast", "oats", "skipped", 1.5, planned_ug=1.5, now_utc=NOW)
    logs = await ts.meal_logs(ANA, DAY, DAY)
    assert [(m.slot, m.status, m.b12_ug, m.planned_ug) for m in logs] == [
        ("breakfast", "skipped", 0.0, 1.5),  # skipped counts nothing eaten
        ("lunch", "eaten", 0.8, 0.8),
    ]
    with pytest.raises(ValueError, match="meal status"):
        await ts.log_meal(ANA, DAY, "dinner", None, "devoured", 1.0, now_utc=NOW)
    with pytest.raises(ValueError, match="add_extra"):
        await ts.log_meal(ANA, DAY, "extra", None, "eaten", 1.0, now_utc=NOW)
    with pytest.raises(ValueError, match="aware"):
        await ts.log_meal(ANA, DAY, "dinner", None, "eaten", 1.0, now_utc=NOW.replace(tzinfo=None))


async def test_extras_add_up_and_stay_per_user_and_day(ts: TrackingStore) -> None:
    await ts.add_extra(ANA, DAY, "omelette", 1.1, "Omelette", now_utc=NOW)
    await ts.add_extra(ANA, DAY, None, 0.5, "label", now_utc=NOW)
    await ts.add_extra(ANA, DAY, None, 0.5, "label", now_utc=NOW)  # the same again: 2 rows
    await ts.add_extra(BEN, DAY, None, 9.0, "ben", now_utc=NOW)
    await ts.add_extra(ANA, DAY + dt.timedelta(days=1), None, 2.0, "tomorrow", now_utc=NOW)
    ana = await ts.meal_logs(ANA, DAY, DAY)
    assert sorted(m.b12_ug for m in ana) == [0.5, 0.5, 1.1]
    assert {m.slot for m in ana} == {"extra"}
    assert len({m.id for m in ana}) == 3


async def test_reminder_dose_is_logged_once_per_occurrence(ts: TrackingStore) -> None:
    reminder = Reminder(ReminderKind.DAILY, 1000.0, dt.time(8, 0), "Europe/Berlin")
    stored = await ts.add_reminder(ANA, reminder, next_fire_utc(reminder, NOW), now_utc=NOW)
    occ = dt.datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    first = await ts.log_dose(
        ANA, DAY, 1000.0, "oral", taken_utc=NOW, reminder_id=stored.id, occurrence_utc=occ
    )
    again = await ts.log_dose(
        ANA, DAY, 1000.0, "oral", taken_utc=NOW, reminder_id=stored.id, occurrence_utc=occ
    )
    manual = await ts.log_dose(ANA, DAY, 500.0, "oral", taken_utc=NOW)
    manual2 = await ts.log_dose(ANA, DAY, 500.0, "oral", taken_utc=NOW)
    assert (first, again, manual, manual2) == (True, False, True, True)
    assert sorted(d.dose_ug for d in await ts.doses(ANA, DAY, DAY)) == [500.0, 500.0, 1000.0]
    assert await ts.dose_logged(stored.id, occ)
    assert not await ts.dose_logged(stored.id, occ + dt.timedelta(days=1))
    assert (await ts.get_reminder(stored.id)).last_answer == "taken"  # type: ignore[union-attr]
    # deleting the reminder keeps the dose history
    assert await ts.delete_reminder(ANA, stored.id)
    doses = await ts.doses(ANA, DAY, DAY)
    assert len(doses) == 3 and all(d.reminder_id is None for d in doses)
    assert {d.taken_utc for d in doses} == {NOW}
    with pytest.raises(ValueError):
        await ts.log_dose(ANA, DAY, 0.0, "oral", taken_utc=NOW)
    with pytest.raises(ValueError, match="dose kind"):
        await ts.log_dose(ANA, DAY, 10.0, "nasal", taken_utc=NOW)


async def test_lab_results_round_trip_in_date_order_and_per_user(ts: TrackingStore) -> None:
    later = LabResult(Marker.SERUM, 236.0, "pmol/L", dt.date(2026, 10, 2))
    earlier = LabResult(Marker.SERUM, 320.0, "pg/mL", dt.date(2026, 4, 1), 200.0, 900.0)
    await ts.add_lab(ANA, later, now_utc=NOW)
    await ts.add_lab(ANA, earlier, now_utc=NOW)
    other = await ts.add_lab(BEN, later, now_utc=NOW)
    labs = await ts.labs(ANA)
    assert [lab.result for lab in labs] == [earlier, later]
    assert not await ts.delete_lab(ANA, other)  # not Ana's
    assert await ts.delete_lab(ANA, labs[0].id)
    assert [lab.result for lab in await ts.labs(ANA)] == [later]
    assert len(await ts.labs(BEN)) == 1


async def test_lab_numbers_are_stable_across_back_dated_adds_and_deletes(
    ts: TrackingStore,
) -> None:
    october = LabResult(Marker.SERUM, 320.0, "pg/mL", dt.date(2026, 10, 2))
    november = LabResult(Marker.SERUM, 410.0, "pg/mL", dt.date(2026, 11, 20))
    september = LabResult(Marker.SERUM, 280.0, "pg/mL", dt.date(2026, 9, 1))
    await ts.add_lab(ANA, october, now_utc=NOW)
    await ts.add_lab(ANA, november, now_utc=NOW)
    await ts.add_lab(BEN, september, now_utc=NOW)  # Ben's numbers are his own
    await ts.add_lab(ANA, september, now_utc=NOW)  # back-dated: listed first, numbered 3
    labs = await ts.labs(ANA)
    assert [(lab.number, lab.result) for lab in labs] == [
        (3, september),
        (1, october),
        (2, november),
    ]
    assert [lab.number for lab in await ts.labs(BEN)] == [1]
    assert await ts.delete_lab(ANA, labs[1].id)  # remove #1: the others keep 3 and 2
    assert [(lab.number, lab.result) for lab in await ts.labs(ANA)] == [
        (3, september),
        (2, november),
    ]
    assert await ts.add_lab(ANA, october, now_utc=NOW)
    assert [lab.number for lab in await ts.labs(ANA)] == [3, 4, 2]


async def test_results_saved_at_the_same_moment_get_different_numbers(ts: TrackingStore) -> None:
    """Each add reads the highest number, then inserts the next: on PostgreSQL the user's row
    lock makes concurrent adds wait for each other instead of colliding on UNIQUE(user, number)."""
    results = [
        LabResult(Marker.SERUM, 300.0 + i, "pg/mL", dt.date(2026, 10, 1 + i)) for i in range(6)
    ]
    ids = await asyncio.gather(*(ts.add_lab(ANA, r, now_utc=NOW) for r in results))
    labs = await ts.labs(ANA)
    assert sorted(lab.id for lab in labs) == sorted(ids)
    assert sorted(lab.number for lab in labs) == [1, 2, 3, 4, 5, 6]


async def test_due_reminders_regular_then_snoozed_and_advance(ts: TrackingStore) -> None:
    reminder = Reminder(ReminderKind.DAILY, 10.0, dt.time(8, 0), "Europe/Berlin")
    first = next_fire_utc(reminder, NOW)  # Wed 25 Nov 07:00 UTC
    stored = await ts.add_reminder(ANA, reminder, first, now_utc=NOW)
    assert await ts.due_reminders(first - dt.timedelta(seconds=1)) == []
    due = await ts.due_reminders(first)
    assert [(d.stored.id, d.fire_utc, d.snoozed) for d in due] == [(stored.id, first, False)]
    assert due[0].key == f"{stored.id}@{int(first.timestamp())}"
    following = next_fire_utc(reminder, first)
    await ts.advance_reminder(due[0], following, fired=True, now_utc=first)
    assert await ts.due_reminders(first) == []

    snooze_at = first + dt.timedelta(hours=1)
    await ts.snooze_reminder(stored.id, first, snooze_at, now_utc=first)
    due = await ts.due_reminders(snooze_at)
    assert [(d.fire_utc, d.occurrence_utc, d.snoozed) for d in due] == [(snooze_at, first, True)]
    await ts.advance_reminder(due[0], following, fired=True, now_utc=snooze_at)
    after = await ts.get_reminder(stored.id)
    assert after is not None and after.snooze_fire_utc is None
    assert after.next_fire_utc == following and after.last_fired_utc == snooze_at


async def test_due_reminders_come_oldest_firing_first_counting_snoozes(ts: TrackingStore) -> None:
    """The order is by the earlier of the regular and the snoozed firing (a portable CASE, not
    SQLite's two-argument min()), so a page cut by `limit` holds the longest-waiting ones."""
    reminder = Reminder(ReminderKind.DAILY, 10.0, dt.time(8, 0), "Europe/Berlin")
    t0 = dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    snoozed = await ts.add_reminder(ANA, reminder, t0 + dt.timedelta(hours=3), now_utc=NOW)
    regular = await ts.add_reminder(ANA, reminder, t0 + dt.timedelta(hours=1), now_utc=NOW)
    await ts.snooze_reminder(snoozed.id, t0 - dt.timedelta(days=1), t0, now_utc=NOW)
    now = t0 + dt.timedelta(hours=4)
    due = await ts.due_reminders(now)
    assert [(d.stored.id, d.snoozed) for d in due] == [(snoozed.id, True), (regular.id, False)]
    assert [(d.stored.id, d.fire_utc) for d in await ts.due_reminders(now, limit=1)] == [
        (snoozed.id, t0)
    ]


async def test_claimed_reminders_are_leased_to_one_tick_until_advanced_or_expired(
    ts: TrackingStore,
) -> None:
    """Two ticks at once (two workers) take disjoint reminders; a firing a killed worker held
    is taken over once its lease ends; an advanced one is not leased any more."""
    reminder = Reminder(ReminderKind.DAILY, 10.0, dt.time(8, 0), "Europe/Berlin")
    first = next_fire_utc(reminder, NOW)
    ids = [(await ts.add_reminder(ANA, reminder, first, now_utc=NOW)).id for _ in range(4)]
    lease = dt.timedelta(minutes=2)
    one, other = await asyncio.gather(
        ts.claim_due_reminders(first, 2, lease=lease), ts.claim_due_reminders(first, 3, lease=lease)
    )
    taken = [d.stored.id for d in [*one, *other]]
    assert sorted(taken) == sorted(ids)  # each reminder once, none left over
    assert await ts.claim_due_reminders(first + dt.timedelta(seconds=119), lease=lease) == []
    await ts.advance_reminder(one[0], first + dt.timedelta(days=1), fired=True, now_utc=first)
    # the lease of the others runs out (their worker died): due again, for one claimer
    later = first + lease
    again = await ts.claim_due_reminders(later, lease=lease)
    assert sorted(d.stored.id for d in again) == sorted(set(ids) - {one[0].stored.id})
    assert await ts.claim_due_reminders(later, lease=lease) == []
    # the advanced one comes back at its next firing, not leased
    tomorrow = await ts.claim_due_reminders(first + dt.timedelta(days=1), lease=lease)
    assert one[0].stored.id in {d.stored.id for d in tomorrow}


async def test_claimed_evening_checks_are_leased_until_advanced(ts: TrackingStore) -> None:
    await ts.store.update_user(ANA, evening_check=True, now_utc=NOW)
    await ts.sync_evening(NOW)
    at = dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    lease = dt.timedelta(minutes=2)
    assert [u for u, _ in await ts.claim_due_evenings(at, lease=lease)] == [ANA]
    assert await ts.claim_due_evenings(at, lease=lease) == []  # held by the first tick
    assert [u for u, _ in await ts.claim_due_evenings(at + lease, lease=lease)] == [ANA]
    await ts.advance_evening(ANA, at + dt.timedelta(days=1))
    assert await ts.claim_due_evenings(at + lease + lease, lease=lease) == []
    next_day = at + dt.timedelta(days=1)
    assert [u for u, _ in await ts.claim_due_evenings(next_day, lease=lease)] == [ANA]


async def test_advance_does_not_undo_a_schedule_changed_meanwhile(ts: TrackingStore) -> None:
    reminder = Reminder(ReminderKind.DAILY, 10.0, dt.time(8, 0), "Europe/Berlin")
    first = next_fire_utc(reminder, NOW)
    stored = await ts.add_reminder(ANA, reminder, first, now_utc=NOW)
    (due,) = await ts.due_reminders(first)
    moved = first + dt.timedelta(hours=5)
    await ts.reschedule_reminder(stored.id, moved)  # e.g. the user changed the reminder
    await ts.advance_reminder(due, first + dt.timedelta(days=1), fired=False, now_utc=first)
    after = await ts.get_reminder(stored.id)
    assert after is not None and after.next_fire_utc == moved and after.last_fired_utc is None


async def test_blocked_users_reminders_are_not_due(ts: TrackingStore) -> None:
    reminder = Reminder(ReminderKind.DAILY, 10.0, dt.time(8, 0), "Europe/Berlin")
    fire = next_fire_utc(reminder, NOW)
    await ts.add_reminder(ANA, reminder, fire, now_utc=NOW)
    await ts.store.set_active(ANA, False, now_utc=NOW)
    assert await ts.due_reminders(fire) == []


async def test_send_ledger_claims_once_and_release_allows_retry(ts: TrackingStore) -> None:
    assert await ts.claim_send(ANA, "reminder", "7@100", now_utc=NOW)
    assert not await ts.claim_send(ANA, "reminder", "7@100", now_utc=NOW)
    await ts.release_send("reminder", "7@100")
    assert await ts.claim_send(ANA, "reminder", "7@100", now_utc=NOW)
    await ts.finish_send("reminder", "7@100", "sent", 42, now_utc=NOW)
    await ts.release_send("reminder", "7@100")  # a sent row is never released
    assert await ts.send_state("reminder", "7@100") == "sent"
    assert not await ts.claim_send(ANA, "reminder", "7@100", now_utc=NOW)
    assert not await ts.claim_send(99999, "evening", "x", now_utc=NOW)  # unknown user
    assert await ts.send_state("evening", "x") is None
    assert await ts.claim_send(ANA, "evening", "x", now_utc=NOW)  # the failed claim left nothing
    assert await ts.count_sends("reminder") == 1 and await ts.count_sends("evening", BEN) == 0


async def test_concurrent_claims_of_one_message_let_exactly_one_through(ts: TrackingStore) -> None:
    claims = await asyncio.gather(
        *(ts.claim_send(ANA, "retest", "2027-04-02", now_utc=NOW) for _ in range(8))
    )
    assert sorted(claims) == [False] * 7 + [True]
    assert await ts.count_sends("retest", ANA) == 1


async def test_products_override_and_clear(ts: TrackingStore) -> None:
    await ts.set_product(ANA, "oat_milk_fortified", 0.39, 0.4, "100 ml", now_utc=NOW)
    await ts.set_product(ANA, "nutritional_yeast", 22.0, 22.0, "100 g", now_utc=NOW)
    await ts.set_product(ANA, "oat_milk_fortified", 0.0, 0.0, "100 ml", now_utc=NOW)
    assert await ts.product_overrides(ANA) == {"nutritional_yeast": 22.0, "oat_milk_fortified": 0.0}
    assert [p.label_unit for p in await ts.products(ANA)] == ["100 g", "100 ml"]
    assert await ts.product_overrides(BEN) == {}
    assert await ts.clear_products(ANA, "nutritional_yeast") == 1
    assert await ts.product_overrides(ANA) == {"oat_milk_fortified": 0.0}
    assert await ts.clear_products(ANA) == 1
    assert await ts.product_overrides(ANA) == {}


async def test_evening_schedule_follows_settings(ts: TrackingStore) -> None:
    store = ts.store
    assert await ts.sync_evening(NOW) == 0
    assert await ts.evening_next(ANA) is None  # not opted in
    await store.update_user(ANA, evening_check=True, now_utc=NOW)
    assert await ts.sync_evening(NOW) == 1
    assert await ts.sync_evening(NOW) == 0  # nothing changed: nothing written
    # 19:00 in Berlin in November is 18:00 UTC
    assert await ts.evening_next(ANA) == dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    await store.update_user(ANA, evening_time=dt.time(20, 30), now_utc=NOW)
    await ts.sync_evening(NOW)
    assert await ts.evening_next(ANA) == dt.datetime(2026, 11, 24, 19, 30, tzinfo=UTC)
    at = dt.datetime(2026, 11, 24, 19, 30, tzinfo=UTC)
    assert [u for u, _ in await ts.due_evenings(at)] == [ANA]
    await ts.advance_evening(ANA, at + dt.timedelta(days=1))
    await ts.advance_evening(ANA, at)  # never backwards
    assert await ts.evening_next(ANA) == at + dt.timedelta(days=1)
    await store.update_user(ANA, timezone="UTC", now_utc=NOW)
    await ts.sync_evening(NOW, ANA)
    assert await ts.evening_next(ANA) == dt.datetime(2026, 11, 24, 20, 30, tzinfo=UTC)
    await store.update_user(ANA, evening_check=False, now_utc=NOW)
    await ts.sync_evening(NOW)
    assert await ts.evening_next(ANA) is None


async def test_retest_due_and_done(ts: TrackingStore) -> None:
    fire = dt.datetime(2027, 4, 2, 6, 30, tzinfo=UTC)
    await ts.set_retest(ANA, 3, None, None, now_utc=NOW)
    await ts.set_retest(ANA, 6, dt.date(2027, 4, 2), fire, now_utc=NOW)  # replaces the row
    assert await ts.due_retests(fire - dt.timedelta(minutes=1)) == []
    assert await ts.due_retests(fire) == [(ANA, dt.date(2027, 4, 2), fire)]
    await ts.retest_done(ANA, dt.date(2027, 4, 3))  # another due date: nothing changes
    assert await ts.due_retests(fire) == [(ANA, dt.date(2027, 4, 2), fire)]
    await ts.retest_done(ANA, dt.date(2027, 4, 2))
    assert await ts.due_retests(fire) == []
    retest = await ts.get_retest(ANA)
    assert retest is not None and retest.months == 6 and retest.next_fire_utc is None
    assert await ts.clear_retest(ANA) and await ts.get_retest(ANA) is None
    assert not await ts.clear_retest(ANA)


async def test_export_holds_everything_about_the_user_and_nothing_else(ts: TrackingStore) -> None:
    await ts.log_meal(ANA, DAY, "breakfast", "oats", "eaten", 1.5, now_utc=NOW)
    await ts.log_dose(ANA, DAY, 1000.0, "oral", taken_utc=NOW)
    lab = LabResult(Marker.MMA, 0.3, "µmol/L", dt.date(2026, 9, 1))
    await ts.add_lab(ANA, lab, now_utc=NOW)
    reminder = Reminder(ReminderKind.WEEKLY, 2000.0, dt.time(9, 0), "Europe/Berlin", weekday=0)
    await ts.add_reminder(ANA, reminder, next_fire_utc(reminder, NOW), now_utc=NOW)
    await ts.set_product(ANA, "nutritional_yeast", 22.0, 22.0, "100 g", now_utc=NOW)
    await ts.store.update_user(ANA, evening_check=True, now_utc=NOW)
    await ts.sync_evening(NOW)
    await ts.log_dose(BEN, DAY, 50.0, "oral", taken_utc=NOW)
    await ts.store.save_plan("u:1001", DAY, {"meals": [{"recipe_id": "oats"}]}, now_utc=NOW)

    data = await ts.export_user(ANA)
    json.dumps(data)  # JSON-ready on both engines
    assert data["settings"]["first_name"] == "Ana"
    assert data["lab_results"] == [lab.to_dict()]
    assert data["reminders"][0]["dose_ug"] == 2000.0
    tables = data["tables"]
    assert [r["dose_ug"] for r in tables["doses"]] == [1000.0]  # not Ben's
    assert tables["doses"][0]["taken_utc"] == "2026-11-24T09:00:00+00:00"
    assert [(r["recipe_id"], r["local_date"]) for r in tables["meal_logs"]] == [
        ("oats", "2026-11-24")
    ]
    assert tables["user_products"][0]["ingredient_id"] == "nutritional_yeast"
    assert tables["plans"] == [{"day": "2026-11-24", "plan": {"meals": [{"recipe_id": "oats"}]}}]
    (row,) = tables["lab_results"]
    assert row["data"]["unit"] == "µmol/L" and row["number"] == 1  # JSON column decoded
    assert tables["evening_schedule"][0]["local_time"] == "19:00"  # as stored
    assert tables["reminders"][0]["data"]["weekday"] == 0


async def test_tracking_rows_go_with_the_user(ts: TrackingStore) -> None:
    await ts.add_lab(ANA, LabResult(Marker.SERUM, 300.0, "pg/mL", DAY), now_utc=NOW)
    reminder = Reminder(ReminderKind.DAILY, 10.0, dt.time(8, 0), "Europe/Berlin")
    stored = await ts.add_reminder(ANA, reminder, next_fire_utc(reminder, NOW), now_utc=NOW)
    await ts.log_dose(
        ANA, DAY, 10.0, "oral", taken_utc=NOW, reminder_id=stored.id, occurrence_utc=NOW
    )
    await ts.log_meal(ANA, DAY, "lunch", "salad", "eaten", 0.8, now_utc=NOW)
    await ts.set_retest(ANA, 6, None, None, now_utc=NOW)
    assert await ts.claim_send(ANA, "evening", "2026-11-24", now_utc=NOW)
    await ts.log_dose(BEN, DAY, 50.0, "oral", taken_utc=NOW)
    await ts.store.delete_user(ANA)
    gone = await ts.export_user(ANA)
    assert gone["settings"] is None and gone["lab_results"] == [] and gone["reminders"] == []
    assert {name: rows for name, rows in gone["tables"].items() if rows} == {}
    assert len(await ts.doses(BEN, DAY, DAY)) == 1


# --- SQLite files written before SQLAlchemy -------------------------------------------------


def _legacy_file(path: Path, version: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    legacy_v4.apply_migrations(conn, legacy_v4.MIGRATIONS[:version])
    conn.execute(
        "INSERT INTO users (user_id, chat_id, first_name, timezone, onboarded, created_utc, "
        "updated_utc) VALUES (?, ?, 'Ana', 'Europe/Berlin', 1, ?, ?)",
        (ANA, ANA, NOW.isoformat(), NOW.isoformat()),
    )
    return conn


async def test_a_v2_database_gets_the_tracking_tables_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _legacy_file(path, 2).close()
    store = await Store.open(path)
    try:
        ts = TrackingStore(store)
        await ts.log_meal(ANA, DAY, "breakfast", "r1", "eaten", 1.2, now_utc=NOW)
        assert [m.b12_ug for m in await ts.meal_logs(ANA, DAY, DAY)] == [1.2]
        assert await ts.add_lab(ANA, LabResult(Marker.SERUM, 300.0, "pg/mL", DAY), now_utc=NOW)
        assert [lab.number for lab in await ts.labs(ANA)] == [1]
    finally:
        await store.close()


async def test_v4_tracking_rows_read_back_after_the_upgrade(tmp_path: Path) -> None:
    """Lab results stored before numbers existed get theirs in saving order after the ones
    already numbered; reminders, doses and check-offs keep working on the rebuilt tables."""
    path = tmp_path / "v4.sqlite3"
    results = [
        LabResult(Marker.SERUM, 410.0, "pg/mL", dt.date(2026, 11, 20)),  # no number
        LabResult(Marker.SERUM, 320.0, "pg/mL", dt.date(2026, 10, 2)),  # saved as #1
        LabResult(Marker.MMA, 0.3, "µmol/L", dt.date(2026, 9, 1)),  # no number
    ]
    reminder = Reminder(ReminderKind.DAILY, 1000.0, dt.time(8, 0), "Europe/Berlin")
    occ = dt.datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    conn = _legacy_file(path, 4)
    with conn:
        for result, number in zip(results, (None, 1, None), strict=True):
            data = result.to_dict() | ({} if number is None else {"number": number})
            conn.execute(
                "INSERT INTO lab_results (user_id, marker, taken_on, data, created_utc) "
                "VALUES (?, ?, ?, ?, ?)",
                (ANA, result.marker.value, result.taken_on.isoformat(), json.dumps(data),
                 NOW.isoformat()),
            )  # fmt: skip
        rid = conn.execute(
            "INSERT INTO reminders (user_id, data, next_fire_utc, created_utc) VALUES (?, ?, ?, ?)",
            (ANA, json.dumps(reminder.to_dict()), int(occ.timestamp()), NOW.isoformat()),
        ).lastrowid
        conn.execute(
            "INSERT INTO doses (user_id, local_date, taken_utc, dose_ug, kind, reminder_id, "
            "occurrence_utc) VALUES (?, ?, ?, 1000.0, 'oral', ?, ?)",
            (ANA, DAY.isoformat(), NOW.isoformat(), rid, int(occ.timestamp())),
        )
        conn.execute(
            "INSERT INTO meal_logs (user_id, local_date, slot, recipe_id, status, b12_ug, "
            "logged_utc) VALUES (?, ?, 'lunch', 'salad', 'eaten', 0.8, ?)",
            (ANA, DAY.isoformat(), NOW.isoformat()),
        )
    conn.close()

    store = await Store.open(path)
    try:
        ts = TrackingStore(store)
        labs = await ts.labs(ANA)
        assert [(lab.number, lab.result) for lab in labs] == [
            (3, results[2]),
            (1, results[1]),
            (2, results[0]),
        ]
        await ts.add_lab(ANA, results[0], now_utc=NOW)
        assert sorted(lab.number for lab in await ts.labs(ANA)) == [1, 2, 3, 4]
        (stored,) = await ts.reminders(ANA)
        assert stored.reminder == reminder and stored.next_fire_utc == occ
        assert not await ts.log_dose(  # the occurrence index survived the rebuild
            ANA, DAY, 1000.0, "oral", taken_utc=NOW, reminder_id=stored.id, occurrence_utc=occ
        )
        await ts.log_meal(ANA, DAY, "lunch", "salad", "skipped", 0.8, now_utc=NOW)
        assert [(m.slot, m.status) for m in await ts.meal_logs(ANA, DAY, DAY)] == [
            ("lunch", "skipped")
        ]
    finally:
        await store.close()
