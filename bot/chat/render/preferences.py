"""Recipe card buttons (servings − / +, ◀ back to the plan, 🔁 swap this meal, ♥ favourite,
🚫 never suggest) and their answers; the max-cooking-time choice. No handlers, no I/O.

Card buttons carry the action, the servings shown, and the plan day and slot the card was
opened from ("-" for /recipe), so each tap edits the one card message in place.
"""

from __future__ import annotations

from collections.abc import Mapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback
from bot.chat.render.plans import card_callback, slot_word
from bot.core.i18n import _, pgettext
from bot.core.models import SLOT_ORDER, Slot, UserSettings
from bot.core.preferences import COOK_LIMITS, FAVOURITE, NEVER

MAX_CARD_SERVINGS = 20


def card_keyboard(
    recipe_id: str, servings: int, pref: str | None, day: str = "-", slot: str = "-"
) -> InlineKeyboardMarkup | None:
    """The card's buttons; None when the recipe id is too long for callback data."""

    def cb(action: str, n: int = servings) -> str:
        return card_callback(action, n, recipe_id, day, slot)

    try:
        rows = [
            [
                InlineKeyboardButton(
                    "➖ " + pgettext("button", "Serving"),
                    callback_data=cb("m", max(1, servings - 1)),
                ),
                InlineKeyboardButton(
                    "➕ " + pgettext("button", "Serving"),
                    callback_data=cb("p", min(MAX_CARD_SERVINGS, servings + 1)),
                ),
            ],
            [
                InlineKeyboardButton(
                    "♥ " + pgettext("button", "Favourite") + " ✓"
                    if pref == FAVOURITE
                    else "♡ " + pgettext("button", "Favourite"),
                    callback_data=cb("f"),
                ),
                InlineKeyboardButton(
                    "🚫 " + pgettext("button", "Never suggested") + " ✓"
                    if pref == NEVER
                    else "🚫 " + pgettext("button", "Never suggest"),
                    callback_data=cb("n"),
                ),
            ],
        ]
        if day != "-" and slot != "-":
            rows.append(
                [
                    InlineKeyboardButton("◀ " + _("Back to plan"), callback_data=cb("b")),
                    InlineKeyboardButton("🔁 " + _("Swap this meal"), callback_data=cb("s")),
                ]
            )
    except ValueError:
        return None
    return InlineKeyboardMarkup(rows)


def pref_answer(name: str, pref: str | None, was: str | None) -> str:
    """The toast after ♥ or 🚫 (plain text, under 200 characters)."""
    short = name[:60]
    if pref == FAVOURITE:
        return _("♥ {name}: a favourite, planned more often (never against your target).").format(
            name=short
        )[:200]
    if pref == NEVER:
        return _("🚫 {name} won't be suggested again (tap again to undo).").format(name=short)[:200]
    if was == NEVER:
        return _("{name} can be suggested again.").format(name=short)[:200]
    return _("{name} is no longer a favourite.").format(name=short)[:200]


def cook_time_label(minutes: int | None) -> str:
    return _("any time") if minutes is None else "≤ " + _("{minutes} min").format(minutes=minutes)


def cook_time_choices() -> list[int | None]:
    return [None, *COOK_LIMITS]


def render_cook_question(user: UserSettings) -> str:
    return (
        "⏱ <b>"
        + _("Max cooking time")
        + "</b>\n\n"
        + _(
            "Now: {limit}. Plans and swaps then use only dishes that take at most this long, "
            "and still meet your B12 target. On a tired day, the 😴 Tired today button on your "
            "plan picks the quickest dishes for what is left."
        ).format(limit=cook_time_label(user.max_cook_min))
    )


def cook_keyboard(user: UserSettings) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✅ " if minutes == user.max_cook_min else "")
            + (
                pgettext("cooking time", "Any")
                if minutes is None
                else _("{minutes} min").format(minutes=minutes)
            ),
            callback_data=callback("cook", "any" if minutes is None else minutes),
        )
        for minutes in cook_time_choices()
    ]
    return InlineKeyboardMarkup(
        [
            buttons,
            [
                InlineKeyboardButton(
                    "⬅️ " + pgettext("button", "Back"), callback_data=callback("menu", "main")
                )
            ],
        ]
    )


def render_cook_set(minutes: int | None, raised: Mapping[Slot, int] | None = None) -> str:
    """The reply to a new limit; `raised`: meals with too few dishes that quick, and the
    limit they keep instead (a meal is never dropped for being slow)."""
    if minutes is None:
        return "⏱ " + _("Max cooking time: any. Plans may use dishes of any cooking time.")
    text = "⏱ " + _(
        "Max cooking time: {minutes} min. Plans and swaps use only quicker dishes."
    ).format(minutes=minutes)
    for slot, limit in sorted((raised or {}).items(), key=lambda kv: SLOT_ORDER.index(kv[0])):
        text += "\n" + _(
            "Few {meal} dishes you can eat take {minutes} min or less, so {meal} may take up "
            "to {limit} min."
        ).format(meal=slot_word(slot), minutes=minutes, limit=limit)
    return text
