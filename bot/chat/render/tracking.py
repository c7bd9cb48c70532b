"""Texts and inline keyboards for tracking: meal check-offs, /log, /ate and /took, progress,
lab results, reminders, fortified products, the evening check, the FAQ and privacy; no
handlers, no I/O.

HTML parse mode: everything from data or users goes through `esc()`. Callback data is
versioned by bot.chat.render.format's `callback` ("v1:ml:…", "v1:rm:…", "v1:faq:…") and stays
under 64 bytes. Lab output always carries "information, not a diagnosis"; doses and
injections always point to the clinician.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import (
    SLOT_ICON,
    callback,
    day_code,
    esc,
    fmt_day,
    plan_fingerprint,
    recipe_name,
)
from bot.core import faq
from bot.core.clock import zone
from bot.core.labs import (
    ADD_EXAMPLES,
    DISCLAIMER,
    GP_SOON,
    MARKERS,
    PREGNANCY_TEST,
    SUPPLEMENTS_CHANGE_RESULTS,
    Marker,
    classify,
    format_result,
)
from bot.core.models import DayPlan, RecipeSet, UserSettings
from bot.core.plan_rules import CLINICIAN_LINE, EPS, clinician_manages, no_daily_nags
from bot.core.products import (
    PRODUCT_EXAMPLES,
    label_from_per_100g,
    product_ingredients,
    unit_word,
)
from bot.core.recipe_search import quote
from bot.core.reminders import REMIND_EXAMPLES, Reminder
from bot.core.tally import DayTally, Summary, fmt_ug, format_summary
from bot.storage.tracking import MealLog, Product, Retest, StoredLab, StoredReminder

CLINICIAN_DOSES = "Talk to your clinician about supplement doses and injections."
LAB_DISCLAIMER = DISCLAIMER  # "This is information, not a diagnosis — discuss … clinician."

STATUS_MARK = {"eaten": "✅", "skipped": "⏭", "other": "🍽"}
STATUS_WORD = {"eaten": "eaten", "skipped": "skipped", "other": "something else"}
ACTION_STATUS = {"e": "eaten", "s": "skipped", "o": "other"}


# --------------------------------------------------------------------------- check-offs


CHECKOFF_ON_PLAN = "ml"  # button on a plan message: answer with a toast, leave the plan
CHECKOFF_ON_LOG = "mlog"  # button on a /log message: refresh that message in place


def checkoff_callback(
    action: str, day: dt.date, slot: str, plan: DayPlan, tag: str = CHECKOFF_ON_PLAN
) -> str:
    """Data of an Eaten/Skipped/Other button: action, date, slot and the plan's fingerprint."""
    return callback(tag, action, day_code(day), slot, plan_fingerprint(plan))


def checkoff_rows(plan: DayPlan, tag: str = CHECKOFF_ON_PLAN) -> list[list[InlineKeyboardButton]]:
    """One row per meal: ✅ Eaten · ⏭ Skipped · 🍽 Other."""
    rows = []
    for meal in plan.meals:
        label = meal.slot.value.capitalize()
        rows.append(
            [
                InlineKeyboardButton(
                    f"✅ {label} eaten",
                    callback_data=checkoff_callback("e", plan.date, meal.slot, plan, tag),
                ),
                InlineKeyboardButton(
                    "⏭ Skipped",
                    callback_data=checkoff_callback("s", plan.date, meal.slot, plan, tag),
                ),
                InlineKeyboardButton(
                    "🍽 Ate other",
                    callback_data=checkoff_callback("o", plan.date, meal.slot, plan, tag),
                ),
            ]
        )
    return rows


