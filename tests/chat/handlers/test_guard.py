"""Flood control through the real Application offline: one polite "slow down", nothing else
acted on until the window passes, other users unaffected, button taps always answered."""

from __future__ import annotations

from ptb_offline import OfflineBot, TgUser, answers, onboard, texts

from bot.chat.handlers.guard import SLOW_DOWN
from bot.services.throttle import FLOOD_LIMIT, FLOOD_WINDOW_S


async def test_a_flood_gets_one_slow_down_and_is_not_acted_on(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=501, first_name="Flo"))
    replies = [texts(await chat.send("/help")) for _ in range(FLOOD_LIMIT + 5)]
    assert all(len(r) == 1 and "/today" in r[0] for r in replies[:FLOOD_LIMIT])
    assert replies[FLOOD_LIMIT] == [SLOW_DOWN]
    assert replies[FLOOD_LIMIT + 1 :] == [[]] * 4  # quietly not acted on

    other = bot.chat(TgUser(id=502, first_name="Ola"))
    assert "/today" in texts(await other.send("/help"))[0]  # others are not slowed


async def test_button_taps_are_answered_during_a_flood(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=503, first_name="Tap"))
    await onboard(chat)
    await chat.send("/today")
    plan, swap = chat.find_button("🔁")
    for _ in range(FLOOD_LIMIT + 2):
        await chat.send("hello")
    assert texts(await chat.send("/today")) == []  # typed: dropped
    calls = await chat.tap_data(swap, plan)
    assert len(answers(calls)) == 1  # tapped: answered, and acted on
    assert any(c.method == "editMessageText" for c in calls)


async def test_the_window_passes_and_messages_are_answered_again(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=504, first_name="Win"))
    start = 1_800_000_000

    async def send_at(seconds: float) -> list[str]:
        message = chat._message(text="/help", date=int(start + seconds))
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": 5}]
        return texts(await chat._process({"message": message}))

    for _ in range(FLOOD_LIMIT):
        assert len(await send_at(0)) == 1
    assert await send_at(1) == [SLOW_DOWN]
    assert await send_at(FLOOD_WINDOW_S - 1) == []
    # Telegram's timestamps count, not when the bot got round to the message
    assert "/today" in (await send_at(FLOOD_WINDOW_S + 1))[0]
