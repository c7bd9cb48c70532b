"""Second QA pass on issue 6 (tracking): each test pins down one reported defect.

Offline: the real application, store and recipes with a recorded HTTP layer
(tests/ptb_offline.py) and a controlled clock, as in tests/test_tracking_handlers.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ptb_offline import answers, check_html, texts, visible_text
from tracking_harness import Harness, offline_bot, onboard

from bot.chat.render.plans import fmt_ug as plan_fmt_ug
from bot.chat.render.tracking import checkoff_toast, render_reminder_message, tally_line
from bot.core.food_amount import AmountInputError, parse_food_amount
from bot.core.models import Slot
from bot.core.products import product_ingredients
from bot.core.recipes import load_recipes
from bot.core.reminders import Reminder, ReminderKind
from bot.core.tally import day_tally, fmt_ug
from bot.storage.tracking import EXTRA_SLOT, MealLog

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    async with offline_bot(tmp_path) as harness:
        yield harness


def replies(calls: list) -> list[str]:  # type: ignore[type-arg]
    """The HTML of every message the bot sent or edited, checked as Telegram would."""
    sent = texts(calls) + texts(calls, "editMessageText")
    for html in sent:
        check_html(html)
    return sent


def shown(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(visible_text(t) for t in replies(calls))


# --------------------------------------------------------------------------- /myproducts


async def test_myproducts_offers_products_by_name_with_the_code_to_type(bot: Harness) -> None:
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


async def test_myproducts_ambiguous_words_list_only_the_candidates(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    html = "\n".join(replies(await chat.send("/myproducts soy 0.4")))
    assert "<code>soy_milk_fortified</code>" in html
    assert "<code>soy_yogurt_fortified</code>" in html
    assert "<code>bran_flakes</code>" not in html


async def test_myproducts_names_the_word_that_is_not_a_number(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    text = shown(await chat.send("/myproducts soy milk abc"))
    assert "“abc” is not a number: write the µg per 100 ml from the label" in text
    assert "e.g. /myproducts soy milk " in text
    text = shown(await chat.send("/myproducts nutritional yeast lots"))
    assert "“lots” is not a number: write the µg per 100 g" in text
    # a product alone: asked for its value, no word blamed ("milk" is part of the name)
    text = shown(await chat.send("/myproducts almond milk"))
    assert "is not a number" not in text
    assert "per 100 ml from the label of your" in text
    assert await bot.tracking.product_overrides(4242) == {}


# --------------------------------------------------------------------------- reminder wording


def test_injection_reminder_does_not_promise_the_daily_tally() -> None:
    injection = Reminder(
        ReminderKind.EVERY_N_WEEKS,
        1000.0,
        dt.time(8, 0),
        "Europe/Berlin",
        every_weeks=4,
        start=dt.date(2026, 11, 1),
    )
    text = visible_text(render_reminder_message(injection))
    assert "daily tally" not in text  # bot.core.tally keeps injections out of the oral tally
    assert "recorded in your log (shown apart from food)" in text
    tablet = Reminder(ReminderKind.DAILY, 500.0, dt.time(8, 0), "Europe/Berlin")
    assert "counts in your daily tally" in visible_text(render_reminder_message(tablet))
    # and the tally indeed leaves the injection out of intake
    day = day_tally(dt.date(2026, 11, 24), [], [], injection_doses_ug=[1000.0])
    assert day.injection_ug == 1000.0 and day.intake_ug == 0.0


# --------------------------------------------------------------------------- /ate input


async def extras(bot: Harness) -> list[MealLog]:
    logs = await bot.tracking.meal_logs(4242, TODAY, TODAY)
    return [log for log in logs if log.slot == EXTRA_SLOT]


async def test_ate_negative_amount_says_it_must_be_positive(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    for text in ("/ate -5", "/ate −2 eggs"):
        reply = shown(await chat.send(text))
        assert "must be positive" in reply, text
        assert "I don't know the dish" not in reply
    assert "more than 0" in shown(await chat.send("/ate 0"))
    assert await extras(bot) == []


async def test_ate_a_count_of_one_food_uses_the_ingredient_table(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    egg = bot.services.recipes.ingredients["egg"]
    expected = egg.per_100g.b12_ug * 2 * egg.unit_grams["piece"] / 100  # SR28 x 2 pieces
    reply = shown(await chat.send("/ate 2 eggs"))
    assert "I don't know the dish" not in reply
    assert f"Logged 2 × {egg.name}: {fmt_ug(expected)} µg B12" in reply
    (logged,) = await extras(bot)
    assert logged.b12_ug == pytest.approx(expected)
    salmon = bot.services.recipes.ingredients["salmon"]
    await chat.send("/ate 150 g salmon")
    assert [e.b12_ug for e in await extras(bot)] == pytest.approx(
        [expected, salmon.per_100g.b12_ug * 1.5]
    )


async def test_ate_explains_what_it_cannot_measure(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "Give a unit (g)" in shown(await chat.send("/ate 1 salmon"))  # no "piece" weight
    assert "could be several foods" in shown(await chat.send("/ate 2 cheese"))
    reply = shown(await chat.send("/ate 2 flibbertigibbets"))
    assert "“2 flibbertigibbets”" in reply and "/ate 2 eggs" in reply and "/ate 1.2" in reply
    assert await extras(bot) == []


def test_food_amount_units_and_limits() -> None:
    recipes = load_recipes()
    soy = recipes.ingredients["soy_milk_fortified"]
    cup = parse_food_amount("1 cup soy milk", recipes)
    assert cup is not None and cup.grams == soy.unit_grams["cup"]
    ml = parse_food_amount("250 ml soy milk", recipes)
    assert ml is not None and ml.grams == pytest.approx(250 * (soy.g_per_ml or 0))
    assert parse_food_amount("omelette", recipes) is None  # a dish: the caller's job
    assert parse_food_amount("2 flibbertigibbets", recipes) is None
    with pytest.raises(AmountInputError, match="more than I accept"):
        parse_food_amount("5000 g salmon", recipes)
    with pytest.raises(AmountInputError, match="more than 0"):
        parse_food_amount("0 eggs", recipes)
    with pytest.raises(AmountInputError, match="can't measure"):
        parse_food_amount("3 slices salmon", recipes)


# --------------------------------------------------------------------------- /remind duplicates


async def test_remind_refuses_an_identical_reminder(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/remind daily 1000 08:00")
    reply = shown(await chat.send("/remind daily 1000 08:00"))
    assert "You already have this reminder" in reply and "number 1" in reply
    assert len(await bot.tracking.reminders(4242)) == 1
    await chat.send("/remind daily 1000 09:00")  # another time is another reminder
    assert len(await bot.tracking.reminders(4242)) == 2


def test_every_n_weeks_reminders_match_on_the_same_injection_days() -> None:
    def injection(start: dt.date, weeks: int = 4) -> Reminder:
        return Reminder(
            ReminderKind.EVERY_N_WEEKS,
            1000.0,
            dt.time(10, 0),
            "Europe/Berlin",
            every_weeks=weeks,
            start=start,
        )

    first = injection(dt.date(2026, 12, 1))
    assert first.same_schedule(injection(dt.date(2026, 12, 29)))  # four weeks later
    assert not first.same_schedule(injection(dt.date(2026, 12, 8)))
    assert not first.same_schedule(injection(dt.date(2026, 12, 1), weeks=2))


# --------------------------------------------------------------------------- rounding


def test_tracking_texts_round_like_the_plan() -> None:
    toast = checkoff_toast("breakfast", "eaten", 0.57, None, 2.4)
    assert "+0.6 µg" in toast and "0.57" not in toast
    for value in (0.05, 0.57, 0.95, 1.25, 2.4, 12.34):
        assert fmt_ug(value) == plan_fmt_ug(value)
    assert fmt_ug(1000.0) == "1,000"  # doses keep their thousands separator
    day = day_tally(TODAY, [0.57], [0.57])
    assert "0.6 of 2.4 µg" in visible_text(tally_line(day, 2.4))


async def test_check_off_toast_repeats_the_plan_number(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    plan_html = "\n".join(replies(await chat.send("/today")))
    user = await bot.services.store.get_user(4242)
    assert user is not None
    breakfast = (await bot.services.day_plan(user, TODAY)).meal(Slot.BREAKFAST)
    assert breakfast is not None
    shown_b12 = plan_fmt_ug(breakfast.b12_ug)
    assert f"B12 {shown_b12} µg" in plan_html
    toast = answers(await chat.tap("Breakfast eaten"))[0]
    assert f"(+{shown_b12} µg B12)" in toast
