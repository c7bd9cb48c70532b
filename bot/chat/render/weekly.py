"""Texts of the weekly summary and of /weekly (the chart is drawn in bot.chat.render.weekly_chart,
in the chart worker, so matplotlib stays out of the bot process).

Gentle by design: days on target, averages over the days logged, and at most one suggestion for
the meal slot that most often fell short — a food idea that suits the user's diet, never a dose
or a medical claim.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback
from bot.core.i18n import N_, _, fmt_day, ngettext, pgettext
from bot.core.models import Diet, Slot
from bot.core.tally import fmt_ug
from bot.core.weekly import WeeklySummary

FOOD_IDEAS: dict[Diet, str] = {  # _() at use
    Diet.VEGAN: N_("a fortified plant milk, a fortified cereal or nutritional yeast"),
    Diet.VEGETARIAN: N_("milk, yogurt, eggs or a fortified cereal"),
    Diet.PESCATARIAN: N_("fish, eggs, dairy or a fortified cereal"),
    Diet.OMNIVORE: N_("fish, eggs, dairy or a fortified cereal"),
}
# the meal slot in the idea sentence: as a subject ("Lunch was …"), "at …", and "swaps the …"
SLOT_SUBJECT = {
    Slot.BREAKFAST: N_("Breakfast"),
    Slot.LUNCH: N_("Lunch"),
    Slot.DINNER: N_("Dinner"),
    Slot.SNACK: N_("Snack"),
}
SLOT_AT = {
    Slot.BREAKFAST: N_("at breakfast"),
    Slot.LUNCH: N_("at lunch"),
    Slot.DINNER: N_("at dinner"),
    Slot.SNACK: N_("at a snack"),
}
SLOT_OBJECT = {
    Slot.BREAKFAST: N_("breakfast"),
    Slot.LUNCH: N_("lunch"),
    Slot.DINNER: N_("dinner"),
    Slot.SNACK: N_("snack"),
}
CHART_CAPTION = N_("Your B12, day by day this week")  # _() at use
WEEKLY_HELP = N_(
    "The weekly summary comes on Sunday evening (18:00 your time): days on target, a small "
    "chart and one idea for the meal that most often fell short.\n"
    "/weekly on · /weekly off"
)


def render_weekly(summary: WeeklySummary) -> str:
    """The summary as HTML, short enough for a photo caption (under 1,024 characters)."""
    title = "<b>" + _("Your week in B12") + "</b>"
    lines = [f"{title} ({fmt_day(summary.start)} – {fmt_day(summary.end)})"]
    days = summary.days
    stop = _("Stop these summaries with /weekly off.")
    if not days:
        lines.append(
            _(
                "Nothing was logged this week. Ticking ✅ Eaten on your plan, or /took after a "
                "supplement, fills this summary in."
            )
        )
        lines.append(stop)
        return "\n".join(lines)
    n = len(days)
    food = sum(t.eaten_ug for t in days) / n
    supplement = sum(t.supplement_ug for t in days) / n
    logged = ngettext("{n} day logged", "{n} days logged", n).format(n=n)
    if summary.clinician_managed:
        lines.append(
            _(
                "{logged}. Your clinician manages your B12: this is your log, for information."
            ).format(logged=logged)
        )
    else:
        icon = "✅" if summary.days_on_target == 7 else "📅"
        on_target = _("On target {days} of 7 days ({logged}).").format(
            days=summary.days_on_target, logged=logged
        )
        lines.append(f"{icon} {on_target}")
    if supplement > 0:
        average = _(
            "On average {food} µg a day from food and {supplement} µg from supplements "
            "(target {target} µg)."
        )
    else:
        average = _("On average {food} µg a day from food (target {target} µg).")
    lines.append(
        average.format(
            food=fmt_ug(food), supplement=fmt_ug(supplement), target=fmt_ug(summary.target_ug)
        )
    )
    weak = summary.weakest
    if weak is not None:
        idea = _(
            "{Slot} was most often skipped or light on B12 ({misses} of {days} days). An idea "
            "for next week: {food} {at_slot}; on /today, 🔁 swaps the {slot} for another one."
        ).format(
            Slot=_(SLOT_SUBJECT[weak.slot]),
            misses=weak.misses,
            days=weak.days,
            food=_(FOOD_IDEAS[summary.diet]),
            at_slot=_(SLOT_AT[weak.slot]),
            slot=_(SLOT_OBJECT[weak.slot]),
        )
        lines.append(f"💡 {idea}")
    elif not summary.clinician_managed:
        lines.append(_("Every meal you ticked carried its share. Well done!"))
    lines.append(stop)
    return "\n".join(lines)


def render_weekly_status(on: bool) -> str:
    """The answer to /weekly on|off."""
    if on:
        return "📬 " + _(
            "Weekly summary on: every Sunday at 18:00 your time. /weekly off stops it."
        )
    return _("Weekly summary off. /weekly on starts it again.")


def render_weekly_state(on: bool) -> str:
    """/weekly without a word: whether the summary is on, and what it is."""
    state = _("Weekly summary: on.") if on else _("Weekly summary: off.")
    return f"{state}\n{_(WEEKLY_HELP)}"


def render_weekly_menu(on: bool) -> tuple[str, InlineKeyboardMarkup]:
    """The /settings screen for the summary: what it is, whether it is on, one toggle, Back."""
    state = pgettext("state", "on") if on else pgettext("state", "off")
    text = "📬 <b>" + _("Weekly summary") + f"</b>: {state}\n\n{_(WEEKLY_HELP)}"
    toggle = (
        InlineKeyboardButton("🔕 " + _("Turn off"), callback_data=callback("wk", "off"))
        if on
        else InlineKeyboardButton("📬 " + _("Turn on"), callback_data=callback("wk", "on"))
    )
    back = InlineKeyboardButton("⬅️ " + _("Back"), callback_data=callback("menu", "main"))
    return text, InlineKeyboardMarkup([[toggle], [back]])
