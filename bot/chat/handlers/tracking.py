"""Keeping track in Telegram: meal check-offs, /progress with a chart, /took, /myproducts,
/evening and /faq (/levels is in handlers/labs.py, /remind in handlers/reminders.py, /privacy
and /export in the account feature).

Handlers write no SQL (bot.storage.tracking does) and compute nothing themselves (bot.core.tally,
bot.core.labs, bot.core.reminders, bot.core.products do). Charts are drawn in a worker process
(bot.chat.render.chart_pool) so a slow figure never blocks other users. Log lines name users
and actions, never health values.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.chat.handlers.base import (
    Context,
    command_args,
    edit,
    onboarded_button,
    onboarded_user,
    private_only,
    replan_after_change,
    reply,
    services,
)
from bot.chat.handlers.plans import render_day, tapped_message
from bot.chat.render.chart_pool import progress_png
from bot.chat.render.format import (
    esc,
    fmt_day,
    parse_count,
    parse_day_code,
    plan_fingerprint,
)
from bot.chat.render.tracking import (
    ACTION_STATUS,
    CHECKOFF_ON_LOG,
    PROGRESS_CAPTION,
    PROGRESS_CAPTION_LOG,
    ate_choices_keyboard,
    checkoff_toast,
    dose_again_keyboard,
    faq_keyboard,
    render_ate_ask,
    render_ate_help,
    render_ate_how_much,
    render_ate_none,
    render_dose_again,
    render_dose_logged,
    render_dose_not_logged,
    render_evening_status,
    render_extra_logged,
    render_faq_answer,
    render_faq_index,
    render_faq_unknown,
    render_log,
    render_other_hint,
    render_product_error,
    render_product_set,
    render_products,
    render_progress_empty_hint,
    render_took_help,
)
from bot.core.food_amount import (
    AmountInputError,
    food_without_amount,
    is_negative_amount,
    parse_food_amount,
)
from bot.core.i18n import SOURCE_LANGUAGE, _, current_language, fmt_decimal
from bot.core.languages import localized_name
from bot.core.models import UserSettings
from bot.core.plan_rules import clinician_manages
from bot.core.products import (
    ProductInputError,
    parse_product,
    per_100g_from_label,
    resolve_product,
    unit_word,
)
from bot.core.recipe_search import confident_recipe, quote, search_recipes
from bot.core.reminders import (
    MAX_DOSE_UG,
)
from bot.core.tally import DayTally, fmt_ug
from bot.services.container import Services
from bot.services.tracking import (
    REPEAT_DOSE_WINDOW,
    day_tallies,
    planned_meal_b12,
    planned_slot_b12,
    recent_dose,
    slot_of,
    summary_for,
    tracking_store,
    user_recipes,
)
from bot.storage.schema import DOSE_KINDS
from bot.storage.tracking import TrackingStore

log = logging.getLogger(__name__)

MAX_EXTRA_UG = 100.0  # more than this from one food is a typo or a supplement (/took)
LATE_LOG_DAYS = 1  # yesterday's meals can still be ticked off


def tracking(context: Context) -> TrackingStore:
    return tracking_store(services(context).store)


async def today_tally(svc: Services, user: UserSettings, day: dt.date) -> DayTally | None:
    ts = tracking_store(svc.store)
    recipes = await user_recipes(ts, svc.recipes, user)
    tallies = await day_tallies(ts, user, day, day, recipes)
    return tallies[0] if tallies else None


# --------------------------------------------------------------------------- check-offs


async def _log_view(
    svc: Services, user: UserSettings, day: dt.date
) -> tuple[str, InlineKeyboardMarkup]:
    ts = tracking_store(svc.store)
    plan = await svc.plans.day_plan(user, day)
    logs = await ts.meal_logs(user.user_id, day, day)
    day_tally = await today_tally(svc, user, day)
    title = _("Meals · {day}").format(day=fmt_day(day))
    return render_log(plan, svc.recipes, logs, day_tally, user.target_ug, title=title, user=user)


async def log_command(update: Update, context: Context) -> None:
    """/log: today's planned meals with ✅ / ⏭ / 🍽 buttons."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    text, markup = await _log_view(svc, user, svc.today(user))
    await reply(update, text, markup)


