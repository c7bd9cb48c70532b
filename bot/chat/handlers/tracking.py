"""Keeping track in Telegram: meal check-offs, /progress with a chart, /levels, /remind, /took,
/myproducts, /evening, /faq, /privacy and /export.

Handlers write no SQL (bot.storage.tracking does) and compute nothing themselves (bot.core.tally,
bot.core.labs, bot.core.reminders, bot.core.products do). Charts are drawn in a worker process
(bot.chat.render.chart_pool) so a slow figure never blocks other users. Log lines name users
and actions, never health values.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.chat.handlers.base import (
    Context,
    command_args,
    edit,
    onboarded_button,
    onboarded_user,
    reply,
    services,
)
from bot.chat.render.chart_pool import levels_png, progress_png
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
    CLINICIAN_DOSES,
    PROGRESS_CAPTION,
    checkoff_toast,
    faq_keyboard,
    levels_caption,
    local_text,
    render_ate_help,
    render_ate_unknown,
    render_dose_logged,
    render_evening_status,
    render_export_caption,
    render_extra_logged,
    render_faq_answer,
    render_faq_index,
    render_faq_unknown,
    render_lab_added,
    render_lab_removed,
    render_levels,
    render_levels_help,
    render_log,
    render_other_hint,
    render_privacy,
    render_product_error,
    render_product_set,
    render_products,
    render_progress_empty_hint,
    render_reminder_added,
    render_reminders,
    render_retest_status,
    render_took_help,
)
from bot.core.clock import local_date_at
from bot.core.food_amount import AmountInputError, is_negative_amount, parse_food_amount
from bot.core.labs import LabInputError, next_retest, parse_levels_add, parse_months
from bot.core.models import UserSettings
from bot.core.products import (
    ProductInputError,
    parse_product,
    per_100g_from_label,
    resolve_product,
    unit_word,
)
from bot.core.recipe_search import find_recipe, quote
from bot.core.reminders import (
    MAX_DOSE_UG,
    ReminderInputError,
    next_fire_utc,
    parse_remind,
    snooze,
)
from bot.core.tally import DayTally, fmt_ug
from bot.services.container import Services
from bot.services.tracking import (
    day_tallies,
    planned_meal_b12,
    planned_slot_b12,
    slot_of,
    summary_for,
    tracking_store,
    user_recipes,
)
from bot.storage.tracking import StoredLab, TrackingStore, retest_fire_utc

log = logging.getLogger(__name__)

MAX_EXTRA_UG = 100.0  # more than this from one food is a typo or a supplement (/took)
LATE_LOG_DAYS = 1  # yesterday's meals can still be ticked off
EXPORT_FILENAME = "b12-bot-export.json"


def tracking(context: Context) -> TrackingStore:
    return tracking_store(services(context).store)


async def _today_tally(svc: Services, user: UserSettings, day: dt.date) -> DayTally | None:
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
    day_tally = await _today_tally(svc, user, day)
    title = f"Meals · {fmt_day(day)}"
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
        await query.answer("This button is out of date. Send /log.", show_alert=True)
        return
    _, _, action, code, slot_name, fingerprint = parts
    today = svc.today(user)
    day = parse_day_code(code, today)
    if day is None:
        await query.answer("This button is out of date. Send /log.", show_alert=True)
        return
    if day < today - dt.timedelta(days=LATE_LOG_DAYS):
        await query.answer(
            "This plan is too old to tick off. Send /log for today's meals.", show_alert=True
        )
        return
    if day > today:
        await query.answer(f"You can tick this meal off on {fmt_day(day)}.", show_alert=True)
        return
    plan = await svc.plans.stored_plan(user, day)
    if plan is None or plan_fingerprint(plan) != fingerprint:
        await query.answer(
            "Your plan changed since this message. Send /log to tick off the current meals.",
            show_alert=True,
        )
        return
    slot = slot_of(slot_name)
    meal = plan.meal(slot) if slot is not None else None
    if slot is None or meal is None:
        await query.answer("That meal is no longer in your plan. Send /log.", show_alert=True)
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
    day_tally = await _today_tally(svc, user, day)
    await query.answer(checkoff_toast(slot_name, status, b12, day_tally, user.target_ug, user))
    if parts[1] == CHECKOFF_ON_LOG:
        text, markup = await _log_view(svc, user, day)
        await edit(query, text, markup)
    if status == "other":
        await reply(update, render_other_hint())


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
            f"That is too long for one food ({len(args):,} characters; I read up to "
            f"{MAX_ATE_CHARS}). Nothing was logged. Name one dish or food, e.g. "
            "<code>/ate omelette</code> or <code>/ate 2 eggs</code>.",
        )
        return
    ts = tracking(context)
    today = svc.today(user)
    if is_negative_amount(args):
        await reply(
            update,
            "The amount must be positive: give the µg of B12 from the label, e.g. "
            "<code>/ate 1.2</code>, or the food and how much, e.g. <code>/ate 2 eggs</code>.",
        )
        return
    number = _UG.match(args)
    if number:
        b12 = float(number.group(1).replace(",", "."))
        if b12 <= 0:
            await reply(
                update,
                "The amount must be more than 0 µg: e.g. <code>/ate 1.2</code> for 1.2 µg of "
                "B12 from a label.",
            )
            return
        if b12 > MAX_EXTRA_UG:
            await reply(
                update,
                f"{esc(args)} µg from one food is more than any food gives (I accept up to "
                f"{MAX_EXTRA_UG:g} µg). Was it a supplement? Log it with "
                "<code>/took 1000</code>.",
            )
            return
        recipe_id, what = None, f"food with {b12:g} µg B12"
    else:
        recipes = await user_recipes(ts, svc.recipes, user)  # with the user's labels
        try:
            food = parse_food_amount(args, recipes)
        except AmountInputError as exc:
            await reply(update, esc(str(exc)))
            return
        recipe = None if food is not None else find_recipe(svc.recipes, args)
        if food is not None:
            if food.b12_ug > MAX_EXTRA_UG:
                await reply(
                    update,
                    f"{esc(food.describe())} would be {fmt_ug(food.b12_ug)} µg B12, more than I "
                    f"accept from one food ({MAX_EXTRA_UG:g} µg). Check the amount.",
                )
                return
            b12, recipe_id, what = food.b12_ug, None, food.describe()
        elif recipe is None:
            await reply(update, render_ate_unknown(args))
            return
        else:
            b12 = recipes.recipes[recipe.id].b12_ug
            recipe_id, what = recipe.id, recipe.name
    await ts.add_extra(user.user_id, today, recipe_id, b12, what, now_utc=svc.now())
    log.info("user %s logged an extra meal", user.user_id)
    day_tally = await _today_tally(svc, user, today)
    dish = None if number else what  # "/ate 1.2": no name to repeat
    await reply(update, render_extra_logged(dish, b12, day_tally, user.target_ug, user))


_INJECTION_WORDS = {"injection", "shot", "jab", "inj"}


def parse_took(text: str) -> tuple[float, str]:
    """`/took 1000`, `/took injection 1000`, `/took 1000 µg` -> (dose µg, kind)."""
    words = text.lower().split()
    kind = "injection" if any(w in _INJECTION_WORDS for w in words) else "oral"
    rest = [w for w in words if w not in _INJECTION_WORDS and w not in ("tablet", "oral")]
    joined = " ".join(rest)
    match = _UG.match(joined)
    if not match:
        raise ValueError(
            f"I could not read a dose in “{quote(text)}”. Write it in µg, e.g. /took 1000 or "
            "/took injection 1000."
        )
    dose = float(match.group(1).replace(",", "."))
    if not 0 < dose <= MAX_DOSE_UG:
        raise ValueError(
            f"A dose of {match.group(1)} µg is not plausible (I accept more than 0 and up to "
            f"{MAX_DOSE_UG:,.0f} µg). Check the number on your product."
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
    today = svc.today(user)
    await tracking(context).log_dose(user.user_id, today, dose, kind, taken_utc=svc.now())
    log.info("user %s logged a dose", user.user_id)
    day_tally = await _today_tally(svc, user, today)
    await reply(update, render_dose_logged(dose, kind, day_tally, user.target_ug, user))


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
    await _send_photo(update, png, PROGRESS_CAPTION)


async def _send_photo(update: Update, png: bytes, caption: str) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(photo=png, caption=esc(caption), parse_mode=ParseMode.HTML)


# --------------------------------------------------------------------------- lab results


async def levels_command(update: Update, context: Context) -> None:
    """/levels, /levels add …, /levels retest N|off, /levels delete N, /levels help."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    args = command_args(context)
    word, _, rest = args.partition(" ")
    word = word.lower()
    if word == "add":
        await _levels_add(update, context, user, rest)
    elif word == "retest":
        await _levels_retest(update, context, user, rest)
    elif word in ("delete", "remove", "del"):
        await _levels_delete(update, context, user, rest)
    elif word in ("help", "?"):
        await reply(update, render_levels_help())
    elif word:
        await reply(
            update,
            f"I don't know “/levels {esc(quote(word))}”.\n{render_levels_help()}",
        )
    else:
        await _levels_list(update, context, user)


