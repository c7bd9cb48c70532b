"""Texts and inline keyboards for tracking: meal check-offs, /log, /ate and /took, progress,
fortified products, the evening check, the FAQ and privacy (lab results: render/labs.py,
reminders: render/reminders.py); no handlers, no I/O.

HTML parse mode: everything from data or users goes through `esc()`. Callback data is
versioned by bot.chat.render.format's `callback` ("v1:ml:…", "v1:faq:…") and stays
under 64 bytes. Lab output always carries "information, not a diagnosis"; doses and
injections always point to the clinician. Every text is in the current language
(bot.core.i18n); food and dish names come from the recipe data in that language.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Collection, Mapping, Sequence

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
from bot.core.i18n import N_, _, current_language, fmt_time, pgettext
from bot.core.labs import (
    DISCLAIMER,
)
from bot.core.languages import localized_name
from bot.core.models import DayPlan, Ingredient, RecipeSet, Slot, UserSettings
from bot.core.plan_rules import CLINICIAN_LINE, EPS, clinician_manages, no_daily_nags
from bot.core.products import (
    PRODUCT_EXAMPLES,
    label_from_per_100g,
    product_ingredients,
    unit_text,
    unit_word,
)
from bot.core.recipe_search import quote, short_name
from bot.core.tally import DayTally, Summary, fmt_ug, format_log_only, format_summary
from bot.storage.tracking import MealLog, Product

CLINICIAN_DOSES = N_("Talk to your clinician about supplement doses and injections.")  # _() at use
LAB_DISCLAIMER = DISCLAIMER  # "This is information, not a diagnosis — discuss … clinician."

STATUS_MARK = {"eaten": "✅", "skipped": "⏭", "other": "🍽"}
STATUS_WORD = {"eaten": N_("eaten"), "skipped": N_("skipped"), "other": N_("something else")}
ACTION_STATUS = {"e": "eaten", "s": "skipped", "o": "other"}
# The bare meal names (context "meal", as render/plans.py shows them on a plan)
SLOT_LABEL: dict[Slot, Callable[[], str]] = {
    Slot.BREAKFAST: lambda: pgettext("meal", "Breakfast"),
    Slot.LUNCH: lambda: pgettext("meal", "Lunch"),
    Slot.DINNER: lambda: pgettext("meal", "Dinner"),
    Slot.SNACK: lambda: pgettext("meal", "Snack"),
}


def slot_label(slot: Slot | str) -> str:
    """A meal's name for a heading or a button, in the current language ("Breakfast")."""
    try:
        return SLOT_LABEL[Slot(slot)]()
    except ValueError:
        return str(slot).capitalize()


def status_word(status: str) -> str:
    """ "eaten" / "skipped" / "something else" in the current language."""
    return _(STATUS_WORD[status])


def clinician_line() -> str:
    return _(CLINICIAN_LINE)


def clinician_doses() -> str:
    return _(CLINICIAN_DOSES)


# --------------------------------------------------------------------------- check-offs


CHECKOFF_ON_PLAN = "ml"  # button on a plan message: answer with a toast, leave the plan
CHECKOFF_ON_LOG = "mlog"  # button on a /log message: refresh that message in place


def checkoff_callback(
    action: str,
    day: dt.date,
    slot: str,
    plan: DayPlan,
    tag: str = CHECKOFF_ON_PLAN,
    *,
    fingerprint: str | None = None,
) -> str:
    """Data of an Eaten/Skipped/Other button: action, date, slot and the plan's fingerprint
    (pass `fingerprint` when drawing many buttons of one plan: it is the same for all)."""
    fp = fingerprint if fingerprint is not None else plan_fingerprint(plan)
    return callback(tag, action, day_code(day), slot, fp)


