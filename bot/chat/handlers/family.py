"""Family sharing: /family, invite deep links and inline sharing (group chats: family_group).

Every action re-reads membership and role from storage; callback data and inline queries
only say WHAT to do, never whose data to use (that is always the presser's own household),
so a forged button or inline query cannot reach another household.

Registered BEFORE the other features: `/start <payload>` in a private chat is an invite
(other payloads fall through to onboarding), and personal commands in groups answer
"message me privately" instead of touching anyone's settings.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    filters,
)
from telegram.helpers import create_deep_linked_url

from bot.chat.handlers.base import Context, current_user, edit, reply, services
from bot.chat.handlers.family_group import (
    PERSONAL_COMMANDS,
    group_family,
    group_plan,
    on_group_share,
    personal_in_group,
)
from bot.chat.handlers.guard import invite_throttle, invite_wait_text, monotonic
from bot.chat.render.family import (
    GROUP_PRIVACY_NOTE,
    INVALID_INVITE,
    NOT_IN_HOUSEHOLD,
    PRIVATE_ONLY,
    confirm_keyboard,
    member_label,
    render_group_share,
    render_household,
    render_invite,
    render_invite_confirm,
    render_joined,
    render_no_household,
    render_owner_join_notice,
    render_plan_update_notice,
    render_share_card,
    render_week_card,
    setup_inline_button,
)
from bot.chat.render.format import esc, fmt_day, parse_count, parse_day_code, recipe_name
from bot.core.exclusions import meal_warning
from bot.core.i18n import _, fmt_decimal, use_language
from bot.core.models import UserSettings
from bot.services.family import FamilyService
from bot.storage.family import FamilyError, Household, MemberRecord

log = logging.getLogger(__name__)

NON_INVITE_PAYLOADS = frozenset({"inline", "share", "start"})
INLINE_CACHE_S = 30
WEEK_DAYS = 7


def family(context: Context) -> FamilyService:
    return services(context).family


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def _find_member(records: list[MemberRecord], text: str) -> list[MemberRecord]:
    wanted = text.strip().lstrip("@").lower()
    number = parse_count(wanted, 15)
    if number is not None:
        return [r for r in records if r.user_id == number]
    return [r for r in records if member_label(r).lower() == wanted]


async def _tell_plan_update(
    context: Context,
    member: UserSettings,
    name: str,
    event: str,
    replanned: dt.date | None,
    lead: Callable[[], str] | None = None,
) -> None:
    """Tell a remaining member, in one message and their own language, that the plan changed
    because someone joined or left (with `lead`, e.g. a new-owner line, first); a kept plan
    needs no plan message."""
    with use_language(member.language):
        first = lead() if lead is not None else ""
        if replanned is None:
            text = first
        else:
            today = services(context).today(member)
            text = render_plan_update_notice(
                name, event, replanned, today, lead=f"{first}\n" if first else ""
            )
    if text:
        await _tell(context, member, text)


def _default_name(user: UserSettings) -> str:
    """A new household's name when none is given: "Ana's household"."""
    if user.first_name:
        return _("{name}'s household").format(name=user.first_name)
    return _("Our household")


def _leave_question(home: Household) -> str:
    return _("Leave <b>{household}</b>? You'll get your own plans again.").format(
        household=esc(home.name)
    )


async def _tell(context: Context, user: UserSettings, text: str) -> None:
    """A short message to another member's private chat (their problem never fails ours)."""
    try:
        await context.bot.send_message(user.chat_id, text, parse_mode=ParseMode.HTML)
    except TelegramError as exc:
        log.info("could not tell user %s: %s", user.user_id, exc)


# --------------------------------------------------------------------------- /family (private)


