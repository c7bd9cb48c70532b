"""Lab results for the B12 level log: parsing `/levels add …`, unit conversion, bands.

Pure code (no Telegram, no I/O). Values are kept as the user typed them (value + unit) and
converted to one canonical unit per marker for comparing and charting:

    serum (total) B12   pg/mL    (1 ng/L = 1 pg/mL; 1 pmol/L = 1.355 pg/mL)
    active B12 (holoTC) pmol/L   (entered in pmol/L only: NICE NG239 gives its bands so)
    MMA                 µmol/L   (1000 nmol/L = 1 µmol/L)
    homocysteine        µmol/L

Bands follow NICE NG239 (2024) for total and active B12 and Stabler 2013 for MMA and
homocysteine, or the user's own lab range when they give one. A B12 result is never called
"adequate" or "normal": a result in range does not rule out a deficiency when symptoms are
present. Low or indeterminate results say to contact the GP or MS team soon, and every result
says that supplements change test results. Everything is information, never a diagnosis.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.i18n import N_, _, fmt_decimal

PG_PER_PMOL = 1.355  # 1 pmol/L cobalamin = 1.355 pg/mL (molar mass ~1355 g/mol)

DISCLAIMER = N_("This is information, not a diagnosis — discuss your results with your clinician.")

ADD_EXAMPLES = N_(
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
    label: str  # English, marked for translation: `name` gives it in the current language
    canonical_unit: str
    # unit -> (multiply, divide): canonical = value * multiply / divide (exact README factors)
    units: dict[str, tuple[float, float]]
    # Plausibility limits in the canonical unit: values outside cannot be a real result
    # (typo or wrong unit). They are NOT clinical thresholds.
    plausible_min: float
    plausible_max: float
    # Units accepted from the user (a subset of `units`): the others still convert, so a
    # result stored before a unit was refused keeps its value and its chart.
    input_units: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return _(self.label)

    @property
    def accepted_units(self) -> tuple[str, ...]:
        return self.input_units or tuple(self.units)


MARKERS: dict[Marker, MarkerInfo] = {
    Marker.SERUM: MarkerInfo(
        label=N_("serum B12"),
        canonical_unit=PG_ML,
        units={PG_ML: (1.0, 1.0), NG_L: (1.0, 1.0), PMOL_L: (PG_PER_PMOL, 1.0)},
        plausible_min=10.0,
        plausible_max=20_000.0,
    ),
    Marker.HOLOTC: MarkerInfo(
        label=N_("active B12 (holoTC)"),
        canonical_unit=PMOL_L,
        units={PMOL_L: (1.0, 1.0), PG_ML: (1.0, PG_PER_PMOL), NG_L: (1.0, PG_PER_PMOL)},
        plausible_min=0.0,  # exclusive: any positive value
        plausible_max=1_000.0,
        input_units=(PMOL_L,),  # NICE NG239's bands are in pmol/L; labs report it so
    ),
    Marker.MMA: MarkerInfo(
        label=N_("MMA"),
        canonical_unit=UMOL_L,
        units={UMOL_L: (1.0, 1.0), NMOL_L: (1.0, 1000.0)},
        plausible_min=0.0,
        plausible_max=100.0,
    ),
    Marker.HOMOCYSTEINE: MarkerInfo(
        label=N_("homocysteine"),
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
    # the same markers in the bot's other languages (typed commands accept local words)
    "gesamt": Marker.SERUM,
    "suero": Marker.SERUM,
    "sérum": Marker.SERUM,
    "sérique": Marker.SERUM,
    "serique": Marker.SERUM,
    "aktiv": Marker.HOLOTC,
    "aktives": Marker.HOLOTC,
    "activa": Marker.HOLOTC,
    "activo": Marker.HOLOTC,
    "actif": Marker.HOLOTC,
    "amm": Marker.MMA,
    "homocystein": Marker.HOMOCYSTEINE,
    "homocisteína": Marker.HOMOCYSTEINE,
    "homocisteina": Marker.HOMOCYSTEINE,
    "homocystéine": Marker.HOMOCYSTEINE,
}
# Words that introduce the lab's reference range, in every language the bot speaks.
RANGE_WORDS = frozenset(
    {"range", "ref", "reference", "bereich", "referenz", "rango", "referencia", "plage",
     "intervalle", "référence"}
)  # fmt: skip


def parse_marker(word: str) -> Marker:
    """Marker for a name the user typed (case-insensitive), with a suggestion when unknown."""
    key = word.strip().lower()
    if key in MARKER_ALIASES:
        return MARKER_ALIASES[key]
    close = difflib.get_close_matches(key, list(MARKER_ALIASES), n=1, cutoff=0.6)
    parts = [_("I don't know the marker '{word}'.").format(word=word)]
    if close:
        parts.append(_("Did you mean '{close}'?").format(close=close[0]))
    parts.append(_("Use serum (total B12), active (holoTC), mma or homocysteine."))
    raise LabInputError(" ".join(parts) + "\n" + _(ADD_EXAMPLES))


def parse_unit(word: str) -> str | None:
    """Canonical spelling of a unit (case-insensitive), or None when it is not a unit."""
    return _UNIT_SPELLINGS.get(word.strip().lower())


def to_canonical(marker: Marker, value: float, unit: str) -> float:
    """`value` in `unit` expressed in the marker's canonical unit."""
    info = MARKERS[marker]
    if unit not in info.units:
        raise LabInputError(unit_mismatch(marker, unit))
    multiply, divide = info.units[unit]
    return value * multiply / divide


