"""Household plans for handlers and pushes: the family side of bot.services.plans.Services.

Services routes a user who is in a household here, so /today, swaps, /week, the shopping list
and the morning push all read ONE stored plan per household and day (owner key "h:<id>").
A member's view is that shared plan with their own total and personal top-ups, so the same
day is identical for everyone and only the personal lines differ.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram.error import TelegramError

from bot.chat.render.family import render_group_plan, render_swap_notice
from bot.core import household as hh
from bot.core.models import DayPlan, Slot, UserSettings
from bot.core.shopping import ShoppingItem
from bot.storage.family import DueGroupPush, Household, HouseholdStore
from bot.storage.store import household_owner

if TYPE_CHECKING:
    from telegram import Bot

    from bot.services.plans import Services

log = logging.getLogger(__name__)

HISTORY_DAYS = 7
PLAN_AHEAD_DAYS = 15  # /week and inline cards read up to 14 days ahead


class NotInHouseholdError(LookupError):
    """The user is not (or no longer) in the household they asked about."""


class FamilyServices:
    """Household plans on top of the Services' store, recipes and clock."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.households = HouseholdStore(services.store)
        self.bot: Bot | None = None  # set at start-up; swap notices need it

    # --- members --------------------------------------------------------------------------

    async def members(self, household_id: int) -> list[hh.Member]:
        records = await self.households.members(household_id)
        return [hh.Member(r.user_id, r.user.profile()) for r in records]

    async def _checked_household(self, user: UserSettings) -> int:
        """The user's household id from the membership table (not from a caller's say-so)."""
        found = await self.households.membership(user.user_id)
        if found is None:
            raise NotInHouseholdError(f"user {user.user_id} is not in a household")
        return found[0]

    # --- plans ----------------------------------------------------------------------------

    async def household_plan(self, household_id: int, day: dt.date) -> hh.HouseholdPlan:
        """The stored household plan for `day`, planned and saved on first use."""
        members = await self.members(household_id)
        if not members:
            raise NotInHouseholdError(f"household {household_id} has no members")
        owner = household_owner(household_id)
        svc = self.services
        async with svc._lock(owner):
            raw = await svc.store.get_plan(owner, day)
            if raw is not None:
                try:
                    stored = hh.from_dict(raw)
                    refreshed = hh.refresh(svc.recipes, stored, members)
                except ValueError as exc:
                    log.warning("stored plan %s on %s unreadable, replanning: %s", owner, day, exc)
                    refreshed = None
                if refreshed is not None:
                    if refreshed != stored:
                        # a member's settings changed their top-ups or servings: store what
                        # they now see, so check-offs and /progress (which read it) agree
                        await svc.store.save_plan(
                            owner, day, hh.to_dict(refreshed), now_utc=svc.now()
                        )
                    return refreshed
            history = await svc.store.recent_recipe_ids(owner, day, HISTORY_DAYS)
            plan = hh.plan_household_day(svc.recipes, members, day, history)
            await svc.store.save_plan(owner, day, hh.to_dict(plan), now_utc=svc.now())
            return plan

    async def member_view(self, user: UserSettings, day: dt.date) -> DayPlan:
        household_id = await self._checked_household(user)
        plan = await self.household_plan(household_id, day)
        return hh.member_view(self.services.recipes, plan, user.user_id)

    async def plans(self, user: UserSettings, start: dt.date, days: int) -> list[DayPlan]:
        return [await self.member_view(user, start + dt.timedelta(days=i)) for i in range(days)]

    async def shopping(
        self, user: UserSettings, start: dt.date, days: int
    ) -> tuple[list[DayPlan], list[ShoppingItem]]:
        """Views for the user and ONE list with amounts for every member (and their top-ups)."""
        household_id = await self._checked_household(user)
        hplans = [
            await self.household_plan(household_id, start + dt.timedelta(days=i))
            for i in range(days)
        ]
        views = [hh.member_view(self.services.recipes, p, user.user_id) for p in hplans]
        return views, hh.household_shopping(self.services.recipes, hplans)

    async def swap(self, user: UserSettings, day: dt.date, slot: Slot) -> DayPlan:
        """Swap a shared meal for everyone, store it, and tell the other members (one line)."""
        household_id = await self._checked_household(user)
        current = await self.household_plan(household_id, day)
        members = await self.members(household_id)
        svc = self.services
        owner = household_owner(household_id)
        async with svc._lock(owner):
            history = await svc.store.recent_recipe_ids(owner, day, HISTORY_DAYS)
            new = hh.swap_household_meal(svc.recipes, members, current, slot, history)
            await svc.store.save_plan(owner, day, hh.to_dict(new), now_utc=svc.now())
        before, after = current.plan.meal(slot), new.plan.meal(slot)
        if before is not None and after is not None and before.recipe_id != after.recipe_id:
            await self.notify_swap(user, household_id, day, slot, after.recipe_id)
        return hh.member_view(svc.recipes, new, user.user_id)

    async def notify_swap(
        self, actor: UserSettings, household_id: int, day: dt.date, slot: Slot, recipe_id: str
    ) -> int:
        """One short message to each other member; returns how many were sent."""
        if self.bot is None:
            log.warning("no bot attached: swap notices for household %s skipped", household_id)
            return 0
        recipe = self.services.recipes.recipes.get(recipe_id)
        text = render_swap_notice(
            actor.first_name, slot.value, recipe.name if recipe else recipe_id, day
        )
        sent = 0
        for record in await self.households.members(household_id):
            if record.user_id == actor.user_id or not record.user.active:
                continue
            try:
                await self.bot.send_message(record.user.chat_id, text, parse_mode="HTML")
                sent += 1
            except TelegramError as exc:  # one member's problem must not undo the swap
                log.info("swap notice to %s failed: %s", record.user_id, exc)
        return sent

    async def membership_changed(
        self, household_id: int, users: Sequence[UserSettings], horizon_days: int = PLAN_AHEAD_DAYS
    ) -> dt.date | None:
        """Someone joined or left: stored plans from today on are kept when they still fit.

        A stored day whose shared meals still fit every current member's diet and exclusions
        (and leave no meal anyone eats unplanned) is kept: only servings, totals and personal
        top-ups are recomputed, so nobody's day changes under them. From the first day that
        does not fit, plans are dropped and planned again on the next read. Returns that first
        replanned day (None: every stored plan was kept), so the caller can tell the members.
        Today = the earliest local date among the people involved.
        """
        days = [self.services.today(u) for u in users]
        if not days:
            return None
        first = min(days)
        owner = household_owner(household_id)
        svc = self.services
        members = await self.members(household_id)
        async with svc._lock(owner):
            if not members:
                await svc.store.delete_plans_from(owner, first)
                return None
            kept: dict[dt.date, hh.HouseholdPlan] = {}
            replanned: dt.date | None = None
            for offset in range(horizon_days):
                day = first + dt.timedelta(days=offset)
                raw = await svc.store.get_plan(owner, day)
                if raw is None:
                    continue
                try:
                    adapted = hh.adapt_to_members(svc.recipes, hh.from_dict(raw), members)
                except ValueError:
                    adapted = None
                if adapted is None:
                    replanned = day
                    break
                kept[day] = adapted
            # drop everything from the first misfit (or past the horizon) on, re-store the rest
            await svc.store.delete_plans_from(
                owner, replanned or first + dt.timedelta(days=horizon_days)
            )
            for day, plan in kept.items():
                if replanned is None or day < replanned:
                    await svc.store.save_plan(owner, day, hh.to_dict(plan), now_utc=svc.now())
        return replanned

    # --- groups ---------------------------------------------------------------------------

    async def group_text(self, household: Household, day: dt.date, title: str) -> str:
        plan = await self.household_plan(household.household_id, day)
        return render_group_plan(plan, self.services.recipes, household, title=title)

    async def run_group_push_tick(
        self, bot: Bot, now_utc: dt.datetime, catch_up: dt.timedelta
    ) -> int:
        """Every linked group whose push time has come gets the household plan once a day.

        Claimed in the ledger before sending (at most once, like user pushes); a group that
        removed the bot is deactivated; other send errors release the claim for a later tick.
        Sending goes through PTB's AIORateLimiter (20 messages a minute per group).
        """
        from bot.chat.render.plans import fmt_day

        sent = 0
        for due in await self.households.due_group_pushes(now_utc, catch_up):
            if not await self.households.claim_group_push(
                due.link.chat_id, due.local_date, now_utc
            ):
                continue
            sent += await self._send_group_push(bot, due, now_utc, fmt_day(due.local_date))
        return sent

    async def _send_group_push(
        self, bot: Bot, due: DueGroupPush, now_utc: dt.datetime, day_label: str
    ) -> int:
        from telegram.error import BadRequest, Forbidden

        from bot.services.plans import send_html

        link, day = due.link, due.local_date
        household = await self.households.get_household(link.household_id)
        try:
            if household is None:
                raise LookupError("household gone")
            text = await self.group_text(household, day, f"☀️ Plan for {day_label}")
            message_id = await send_html(bot, link.chat_id, text)
        except (Forbidden, BadRequest) as exc:  # removed from the group / chat gone
            log.info("group %s: push blocked (%s)", link.chat_id, exc)
            await self.households.finish_group_push(link.chat_id, day, "blocked", None, now_utc)
            return 0
        except (TimeoutError, TelegramError) as exc:
            log.warning("group %s: push failed, will retry: %s", link.chat_id, exc)
            await self.households.release_group_push(link.chat_id, day)
            return 0
        except (LookupError, NotInHouseholdError) as exc:
            log.info("group %s: nothing to push (%s)", link.chat_id, exc)
            await self.households.finish_group_push(link.chat_id, day, "failed", None, now_utc)
            return 0
        await self.households.finish_group_push(link.chat_id, day, "sent", message_id, now_utc)
        return 1


def family_for(services: Services) -> FamilyServices:
    """The FamilyServices of these Services (made once, kept on the object)."""
    found = services.__dict__.get("_family")
    if not isinstance(found, FamilyServices):
        found = FamilyServices(services)
        services.__dict__["_family"] = found
    return found