async def show_family(update: Update, context: Context, user: UserSettings) -> None:
    fam = family(context)
    home = await fam.households.household_of(user.user_id)
    if home is None:
        text, markup = render_no_household(user.first_name)
    else:
        members = await fam.households.members(home.household_id)
        groups = await fam.households.groups_of(home.household_id)
        text, markup = render_household(home, members, user.user_id, groups)
    query = update.callback_query
    if query is not None:
        await edit(query, text, markup)
    else:
        await reply(update, text, markup)


async def _create(update: Update, context: Context, user: UserSettings, name: str) -> None:
    fam = family(context)
    svc = services(context)
    try:
        home = await fam.households.create_household(user.user_id, name, svc.now())
    except FamilyError as exc:
        await reply(update, esc(str(exc)))
        return
    await fam.membership_changed(home.household_id, [user])
    # one message, so it reads in order: the /family screen becomes "created + invite link"
    intro = _("👪 Created <b>{household}</b>. You're its owner.").format(household=esc(home.name))
    intro += "\n\n"
    await _send_invite(update, context, user, home, intro=intro)


async def _send_invite(
    update: Update, context: Context, user: UserSettings, home: Household, *, intro: str = ""
) -> None:
    fam = family(context)
    invite = await fam.households.create_invite(
        home.household_id, user.user_id, services(context).now()
    )
    username = context.bot.username
    link = create_deep_linked_url(username, invite.token)
    text, markup = render_invite(home, link, invite.expires_utc, user.timezone)
    text = intro + text
    query = update.callback_query
    if query is not None:
        await edit(query, text, markup)
    else:
        await reply(update, text, markup)


async def family_command(update: Update, context: Context) -> None:
    if not _is_private(update):
        await group_family(update, context)
        return
    user = await current_user(update, context)
    args = context.args or []
    sub = args[0].lower() if args else ""
    rest = " ".join(args[1:]).strip()
    fam = family(context)
    if sub in ("", "show"):
        await show_family(update, context, user)
        return
    if sub in ("create", "new"):
        await _create(update, context, user, rest or _default_name(user))
        return
    home = await fam.households.household_of(user.user_id)
    if home is None:
        await reply(update, _(NOT_IN_HOUSEHOLD))
        return
    if sub in ("invite", "regenerate", "newlink"):
        await _send_invite(update, context, user, home)
    elif sub == "revoke":
        await _revoke(update, context, user, home)
    elif sub == "leave":
        await reply(
            update,
            _leave_question(home),
            confirm_keyboard("leave", 0, _("🚪 Yes, leave")),
        )
    elif sub in ("remove", "owner"):
        records = await fam.households.members(home.household_id)
        found = _find_member(records, rest) if rest else []
        if len(found) != 1:
            names = ", ".join(esc(member_label(r)) for r in records if r.user_id != user.user_id)
            await reply(
                update,
                _("Whom? Send e.g. <code>/family {sub} Ben</code>. Members: {names}.").format(
                    sub=sub, names=names or _("only you")
                ),
            )
            return
        action = "rm" if sub == "remove" else "own"
        await _ask_member_action(update, context, user, found[0], action)
    elif sub == "link":
        await reply(
            update, _("Send <code>/family link</code> inside the group chat you want to link.")
        )
    elif sub == "share":
        choice = rest.lower()
        if choice not in ("on", "off"):
            shared = bool(await fam.households.shares_in_group(user.user_id))
            await reply(update, f"{render_group_share(shared)}\n\n{_(GROUP_PRIVACY_NOTE)}")
            return
        await fam.households.set_group_share(user.user_id, choice == "on")
        await reply(update, render_group_share(choice == "on"))
    else:
        await reply(
            update,
            _(
                "I know: /family · /family create &lt;name&gt; · /family invite · /family revoke · "
                "/family leave · /family remove &lt;name&gt; · /family owner &lt;name&gt; · "
                "/family share on|off; in a group: /plan and /family link."
            ),
        )


