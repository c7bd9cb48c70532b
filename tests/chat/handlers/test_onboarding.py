"""Onboarding and the settings it asks for, through the real Application offline
(tests/support/ptb_offline.py): /start by taps, /target, /timezone, /time and a shared location."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import OfflineBot, answers, onboard, texts, visible_text

from bot.chat.handlers.onboarding import parse_time
from bot.chat.render.family import setup_inline_button
from bot.core.models import Diet


async def test_start_onboarding_by_taps_stores_every_choice(bot: OfflineBot) -> None:
    chat = bot.chat()
    calls = await chat.send("/start")
    assert "how do you eat" in visible_text(texts(calls)[0])
    labels = [label for label, _ in calls[-1].buttons]
    assert any("Vegan" in label for label in labels) and len(labels) == 4

    calls = await chat.tap("Pescatarian")
    assert answers(calls) == ["Diet: pescatarian"]
    assert "B12 target" in visible_text(texts(calls, "editMessageText")[0])
    await chat.tap("2.8")
    calls = await chat.tap("Berlin")
    assert "Europe/Berlin" in visible_text(texts(calls, "editMessageText")[0])
    calls = await chat.tap("06:30")
    done = visible_text(texts(calls, "editMessageText")[0])
    assert "not medical advice" in done and "06:30" in done

    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    assert (user.diet, user.target_ug, user.timezone) == (Diet.PESCATARIAN, 2.8, "Europe/Berlin")
    assert user.push_time == dt.time(6, 30) and user.onboarded


async def test_restart_keeps_data_and_offers_settings(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian", target="4.0")
    calls = await chat.send("/start")
    text = visible_text(texts(calls)[0])
    assert "Welcome back" in text and "vegetarian" in text and "4.0 µg" in text
    assert any("Change settings" in label for label, _ in calls[-1].buttons)
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.diet is Diet.VEGETARIAN and user.target_ug == 4.0
    assert user.onboarded


async def test_location_sets_time_zone(bot: OfflineBot) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Omnivore")
    await chat.tap("2.4")
    calls = await chat.tap("Use my location")
    assert calls[-1].params["reply_markup"]["keyboard"][0][0]["request_location"] is True
    calls = await chat.send_location(40.71, -74.0)  # New York
    assert any("America/New_York" in t for t in texts(calls))
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.timezone == "America/New_York"


async def test_location_still_sets_the_time_zone(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send_location(40.71, -74.0)
    sent = [visible_text(t) for t in texts(calls)]
    assert len(sent) == 1, sent  # one message, not "Thanks" + "Time zone set"
    assert "America/New_York" in sent[0] and "07:30" in sent[0]
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.timezone == "America/New_York"


async def test_target_typed(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "3.5 µg a day" in visible_text(texts(await chat.send("/target 3.5"))[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 3.5
    plan_text = visible_text(texts(await chat.send("/today"))[0])
    assert "of your 3.5 µg target" in plan_text
    bad = visible_text(texts(await chat.send("/target abc"))[0])
    assert "“abc” is not a number" in bad and "/target 3.5" in bad
    assert "outside" in visible_text(texts(await chat.send("/target 900"))[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 3.5


async def test_timezone_typed(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/timezone America/Chicago")
    assert "America/Chicago" in visible_text(texts(calls)[0])
    bad = visible_text(texts(await chat.send("/timezone Mars/Olympus"))[0])
    assert "don't know the time zone “Mars/Olympus”" in bad and "Europe/Berlin" in bad
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.timezone == "America/Chicago"
    await chat.send("/timezone europe/berlin")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.timezone == "Europe/Berlin"


async def test_time_typed(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "06:45" in visible_text(texts(await chat.send("/time 06:45"))[0])
    bad = visible_text(texts(await chat.send("/time 25:99"))[0])
    assert "“25:99” is not a time" in bad and "/time 06:45" in bad
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.push_time == dt.time(6, 45)


# ------------------------------------------------------------------ times typed in any common form


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0745", dt.time(7, 45)),
        ("745", dt.time(7, 45)),
        ("1930", dt.time(19, 30)),
        ("0005", dt.time(0, 5)),
        ("1230pm", dt.time(12, 30)),
        ("6.30", dt.time(6, 30)),
        ("7am", dt.time(7, 0)),
        ("19:00", dt.time(19, 0)),
        ("7", dt.time(7, 0)),
    ],
)
def test_times_typed_without_a_separator_are_read_as_hours_and_minutes(
    typed: str, expected: dt.time
) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["2561", "799", "25:00", "13pm", "12345", "7:5", "noon"])
def test_an_impossible_time_names_the_forms_that_work(typed: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_time(typed)
    message = str(caught.value)
    assert f"“{typed}”" in message
    for form in ("06:45", "6.45", "0645", "7am"):
        assert form in message, form


async def test_time_0745_is_stored_and_a_bad_one_changes_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send("/time 0745"))[0])
    assert "07:45" in shown
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.push_time == dt.time(7, 45)
    bad = visible_text(texts(await chat.send("/time 2590"))[0])
    assert "“2590” is not a time" in bad and "0645" in bad
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.push_time == dt.time(7, 45)


# --------------------------------------------------------------------------- /start first


@pytest.mark.parametrize("command", ["/today", "/tomorrow", "/week", "/shopping", "/recipe egg"])
async def test_plan_commands_before_start_point_to_start_and_store_nothing(
    bot: OfflineBot, command: str
) -> None:
    chat = bot.chat()
    calls = await chat.send(command)
    sent = texts(calls)
    assert len(sent) == 1 and "set you up first" in visible_text(sent[0])
    assert [label for label, _ in calls[-1].buttons] == ["▶️ Start"]
    assert await bot.services.store.get_user(chat.user.id) is None
    # the button begins onboarding: the diet question
    calls = await chat.tap("Start")
    assert "how do you eat" in visible_text(texts(calls)[0])


async def test_today_after_delete_does_not_recreate_the_user(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/delete")
    await chat.tap("Yes, erase everything")
    assert await bot.services.store.get_user(chat.user.id) is None
    for command in ("/today", "/progress", "/delete", "/faq"):
        await chat.send(command)
        assert await bot.services.store.get_user(chat.user.id) is None, command


async def test_half_onboarded_user_is_sent_back_to_start(bot: OfflineBot) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Vegan")
    calls = await chat.send("/today")
    assert "set you up first" in visible_text(texts(calls)[0])
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and not stored.onboarded
    # a plan button of some old message answers with a toast instead of planning
    message = chat.messages()[-1]
    calls = await chat.tap_data("v1:today", message)
    assert answers(calls) == ["Let's set you up first: send /start."]
    assert texts(calls) == []


async def test_the_inline_buttons_start_parameter_begins_onboarding(bot: OfflineBot) -> None:
    chat = bot.chat()
    parameter = setup_inline_button().start_parameter
    calls = await chat.send(f"/start {parameter}")
    assert "how do you eat" in visible_text(texts(calls)[0])
    assert "invite" not in visible_text(texts(calls)[0]).lower()
