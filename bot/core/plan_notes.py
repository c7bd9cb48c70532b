"""A plan's notes in the reader's language.

The planner writes its notes in English when it plans, and a planned day is stored and shared
by everyone with the same settings, whatever their language; so the notes are translated when
they are shown. Each English note the planner writes has a template here (the same words, with
named placeholders); a note that matches one is written again from the translated template, its
numbers the local way, its meal word, food label and recipe names translated. A note that
matches none is shown as written. Pure: no Telegram, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from bot.core.household_notes import HOUSEHOLD_TEMPLATES, household_fields
from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_decimal
from bot.core.models import Slot
from bot.core.plan_rules import CLINICIAN_LINE
from bot.core.plan_search import BUDGET_NOTE

# The meal words a note uses mid-sentence ("Added … to breakfast for B12.").
SLOT_WORD: dict[str, str] = {
    Slot.BREAKFAST.value: N_("breakfast"),
    Slot.LUNCH.value: N_("lunch"),
    Slot.DINNER.value: N_("dinner"),
    Slot.SNACK.value: N_("snack"),
}

# Placeholders: n_* a number, slot a meal word, label a top-up's label, names recipe names.
TEMPLATES: tuple[str, ...] = (
    N_("No {slot} recipe fits your diet and exclusions."),
    N_("Added {label} to {slot} for B12."),
    N_("Repeats {names} from the last 7 days: not enough other recipes fit your constraints."),
    N_(
        "Oily fish at most {n_times} times in any 7 days (NHS advice in pregnancy and "
        "breastfeeding)."
    ),
    N_(
        "This plan gives {n_b12} µg B12, {n_short} µg short of your {n_target} µg target: no "
        "combination of recipes you can eat reaches it."
    ),
    N_("This plan gives {n_b12} µg B12, {n_short} µg short of your {n_target} µg target."),
    N_(
        "Estimated absorbed B12 is {n_absorbed} µg, under half the target ({n_half} µg); B12 "
        "spread over more meals is absorbed better."
    ),
    N_(
        "Only {n_meals} meal(s) have fortified B12; the Vegan Society advises eating fortified "
        "foods at least twice a day."
    ),
    N_(
        "Calories ({n_kcal} kcal) are outside your range {n_low}-{n_high} kcal: no combination "
        "of recipes fits it."
    ),
    N_("Calories ({n_kcal} kcal) are outside your range {n_low}-{n_high} kcal."),
    N_(
        "{n_fortified} µg of today's B12 comes from fortified foods; after 50 more than half "
        "the target ({n_half} µg) should (IOM 1998): a fortified food or a supplement your "
        "clinician agrees closes it."
    ),
    N_("Not enough different recipes fit: one recipe appears twice today."),
    N_("{meal} stays as you ticked it."),
)
# What the planner adds to a note when no plan closes the gap (after a space).
ADVICE: tuple[str, ...] = (
    N_(
        "Nothing in the recipe set that fits your diet and exclusions closes the gap: discuss "
        "a B12 supplement with your clinician."
    ),
    N_(
        "To close it: {label} adds {n_b12} µg (best eaten with a meal that has little B12); or "
        "discuss a B12 supplement with your clinician."
    ),
)
CONSTANTS: tuple[str, ...] = (CLINICIAN_LINE, BUDGET_NOTE)
_FIELD = re.compile(r"\\\{(\w+)\\\}")
_NUMBER = re.compile(r"^-?[0-9]+(?:\.([0-9]+))?$")


@cache
def _pattern(template: str, *, suffix: bool = False) -> re.Pattern[str]:
    """The English template as a regex; `suffix`: the template may be followed by advice."""
    body = _FIELD.sub(lambda m: f"(?P<{m.group(1)}>.+?)", re.escape(template))
    return re.compile(f"^{body}" + ("(?P<rest> .+)?$" if suffix else "$"), re.DOTALL)


def _number(text: str) -> str:
    """An English number ("2.40", "1800") the local way, with as many decimals."""
    match = _NUMBER.match(text)
    if match is None:
        return text
    return fmt_decimal(float(text), len(match.group(1) or ""))


def _fill(
    template: str,
    values: dict[str, str],
    label: Callable[[str], str],
    name: Callable[[str], str],
) -> str:
    fields: dict[str, str] = {}
    for key, value in values.items():
        if key.startswith("n_"):
            fields[key] = _number(value)
        elif key == "slot":
            fields[key] = _(SLOT_WORD[value]) if value in SLOT_WORD else value
        elif key == "meal":  # "Lunch" at the start of a sentence
            word = _(SLOT_WORD[value.lower()]) if value.lower() in SLOT_WORD else value
            fields[key] = word[:1].upper() + word[1:]
        elif key == "label":
            fields[key] = label(value)
        elif key == "names":
            fields[key] = ", ".join(name(part) for part in value.split(", "))
        else:
            fields[key] = value
    return _(template).format(**fields)


def _advice(text: str, label: Callable[[str], str], name: Callable[[str], str]) -> str | None:
    for template in ADVICE:
        match = _pattern(template).match(text)
        if match is not None:
            return _fill(template, match.groupdict(), label, name)
    return None


def localize_note(
    note: str,
    label: Callable[[str], str] = lambda text: text,
    name: Callable[[str], str] = lambda text: text,
) -> str:
    """`note` in the current language. `label` turns an English top-up label into the reader's
    words, `name` an English recipe name; a note with no template is returned as written."""
    if current_language() == SOURCE_LANGUAGE:
        return note
    for constant in CONSTANTS:
        if note == constant:
            return _(constant)
    for template in TEMPLATES:
        match = _pattern(template, suffix=True).match(note)
        if match is None:
            continue
        values = match.groupdict()
        rest = values.pop("rest", None)
        text = _fill(template, values, label, name)
        if rest:
            advice = _advice(rest.strip(), label, name)
            if advice is None:
                continue
            text = f"{text} {advice}"
        return text
    for template in HOUSEHOLD_TEMPLATES:  # a household member's notes
        match = _pattern(template).match(note)
        if match is not None:
            return _fill(template, household_fields(match.groupdict()), label, name)
    return note
