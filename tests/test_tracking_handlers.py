"""Issue 6's Telegram layer offline: real application, real store and recipes, a recorded
HTTP layer (tests/ptb_offline.py) and a controlled clock."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ptb_offline import answers, check_html, texts, visible_text
from tracking_harness import Harness, offline_bot, onboard

from bot.chat.jobs.tracking import run_tracking_tick_now
from bot.core.faq import FAQ
from bot.core.labs import PG_PER_PMOL
from bot.core.models import Slot
from bot.core.nutrition import absorbed_ug
from bot.core.products import meal_b12_ug, with_products

UTC = dt.UTC
TODAY = dt.date(2026, 11, 24)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    async with offline_bot(tmp_path) as harness:
        yield harness


def all_text(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(visible_text(t) for t in texts(calls) + texts(calls, "editMessageText"))


def is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


async def test_check_offs_on_the_plan_message_and_supplement_give_the_right_tally(
    bot: Harness,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    plan = await bot.services.day_plan(await bot.services.store.get_user(4242), TODAY)  # type: ignore[arg-type]
    breakfast = plan.meal(Slot.BREAKFAST)
    lunch = plan.meal(Slot.LUNCH)
    assert breakfast is not None and lunch is not None

    calls = await chat.tap("Breakfast eaten")
    toast = answers(calls)[0]
    assert toast.startswith("Breakfast: eaten")
    assert f"{breakfast.b12_ug:.1f}" in toast or f"{breakfast.b12_ug:.2f}".rstrip("0") in toast
    assert texts(calls, "editMessageText") == []  # the plan message itself is left alone

    # the lunch row's Skipped button
    message, data = next(
        (m, d)
        for m in reversed(chat.messages())
        for label, d in __import__("ptb_offline").Call("", {"reply_markup": m.reply_markup}).buttons
        if d.startswith("v1:ml:s:") and ":lunch:" in d
    )
    calls = await chat.tap_data(data, message)
    assert answers(calls)[0].startswith("Lunch: skipped")

    calls = await chat.send("/took 1000")
    assert "Logged a supplement of 1,000 µg" in all_text(calls)
    assert "clinician" in all_text(calls)

    days = await bot_tallies(bot)
    assert len(days) == 1
    day = days[0]
    assert day.eaten_ug == pytest.approx(breakfast.b12_ug)
    assert day.supplement_ug == 1000.0
    assert day.intake_ug == pytest.approx(breakfast.b12_ug + 1000.0)
    # the absorption curve: each meal and the tablet saturate on their own
    assert day.absorbed_ug == pytest.approx(absorbed_ug(breakfast.b12_ug) + absorbed_ug(1000.0))
    assert day.planned_ug == pytest.approx(plan.b12_ug)

    calls = await chat.send("/progress")
    text = all_text(calls)
    assert "Today:" in text and "target reached" in text
    assert "Last 7 days" in text and "Last 30 days" in text
    photos = bot.request.uploads("sendPhoto")
    assert len(photos) == 1 and is_png(photos[0])
    for t in texts(calls):
        check_html(t)


async def bot_tallies(bot: Harness):  # type: ignore[no-untyped-def]
    from bot.services.tracking import day_tallies

    user = await bot.services.store.get_user(4242)
    assert user is not None
    return await day_tallies(bot.tracking, user, TODAY, TODAY)


async def test_log_command_shows_what_was_ticked_and_refreshes_in_place(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/log")
    text = visible_text(texts(calls)[0])
    assert "Tick what you ate" in text and "Nothing logged yet today" in text
    calls = await chat.tap("Dinner eaten")
    edited = visible_text(texts(calls, "editMessageText")[0])
    assert "— eaten" in edited and "Nothing logged yet" not in edited
    calls = await chat.tap("Ate other")  # first row: breakfast
    assert "/ate" in all_text(calls)
    logs = await bot.tracking.meal_logs(4242, TODAY, TODAY)
    assert {(m.slot, m.status) for m in logs} == {("dinner", "eaten"), ("breakfast", "other")}


async def test_ate_logs_extras_and_refuses_supplement_sized_amounts(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    recipe = next(r for r in bot.services.recipes.recipes.values() if r.b12_ug > 0.5)
    calls = await chat.send(f"/ate {recipe.name}")
    assert recipe.name in all_text(calls)
    calls = await chat.send("/ate 1.5")
    assert "1.5 µg" in all_text(calls)
    calls = await chat.send("/ate 500")
    assert "/took" in all_text(calls)
    calls = await chat.send("/ate zzzqqq")
    assert "don't know the dish" in all_text(calls)
    logs = await bot.tracking.meal_logs(4242, TODAY, TODAY)
    assert sorted(m.b12_ug for m in logs) == sorted([recipe.b12_ug, 1.5])


async def test_buttons_for_other_days_and_changed_plans_are_refused(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/tomorrow")
    calls = await chat.tap("Breakfast eaten")
    assert "tick this meal off on" in answers(calls)[0]
    await chat.send("/today")
    message, data = chat.find_button("Breakfast eaten")
    await chat.tap("Swap breakfast")
    calls = await chat.tap_data(data, message)  # the old keyboard, before the swap
    assert "changed" in answers(calls)[0]
    bot.clock.set(bot.clock.now() + dt.timedelta(days=3))
    calls = await chat.tap_data(data, message)
    assert "too old" in answers(calls)[0]
    assert await bot.tracking.meal_logs(4242, TODAY, TODAY + dt.timedelta(days=3)) == []


async def test_levels_in_two_units_convert_and_impossible_values_are_refused(
    bot: Harness,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/levels add serum 320 pg/mL 2026-10-02")
    text = all_text(calls)
    assert "Saved result #1" in text and "not a diagnosis" in text
    assert "236 pmol/L" in text  # 320 / 1.355 = 236.2
    calls = await chat.send("/levels add serum 150 pmol/L 2026-11-20")
    text = all_text(calls)
    assert f"{150 * PG_PER_PMOL:.0f} pg/mL" in text  # 203 pg/mL
    assert "borderline" in text
    calls = await chat.send("/levels add serum 320000 pg/mL")
    assert "not a possible" in all_text(calls)
    calls = await chat.send("/levels add serum 320 mg/dL")
    assert "mg/dL" in all_text(calls) or "unit" in all_text(calls)
    labs = await bot.tracking.labs(4242)
    assert [lab.result.canonical_value for lab in labs] == pytest.approx([320.0, 150 * 1.355])

    bot.request.files.clear()
    calls = await chat.send("/levels")
    text = all_text(calls)
    assert "#1. 2026-10-02" in text and "#2. 2026-11-20" in text
    assert "not a diagnosis" in text and "clinician" in text
    photos = bot.request.uploads("sendPhoto")
    assert len(photos) == 1 and is_png(photos[0])  # one marker -> one chart


async def test_retest_reminder_is_due_months_after_the_latest_result(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add active 45 pmol/L 2026-09-30")
    calls = await chat.send("/levels retest 5")
    assert "due Sun 28 Feb 2027" in all_text(calls)  # 30 Sep + 5 months, clamped
    retest = await bot.tracking.get_retest(4242)
    assert retest is not None and retest.due_date == dt.date(2027, 2, 28)
    # 07:30 in Berlin (the user's plan time) on the due day
    assert retest.next_fire_utc == dt.datetime(2027, 2, 28, 6, 30, tzinfo=UTC)
    bot.clock.set(retest.next_fire_utc)
    bot.request.clear()
    outcome = await run_tracking_tick_now(bot.app)
    assert outcome.retests == 1
    assert "retest" in all_text(bot.request.calls)
    calls = await chat.send("/levels retest 99")
    assert "1 to 36" in all_text(calls)


async def test_reminder_fires_and_taken_counts_once(bot: Harness) -> None:
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


async def test_snooze_fires_again_an_hour_later_and_skip_logs_nothing(bot: Harness) -> None:
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


async def test_myproducts_changes_plans_and_tallies(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    svc = bot.services
    calls = await chat.send("/myproducts oat milk 0.1")
    text = all_text(calls)
    assert "Saved" in text and "per 100 ml" in text
    ing = svc.recipes.ingredients["oat_milk_fortified"]
    overrides = await bot.tracking.product_overrides(4242)
    assert overrides == {"oat_milk_fortified": pytest.approx(0.1 / ing.g_per_ml)}
    mine = with_products(svc.recipes, overrides)
    assert mine is not svc.recipes
    user = await svc.store.get_user(4242)
    assert user is not None
    plan = await svc.day_plan(user, TODAY)
    for meal in plan.meals:  # the plan is valued with the user's label
        assert meal.b12_ug == pytest.approx(meal_b12_ug(mine, meal))
    calls = await chat.send("/myproducts")
    assert "0.1 µg" in all_text(calls)
    calls = await chat.send("/myproducts salmon 3")
    assert "not a fortified product" in all_text(calls)
    calls = await chat.send("/myproducts oat milk 5000")
    assert "not a plausible" in all_text(calls)
    await chat.send("/myproducts clear")
    assert await bot.tracking.product_overrides(4242) == {}


async def test_evening_check_reports_the_gap_with_a_snack(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/evening on")
    assert "on, at 19:00" in all_text(calls)
    await chat.send("/ate 0.4")
    bot.clock.set(dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC))  # 19:00 in Berlin
    bot.request.clear()
    outcome = await run_tracking_tick_now(bot.app)
    assert outcome.evenings == 1
    text = visible_text(texts(bot.request.calls)[0])
    assert "2.0 µg short" in text  # 2.4 - 0.4
    assert "snack" in text.lower() or "clinician" in text
    assert (await run_tracking_tick_now(bot.app)).evenings == 0
    calls = await chat.send("/evening 25:00")
    assert "not a time" in all_text(calls)


async def test_faq_index_buttons_and_answers(bot: Harness) -> None:
    chat = bot.chat()
    calls = await chat.send("/faq")
    assert len(calls[-1].buttons) == len(FAQ)
    calls = await chat.tap("Is a high B12 intake safe")
    text = all_text(calls)
    assert "Sources:" in text and "IOM 1998" in text
    calls = await chat.send("/faq 3")
    assert FAQ[2].question in all_text(calls)
    calls = await chat.send("/faq banana")
    assert "no question" in all_text(calls)


async def test_privacy_and_help_texts_are_valid_html(bot: Harness) -> None:
    chat = bot.chat()
    calls = await chat.send("/privacy")
    text = all_text(calls)
    assert "/export" in text and "/delete" in text and "log files" in text
    for t in texts(calls):
        check_html(t)
    await onboard(chat)
    calls = await chat.send("/levels help")
    assert "1.355" in all_text(calls)
    calls = await chat.send("/took")
    assert "/took 1000" in all_text(calls)
    calls = await chat.send("/took a lot")
    assert "could not read a dose" in all_text(calls)


async def test_progress_chart_png_is_readable(bot: Harness, tmp_path: Path) -> None:
    """Writes the chart to /tmp for a person to look at; checks size and that it decodes."""
    chat = bot.chat()
    await onboard(chat)
    for back in range(10, -1, -1):
        bot.clock.set(dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC) - dt.timedelta(days=back))
        await chat.send("/log")
        await chat.tap("Breakfast eaten")
        if back % 3 == 0:
            await chat.tap("Lunch eaten")
        if back % 4 == 0:
            await chat.send("/took 250")
    bot.request.files.clear()
    await chat.send("/progress")
    png = bot.request.uploads("sendPhoto")[0]
    from matplotlib.image import imread

    image = imread(io.BytesIO(png), format="png")
    assert image.shape[0] >= 800 and image.shape[1] >= 1000
    Path("/tmp/h8_progress.png").write_bytes(png)


async def test_health_commands_are_refused_in_groups(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add serum 320 pg/mL 2026-10-02")
    group = {"id": -100555, "type": "group", "title": "Family"}
    message = chat._message(
        text="/levels",
        entities=[{"type": "bot_command", "offset": 0, "length": 7}],
    )
    message["chat"] = group
    calls = await chat._process({"message": message})
    sent = texts(calls)
    assert len(sent) == 1 and "only in a private chat" in sent[0]
    assert "320" not in " ".join(sent)
    assert bot.request.uploads("sendPhoto") == []
