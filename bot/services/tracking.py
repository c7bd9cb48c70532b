"""Tracking logic shared by the handlers and the tracking tick (no Telegram imports).

Builds the per-user recipe set (their own fortified products), computes what a checked-off
meal contributed, and assembles daily tallies from meal logs, doses and stored plans, so
`/progress`, the evening check and the tests all agree on one tally.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections import defaultdict

from bot.core import household as hh
from bot.core import tally
from bot.core.household_codec import household_from_dict
from bot.core.household_view import member_view
from bot.core.models import DayPlan, PlannedMeal, RecipeSet, Slot, UserSettings
from bot.core.plan_codec import plan_from_dict
from bot.core.products import meal_b12_ug, with_products
from bot.core.regions import for_region
from bot.core.reminders import ReminderKind
from bot.services.plans import owner_key
from bot.storage.store import Store, household_owner
from bot.storage.tracking import DoseLog, TrackingStore

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
    """The owner key of the user's OWN plans ("u:<id>"; the plans service decides).

    A household member's plans are stored under the household ("h:<id>"): read them with
    household_plan / stored_plan, which try that first.
    """
    return owner_key(user)


async def user_recipes(
    tracking: TrackingStore, recipes: RecipeSet, user: UserSettings
) -> RecipeSet:
    """`recipes` with the fortified values of the user's region (the lowest when they chose
    none) and their own product labels applied, so a check-off counts what the plan counted."""
    overrides = await tracking.product_overrides(user.user_id)
    return with_products(for_region(recipes, user.region), overrides)


def planned_meal_b12(recipes: RecipeSet, meal: PlannedMeal) -> float:
    """What a planned meal contributes when eaten, using `recipes`' (the user's) values."""
    return meal_b12_ug(recipes, meal)


async def household_plan(
    tracking: TrackingStore, user: UserSettings, day: dt.date
) -> hh.HouseholdPlan | None:
    """The stored household plan of the user's day if they are one of its members (or None).

    The plans service stores one plan per household and day (and re-stores it when a
    member's settings change their top-ups), so this is the plan the member was shown.
    """
    if user.household_id is None:
        return None
    raw = await tracking.store.get_plan(household_owner(user.household_id), day)
    if raw is None:
        return None
    try:
        hplan = household_from_dict(raw)
    except ValueError:
        return None
    return hplan if hplan.member(user.user_id) is not None else None


def member_planned_by_slot(
    hplan: hh.HouseholdPlan, user_id: int, recipes: RecipeSet | None = None
) -> dict[Slot, float]:
    """B12 of each meal the member eats on a household day, their personal top-ups included.

    A personal item is part of its meal; a personal snack is the member's snack (it is only
    given when they eat no shared snack). Valued with `recipes` (the user's products) when
    given, else the stored numbers: then the sum is the member view's total. Unlike valuing
    member_view's meals, this keeps a personal item on a meal that also has a shared top-up.
    """
    day = hplan.member(user_id)
    if day is None:
        raise KeyError(f"user {user_id} is not a member of this household plan")
    items = {t.slot: t for t in day.topups if t.kind == hh.KIND_ITEM}
    out: dict[Slot, float] = {}
    for meal in hplan.plan.meals:
        if meal.slot not in day.slots:
            continue
        b12 = meal.b12_ug if recipes is None else meal_b12_ug(recipes, meal)
        item = items.get(meal.slot)
        if item is not None:
            ing = recipes.ingredients.get(item.ref_id) if recipes is not None else None
            b12 += item.b12_ug if ing is None else ing.per_100g.b12_ug * item.grams / 100.0
        out[meal.slot] = b12
    for t in day.topups:
        if t.kind == hh.KIND_SNACK:
            recipe = recipes.recipes.get(t.ref_id) if recipes is not None else None
            out[t.slot] = out.get(t.slot, 0.0) + (t.b12_ug if recipe is None else recipe.b12_ug)
    return out


def member_planned_b12(
    hplan: hh.HouseholdPlan, user_id: int, recipes: RecipeSet | None = None
) -> list[float]:
    """member_planned_by_slot's values in meal order: one dose per meal for the tally."""
    return list(member_planned_by_slot(hplan, user_id, recipes).values())


async def planned_slot_b12(
    tracking: TrackingStore, user: UserSettings, day: dt.date, slot: Slot, recipes: RecipeSet
) -> float | None:
    """What checking off `slot` of a household member's day counts (None: not a household
    day or no such meal; value the plan's meal with planned_meal_b12 then)."""
    hplan = await household_plan(tracking, user, day)
    if hplan is None:
        return None
    return member_planned_by_slot(hplan, user.user_id, recipes).get(slot)


async def stored_plan(
    tracking: TrackingStore,
    user: UserSettings,
    day: dt.date,
    recipes: RecipeSet | None = None,
) -> DayPlan | None:
    """The plan the user got for `day`, whatever settings it was made with (or None).

    A household member gets their view of the household plan (personal top-ups included;
    `recipes` is needed for that view, else it is skipped); otherwise, or for a day before
    they joined, their own stored plan.
    """
    if recipes is not None:
        hplan = await household_plan(tracking, user, day)
        if hplan is not None:
            return member_view(recipes, hplan, user.user_id)
    raw = await tracking.store.get_plan(plan_owner(user), day)
    if raw is None:
        return None
    try:
        return plan_from_dict(raw)
    except ValueError:
        return None


async def planned_b12(
    tracking: TrackingStore, user: UserSettings, day: dt.date, recipes: RecipeSet | None = None
) -> list[float] | None:
    """B12 of each meal planned for the user's day (None when no plan is stored).

    Household members: the household plan as they got it (their top-ups included); others:
    their own plan. Valued with `recipes` (the user's products) when given.
    """
    hplan = await household_plan(tracking, user, day)
    if hplan is not None:
        return member_planned_b12(hplan, user.user_id, recipes)
    plan = await stored_plan(tracking, user, day)
    if plan is None:
        return None
    if recipes is not None:
        return [planned_meal_b12(recipes, m) for m in plan.meals]
    return [m.b12_ug for m in plan.meals]


async def day_tallies(
    tracking: TrackingStore,
    user: UserSettings,
    start: dt.date,
    end: dt.date,
    recipes: RecipeSet | None = None,
) -> list[tally.DayTally]:
    """One DayTally per day in [start, end] on which anything was logged, oldest first.

    Eaten: each meal checked off (and each extra) counts as its own meal for absorption.
    Planned: the plan the user got that day (planned_b12: a household member's view of the
    household plan, else their own), valued with the user's products when `recipes` is
    given; days without a stored plan fall back to what the check-offs recorded as planned.
    """
    meals = await tracking.meal_logs(user.user_id, start, end)
    # a weekly dose up to 6 days before `start` still covers the first days of the window
    week_before = start - dt.timedelta(days=tally.WEEK_DAYS - 1)
    all_doses = await tracking.doses(user.user_id, week_before, end)
    doses = [d for d in all_doses if d.local_date >= start]
    weekly_ids = {
        r.id
        for r in await tracking.reminders(user.user_id)
        if r.reminder.kind == ReminderKind.WEEKLY
    }
    covered = tally.covered_days(
        (
            (d.local_date, d.dose_ug, d.reminder_id in weekly_ids)
            for d in all_doses
            if d.kind == "oral"
        ),
        start,
        end,
    )
    eaten: dict[dt.date, list[float]] = defaultdict(list)
    eaten_at: dict[dt.date, list[dt.datetime | None]] = defaultdict(list)
    oral_at: dict[dt.date, list[dt.datetime | None]] = defaultdict(list)
    planned_from_logs: dict[dt.date, float] = defaultdict(float)
    oral: dict[dt.date, list[float]] = defaultdict(list)
    injections: dict[dt.date, list[float]] = defaultdict(list)
    for m in meals:
        if m.status == "eaten" or m.b12_ug > 0:
            eaten[m.local_date].append(m.b12_ug)
            eaten_at[m.local_date].append(m.logged_utc)
        planned_from_logs[m.local_date] += m.planned_ug
    for d in doses:
        (oral if d.kind == "oral" else injections)[d.local_date].append(d.dose_ug)
        if d.kind == "oral":
            oral_at[d.local_date].append(d.taken_utc)
    days = sorted({m.local_date for m in meals} | {d.local_date for d in doses} | set(covered))
    out = []
    for day in days:
        planned = await planned_b12(tracking, user, day, recipes)
        if planned is None:
            planned = [planned_from_logs[day]]
        out.append(
            tally.day_tally(
                day,
                planned,
                eaten[day],
                oral[day],
                injections[day],
                eaten_times=eaten_at[day],
                dose_times=oral_at[day],
                weekly_cover_ug=covered.get(day, 0.0),
            )
        )
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


REPEAT_DOSE_WINDOW = dt.timedelta(hours=1)  # a second dose this soon is asked about first


async def recent_dose(
    ts: TrackingStore, user_id: int, today: dt.date, now: dt.datetime
) -> DoseLog | None:
    """The latest dose logged within REPEAT_DOSE_WINDOW before now (from /took or a
    reminder's "Taken"), or None: a second one this soon is asked about, never logged
    silently (a tap on "Taken" after typing /took would double the day's dose)."""
    doses = await ts.doses(user_id, today - dt.timedelta(days=1), today)
    recent = [d for d in doses if now - REPEAT_DOSE_WINDOW <= d.taken_utc <= now]
    return max(recent, key=lambda d: d.taken_utc) if recent else None