async def _levels_list(update: Update, context: Context, user: UserSettings) -> None:
    ts = tracking(context)
    labs = await ts.labs(user.user_id)
    pregnant = user.life_stage == "pregnant"
    await reply(update, render_levels(labs, await ts.get_retest(user.user_id), pregnant=pregnant))
    today = services(context).today(user)
    markers = list(dict.fromkeys(lab.result.marker for lab in labs))  # only those with results
    results = [lab.result for lab in labs]
    charts = [
        (await levels_png(results, marker, today), levels_caption(marker)) for marker in markers
    ]
    await _send_charts(update, user, charts)


async def _send_charts(update: Update, user: UserSettings, charts: list[tuple[bytes, str]]) -> None:
    """Several charts go as one album, not a burst of photos; when Telegram refuses the album
    the charts still arrive, one photo each. A blocked chat (Forbidden) is not retried."""
    chat = update.effective_chat
    if len(charts) == 1:
        await _send_photo(update, *charts[0])
        return
    if not charts or chat is None:
        return
    try:
        await chat.send_media_group(
            [
                InputMediaPhoto(png, caption=esc(caption), parse_mode=ParseMode.HTML)
                for png, caption in charts
            ]
        )
    except Forbidden:
        raise
    except TelegramError as exc:
        # the error text can quote the request; log its kind only, never health values
        log.warning(
            "user %s: album of %d charts refused (%s); sending one photo each",
            user.user_id,
            len(charts),
            type(exc).__name__,
        )
        for png, caption in charts:
            await _send_photo(update, png, caption)


