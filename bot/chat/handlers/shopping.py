"""/shopping and the list's buttons: tick items, hide staples, copy as text, other spans.

One message per list, edited in place on every tap. Taps carry the stored list's id and an
item position; the service checks on every tap that the list is the tapper's (or their
household's), so a forged or old button can never touch somebody else's list.
"""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.chat.handlers.base import (
    Context,
    command_args,
    edit,
    onboarded_button,
    onboarded_user,
    reply,
    services,
)
from bot.chat.render.format import esc, parse_count, parse_day_code
from bot.chat.render.shopping import render_plain, render_sheet
from bot.core.exclusions import item_warnings
from bot.core.i18n import N_, _
from bot.core.models import UserSettings
from bot.core.recipe_search import quote
from bot.services.shopping import ListUnavailableError, ShownList

MAX_SHOPPING_DAYS = 14
OUT_OF_DATE = N_("This list is out of date. Send /shopping for a fresh one.")


def parse_days(text: str) -> int:
    """Days for /shopping: empty means today only; 1 to 14, else a ValueError to show."""
    if not text:
        return 1
    try:
        days = int(text.split()[0])
    except ValueError:
        raise ValueError(
            _(
                "“{text}” is not a number of days. Send /shopping for today or e.g. "
                "/shopping 3 for the next 3 days (1 to {most})."
            ).format(text=quote(text), most=MAX_SHOPPING_DAYS)
        ) from None
    if not 1 <= days <= MAX_SHOPPING_DAYS:
        raise ValueError(
            _(
                "I make shopping lists for 1 to {most} days, not {days}. Example: /shopping 3"
            ).format(most=MAX_SHOPPING_DAYS, days=days)
        )
    return days


def _drawn(
    context: Context, user: UserSettings, shown: ShownList, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The list as this user sees it: foods they excluded are marked on their button and
    named under the header (in a household list, each member sees their own)."""
    flagged: dict[str, str] = {}
    ingredients = services(context).recipes.ingredients
    if user.exclude:
        for item in shown.sheet.items:
            lines = item_warnings([item.item_id], user.exclude, ingredients)
            if lines:
                flagged[item.item_id] = lines[0]
    return render_sheet(
        shown.list_id,
        shown.sheet,
        page=page,
        warnings=list(flagged.values()),
        flagged=frozenset(flagged),
        ingredients=ingredients,
    )


async def send_shopping(
    update: Update, context: Context, user: UserSettings, start: dt.date, days: int
) -> None:
    """Plan the days, store their list and send it as a new tickable message."""
    shown = await services(context).shopping.new_list(user, start, days)
    text, markup = _drawn(context, user, shown)
    await reply(update, text, markup)


async def shopping(update: Update, context: Context) -> None:
    user = await onboarded_user(update, context)
    if user is None:
        return
    try:
        days = parse_days(command_args(context))
    except ValueError as exc:
        await reply(update, esc(str(exc)))
        return
    await send_shopping(update, context, user, services(context).today(user), days)


async def on_shopping(update: Update, context: Context) -> None:
    """🛒 on a plan message: a new list from that plan's day (a past day's button is stale)."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    days = parse_count(parts[3], 2) if len(parts) == 4 else None
    today = services(context).today(user)
    day = parse_day_code(parts[2], today) if len(parts) == 4 else None
    if days is None or not 1 <= days <= MAX_SHOPPING_DAYS or day is None or day < today:
        await query.answer(_(OUT_OF_DATE), show_alert=True)
        return
    await query.answer()
    await send_shopping(update, context, user, day, days)


async def on_sheet(update: Update, context: Context) -> None:
    """Every button of a list message: v1:sl:<list id>:<action>[:<number>[:<page>]]."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    list_id = parse_count(parts[2], 18) if len(parts) >= 4 else None
    action = parts[3] if len(parts) >= 4 else ""
    numbers = [parse_count(p, 3) for p in parts[4:]]
    if list_id is None or None in numbers or len(numbers) > 2:
        await query.answer(_(OUT_OF_DATE), show_alert=True)
        return
    svc = services(context).shopping
    args = [n for n in numbers if n is not None]
    try:
        if action == "t" and len(args) == 2:
            shown = await svc.tick(user, list_id, args[0])
            item = shown.sheet.items[args[0]]
            done = item.item_id in shown.sheet.ticked
            name = item.local_name(services(context).recipes.ingredients)
            await query.answer(("✅ " if done else "↩️ ") + name[:60])
            page = args[1]
        elif action in ("h", "s") and not args:
            shown = await svc.hide_staples(user, list_id, action == "h")
            await query.answer()
            page = 0
        elif action == "p" and len(args) == 1:
            shown = await svc.show(user, list_id)
            await query.answer()
            page = args[0]
        elif action == "x" and not args:
            shown = await svc.show(user, list_id)
            await query.answer()
            await reply(update, render_plain(shown.sheet, services(context).recipes.ingredients))
            return
        elif action == "d" and len(args) == 1 and 1 <= args[0] <= MAX_SHOPPING_DAYS:
            await svc.show(user, list_id)  # only the list's own people get a new one here
            await query.answer()
            shown = await svc.new_list(user, services(context).today(user), args[0])
            page = 0
        else:
            await query.answer(_(OUT_OF_DATE), show_alert=True)
            return
    except (ListUnavailableError, ValueError):
        await query.answer(_(OUT_OF_DATE), show_alert=True)
        return
    text, markup = _drawn(context, user, shown, page)
    await edit(query, text, markup)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("shopping", shopping))
    application.add_handler(CallbackQueryHandler(on_shopping, pattern=r"^v1:shop:"))
    application.add_handler(CallbackQueryHandler(on_sheet, pattern=r"^v1:sl:"))
