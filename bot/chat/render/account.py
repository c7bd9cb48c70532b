"""Texts of the account feature: /privacy (what is stored, who sees what), the /export caption
and the /delete confirmation."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback, esc, fmt_day
from bot.core.i18n import N_, _

# button labels, translated at use
DELETE_YES = N_("🗑 Yes, erase everything")
DELETE_NO = N_("Keep my data")
EXPORT_FILENAME = "b12-bot-export.json"


def render_privacy(shares_in_group: bool | None = None) -> str:
    """What is stored and why, and exactly what a linked group chat sees. `shares_in_group`:
    the user's own choice (None: not in a household, or unknown)."""
    if shares_in_group is None:
        choice = ""
    elif shares_in_group:
        choice = " " + _(
            "You chose to share: the group sees your first name with your B12 target and "
            "your personal top-ups (/family share off stops it)."
        )
    else:
        choice = " " + _(
            "You have not chosen to share (the default): the group sees none of it "
            "(/family share on allows it)."
        )
    return "\n".join(
        [
            "<b>🔒 " + _("Your data") + "</b>",
            _("What I store, and why:"),
            "• "
            + _(
                "Your settings (diet, B12 target, life stage, absorption status if you gave "
                "one, where you buy food, left-out foods, meals, time zone, plan time) and your "
                "Telegram id and first name: to plan and send your meals."
            ),
            "• " + _("Your plans: so a swap is remembered and shopping lists match."),
            "• "
            + _(
                "Meals you tick off, supplements and injections you log: for your daily tally "
                "and /progress."
            ),
            "• " + _("Lab results you add: for /levels and its chart."),
            "• "
            + _(
                "Your reminders and product labels: to remind you and to count your own "
                "products' B12."
            ),
            "• " + _("Household membership, if you share plans."),
            "",
            "<b>" + _("Who sees what") + "</b>",
            "• "
            + _(
                "Members of your household see your first name, diet and B12 target in "
                "/family, and the meal swaps you make."
            ),
            "• "
            + _(
                "A family group chat linked to your household sees, in /plan and the daily "
                "plan: the household's name, how many members it has, the shared meals with "
                "their B12 per serving and, for a meal not everyone eats, the first names of who "
                "eats it; and either “on target for everyone” or a pointer to each member's "
                "private chat. A member's B12 target and personal top-ups appear there only if "
                "that member agreed."
            )
            + choice
            + " "
            + _(
                "The group never sees your totals, logs, lab results, reminders or whether a "
                "clinician manages your B12."
            ),
            _(
                "Nothing else is shared with anyone, and nothing is used for anything else. "
                "Health values never go into the bot's log files."
            ),
            _(
                "/export sends you all of it as a JSON file (each field explained inside). "
                "/delete erases all of it, for good (after you confirm): your name and values "
                "also leave your household's plans, and a household named after you is renamed."
            ),
        ]
    )


def render_export_caption() -> str:
    return _(
        "Everything I store about you, and the household data you can see, as JSON "
        "(the “about” section explains each field). /delete erases it."
    )


def render_delete_question() -> tuple[str, InlineKeyboardMarkup]:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_(DELETE_YES), callback_data=callback("del", "yes"))],
            [InlineKeyboardButton(_(DELETE_NO), callback_data=callback("del", "no"))],
        ]
    )
    text = _(
        "This erases everything I store about you, for good: settings, plans, meal and "
        "supplement logs, lab results, reminders, your products and household membership; "
        "your name and values leave your household's plans too. /export first if you want a "
        "copy. Are you sure?"
    )
    return text, markup


def render_deleted(household_left: bool) -> str:
    text = "🗑 " + _("Everything I stored about you is erased.")
    if household_left:
        text += " " + _("Your household's plans no longer include you.")
    return text + " " + _("/start begins again.")


def render_member_erased(
    household: str, replanned: dt.date | None, today: dt.date, new_owner: bool
) -> str:
    """To each member who remains: someone erased their data (not named: their name is part
    of what they erased), and whether the plan was made again (`replanned`: from that day;
    None: no stored plan to change, the next one is made for who remains)."""
    lines = [
        "👋 "
        + _("A member of {household} deleted their data and left the household.").format(
            household=esc(household)
        )
    ]
    if new_owner:
        lines.append(_("You are its owner now: /family lets you invite and manage members."))
    if replanned is None:  # nothing stored from today on: the next plan is made without them
        lines.append(
            "🔄 "
            + _("Plans from now on are made for the members who remain. /today shows today's.")
        )
    else:
        again = (
            _("Today's plan was made again for the members who remain. /today shows it.")
            if replanned <= today
            else _(
                "The plans from {day} on were made again for the members who remain. /today "
                "shows it."
            ).format(day=fmt_day(replanned))
        )
        lines.append(f"🔄 {again}")
    return "\n".join(lines)
