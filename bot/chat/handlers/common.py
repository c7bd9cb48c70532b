"""/help, /about, answers for unknown commands and free text, and the error handler.

Nothing a user sends goes unanswered: unknown commands, plain text and stale buttons from an
older bot version get a short pointer to what works.
"""

from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.chat.handlers.base import Context, reply
from bot.chat.render.common import (
    DESCRIPTION,
    SHORT_DESCRIPTION,
    command_menu,
    render_about,
    render_free_text,
    render_health_free_text,
    render_help,
    render_other_message,
    render_unknown_command,
)
from bot.core.i18n import N_, SOURCE_LANGUAGE, _, complete_languages, use_language

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = N_(
    "Sorry, something went wrong on my side. Please try again in a moment; your data is safe."
)
OLD_BUTTON = N_("This button is from an older version of the bot. Send /today for a fresh plan.")


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
    r"|deficien\w*|labs?|levels?|serum|holo-?tc|active b-?12|mma|homocystein\w*"
    # German, Spanish, French: the same questions in the user's language
    r"|vitamine?|nahrungserg\w*|spritzen?|dosis|mangel|blutwert\w*|multiple sklerose"
    r"|suplement\w*|inyecci\w*|deficiencia|análisis|esclerosis múltiple"
    r"|suppléments?|piqûres?|carences?|analyses?|sclérose en plaques)\b",
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
    r"|new symptoms?|symptoms?|relapse\w*|flare-?ups?"
    # German, Spanish, French: the same warning signs in the user's language
    r"|taub\w*|kribbel\w*|schwach|schwäche|gleichgewicht|schwindel\w*|gedächtnis|vergess\w*"
    r"|verwirr\w*|sehstörung\w*|verschwommen|doppelbilder|müde|müdigkeit|erschöpf\w*"
    r"|gestürzt|sturz|stürze|schlechter|symptome?|schub"
    r"|entumec\w*|hormigueo|débil|debilidad|equilibrio|mareo\w*|vértigo|memoria|olvid\w*"
    r"|confundid\w*|visión|borros\w*|cansad\w*|fatiga|agotad\w*|caíd\w*|peor|síntomas?|brote"
    r"|engourd\w*|fourmillement\w*|picotement\w*|faible|faiblesse|équilibre|vertiges?"
    r"|étourdi\w*|mémoire|oubli\w*|confus\w*|vue trouble|flou\w*|fatigu\w*|épuis\w*"
    r"|chutes?|tomb\w*|pire|symptômes?|poussées?)\b",
    re.IGNORECASE,
)
# A number next to a health word ("my B12 is 150", "holoTC 45 pmol/L"): a lab result typed as
# text; a dose ("1000 mcg") or a supplement question is not one.
_LAB_NUMBER = re.compile(
    r"(?<![\w.,])\d{1,5}(?:[.,]\d+)?(?![\w.,])(?!\s*(?:µg|μg|ug|mcg|mg)\b)", re.IGNORECASE
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
    lab_result = (
        keys is not None and "supplements" not in keys and _LAB_NUMBER.search(typed) is not None
    )
    text, markup = render_health_free_text(keys or (), symptoms=symptoms, lab_result=lab_result)
    await reply(update, text, markup)


# Message attribute -> how the answer names it ("I can't read stickers").
MESSAGE_KINDS = (
    ("sticker", N_("stickers")),
    ("animation", N_("GIFs")),
    ("photo", N_("photos")),
    ("video_note", N_("video messages")),
    ("video", N_("videos")),
    ("voice", N_("voice messages")),
    ("audio", N_("audio files")),
    ("document", N_("files")),
    ("contact", N_("contacts")),
    ("venue", N_("places")),
    ("poll", N_("polls")),
    ("dice", N_("dice")),
)


def message_kind(update: Update) -> str:
    """How the answer names the message's kind, in the current language."""
    message = update.effective_message
    for attribute, kind in MESSAGE_KINDS:
        if message is not None and getattr(message, attribute, None):
            return _(kind)
    return _("that kind of message")


async def other_message(update: Update, context: Context) -> None:
    """Private chats only: anything that is neither text, a command nor a location."""
    await reply(update, render_other_message(message_kind(update)))


async def unknown_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(_(OLD_BUTTON), show_alert=True)


async def error_handler(update: object, context: Context) -> None:
    """Log the failure (the logging filter redacts the token) and tell the user."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(_(SOMETHING_WENT_WRONG), show_alert=True)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(
                _(SOMETHING_WENT_WRONG), parse_mode=ParseMode.HTML
            )
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", exc)


async def publish_menus(bot: Bot) -> None:
    """Telegram's command menu, description and short description: the default (English) and
    one per complete language, so a user's Telegram shows them in the app's language. Not
    fatal when Telegram refuses: commands still work when typed."""
    for lang in complete_languages():
        code = None if lang == SOURCE_LANGUAGE else lang
        with use_language(lang):
            commands = [BotCommand(c, d) for c, d in command_menu()]
            description, short = _(DESCRIPTION), _(SHORT_DESCRIPTION)
        try:
            await bot.set_my_commands(commands, language_code=code)
            await bot.set_my_description(description, language_code=code)
            await bot.set_my_short_description(short, language_code=code)
        except TelegramError as exc:
            log.warning("could not set the command menu (%s): %s", lang, exc)


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
