"""/weekly and the 📬 Weekly summary screen of /settings, through the real Application
offline: switched on and off by buttons alone or by command, the state read back."""

from __future__ import annotations

import json

from ptb_offline import OfflineBot, onboard, texts, visible_text

from bot.storage.weekly import WeeklyStore

ANA = 4242


async def test_settings_buttons_switch_the_weekly_summary_on_and_off(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    weekly = WeeklyStore(bot.services.store)
    await chat.send("/settings")
    calls = await chat.tap("Weekly summary")
    screen = visible_text(texts(calls, "editMessageText")[-1])
    assert "Weekly summary: off" in screen and "Sunday evening" in screen
    assert not await weekly.weekly_on(ANA)

    calls = await chat.tap("Turn on")
    assert "Weekly summary: on" in visible_text(texts(calls, "editMessageText")[-1])
    assert await weekly.weekly_on(ANA)

    await chat.tap("Turn off")
    assert not await weekly.weekly_on(ANA)
    calls = await chat.tap("Back")
    assert "Your settings" in visible_text(texts(calls, "editMessageText")[-1])


async def test_weekly_command_says_whether_it_is_on_and_never_echoes(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    text = visible_text(texts(await chat.send("/weekly"))[-1])
    assert "Weekly summary: off" in text and "/weekly on" in text
    await chat.send("/weekly on")
    assert await WeeklyStore(bot.services.store).weekly_on(ANA)
    text = visible_text(texts(await chat.send("/weekly maybe-later-please"))[-1])
    assert "Weekly summary: on" in text and "maybe" not in text


async def test_export_says_whether_the_weekly_summary_is_on(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/weekly on")
    await chat.send("/export")
    exported = json.loads(bot.request.uploads("sendDocument")[-1])
    assert exported["settings"]["weekly_summary"] is True
