"""Texts and keyboards for households, invites, group chats and inline sharing.

No handlers, no I/O. HTML parse mode: everything from data or users goes through `esc()`.
Callback data is versioned ("v1:fam:...") and under 64 bytes; an invite token (32 chars)
fits in a Join button.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultsButton
from telegram.helpers import create_deep_linked_url

from bot.chat.render.format import (
    SLOT_ICON,
    callback,
    day_code,
    day_status,
    esc,
    fmt_day,
    fmt_ug,
    recipe_name,
    share_total_line,
    status_mark,
    topup_label_text,
)
from bot.core.clock import zone
from bot.core.exclusions import any_excluded
from bot.core.household import HouseholdPlan
from bot.core.models import DayPlan, RecipeSet, UserSettings
from bot.storage.family import GroupLink, Household, InviteInfo, MemberRecord

INVALID_INVITE = (
    "⚠️ This invite is no longer valid. Invites expire after 7 days and stop working when the "
    "household's owner makes a new one. Ask the person who invited you for a fresh link."
)
PRIVATE_ONLY = (
    "Let's do that in a private chat: your personal settings and plan stay between us. "
    "Open a chat with me and send the command there."
)
GROUP_PLAN_HINT = (
    "In this group, /plan shows the household's plan. Your own plan, with your B12 total and "
    "any personal top-up, your week and shopping list are in a private chat with me."
)
# personal commands that ask for a plan: in a group, they point to /plan as well
PLAN_COMMANDS = frozenset({"today", "tomorrow", "week", "shopping"})
GROUP_NOT_LINKED = (
    "This group isn't linked to a household yet. A household member who is an admin here can "
    "send /family link to get the daily plan in this group."
)
NOT_IN_HOUSEHOLD = "You're not in a household. Send /family to create one or ask for an invite."


def private_chat_markup(bot_username: str | None) -> InlineKeyboardMarkup | None:
    """A URL button to the bot's private chat (t.me link), so "message me privately" is one
    tap away; None when the bot's username is unknown."""
    if not bot_username:
        return None
    url = create_deep_linked_url(bot_username)
    return InlineKeyboardMarkup([[InlineKeyboardButton("💬 Open private chat", url=url)]])


def render_private_only(
    command: str, bot_username: str | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The group answer to a personal command: plan commands also point to /plan."""
    text = GROUP_PLAN_HINT if command.lower() in PLAN_COMMANDS else PRIVATE_ONLY
    return text, private_chat_markup(bot_username)


def member_label(record: MemberRecord) -> str:
    name = record.user.first_name or f"member {record.user_id}"
    return name


def render_no_household(first_name: str) -> tuple[str, InlineKeyboardMarkup]:
    text = (
        "👪 <b>Family sharing</b>\n\n"
        "Plan for your whole household: one menu everyone eats, with each person's own B12 "
        "target and a personal top-up for whoever needs more.\n\n"
        "Create a household and I'll give you an invite link to forward to your family, or "
        "type <code>/family create The Smiths</code> to choose its name."
    )
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("➕ Create a household", callback_data=callback("fam", "create"))]]
    )
    return text, markup


def render_household(
    household: Household,
    members: Sequence[MemberRecord],
    viewer_id: int,
    groups: Sequence[GroupLink] = (),
) -> tuple[str, InlineKeyboardMarkup]:
    """The household as its members see it; owner-only buttons only for the owner."""
    viewer = next((m for m in members if m.user_id == viewer_id), None)
    is_owner = viewer is not None and viewer.is_owner
    lines = [f"👪 <b>{esc(household.name)}</b> · {len(members)} " + _people(len(members)), ""]
    for record in members:
        crown = "👑 " if record.is_owner else "• "
        you = " (you)" if record.user_id == viewer_id else ""
        lines.append(
            f"{crown}{esc(member_label(record))}{you}: {esc(record.user.diet.value)}, "
            f"target {fmt_ug(record.user.target_ug)} µg"
        )
    if groups:
        lines += ["", "Group chats with the daily plan:"]
        lines += [f"💬 {esc(g.title or str(g.chat_id))}" for g in groups if g.active]
    lines += [
        "",
        "Everyone gets the same menu; /today shows your own total and any personal top-up. "
        "A swap by anyone changes the plan for all.",
    ]
    rows = [
        [InlineKeyboardButton("🔗 Invite link", callback_data=callback("fam", "inv"))],
    ]
    if is_owner:
        rows.append(
            [InlineKeyboardButton("🚫 Revoke invite links", callback_data=callback("fam", "rev"))]
        )
        for record in members:
            if record.user_id == viewer_id:
                continue
            name = member_label(record)[:20]
            rows.append(
                [
                    InlineKeyboardButton(
                        f"➖ Remove {name}", callback_data=callback("fam", "rm", record.user_id)
                    ),
                    InlineKeyboardButton(
                        f"👑 Make {name} owner",
                        callback_data=callback("fam", "own", record.user_id),
                    ),
                ]
            )
    rows.append(
        [InlineKeyboardButton("🚪 Leave household", callback_data=callback("fam", "leave"))]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _people(n: int) -> str:
    return "person" if n == 1 else "people"


def local_expiry(expires_utc: dt.datetime, timezone: str) -> str:
    """'17 May 2027, 11:00 (Europe/Berlin)': the reader's own clock, with the zone named.

    An unknown zone name falls back to UTC (still named), never to a wrong local time.
    """
    try:
        tz = zone(timezone)
    except ValueError:
        tz, timezone = zone("UTC"), "UTC"
    local = expires_utc.astimezone(tz)
    return f"{local.strftime('%-d %b %Y, %H:%M')} ({timezone})"


def render_invite(
    household: Household, link: str, expires_utc: dt.datetime, timezone: str = "UTC"
) -> tuple[str, InlineKeyboardMarkup]:
    """The invite link; its expiry in `timezone` (the inviting user's own zone)."""
    text = (
        f"🔗 <b>Invite to {esc(household.name)}</b>\n\n"
        f"Forward this link to the people you cook for:\n{esc(link)}\n\n"
        f"It works until {esc(local_expiry(expires_utc, timezone))}. Making a new link "
        "or revoking stops this one."
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🔄 New link", callback_data=callback("fam", "inv")),
                InlineKeyboardButton("🚫 Revoke", callback_data=callback("fam", "rev")),
            ]
        ]
    )
    return text, markup


