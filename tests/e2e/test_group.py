"""End to end over local HTTP: a household's family group chat, with the real application.

Why: group chats differ from private chats in ways only the wire shows — the chat type that
routes /plan to the household, getChatMember deciding who may link the group, personal
commands that must not touch anyone's settings in front of the family, and the group's own
daily push. Two users share a household; Ana is a group admin, Ben a plain member.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from e2e_bot import (
    ANA,
    BEN,
    LINK,
    NAMES,
    TOKEN,
    WAIT_S,
    buttons,
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

from bot.chat.jobs.family import run_group_push_tick_now
from bot.chat.render.format import fmt_day
from bot.core.clock import local_instant_utc
from bot.core.household_codec import household_from_dict
from bot.storage.store import household_owner

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

GROUP = -100555
GROUP_TITLE = "Smiths at home"
DAY = dt.date(2026, 6, 10)
MEMBER_LINE = re.compile(r"^[✅⚠️]+ (\w+): [\d.]+ µg of ([\d.]+) µg", re.MULTILINE)
GROUP_MEAL = re.compile(r"^\S+ (Breakfast|Lunch|Dinner|Snack): (.+?) \([\d.]+ µg", re.MULTILINE)


async def in_group(api: FakeBotApi, user_id: int, text: str) -> dict[str, Any]:
    """`user_id` writes `text` in the family group; returns the bot's reply there."""
    mark = api.mark()
    api.user_sends_in_group(
        user_id, GROUP, text, title=GROUP_TITLE, chat_type="supergroup", first_name=NAMES[user_id]
    )
    call = await api.wait_for("sendMessage", to_chat(GROUP), timeout=WAIT_S, after=mark)
    return call.result


def group_pushes(api: FakeBotApi) -> list[dict[str, Any]]:
    return [
        c.result
        for c in api.calls_of("sendMessage")
        if to_chat(GROUP)(c) and c.result["text"].startswith("☀️ Plan for")
    ]


async def test_family_group_plan_link_settings_and_daily_push(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    clock = Clock(local_instant_utc(DAY, dt.time(6, 0), "Europe/Berlin"))
    push_at = local_instant_utc(DAY, dt.time(7, 30), "Europe/Berlin")
    api.set_member_status(GROUP, ANA, "administrator")  # Ben keeps the default: member
    async with (
        asyncio.timeout(90),
        api,
        running_bot(api, tmp_path, now=clock.now) as (application, errors),
    ):
        services = services_of(application)
        await onboard(api, ANA, "Omnivore", "4.0")  # push time 07:30, Europe/Berlin
        await onboard(api, BEN, "Vegetarian", "2.4")
        await say(api, ANA, "/family create The Smiths", last=True)
        invite = next(m for m in reversed(api.messages_to(ANA)) if LINK.search(m["text"]))
        confirm = await say(api, BEN, f"/start {LINK.search(invite['text']).group(1)}")
        await tap(api, confirm, "Join")
        ana = await services.store.get_user(ANA)
        assert ana is not None and ana.household_id is not None
        assert (await services.store.get_user(BEN)).household_id == ana.household_id

        # before anyone links it, /plan in the group says how to link it
        unlinked = await in_group(api, BEN, "/plan")
        assert "isn't linked to a household" in unlinked["text"]
        assert unlinked["chat"]["type"] == "supergroup"

        # Ben is a household member but not a group admin: refused, nothing linked
        refused = await in_group(api, BEN, "/family link")
        assert "Only group admins" in refused["text"]
        assert await services.family.households.group_link(GROUP) is None
        assert any(
            c.params.get("user_id") == BEN and int(c.params["chat_id"]) == GROUP
            for c in api.calls_of("getChatMember")
        )

        # Ana is both: the group is linked at her push time and zone
        linked = await in_group(api, ANA, "/family link")
        assert "This group now gets the plan of The Smiths every day at 07:30" in linked["text"]
        link = await services.family.households.group_link(GROUP)
        assert link is not None and link.active and link.household_id == ana.household_id
        assert link.title == GROUP_TITLE

        # /plan in the group: the household's shared menu, never a member's target or total
        plan = await in_group(api, BEN, "/plan")
        assert f"Plan for {fmt_day(DAY)}" in plan["text"]
        assert "The Smiths · 2 people" in plan["text"]
        assert MEMBER_LINE.findall(plan["text"]) == []
        assert "Ana:" not in plan["text"] and "Ben:" not in plan["text"]
        stored = household_from_dict(
            await services.store.get_plan(household_owner(ana.household_id), DAY)
        )
        shared = {
            m.slot.value.capitalize(): services.recipes.recipes[m.recipe_id].name
            for m in stored.plan.meals
        }
        assert dict(GROUP_MEAL.findall(plan["text"])) == shared
        ana_today = await say(api, ANA, "/today")
        assert {k: v for k, v in meals_in(ana_today["text"]).items() if k in shared} == shared

        # a personal command in the group: no settings shown, a button to the private chat
        ana_before = await services.store.get_user(ANA)
        settings = await in_group(api, ANA, "/settings")
        assert "private chat" in settings["text"]
        assert "07:30" not in settings["text"] and "Berlin" not in settings["text"]
        rows = settings["reply_markup"]["inline_keyboard"]
        assert [(b["text"], b.get("url")) for row in rows for b in row] == [
            ("💬 Open private chat", "https://t.me/b12_test_bot")
        ]
        assert buttons(settings) == [("💬 Open private chat", "")]  # a URL, not a callback
        assert await services.store.get_user(ANA) == ana_before

        # the group's daily push: nothing a minute early, once at 07:30, never twice
        clock.current = push_at - dt.timedelta(minutes=1)
        assert await run_group_push_tick_now(application) == 0
        assert group_pushes(api) == []
        clock.current = push_at + dt.timedelta(seconds=20)
        await run_group_push_tick_now(application)
        await api.wait_for(
            "sendMessage",
            lambda c: to_chat(GROUP)(c) and c.result["text"].startswith("☀️ Plan for"),
            timeout=WAIT_S,
        )
        pushed = group_pushes(api)
        assert len(pushed) == 1
        assert fmt_day(DAY) in pushed[0]["text"] and "The Smiths" in pushed[0]["text"]
        assert dict(GROUP_MEAL.findall(pushed[0]["text"])) == shared
        clock.current = push_at + dt.timedelta(minutes=1)
        assert await run_group_push_tick_now(application) == 0
        clock.current = push_at + dt.timedelta(hours=1)
        assert await run_group_push_tick_now(application) == 0
        assert len(group_pushes(api)) == 1

        assert errors == [], f"handlers raised: {errors!r}"
        assert all(c.status != 400 for c in api.calls), [
            (c.method, c.result) for c in api.calls if c.status == 400
        ]
