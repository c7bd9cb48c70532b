"""Recipe cards with actions: servings − / +, ◀ back to the plan, 🔁 swap this meal,
♥ favourite and 🚫 never suggest again.

Why one message: a card opened from a plan's 📖 button is edited in place by every tap (a
tired hand scrolls nothing), and ◀ turns it back into that day's plan as it stands now.
The card text itself is `render_recipe` (bot.chat.render.plans), the same as /recipe.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.chat.handlers.base import (
    Context,
    edit,
    onboarded_button,
    replan_after_change,
    reply,
    services,
)
from bot.chat.handlers.plans import render_day
from bot.chat.render.format import parse_count, parse_day_code, recipe_name
from bot.chat.render.plans import render_recipe, slot_from_code, slot_word
from bot.chat.render.preferences import (
    MAX_CARD_SERVINGS,
    card_keyboard,
    cook_keyboard,
    pref_answer,
    render_cook_question,
    render_cook_set,
)
from bot.core.i18n import N_, _, ngettext
from bot.core.models import PlannedMeal, UserSettings
from bot.core.preferences import FAVOURITE, NEVER
from bot.services.container import Services
from bot.services.preferences import (
    raised_cook_limits,
    recipe_pref,
    toggle_pref,
    valid_cook_limit,
)
from bot.storage.preferences import TooManyPrefsError

log = logging.getLogger(__name__)

OUT_OF_DATE = N_("This button is out of date. Send /today.")
# open, minus, plus, favourite, never, back to the plan, swap this meal
CARD_ACTIONS = frozenset({"o", "m", "p", "f", "n", "b", "s"})


async def card(
    svc: Services, user: UserSettings, recipe_id: str, servings: int, day: str, slot: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card's text (the user's exclusions as they are now) and its buttons."""
    recipes = svc.recipes
    pref = await recipe_pref(svc.plans, user, recipe_id)
    planned = await planned_meal(svc, user, recipe_id, day, slot)
    text = render_recipe(recipes.recipes[recipe_id], recipes, servings, user, planned=planned)
    return text, card_keyboard(recipe_id, servings, pref, day, slot)


async def planned_meal(
    svc: Services, user: UserSettings, recipe_id: str, day_text: str, slot_text: str
) -> PlannedMeal | None:
    """The plan's meal a card was opened from (its day and slot in the button), when that
    meal is still this dish: the card then shows its top-up. None for /recipe, or when the
    plan changed or is not stored (a card never plans a day)."""
    if day_text == "-" or slot_text == "-":
        return None
    day = parse_day_code(day_text, svc.today(user))
    slot = slot_from_code(slot_text)
    if day is None or slot is None:
        return None
    plan = await svc.plans.stored_plan(user, day)
    meal = plan.meal(slot) if plan is not None else None
    return meal if meal is not None and meal.recipe_id == recipe_id else None


async def on_card(update: Update, context: Context) -> None:
    button = await onboarded_button(update, context, maxsplit=6)
    if button is None:
        return
    query, parts, user = button
    svc = services(context)
    if len(parts) != 7:
        await query.answer(_(OUT_OF_DATE), show_alert=True)
        return
    action, count, day_text, slot_text, recipe_id = parts[2:]
    servings = parse_count(count, 2)
    if servings is None or not 1 <= servings <= MAX_CARD_SERVINGS:
        servings = None
    if servings is None or recipe_id not in svc.recipes.recipes or action not in CARD_ACTIONS:
        await query.answer(_("That recipe is no longer available. Send /today."), show_alert=True)
        return
    today = svc.today(user)
    in_plan = day_text != "-" or slot_text != "-"
    day = parse_day_code(day_text, today) if in_plan else None
    slot = slot_from_code(slot_text) if in_plan else None
    if in_plan and (day is None or slot is None):
        await query.answer(_(OUT_OF_DATE), show_alert=True)
        return
    name = recipe_name(svc.recipes, recipe_id)
    if action == "o":
        await query.answer()
        text, markup = await card(svc, user, recipe_id, servings, day_text, slot_text)
        await reply(update, text, markup)
        return
    if action in ("m", "p"):
        await query.answer(
            ngettext("{count} serving", "{count} servings", servings).format(count=servings)
        )
    elif action in ("f", "n"):
        kind = FAVOURITE if action == "f" else NEVER
        was = await recipe_pref(svc.plans, user, recipe_id)
        try:
            now, changes = await toggle_pref(svc.plans, user, recipe_id, kind)
        except TooManyPrefsError:
            await query.answer(
                _("You keep the most marks I store: clear one first."), show_alert=True
            )
            return
        log.info("user %s marked a recipe %s", user.user_id, now or "none")
        extra = (
            " " + _("Your plans changed: ◀ Back to plan shows today's.")
            if any(result.changed for __, result in changes)
            else ""
        )
        await query.answer((pref_answer(name, now, was) + extra)[:200])
    elif action in ("b", "s"):
        await plan_action(update, svc, user, action, recipe_id)
        return
    text, markup = await card(svc, user, recipe_id, servings, day_text, slot_text)
    await edit(query, text, markup)


