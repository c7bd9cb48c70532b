"""Telegram handlers, one module per feature; `register` wires them in a fixed order.

Later features add a module with its own `register(application)` and append it to FEATURES;
the catch-all fallbacks (unknown command, free text, unknown button) always go last.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.chat.handlers import (
    account,
    common,
    energy,
    family,
    guard,
    labs,
    language,
    onboarding,
    plans,
    preferences,
    quick,
    reminders,
    report,
    settings,
    shopping,
    tracking,
    undo,
    weekly,
)

# family first: it takes /start <invite> and answers personal commands in groups itself
FEATURES = (
    family,
    onboarding,
    plans,
    preferences,
    quick,
    undo,
    shopping,
    settings,
    energy,
    tracking,
    labs,
    reminders,
    report,
    weekly,
    account,
    language,
    common,
)


def register(application: Application) -> None:
    guard.register(application)  # flood control, before every feature (its own group)
    for module in FEATURES:
        module.register(application)
    common.register_fallbacks(application)
