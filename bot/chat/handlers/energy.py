"""/energy and the ⚡ Daily energy page of /settings: the calorie range plans aim at.

Why: plans are B12-focused (about 1,000-1,400 kcal) unless the user asks for whole days; a
range makes the planner pick meals that add up to it. Changing it reshapes the stored plans
only where they must change (bot.core.replan), and the reply says what changed.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.chat.handlers.base import (
    Context,
    command_args,
    edit,
    onboarded_button,
    onboarded_user,
    replan_after_change,
    reply,
    services,
)
from bot.chat.render.energy import energy_keyboard, render_energy_question, render_energy_set
from bot.chat.render.format import esc
from bot.core.energy import EnergyInputError, parse_energy, preset
from bot.core.i18n import _
from bot.core.models import UserSettings


async def _set_range(
    context: Context, user: UserSettings, kcal: tuple[int, int] | None
) -> tuple[UserSettings, str]:
    """Store the range (None: off) and replan; the reply text with what changed."""
    low, high = kcal if kcal is not None else (None, None)
    if (user.kcal_min, user.kcal_max) == (low, high):
        return user, render_energy_set(user.kcal_range) + "\n" + _("That was already your setting.")
    user = await services(context).users.update(user.user_id, kcal_min=low, kcal_max=high)
    text = render_energy_set(user.kcal_range)
    replanned = await replan_after_change(context, user)
    return user, f"{text}\n{replanned}" if replanned else text


async def energy_command(update: Update, context: Context) -> None:
    """/energy shows the choice; /energy 1800-2200 or /energy off sets it."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    raw = command_args(context)
    if not raw:
        await reply(update, render_energy_question(user), energy_keyboard(user))
        return
    try:
        kcal = parse_energy(raw)
    except EnergyInputError as exc:
        await reply(update, esc(str(exc)))
        return
    _user, text = await _set_range(context, user, kcal)
    await reply(update, text)


async def on_energy(update: Update, context: Context) -> None:
    """⚡ Daily energy (page "menu"), Off, or a preset range."""
    button = await onboarded_button(update, context, maxsplit=2)
    if button is None:
        return
    query, (_prefix, _page, choice), user = button
    if choice == "menu":
        await query.answer()
        await edit(query, render_energy_question(user), energy_keyboard(user))
        return
    kcal = None if choice == "off" else preset(choice)
    if choice != "off" and kcal is None:
        await query.answer(_("This button is out of date. Send /energy."), show_alert=True)
        return
    user, text = await _set_range(context, user, kcal)
    await query.answer(_("Daily energy saved"))
    await reply(update, text)
    await edit(query, render_energy_question(user), energy_keyboard(user))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("energy", energy_command))
    application.add_handler(CallbackQueryHandler(on_energy, pattern=r"^v1:kcal:"))
