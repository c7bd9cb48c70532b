"""Plans on demand: /today, /tomorrow, /week, /recipe and the plan buttons.

Buttons carry the plan's date and a fingerprint of its recipes. A button for a past day, or
for a plan that has changed since the message was sent, says so in the callback answer (and
the message is refreshed to the current plan) instead of acting on data the user can't see.
"""

from __future__ import annotations

import datetime as dt
import html

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
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
from bot.chat.render.format import (
    fmt_day,
    parse_count,
    parse_day_code,
    plan_fingerprint,
    recipe_name,
)
from bot.chat.render.plans import (
    PlanView,
    day_title,
    recipe_callback,
    render_plan,
    render_recipe,
    render_recipe_matches,
    render_share,
    render_week,
    slot_word,
)
from bot.chat.render.preferences import card_keyboard
from bot.core.i18n import N_, _, current_language
from bot.core.languages import localized_name
from bot.core.models import DayPlan, Slot, UserSettings
from bot.core.recipe_search import find_recipe, search_recipes
from bot.services.container import Services
from bot.services.plans import SLOT_NAMES
from bot.services.preferences import recipe_pref
from bot.services.tracking import tracking_store

WEEK_DAYS = 7
MAX_TITLE = 80  # a plan title read back from the message being edited (a name is in it)
MAX_RECIPE_SERVINGS = 20  # a recipe button carries one serving per member; more is forged


async def plan_view(
    svc: Services,
    user: UserSettings,
    plan: DayPlan,
    *,
    undo_swap: tuple[Slot, str] | None = None,
) -> PlanView:
    """The state a plan message shows: ticks and Eaten/Skipped for today's and yesterday's
    plan only, 😴 Tired today on today's own plan, ↩️ Undo swap right after a swap."""
    today = svc.today(user)
    checkoff = today - dt.timedelta(days=1) <= plan.date <= today
    ticks: dict[Slot, str] = {}
    if checkoff:
        logs = await tracking_store(svc.store).meal_logs(user.user_id, plan.date, plan.date)
        dishes = {m.slot.value: m.recipe_id for m in plan.meals}
        # a tick belongs to the dish it was made for: never another dish "— eaten"
        ticks = {
            Slot(m.slot): m.status
            for m in logs
            if m.slot in SLOT_NAMES and m.recipe_id in (None, dishes.get(m.slot))
        }
    own = user.household_id is None
    return PlanView(
        ticks=ticks,
        checkoff=checkoff,
        undo_swap=undo_swap if own else None,
        tired=own and plan.date == today,
    )


