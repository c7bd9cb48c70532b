"""Reminders, evening checks and retest reminders from Telegram's side: render and send.

bot.services.reminders decides what is due and keeps the ledger; this module builds its three
send functions (render with bot.chat.render.tracking, send as HTML) and runs it from one
repeating JobQueue tick.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram.ext import Application, ContextTypes

from bot.chat.render.tracking import (
    reminder_keyboard,
    render_evening_check,
    render_reminder_message,
    render_retest_reminder,
)
from bot.chat.send import delivering, send_html, services_of
from bot.core import tally
from bot.core.models import UserSettings
from bot.services.reminders import (
    SendEvening,
    SendReminder,
    SendRetest,
    TrackingOutcome,
    run_tracking_tick,
)
from bot.services.tracking import day_tallies, user_recipes
from bot.storage.tracking import DueReminder

log = logging.getLogger(__name__)

DEFAULT_TICK_SECONDS = 30.0
FIRST_TICK_SECONDS = 3.0


def make_senders(application: Application) -> tuple[SendReminder, SendEvening, SendRetest]:
    """The real send functions: render with bot.chat.render.tracking, send with HTML.

    Health messages always go to the user's private chat (chat id = user id), never to a
    group the user may have last written from.
    """
    async def send_reminder(user: UserSettings, due: DueReminder) -> int:
        text = render_reminder_message(due.stored.reminder, snoozed=due.snoozed)
        markup = reminder_keyboard(due.stored.id, int(due.occurrence_utc.timestamp()))
        return await send_html(application.bot, user.user_id, text, markup)

    async def send_evening(user: UserSettings, day: dt.date) -> int | None:
        svc = services_of(application)
        ts = svc.tracking
        recipes = await user_recipes(ts, svc.recipes, user.user_id)
        tallies = await day_tallies(ts, user, day, day, recipes)
        today = tallies[0] if tallies else None
        short = user.target_ug - (today.intake_ug if today else 0.0)
        if short <= 1e-9:
            return None  # target met: no message needed
        takes = any(not r.reminder.is_injection for r in await ts.reminders(user.user_id))
        advice = tally.gap_suggestion(recipes, user.profile(), short, takes_supplement=takes)
        text = render_evening_check(advice, today, user.target_ug)
        return await send_html(application.bot, user.user_id, text)

    async def send_retest(user: UserSettings, due_date: dt.date) -> int:
        svc = services_of(application)
        retest = await svc.tracking.get_retest(user.user_id)
        months = retest.months if retest is not None else 0
        return await send_html(
            application.bot, user.user_id, render_retest_reminder(due_date, months)
        )

    return send_reminder, send_evening, send_retest


async def run_tracking_tick_now(application: Application) -> TrackingOutcome:
    """One tick with the application's services and clock (the job calls this; tests too)."""
    services = services_of(application)
    send_reminder, send_evening, send_retest = make_senders(application)
    return await run_tracking_tick(
        services.tracking,
        services.now(),
        send_reminder=delivering(send_reminder),
        send_evening=delivering(send_evening),
        send_retest=delivering(send_retest),
        catch_up=services.catch_up,
    )


async def tracking_tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
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


def schedule_tracking_jobs(
    application: Application, interval_seconds: float = DEFAULT_TICK_SECONDS
) -> None:
    """Add the one repeating tracking tick to the application's JobQueue (if it has one)."""
    if application.job_queue is None:
        log.warning("no JobQueue: reminders and evening checks will not be sent")
        return
    application.job_queue.run_repeating(
        tracking_tick_job,
        interval=interval_seconds,
        first=FIRST_TICK_SECONDS,
        name="tracking-tick",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
