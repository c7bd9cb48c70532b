"""A household member's plan notes in the reader's language.

The household planner (bot.core.household, bot.core.household_view) writes its notes in
English when it plans, and the household's day is stored and read by members who may each speak
another language; so, as for a personal plan (bot.core.plan_notes), each English note has a
template here with the same words and named placeholders, and a note that matches one is
written again from the translated template when it is shown. Besides plan_notes' fields
(numbers `n_*`, a meal word `slot`, a capitalised `meal`, a top-up `label`, recipe `names`),
household notes carry `meals` ("breakfast or lunch") and `members` ("Ana and Ben"), joined
the local way with Babel (`household_fields`). bot.core.plan_notes.localize_note tries these
templates after its own. Pure: no Telegram, no database.
"""

from __future__ import annotations

import re

from babel.lists import format_list

from bot.core.i18n import N_, _, current_language

# Placeholders: meals/meals_again the same meal words twice in one note (a template's fields
# must have distinct names), members people's names, names recipe names.
HOUSEHOLD_TEMPLATES: tuple[str, ...] = (
    N_(
        "No {meals} recipe fits your diet and exclusions, so the shared plan has no "
        "{meals_again}; fewer exclusions in /settings would let one fit."
    ),
    N_(
        "The shared plan has no {meals}: {members}'s diet and exclusions rule out every "
        "{meals_again} recipe."
    ),
    N_(
        "The shared plan has no {meals}: no {meals_again} recipe fits everyone's diets and "
        "exclusions together."
    ),
    N_(
        "Just for you: add {label} to your {slot} (+{n_b12} µg B12); the others' portions stay "
        "as planned."
    ),
    N_("Just for you: {names} as a snack (+{n_b12} µg B12)."),
    N_(
        "Your day reaches {n_total} µg of your {n_target} µg target: nothing in the recipe set "
        "that fits your diet and exclusions closes the gap. Discuss a B12 supplement with your "
        "clinician."
    ),
    N_(
        "Estimated absorbed B12 is {n_absorbed} µg, under half your target; discuss a B12 "
        "supplement with your clinician."
    ),
    N_(
        "Only {n_meals} of your meals have fortified B12; the Vegan Society advises fortified "
        "foods at least twice a day."
    ),
    N_(
        "{n_fortified} µg of your day's B12 comes from fortified foods; after 50 more than half "
        "your target should (IOM 1998): talk to your clinician about a supplement."
    ),
    N_(
        "Calories ({n_kcal} kcal) are outside your range {n_low}-{n_high} kcal: the shared meals "
        "could not fit it."
    ),
    N_("Shared household plan for 1 person."),
    N_("Shared household plan for {n_people} people (with {members})."),
    N_("{meal} (not in your meals): {names}, for {members}; not counted in your total."),
    N_("Added {label} to {slot} for everyone."),
    N_("Added {label} to {slot}."),
    N_("Repeats {names} from the last 7 days: not enough other recipes fit."),
)
# Words the household planner puts in place of a member without a name.
UNNAMED: tuple[str, ...] = (N_("a member"), N_("another member"))
# The meal words in a `meals` list (the same words as a personal plan's notes).
MEAL_WORD: dict[str, str] = {
    "breakfast": N_("breakfast"),
    "lunch": N_("lunch"),
    "dinner": N_("dinner"),
    "snack": N_("snack"),
}
_MEALS = re.compile(r", | or ")
_MEMBERS = re.compile(r", | and ")


def _list(words: list[str], style: str) -> str:
    return format_list(words, style=style, locale=current_language())


def _meals(text: str) -> str:
    """ "breakfast or lunch" -> "Frühstück oder Mittagessen"."""
    words = [_(MEAL_WORD[w]) if w in MEAL_WORD else w for w in _MEALS.split(text)]
    return _list(words, "or")


def _members(text: str) -> str:
    """ "Ana and Ben" -> "Ana und Ben"; "a member" in the reader's words."""
    names = [_(w) if w in UNNAMED else w for w in _MEMBERS.split(text)]
    return _list(names, "standard")


def household_fields(values: dict[str, str]) -> dict[str, str]:
    """A matched household note's fields with its lists in the reader's words; the other
    fields are left for plan_notes to fill (numbers, meal word, label, recipe names)."""
    out = dict(values)
    for key, value in values.items():
        if key.startswith("meals"):
            out[key] = _meals(value)
        elif key == "members":
            out[key] = _members(value)
    return out
