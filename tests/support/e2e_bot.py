"""The real application against the fake Bot API (fake_bot_api.py) on 127.0.0.1, for the
end-to-end tests: start it with long polling, then act as users who type and tap."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from fake_bot_api import ApiCall, FakeBotApi
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.app import build_application
from bot.chat.ratelimit import Limit, LocalSendBudget
from bot.config import load_settings
from bot.services.container import Services

TOKEN = "123456:TEST"
WAIT_S = 15  # the longest wait for one answer of the bot

# the household members of the family and group tests
ANA, BEN, CLEO = 5101, 5102, 5103
NAMES = {ANA: "Ana", BEN: "Ben", CLEO: "Cleo"}
LINK = re.compile(r"https://t\.me/b12_test_bot\?start=([A-Za-z0-9_-]{32})")
MEAL_LINE = re.compile(r"^\S+ (Breakfast|Lunch|Dinner|Snack): (.+)$", re.MULTILINE)


# The database of the running test, as DATABASE_URL: tests/e2e/conftest.py sets it per test
# (SQLite or PostgreSQL); unset, a SQLite file under the test's tmp_path.
DATABASE_URL: str | None = None


def database_url(tmp_path: Path) -> str:
    return DATABASE_URL or f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"


def env_for(api: FakeBotApi, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_URL": database_url(tmp_path),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@contextlib.asynccontextmanager
async def running_bot(
    api: FakeBotApi,
    tmp_path: Path,
    *,
    now: Callable[[], dt.datetime] | None = None,
    **extra_env: str,
) -> AsyncIterator[tuple[Application, list[BaseException]]]:
    """Start the real application with long polling; yields it and the handler errors seen."""
    settings = load_settings(environ=env_for(api, tmp_path, **extra_env), dotenv_path=None)
    # Telegram's overall rate as configured, but no pacing per chat: a test user types and
    # taps far faster than a person, and the replies would only wait.
    unpaced = Limit(100_000, 1.0)
    budget = LocalSendBudget(Limit(int(settings.rate_limit_per_second), 1.0), unpaced, unpaced)
    application = (
        build_application(settings, send_budget=budget)
        if now is None
        else build_application(settings, now=now, send_budget=budget)
    )
    errors: list[BaseException] = []

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            errors.append(context.error)

    application.add_error_handler(collect)
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)  # run_polling would do this; we drive by hand
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=dt.timedelta(seconds=1), allowed_updates=Update.ALL_TYPES
        )
        try:
            yield application, errors
        finally:
            await asyncio.wait_for(application.updater.stop(), timeout=10)
            await asyncio.wait_for(application.stop(), timeout=10)
    finally:
        await asyncio.wait_for(application.shutdown(), timeout=10)
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def services_of(application: Application) -> Services:
    services = application.bot_data["services"]
    assert isinstance(services, Services)
    return services


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, callback_data) of every inline button on a message, as the bot sent them."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def button_data(message: dict[str, Any], label: str) -> str:
    """The callback data of the button whose text contains `label` (what a user would tap)."""
    found = [data for text, data in buttons(message) if label in text and data]
    assert found, f"no button labelled {label!r}; buttons: {[t for t, _ in buttons(message)]}"
    return found[0]


def to_chat(chat_id: int) -> Callable[[ApiCall], bool]:
    return lambda call: call.ok and int(call.params.get("chat_id", 0)) == chat_id


async def say(api: FakeBotApi, user_id: int, text: str, *, last: bool = False) -> dict[str, Any]:
    """The user (first name from NAMES, else Ana) types `text`; returns the bot's first reply,
    or with last=True its newest message once the replies settled."""
    mark = api.mark()
    api.user_sends(user_id, text, first_name=NAMES.get(user_id, "Ana"))
    call = await api.wait_for("sendMessage", to_chat(user_id), timeout=WAIT_S, after=mark)
    if last:
        await asyncio.sleep(0.3)
        return api.messages_to(user_id)[-1]
    return call.result


async def tap(api: FakeBotApi, message: dict[str, Any], label: str) -> ApiCall:
    """The user taps a button; waits until the bot answered the query and changed the chat."""
    data = button_data(message, label)
    chat_id = message["chat"]["id"]
    mark = api.mark()
    api.user_taps(chat_id, message["message_id"], data)
    changed = await api.wait_for(
        {"editMessageText", "sendMessage"}, to_chat(chat_id), timeout=WAIT_S, after=mark
    )
    await api.wait_for("answerCallbackQuery", timeout=WAIT_S, after=mark)
    return changed


async def press(api: FakeBotApi, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Tap the button labelled exactly `label`; returns the message as the bot edited it (in
    place: a button flow keeps to one message)."""
    found = [data for text, data in buttons(message) if text == label]
    assert found, f"no button {label!r}; buttons: {[t for t, _ in buttons(message)]}"
    chat_id = message["chat"]["id"]
    mark = api.mark()
    api.user_taps(chat_id, message["message_id"], found[0])
    call = await api.wait_for("editMessageText", to_chat(chat_id), timeout=WAIT_S, after=mark)
    await api.wait_for("answerCallbackQuery", timeout=WAIT_S, after=mark)
    assert call.result["message_id"] == message["message_id"]  # edited in place
    return call.result


def meals_in(text: str) -> dict[str, str]:
    """Slot label -> recipe name, read from a plan message as the user sees it."""
    return dict(MEAL_LINE.findall(text))


async def onboard(
    api: FakeBotApi, user_id: int, diet: str, target: str, allergens: Sequence[str] = ()
) -> None:
    """Tap through /start: `diet`, `target`, no absorption problem, Berlin, food bought in
    the EU (the zone's suggestion), the allergen groups named in `allergens` (button labels;
    none by default), daily plan at 07:30."""
    welcome = await say(api, user_id, "/start")
    step = (await tap(api, welcome, diet)).result
    step = (await tap(api, step, target)).result
    step = (await tap(api, step, "None of these")).result
    step = (await tap(api, step, "Berlin")).result
    step = (await tap(api, step, "EU")).result
    for allergen in allergens:
        step = (await tap(api, step, allergen)).result
    step = (await tap(api, step, "Done" if allergens else "None, go on")).result
    await tap(api, step, "07:30")
