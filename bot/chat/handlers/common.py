"""/help, /about, answers for unknown commands and free text, and the error handler.

Nothing a user sends goes unanswered: unknown commands, plain text and stale buttons from an
older bot version get a short pointer to what works.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.chat.handlers.base import Context, reply
from bot.chat.render.common import (
    render_about,
    render_free_text,
    render_health_free_text,
    render_help,
    render_other_message,
    render_unknown_command,
)

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side. Please try again in a moment; your data is safe."
)


async def help_command(update: Update, context: Context) -> None:
    await reply(update, render_help())


async def about_command(update: Update, context: Context) -> None:
    await reply(update, render_about())


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    text = message.text if message is not None and message.text else "/?"
    command = text.split()[0].split("@")[0]
    await reply(update, render_unknown_command(command))


# Words that make a typed message a health question; "ms" and "lab" only as whole words
# (not "items", "label").
_HEALTH_WORDS = re.compile(
    r"\b(?:b-?12|vitamins?|supplements?|injections?|jabs?|doses?|dosage|ms|multiple sclerosis"
    r"|deficien\w*|labs?|levels?)\b",
    re.IGNORECASE,
)
# FAQ entry -> words that point to it, in the order the entries are offered.
_FAQ_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "supplements",
        re.compile(
            r"\b(?:supplements?|injections?|jabs?|shots?|doses?|dosage|how much|pills?|tablets?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "testing",
        re.compile(
            r"\b(?:labs?|levels?|tests?|tested|testing|blood|results?|deficien\w*)\b",
            re.IGNORECASE,
        ),
    ),
    ("ms", re.compile(r"\b(?:ms|multiple sclerosis)\b", re.IGNORECASE)),
)


# Words that describe a symptom ("numbness in my legs", "I keep falling"): these get the
# "contact your GP or MS team" answer, never the command list.
_SYMPTOM_WORDS = re.compile(
    r"\b(?:numb|numbness|numbed|tingl\w*|pins and needles|prickl\w*|weak|weaker|weakness"
    r"|balance|unsteady|wobbly|dizz\w*|vertigo|light-?headed|memory|forget\w*|forgot"
    r"|confus\w*|brain fog|foggy|vision|eyesight|blurr?(?:y|ed|ring)?|seeing double"
    r"|fatigue\w*|tired\w*|exhaust\w*|falls?|fell|falling|worse|worsening"
    r"|new symptoms?|symptoms?|relapse\w*|flare-?ups?)\b",
    re.IGNORECASE,
)
# Only the start of a message is matched: a pasted novel must not cost a long regex scan.
MAX_MATCH_CHARS = 1000


def has_symptom_words(text: str) -> bool:
    return _SYMPTOM_WORDS.search(text[:MAX_MATCH_CHARS]) is not None


def health_faq_keys(text: str) -> tuple[str, ...] | None:
    """None when `text` is not a health question; else the FAQ keys that fit it (maybe none,
    e.g. "vitamin?"). Health questions get the FAQ and the clinician, never the command list."""
    text = text[:MAX_MATCH_CHARS]
    if not _HEALTH_WORDS.search(text):
        return None
    return tuple(key for key, words in _FAQ_TOPICS if words.search(text))


async def free_text(update: Update, context: Context) -> None:
    message = update.effective_message
    typed = (message.text or "")[:MAX_MATCH_CHARS] if message is not None else ""
    keys = health_faq_keys(typed)
    symptoms = has_symptom_words(typed)
    if keys is None and not symptoms:
        await reply(update, render_free_text())
        return
    text, markup = render_health_free_text(keys or (), symptoms=symptoms)
    await reply(update, text, markup)


# Message attribute -> how the answer names it ("I can't read stickers").
MESSAGE_KINDS = (
    ("sticker", "stickers"),
    ("animation", "GIFs"),
    ("photo", "photos"),
    ("video_note", "video messages"),
    ("video", "videos"),
    ("voice", "voice messages"),
    ("audio", "audio files"),
    ("document", "files"),
    ("contact", "contacts"),
    ("venue", "places"),
    ("poll", "polls"),
    ("dice", "dice"),
)


def message_kind(update: Update) -> str:
    message = update.effective_message
    for attribute, kind in MESSAGE_KINDS:
        if message is not None and getattr(message, attribute, None):
            return kind
    return "that kind of message"


async def other_message(update: Update, context: Context) -> None:
    """Private chats only: anything that is neither text, a command nor a location."""
    await reply(update, render_other_message(message_kind(update)))


async def unknown_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(
            "This button is from an older version of the bot. Send /today for a fresh plan.",
            show_alert=True,
        )


async def error_handler(update: object, context: Context) -> None:
    """Log the failure (the logging filter redacts the token) and tell the user."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SOMETHING_WENT_WRONG, show_alert=True)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(
                SOMETHING_WENT_WRONG, parse_mode=ParseMode.HTML
            )
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", exc)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("about", about_command))


def register_fallbacks(application: Application) -> None:
    """Must come after every feature's handlers: these catch whatever nobody else took."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    private = filters.ChatType.PRIVATE
    # In groups the bot stays quiet about anything that is not a command.
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, free_text))
    application.add_handler(
        MessageHandler(
            private
            & ~filters.TEXT
            & ~filters.COMMAND
            & ~filters.LOCATION
            & ~filters.StatusUpdate.ALL,
            other_message,
        )
    )
    application.add_handler(CallbackQueryHandler(unknown_button))
    application.add_error_handler(error_handler)
