"""Texts and the keyboard for /language: which language the bot writes in.

Only complete languages are offered (bot.core.i18n.complete_languages): a language whose
catalogue still misses a text is never a choice, so nobody gets a half-translated bot. Each
button names its language in that language ("Deutsch", "Français"), so a user who cannot read
the current one still finds their own.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback
from bot.core.i18n import _, complete_languages, language_name

LANGUAGE_MENU = "menu"


def language_line(lang: str) -> str:
    """One line for onboarding and /settings: the language in use and how to change it."""
    return _("Language: {language} — /language to change").format(language=language_name(lang))


def render_language_question(current: str) -> tuple[str, InlineKeyboardMarkup]:
    text = _("🌐 Which language should I write in? Now: {language}.").format(
        language=language_name(current)
    )
    buttons = [
        InlineKeyboardButton(
            ("✅ " if code == current else "") + language_name(code),
            callback_data=callback("lang", code),
        )
        for code in complete_languages()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return text, InlineKeyboardMarkup(rows)


def render_language_set(lang: str) -> str:
    """Said in the new language, so the user sees at once that it worked."""
    return _("✅ From now on I write in {language}. Send /help to see what I can do.").format(
        language=language_name(lang)
    )


def render_language_unknown() -> str:
    """For /language with a code the bot has no complete language for (never echoed)."""
    names = ", ".join(f"{language_name(code)} ({code})" for code in complete_languages())
    return _("I can write in: {languages}. Tap a button below.").format(languages=names)
