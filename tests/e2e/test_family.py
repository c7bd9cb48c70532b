"""End to end over local HTTP: the real application against the fake Bot API on 127.0.0.1.

Two users create a household and join by the deep link, both see the same plan that meets
both (different) targets, one swaps a meal and both see it (the other is told), and a third
user with a forged or expired token gets "this invite is no longer valid" and nothing else.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import pytest
from e2e_bot import (
    ANA,
    BEN,
    CLEO,
    LINK,
    TOKEN,
    WAIT_S,
    meals_in,
    onboard,
    running_bot,
    say,
    services_of,
    tap,
    to_chat,
)
from fake_bot_api import FakeBotApi
from fake_clock import Clock

from bot.core.household_check import check_household
from bot.core.household_codec import household_from_dict
from bot.storage.store import household_owner

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

TOTAL = re.compile(r"B12 ([\d.]+) µg of your ([\d.]+) µg target: met")


async def test_two_users_share_a_household_and_a_stranger_gets_nothing(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    clock = Clock(dt.datetime.now(dt.UTC))
    async with (
        asyncio.timeout(90),
        api,
        running_bot(api, tmp_path, now=clock.now) as (application, errors),
    ):
        services = services_of(application)
        await onboard(api, ANA, "Omnivore", "4.0")
        await onboard(api, BEN, "Vegetarian", "2.4")

        # Ana creates the household and gets an invite deep link
        await say(api, ANA, "/family create The Smiths", last=True)
        invite = next(m for m in reversed(api.messages_to(ANA)) if LINK.search(m["text"]))
        token = LINK.search(invite["text"]).group(1)
        assert len(token) == 32

        # Ben opens the link: who invites him to what, Join / Cancel
        confirm = await say(api, BEN, f"/start {token}")
        assert "Ana invites you to The Smiths" in confirm["text"]
        mark = api.mark()
        joined = await tap(api, confirm, "Join")
        assert "You're in The Smiths" in joined.result["text"]
        told = await api.wait_for("sendMessage", to_chat(ANA), timeout=WAIT_S, after=mark)
        assert told.result["text"] == "👋 Ben joined The Smiths."

        # both see the same shared meals, each meeting their own target
        ana_today = await say(api, ANA, "/today")
        ben_today = await say(api, BEN, "/today")
        ana_total = TOTAL.search(ana_today["text"])
        ben_total = TOTAL.search(ben_today["text"])
        assert ana_total and float(ana_total.group(2)) == pytest.approx(4.0)
        assert ben_total and float(ben_total.group(2)) == pytest.approx(2.4)
        assert float(ana_total.group(1)) >= 4.0 and float(ben_total.group(1)) >= 2.4
        user = await services.store.get_user(ANA)
        day = services.today(user)
        stored = household_from_dict(
            await services.store.get_plan(household_owner(user.household_id), day)
        )
        members = await services.plans.members(user.household_id)
        assert check_household(services.recipes, stored, members) == []
        shared = {
            m.slot.value.capitalize(): services.recipes.recipes[m.recipe_id].name
            for m in stored.plan.meals
        }
        for text in (ana_today["text"], ben_today["text"]):
            seen = meals_in(text)
            assert {slot: seen[slot] for slot in shared} == shared

        # Ben swaps lunch: his message changes, Ana is told in one short message, and her
        # /today shows the new lunch too
        mark = api.mark()
        swapped = await tap(api, ben_today, "Swap lunch")
        new_lunch = meals_in(swapped.result["text"])["Lunch"]
        assert new_lunch != shared["Lunch"]
        notice = await api.wait_for("sendMessage", to_chat(ANA), timeout=WAIT_S, after=mark)
        assert notice.result["text"].startswith("🔁 Ben swapped lunch")
        assert new_lunch in notice.result["text"] and len(notice.result["text"]) < 200
        assert meals_in((await say(api, ANA, "/today"))["text"])["Lunch"] == new_lunch
        assert meals_in((await say(api, BEN, "/today"))["text"])["Lunch"] == new_lunch

        # Cleo: a forged token, then the real one after it expired -> nothing
        await onboard(api, CLEO, "Omnivore", "2.4")
        forged = await say(api, CLEO, "/start " + "Q" * 32)
        assert "This invite is no longer valid" in forged["text"]
        clock.current += dt.timedelta(days=7, minutes=1)
        expired = await say(api, CLEO, f"/start {token}")
        assert "This invite is no longer valid" in expired["text"]
        assert not any("Join" in str(m.get("reply_markup")) for m in api.messages_to(CLEO)[-2:])
        assert (await services.store.get_user(CLEO)).household_id is None
        assert "Shared household" not in (await say(api, CLEO, "/today"))["text"]

        assert errors == [], f"handlers raised: {errors!r}"
        assert all(c.status != 400 for c in api.calls), [
            (c.method, c.result) for c in api.calls if c.status == 400
        ]
