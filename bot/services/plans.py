"""The one place that turns a user + a date into their stored plan, for handlers and pushes.

"Get or create" lives here so /today, a swap button, /week, the shopping list and the
morning push all see the same stored plan: a swap is remembered because every reader goes
through `day_plan`, and a per-owner lock stops two taps from planning the same day twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram.constants import ParseMode

from bot.chat.render.plans import fmt_day, render_plan, split_message
from bot.config import Settings
from bot.core import planner
from bot.core.clock import local_date_at
from bot.core.models import DayPlan, RecipeSet, Slot, UserSettings
from bot.core.shopping import ShoppingItem, shopping_list
from bot.services.family import FamilyServices, family_for
from bot.services.tracking import tracking_store
from bot.storage.store import Store

if TYPE_CHECKING:
    from telegram import Bot

log = logging.getLogger(__name__)

HISTORY_DAYS = 7


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def owner_key(user: UserSettings) -> str:
    """Plans belong to a user now ("u:<id>"); households ("h:<id>") plug in here later."""
    return f"u:{user.user_id}"


def day_title(day: dt.date, today: dt.date) -> str:
    if day == today:
        return f"Today · {fmt_day(day)}"
    if day == today + dt.timedelta(days=1):
        return f"Tomorrow · {fmt_day(day)}"
    return fmt_day(day)


@dataclass
class Services:
    """Everything handlers need: storage, the recipe set, settings and an injectable clock."""

    store: Store
    recipes: RecipeSet
    settings: Settings
    now: Callable[[], dt.datetime] = utc_now
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary, repr=False
    )

    # --- time ----------------------------------------------------------------------------

    def today(self, user: UserSettings) -> dt.date:
        """The user's local calendar date now."""
        return local_date_at(self.now(), user.timezone)

    def _lock(self, owner: str) -> asyncio.Lock:
        lock = self._locks.get(owner)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[owner] = lock
        return lock

    # --- plans ---------------------------------------------------------------------------

    def _usable(self, plan: DayPlan, user: UserSettings) -> bool:
        """A stored plan is reused only if it still fits the recipes and the user's settings."""
        if abs(plan.target_ug - user.target_ug) > 1e-9:
            return False
        if {m.slot for m in plan.meals} != set(user.slots):
            return False
        return all(m.recipe_id in self.recipes.recipes for m in plan.meals)

    async def _stored(self, owner: str, user: UserSettings, day: dt.date) -> DayPlan | None:
        raw = await self.store.get_plan(owner, day)
        if raw is None:
            return None
        try:
            plan = planner.plan_from_dict(raw)
        except ValueError as exc:
            log.warning("stored plan for %s on %s unreadable, replanning: %s", owner, day, exc)
            return None
        return plan if self._usable(plan, user) else None

    async def _history(self, owner: str, day: dt.date) -> list[str]:
        return await self.store.recent_recipe_ids(owner, day, HISTORY_DAYS)

    @property
    def family(self) -> FamilyServices:
        """Household plans (issue 5): members of a household read one shared plan per day."""
        return family_for(self)

    async def day_plan(self, user: UserSettings, day: dt.date) -> DayPlan:
        """The stored plan for `day`, planning and saving it on first use."""
        if user.household_id is not None:
            return await self.family.member_view(user, day)
        owner = owner_key(user)
        async with self._lock(owner):
            plan = await self._stored(owner, user, day)
            if plan is not None:
                return plan
            history = await self._history(owner, day)
            recipes = await self.recipes_for(user)
            plan = planner.plan_day(recipes, user.profile(), day, history)
            await self.store.save_plan(owner, day, planner.plan_to_dict(plan))
            return plan

    async def recipes_for(self, user: UserSettings) -> RecipeSet:
        """The recipe set as this user's own plans see it: their /myproducts label values
        replace the typical B12 of those fortified products (issue 6)."""
        from bot.services.tracking import tracking_store, user_recipes

        return await user_recipes(tracking_store(self.store), self.recipes, user.user_id)

    async def stored_plan(self, user: UserSettings, day: dt.date) -> DayPlan | None:
        """The stored plan for `day` if there is a usable one (never plans)."""
        if user.household_id is not None:
            return await self.family.member_view(user, day)
        return await self._stored(owner_key(user), user, day)

    async def swap_meal(self, user: UserSettings, day: dt.date, slot: Slot) -> DayPlan:
        """Replace one meal and store the result, so every later reader sees the swap."""
        if user.household_id is not None:  # everyone's plan changes; the others are told
            return await self.family.swap(user, day, slot)
        owner = owner_key(user)
        async with self._lock(owner):
            current = await self._stored(owner, user, day)
            history = await self._history(owner, day)
            recipes = await self.recipes_for(user)
            if current is None:
                current = planner.plan_day(recipes, user.profile(), day, history)
            new = planner.swap(recipes, user.profile(), current, slot, history)
            await self.store.save_plan(owner, day, planner.plan_to_dict(new))
            return new

    async def plans(self, user: UserSettings, start: dt.date, days: int) -> list[DayPlan]:
        """Consecutive day plans; each is stored before the next so history sees it."""
        return [await self.day_plan(user, start + dt.timedelta(days=i)) for i in range(days)]

    async def shopping(
        self, user: UserSettings, start: dt.date, days: int
    ) -> tuple[list[DayPlan], list[ShoppingItem]]:
        if user.household_id is not None:  # amounts for every member and their top-ups
            return await self.family.shopping(user, start, days)
        plans = await self.plans(user, start, days)
        return plans, shopping_list(self.recipes, plans)

    async def settings_changed(self, user: UserSettings) -> None:
        """Diet, target, exclusions or meals changed: plans from today on are replanned."""
        await self.store.delete_plans_from(owner_key(user), self.today(user))

    # --- users ---------------------------------------------------------------------------

    async def ensure_user(self, user_id: int, chat_id: int, first_name: str) -> UserSettings:
        return await self.store.ensure_user(user_id, chat_id, first_name, now_utc=self.now())

    async def update_user(self, user_id: int, **fields: object) -> UserSettings:
        """Change settings. Every zone change (/timezone, location, zone buttons) and plan-time
        change (/time, time buttons) comes through here, so this is where the user's reminders
        move to the new zone and a pending retest reminder to the new plan time (it fires at
        the plan time; reminders with their own time are unchanged when only the time moves)."""
        now = self.now()
        user = await self.store.update_user(user_id, now_utc=now, **fields)
        if "timezone" in fields or "push_time" in fields:
            await tracking_store(self.store).rezone_reminders(
                user_id, user.timezone, retest_time=user.push_time, now_utc=now
            )
        return user

    # --- push ----------------------------------------------------------------------------

    def push_title(self, user: UserSettings, day: dt.date) -> str:
        name = f", {user.first_name}" if user.first_name else ""
        return f"☀️ Good morning{name}! Your plan for {fmt_day(day)}"

    async def send_daily_push(self, bot: Bot, user: UserSettings, local_date: dt.date) -> int:
        """Plan, render and send the morning message; returns the (last) message_id.

        Telegram errors propagate unchanged: bot.services.push decides about Forbidden, RetryAfter
        and network errors.
        """
        plan = await self.day_plan(user, local_date)
        text, markup = render_plan(
            plan, self.recipes, user, title=self.push_title(user, local_date)
        )
        return await send_html(bot, user.chat_id, text, markup)


async def send_html(bot: Bot, chat_id: int, text: str, markup: object = None) -> int:
    """Send HTML text split under the 4,096 limit; the keyboard goes on the last part."""
    parts: Sequence[str] = split_message(text)
    message_id = 0
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(
            chat_id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,  # type: ignore[arg-type]
        )
        message_id = message.message_id
    return message_id
