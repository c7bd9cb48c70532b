"""The add-a-result flow's texts and callback codec: every field range-checked, units as the
marker allows, every step with Back and Cancel under Telegram's 64 bytes."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import Call, visible_text

from bot.chat.render.labs import LabDraft, lab_step

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
