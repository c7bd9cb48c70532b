"""Texts and keyboards for households, invites, group chats and inline sharing.

No handlers, no I/O. HTML parse mode: everything from data or users goes through `esc()`.
Callback data is versioned ("v1:fam:...") and under 64 bytes; an invite token (32 chars)
fits in a Join button.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from babel.dates import format_date
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
)
from bot.chat.render.plans import label_from_english, meal_topup_label, slot_label, slot_word
from bot.core.clock import zone
from bot.core.exclusions import any_excluded
from bot.core.household import KIND_SNACK, HouseholdPlan, PersonalTopUp
from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_time, ngettext
from bot.core.models import DayPlan, Diet, RecipeSet, Slot, UserSettings
from bot.storage.family import GroupLink, Household, InviteInfo, MemberRecord

# Module texts are English; translate at use: _(INVALID_INVITE)
INVALID_INVITE = N_(
    "⚠️ This invite is no longer valid. Invites expire after 7 days and stop working when the "
    "household's owner makes a new one. Ask the person who invited you for a fresh link."
)
PRIVATE_ONLY = N_(
    "Let's do that in a private chat: your personal settings and plan stay between us. "
    "Open a chat with me and send the command there."
)
GROUP_PLAN_HINT = N_(
    "In this group, /plan shows the household's plan. Your own plan, with your B12 total and "
    "any personal top-up, your week and shopping list are in a private chat with me."
)
# personal commands that ask for a plan: in a group, they point to /plan as well
PLAN_COMMANDS = frozenset({"today", "tomorrow", "week", "shopping"})
GROUP_NOT_LINKED = N_(
    "This group isn't linked to a household yet. A household member who is an admin here can "
    "send /family link to get the daily plan in this group."
)
NOT_IN_HOUSEHOLD = N_("You're not in a household. Send /family to create one or ask for an invite.")
# A member's diet mid-sentence ("Ben: vegan, target 2.4 µg").
DIET_WORD: dict[Diet, str] = {
    Diet.OMNIVORE: N_("omnivore"),
    Diet.PESCATARIAN: N_("pescatarian"),
    Diet.VEGETARIAN: N_("vegetarian"),
    Diet.VEGAN: N_("vegan"),
}


def private_chat_markup(bot_username: str | None) -> InlineKeyboardMarkup | None:
    """A URL button to the bot's private chat (t.me link), so "message me privately" is one
    tap away; None when the bot's username is unknown."""
    if not bot_username:
        return None
    url = create_deep_linked_url(bot_username)
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("💬 Open private chat"), url=url)]])


def render_private_only(
    command: str, bot_username: str | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The group answer to a personal command: plan commands also point to /plan."""
    text = GROUP_PLAN_HINT if command.lower() in PLAN_COMMANDS else PRIVATE_ONLY
    return _(text), private_chat_markup(bot_username)


def member_label(record: MemberRecord) -> str:
    return record.user.first_name or _("member {id}").format(id=record.user_id)


def render_no_household(first_name: str) -> tuple[str, InlineKeyboardMarkup]:
    text = "👪 <b>{}</b>\n\n{}\n\n{}".format(
        _("Family sharing"),
        _(
            "Plan for your whole household: one menu everyone eats, with each person's own B12 "
            "target and a personal top-up for whoever needs more."
        ),
        _(
            "Create a household and I'll give you an invite link to forward to your family, or "
            "type <code>/family create The Smiths</code> to choose its name."
        ),
    )
    button = InlineKeyboardButton(
        _("➕ Create a household"), callback_data=callback("fam", "create")
    )
    markup = InlineKeyboardMarkup([[button]])
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
    lines = [f"👪 <b>{esc(household.name)}</b> · {_people(len(members))}", ""]
    for record in members:
        crown = "👑 " if record.is_owner else "• "
        name = esc(member_label(record))
        line = (
            _("{name} (you): {diet}, target {amount} µg")
            if record.user_id == viewer_id
            else _("{name}: {diet}, target {amount} µg")
        )
        diet = record.user.diet
        lines.append(
            crown
            + line.format(
                name=name,
                diet=esc(_(DIET_WORD[diet]) if diet in DIET_WORD else diet.value),
                amount=fmt_ug(record.user.target_ug),
            )
        )
    if groups:
        lines += ["", _("Group chats with the daily plan:")]
        lines += [f"💬 {esc(g.title or str(g.chat_id))}" for g in groups if g.active]
    lines += [
        "",
        _(
            "Everyone gets the same menu; /today shows your own total and any personal top-up. "
            "A swap by anyone changes the plan for all."
        ),
    ]
    rows = [
        [InlineKeyboardButton(_("🔗 Invite link"), callback_data=callback("fam", "inv"))],
    ]
    if is_owner:
        rows.append(
            [
                InlineKeyboardButton(
                    _("🚫 Revoke invite links"), callback_data=callback("fam", "rev")
                )
            ]
        )
        for record in members:
            if record.user_id == viewer_id:
                continue
            name = member_label(record)[:20]
            rows.append(
                [
                    InlineKeyboardButton(
                        _("➖ Remove {name}").format(name=name),
                        callback_data=callback("fam", "rm", record.user_id),
                    ),
                    InlineKeyboardButton(
                        _("👑 Make {name} owner").format(name=name),
                        callback_data=callback("fam", "own", record.user_id),
                    ),
                ]
            )
    rows.append(
        [InlineKeyboardButton(_("🚪 Leave household"), callback_data=callback("fam", "leave"))]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _people(n: int) -> str:
    """ "1 person" / "3 people" in the current language."""
    return ngettext("{n} person", "{n} people", n).format(n=n)


def local_expiry(expires_utc: dt.datetime, timezone: str) -> str:
    """'17 May 2027, 11:00 (Europe/Berlin)': the reader's own clock, with the zone named.

    An unknown zone name falls back to UTC (still named), never to a wrong local time.
    """
    try:
        tz = zone(timezone)
    except ValueError:
        tz, timezone = zone("UTC"), "UTC"
    local = expires_utc.astimezone(tz)
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return f"{local.strftime('%-d %b %Y, %H:%M')} ({timezone})"
    return f"{format_date(local.date(), 'medium', locale=lang)}, {fmt_time(local)} ({timezone})"


def render_invite(
    household: Household, link: str, expires_utc: dt.datetime, timezone: str = "UTC"
) -> tuple[str, InlineKeyboardMarkup]:
    """The invite link; its expiry in `timezone` (the inviting user's own zone)."""
    text = _(
        "🔗 <b>Invite to {household}</b>\n\n"
        "Forward this link to the people you cook for:\n{link}\n\n"
        "It works until {expiry}. Making a new link or revoking stops this one."
    ).format(
        household=esc(household.name),
        link=esc(link),
        expiry=esc(local_expiry(expires_utc, timezone)),
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("🔄 New link"), callback_data=callback("fam", "inv")),
                InlineKeyboardButton(_("🚫 Revoke"), callback_data=callback("fam", "rev")),
            ]
        ]
    )
    return text, markup


