"""Tracking through the real Application offline: check-offs, /log, /ate, /took, /levels,
reminders, /myproducts, the evening check, /faq and /progress, with the real store and
recipes, a recorded HTTP layer (tests/support/ptb_offline.py) and a controlled clock."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from ptb_offline import (
    OfflineBot,
    all_text,
    answers,
    check_html,
    is_png,
    onboard,
    replies,
    texts,
    visible_text,
)

from bot.chat.jobs.tracking import run_tracking_tick_now
from bot.chat.render.format import fmt_ug as plan_fmt_ug
from bot.core.faq import FAQ
from bot.core.models import Slot
from bot.core.nutrition import absorbed_ug
from bot.core.products import meal_b12_ug, product_ingredients, with_products
from bot.core.tally import fmt_ug
from bot.storage.tracking import EXTRA_SLOT, MealLog

UTC = dt.UTC
TODAY = dt.date(2026, 11, 24)


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
    # the plan message shows the tick in its own text (tests/chat/handlers/test_undo.py)
    assert "✅ 🌅 Breakfast" in visible_text(texts(calls, "editMessageText")[0])

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
    assert "/took 500" in all_text(calls)  # their own number, not a suggested dose
    calls = await chat.send("/ate zzzqqq")
    assert "nothing is logged" in all_text(calls)
    logs = await bot.tracking.meal_logs(4242, TODAY, TODAY)
    assert sorted(m.b12_ug for m in logs) == sorted([recipe.b12_ug, 1.5])


async def test_buttons_for_other_days_and_changed_plans_are_refused(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/tomorrow")
    tomorrow_message = chat.messages()[-1]
    assert "eaten" not in str(tomorrow_message.reply_markup)  # no ticks for tomorrow's meals
    _, swap_data = chat.find_button("Swap breakfast")
    forged = swap_data.replace("v1:swap:", "v1:ml:e:")  # the same day, slot and fingerprint
    calls = await chat.tap_data(forged, tomorrow_message)
    assert "tick this meal off on" in answers(calls)[0]
    await chat.send("/today")
    message, data = chat.find_button("Breakfast eaten")
    await chat.tap("Swap breakfast")
    calls = await chat.tap_data(data, message)  # the old keyboard, before the swap
    assert "changed" in answers(calls)[0]
    bot.clock.set(bot.clock.now() + dt.timedelta(days=3))
    calls = await chat.tap_data(data, message)
    assert "out of date" in answers(calls)[0]
    assert await bot.tracking.meal_logs(4242, TODAY, TODAY + dt.timedelta(days=3)) == []


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
    assert "/took <µg on your label>" in all_text(calls)  # a placeholder, never a dose
    assert not re.search(r"/took (injection )?\d", all_text(calls))
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


async def test_ate_never_logs_a_dish_guessed_from_a_short_or_vague_word(bot: OfflineBot) -> None:
    """'/ate inf' once logged the mussels (18 µg), '/ate egg' the egg fried rice: a word that
    fits a dish only in part logs nothing and asks, with today's meals as buttons."""
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    for word in ("inf", "bread", "a", "on", "no", "pie", "omelette"):
        calls = await chat.send(f"/ate {word}")
        reply = all_text(calls)
        assert "Logged" not in reply, word
        assert "nothing is logged" in reply, word
    assert "None of these" in str(chat.messages()[-1].reply_markup)
    # a part of several dish names: their whole names are offered as commands
    assert "/ate Spinach and feta omelette" in reply
    calls = await chat.send("/ate egg")
    reply = all_text(calls)
    assert "How much egg" in reply and "/ate 1 egg" in reply
    assert await extras(bot) == []
    calls = await chat.send("/ate shakshuka")  # the one dish it names
    shakshuka = bot.services.recipes.recipes["shakshuka"]
    assert f"Logged {shakshuka.name}" in all_text(calls)
    assert [e.recipe_id for e in await extras(bot)] == ["shakshuka"]


