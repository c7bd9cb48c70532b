"""End to end: the REAL application (bot.app.build_application, PTB long polling, HTTPX,
AIORateLimiter, JobQueue, SQLite) against the fake Bot API server on 127.0.0.1.

Why: handler tests with PTB's offline pattern cannot catch what only shows up on the wire —
HTML Telegram would refuse, callback data over 64 bytes, an edit that targets the wrong
message, a button whose data no handler matches, a push job that never fires. Here a user
taps through onboarding, asks for /today, swaps a meal and sees the swap remembered; and the
morning push arrives exactly once. No token or network needed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import pytest
from e2e_bot import (
    MEAL_LINE,
    TOKEN,
    WAIT_S,
    button_data,
    buttons,
    env_for,
    meals_in,
    running_bot,
    say,
    services_of,
    tap,
    to_chat,
)
from fake_bot_api import FakeBotApi
from store_helpers import add_user

from bot.chat.jobs.push import run_push_tick_now
from bot.chat.render.format import fmt_day
from bot.core.clock import local_instant_utc
from bot.core.models import Diet, Slot
from bot.storage.store import Store

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

ANA = 424242  # onboards through the buttons
TEST_BUDGET_S = 60

MEAL_B12 = re.compile(r"^\s+B12 ([\d.]+) µg", re.MULTILINE)
TOTAL_LINE = re.compile(r"B12 ([\d.]+) µg of your ([\d.]+) µg target: (met|[\d.]+ µg short)")


async def test_onboarding_today_swap_today(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    async with (
        asyncio.timeout(TEST_BUDGET_S),
        api,
        running_bot(api, tmp_path) as (application, errors),
    ):
        services = services_of(application)
        assert api.commands, "the command menu was not set at start-up"

        # /start -> diet question with buttons
        welcome = await say(api, ANA, "/start")
        assert buttons(welcome), "onboarding must offer buttons"

        # diet -> target -> absorption -> time zone -> region -> allergies -> push time, each
        # tap editing the same message
        step = await tap(api, welcome, "Vegan")
        assert step.method == "editMessageText"
        question = step.result
        assert question["message_id"] == welcome["message_id"]
        question = (await tap(api, question, "2.4")).result
        question = (await tap(api, question, "None of these")).result
        question = (await tap(api, question, "Berlin")).result
        question = (await tap(api, question, "EU")).result
        question = (await tap(api, question, "None, go on")).result
        done = (await tap(api, question, "07:30")).result
        assert "not medical advice" in done["text"].lower()

        stored = await services.store.get_user(ANA)
        assert stored is not None and stored.onboarded
        assert stored.diet is Diet.VEGAN
        assert stored.target_ug == pytest.approx(2.4)
        assert stored.timezone == "Europe/Berlin"
        assert stored.push_time == dt.time(7, 30)

        # /today: meals with B12, total meets the target
        today_msg = await say(api, ANA, "/today")
        text = today_msg["text"]
        meals = meals_in(text)
        assert set(meals) == {"Breakfast", "Lunch", "Dinner"}
        per_meal = [float(x) for x in MEAL_B12.findall(text)]
        assert len(per_meal) == 3
        total = TOTAL_LINE.search(text)
        assert total is not None, text
        total_ug, target_ug = float(total.group(1)), float(total.group(2))
        assert target_ug == pytest.approx(2.4)
        assert total.group(3) == "met" and total_ug >= target_ug
        assert sum(per_meal) == pytest.approx(total_ug, abs=0.051 * len(per_meal))
        # The message shows the stored plan, and every dish fits the vegan diet.
        plan = await services.plans.stored_plan(stored, services.today(stored))
        assert plan is not None
        names = {
            m.slot.value.capitalize(): services.recipes.recipes[m.recipe_id] for m in plan.meals
        }
        assert {slot: r.name for slot, r in names.items()} == meals
        assert all(r.diet is Diet.VEGAN for r in names.values())

        # Swap lunch: the same message is edited and shows another lunch.
        assert re.match(r"^v1:swap:", button_data(today_msg, "Swap lunch"))
        swapped = await tap(api, today_msg, "Swap lunch")
        assert swapped.method == "editMessageText"
        assert swapped.params["message_id"] == today_msg["message_id"]
        after_swap = meals_in(swapped.result["text"])
        assert after_swap["Lunch"] != meals["Lunch"]
        assert after_swap["Breakfast"] == meals["Breakfast"]
        assert after_swap["Dinner"] == meals["Dinner"]
        swapped_plan = await services.plans.stored_plan(stored, services.today(stored))
        assert swapped_plan is not None
        lunch = swapped_plan.meal(Slot.LUNCH)
        assert lunch is not None
        assert services.recipes.recipes[lunch.recipe_id].diet is Diet.VEGAN

        # /today again remembers the swap.
        again = meals_in((await say(api, ANA, "/today"))["text"])
        assert again == after_swap

        # The old message's button still works (the message was edited, so it is current)
        # and swapping once more changes lunch again on the same message.
        latest = api.message(ANA, today_msg["message_id"])
        second = await tap(api, latest, "Swap lunch")
        assert second.params["message_id"] == today_msg["message_id"]

        assert errors == [], f"handlers raised: {errors!r}"
        assert all(c.status != 400 for c in api.calls), [
            (c.method, c.result) for c in api.calls if c.status == 400
        ]


async def test_stale_swap_button_says_it_is_out_of_date(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    async with (
        asyncio.timeout(TEST_BUDGET_S),
        api,
        running_bot(api, tmp_path) as (_application, errors),
    ):
        welcome = await say(api, ANA, "/start")
        question = (await tap(api, welcome, "Vegetarian")).result
        question = (await tap(api, question, "2.4")).result
        question = (await tap(api, question, "None of these")).result
        question = (await tap(api, question, "UTC")).result
        question = (await tap(api, question, "Elsewhere")).result
        question = (await tap(api, question, "None, go on")).result
        await tap(api, question, "07:30")
        first = await say(api, ANA, "/today")
        second = await say(api, ANA, "/today")
        await tap(api, second, "Swap dinner")  # the plan changes...
        mark = api.mark()
        api.user_taps(ANA, first["message_id"], button_data(first, "Swap dinner"))
        answer = await api.wait_for("answerCallbackQuery", timeout=WAIT_S, after=mark)
        # ...so the first message's button must not swap blindly: it says so.
        assert "out of date" in str(answer.params.get("text", "")).lower()
        assert errors == []


async def test_location_typed_commands_and_free_text_get_answers(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    async with (
        asyncio.timeout(TEST_BUDGET_S),
        api,
        running_bot(api, tmp_path) as (application, errors),
    ):
        welcome = await say(api, ANA, "/start")
        question = (await tap(api, welcome, "Omnivore")).result
        question = (await tap(api, question, "2.8")).result
        question = (await tap(api, question, "None of these")).result
        await tap(api, question, "location")  # asks for the location with a reply keyboard
        mark = api.mark()
        api.user_sends_location(ANA, 52.52, 13.405)  # Berlin
        located = await api.wait_for("sendMessage", to_chat(ANA), timeout=WAIT_S, after=mark)
        assert "Europe/Berlin" in located.result["text"]
        # Next comes the food-region question, the EU suggested from the zone (with buttons);
        # the user types the push time instead of tapping.
        await api.wait_for(
            "sendMessage",
            lambda c: to_chat(ANA)(c) and any("⭐ 🇪🇺 EU" in t for t, _ in buttons(c.result)),
            timeout=WAIT_S,
            after=mark,
        )
        await say(api, ANA, "/time 06:45")

        user = await services_of(application).store.get_user(ANA)
        assert user is not None and user.onboarded
        assert (user.diet, user.timezone, user.push_time) == (
            Diet.OMNIVORE,
            "Europe/Berlin",
            dt.time(6, 45),
        )
        assert user.target_ug == pytest.approx(2.8)

        # Neither an unknown command nor free text is met with silence.
        assert (await say(api, ANA, "/frobnicate"))["text"].strip()
        assert (await say(api, ANA, "what should I eat?"))["text"].strip()
        # A bad typed value gets a message naming the problem, and nothing changes.
        complaint = await say(api, ANA, "/time 25:99")
        assert "25:99" in complaint["text"]
        user_after = await services_of(application).store.get_user(ANA)
        assert user_after is not None and user_after.push_time == dt.time(6, 45)
        assert errors == []


async def test_daily_push_arrives_exactly_once(tmp_path: Path) -> None:
    """Three users in Berlin on the spring-forward day: one due, one later, one who blocked."""
    day = dt.date(2026, 3, 29)  # clocks go forward in Europe/Berlin at 02:00
    push_at = local_instant_utc(day, dt.time(7, 30), "Europe/Berlin")
    clock = {"now": push_at + dt.timedelta(seconds=20)}
    due_user, later_user, blocked_user = 5001, 5002, 5003

    async with asyncio.timeout(TEST_BUDGET_S), FakeBotApi(TOKEN) as api:
        env = env_for(api, tmp_path)
        store = await Store.open(env["DATABASE_URL"])
        try:
            setup_time = push_at - dt.timedelta(hours=1)
            for uid, name, push_time in (
                (due_user, "Bo", dt.time(7, 30)),
                (later_user, "Cy", dt.time(9, 0)),
                (blocked_user, "Di", dt.time(7, 30)),
            ):
                await add_user(
                    store, uid, setup_time, push_time=push_time, name=name, diet=Diet.PESCATARIAN
                )
        finally:
            await store.close()
        api.block(blocked_user)

        async with running_bot(api, tmp_path, now=lambda: clock["now"]) as (application, errors):
            # The recurring JobQueue tick (first run ~2 s after start) delivers the push.
            push = await api.wait_for("sendMessage", to_chat(due_user), timeout=WAIT_S)
            assert "Good morning, Bo" in push.result["text"]
            assert fmt_day(day) in push.result["text"]
            assert MEAL_LINE.search(push.result["text"])
            assert TOTAL_LINE.search(push.result["text"])

            services = services_of(application)
            record = await services.store.get_push(due_user, day)
            for _ in range(50):  # the ledger is written right after the send returns
                if record is not None and record.state != "sending":
                    break
                await asyncio.sleep(0.1)
                record = await services.store.get_push(due_user, day)
            assert record is not None and record.state == "sent"
            assert record.message_id == push.result["message_id"]

            # More ticks the same morning (a minute later, and an hour later) send nothing.
            clock["now"] = push_at + dt.timedelta(minutes=1)
            again = await run_push_tick_now(application)
            clock["now"] = push_at + dt.timedelta(hours=1)
            again_later = await run_push_tick_now(application)
            assert again.sent == 0 and again_later.sent == 0
            sent_to_due = [c for c in api.calls_of("sendMessage") if to_chat(due_user)(c)]
            assert len(sent_to_due) == 1

            # The blocked user got a 403 and is now inactive; the 09:00 user nothing yet.
            blocked = await services.store.get_user(blocked_user)
            assert blocked is not None and not blocked.active
            assert not [c for c in api.calls_of("sendMessage") if to_chat(later_user)(c)]

            # 09:00 comes: the later user gets theirs; the next morning Bo gets exactly one more.
            clock["now"] = local_instant_utc(day, dt.time(9, 0, 5), "Europe/Berlin")
            nine = await run_push_tick_now(application)
            assert nine.sent == 1
            clock["now"] = local_instant_utc(
                day + dt.timedelta(days=1), dt.time(7, 30, 5), "Europe/Berlin"
            )
            next_morning = await run_push_tick_now(application)
            assert next_morning.sent == 1
            sent_to_due = [c for c in api.calls_of("sendMessage") if to_chat(due_user)(c)]
            assert len(sent_to_due) == 2
            assert fmt_day(day + dt.timedelta(days=1)) in sent_to_due[1].result["text"]
            assert errors == []
