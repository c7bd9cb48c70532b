"""A plan's notes are stored in English and translated when shown (bot.core.plan_notes)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from english_check import english_left
from translated import in_language

from bot.core.languages import localized_name
from bot.core.models import Diet, Profile, RecipeSet, Slot
from bot.core.plan_notes import localize_note
from bot.core.plan_rules import CLINICIAN_LINE
from bot.core.planner import plan_day
from bot.core.topups import localized_label

DAY = dt.date(2026, 11, 24)
# Profiles whose days carry notes: a top-up and a gap, fortified meals, over 50, pregnancy,
# an energy range no plan fits, a clinician-managed absorption.
NOTED = (
    Profile(diet=Diet.VEGAN, target_ug=2.4, slots=(Slot.DINNER,)),
    Profile(diet=Diet.VEGAN, target_ug=6.0, slots=(Slot.BREAKFAST, Slot.DINNER)),
    Profile(diet=Diet.OMNIVORE, target_ug=2.4, life_stage="over50"),
    Profile(diet=Diet.PESCATARIAN, target_ug=2.6, life_stage="pregnant"),
    Profile(diet=Diet.VEGETARIAN, target_ug=2.4, kcal_range=(400.0, 450.0)),
    Profile(diet=Diet.VEGAN, target_ug=2.4, absorption="impaired"),
)


def _notes(shipped: RecipeSet) -> list[str]:
    notes = {
        n
        for p in NOTED
        for d in range(3)
        for n in plan_day(shipped, p, DAY + dt.timedelta(d)).notes
    }
    assert len(notes) >= 5  # the profiles above do make notes
    return sorted(notes)


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_every_note_the_planner_writes_is_translated(shipped: RecipeSet, lang: str) -> None:
    names = [
        *(r.name for r in shipped.recipes.values()),  # "Repeats <dish> …": names stay
        *(localized_name(i, lang) for i in shipped.ingredients.values()),
    ]
    for note in _notes(shipped):
        with in_language(lang):
            shown = localize_note(note, lambda label: localized_label(label, shipped.ingredients))
        assert shown != note, note
        assert english_left(shown, names, lang) == [], shown
        assert not re.search(r"\d\.\d", shown), shown  # decimal commas


def test_english_notes_and_unknown_notes_stay_as_written(shipped: RecipeSet) -> None:
    note = _notes(shipped)[0]
    assert localize_note(note) == note
    with in_language("de"):
        assert localize_note("Something new the planner says.") == "Something new the planner says."
        assert localize_note(CLINICIAN_LINE).startswith("Ihr Arzt/Ihre Ärztin")