def render_invite_confirm(
    info: InviteInfo, token: str, current: Household | None
) -> tuple[str, InlineKeyboardMarkup]:
    inviter = esc(info.inviter_name or _("Someone"))
    lines = [
        _("👪 <b>{inviter}</b> invites you to <b>{household}</b>.").format(
            inviter=inviter, household=esc(info.household.name)
        )
    ]
    lines.append(
        _(
            "You'd share one daily menu; your own diet and B12 target are kept, and I add a "
            "personal top-up when the shared meals don't reach your target."
        )
    )
    if current is not None and current.household_id != info.household.household_id:
        leaving = _("⚠️ Joining means leaving <b>{household}</b>.")
        lines.append("\n" + leaving.format(household=esc(current.name)))
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Join"), callback_data=callback("fam", "join", token)),
                InlineKeyboardButton(_("✖️ Cancel"), callback_data=callback("fam", "no")),
            ]
        ]
    )
    return "\n".join(lines), markup


def render_joined(household: Household, onboarded: bool) -> str:
    text = _(
        "🎉 You're in <b>{household}</b>. /today shows the shared plan with your own "
        "B12 total; /family shows who's in."
    ).format(household=esc(household.name))
    if not onboarded:
        text += "\n\n" + _("So I plan for you properly, send /start and tell me how you eat.")
    return text


def render_owner_join_notice(name: str, household: Household) -> str:
    return _("👋 {name} joined <b>{household}</b>.").format(
        name=esc(name or _("Someone")), household=esc(household.name)
    )


def render_swap_notice(actor: str, slot_name: str, new_recipe: str, day: dt.date) -> str:
    """`slot_name`: the meal's value ("breakfast"), said in the reader's language."""
    try:
        meal = slot_word(Slot(slot_name))
    except ValueError:
        meal = slot_name
    return _(
        "🔁 {actor} swapped {meal} for {day}: now <b>{recipe}</b>. /today shows the plan."
    ).format(
        actor=esc(actor or _("A household member")),
        meal=esc(meal),
        day=esc(fmt_day(day)),
        recipe=esc(new_recipe),
    )


def render_plan_update_notice(
    name: str, event: str, first_day: dt.date, today: dt.date, *, lead: str = ""
) -> str:
    """One short message: the household plan was planned again because someone joined/left.

    Sent only when the stored plan no longer fitted; a kept plan needs no message.
    """
    who = esc(name or _("a member"))
    joined = event == "joined"
    if first_day <= today:
        text = (
            _(
                "🔄 Today's household plan was updated because {name} joined: the menu is "
                "planned again for everyone in the household now. /today shows it."
            )
            if joined
            else _(
                "🔄 Today's household plan was updated because {name} left: the menu is "
                "planned again for everyone in the household now. /today shows it."
            )
        )
    else:
        text = (
            _(
                "🔄 The household plans from {day} on were updated because {name} joined: the "
                "menu is planned again for everyone in the household now. /today shows it."
            )
            if joined
            else _(
                "🔄 The household plans from {day} on were updated because {name} left: the "
                "menu is planned again for everyone in the household now. /today shows it."
            )
        )
    return lead + text.format(name=who, day=fmt_day(first_day))


