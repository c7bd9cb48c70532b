"""Privacy: /export returns the user's data as a JSON file; /delete, after a
confirmation tap, leaves no row anywhere in the database that mentions them; log files carry
no health values."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from ptb_offline import OfflineBot, TgUser, answers, onboard, texts, visible_text
from store_helpers import rows_mentioning

from bot.storage.family import HouseholdStore

UTC = dt.UTC
ANA = 987654321  # distinctive: cannot appear by chance inside other numbers of the test
BEN = 123123123


async def fill_everything(bot: OfflineBot, chat, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    await onboard(chat)
    await chat.send("/today")
    await chat.tap("Breakfast eaten")
    await chat.send("/ate 1.3")
    await chat.send("/took 1000")
    await chat.send("/levels add serum 312 pg/mL 2026-10-02")
    await chat.send("/levels add mma 0.41 umol/L 2026-10-02")
    await chat.send("/levels retest 6")
    await chat.send("/remind daily 777 08:00")
    await chat.send("/myproducts nutritional yeast 23")
    await chat.send("/evening on")
    bot.clock.set(dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
    from bot.chat.jobs.tracking import run_tracking_tick_now

    await run_tracking_tick_now(bot.app)  # the reminder fires: a ledger row
    await chat.tap("Taken")
    await chat.send("/today")  # a stored plan for the new day (/myproducts replanned today's)


async def test_export_then_delete_leaves_nothing_behind(
    bot: OfflineBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the default LOG_LEVEL; DEBUG makes PTB log message texts
    chat = bot.chat(TgUser(id=ANA, first_name="Ana", username=None))
    await fill_everything(bot, chat, caplog)
    # a household with another member, so it outlives Ana
    ben = bot.chat(TgUser(id=BEN, first_name="Ben", username=None))
    await onboard(ben)
    households = HouseholdStore(bot.services.store)
    home = await households.create_household(ANA, "Home", bot.clock.now())
    invite = await households.create_invite(home.household_id, ANA, bot.clock.now())
    await households.join(BEN, invite.token, bot.clock.now())
    assert (await bot.services.store.get_user(ANA)).household_id == home.household_id  # type: ignore[union-attr]

    # --- export
    bot.request.files.clear()
    calls = await chat.send("/export")
    assert [c.method for c in calls if c.method == "sendDocument"] == ["sendDocument"]
    (payload,) = bot.request.uploads("sendDocument")
    data = json.loads(payload)
    assert data["user_id"] == ANA and data["settings"]["first_name"] == "Ana"
    assert [(r["marker"], r["value"], r["unit"]) for r in data["lab_results"]] == [
        ("serum", 312.0, "pg/mL"),
        ("mma", 0.41, "µmol/L"),
    ]
    assert [r["dose_ug"] for r in data["reminders"]] == [777.0]
    tables = data["tables"]
    assert sorted(d["dose_ug"] for d in tables["doses"]) == [777.0, 1000.0]
    assert {m["status"] for m in tables["meal_logs"]} == {"eaten"}
    assert len(tables["meal_logs"]) == 2  # breakfast + the extra
    assert tables["user_products"][0]["ingredient_id"] == "nutritional_yeast"
    assert tables["household_members"][0]["role"] == "owner"
    assert tables["retest_settings"][0]["months"] == 6
    assert tables["plans"], "plans are part of the export"
    assert await rows_mentioning(tmp_path / "bot.sqlite3", ANA), "the data is there before /delete"

    # --- delete, with a confirmation tap
    calls = await chat.send("/delete")
    prompt = visible_text(texts(calls)[0])
    assert "lab results" in prompt and "household" in prompt
    calls = await chat.tap("Keep my data")
    assert await bot.tracking.labs(ANA) != []
    await chat.send("/delete")
    calls = await chat.tap("Yes, erase everything")
    assert answers(calls) == ["Erased."]

    left = await rows_mentioning(tmp_path / "bot.sqlite3", ANA)
    assert left == [], f"rows still mention the user: {left}"
    # Ben's data and the household he is still in are untouched
    assert (await bot.services.store.get_user(BEN)) is not None
    assert [m.user_id for m in await households.members(home.household_id)] == [BEN]

    # --- no health values in the logs
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for value in ("312", "0.41", "777", "1000", "1,000", "1.3", "23"):
        assert value not in logged, f"log mentions {value!r}"
