"""The weekly summary's small chart: seven days of food and supplement B12 against the target.

Drawn in the chart worker process (bot.chat.render.chart_pool), with the object API and the
colours and rules of the /progress chart (bot.chat.render.charts): a large supplement is cut at
the top with its value written on it, so the food bars stay readable.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from babel.dates import format_date
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.chat.render.charts import BLUE, GREY, ORANGE, VERMILLION, local_number
from bot.core.i18n import SOURCE_LANGUAGE, _, current_language
from bot.core.tally import WEEK_DAYS, DayTally

SIZE_IN = (6.4, 3.6)
DPI = 150
FONT = 12


def weekly_chart(days: Sequence[DayTally], target_ug: float, start: dt.date) -> bytes:
    """PNG bytes: one bar per day from `start` (7 days), food and supplements stacked."""
    fig = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    dates = [start + dt.timedelta(days=i) for i in range(WEEK_DAYS)]
    by_day = {t.date: t for t in days}
    food = [by_day[d].eaten_ug if d in by_day else 0.0 for d in dates]
    supp = [by_day[d].supplement_ug if d in by_day else 0.0 for d in dates]
    totals = [f + s for f, s in zip(food, supp, strict=True)]
    natural = max([target_ug * 1.6, *food])
    top = max(totals) * 1.15 if max(totals) <= natural * 3 else natural * 1.3
    x = list(range(WEEK_DAYS))
    ax.bar(x, food, width=0.7, color=BLUE, label=_("Food eaten"), zorder=2)
    if any(supp):
        shown = [min(s, max(0.0, top - f)) for f, s in zip(food, supp, strict=True)]
        ax.bar(
            x, shown, width=0.7, bottom=food, color=ORANGE, hatch="//", edgecolor="white",
            linewidth=0, label=_("Supplement"), zorder=2,
        )  # fmt: skip
    for xi, d, f, s in zip(x, dates, food, supp, strict=True):
        if f + s > top:
            ax.text(
                xi, top * 0.97, local_number(f"+{s:,.0f}") + " µg", rotation=90, ha="center",
                va="top",
                fontsize=FONT - 2, zorder=3, parse_math=False,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": ORANGE, "linewidth": 0},
            )  # fmt: skip
        elif d not in by_day:
            ax.text(
                xi, top * 0.02, _("no log"), rotation=90, ha="center", va="bottom",
                fontsize=FONT - 3, color=GREY, parse_math=False,
            )  # fmt: skip
    ax.axhline(
        target_ug, color=VERMILLION, linestyle="--", linewidth=2,
        label=_("Target {amount} µg").format(amount=local_number(f"{target_ug:g}")), zorder=4,
    )  # fmt: skip
    ax.set_ylim(0, top)
    ax.set_xticks(x, [_weekday(d) for d in dates], fontsize=FONT)
    ax.tick_params(axis="y", labelsize=FONT - 1)
    ax.set_ylabel(_("B12 (µg)"), fontsize=FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#dddddd", zorder=0)
    ax.legend(
        fontsize=FONT - 2, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3,
        frameon=False,
    )  # fmt: skip
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _weekday(day: dt.date) -> str:
    """Short weekday under a bar: "Mon" / "Mo." / "lun" / "lun."."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return day.strftime("%a")
    return format_date(day, "EEE", locale=lang)