def checkoff_rows(
    plan: DayPlan, tag: str = CHECKOFF_ON_PLAN, slots: Collection[Slot] | None = None
) -> list[list[InlineKeyboardButton]]:
    """One row per meal (of `slots`, default all): ✅ Eaten · ⏭ Skipped · 🍽 Other."""
    rows = []
    code, fp = day_code(plan.date), plan_fingerprint(plan)  # once per plan, not per button
    for meal in plan.meals:
        if slots is not None and meal.slot not in slots:
            continue
        label = slot_label(meal.slot)
        rows.append(
            [
                InlineKeyboardButton(
                    "✅ " + _("{meal} eaten").format(meal=label),
                    callback_data=callback(tag, "e", code, meal.slot, fp),
                ),
                InlineKeyboardButton(
                    "⏭ " + pgettext("button", "Skipped"),
                    callback_data=callback(tag, "s", code, meal.slot, fp),
                ),
                InlineKeyboardButton(
                    "🍽 " + pgettext("button", "Ate other"),
                    callback_data=callback(tag, "o", code, meal.slot, fp),
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
    lines = [f"<b>{esc(title)}</b>", _("Tick what you ate:"), ""]
    for meal in plan.meals:
        logged = by_slot.get(meal.slot.value)
        mark = STATUS_MARK[logged.status] if logged else "▫️"
        icon = SLOT_ICON.get(meal.slot, "•")
        # a tick stays with the dish it was made for: never another dish "— eaten"
        ticked_id = logged.recipe_id if logged is not None and logged.recipe_id else None
        name = _dish(recipes, ticked_id or meal.recipe_id)
        state = f" — {status_word(logged.status)}" if logged else ""
        lines.append(f"{mark} {icon} {esc(slot_label(meal.slot))}: {esc(name)}{state}")
    for extra in extras:
        what = _dish(recipes, extra.recipe_id) if extra.recipe_id else extra.note or _("extra")
        lines.append(
            "➕ "
            + _("{what} ({amount} µg B12)").format(what=esc(what), amount=fmt_ug(extra.b12_ug))
        )
    lines += ["", tally_line(day_tally, target_ug, user)]
    lines.append(
        _(
            "Ate something not in the plan? <code>/ate shakshuka</code> or "
            "<code>/ate {example}</code> (µg)."
        ).format(example=fmt_ug(1.5))
    )
    markup = InlineKeyboardMarkup(checkoff_rows(plan, CHECKOFF_ON_LOG))
    return "\n".join(lines), markup


def _dish(recipes: RecipeSet, recipe_id: str) -> str:
    """A dish's name in the current language (its id when it has left the recipe set)."""
    recipe = recipes.recipes.get(recipe_id)
    return localized_name(recipe, current_language()) if recipe is not None else recipe_id


def tally_misses(day_tally: DayTally, target_ug: float) -> list[str]:
    """The rules today's log still misses: the intake ("0.5 µg to go"), then the absorbed
    estimate (uptake saturates per meal or dose, so one big dose of food can reach the
    total yet leave absorption under half the target). Empty: every rule holds, or a weekly
    dose covers the day (its absorption counts on the day it was taken)."""
    if day_tally.covered:
        return []
    short = day_tally.short_of(target_ug)
    if short > 0:
        return [_("{amount} µg to go").format(amount=fmt_ug(short))]
    if day_tally.absorbed_ug < target_ug / 2 - EPS:
        return [
            _(
                "absorbed about {absorbed} µg, under half the target ({half} µg): B12 spread "
                "over meals counts for more"
            ).format(absorbed=fmt_ug(day_tally.absorbed_ug), half=fmt_ug(target_ug / 2))
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
            return "📊 " + _("Nothing logged yet today.")
        return "📊 " + _("Nothing logged yet today (target {target} µg B12).").format(
            target=fmt_ug(target_ug)
        )
    parts = [_("food {amount} µg").format(amount=fmt_ug(day_tally.eaten_ug))]
    if day_tally.supplement_ug:
        parts.append(_("supplement {amount} µg").format(amount=fmt_ug(day_tally.supplement_ug)))
    day = esc(fmt_day(day_tally.date))
    if managed:
        return "📊 " + _("{day}: {amount} µg B12 logged ({parts}) · {note}").format(
            day=day,
            amount=fmt_ug(day_tally.intake_ug),
            parts=", ".join(parts),
            note=esc(clinician_line()),
        )
    misses = tally_misses(day_tally, target_ug)
    if misses:
        end = esc("; ".join(misses))
    elif day_tally.covered and day_tally.intake_ug < target_ug:
        end = _("covered by your weekly {dose} µg dose ✅").format(
            dose=fmt_ug(day_tally.weekly_cover_ug)
        )
    else:
        end = _("target reached ✅")
    return "📊 " + _("{day}: {amount} of {target} µg B12 ({parts}) · {end}").format(
        day=day,
        amount=fmt_ug(day_tally.intake_ug),
        target=fmt_ug(target_ug),
        parts=", ".join(parts),
        end=end,
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
    head = f"{slot_label(slot)}: {status_word(status)}"
    if status == "eaten":
        head += f" (+{fmt_ug(b12_ug)} µg B12)"
    if day_tally is not None:
        if user is not None and clinician_manages(user):
            head += _(". Today {amount} µg logged").format(amount=fmt_ug(day_tally.intake_ug))
        else:
            head += _(". Today {amount} of {target} µg").format(
                amount=fmt_ug(day_tally.intake_ug), target=fmt_ug(target)
            )
    return head[:200]


def render_other_hint() -> str:
    return _(
        "🍽 Noted: you ate something else. If it had B12, tell me what it was so it counts: "
        "<code>/ate shakshuka</code> (a dish from my recipes) or <code>/ate {example}</code> "
        "(µg B12 from a label)."
    ).format(example=fmt_ug(1.2))


def render_extra_logged(
    dish: str | None,
    b12_ug: float,
    day_tally: DayTally | None,
    target: float,
    user: UserSettings | None = None,
) -> str:
    """`dish` is the recipe's name, or None for "/ate 1.2" (then the amount is all there is)."""
    if dish is None:
        head = "➕ " + _("Logged {amount} µg B12 from food.").format(amount=fmt_ug(b12_ug))
    else:
        head = "➕ " + _("Logged {dish}: {amount} µg B12.").format(
            dish=esc(dish), amount=fmt_ug(b12_ug)
        )
    return f"{head}\n{tally_line(day_tally, target, user)}"


def render_ate_help() -> str:
    return _(
        "Tell me what you ate besides the plan: <code>/ate shakshuka</code> (a dish from my "
        "recipes), <code>/ate 2 eggs</code> or <code>/ate 100 g salmon</code> (one food and "
        "how much) or <code>/ate {example}</code> (µg of B12, e.g. from a label). /log ticks "
        "off today's planned meals."
    ).format(example=fmt_ug(1.2))


ATE_NONE = N_("None of these")  # _() at use
ATE_CHOICES = 3


def ate_choices_keyboard(plan: DayPlan, recipes: RecipeSet, words: str) -> InlineKeyboardMarkup:
    """/ate with words it does not know: today's planned meals, nearest name first (at most
    ATE_CHOICES), each an ordinary ✅ check-off button, and "None of these". Names are matched
    in English and in the user's language."""
    wanted = quote(words).lower()

    def closeness(meal_index: int) -> float:
        recipe_id = plan.meals[meal_index].recipe_id
        names = {recipe_name(recipes, recipe_id).lower(), _dish(recipes, recipe_id).lower()}
        return max(difflib.SequenceMatcher(None, wanted, name).ratio() for name in names)

    order = sorted(range(len(plan.meals)), key=lambda i: (-closeness(i), i))[:ATE_CHOICES]
    rows = [
        [
            InlineKeyboardButton(
                f"✅ {_dish(recipes, plan.meals[i].recipe_id)} "
                f"({slot_label(plan.meals[i].slot).lower()})"[:60],
                callback_data=checkoff_callback("e", plan.date, plan.meals[i].slot, plan),
            )
        ]
        for i in order
    ]
    rows.append([InlineKeyboardButton(_(ATE_NONE), callback_data=callback("atenone"))])
    return InlineKeyboardMarkup(rows)


def render_ate_ask(words: str, has_choices: bool, near: Sequence[str] = ()) -> str:
    """The question /ate asks instead of guessing: nothing is logged until the user says.
    `near` are dish names the words partly fit, offered as whole commands to send."""
    which = _("Was it one of today's meals? ") if has_choices else ""
    dishes = _(" or ").join(f"<code>/ate {esc(name)}</code>" for name in near[:3])
    maybe = (
        _("A dish from my recipes? Send its whole name, e.g. {dishes}. ").format(dishes=dishes)
        if dishes
        else ""
    )
    return _(
        "I don't recognise “{words}”, so nothing is logged yet. {which}{maybe}"
        "Otherwise give a single food with how much, e.g. <code>/ate 2 eggs</code> or "
        "<code>/ate 100 g salmon</code>, a dish name, or the µg of B12 from its label: "
        "<code>/ate {example}</code>."
    ).format(words=esc(quote(words)), which=which, maybe=maybe, example=fmt_ug(1.2))


def render_ate_how_much(ingredient: Ingredient, example: str) -> str:
    """ "/ate egg": one food without an amount; its B12 depends on how much, so ask."""
    lang = current_language()
    local = localized_name(ingredient, lang).split(",")[0]  # "Ei, ganz, roh" -> "Ei"
    food = short_name(ingredient).lower() if lang == "en" else local
    food = food if lang in ("en", "de") else food.lower()  # German nouns keep their capital
    return _(
        "How much {food} did you eat? Nothing is logged yet: send the amount, "
        "e.g. <code>{example}</code>."
    ).format(food=esc(food), example=esc(example))


def render_ate_none() -> str:
    """After "None of these": nothing was logged, and how to log it."""
    return _(
        "Nothing logged. For a single food give how much, e.g. <code>/ate 2 eggs</code>; for "
        "a dish its name, e.g. <code>/ate shakshuka</code>; or the µg of B12 from its label: "
        "<code>/ate {example}</code>."
    ).format(example=fmt_ug(1.2))


def dose_again_keyboard(dose_ug: float, kind: str, asked: dt.datetime) -> InlineKeyboardMarkup:
    """Yes/No under "log again?": the dose, its kind and when it was asked ride along (the
    handler range-checks each before logging)."""
    stamp = int(asked.timestamp())
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    pgettext("button", "Yes, log it"),
                    callback_data=callback("took2", "y", f"{dose_ug:g}", kind, stamp),
                ),
                InlineKeyboardButton(
                    pgettext("button", "No"), callback_data=callback("took2", "n")
                ),
            ]
        ]
    )


def render_dose_again(
    previous_ug: float, minutes_ago: int, dose_ug: float, kind: str, *, typed: bool = True
) -> str:
    """A second dose within an hour of a logged one: asked, never logged silently."""
    ago = _("{minutes} min ago").format(minutes=minutes_ago) if minutes_ago >= 1 else _("just now")
    if kind == "injection":
        text = _("You already logged {previous} µg {ago}. Log another injection of {dose} µg?")
    else:
        text = _("You already logged {previous} µg {ago}. Log another dose of {dose} µg?")
    text = text.format(previous=fmt_ug(previous_ug), ago=ago, dose=fmt_ug(dose_ug))
    if typed:
        text += " " + _("(If you tapped “Taken” on a reminder, that one is logged.)")
    return text


def render_dose_not_logged() -> str:
    return _("Not logged: your earlier dose stays as it was. /progress shows today.")


def render_dose_logged(
    dose_ug: float,
    kind: str,
    day_tally: DayTally | None,
    target: float,
    user: UserSettings | None = None,
) -> str:
    if kind == "injection":
        head = "💉 " + _(
            "Logged an injection of {dose} µg. Injections bypass the gut, so they are "
            "recorded apart from your daily food target."
        ).format(dose=fmt_ug(dose_ug))
    else:
        head = "💊 " + _("Logged a supplement of {dose} µg.").format(dose=fmt_ug(dose_ug))
    return f"{head}\n{tally_line(day_tally, target, user)}\n<i>{esc(clinician_doses())}</i>"


def render_took_help() -> str:
    return (
        _(
            "Log a dose you took: <code>/took &lt;µg on your label&gt;</code> (a tablet) or "
            "<code>/took injection &lt;µg&gt;</code>. For reminders use /remind."
        )
        + f"\n<i>{esc(clinician_doses())}</i>"
    )


# --------------------------------------------------------------------------- progress


def render_progress(summary: Summary, user: UserSettings | None = None) -> str:
    """/progress: today, last 7 and last 30 days against the target (with the clinician line
    first when the clinician manages the user's B12: the figures are then information)."""
    lines = ["<b>📊 " + _("Your B12 progress") + "</b>"]
    if user is not None and clinician_manages(user):  # the log only: no estimate, no verdict
        lines.append(f"🩺 {esc(clinician_line())}")
        lines.append(esc(format_log_only(summary)))
        lines.append(f"<i>{esc(clinician_doses())}</i>")
        return "\n".join(lines)
    lines.append(esc(format_summary(summary)))
    lines.append(
        "<i>"
        + _("Absorbed µg are an estimate: uptake saturates per meal or dose.")
        + f" {esc(clinician_doses())}</i>"
    )
    return "\n".join(lines)


def render_progress_empty_hint() -> str:
    """/progress before anything was logged: how to fill the chart (instead of an empty one)."""
    return _(
        "Nothing logged in the last 30 days yet, so there is no chart. Tick off meals with "
        "✅ on your plan (or /log), or log a supplement with "
        "<code>/took &lt;µg on your label&gt;</code>."
    )


PROGRESS_CAPTION = N_("Daily B12, last 30 days: food eaten and supplements against your target.")
PROGRESS_CAPTION_LOG = N_("Daily B12, last 30 days: food eaten and supplements you logged.")


# --------------------------------------------------------------------------- products


def render_products(products: Sequence[Product], recipes: RecipeSet) -> str:
    lines = ["<b>🥛 " + _("Your fortified products") + "</b>"]
    if not products:
        lines.append(_("None set: plans use typical label values."))
    for p in products:
        ing = recipes.ingredients.get(p.ingredient_id)
        name = localized_name(ing, current_language()) if ing else p.ingredient_id
        value = fmt_ug(p.label_value)
        if ing is not None:
            base = label_from_per_100g(ing, ing.per_100g.b12_ug)
            line = _("{name}: <b>{value} µg</b> per {unit} (typical {typical})").format(
                name=esc(name), value=value, unit=esc(unit_text(p.label_unit)), typical=fmt_ug(base)
            )
        else:
            line = _("{name}: <b>{value} µg</b> per {unit}").format(
                name=esc(name), value=value, unit=esc(unit_text(p.label_unit))
            )
        lines.append(f"• {line}")
    lines.append("")
    lines.append(_("You can set (type words of the name, or the code):"))
    lines.append(render_product_choices([i.id for i in product_ingredients(recipes)], recipes))
    lines.append(esc(_(PRODUCT_EXAMPLES)))
    return "\n".join(lines)


def render_product_choices(ingredient_ids: Sequence[str], recipes: RecipeSet) -> str:
    """Products by name, each with the code to type: people recognise "Oat drink, fortified",
    not `oat_milk_fortified`."""
    lang = current_language()
    chosen = [recipes.ingredients[i] for i in ingredient_ids if i in recipes.ingredients]
    named = sorted(((localized_name(i, lang), i) for i in chosen), key=lambda p: p[0].lower())
    return "\n".join(
        "• "
        + _("{name}: <code>{code}</code>, per {unit}").format(
            name=esc(name), code=esc(ing.id), unit=unit_text(unit_word(ing))
        )
        for name, ing in named
    )


def render_product_error(message: str, choices: Sequence[str], recipes: RecipeSet) -> str:
    """A /myproducts input error; when it offers choices, they follow by name and code."""
    text = esc(message)
    return f"{text}\n{render_product_choices(choices, recipes)}" if choices else text


def render_product_set(name: str, value: float, unit: str, typical: float) -> str:
    return "🥛 " + _(
        "Saved: {name} has {value} µg B12 per {unit} (typical value {typical}). Your plans "
        "from today on and your tallies use it."
    ).format(
        name=esc(name), value=fmt_ug(value), unit=esc(unit_text(unit)), typical=fmt_ug(typical)
    )


# --------------------------------------------------------------------------- evening check


def render_evening_status(
    enabled: bool, local_time: dt.time, user: UserSettings | None = None
) -> str:
    if user is not None and no_daily_nags(user):
        return "🌙 " + _(
            "You get B12 injections, so I send no evening “short of target” messages: your "
            "clinician sets your B12. /settings → Absorption changes this."
        )
    if not enabled:
        return "🌙 " + _(
            "Evening check: off. <code>/evening on</code> (at 19:00) or "
            "<code>/evening 20:30</code> turns it on: if today is short of your B12 target "
            "I tell you by how much and suggest a snack."
        )
    return "🌙 " + _(
        "Evening check: on, at {time} your time. If today is short of your "
        "target I tell you by how much and suggest a snack. <code>/evening off</code> stops it."
    ).format(time=fmt_time(local_time))


def render_evening_check(
    advice: str, day_tally: DayTally | None, target: float, user: UserSettings | None = None
) -> str:
    title = "<b>" + _("Evening check") + "</b>"
    return f"🌙 {title}\n{esc(advice)}\n{tally_line(day_tally, target, user)}"


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
    shown = _("Sources: {sources}").format(sources=esc(sources))
    return f"<b>{esc(entry.question)}</b>\n\n{esc(entry.answer)}\n\n<i>{shown}</i>\n" + _(
        "/faq for all questions."
    )


def render_faq_unknown(key: str) -> str:
    return _("I have no question “{key}”.").format(key=esc(quote(key))) + " " + render_faq_index()


def format_overrides(overrides: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in sorted(overrides.items()))
