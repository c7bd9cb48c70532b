"""The one place that turns a user + a date into their stored plan, for handlers and pushes.

"Get or create" lives here so /today, a swap button, /week, the shopping list and the
morning push all see the same stored plan: a swap is remembered because every reader goes
through `day_plan`, and a per-owner lock stops two taps from planning the same day twice.

The data flows one way: read what the planner needs from storage (the user's own product
labels, the household's members, recent history), hand plain values to the pure planner in
bot.core, store the result. A member of a household reads ONE stored plan per household and
day (owner "h:<id>"), seen with their own total and personal top-ups.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core import household as hh
from bot.core import planner
from bot.core.clock import local_date_at
from bot.core.household_codec import household_from_dict, household_to_dict
from bot.core.household_view import member_view
from bot.core.models import DayPlan, RecipeSet, Slot, UserSettings
from bot.core.plan_codec import plan_from_dict, plan_to_dict
from bot.core.products import with_products
from bot.core.shopping import ShoppingItem, household_shopping, shopping_list
from bot.core.swap import swap
from bot.storage.family import HouseholdStore
from bot.storage.store import Store, household_owner
from bot.storage.tracking import TrackingStore

log = logging.getLogger(__name__)

HISTORY_DAYS = 7

# Told when a household meal was swapped: (who swapped, household id, day, slot, new recipe).
# The chat layer sends the other members one line; services never talk to Telegram.
SwapListener = Callable[[UserSettings, int, dt.date, Slot, str], Awaitable[object]]


class NotInHouseholdError(LookupError):
    """The user is not (or no longer) in the household they asked about."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def owner_key(user: UserSettings) -> str:
    """The owner of a user's own plans ("u:<id>"); households own theirs as "h:<id>"."""
    return f"u:{user.user_id}"


@dataclass
class OwnerLocks:
    """One asyncio.Lock per plan owner, so two taps never plan the same day twice."""

    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary, repr=False
    )

    def __call__(self, owner: str) -> asyncio.Lock:
        lock = self._locks.get(owner)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[owner] = lock
        return lock


