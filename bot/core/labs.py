"""Lab results for the B12 level log: parsing `/levels add …`, unit conversion, bands.

Pure code (no Telegram, no I/O). Values are kept as the user typed them (value + unit) and
converted to one canonical unit per marker for comparing and charting:

    serum (total) B12   pg/mL    (1 pmol/L = 1.355 pg/mL; 1 ng/L = 1 pg/mL)
    active B12 (holoTC) pmol/L   (same cobalamin factors as serum)
    MMA                 µmol/L   (1000 nmol/L = 1 µmol/L)
    homocysteine        µmol/L

Bands are the common ones from the shared nutrition README (BSH 2014, NICE NG239,
Stabler 2013), or the user's own lab range when they give one. Everything said about a value
is information, never a diagnosis.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

PG_PER_PMOL = 1.355  # 1 pmol/L cobalamin = 1.355 pg/mL (molar mass ~1355 g/mol)

DISCLAIMER = "This is information, not a diagnosis — discuss your results with your clinician."

ADD_EXAMPLES = (
    "Examples:\n"
    "/levels add serum 320 pg/mL 2026-10-02\n"
    "/levels add active 45 pmol/L\n"
    "/levels add mma 0.3 umol/L 2026-09-01 range 0.0-0.4"
)


class LabInputError(ValueError):
    """Bad `/levels add` input; `str(exc)` is a message fit to show the user."""


class Marker(StrEnum):
    SERUM = "serum"
    HOLOTC = "holotc"
    MMA = "mma"
    HOMOCYSTEINE = "homocysteine"


# Canonical spelling of each unit the parser knows.
PG_ML = "pg/mL"
NG_L = "ng/L"
PMOL_L = "pmol/L"
UMOL_L = "µmol/L"
NMOL_L = "nmol/L"

_UNIT_SPELLINGS: dict[str, str] = {
    "pg/ml": PG_ML,
    "ng/l": NG_L,
    "pmol/l": PMOL_L,
    "µmol/l": UMOL_L,
    "μmol/l": UMOL_L,  # Greek small mu (U+03BC), which phones often type
    "umol/l": UMOL_L,
    "mcmol/l": UMOL_L,
    "nmol/l": NMOL_L,
}


@dataclass(frozen=True, slots=True)
class MarkerInfo:
    name: str
    canonical_unit: str
    # unit -> (multiply, divide): canonical = value * multiply / divide (exact README factors)
    units: dict[str, tuple[float, float]]
    # Plausibility limits in the canonical unit: values outside cannot be a real result
    # (typo or wrong unit). They are NOT clinical thresholds.
    plausible_min: float
    plausible_max: float


MARKERS: dict[Marker, MarkerInfo] = {
    Marker.SERUM: MarkerInfo(
        name="serum B12",
        canonical_unit=PG_ML,
        units={PG_ML: (1.0, 1.0), NG_L: (1.0, 1.0), PMOL_L: (PG_PER_PMOL, 1.0)},
        plausible_min=10.0,
        plausible_max=20_000.0,
    ),
    Marker.HOLOTC: MarkerInfo(
        name="active B12 (holoTC)",
        canonical_unit=PMOL_L,
        units={PMOL_L: (1.0, 1.0), PG_ML: (1.0, PG_PER_PMOL), NG_L: (1.0, PG_PER_PMOL)},
        plausible_min=0.0,  # exclusive: any positive value
        plausible_max=1_000.0,
    ),
    Marker.MMA: MarkerInfo(
        name="MMA",
        canonical_unit=UMOL_L,
        units={UMOL_L: (1.0, 1.0), NMOL_L: (1.0, 1000.0)},
        plausible_min=0.0,
        plausible_max=100.0,
    ),
    Marker.HOMOCYSTEINE: MarkerInfo(
        name="homocysteine",
        canonical_unit=UMOL_L,
        units={UMOL_L: (1.0, 1.0)},
        plausible_min=0.0,
        plausible_max=500.0,
    ),
}

MARKER_ALIASES: dict[str, Marker] = {
    "serum": Marker.SERUM,
    "b12": Marker.SERUM,
    "total": Marker.SERUM,
    "active": Marker.HOLOTC,
    "holotc": Marker.HOLOTC,
    "holo": Marker.HOLOTC,
    "holo-tc": Marker.HOLOTC,
    "mma": Marker.MMA,
    "homocysteine": Marker.HOMOCYSTEINE,
    "hcy": Marker.HOMOCYSTEINE,
}


def parse_marker(word: str) -> Marker:
    """Marker for a name the user typed (case-insensitive), with a suggestion when unknown."""
    key = word.strip().lower()
    if key in MARKER_ALIASES:
        return MARKER_ALIASES[key]
    close = difflib.get_close_matches(key, list(MARKER_ALIASES), n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise LabInputError(
        f"I don't know the marker '{word}'.{hint} Use serum (total B12), active (holoTC), "
        f"mma or homocysteine.\n{ADD_EXAMPLES}"
    )


def parse_unit(word: str) -> str | None:
    """Canonical spelling of a unit (case-insensitive), or None when it is not a unit."""
    return _UNIT_SPELLINGS.get(word.strip().lower())


def to_canonical(marker: Marker, value: float, unit: str) -> float:
    """`value` in `unit` expressed in the marker's canonical unit."""
    info = MARKERS[marker]
    if unit not in info.units:
        raise LabInputError(_unit_mismatch(marker, unit))
    multiply, divide = info.units[unit]
    return value * multiply / divide


