"""The Telegram layer offline: real Application + real handlers + real store and recipes,
with PTB's HTTP layer replaced by a recorder (tests/ptb_offline.py) and a controlled clock."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ptb_offline import (
    START,
    TOKEN,
    Clock,
    OfflineBot,
    RecordingRequest,
    TgUser,
    answers,
    check_html,
    onboard,
    running_application,
    texts,
    visible_text,
)
from telegram.ext import CommandHandler

from bot.app import (
    configure_logging,
    run_bot,
    run_push_tick_now,
)
from bot.chat.render.plans import format_quantity, split_message
from bot.core import planner
from bot.core.models import Diet, Slot
from bot.core.recipes import resolve_ingredient
from bot.services.tracking import tracking_store

UTC = dt.UTC
Harness = OfflineBot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = Clock(START)
    request = RecordingRequest()
    async with running_application(tmp_path, clock, request) as app:
        yield Harness(app, request, clock)


def meal_lines(text: str) -> dict[str, str]:
    """slot -> dish name, read back from a rendered plan as the user sees it."""
    found = {}
    for line in visible_text(text).splitlines():
        for slot in Slot:
            prefix = f"{slot.value.capitalize()}: "
            if prefix in line:
                found[slot.value] = line.split(prefix, 1)[1].strip()
    return found


# --------------------------------------------------------------------------- onboarding


async def test_start_onboarding_by_taps_stores_every_choice(bot: Harness) -> None:
    chat = bot.chat()
    calls = await chat.send("/start")
    assert "how do you eat" in visible_text(texts(calls)[0])
    labels = [label for label, _ in calls[-1].buttons]
    assert any("Vegan" in label for label in labels) and len(labels) == 4

    calls = await chat.tap("Pescatarian")
    assert answers(calls) == ["Diet: pescatarian"]
    assert "B12 target" in visible_text(texts(calls, "editMessageText")[0])
    await chat.tap("2.8")
    calls = await chat.tap("Berlin")
    assert "Europe/Berlin" in visible_text(texts(calls, "editMessageText")[0])
    calls = await chat.tap("06:30")
    done = visible_text(texts(calls, "editMessageText")[0])
    assert "not medical advice" in done and "06:30" in done

    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    assert (user.diet, user.target_ug, user.timezone) == (Diet.PESCATARIAN, 2.8, "Europe/Berlin")
    assert user.push_time == dt.time(6, 30) and user.onboarded


async def test_restart_keeps_data_and_offers_settings(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian", target="4.0")
    calls = await chat.send("/start")
    text = visible_text(texts(calls)[0])
    assert "Welcome back" in text and "vegetarian" in text and "4.0 µg" in text
    assert any("Change settings" in label for label, _ in calls[-1].buttons)
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.diet is Diet.VEGETARIAN and user.target_ug == 4.0
    assert user.onboarded


async def test_location_sets_time_zone(bot: Harness) -> None:
    chat = bot.chat()
    await chat.send("/start")
    await chat.tap("Omnivore")
    await chat.tap("2.4")
    calls = await chat.tap("Use my location")
    assert calls[-1].params["reply_markup"]["keyboard"][0][0]["request_location"] is True
    calls = await chat.send_location(40.71, -74.0)  # New York
    assert any("America/New_York" in t for t in texts(calls))
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.timezone == "America/New_York"


# --------------------------------------------------------------------------- plans


async def test_today_shows_meals_and_total_vs_target_and_meets_it(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    calls = await chat.send("/today")
    text = texts(calls)[0]
    shown = visible_text(text)
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    day = dt.date(2026, 11, 24)
    plan = await bot.services.day_plan(user, day)
    for meal in plan.meals:
        assert bot.services.recipes.recipes[meal.recipe_id].name in shown
    assert f"B12 {plan.b12_ug:.1f} µg of your 2.4 µg target" in shown
    assert "✅" in shown and "absorbed" in shown
    history = await bot.services.store.recent_recipe_ids(f"u:{user.user_id}", day, 7)
    assert planner.check_plan(bot.services.recipes, user.profile(), plan, history) == []
    labels = [label for label, _ in calls[-1].buttons]
    assert {"🔁 Swap breakfast", "📖 Lunch recipe", "🛒 Shopping list", "📤 Share"} <= set(labels)


async def test_swap_edits_in_place_and_today_remembers_it(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    first = await chat.send("/today")
    message_id = chat.messages()[-1].message_id
    before = meal_lines(texts(first)[0])

    calls = await chat.tap("Swap lunch")
    edits = calls_of(calls, "editMessageText")
    assert len(edits) == 1 and edits[0].params["message_id"] == message_id
    assert not calls_of(calls, "sendMessage")
    after = meal_lines(edits[0].text)
    assert after["lunch"] != before["lunch"]
    assert after["breakfast"] == before["breakfast"] and after["dinner"] == before["dinner"]
    assert after["lunch"] in answers(calls)[0]

    again = meal_lines(texts(await chat.send("/today"))[0])
    assert again == after


def calls_of(calls: list, method: str) -> list:
    return [c for c in calls if c.method == method]


async def test_button_from_yesterday_says_out_of_date(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    bot.clock.advance(days=1)
    calls = await chat.tap("Swap dinner")
    assert "out of date" in answers(calls)[0]
    assert not calls_of(calls, "editMessageText")


async def test_button_of_changed_plan_says_so_and_shows_current_plan(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    calls = await chat.send("/today")
    old_lunch = meal_lines(texts(calls)[0])["lunch"]
    recipes = bot.services.recipes
    lunch_recipe = next(r for r in recipes.recipes.values() if r.name == old_lunch)
    # leave out the lunch's main ingredient: the stored plan is replanned without it
    main = max(lunch_recipe.grams_per_serving, key=lunch_recipe.grams_per_serving.get)
    await chat.send(f"/exclude {recipes.ingredients[main].name}")
    calls = await chat.tap("Swap lunch")
    assert "out of date" in answers(calls)[0]
    edited = meal_lines(texts(calls, "editMessageText")[0])
    assert edited["lunch"] != old_lunch


async def test_week_shows_seven_days_with_totals(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    calls = await chat.send("/week")
    shown = visible_text(texts(calls)[0])
    days = [dt.date(2026, 11, 24) + dt.timedelta(days=i) for i in range(7)]
    for day in days:
        assert day.strftime("%a %-d %b") in shown
    assert "Target met on 7 of 7 days" in shown
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    for day in days:  # the week is stored: /today later shows the same day
        stored = await bot.services.stored_plan(user, day)
        assert stored is not None and f"{stored.b12_ug:.1f} µg" in shown
    labels = [label for label, _ in calls[-1].buttons]
    assert len(labels) == 8 and "Shopping for 7 days" in labels[-1]


async def test_shopping_for_three_days_lists_every_ingredient(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Pescatarian")
    calls = await chat.send("/shopping 3")
    shown = visible_text(texts(calls)[0])
    assert "3 days" in shown
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    recipes = bot.services.recipes
    for i in range(3):
        plan = await bot.services.stored_plan(user, dt.date(2026, 11, 24) + dt.timedelta(days=i))
        assert plan is not None
        for meal in plan.meals:
            for item in recipes.recipes[meal.recipe_id].grams_per_serving:
                assert recipes.ingredients[item].name in shown


async def test_shopping_with_bad_days_explains(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "1 to 14" in visible_text(texts(await chat.send("/shopping lots"))[0])
    assert "not 40" in visible_text(texts(await chat.send("/shopping 40"))[0])


async def test_recipe_fuzzy_match_shows_scaled_recipe(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    recipes = bot.services.recipes
    target = next(r for r in recipes.recipes.values() if "porridge" in r.name.lower())
    typo = target.name.lower().replace("porridge", "porrige")
    shown = visible_text(texts(await chat.send(f"/recipe {typo}"))[0])
    assert target.name in shown
    assert (
        f"B12 {target.b12_ug:.1f} µg" in shown and f"{round(target.per_serving.kcal)} kcal" in shown
    )
    assert target.steps[0] in shown
    nothing = visible_text(texts(await chat.send("/recipe xyzzyqq"))[0])
    assert "no recipe matching" in nothing


async def test_recipe_button_scales_to_servings(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    await chat.send("/today")
    message, data = chat.find_button("Breakfast recipe")
    recipe_id = data.split(":", 3)[3]
    recipe = bot.services.recipes.recipes[recipe_id]
    calls = await chat.tap_data(data.replace(":rec:1:", ":rec:2:"), message)
    shown = visible_text(texts(calls)[0])
    assert "2 servings" in shown
    for line in recipe.ingredients:  # amounts are the recipe's, scaled to 2 servings
        name = bot.services.recipes.ingredients[line.item].name
        assert f"{format_quantity(line.amount * 2 / recipe.servings, line.unit)} {name}" in shown


# --------------------------------------------------------------------------- settings


async def test_exclude_tofu_then_no_plan_contains_tofu(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    calls = await chat.send("/exclude tofu")
    assert "Left out from now on" in visible_text(texts(calls)[0])
    tofu = set(resolve_ingredient(bot.services.recipes, "tofu"))
    assert tofu
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and tofu <= user.exclude
    await chat.send("/week")
    for i in range(7):
        plan = await bot.services.stored_plan(user, dt.date(2026, 11, 24) + dt.timedelta(days=i))
        assert plan is not None
        for meal in plan.meals:
            assert not bot.services.recipes.recipes[meal.recipe_id].item_ids & tofu
    calls = await chat.send("/include tofu")
    assert "Back in your plans" in visible_text(texts(calls)[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and not tofu & user.exclude


async def test_exclude_unknown_word_gets_helpful_reply(bot: Harness) -> None:
    chat = bot.chat()
    shown = visible_text(texts(await chat.send("/exclude flibbertigibbet"))[0])
    assert "I don't know “flibbertigibbet”" in shown and "/exclude tofu" in shown
    close = visible_text(texts(await chat.send("/exclude salmn"))[0])
    # a typo is either resolved or answered with close matches naming salmon
    assert "almon" in close
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None


async def test_target_typed(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "3.5 µg a day" in visible_text(texts(await chat.send("/target 3.5"))[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 3.5
    plan_text = visible_text(texts(await chat.send("/today"))[0])
    assert "of your 3.5 µg target" in plan_text
    bad = visible_text(texts(await chat.send("/target abc"))[0])
    assert "“abc” is not a number" in bad and "/target 3.5" in bad
    assert "outside" in visible_text(texts(await chat.send("/target 900"))[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.target_ug == 3.5


async def test_timezone_typed(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/timezone America/Chicago")
    assert "America/Chicago" in visible_text(texts(calls)[0])
    bad = visible_text(texts(await chat.send("/timezone Mars/Olympus"))[0])
    assert "don't know the time zone “Mars/Olympus”" in bad and "Europe/Berlin" in bad
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.timezone == "America/Chicago"
    await chat.send("/timezone europe/berlin")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.timezone == "Europe/Berlin"


async def test_time_typed(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "06:45" in visible_text(texts(await chat.send("/time 06:45"))[0])
    bad = visible_text(texts(await chat.send("/time 25:99"))[0])
    assert "“25:99” is not a time" in bad and "/time 06:45" in bad
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.push_time == dt.time(6, 45)


async def test_settings_meals_toggle_adds_snack_to_plans(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    before = meal_lines(texts(await chat.send("/today"))[0])
    assert "snack" not in before
    await chat.send("/settings")
    await chat.tap("Meals")
    calls = await chat.tap("Snack")
    assert "✅ Snack" in [label for label, _ in calls[-1].buttons]
    after = meal_lines(texts(await chat.send("/today"))[0])
    assert "snack" in after


async def test_pause_and_stop_end_pushes_and_resume_restores(bot: Harness) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/settings")
    await chat.tap("Pause")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and not user.push_enabled
    await chat.tap("Resume")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.push_enabled
    calls = await chat.send("/stop")
    assert "/delete" in visible_text(texts(calls)[0])
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and not user.push_enabled and user.onboarded  # data kept
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 31, tzinfo=UTC)  # 07:31 in Berlin
    bot.request.clear()
    await run_push_tick_now(bot.app)
    assert not bot.request.of("sendMessage")


# --------------------------------------------------------------------------- push


async def test_push_tick_sends_the_plan_once_at_local_time(bot: Harness) -> None:
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


# --------------------------------------------------------------------------- common


async def test_unknown_command_and_free_text_get_answers(bot: Harness) -> None:
    chat = bot.chat()
    unknown = visible_text(texts(await chat.send("/frobnicate"))[0])
    assert "/frobnicate" in unknown and "/help" in unknown
    free = visible_text(texts(await chat.send("hello, what can you do?"))[0])
    assert "/today" in free and "/help" in free
    help_text = visible_text(texts(await chat.send("/help"))[0])
    assert "/shopping" in help_text and "not medical advice" in help_text
    about = visible_text(texts(await chat.send("/about"))[0])
    assert "SR28" in about and "does not treat MS" in about and "clinician" in about


async def test_old_version_button_is_answered(bot: Harness) -> None:
    chat = bot.chat()
    await chat.send("/help")
    message = chat.messages()[-1]
    calls = await chat.tap_data("v0:swap:20200101:lunch", message)
    assert "older version" in answers(calls)[0]


async def test_html_escaping_of_user_name(bot: Harness) -> None:
    chat = bot.chat(TgUser(id=99, first_name='<b>Tom & "Jerry"</b>'))
    calls = await chat.send("/start")
    text = texts(calls)[0]
    check_html(text)
    assert "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;" in text
    assert 'Hi <b>Tom & "Jerry"</b>!' in visible_text(text)
    await onboard(chat)
    welcome_back = texts(await chat.send("/start"))[0]
    check_html(welcome_back)
    assert "&lt;b&gt;Tom" in welcome_back


async def test_error_in_handler_tells_user_and_logs_without_token(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(update: object, context: object) -> None:
        raise RuntimeError(f"request to https://api.telegram.org/bot{TOKEN}/sendMessage failed")

    bot.app.add_handler(CommandHandler("boom", broken), group=-5)
    redactor = configure_logging("INFO", TOKEN, stream=io.StringIO())
    try:
        calls = await bot.chat().send("/boom")
    finally:
        _remove_logging(redactor)
    assert any("something went wrong" in t for t in texts(calls))
    assert "failed" in caplog.text and "<redacted-token>" in caplog.text
    assert TOKEN not in caplog.text


def _remove_logging(redactor: logging.Filter) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        handler.removeFilter(redactor)
        if isinstance(handler, logging.StreamHandler) and isinstance(handler.stream, io.StringIO):
            root.removeHandler(handler)


def test_token_never_reaches_logs(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    redactor = configure_logging("INFO", TOKEN, stream=stream)
    try:
        logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
        logging.getLogger("httpx").warning("HTTP Request: POST https://x/bot%s/getMe 502", TOKEN)
        try:
            raise ConnectionError(f"https://api.telegram.org/bot{TOKEN}/getUpdates")
        except ConnectionError:
            logging.getLogger("telegram.ext").exception("polling failed")
    finally:
        _remove_logging(redactor)
    for text in (stream.getvalue(), caplog.text):
        assert TOKEN not in text
        assert "getMe 502" in text and "polling failed" in text
        assert "/getMe 502" in text and "<redacted-token>" in text
    assert "POST https://x/bot<redacted-token>/getMe\n" not in stream.getvalue()  # INFO muted


THIRD_PARTY_LOGGERS = ("telegram", "httpx", "httpcore", "apscheduler", "aiosqlite")


async def test_debug_logging_carries_no_health_values(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """LOG_LEVEL=DEBUG turns on our own bot.* loggers only: PTB and httpx log whole request
    payloads at DEBUG (the user's /levels text, the bot's replies with doses), so they stay at
    INFO or above."""
    saved = {name: logging.getLogger(name).level for name in ("", *THIRD_PARTY_LOGGERS)}
    caplog.set_level(logging.DEBUG)
    stream = io.StringIO()
    redactor = configure_logging("DEBUG", TOKEN, stream=stream)
    # aiosqlite's thread may still log the fixture's store opening (the schema, not user data)
    # just after the call phase began, before configure_logging quietened it
    first_record = len(caplog.records)
    try:
        assert logging.getLogger("bot.chat.handlers.tracking").isEnabledFor(logging.DEBUG)
        for name in THIRD_PARTY_LOGGERS:
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        chat = bot.chat()
        await onboard(chat)
        await chat.send("/levels add serum 346.5 pg/mL 2026-10-02")
        await chat.send("/levels add mma 0.437 umol/L 2026-10-02")
        await chat.send("/took 777.5")
        replies = "\n".join(texts(await chat.send("/progress")) + texts(await chat.send("/levels")))
        labs = await tracking_store(bot.services.store).labs(chat.user.id)
    finally:
        _remove_logging(redactor)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
    # the values were stored and shown, so there was something to leak
    assert sorted(lab.result.value for lab in labs) == [0.437, 346.5]
    assert "pg/mL" in replies and "778 µg" in replies
    records = caplog.records[first_record:]
    logged = "\n".join(r.getMessage() for r in records) + stream.getvalue()
    assert "added a lab result" in logged  # our own INFO lines still come through
    for value in ("346.5", "0.437", "777.5", "pg/mL", "µmol/L", "µg"):
        assert value not in logged, f"log mentions {value!r}"


def test_run_bot_without_token_exits_2_with_botfather_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    assert run_bot({"DATABASE_PATH": str(tmp_path / "x.sqlite3")}) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "@BotFather" in err and "/newbot" in err


# --------------------------------------------------------------------------- split_message


def test_split_message_keeps_parts_short_and_valid() -> None:
    lines = [f"<b>Day {i}</b>: meal &amp; more <i>{'x' * (i % 50)}</i>" for i in range(400)]
    text = "\n".join(lines)
    parts = split_message(text, limit=1000)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 1000
        check_html(part)
        assert not part.startswith("\n")
    assert "\n".join(parts) == text  # split only on line boundaries here


def test_split_message_reopens_a_tag_cut_in_a_long_line() -> None:
    text = "<b>" + " ".join(["word"] * 600) + "</b> &amp; end"
    parts = split_message(text, limit=500)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 500
        check_html(part)
    assert all(p.startswith("<b>") for p in parts[:-1])
    joined = " ".join(visible_text(p).strip() for p in parts)
    assert joined.split() == visible_text(text).split()


def test_split_message_short_text_is_unchanged() -> None:
    assert split_message("<b>hi</b>") == ["<b>hi</b>"]