async def _levels_add(update: Update, context: Context, user: UserSettings, text: str) -> None:
    svc = services(context)
    ts = tracking(context)
    try:
        result = parse_levels_add(text, svc.today(user))
    except LabInputError as exc:
        await reply(update, esc(str(exc)))
        return
    lab_id = await ts.add_lab(user.user_id, result, now_utc=svc.now())
    log.info("user %s added a lab result", user.user_id)
    labs = await ts.labs(user.user_id)
    added = next(lab for lab in labs if lab.id == lab_id)
    text_out = render_lab_added(added, pregnant=user.life_stage == "pregnant")
    retest = await ts.get_retest(user.user_id)
    if retest is not None:
        await _schedule_retest(svc, ts, user, retest.months, labs)
        text_out += "\n" + render_retest_status(await ts.get_retest(user.user_id))
    await reply(update, text_out)


async def _schedule_retest(
    svc: Services, ts: TrackingStore, user: UserSettings, months: int, labs: list[StoredLab]
) -> None:
    """Retest due `months` after the latest result; the reminder comes at the user's plan
    time on that day (or at the next plan time, when that day has passed)."""
    now = svc.now()
    if not labs:
        await ts.set_retest(user.user_id, months, None, None, now_utc=now)
        return
    latest = max(lab.result.taken_on for lab in labs)
    due = next_retest(latest, months)
    fire = retest_fire_utc(due, user.push_time, user.timezone, now)
    await ts.set_retest(user.user_id, months, due, fire, now_utc=now)