async def _revoke(update: Update, context: Context, user: UserSettings, home: Household) -> None:
    fam = family(context)
    found = await fam.households.membership(user.user_id)
    if found is None or found[1] != "owner":
        await reply(update, _("Only the household's owner can revoke invite links."))
        return
    count = await fam.households.revoke_invites(home.household_id, services(context).now())
    text = (
        _("🚫 Invite links revoked: they no longer work.")
        if count
        else _("There was no working invite link.")
    )
    query = update.callback_query
    if query is not None:
        await query.answer(text[:190])
        await show_family(update, context, user)
    else:
        await reply(update, text)


async def _ask_member_action(
    update: Update, context: Context, user: UserSettings, target: MemberRecord, action: str
) -> None:
    name = esc(member_label(target))
    if action == "rm":
        text = _("Remove <b>{name}</b> from the household?").format(name=name)
        yes = _("➖ Yes, remove")
    else:
        text = _("Make <b>{name}</b> the owner? You'll stay a member.").format(name=name)
        yes = _("👑 Yes, hand over")
    markup = confirm_keyboard(action, target.user_id, yes)
    query = update.callback_query
    if query is not None:
        await edit(query, text, markup)
    else:
        await reply(update, text, markup)


# --------------------------------------------------------------------------- buttons


async def on_family_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    action = parts[2] if len(parts) > 2 else ""
    arg = parts[3] if len(parts) > 3 else ""
    if not _is_private(update):
        await query.answer(_(PRIVATE_ONLY)[:190], show_alert=True)
        return
    user = await current_user(update, context)
    fam = family(context)
    if action == "join":
        await _join(update, context, user, arg)
        return
    if action == "no":
        await query.answer(_("Cancelled"))
        await edit(query, _("Cancelled. Nothing changed."), None)
        return
    if action == "create":
        await query.answer()
        await _create(update, context, user, _default_name(user))
        return
    home = await fam.households.household_of(user.user_id)
    if home is None:
        await query.answer(_(NOT_IN_HOUSEHOLD)[:190], show_alert=True)
        return
    if action == "inv":
        await query.answer()
        await _send_invite(update, context, user, home)
    elif action == "rev":
        await _revoke(update, context, user, home)
    elif action == "leave":
        await query.answer()
        await edit(
            query,
            _leave_question(home),
            confirm_keyboard("leave", 0, _("🚪 Yes, leave")),
        )
    elif action == "leave!":
        await _leave(update, context, user, home)
    elif action in ("rm", "own", "rm!", "own!") and parse_count(arg.removeprefix("-"), 15):
        records = await fam.households.members(home.household_id)
        target = next((r for r in records if r.user_id == int(arg)), None)
        me = next((r for r in records if r.user_id == user.user_id), None)
        if target is None or me is None or not me.is_owner or target.user_id == user.user_id:
            await query.answer(
                _("Not allowed: only the owner can do that, for members of their own household."),
                show_alert=True,
            )
            return
        if not action.endswith("!"):
            await query.answer()
            await _ask_member_action(update, context, user, target, action)
            return
        try:
            if action == "rm!":
                await fam.households.remove_member(user.user_id, target.user_id)
                replanned = await fam.membership_changed(
                    home.household_id, [r.user for r in records]
                )
                with use_language(target.user.language):
                    removed = _("You were removed from <b>{household}</b>.")
                    removed = removed.format(household=esc(home.name))
                await _tell(context, target.user, removed)
                for record in records:
                    if record.user_id not in (user.user_id, target.user_id):
                        await _tell_plan_update(
                            context, record.user, member_label(target), "left", replanned
                        )
                toast = (
                    _("Removed {name}. The household plan was updated; the others were told")
                    if replanned is not None
                    else _("Removed {name}")
                ).format(name=member_label(target))
                await query.answer(toast[:190])
            else:
                await fam.households.transfer_ownership(user.user_id, target.user_id)
                with use_language(target.user.language):
                    owner = _("👑 You're now the owner of <b>{household}</b>.")
                    owner = owner.format(household=esc(home.name))
                await _tell(context, target.user, owner)
                toast = _("{name} is the owner now").format(name=member_label(target))
                await query.answer(toast[:190])
        except FamilyError as exc:
            await query.answer(str(exc)[:190], show_alert=True)
            return
        await show_family(update, context, user)
    else:
        await query.answer(_("This button is out of date. Send /family."), show_alert=True)