async def on_checkoff(update: Update, context: Context) -> None:
    """A ✅ Eaten / ⏭ Skipped / 🍽 Other tap, from a plan message or from /log."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    svc = services(context)
    if len(parts) != 6 or parts[2] not in ACTION_STATUS:
        await query.answer(_("This button is out of date. Send /log."), show_alert=True)
        return
    action, code, slot_name, fingerprint = parts[2:]
    today = svc.today(user)
    day = parse_day_code(code, today)
    if day is None:
        await query.answer(_("This button is out of date. Send /log."), show_alert=True)
        return
    if day < today - dt.timedelta(days=LATE_LOG_DAYS):
        await query.answer(
            _("This plan is too old to tick off. Send /log for today's meals."), show_alert=True
        )
        return
    if day > today:
        await query.answer(
            _("You can tick this meal off on {day}.").format(day=fmt_day(day)), show_alert=True
        )
        return
    plan = await svc.plans.stored_plan(user, day)
    if plan is None or plan_fingerprint(plan) != fingerprint:
        await query.answer(
            _("Your plan changed since this message. Send /log to tick off the current meals."),
            show_alert=True,
        )
        return
    slot = slot_of(slot_name)
    meal = plan.meal(slot) if slot is not None else None
    if slot is None or meal is None:
        await query.answer(_("That meal is no longer in your plan. Send /log."), show_alert=True)
        return
    ts = tracking(context)
    recipes = await user_recipes(ts, svc.recipes, user)
    # a household member's meal can carry a shared and a personal top-up; the member view
    # keeps one top-up item, so value the slot from the household plan itself
    b12 = await planned_slot_b12(ts, user, day, slot, recipes)
    if b12 is None:
        b12 = planned_meal_b12(recipes, meal)
    status = ACTION_STATUS[action]
    await ts.log_meal(
        user.user_id, day, slot_name, meal.recipe_id, status, b12, planned_ug=b12, now_utc=svc.now()
    )
    log.info("user %s checked off %s on %s", user.user_id, slot_name, day)
    day_tally = await today_tally(svc, user, day)
    await query.answer(checkoff_toast(slot_name, status, b12, day_tally, user.target_ug, user))
    if parts[1] == CHECKOFF_ON_LOG:
        text, markup = await _log_view(svc, user, day)
        await edit(query, text, markup)
    else:  # a plan message: the tick shows in its text, with ↩️ to take it back
        text, markup = await render_day(svc, user, plan, shown=tapped_message(query))
        await edit(query, text, markup)
    if status == "other":
        await reply(update, render_other_hint())


async def on_ate_none(update: Update, context: Context) -> None:
    """ "None of these" under /ate's question: nothing is logged; say how to log it."""
    query = update.callback_query
    assert query is not None
    await query.answer(_("Nothing logged."))
    await edit(query, render_ate_none(), None)


MAX_ATE_CHARS = 80  # longer /ate text is junk, not a dish: never match a piece of it

_UG = re.compile(r"^(\d+(?:[.,]\d+)?|[.,]\d+)\s*(?:µg|μg|ug|mcg)?$", re.IGNORECASE)


