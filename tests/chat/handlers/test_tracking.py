"""Tracking through the real Application offline: check-offs, /log, /ate, /took, /levels,
reminders, /myproducts, the evening check, /faq and /progress, with the real store and
recipes, a recorded HTTP layer (tests/support/ptb_offline.py) and a controlled clock."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from ptb_offline import OfflineBot, answers, check_html, onboard, texts, visible_text

from bot.chat.jobs.tracking import run_tracking_tick_now
from bot.chat.render.format import fmt_ug as plan_fmt_ug
from bot.core.faq import FAQ
from bot.core.labs import PG_PER_PMOL
from bot.core.models import Slot
from bot.core.nutrition import absorbed_ug
from bot.core.products import meal_b12_ug, product_ingredients, with_products
from bot.core.tally import fmt_ug
from bot.storage.tracking import EXTRA_SLOT, MealLog

UTC = dt.UTC
TODAY = dt.date(2026, 11, 24)


def replies(calls: list) -> list[str]:  # type: ignore[type-arg]
    """The HTML of every message the bot sent or edited, checked as Telegram would."""
    sent = texts(calls) + texts(calls, "editMessageText")
    for html in sent:
        check_html(html)
    return sent


def all_text(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(visible_text(t) for t in replies(calls))


def is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


async def test_check_offs_on_the_plan_message_and_supplement_give_the_right_tally(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    plan = await bot.services.plans.day_plan(await bot.services.store.get_user(4242), TODAY)  # type: ignore[arg-type]
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

    bot.clock.advance(hours=2)  # a tablet taken apart from breakfast is a dose of its own
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


async def bot_tallies(bot: OfflineBot):  # type: ignore[no-untyped-def]
    from bot.services.tracking import day_tallies

    user = await bot.services.store.get_user(4242)
    assert user is not None
    return await day_tallies(bot.tracking, user, TODAY, TODAY)


async def test_log_command_shows_what_was_ticked_and_refreshes_in_place(bot: OfflineBot) -> None:
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


async def test_ate_logs_extras_and_refuses_supplement_sized_amounts(bot: OfflineBot) -> None:
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


async def test_buttons_for_other_days_and_changed_plans_are_refused(bot: OfflineBot) -> None:
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
    bot: OfflineBot,
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
    assert "indeterminate" in text
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


async def test_levels_add_serum_320_ng_per_l_is_indeterminate_with_the_gp_line(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    text = all_text(await chat.send("/levels add serum 320 ng/L"))
    assert "indeterminate" in text and "NICE NG239" in text
    assert "contact your GP or MS team soon" in text
    assert "numbness, weakness, balance or memory" in text
    assert "supplements and injections change test results" in text
    assert "adequate" not in text.lower()
    assert "preferred test" not in text  # only with the pregnancy flag
    calls = await chat.send("/levels add active 61 pg/mL")
    assert "in pmol/L" in all_text(calls)
    assert len(await bot.tracking.labs(chat.user.id)) == 1  # refused, not stored

    text = all_text(await chat.send("/levels"))
    assert "Latest serum B12" in text and "indeterminate" in text
    assert text.count("contact your GP or MS team soon") == 1  # once per list, not per line
    assert "supplements and injections change test results" in text


async def test_levels_tell_a_pregnant_user_that_active_b12_is_preferred(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await bot.services.users.update(chat.user.id, life_stage="pregnant")
    text = all_text(await chat.send("/levels add serum 400 ng/L"))
    assert "deficiency unlikely" in text
    assert "active B12 (holoTC) is the preferred test" in text
    assert "does not rule out a deficiency" in text
    assert "active B12 (holoTC) is the preferred test" in all_text(await chat.send("/levels"))


async def test_retest_reminder_is_due_months_after_the_latest_result(bot: OfflineBot) -> None:
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


async def test_myproducts_changes_plans_and_tallies(bot: OfflineBot) -> None:
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
    plan = await svc.plans.day_plan(user, TODAY)
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


async def test_evening_check_reports_the_gap_with_a_snack(bot: OfflineBot) -> None:
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


async def test_injection_users_get_no_evening_short_message(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/evening on")
    await bot.services.users.update(chat.user.id, absorption="injections")
    await chat.send("/ate 0.4")
    bot.clock.set(dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC))  # 19:00 in Berlin
    bot.request.clear()
    await run_tracking_tick_now(bot.app)
    assert not [t for t in texts(bot.request.calls) if "Evening check" in t]
    assert "no evening “short of target” messages" in all_text(await chat.send("/evening"))
    # the tally after /ate claims nothing and counts nothing "to go"
    text = all_text(await chat.send("/ate 0.2"))
    assert "to go" not in text and "clinician manages your B12" in text


async def test_impaired_absorption_evening_check_suggests_no_food(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/evening on")
    await bot.services.users.update(chat.user.id, absorption="impaired")
    await chat.send("/ate 0.4")
    bot.clock.set(dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC))  # 19:00 in Berlin
    bot.request.clear()
    assert (await run_tracking_tick_now(bot.app)).evenings == 1
    text = visible_text(texts(bot.request.calls)[0])
    assert "treatment your clinician set" in text and "clinician manages your B12" in text
    assert "snack" not in text.lower() and "short" not in text and "to go" not in text


async def test_faq_index_buttons_and_answers(bot: OfflineBot) -> None:
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


async def test_privacy_and_help_texts_are_valid_html(bot: OfflineBot) -> None:
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


async def test_progress_chart_png_is_readable(bot: OfflineBot, tmp_path: Path) -> None:
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
    Path("/tmp/b12_progress_chart.png").write_bytes(png)


async def test_health_commands_are_refused_in_groups(bot: OfflineBot) -> None:
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


# --------------------------------------------------------------------------- /myproducts


async def test_myproducts_offers_products_by_name_with_the_code_to_type(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    html = "\n".join(replies(await chat.send("/myproducts xyz 1")))
    assert "“xyz”" in html
    for ing in product_ingredients(bot.services.recipes):
        assert f"{ing.name}: <code>{ing.id}</code>" in html
    # codes appear only inside <code>: never as a bare comma-separated list
    assert "almond_milk_fortified, bran_flakes" not in html
    listing = "\n".join(replies(await chat.send("/myproducts")))
    assert "Almond milk, vanilla, fortified: <code>almond_milk_fortified</code>" in listing


async def test_myproducts_ambiguous_words_list_only_the_candidates(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    html = "\n".join(replies(await chat.send("/myproducts soy 0.4")))
    assert "<code>soy_milk_fortified</code>" in html
    assert "<code>soy_yogurt_fortified</code>" in html
    assert "<code>bran_flakes</code>" not in html


async def test_myproducts_names_the_word_that_is_not_a_number(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    text = all_text(await chat.send("/myproducts soy milk abc"))
    assert "“abc” is not a number: write the µg per 100 ml from the label" in text
    assert "e.g. /myproducts soy milk " in text
    text = all_text(await chat.send("/myproducts nutritional yeast lots"))
    assert "“lots” is not a number: write the µg per 100 g" in text
    # a product alone: asked for its value, no word blamed ("milk" is part of the name)
    text = all_text(await chat.send("/myproducts almond milk"))
    assert "is not a number" not in text
    assert "per 100 ml from the label of your" in text
    assert await bot.tracking.product_overrides(4242) == {}


# --------------------------------------------------------------------------- /ate


async def extras(bot: OfflineBot) -> list[MealLog]:
    logs = await bot.tracking.meal_logs(4242, TODAY, TODAY)
    return [log for log in logs if log.slot == EXTRA_SLOT]


async def test_ate_negative_amount_says_it_must_be_positive(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    for text in ("/ate -5", "/ate −2 eggs"):
        reply = all_text(await chat.send(text))
        assert "must be positive" in reply, text
        assert "I don't know the dish" not in reply
    assert "more than 0" in all_text(await chat.send("/ate 0"))
    assert await extras(bot) == []


async def test_ate_a_count_of_one_food_uses_the_ingredient_table(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    egg = bot.services.recipes.ingredients["egg"]
    expected = egg.per_100g.b12_ug * 2 * egg.unit_grams["piece"] / 100  # SR28 x 2 pieces
    reply = all_text(await chat.send("/ate 2 eggs"))
    assert "I don't know the dish" not in reply
    assert f"Logged 2 × {egg.name}: {fmt_ug(expected)} µg B12" in reply
    (logged,) = await extras(bot)
    assert logged.b12_ug == pytest.approx(expected)
    salmon = bot.services.recipes.ingredients["salmon"]
    await chat.send("/ate 150 g salmon")
    assert [e.b12_ug for e in await extras(bot)] == pytest.approx(
        [expected, salmon.per_100g.b12_ug * 1.5]
    )


async def test_ate_explains_what_it_cannot_measure(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "Give a unit (g)" in all_text(await chat.send("/ate 1 salmon"))  # no "piece" weight
    assert "could be several foods" in all_text(await chat.send("/ate 2 cheese"))
    reply = all_text(await chat.send("/ate 2 flibbertigibbets"))
    assert "“2 flibbertigibbets”" in reply and "/ate 2 eggs" in reply and "/ate 1.2" in reply
    assert await extras(bot) == []


# --------------------------------------------------------------------------- /remind


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


async def test_check_off_toast_repeats_the_plan_number(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    plan_html = "\n".join(replies(await chat.send("/today")))
    user = await bot.services.store.get_user(4242)
    assert user is not None
    breakfast = (await bot.services.plans.day_plan(user, TODAY)).meal(Slot.BREAKFAST)
    assert breakfast is not None
    shown_b12 = plan_fmt_ug(breakfast.b12_ug)
    assert f"B12 {shown_b12} µg" in plan_html
    toast = answers(await chat.tap("Breakfast eaten"))[0]
    assert f"(+{shown_b12} µg B12)" in toast


# --------------------------------------------------------------------------- /levels numbers


async def test_lab_numbers_shown_saved_and_deleted_are_the_same(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add serum 320 pg/mL 2026-10-02")
    await chat.send("/levels add serum 410 pg/mL 2026-11-20")
    calls = await chat.send("/levels add serum 280 pg/mL 2026-09-01")  # back-dated
    assert "Saved result #3: 2026-09-01" in visible_text(texts(calls)[0])
    listed = visible_text(texts(await chat.send("/levels"))[0])
    assert listed.index("#3. 2026-09-01") < listed.index("#1. 2026-10-02")
    calls = await chat.send("/levels delete 1")
    assert "Removed result #1: 2026-10-02" in visible_text(texts(calls)[0])
    left = await bot.tracking.labs(chat.user.id)
    assert [(lab.number, lab.result.taken_on.isoformat()) for lab in left] == [
        (3, "2026-09-01"),
        (2, "2026-11-20"),
    ]
    calls = await chat.send("/levels delete 1")  # already gone: nothing else removed
    assert "#2, #3" in visible_text(texts(calls)[0])
    assert len(await bot.tracking.labs(chat.user.id)) == 2


# -------------------------------------------------------------------- /progress and /levels charts


async def test_progress_with_nothing_logged_sends_a_hint_not_an_empty_chart(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/progress")
    assert [c.method for c in calls] == ["sendMessage"]
    text = visible_text(texts(calls)[0])
    assert "tick off meals with ✅ on your plan" in text.lower() and "/took 10" in text
    await chat.send("/took 10")
    calls = await chat.send("/progress")
    assert [c.method for c in calls] == ["sendMessage", "sendPhoto"]


async def test_levels_sends_one_album_for_several_markers(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add serum 320 pg/mL 2026-10-02")
    await chat.send("/levels add mma 0.3 umol/L 2026-11-20")
    await chat.send("/levels add mma 0.25 umol/L 2026-11-22")
    bot.request.files.clear()
    calls = await chat.send("/levels")
    assert [c.method for c in calls] == ["sendMessage", "sendMediaGroup"]
    pngs = [data for data in bot.request.uploads("sendMediaGroup")]
    assert len(pngs) == 2 and all(p.startswith(b"\x89PNG") for p in pngs)


# ---------------------------------------------------------------------- names and amounts as typed


async def test_myproducts_lists_names_with_the_code_to_type(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/myproducts")
    html_text = texts(calls)[0]
    assert "almond_milk_fortified (per 100 ml)" not in visible_text(html_text)
    assert (
        "• Almond milk, vanilla, fortified: <code>almond_milk_fortified</code>, per 100 ml"
        in html_text
    )


async def test_ate_command_reply_has_no_duplicate_amount(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    first_line = visible_text(texts(await chat.send("/ate 1.2"))[0]).splitlines()[0]
    assert first_line.count("1.2 µg") == 1