async def _levels_retest(update: Update, context: Context, user: UserSettings, text: str) -> None:
    svc = services(context)
    ts = tracking(context)
    if text.strip().lower() in ("off", "stop", "no", "0"):
        await ts.clear_retest(user.user_id)
        await reply(update, render_retest_status(None))
        return
    try:
        months = parse_months(text)
    except LabInputError as exc:
        await reply(update, esc(str(exc)))
        return
    await _schedule_retest(svc, ts, user, months, await ts.labs(user.user_id))
    await reply(update, render_retest_status(await ts.get_retest(user.user_id)))


async def _levels_delete(update: Update, context: Context, user: UserSettings, text: str) -> None:
    """Delete by the stable number /levels and the "Saved result #N" reply showed."""
    ts = tracking(context)
    labs = await ts.labs(user.user_id)
    if not labs:
        await reply(update, "You have no lab results to remove.")
        return
    word = text.strip().lstrip("#")
    by_number = {lab.number: lab for lab in labs}
    number = parse_count(word, 6)
    chosen = by_number.get(number) if number is not None else None
    if chosen is None:
        numbers = ", ".join(f"#{lab.number}" for lab in sorted(labs, key=lambda lab: lab.number))
        await reply(
            update,
            f"Tell me which result to remove by its number in /levels ({numbers}), "
            f"e.g. <code>/levels delete {labs[-1].number}</code>.",
        )
        return
    await ts.delete_lab(user.user_id, chosen.id)
    await reply(update, render_lab_removed(chosen))


# --------------------------------------------------------------------------- reminders