GROUP_ALL_MET = N_("On target for everyone ✅")
GROUP_ONE_MET = N_("On target ✅")  # a household of one
GROUP_OWN_TOTALS = N_("Each member's own total is in their private chat with me (/today).")


GROUP_EXCLUDED = N_("⚠️ has a food a member excluded (they see which in their private chat)")


def _topup_text(topup: PersonalTopUp, recipes: RecipeSet) -> str:
    """A member's own top-up in the reader's words (English: the label as stored)."""
    if current_language() == SOURCE_LANGUAGE:
        return topup.label
    if topup.kind == KIND_SNACK:
        return recipe_name(recipes, topup.ref_id)
    return label_from_english(topup.label, recipes, topup.grams)


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
    lines = [f"<b>{esc(title)}</b>", f"👪 {esc(household.name)} · {_people(people)}", ""]
    for meal in hplan.plan.meals:
        eating = [d.name or _("member") for d in hplan.members if meal.slot in d.slots]
        dish = (
            _("{recipe} ({amount} µg B12 each)")
            if len(eating) == people
            else _("{recipe} ({amount} µg B12 each · for {names})")
        ).format(
            recipe=esc(recipe_name(recipes, meal.recipe_id)),
            amount=fmt_ug(meal.b12_ug),
            names=esc(", ".join(eating)),
        )
        lines.append(f"{SLOT_ICON.get(meal.slot, '•')} <b>{esc(slot_label(meal.slot))}</b>: {dish}")
        if meal.topup_item and meal.topup_label:
            label = esc(meal_topup_label(meal, recipes))
            plus = _("plus {label} for everyone") if people > 1 else _("plus {label}")
            lines.append("      ➕ " + plus.format(label=label))
        recipe = recipes.recipes.get(meal.recipe_id)
        items = set(recipe.item_ids) if recipe is not None else set()
        if any_excluded(items | {meal.topup_item or ""}, excluded):
            lines.append(f"      {_(GROUP_EXCLUDED)}")
    shown = [d for d in hplan.members if d.user_id in sharing]
    if shown:
        lines.append("")
        for day in shown:
            extras = "; ".join(f"➕ {_topup_text(t, recipes)}" for t in day.topups)
            target = _("{name}: target {amount} µg").format(
                name=esc(day.name or _("member")), amount=fmt_ug(day.target_ug)
            )
            lines.append(f"👤 {target}" + (f" · {esc(extras)}" if extras else ""))
    lines.append("")
    met = GROUP_ALL_MET if people > 1 else GROUP_ONE_MET
    lines.append(_(met) if hplan.all_met else _(GROUP_OWN_TOTALS))
    lines.append("")
    lines.append(
        "<i>" + _("Not medical advice; talk to your clinician about supplements.") + "</i>"
    )
    return "\n".join(lines)


GROUP_PRIVACY_NOTE = N_(
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
                InlineKeyboardButton(
                    _("Show my target here"), callback_data=callback("gshare", "on")
                ),
                InlineKeyboardButton(
                    _("Keep mine private"), callback_data=callback("gshare", "off")
                ),
            ]
        ]
    )


def render_group_share(share: bool) -> str:
    """The answer to /family share on|off (and to the consent buttons in a group)."""
    if share:
        return _(
            "✅ Your B12 target and personal top-ups now show in your household's group chat "
            "plan. /family share off hides them again."
        )
    return _(
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
    head = "<b>{}</b>".format(_("B12 meal plan · {day}").format(day=esc(fmt_day(plan.date))))
    if household:
        head += f"\n👪 {esc(household)}"
    lines = [head]
    for meal in plan.meals:
        lines.append(
            f"{SLOT_ICON.get(meal.slot, '•')} {esc(slot_label(meal.slot))}: "
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
        return _("No plans to share.")
    week = _("B12 meal plan · week of {day}").format(day=esc(fmt_day(plans[0].date)))
    head = f"<b>{week}</b>"
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
    return InlineKeyboardButton(_("📤 Share"), switch_inline_query=day_code(day) if day else "")


def confirm_keyboard(action: str, arg: object, yes: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(yes, callback_data=callback("fam", f"{action}!", arg)),
                InlineKeyboardButton(_("✖️ Cancel"), callback_data=callback("fam", "no")),
            ]
        ]
    )


# --------------------------------------------------------------------------- inline


SETUP_INLINE_TEXT = N_("Set up your plan first")


def setup_inline_button() -> InlineQueryResultsButton:
    """Shown above empty inline results for someone without a plan yet: a tap opens the private
    chat with /start start, which begins onboarding (so the empty list is never a dead end)."""
    return InlineQueryResultsButton(text=_(SETUP_INLINE_TEXT), start_parameter="start")
