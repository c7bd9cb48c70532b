"""Plan messages show their state and every tap can be taken back: a tick shows ✅ / ⏭ in
the plan text with ↩️ Undo, Eaten/Skipped only on today's and yesterday's plan, ↩️ Undo swap
brings the previous dish back. Real handlers, store and recipes offline, buttons only."""

from __future__ import annotations

import datetime as dt

from ptb_offline import OfflineBot, answers, meal_lines, onboard, texts, visible_text

from bot.services.tracking import tracking_store

TODAY = dt.date(2026, 11, 24)


def edits(calls: list) -> list:
    return [c for c in calls if c.method == "editMessageText"]


def labels(message) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def test_tick_shows_in_the_plan_text_and_undo_takes_it_back(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    before = meal_lines(texts(await chat.send("/today"))[0])
    plan_id = chat.messages()[-1].message_id

    calls = await chat.tap("Breakfast eaten")
    edited = edits(calls)
    assert len(edited) == 1 and edited[0].params["message_id"] == plan_id
    shown = visible_text(edited[0].text)
    line = next(x for x in shown.splitlines() if "Breakfast:" in x)
    assert line.startswith("✅") and line.endswith("— eaten") and before["breakfast"] in line
    now = labels(chat.messages()[-1])
    assert "↩️ Undo breakfast" in now and "✅ Breakfast eaten" not in now
    assert "✅ Lunch eaten" in now  # the other meals can still be ticked

    await chat.tap("Skipped")  # the first Skipped left is lunch's
    shown = visible_text(chat.messages()[-1].text)
    assert next(x for x in shown.splitlines() if "Lunch:" in x).startswith("⏭")

    calls = await chat.tap("Undo breakfast")
    assert "tick taken back" in answers(calls)[0]
    shown = visible_text(edits(calls)[0].text)
    line = next(x for x in shown.splitlines() if "Breakfast:" in x)
    assert not line.startswith("✅") and "eaten" not in line
    assert "✅ Breakfast eaten" in labels(chat.messages()[-1])
    logs = await tracking_store(bot.services.store).meal_logs(chat.user.id, TODAY, TODAY)
    assert [(m.slot, m.status) for m in logs] == [("lunch", "skipped")]
    # /today shows the same state
    again = visible_text(texts(await chat.send("/today"))[0])
    assert next(x for x in again.splitlines() if "Lunch:" in x).startswith("⏭")


async def test_eaten_buttons_only_on_todays_and_yesterdays_plan(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    await chat.send("/today")
    today = labels(chat.messages()[-1])
    assert "✅ Breakfast eaten" in today and "⏭ Skipped" in today
    assert "😴 Tired today: quick meals" in today
    await chat.send("/tomorrow")
    tomorrow = labels(chat.messages()[-1])
    assert not [x for x in tomorrow if "eaten" in x or "Skipped" in x or "Ate other" in x]
    assert "😴 Tired today: quick meals" not in tomorrow
    assert "🔁 Swap lunch" in tomorrow  # tomorrow can still be changed
    # a day later, yesterday's plan message still takes a tick and shows it
    bot.clock.advance(days=1)
    message, data = next(
        (m, d)
        for m in chat.messages()
        if m.text and "Today ·" in m.text
        for d in [
            b.get("callback_data", "") for row in m.reply_markup["inline_keyboard"] for b in row
        ]
        if d.startswith("v1:ml:e:")
    )
    calls = await chat.tap_data(data, message)
    line = next(x for x in visible_text(edits(calls)[0].text).splitlines() if "Breakfast:" in x)
    assert line.startswith("✅")
    now = next(m for m in chat.messages() if m.message_id == message.message_id)
    assert "↩️ Undo breakfast" in labels(now)
    assert "😴 Tired today: quick meals" not in labels(now)  # yesterday is not today


async def test_swap_then_undo_brings_the_previous_dish_back(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    before = meal_lines(texts(await chat.send("/today"))[0])
    swapped = meal_lines(edits(await chat.tap("Swap lunch"))[0].text)
    assert swapped["lunch"] != before["lunch"]
    assert "↩️ Undo swap (lunch)" in labels(chat.messages()[-1])

    calls = await chat.tap("Undo swap")
    assert before["lunch"] in answers(calls)[0]
    restored = meal_lines(edits(calls)[0].text)
    assert restored == before
    assert not [x for x in labels(chat.messages()[-1]) if "Undo swap" in x]
    assert meal_lines(texts(await chat.send("/today"))[0]) == before
    # the next swap moves on to a dish not shown yet, not back to the one undone
    again = meal_lines(edits(await chat.tap("Swap lunch"))[0].text)
    assert again["lunch"] not in (before["lunch"], swapped["lunch"])


def status_line(text: str) -> str:
    return next(x for x in visible_text(text).splitlines() if "of your" in x and "target" in x)


async def test_skipped_or_other_meals_do_not_count_towards_the_target(bot: OfflineBot) -> None:
    from bot.chat.render.format import fmt_ug

    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    first = texts(await chat.send("/today"))[0]
    assert status_line(first).startswith("✅") and status_line(first).endswith(": met")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    plan = await bot.services.plans.day_plan(user, TODAY)
    left = plan.b12_ug - plan.meals[0].b12_ug

    after_skip = edits(await chat.tap("Skipped"))[0].text  # breakfast's
    assert f"B12 {fmt_ug(left)} µg of your" in status_line(after_skip)
    assert "Counted without breakfast (skipped)" in visible_text(after_skip)
    # /today says the same as the edited message
    assert status_line(texts(await chat.send("/today"))[0]) == status_line(after_skip)

    await chat.tap("Ate other")  # lunch's
    nothing = edits(await chat.tap("Skipped"))[0].text  # dinner's: nothing left to count
    line = status_line(nothing)
    assert line.startswith("⚠️") and "B12 0.0 µg" in line and "met" not in line
    assert (
        "Counted without breakfast (skipped), lunch (something else), dinner (skipped)"
        in visible_text(nothing)
    )
    restored = edits(await chat.tap("Undo dinner"))[0].text
    assert "dinner (skipped)" not in visible_text(restored)