async def remind_command(update: Update, context: Context) -> None:
    """/remind (list), /remind daily 1000 08:00 …, /remind delete N."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    ts = tracking(context)
    args = command_args(context)
    word, _, rest = args.partition(" ")
    if not args or word.lower() in ("list", "show"):
        text, markup = render_reminders(await ts.reminders(user.user_id), user.timezone)
        await reply(update, text, markup)
        return
    if word.lower() in ("delete", "remove", "off", "del"):
        stored = await ts.reminders(user.user_id)
        if not rest.strip().isdigit() or not 1 <= int(rest) <= len(stored):
            await reply(
                update,
                "Tell me which reminder to delete by its number in /remind, e.g. "
                "<code>/remind delete 1</code>.",
            )
            return
        await ts.delete_reminder(user.user_id, stored[int(rest) - 1].id)
        text, markup = render_reminders(await ts.reminders(user.user_id), user.timezone)
        await reply(update, f"🗑 Reminder {esc(rest.strip())} deleted.\n\n{text}", markup)
        return
    try:
        reminder = parse_remind(args, user.timezone, svc.today(user))
    except ReminderInputError as exc:
        await reply(update, esc(str(exc)))
        return
    existing = await ts.reminders(user.user_id)
    same = next(
        (n for n, s in enumerate(existing, start=1) if s.reminder.same_schedule(reminder)), None
    )
    if same is not None:
        await reply(
            update,
            f"⏰ You already have this reminder: {esc(reminder.describe())} (number {same} "
            "in /remind). I did not add it again.",
        )
        return
    now = svc.now()
    stored = await ts.add_reminder(
        user.user_id, reminder, next_fire_utc(reminder, now), now_utc=now
    )
    log.info("user %s added reminder %s", user.user_id, stored.id)
    await reply(update, render_reminder_added(stored, user.timezone))


REMINDER_TAP_DAYS = 14  # a reminder message can still be answered this long after it fired


def reminder_occurrence(stamp: str, now: dt.datetime) -> dt.datetime | None:
    """The reminder occurrence a button names (Unix seconds), or None when it is not a time
    a reminder could have fired: in the future or more than REMINDER_TAP_DAYS ago."""
    seconds = parse_count(stamp)
    if seconds is None:
        return None
    latest = now.timestamp() + 3600  # an hour of clock skew
    if not latest - (REMINDER_TAP_DAYS * 86400 + 3600) <= seconds <= latest:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


async def on_reminder(update: Update, context: Context) -> None:
    """Taken / Snooze 1 h / Skip on a reminder message."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    svc = services(context)
    ts = tracking(context)
    rid = parse_count(parts[3]) if len(parts) == 5 else None
    occurrence = reminder_occurrence(parts[4], svc.now()) if len(parts) == 5 else None
    if rid is None or occurrence is None:
        await query.answer("This button is out of date. Send /remind.", show_alert=True)
        return
    action = parts[2]
    stored = await ts.get_reminder(rid)
    if stored is None or stored.user_id != user.user_id:
        await query.answer("This reminder was deleted. /remind lists yours.", show_alert=True)
        await edit(query, "⏰ This reminder was deleted.", None)
        return
    now = svc.now()
    reminder = stored.reminder
    head = f"⏰ {esc(reminder.describe())}"
    if action == "t":
        kind = "injection" if reminder.is_injection else "oral"
        today = local_date_at(now, user.timezone)
        new = await ts.log_dose(
            user.user_id,
            today,
            reminder.dose_ug,
            kind,
            taken_utc=now,
            reminder_id=rid,
            occurrence_utc=occurrence,
        )
        log.info("user %s answered reminder %s: taken", user.user_id, rid)
        if not new:
            await query.answer("Already logged as taken.")
        day_tally = await _today_tally(svc, user, today)
        body = render_dose_logged(reminder.dose_ug, kind, day_tally, user.target_ug, user)
        if new:
            await query.answer("Logged as taken ✅")
        await edit(
            query, f"{head}\n✅ Taken at {local_text(now, user.timezone)[-5:]}.\n{body}", None
        )
    elif action == "z":
        if await ts.dose_logged(rid, occurrence):
            await query.answer("Already logged as taken.")
            return
        again = snooze(now, 1.0)
        await ts.snooze_reminder(rid, occurrence, again, now_utc=now)
        log.info("user %s answered reminder %s: snoozed", user.user_id, rid)
        await query.answer("Snoozed for 1 hour")
        await edit(
            query,
            f"{head}\n⏰ Snoozed: I'll remind you again at "
            f"{esc(local_text(again, user.timezone)[-5:])}.",
            None,
        )
    elif action == "k":
        if await ts.dose_logged(rid, occurrence):
            await query.answer("Already logged as taken.")
            return
        await ts.answer_reminder(rid, "skipped", now_utc=now)
        log.info("user %s answered reminder %s: skipped", user.user_id, rid)
        await query.answer("Skipped")
        await edit(query, f"{head}\n⏭ Skipped this time.\n<i>{esc(CLINICIAN_DOSES)}</i>", None)
    else:
        await query.answer("This button is out of date. Send /remind.", show_alert=True)