def render_log(
    plan: DayPlan,
    recipes: RecipeSet,
    logs: Sequence[MealLog],
    day_tally: DayTally | None,
    target_ug: float,
    *,
    title: str,
    user: UserSettings | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """/log: the day's meals with what was ticked so far, the tally, and check-off buttons."""
    by_slot = {m.slot: m for m in logs if m.slot != "extra"}
    extras = [m for m in logs if m.slot == "extra"]
    lines = [f"<b>{esc(title)}</b>", "Tick what you ate:", ""]
    for meal in plan.meals:
        logged = by_slot.get(meal.slot.value)
        mark = STATUS_MARK[logged.status] if logged else "▫️"
        icon = SLOT_ICON.get(meal.slot, "•")
        name = recipe_name(recipes, meal.recipe_id)
        state = f" — {STATUS_WORD[logged.status]}" if logged else ""
        lines.append(f"{mark} {icon} {esc(meal.slot.value.capitalize())}: {esc(name)}{state}")
    for extra in extras:
        what = recipe_name(recipes, extra.recipe_id) if extra.recipe_id else extra.note or "extra"
        lines.append(f"➕ {esc(what)} ({fmt_ug(extra.b12_ug)} µg B12)")
    lines += ["", tally_line(day_tally, target_ug, user)]
    lines.append(
        "Ate something not in the plan? <code>/ate omelette</code> or <code>/ate 1.5</code> (µg)."
    )
    markup = InlineKeyboardMarkup(checkoff_rows(plan, CHECKOFF_ON_LOG))
    return "\n".join(lines), markup


def tally_misses(day_tally: DayTally, target_ug: float) -> list[str]:
    """The rules today's log still misses: the intake ("0.5 µg to go"), then the absorbed
    estimate (uptake saturates per meal or dose, so one big dose of food can reach the
    total yet leave absorption under half the target). Empty: every rule holds, or a weekly
    dose covers the day (its absorption counts on the day it was taken)."""
    if day_tally.covered:
        return []
    short = day_tally.short_of(target_ug)
    if short > 0:
        return [f"{fmt_ug(short)} µg to go"]
    if day_tally.absorbed_ug < target_ug / 2 - EPS:
        return [
            f"absorbed about {fmt_ug(day_tally.absorbed_ug)} µg, under half the target "
            f"({fmt_ug(target_ug / 2)} µg): B12 spread over meals counts for more"
        ]
    return []


def tally_line(
    day_tally: DayTally | None, target_ug: float, user: UserSettings | None = None
) -> str:
    """'📊 Tue 24 Nov: 1.9 of 2.4 µg B12 (food 1.9 µg) · 0.5 µg to go'. "target reached ✅"
    only when every rule the log can show holds (total and absorbed). When the clinician
    manages the user's B12 (impaired absorption, injections), no target is claimed and
    nothing is "to go": the food and doses are listed for information."""
    managed = user is not None and clinician_manages(user)
    if day_tally is None:
        if managed:
            return "📊 Nothing logged yet today."
        return f"📊 Nothing logged yet today (target {fmt_ug(target_ug)} µg B12)."
    parts = [f"food {fmt_ug(day_tally.eaten_ug)} µg"]
    if day_tally.supplement_ug:
        parts.append(f"supplement {fmt_ug(day_tally.supplement_ug)} µg")
    if managed:
        return (
            f"📊 {esc(fmt_day(day_tally.date))}: {fmt_ug(day_tally.intake_ug)} µg B12 logged "
            f"({', '.join(parts)}) · {esc(CLINICIAN_LINE)}"
        )
    misses = tally_misses(day_tally, target_ug)
    if misses:
        end = esc("; ".join(misses))
    elif day_tally.covered and day_tally.intake_ug < target_ug:
        end = f"covered by your weekly {fmt_ug(day_tally.weekly_cover_ug)} µg dose ✅"
    else:
        end = "target reached ✅"
    return (
        f"📊 {esc(fmt_day(day_tally.date))}: {fmt_ug(day_tally.intake_ug)} of "
        f"{fmt_ug(target_ug)} µg B12 ({', '.join(parts)}) · {end}"
    )


def checkoff_toast(
    slot: str,
    status: str,
    b12_ug: float,
    day_tally: DayTally | None,
    target: float,
    user: UserSettings | None = None,
) -> str:
    """The short answer to a check-off tap (at most 200 characters); no target is set
    against the food of someone whose clinician manages their B12."""
    head = f"{slot.capitalize()}: {STATUS_WORD[status]}"
    if status == "eaten":
        head += f" (+{fmt_ug(b12_ug)} µg B12)"
    if day_tally is not None:
        if user is not None and clinician_manages(user):
            head += f". Today {fmt_ug(day_tally.intake_ug)} µg logged"
        else:
            head += f". Today {fmt_ug(day_tally.intake_ug)} of {fmt_ug(target)} µg"
    return head[:200]


def render_other_hint() -> str:
    return (
        "🍽 Noted: you ate something else. If it had B12, tell me what it was so it counts: "
        "<code>/ate omelette</code> (a dish from my recipes) or <code>/ate 1.2</code> "
        "(µg B12 from a label)."
    )


def render_extra_logged(
    dish: str | None,
    b12_ug: float,
    day_tally: DayTally | None,
    target: float,
    user: UserSettings | None = None,
) -> str:
    """`dish` is the recipe's name, or None for "/ate 1.2" (then the amount is all there is)."""
    if dish is None:
        head = f"➕ Logged {fmt_ug(b12_ug)} µg B12 from food."
    else:
        head = f"➕ Logged {esc(dish)}: {fmt_ug(b12_ug)} µg B12."
    return f"{head}\n{tally_line(day_tally, target, user)}"


def render_ate_help() -> str:
    return (
        "Tell me what you ate besides the plan: <code>/ate omelette</code> (a dish from my "
        "recipes), <code>/ate 2 eggs</code> or <code>/ate 100 g salmon</code> (one food and "
        "how much) or <code>/ate 1.2</code> (µg of B12, e.g. from a label). /log ticks off "
        "today's planned meals."
    )


def render_ate_unknown(words: str) -> str:
    """/ate with words that are neither a dish nor a food with an amount: how to log it."""
    return (
        f"I don't know the dish “{esc(quote(words))}”. Try another name; for a single food give "
        "how much, e.g. <code>/ate 2 eggs</code> or <code>/ate 100 g salmon</code>; or give "
        "the µg of B12 from its label: <code>/ate 1.2</code>."
    )


def render_dose_logged(
    dose_ug: float,
    kind: str,
    day_tally: DayTally | None,
    target: float,
    user: UserSettings | None = None,
) -> str:
    if kind == "injection":
        head = (
            f"💉 Logged an injection of {fmt_ug(dose_ug)} µg. Injections bypass the gut, so "
            "they are recorded apart from your daily food target."
        )
    else:
        head = f"💊 Logged a supplement of {fmt_ug(dose_ug)} µg."
    return f"{head}\n{tally_line(day_tally, target, user)}\n<i>{esc(CLINICIAN_DOSES)}</i>"


def render_took_help() -> str:
    return (
        "Log a dose you took: <code>/took 1000</code> (a 1,000 µg tablet) or "
        "<code>/took injection 1000</code>. For reminders use /remind.\n"
        f"<i>{esc(CLINICIAN_DOSES)}</i>"
    )


# --------------------------------------------------------------------------- progress


def render_progress(summary: Summary, user: UserSettings | None = None) -> str:
    """/progress: today, last 7 and last 30 days against the target (with the clinician line
    first when the clinician manages the user's B12: the figures are then information)."""
    lines = ["<b>📊 Your B12 progress</b>"]
    if user is not None and clinician_manages(user):
        lines.append(f"🩺 {esc(CLINICIAN_LINE)}")
    lines.append(esc(format_summary(summary)))
    lines.append(
        "<i>Absorbed µg are an estimate: uptake saturates per meal or dose. "
        f"{esc(CLINICIAN_DOSES)}</i>"
    )
    return "\n".join(lines)


def render_progress_empty_hint() -> str:
    """/progress before anything was logged: how to fill the chart (instead of an empty one)."""
    return (
        "Nothing logged in the last 30 days yet, so there is no chart. Tick off meals with "
        "✅ on your plan (or /log), or log a supplement with <code>/took 10</code>."
    )


PROGRESS_CAPTION = "Daily B12, last 30 days: food eaten and supplements against your target."


# --------------------------------------------------------------------------- lab results


def render_levels(
    labs: Sequence[StoredLab], retest: Retest | None, *, pregnant: bool = False
) -> str:
    """/levels: numbered results (oldest first), where the latest of each marker falls, and
    once for the whole list: the GP/MS-team line when a latest result calls for it, that
    supplements change results, and (pregnant) that active B12 is the preferred test."""
    if not labs:
        lines = [
            "<b>🧪 Your B12 lab results</b>",
            "No results yet. Add one from your lab report:",
            esc(ADD_EXAMPLES),
        ]
    else:
        lines = ["<b>🧪 Your B12 lab results</b>"]
        for lab in labs:
            lines.append(f"#{lab.number}. {esc(format_result(lab.result))}")
        lines.append("")
        latest: dict[Marker, StoredLab] = {}
        for lab in labs:
            latest[lab.result.marker] = lab
        bands = {marker: classify(lab.result) for marker, lab in latest.items()}
        for marker, band in bands.items():
            lines.append(f"<b>Latest {esc(MARKERS[marker].name)}</b>: {esc(band.summary)}")
        if any(band.urgent for band in bands.values()):
            lines.append(f"⚠️ <b>{esc(GP_SOON)}</b>")
        lines.append(esc(SUPPLEMENTS_CHANGE_RESULTS))
        if pregnant and Marker.SERUM in bands:
            lines.append(esc(PREGNANCY_TEST))
        lines.append("")
        lines.append(
            "Add: <code>/levels add serum 320 pg/mL 2026-10-02</code> · remove result #"
            f"{labs[-1].number}: <code>/levels delete {labs[-1].number}</code>"
        )
    lines.append(render_retest_status(retest))
    lines.append(f"<i>{esc(LAB_DISCLAIMER)}</i>")
    return "\n".join(lines)


def render_retest_status(retest: Retest | None) -> str:
    if retest is None:
        return "🔔 Retest reminder: off (e.g. <code>/levels retest 6</code> for 6 months)."
    if retest.due_date is None:
        return (
            f"🔔 Retest reminder: {retest.months} months after your latest result "
            "(add a result to start it)."
        )
    return (
        f"🔔 Retest reminder: {retest.months} months after your latest result, due "
        f"{esc(fmt_day(retest.due_date))} {retest.due_date.year}."
    )


def render_lab_added(lab: StoredLab, *, pregnant: bool = False) -> str:
    """The answer to /levels add: the result, its band and the whole advice (band.text)."""
    band = classify(lab.result, pregnant=pregnant)
    return "\n".join(
        [
            f"🧪 Saved result #{lab.number}: {esc(format_result(lab.result))}",
            esc(band.text),
        ]
    )


def render_lab_removed(lab: StoredLab) -> str:
    """Names what was removed, so a wrong number is noticed (and can be added again)."""
    return (
        f"🗑 Removed result #{lab.number}: {esc(format_result(lab.result))}. /levels shows the rest."
    )


def render_levels_help() -> str:
    return "\n".join(
        [
            "<b>/levels</b> lists your lab results and charts them.",
            esc(ADD_EXAMPLES),
            "Units: ng/L, pg/mL or pmol/L for serum (total) B12 (1 ng/L = 1 pg/mL; 1 pmol/L "
            "= 1.355 pg/mL); pmol/L for active B12 (holoTC); µmol/L or nmol/L for MMA; µmol/L "
            "for homocysteine.",
            "Bands (NICE NG239): total B12 below 180 ng/L deficiency likely, 180–350 "
            "indeterminate, above 350 deficiency unlikely; active B12 below 25 pmol/L "
            "deficiency likely, 25–70 indeterminate, above 70 deficiency unlikely. Your lab's "
            "own range wins when you add it (e.g. <code>range 200-900</code>).",
            "<code>/levels retest 6</code>: remind me 6 months after my latest result "
            "(<code>/levels retest off</code> to stop). <code>/levels delete 2</code>: remove "
            "result #2 (the numbers /levels shows).",
            f"<i>{esc(LAB_DISCLAIMER)}</i>",
        ]
    )


def levels_caption(marker: Marker) -> str:
    return (
        f"{MARKERS[marker].name} over time, with the bands shaded. Information, not a "
        "diagnosis; discuss with your clinician."
    )


def render_retest_reminder(due_date: dt.date, months: int) -> str:
    return (
        f"🧪 It is {months} months since your last B12 lab result: a retest was due "
        f"{esc(fmt_day(due_date))}. If your clinician advised regular checks, this is a "
        "reminder to arrange one. Add the new result with <code>/levels add …</code>.\n"
        f"<i>{esc(LAB_DISCLAIMER)}</i>"
    )


# --------------------------------------------------------------------------- reminders


def reminder_callback(action: str, reminder_id: int, occurrence_ts: int) -> str:
    return callback("rm", action, reminder_id, occurrence_ts)


def reminder_keyboard(reminder_id: int, occurrence_ts: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ Taken", callback_data=reminder_callback("t", reminder_id, occurrence_ts)
                ),
                InlineKeyboardButton(
                    "⏰ Snooze 1 h",
                    callback_data=reminder_callback("z", reminder_id, occurrence_ts),
                ),
                InlineKeyboardButton(
                    "⏭ Skip", callback_data=reminder_callback("k", reminder_id, occurrence_ts)
                ),
            ]
        ]
    )


