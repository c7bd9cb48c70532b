"""Forged button data and junk text through the real Application offline: days and reminder
times outside any window a real button carries, overlong /ate text and 5,000-character
inputs are answered clearly, store nothing and are never echoed back in full."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import OfflineBot, answers, onboard, texts, visible_text

from bot.chat.render.format import day_code, parse_count, parse_day_code
from bot.core.recipe_search import quote

UTC = dt.UTC
TODAY = dt.date(2026, 11, 24)
OWNER = "u:4242"


def test_parse_day_code_keeps_to_the_window_around_today() -> None:
    assert parse_day_code("99991231") == dt.date(9999, 12, 31)  # no window without today
    assert parse_day_code("99991231", TODAY) is None
    assert parse_day_code("00010101", TODAY) is None
    assert parse_day_code(day_code(TODAY + dt.timedelta(days=14)), TODAY) is not None
    assert parse_day_code(day_code(TODAY + dt.timedelta(days=15)), TODAY) is None
    assert parse_day_code(day_code(TODAY - dt.timedelta(days=1)), TODAY) is not None
    assert parse_day_code(day_code(TODAY - dt.timedelta(days=2)), TODAY) is None
    assert parse_day_code("2026112４") is None  # a full-width digit
    assert parse_day_code(" 20261124") is None


def test_parse_count_takes_only_short_ascii_numbers() -> None:
    assert parse_count("42") == 42
    assert parse_count("²") is None
    assert parse_count("١٢") is None
    assert parse_count("9" * 13) is None
    assert parse_count("") is None


def test_quote_cuts_long_input() -> None:
    assert quote("tofu") == "tofu"
    assert quote("x" * 5000) == "x" * 40 + "…"


@pytest.mark.parametrize(
    "data",
    [
        "v1:swap:99991231:breakfast:x",
        "v1:swap:00010101:breakfast:x",
        "v1:plan:99991231",
        "v1:shop:99991231:3",
        "v1:share:99991231",
        "v1:share:00010101",
        "v1:ml:e:99991231:breakfast:x",
        "v1:mlog:s:00010101:lunch:x",
    ],
)
async def test_forged_day_buttons_are_out_of_date_and_store_no_plan(
    bot: OfflineBot, data: str
) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    message = chat.messages()[-1]
    calls = await chat.tap_data(data, message)
    assert "out of date" in answers(calls)[0]
    assert texts(calls) == [] and texts(calls, "editMessageText") == []
    day = parse_day_code(data.split(":")[2] if "ml" not in data else data.split(":")[3])
    assert day is not None
    assert await bot.services.store.get_plan(OWNER, day) is None
    assert await bot.tracking.meal_logs(4242, day, day) == []


async def test_day_buttons_just_outside_the_window_store_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    message = chat.messages()[-1]
    far = TODAY + dt.timedelta(days=15)
    calls = await chat.tap_data(f"v1:plan:{day_code(far)}", message)
    assert "out of date" in answers(calls)[0]
    assert await bot.services.store.get_plan(OWNER, far) is None
    # a real /week day button (six days ahead) still shows that day's plan
    week_end = TODAY + dt.timedelta(days=6)
    calls = await chat.tap_data(f"v1:plan:{day_code(week_end)}", message)
    assert not any("out of date" in a for a in answers(calls))
    assert len(texts(calls)) == 1
    assert await bot.services.store.get_plan(OWNER, week_end) is not None


@pytest.mark.parametrize(
    "stamp",
    ["9" * 30, "99999999999", "253402300800", "0", "²", "1"],
)
async def test_forged_reminder_times_are_out_of_date_and_log_nothing(
    bot: OfflineBot, stamp: str
) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind daily 1000 08:00")
    rid = (await bot.tracking.reminders(4242))[0].id
    message = chat.messages()[-1]
    for action in ("t", "z", "k"):
        calls = await chat.tap_data(f"v1:rm:{action}:{rid}:{stamp}", message)
        assert "out of date" in answers(calls)[0]
        assert texts(calls, "editMessageText") == []
    assert await bot.tracking.doses(4242, dt.date(1970, 1, 1), dt.date(2100, 1, 1)) == []
    stored = (await bot.tracking.reminders(4242))[0]
    assert stored.last_answer is None


async def test_forged_reminder_id_is_out_of_date(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind daily 1000 08:00")
    message = chat.messages()[-1]
    now = int(bot.services.now().timestamp())
    calls = await chat.tap_data(f"v1:rm:t:{'9' * 40}:{now}", message)
    assert "out of date" in answers(calls)[0]
    calls = await chat.tap_data(f"v1:rmdel:{'9' * 40}", message)
    assert answers(calls) == ["That reminder was already deleted."]
    assert len(await bot.tracking.reminders(4242)) == 1


async def test_ate_with_overlong_junk_logs_nothing_and_a_short_dish_still_works(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/ate omelette " + "qz" * 500)
    assert len(texts(calls)) == 1
    shown = visible_text(texts(calls)[0])
    assert "too long" in shown and "Nothing was logged" in shown
    assert "qzqz" not in shown
    calls = await chat.send("/ate 2 eggs " + "x" * 200)
    assert "too long" in visible_text(texts(calls)[0])
    assert await bot.tracking.meal_logs(4242, TODAY, TODAY) == []

    calls = await chat.send("/ate shakshuka")
    assert "shakshuka" in visible_text(texts(calls)[0]).lower()
    logs = await bot.tracking.meal_logs(4242, TODAY, TODAY)
    assert len(logs) == 1 and logs[0].recipe_id == "shakshuka"


@pytest.mark.parametrize(
    "command",
    [
        "/" + "z" * 5000,
        "/recipe " + "z" * 5000,
        "/exclude " + "zq" * 2500,
        "/exclude " + ", ".join(["zzzq"] * 50),
        "/include " + "zq" * 2500,
        "/took " + "z" * 5000,
        "/shopping " + "z" * 5000,
        "/faq " + "z" * 5000,
        "/ate " + "z" * 5000,
        "/myproducts " + "z" * 5000,
    ],
)
async def test_long_input_is_never_echoed_in_full(bot: OfflineBot, command: str) -> None:
    chat = bot.chat()
    await onboard(chat)
    before = await bot.services.store.get_user(4242)
    calls = await chat.send(command)
    sent = texts(calls)
    assert len(sent) == 1
    assert len(sent[0]) < 1500
    assert "z" * 41 not in sent[0] and "zq" * 21 not in sent[0]
    assert await bot.services.store.get_user(4242) == before


# --------------------------------------------------------------------------- honest logging


async def test_yesterdays_plan_can_be_ticked_after_midnight_but_not_older(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    message, data = chat.find_button("Breakfast eaten")
    bot.clock.set(dt.datetime(2026, 11, 24, 23, 30, tzinfo=UTC))  # 00:30 in Berlin
    calls = await chat.tap_data(data, message)
    assert "out of date" not in answers(calls)[0]
    assert [m.slot for m in await bot.tracking.meal_logs(4242, TODAY, TODAY)] == ["breakfast"]
    bot.clock.set(dt.datetime(2026, 11, 25, 23, 30, tzinfo=UTC))  # two days on
    message, data = chat.find_button("Lunch eaten")
    calls = await chat.tap_data(data, message)
    assert "out of date" in answers(calls)[0]
    assert len(await bot.tracking.meal_logs(4242, TODAY, TODAY)) == 1


async def test_unknown_ate_asks_with_todays_meals_and_logs_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/today")
    plan = await bot.services.plans.stored_plan(await bot.services.store.get_user(4242), TODAY)
    assert plan is not None
    calls = await chat.send("/ate qzxv wobble")
    shown = visible_text(texts(calls)[-1])
    assert "nothing is logged" in shown and "qzxv wobble" in shown
    labels = [label for label, _ in calls[-1].buttons]
    assert labels[-1] == "None of these"
    assert 1 <= len(labels) - 1 <= min(3, len(plan.meals))
    names = {bot.services.recipes.recipes[m.recipe_id].name for m in plan.meals}
    assert all(label.removeprefix("✅ ").rsplit(" (", 1)[0] in names for label in labels[:-1])
    assert await bot.tracking.meal_logs(4242, TODAY, TODAY) == []

    calls = await chat.tap("None of these")
    assert answers(calls) == ["Nothing logged."]
    assert await bot.tracking.meal_logs(4242, TODAY, TODAY) == []

    await chat.send("/ate qzxv wobble")
    first = labels[0]
    calls = await chat.tap(first)
    logs = await bot.tracking.meal_logs(4242, TODAY, TODAY)
    assert [(log.status, log.slot) for log in logs] == [("eaten", first.rsplit("(", 1)[1][:-1])]


async def test_second_dose_within_an_hour_asks_and_logs_only_on_yes(bot: OfflineBot) -> None:
    from bot.chat.jobs.tracking import run_tracking_tick_now

    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind daily 1000 08:00")
    day = dt.date(2026, 11, 25)
    bot.clock.set(dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    await run_tracking_tick_now(bot.app)
    await chat.tap("Taken")
    bot.clock.set(dt.datetime(2026, 11, 25, 7, 20, tzinfo=UTC))
    calls = await chat.send("/took 1000")
    shown = visible_text(texts(calls)[-1])
    assert "already logged 1,000 µg 20 min ago" in shown.replace("1000", "1,000")
    assert [label for label, _ in calls[-1].buttons] == ["Yes, log it", "No"]
    assert len(await bot.tracking.doses(4242, day, day)) == 1

    calls = await chat.tap("No")
    assert answers(calls) == ["Not logged."]
    assert len(await bot.tracking.doses(4242, day, day)) == 1

    await chat.send("/took 1000")
    calls = await chat.tap("Yes, log it")
    assert answers(calls) == ["Logged."]
    assert [d.dose_ug for d in await bot.tracking.doses(4242, day, day)] == [1000.0, 1000.0]

    bot.clock.set(dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC))  # well over an hour later
    calls = await chat.send("/took 500")
    assert not calls[-1].buttons
    assert len(await bot.tracking.doses(4242, day, day)) == 3


@pytest.mark.parametrize(
    "fields",
    ["y:99999:oral:{now}", "y:1000:patch:{now}", "y:1000:oral:{old}", "y:1e3:oral:{now}", "y"],
)
async def test_forged_log_again_buttons_log_nothing(bot: OfflineBot, fields: str) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/took 1000")
    message = chat.messages()[-1]
    now = int(bot.services.now().timestamp())
    data = "v1:took2:" + fields.format(now=now, old=now - 3 * 3600)
    calls = await chat.tap_data(data, message)
    assert "out of date" in answers(calls)[0]
    assert len(await bot.tracking.doses(4242, TODAY, TODAY)) == 1


@pytest.mark.parametrize("servings", ["0", "21", "99", "-1", "²"])
async def test_recipe_buttons_with_forged_servings_show_nothing(
    bot: OfflineBot, servings: str
) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    recipe_id = next(iter(bot.services.recipes.recipes))
    message = chat.messages()[-1]
    calls = await chat.tap_data(f"v1:rec:{servings}:{recipe_id}", message)
    assert "no longer available" in answers(calls)[0]
    assert texts(calls) == []
    calls = await chat.tap_data(f"v1:rec:2:{recipe_id}", message)  # a real household button
    assert len(texts(calls)) == 1
