"""Households: membership changes that keep plans when they still fit, and the group push.

Plans themselves (get or create, swaps, shopping) live in the plans service; this service
handles what happens around a household: someone joins or leaves, and the family's linked
group gets the day's plan once a day. Sending is a function the chat layer passes in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core import household as hh
from bot.core.household_codec import household_from_dict, household_to_dict
from bot.core.models import UserSettings
from bot.services.delivery import Blocked, DeliveryError, Refused, Unconfirmed
from bot.services.plans import NotInHouseholdError, PlanService
from bot.storage.family import DueGroupPush, Household, HouseholdStore
from bot.storage.store import household_owner

log = logging.getLogger(__name__)

PLAN_AHEAD_DAYS = 15  # /week and inline cards read up to 14 days ahead

# Sends a household's plan for a day to its linked group; returns the message id.
SendGroupPlan = Callable[[DueGroupPush, Household, hh.HouseholdPlan], Awaitable[int]]


@dataclass
class FamilyService:
    """Membership and group pushes on top of the plans service and the household store."""

    plans: PlanService
    households: HouseholdStore

    async def membership_changed(
        self,
        household_id: int,
        users: Sequence[UserSettings],
        horizon_days: int = PLAN_AHEAD_DAYS,
    ) -> dt.date | None:
        """Someone joined or left: stored plans from today on are kept when they still fit.

        A stored day whose shared meals still fit every current member's diet and exclusions
        (and leave no meal anyone eats unplanned) is kept: only servings, totals and personal
        top-ups are recomputed, so nobody's day changes under them. From the first day that
        does not fit, plans are dropped and planned again on the next read. Returns that first
        replanned day (None: every stored plan was kept), so the caller can tell the members.
        Today = the earliest local date among the people involved.
        """
        days = [self.plans.today(u) for u in users]
        if not days:
            return None
        first = min(days)
        owner = household_owner(household_id)
        store, recipes = self.plans.store, self.plans.recipes
        members = await self.plans.members(household_id)
        async with self.plans.lock(owner):
            if not members:
                await store.delete_plans_from(owner, first)
                return None
            kept: dict[dt.date, hh.HouseholdPlan] = {}
            replanned: dt.date | None = None
            for offset in range(horizon_days):
                day = first + dt.timedelta(days=offset)
                raw = await store.get_plan(owner, day)
                if raw is None:
                    continue
                try:
                    adapted = hh.adapt_to_members(recipes, household_from_dict(raw), members)
                except ValueError:
                    adapted = None
                if adapted is None:
                    replanned = day
                    break
                kept[day] = adapted
            # drop everything from the first misfit (or past the horizon) on, re-store the rest
            await store.delete_plans_from(
                owner, replanned or first + dt.timedelta(days=horizon_days)
            )
            for day, plan in kept.items():
                if replanned is None or day < replanned:
                    await store.save_plan(
                        owner, day, household_to_dict(plan), now_utc=self.plans.now()
                    )
        return replanned

    async def run_group_push_tick(
        self, send: SendGroupPlan, now_utc: dt.datetime, catch_up: dt.timedelta
    ) -> int:
        """Every linked group whose push time has come gets the household plan once a day.

        Claimed in the ledger before sending (at most once, like user pushes); a group that
        removed the bot is deactivated; other send errors release the claim for a later tick.
        """
        sent = 0
        for due in await self.households.due_group_pushes(now_utc, catch_up):
            if not await self.households.claim_group_push(
                due.link.chat_id, due.local_date, now_utc
            ):
                continue
            sent += await self._send_group_push(send, due, now_utc)
        return sent

    async def _send_group_push(
        self, send: SendGroupPlan, due: DueGroupPush, now_utc: dt.datetime
    ) -> int:
        link, day = due.link, due.local_date
        household = await self.households.get_household(link.household_id)
        try:
            if household is None:
                raise LookupError("household gone")
            plan = await self.plans.household_plan(household.household_id, day)
            message_id = await send(due, household, plan)
        except (Blocked, Refused) as exc:  # removed from the group / chat gone
            log.info("group %s: push blocked (%s)", link.chat_id, exc)
            await self.households.finish_group_push(link.chat_id, day, "blocked", None, now_utc)
            return 0
        except Unconfirmed as exc:  # it may have arrived: recorded as sent, never resent
            log.warning("group %s: push unconfirmed, counted as sent: %s", link.chat_id, exc)
            await self.households.finish_group_push(link.chat_id, day, "sent", None, now_utc)
            return 1
        except (TimeoutError, DeliveryError) as exc:
            log.warning("group %s: push failed, will retry: %s", link.chat_id, exc)
            await self.households.release_group_push(link.chat_id, day)
            return 0
        except (LookupError, NotInHouseholdError) as exc:
            log.info("group %s: nothing to push (%s)", link.chat_id, exc)
            await self.households.finish_group_push(link.chat_id, day, "failed", None, now_utc)
            return 0
        await self.households.finish_group_push(link.chat_id, day, "sent", message_id, now_utc)
        return 1
