"""Texts for 😴 Tired today (bot.core.quick): the answer to the tap; no handlers, no I/O.

Callback answers are plain text (no HTML) and stay under Telegram's 200 characters.
"""

from __future__ import annotations

from bot.chat.render.format import fmt_ug
from bot.core.i18n import _
from bot.core.quick import QuickDay


def tired_answer(result: QuickDay, target_ug: float) -> str:
    """What the tap did: the quicker day's cooking time, or honestly why nothing changed."""
    if not result.remaining:
        return _("Every meal today is ticked already: nothing left to cook.")
    if result.plan is None:
        return _(
            "No quicker meals keep your {target} µg B12 target today (longest dish now "
            "{longest} min), so your plan stays as it is."
        ).format(target=fmt_ug(target_ug), longest=result.longest_before)[:200]
    return _(
        "😴 Quick meals: longest dish {longest} min (was {longest_before}), {minutes} min of "
        "cooking left (was {minutes_before}). Your target still holds."
    ).format(
        longest=result.longest_after,
        longest_before=result.longest_before,
        minutes=result.minutes_after,
        minutes_before=result.minutes_before,
    )[:200]