async def _leave(update: Update, context: Context, user: UserSettings, home: Household) -> None:
    fam = family(context)
    query = update.callback_query
    before = await fam.households.members(home.household_id)
    result = await fam.households.leave(user.user_id)
    if result is None:
        if query is not None:
            await query.answer(_(NOT_IN_HOUSEHOLD)[:190], show_alert=True)
        return
    replanned = await fam.membership_changed(home.household_id, [r.user for r in before])
    for record in before:
        if record.user_id == user.user_id:
            continue
        lead = None
        if record.user_id == result.new_owner_id:

            def lead() -> str:
                return _("👑 {name} left <b>{household}</b>; you're its owner now.").format(
                    name=esc(user.first_name or _("The owner")), household=esc(home.name)
                )

        await _tell_plan_update(context, record.user, user.first_name, "left", replanned, lead)
    text = _("🚪 You left <b>{household}</b>. /today shows your own plan again.").format(
        household=esc(home.name)
    )
    if query is not None:
        await query.answer(_("You left the household"))
        await edit(query, text, None)
    else:
        await reply(update, text)


# --------------------------------------------------------------------------- deep link


async def start_with_payload(update: Update, context: Context) -> None:
    """/start <payload> in a private chat: an invite token (anything else: onboarding)."""
    payload = (context.args or [""])[0]
    if payload.lower() in NON_INVITE_PAYLOADS:
        from bot.chat.handlers.onboarding import start

        await start(update, context)
        return
    user = await current_user(update, context)
    throttle = invite_throttle(context)
    wait_s = throttle.wait_s(user.user_id, monotonic())
    if wait_s > 0:  # too many wrong tokens: do not even look this one up
        await reply(update, invite_wait_text(wait_s))
        return
    fam = family(context)
    info = await fam.households.check_invite(payload, services(context).now())
    if info is None:
        throttle.failed(user.user_id, monotonic())
        await reply(update, _(INVALID_INVITE))
        return
    current = await fam.households.household_of(user.user_id)
    if current is not None and current.household_id == info.household.household_id:
        already = _("You're already in <b>{household}</b>. /family shows it.")
        await reply(update, already.format(household=esc(current.name)))
        return
    text, markup = render_invite_confirm(info, payload, current)
    await reply(update, text, markup)


async def _join(update: Update, context: Context, user: UserSettings, token: str) -> None:
    query = update.callback_query
    assert query is not None
    throttle = invite_throttle(context)
    wait_s = throttle.wait_s(user.user_id, monotonic())
    if wait_s > 0:
        await query.answer(invite_wait_text(wait_s)[:190], show_alert=True)
        return
    fam = family(context)
    result = await fam.households.join(user.user_id, token, services(context).now())
    if result.status == "invalid" or result.household is None:
        throttle.failed(user.user_id, monotonic())
        await query.answer(_("This invite is no longer valid."), show_alert=True)
        await edit(query, _(INVALID_INVITE), None)
        return
    home = result.household
    if result.status == "already":
        await query.answer(_("You're already in this household."))
        await edit(query, render_joined(home, user.onboarded), None)
        return
    members = await fam.households.members(home.household_id)
    replanned = await fam.membership_changed(home.household_id, [r.user for r in members])
    if result.left_household_id is not None:
        old_members = await fam.households.members(result.left_household_id)
        left_replanned = await fam.membership_changed(
            result.left_household_id, [user, *(r.user for r in old_members)]
        )
        for record in old_members:
            await _tell_plan_update(context, record.user, user.first_name, "left", left_replanned)
    await query.answer(_("Welcome to {household}!").format(household=home.name)[:190])
    await edit(query, render_joined(home, user.onboarded), None)
    for record in members:
        if record.user_id == user.user_id:
            continue
        lead = (
            (lambda: render_owner_join_notice(user.first_name, home)) if record.is_owner else None
        )
        await _tell_plan_update(context, record.user, user.first_name, "joined", replanned, lead)


