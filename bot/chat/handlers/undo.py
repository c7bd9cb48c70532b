"""↩️ Undo on plan messages: take back a meal's tick, revert a swap.

Why: a tired or shaky hand taps the wrong button; every change made with one tap can be taken
back with one tap, and the message shows the result in place (bot.services.undo does the
work under the plan owner's lock).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.chat.handlers.base import Context, edit, onboarded_button, services
from bot.chat.handlers.plans import plan_as_shown, render_day, tapped_message
from bot.chat.handlers.tracking import LATE_LOG_DAYS
from bot.chat.render.format import parse_day_code, recipe_name
from bot.chat.render.plans import slot_from_code, slot_label
from bot.core.i18n import _
from bot.services.undo import undo_swap, undo_tick

log = logging.getLogger(__name__)


async def on_undo_tick(update: Update, context: Context) -> None:
    """↩️ Undo <meal>: the meal is no longer ticked; the plan shows it unticked again."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    svc = services(context)
    today = svc.today(user)
    day = parse_day_code(parts[2], today) if len(parts) == 5 else None
    slot = slot_from_code(parts[3]) if len(parts) == 5 else None
    if day is None or slot is None or day > today or (today - day).days > LATE_LOG_DAYS:
        await query.answer(_("This button is out of date. Send /today."), show_alert=True)
        return
    plan = await plan_as_shown(query, svc, user, day, parts[4])
    if plan is None:
        return
    undone = await undo_tick(svc.plans, user, day, slot)
    log.info("user %s took back the tick of %s on %s", user.user_id, slot.value, day)
    await query.answer(
        _("{meal}: tick taken back").format(meal=slot_label(slot)) if undone else _("Not ticked.")
    )
    text, markup = await render_day(svc, user, plan, shown=tapped_message(query))
    await edit(query, text, markup)


async def on_undo_swap(update: Update, context: Context) -> None:
    """↩️ Undo swap: the dish before the swap comes back when it still keeps every rule."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    svc = services(context)
    today = svc.today(user)
    day = parse_day_code(parts[2], today) if len(parts) == 6 else None
    slot = slot_from_code(parts[3]) if len(parts) == 6 else None
    if day is None or slot is None or day < today:
        await query.answer(_("This button is out of date. Send /today."), show_alert=True)
        return
    current = await plan_as_shown(query, svc, user, day, parts[5])
    if current is None:
        return
    previous = parts[4]
    if previous not in svc.recipes.recipes:
        await query.answer(_("That dish is no longer in my recipes."), show_alert=True)
        return
    restored = await undo_swap(svc.plans, user, day, slot, previous)
    if restored is None:
        await query.answer(
            _("The previous dish no longer fits your settings or your target, so the plan stays."),
            show_alert=True,
        )
        text, markup = await render_day(svc, user, current, shown=tapped_message(query))
    else:
        name = recipe_name(svc.recipes, previous)
        await query.answer(_("Back to {name}").format(name=name)[:190])
        text, markup = await render_day(svc, user, restored, shown=tapped_message(query))
    await edit(query, text, markup)


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_undo_tick, pattern=r"^v1:mlu:"))
    application.add_handler(CallbackQueryHandler(on_undo_swap, pattern=r"^v1:unsw:"))
