"""Sending from jobs and services: HTML split under Telegram's limit, errors in service words.

The push and reminder ticks in bot.services speak of Blocked, RateLimited, Transient...
(bot.services.delivery); `delivering` wraps a send function so Telegram's errors reach them
in those words, and the ticks stay free of Telegram types.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.chat.render.format import split_message
from bot.services.container import Services
from bot.services.delivery import (
    Blocked,
    BotUnusable,
    DeliveryError,
    RateLimited,
    Refused,
    Transient,
)

if TYPE_CHECKING:
    from telegram.ext import Application

P = ParamSpec("P")
R = TypeVar("R")


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """Telegram's error in the services' words."""
    if isinstance(exc, Forbidden):
        return Blocked(str(exc))
    if isinstance(exc, RetryAfter):
        return RateLimited(retry_after_seconds(exc), str(exc))
    if isinstance(exc, InvalidToken):
        return BotUnusable(str(exc))
    if isinstance(exc, BadRequest | ChatMigrated):
        return Refused(str(exc))
    if isinstance(exc, NetworkError):  # TimedOut included
        return Transient(str(exc))
    return Refused(str(exc))


def delivering(send: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """`send` with Telegram's errors raised as bot.services.delivery exceptions."""

    @functools.wraps(send)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await send(*args, **kwargs)
        except TelegramError as exc:
            raise delivery_error(exc) from exc

    return wrapped


async def send_html(bot: Bot, chat_id: int, text: str, markup: object = None) -> int:
    """Send HTML text split under the 4,096 limit; the keyboard goes on the last part."""
    parts: Sequence[str] = split_message(text)
    message_id = 0
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(
            chat_id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,  # type: ignore[arg-type]
        )
        message_id = message.message_id
    return message_id


def services_of(application: Application) -> Services:
    """The Services the application was started with (bot_data["services"])."""
    found = application.bot_data["services"]
    assert isinstance(found, Services)
    return found
