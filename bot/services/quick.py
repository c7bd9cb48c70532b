"""😴 Tired today: today's remaining meals re-planned with the quickest dishes that keep the
target (bot.core.quick), stored so every reader sees them.

Only the user's own plans: a household shares one plan, and one member's tired day must not
change everyone's dinner.
"""

from __future__ import annotations

from bot.core.models import Slot, UserSettings
from bot.core.plan_codec import plan_to_dict
from bot.core.quick import QuickDay, quick_day
from bot.services.plans import HISTORY_DAYS, SLOT_NAMES, PlanService, owner_key


class SharedPlanError(LookupError):
    """The user's plan is their household's: tired-today does not change it."""


async def tired_today(plans: PlanService, user: UserSettings) -> QuickDay:
    """Re-plan today's not-yet-ticked meals with the quickest dishes that keep every rule;
    the stored plan changes only when such a day exists (QuickDay.plan is not None)."""
    if user.household_id is not None:
        raise SharedPlanError("household plans are shared")
    day = plans.today(user)
    current = await plans.day_plan(user, day)
    owner = owner_key(user)
    async with plans.lock(owner):
        current = await plans.stored_plan(user, day) or current
        logs = await plans.tracking.meal_logs(user.user_id, day, day)
        ticked: dict[Slot, str | None] = {
            Slot(m.slot): m.recipe_id for m in logs if m.slot in SLOT_NAMES
        }
        history = await plans.store.recent_recipe_ids(owner, day, HISTORY_DAYS)
        recipes, person = await plans.planning(user, await plans.recipes_for(user))
        result = quick_day(recipes, person, current, ticked, history)
        if result.plan is not None:
            await plans.store.save_plan(owner, day, plan_to_dict(result.plan), now_utc=plans.now())
        return result
