"""/energy and ⚡ Daily energy in /settings, through the real Application offline."""

from __future__ import annotations

import datetime as dt

from ptb_offline import OfflineBot, answers, onboard, texts, visible_text

TODAY = dt.date(2026, 11, 24)


async def test_energy_range_is_used_by_the_plans_and_said_in_the_message(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    first = visible_text(texts(await chat.send("/today"))[0])
    assert "B12-focused meals, not all of the day's food" in first
    calls = await chat.send("/energy 2000-2400")
    reply = visible_text(texts(calls)[0])
    assert "2,000–2,400 kcal a day" in reply
    assert "to fit your energy range of 2,000–2,400 kcal" in reply
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and (user.kcal_min, user.kcal_max) == (2000, 2400)
    for offset in range(3):
        plan = await bot.services.plans.day_plan(user, TODAY + dt.timedelta(days=offset))
        assert 2000 <= plan.kcal <= 2400
    shown = visible_text(texts(await chat.send("/today"))[0])
    assert "your range 2,000–2,400 kcal a day" in shown and "B12-focused" not in shown


async def test_energy_from_settings_buttons_and_off(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/settings")
    await chat.tap("Daily energy")
    calls = await chat.tap("1,600–2,000 kcal")
    assert answers(calls) == ["Daily energy saved"]
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.kcal_range == (1600.0, 2000.0)
    assert "✅ 1,600–2,000 kcal" in [label for label, _ in calls[-1].buttons]
    await chat.tap("Off")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.kcal_range is None


async def test_energy_refuses_ranges_out_of_bounds_and_changes_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    reply = visible_text(texts(await chat.send("/energy 200-9000"))[0])
    assert "1,000–4,000 kcal" in reply
    reply = visible_text(texts(await chat.send("/energy " + "x" * 300))[0])
    assert "x" * 61 not in reply
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.kcal_range is None