def render_invite_confirm(
    info: InviteInfo, token: str, current: Household | None
) -> tuple[str, InlineKeyboardMarkup]:
    inviter = esc(info.inviter_name or "Someone")
    lines = [f"👪 <b>{inviter}</b> invites you to <b>{esc(info.household.name)}</b>."]
    lines.append(
        "You'd share one daily menu; your own diet and B12 target are kept, and I add a "
        "personal top-up when the shared meals don't reach your target."
    )
    if current is not None and current.household_id != info.household.household_id:
        lines.append(f"\n⚠️ Joining means leaving <b>{esc(current.name)}</b>.")
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Join", callback_data=callback("fam", "join", token)),
                InlineKeyboardButton("✖️ Cancel", callback_data=callback("fam", "no")),
            ]
        ]
    )
    return "\n".join(lines), markup


def render_joined(household: Household, onboarded: bool) -> str:
    text = (
        f"🎉 You're in <b>{esc(household.name)}</b>. /today shows the shared plan with your own "
        "B12 total; /family shows who's in."
    )
    if not onboarded:
        text += "\n\nSo I plan for you properly, send /start and tell me how you eat."
    return text


def render_owner_join_notice(name: str, household: Household) -> str:
    return f"👋 {esc(name or 'Someone')} joined <b>{esc(household.name)}</b>."


def render_swap_notice(actor: str, slot_name: str, new_recipe: str, day: dt.date) -> str:
    return (
        f"🔁 {esc(actor or 'A household member')} swapped {esc(slot_name)} for "
        f"{esc(fmt_day(day))}: now <b>{esc(new_recipe)}</b>. /today shows the plan."
    )


def render_plan_update_notice(
    name: str, event: str, first_day: dt.date, today: dt.date, *, lead: str = ""
) -> str:
    """One short message: the household plan was planned again because someone joined/left.

    Sent only when the stored plan no longer fitted; a kept plan needs no message.
    """
    when = (
        "Today's household plan was"
        if first_day <= today
        else f"The household plans from {fmt_day(first_day)} on were"
    )
    return (
        f"{lead}🔄 {when} updated because {esc(name or 'a member')} {esc(event)}: the menu is "
        "planned again for everyone in the household now. /today shows it."
    )


GROUP_ALL_MET = "On target for everyone ✅"
GROUP_ONE_MET = "On target ✅"  # a household of one
GROUP_OWN_TOTALS = "Each member's own total is in their private chat with me (/today)."


GROUP_EXCLUDED = "⚠️ has a food a member excluded (they see which in their private chat)"


