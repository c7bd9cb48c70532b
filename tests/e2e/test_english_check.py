"""tests/support/english_check.py, the check the German journey relies on: it must flag an
untranslated sentence or button and must not flag German text with its proper names, units,
sources and typed commands (a checker that flags nothing would let the journey pass blind)."""

from __future__ import annotations

import pytest
from english_check import english_left, visible


@pytest.mark.parametrize(
    "text",
    [
        "✅ B12 4,8 µg of your 2,4 µg target: erreicht",
        "☀️ Good morning, Grete! Ihr Plan für Di., 1. Dez.",
        "Tap an item when it is in your basket.",
        "🔁 Swap Frühstück",
        "Ihre Zeitzone deutet auf the EU hin (⭐).",
        "<b>Ingredients</b>\n• 60 g Karotte",
    ],
)
def test_english_words_and_phrases_are_flagged(text: str) -> None:
    assert english_left(text, names={"Grete", "Karotte"})


def test_german_with_names_units_sources_and_commands_passes() -> None:
    text = (
        "🧪 Wert #1 gespeichert: 2026-12-01 · aktives B12 (HoloTC) 30,5 pmol/L · nicht eindeutig\n"
        "Bereiche (NICE NG239) · 2,4 µg · US RDA · The Vegan Society\n"
        "Beispiele: <code>/levels add serum 320 pg/mL</code> oder /levels add mma 0,3 umol/L\n"
        "🥗 Mittagessen: Rainbow Bowl mit Tofu · ☐ 60 g · Sweet Potato Fries"
    )
    assert english_left(text, names={"Rainbow Bowl mit Tofu", "Sweet Potato Fries"}) == []


def test_names_are_removed_whole_and_only_where_they_stand() -> None:
    # A proper name may hold English words; the same words outside it are still English, and a
    # name inside a longer word ("Tee" in "Teeth") leaves that word alone.
    hits = english_left("Rainbow Bowl with Tofu, with love", names={"Rainbow Bowl with Tofu"})
    assert len(hits) == 1 and "[with] love" in hits[0]
    assert english_left("Teeth and", names={"Tee"}) == ["Teeth [and]"]


def test_words_of_the_users_language_are_not_english_there() -> None:
    assert english_left("Sie will also", lang="de") == []
    assert english_left("on a fini", lang="fr") == []
    assert english_left("on a fini", lang="de") != []


def test_visible_drops_tags_and_decodes_entities() -> None:
    assert visible("<b>Salz &amp; Pfeffer</b>") == " Salz & Pfeffer "
