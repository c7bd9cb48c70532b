"""The clinician report drawn as an A4 PDF with matplotlib's PDF backend (one or two pages).

Page 1: what the log is, the diet and target, the averages, a 13-week chart of food and
supplement B12 and the doses and injections. Page 2 (only when lab results exist): the results
with their bands and the same charts /levels sends (bot.chat.render.charts.levels_chart), so the
report never says more than the bot does. Like charts.py it uses the object API (no pyplot) and
runs in the chart worker process (bot.chat.render.chart_pool). Text never goes through
mathtext (`parse_math=False`): a "$" in a name stays a dollar sign. Every list in the Report is
capped, so the page count is fixed by the layout, not by the data.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from typing import Any

from babel.dates import format_skeleton
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.lines import Line2D

from bot.chat.render.charts import BLUE, GREY, ORANGE, VERMILLION, levels_chart
from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language
from bot.core.report import ABOUT, CLINICIAN_MANAGED_NOTE, CLOSING, LAB_NOTE, Report
from bot.core.tally import fmt_ug

A4_IN = (8.27, 11.69)
MARGIN_IN = 0.7
BODY_PT = 10
SMALL_PT = 8.5
HEAD_PT = 12.5
TITLE_PT = 16
LINE_IN = 0.2  # 10 pt text with leading
WRAP_BODY = 88  # characters per line at 10 pt across the text width
WRAP_SMALL = 108
CHART_H_IN = 3.4
CHART_MIN_H_IN = 2.2
CHART_LABELS_IN = 0.75  # date labels and legend under the chart
HEADING_IN = 0.12 + 0.2 * HEAD_PT / 10 * 1.15 + 0.05  # what _Page.heading moves down
FOOTER_IN = 0.45  # the closing line above the bottom margin
LAB_CHART_MAX_H_IN = 3.55
TEXT_GREY = "#333333"
LIGHT = "#dddddd"


# the words the report's data carries (enum values), translated where they are shown
DIET_WORDS = {
    "vegan": N_("vegan"),
    "vegetarian": N_("vegetarian"),
    "pescatarian": N_("pescatarian"),
    "omnivore": N_("omnivore"),
}
LIFE_STAGE_WORDS = {
    "pregnant": N_("pregnant"),
    "breastfeeding": N_("breastfeeding"),
    "over50": N_("over 50"),
}


def _date(day: dt.date) -> str:
    """ "2 Dec 2026" / "2. Dez. 2026" / "2 dic 2026"."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return f"{day.day} {day:%b %Y}"
    return format_skeleton("yMMMd", day, locale=lang)


def _week_label(day: dt.date) -> str:
    """The chart's week label: "30 Nov" / "30. Nov."."""
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return f"{day.day} {day:%b}"
    return format_skeleton("MMMd", day, locale=lang)


class _Page:
    """One A4 page with a text cursor that moves down from the top margin (in inches)."""

    def __init__(self, number: int, pages: int) -> None:
        self.fig = Figure(figsize=A4_IN)
        self.y = MARGIN_IN
        self.width = A4_IN[0] - 2 * MARGIN_IN
        self._footer(number, pages)

    def _xy(self, x_in: float, y_in: float) -> tuple[float, float]:
        return x_in / A4_IN[0], 1 - y_in / A4_IN[1]

    def text(self, x_in: float, text: str, size: float = BODY_PT, **kw: Any) -> None:
        self.fig.text(
            *self._xy(x_in, self.y), text, fontsize=size, va="top", parse_math=False, **kw
        )

    def line(self, text: str, size: float = BODY_PT, gap: float = 1.0, **kw: Any) -> None:
        self.text(MARGIN_IN, text, size, **kw)
        self.y += LINE_IN * gap * size / BODY_PT

    def para(self, text: str, size: float = BODY_PT, **kw: Any) -> None:
        width = WRAP_BODY if size >= BODY_PT else WRAP_SMALL
        for part in textwrap.wrap(text, width) or [""]:
            self.line(part, size, **kw)

    def heading(self, text: str) -> None:
        self.y += 0.12
        self.line(text, HEAD_PT, gap=1.15, fontweight="bold")
        self.rule()

    def rule(self) -> None:
        x0, y = self._xy(MARGIN_IN, self.y - 0.05)
        x1, _y = self._xy(A4_IN[0] - MARGIN_IN, 0)
        self.fig.add_artist(
            Line2D([x0, x1], [y, y], transform=self.fig.transFigure, color=LIGHT, linewidth=1)
        )
        self.y += 0.05

    def axes(self, height_in: float, width_in: float | None = None) -> Any:
        """An axes of `height_in` under the cursor (centred when narrower than the text)."""
        width = width_in or self.width
        left = MARGIN_IN + (self.width - width) / 2
        bottom = A4_IN[1] - self.y - height_in
        ax = self.fig.add_axes(
            (left / A4_IN[0], bottom / A4_IN[1], width / A4_IN[0], height_in / A4_IN[1])
        )
        self.y += height_in
        return ax

    def _footer(self, number: int, pages: int) -> None:
        x, y = self._xy(MARGIN_IN, A4_IN[1] - MARGIN_IN + 0.25)
        self.fig.text(
            x, y, _(CLOSING), fontsize=SMALL_PT, color=TEXT_GREY, va="bottom", parse_math=False
        )
        x, _y = self._xy(A4_IN[0] - MARGIN_IN, 0)
        self.fig.text(
            x,
            y,
            _("Page {number} of {pages}").format(number=number, pages=pages),
            fontsize=SMALL_PT,
            color=TEXT_GREY,
            ha="right",
            va="bottom",
            parse_math=False,
        )


