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
import contextlib
import datetime as dt
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core import household as hh
from bot.core import planner
from bot.core.clock import local_date_at
from bot.core.exclusions import profile
from bot.core.exclusions import reasons as exclusion_reasons
from bot.core.household_codec import household_from_dict, household_to_dict
from bot.core.household_view import member_view
from bot.core.models import DayPlan, Profile, Recipe, RecipeSet, Slot, UserSettings
from bot.core.plan_codec import plan_from_dict, plan_to_dict
from bot.core.preferences import RecipePrefs, for_user
from bot.core.products import with_products
from bot.core.replan import Replanned, replan_day
from bot.core.shopping import ShoppingItem, household_shopping, shopping_list
from bot.core.swap import swap
from bot.storage.db import Database
from bot.storage.family import HouseholdStore
from bot.storage.preferences import PreferenceStore
from bot.storage.store import Store, household_owner
from bot.storage.tracking import TrackingStore

log = logging.getLogger(__name__)

HISTORY_DAYS = 7
SLOT_NAMES = frozenset(s.value for s in Slot)  # meal logs also hold "extra" rows

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
    """One holder per plan owner, so two taps never plan the same day twice: an asyncio.Lock
    in this process and, given the database, its lock across processes (on PostgreSQL an
    advisory lock held by the transaction the block's reads and writes run in, so workers
    behind one webhook agree too; SQLite has one process)."""

    db: Database | None = None
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary, repr=False
    )

    def local(self, owner: str) -> asyncio.Lock:
        lock = self._locks.get(owner)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[owner] = lock
        return lock

    @contextlib.asynccontextmanager
    async def __call__(self, owner: str) -> AsyncIterator[None]:
        async with self.local(owner):  # waiters queue here, not on pooled connections
            if self.db is None:
                yield
                return
            async with self.db.exclusive(f"plan:{owner}"):
                yield


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

    def __post_init__(self) -> None:
        if self.lock.db is None:
            self.lock.db = getattr(self.store, "db", None)

    def today(self, user: UserSettings) -> dt.date:
        """The user's local calendar date now."""
        return local_date_at(self.now(), user.timezone)

    # --- the user's own plans --------------------------------------------------------------

    def _usable(self, plan: DayPlan, user: UserSettings) -> bool:
        """A stored plan is reused only if it still fits the recipes and the user's settings."""
        if abs(plan.target_ug - user.target_ug) > 1e-9:
            return False
        # a meal ticked before its slot was turned off stays (bot.core.replan), so more
        # slots than the settings is fine; fewer is not
        if not set(user.slots) <= {m.slot for m in plan.meals}:
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

    async def planning(
        self, user: UserSettings, recipes: RecipeSet, prefs: RecipePrefs | None = None
    ) -> tuple[RecipeSet, Profile]:
        """The set and profile the user's own plans are made with (bot.core.preferences):
        their cooking-time limit and never-suggest recipes hidden, favourites preferred."""
        if prefs is None:
            prefs = await PreferenceStore(self.store).prefs(user.user_id)
        return for_user(recipes, user, prefs)

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
            recipes, person = await self.planning(
                user, with_products(self.recipes, inputs.product_overrides)
            )
            plan = planner.plan_day(recipes, person, day, inputs.recent_ids)
            await self.store.save_plan(owner, day, plan_to_dict(plan))
            return plan

    async def day_plans(
        self, wanted: Sequence[tuple[UserSettings, dt.date]]
    ) -> dict[tuple[int, dt.date], DayPlan]:
        """day_plan for many users' own days with one read and one write in all (the morning
        push's batch), keyed by (user id, day). Household members are left out (their plan is
        the household's), and so is a day whose plan someone stored meanwhile (a tap, another
        worker): the stored one wins and day_plan reads it."""
        own = [(user, day) for user, day in wanted if user.household_id is None]
        inputs = await self.store.plan_inputs_many(
            [(owner_key(user), user.user_id, day) for user, day in own], HISTORY_DAYS
        )
        found: dict[tuple[int, dt.date], DayPlan] = {}
        planned: dict[tuple[str, dt.date], tuple[int, DayPlan]] = {}
        prefs: dict[int, RecipePrefs] | None = None  # read once, only if a day needs planning
        for (user, day), got in zip(own, inputs, strict=True):
            owner = owner_key(user)
            plan = self._readable(owner, user, day, got.stored)
            if plan is None:
                if prefs is None:
                    prefs = await PreferenceStore(self.store).prefs_many(
                        [u.user_id for u, _ in own]
                    )
                recipes, person = await self.planning(
                    user,
                    with_products(self.recipes, got.product_overrides),
                    prefs.get(user.user_id, RecipePrefs()),
                )
                plan = planner.plan_day(recipes, person, day, got.recent_ids)
                planned[(owner, day)] = (user.user_id, plan)
                await asyncio.sleep(0)  # a batch of plans must not hold the event loop
            found[(user.user_id, day)] = plan
        if planned:
            rows = [(owner, day, plan_to_dict(plan)) for (owner, day), (_, plan) in planned.items()]
            stored = await self.store.save_new_plans(rows)
            for (owner, day), (uid, _) in planned.items():
                if (owner, day) not in stored:
                    found.pop((uid, day), None)
        return found

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
            recipes, person = await self.planning(user, await self.recipes_for(user))
            if current is None:
                current = planner.plan_day(recipes, person, day, history)
            new = swap(recipes, person, current, slot, history)
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

    async def settings_changed(self, user: UserSettings) -> list[tuple[dt.date, Replanned]]:
        """Diet, target, exclusions, meals, labels or energy changed: the stored plans from today
        on are replanned only where they must be (bot.core.replan): ticked meals and swaps that
        still fit stay, an unchanged value changes nothing. Returns each stored day with what
        changed and why, for the reply. A household member's own plans are dropped (the
        household's plan follows its members on every read)."""
        owner = owner_key(user)
        today = self.today(user)
        if user.household_id is not None:
            await self.store.delete_plans_from(owner, today)
            return []
        results: list[tuple[dt.date, Replanned]] = []
        async with self.lock(owner):
            stored = await self.store.plans_from(owner, today)
            if not stored:
                return results
            recipes, person = await self.planning(user, await self.recipes_for(user))
            logs = await self.tracking.meal_logs(user.user_id, today, stored[-1][0])

            def named(recipe: Recipe, _ids: frozenset[str]) -> list[str]:
                return exclusion_reasons(recipe.item_ids, user.exclude, recipes.ingredients)

            for day, raw in stored:
                try:
                    plan = plan_from_dict(raw)
                except ValueError as exc:
                    log.warning("stored plan for %s on %s unreadable, dropped: %s", owner, day, exc)
                    await self.store.delete_plans_from(owner, day)  # replanned on the next read
                    break
                ticked: dict[Slot, str | None] = {
                    Slot(m.slot): m.recipe_id
                    for m in logs
                    if m.local_date == day and m.slot in SLOT_NAMES
                }
                history = await self.store.recent_recipe_ids(owner, day, HISTORY_DAYS)
                result = replan_day(recipes, person, plan, ticked, history, name_excluded=named)
                if result.changed:
                    await self.store.save_plan(
                        owner, day, plan_to_dict(result.plan), now_utc=self.now()
                    )
                results.append((day, result))
        return results

    # --- household plans -------------------------------------------------------------------

    async def members(self, household_id: int) -> list[hh.Member]:
        records = await self.households.members(household_id)
        return [hh.Member(r.user_id, profile(r.user, self.recipes)) for r in records]

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
