"""The daily plan push through the real Application offline (tests/support/ptb_offline.py)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

from english_check import english_left
from ptb_offline import (
    OfflineBot,
    TgUser,
    meal_lines,
    onboard,
    texts,
    visible_text,
)
from repo_paths import BENCH

from bot.chat.jobs.push import PUSH_CONCURRENCY, run_push_tick_now
from bot.core.languages import localized_name

UTC = dt.UTC


async def test_push_tick_sends_the_plan_once_at_local_time(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=77, first_name='<b>Tom & "Jerry"</b>'))
    await onboard(chat)
    bot.request.clear()
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 29, tzinfo=UTC)  # 07:29 in Berlin
    await run_push_tick_now(bot.app)
    assert not bot.request.of("sendMessage")
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 30, 5, tzinfo=UTC)
    outcome = await run_push_tick_now(bot.app)
    assert outcome.sent == 1
    sent = bot.request.of("sendMessage")
    assert len(sent) == 1 and sent[0].params["chat_id"] == 77
    assert "Good morning, &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;!" in sent[0].text
    assert "Wed 25 Nov" in visible_text(sent[0].text)
    # the pushed plan is the stored one: /today that day shows the same meals
    pushed = meal_lines(sent[0].text)
    bot.clock.advance(minutes=1)
    await run_push_tick_now(bot.app)
    assert len(bot.request.of("sendMessage")) == 1  # not twice
    assert meal_lines(texts(await chat.send("/today"))[0]) == pushed


async def test_a_plan_swapped_before_the_push_is_the_one_pushed(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=78, first_name="Ana"))
    await onboard(chat, diet="Omnivore")
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    planned = meal_lines(texts(await chat.send("/today"))[0])
    swapped = meal_lines(
        next(c for c in await chat.tap("Swap lunch") if c.method == "editMessageText").text
    )
    assert swapped["lunch"] != planned["lunch"]
    bot.request.clear()
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 30, 5, tzinfo=UTC)
    assert (await run_push_tick_now(bot.app)).sent == 1
    assert meal_lines(bot.request.of("sendMessage")[0].text) == swapped  # not planned anew


def test_bench_push_defaults_to_the_concurrency_the_tick_uses() -> None:
    bench = BENCH / "bench_push.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    help_text = " ".join(done.stdout.split())
    assert f"(default {PUSH_CONCURRENCY}, what the bot's tick uses)" in help_text


async def test_the_morning_push_offers_tired_today_and_ticks_on_it_show(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=79, first_name="Ana"))
    await onboard(chat, diet="Omnivore")
    bot.request.clear()
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 30, 5, tzinfo=UTC)
    assert (await run_push_tick_now(bot.app)).sent == 1
    pushed = bot.request.of("sendMessage")[0]
    labels = [label for label, _ in pushed.buttons]
    assert "😴 Tired today: quick meals" in labels and "✅ Breakfast eaten" in labels
    push_id = chat.messages()[-1].message_id
    calls = await chat.tap("Breakfast eaten")
    edited = next(c for c in calls if c.method == "editMessageText")
    assert edited.params["message_id"] == push_id  # the pushed message itself
    assert "✅ 🌅 Breakfast" in visible_text(edited.text)
    assert visible_text(edited.text).startswith("☀️ Good morning, Ana!")  # the greeting stays
    calls = await chat.tap("Tired today")
    answer = next(c for c in calls if c.method == "answerCallbackQuery").params["text"]
    assert answer.startswith("😴 Quick meals")
    edited = next(c for c in calls if c.method == "editMessageText")
    assert edited.params["message_id"] == push_id
    assert meal_lines(texts(await chat.send("/today"))[0]) == meal_lines(edited.text)


async def test_a_german_user_gets_the_morning_push_in_german(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=80, first_name="Grete"))
    await onboard(chat)
    await chat.send("/language de")
    bot.request.clear()
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 30, 5, tzinfo=UTC)  # 07:30 in Berlin
    assert (await run_push_tick_now(bot.app)).sent == 1
    pushed = bot.request.of("sendMessage")[0]
    shown = visible_text(pushed.text)
    assert shown.startswith("☀️ Guten Morgen, Grete! Ihr Plan für Mi., 25. Nov.")
    assert "Frühstück" in shown and re.search(r"B12 \d+,\d µg", shown)
    recipes = bot.services.recipes
    names = [
        *(localized_name(r, "de") for r in recipes.recipes.values()),
        *(localized_name(i, "de") for i in recipes.ingredients.values()),
        "Grete",
    ]
    assert english_left(pushed.text, names) == []
    labels = " · ".join(label for label, _ in pushed.buttons)
    assert "Heute müde" in labels and english_left(labels, names) == []
