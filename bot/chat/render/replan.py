"""The lines a settings reply adds about the stored plans it reshaped (bot.core.replan).

Why: a changed setting used to replan the whole day silently; now only meals that must change
do, and the user reads which and why ("Lunch changed: it had eggs, which you excluded"), and
that a meal they already ticked stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.chat.render.format import esc, fmt_day, recipe_name
from bot.core.models import RecipeSet
from bot.core.replan import Replanned

MAX_CHANGE_LINES = 8  # a week of changed days is summed up, not listed meal by meal


def day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return "Today"
    if day == today + dt.timedelta(days=1):
        return "Tomorrow"
    return fmt_day(day)


def render_day_changes(
    results: Sequence[tuple[dt.date, Replanned]], recipes: RecipeSet, today: dt.date
) -> str:
    """What changed in the stored plans and why; "" when no plan was stored (nothing to say).

    Today's lines name the meal only ("Lunch changed: …"); later days carry their date.
    """
    if not results:
        return ""
    lines: list[str] = []
    for day, result in results:
        prefix = "" if day == today else f"{day_label(day, today)}: "
        for slot in result.kept_ticked:
            meal = result.plan.meal(slot)
            name = recipe_name(recipes, meal.recipe_id) if meal is not None else ""
            lines.append(
                f"✅ {esc(prefix)}{esc(slot.value.capitalize())} stays ({esc(name)}): "
                "you already ticked it."
            )
        for change in result.changes:
            meal_word = esc(change.slot.value.capitalize())
            if change.after is None:
                lines.append(f"➖ {esc(prefix)}{meal_word} removed: {esc(change.reason)}.")
            elif change.before is None:
                name = recipe_name(recipes, change.after)
                lines.append(f"➕ {esc(prefix)}{meal_word} added: {esc(name)}.")
            else:
                name = recipe_name(recipes, change.after)
                lines.append(
                    f"🔄 {esc(prefix)}{meal_word} changed: {esc(change.reason)}. Now: {esc(name)}."
                )
    if not lines:
        return "📅 Your plan stays as it is: nothing in it is affected."
    if len(lines) > MAX_CHANGE_LINES:
        more = len(lines) - MAX_CHANGE_LINES + 1
        lines = [*lines[: MAX_CHANGE_LINES - 1], f"… and {more} more changes: see /week."]
    return "\n".join(lines)
