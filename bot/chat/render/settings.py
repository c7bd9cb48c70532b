"""Texts and keyboards for /settings: the settings summary, meals and exclusions.

No handlers, no I/O. The diet, target, time zone and time questions are shared with
onboarding and live in bot.chat.render.onboarding (with `FLOW_SETTINGS` they return here).
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import button_label, callback, esc, fmt_ug, join_names
from bot.core.models import SLOT_ORDER, RecipeSet, Slot, UserSettings
from bot.core.recipe_search import short_name


def slots_label(slots: Iterable[Slot]) -> str:
    return ", ".join(s.value for s in slots)


def ingredient_names(ids: Iterable[str], recipes: RecipeSet | None) -> list[str]:
    """Display names for ingredient ids, sorted; an id unknown to `recipes` is shown readably."""
    known = recipes.ingredients if recipes is not None else {}
    return sorted(
        (known[i].name if i in known else i.replace("_", " ") for i in ids),
        key=str.lower,
    )


def settings_summary(user: UserSettings, recipes: RecipeSet | None = None) -> str:
    excluded = join_names(ingredient_names(user.exclude, recipes)) if user.exclude else "nothing"
    pushes = (
        f"daily at {user.push_time.strftime('%H:%M')}"
        if user.push_enabled
        else "paused (/settings to resume)"
    )
    return "\n".join(
        [
            f"Diet: <b>{esc(user.diet.value)}</b>",
            f"B12 target: <b>{fmt_ug(user.target_ug)} µg/day</b>",
            f"Meals: {esc(slots_label(user.slots))}",
            f"Excluded: {esc(excluded)}",
            f"Time zone: {esc(user.timezone)}",
            f"Daily plan: {esc(pushes)}",
        ]
    )


def render_settings(
    user: UserSettings, recipes: RecipeSet | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    text = f"⚙️ <b>Your settings</b>\n\n{settings_summary(user, recipes)}"
    pause = (
        InlineKeyboardButton("⏸ Pause daily plan", callback_data=callback("push", "off"))
        if user.push_enabled
        else InlineKeyboardButton("▶️ Resume daily plan", callback_data=callback("push", "on"))
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🥗 Diet", callback_data=callback("menu", "diet")),
                InlineKeyboardButton("🎯 Target", callback_data=callback("menu", "tgt")),
            ],
            [
                InlineKeyboardButton("🍽 Meals", callback_data=callback("menu", "meals")),
                InlineKeyboardButton("🚫 Exclusions", callback_data=callback("menu", "excl")),
            ],
            [
                InlineKeyboardButton("⏰ Time", callback_data=callback("menu", "time")),
                InlineKeyboardButton("🌍 Time zone", callback_data=callback("menu", "tz")),
            ],
            [pause],
        ]
    )
    return text, markup


def meals_keyboard(user: UserSettings) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if slot in user.slots else "➕ ") + slot.value.capitalize(),
                callback_data=callback("slot", slot.value),
            )
        ]
        for slot in SLOT_ORDER
    ]
    rows.append([InlineKeyboardButton("⬅️ Back", callback_data=callback("menu", "main"))])
    return InlineKeyboardMarkup(rows)


def render_meals_question(user: UserSettings) -> str:
    return (
        f"Meals planned each day: <b>{esc(slots_label(user.slots))}</b>.\n"
        "Tap to switch a meal on or off (a snack helps spread B12 over the day)."
    )


def render_exclusions(user: UserSettings, recipes: RecipeSet) -> str:
    if user.exclude:
        names = "\n".join(f"• {esc(name)}" for name in ingredient_names(user.exclude, recipes))
        current = f"Left out now:\n{names}\n\nTap a food below to bring it back."
    else:
        current = "Nothing is left out now."
    return (
        f"🚫 <b>Exclusions</b>\n{current}\n\n"
        "Leave foods out with <code>/exclude peanuts, tofu</code> and bring them back with "
        "<code>/include tofu</code>."
    )


MAX_INCLUDE_BUTTONS = 40  # Telegram allows 100 buttons; past 40 a screen is a wall


def exclusions_keyboard(
    user: UserSettings, recipes: RecipeSet, *, back: bool = True
) -> InlineKeyboardMarkup | None:
    """One "↩️ <food>" button per excluded ingredient (two a row), then ⬅️ Back."""
    known = recipes.ingredients
    items = sorted(user.exclude, key=lambda i: (known[i].name if i in known else i).lower())[
        :MAX_INCLUDE_BUTTONS
    ]
    short = {i: short_name(known[i]) if i in known else i.replace("_", " ") for i in items}
    taken = [name.lower() for name in short.values()]
    buttons = []
    for i in items:
        # two foods with one short name ("Milk, whole", "Milk, skim") keep their full names
        name = short[i] if taken.count(short[i].lower()) == 1 or i not in known else known[i].name
        buttons.append(
            InlineKeyboardButton(button_label(f"↩️ {name}"), callback_data=callback("incl", i))
        )
    rows = [buttons[k : k + 2] for k in range(0, len(buttons), 2)]
    if back:
        rows.append([InlineKeyboardButton("⬅️ Back", callback_data=callback("menu", "main"))])
    return InlineKeyboardMarkup(rows) if rows else None
