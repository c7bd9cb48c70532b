"""Reminders, evening checks and retest reminders from Telegram's side: render and send.

bot.services.reminders decides what is due and keeps the ledger; this module builds its three
send functions (render with bot.chat.render.tracking, send as HTML) and runs it from one
repeating JobQueue tick.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram.ext import Application, ContextTypes

from bot.chat.jobs.repeat import repeat
from bot.chat.lifecycle import background_work
from bot.chat.ratelimit import background_sends
from bot.chat.render import chart_pool
from bot.chat.render.labs import render_retest_reminder
from bot.chat.render.reminders import reminder_keyboard, render_reminder_message
from bot.chat.render.tracking import render_evening_check
from bot.chat.send import delivering, send_html, services_of
from bot.core import tally
from bot.core.exclusions import profile
from bot.core.i18n import N_, _, use_language
from bot.core.models import UserSettings
from bot.core.plan_rules import clinician_manages, no_daily_nags
from bot.services.reminders import (
    SendEvening,
    SendReminder,
    SendRetest,
    TrackingOutcome,
    run_tracking_tick,
)
from bot.services.tracking import day_tallies, user_recipes
from bot.storage.reminders import DueReminder

log = logging.getLogger(__name__)

DEFAULT_TICK_SECONDS = 30.0
EVENING_CLINICIAN_ADVICE = N_(
    "Today's log is below, for information. Keep to the B12 treatment your clinician set "
    "(/remind can remind you of it)."
)  # _() at use
FIRST_TICK_SECONDS = 3.0
CHART_WARMUP_S = 5.0


def make_senders(application: Application) -> tuple[SendReminder, SendEvening, SendRetest]:
    """The real send functions: render with bot.chat.render.tracking, send with HTML.

    Health messages always go to the user's private chat (chat id = user id), never to a
    group the user may have last written from.
    """

    async def send_reminder(user: UserSettings, due: DueReminder) -> int:
        with use_language(user.language):
            text = render_reminder_message(due.stored.reminder, snoozed=due.snoozed)
            markup = reminder_keyboard(due.stored.id, int(due.occurrence_utc.timestamp()))
        return await send_html(application.bot, user.user_id, text, markup)

    async def send_evening(user: UserSettings, day: dt.date) -> int | None:
        svc = services_of(application)
        ts = svc.tracking
        if no_daily_nags(user):
            return None  # B12 injections: the clinician sets the dose, no daily "short" nag
        recipes = await user_recipes(ts, svc.recipes, user)
        tallies = await day_tallies(ts, user, day, day, recipes)
        today = tallies[0] if tallies else None
        short = today.short_of(user.target_ug) if today else user.target_ug
        if short <= 1e-9:
            return None  # target met: no message needed
        managed = clinician_manages(user)  # no food is suggested to close a gap the gut can't use
        takes = not managed and any(
            not r.reminder.is_injection for r in await ts.reminders(user.user_id)
        )
        with use_language(user.language):
            if managed:
                advice = _(EVENING_CLINICIAN_ADVICE)
            else:
                advice = tally.gap_suggestion(
                    recipes, profile(user, recipes), short, takes_supplement=takes
                )
            text = render_evening_check(advice, today, user.target_ug, user)
        return await send_html(application.bot, user.user_id, text)

    async def send_retest(user: UserSettings, due_date: dt.date) -> int:
        svc = services_of(application)
        retest = await svc.tracking.get_retest(user.user_id)
        months = retest.months if retest is not None else 0
        with use_language(user.language):
            text = render_retest_reminder(due_date, months)
        return await send_html(application.bot, user.user_id, text)

    return send_reminder, send_evening, send_retest


async def run_tracking_tick_now(application: Application) -> TrackingOutcome:
    """One tick with the application's services and clock (the job calls this; tests too)."""
    services = services_of(application)
    send_reminder, send_evening, send_retest = make_senders(application)
    with background_sends():  # reminders yield to interactive replies
        return await run_tracking_tick(
            services.tracking,
            services.now(),
            send_reminder=delivering(send_reminder),
            send_evening=delivering(send_evening),
            send_retest=delivering(send_retest),
            catch_up=services.catch_up,
        )


async def tracking_tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    work = background_work(context.application)
    if work.stopping:
        return
    async with work.tick():
        outcome = await run_tracking_tick_now(context.application)
        if outcome.reminders or outcome.evenings or outcome.retests or outcome.failed:
            log.info(
                "tracking tick: reminders=%d evenings=%d retests=%d skipped=%d missed=%d "
                "blocked=%d failed=%d released=%d",
                outcome.reminders,
                outcome.evenings,
                outcome.retests,
                outcome.skipped,
                outcome.missed,
                outcome.blocked,
                outcome.failed,
                outcome.released,
            )


async def warm_chart_worker(context: ContextTypes.DEFAULT_TYPE) -> None:
    await chart_pool.warm()


def schedule_tracking_jobs(
    application: Application, interval_seconds: float = DEFAULT_TICK_SECONDS
) -> None:
    """Add the one repeating tracking tick to the application's JobQueue (if it has one)."""
    scheduled = repeat(
        application,
        tracking_tick_job,
        interval=interval_seconds,
        first=FIRST_TICK_SECONDS,
        name="tracking-tick",
        without="reminders and evening checks will not be sent",
    )
    if scheduled and application.job_queue is not None:
        # the chart worker starts now, not when the first user asks for /progress
        application.job_queue.run_once(warm_chart_worker, when=CHART_WARMUP_S, name="chart-warmup")
