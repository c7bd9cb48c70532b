"""Recipe amounts rescaled to a number of servings and rounded to what a person measures.

Why: a 2-serving recipe halved for one person reads "⅛ tsp paprika", "1.5 × egg" or "1/6
tbsp": nobody owns a ⅛ spoon and a shaky hand cannot level one. A recipe card shows what a
cook actually measures: spoons in quarters (under ¼ tsp: a pinch; under a tablespoon: in
teaspoons; three teaspoons or more: tablespoons), cups in quarters, slices whole, pieces in
halves (a whole one at least once there is more than half), grams and millilitres to a
kitchen scale's step. Pure: no I/O, no Telegram.
"""

from __future__ import annotations

import math

TSP_PER_TBSP = 3.0
PINCH = 0.0  # a rounded spoon amount of 0 means "a pinch" (the formatter says so)


def _step(amount: float, step: float) -> float:
    """The nearest multiple of `step`, halves rounded up (2.5 slices -> 3, not 2)."""
    return float(math.floor(amount / step + 0.5)) * step


def scale_weight(amount: float) -> float:
    """Grams or millilitres to a scale's step: 1 g under 50, 5 g under 500, else 10 g."""
    if amount < 1:
        return round(amount, 1) or 0.1
    if amount < 50:
        return float(round(amount))
    if amount < 500:
        return _step(amount, 5)
    return _step(amount, 10)


def kitchen_measure(amount: float, unit: str) -> tuple[float, str]:
    """(amount, unit) rounded to what a person measures; the unit may change (tbsp <-> tsp).
    A spoon amount of 0 (PINCH) means "a pinch"."""
    if amount <= 0:
        return (0.0, unit)
    if unit == "tbsp" and amount < 1 - 1e-9:
        unit, amount = "tsp", amount * TSP_PER_TBSP
    if unit == "tsp":
        if amount >= TSP_PER_TBSP - 1e-9:
            tbsp = _step(amount / TSP_PER_TBSP, 0.5)
            return (tbsp, "tbsp")
        if amount < 0.25 - 1e-9:
            return (PINCH, "tsp")
        return (_step(amount, 0.25), "tsp")
    if unit == "tbsp":
        return (_step(amount, 0.5), "tbsp")
    if unit == "cup":
        return (max(0.25, _step(amount, 0.25)), "cup")
    if unit == "slice":
        return (max(1.0, _step(amount, 1.0)), "slice")
    if unit == "piece":
        if amount <= 0.5 + 1e-9:
            return (0.5, "piece")
        return (max(1.0, _step(amount, 0.5) if amount < 3 else _step(amount, 1.0)), "piece")
    if unit in ("g", "ml"):
        return (scale_weight(amount), unit)
    return (amount, unit)


def scaled_grams(
    grams_total: float, amount: float, unit: str, measured: float, measured_unit: str
) -> float:
    """The weight of the measured amount: the line's grams in proportion (a pinch keeps the
    unrounded weight, it is only ever a trace)."""
    if amount <= 0 or measured <= 0:
        return grams_total
    tsp = {"tsp": 1.0, "tbsp": TSP_PER_TBSP}
    if unit in tsp and measured_unit in tsp:
        return grams_total * measured * tsp[measured_unit] / (amount * tsp[unit])
    return grams_total * measured / amount
