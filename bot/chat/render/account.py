"""Texts of the account feature: /privacy (what is stored, who sees what), the /export caption
and the /delete confirmation."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback, esc, fmt_day

DELETE_YES = "🗑 Yes, erase everything"
DELETE_NO = "Keep my data"
EXPORT_FILENAME = "b12-bot-export.json"


def render_privacy(shares_in_group: bool | None = None) -> str:
    """What is stored and why, and exactly what a linked group chat sees. `shares_in_group`:
    the user's own choice (None: not in a household, or unknown)."""
    if shares_in_group is None:
        choice = ""
    elif shares_in_group:
        choice = (
            " You chose to share: the group sees your first name with your B12 target and "
            "your personal top-ups (/family share off stops it)."
        )
    else:
        choice = (
            " You have not chosen to share (the default): the group sees none of it "
            "(/family share on allows it)."
        )
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
            "either “on target for everyone” or a pointer to each member's private chat. "
            "A member's B12 target and personal top-ups appear there only if that member "
            f"agreed.{choice} The group never sees your totals, logs, lab results, reminders "
            "or whether a clinician manages your B12.",
            "Nothing else is shared with anyone, and nothing is used for anything else. Health "
            "values never go into the bot's log files.",
            "/export sends you all of it as a JSON file (each field explained inside). "
            "/delete erases all of it, for good (after you confirm): your name and values also "
            "leave your household's plans, and a household named after you is renamed.",
        ]
    )


def render_export_caption() -> str:
    return (
        "Everything I store about you, and the household data you can see, as JSON "
        "(the “about” section explains each field). /delete erases it."
    )


def render_delete_question() -> tuple[str, InlineKeyboardMarkup]:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(DELETE_YES, callback_data=callback("del", "yes"))],
            [InlineKeyboardButton(DELETE_NO, callback_data=callback("del", "no"))],
        ]
    )
    text = (
        "This erases everything I store about you, for good: settings, plans, meal and "
        "supplement logs, lab results, reminders, your products and household membership; "
        "your name and values leave your household's plans too. /export first if you want a "
        "copy. Are you sure?"
    )
    return text, markup


def render_deleted(household_left: bool) -> str:
    text = "🗑 Everything I stored about you is erased."
    if household_left:
        text += " Your household's plans no longer include you."
    return text + " /start begins again."


def render_member_erased(
    household: str, replanned: dt.date | None, today: dt.date, new_owner: bool
) -> str:
    """To each member who remains: someone erased their data (not named: their name is part
    of what they erased); the plan follows the members who remain."""
    lines = [f"👋 A member of {esc(household)} deleted their data and left the household."]
    if new_owner:
        lines.append("You are its owner now: /family lets you invite and manage members.")
    if replanned is not None:
        when = (
            "Today's plan was"
            if replanned <= today
            else (f"The plans from {fmt_day(replanned)} on were")
        )
        lines.append(f"🔄 {when} made again for the members who remain. /today shows it.")
    return "\n".join(lines)
