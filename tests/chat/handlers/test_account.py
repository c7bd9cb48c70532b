"""The account feature through the real Application offline: /privacy says what a group sees
and the user's own choice, the group consent step (nobody's target shown until they agree),
/export carries the household, /delete takes a member out of the household's plans and
name while the others keep their plans, leaves no row anywhere that mentions them, and log
files carry no health values."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

import pytest
from ptb_offline import (
    OfflineBot,
    OfflineChat,
    TgUser,
    answers,
    onboard,
    texts,
    visible_text,
)
from raw_scan import table_hits
from store_helpers import rows_mentioning

from bot.chat.render.family import GROUP_PRIVACY_NOTE
from bot.storage.account import NEUTRAL_HOUSEHOLD_NAME
from bot.storage.family import HouseholdStore
from bot.storage.store import household_owner

ANA = TgUser(id=987654321, first_name="Zephyrine", username=None)
BEN = TgUser(id=1002, first_name="Ben", username="ben")
CLEO = TgUser(id=1003, first_name="Cleo", username="cleo")


def invite_token(calls: list) -> str:  # type: ignore[type-arg]
    for text in texts(calls):
        match = re.search(r"https://t\.me/b12_test_bot\?start=([A-Za-z0-9_-]+)", text)
        if match:
            return match.group(1)
    raise AssertionError("no invite link sent")


async def household(bot: OfflineBot) -> tuple[OfflineChat, OfflineChat]:
    """Zephyrine (target 7.3 µg) owns "Zephyrine's household"; Ben (2.4 µg) joined it."""
    ana, ben = bot.chat(ANA), bot.chat(BEN)
    await onboard(ana, "Vegan", "2.4")
    await ana.send("/target 7.3")
    await onboard(ben, "Omnivore", "2.4")
    token = invite_token(await ana.send("/family create"))
    await ben.send(f"/start {token}")
    await ben.tap("Join")
    return ana, ben


async def test_privacy_says_what_a_group_sees_and_the_users_own_choice(bot: OfflineBot) -> None:
    _, ben = await household(bot)
    privacy = visible_text(texts(await ben.send("/privacy"))[-1])
    group_part = next(line for line in privacy.splitlines() if "group chat linked" in line)
    assert "shared meals" in group_part and "only if that member agreed" in group_part
    assert "You have not chosen to share" in group_part
    assert "never sees your totals" in group_part
    await ben.send("/family share on")
    privacy = visible_text(texts(await ben.send("/privacy"))[-1])
    assert "You chose to share" in privacy
    stranger = bot.chat(CLEO)
    privacy = visible_text(texts(await stranger.send("/privacy"))[-1])
    assert "You chose" not in privacy and "You have not chosen" not in privacy


async def test_group_shows_a_members_target_only_after_they_agree(bot: OfflineBot) -> None:
    await household(bot)
    cleo = bot.chat(CLEO)
    await onboard(cleo, "Omnivore", "2.4")
    g_ana, g_ben, g_cleo = bot.group(ANA), bot.group(BEN), bot.group(CLEO)
    bot.request.admins = frozenset({ANA.id})
    calls = await g_ana.send("/family link")
    linked = visible_text(texts(calls)[-1])
    assert GROUP_PRIVACY_NOTE in linked
    assert [label for label, _ in calls[-1].buttons] == ["Show my target here", "Keep mine private"]
    group_text = visible_text(texts(await g_cleo.send("/plan"))[-1])
    assert "target" not in group_text and "7.3" not in group_text

    calls = await g_cleo.tap_data("v1:gshare:on", g_ana.messages()[-2])  # not a member
    assert "Only members" in answers(calls)[0]
    calls = await g_ben.tap_data("v1:gshare:on", g_ana.messages()[-2])
    assert "now show" in answers(calls)[0]
    group_text = visible_text(texts(await g_cleo.send("/plan"))[-1])
    assert "Ben: target 2.4 µg" in group_text
    assert "Zephyrine: target" not in group_text and "7.3" not in group_text

    await bot.chat(BEN).send("/family share off")
    group_text = visible_text(texts(await g_ana.send("/plan"))[-1])
    assert "target" not in group_text


async def test_export_holds_the_household_the_user_sees(bot: OfflineBot) -> None:
    ana, _ = await household(bot)
    bot.request.admins = frozenset({ANA.id})
    await bot.group(ANA).send("/family link")
    await ana.send("/today")
    bot.request.files.clear()
    await ana.send("/export")
    (payload,) = bot.request.uploads("sendDocument")
    data = json.loads(payload)
    home = data["household"]
    assert home["name"] == "Zephyrine's household" and home["your_role"] == "owner"
    assert sorted((m["name"], m["you"]) for m in home["members"]) == [
        ("Ben", False),
        ("Zephyrine", True),
    ]
    assert [g["title"] for g in home["group_links"]] == ["Smith family"]
    assert home["invites"] and home["plans"]
    members = home["plans"][0]["plan"]["household"]["members"]
    assert {m["name"]: m["target_ug"] for m in members} == {"Zephyrine": 7.3, "Ben": 2.4}
    assert "household.plans" in data["about"] and data["settings"]["target_ug"] == 7.3


async def test_export_and_delete_answer_only_in_private(bot: OfflineBot) -> None:
    await household(bot)
    group = bot.group(ANA)
    bot.request.files.clear()
    calls = await group.send("/export")
    assert "only in a private chat" in visible_text(texts(calls)[-1]).replace("privately", "")
    assert bot.request.uploads("sendDocument") == []
    calls = await group.send("/delete")
    assert not any(label.startswith("🗑") for c in calls for label, _ in c.buttons)
    assert await bot.services.store.get_user(ANA.id) is not None


async def test_delete_takes_a_member_out_of_the_household(bot: OfflineBot, tmp_path: Path) -> None:
    ana, ben = await household(bot)
    await ana.send("/today")
    await ben.send("/today")
    svc = bot.services
    household_id = (await svc.store.get_user(BEN.id)).household_id  # type: ignore[union-attr]
    await ana.send("/delete")
    calls = await ana.tap("Yes, erase everything")
    assert answers(calls) == ["Erased."]
    assert "no longer include you" in visible_text(texts(calls, "editMessageText")[-1])
    (told,) = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == BEN.id]
    notice = visible_text(told.text)
    assert "deleted their data" in notice and "You are its owner now" in notice
    assert "Zephyrine" not in notice and NEUTRAL_HOUSEHOLD_NAME in notice

    left = await table_hits(tmp_path / "bot.sqlite3", ANA.id, ["Zephyrine"], [7.3])
    assert left == [], f"rows still mention the user: {left}"
    family = visible_text(texts(await ben.send("/family"))[-1])
    assert NEUTRAL_HOUSEHOLD_NAME in family and "Zephyrine" not in family
    today = visible_text(texts(await ben.send("/today"))[-1])
    assert "Zephyrine" not in today and "7.3" not in today
    user = await svc.store.get_user(BEN.id)
    assert user is not None
    raw = await svc.store.get_plan(household_owner(household_id), svc.today(user))
    assert raw is not None and [m["user_id"] for m in raw["household"]["members"]] == [BEN.id]


# --------------------------------------------------------------------------- export, delete, logs

UTC = dt.UTC
ANA_ID = 987654321  # distinctive: cannot appear by chance inside other numbers of the test
BEN_ID = 123123123


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
    chat = bot.chat(TgUser(id=ANA_ID, first_name="Ana", username=None))
    await fill_everything(bot, chat, caplog)
    # a household with another member, so it outlives Ana
    ben = bot.chat(TgUser(id=BEN_ID, first_name="Ben", username=None))
    await onboard(ben)
    households = HouseholdStore(bot.services.store)
    home = await households.create_household(ANA_ID, "Home", bot.clock.now())
    invite = await households.create_invite(home.household_id, ANA_ID, bot.clock.now())
    await households.join(BEN_ID, invite.token, bot.clock.now())
    assert (await bot.services.store.get_user(ANA_ID)).household_id == home.household_id  # type: ignore[union-attr]

    # --- export
    bot.request.files.clear()
    calls = await chat.send("/export")
    assert [c.method for c in calls if c.method == "sendDocument"] == ["sendDocument"]
    (payload,) = bot.request.uploads("sendDocument")
    data = json.loads(payload)
    assert data["user_id"] == ANA_ID and data["settings"]["first_name"] == "Ana"
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
    assert await rows_mentioning(tmp_path / "bot.sqlite3", ANA_ID), (
        "the data is there before /delete"
    )

    # --- delete, with a confirmation tap
    calls = await chat.send("/delete")
    prompt = visible_text(texts(calls)[0])
    assert "lab results" in prompt and "household" in prompt
    calls = await chat.tap("Keep my data")
    assert await bot.tracking.labs(ANA_ID) != []
    await chat.send("/delete")
    calls = await chat.tap("Yes, erase everything")
    assert answers(calls) == ["Erased."]

    left = await rows_mentioning(tmp_path / "bot.sqlite3", ANA_ID)
    assert left == [], f"rows still mention the user: {left}"
    # Ben's data and the household he is still in are untouched
    assert (await bot.services.store.get_user(BEN_ID)) is not None
    assert [m.user_id for m in await households.members(home.household_id)] == [BEN_ID]

    # --- no health values in the logs
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for value in ("312", "0.41", "777", "1000", "1,000", "1.3", "23"):
        assert value not in logged, f"log mentions {value!r}"


async def test_the_members_who_remain_are_told_what_happens_to_the_plan(bot: OfflineBot) -> None:
    ana, _ben = await household(bot)  # no plan stored yet: nothing to make again
    await ana.send("/delete")
    calls = await ana.tap("Yes, erase everything")
    (told,) = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == BEN.id]
    notice = visible_text(told.text)
    assert "Plans from now on are made for the members who remain" in notice
    assert "/today" in notice


async def test_a_german_member_is_told_in_german(bot: OfflineBot) -> None:
    ana, ben = await household(bot)
    await ben.send("/language de")
    await ana.send("/delete")
    calls = await ana.tap("Yes, erase everything")
    (told,) = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == BEN.id]
    assert "hat seine Daten gelöscht" in visible_text(told.text)
    assert "Everything I stored about you is erased" in texts(calls, "editMessageText")[-1]
