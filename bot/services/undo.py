"""Undo on plan messages: a tick taken back, a swap reverted.

Why here and not in the handlers: both change stored data under the plan owner's lock, and
the swap undo is a planning step (bot.core.swap.unswap keeps every rule), not a rewrite of
the stored body: a dish that no longer fits is not brought back.
"""

from __future__ import annotations

import datetime as dt

from bot.core.models import DayPlan, Slot, UserSettings
from bot.core.plan_codec import plan_to_dict
from bot.core.swap import unswap
from bot.services.plans import HISTORY_DAYS, PlanService, owner_key


async def undo_tick(plans: PlanService, user: UserSettings, day: dt.date, slot: Slot) -> bool:
    """Take back the Eaten / Skipped / Other tick of a planned meal; False: none was there."""
    return await plans.tracking.unlog_meal(user.user_id, day, slot.value)


async def undo_swap(
    plans: PlanService, user: UserSettings, day: dt.date, slot: Slot, recipe_id: str
) -> DayPlan | None:
    """The day with `slot` back to `recipe_id`, stored; None when that dish no longer fits
    (the plan stays as it is). Own plans only: a household's swap is undone by swapping."""
    if user.household_id is not None:
        return None
    owner = owner_key(user)
    async with plans.lock(owner):
        current = await plans.stored_plan(user, day)
        if current is None:
            return None
        history = await plans.store.recent_recipe_ids(owner, day, HISTORY_DAYS)
        recipes, person = await plans.planning(user, await plans.recipes_for(user))
        restored = unswap(recipes, person, current, slot, recipe_id, history)
        if restored is not None:
            await plans.store.save_plan(owner, day, plan_to_dict(restored), now_utc=plans.now())
        return restored
