"""PNG charts for /progress and /levels, sized and styled for a phone screen.

Uses matplotlib's object API (`Figure` + `FigureCanvasAgg`): no pyplot, no display and no
global state, so charts can be drawn from a worker thread while the bot runs. Colours are
the Okabe-Ito colour-blind-safe palette; fonts are at least 14 pt on an 8 x 6 in figure at
150 dpi (1200 x 900 px).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from babel.dates import format_skeleton
from babel.numbers import get_decimal_symbol, get_group_symbol
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import (
    DAILY,
    DateFormatter,
    MonthLocator,
    RRuleLocator,
    date2num,
    num2date,
    rrulewrapper,
)
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from bot.core.i18n import SOURCE_LANGUAGE, _, current_language
from bot.core.labs import BANDS, MARKERS, PG_PER_PMOL, LabResult, Marker
from bot.core.tally import DayTally

FIG_SIZE_IN = (8.0, 6.0)
DPI = 150
FONT = 15
TITLE_FONT = 18
SMALL_FONT = 14

# Okabe-Ito palette (Okabe & Ito 2008), safe for the common colour-vision deficiencies.
BLUE = "#0072B2"
SKY = "#56B4E9"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
GREEN = "#009E73"
YELLOW = "#F0E442"
GREY = "#555555"
PURPLE = "#CC79A7"  # Okabe-Ito reddish purple: the outline of a lab's own range

WINDOW_DAYS = 30
BAND_ALPHA = 0.22  # band shading: light enough for the data to stand out
LAB_BOX_HALF_WIDTH = 0.03  # a lab range's box reaches 3% of the time span either side


MAX_DATE_TICKS = 5  # "22 Nov" labels at 14 pt: five fit the 8 in width with room between
DAY_STEPS = (1, 2, 3, 7, 14, 21, 28)
MONTH_STEPS = (1, 2, 3, 4, 6, 12)


def local_number(text: str) -> str:
    """A number formatted the English way ("1,000.5", f"{x:g}") with the current language's
    separators ("1.000,5" / "1 000,5"); English unchanged. Charts format with Python's own
    format specs, so this keeps their rounding and only swaps the marks."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return text
    marks = {",": get_group_symbol(lang), ".": get_decimal_symbol(lang)}
    return "".join(marks.get(c, c) for c in text)


