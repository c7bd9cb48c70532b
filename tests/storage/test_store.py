"""Storage on both engines: user/plan repository, plan pruning, push ledger, complete deletion.

SQLite-only behaviour (pragmas, lock file, start-up checks) is in test_sqlite.py, schema
upgrades in test_migrations.py."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa
from store_helpers import rows_mentioning

from bot.core.models import Diet, Slot, UserSettings
from bot.storage import schema
from bot.storage.migrations import head_revision
from bot.storage.push import PUSH_LEASE, PushResult
from bot.storage.store import Store, UnknownUserError, user_owner

UTC = dt.UTC
NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


async def test_reopen_keeps_data(database_url: str) -> None:
    s = await Store.open(database_url)
    await s.ensure_user(1, 10, "Ann", now_utc=NOW)
    await s.close()
    s = await Store.open(database_url)
    try:
        assert s.schema_version == head_revision()
        user = await s.get_user(1)
        assert user is not None and user.first_name == "Ann"
    finally:
        await s.close()


async def test_ensure_user_inserts_defaults_then_refreshes_chat_and_name(store: Store) -> None:
    created = await store.ensure_user(5, 50, "Bea", now_utc=NOW)
    assert created == UserSettings(user_id=5, chat_id=50, first_name="Bea")
    await store.update_user(5, diet=Diet.VEGAN, now_utc=NOW)
    refreshed = await store.ensure_user(5, 51, "Beatrice", now_utc=NOW)
    assert (refreshed.chat_id, refreshed.first_name, refreshed.diet) == (51, "Beatrice", Diet.VEGAN)
    assert await store.get_user(5) == refreshed
    assert await store.get_user(6) is None


async def test_ensure_user_stores_the_first_language_and_never_overwrites_a_choice(
    store: Store,
) -> None:
    created = await store.ensure_user(7, 70, "Cem", now_utc=NOW, language="de")
    assert created.language == "de"
    assert (await store.ensure_user(7, 70, "Cem", now_utc=NOW, language="fr")).language == "de"
    await store.update_user(7, language="es", now_utc=NOW)
    assert (await store.ensure_user(7, 70, "Cem", now_utc=NOW, language="de")).language == "es"
    unknown = await store.ensure_user(8, 80, "Dee", now_utc=NOW)
    assert unknown.language is None
    assert (await store.ensure_user(8, 80, "Dee", now_utc=NOW, language="fr")).language == "fr"


async def test_every_user_field_round_trips_through_a_reopen(database_url: str) -> None:
    s = await Store.open(database_url)
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
        region="uk",
        life_stage="over50",
        absorption="impaired",
        kcal_min=1600,
        kcal_max=2000,
        max_cook_min=30,
        language="de",
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
    s = await Store.open(database_url)
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
        ({"region": "mars"}, "unknown region 'mars'"),
        ({"life_stage": "teen"}, "unknown life stage 'teen'"),
        ({"absorption": "perfect"}, "unknown absorption 'perfect'"),
        ({"kcal_min": 1600}, "both ends of the energy range"),
        ({"kcal_min": 500, "kcal_max": 2000}, "energy range must lie within"),
        ({"kcal_min": 2400, "kcal_max": 2000}, "energy range must lie within"),
        ({"language": "de-AT; DROP"}, "language must be a code"),
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


async def test_delete_user_leaves_no_row_mentioning_them(database_url: str) -> None:
    s = await Store.open(database_url)
    try:
        for uid in (111111, 222222):
            await s.ensure_user(uid, uid, f"user{uid}", now_utc=NOW)
            await s.update_user(uid, onboarded=True, household_id=5, now_utc=NOW)
            await s.save_plan(user_owner(uid), dt.date(2026, 1, 10), plan("oats"))
            assert await s.claim_push(uid, dt.date(2026, 1, 10), NOW)
            await s.finish_push(uid, dt.date(2026, 1, 10), "sent", 9, NOW, now_utc=NOW)
        await s.save_plan("h:5", dt.date(2026, 1, 10), plan("shared"))
        await s.delete_user(111111)
        assert await s.get_plan("h:5", dt.date(2026, 1, 10)) is not None
    finally:
        await s.close()

    assert await rows_mentioning(database_url, 111111) == []
    others = {table for table, _ in await rows_mentioning(database_url, 222222)}
    assert others == {"users", "plans", "pushes"}  # the other user is untouched


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
    await store.release_push(3, day, due_utc=NOW)  # and due again at once
    assert await store.get_push(3, day) is None
    assert await store.next_push_utc(3) == NOW
    assert await store.claim_push(3, day, later)
    with pytest.raises(ValueError, match="push state"):
        await store.finish_push(3, day, "sending", None, tomorrow_push)


DUE_AT = dt.datetime(2026, 1, 10, 6, 30, tzinfo=UTC)  # 07:30 Berlin
DUE_DAY = dt.date(2026, 1, 10)


async def due_users(store: Store, *uids: int) -> None:
    setup = DUE_AT - dt.timedelta(hours=3)
    for uid in uids:
        await store.ensure_user(uid, uid, "x", now_utc=setup)
        await store.update_user(uid, timezone="Europe/Berlin", onboarded=True, now_utc=setup)


async def test_claim_due_pushes_leases_users_until_the_lease_runs_out(store: Store) -> None:
    await due_users(store, 1, 2, 3, 4)
    await store.update_user(4, push_enabled=False, now_utc=DUE_AT - dt.timedelta(hours=1))
    now = DUE_AT + dt.timedelta(seconds=30)
    first = await store.claim_due_pushes(now, 2)
    lease = now + PUSH_LEASE
    assert [(d.user.user_id, d.local_date, d.due_utc, d.lease_utc) for d in first] == [
        (1, DUE_DAY, DUE_AT, lease),
        (2, DUE_DAY, DUE_AT, lease),
    ]
    assert await store.next_push_utc(1) == lease
    assert [d.user.user_id for d in await store.claim_due_pushes(now, 10)] == [3]
    assert await store.claim_due_pushes(now + dt.timedelta(minutes=1), 10) == []  # all leased
    assert await store.get_push(1, DUE_DAY) is None  # a claim writes no ledger row
    # nobody finished them: after the lease anyone takes them over, for the same day
    takeover = await store.claim_due_pushes(lease + dt.timedelta(seconds=1), 10)
    assert [(d.user.user_id, d.local_date, d.due_utc) for d in takeover] == [
        (1, DUE_DAY, DUE_AT),
        (2, DUE_DAY, DUE_AT),
        (3, DUE_DAY, DUE_AT),
    ]
    with pytest.raises(ValueError, match="lease"):
        await store.claim_due_pushes(now, 1, lease_until_utc=now)


async def test_two_claimers_at_once_get_disjoint_users(database_url: str) -> None:
    """On PostgreSQL two connection pools, as two worker processes have."""
    one = await Store.open(database_url)
    two = one if database_url.startswith("sqlite") else await Store.open(database_url)
    try:
        await due_users(one, *range(1, 101))
        now = DUE_AT + dt.timedelta(seconds=30)

        async def drain(store: Store) -> list[int]:
            taken: list[int] = []
            while batch := await store.claim_due_pushes(now, 7):
                taken += [d.user.user_id for d in batch]
            return taken

        got_one, got_two = await asyncio.gather(drain(one), drain(two))
        assert not set(got_one) & set(got_two)
        assert sorted(got_one + got_two) == list(range(1, 101))
    finally:
        if two is not one:
            await two.close()
        await one.close()


async def test_start_pushes_is_the_at_most_once_gate(store: Store) -> None:
    await due_users(store, 1, 2, 3)
    now = DUE_AT + dt.timedelta(seconds=30)
    claimed = await store.claim_due_pushes(now, 10)
    assert await store.claim_push(2, DUE_DAY, now)  # started by another worker before
    found = await store.start_pushes(claimed, now)
    assert [d.user.user_id for d in found.started] == [1, 3]
    assert [(d.user.user_id, r.state) for d, r in found.skipped] == [(2, "sending")]
    assert await store.next_push_utc(2) == DUE_AT + dt.timedelta(days=1)  # moved on
    assert (await store.get_push(1, DUE_DAY)).state == "sending"
    again = await store.start_pushes(claimed[:1], now)
    assert again.started == [] and [d.user.user_id for d, _ in again.skipped] == [1]
    await store.delete_user(3)
    gone = await store.start_pushes(claimed[2:], now)  # deleted since the claim: left out
    assert gone.started == [] and gone.skipped == []


async def test_finish_pushes_closes_releases_and_reschedules_under_the_lease(
    store: Store,
) -> None:
    await due_users(store, 1, 2, 3, 4)
    now = DUE_AT + dt.timedelta(seconds=30)
    claimed = {d.user.user_id: d for d in await store.claim_due_pushes(now, 10)}
    await store.start_pushes([claimed[1], claimed[2], claimed[3]], now)
    # user 1 moves their push to 08:00 while theirs is in flight: the new schedule stays
    await store.update_user(1, push_time=dt.time(8, 0), now_utc=now)
    tomorrow = DUE_AT + dt.timedelta(days=1)
    await store.finish_pushes(
        [
            PushResult(claimed[1], "sent", 41, tomorrow),
            PushResult(claimed[2], "blocked", None, tomorrow),
            PushResult(claimed[3], "released"),
            PushResult(claimed[3], None, next_push_utc=claimed[3].due_utc),
            PushResult(claimed[4], None, next_push_utc=claimed[4].due_utc),
        ],
        now_utc=now,
    )
    record = await store.get_push(1, DUE_DAY)
    assert (record.state, record.message_id, record.finished_utc) == ("sent", 41, now)
    assert await store.next_push_utc(1) == dt.datetime(2026, 1, 10, 7, 0, tzinfo=UTC)
    assert (await store.get_push(2, DUE_DAY)).state == "blocked"
    assert (await store.get_user(2)).active is False
    assert await store.next_push_utc(2) == tomorrow
    assert await store.get_push(3, DUE_DAY) is None  # released: due again at once
    assert await store.next_push_utc(3) == DUE_AT
    assert await store.get_push(4, DUE_DAY) is None and await store.next_push_utc(4) == DUE_AT
    assert [d.user.user_id for d in await store.claim_due_pushes(now, 10)] == [3, 4]
    with pytest.raises(ValueError, match="push result state"):
        await store.finish_pushes([PushResult(claimed[4], "sending")])


async def test_plan_inputs_reads_plan_history_and_products_at_once(store: Store) -> None:
    owner = user_owner(1)
    day = dt.date(2026, 1, 10)
    await store.ensure_user(1, 1, "A", now_utc=NOW)
    await store.save_plan(owner, day, plan("today"))
    await store.save_plan(owner, day - dt.timedelta(days=2), plan("a", "b"))
    await store.save_plan(owner, day - dt.timedelta(days=9), plan("old"))
    empty = await store.plan_inputs(owner, 1, day + dt.timedelta(days=1), 7)
    assert empty.stored is None and empty.product_overrides == {}
    assert empty.recent_ids == ["a", "b", "today"]
    inputs = await store.plan_inputs(owner, 1, day, 7)
    assert inputs.stored == await store.get_plan(owner, day)
    assert inputs.recent_ids == await store.recent_recipe_ids(owner, day, 7) == ["a", "b"]


async def test_plan_inputs_many_reads_many_owners_and_days_at_once(store: Store) -> None:
    day = dt.date(2026, 1, 10)
    for uid in (1, 2, 3):
        await store.ensure_user(uid, uid, "A", now_utc=NOW)
    await store.save_plan(user_owner(1), day, plan("today1"))
    await store.save_plan(user_owner(1), day - dt.timedelta(days=1), plan("y1"))
    await store.save_plan(user_owner(2), day - dt.timedelta(days=2), plan("y2", "z2"))
    await store.save_plan(user_owner(2), day + dt.timedelta(days=1), plan("t2"))  # other zone
    async with store.db.transaction() as conn:
        await conn.execute(
            sa.insert(schema.user_products).values(
                user_id=2,
                ingredient_id="oat_milk",
                b12_per_100g=0.4,
                label_value=0.4,
                label_unit="100 ml",
                updated_utc=NOW,
            )
        )
    requests = [
        (user_owner(1), 1, day),
        (user_owner(2), 2, day + dt.timedelta(days=1)),
        (user_owner(3), 3, day),
    ]
    many = await store.plan_inputs_many(requests, 7)
    assert many == [await store.plan_inputs(o, u, d, 7) for o, u, d in requests]
    assert [m.recent_ids for m in many] == [["y1"], ["y2", "z2"], []]
    assert [m.stored is not None for m in many] == [True, True, False]
    assert [m.product_overrides for m in many] == [{}, {"oat_milk": 0.4}, {}]
    assert await store.plan_inputs_many([], 7) == []


async def test_save_new_plans_never_overwrites_a_plan_stored_meanwhile(store: Store) -> None:
    day = dt.date(2026, 1, 10)
    await store.save_plan("u:1", day, plan("swapped"))
    stored = await store.save_new_plans([("u:1", day, plan("fresh")), ("u:2", day, plan("new"))])
    assert stored == {("u:2", day)}
    assert (await store.get_plan("u:1", day))["meals"][0]["recipe_id"] == "swapped"
    assert (await store.get_plan("u:2", day))["meals"][0]["recipe_id"] == "new"
    assert await store.save_new_plans([]) == set()


async def test_prune_plans_deletes_old_days_in_batches(store: Store) -> None:
    cutoff = dt.date(2026, 1, 10)
    for offset in range(-12, 3):
        await store.save_plan("u:1", cutoff + dt.timedelta(days=offset), plan(f"r{offset}"))
    await store.save_plan("h:2", cutoff - dt.timedelta(days=1), plan("shared"))
    assert await store.prune_plans(cutoff, batch=5) == 13
    assert await store.get_plan("u:1", cutoff - dt.timedelta(days=1)) is None
    assert await store.get_plan("u:1", cutoff) is not None
    assert await store.recent_recipe_ids("u:1", cutoff + dt.timedelta(days=3), 10) == [
        "r0",
        "r1",
        "r2",
    ]
    assert await store.prune_plans(cutoff) == 0
    with pytest.raises(ValueError, match="batch"):
        await store.prune_plans(cutoff, batch=0)


async def test_a_transaction_cancelled_midway_is_rolled_back_and_the_next_one_works(
    store: Store,
) -> None:
    """Cancelled at every point of a five-statement transaction in turn (a shutdown, a crashing
    sibling task): nothing half-done stays, and the database stays usable."""
    await store.ensure_user(1, 1, "A", now_utc=NOW)
    target = schema.users.c.target_ug

    async def five_bumps() -> None:
        while True:
            async with store.db.transaction() as conn:
                for _ in range(5):
                    await conn.execute(sa.update(schema.users).values(target_ug=target + 1))

    for steps in range(40):
        task = asyncio.create_task(five_bumps())
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        bumps = round((await store.get_user(1)).target_ug - 2.4)
        assert bumps % 5 == 0, f"a half-done transaction was kept after {steps} steps"
    await store.update_user(1, first_name="still works", now_utc=NOW)
    assert (await store.get_user(1)).first_name == "still works"
