"""The account as a whole: /privacy, /export and /delete.

/export and /delete answer only in a private chat (a group must never receive someone's file,
and a tap in a group must not erase anyone). /delete only asks; the erasing happens on the
confirming tap, through the account service (storage erases in one transaction, then the
household the user leaves is replanned for the members who remain).
"""

from __future__ import annotations

import json
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.chat.handlers.base import (
    Context,
    edit,
    onboarded_user,
    private_only,
    remember_language,
    reply,
    services,
)
from bot.chat.render.account import (
    EXPORT_FILENAME,
    render_delete_question,
    render_deleted,
    render_export_caption,
    render_member_erased,
    render_privacy,
)
from bot.core.i18n import _, use_language

log = logging.getLogger(__name__)


async def privacy_command(update: Update, context: Context) -> None:
    """What is stored and who sees what; in a private chat also the user's own group choice."""
    chat, tg_user = update.effective_chat, update.effective_user
    shares: bool | None = None
    if chat is not None and chat.type == chat.PRIVATE and tg_user is not None:
        shares = await services(context).households.shares_in_group(tg_user.id)
    await reply(update, render_privacy(shares))


async def export_command(update: Update, context: Context) -> None:
    """/export: everything stored about the user and their household, as a JSON document."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    data = await services(context).account.export(user.user_id)
    about = data.get("about")
    if isinstance(about, dict):  # each field's explanation in the user's language
        data["about"] = {key: _(text) for key, text in about.items()}
    payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    log.info("user %s exported their data", user.user_id)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            document=payload, filename=EXPORT_FILENAME, caption=render_export_caption()
        )


async def delete_command(update: Update, context: Context) -> None:
    """Only asks: a user row is created by nothing here (a second /delete must not re-create)."""
    text, markup = render_delete_question()
    await reply(update, text, markup)


async def on_delete(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if not query.data.endswith(":yes"):
        await query.answer(_("Nothing deleted."))
        await edit(query, _("Nothing was deleted."), None)
        return
    message = query.message
    if message is not None and message.chat.type != message.chat.PRIVATE:
        await query.answer(_("Erasing works only in a private chat with me."), show_alert=True)
        return
    svc = services(context)
    deleted = await svc.account.delete(query.from_user.id)
    remember_language(context, query.from_user.id, None)  # a new start asks Telegram again
    await query.answer(_("Erased."))
    await edit(query, render_deleted(bool(deleted.remaining)), None)
    for member in deleted.remaining:
        with use_language(member.language):  # each member reads their own language
            text = render_member_erased(
                deleted.household_name,
                deleted.replanned,
                svc.today(member),
                member.user_id == deleted.erased.new_owner_id,
            )
        try:
            await context.bot.send_message(member.chat_id, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:  # their problem never fails the erasing
            log.info("could not tell user %s: %s", member.user_id, exc)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("privacy", privacy_command))
    application.add_handler(CommandHandler("export", export_command, filters=private))
    application.add_handler(CommandHandler("delete", delete_command, filters=private))
    application.add_handler(CommandHandler(["export", "delete"], private_only, filters=~private))
    application.add_handler(CallbackQueryHandler(on_delete, pattern=r"^v1:del:"))
