"""A household member's plan notes in the reader's language: every note the household planner
writes in these households is matched by a template and written again in German, Spanish and
French; English stays as written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from translated import english_left, in_language

from bot.core.household import Member, plan_household_day
from bot.core.household_view import member_view
from bot.core.i18n import current_language
from bot.core.languages import localized_name
from bot.core.models import Diet, Profile, RecipeSet, Slot
from bot.core.plan_notes import localize_note
from bot.core.topups import topup_for, topup_label

DAY = dt.date(2026, 11, 24)


def _households() -> list[list[Member]]:
    ana = Profile(diet=Diet.VEGAN, target_ug=5.0, name="Ana")
    return [
        [  # a vegan with a high target next to an omnivore: a personal snack, absorption
            Member(1, Profile(diet=Diet.VEGAN, target_ug=8.0, name="Ana")),
            Member(2, Profile(diet=Diet.OMNIVORE, name="Ben")),
        ],
        [  # Ben skips breakfast: "(not in your meals)"; a calorie range no menu fits
            Member(1, ana),
            Member(
                2,
                Profile(
                    diet=Diet.OMNIVORE,
                    name="Ben",
                    slots=(Slot.LUNCH, Slot.DINNER),
                    kcal_range=(100.0, 200.0),
                ),
            ),
        ],
        [Member(1, ana), Member(2, Profile(diet=Diet.VEGAN, target_ug=5.0, name="Ben"))],
        [Member(1, ana)],  # a household of one
    ]


def _label(recipes: RecipeSet) -> Callable[[str], str]:
    """An English top-up label in the current language, as the plan messages show it."""

    def label(text: str) -> str:
        for ing in recipes.ingredients.values():
            topup = topup_for(ing) if ing.fortified else None
            if topup is not None and topup.label == text:
                return topup_label(ing)
        return text

    return label


def _name(recipes: RecipeSet) -> Callable[[str], str]:
    by_name = {r.name: r for r in recipes.recipes.values()}
    return lambda text: (
        localized_name(by_name[text], current_language()) if text in by_name else text
    )


def _notes(recipes: RecipeSet) -> list[str]:
    notes: list[str] = []
    for members in _households():
        hplan = plan_household_day(recipes, members, DAY)
        for member in members:
            notes += member_view(recipes, hplan, member.user_id).notes
    return notes


def test_the_households_write_the_notes_this_test_is_about(shipped: RecipeSet) -> None:
    notes = " ".join(_notes(shipped))
    for start in ("Shared household plan for 2 people (with", "Shared household plan for 1 "):
        assert start in notes
    assert "(not in your meals)" in notes and "as a snack" in notes and "absorbed" in notes
    assert "for everyone." in notes and "Calories (" in notes


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_every_household_note_is_translated(shipped: RecipeSet, lang: str) -> None:
    notes = _notes(shipped)
    with in_language(lang):
        shown = [localize_note(note, _label(shipped), _name(shipped)) for note in notes]
    for english, local in zip(notes, shown, strict=True):
        left = [w for w in english_left(local) if (lang, w) != ("fr", "or")]  # "d'or": gold
        assert local != english and not left, (english, local)


def test_a_german_member_reads_lists_and_numbers_the_german_way(shipped: RecipeSet) -> None:
    with in_language("de"):
        shared = localize_note("Shared household plan for 3 people (with Ana and Ben).")
        missing = localize_note(
            "The shared plan has no breakfast or lunch: Ana and a member's diet and "
            "exclusions rule out every breakfast or lunch recipe."
        )
        short = localize_note(
            "Your day reaches 3.5 µg of your 4 µg target: nothing in the recipe set that fits "
            "your diet and exclusions closes the gap. Discuss a B12 supplement with your "
            "clinician."
        )
    assert shared == "Gemeinsamer Haushaltsplan für 3 Personen (mit Ana und Ben)."
    assert missing is not None and "Frühstück oder Mittagessen" in missing
    assert "Ana und ein Mitglied" in missing
    assert short is not None and "3,5 µg von Ihrem Ziel von 4 µg" in short
    assert "Arzt/Ihrer Ärztin" in short
    with in_language("de"):
        own = localize_note(
            "Just for you: add a glass of soy milk to your dinner (+0.8 µg B12); the others' "
            "portions stay as planned."
        )
    assert own == (
        "Nur für Sie: a glass of soy milk zu Ihrem Abendessen dazu (+0,8 µg B12); die "
        "Portionen der anderen bleiben wie geplant."
    )  # the label is translated by the caller's `label`


def test_english_notes_stay_as_written(shipped: RecipeSet) -> None:
    notes = _notes(shipped)
    assert [localize_note(note) for note in notes] == notes
