"""Family features in group chats: /family link|unlink, the share-consent buttons, /plan
for the linked household, and "message me privately" for personal commands.

Split from family.py (the private flow), which registers these handlers in its order.
Replies are capped per group (GroupThrottle) so a busy group cannot build a queue.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.chat.handlers.base import Context, reply, services
from bot.chat.render.family import (
    GROUP_NOT_LINKED,
    GROUP_PRIVACY_NOTE,
    group_share_keyboard,
    private_chat_markup,
    render_group_plan,
    render_group_share,
    render_private_only,
)
from bot.chat.render.format import esc, fmt_day
from bot.core.clock import local_date_at
from bot.core.i18n import _, fmt_time
from bot.core.models import UserSettings
from bot.services.plans import NotInHouseholdError

log = logging.getLogger(__name__)

# Commands about one person's settings or plan: never answered inside a group.
PERSONAL_COMMANDS = (
    "start", "settings", "target", "time", "timezone", "zone", "tz", "exclude", "include",
    "stop", "delete", "today", "tomorrow", "week", "shopping", "energy",
)  # fmt: skip
GROUP_MAX_MESSAGES = 20  # Telegram: about 20 messages a minute per group
GROUP_PERIOD_S = 60.0
ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


class GroupThrottle:
    """At most `limit` replies per group per `period` seconds; beyond that /plan is ignored
    (PTB's AIORateLimiter would queue them, and a queue in a busy group only grows)."""

    def __init__(
        self,
        limit: int = GROUP_MAX_MESSAGES,
        period: float = GROUP_PERIOD_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.period = period
        self.clock = clock
        self._sent: dict[int, deque[float]] = {}

    def allow(self, chat_id: int) -> bool:
        now = self.clock()
        times = self._sent.setdefault(chat_id, deque())
        while times and now - times[0] >= self.period:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


def throttle(context: Context) -> GroupThrottle:
    found = context.bot_data.get("group_throttle")
    if not isinstance(found, GroupThrottle):
        found = GroupThrottle()
        context.bot_data["group_throttle"] = found
    return found


async def _stored_user(update: Update, context: Context) -> UserSettings | None:
    """The sender's stored settings WITHOUT touching their chat id (a group is not their chat)."""
    tg_user = update.effective_user
    if tg_user is None:
        return None
    return await services(context).store.get_user(tg_user.id)


async def _is_admin(context: Context, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("getChatMember %s/%s failed: %s", chat_id, user_id, exc)
        return False
    return member.status in ADMIN_STATUSES


async def group_family(update: Update, context: Context) -> None:
    """/family in a group: link, unlink, or point to the private chat."""
    chat = update.effective_chat
    assert chat is not None
    args = context.args or []
    sub = args[0].lower() if args else ""
    fam = services(context).family
    if sub not in ("link", "unlink"):
        link = await fam.households.group_link(chat.id)
        linked = ""
        if link is not None and link.active:
            home = await fam.households.get_household(link.household_id)
            linked = _("This group gets the daily plan of <b>{household}</b>.").format(
                household=esc(home.name if home else "?")
            )
            linked += " "
        how = _(
            "Send /plan for today's household plan. "
            "Household admins link a group with /family link. Creating a household and invites "
            "happen in a private chat with me."
        )
        await reply(
            update,
            f"👪 {linked}{how}",
            private_chat_markup(context.bot.username),
        )
        return
    user = await _stored_user(update, context)
    tg_user = update.effective_user
    if user is None or tg_user is None:
        await reply(
            update,
            _("Message me privately first (send /start there), then try again."),
            private_chat_markup(context.bot.username),
        )
        return
    found = await fam.households.membership(user.user_id)
    if found is None:
        await reply(update, _("Only members of a household can link this group to it."))
        return
    if not await _is_admin(context, chat.id, tg_user.id):
        await reply(update, _("Only group admins can link or unlink this group."))
        return
    household_id = found[0]
    home = await fam.households.get_household(household_id)
    if sub == "unlink":
        link = await fam.households.group_link(chat.id)
        if link is None or link.household_id != household_id:
            await reply(update, _("This group isn't linked to your household."))
            return
        await fam.households.unlink_group(chat.id)
        await reply(update, _("This group no longer gets the daily plan."))
        return
    link = await fam.households.link_group(
        chat.id, household_id, user, chat.title or "", services(context).now()
    )
    await reply(
        update,
        _(
            "✅ This group now gets the plan of <b>{household}</b> every day at "
            "{time} ({zone}). /plan shows it any time."
        ).format(
            household=esc(home.name if home else ""),
            time=fmt_time(link.push_time),
            zone=esc(link.timezone),
        )
        + f"\n\n{_(GROUP_PRIVACY_NOTE)}",
        group_share_keyboard(),
    )


async def on_group_share(update: Update, context: Context) -> None:
    """The consent buttons under a group's link message: the tapper's own choice, only for a
    member of the household this group is linked to (re-read from storage)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    share = query.data.endswith(":on")
    message = query.message
    fam = services(context).family
    link = await fam.households.group_link(message.chat.id) if message is not None else None
    found = await fam.households.membership(query.from_user.id)
    if link is None or not link.active or found is None or found[0] != link.household_id:
        await query.answer(
            _("Only members of the household linked here can choose."), show_alert=True
        )
        return
    await fam.households.set_group_share(query.from_user.id, share)
    await query.answer(render_group_share(share)[:190], show_alert=True)


async def group_plan(update: Update, context: Context) -> None:
    """/plan in a group: the linked household's plan (rate-limited per group)."""
    chat = update.effective_chat
    assert chat is not None
    if not throttle(context).allow(chat.id):
        return
    fam = services(context).family
    link = await fam.households.group_link(chat.id)
    home = await fam.households.get_household(link.household_id) if link else None
    if link is None or not link.active or home is None:
        await reply(update, _(GROUP_NOT_LINKED))
        return
    day = local_date_at(services(context).now(), link.timezone)
    try:
        plan = await services(context).plans.household_plan(home.household_id, day)
        members = await services(context).plans.members(home.household_id)
        excluded = frozenset().union(*(m.profile.exclude for m in members))
        text = render_group_plan(
            plan,
            services(context).recipes,
            home,
            title=_("Plan for {day}").format(day=fmt_day(day)),
            excluded=excluded,
            sharing=await fam.households.group_sharers(home.household_id),
        )
    except NotInHouseholdError:
        await reply(update, _(GROUP_NOT_LINKED))
        return
    await reply(update, text)


def _command_name(update: Update) -> str:
    """'today' for '/today@b12_bot 3' (empty when the update is not a command)."""
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first.lstrip("/").split("@", 1)[0].lower()


async def personal_in_group(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is not None and throttle(context).allow(chat.id):
        text, markup = render_private_only(_command_name(update), context.bot.username)
        await reply(update, text, markup)