def from_canonical(marker: Marker, value: float, unit: str) -> float:
    """Inverse of `to_canonical`: a canonical value expressed in `unit`."""
    info = MARKERS[marker]
    if unit not in info.units:
        raise LabInputError(unit_mismatch(marker, unit))
    multiply, divide = info.units[unit]
    return value * divide / multiply


def example_value(marker: Marker) -> str:
    return {
        Marker.SERUM: "320 pg/mL",
        Marker.HOLOTC: "45 pmol/L",
        Marker.MMA: fmt_decimal(0.3) + " umol/L",
        Marker.HOMOCYSTEINE: "11 umol/L",
    }[marker]


def unit_mismatch(marker: Marker, unit: str) -> str:
    info = MARKERS[marker]
    if marker is Marker.HOLOTC and unit in info.units:
        return _(
            "Please enter active B12 (holoTC) in pmol/L, as lab reports and the NICE NG239 "
            "bands give it (not {unit}), e.g. 'active {example}'. If your "
            "report shows another unit, ask your lab or clinician for the pmol/L value."
        ).format(unit=unit, example=example_value(marker))
    allowed = ", ".join(info.accepted_units)
    return (
        _("{marker} is not measured in {unit}; use {allowed}.").format(
            marker=info.name, unit=unit, allowed=allowed
        )
        + "\n"
        + _(ADD_EXAMPLES)
    )


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


def lab_number(x: float) -> str:
    """Short number the local way: 320, 236.2 / 236,2, 0.27 / 0,27, 1,355 / 1.355."""
    if x >= 100:
        return fmt_decimal(x, 0)
    if x >= 10:
        return fmt_decimal(x, 1, trim=True)
    return fmt_decimal(x, 2, trim=True)


# --- bands ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BandScheme:
    """Default cut-offs for a marker, in its canonical unit, and the words for each band.

    `labels` name the band below `low_edge`, from `low_edge` to `high_edge` (both edges
    included) and above `high_edge`; `keys` are the same for code. For total and active B12
    (NICE NG239) low is bad: "deficiency likely", "indeterminate", "deficiency unlikely".
    For MMA and homocysteine (Stabler 2013) high is bad: "not raised", "borderline", "raised".
    """

    low_edge: float
    high_edge: float
    low_is_bad: bool
    source: str
    labels: tuple[str, str, str]
    keys: tuple[str, str, str]


# English band words, marked for translation; the same words in every language (see the
# glossary at the top of each catalogue): translate at use with _(label).
_B12_LABELS = (N_("deficiency likely"), N_("indeterminate"), N_("deficiency unlikely"))
_B12_KEYS = ("likely", "indeterminate", "unlikely")
_RAISED_LABELS = (N_("not raised"), N_("borderline"), N_("raised"))
_RAISED_KEYS = ("not_raised", "borderline", "raised")