async def render_day(
    svc: Services,
    user: UserSettings,
    plan: DayPlan,
    *,
    undo_swap: tuple[Slot, str] | None = None,
    shown: Message | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """A day's plan message as it stands now (ticks, buttons that fit the day). Given the
    message being edited (`shown`), its title stays when it names this day: the morning
    push keeps its "☀️ Good morning" after a tick."""
    view = await plan_view(svc, user, plan, undo_swap=undo_swap)
    title = day_title(plan.date, svc.today(user))
    first = (shown.text or "").split("\n", 1)[0] if shown is not None else ""
    if first.startswith("<b>") and first.endswith("</b>"):  # the HTML we sent, read back
        first = html.unescape(first[3:-4])
    if first.endswith(fmt_day(plan.date)) and len(first) <= MAX_TITLE:
        title = first
    return render_plan(plan, svc.recipes, user, title=title, view=view)


PLAN_CHANGED = N_("Your plan changed since this message. Send /today for the current one.")


async def plan_as_shown(
    query: CallbackQuery, svc: Services, user: UserSettings, day: dt.date, fingerprint: str
) -> DayPlan | None:
    """The stored plan of `day` if it is still the one the tapped message showed; otherwise
    None, after telling the user (a button of an old message must not change a newer plan)."""
    plan = await svc.plans.stored_plan(user, day)
    if plan is None or plan_fingerprint(plan) != fingerprint:
        await query.answer(_(PLAN_CHANGED), show_alert=True)
        return None
    return plan


def tapped_message(query: CallbackQuery) -> Message | None:
    """The message a button was tapped on, when Telegram still lets the bot read it."""
    return query.message if isinstance(query.message, Message) else None


async def send_day(update: Update, context: Context, user: UserSettings, day: dt.date) -> None:
    svc = services(context)
    plan = await svc.plans.day_plan(user, day)
    text, markup = await render_day(svc, user, plan)
    await reply(update, text, markup)


async def today(update: Update, context: Context) -> None:
    user = await onboarded_user(update, context)
    if user is None:
        return
    await send_day(update, context, user, services(context).today(user))


async def tomorrow(update: Update, context: Context) -> None:
    user = await onboarded_user(update, context)
    if user is None:
        return
    await send_day(update, context, user, services(context).today(user) + dt.timedelta(days=1))


async def week(update: Update, context: Context) -> None:
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    plans = await svc.plans.days(user, svc.today(user), WEEK_DAYS)
    text, markup = render_week(plans, svc.recipes, user)
    await reply(update, text, markup)


async def recipe(update: Update, context: Context) -> None:
    user = await onboarded_user(update, context)
    if user is None:
        return
    query = command_args(context)
    if not query:
        await reply(
            update,
            _(
                "Send /recipe and a dish name or id, e.g. <code>/recipe porridge</code>. "
                "The recipes of today's plan are behind the 📖 buttons of /today."
            ),
        )
        return
    recipes = services(context).recipes
    best = find_recipe(recipes, query)
    if best is None:
        text, markup = render_recipe_matches(query, [])
        await reply(update, text, markup)
        return
    others = [r for r in search_recipes(recipes, query, limit=4) if r.id != best.id][:3]
    actions = await card_actions(services(context), user, best.id, 1)
    rows = [
        *actions,
        *(
            [
                InlineKeyboardButton(
                    f"📖 {localized_name(r, current_language())}"[:60],
                    callback_data=recipe_callback(r.id),
                )
            ]
            for r in others
        ),
    ]
    markup = InlineKeyboardMarkup(rows) if rows else None
    await reply(update, render_recipe(best, recipes, 1, user), markup)


async def card_actions(
    svc: Services, user: UserSettings, recipe_id: str, servings: int
) -> list[list[InlineKeyboardButton]]:
    """The recipe card's buttons (servings, ♥, 🚫; bot.chat.handlers.preferences acts)."""
    pref = await recipe_pref(svc.plans, user, recipe_id)
    keyboard = card_keyboard(recipe_id, servings, pref)
    return [list(row) for row in keyboard.inline_keyboard] if keyboard is not None else []


# --------------------------------------------------------------------------- buttons


async def _day_from_button(
    update: Update, context: Context, user: UserSettings, code: str
) -> dt.date | None:
    """The button's date, or None after telling the user the button is out of date."""
    query = update.callback_query
    assert query is not None
    today = services(context).today(user)
    day = parse_day_code(code, today)
    if day is None or day < today:
        text = (
            _("This plan is out of date (it was for {day}). Send /today for today's plan.").format(
                day=fmt_day(day)
            )
            if day is not None
            else _("This plan is out of date. Send /today for today's plan.")
        )
        await query.answer(text, show_alert=True)
        return None
    return day


async def on_swap(update: Update, context: Context) -> None:
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    if len(parts) != 5:
        await query.answer(_("This button is out of date. Send /today."), show_alert=True)
        return
    code, slot_name, fingerprint = parts[2:]
    day = await _day_from_button(update, context, user, code)
    if day is None:
        return
    svc = services(context)
    current = await svc.plans.day_plan(user, day)
    if plan_fingerprint(current) != fingerprint:
        await query.answer(
            _("This message was out of date: your plan has changed. Here is the current one."),
            show_alert=True,
        )
        text, markup = await render_day(svc, user, current, shown=tapped_message(query))
        await edit(query, text, markup)
        return
    try:
        slot = Slot(slot_name)
    except ValueError:
        slot = None
    if slot is None or current.meal(slot) is None:
        await query.answer(_("That meal is no longer in your plan. Send /today."), show_alert=True)
        return
    new = await svc.plans.swap_meal(user, day, slot)
    if plan_fingerprint(new) == fingerprint:
        await query.answer(
            _("No other {meal} fits your settings right now.").format(meal=slot_word(slot))
        )
        return
    meal = new.meal(slot)
    name = recipe_name(svc.recipes, meal.recipe_id) if meal else slot_word(slot)
    await query.answer(_("Swapped {meal}: {name}").format(meal=slot_word(slot), name=name)[:190])
    before = current.meal(slot)
    undo = (slot, before.recipe_id) if before is not None else None
    text, markup = await render_day(svc, user, new, undo_swap=undo, shown=tapped_message(query))
    await edit(query, text, markup)


async def on_recipe(update: Update, context: Context) -> None:
    button = await onboarded_button(update, context, maxsplit=3)
    if button is None:
        return
    query, parts, user = button
    recipes = services(context).recipes
    servings = parse_count(parts[2], 2) if len(parts) == 4 else None
    if servings is None or not 1 <= servings <= MAX_RECIPE_SERVINGS:
        servings = None
    if servings is None or parts[3] not in recipes.recipes:
        await query.answer(_("That recipe is no longer available. Send /today."), show_alert=True)
        return
    await query.answer()
    # the user's exclusions as they are now: a button on an old message warns as /recipe does
    rows = await card_actions(services(context), user, parts[3], servings)
    markup = InlineKeyboardMarkup(rows) if rows else None
    await reply(update, render_recipe(recipes.recipes[parts[3]], recipes, servings, user), markup)


async def on_share(update: Update, context: Context) -> None:
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    svc = services(context)
    day = parse_day_code(parts[2], svc.today(user)) if len(parts) == 3 else None
    if day is None:
        await query.answer(_("This button is out of date. Send /today."), show_alert=True)
        return
    plan = await svc.plans.stored_plan(user, day)
    if plan is None:
        plan = await svc.plans.day_plan(user, day)
    await query.answer(_("Forward the next message to anyone you like."))
    await reply(update, render_share(plan, svc.recipes, user))


async def on_plan(update: Update, context: Context) -> None:
    """A day button from /week: that day's plan as a new message."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    day = await _day_from_button(update, context, user, parts[2] if len(parts) == 3 else "")
    if day is None:
        return
    await query.answer()
    await send_day(update, context, user, day)


async def on_today(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    user = await onboarded_user(update, context)
    if user is None:
        return
    await query.answer()
    await send_day(update, context, user, services(context).today(user))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("today", today))
    application.add_handler(CommandHandler("tomorrow", tomorrow))
    application.add_handler(CommandHandler("week", week))
    application.add_handler(CommandHandler("recipe", recipe))
    application.add_handler(CallbackQueryHandler(on_swap, pattern=r"^v1:swap:"))
    application.add_handler(CallbackQueryHandler(on_recipe, pattern=r"^v1:rec:"))
    application.add_handler(CallbackQueryHandler(on_share, pattern=r"^v1:share:"))
    application.add_handler(CallbackQueryHandler(on_plan, pattern=r"^v1:plan:"))
    application.add_handler(CallbackQueryHandler(on_today, pattern=r"^v1:today$"))