def from_canonical(marker: Marker, value: float, unit: str) -> float:
    """Inverse of `to_canonical`: a canonical value expressed in `unit`."""
    info = MARKERS[marker]
    if unit not in info.units:
        raise LabInputError(_unit_mismatch(marker, unit))
    multiply, divide = info.units[unit]
    return value * divide / multiply


def _unit_mismatch(marker: Marker, unit: str) -> str:
    allowed = ", ".join(MARKERS[marker].units)
    return f"{MARKERS[marker].name} is not measured in {unit}; use {allowed}.\n{ADD_EXAMPLES}"


@dataclass(frozen=True, slots=True)
class LabResult:
    """One lab value as entered. `ref_low`/`ref_high` are the lab's range, in `unit`."""

    marker: Marker
    value: float
    unit: str
    taken_on: dt.date
    ref_low: float | None = None
    ref_high: float | None = None

    @property
    def has_range(self) -> bool:
        return self.ref_low is not None or self.ref_high is not None

    @property
    def canonical_unit(self) -> str:
        return MARKERS[self.marker].canonical_unit

    @property
    def canonical_value(self) -> float:
        return to_canonical(self.marker, self.value, self.unit)

    def canonical_range(self) -> tuple[float | None, float | None]:
        def conv(v: float | None) -> float | None:
            return None if v is None else to_canonical(self.marker, v, self.unit)

        return conv(self.ref_low), conv(self.ref_high)

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (for storage and /export)."""
        return {
            "marker": self.marker.value,
            "value": self.value,
            "unit": self.unit,
            "taken_on": self.taken_on.isoformat(),
            "ref_low": self.ref_low,
            "ref_high": self.ref_high,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LabResult:
        def opt(v: object) -> float | None:
            return None if v is None else float(v)  # type: ignore[arg-type]

        return cls(
            marker=Marker(str(data["marker"])),
            value=float(data["value"]),  # type: ignore[arg-type]
            unit=str(data["unit"]),
            taken_on=dt.date.fromisoformat(str(data["taken_on"])),
            ref_low=opt(data.get("ref_low")),
            ref_high=opt(data.get("ref_high")),
        )


# --- parsing --------------------------------------------------------------------------

_NUMBER = r"\d+(?:[.,]\d+)?|[.,]\d+"
_GLUED = re.compile(rf"^({_NUMBER})([^\d.,].*)$")  # "320pg/mL" -> "320", "pg/mL"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OTHER_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_RANGE = re.compile(rf"^({_NUMBER})\s*[-–—]\s*({_NUMBER})$")
_ONE_SIDED = re.compile(rf"^([<>])\s*({_NUMBER})$")


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
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
            f"Please write the date as YYYY-MM-DD, e.g. {today.isoformat()}: '{tok}' is "
            "ambiguous (02/10/2026 may be 2 October or 10 February)."
        )
    try:
        day = dt.date.fromisoformat(tok)
    except ValueError:
        raise LabInputError(f"'{tok}' is not a real date. Use YYYY-MM-DD.") from None
    if day > today:
        raise LabInputError(
            f"The date {day.isoformat()} is in the future; enter the day the blood was taken."
        )
    return day


def _parse_range(tok: str, marker: Marker, unit: str) -> tuple[float | None, float | None]:
    hint = f"Write the lab's range in the same unit as the value, e.g. 'range 200-900' ({unit})."
    m = _RANGE.match(tok)
    if m:
        low, high = _number(m.group(1)), _number(m.group(2))
        if low is None or high is None or low >= high:
            raise LabInputError(f"The range '{tok}' must go from low to high. {hint}")
    else:
        one = _ONE_SIDED.match(tok)
        if not one:
            raise LabInputError(f"I could not read the range '{tok}'. {hint}")
        bound = _number(one.group(2))
        low, high = (None, bound) if one.group(1) == "<" else (bound, None)
    for bound in (low, high):
        if bound is not None and bound < 0:
            raise LabInputError(f"A range cannot be negative ('{tok}'). {hint}")
    top = high if high is not None else low
    assert top is not None
    if to_canonical(marker, top, unit) > MARKERS[marker].plausible_max:
        raise LabInputError(f"The range '{tok}' is too high for {unit}; is the unit right? {hint}")
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
        raise LabInputError(f"Tell me the marker, value and unit.\n{ADD_EXAMPLES}")
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
    units = ", ".join(info.units)

    if not toks:
        raise LabInputError(f"Add the value and unit for {info.name}.\n{ADD_EXAMPLES}")
    raw_value = toks.pop(0)
    value = _number(raw_value)
    if value is None:
        if raw_value.startswith(("-", "<", ">")) and _number(raw_value[1:]) is not None:
            raise LabInputError(
                f"Enter the number alone (not '{raw_value}'): {info.name} must be a positive "
                f"value in {units}."
            )
        raise LabInputError(
            f"'{raw_value}' is not a number. Enter the {info.name} value, e.g. "
            f"'{marker.value} {_example_value(marker)}'."
        )

    if not toks or parse_unit(toks[0]) is None:
        got = f" ('{toks[0]}' is not one I know)" if toks else ""
        raise LabInputError(
            f"Add the unit after the value{got}: {info.name} in {units}. "
            f"e.g. '{marker.value} {_example_value(marker)}'."
        )
    unit = parse_unit(toks.pop(0))
    assert unit is not None
    if unit not in info.units:
        raise LabInputError(_unit_mismatch(marker, unit))

    taken_on = today
    ref: tuple[float | None, float | None] = (None, None)
    seen_date = seen_range = False
    while toks:
        tok = toks.pop(0)
        low = tok.lower()
        if low in ("range", "ref", "reference"):
            if seen_range or not toks:
                raise LabInputError(f"Give one range after '{tok}', e.g. 'range 200-900'.")
            ref = _parse_range(toks.pop(0), marker, unit)
            _skip_range_unit(toks, unit)
            seen_range = True
        elif _ISO_DATE.match(tok) or _OTHER_DATE.match(tok):
            if seen_date:
                raise LabInputError("Give only one date (YYYY-MM-DD).")
            taken_on = _parse_date(tok, today)
            seen_date = True
        elif _RANGE.match(tok) or _ONE_SIDED.match(tok):  # a bare "200-900": the lab range
            if seen_range:
                raise LabInputError(f"Give only one range (got a second one, '{tok}').")
            ref = _parse_range(tok, marker, unit)
            _skip_range_unit(toks, unit)
            seen_range = True
        else:
            raise LabInputError(
                f"I did not understand '{tok}'. For the lab's reference range write it in "
                f"{unit} like 'range {_example_range(marker)}'.\n{ADD_EXAMPLES}"
            )

    canonical = to_canonical(marker, value, unit)
    if value <= 0:
        raise LabInputError(f"{info.name} must be more than 0 (got {raw_value} {unit}).")
    if canonical < info.plausible_min or canonical > info.plausible_max:
        lo = from_canonical(marker, info.plausible_min, unit)
        hi = from_canonical(marker, info.plausible_max, unit)
        raise LabInputError(
            f"{raw_value} {unit} is not a possible {info.name} result (I accept "
            f"{_fmt(lo)}–{_fmt(hi)} {unit}). Check the number and the unit on your lab report."
        )
    return LabResult(marker, value, unit, taken_on, ref[0], ref[1])


def _skip_range_unit(toks: list[str], unit: str) -> None:
    """Drop a unit written after the range ("200-900 pg/mL"); it must be the value's unit."""
    if not toks:
        return
    given = parse_unit(toks[0])
    if given is None:
        return
    if given != unit:
        raise LabInputError(
            f"Write the range in the same unit as the value ({unit}), not {toks[0]}."
        )
    toks.pop(0)