# --------------------------------------------------------------------------- /plan (private)


async def private_plan(update: Update, context: Context) -> None:
    from bot.chat.handlers.plans import today

    await today(update, context)


# --------------------------------------------------------------------------- inline mode


async def inline_query(update: Update, context: Context) -> None:
    """Cards of the asking user's OWN plan (household or personal); the query text only
    picks a day, so nobody can ask for someone else's household."""
    iq = update.inline_query
    assert iq is not None
    svc = services(context)
    user = await svc.store.get_user(iq.from_user.id)
    if user is None or not user.onboarded:
        await iq.answer(
            [],
            cache_time=0,
            is_personal=True,
            button=setup_inline_button(),
        )
        return
    today = svc.today(user)
    asked = parse_day_code(iq.query.strip()) if iq.query.strip() else None
    day = asked if asked is not None and today <= asked <= today + dt.timedelta(days=13) else today
    fam = family(context)
    home = await fam.households.household_of(user.user_id) if user.household_id else None
    label = home.name if home is not None else None
    plan = await svc.plans.day_plan(user, day)
    # only the sender sees a result's description: their exclusions never reach the card
    warnings = [w for m in plan.meals if (w := meal_warning(m, user, svc.recipes))]
    results = [
        InlineQueryResultArticle(
            id=f"d{day.strftime('%Y%m%d')}",
            title=_("Plan for {day}").format(day=fmt_day(day)),
            description=(f"{warnings[0]} · " if warnings else "")
            + f"B12 {fmt_decimal(plan.b12_ug)} µg · "
            + ", ".join(
                recipe_name(svc.recipes, m.recipe_id)
                for m in plan.meals
                if m.recipe_id in svc.recipes.recipes
            )[:120],
            input_message_content=InputTextMessageContent(
                render_share_card(plan, svc.recipes, household=label, user=user),
                parse_mode=ParseMode.HTML,
            ),
        )
    ]
    week = await svc.plans.days(user, today, WEEK_DAYS)
    week_warning = next(
        (w for p in week for m in p.meals if (w := meal_warning(m, user, svc.recipes))), None
    )
    results.append(
        InlineQueryResultArticle(
            id=f"w{today.strftime('%Y%m%d')}",
            title=_("Week from {day}").format(day=fmt_day(today)),
            description=(f"{week_warning} · " if week_warning else "")
            + _("Seven days at a glance with daily B12"),
            input_message_content=InputTextMessageContent(
                render_week_card(week, svc.recipes, household=label, user=user),
                parse_mode=ParseMode.HTML,
            ),
        )
    )
    await iq.answer(results, cache_time=INLINE_CACHE_S, is_personal=True)


# --------------------------------------------------------------------------- wiring


def register(application: Application) -> None:
    """Must run before the other features' handlers (see module docstring)."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    application.add_handler(
        CommandHandler(
            "start", start_with_payload, filters=private & filters.Regex(r"^/start\S*\s+\S")
        )
    )
    application.add_handler(CommandHandler("family", family_command))
    application.add_handler(CommandHandler("plan", group_plan, filters=groups))
    application.add_handler(CommandHandler("plan", private_plan, filters=private))
    application.add_handler(
        CommandHandler(list(PERSONAL_COMMANDS), personal_in_group, filters=groups)
    )
    application.add_handler(CallbackQueryHandler(on_family_button, pattern=r"^v1:fam:"))
    application.add_handler(CallbackQueryHandler(on_group_share, pattern=r"^v1:gshare:"))
    application.add_handler(InlineQueryHandler(inline_query))
