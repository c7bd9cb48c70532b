"""😴 Tired today: the button on the morning plan and /today that re-plans today's remaining
meals with the quickest dishes that keep the target (bot.services.quick).

One tap, the plan message changes in place; when no quicker day keeps the target the user is
told so plainly and the plan stays.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.chat.handlers.base import Context, edit, onboarded_button, services
from bot.chat.handlers.plans import plan_as_shown, render_day, tapped_message
from bot.chat.render.format import parse_day_code
from bot.chat.render.quick import tired_answer
from bot.core.i18n import _
from bot.services.quick import SharedPlanError, tired_today

log = logging.getLogger(__name__)


async def on_tired(update: Update, context: Context) -> None:
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    svc = services(context)
    today = svc.today(user)
    day = parse_day_code(parts[2], today) if len(parts) == 4 else None
    if day != today:
        await query.answer(_("This plan is not today's. Send /today."), show_alert=True)
        return
    if await plan_as_shown(query, svc, user, today, parts[3]) is None:
        return
    try:
        result = await tired_today(svc.plans, user)
    except SharedPlanError:
        await query.answer(
            _("Your household shares one plan: swap a meal instead."), show_alert=True
        )
        return
    log.info("user %s asked for quick meals: %s", user.user_id, result.plan is not None)
    await query.answer(tired_answer(result, user.target_ug), show_alert=result.plan is None)
    if result.plan is not None:
        text, markup = await render_day(svc, user, result.plan, shown=tapped_message(query))
        await edit(query, text, markup)


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_tired, pattern=r"^v1:tired:"))