BANDS: dict[Marker, BandScheme] = {
    # NICE NG239 (2024): total B12 < 180 ng/L deficiency likely, 180-350 indeterminate,
    # > 350 unlikely (canonical pg/mL: 1 ng/L = 1 pg/mL).
    Marker.SERUM: BandScheme(180.0, 350.0, True, "NICE NG239", _B12_LABELS, _B12_KEYS),
    # NICE NG239: active B12 (holoTC) < 25, 25-70, > 70 pmol/L.
    Marker.HOLOTC: BandScheme(25.0, 70.0, True, "NICE NG239", _B12_LABELS, _B12_KEYS),
    Marker.MMA: BandScheme(0.27, 0.40, False, "Stabler 2013, NEJM", _RAISED_LABELS, _RAISED_KEYS),
    Marker.HOMOCYSTEINE: BandScheme(
        13.0, 15.0, False, "Stabler 2013, NEJM", _RAISED_LABELS, _RAISED_KEYS
    ),
}

# Keys that call for contacting the GP or MS team soon: a B12 marker that is low or
# indeterminate (or below the lab's range), an MMA or homocysteine that is raised (or above it).
URGENT_KEYS = frozenset({"likely", "indeterminate", "raised"})

GP_SOON = N_(
    "Please contact your GP or MS team soon about it, especially if you have new or worsening "
    "numbness, weakness, balance or memory problems."
)
NOT_RULED_OUT = N_(
    "A result here does not rule out a deficiency when you have symptoms: tell your GP or MS "
    "team about new or worsening numbness, weakness, balance or memory problems."
)
SUPPLEMENTS_CHANGE_RESULTS = N_(
    "B12 supplements and injections change test results: tell your clinician what you take, "
    "and with symptoms, test before starting them."
)
PREGNANCY_TEST = N_(
    "In pregnancy total B12 falls naturally, so active B12 (holoTC) is the preferred test "
    "(NICE NG239)."
)


@dataclass(frozen=True, slots=True)
class Band:
    """Where a value falls. `key` is stable (for code); `label` and the texts are for people.

    `summary` says where the value falls and what that can mean; `text` adds what to do
    (`urgent`: contact the GP or MS team soon), that supplements change results, the
    pregnancy note when it applies and the disclaimer: the whole message for one result.
    """

    key: str  # likely | indeterminate | unlikely | not_raised | borderline | raised
    # | below | within | above (the user's lab range)
    label: str
    text: str
    source: str
    summary: str = ""
    urgent: bool = False


_MS_NOTE = N_(
    "Low B12 can cause tiredness, numbness, balance and memory problems that overlap with "
    "MS symptoms."
)
_CLARIFY = {
    Marker.SERUM: N_("NICE suggests an active B12 (holoTC) or MMA test to clarify."),
    Marker.HOLOTC: N_("An MMA test can help clarify (NICE NG239)."),
}
_OTHER_CAUSES = N_("This can point to a lack of B12 but has other causes too.")
_LAB_RANGE_SOURCE = N_("your lab's reference range")
# "below your lab's range": one text per key, so each language can say it its own way
_LAB_RANGE_LABELS = {
    "below": N_("below your lab's range"),
    "within": N_("within your lab's range"),
    "above": N_("above your lab's range"),
}


def _band_unit(result: LabResult) -> str:
    """The unit band edges are written in: the user's own when it equals the canonical one
    (ng/L and pg/mL are the same number), else the canonical unit."""
    info = MARKERS[result.marker]
    if info.units.get(result.unit) == (1.0, 1.0):
        return result.unit
    return info.canonical_unit