async def plan_action(
    update: Update, svc: Services, user: UserSettings, action: str, recipe_id: str
) -> None:
    """◀ back: the card becomes its day's plan; 🔁 swap: that meal swapped, then the plan."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":", 6)
    today = svc.today(user)
    day = parse_day_code(parts[4], today)
    slot = slot_from_code(parts[5])
    assert day is not None and slot is not None  # checked by on_card
    if action == "b":
        plan = await svc.plans.stored_plan(user, day) or await svc.plans.day_plan(user, day)
        await query.answer()
        text, markup = await render_day(svc, user, plan)
        await edit(query, text, markup)
        return
    if day < today:
        await query.answer(_("This plan is over: swaps are for today and later."), show_alert=True)
        return
    current = await svc.plans.day_plan(user, day)
    meal = current.meal(slot)
    if meal is None or meal.recipe_id != recipe_id:
        await query.answer(_("That meal changed already. Here is the plan."), show_alert=True)
        text, markup = await render_day(svc, user, current)
        await edit(query, text, markup)
        return
    new = await svc.plans.swap_meal(user, day, slot)
    after = new.meal(slot)
    if after is None or after.recipe_id == recipe_id:
        await query.answer(
            _("No other {meal} fits your settings right now.").format(meal=slot_word(slot))
        )
    else:
        name = recipe_name(svc.recipes, after.recipe_id)
        await query.answer(
            _("Swapped {meal}: {name}").format(meal=slot_word(slot), name=name)[:190]
        )
    undo = (slot, recipe_id) if after is not None and after.recipe_id != recipe_id else None
    text, markup = await render_day(svc, user, new, undo_swap=undo)
    await edit(query, text, markup)


async def on_cook(update: Update, context: Context) -> None:
    """⏱ Cooking time in /settings (page "menu"), or a choice: any / 15 / 30 / 45 min."""
    button = await onboarded_button(update, context, maxsplit=2)
    if button is None:
        return
    query, (_prefix, _page, choice), user = button
    if choice == "menu":
        await query.answer()
        await edit(query, render_cook_question(user), cook_keyboard(user))
        return
    minutes = None if choice == "any" else parse_count(choice, 2)
    if choice != "any" and (minutes is None or not valid_cook_limit(minutes)):
        await query.answer(_("This button is out of date. Send /settings."), show_alert=True)
        return
    if minutes == user.max_cook_min:
        await query.answer(_("That was already your setting."))
        return
    svc = services(context)
    user = await svc.users.update(user.user_id, max_cook_min=minutes)
    text = render_cook_set(minutes, await raised_cook_limits(svc.plans, user))
    replanned = await replan_after_change(context, user)
    await query.answer(_("Cooking time saved"))
    await reply(update, f"{text}\n{replanned}" if replanned else text)
    await edit(query, render_cook_question(user), cook_keyboard(user))


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_card, pattern=r"^v1:rc:"))
    application.add_handler(CallbackQueryHandler(on_cook, pattern=r"^v1:cook:"))