async def ate_command(update: Update, context: Context) -> None:
    """/ate <dish> or /ate <µg>: something eaten besides the plan."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    args = command_args(context)
    if not args:
        await reply(update, render_ate_help())
        return
    if len(args) > MAX_ATE_CHARS:
        await reply(
            update,
            _(
                "That is too long for one food ({n} characters; I read up to {limit}). Nothing "
                "was logged. Name one dish or food, e.g. <code>/ate omelette</code> or "
                "<code>/ate 2 eggs</code>."
            ).format(n=fmt_decimal(len(args), 0), limit=MAX_ATE_CHARS),
        )
        return
    ts = tracking(context)
    today = svc.today(user)
    if is_negative_amount(args):
        await reply(
            update,
            _(
                "The amount must be positive: give the µg of B12 from the label, e.g. "
                "<code>/ate {example}</code>, or the food and how much, e.g. "
                "<code>/ate 2 eggs</code>."
            ).format(example=typed_number(1.2)),
        )
        return
    number = _UG.match(args)
    if number:
        b12 = float(number.group(1).replace(",", "."))
        if b12 <= 0:
            await reply(
                update,
                _(
                    "The amount must be more than 0 µg: e.g. <code>/ate {example}</code> for "
                    "{amount} µg of B12 from a label."
                ).format(example=typed_number(1.2), amount=fmt_ug(1.2)),
            )
            return
        if b12 > MAX_EXTRA_UG:
            await reply(
                update,
                _(
                    "{typed} µg from one food is more than any food gives (I accept up to "
                    "{limit} µg). Was it a supplement? Log it with <code>/took {dose}</code>."
                ).format(typed=esc(args), limit=typed_number(MAX_EXTRA_UG), dose=typed_number(b12)),
            )
            return
        recipe_id, what = None, _("food with {amount} µg B12").format(amount=typed_number(b12))
    else:
        recipes = await user_recipes(ts, svc.recipes, user)  # with the user's labels
        try:
            food = parse_food_amount(args, recipes)
        except AmountInputError as exc:
            await reply(update, esc(str(exc)))
            return
        recipe = None if food is not None else confident_recipe(svc.recipes, args)
        if food is not None:
            if food.b12_ug > MAX_EXTRA_UG:
                await reply(
                    update,
                    _(
                        "{food} would be {amount} µg B12, more than I accept from one food "
                        "({limit} µg). Check the amount."
                    ).format(
                        food=esc(food.describe()),
                        amount=fmt_ug(food.b12_ug),
                        limit=typed_number(MAX_EXTRA_UG),
                    ),
                )
                return
            b12, recipe_id, what = food.b12_ug, None, food.describe()
        elif recipe is None:  # never a guess: ask, with today's meals as buttons
            unmeasured = food_without_amount(args, recipes)
            if unmeasured is not None:  # "/ate egg": B12 depends on how many
                await reply(update, render_ate_how_much(*unmeasured))
                return
            lang = current_language()
            near = [localized_name(r, lang) for r in search_recipes(svc.recipes, args, limit=3)]
            plan = await svc.plans.stored_plan(user, today)
            if plan is None or not plan.meals:
                await reply(update, render_ate_ask(args, has_choices=False, near=near))
                return
            markup = ate_choices_keyboard(plan, svc.recipes, args)
            await reply(update, render_ate_ask(args, has_choices=True, near=near), markup)
            return
        else:
            b12 = recipes.recipes[recipe.id].b12_ug
            recipe_id, what = recipe.id, localized_name(recipe, current_language())
    await ts.add_extra(user.user_id, today, recipe_id, b12, what, now_utc=svc.now())
    log.info("user %s logged an extra meal", user.user_id)
    day_tally = await today_tally(svc, user, today)
    dish = None if number else what  # "/ate 1.2": no name to repeat
    await reply(update, render_extra_logged(dish, b12, day_tally, user.target_ug, user))


# English and the bot's other languages: "Spritze", "inyección", "piqûre"
_INJECTION_WORDS = {
    "injection", "shot", "jab", "inj", "spritze", "injektion", "inyección", "inyeccion",
    "piqûre", "piqure",
}  # fmt: skip
_TABLET_WORDS = {"tablet", "oral", "tablette", "comprimido", "pastilla", "comprimé", "comprime"}


def typed_number(value: float) -> str:
    """A number as the user may type it back ("1.2"; "1,2" in German, Spanish and French):
    no thousands separator, so it reads back as the same number."""
    text = f"{value:g}"
    return text if current_language() == SOURCE_LANGUAGE else text.replace(".", ",")


def parse_took(text: str) -> tuple[float, str]:
    """`/took 1000`, `/took injection 1000`, `/took 1000 µg` -> (dose µg, kind)."""
    words = text.lower().split()
    kind = "injection" if any(w in _INJECTION_WORDS for w in words) else "oral"
    rest = [w for w in words if w not in _INJECTION_WORDS and w not in _TABLET_WORDS]
    joined = " ".join(rest)
    match = _UG.match(joined)
    if not match:
        raise ValueError(
            _(
                "I could not read a dose in “{text}”. Write it in µg as on your label or "
                "prescription: /took <µg on your label> or /took injection <µg>."
            ).format(text=quote(text))
        )
    dose = float(match.group(1).replace(",", "."))
    if not 0 < dose <= MAX_DOSE_UG:
        raise ValueError(
            _(
                "A dose of {dose} µg is not plausible (I accept more than 0 and up to {limit} "
                "µg). Check the number on your product."
            ).format(dose=match.group(1), limit=fmt_ug(MAX_DOSE_UG))
        )
    return dose, kind


async def took_command(update: Update, context: Context) -> None:
    """/took <µg> [injection]: a dose taken now."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    args = command_args(context)
    if not args:
        await reply(update, render_took_help())
        return
    try:
        dose, kind = parse_took(args)
    except ValueError as exc:
        await reply(update, esc(str(exc)))
        return
    today, now = svc.today(user), svc.now()
    recent = await recent_dose(tracking(context), user.user_id, today, now)
    if recent is not None:
        minutes = int((now - recent.taken_utc).total_seconds() // 60)
        await reply(
            update,
            render_dose_again(recent.dose_ug, minutes, dose, kind),
            dose_again_keyboard(dose, kind, now),
        )
        return
    await tracking(context).log_dose(user.user_id, today, dose, kind, taken_utc=now)
    log.info("user %s logged a dose", user.user_id)
    day_tally = await today_tally(svc, user, today)
    await reply(update, render_dose_logged(dose, kind, day_tally, user.target_ug, user))


_DOSE_CODE = re.compile(r"^[0-9]{1,5}(?:\.[0-9]{1,3})?$")


async def on_took_again(update: Update, context: Context) -> None:
    """Yes/No under "log again?": v1:took2:y:<µg>:<kind>:<asked unix s> or v1:took2:n. Every
    field is range-checked; a question older than the window is out of date."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    if parts[2:] == ["n"]:
        await query.answer(_("Not logged."))
        await edit(query, render_dose_not_logged(), None)
        return
    svc = services(context)
    now = svc.now()
    dose = float(parts[3]) if len(parts) == 6 and _DOSE_CODE.match(parts[3]) else 0.0
    asked = parse_count(parts[5], 10) if len(parts) == 6 else None
    fresh = asked is not None and 0 <= now.timestamp() - asked <= REPEAT_DOSE_WINDOW.total_seconds()
    if parts[2] != "y" or not 0 < dose <= MAX_DOSE_UG or parts[4] not in DOSE_KINDS or not fresh:
        await query.answer(_("This button is out of date. Send /took again."), show_alert=True)
        return
    today = svc.today(user)
    await tracking(context).log_dose(user.user_id, today, dose, parts[4], taken_utc=now)
    log.info("user %s logged a repeated dose", user.user_id)
    await query.answer(_("Logged."))
    day_tally = await today_tally(svc, user, today)
    await edit(query, render_dose_logged(dose, parts[4], day_tally, user.target_ug, user), None)


# --------------------------------------------------------------------------- progress


async def progress_command(update: Update, context: Context) -> None:
    """/progress: today, 7 and 30 days in text, then the 30-day chart as a PNG."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    ts = tracking(context)
    today = svc.today(user)
    recipes = await user_recipes(ts, svc.recipes, user)
    summary, tallies = await summary_for(ts, user, today, recipes)
    from bot.chat.render.tracking import render_progress

    if not any(t.intake_ug > 0 or t.injection_ug > 0 for t in tallies):
        # an empty chart says nothing: tell the user how to get one instead
        await reply(update, f"{render_progress(summary, user)}\n\n{render_progress_empty_hint()}")
        return
    await reply(update, render_progress(summary, user))
    png = await progress_png(tallies, user.target_ug, today)  # off the event loop
    caption = PROGRESS_CAPTION_LOG if clinician_manages(user) else PROGRESS_CAPTION
    await send_photo(update, png, _(caption))


async def send_photo(update: Update, png: bytes, caption: str) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(photo=png, caption=esc(caption), parse_mode=ParseMode.HTML)


# --------------------------------------------------------------------------- products

# "/myproducts clear" in the bot's languages ("löschen", "borrar", "effacer")
_CLEAR_WORDS = {
    "clear", "reset", "delete", "remove", "löschen", "loschen", "zurücksetzen", "borrar",
    "restablecer", "effacer", "réinitialiser", "reinitialiser",
}  # fmt: skip


async def myproducts_command(update: Update, context: Context) -> None:
    """/myproducts, /myproducts <product> <µg per 100 g/ml>, /myproducts clear [product]."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    ts = tracking(context)
    args = command_args(context)
    word, _space, rest = args.partition(" ")
    if not args:
        await reply(update, render_products(await ts.products(user.user_id), svc.recipes))
        return
    if word.lower() in _CLEAR_WORDS:
        try:
            ing_id = resolve_product(rest, svc.recipes) if rest.strip() else None
        except ProductInputError as exc:
            await reply(update, render_product_error(str(exc), exc.choices, svc.recipes))
            return
        removed = await ts.clear_products(user.user_id, ing_id)
        replanned = await replan_after_change(context, user)
        text = render_products(await ts.products(user.user_id), svc.recipes)
        text = f"{text}\n\n{replanned}" if replanned else text
        back = _("Back to typical values ({n} removed).").format(n=removed)
        await reply(update, f"🧹 {back}\n\n{text}")
        return
    try:
        ing_id, value = parse_product(args, svc.recipes)
    except ProductInputError as exc:
        await reply(update, render_product_error(str(exc), exc.choices, svc.recipes))
        return
    ing = svc.recipes.ingredients[ing_id]
    unit = unit_word(ing)
    await ts.set_product(
        user.user_id, ing_id, per_100g_from_label(ing, value), value, unit, now_utc=svc.now()
    )
    # today's and later plans keep their meals unless the new value makes one miss the target
    replanned = await replan_after_change(context, user)
    log.info("user %s set a product value", user.user_id)
    from bot.core.products import label_from_per_100g

    typical = label_from_per_100g(ing, ing.per_100g.b12_ug)
    text = render_product_set(localized_name(ing, current_language()), value, unit, typical)
    await reply(update, f"{text}\n\n{replanned}" if replanned else text)


# --------------------------------------------------------------------------- evening check

_HHMM = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
# on/off in the bot's languages ("an"/"aus", "sí"/"no", "oui"/"non")
_ON_WORDS = {"on", "yes", "an", "ein", "ja", "sí", "si", "activar", "oui", "activer"}
_OFF_WORDS = {"off", "no", "stop", "aus", "nein", "stopp", "desactivar", "non", "désactiver"}


async def evening_command(update: Update, context: Context) -> None:
    """/evening, /evening on|off, /evening 20:30."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    word = command_args(context).lower()
    if word in _ON_WORDS:
        user = await svc.users.update(user.user_id, evening_check=True)
    elif word in _OFF_WORDS:
        user = await svc.users.update(user.user_id, evening_check=False)
    elif word:
        match = _HHMM.match(word)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            await reply(
                update,
                _(
                    "“{word}” is not a time. Use 24-hour HH:MM, e.g. "
                    "<code>/evening 20:30</code>, or <code>/evening on</code> / "
                    "<code>/evening off</code>."
                ).format(word=esc(quote(word))),
            )
            return
        local = dt.time(int(match.group(1)), int(match.group(2)))
        user = await svc.users.update(user.user_id, evening_check=True, evening_time=local)
    await tracking(context).sync_evening(svc.now(), user.user_id)
    await reply(update, render_evening_status(user.evening_check, user.evening_time, user))


# --------------------------------------------------------------------------- faq, privacy


async def faq_command(update: Update, context: Context) -> None:
    """Answers without storing anything: reading the FAQ is no reason to keep a user row."""
    key = command_args(context)
    if not key:
        await reply(update, render_faq_index(), faq_keyboard())
        return
    answer = render_faq_answer(key)
    if answer is None:
        await reply(update, render_faq_unknown(key), faq_keyboard())
        return
    await reply(update, answer)


async def on_faq(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    answer = render_faq_answer(query.data.split(":", 2)[-1])
    if answer is None:
        await query.answer(_("That question is gone. Send /faq."), show_alert=True)
        return
    await query.answer()
    await reply(update, answer)


PRIVATE_COMMANDS = {
    "log": log_command,
    "ate": ate_command,
    "took": took_command,
    "progress": progress_command,
    "myproducts": myproducts_command,
    "evening": evening_command,
}


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    for name, callback in PRIVATE_COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(CommandHandler(list(PRIVATE_COMMANDS), private_only, filters=~private))
    application.add_handler(CommandHandler("faq", faq_command))
    application.add_handler(CallbackQueryHandler(on_checkoff, pattern=r"^v1:(ml|mlog):"))
    application.add_handler(CallbackQueryHandler(on_ate_none, pattern=r"^v1:atenone$"))
    application.add_handler(CallbackQueryHandler(on_took_again, pattern=r"^v1:took2:"))
    application.add_handler(CallbackQueryHandler(on_faq, pattern=r"^v1:faq:"))
