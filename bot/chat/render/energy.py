"""Texts and buttons of the daily energy choice (/energy, ⚡ in /settings)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback, esc
from bot.chat.render.pickers import local_number
from bot.core.energy import EXAMPLE, KCAL_MAX, KCAL_MIN, PRESETS, describe
from bot.core.i18n import N_, _
from bot.core.models import UserSettings

B12_FOCUSED_NOTE = N_(
    "ℹ️ These are B12-focused meals, not all of the day's food. /energy plans whole days "
    "in a calorie range."
)


def render_energy_question(user: UserSettings) -> str:
    head = _("Daily energy: {range}").format(range=f"<b>{esc(describe(user.kcal_range))}</b>")
    body = _(
        "Without a range the meals are chosen for B12 and come to about {low}–{high} kcal: "
        "the rest of the day's food is up to you. With a range the planner picks meals that "
        "add up to it, still meeting your B12 target."
    ).format(low=local_number("1,000"), high=local_number("1,400"))
    own = _("Your own range: {example} ({low}–{high} kcal).").format(
        example=f"<code>{esc(EXAMPLE)}</code>",
        low=local_number(f"{KCAL_MIN:,}"),
        high=local_number(f"{KCAL_MAX:,}"),
    )
    return f"⚡ {head}\n\n{body}\n{own}"


def energy_keyboard(user: UserSettings) -> InlineKeyboardMarkup:
    """Off, the presets (the chosen one ticked) and ⬅️ Back to the settings menu."""
    current = user.kcal_range
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if current is None else "") + _("Off (B12-focused meals)"),
                callback_data=callback("kcal", "off"),
            )
        ]
    ]
    for key, low, high in PRESETS:
        mark = "✅ " if current == (float(low), float(high)) else ""
        label = f"{mark}{local_number(f'{low:,}')}–{local_number(f'{high:,}')} kcal"
        rows.append([InlineKeyboardButton(label, callback_data=callback("kcal", key))])
    rows.append([InlineKeyboardButton("⬅️ " + _("Back"), callback_data=callback("menu", "main"))])
    return InlineKeyboardMarkup(rows)


def render_energy_set(kcal_range: tuple[float, float] | None) -> str:
    if kcal_range is None:
        return "⚡ " + _(
            "Daily energy: off. Plans from today on are B12-focused meals, not all of the "
            "day's food."
        )
    return "⚡ " + _(
        "Daily energy: {range}. Plans from today on add up to it where the recipes allow."
    ).format(range=f"<b>{esc(describe(kcal_range))}</b>")
