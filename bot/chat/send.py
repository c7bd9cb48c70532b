"""Sending from jobs and services: HTML split under Telegram's limit, errors in service words.

The push and reminder ticks in bot.services speak of Blocked, RateLimited, Transient...
(bot.services.delivery); `delivering` wraps a send function so Telegram's errors reach them
in those words, and the ticks stay free of Telegram types.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import httpx
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.chat.http import NotSent, send_message_id
from bot.chat.ratelimit import SendAbandoned, logging_requests, retry_after_seconds
from bot.chat.render.format import split_message
from bot.services.container import Services
from bot.services.delivery import (
    Blocked,
    BotUnusable,
    DeliveryError,
    RateLimited,
    Refused,
    Stopping,
    Transient,
    Unconfirmed,
)

if TYPE_CHECKING:
    from telegram.ext import Application

P = ParamSpec("P")
R = TypeVar("R")


# Causes that mean the request never left this process: safe to send again (bot.chat.http
# marks its own with NotSent; httpx's are PTB's default client's).
_NOT_SENT = (
    NotSent,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


def _surely_not_sent(exc: NetworkError) -> bool:
    return isinstance(exc.__cause__, _NOT_SENT)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """Telegram's error in the services' words.

    A network error is `Transient` only when the request surely never went out (no
    connection, no free connection); a read time-out, a dropped connection or a server error
    may hide a delivered message, so it is `Unconfirmed` and must not be sent again.
    """
    if isinstance(exc, SendAbandoned):
        return Stopping(str(exc))
    if isinstance(exc, Forbidden):
        return Blocked(str(exc))
    if isinstance(exc, RetryAfter):
        return RateLimited(retry_after_seconds(exc), str(exc))
    if isinstance(exc, InvalidToken):
        return BotUnusable(str(exc))
    if isinstance(exc, BadRequest | ChatMigrated):
        return Refused(str(exc))
    if isinstance(exc, NetworkError):  # TimedOut included
        if _surely_not_sent(exc):
            return Transient(str(exc) or type(exc.__cause__).__name__)
        return Unconfirmed(str(exc) or type(exc).__name__)
    return Refused(str(exc))


def delivering(send: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """`send` with Telegram's errors raised as bot.services.delivery exceptions.

    Which requests of this send went out is known (RequestLog, kept by the rate limiter), so
    a failure after part of a message was delivered, or an unexpected error once a request
    had left, is `Unconfirmed`: retrying it could send the same message twice.
    """

    @functools.wraps(send)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with logging_requests() as requests:
            try:
                return await send(*args, **kwargs)
            except TelegramError as exc:
                error = delivery_error(exc)
                if requests.delivered and isinstance(error, Transient):
                    error = Unconfirmed(f"part of the message went out, then: {error}")
                raise error from exc
            except Exception as exc:
                if requests.started:
                    raise Unconfirmed(f"{type(exc).__name__} after a request went out") from exc
                raise

    return wrapped


async def send_html(bot: Bot, chat_id: int, text: str, markup: object = None) -> int:
    """Send HTML text split under the 4,096 limit; the keyboard goes on the last part.
    Only the ids are needed, so the lean send (bot.chat.http) skips building Messages."""
    parts: Sequence[str] = split_message(text)
    message_id = 0
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message_id = await send_message_id(
            bot,
            chat_id,
            part,
            markup if last else None,  # type: ignore[arg-type]
        )
    return message_id


def services_of(application: Application) -> Services:
    """The Services the application was started with (bot_data["services"])."""
    found = application.bot_data["services"]
    assert isinstance(found, Services)
    return found