async def on_reminder_delete(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await onboarded_user(update, context)
    if user is None:
        return
    ts = tracking(context)
    part = query.data.split(":")[-1]
    rid = parse_count(part)
    deleted = rid is not None and await ts.delete_reminder(user.user_id, rid)
    await query.answer("Reminder deleted" if deleted else "That reminder was already deleted.")
    text, markup = render_reminders(await ts.reminders(user.user_id), user.timezone)
    await edit(query, text, markup)


# --------------------------------------------------------------------------- products


async def myproducts_command(update: Update, context: Context) -> None:
    """/myproducts, /myproducts <product> <µg per 100 g/ml>, /myproducts clear [product]."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    ts = tracking(context)
    args = command_args(context)
    word, _, rest = args.partition(" ")
    if not args:
        await reply(update, render_products(await ts.products(user.user_id), svc.recipes))
        return
    if word.lower() in ("clear", "reset", "delete", "remove"):
        try:
            ing_id = resolve_product(rest, svc.recipes) if rest.strip() else None
        except ProductInputError as exc:
            await reply(update, render_product_error(str(exc), exc.choices, svc.recipes))
            return
        removed = await ts.clear_products(user.user_id, ing_id)
        await svc.plans.settings_changed(user)
        text = render_products(await ts.products(user.user_id), svc.recipes)
        await reply(update, f"🧹 Back to typical values ({removed} removed).\n\n{text}")
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
    await svc.plans.settings_changed(user)  # today's and later plans are redone with the new value
    log.info("user %s set a product value", user.user_id)
    from bot.core.products import label_from_per_100g

    typical = label_from_per_100g(ing, ing.per_100g.b12_ug)
    await reply(update, render_product_set(ing.name, value, unit, typical))


# --------------------------------------------------------------------------- evening check

_HHMM = re.compile(r"^(\d{1,2})[:.h](\d{2})$")


async def evening_command(update: Update, context: Context) -> None:
    """/evening, /evening on|off, /evening 20:30."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    word = command_args(context).lower()
    if word in ("on", "yes"):
        user = await svc.users.update(user.user_id, evening_check=True)
    elif word in ("off", "no", "stop"):
        user = await svc.users.update(user.user_id, evening_check=False)
    elif word:
        match = _HHMM.match(word)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            await reply(
                update,
                f"“{esc(quote(word))}” is not a time. Use 24-hour HH:MM, e.g. "
                "<code>/evening 20:30</code>, or <code>/evening on</code> / "
                "<code>/evening off</code>.",
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
        await query.answer("That question is gone. Send /faq.", show_alert=True)
        return
    await query.answer()
    await reply(update, answer)


async def privacy_command(update: Update, context: Context) -> None:
    await reply(update, render_privacy())


async def export_command(update: Update, context: Context) -> None:
    """/export: everything stored about the user, as a JSON document."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    data = await tracking(context).export_user(user.user_id)
    payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    log.info("user %s exported their data", user.user_id)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            document=payload, filename=EXPORT_FILENAME, caption=render_export_caption()
        )


async def private_only(update: Update, context: Context) -> None:
    """Health data stays out of groups: these commands answer only in a private chat."""
    message = update.effective_message
    command = (message.text or "/").split()[0].split("@")[0] if message else "/"
    await reply(
        update,
        f"For your privacy, {esc(command)} works only in a private chat with me.",
    )


PRIVATE_COMMANDS = {
    "log": log_command,
    "ate": ate_command,
    "took": took_command,
    "progress": progress_command,
    "levels": levels_command,
    "remind": remind_command,
    "myproducts": myproducts_command,
    "evening": evening_command,
    "export": export_command,
}


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    for name, callback in PRIVATE_COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(CommandHandler(list(PRIVATE_COMMANDS), private_only, filters=~private))
    application.add_handler(CommandHandler("faq", faq_command))
    application.add_handler(CommandHandler("privacy", privacy_command))
    application.add_handler(CallbackQueryHandler(on_checkoff, pattern=r"^v1:(ml|mlog):"))
    application.add_handler(CallbackQueryHandler(on_reminder, pattern=r"^v1:rm:"))
    application.add_handler(CallbackQueryHandler(on_reminder_delete, pattern=r"^v1:rmdel:"))
    application.add_handler(CallbackQueryHandler(on_faq, pattern=r"^v1:faq:"))
