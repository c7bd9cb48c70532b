"""Onboarding and the settings it asks for, through the real Application offline
(tests/support/ptb_offline.py): /start by taps, /target, /timezone, /time and a shared location."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import Call, OfflineBot, answers, onboard, texts, visible_text

from bot.chat.handlers.onboarding import parse_time
from bot.chat.render.family import setup_inline_button
from bot.chat.render.onboarding import FLOW_ONBOARDING, region_keyboard
from bot.core.clock import zone
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
    calls = await chat.tap("2.8")  # 🤱 Breastfeeding · 2.8 µg US RDA
    assert answers(calls) == ["Target: 2.8 µg a day (US RDA (breastfeeding), IOM 1998 / NIH ODS)"]
    question = visible_text(texts(calls, "editMessageText")[0])
    assert "leave out liver" in question and "pernicious anaemia" in question
    await chat.tap("None of these")
    calls = await chat.tap("Berlin")
    question = visible_text(texts(calls, "editMessageText")[0])
    assert "Europe/Berlin" in question and "Where do you buy your food?" in question
    calls = await chat.tap("⭐ 🇪🇺 EU")
    assert "the EU" in visible_text(texts(calls, "editMessageText")[0])
    calls = await chat.tap("None, go on")  # the optional allergy step: it confirms itself
    assert "Nothing left out." in visible_text(texts(calls, "editMessageText")[0])
    calls = await chat.tap("06:30")
    done = visible_text(texts(calls, "editMessageText")[0])
    assert "not medical advice" in done and "06:30" in done
    assert "Life stage: breastfeeding" in done and "Food bought in: the EU" in done

    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    assert (user.diet, user.target_ug, user.timezone) == (Diet.PESCATARIAN, 2.8, "Europe/Berlin")
    assert (user.life_stage, user.region, user.absorption) == ("breastfeeding", "eu", "normal")
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
    await chat.tap("None of these")
    calls = await chat.tap("Use my location")
    assert calls[-1].params["reply_markup"]["keyboard"][0][0]["request_location"] is True
    calls = await chat.send_location(40.71, -74.0)  # New York
    assert any("America/New_York" in t for t in texts(calls))
    labels = [label for label, _ in calls[-1].buttons]
    assert labels[0] == "⭐ 🇺🇸 US"  # the region the zone suggests comes first
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


@pytest.mark.parametrize(
    "data",
    [
        *("v1:diet:s", "v1:tgt:s", "v1:abs:ob", "v1:reg:s", "v1:alg:s"),
        *("v1:tz:s", "v1:time:s", "v1:tpad:s", "v1:tpick:s", "v1:diet"),
    ],
)
async def test_truncated_onboarding_taps_are_answered_out_of_date(
    bot: OfflineBot, data: str
) -> None:
    chat = bot.chat()
    await onboard(chat)
    before = await bot.services.store.get_user(chat.user.id)
    calls = await chat.tap_data(data, chat.messages()[-1])
    (answer,) = answers(calls)  # answered once, never left spinning
    assert any(why in answer for why in ("out of date", "older version", "zone is unknown"))
    assert await bot.services.store.get_user(chat.user.id) == before


@pytest.mark.parametrize("typed", ["NaN", "nan", "inf", "1e309", "-inf", "1e1"])
async def test_a_non_finite_target_is_refused_and_never_echoed_as_a_value(
    bot: OfflineBot, typed: str
) -> None:
    chat = bot.chat()
    await onboard(chat)
    reply = visible_text(texts(await chat.send(f"/target {typed}"))[0])
    assert "is not a number" in reply
    assert not any(word in reply.lower() for word in ("nan µg", "inf µg", "10.0 µg"))
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 2.4


async def test_minus_zero_target_reads_as_zero_not_minus_zero(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    reply = visible_text(texts(await chat.send("/target -0"))[0])
    assert reply.startswith("0 µg is outside what I can plan for") and "-0" not in reply


async def test_target_typed_with_a_decimal_comma(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "2.5 µg a day" in visible_text(texts(await chat.send("/target 2,5"))[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 2.5


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


async def test_timezone_offset_typed_means_hours_ahead_and_shows_the_clock(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    text = visible_text(texts(await chat.send("/timezone GMT+2"))[0])
    # the clock is at 09:00 UTC: GMT+2 is 11:00 (the POSIX-signed Etc/GMT+2 would say 07:00)
    assert "Etc/GMT-2 (UTC+02:00)" in text and "it is 11:00 there now" in text
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    assert bot.clock.now().astimezone(zone(user.timezone)).utcoffset() == dt.timedelta(hours=2)
    bad = visible_text(texts(await chat.send("/timezone GMT-3:30"))[0])
    assert "no fixed-offset zone" in bad and "America/St_Johns" in bad
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.timezone == "Etc/GMT-2"  # a refused offset changes nothing


async def test_timezone_typed_in_onboarding_shows_the_clock_then_asks_on(bot: OfflineBot) -> None:
    chat = bot.chat()
    await chat.send("/start")
    text = visible_text(texts(await chat.send("/timezone NEW YORK"))[0])
    assert "America/New_York (UTC-05:00)" in text and "it is 04:00 there now" in text
    assert "Where do you buy your food?" in text


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
        ("21h", dt.time(21, 0)),
        ("9.30pm", dt.time(21, 30)),
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


# ------------------------------------------------------------------ region, life stage, absorption


@pytest.mark.parametrize(
    ("zone_name", "first"),
    [
        ("Europe/London", "⭐ 🇬🇧 UK"),
        ("Europe/Berlin", "⭐ 🇪🇺 EU"),
        ("America/Los_Angeles", "⭐ 🇺🇸 US"),
        ("Asia/Tokyo", "🇬🇧 UK"),  # no suggestion: no star
    ],
)
def test_the_region_the_time_zone_suggests_comes_first_with_a_star(
    zone_name: str, first: str
) -> None:
    rows = region_keyboard(FLOW_ONBOARDING, zone_name).inline_keyboard
    labels = [button.text for row in rows for button in row]
    assert labels[0] == first
    assert sum("⭐" in label for label in labels) == (first.startswith("⭐"))
    assert labels[-1] == "🌍 Elsewhere / not sure"  # one tap for "no region": lowest values


async def test_a_zone_without_a_region_asks_without_a_suggestion(bot: OfflineBot) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Omnivore")
    await chat.tap("2.4")
    await chat.tap("None of these")
    calls = await chat.tap("Tokyo")
    labels = [label for label, _ in calls[-1].buttons]
    assert not any("⭐" in label for label in labels)
    assert "suggests" not in visible_text(texts(calls, "editMessageText")[0])
    await chat.tap("Elsewhere")
    await chat.tap("None, go on")
    await chat.tap("07:30")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.onboarded and user.region is None
    done = visible_text(texts(await chat.send("/settings"))[0])
    assert "Food bought in: not set (I use the lowest value of any region)" in done


async def test_vegans_see_the_vegan_society_target_first_and_every_preset_names_its_source(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await chat.send("/start")
    calls = await chat.tap("Vegan")
    question = visible_text(texts(calls, "editMessageText")[0])
    assert "Vegan Society advises at least 3.0 µg" in question
    labels = [label for label, _ in calls[-1].buttons]
    assert labels.pop() == "🔢 Another number"  # the number pad, last
    assert labels[0] == "⭐ 3.0 µg · Vegan Society"
    for body in ("US RDA", "EFSA", "UK RNI", "Vegan Society"):
        assert any(body in label for label in labels), body
    assert all(any(b in label for b in ("US", "EFSA", "UK RNI", "Vegan")) for label in labels)
    for stage in ("Pregnant", "Breastfeeding", "Over 50"):
        assert sum(stage in label for label in labels) == 2, stage  # US and EFSA numbers
    assert "1.5 µg · UK RNI" in labels
    calls = await chat.tap("3.0 µg · Vegan Society")
    assert answers(calls) == ["Target: 3.0 µg a day (Vegan Society (vegans))"]  # named once
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and (user.target_ug, user.life_stage) == (3.0, "none")


async def test_over_50_preset_sets_the_life_stage_and_explains_the_fortified_share(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Omnivore")
    calls = await chat.tap("Over 50 · 4.0")
    text = visible_text(texts(calls, "editMessageText")[0])
    assert "more than half of your target comes from fortified foods" in text
    assert "IOM 1998" in text
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and (user.target_ug, user.life_stage) == (4.0, "over50")


@pytest.mark.parametrize(
    ("label", "status", "fragment"),
    [
        ("A condition, surgery or medicine", "impaired", "Your clinician sets your B12 treatment"),
        ("I get B12 injections", "injections", "no daily “short of target” messages"),
    ],
)
async def test_absorption_status_is_stored_and_the_clinician_sets_the_dose(
    bot: OfflineBot, label: str, status: str, fragment: str
) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Omnivore")
    calls = await chat.tap("2.4")
    question = visible_text(texts(calls, "editMessageText")[0])
    for condition in (
        "pernicious anaemia",
        "autoimmune gastritis",
        "surgery",
        "metformin",
        "PPI",
        "injections",
    ):
        assert condition in question, condition
    calls = await chat.tap(label)
    text = visible_text(texts(calls, "editMessageText")[0])
    assert fragment in text and "time zone" in text  # the note, then the next question
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.absorption == status


async def test_vegans_are_offered_to_enter_their_drinks_label_value(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan", target="3.0")
    done = chat.messages()[-1]
    assert "Your plant drink" in visible_text(done.text or "")
    calls = await chat.tap("🥛 Oat drink")
    prompt = visible_text(texts(calls)[0])
    assert "/myproducts oat_milk_fortified 0.38" in prompt  # the typical label value
    assert "per 100 ml" in prompt
    calls = await chat.send("/myproducts oat_milk_fortified 0.38")
    assert "Saved" in visible_text(texts(calls)[0])


async def test_allergy_done_confirms_what_is_left_out_and_no_drink_the_user_avoids_is_offered(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await chat.send("/start")
    for label in ("Vegan", "3.0", "None of these", "Berlin", "EU", "Soy"):
        await chat.tap(label)
    calls = await chat.tap("Done")
    assert "Left out: soy." in visible_text(texts(calls, "editMessageText")[0])
    await chat.tap("07:30")
    done = chat.messages()[-1]
    labels = [label for label, _ in Call("", {"reply_markup": done.reply_markup}).buttons]
    assert any("Oat drink" in label for label in labels)  # still offered: not soy
    assert not any("Soy" in label for label in labels)


async def test_non_vegans_get_no_drink_offer(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    labels = [
        label for label, _ in Call("", {"reply_markup": chat.messages()[-1].reply_markup}).buttons
    ]
    assert not any("🥛" in label for label in labels)
    assert "Your plant drink" not in visible_text(chat.messages()[-1].text or "")


async def _press(chat, label: str) -> list[Call]:  # type: ignore[no-untyped-def]
    """Tap the button labelled exactly `label` on the newest message with buttons."""
    for message in reversed(chat.messages()):
        buttons = Call("", {"reply_markup": message.reply_markup}).buttons
        if buttons:
            data = next((d for text, d in buttons if text == label), None)
            assert data is not None, f"no button {label!r} in {[t for t, _ in buttons]}"
            return await chat.tap_data(data, message)
    raise AssertionError("no message with buttons")


async def test_target_number_pad_by_buttons_with_back_and_cancel(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/target")
    await _press(chat, "🔢 Another number")
    await _press(chat, "◀ Back")  # the presets again
    await _press(chat, "🔢 Another number")
    for key in ("6", "0"):
        await _press(chat, key)
    labels = [t for t, _ in Call("", {"reply_markup": chat.messages()[-1].reply_markup}).buttons]
    assert "OK ✅" not in labels  # 60 µg is more than the planner takes
    await _press(chat, "⌫")
    await _press(chat, ".")
    await _press(chat, "5")
    await _press(chat, "OK ✅")
    user = await bot.services.store.get_user(4242)
    assert user is not None and user.target_ug == 6.5
    await chat.send("/target")
    await _press(chat, "🔢 Another number")
    await _press(chat, "3")
    await _press(chat, "✖ Cancel")
    assert "Target unchanged: 6.5 µg" in visible_text(chat.messages()[-1].text)
    user = await bot.services.store.get_user(4242)
    assert user is not None and user.target_ug == 6.5


async def test_time_hour_and_minute_buttons(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/time")
    await _press(chat, "🕐 Other")
    await _press(chat, "05")
    await _press(chat, "◀ Back")  # back to the hours
    await _press(chat, "06")
    await _press(chat, "06:45")
    user = await bot.services.store.get_user(4242)
    assert user is not None and user.push_time == dt.time(6, 45)
    await chat.send("/time")
    await _press(chat, "🕐 Other")
    await _press(chat, "✖ Cancel")
    assert "unchanged: 06:45" in visible_text(chat.messages()[-1].text)


async def test_forged_pad_and_picker_taps_change_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/time")
    message = chat.messages()[-1]
    for data in (
        "v1:tpick:s:24",
        "v1:tpick:s:7",
        "v1:tpick:zz:07",
        "v1:tpad:s:1e5",
        "v1:tpad:s:abc",
    ):
        calls = await chat.tap_data(data, message)
        assert answers(calls) == ["That choice is out of date. Send /settings."], data
    user = await bot.services.store.get_user(4242)
    assert user is not None and user.push_time == dt.time(7, 30) and user.target_ug == 2.4


async def test_old_onboarding_button_after_a_typed_target_changes_nothing(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Omnivore")
    old_message, old_data = chat.find_button("2.4")  # the set-up question's "2.4 µg" button
    assert old_data.startswith(f"v1:tgt:{FLOW_ONBOARDING}:")
    await chat.tap("2.4")
    await chat.tap("None of these")
    await chat.tap("Berlin")
    await chat.tap("EU")
    await chat.tap("None, go on")  # no allergies
    await chat.tap("07:30")
    await chat.send("/target 4")
    calls = await chat.tap_data(old_data, old_message)
    assert answers(calls) == ["That was for setting up — use /settings to change it."]
    assert not texts(calls) and not texts(calls, "editMessageText")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 4.0
    # the same choice from /settings still works
    await chat.send("/settings")
    await chat.tap("Target")
    await chat.tap("2.4")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 2.4


async def test_old_onboarding_diet_and_time_buttons_are_refused_after_set_up(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await chat.send("/start")
    diet_message, vegan_data = chat.find_button("Vegan")
    await onboard(chat, diet="Omnivore")
    calls = await chat.tap_data(vegan_data, diet_message)
    assert answers(calls) == ["That was for setting up — use /settings to change it."]
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.diet == Diet.OMNIVORE


async def test_onboarding_target_from_the_number_pad_goes_on_to_the_next_question(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Vegan")
    await _press(chat, "🔢 Another number")
    labels = [t for t, _ in Call("", {"reply_markup": chat.messages()[-1].reply_markup}).buttons]
    assert "✖ Cancel" not in labels  # set-up goes on or back, it is not cancelled
    await _press(chat, "4")
    await _press(chat, "OK ✅")
    assert "None of these" in str(chat.messages()[-1].reply_markup)  # the absorption question
    user = await bot.services.store.get_user(4242)
    assert user is not None and user.target_ug == 4.0 and not user.onboarded