def _date_formatter(english: str, skeleton: str) -> DateFormatter | FuncFormatter:
    """Tick labels: `english` strftime in English, else the Babel skeleton in the current
    language ("MMMd": "1. Dez." / "1 dic"; "yMMM": "Dez. 2026")."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return DateFormatter(english)
    return FuncFormatter(lambda x, _pos: format_skeleton(skeleton, num2date(x).date(), locale=lang))


def _date_ticks(ax: Axes, first: dt.date, last: dt.date) -> None:
    """Evenly spaced date ticks from `first`: every N days (N from DAY_STEPS) or every N
    months. matplotlib's day locators restart each month (…, 29 Nov, 1 Dec), which put two
    labels on top of each other; counting from the first day keeps the gaps equal."""
    days = max((last - first).days, 1)
    if days <= 120:
        step = next((n for n in DAY_STEPS if days / n <= MAX_DATE_TICKS), DAY_STEPS[-1])
        start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
        ax.xaxis.set_major_locator(RRuleLocator(rrulewrapper(DAILY, interval=step, dtstart=start)))
        ax.xaxis.set_major_formatter(_date_formatter("%-d %b", "MMMd"))
        return
    months = days / 30.4
    step = next((n for n in MONTH_STEPS if months / n <= MAX_DATE_TICKS), MONTH_STEPS[-1])
    ax.xaxis.set_major_locator(MonthLocator(interval=step))
    ax.xaxis.set_major_formatter(_date_formatter("%b %Y", "yMMM"))


def _new_figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=FIG_SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.tick_params(labelsize=SMALL_FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _no_data(fig: Figure, ax: Axes, title: str, message: str) -> bytes:
    ax.set_title(title, fontsize=TITLE_FONT)
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=FONT + 2,
        wrap=True,
        transform=ax.transAxes,
    )
    return _png(fig)


def progress_chart(
    days: Sequence[DayTally], target_ug: float, today: dt.date | None = None
) -> bytes:
    """Daily B12 over the last 30 days: food eaten and supplements (stacked bars), the
    plan (line) and the target (dashed line). Returns PNG bytes.

    A large supplement (1,000 µg) would flatten everything else, so the y-axis is scaled
    to food, plan and target, and taller bars are cut at the top with their value written
    on them.
    """
    fig, ax = _new_figure()
    title = _("Your B12, last 30 days")
    if not days:
        return _no_data(
            fig,
            ax,
            title,
            _("No data yet.\nMark meals as eaten or log a supplement\nto see your progress here."),
        )
    end = today or max(t.date for t in days)
    start = end - dt.timedelta(days=WINDOW_DAYS - 1)
    window = sorted((t for t in days if start <= t.date <= end), key=lambda t: t.date)
    if not window:
        return _no_data(fig, ax, title, _("Nothing logged in the last 30 days."))

    # One slot per calendar day; unlogged days stay empty (NaN breaks the plan line).
    by_day = {t.date: t for t in window}
    dates = [start + dt.timedelta(days=i) for i in range(WINDOW_DAYS)]
    x = [date2num(d) for d in dates]
    nan = float("nan")
    food = [by_day[d].eaten_ug if d in by_day else 0.0 for d in dates]
    supp = [by_day[d].supplement_ug if d in by_day else 0.0 for d in dates]
    planned = [by_day[d].planned_ug if d in by_day else nan for d in dates]
    logged_planned = [t.planned_ug for t in window]
    totals = [f + s for f, s in zip(food, supp, strict=True)]

    natural_top = max([target_ug * 1.6, *food, *logged_planned])
    top = max(totals) * 1.12 if max(totals) <= natural_top * 2 else natural_top * 1.25
    clipped = [min(s, max(0.0, top - f)) for f, s in zip(food, supp, strict=True)]

    ax.bar(x, food, width=0.8, color=BLUE, label=_("Food eaten"), zorder=2)
    if any(supp):
        ax.bar(
            x,
            clipped,
            width=0.8,
            bottom=food,
            color=ORANGE,
            label=_("Supplement"),
            hatch="//",
            edgecolor="white",
            linewidth=0,
            zorder=2,
        )
    for xi, f, s in zip(x, food, supp, strict=True):
        if f + s > top:  # bar cut at the top: write the supplement dose inside its top
            ax.text(
                xi,
                top * 0.98,
                local_number(f"+{s:,.0f}") + " µg",
                rotation=90,
                ha="center",
                va="top",
                fontsize=SMALL_FONT - 1,
                color="black",
                # Below the plan line and target (zorder 3-4), so that day's planned dot stays
                # visible on the label; the plain box hides the hatch for legibility.
                zorder=2.5,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": ORANGE, "linewidth": 0},
            )
    ax.plot(
        x,
        planned,
        color=GREY,
        marker="o",
        markersize=5,
        linewidth=2,
        label=_("Planned"),
        zorder=3,
    )
    ax.axhline(
        target_ug,
        color=VERMILLION,
        linestyle="--",
        linewidth=2.5,
        label=_("Target {amount} µg").format(amount=local_number(f"{target_ug:g}")),
        zorder=4,
    )

    ax.set_ylim(0, top)
    ax.set_xlim(date2num(start) - 0.7, date2num(end) + 0.7)
    _date_ticks(ax, start, end)
    ax.set_ylabel(_("B12 (µg/day)"), fontsize=FONT)
    ax.set_xlabel(_("Date"), fontsize=FONT)
    ax.set_title(title, fontsize=TITLE_FONT)
    ax.grid(axis="y", color="#dddddd", zorder=0)
    ax.legend(
        fontsize=SMALL_FONT,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=4,
        frameon=False,
        handlelength=1.5,
        columnspacing=1.0,
    )
    return _png(fig)


def _common_regions(marker: Marker) -> list[tuple[float | None, float | None, str, str]]:
    """(low, high, colour, label) of the default bands in the canonical unit; None = open.

    The words are the scheme's own (NICE NG239: deficiency likely / indeterminate /
    deficiency unlikely), so the chart never says more than the text does."""
    scheme = BANDS[marker]
    lo, hi = scheme.low_edge, scheme.high_edge
    below, middle, above = (_(label) for label in scheme.labels)
    colours = (VERMILLION, YELLOW, GREEN) if scheme.low_is_bad else (GREEN, YELLOW, VERMILLION)
    low, high = local_number(f"{lo:g}"), local_number(f"{hi:g}")
    return [
        (None, lo, colours[0], f"{below} (< {low})"),
        (lo, hi, colours[1], f"{middle} ({low}–{high})"),
        (hi, None, colours[2], f"{above} (> {high})"),
    ]


LabRange = tuple[float | None, float | None]


def _lab_range_runs(points: Sequence[LabResult]) -> list[tuple[LabRange, list[LabResult]]]:
    """Runs of consecutive results (by date) that carry the same lab range: a lab's range
    applies to the results it came with, not to every result on the chart."""
    runs: list[tuple[LabRange, list[LabResult]]] = []
    last_index = -2
    for index, result in enumerate(points):
        if not result.has_range:
            continue
        rng = result.canonical_range()
        if runs and runs[-1][0] == rng and last_index == index - 1:
            runs[-1][1].append(result)
        else:
            runs.append((rng, [result]))
        last_index = index
    return runs


def _lab_range_label(runs: Sequence[tuple[LabRange, list[LabResult]]]) -> str:
    """The legend entry, with the range as the lab printed it (its own unit)."""
    if len({rng for rng, _run in runs}) != 1:
        return _("your lab's range (per result)")
    shown = runs[0][1][0]
    low, high, unit = shown.ref_low, shown.ref_high, shown.unit
    if low is not None and high is not None:
        return _("your lab's range ({low}–{high} {unit})").format(
            low=local_number(f"{low:g}"), high=local_number(f"{high:g}"), unit=unit
        )
    if high is not None:
        return _("your lab's range (up to {high} {unit})").format(
            high=local_number(f"{high:g}"), unit=unit
        )
    return _("your lab's range (from {low} {unit})").format(low=local_number(f"{low:g}"), unit=unit)


def levels_chart(
    results: Sequence[LabResult], marker: Marker, today: dt.date | None = None
) -> bytes:
    """One marker's results over time (in its canonical unit). The common bands are the
    shaded background; where a result came with its lab's own range, that range is an
    outlined box around those results only, so one result's range never hides the common
    bands for the others. The legend says which is which. Returns PNG bytes."""
    info = MARKERS[marker]
    unit = info.canonical_unit
    fig, ax = _new_figure()
    title = _("Your {marker} results").format(marker=info.name)
    points = sorted((r for r in results if r.marker is marker), key=lambda r: r.taken_on)
    if not points:
        return _no_data(
            fig,
            ax,
            title,
            _("No {marker} results yet.\nAdd one with\n{command}").format(
                marker=info.name, command=f"/levels add {marker.value} …"
            ),
        )

    values = [r.canonical_value for r in points]
    x = [date2num(r.taken_on) for r in points]
    regions = _common_regions(marker)
    runs = _lab_range_runs(points)
    edges = [e for lo, hi, _colour, _label in regions for e in (lo, hi) if e is not None]
    edges += [e for rng, _run in runs for e in rng if e is not None]
    top = max([*values, *edges]) * 1.3

    first, last = points[0].taken_on, max(points[-1].taken_on, today or points[-1].taken_on)
    span = max((last - first).days, 60)
    pad = max(span * 0.08, 10)
    x_lo, x_hi = date2num(first) - pad, date2num(last) + pad

    handles: list[Artist] = []
    for lo, hi, colour, label in regions:
        y0, y1 = lo if lo is not None else 0.0, hi if hi is not None else top
        ax.axhspan(y0, y1, color=colour, alpha=BAND_ALPHA, linewidth=0, zorder=0)
        handles.append(Patch(facecolor=colour, alpha=BAND_ALPHA, label=label))
    half_width = max(span * LAB_BOX_HALF_WIDTH, 4.0)  # days either side of the results
    for (low, high), run in runs:
        x0 = date2num(run[0].taken_on) - half_width
        x1 = date2num(run[-1].taken_on) + half_width
        y0, y1 = low if low is not None else 0.0, high if high is not None else top
        ax.add_patch(
            Rectangle(
                (x0, y0),
                x1 - x0,
                y1 - y0,
                fill=False,
                edgecolor=PURPLE,
                linewidth=3,
                linestyle="--",
                zorder=2,
            )
        )
    if runs:
        handles.append(
            Patch(
                fill=False,
                edgecolor=PURPLE,
                linewidth=2,
                linestyle="--",
                label=_lab_range_label(runs),
            )
        )
    ax.plot(x, values, color=BLUE, marker="o", markersize=10, linewidth=2.5, zorder=3)
    for xi, v in zip(x, values, strict=True):
        ax.annotate(
            local_number(f"{v:,.3g}" if v < 10 else f"{v:,.0f}"),
            (xi, v),
            textcoords="offset points",
            xytext=(0, 12),
            ha="center",
            fontsize=SMALL_FONT,
            fontweight="bold",
            zorder=4,
        )

    ax.set_ylim(0, top)
    ax.set_xlim(x_lo, x_hi)
    _date_ticks(ax, num2date(x_lo).date(), num2date(x_hi).date())
    unit_label = "ng/L = pg/mL" if marker is Marker.SERUM else unit  # the same number
    ax.set_ylabel(f"{info.name} ({unit_label})", fontsize=FONT)
    if marker is Marker.SERUM:  # many labs report pmol/L: show both scales
        right = ax.secondary_yaxis(
            "right", functions=(lambda v: v / PG_PER_PMOL, lambda v: v * PG_PER_PMOL)
        )
        right.set_ylabel("pmol/L", fontsize=FONT)
        right.tick_params(labelsize=SMALL_FONT)
    ax.set_title(title, fontsize=TITLE_FONT)
    source = BANDS[marker].source
    ax.set_xlabel(_("Date · information, not a diagnosis"), fontsize=SMALL_FONT)
    legend_title = _("Shaded: {source} bands, {unit}").format(source=source, unit=unit_label)
    if runs:
        legend_title += "\n" + _("Outlined: your lab's range, for the results that came with it")
    ax.legend(
        handles=handles,
        title=legend_title,
        title_fontsize=SMALL_FONT - 1,
        fontsize=SMALL_FONT - 1,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=2,
        frameon=False,
        handlelength=1.5,
        columnspacing=1.0,
    )
    return _png(fig)