def _intake_chart(page: _Page, report: Report, height_in: float) -> None:
    """Weekly averages over logged days: food and oral supplements stacked, the target dashed.
    A large supplement is cut at the top with its value written on it, as in /progress."""
    ax = page.axes(height_in)
    weeks = report.weeks
    x = list(range(len(weeks)))
    food = [w.avg_food_ug for w in weeks]
    supp = [w.avg_supplement_ug for w in weeks]
    totals = [f + s for f, s in zip(food, supp, strict=True)]
    natural_top = max([report.target_ug * 1.6, *food])
    # up to 3x the food scale is drawn whole; a 1,000 µg tablet would flatten the food: cut
    top = max(totals) * 1.15 if max(totals) <= natural_top * 3 else natural_top * 1.3
    clipped = [min(s, max(0.0, top - f)) for f, s in zip(food, supp, strict=True)]
    ax.bar(x, food, width=0.7, color=BLUE, label=_("Food eaten"), zorder=2)
    if any(supp):
        ax.bar(
            x,
            clipped,
            width=0.7,
            bottom=food,
            color=ORANGE,
            hatch="//",
            edgecolor="white",
            linewidth=0,
            label=_("Oral supplements"),
            zorder=2,
        )
    for xi, f, s, w in zip(x, food, supp, weeks, strict=True):
        if f + s > top:
            ax.text(
                xi,
                top * 0.97,
                f"+{fmt_ug(s)} µg",
                rotation=90,
                ha="center",
                va="top",
                fontsize=SMALL_PT - 1,
                parse_math=False,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": ORANGE, "linewidth": 0},
                zorder=3,
            )
        elif w.days_logged == 0:
            ax.text(
                xi,
                top * 0.02,
                _("no log"),
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=SMALL_PT - 1,
                color=GREY,
                parse_math=False,
            )
    ax.axhline(
        report.target_ug,
        color=VERMILLION,
        linestyle="--",
        linewidth=2,
        label=_("Target {amount} µg").format(amount=fmt_ug(report.target_ug)),
        zorder=4,
    )
    ax.set_ylim(0, top)
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    ax.set_xticks(x, [_week_label(w.start) for w in weeks], fontsize=SMALL_PT - 0.5)
    ax.tick_params(axis="y", labelsize=SMALL_PT)
    ax.set_ylabel(_("B12 µg/day (week average)"), fontsize=SMALL_PT)
    ax.set_title(
        _("B12 per logged day, week by week (weeks starting)"), fontsize=BODY_PT, loc="left"
    )
    ax.grid(axis="y", color=LIGHT, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        fontsize=SMALL_PT,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=3,
        frameon=False,
    )


