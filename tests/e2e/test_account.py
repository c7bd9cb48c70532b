"""End to end over local HTTP: a member of a household fills every kind of data, exports it,
deletes it with a confirming tap, and is really gone: the other member's household is renamed
and replanned without her, no table mentions her (both engines) and, on SQLite, no byte of
the database, -wal or -shm file holds her id, name or distinctive values while the bot runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import struct
from pathlib import Path

import e2e_bot
import pytest
from e2e_bot import (
    LINK,
    TOKEN,
    WAIT_S,
    database_url,
    onboard,
    running_bot,
    say,
    services_of,
    tap,
    to_chat,
)
from fake_bot_api import FakeBotApi
from fake_clock import Clock
from raw_scan import raw_hits, table_hits

from bot.storage.account import NEUTRAL_HOUSEHOLD_NAME
from bot.storage.store import household_owner

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

ZED, BEN = 777000111222, 5102  # Zephyrine's id: six bytes as an integer
NAME = "Zephyrine"
TARGET, LAB, LABEL, REMINDER = 7.3, 312.77, 23.456, 777
NEEDLES = {
    "id as text": str(ZED).encode(),
    "id as 6-byte integer": ZED.to_bytes(6, "big"),
    "name": NAME.encode(),
    "target as double": struct.pack(">d", TARGET),
    "lab value as text": str(LAB).encode(),
    "label as double": struct.pack(">d", LABEL),
}


async def test_delete_journey_leaves_no_byte_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(e2e_bot.NAMES, ZED, NAME)
    api = FakeBotApi(TOKEN)
    clock = Clock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    url = database_url(tmp_path)
    async with (
        asyncio.timeout(120),
        api,
        running_bot(api, tmp_path, now=clock.now) as (application, errors),
    ):
        services = services_of(application)
        await onboard(api, ZED, "Vegan", "2.4")
        await onboard(api, BEN, "Omnivore", "2.4")
        assert "7.3" in (await say(api, ZED, f"/target {TARGET}", last=True))["text"]
        await say(api, ZED, f"/levels add serum {LAB} pg/mL 2026-10-02", last=True)
        await say(api, ZED, f"/myproducts nutritional yeast {LABEL}", last=True)
        await say(api, ZED, f"/remind daily {REMINDER} 08:00", last=True)
        await say(api, ZED, "/took 1000", last=True)

        # a household named after her, which Ben joins; both get today's shared plan
        await say(api, ZED, "/family create", last=True)
        invite = next(m for m in reversed(api.messages_to(ZED)) if LINK.search(m["text"]))
        token = LINK.search(invite["text"]).group(1)  # type: ignore[union-attr]
        confirm = await say(api, BEN, f"/start {token}")
        await tap(api, confirm, "Join")
        await say(api, ZED, "/today")
        await say(api, BEN, "/today")
        ben = await services.store.get_user(BEN)
        assert ben is not None and ben.household_id is not None
        household_id = ben.household_id
        stored = await services.store.get_plan(household_owner(household_id), services.today(ben))
        assert stored is not None and NAME in str(stored)

        # the export holds her data and the household she sees
        mark = api.mark()
        api.user_sends(ZED, "/export", first_name=NAME)
        call = await api.wait_for("sendDocument", to_chat(ZED), timeout=WAIT_S, after=mark)
        (payload,) = call.files.values()
        data = json.loads(payload)
        assert data["settings"]["target_ug"] == TARGET
        assert data["household"]["name"] == f"{NAME}'s household"
        assert sorted(m["name"] for m in data["household"]["members"]) == ["Ben", NAME]
        assert data["household"]["plans"] and "about" in data

        found = await table_hits(url, ZED, [NAME], [TARGET, LAB, LABEL])
        assert {"users", "plans", "households", "lab_results"} <= {t for t, _ in found}
        sqlite_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
        if sqlite_file is not None:  # the scan sees her bytes before the delete
            assert {"name", "id as text"} <= {n for _, n in raw_hits(sqlite_file, NEEDLES)}

        # delete, with a confirmation tap
        prompt = await say(api, ZED, "/delete")
        done = await tap(api, prompt, "Yes, erase everything")
        assert "erased" in done.result["text"]

        family = await say(api, BEN, "/family", last=True)
        assert NEUTRAL_HOUSEHOLD_NAME in family["text"] and NAME not in family["text"]
        today = await say(api, BEN, "/today")
        assert NAME not in today["text"]
        stored = await services.store.get_plan(household_owner(household_id), services.today(ben))
        assert stored is not None
        assert [m["user_id"] for m in stored["household"]["members"]] == [BEN]

        left = await table_hits(url, ZED, [NAME], [TARGET, LAB, LABEL])
        assert left == [], f"rows still mention the user: {left}"
        if sqlite_file is not None:  # while the bot runs: database, -wal and -shm
            assert raw_hits(sqlite_file, NEEDLES) == [], "bytes of the user stay on disk"
        assert errors == []
