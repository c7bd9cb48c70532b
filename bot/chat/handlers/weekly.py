"""/weekly on|off: the opt-in Sunday-evening summary (sent by bot.chat.jobs.weekly).

The argument is bounded and never echoed; in a group the command only says to ask in private.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.chat.handlers.base import (
    Context,
    command_args,
    edit,
    onboarded_button,
    onboarded_user,
    private_only,
    reply,
    services,
)
from bot.chat.render.weekly import render_weekly_menu, render_weekly_state, render_weekly_status
from bot.storage.weekly import WeeklyStore

log = logging.getLogger(__name__)

ON_WORDS = frozenset({"on", "yes", "start"})
OFF_WORDS = frozenset({"off", "no", "stop"})


async def weekly_command(update: Update, context: Context) -> None:
    """/weekly on | off; no argument shows whether it is on and how to switch."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    store = WeeklyStore(svc.store)
    word = command_args(context)[:10].strip().lower()
    if word in ON_WORDS or word in OFF_WORDS:
        on = word in ON_WORDS
        await store.set_weekly(user.user_id, on, now_utc=svc.now())
        log.info("user %s turned the weekly summary %s", user.user_id, "on" if on else "off")
        await reply(update, render_weekly_status(on))
        return
    now_on = await store.weekly_on(user.user_id)
    await reply(update, render_weekly_state(now_on))


async def on_weekly_button(update: Update, context: Context) -> None:
    """/settings → 📬 Weekly summary: show it (v1:wk:menu) or switch it (v1:wk:on|off),
    edited in place, with Back to the settings."""
    found = await onboarded_button(update, context)
    if found is None:
        return
    query, parts, user = found
    action = parts[-1] if len(parts) == 3 else ""
    svc = services(context)
    store = WeeklyStore(svc.store)
    if action in ("on", "off"):
        on = action == "on"
        await store.set_weekly(user.user_id, on, now_utc=svc.now())
        log.info("user %s turned the weekly summary %s", user.user_id, action)
        await query.answer("Weekly summary on" if on else "Weekly summary off")
    else:
        on = await store.weekly_on(user.user_id)
        await query.answer()
    await edit(query, *render_weekly_menu(on))


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("weekly", weekly_command, filters=private))
    application.add_handler(CommandHandler("weekly", private_only, filters=~private))
    application.add_handler(CallbackQueryHandler(on_weekly_button, pattern=r"^v1:wk:"))
