"""Texts of the weekly summary and of /weekly (the chart is drawn in bot.chat.render.weekly_chart,
in the chart worker, so matplotlib stays out of the bot process).

Gentle by design: days on target, averages over the days logged, and at most one suggestion for
the meal slot that most often fell short — a food idea that suits the user's diet, never a dose
or a medical claim.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback, fmt_day
from bot.core.models import Diet, Slot
from bot.core.tally import fmt_ug
from bot.core.weekly import WeeklySummary

FOOD_IDEAS: dict[Diet, str] = {
    Diet.VEGAN: "a fortified plant milk, a fortified cereal or nutritional yeast",
    Diet.VEGETARIAN: "milk, yogurt, eggs or a fortified cereal",
    Diet.PESCATARIAN: "fish, eggs, dairy or a fortified cereal",
    Diet.OMNIVORE: "fish, eggs, dairy or a fortified cereal",
}
CHART_CAPTION = "Your B12, day by day this week"
WEEKLY_HELP = (
    "The weekly summary comes on Sunday evening (18:00 your time): days on target, a small "
    "chart and one idea for the meal that most often fell short.\n"
    "/weekly on · /weekly off"
)


def render_weekly(summary: WeeklySummary) -> str:
    """The summary as HTML, short enough for a photo caption (under 1,024 characters)."""
    lines = [f"<b>Your week in B12</b> ({fmt_day(summary.start)} – {fmt_day(summary.end)})"]
    days = summary.days
    if not days:
        lines.append(
            "Nothing was logged this week. Ticking ✅ Eaten on your plan, or /took after a "
            "supplement, fills this summary in."
        )
        lines.append("Stop these summaries with /weekly off.")
        return "\n".join(lines)
    n = len(days)
    food = sum(t.eaten_ug for t in days) / n
    supplement = sum(t.supplement_ug for t in days) / n
    logged = f"{n} day{'s' if n != 1 else ''} logged"
    if summary.clinician_managed:
        lines.append(
            f"{logged}. Your clinician manages your B12: this is your log, for information."
        )
    else:
        icon = "✅" if summary.days_on_target == 7 else "📅"
        lines.append(f"{icon} On target {summary.days_on_target} of 7 days ({logged}).")
    average = f"On average {fmt_ug(food)} µg a day from food"
    if supplement > 0:
        average += f" and {fmt_ug(supplement)} µg from supplements"
    lines.append(f"{average} (target {fmt_ug(summary.target_ug)} µg).")
    weak = summary.weakest
    if weak is not None:
        slot = weak.slot.value
        lines.append(
            f"💡 {slot.capitalize()} was most often skipped or light on B12 "
            f"({weak.misses} of {weak.days} days). An idea for next week: "
            f"{FOOD_IDEAS[summary.diet]} at {_slot_word(weak.slot)}; on /today, 🔁 swaps the "
            f"{slot} for another one."
        )
    elif not summary.clinician_managed:
        lines.append("Every meal you ticked carried its share. Well done!")
    lines.append("Stop these summaries with /weekly off.")
    return "\n".join(lines)


def _slot_word(slot: Slot) -> str:
    return "a snack" if slot is Slot.SNACK else slot.value


def render_weekly_status(on: bool) -> str:
    """The answer to /weekly on|off."""
    if on:
        return "📬 Weekly summary on: every Sunday at 18:00 your time. /weekly off stops it."
    return "Weekly summary off. /weekly on starts it again."


def render_weekly_menu(on: bool) -> tuple[str, InlineKeyboardMarkup]:
    """The /settings screen for the summary: what it is, whether it is on, one toggle, Back."""
    state = "on" if on else "off"
    text = f"📬 <b>Weekly summary</b>: {state}\n\n{WEEKLY_HELP}"
    toggle = (
        InlineKeyboardButton("🔕 Turn off", callback_data=callback("wk", "off"))
        if on
        else InlineKeyboardButton("📬 Turn on", callback_data=callback("wk", "on"))
    )
    back = InlineKeyboardButton("⬅️ Back", callback_data=callback("menu", "main"))
    return text, InlineKeyboardMarkup([[toggle], [back]])
