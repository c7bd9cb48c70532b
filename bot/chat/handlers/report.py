"""/report: the last 3 months as a one- or two-page PDF to show a GP or MS team.

The data comes from bot.services.report (the same tallies /progress shows); the PDF is drawn in
the chart worker process (bot.chat.render.chart_pool → bot.chat.render.report), so matplotlib
never runs on the event loop. Health data stays out of groups: in a group the command only
says to ask in private. Log lines name the user, never a value.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import Application, CommandHandler, filters

from bot.chat.handlers.base import Context, onboarded_user, private_only, services
from bot.chat.render.chart_pool import report_pdf
from bot.services.report import report_for

log = logging.getLogger(__name__)

CAPTION = (
    "Your self-recorded B12 log of the last 3 months (not a medical record): food and "
    "supplement B12, doses, injections and lab results as you entered them. You can show it "
    "to your GP or MS team; talk to them about your results and any dose."
)


def report_filename(day_iso: str) -> str:
    """b12-log-2026-12-02.pdf: the date the report was made, so several don't collide."""
    return f"b12-log-{day_iso}.pdf"


async def report_command(update: Update, context: Context) -> None:
    """/report: build the report (no arguments are read) and send it as a PDF document."""
    user = await onboarded_user(update, context)
    chat = update.effective_chat
    if user is None or chat is None:
        return
    svc = services(context)
    today = svc.today(user)
    await chat.send_action(ChatAction.UPLOAD_DOCUMENT)  # drawing takes a second or two
    report = await report_for(svc.tracking, svc.recipes, user, today)
    pdf = await report_pdf(report)  # off the event loop, in the chart worker
    log.info("user %s made a report", user.user_id)
    await chat.send_document(
        document=pdf, filename=report_filename(today.isoformat()), caption=CAPTION
    )


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("report", report_command, filters=private))
    application.add_handler(CommandHandler("report", private_only, filters=~private))
