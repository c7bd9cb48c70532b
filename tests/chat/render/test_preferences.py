"""Recipe card buttons, ♥ / 🚫 answers and the cooking-time texts, in every language."""

from __future__ import annotations

import pytest
from english_check import english_left
from ptb_offline import check_html
from translated import in_language

from bot.chat.render.preferences import (
    card_keyboard,
    cook_keyboard,
    pref_answer,
    render_cook_question,
    render_cook_set,
)
from bot.core.models import Slot, UserSettings
from bot.core.preferences import FAVOURITE, NEVER

USER = UserSettings(user_id=1, chat_id=1, max_cook_min=30)


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_card_buttons_answers_and_cooking_time_are_translated(lang: str) -> None:
    with in_language(lang):
        card = card_keyboard("porridge", 2, FAVOURITE, "20261124", "0")
        cook = cook_keyboard(USER)
        texts = [
            pref_answer("Porridge", FAVOURITE, None),
            pref_answer("Porridge", NEVER, None),
            pref_answer("Porridge", None, NEVER),
            pref_answer("Porridge", None, FAVOURITE),
            render_cook_question(USER),
            render_cook_set(None),
            render_cook_set(15, {Slot.DINNER: 30}),
        ]
    assert card is not None
    labels = [b.text for row in (*card.inline_keyboard, *cook.inline_keyboard) for b in row]
    for text in [*texts, " · ".join(labels)]:
        check_html(text)
        assert english_left(text, ["Porridge"], lang) == [], text
    assert "30" in texts[-1] and "15" in texts[-1]


def test_english_card_buttons_are_unchanged() -> None:
    card = card_keyboard("porridge", 2, NEVER)
    assert card is not None
    labels = [b.text for row in card.inline_keyboard for b in row]
    assert labels == ["➖ Serving", "➕ Serving", "♡ Favourite", "🚫 Never suggested ✓"]
