"""The weekly summary from Telegram's side: render it, send it, and run the tick.

bot.services.weekly decides who is due and keeps the ledger (one claim per user and week,
before sending); this module draws the small chart in the chart worker, sends it as one photo
with the summary as its caption (text only when nothing was logged) and runs the tick from
one repeating JobQueue job (bot.chat.jobs.repeat).
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes

from bot.chat.jobs.repeat import repeat
from bot.chat.lifecycle import background_work
from bot.chat.ratelimit import background_sends
from bot.chat.render.chart_pool import weekly_png
from bot.chat.render.weekly import render_weekly
from bot.chat.send import delivering, send_html, services_of
from bot.core.i18n import use_language
from bot.core.models import UserSettings
from bot.services.weekly import SendWeekly, WeeklyOutcome, run_weekly_tick, weekly_summary_for
from bot.storage.weekly import WeeklyStore

log = logging.getLogger(__name__)

TICK_SECONDS = 300.0  # Sunday 18:00 local is reached within 5 minutes
FIRST_TICK_SECONDS = 20.0


def make_sender(application: Application) -> SendWeekly:
    """Send one user's summary to their private chat (chat id = user id, never a group)."""

    async def send_weekly(user: UserSettings, day: dt.date) -> int:
        svc = services_of(application)
        summary = await weekly_summary_for(svc.tracking, svc.recipes, user, day)
        with use_language(user.language):
            text = render_weekly(summary)
        if not summary.days:
            return await send_html(application.bot, user.user_id, text)
        with use_language(user.language):  # the chart's labels
            png = await weekly_png(summary.days, summary.target_ug, summary.start)
        message = await application.bot.send_photo(
            user.user_id, photo=png, caption=text, parse_mode=ParseMode.HTML
        )
        return message.message_id

    return send_weekly


async def run_weekly_tick_now(application: Application) -> WeeklyOutcome:
    """One tick with the application's services and clock (the job calls this; tests too)."""
    svc = services_of(application)
    with background_sends():  # summaries yield to interactive replies
        return await run_weekly_tick(
            svc.tracking,
            WeeklyStore(svc.store),
            svc.now(),
            delivering(make_sender(application)),
        )


async def weekly_tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    work = background_work(context.application)
    if work.stopping:
        return
    async with work.tick():
        outcome = await run_weekly_tick_now(context.application)
        if outcome.sent or outcome.failed or outcome.blocked:
            log.info(
                "weekly tick: sent=%d skipped=%d blocked=%d failed=%d released=%d",
                outcome.sent,
                outcome.skipped,
                outcome.blocked,
                outcome.failed,
                outcome.released,
            )


def schedule_weekly_jobs(application: Application, interval_seconds: float = TICK_SECONDS) -> None:
    """Add the weekly summary tick to the application's JobQueue (if it has one)."""
    repeat(
        application,
        weekly_tick_job,
        interval=interval_seconds,
        first=FIRST_TICK_SECONDS,
        name="weekly-tick",
        without="weekly summaries will not be sent",
    )
