"""What goes into the clinician report: a self-recorded B12 log of the last 3 months.

Pure code: it takes the daily tallies, the dose log and the lab results the services read and
returns a `Report` of plain values, which bot.chat.render.report draws as a PDF. Every list is
capped (weeks, injections, lab rows, charts), so years of data still fit on two pages.

The report repeats what the user recorded and the bands /levels shows (NICE NG239 for total
and active B12, Stabler 2013 for MMA and homocysteine, or the lab's own range): no diagnosis,
no dose advice. Averages are over the days on which something was logged, as /progress counts
them, and the report says how many days that was.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babel.dates import format_skeleton
from babel.numbers import get_decimal_symbol, get_group_symbol

from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, ngettext
from bot.core.labs import MARKERS, LabResult, Marker, classify
from bot.core.models import LIFE_STAGE_PRESETS, UserSettings
from bot.core.plan_rules import clinician_manages
from bot.core.tally import WEEK_DAYS, DayTally, fmt_ug, is_weekly_dose

REPORT_WEEKS = 13
REPORT_DAYS = REPORT_WEEKS * WEEK_DAYS  # 91 days: "the last 3 months"
MAX_INJECTION_ROWS = 8  # more are counted, not listed (an injection every 4 weeks: ~3)
MAX_DOSE_SIZES = 3  # the most common oral dose sizes, e.g. "1,000 µg × 80"
MAX_LAB_ROWS = 8  # newest first; older ones are counted
MAX_CHARTS = 2  # lab charts on page 2 (the markers with results, total B12 first)
MAX_CHART_RESULTS = 10  # the newest results of a marker on its chart (more: labels overlap)
MAX_NAME_CHARS = 30  # 30 wide letters still fit the line

# English, marked for translation: the report is built and drawn in the user's language
TITLE = N_("Self-recorded B12 log — not a medical record")
ABOUT = N_(
    "Recorded by the patient in a B12 meal-planner chat bot: meals ticked off as eaten, "
    "supplements and injections, and lab values as they were typed. Food B12 comes from "
    "USDA SR28 and the fortified values of the patient's region. It contains no diagnosis "
    "and no dose advice."
)
LAB_NOTE = N_(
    "Bands as the bot shows them: NICE NG239 (2024) for total and active B12, Stabler 2013 for "
    "MMA and homocysteine, or the lab's own range when one was entered. B12 supplements and "
    "injections change test results."
)
CLOSING = N_(
    "Questions about B12, supplements, injections or these results: talk to your GP or MS team."
)
CLINICIAN_MANAGED_NOTE = N_(
    "The patient's settings say a condition, medicine or injections affect B12 absorption: "
    "the bot counts no day as on target from food."
)
MARKER_ORDER = (Marker.SERUM, Marker.HOLOTC, Marker.MMA, Marker.HOMOCYSTEINE)


def _day(day: dt.date) -> str:
    """ "29 Nov 2026" / "29. Nov. 2026", kept on one line."""
    if current_language() == SOURCE_LANGUAGE:
        return f"{day:%-d\u00a0%b\u00a0%Y}"
    return format_skeleton("yMMMd", day, locale=current_language()).replace(" ", "\u00a0")


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One week of the period (7 days ending `end`): averages over its logged days."""

    start: dt.date
    end: dt.date
    days_logged: int
    avg_food_ug: float
    avg_supplement_ug: float
    days_on_target: int


@dataclass(frozen=True, slots=True)
class Injection:
    day: dt.date
    dose_ug: float


@dataclass(frozen=True, slots=True)
class LabRow:
    """One lab result as the report lists it."""

    taken_on: dt.date
    marker: str  # "serum B12"
    value: str  # "320 ng/L"
    band: str  # "indeterminate"
    source: str  # "NICE NG239" | "the lab's own range"


