"""The clinician report's data: the last 3 months of tallies, doses and every lab result.

Reads through the tracking services (the same tallies /progress shows, valued with the
user's own products) and hands plain values to bot.core.report; no Telegram types here.
"""

from __future__ import annotations

import datetime as dt

from bot.core import report as core_report
from bot.core.models import RecipeSet, UserSettings
from bot.core.reminders import ReminderKind
from bot.services.tracking import day_tallies, user_recipes
from bot.storage.tracking import TrackingStore


async def report_for(
    tracking: TrackingStore, recipes: RecipeSet, user: UserSettings, today: dt.date
) -> core_report.Report:
    """The user's report for the `REPORT_DAYS` days ending `today` (their local date)."""
    start = today - dt.timedelta(days=core_report.REPORT_DAYS - 1)
    mine = await user_recipes(tracking, recipes, user)
    tallies = await day_tallies(tracking, user, start, today, mine)
    weekly_ids = {
        r.id
        for r in await tracking.reminders(user.user_id)
        if r.reminder.kind == ReminderKind.WEEKLY
    }
    doses = [
        core_report.Dose(
            d.local_date, d.dose_ug, d.kind == "injection", d.reminder_id in weekly_ids
        )
        for d in await tracking.doses(user.user_id, start, today)
    ]
    labs = [lab.result for lab in await tracking.labs(user.user_id)]
    # averages per day with something recorded: a day only covered by a weekly dose (a tally
    # /progress keeps, so it is not "short") would count as a day with no food at all
    recorded = {m.local_date for m in await tracking.meal_logs(user.user_id, start, today)}
    recorded |= {d.day for d in doses}
    logged = [t for t in tallies if t.date in recorded]
    return core_report.build_report(user, today, logged, doses, labs)