@dataclass
class PlanService:
    """Stored day plans for users and households: get or create, swap, ranges, shopping."""

    store: Store
    households: HouseholdStore
    tracking: TrackingStore
    recipes: RecipeSet
    now: Callable[[], dt.datetime] = utc_now
    lock: OwnerLocks = field(default_factory=OwnerLocks)
    on_household_swap: SwapListener | None = None

    def today(self, user: UserSettings) -> dt.date:
        """The user's local calendar date now."""
        return local_date_at(self.now(), user.timezone)

    # --- the user's own plans --------------------------------------------------------------

    def _usable(self, plan: DayPlan, user: UserSettings) -> bool:
        """A stored plan is reused only if it still fits the recipes and the user's settings."""
        if abs(plan.target_ug - user.target_ug) > 1e-9:
            return False
        if {m.slot for m in plan.meals} != set(user.slots):
            return False
        return all(m.recipe_id in self.recipes.recipes for m in plan.meals)

    async def _stored(self, owner: str, user: UserSettings, day: dt.date) -> DayPlan | None:
        return self._readable(owner, user, day, await self.store.get_plan(owner, day))

    def _readable(
        self, owner: str, user: UserSettings, day: dt.date, raw: dict[str, Any] | None
    ) -> DayPlan | None:
        """A stored plan body as a DayPlan, if it is readable and still fits the user."""
        if raw is None:
            return None
        try:
            plan = plan_from_dict(raw)
        except ValueError as exc:
            log.warning("stored plan for %s on %s unreadable, replanning: %s", owner, day, exc)
            return None
        return plan if self._usable(plan, user) else None

    async def recipes_for(self, user: UserSettings) -> RecipeSet:
        """The recipe set as this user's own plans see it: their /myproducts label values
        replace the typical B12 of those fortified products."""
        return with_products(self.recipes, await self.tracking.product_overrides(user.user_id))

    async def day_plan(self, user: UserSettings, day: dt.date) -> DayPlan:
        """The stored plan for `day`, planning and saving it on first use."""
        if user.household_id is not None:
            return await self.member_view(user, day)
        owner = owner_key(user)
        async with self.lock(owner):
            # the stored plan, the days before and the user's labels: one read, not three
            inputs = await self.store.plan_inputs(owner, user.user_id, day, HISTORY_DAYS)
            plan = self._readable(owner, user, day, inputs.stored)
            if plan is not None:
                return plan
            recipes = with_products(self.recipes, inputs.product_overrides)
            plan = planner.plan_day(recipes, user.profile(), day, inputs.recent_ids)
            await self.store.save_plan(owner, day, plan_to_dict(plan))
            return plan

    async def stored_plan(self, user: UserSettings, day: dt.date) -> DayPlan | None:
        """The stored plan for `day` if there is a usable one (never plans)."""
        if user.household_id is not None:
            return await self.member_view(user, day)
        return await self._stored(owner_key(user), user, day)

    async def swap_meal(self, user: UserSettings, day: dt.date, slot: Slot) -> DayPlan:
        """Replace one meal and store the result, so every later reader sees the swap."""
        if user.household_id is not None:  # everyone's plan changes; the others are told
            return await self.swap_household_meal(user, day, slot)
        owner = owner_key(user)
        async with self.lock(owner):
            current = await self._stored(owner, user, day)
            history = await self.store.recent_recipe_ids(owner, day, HISTORY_DAYS)
            recipes = await self.recipes_for(user)
            if current is None:
                current = planner.plan_day(recipes, user.profile(), day, history)
            new = swap(recipes, user.profile(), current, slot, history)
            await self.store.save_plan(owner, day, plan_to_dict(new))
            return new

    async def days(self, user: UserSettings, start: dt.date, days: int) -> list[DayPlan]:
        """Consecutive day plans; each is stored before the next so history sees it."""
        return [await self.day_plan(user, start + dt.timedelta(days=i)) for i in range(days)]

    async def shopping(
        self, user: UserSettings, start: dt.date, days: int
    ) -> tuple[list[DayPlan], list[ShoppingItem]]:
        """The days' plans and one shopping list (a household's: amounts for every member)."""
        if user.household_id is not None:
            household_id = await self.checked_household(user)
            hplans = [
                await self.household_plan(household_id, start + dt.timedelta(days=i))
                for i in range(days)
            ]
            views = [member_view(self.recipes, p, user.user_id) for p in hplans]
            return views, household_shopping(self.recipes, hplans)
        plans = await self.days(user, start, days)
        return plans, shopping_list(self.recipes, plans)

    async def settings_changed(self, user: UserSettings) -> None:
        """Diet, target, exclusions or meals changed: plans from today on are replanned."""
        await self.store.delete_plans_from(owner_key(user), self.today(user))

    # --- household plans -------------------------------------------------------------------

    async def members(self, household_id: int) -> list[hh.Member]:
        records = await self.households.members(household_id)
        return [hh.Member(r.user_id, r.user.profile()) for r in records]

    async def checked_household(self, user: UserSettings) -> int:
        """The user's household id from the membership table (not from a caller's say-so)."""
        found = await self.households.membership(user.user_id)
        if found is None:
            raise NotInHouseholdError(f"user {user.user_id} is not in a household")
        return found[0]

    async def household_plan(self, household_id: int, day: dt.date) -> hh.HouseholdPlan:
        """The stored household plan for `day`, planned and saved on first use."""
        members = await self.members(household_id)
        if not members:
            raise NotInHouseholdError(f"household {household_id} has no members")
        owner = household_owner(household_id)
        async with self.lock(owner):
            raw = await self.store.get_plan(owner, day)
            if raw is not None:
                try:
                    stored = household_from_dict(raw)
                    refreshed = hh.refresh(self.recipes, stored, members)
                except ValueError as exc:
                    log.warning("stored plan %s on %s unreadable, replanning: %s", owner, day, exc)
                    refreshed = None
                if refreshed is not None:
                    if refreshed != stored:
                        # a member's settings changed their top-ups or servings: store what
                        # they now see, so check-offs and /progress (which read it) agree
                        await self.store.save_plan(
                            owner, day, household_to_dict(refreshed), now_utc=self.now()
                        )
                    return refreshed
            history = await self.store.recent_recipe_ids(owner, day, HISTORY_DAYS)
            plan = hh.plan_household_day(self.recipes, members, day, history)
            await self.store.save_plan(owner, day, household_to_dict(plan), now_utc=self.now())
            return plan

    async def member_view(self, user: UserSettings, day: dt.date) -> DayPlan:
        household_id = await self.checked_household(user)
        plan = await self.household_plan(household_id, day)
        return member_view(self.recipes, plan, user.user_id)

    async def swap_household_meal(self, user: UserSettings, day: dt.date, slot: Slot) -> DayPlan:
        """Swap a shared meal for everyone, store it, and tell the other members (one line)."""
        household_id = await self.checked_household(user)
        current = await self.household_plan(household_id, day)
        members = await self.members(household_id)
        owner = household_owner(household_id)
        async with self.lock(owner):
            history = await self.store.recent_recipe_ids(owner, day, HISTORY_DAYS)
            new = hh.swap_household_meal(self.recipes, members, current, slot, history)
            await self.store.save_plan(owner, day, household_to_dict(new), now_utc=self.now())
        before, after = current.plan.meal(slot), new.plan.meal(slot)
        changed = before is not None and after is not None and before.recipe_id != after.recipe_id
        if changed and after is not None and self.on_household_swap is not None:
            await self.on_household_swap(user, household_id, day, slot, after.recipe_id)
        return member_view(self.recipes, new, user.user_id)
