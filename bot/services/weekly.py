"""The weekly summary: who is due, what it says, and sending it at most once per week.

`run_weekly_tick` reads the opted-in users page by page (only while it is Sunday evening in
some time zone), and for each user whose local time is Sunday 18:00 or later claims
`tracking_sends(kind='weekly', key='<user>@<monday>')` BEFORE sending, with the same
claim / finish / release rules as the evening check (bot.services.reminders): a second tick,
an overlapping tick, a restart or another worker process finds the claim and sends nothing.
No Telegram types: the chat layer passes the send function.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core import weekly as core_weekly
from bot.core.clock import zone
from bot.core.models import RecipeSet, UserSettings
from bot.services.reminders import TrackingOutcome
from bot.services.reminders import _deliver as deliver
from bot.services.tracking import day_tallies, user_recipes
from bot.storage.tracking import TrackingStore
from bot.storage.weekly import PAGE, WEEKLY_KIND, WeeklyStore

log = logging.getLogger(__name__)

SendWeekly = Callable[[UserSettings, dt.date], Awaitable[int | None]]
MAX_PER_TICK = 5000  # users looked at per tick; the rest wait for the next tick


@dataclass(slots=True)
class WeeklyOutcome(TrackingOutcome):
    """The tracking tick's counters (skipped, blocked, failed, released) plus `sent`."""

    sent: int = 0


async def weekly_summary_for(
    tracking: TrackingStore, recipes: RecipeSet, user: UserSettings, today: dt.date
) -> core_weekly.WeeklySummary:
    """The summary of the 7 days ending `today` (the user's local date), valued with their
    own products, as /progress values them."""
    start = today - dt.timedelta(days=core_weekly.WEEK_DAYS - 1)
    mine = await user_recipes(tracking, recipes, user)
    tallies = await day_tallies(tracking, user, start, today, mine)
    meals = await tracking.meal_logs(user.user_id, start, today)
    ticks = [core_weekly.MealTick(m.local_date, m.slot, m.status, m.b12_ug) for m in meals]
    recorded = {m.local_date for m in meals}
    recorded |= {d.local_date for d in await tracking.doses(user.user_id, start, today)}
    return core_weekly.build_weekly(user, today, tallies, ticks, recorded)


async def run_weekly_tick(
    tracking: TrackingStore, weekly: WeeklyStore, now_utc: dt.datetime, send: SendWeekly
) -> WeeklyOutcome:
    """Send every weekly summary due at `now_utc`, each claimed in the ledger first."""
    outcome = WeeklyOutcome()
    if not core_weekly.anyone_due(now_utc):
        return outcome
    after, seen = 0, 0
    while seen < MAX_PER_TICK:
        page = await weekly.weekly_users(after, PAGE)
        if not page:
            break
        after, seen = page[-1], seen + len(page)
        for user_id in page:
            user = await tracking.store.get_user(user_id)
            if user is None:
                continue
            local_now = now_utc.astimezone(zone(user.timezone))
            if not core_weekly.due(local_now):
                continue
            local_day = local_now.date()
            key = core_weekly.week_key(user_id, local_day)
            if await tracking.send_state(WEEKLY_KIND, key) is not None:
                outcome.skipped += 1  # sent (or being sent) this week: no claim attempt
                continue
            state = await deliver(
                tracking,
                WEEKLY_KIND,
                key,
                user,
                lambda user=user, day=local_day: send(user, day),
                now_utc,
                outcome,
            )
            outcome.sent += state == "sent"
    return outcome
