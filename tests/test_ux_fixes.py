"""QA fixes to the Telegram layer: each test is a defect a user met, driven through the real
Application offline (tests/ptb_offline.py)."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from ptb_offline import (
    START,
    Clock,
    OfflineBot,
    RecordingRequest,
    answers,
    onboard,
    running_application,
    texts,
    visible_text,
)
from tracking_harness import offline_bot

from bot.chat.render.plans import fmt_grams, format_quantity, render_recipe
from bot.chat.render.tracking import render_extra_logged, render_reminder_message
from bot.core.recipes import load_recipes, match_ingredient
from bot.core.reminders import Reminder, ReminderKind


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    clock = Clock(START)
    request = RecordingRequest()
    async with running_application(tmp_path, clock, request) as app:
        yield OfflineBot(app, request, clock)


# --------------------------------------------------------------------------- 1: /start first


@pytest.mark.parametrize("command", ["/today", "/tomorrow", "/week", "/shopping", "/recipe egg"])
async def test_plan_commands_before_start_point_to_start_and_store_nothing(
    bot: OfflineBot, command: str
) -> None:
    chat = bot.chat()
    calls = await chat.send(command)
    sent = texts(calls)
    assert len(sent) == 1 and "set you up first" in visible_text(sent[0])
    assert [label for label, _ in calls[-1].buttons] == ["▶️ Start"]
    assert await bot.services.store.get_user(chat.user.id) is None
    # the button begins onboarding: the diet question
    calls = await chat.tap("Start")
    assert "how do you eat" in visible_text(texts(calls)[0])


async def test_today_after_delete_does_not_recreate_the_user(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/delete")
    await chat.tap("Yes, erase everything")
    assert await bot.services.store.get_user(chat.user.id) is None
    for command in ("/today", "/progress", "/delete", "/faq"):
        await chat.send(command)
        assert await bot.services.store.get_user(chat.user.id) is None, command


async def test_half_onboarded_user_is_sent_back_to_start(bot: OfflineBot) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Vegan")
    calls = await chat.send("/today")
    assert "set you up first" in visible_text(texts(calls)[0])
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and not stored.onboarded
    # a plan button of some old message answers with a toast instead of planning
    message = chat.messages()[-1]
    calls = await chat.tap_data("v1:today", message)
    assert answers(calls) == ["Let's set you up first: send /start."]
    assert texts(calls) == []


# --------------------------------------------------------------------------- 2: non-text input

STICKER = {
    "file_id": "s1",
    "file_unique_id": "us1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}
PHOTO = [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}]
VOICE = {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}
DOCUMENT = {"file_id": "d1", "file_unique_id": "ud1", "file_name": "labs.pdf"}
CONTACT = {"phone_number": "+4930123456", "first_name": "Ben"}


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("sticker", STICKER, "stickers"),
        ("photo", PHOTO, "photos"),
        ("voice", VOICE, "voice messages"),
        ("document", DOCUMENT, "files"),
        ("contact", CONTACT, "contacts"),
    ],
)
async def test_stickers_photos_voice_files_contacts_get_a_short_answer(
    bot: OfflineBot, field: str, value: object, named: str
) -> None:
    chat = bot.chat()
    calls = await chat._process({"message": chat._message(**{field: value})})
    sent = [visible_text(t) for t in texts(calls)]
    assert len(sent) == 1
    assert f"I can't read {named}" in sent[0] and "/help" in sent[0]


async def test_group_stays_quiet_about_stickers_and_chatter(bot: OfflineBot) -> None:
    chat = bot.chat()
    group = {"id": -100777, "type": "supergroup", "title": "Smiths"}
    for extra in ({"sticker": STICKER}, {"text": "hello everyone"}, {"photo": PHOTO}):
        message = {**chat._message(**extra), "chat": group}
        calls = await chat._process({"message": message})
        assert texts(calls) == [], extra


async def test_location_still_sets_the_time_zone(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send_location(40.71, -74.0)
    sent = [visible_text(t) for t in texts(calls)]
    assert len(sent) == 1, sent  # one message, not "Thanks" + "Time zone set" (item 8)
    assert "America/New_York" in sent[0] and "07:30" in sent[0]
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.timezone == "America/New_York"


# --------------------------------------------------------------------------- 3: lab numbers


async def test_lab_numbers_shown_saved_and_deleted_are_the_same(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
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


# --------------------------------------------------------------------------- 4: start-up errors

GOOD_SHAPE_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
MAIN = Path(__file__).resolve().parent.parent / "main.py"


def run_main(tmp_path: Path, token: str, api_base_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": api_base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
    }
    return subprocess.run(
        [sys.executable, str(MAIN)],
        cwd=tmp_path,  # no .env here
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Unauthorized(http.server.BaseHTTPRequestHandler):
    """What api.telegram.org answers to a token it does not know."""

    requests: list[str] = []  # noqa: RUF012  (class-level record, one server per test)

    def do_POST(self) -> None:
        self.requests.append(self.path)
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def unauthorized_api() -> Iterator[str]:
    Unauthorized.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_no_network_prints_one_friendly_line_and_exits_1(tmp_path: Path) -> None:
    done = run_main(tmp_path, GOOD_SHAPE_TOKEN, f"http://127.0.0.1:{closed_port()}/bot")
    assert done.returncode == 1
    assert "Could not reach the Bot API" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 3
    assert GOOD_SHAPE_TOKEN.split(":")[1] not in done.stdout + done.stderr


def test_rejected_token_prints_one_friendly_line_and_exits_1(
    tmp_path: Path, unauthorized_api: str
) -> None:
    done = run_main(tmp_path, GOOD_SHAPE_TOKEN, unauthorized_api)
    assert done.returncode == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 3
    assert GOOD_SHAPE_TOKEN.split(":")[1] not in done.stdout + done.stderr
    assert Unauthorized.requests  # it did ask Telegram


@pytest.mark.parametrize(
    "token", ["123456:your-token", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0", "12345678:short"]
)
def test_malformed_token_is_refused_without_touching_the_network(
    tmp_path: Path, unauthorized_api: str, token: str
) -> None:
    done = run_main(tmp_path, token, unauthorized_api)
    assert done.returncode == 2
    assert "does not look like a bot token" in done.stderr and "@BotFather" in done.stderr
    assert token not in done.stdout + done.stderr
    assert Unauthorized.requests == []


# --------------------------------------------------------------------------- 5 + 11: names


async def test_settings_and_exclusions_show_names_and_bring_foods_back(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/exclude peanut butter, tofu")
    assert "Left out from now on: Peanut butter; Tofu." in visible_text(texts(calls)[0])
    settings = visible_text(texts(await chat.send("/settings"))[0])
    assert "Excluded: Peanut butter, smooth · Tofu, firm" in settings
    assert "tofu_firm" not in settings and "peanut_butter" not in settings

    calls = await chat.tap("Exclusions")
    screen = visible_text(texts(calls, "editMessageText")[0])
    assert "• Peanut butter, smooth\n• Tofu, firm" in screen
    labels = [
        button["text"] for button in chat.find_button("Tofu")[0].reply_markup["inline_keyboard"][0]
    ]
    assert labels == ["↩️ Peanut butter", "↩️ Tofu"]
    calls = await chat.tap("↩️ Tofu")
    assert answers(calls) == ["Back in your plans: Tofu, firm"]
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.exclude == frozenset({"peanut_butter"})
    screen = visible_text(texts(calls, "editMessageText")[0])
    assert "Tofu" not in screen and "Peanut butter, smooth" in screen
    calls = await chat.tap("↩️ Peanut butter")
    assert "Nothing is left out now." in visible_text(texts(calls, "editMessageText")[0])
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.exclude == frozenset()


async def test_exclude_groups_are_summed_up_with_notes_and_lupin_is_known(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    rs = bot.services.recipes
    soy, gluten = match_ingredient(rs, "soy"), match_ingredient(rs, "gluten")
    assert len(gluten.ids) > 4 and gluten.notes  # a long group, with the oats note
    calls = await chat.send("/exclude soy, gluten, lupin")
    (shown,) = [visible_text(t) for t in texts(calls)]
    assert f"🚫 Left out from now on: soy ({len(soy.ids)} foods: " in shown
    assert f"; gluten ({len(gluten.ids)} foods: " in shown
    # a group is named with a few of its foods, not every one of them
    names = [rs.ingredients[i].name.split(",")[0] for i in gluten.ids]
    assert sum(name in shown for name in names) <= 4
    assert "oats are kept" in shown.lower()
    # lupin is a known allergen group that no recipe food contains: not "I don't know"
    assert "I don't know" not in shown and "lupin (no food in the recipes contains it)" in shown
    stored = await bot.services.store.get_user(chat.user.id)
    assert stored is not None and stored.exclude == frozenset(soy.ids + gluten.ids)

    shown = visible_text(texts(await chat.send("/exclude glutn"))[0])
    assert "I don't know “glutn”. Did you mean: gluten?" in shown
    assert "soy, gluten, nuts" in shown  # the group examples
    after = await bot.services.store.get_user(chat.user.id)
    assert after is not None and after.exclude == stored.exclude

    shown = visible_text(texts(await chat.send("/include soy"))[0])
    assert shown.startswith("✅ Back in your plans: soy (")
    after = await bot.services.store.get_user(chat.user.id)
    assert after is not None and after.exclude == frozenset(gluten.ids) - frozenset(soy.ids)


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


# --------------------------------------------------------------------------- 6: wording


def test_ate_by_amount_says_the_amount_once() -> None:
    first_line = render_extra_logged(None, 1.2, None, 2.4).splitlines()[0]
    assert first_line == "➕ Logged 1.2 µg B12 from food."
    named = render_extra_logged("Tofu scramble", 0.8, None, 2.4).splitlines()[0]
    assert named == "➕ Logged Tofu scramble: 0.8 µg B12."


async def test_ate_command_reply_has_no_duplicate_amount(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    first_line = visible_text(texts(await chat.send("/ate 1.2"))[0]).splitlines()[0]
    assert first_line.count("1.2 µg") == 1


def test_reminder_message_names_the_injection_once() -> None:
    injection = Reminder(
        ReminderKind.EVERY_N_WEEKS,
        1000.0,
        dt.time(8, 0),
        "Europe/Berlin",
        every_weeks=4,
        start=dt.date(2026, 11, 1),
    )
    text = visible_text(render_reminder_message(injection))
    assert text.lower().count("injection") == 1 and text.count("1,000 µg") == 1
    assert text.startswith("⏰ Injection: 1,000 µg every 4 weeks")
    tablet = Reminder(ReminderKind.DAILY, 500.0, dt.time(8, 0), "Europe/Berlin")
    text = visible_text(render_reminder_message(tablet, snoozed=True))
    assert text.startswith("⏰ Daily tablet: 500 µg at 08:00") and text.count("500 µg") == 1
    assert "It's time (snoozed reminder): tap ✅ Taken" in text


# --------------------------------------------------------------------------- 7: recipe amounts


@pytest.mark.parametrize(
    ("amount", "unit", "shown"),
    [
        (0.12, "tsp", "⅛ tsp"),  # was "0.12 tsp"
        (0.25, "tbsp", "¼ tbsp"),  # was "0.25 tbsp"
        (0.33, "cup", "⅓ cup"),
        (0.5, "tsp", "½ tsp"),
        (0.7, "tbsp", "⅔ tbsp"),
        (0.75, "cup", "¾ cup"),
        (1.5, "tbsp", "1½ tbsp"),
        (2.0, "cup", "2 cups"),
        (0.5, "piece", "½ ×"),
        (3.0, "slice", "3 slices"),
        (1.0, "slice", "1 slice"),
        (0.98, "tsp", "1 tsp"),
        (0.03, "tsp", "a pinch"),
        (0.1, "tbsp", "a pinch"),
        (133.33, "g", "133 g"),
        (5.62, "g", "5.6 g"),
        (250.0, "ml", "250 ml"),
    ],
)
def test_recipe_amounts_read_like_a_cookbook(amount: float, unit: str, shown: str) -> None:
    assert format_quantity(amount, unit) == shown


@pytest.mark.parametrize(
    ("grams", "shown"),
    [(0.29, "0.3"), (3.81, "3.8"), (5.62, "5.6"), (5.0, "5"), (10.4, "10"), (133.6, "134")],
)
def test_grams_have_no_decimals_above_10_and_one_below(grams: float, shown: str) -> None:
    assert fmt_grams(grams) == shown


def test_rendered_recipe_has_no_long_decimals() -> None:
    recipes = load_recipes(None)
    for recipe in recipes.recipes.values():
        for servings in (1, 3):
            text = visible_text(render_recipe(recipe, recipes, servings))
            assert not re.search(r"\d\.\d\d", text.split("Steps")[0]), recipe.id


# --------------------------------------------------------------------------- 10: charts


async def test_progress_with_nothing_logged_sends_a_hint_not_an_empty_chart(
    tmp_path: Path,
) -> None:
    async with offline_bot(tmp_path) as bot:
        chat = bot.chat()
        await onboard(chat)
        calls = await chat.send("/progress")
        assert [c.method for c in calls] == ["sendMessage"]
        text = visible_text(texts(calls)[0])
        assert "tick off meals with ✅ on your plan" in text.lower() and "/took 10" in text
        await chat.send("/took 10")
        calls = await chat.send("/progress")
        assert [c.method for c in calls] == ["sendMessage", "sendPhoto"]


async def test_levels_sends_one_album_for_several_markers(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
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


# --------------------------------------------------------------------------- 11: /recipe hint


async def test_recipe_outside_the_diet_or_exclusions_says_so(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    shown = visible_text(texts(await chat.send("/recipe salmon"))[0])
    assert "Not in your plan: contains fish (you're vegan)." in shown
    recipes = bot.services.recipes
    vegan = next(r for r in recipes.recipes.values() if r.diet.value == "vegan")
    shown = visible_text(texts(await chat.send(f"/recipe {vegan.name}"))[0])
    assert vegan.name in shown and "Not in your plan" not in shown
    tofu_dish = next(r for r in recipes.recipes.values() if "tofu_firm" in r.item_ids)
    await chat.send("/exclude tofu")
    shown = visible_text(texts(await chat.send(f"/recipe {tofu_dish.name}"))[0])
    assert "contains Tofu (soy) — you left it out" in shown


# --------------------------------------------------------------------------- 12: bench default


def test_bench_push_defaults_to_the_concurrency_the_tick_uses() -> None:
    from bot.app import PUSH_CONCURRENCY

    bench = Path(__file__).resolve().parent.parent / "bench" / "bench_push.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    help_text = " ".join(done.stdout.split())
    assert f"(default {PUSH_CONCURRENCY}, what the bot's tick uses)" in help_text
