"""The morning push from Telegram's side: render each due plan and send it, users and groups.

bot.services.push decides who is due and keeps the ledger; this module gives it the send
function and runs it, and the family groups' push (bot.chat.jobs.family), from one repeating
JobQueue tick.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.ext import Application, ContextTypes

from bot.chat.jobs.family import run_group_push_tick_now
from bot.chat.jobs.repeat import repeat
from bot.chat.lifecycle import background_work
from bot.chat.ratelimit import background_sends
from bot.chat.render.plans import PlanView, push_title, render_plan
from bot.chat.send import delivering, send_html, services_of
from bot.core.i18n import use_language
from bot.core.models import DayPlan, UserSettings
from bot.services import push
from bot.services.container import Services
from bot.storage.push import DuePush

log = logging.getLogger(__name__)

# Sends in flight: 8 fill Telegram's 30 msg/s even at 250 ms a request; more only costs CPU
# (httpcore checks every open connection on each request).
PUSH_CONCURRENCY = 8
FIRST_TICK_SECONDS = 2.0


async def send_daily_push(
    services: Services,
    bot: Bot,
    user: UserSettings,
    local_date: dt.date,
    plan: DayPlan | None = None,
) -> int:
    """Render and send the morning message (`plan`, or the stored plan of that day, planned on
    first use); returns the (last) message_id."""
    if plan is None:
        plan = await services.plans.day_plan(user, local_date)
    # the morning plan carries 😴 Tired today (own plans: a household's plan is shared)
    view = PlanView(tired=user.household_id is None)
    with use_language(user.language):
        title = push_title(user, local_date)
        text, markup = render_plan(plan, services.recipes, user, title=title, view=view)
    return await send_html(bot, user.chat_id, text, markup)


def push_attempts(application: Application) -> push.PushAttempts:
    """Failed tries per user and day, remembered across this process's ticks."""
    attempts = application.bot_data.get("push_attempts")
    if not isinstance(attempts, push.PushAttempts):
        attempts = application.bot_data["push_attempts"] = push.PushAttempts()
    return attempts


async def run_push_tick_now(application: Application) -> push.PushOutcome:
    """One push tick: every user whose morning push is due gets it (exactly once). Its
    sends yield to interactive replies, and a stop request ends it within seconds."""
    services = services_of(application)
    work = background_work(application)
    # each claimed batch's plans, read and planned at once (one read, one write per batch)
    planned: dict[tuple[int, dt.date], DayPlan] = {}

    async def prepare(batch: Sequence[DuePush]) -> None:
        planned.update(await services.plans.day_plans([(d.user, d.local_date) for d in batch]))

    async def send(user: UserSettings, local_date: dt.date) -> int:
        plan = planned.pop((user.user_id, local_date), None)
        return await send_daily_push(services, application.bot, user, local_date, plan)

    with background_sends():
        return await push.run_push_tick(
            services.store,
            services.now(),
            delivering(send),
            catch_up=services.catch_up,
            concurrency=PUSH_CONCURRENCY,
            stop=work.stop,
            attempts=push_attempts(application),
            grace_s=work.grace_s,
            prepare=prepare,
            lease=push_lease(application),
        )


def push_lease(application: Application) -> dt.timedelta:
    """How long a claim hides a due user from other workers: PUSH_LEASE_SECONDS, which
    start_services keeps in bot_data (default: bot.services.push's)."""
    lease = application.bot_data.get("push_lease")
    return lease if isinstance(lease, dt.timedelta) else push.PUSH_LEASE


async def push_tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    work = background_work(context.application)
    if work.stopping:
        return
    async with work.tick():
        outcome = await run_push_tick_now(context.application)
        if outcome.attempted or outcome.stopped:
            log.info("push tick: %s", outcome)
        if work.stopping:
            return
        groups = await run_group_push_tick_now(context.application)
        if groups:
            log.info("group push tick: %d sent", groups)


def schedule_push_jobs(application: Application, interval_seconds: float) -> None:
    """Add the one repeating push tick to the application's JobQueue (if it has one)."""
    repeat(
        application,
        push_tick_job,
        interval=interval_seconds,
        first=FIRST_TICK_SECONDS,
        name="daily-push-tick",
        without="daily plans will not be pushed",
    )
