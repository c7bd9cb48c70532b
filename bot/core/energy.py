"""The daily energy choice: off (B12-focused meals), a preset range or a typed one.

Why a range and bounds: with a range the planner picks meals whose calories add up to it
(`Profile.kcal_range`), so a day can be a whole day's food; without one the meals are chosen
for B12 and come to 1,000-1,400 kcal, which the plan messages say. Typed ranges are bounded
(1,000-4,000 kcal, at least 100 kcal wide) before anything is planned with them: outside that
they are typos, and a very narrow range leaves almost no combination of recipes.
"""

from __future__ import annotations

import re

KCAL_MIN = 1000
KCAL_MAX = 4000
MIN_SPAN = 100  # kcal between the ends of a range
MAX_INPUT_CHARS = 40  # longer /energy text is not a range: refuse before parsing

# (key, low, high): the buttons in /settings
PRESETS: tuple[tuple[str, int, int], ...] = (
    ("1600", 1600, 2000),
    ("2000", 2000, 2400),
)
OFF_WORDS = frozenset({"off", "none", "no", "stop", "clear"})
EXAMPLE = "/energy 1800-2200"

_NUMBER = r"(\d{1,2}[,.\s]?\d{3}|\d{3,4})"
_RANGE = re.compile(
    rf"^{_NUMBER}\s*(?:-|–|—|to|\.\.)\s*{_NUMBER}\s*(?:kcal|cal|calories)?$", re.IGNORECASE
)


class EnergyInputError(ValueError):
    """The typed range cannot be used; the message says why and gives an example."""


def preset(key: str) -> tuple[int, int] | None:
    """The range of a preset button ("1600" -> (1600, 2000)); None for an unknown key."""
    for name, low, high in PRESETS:
        if name == key:
            return (low, high)
    return None


def _kcal(text: str) -> int:
    return int(re.sub(r"[,.\s]", "", text))


def check_range(low: int, high: int) -> tuple[int, int]:
    """(low, high) when it is a range the planner may use, else EnergyInputError."""
    if low > high:
        low, high = high, low
    if low < KCAL_MIN or high > KCAL_MAX:
        raise EnergyInputError(
            f"{low:,}–{high:,} kcal is outside what I plan for ({KCAL_MIN:,}–{KCAL_MAX:,} kcal "
            f"a day). Example: {EXAMPLE}"
        )
    if high - low < MIN_SPAN:
        raise EnergyInputError(
            f"Give a range at least {MIN_SPAN} kcal wide, so there are meals that fit. "
            f"Example: {EXAMPLE}"
        )
    return (low, high)


def parse_energy(text: str) -> tuple[int, int] | None:
    """ "1800-2200", "1,800 – 2,200 kcal", "1800 to 2200" -> (1800, 2200); "off" -> None.

    EnergyInputError (a message a user can act on) for anything else.
    """
    cleaned = text.strip()
    if len(cleaned) > MAX_INPUT_CHARS:
        raise EnergyInputError(f"That is not a range. Example: {EXAMPLE}, or /energy off")
    if cleaned.lower() in OFF_WORDS:
        return None
    match = _RANGE.match(cleaned)
    if match is None:
        raise EnergyInputError(
            f"Send the range as two numbers of kcal a day, e.g. {EXAMPLE}, or /energy off."
        )
    return check_range(_kcal(match.group(1)), _kcal(match.group(2)))


def describe(kcal_range: tuple[float, float] | None) -> str:
    """ "1,600–2,000 kcal a day" or "off (B12-focused meals)"."""
    if kcal_range is None:
        return "off (B12-focused meals)"
    return f"{kcal_range[0]:,.0f}–{kcal_range[1]:,.0f} kcal a day"