async def test_ate_negative_amount_says_it_must_be_positive(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    for text in ("/ate -5", "/ate −2 eggs"):
        reply = all_text(await chat.send(text))
        assert "must be positive" in reply, text
        assert "I don't recognise" not in reply
    assert "more than 0" in all_text(await chat.send("/ate 0"))
    assert await extras(bot) == []


async def test_ate_a_count_of_one_food_uses_the_ingredient_table(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    egg = bot.services.recipes.ingredients["egg"]
    expected = egg.per_100g.b12_ug * 2 * egg.unit_grams["piece"] / 100  # SR28 x 2 pieces
    reply = all_text(await chat.send("/ate 2 eggs"))
    assert "I don't recognise" not in reply
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


@pytest.mark.parametrize("absorption", ["impaired", "injections"])
async def test_progress_of_a_clinician_managed_user_shows_the_log_without_estimates(
    bot: OfflineBot, absorption: str
) -> None:
    """Onboarding promises them no absorption estimates and never "on target from food"."""
    chat = bot.chat()
    await onboard(chat)
    await bot.services.users.update(chat.user.id, absorption=absorption)
    await chat.send("/today")
    await chat.tap("Breakfast eaten")
    await chat.send("/took injection 1000")
    calls = await chat.send("/progress")
    text = all_text(calls)
    (photo,) = [c for c in calls if c.method == "sendPhoto"]
    assert "logged" in str(photo.params.get("caption")) and "target" not in str(photo.params)
    assert "clinician manages your B12" in text
    assert "food" in text and "Injection today: 1,000 µg" in text
    for verdict in ("absorbed", "to go", "target met", "target reached", "B12 target"):
        assert verdict not in text.lower(), verdict


async def test_progress_with_nothing_logged_sends_a_hint_not_an_empty_chart(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/progress")
    assert [c.method for c in calls] == ["sendMessage"]
    text = visible_text(texts(calls)[0])
    assert "tick off meals with ✅ on your plan" in text.lower()
    assert "/took <µg on your label>" in text and not re.search(r"/took \d", text)
    await chat.send("/took 10")
    calls = await chat.send("/progress")
    assert [c.method for c in calls] == ["sendMessage", "sendPhoto"]


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


async def test_swap_survives_myproducts_with_an_unchanged_value(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/myproducts soy_milk_fortified 0.4")
    await chat.send("/today")
    await chat.tap("Swap lunch")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    swapped = await bot.services.plans.stored_plan(user, TODAY)
    assert swapped is not None and swapped.swaps
    calls = await chat.send("/myproducts soy_milk_fortified 0.4")
    assert "stays as it is" in all_text(calls)
    after = await bot.services.plans.stored_plan(user, TODAY)
    assert after == swapped


async def test_a_german_user_logs_and_reads_progress_in_german(bot: OfflineBot) -> None:
    """/took with a decimal comma, /log, /ate and /progress answer in German, with commas."""
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/language de")
    took = all_text(await chat.send("/took 1,5"))
    assert took.startswith("💊 Präparat mit 1,5 µg eingetragen.")
    assert "von 2,4 µg B12" in took and "Präparat 1,5 µg" in took
    again = all_text(await chat.send("/took Spritze 1000"))
    assert "Sie haben gerade eben schon 1,5 µg eingetragen." in again
    assert "Noch eine Spritze mit 1.000 µg eintragen?" in again
    await chat.tap("Nein")
    log = all_text(await chat.send("/log"))
    assert "Mahlzeiten · Di., 24. Nov." in log and "Haken Sie ab, was Sie gegessen haben:" in log
    ate = all_text(await chat.send("/ate 2 Eier"))
    assert ate.startswith("➕ Eingetragen: 2 × Ei, ganz, roh (Größe L),") and "µg B12." in ate
    dish = all_text(await chat.send("/ate Shakshuka mit Feta"))  # a dish by its German name
    assert dish.startswith("➕ Eingetragen: Shakshuka mit Feta, ") and "µg B12." in dish
    progress = all_text(await chat.send("/progress"))
    assert "Ihr B12-Verlauf" in progress and "B12-Ziel: 2,4 µg/Tag" in progress
    assert "Letzte 7 Tage: im Schnitt" in progress
    evening = all_text(await chat.send("/evening 20.30"))
    assert "Abend-Check: an, um 20:30 Ihrer Zeit." in evening
    for text in (took, log, ate, progress, evening):
        assert "µg to go" not in text and "Logged" not in text and "Today" not in text


@pytest.mark.parametrize(
    ("lang", "on", "short", "title"),
    [
        ("de", "an", "Heute fehlen Ihnen 2,0 µg zu Ihrem B12-Ziel.", "🌙 Abend-Check"),
        ("es", "sí", "Hoy le faltan 2,0 µg para su objetivo de B12.", "🌙 Revisión de la noche"),
        ("fr", "oui", "Il vous manque 2,0 µg aujourd'hui pour votre objectif de B12.", "🌙 Bilan"),
    ],
)
async def test_the_evening_check_comes_in_the_users_language(
    bot: OfflineBot, lang: str, on: str, short: str, title: str
) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send(f"/language {lang}")
    await chat.send(f"/evening {on}")  # the local word for "on"
    await chat.send("/ate 0,4")
    bot.clock.set(dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC))  # 19:00 in Berlin
    bot.request.clear()
    assert (await run_tracking_tick_now(bot.app)).evenings == 1
    text = visible_text(texts(bot.request.calls)[0])
    assert text.startswith(title) and short in text, text
    assert "0,4 " in text and "short" not in text and "target" not in text
