"""Really gone: after Store.delete_user no table (on either engine) and, on SQLite, no byte of
the database, -wal or -shm file holds the user's id, name or distinctive values, while the
household they leave keeps its history without them; the export holds all of it first."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from raw_scan import raw_hits, table_hits
from store_helpers import add_user

from bot.core.labs import LabResult, Marker
from bot.core.reminders import parse_remind
from bot.storage.account import (
    FORMER_MEMBER,
    NEUTRAL_HOUSEHOLD_NAME,
    AccountStore,
    anonymised_plan,
    name_pattern,
)
from bot.storage.family import HouseholdStore
from bot.storage.schema import shopping_lists
from bot.storage.store import Store, household_owner, user_owner
from bot.storage.tracking import TrackingStore

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TODAY = dt.date(2026, 11, 24)
ANA = 987654321987  # distinctive: six bytes as an integer, twelve digits as text
BEN = 123123123
NAME = "Zephyrine"  # a first name nothing else in the database contains
TARGET = 7.37
LAB = 312.77
LABEL = 23.456


def needles() -> dict[str, bytes]:
    """What must not survive, as text and in SQLite's binary forms of the numbers."""
    return {
        "id as text": str(ANA).encode(),
        "id as 6-byte integer": ANA.to_bytes(6, "big"),
        "name": NAME.encode(),
        "target as text": str(TARGET).encode(),
        "target as double": struct.pack(">d", TARGET),
        "lab value as text": str(LAB).encode(),
        "label as double": struct.pack(">d", LABEL),
    }


def member_day(user_id: int, name: str, target: float, note: str = "") -> dict[str, Any]:
    return {
        "user_id": user_id,
        "name": name,
        "diet": "vegan",
        "target_ug": target,
        "notes": [note] if note else [],
        "topups": [],
    }


def household_body(day: dt.date) -> dict[str, Any]:
    """A stored household plan naming both members (the shape household_to_dict writes)."""
    return {
        "date": day.isoformat(),
        "meals": [{"slot": "dinner", "recipe_id": "lentil_dal"}],
        "household": {
            "version": 1,
            "members": [
                member_day(ANA, NAME, TARGET),
                member_day(BEN, "Ben", 4.0, f"The shared plan has no breakfast: {NAME}'s diet."),
            ],
        },
    }


async def fill(store: Store) -> int:
    """Ana with something in every table, in a household named after her that Ben shares."""
    await add_user(store, ANA, NOW, name=NAME, target_ug=TARGET, diet="vegan")
    await add_user(store, BEN, NOW, name="Ben")
    ts = TrackingStore(store)
    await ts.log_meal(ANA, TODAY, "dinner", "lentil_dal", "eaten", 1.1, now_utc=NOW)
    await ts.log_dose(ANA, TODAY, 1000.0, "oral", taken_utc=NOW)
    await ts.add_lab(ANA, LabResult(Marker("serum"), LAB, "pg/mL", TODAY), now_utc=NOW)
    reminder = parse_remind("daily 1000 08:00", "Europe/Berlin", TODAY)
    await ts.add_reminder(ANA, reminder, NOW + dt.timedelta(days=1), now_utc=NOW)
    await ts.set_product(ANA, "nutritional_yeast", LABEL, LABEL, "100 g", now_utc=NOW)
    await ts.set_retest(ANA, 6, TODAY + dt.timedelta(days=180), None, now_utc=NOW)
    await ts.claim_send(ANA, "evening", f"{ANA}@x", now_utc=NOW)
    await store.save_plan(user_owner(ANA), TODAY, {"meals": [], "who": NAME}, now_utc=NOW)
    households = HouseholdStore(store)
    home = await households.create_household(ANA, f"{NAME}'s household", NOW)
    invite = await households.create_invite(home.household_id, ANA, NOW)
    await households.join(BEN, invite.token, NOW + dt.timedelta(minutes=1))
    ana = await store.get_user(ANA)
    assert ana is not None
    await households.link_group(-100777, home.household_id, ana, "Family chat", NOW)
    await households.create_invite(home.household_id, ANA, NOW)  # a live invite by Ana
    owner = household_owner(home.household_id)
    for day in (TODAY - dt.timedelta(days=3), TODAY):
        await store.save_plan(owner, day, household_body(day), now_utc=NOW)
    async with store.db.transaction() as conn:
        for list_owner in (user_owner(ANA), owner):
            await conn.execute(
                sa.insert(shopping_lists).values(
                    owner=list_owner,
                    start_day=TODAY,
                    days=3,
                    body={"items": [NAME]},
                    created_utc=NOW,
                )
            )
    return home.household_id


def test_name_pattern_matches_whole_words_only() -> None:
    pattern = name_pattern("Al")
    assert pattern is not None
    assert pattern.sub("X", "Al's plan. Also al") == "X's plan. Also X"
    assert name_pattern("   ") is None