def _example_range(marker: Marker) -> str:
    """A typical-looking lab range for the example in messages (format only, not advice)."""
    return {
        Marker.SERUM: "200-900",
        Marker.HOLOTC: "35-150",
        Marker.MMA: "0.0-0.4",
        Marker.HOMOCYSTEINE: "5-15",
    }[marker]


def _example_value(marker: Marker) -> str:
    return {
        Marker.SERUM: "320 pg/mL",
        Marker.HOLOTC: "45 pmol/L",
        Marker.MMA: "0.3 umol/L",
        Marker.HOMOCYSTEINE: "11 umol/L",
    }[marker]


def _fmt(x: float) -> str:
    """Short number: 320, 236.2, 0.27."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".")


# --- bands ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BandScheme:
    """Common cut-offs for a marker, in its canonical unit.

    For B12 markers low is bad (`low_is_bad`): < low_edge is "low", low_edge..high_edge
    "borderline", above "adequate". For MMA and homocysteine high is bad: > high_edge
    "raised", low_edge..high_edge "borderline", below "not raised".
    """

    low_edge: float
    high_edge: float
    low_is_bad: bool
    source: str


BANDS: dict[Marker, BandScheme] = {
    Marker.SERUM: BandScheme(
        200.0,
        300.0,
        True,
        "common clinical scheme; BSH 2014: labs set "
        "their own ranges; NICE NG239 uses < 180 and 180–350 ng/L",
    ),
    Marker.HOLOTC: BandScheme(25.0, 70.0, True, "NICE NG239"),
    Marker.MMA: BandScheme(0.27, 0.40, False, "Stabler 2013, NEJM"),
    Marker.HOMOCYSTEINE: BandScheme(13.0, 15.0, False, "Stabler 2013, NEJM"),
}


@dataclass(frozen=True, slots=True)
class Band:
    """Where a value falls. `key` is stable (for code), `label` and `text` are for people."""

    key: str  # low | borderline | adequate | not_raised | raised | below | within | above
    label: str
    text: str
    source: str


_MS_NOTE = (
    " Low B12 can cause tiredness, numbness, balance and memory problems that overlap with "
    "MS symptoms, so it is worth raising."
)
_CLARIFY = {
    Marker.SERUM: " Active B12 (holoTC) or MMA tests can help clarify (NICE NG239).",
    Marker.HOLOTC: " An MMA test can help clarify (NICE NG239).",
}


def classify(result: LabResult) -> Band:
    """Band for a result: the user's own lab range when given, else the common bands."""
    info = MARKERS[result.marker]
    value = round(result.canonical_value, 6)
    shown = f"{info.name} {_fmt(result.value)} {result.unit}"
    if result.unit != info.canonical_unit:
        shown += f" (= {_fmt(value)} {info.canonical_unit})"

    if result.has_range:
        low, high = result.canonical_range()
        if low is not None and value < round(low, 6):
            key = "below"
        elif high is not None and value > round(high, 6):
            key = "above"
        else:
            key = "within"
        label = f"{key} your lab's range"
        source = "your lab's reference range"
        text = f"Your {shown} is {label} ({_range_text(result)}). {DISCLAIMER}"
        return Band(key, label, text, source)

    scheme = BANDS[result.marker]
    lo, hi, u = _fmt(scheme.low_edge), _fmt(scheme.high_edge), info.canonical_unit
    extra = ""
    if scheme.low_is_bad:
        if value < scheme.low_edge:
            key, label, where = "low", "low", f"below {lo} {u}"
            extra = _MS_NOTE
        elif value <= scheme.high_edge:
            key, label, where = "borderline", "borderline", f"between {lo} and {hi} {u}"
            extra = _CLARIFY[result.marker]
        else:
            key, label, where = "adequate", "adequate", f"above {hi} {u}"
    else:
        if value > scheme.high_edge:
            key, label, where = "raised", "raised", f"above {hi} {u}"
            extra = " This can point to a lack of B12 but has other causes too."
        elif value >= scheme.low_edge:
            key, label, where = "borderline", "borderline", f"between {lo} and {hi} {u}"
        else:
            key, label, where = "not_raised", "not raised", f"below {lo} {u}"
    text = (
        f"Your {shown} is {where}, commonly called {label} (source: {scheme.source}).{extra} "
        f"{DISCLAIMER}"
    )
    return Band(key, label, text, scheme.source)


