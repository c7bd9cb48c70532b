"""The add-a-result flow's texts and callback codec: every field range-checked, units as the
marker allows, every step with Back and Cancel under Telegram's 64 bytes."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import Call, check_html, visible_text
from translated import english_left, in_language

from bot.chat.render.labs import (
    LabDraft,
    lab_step,
    levels_caption,
    levels_keyboard,
    render_lab_added,
    render_levels,
    render_levels_help,
    render_retest_reminder,
)
from bot.core.labs import NG_L, UMOL_L, LabResult, Marker
from bot.storage.reminders import Retest
from bot.storage.tracking import StoredLab

TODAY = dt.date(2026, 11, 24)


def test_draft_round_trips() -> None:
    draft = LabDraft("s", "n", "20000.5", "261124")
    assert LabDraft.decode(draft.encode("s")) == ("s", draft)
    assert draft.day == TODAY and draft.number == 20000.5


@pytest.mark.parametrize(
    "data",
    [
        "v1:lw:s:a:n:45:261124",  # active B12 is entered in pmol/L only
        "v1:lw:s:x:n:45:261124",  # unknown marker
        "v1:lw:s:s:k:45:261124",  # unknown unit
        "v1:lw:s:s:n:4.5.1:261124",  # not a number
        "v1:lw:s:s:n:45:261131",  # 31 November
        "v1:lw:p:s:n:45:2613",  # month 13
        "v1:lw:z:s:n:45:261124",  # unknown step
        "v1:lw:s::n:45:261124",  # a unit without a marker
    ],
)
def test_forged_drafts_are_refused(data: str) -> None:
    assert LabDraft.decode(data) is None


def test_units_follow_the_marker() -> None:
    def labels(draft: LabDraft) -> list[str]:
        _, markup = lab_step("u", draft, TODAY)
        return [t for t, _ in Call("", {"reply_markup": markup.to_dict()}).buttons]

    assert {"ng/L", "pg/mL", "pmol/L"} <= set(labels(LabDraft("s")))
    active = labels(LabDraft("a"))
    assert "pmol/L" in active and "ng/L" not in active and "pg/mL" not in active


def test_every_step_has_back_and_cancel() -> None:
    for step, draft in (
        ("u", LabDraft("s")),
        ("v", LabDraft("s", "n", "28")),
        ("d", LabDraft("s", "n", "280")),
        ("p", LabDraft("s", "n", "280", "2610")),
    ):
        text, markup = lab_step(step, draft, TODAY)
        buttons = Call("", {"reply_markup": markup.to_dict()}).buttons
        assert {"◀ Back", "✖ Cancel"} <= {t for t, _ in buttons}, step
        assert all(len(d.encode()) <= 64 for _, d in buttons)
        assert visible_text(text).startswith("🧪 Add a lab result")


# --- other languages -----------------------------------------------------------------------


def _markup_labels(markup: object) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_levels_list_help_and_reminder_are_translated(lang: str) -> None:
    labs = [
        StoredLab(1, LabResult(Marker.SERUM, 150.0, NG_L, dt.date(2026, 10, 2)), 1),
        StoredLab(2, LabResult(Marker.MMA, 0.35, UMOL_L, dt.date(2026, 11, 2)), 2),
    ]
    retest = Retest(6, dt.date(2027, 5, 2), None)
    with in_language(lang):
        texts = [
            render_levels(labs, retest, pregnant=True),
            render_levels([], None),
            render_levels_help(),
            render_retest_reminder(dt.date(2026, 11, 2), 6),
            render_lab_added(labs[1]),
            levels_caption(Marker.SERUM),
        ]
        labels = _markup_labels(levels_keyboard())
    for html in texts:
        check_html(html)
        assert english_left(visible_text(html)) == [], visible_text(html)
    assert "0,35 µmol/L" in texts[0] and "0.35" not in texts[0]
    band_words = {"de": "Mangel wahrscheinlich", "es": "deficiencia probable"}
    assert band_words.get(lang, "carence probable") in texts[0]
    assert labels != ["➕ Add a result"]


def test_add_flow_steps_in_german_with_a_decimal_comma() -> None:
    draft = LabDraft("s", "n", "280.5", "")
    with in_language("de"):
        value_text, value_markup = lab_step("v", draft, TODAY)
        date_text, date_markup = lab_step("d", draft, TODAY)
        picker_text, picker_markup = lab_step("p", LabDraft("s", "n", "280.5", "2610"), TODAY)
        marker_text, marker_markup = lab_step("m", LabDraft(), TODAY)
        _, pad = lab_step("v", LabDraft("s", "n", "28", ""), TODAY)  # the decimal key is open
    assert "280,5 ng/L" in value_text and "Tippen Sie den Wert" in value_text
    assert "," in _markup_labels(pad) and "." not in _markup_labels(pad)
    assert "Wann wurde das Blut abgenommen?" in date_text
    assert {"Heute", "Gestern", "◀ Zurück", "✖ Abbrechen"} <= set(_markup_labels(date_markup))
    assert "Oktober 2026" in picker_text
    assert {"◀ Sep 2026", "Nov 2026 ▶"} <= set(_markup_labels(picker_markup))
    assert "Gesamt-B12 (Serum)" in _markup_labels(marker_markup)
    # the callback data stays language-free: the pad carries "280.5" whatever the label says
    datas = [b.callback_data for row in value_markup.inline_keyboard for b in row]
    assert any(":280.5:" in str(d) for d in datas)
    for text in (value_text, date_text, picker_text, marker_text):
        assert english_left(visible_text(text)) == []