def render_group_plan(
    hplan: HouseholdPlan,
    recipes: RecipeSet,
    household: Household,
    *,
    title: str,
    excluded: frozenset[str] = frozenset(),
    sharing: frozenset[int] = frozenset(),
) -> str:
    """The household's day for a group chat: the shared meals, plus the B12 target and
    personal top-ups of the members in `sharing` (those who agreed; nobody by default).
    Totals and clinician status stay in the private chats (/privacy says so). `excluded`:
    every member's excluded ingredient ids together; a meal with one is marked without naming
    who excluded what."""
    people = len(hplan.members)
    lines = [f"<b>{esc(title)}</b>", f"👪 {esc(household.name)} · {people} {_people(people)}", ""]
    for meal in hplan.plan.meals:
        eating = [d.name or "member" for d in hplan.members if meal.slot in d.slots]
        who = "" if len(eating) == people else f" · for {', '.join(eating)}"
        lines.append(
            f"{SLOT_ICON.get(meal.slot, '•')} <b>{esc(meal.slot.value.capitalize())}</b>: "
            f"{esc(recipe_name(recipes, meal.recipe_id))} ({fmt_ug(meal.b12_ug)} µg B12 each"
            f"{esc(who)})"
        )
        if meal.topup_item and meal.topup_label:
            label = topup_label_text(meal.topup_label, meal.topup_grams)
            everyone = " for everyone" if people > 1 else ""
            lines.append(f"      ➕ plus {esc(label)}{everyone}")
        recipe = recipes.recipes.get(meal.recipe_id)
        items = set(recipe.item_ids) if recipe is not None else set()
        if any_excluded(items | {meal.topup_item or ""}, excluded):
            lines.append(f"      {GROUP_EXCLUDED}")
    shown = [d for d in hplan.members if d.user_id in sharing]
    if shown:
        lines.append("")
        for day in shown:
            extras = "; ".join(f"➕ {t.label}" for t in day.topups)
            lines.append(
                f"👤 {esc(day.name or 'member')}: target {fmt_ug(day.target_ug)} µg"
                + (f" · {esc(extras)}" if extras else "")
            )
    lines.append("")
    met = GROUP_ALL_MET if people > 1 else GROUP_ONE_MET
    lines.append(met if hplan.all_met else GROUP_OWN_TOTALS)
    lines.append("")
    lines.append("<i>Not medical advice; talk to your clinician about supplements.</i>")
    return "\n".join(lines)


GROUP_PRIVACY_NOTE = (
    "🔒 This group sees the shared meals only. A member's B12 target and personal top-ups "
    "show here only if that member agrees (each member taps for themselves; nobody's are "
    "shown until then). /privacy says exactly what a group sees."
)


def group_share_keyboard() -> InlineKeyboardMarkup:
    """The consent step under a newly linked group's confirmation: each tap is the tapper's
    own choice (the handler checks they are a member of the linked household)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Show my target here", callback_data=callback("gshare", "on")),
                InlineKeyboardButton("Keep mine private", callback_data=callback("gshare", "off")),
            ]
        ]
    )


def render_group_share(share: bool) -> str:
    """The answer to /family share on|off (and to the consent buttons in a group)."""
    if share:
        return (
            "✅ Your B12 target and personal top-ups now show in your household's group chat "
            "plan. /family share off hides them again."
        )
    return (
        "🔒 Your B12 target and personal top-ups stay private: the group sees only the shared "
        "meals. /family share on would show them."
    )


def render_share_card(
    plan: DayPlan,
    recipes: RecipeSet,
    *,
    household: str | None = None,
    user: UserSettings | None = None,
) -> str:
    """A button-free card for inline mode: the day's menu and B12 (no personal settings);
    its mark is the sender's (`user`): ✅ only when every rule of their day holds."""
    head = f"<b>B12 meal plan · {esc(fmt_day(plan.date))}</b>"
    if household:
        head += f"\n👪 {esc(household)}"
    lines = [head]
    for meal in plan.meals:
        lines.append(
            f"{SLOT_ICON.get(meal.slot, '•')} {esc(meal.slot.value.capitalize())}: "
            f"{esc(recipe_name(recipes, meal.recipe_id))} ({fmt_ug(meal.b12_ug)} µg B12)"
        )
    lines.append(share_total_line(plan, day_status(plan, user)))
    return "\n".join(lines)


def render_week_card(
    plans: Sequence[DayPlan],
    recipes: RecipeSet,
    *,
    household: str | None = None,
    user: UserSettings | None = None,
) -> str:
    if not plans:
        return "No plans to share."
    head = f"<b>B12 meal plan · week of {esc(fmt_day(plans[0].date))}</b>"
    if household:
        head += f"\n👪 {esc(household)}"
    lines = [head]
    for plan in plans:
        mark = status_mark(day_status(plan, user))
        dishes = " · ".join(esc(recipe_name(recipes, m.recipe_id)) for m in plan.meals)
        lines.append(f"<b>{esc(fmt_day(plan.date))}</b> {mark} {fmt_ug(plan.b12_ug)} µg: {dishes}")
    return "\n".join(lines)


def share_button(day: dt.date | None = None) -> InlineKeyboardButton:
    """Opens inline mode in a chat the user picks; the query names the day (or is empty)."""
    return InlineKeyboardButton("📤 Share", switch_inline_query=day_code(day) if day else "")


def confirm_keyboard(action: str, arg: object, yes: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(yes, callback_data=callback("fam", f"{action}!", arg)),
                InlineKeyboardButton("✖️ Cancel", callback_data=callback("fam", "no")),
            ]
        ]
    )


# --------------------------------------------------------------------------- inline


SETUP_INLINE_TEXT = "Set up your plan first"


def setup_inline_button() -> InlineQueryResultsButton:
    """Shown above empty inline results for someone without a plan yet: a tap opens the private
    chat with /start start, which begins onboarding (so the empty list is never a dead end)."""
    return InlineQueryResultsButton(text=SETUP_INLINE_TEXT, start_parameter="start")
