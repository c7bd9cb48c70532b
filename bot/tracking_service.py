"""Tracking logic shared by the handlers and the tracking tick (no Telegram imports).

Builds the per-user recipe set (their own fortified products), computes what a checked-off
meal contributed, and assembles daily tallies from meal logs, doses and stored plans, so
`/progress`, the evening check and the tests all agree on one tally.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections import defaultdict

from bot import tally
from bot.models import DayPlan, PlannedMeal, RecipeSet, Slot, UserSettings
from bot.planner import plan_from_dict
from bot.products import meal_b12_ug, with_products
from bot.storage import Store
from bot.storage_tracking import TrackingStore

_STORES: weakref.WeakKeyDictionary[Store, TrackingStore] = weakref.WeakKeyDictionary()
HISTORY_DAYS = 30


def tracking_store(store: Store) -> TrackingStore:
    """The TrackingStore over `store` (one per Store, created on first use)."""
    found = _STORES.get(store)
    if found is None:
        found = TrackingStore(store)
        _STORES[store] = found
    return found


def plan_owner(user: UserSettings) -> str:
    """The plan owner key the planner layer uses for this user (bot.services decides)."""
    from bot.services import owner_key  # late import: bot.services imports Telegram types

    return owner_key(user)


async def user_recipes(tracking: TrackingStore, recipes: RecipeSet, user_id: int) -> RecipeSet:
    """`recipes` with the user's own product labels applied (same object when they have none)."""
    return with_products(recipes, await tracking.product_overrides(user_id))


def planned_meal_b12(recipes: RecipeSet, meal: PlannedMeal) -> float:
    """What a planned meal contributes when eaten, using `recipes`' (the user's) values."""
    return meal_b12_ug(recipes, meal)


async def stored_plan(tracking: TrackingStore, user: UserSettings, day: dt.date) -> DayPlan | None:
    """The plan stored for the user's day, whatever settings it was made with (or None)."""
    raw = await tracking.store.get_plan(plan_owner(user), day)
    if raw is None:
        return None
    try:
        return plan_from_dict(raw)
    except ValueError:
        return None


async def day_tallies(
    tracking: TrackingStore,
    user: UserSettings,
    start: dt.date,
    end: dt.date,
    recipes: RecipeSet | None = None,
) -> list[tally.DayTally]:
    """One DayTally per day in [start, end] on which anything was logged, oldest first.

    Eaten: each meal checked off (and each extra) counts as its own meal for absorption.
    Planned: the stored plan of that day, valued with the user's products when `recipes` is
    given; days without a stored plan fall back to what the check-offs recorded as planned.
    """
    meals = await tracking.meal_logs(user.user_id, start, end)
    doses = await tracking.doses(user.user_id, start, end)
    eaten: dict[dt.date, list[float]] = defaultdict(list)
    planned_from_logs: dict[dt.date, float] = defaultdict(float)
    oral: dict[dt.date, list[float]] = defaultdict(list)
    injections: dict[dt.date, list[float]] = defaultdict(list)
    for m in meals:
        if m.status == "eaten" or m.b12_ug > 0:
            eaten[m.local_date].append(m.b12_ug)
        planned_from_logs[m.local_date] += m.planned_ug
    for d in doses:
        (oral if d.kind == "oral" else injections)[d.local_date].append(d.dose_ug)
    days = sorted({m.local_date for m in meals} | {d.local_date for d in doses})
    out = []
    for day in days:
        plan = await stored_plan(tracking, user, day)
        if plan is None:
            planned = [planned_from_logs[day]]
        elif recipes is not None:
            planned = [planned_meal_b12(recipes, m) for m in plan.meals]
        else:
            planned = [m.b12_ug for m in plan.meals]
        out.append(tally.day_tally(day, planned, eaten[day], oral[day], injections[day]))
    return out


async def summary_for(
    tracking: TrackingStore, user: UserSettings, today: dt.date, recipes: RecipeSet | None = None
) -> tuple[tally.Summary, list[tally.DayTally]]:
    """Today, last 7 and last 30 days against the user's target, plus the 30 daily tallies."""
    start = today - dt.timedelta(days=HISTORY_DAYS - 1)
    tallies = await day_tallies(tracking, user, start, today, recipes)
    return tally.summarise(tallies, user.target_ug, today), tallies


def slot_of(name: str) -> Slot | None:
    try:
        return Slot(name)
    except ValueError:
        return None
