"""The daily energy choice: off (B12-focused meals), a preset range or a typed one.

Why a range and bounds: with a range the planner picks meals whose calories add up to it
(`Profile.kcal_range`), so a day can be a whole day's food; without one the meals are chosen
for B12 and come to 1,000-1,400 kcal, which the plan messages say. Typed ranges are bounded
(1,000-4,000 kcal, at least 100 kcal wide) before anything is planned with them: outside that
they are typos, and a very narrow range leaves almost no combination of recipes.
"""

from __future__ import annotations

import re

from bot.core.i18n import _, fmt_decimal

KCAL_MIN = 1000
KCAL_MAX = 4000
MIN_SPAN = 100  # kcal between the ends of a range
MAX_INPUT_CHARS = 40  # longer /energy text is not a range: refuse before parsing

# (key, low, high): the buttons in /settings
PRESETS: tuple[tuple[str, int, int], ...] = (
    ("1600", 1600, 2000),
    ("2000", 2000, 2400),
)
OFF_WORDS = frozenset(
    {"off", "none", "no", "stop", "clear", "aus", "nein", "desactivar", "ninguno", "non", "arrêt"}
)
EXAMPLE = "/energy 1800-2200"

_NUMBER = r"(\d{1,2}[,.\s]?\d{3}|\d{3,4})"
_RANGE = re.compile(
    rf"^{_NUMBER}\s*(?:-|–|—|to|bis|a|à|\.\.)\s*{_NUMBER}\s*(?:kcal|cal|calories)?$",
    re.IGNORECASE,
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
            _(
                "{low}–{high} kcal is outside what I plan for ({most_low}–{most_high} kcal "
                "a day). Example: {example}"
            ).format(
                low=_kcal_text(low),
                high=_kcal_text(high),
                most_low=_kcal_text(KCAL_MIN),
                most_high=_kcal_text(KCAL_MAX),
                example=EXAMPLE,
            )
        )
    if high - low < MIN_SPAN:
        raise EnergyInputError(
            _(
                "Give a range at least {span} kcal wide, so there are meals that fit. "
                "Example: {example}"
            ).format(span=MIN_SPAN, example=EXAMPLE)
        )
    return (low, high)


def parse_energy(text: str) -> tuple[int, int] | None:
    """ "1800-2200", "1,800 – 2,200 kcal", "1800 to 2200" -> (1800, 2200); "off" -> None.

    EnergyInputError (a message a user can act on) for anything else.
    """
    cleaned = text.strip()
    if len(cleaned) > MAX_INPUT_CHARS:
        raise EnergyInputError(
            _("That is not a range. Example: {example}, or /energy off").format(example=EXAMPLE)
        )
    if cleaned.lower() in OFF_WORDS:
        return None
    match = _RANGE.match(cleaned)
    if match is None:
        raise EnergyInputError(
            _(
                "Send the range as two numbers of kcal a day, e.g. {example}, or /energy off."
            ).format(example=EXAMPLE)
        )
    return check_range(_kcal(match.group(1)), _kcal(match.group(2)))


def describe(kcal_range: tuple[float, float] | None) -> str:
    """ "1,600–2,000 kcal a day" or "off (B12-focused meals)", in the current language."""
    if kcal_range is None:
        return _("off (B12-focused meals)")
    return _("{low}–{high} kcal a day").format(
        low=_kcal_text(kcal_range[0]), high=_kcal_text(kcal_range[1])
    )


def _kcal_text(kcal: float) -> str:
    """1,600 / 1.600 / 1 600."""
    return fmt_decimal(kcal, 0)
