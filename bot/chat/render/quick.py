"""Texts for 😴 Tired today (bot.core.quick): the answer to the tap; no handlers, no I/O.

Callback answers are plain text (no HTML) and stay under Telegram's 200 characters.
"""

from __future__ import annotations

from bot.chat.render.format import fmt_ug
from bot.core.quick import QuickDay


def tired_answer(result: QuickDay, target_ug: float) -> str:
    """What the tap did: the quicker day's cooking time, or honestly why nothing changed."""
    if not result.remaining:
        return "Every meal today is ticked already: nothing left to cook."
    if result.plan is None:
        return (
            f"No quicker meals keep your {fmt_ug(target_ug)} µg B12 target today "
            f"(longest dish now {result.longest_before} min), so your plan stays as it is."
        )[:200]
    return (
        f"😴 Quick meals: longest dish {result.longest_after} min (was "
        f"{result.longest_before}), {result.minutes_after} min of cooking left "
        f"(was {result.minutes_before}). Your target still holds."
    )[:200]