@dataclass(frozen=True, slots=True)
class Dose:
    """A dose as the services read it from the log: local day, µg, oral or injection, and
    whether it came from a weekly reminder."""

    day: dt.date
    dose_ug: float
    injection: bool
    weekly: bool = False


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    name: str
    start: dt.date
    end: dt.date
    days: int
    days_logged: int
    diet: str
    target_ug: float
    target_source: str  # "US RDA (adults), IOM 1998 / NIH ODS" or "" for a typed target
    life_stage: str
    clinician_managed: bool
    avg_food_ug: float
    avg_supplement_ug: float
    days_on_target: int
    weeks: tuple[WeekRow, ...]
    oral_doses: int
    oral_days: int
    oral_sizes: tuple[tuple[float, int], ...]  # (µg, how many times), most common first
    weekly_doses: int
    injections: tuple[Injection, ...]
    injections_not_listed: int
    labs: tuple[LabRow, ...]
    labs_not_listed: int
    chart_results: tuple[tuple[Marker, tuple[LabResult, ...]], ...]

    @property
    def avg_intake_ug(self) -> float:
        return self.avg_food_ug + self.avg_supplement_ug

    def summary_lines(self) -> list[str]:
        """The numbers in words, for the first page (and for tests)."""
        logged = _("{n} of {days} days had something logged").format(
            n=self.days_logged, days=self.days
        )
        if self.days_logged == 0:
            return [_("{logged}: no averages.").format(logged=logged)]
        lines = [
            _("{logged}; averages are per logged day.").format(logged=logged),
            _("Average daily B12 from food: {amount} µg").format(amount=fmt_ug(self.avg_food_ug)),
            _("Average daily B12 from oral supplements: {amount} µg").format(
                amount=fmt_ug(self.avg_supplement_ug)
            ),
        ]
        if not self.clinician_managed:  # no day is on target from food (CLINICIAN_MANAGED_NOTE)
            lines.append(
                _("Days that met the target: {days} of {logged} logged").format(
                    days=self.days_on_target, logged=self.days_logged
                )
            )
        return lines

    def dose_lines(self) -> list[str]:
        """Oral doses and injections as recorded (never a recommendation)."""
        lines: list[str] = []
        if self.oral_doses:
            sizes = ", ".join(f"{fmt_ug(ug)} µg × {n}" for ug, n in self.oral_sizes)
            doses = ngettext("{n} dose", "{n} doses", self.oral_doses).format(n=self.oral_doses)
            days = ngettext("{n} day", "{n} days", self.oral_days).format(n=self.oral_days)
            lines.append(
                _("Oral supplements: {doses} on {days} ({sizes})").format(
                    doses=doses, days=days, sizes=sizes
                )
            )
            if self.weekly_doses:
                lines.append(
                    _("Weekly doses among them: {n} (each counted for its week)").format(
                        n=self.weekly_doses
                    )
                )
        else:
            lines.append(_("Oral supplements: none recorded"))
        if self.injections:
            shown = "; ".join(
                f"{_day(i.day)}\u00a0{fmt_ug(i.dose_ug)}\u00a0µg" for i in self.injections
            )
            more = (
                " " + _("(+{n} earlier)").format(n=self.injections_not_listed)
                if self.injections_not_listed
                else ""
            )
            lines.append(_("Injections: {list}").format(list=shown) + more)
        else:
            lines.append(_("Injections: none recorded"))
        return lines


def _target_source(user: UserSettings) -> str:
    preset = next(
        (
            p
            for p in LIFE_STAGE_PRESETS.get(user.life_stage, ())
            if abs(p.target_ug - user.target_ug) < 1e-9
        ),
        None,
    )
    return preset.with_source if preset is not None else _("set by the patient")


def _weeks(by_day: dict[dt.date, DayTally], end: dt.date, target: float) -> list[WeekRow]:
    rows = []
    for w in range(REPORT_WEEKS - 1, -1, -1):
        week_end = end - dt.timedelta(days=w * WEEK_DAYS)
        week_start = week_end - dt.timedelta(days=WEEK_DAYS - 1)
        days = [
            by_day[d]
            for d in (week_start + dt.timedelta(days=i) for i in range(WEEK_DAYS))
            if d in by_day
        ]
        k = len(days)
        rows.append(
            WeekRow(
                start=week_start,
                end=week_end,
                days_logged=k,
                avg_food_ug=sum(t.eaten_ug for t in days) / k if k else 0.0,
                avg_supplement_ug=sum(t.supplement_ug for t in days) / k if k else 0.0,
                days_on_target=sum(1 for t in days if t.meets(target)),
            )
        )
    return rows


