"""Once a day, stored plans and shopping lists older than the retention window are deleted
(in small batches).

The planner reads 7 days back, /progress 30, and /export gets what is left (~60 days):
see Store.prune_plans.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram.ext import Application, ContextTypes

from bot.chat.jobs.repeat import repeat
from bot.services.container import Services
from bot.storage.store import PLAN_RETENTION_DAYS

log = logging.getLogger(__name__)

PRUNE_INTERVAL_SECONDS = 24 * 3600
PRUNE_FIRST_SECONDS = 120  # after start-up traffic, not in the first push tick


def schedule_plan_pruning(application: Application) -> None:
    repeat(
        application,
        prune_plans_job,
        interval=PRUNE_INTERVAL_SECONDS,
        first=PRUNE_FIRST_SECONDS,
        name="plan-pruning",
        without="old plans will not be pruned",
    )


async def prune_plans_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = context.application.bot_data.get("services")
    if not isinstance(services, Services):
        return  # stopping: the store is closed
    # a day of margin for the zones ahead of UTC: local dates run up to a day ahead
    cutoff = services.now().date() - dt.timedelta(days=PLAN_RETENTION_DAYS + 1)
    pruned = await services.store.prune_plans(cutoff)
    if pruned:
        log.info("pruned %d stored plan(s) of days before %s", pruned, cutoff.isoformat())
    lists = await services.shopping.prune(cutoff)
    if lists:
        log.info("pruned %d shopping list(s) starting before %s", lists, cutoff.isoformat())
