"""The daily energy texts and buttons: what the choice means, in the user's language."""

from __future__ import annotations

import pytest
from ptb_offline import check_html, visible_text
from translated import english_left, in_language

from bot.chat.render.energy import energy_keyboard, render_energy_question, render_energy_set
from bot.core.models import UserSettings

USER = UserSettings(user_id=1, chat_id=1, kcal_min=1600, kcal_max=2000)


def test_english_names_the_range_and_the_off_choice() -> None:
    text = visible_text(render_energy_question(USER))
    assert text.startswith("⚡ Daily energy: 1,600–2,000 kcal a day")
    assert "(1,000–4,000 kcal)" in text
    assert "Daily energy: off. Plans from today on are B12-focused meals" in render_energy_set(None)


@pytest.mark.parametrize(
    ("lang", "kcal"), [("de", "1.600–2.000 kcal"), ("es", "1.600–2.000 kcal"), ("fr", "1\u202f600")]
)
def test_energy_texts_and_buttons_are_translated(lang: str, kcal: str) -> None:
    with in_language(lang):
        texts = [
            render_energy_question(USER),
            render_energy_set(None),
            render_energy_set((1600, 2000)),
        ]
        labels = [b.text for row in energy_keyboard(USER).inline_keyboard for b in row]
    for html in texts:
        check_html(html)
        assert english_left(visible_text(html)) == [], visible_text(html)
    assert kcal in texts[0]
    assert "⬅️ Back" not in labels and not any("Off (" in label for label in labels)
