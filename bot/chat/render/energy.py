"""Texts and buttons of the daily energy choice (/energy, ⚡ in /settings)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback, esc
from bot.core.energy import EXAMPLE, KCAL_MAX, KCAL_MIN, PRESETS, describe
from bot.core.models import UserSettings

B12_FOCUSED_NOTE = (
    "ℹ️ These are B12-focused meals, not all of the day's food. /energy plans whole days "
    "in a calorie range."
)


def render_energy_question(user: UserSettings) -> str:
    return (
        f"⚡ Daily energy: <b>{esc(describe(user.kcal_range))}</b>\n\n"
        "Without a range the meals are chosen for B12 and come to about 1,000–1,400 kcal: "
        "the rest of the day's food is up to you. With a range the planner picks meals that "
        "add up to it, still meeting your B12 target.\n"
        f"Your own range: <code>{esc(EXAMPLE)}</code> ({KCAL_MIN:,}–{KCAL_MAX:,} kcal)."
    )


def energy_keyboard(user: UserSettings) -> InlineKeyboardMarkup:
    """Off, the presets (the chosen one ticked) and ⬅️ Back to the settings menu."""
    current = user.kcal_range
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if current is None else "") + "Off (B12-focused meals)",
                callback_data=callback("kcal", "off"),
            )
        ]
    ]
    for key, low, high in PRESETS:
        mark = "✅ " if current == (float(low), float(high)) else ""
        label = f"{mark}{low:,}–{high:,} kcal"
        rows.append([InlineKeyboardButton(label, callback_data=callback("kcal", key))])
    rows.append([InlineKeyboardButton("⬅️ Back", callback_data=callback("menu", "main"))])
    return InlineKeyboardMarkup(rows)


def render_energy_set(kcal_range: tuple[float, float] | None) -> str:
    if kcal_range is None:
        return (
            "⚡ Daily energy: off. Plans from today on are B12-focused meals, not all of the "
            "day's food."
        )
    return (
        f"⚡ Daily energy: <b>{esc(describe(kcal_range))}</b>. Plans from today on add up to "
        "it where the recipes allow."
    )