def _lab_value(result: LabResult) -> str:
    value = f"{result.value:,.3g}" if result.value < 10 else f"{result.value:,.0f}"
    lang = current_language()
    if lang != SOURCE_LANGUAGE:  # the same digits with the local marks: "0,35", "1.000"
        marks = {",": get_group_symbol(lang), ".": get_decimal_symbol(lang)}
        value = "".join(marks.get(c, c) for c in value)
    return f"{value} {result.unit}"


def _lab_rows(results: Sequence[LabResult]) -> list[LabRow]:
    rows = []
    for r in results:
        band = classify(r)
        source = _("the lab's own range") if r.has_range else band.source
        rows.append(LabRow(r.taken_on, MARKERS[r.marker].name, _lab_value(r), band.label, source))
    return rows


def _charts(results: Sequence[LabResult]) -> list[tuple[Marker, tuple[LabResult, ...]]]:
    """The markers with results (total B12 first), each with its newest results, oldest first."""
    out = []
    for marker in MARKER_ORDER:
        mine = sorted((r for r in results if r.marker is marker), key=lambda r: r.taken_on)
        if mine:
            out.append((marker, tuple(mine[-MAX_CHART_RESULTS:])))
        if len(out) == MAX_CHARTS:
            break
    return out


def build_report(
    user: UserSettings,
    today: dt.date,
    tallies: Iterable[DayTally],
    doses: Iterable[Dose],
    labs: Iterable[LabResult],
) -> Report:
    """The report for the `REPORT_DAYS` days ending `today` (tallies and doses outside the
    period are ignored; lab results of any date count, newest first)."""
    start = today - dt.timedelta(days=REPORT_DAYS - 1)
    by_day: dict[dt.date, DayTally] = {}
    for t in tallies:
        if start <= t.date <= today:
            if t.date in by_day:
                raise ValueError(f"two tallies for {t.date.isoformat()}")
            by_day[t.date] = t
    logged = [by_day[d] for d in sorted(by_day)]
    k = len(logged)
    target = user.target_ug
    in_period = [d for d in doses if start <= d.day <= today]
    oral = [d for d in in_period if not d.injection]
    sizes = Counter(round(d.dose_ug, 2) for d in oral)
    injections = sorted((d for d in in_period if d.injection), key=lambda d: d.day)
    shown_injections = injections[-MAX_INJECTION_ROWS:]
    # newest first; on one day total B12 first, as the charts are ordered
    results = sorted(labs, key=lambda r: (-r.taken_on.toordinal(), MARKER_ORDER.index(r.marker)))
    return Report(
        title=_(TITLE),
        name=user.first_name.strip()[:MAX_NAME_CHARS],
        start=start,
        end=today,
        days=REPORT_DAYS,
        days_logged=k,
        diet=user.diet.value,
        target_ug=target,
        target_source=_target_source(user),
        life_stage=user.life_stage,
        clinician_managed=clinician_manages(user),
        avg_food_ug=sum(t.eaten_ug for t in logged) / k if k else 0.0,
        avg_supplement_ug=sum(t.supplement_ug for t in logged) / k if k else 0.0,
        days_on_target=0 if clinician_manages(user) else sum(1 for t in logged if t.meets(target)),
        weeks=tuple(_weeks(by_day, today, target)),
        oral_doses=len(oral),
        oral_days=len({d.day for d in oral}),
        oral_sizes=tuple(sorted(sizes.items(), key=lambda kv: (-kv[1], -kv[0]))[:MAX_DOSE_SIZES]),
        weekly_doses=sum(1 for d in oral if is_weekly_dose(d.dose_ug, d.weekly)),
        injections=tuple(Injection(d.day, d.dose_ug) for d in shown_injections),
        injections_not_listed=len(injections) - len(shown_injections),
        labs=tuple(_lab_rows(results[:MAX_LAB_ROWS])),
        labs_not_listed=max(0, len(results) - MAX_LAB_ROWS),
        chart_results=tuple(_charts(results)),
    )