def render_reminder_message(reminder: Reminder, *, snoozed: bool = False) -> str:
    """'⏰ Injection: 1,000 µg every 4 weeks …' then what to do: the schedule names the dose
    and the kind once (no "injection: Injection:")."""
    again = " (snoozed reminder)" if snoozed else ""
    # injections bypass the gut: bot.core.tally keeps them out of the oral tally, so say so
    counts = (
        "so it is recorded in your log (shown apart from food)"
        if reminder.is_injection
        else "so it counts in your daily tally"
    )
    return (
        f"⏰ <b>{esc(reminder.describe())}</b>\nIt's time{again}: tap ✅ Taken when done, {counts}."
    )


def render_reminders(
    reminders: Sequence[StoredReminder], tz: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """/remind without arguments: the list (with delete buttons) and how to add one."""
    lines = ["<b>⏰ Your reminders</b>"]
    buttons = []
    if not reminders:
        lines.append("None yet.")
    for number, stored in enumerate(reminders, start=1):
        nxt = stored.next_fire_utc
        if stored.snooze_fire_utc is not None and stored.snooze_fire_utc < nxt:
            nxt = stored.snooze_fire_utc
        lines.append(
            f"{number}. {esc(stored.reminder.describe())} · next {esc(local_text(nxt, tz))}"
        )
        buttons.append(
            [InlineKeyboardButton(f"🗑 Delete {number}", callback_data=callback("rmdel", stored.id))]
        )
    lines += ["", esc(REMIND_EXAMPLES), f"<i>{esc(CLINICIAN_DOSES)}</i>"]
    return "\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None


def render_reminder_added(stored: StoredReminder, tz: str) -> str:
    return (
        f"⏰ Reminder set: {esc(stored.reminder.describe())}. First one "
        f"{esc(local_text(stored.next_fire_utc, tz))}. It follows daylight saving time.\n"
        f"<i>{esc(CLINICIAN_DOSES)}</i>"
    )


def local_text(moment: dt.datetime, tz: str) -> str:
    """'Tue 24 Nov 08:00' in the user's zone."""
    local = moment.astimezone(zone(tz))
    return f"{fmt_day(local.date())} {local:%H:%M}"


# --------------------------------------------------------------------------- products


def render_products(products: Sequence[Product], recipes: RecipeSet) -> str:
    lines = ["<b>🥛 Your fortified products</b>"]
    if not products:
        lines.append("None set: plans use typical label values.")
    for p in products:
        ing = recipes.ingredients.get(p.ingredient_id)
        name = ing.name if ing else p.ingredient_id
        typical = ""
        if ing is not None:
            base = label_from_per_100g(ing, ing.per_100g.b12_ug)
            typical = f" (typical {fmt_ug(base)})"
        lines.append(
            f"• {esc(name)}: <b>{fmt_ug(p.label_value)} µg</b> per {esc(p.label_unit)}{typical}"
        )
    lines.append("")
    lines.append("You can set (type words of the name, or the code):")
    lines.append(render_product_choices([i.id for i in product_ingredients(recipes)], recipes))
    lines.append(esc(PRODUCT_EXAMPLES))
    return "\n".join(lines)


def render_product_choices(ingredient_ids: Sequence[str], recipes: RecipeSet) -> str:
    """Products by name, each with the code to type: people recognise "Oat drink, fortified",
    not `oat_milk_fortified`."""
    chosen = [recipes.ingredients[i] for i in ingredient_ids if i in recipes.ingredients]
    return "\n".join(
        f"• {esc(ing.name)}: <code>{esc(ing.id)}</code>, per {unit_word(ing)}"
        for ing in sorted(chosen, key=lambda i: i.name.lower())
    )


def render_product_error(message: str, choices: Sequence[str], recipes: RecipeSet) -> str:
    """A /myproducts input error; when it offers choices, they follow by name and code."""
    text = esc(message)
    return f"{text}\n{render_product_choices(choices, recipes)}" if choices else text


def render_product_set(name: str, value: float, unit: str, typical: float) -> str:
    return (
        f"🥛 Saved: {esc(name)} has {fmt_ug(value)} µg B12 per {esc(unit)} (typical value "
        f"{fmt_ug(typical)}). Your plans from today on and your tallies use it."
    )


# --------------------------------------------------------------------------- evening check


def render_evening_status(
    enabled: bool, local_time: dt.time, user: UserSettings | None = None
) -> str:
    if user is not None and no_daily_nags(user):
        return (
            "🌙 You get B12 injections, so I send no evening “short of target” messages: your "
            "clinician sets your B12. /settings → Absorption changes this."
        )
    if not enabled:
        return (
            "🌙 Evening check: off. <code>/evening on</code> (at 19:00) or "
            "<code>/evening 20:30</code> turns it on: if today is short of your B12 target "
            "I tell you by how much and suggest a snack."
        )
    return (
        f"🌙 Evening check: on, at {local_time:%H:%M} your time. If today is short of your "
        "target I tell you by how much and suggest a snack. <code>/evening off</code> stops it."
    )


def render_evening_check(
    advice: str, day_tally: DayTally | None, target: float, user: UserSettings | None = None
) -> str:
    return f"🌙 <b>Evening check</b>\n{esc(advice)}\n{tally_line(day_tally, target, user)}"


# --------------------------------------------------------------------------- faq


def faq_keyboard() -> InlineKeyboardMarkup:
    rows = []
    for number, entry in enumerate(faq.FAQ, start=1):
        label = f"{number}. {entry.question}"
        if len(label) > 60:
            label = label[:57] + "…"
        rows.append([InlineKeyboardButton(label, callback_data=callback("faq", entry.key))])
    return InlineKeyboardMarkup(rows)


def render_faq_index() -> str:
    return esc(faq.faq_index())


def render_faq_answer(key: str) -> str | None:
    entry = faq.faq_entry(key)
    if entry is None:
        return None
    sources = "; ".join(f"{s} ({faq.SOURCES.get(s, s)})" for s in entry.sources)
    return (
        f"<b>{esc(entry.question)}</b>\n\n{esc(entry.answer)}\n\n"
        f"<i>Sources: {esc(sources)}</i>\n/faq for all questions."
    )


def render_faq_unknown(key: str) -> str:
    return f"I have no question “{esc(quote(key))}”. " + render_faq_index()


# --------------------------------------------------------------------------- privacy


def render_privacy() -> str:
    return "\n".join(
        [
            "<b>🔒 Your data</b>",
            "What I store, and why:",
            "• Your settings (diet, B12 target, life stage, absorption status if you gave one, "
            "where you buy food, left-out foods, meals, time zone, plan time) and your Telegram "
            "id and first name: to plan and send your meals.",
            "• Your plans: so a swap is remembered and shopping lists match.",
            "• Meals you tick off, supplements and injections you log: for your daily tally "
            "and /progress.",
            "• Lab results you add: for /levels and its chart.",
            "• Your reminders and product labels: to remind you and to count your own "
            "products' B12.",
            "• Household membership, if you share plans.",
            "",
            "<b>Who sees what</b>",
            "• Members of your household see your first name, diet and B12 target in /family, "
            "and the meal swaps you make.",
            "• A family group chat linked to your household sees, in /plan and the daily plan: "
            "the household's name, how many members it has, the shared meals with their B12 per "
            "serving and, for a meal not everyone eats, the first names of who eats it; and "
            "either “on target for everyone” or a pointer to your private chat. It never "
            "sees your target, your totals, your top-ups, your logs, lab results, reminders or "
            "whether a clinician manages your B12.",
            "Nothing else is shared with anyone, and nothing is used for anything else. Health "
            "values never go into the bot's log files.",
            "/export sends you all of it as a JSON file. /delete erases all of it, for good "
            "(after you confirm).",
        ]
    )


def render_export_caption() -> str:
    return "Everything I store about you, as JSON. /delete erases it."


def format_overrides(overrides: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in sorted(overrides.items()))
