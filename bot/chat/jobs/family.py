"""Family messages from Telegram's side: the linked group's morning plan and swap notices.

bot.services.family decides which groups are due and keeps their ledger; the plans service
tells the swap listener when a shared meal changed. Both get their send functions here.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram.error import TelegramError
from telegram.ext import Application

from bot.chat.ratelimit import background_sends
from bot.chat.render.family import render_group_plan, render_swap_notice
from bot.chat.render.format import fmt_day, recipe_name
from bot.chat.send import delivering, send_html, services_of
from bot.core import household as hh
from bot.core.i18n import _, use_language
from bot.core.models import Slot, UserSettings
from bot.services.container import Services
from bot.services.plans import SwapListener
from bot.storage.family import DueGroupPush, Household

log = logging.getLogger(__name__)


async def run_group_push_tick_now(application: Application) -> int:
    """Linked family groups whose push time has come get the household plan (once a day)."""
    services = services_of(application)

    async def send(due: DueGroupPush, household: Household, plan: hh.HouseholdPlan) -> int:
        sharing = await services.households.group_sharers(household.household_id)
        members = await services.plans.members(household.household_id)
        excluded = frozenset().union(*(m.profile.exclude for m in members))
        # a group has no language of its own: it reads the language of who linked it
        linker = await services.store.get_user(due.link.linked_by) if due.link.linked_by else None
        with use_language(linker.language if linker is not None else None):
            title = "☀️ " + _("Plan for {day}").format(day=fmt_day(due.local_date))
            text = render_group_plan(
                plan, services.recipes, household, title=title, excluded=excluded, sharing=sharing
            )
        return await send_html(application.bot, due.link.chat_id, text)

    with background_sends():  # group plans yield to interactive replies
        return await services.family.run_group_push_tick(
            delivering(send), services.now(), services.catch_up
        )


def swap_notifier(application: Application, services: Services) -> SwapListener:
    """The plans service's household-swap listener: one short line to each other member."""

    async def notify(
        actor: UserSettings, household_id: int, day: dt.date, slot: Slot, recipe_id: str
    ) -> int:
        sent = 0
        for record in await services.households.members(household_id):
            if record.user_id == actor.user_id or not record.user.active:
                continue
            with use_language(record.user.language):  # each member reads their own language
                text = render_swap_notice(
                    actor.first_name, slot.value, recipe_name(services.recipes, recipe_id), day
                )
            try:
                await application.bot.send_message(record.user.chat_id, text, parse_mode="HTML")
                sent += 1
            except TelegramError as exc:  # one member's problem must not undo the swap
                log.info("swap notice to %s failed: %s", record.user_id, exc)
        return sent

    return notify