def _range_text(result: LabResult) -> str:
    if result.ref_low is not None and result.ref_high is not None:
        return f"{_fmt(result.ref_low)}–{_fmt(result.ref_high)} {result.unit}"
    if result.ref_high is not None:
        return f"up to {_fmt(result.ref_high)} {result.unit}"
    assert result.ref_low is not None
    return f"from {_fmt(result.ref_low)} {result.unit}"


def format_result(result: LabResult) -> str:
    """One line for the /levels list: '2026-10-02 · serum B12 320 pg/mL (236 pmol/L) · adequate'."""
    info = MARKERS[result.marker]
    line = f"{result.taken_on.isoformat()} · {info.name} {_fmt(result.value)} {result.unit}"
    alt = _alternative_unit(result)
    if alt:
        line += f" ({alt})"
    return f"{line} · {classify(result).label}"


def _alternative_unit(result: LabResult) -> str:
    """The value in the other common unit, so results from two labs can be compared."""
    if result.marker is Marker.SERUM:
        other = PMOL_L if result.unit != PMOL_L else PG_ML
    elif result.marker is Marker.HOLOTC and result.unit != PMOL_L:
        other = PMOL_L
    elif result.marker is Marker.MMA:
        other = NMOL_L if result.unit == UMOL_L else UMOL_L
    else:
        return ""
    value = from_canonical(result.marker, result.canonical_value, other)
    return f"{_fmt(value)} {other}"


