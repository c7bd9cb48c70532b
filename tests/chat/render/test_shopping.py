"""The shopping list message in the reader's language: food names and aisles from the ingredient
table, amounts with local words and decimal commas, the same list read by an English member."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from translated import english_left, in_language

from bot.chat.render.shopping import render_plain, render_sheet
from bot.core.models import RecipeSet
from bot.core.shopping import ShoppingItem, display_amount, new_sheet

DAY = dt.date(2026, 12, 1)  # a Tuesday


def _sheet(recipes: RecipeSet, days: int = 3, people: int = 2):  # type: ignore[no-untyped-def]
    table = recipes.ingredients
    amounts = {"egg": 300.0, "soy_milk_fortified": 1500.0, "olive_oil": 20.0}
    items = [
        ShoppingItem(
            aisle=table[i].aisle,
            item_id=i,
            name=table[i].name,
            grams=g,
            display=display_amount(table[i], g),
            fortified=table[i].fortified,
        )
        for i, g in amounts.items()
    ]
    return new_sheet(items, start=DAY, days=days, people=people).with_staples_hidden(True)


def _labels(markup: object) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]  # type: ignore[attr-defined]


def test_a_german_list_has_german_names_aisles_and_amounts(shipped: RecipeSet) -> None:
    sheet = _sheet(shipped).with_staples_hidden(False).toggled(0)
    with in_language("de"):
        text, markup = render_sheet(7, sheet, ingredients=shipped.ingredients)
        plain = html.unescape(render_plain(sheet, shipped.ingredients))
    labels = _labels(markup)
    assert "Einkaufsliste für 3 Tage, Di., 1. Dez. bis Do., 3. Dez." in text
    assert "Für 2 Personen · 1 von 3 im Korb" in text
    assert any(label.startswith("✅ 6 Eier · Ei, ganz") for label in labels)
    assert any("★ 1,5 l · Sojadrink" in label for label in labels)
    assert "3 Tage" in " ".join(labels) and "📋 Als Text kopieren" in labels
    assert "Milchprodukte & Eier" in plain and "Pflanzendrinks & Tofu" in plain
    assert "[x] Ei, ganz, roh (Größe L): 6 Eier" in plain
    assert "Sojadrink, ungesüßt, angereichert: 1,5 l (muss die angereicherte Sorte sein)" in plain
    for shown in (text, plain, *labels):
        assert not english_left(shown), (shown, english_left(shown))


@pytest.mark.parametrize(
    ("lang", "one_egg", "eggs"),
    [("de", "1 Ei", "6 Eier"), ("es", "1 huevo", "6 huevos"), ("fr", "1 œuf", "6 œufs")],
)
def test_amount_words_follow_the_number(
    shipped: RecipeSet, lang: str, one_egg: str, eggs: str
) -> None:
    egg = shipped.ingredients["egg"]
    one = new_sheet(
        [ShoppingItem(egg.aisle, "egg", egg.name, 40.0, display_amount(egg, 40.0), False)],
        start=DAY,
        days=1,
    )
    with in_language(lang):
        one_text = render_plain(one, shipped.ingredients)
        six_text, markup = render_sheet(1, _sheet(shipped, days=1, people=1))
    assert f": {one_egg}" in one_text and f"{eggs} · " in " ".join(_labels(markup))
    assert not english_left(one_text + six_text)


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_list_message_is_translated(shipped: RecipeSet, lang: str) -> None:
    with in_language(lang):
        text, markup = render_sheet(3, _sheet(shipped), ingredients=shipped.ingredients)
        empty, _empty_markup = render_sheet(3, new_sheet([], start=DAY, days=1))
    every = [text, empty, *_labels(markup)]
    for shown in every:
        assert not english_left(shown), (shown, english_left(shown))
    assert "1,5 l" in " ".join(every) and "Shopping" not in text and "basket" not in text


def test_english_reads_as_before(shipped: RecipeSet) -> None:
    text, markup = render_sheet(7, _sheet(shipped), ingredients=shipped.ingredients)
    assert "Shopping list for 3 days, Tue 1 Dec to Thu 3 Dec" in text
    assert "For 2 people · 0 of 3 in the basket" in text
    assert "<i>1 pantry staple(s) hidden.</i>" in text
    assert "6 eggs · Egg, whole, raw (large)" in " ".join(_labels(markup))
    assert "1.5 l" in " ".join(_labels(markup))
