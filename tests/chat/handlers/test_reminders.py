"""The new-reminder button flow through the real Application offline, tapping only buttons
(kind -> dose -> time -> days -> confirm), with Back, Cancel, forged taps and the typed forms
people write ("1000 µg at 9am")."""

from __future__ import annotations

import datetime as dt

from ptb_offline import (
    Call,
    OfflineBot,
    OfflineChat,
    StoredMessage,
    TgUser,
    all_text,
    answers,
    newest_buttons,
    onboard,
    press,
    replies,
    texts,
    visible_text,
)

from bot.chat.jobs.tracking import run_tracking_tick_now
from bot.core.reminders import ReminderKind

TODAY = dt.date(2026, 11, 24)  # the fake clock's day (a Tuesday)
UTC = dt.UTC


def shown(chat: OfflineChat) -> str:
    """The newest message as the user sees it."""
    return visible_text(chat.messages()[-1].text)


async def stored_reminders(bot: OfflineBot) -> list:  # type: ignore[type-arg]
    return await bot.tracking.reminders(4242)


async def test_daily_tablet_by_buttons_only(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind")
    count = len(chat.messages())
    await press(chat, "➕ New reminder")
    await press(chat, "💊 Tablet (daily or weekly)")
    assert "Your doses so far" not in shown(chat)  # nothing logged yet: no dose offered
    for key in ("1", "0", "0", "0"):
        await press(chat, key)
    assert "1000 µg" in shown(chat)
    await press(chat, "OK ✅")
    await press(chat, "🕐 Other time")
    await press(chat, "09")
    await press(chat, "09:15")
    await press(chat, "Every day")
    assert "Daily tablet: 1,000 µg at 09:15" in shown(chat)
    calls = await press(chat, "✅ Save reminder")
    assert "Reminder saved ✅" in answers(calls)
    assert "Reminder set: Daily tablet: 1,000 µg at 09:15" in shown(chat)
    assert len(chat.messages()) == count  # one message, edited in place
    (stored,) = await stored_reminders(bot)
    assert stored.reminder.kind is ReminderKind.DAILY
    assert (stored.reminder.dose_ug, stored.reminder.local_time) == (1000.0, dt.time(9, 15))


async def test_weekly_in_mg_with_backspace_and_back(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind")
    await press(chat, "➕ New reminder")
    await press(chat, "💊 Tablet (daily or weekly)")
    for key in ("2", "5", "⌫"):
        await press(chat, key)
    assert "2 µg" in shown(chat) and "25" not in shown(chat).split("keys:")[-1]
    await press(chat, "use mg")
    await press(chat, "OK ✅")
    assert "2 mg" in shown(chat)
    await press(chat, "◀ Back")  # back to the dose: the dose is kept
    assert "2 mg" in shown(chat)
    await press(chat, "OK ✅")
    await press(chat, "08:00")
    await press(chat, "Once a week on …")
    await press(chat, "◀ Back")
    await press(chat, "Once a week on …")
    await press(chat, "Sun")
    assert "Weekly: 2,000 µg every Sunday at 08:00" in shown(chat)
    await press(chat, "✅ Save reminder")
    (stored,) = await stored_reminders(bot)
    assert (stored.reminder.kind, stored.reminder.weekday) == (ReminderKind.WEEKLY, 6)
    assert stored.reminder.dose_ug == 2000.0


async def test_injection_uses_the_users_own_past_dose(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/took injection 1000")
    await chat.send("/remind")
    await press(chat, "➕ New reminder")
    await press(chat, "💉 Injection (every few weeks)")
    assert "Your doses so far" in shown(chat)
    await press(chat, "1,000 µg")
    await press(chat, "12:00")
    await press(chat, "4 wk")
    await press(chat, "Tomorrow")
    assert "Injection: 1,000 µg every 4 weeks from 2026-11-25 at 12:00" in shown(chat)
    await press(chat, "✅ Save reminder")
    assert not newest_has(chat, "✅ Save reminder")  # the saved message keeps no buttons
    (stored,) = await stored_reminders(bot)
    assert stored.reminder.is_injection and stored.reminder.every_weeks == 4
    assert stored.reminder.start == TODAY + dt.timedelta(days=1)


def newest_has(chat: OfflineChat, label: str) -> bool:
    buttons = Call("", {"reply_markup": chat.messages()[-1].reply_markup}).buttons
    return any(text == label for text, _ in buttons)


async def test_cancel_stores_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind")
    await press(chat, "➕ New reminder")
    await press(chat, "💊 Tablet (daily or weekly)")
    await press(chat, "5")
    await press(chat, "OK ✅")
    await press(chat, "✖ Cancel")
    assert "No reminder added" in shown(chat)
    assert await stored_reminders(bot) == []


async def test_save_twice_adds_one_reminder(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind add")
    await press(chat, "💊 Tablet (daily or weekly)")
    await press(chat, "5")
    await press(chat, "0")
    await press(chat, "OK ✅")
    await press(chat, "21:00")
    await press(chat, "Every day")
    message, buttons = newest_buttons(chat)
    save = next(d for text, d in buttons if text == "✅ Save reminder")
    await chat.tap_data(save, message)  # type: ignore[arg-type]
    calls = await chat.tap_data(save, message)  # type: ignore[arg-type]
    assert "You already have this reminder." in answers(calls)
    assert len(await stored_reminders(bot)) == 1


async def test_forged_flow_taps_are_refused_and_store_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind")
    message, _ = newest_buttons(chat)
    for data in (
        "v1:rw:v:t:1000:u:2500:d",  # 25:00
        "v1:rw:v:t:99999:u:0900:d",  # 99,999 µg
        "v1:rw:v:t:1000:u:0900:w9",  # no ninth weekday
        "v1:rw:v:i:1000:u:0900:n4@300101",  # a start years away
        "v1:rw:v:t::u:0900:d",  # no dose
        "v1:rw:s:t:1000:u::",  # days before the time
        "v1:rw:v:t:1000:u:0900:d:extra",
    ):
        calls = await chat.tap_data(data, message)  # type: ignore[arg-type]
        assert answers(calls), data
    assert await stored_reminders(bot) == []


async def test_implausible_pad_dose_is_refused_before_the_time(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind new")
    await press(chat, "💊 Tablet (daily or weekly)")
    await press(chat, "2")
    await press(chat, "0")
    await press(chat, "use mg")
    calls = await press(chat, "OK ✅")
    assert "not a plausible dose" in answers(calls)[0]
    assert "20 mg" in shown(chat)  # still on the dose step


async def test_typed_reminder_in_everyday_words(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/remind daily 1000 µg at 9am")
    assert "Reminder set: Daily tablet: 1,000 µg at 09:00" in visible_text(calls[-1].text)
    calls = await chat.send("/remind daily 1000 µg at noon-ish")
    text = visible_text(calls[-1].text)
    assert "Or tap your way through" in text
    assert any(label.startswith("➕") for label, _ in calls[-1].buttons)
    assert len(await stored_reminders(bot)) == 1


async def test_reminder_fires_and_taken_counts_once(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/remind daily 1000 08:00")
    assert "Reminder set" in all_text(calls) and "Wed 25 Nov 08:00" in all_text(calls)
    calls = await chat.send("/remind daily lots 08:00")
    assert "not a dose" in all_text(calls)
    bot.clock.set(dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    bot.request.clear()
    outcome = await run_tracking_tick_now(bot.app)
    assert outcome.reminders == 1
    reminder_text = visible_text(texts(bot.request.calls)[0])
    assert "Daily tablet: 1,000 µg at 08:00" in reminder_text
    labels = [label for label, _ in bot.request.calls[0].buttons]
    assert labels == ["✅ Taken", "⏰ Snooze 1 h", "⏭ Skip"]
    assert (await run_tracking_tick_now(bot.app)).reminders == 0  # once

    message, data = chat.find_button("Taken")
    calls = await chat.tap_data(data, message)
    assert answers(calls) == ["Logged as taken ✅"]
    calls = await chat.tap_data(data, message)
    assert answers(calls) == ["Already logged as taken."]
    doses = await bot.tracking.doses(4242, dt.date(2026, 11, 25), dt.date(2026, 11, 25))
    assert [(d.dose_ug, d.kind) for d in doses] == [(1000.0, "oral")]

    calls = await chat.send("/remind")
    assert "1. Daily tablet" in all_text(calls)
    calls = await chat.tap("Delete 1")
    assert await bot.tracking.reminders(4242) == []


async def test_snooze_fires_again_an_hour_later_and_skip_logs_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind injection 1000 every 4 weeks 10:00 from 2026-11-25")
    due = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    bot.clock.set(due)
    await run_tracking_tick_now(bot.app)
    calls = await chat.tap("Snooze")
    assert answers(calls) == ["Snoozed for 1 hour"]
    bot.clock.set(due + dt.timedelta(minutes=59))
    assert (await run_tracking_tick_now(bot.app)).reminders == 0
    bot.clock.set(due + dt.timedelta(hours=1))
    bot.request.clear()
    assert (await run_tracking_tick_now(bot.app)).reminders == 1
    assert "snoozed reminder" in visible_text(texts(bot.request.calls)[0])
    calls = await chat.tap("Skip")
    assert answers(calls) == ["Skipped"]
    assert await bot.tracking.doses(4242, TODAY, TODAY + dt.timedelta(days=2)) == []
    stored = (await bot.tracking.reminders(4242))[0]
    assert stored.last_answer == "skipped"
    assert stored.next_fire_utc == dt.datetime(2026, 12, 23, 9, 0, tzinfo=UTC)  # +4 weeks


async def test_remind_refuses_an_identical_reminder(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind daily 1000 08:00")
    reply = all_text(await chat.send("/remind daily 1000 08:00"))
    assert "You already have this reminder" in reply and "number 1" in reply
    assert len(await bot.tracking.reminders(4242)) == 1
    await chat.send("/remind daily 1000 09:00")  # another time is another reminder
    assert len(await bot.tracking.reminders(4242)) == 2


# ------------------------------------------------------------------ numbers as the plan shows them


async def test_flow_taps_from_a_group_are_refused(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    group = bot.group(TgUser())
    message = StoredMessage(1, -100777, "x", None)
    calls = await group.tap_data("v1:rw:v:t:1000:u:0900:d", message)
    assert answers(calls) == ["This button is out of date. Send /remind."]
    assert texts(calls, "editMessageText") == []
    assert await stored_reminders(bot) == []


async def test_taken_after_a_typed_dose_asks_before_logging_a_second(bot: OfflineBot) -> None:
    """/took 1000, then "Taken" on the reminder within the hour: asked, logged only on Yes,
    and then against the reminder (a second Yes adds nothing)."""
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind daily 1000 08:00")
    bot.clock.set(dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    await run_tracking_tick_now(bot.app)
    bot.clock.set(dt.datetime(2026, 11, 25, 7, 10, tzinfo=UTC))
    await chat.send("/took 1000")
    day = dt.date(2026, 11, 25)
    assert len(await bot.tracking.doses(4242, day, day)) == 1

    message, data = chat.find_button("Taken")
    calls = await chat.tap_data(data, message)
    assert "Log another dose of 1,000 µg?" in all_text(calls)
    assert len(await bot.tracking.doses(4242, day, day)) == 1  # nothing yet
    calls = await chat.tap("No")
    assert len(await bot.tracking.doses(4242, day, day)) == 1

    calls = await chat.tap_data(data, message)  # asked again, this time Yes
    yes_message, yes = chat.find_button("Yes, log it")
    await chat.tap_data(yes, yes_message)
    await chat.tap_data(yes, yes_message)
    doses = await bot.tracking.doses(4242, day, day)
    assert [d.dose_ug for d in doses] == [1000.0, 1000.0]


async def test_a_german_user_sets_and_lists_reminders_in_german(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/language de")
    added = "\n".join(visible_text(t) for t in replies(await chat.send("/remind daily 1000 08:00")))
    assert "Erinnerung eingerichtet: Tägliche Tablette: 1.000 µg um 08:00" in added
    listed = "\n".join(visible_text(t) for t in replies(await chat.send("/remind")))
    assert "Ihre Erinnerungen" in listed and "1. Tägliche Tablette" in listed
    assert "Beispiele:" in listed and "Talk to your clinician" not in listed
