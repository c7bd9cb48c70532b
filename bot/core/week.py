"""Plans for several consecutive days (a week, or the CLI's `plan --days N`).

Each day is planned by `bot.core.planner` with the recipes of the 7 days before it as history,
so a recipe does not come back within a week unless nothing else fits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core.models import DayPlan, Profile, RecipeSet
from bot.core.planner import planner_for


def plan_days(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    start: dt.date,
    days: int,
    history: Sequence[str] = (),
    *,
    allow_topups: bool = True,
) -> list[DayPlan]:
    """Consecutive days with variety: each day avoids the recipes of the 7 days before it.

    `history` (the 7 days before `start`, dates unknown) counts for the first 7 days.
    """
    planner = planner_for(recipes)
    plans: list[DayPlan] = []
    for offset in range(days):
        window = list(history) if offset < 7 else []
        for earlier in plans[-7:]:
            window.extend(m.recipe_id for m in earlier.meals)
        plans.append(
            planner.plan_day(
                profiles, start + dt.timedelta(days=offset), window, allow_topups=allow_topups
            )
        )
    return plans


def plan_week(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    start: dt.date,
    history: Sequence[str] = (),
    *,
    allow_topups: bool = True,
) -> list[DayPlan]:
    """Seven consecutive days; each day's history includes the days planned before it."""
    return plan_days(recipes, profiles, start, 7, history, allow_topups=allow_topups)
