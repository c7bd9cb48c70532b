"""The opt-in weekly summary: when it is due, its ledger key, and what it says.

Pure code. The summary goes out on Sunday from 18:00 in the user's own zone and covers the
7 days ending that Sunday: days on target (DayTally.meets, the /progress rule), the days'
B12 for a small chart, and the meal slot that most often fell short — skipped, not ticked on a
day with other ticks, or under its share of the target (target / number of meal slots) — so
the message can make one gentle suggestion. No medical claim, no dose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.core.models import Diet, Slot, UserSettings
from bot.core.plan_rules import clinician_manages
from bot.core.tally import WEEK_DAYS, DayTally

SEND_AT = dt.time(18, 0)  # Sunday evening, local time
SUNDAY = 6  # date.weekday()
# Sunday 18:00 somewhere on Earth (UTC+14 … UTC−12) falls between these UTC instants, counted
# from Sunday 00:00 UTC: Sunday 04:00 UTC to Monday 12:00 UTC. Outside it no one is due.
FIRST_DUE = dt.timedelta(hours=18 - 14)
LAST_DUE = dt.timedelta(days=1, hours=12)
EPS = 1e-9


def due(local_now: dt.datetime) -> bool:
    """Sunday, 18:00 or later, in the user's zone (`local_now` is their wall-clock time)."""
    return local_now.weekday() == SUNDAY and local_now.time() >= SEND_AT


def anyone_due(now_utc: dt.datetime) -> bool:
    """False when it is Sunday evening in no time zone: the tick then reads nothing."""
    utc = now_utc.astimezone(dt.UTC)
    days_since_sunday = (utc.weekday() - SUNDAY) % 7
    sunday = dt.datetime.combine(utc.date(), dt.time(), dt.UTC) - dt.timedelta(
        days=days_since_sunday
    )
    return FIRST_DUE <= utc - sunday < LAST_DUE


def week_key(user_id: int, local_day: dt.date) -> str:
    """The ledger key of the week `local_day` is in: one summary per user and ISO week."""
    monday = local_day - dt.timedelta(days=local_day.weekday())
    return f"{user_id}@{monday.isoformat()}"


@dataclass(frozen=True, slots=True)
class MealTick:
    """One meal check-off as the services read it: its local day, slot, status and B12."""

    day: dt.date
    slot: str
    status: str  # eaten | skipped | other
    b12_ug: float


@dataclass(frozen=True, slots=True)
class WeakSlot:
    slot: Slot
    misses: int  # days it was skipped, not ticked or under its share
    days: int  # days with any meal ticked


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    start: dt.date
    end: dt.date
    target_ug: float
    diet: Diet
    clinician_managed: bool
    days: tuple[DayTally, ...]  # logged days of the week, oldest first
    days_on_target: int
    weakest: WeakSlot | None

    @property
    def days_logged(self) -> int:
        return len(self.days)


def weakest_slot(
    slots: Sequence[Slot], ticks: Iterable[MealTick], target_ug: float
) -> WeakSlot | None:
    """The slot most often skipped, not ticked or under its share of the target, counted on
    the days with at least one meal ticked (a day with no ticks says nothing about a slot).
    Ties go to the earlier slot of the day; None when no slot ever fell short."""
    if not slots:
        return None
    share = target_ug / len(slots)
    by_day: dict[dt.date, dict[str, MealTick]] = {}
    for tick in ticks:
        by_day.setdefault(tick.day, {})[tick.slot] = tick
    misses = dict.fromkeys(slots, 0)
    for day_ticks in by_day.values():
        for slot in slots:
            tick = day_ticks.get(slot.value)
            if tick is None or tick.status == "skipped" or tick.b12_ug < share - EPS:
                misses[slot] += 1
    worst = max(slots, key=lambda s: (misses[s], -slots.index(s)))
    if misses[worst] == 0:
        return None
    return WeakSlot(worst, misses[worst], len(by_day))


def build_weekly(
    user: UserSettings,
    today: dt.date,
    tallies: Iterable[DayTally],
    ticks: Iterable[MealTick],
    recorded: Collection[dt.date] | None = None,
) -> WeeklySummary:
    """The summary of the 7 days ending `today` (anything outside them is ignored).

    `recorded`: the days with a tick or a dose. A day only covered by a weekly dose still
    counts as on target (as in /progress), but it is no logged day: its zero food would pull
    the averages down. None: every tally is a logged day."""
    start = today - dt.timedelta(days=WEEK_DAYS - 1)
    week = sorted((t for t in tallies if start <= t.date <= today), key=lambda t: t.date)
    days = tuple(t for t in week if recorded is None or t.date in recorded)
    managed = clinician_manages(user)
    week_ticks = [t for t in ticks if start <= t.day <= today]
    return WeeklySummary(
        start=start,
        end=today,
        target_ug=user.target_ug,
        diet=user.diet,
        clinician_managed=managed,
        days=days,
        days_on_target=0 if managed else sum(1 for t in week if t.meets(user.target_ug)),
        weakest=None if managed else weakest_slot(user.slots, week_ticks, user.target_ug),
    )