# --- retest ---------------------------------------------------------------------------

MAX_RETEST_MONTHS = 36


def next_retest(last_test: dt.date, months: int) -> dt.date:
    """`last_test` plus `months` calendar months, clamping the day (31 Jan + 1 -> 28/29 Feb)."""
    if not 1 <= months <= MAX_RETEST_MONTHS:
        raise LabInputError(f"Choose a retest interval of 1 to {MAX_RETEST_MONTHS} months.")
    index = last_test.month - 1 + months
    year, month = last_test.year + index // 12, index % 12 + 1
    next_month_first = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month_first - dt.timedelta(days=1)).day
    return dt.date(year, month, min(last_test.day, last_day))


def parse_months(text: str) -> int:
    """Months for `/levels retest 3` (also '3 months', '3m'); clear error otherwise."""
    m = re.fullmatch(r"\s*(\d{1,3})\s*(?:m|mo|month|months)?\s*", text.lower())
    if not m:
        raise LabInputError(
            f"Tell me after how many months to remind you, e.g. '/levels retest 3' "
            f"(1 to {MAX_RETEST_MONTHS})."
        )
    months = int(m.group(1))
    if not 1 <= months <= MAX_RETEST_MONTHS:
        raise LabInputError(f"Choose a retest interval of 1 to {MAX_RETEST_MONTHS} months.")
    return months
