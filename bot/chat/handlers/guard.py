"""Flood control: runs before every feature (handler group -1) and costs microseconds.

A user who sends more than 20 messages in 10 seconds gets one polite "slow down"; their
further typed messages in that window are not acted on, so one person cannot make the bot
slow for everyone. Button taps are never dropped: each is answered, at worst a little later
(taps of one chat run in order, see bot.chat.concurrency). The same module keeps the per-user
throttle for invite tokens (bot.chat.handlers.family), so a token cannot be guessed.
"""

from __future__ import annotations

import math
import time

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.chat.handlers.base import Context, reply
from bot.core.i18n import N_, _, ngettext
from bot.services.throttle import FloodGuard, InviteThrottle, Verdict

GUARD_GROUP = -1  # before every feature's handlers (group 0)
SLOW_DOWN = N_(  # translate at use: _(SLOW_DOWN)
    "🐢 That's a lot of messages at once. I'll skip the next few: please send one thing at "
    "a time, and I'll answer again in a few seconds."
)


def flood_guard(context: Context) -> FloodGuard:
    guard = context.bot_data.get("flood_guard")
    if not isinstance(guard, FloodGuard):
        guard = context.bot_data["flood_guard"] = FloodGuard()
    return guard


def invite_throttle(context: Context) -> InviteThrottle:
    throttle = context.bot_data.get("invite_throttle")
    if not isinstance(throttle, InviteThrottle):
        throttle = context.bot_data["invite_throttle"] = InviteThrottle()
    return throttle


def invite_wait_text(wait_s: float) -> str:
    minutes = max(1, math.ceil(wait_s / 60))
    return ngettext(
        "That invite link did not work several times in a row. Please wait {minutes} "
        "minute and open the link again, or ask for a new link (/family invite).",
        "That invite link did not work several times in a row. Please wait {minutes} "
        "minutes and open the link again, or ask for a new link (/family invite).",
        minutes,
    ).format(minutes=minutes)


def monotonic() -> float:
    return time.monotonic()


async def flood_check(update: Update, context: Context) -> None:
    """Count typed messages per user; stop the update when it is part of a flood."""
    message = update.message
    user = update.effective_user
    if message is None or user is None:
        return  # button taps, inline queries, edits, chat member updates: never dropped
    # Telegram's own timestamp: a backlog after downtime is not mistaken for a flood.
    verdict = flood_guard(context).check(user.id, message.date.timestamp())
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.WARN and message.chat.type == ChatType.PRIVATE:
        await reply(update, _(SLOW_DOWN))
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, flood_check), group=GUARD_GROUP)
