"""♥ favourite and 🚫 never-suggest recipes, and the cooking-time limit: use cases.

Why marking "never" replans: a never-suggested dish must leave the stored plans from today on
at once (not only tomorrow's new plans), so the same replan that follows any settings change
(`PlanService.settings_changed`, which keeps ticked meals) runs and its changes are returned
for the reply. A favourite only changes plans not made yet.
"""

from __future__ import annotations

import datetime as dt

from bot.core.models import Slot, UserSettings
from bot.core.preferences import COOK_LIMITS, NEVER, raised_limits
from bot.core.replan import Replanned
from bot.services.plans import PlanService
from bot.storage.preferences import PreferenceStore


async def recipe_pref(plans: PlanService, user: UserSettings, recipe_id: str) -> str | None:
    """The user's mark on a recipe: "favourite", "never" or None."""
    return (await PreferenceStore(plans.store).prefs(user.user_id)).kind(recipe_id)


async def toggle_pref(
    plans: PlanService, user: UserSettings, recipe_id: str, kind: str
) -> tuple[str | None, list[tuple[dt.date, Replanned]]]:
    """Set `kind` on a recipe, or clear it when it is already set (the same button again).
    Returns the mark now held and, when "never" changed, the replanned days."""
    store = PreferenceStore(plans.store)
    before = (await store.prefs(user.user_id)).kind(recipe_id)
    after = None if before == kind else kind
    await store.set_pref(user.user_id, recipe_id, after, now_utc=plans.now())
    changes: list[tuple[dt.date, Replanned]] = []
    if NEVER in (before, after):
        changes = await plans.settings_changed(user)
    return after, changes


def valid_cook_limit(minutes: int | None) -> bool:
    return minutes is None or minutes in COOK_LIMITS


async def raised_cook_limits(plans: PlanService, user: UserSettings) -> dict[Slot, int]:
    """Meals with too few dishes under the user's limit, and the limit they get instead."""
    prefs = await PreferenceStore(plans.store).prefs(user.user_id)
    return raised_limits(await plans.recipes_for(user), user, prefs)
