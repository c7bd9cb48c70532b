"""The answer to 😴 Tired today, in every language (plain text under Telegram's 200)."""

from __future__ import annotations

import datetime as dt

import pytest
from english_check import english_left
from translated import in_language

from bot.chat.render.quick import tired_answer
from bot.core.models import DayPlan, Slot
from bot.core.quick import QuickDay

PLAN = DayPlan(
    date=dt.date(2026, 11, 24),
    meals=(),
    target_ug=2.4,
    b12_ug=2.4,
    b12_absorbed_ug=1.2,
    kcal=0.0,
    protein_g=0.0,
)
QUICKER = QuickDay(PLAN, (Slot.LUNCH,), 70, 45, minutes_after=25, longest_after=15)
NONE = QuickDay(None, (Slot.LUNCH,), 70, 45)
DONE = QuickDay(None, (), 0, 0)


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_every_tired_today_answer_is_translated(lang: str) -> None:
    with in_language(lang):
        answers = [tired_answer(day, 2.4) for day in (QUICKER, NONE, DONE)]
    for answer in answers:
        assert len(answer) <= 200 and english_left(answer, lang=lang) == []
    assert "15" in answers[0] and "45" in answers[0] and "25" in answers[0]
    assert "2,4" in answers[1]  # the local decimal mark


def test_the_english_answer_is_unchanged() -> None:
    assert tired_answer(QUICKER, 2.4) == (
        "😴 Quick meals: longest dish 15 min (was 45), 25 min of cooking left (was 70). "
        "Your target still holds."
    )