def test_anonymised_plan_drops_the_member_and_their_name() -> None:
    body = household_body(TODAY)
    result = anonymised_plan(body, ANA, name_pattern(NAME))
    members = result["household"]["members"]
    assert [m["user_id"] for m in members] == [BEN]
    assert members[0]["notes"] == [f"The shared plan has no breakfast: {FORMER_MEMBER}'s diet."]
    assert result["meals"] == body["meals"]


async def test_export_holds_the_household_the_user_sees(store: Store) -> None:
    await fill(store)
    data = await AccountStore(store.db).household_export(ANA)
    home = data["household"]
    assert home["name"] == f"{NAME}'s household" and home["your_role"] == "owner"
    assert [(m["name"], m["you"]) for m in home["members"]] == [(NAME, True), ("Ben", False)]
    assert [(g["title"], g["linked_by_you"]) for g in home["group_links"]] == [
        ("Family chat", True)
    ]
    assert len(home["invites"]) == 2 and sum(i["revoked"] is None for i in home["invites"]) == 1
    assert [p["day"] for p in home["plans"]] == ["2026-11-21", "2026-11-24"]
    assert home["shopping_lists"][0]["list"] == {"items": [NAME]}
    assert data["shopping_lists"][0]["days"] == 3
    assert len(data["invites_you_made"]) == 2 and data["groups_you_linked"]
    assert set(data["about"]) >= {"household", "household.plans", "settings", "tables"}
    assert "token" not in str(home["invites"])
    ben = await AccountStore(store.db).household_export(BEN)
    assert [m["you"] for m in ben["household"]["members"]] == [False, True]
    ana_day, ben_day = ben["household"]["plans"][0]["plan"]["household"]["members"]
    assert ana_day == {"name": NAME, "diet": "vegan", "target_ug": TARGET}, (
        "only what /family shows"
    )
    assert ben_day["user_id"] == BEN and "notes" in ben_day and "topups" in ben_day
    assert ben["invites_you_made"] == [] and ben["groups_you_linked"] == []


async def test_delete_leaves_no_trace_in_any_table(store: Store, database_url: str) -> None:
    household_id = await fill(store)
    found = await table_hits(database_url, ANA, [NAME, str(TARGET), str(LAB)], [TARGET, LABEL])
    assert {"users", "plans", "households", "lab_results", "user_products"} <= {
        t for t, _ in found
    }, "the scan sees the data before the delete"

    erased = await store.delete_user(ANA)

    assert erased.household_id == household_id and not erased.household_ended
    assert erased.renamed == (household_id,)
    left = await table_hits(database_url, ANA, [NAME, str(TARGET), str(LAB)], [TARGET, LABEL])
    assert left == [], f"rows still mention the user: {left}"
    households = HouseholdStore(store)
    home = await households.get_household(household_id)
    assert home is not None and home.name == NEUTRAL_HOUSEHOLD_NAME
    assert [m.user_id for m in await households.members(household_id)] == [BEN]
    past = await store.get_plan(household_owner(household_id), TODAY - dt.timedelta(days=3))
    assert past is not None, "the household's history stays, anonymised"
    assert [m["name"] for m in past["household"]["members"]] == ["Ben"]
    assert await store.get_user(BEN) is not None


async def test_last_member_takes_the_household_and_its_lists_along(store: Store) -> None:
    await add_user(store, ANA, NOW, name=NAME)
    households = HouseholdStore(store)
    home = await households.create_household(ANA, "Solo", NOW)
    owner = household_owner(home.household_id)
    async with store.db.transaction() as conn:
        await conn.execute(
            sa.insert(shopping_lists).values(
                owner=owner, start_day=TODAY, days=1, body={"items": []}, created_utc=NOW
            )
        )
    erased = await store.delete_user(ANA)
    assert erased.household_ended and erased.renamed == ()
    assert await households.get_household(home.household_id) is None
    async with store.db.read() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).select_from(shopping_lists))
    assert count == 0


async def test_sqlite_files_hold_no_byte_of_the_deleted_user(tmp_path: Path) -> None:
    """While the store is open (the bot running): database, -wal and -shm, raw and with every
    zlib stream in them inflated."""
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    try:
        await fill(store)
        before = raw_hits(path, needles())
        assert {"name", "id as text", "target as double"} <= {n for _, n in before}, (
            "the raw scan sees the data before the delete"
        )
        assert await store.pragma("secure_delete") == 1

        await store.delete_user(ANA)

        assert raw_hits(path, needles()) == []
        wal = path.with_name(path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0, "the WAL was checkpointed"
        assert await store.get_user(BEN) is not None
    finally:
        await store.close()
