"""The lines a settings reply adds about the stored plans it reshaped (bot.core.replan).

Why: a changed setting used to replan the whole day silently; now only meals that must change
do, and the user reads which and why ("Lunch changed: it had eggs, which you excluded"), and
that a meal they already ticked stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.chat.render.format import esc, fmt_day, recipe_name
from bot.chat.render.plans import slot_label
from bot.core.i18n import _
from bot.core.models import RecipeSet
from bot.core.replan import Replanned

MAX_CHANGE_LINES = 8  # a week of changed days is summed up, not listed meal by meal


def day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return _("Today")
    if day == today + dt.timedelta(days=1):
        return _("Tomorrow")
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
            text = _("{meal} stays ({name}): you already ticked it.").format(
                meal=slot_label(slot), name=name
            )
            lines.append(f"✅ {esc(prefix)}{esc(text)}")
        for change in result.changes:
            meal_word = slot_label(change.slot)
            if change.after is None:
                text = _("{meal} removed: {reason}.").format(meal=meal_word, reason=change.reason)
                lines.append(f"➖ {esc(prefix)}{esc(text)}")
            elif change.before is None:
                name = recipe_name(recipes, change.after)
                text = _("{meal} added: {name}.").format(meal=meal_word, name=name)
                lines.append(f"➕ {esc(prefix)}{esc(text)}")
            else:
                name = recipe_name(recipes, change.after)
                text = _("{meal} changed: {reason}. Now: {name}.").format(
                    meal=meal_word, reason=change.reason, name=name
                )
                lines.append(f"🔄 {esc(prefix)}{esc(text)}")
    if not lines:
        return "📅 " + _("Your plan stays as it is: nothing in it is affected.")
    if len(lines) > MAX_CHANGE_LINES:
        more = len(lines) - MAX_CHANGE_LINES + 1
        lines = [
            *lines[: MAX_CHANGE_LINES - 1],
            _("… and {count} more changes: see /week.").format(count=more),
        ]
    return "\n".join(lines)