def _first_page(report: Report, pages: int) -> _Page:
    page = _Page(1, pages)
    page.line(report.title, TITLE_PT, gap=1.5, fontweight="bold")
    if report.name:
        page.line(_("Name: {name}").format(name=report.name))
    page.line(
        _("{start} – {end} (last {weeks} weeks), made {made}").format(
            start=_date(report.start),
            end=_date(report.end),
            weeks=report.days // 7,
            made=_date(report.end),
        ),
        gap=1.3,
    )
    page.para(_(ABOUT), SMALL_PT, color=TEXT_GREY)

    page.heading(_("Diet and target"))
    diet = DIET_WORDS.get(report.diet)
    page.line(_("Diet: {diet}").format(diet=_(diet) if diet else report.diet))
    page.line(
        _("Daily B12 target: {amount} µg ({source})").format(
            amount=fmt_ug(report.target_ug), source=report.target_source
        )
    )
    if report.life_stage != "none":
        word = LIFE_STAGE_WORDS.get(report.life_stage)
        stage = _(word) if word else report.life_stage.replace("over50", "over 50")
        page.line(_("Life stage: {stage}").format(stage=stage))
    if report.clinician_managed:
        page.para(_(CLINICIAN_MANAGED_NOTE))

    page.heading(_("B12 intake, self-recorded"))
    for text in report.summary_lines():
        page.para(text)
    if report.days_logged:
        page.y += 0.35  # the chart's title
        # the chart takes what the text below it leaves (long dose lists: a lower chart)
        below = HEADING_IN + LINE_IN * sum(
            len(textwrap.wrap(text, WRAP_BODY)) for text in report.dose_lines()
        )
        if pages == 1:
            below += HEADING_IN + LINE_IN
        room = A4_IN[1] - MARGIN_IN - FOOTER_IN - page.y - CHART_LABELS_IN - below
        _intake_chart(page, report, max(CHART_MIN_H_IN, min(CHART_H_IN, room)))
        page.y += CHART_LABELS_IN

    page.heading(_("Supplements and injections, as recorded"))
    for text in report.dose_lines():
        page.para(text)
    if pages == 1:
        page.heading(_("Lab results"))
        page.line(_("No lab results recorded in the bot."))
    return page


def _lab_page(report: Report, pages: int, today: dt.date) -> _Page:
    page = _Page(2, pages)
    page.line(report.title, BODY_PT, gap=1.4, color=TEXT_GREY)
    page.heading(_("Lab results, newest first (as entered)"))
    columns = (0.0, 0.95, 2.55, 3.7, 5.45)
    head = (_("Date"), _("Test"), _("Result"), _("Band"), _("Band source"))
    for x, word in zip(columns, head, strict=True):
        page.text(MARGIN_IN + x, word, SMALL_PT + 0.5, fontweight="bold")
    page.y += LINE_IN
    for row in report.labs:
        cells = (_date(row.taken_on), row.marker, row.value, row.band, row.source)
        for x, cell in zip(columns, cells, strict=True):
            page.text(MARGIN_IN + x, cell[:34], SMALL_PT + 0.5)
        page.y += LINE_IN * 0.95
    if report.labs_not_listed:
        page.line(
            _("+{count} earlier results not listed").format(count=report.labs_not_listed),
            SMALL_PT,
        )
    page.y += 0.08
    page.para(_(LAB_NOTE), SMALL_PT, color=TEXT_GREY)
    page.y += 0.12
    charts = report.chart_results
    room = A4_IN[1] - MARGIN_IN - FOOTER_IN - page.y  # above the footer
    height = min(LAB_CHART_MAX_H_IN, room / max(len(charts), 1) - 0.1)
    for marker, results in charts:
        png = levels_chart(results, marker, today)
        image = imread(io.BytesIO(png), format="png")
        ax = page.axes(height, height * image.shape[1] / image.shape[0])
        ax.imshow(image, interpolation="antialiased")
        ax.set_axis_off()
        page.y += 0.1
    return page


def report_pdf(report: Report) -> bytes:
    """The report as PDF bytes: page 1 always, page 2 when there are lab results."""
    pages = 2 if report.labs else 1
    figures = [_first_page(report, pages).fig]
    if report.labs:
        figures.append(_lab_page(report, pages, report.end).fig)
    buf = io.BytesIO()
    metadata = {"Title": report.title, "Creator": "B12 meal-planner bot", "Subject": "B12 log"}
    with PdfPages(buf, metadata=metadata) as pdf:
        for fig in figures:
            pdf.savefig(fig)
    return buf.getvalue()
