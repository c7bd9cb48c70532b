"""Typed lab results: `/levels add serum 320 ng/L 2026-10-02 range 200-900` and the generous
short forms (`/levels B12 280 ng/L`, decimal commas, local marker words), read into a
LabResult or refused with a LabInputError that says what to fix. Bands and advice live in
bot.core.labs.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.core.i18n import _, fmt_decimal, parse_decimal
from bot.core.labs import (
    ADD_EXAMPLES,
    MARKER_ALIASES,
    MARKERS,
    RANGE_WORDS,
    LabInputError,
    LabResult,
    Marker,
    example_value,
    from_canonical,
    lab_number,
    parse_marker,
    parse_unit,
    to_canonical,
    unit_mismatch,
)

# --- parsing --------------------------------------------------------------------------

_NUMBER = r"\d+(?:[.,]\d+)?|[.,]\d+"
_GLUED = re.compile(rf"^({_NUMBER})([^\d.,].*)$")  # "320pg/mL" -> "320", "pg/mL"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OTHER_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_RANGE = re.compile(rf"^({_NUMBER})\s*[-–—]\s*({_NUMBER})$")
_ONE_SIDED = re.compile(rf"^([<>])\s*({_NUMBER})$")


def _number(text: str) -> float | None:
    """ "320", "320.5" or "320,5" (decimal comma), ".4"; None otherwise."""
    try:
        return parse_decimal(text)
    except ValueError:
        return None


def _tokens(text: str) -> list[str]:
    """Split on spaces, keep a range like "200 - 900" as one token, split "320pg/mL"."""
    text = re.sub(
        r"(?<=\d)\s*([-–—])\s*(?=[\d.,])", r"\1", text.strip()
    )  # "200 - 900" -> "200-900"
    text = re.sub(r"([<>])\s+", r"\1", text)  # "< 0.4" -> "<0.4"
    out: list[str] = []
    for tok in text.split():
        m = _GLUED.match(tok)
        if m and parse_unit(m.group(2)) is not None:
            out.extend([m.group(1), m.group(2)])
        else:
            out.append(tok)
    return out


def _parse_date(tok: str, today: dt.date) -> dt.date:
    if not _ISO_DATE.match(tok):
        raise LabInputError(
            _(
                "Please write the date as YYYY-MM-DD, e.g. {today}: '{text}' is "
                "ambiguous (02/10/2026 may be 2 October or 10 February)."
            ).format(today=today.isoformat(), text=tok)
        )
    try:
        day = dt.date.fromisoformat(tok)
    except ValueError:
        raise LabInputError(
            _("'{text}' is not a real date. Use YYYY-MM-DD.").format(text=tok)
        ) from None
    if day > today:
        raise LabInputError(
            _("The date {day} is in the future; enter the day the blood was taken.").format(
                day=day.isoformat()
            )
        )
    return day


def _parse_range(tok: str, marker: Marker, unit: str) -> tuple[float | None, float | None]:
    hint = _(
        "Write the lab's range in the same unit as the value, e.g. 'range 200-900' ({unit})."
    ).format(unit=unit)
    m = _RANGE.match(tok)
    if m:
        low, high = _number(m.group(1)), _number(m.group(2))
        if low is None or high is None or low >= high:
            raise LabInputError(
                _("The range '{text}' must go from low to high.").format(text=tok) + " " + hint
            )
    else:
        one = _ONE_SIDED.match(tok)
        if not one:
            raise LabInputError(
                _("I could not read the range '{text}'.").format(text=tok) + " " + hint
            )
        bound = _number(one.group(2))
        low, high = (None, bound) if one.group(1) == "<" else (bound, None)
    for bound in (low, high):
        if bound is not None and bound < 0:
            raise LabInputError(
                _("A range cannot be negative ('{text}').").format(text=tok) + " " + hint
            )
    top = high if high is not None else low
    assert top is not None
    if to_canonical(marker, top, unit) > MARKERS[marker].plausible_max:
        raise LabInputError(
            _("The range '{text}' is too high for {unit}; is the unit right?").format(
                text=tok, unit=unit
            )
            + " "
            + hint
        )
    return low, high


def parse_levels_add(text: str, today: dt.date) -> LabResult:
    """Parse the arguments of `/levels add` (the words after "add").

    Grammar: `<marker> [b12] <value> <unit> [YYYY-MM-DD] [range|ref <low>-<high>]`; the date
    and range may come in either order; `range <0.4` / `range >200` give one-sided ranges.
    """
    toks = _tokens(text)
    if toks and toks[0].lower() == "add":
        toks = toks[1:]
    if not toks:
        raise LabInputError(_("Tell me the marker, value and unit.") + "\n" + _(ADD_EXAMPLES))
    marker = parse_marker(toks.pop(0))
    if (
        toks
        and toks[0].lower() in ("b12", "(holotc)", "holotc")
        and marker
        in (
            Marker.SERUM,
            Marker.HOLOTC,
        )
    ):
        toks.pop(0)  # "serum b12 320 …", "active b12 45 …"
    info = MARKERS[marker]
    units = ", ".join(info.accepted_units)

    if not toks:
        raise LabInputError(
            _("Add the value and unit for {marker}.").format(marker=info.name)
            + "\n"
            + _(ADD_EXAMPLES)
        )
    raw_value = toks.pop(0)
    value = _number(raw_value)
    example = f"{marker.value} {example_value(marker)}"
    if value is None:
        if raw_value.startswith(("-", "<", ">")) and _number(raw_value[1:]) is not None:
            raise LabInputError(
                _(
                    "Enter the number alone (not '{text}'): {marker} must be a positive "
                    "value in {units}."
                ).format(text=raw_value, marker=info.name, units=units)
            )
        raise LabInputError(
            _("'{text}' is not a number. Enter the {marker} value, e.g. '{example}'.").format(
                text=raw_value, marker=info.name, example=example
            )
        )

    if not toks or parse_unit(toks[0]) is None:
        if toks:
            message = _(
                "Add the unit after the value ('{text}' is not one I know): {marker} in "
                "{units}. e.g. '{example}'."
            )
        else:
            message = _("Add the unit after the value: {marker} in {units}. e.g. '{example}'.")
        raise LabInputError(
            message.format(
                text=toks[0] if toks else "", marker=info.name, units=units, example=example
            )
        )
    unit = parse_unit(toks.pop(0))
    assert unit is not None
    if unit not in info.accepted_units:
        raise LabInputError(unit_mismatch(marker, unit))

    taken_on = today
    ref: tuple[float | None, float | None] = (None, None)
    seen_date = seen_range = False
    while toks:
        tok = toks.pop(0)
        low = tok.lower()
        if low in RANGE_WORDS:
            if seen_range or not toks:
                raise LabInputError(
                    _("Give one range after '{text}', e.g. 'range 200-900'.").format(text=tok)
                )
            ref = _parse_range(toks.pop(0), marker, unit)
            _skip_range_unit(toks, unit)
            seen_range = True
        elif _ISO_DATE.match(tok) or _OTHER_DATE.match(tok):
            if seen_date:
                raise LabInputError(_("Give only one date (YYYY-MM-DD)."))
            taken_on = _parse_date(tok, today)
            seen_date = True
        elif _RANGE.match(tok) or _ONE_SIDED.match(tok):  # a bare "200-900": the lab range
            if seen_range:
                raise LabInputError(
                    _("Give only one range (got a second one, '{text}').").format(text=tok)
                )
            ref = _parse_range(tok, marker, unit)
            _skip_range_unit(toks, unit)
            seen_range = True
        else:
            raise LabInputError(
                _(
                    "I did not understand '{text}'. For the lab's reference range write it in "
                    "{unit} like 'range {example}'."
                ).format(text=tok, unit=unit, example=_example_range(marker))
                + "\n"
                + _(ADD_EXAMPLES)
            )

    check_value(marker, value, unit, raw_value)
    return LabResult(marker, value, unit, taken_on, ref[0], ref[1])


def check_value(marker: Marker, value: float, unit: str, raw_value: str | None = None) -> None:
    """Refuse a value no real result can have (more than 0, within the marker's plausibility
    limits, in a unit the user may enter): LabInputError with a message for the user. The
    typed `/levels add` and the button flow check values alike."""
    info = MARKERS[marker]
    if unit not in info.accepted_units:
        raise LabInputError(unit_mismatch(marker, unit))
    shown = raw_value if raw_value is not None else lab_number(value)
    canonical = to_canonical(marker, value, unit)
    if value <= 0:
        raise LabInputError(
            _("{marker} must be more than 0 (got {value} {unit}).").format(
                marker=info.name, value=shown, unit=unit
            )
        )
    if canonical < info.plausible_min or canonical > info.plausible_max:
        lo = from_canonical(marker, info.plausible_min, unit)
        hi = from_canonical(marker, info.plausible_max, unit)
        raise LabInputError(
            _(
                "{value} {unit} is not a possible {marker} result (I accept "
                "{low}–{high} {unit}). Check the number and the unit on your lab report."
            ).format(
                value=shown,
                unit=unit,
                marker=info.name,
                low=lab_number(lo),
                high=lab_number(hi),
            )
        )


def is_marker_word(word: str) -> bool:
    """Whether `/levels <word> …` names a marker ("B12", "serum", "active"): then the words
    mean "add this result", as if "add" had been typed."""
    return word.strip().lower() in MARKER_ALIASES


def parse_lab_value(text: str) -> float | None:
    """A number as typed or tapped: "280", "2,5" (decimal comma), ".4"; None otherwise."""
    tok = text.strip()
    if not 1 <= len(tok) <= 12 or re.fullmatch(_NUMBER, tok) is None:
        return None
    return _number(tok)


def _skip_range_unit(toks: list[str], unit: str) -> None:
    """Drop a unit written after the range ("200-900 pg/mL"); it must be the value's unit."""
    if not toks:
        return
    given = parse_unit(toks[0])
    if given is None:
        return
    if given != unit:
        raise LabInputError(
            _("Write the range in the same unit as the value ({unit}), not {given}.").format(
                unit=unit, given=toks[0]
            )
        )
    toks.pop(0)


def _example_range(marker: Marker) -> str:
    """A typical-looking lab range for the example in messages (format only, not advice)."""
    return {
        Marker.SERUM: "200-900",
        Marker.HOLOTC: "35-150",
        Marker.MMA: fmt_decimal(0.0) + "-" + fmt_decimal(0.4),
        Marker.HOMOCYSTEINE: "5-15",
    }[marker]