def classify(result: LabResult, *, pregnant: bool = False) -> Band:
    """Band for a result: the user's own lab range when given, else the NICE NG239 bands
    (total and active B12) or Stabler 2013 (MMA, homocysteine). `pregnant` adds that active
    B12 is the preferred test in pregnancy (total B12 falls naturally)."""
    info = MARKERS[result.marker]
    value = round(result.canonical_value, 6)
    shown = f"{info.name} {lab_number(result.value)} {result.unit}"
    if info.units.get(result.unit) != (1.0, 1.0):
        shown += f" (= {lab_number(value)} {info.canonical_unit})"
    scheme = BANDS[result.marker]
    source_name = scheme.source  # a proper name ("NICE NG239"): the same in every language

    if result.has_range:
        low, high = result.canonical_range()
        if low is not None and value < round(low, 6):
            key = "below"
        elif high is not None and value > round(high, 6):
            key = "above"
        else:
            key = "within"
        label = _(_LAB_RANGE_LABELS[key])
        source = _(_LAB_RANGE_SOURCE)
        summary = _("Your {result} is {band} ({range}).").format(
            result=shown, band=label, range=_range_text(result)
        )
        bad_side = "below" if scheme.low_is_bad else "above"
        urgent = key == bad_side
        caveat = ""
        if scheme.low_is_bad and key != "below":
            caveat = _(NOT_RULED_OUT)
        elif urgent and scheme.low_is_bad:
            summary += " " + _(_MS_NOTE)
        return _band(result, key, label, source, summary, urgent, caveat, pregnant)

    lo, hi = lab_number(scheme.low_edge), lab_number(scheme.high_edge)
    unit = _band_unit(result)
    if value < scheme.low_edge:
        index, where = 0, _("below {low} {unit}").format(low=lo, unit=unit)
    elif value <= scheme.high_edge:
        index = 1
        where = _("between {low} and {high} {unit}").format(low=lo, high=hi, unit=unit)
    else:
        index, where = 2, _("above {high} {unit}").format(high=hi, unit=unit)
    key, label = scheme.keys[index], _(scheme.labels[index])
    extra, caveat = "", ""
    if scheme.low_is_bad:
        if index == 0:
            extra = " " + _(_MS_NOTE)
        elif index == 1:
            extra = " " + _(_CLARIFY[result.marker])
        else:
            caveat = _(NOT_RULED_OUT)
    elif index == 2:
        extra = " " + _(_OTHER_CAUSES)
    summary = (
        _("Your {result} is {where}: {band} ({source}).").format(
            result=shown, where=where, band=label, source=source_name
        )
        + extra
    )
    return _band(result, key, label, source_name, summary, key in URGENT_KEYS, caveat, pregnant)


def _band(
    result: LabResult,
    key: str,
    label: str,
    source: str,
    summary: str,
    urgent: bool,
    caveat: str,
    pregnant: bool,
) -> Band:
    """The Band with its full text: summary, what to do, supplements, pregnancy, disclaimer."""
    parts = [summary]
    if urgent:
        parts.append(_(GP_SOON))
    elif caveat:
        parts.append(caveat)
    parts.append(_(SUPPLEMENTS_CHANGE_RESULTS))
    if pregnant and result.marker is Marker.SERUM:
        parts.append(_(PREGNANCY_TEST))
    parts.append(_(DISCLAIMER))
    return Band(key, label, " ".join(parts), source, summary, urgent)


def _range_text(result: LabResult) -> str:
    if result.ref_low is not None and result.ref_high is not None:
        return f"{lab_number(result.ref_low)}–{lab_number(result.ref_high)} {result.unit}"
    if result.ref_high is not None:
        return _("up to {value} {unit}").format(value=lab_number(result.ref_high), unit=result.unit)
    assert result.ref_low is not None
    return _("from {value} {unit}").format(value=lab_number(result.ref_low), unit=result.unit)


def format_result(result: LabResult) -> str:
    """One line for /levels: '2026-10-02 · serum B12 320 pg/mL (236 pmol/L) · indeterminate'
    (the date stays ISO: it is what /levels add takes)."""
    info = MARKERS[result.marker]
    line = f"{result.taken_on.isoformat()} · {info.name} {lab_number(result.value)} {result.unit}"
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
    return f"{lab_number(value)} {other}"


# --- retest ---------------------------------------------------------------------------

MAX_RETEST_MONTHS = 36


def next_retest(last_test: dt.date, months: int) -> dt.date:
    """`last_test` plus `months` calendar months, clamping the day (31 Jan + 1 -> 28/29 Feb)."""
    if not 1 <= months <= MAX_RETEST_MONTHS:
        raise LabInputError(_retest_range())
    index = last_test.month - 1 + months
    year, month = last_test.year + index // 12, index % 12 + 1
    next_month_first = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month_first - dt.timedelta(days=1)).day
    return dt.date(year, month, min(last_test.day, last_day))


def parse_months(text: str) -> int:
    """Months for `/levels retest 3` (also '3 months', '3m'); clear error otherwise."""
    m = re.fullmatch(
        r"\s*(\d{1,3})\s*(?:m|mo|month|months|monat|monate|monaten|mes|meses|mois)?\s*",
        text[:40].lower(),
    )
    if not m:
        raise LabInputError(
            _(
                "Tell me after how many months to remind you, e.g. '/levels retest 3' "
                "(1 to {most})."
            ).format(most=MAX_RETEST_MONTHS)
        )
    months = int(m.group(1))
    if not 1 <= months <= MAX_RETEST_MONTHS:
        raise LabInputError(_retest_range())
    return months


def _retest_range() -> str:
    return _("Choose a retest interval of 1 to {most} months.").format(most=MAX_RETEST_MONTHS)
