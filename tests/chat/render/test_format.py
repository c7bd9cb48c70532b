"""Shared formatting of message texts: splitting long messages, amounts, grams, labels."""

from __future__ import annotations

import pytest
from ptb_offline import (
    check_html,
    visible_text,
)

from bot.chat.render.format import (
    BUTTON_LABEL_MAX,
    button_label,
    fmt_grams,
    format_quantity,
    split_message,
    topup_label_text,
)


def test_split_message_keeps_parts_short_and_valid() -> None:
    lines = [f"<b>Day {i}</b>: meal &amp; more <i>{'x' * (i % 50)}</i>" for i in range(400)]
    text = "\n".join(lines)
    parts = split_message(text, limit=1000)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 1000
        check_html(part)
        assert not part.startswith("\n")
    assert "\n".join(parts) == text  # split only on line boundaries here


def test_split_message_reopens_a_tag_cut_in_a_long_line() -> None:
    text = "<b>" + " ".join(["word"] * 600) + "</b> &amp; end"
    parts = split_message(text, limit=500)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 500
        check_html(part)
    assert all(p.startswith("<b>") for p in parts[:-1])
    joined = " ".join(visible_text(p).strip() for p in parts)
    assert joined.split() == visible_text(text).split()


def test_split_message_short_text_is_unchanged() -> None:
    assert split_message("<b>hi</b>") == ["<b>hi</b>"]


def test_button_label_keeps_short_text_and_cuts_long_text_at_a_word() -> None:
    assert button_label("↩️ Tofu") == "↩️ Tofu"
    cut = button_label("↩️ Soya yogurt alternative, plain, fortified")
    assert cut == "↩️ Soya yogurt alternative…"
    one_word = button_label("x" * 50)
    assert len(one_word) == BUTTON_LABEL_MAX and one_word.endswith("…")
    exact = "a" * 10 + " " + "b" * 21  # 32 characters: fits as it is
    assert button_label(exact) == exact


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("amount", "unit", "shown"),
    [
        (0.12, "tsp", "⅛ tsp"),  # was "0.12 tsp"
        (0.25, "tbsp", "¼ tbsp"),  # was "0.25 tbsp"
        (0.33, "cup", "⅓ cup"),
        (0.5, "tsp", "½ tsp"),
        (0.7, "tbsp", "⅔ tbsp"),
        (0.75, "cup", "¾ cup"),
        (1.5, "tbsp", "1½ tbsp"),
        (2.0, "cup", "2 cups"),
        (0.5, "piece", "½ ×"),
        (3.0, "slice", "3 slices"),
        (1.0, "slice", "1 slice"),
        (0.98, "tsp", "1 tsp"),
        (0.03, "tsp", "a pinch"),
        (0.1, "tbsp", "a pinch"),
        (133.33, "g", "133 g"),
        (5.62, "g", "5.6 g"),
        (250.0, "ml", "250 ml"),
    ],
)
def test_recipe_amounts_read_like_a_cookbook(amount: float, unit: str, shown: str) -> None:
    assert format_quantity(amount, unit) == shown


@pytest.mark.parametrize(
    ("grams", "shown"),
    [(0.29, "0.3"), (3.81, "3.8"), (5.62, "5.6"), (5.0, "5"), (10.4, "10"), (133.6, "134")],
)
def test_grams_have_no_decimals_above_10_and_one_below(grams: float, shown: str) -> None:
    assert fmt_grams(grams) == shown


def test_every_weight_in_a_top_up_label_or_note_is_rounded_alike() -> None:
    yeast = "1 tbsp (3.75 g) of fortified nutritional yeast flakes"
    assert topup_label_text(yeast, 3.75) == "1 tbsp (3.8 g) of fortified nutritional yeast flakes"
    # a plan note names the weight without knowing it: its own number, the same rounding
    note = f"Added {yeast} to dinner for B12."
    assert topup_label_text(note) == topup_label_text(note, 0.0) == note.replace("3.75", "3.8")
    # a household member's label: a shared drink and their own yeast; the exact weight is
    # the shared top-up's and must not overwrite the yeast's
    both = f"a glass (250 ml) of soy milk (for everyone) and {yeast}, just for you"
    assert "(3.8 g)" in topup_label_text(both, 257.5) and "257" not in topup_label_text(both, 257.5)
    assert topup_label_text("1 tbsp (3.75 g) of x", 3.7499) == "1 tbsp (3.7 g) of x"
