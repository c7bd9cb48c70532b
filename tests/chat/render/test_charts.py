"""Charts: valid PNGs of the phone-readable size, drawn data visible, no display needed."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import itertools
import subprocess
import sys
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg
from matplotlib.dates import date2num, num2date
from matplotlib.figure import Figure
from matplotlib.text import Text
from repo_paths import REPO
from translated import english_left, in_language

from bot.chat.render import charts
from bot.chat.render.charts import (
    BAND_ALPHA,
    BLUE,
    DPI,
    FIG_SIZE_IN,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    VERMILLION,
    YELLOW,
    _common_regions,
    _date_ticks,
    _new_figure,
    levels_chart,
    progress_chart,
)
from bot.core.lab_input import parse_levels_add
from bot.core.labs import LabResult, Marker
from bot.core.tally import DayTally, day_tally

TODAY = dt.date(2026, 10, 30)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED_SHAPE = (int(FIG_SIZE_IN[1] * DPI), int(FIG_SIZE_IN[0] * DPI))


def decode(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    img = mpimg.imread(io.BytesIO(png), format="png")
    assert img.shape[:2] == EXPECTED_SHAPE  # 1200 x 900 px: 8 x 6 in at 150 dpi
    return img


def pixels_near(img: np.ndarray, hex_colour: str, tol: float = 0.03) -> int:
    """How many pixels have (about) this colour: proof that something was drawn in it."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(img[..., :3] - rgb) < tol).all(axis=-1).sum())


def tint(hex_colour: str) -> str:
    """The colour a band shading has on white (alpha blend)."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    mixed = [1 - BAND_ALPHA * (1 - c) for c in rgb]
    return "#" + "".join(f"{round(c * 255):02x}" for c in mixed)


def month(days_with_supplement: tuple[int, ...] = ()) -> list[DayTally]:
    out = []
    for i in range(30):
        supp = [1000.0] if i in days_with_supplement else []
        out.append(
            day_tally(TODAY - dt.timedelta(days=i), [1.1, 1.3], [0.9, 1.3][: 1 + i % 2], supp)
        )
    return out


def test_progress_chart_is_png_with_bars_target_and_supplement() -> None:
    img = decode(progress_chart(month((3, 10)), 2.4, TODAY))
    assert pixels_near(img, BLUE) > 5000  # food bars
    assert pixels_near(img, VERMILLION) > 500  # target line
    assert pixels_near(img, ORANGE) > 500  # supplement bars


def test_progress_without_supplement_draws_no_supplement_bars() -> None:
    img = decode(progress_chart(month(), 2.4, TODAY))
    assert pixels_near(img, ORANGE) == 0
    assert pixels_near(img, BLUE) > 5000


def test_progress_empty_gives_no_data_chart() -> None:
    img = decode(progress_chart([], 2.4, TODAY))
    assert pixels_near(img, BLUE) == 0 and pixels_near(img, VERMILLION) == 0
    # the "no data yet" text is drawn: some dark pixels exist
    assert (img[..., :3].max(axis=-1) < 0.2).sum() > 500


def test_progress_only_old_days_is_no_data() -> None:
    old = [day_tally(TODAY - dt.timedelta(days=60), [1.0], [1.0])]
    img = decode(progress_chart(old, 2.4, TODAY))
    assert pixels_near(img, BLUE) == 0


def test_progress_single_day() -> None:
    img = decode(progress_chart([day_tally(TODAY, [2.0], [1.5])], 2.4, TODAY))
    assert pixels_near(img, BLUE) > 100


def serum_results() -> list[LabResult]:
    return [
        parse_levels_add(text, TODAY)
        for text in (
            "serum 180 pg/mL 2025-11-02",
            "serum 180 pmol/L 2026-02-10",
            "serum 420 ng/L 2026-10-02",
            "mma 0.3 umol/L 2026-09-01",  # other marker: ignored by the serum chart
        )
    ]


def test_levels_chart_png_with_bands() -> None:
    img = decode(levels_chart(serum_results(), Marker.SERUM, TODAY))
    assert pixels_near(img, BLUE) > 300  # the result line and points
    for band in (VERMILLION, YELLOW, GREEN):  # deficiency likely, indeterminate, unlikely
        assert pixels_near(img, tint(band), tol=0.01) > 10_000, band


def test_serum_chart_bands_sit_at_the_nice_edges() -> None:
    """NICE NG239: < 180 ng/L deficiency likely, 180-350 indeterminate. The shaded heights
    follow the edges: 180 ng/L of red below 170 ng/L of yellow (with old 200/300 edges the
    yellow would be half the red)."""
    one = [parse_levels_add("serum 300 ng/L 2026-10-02", TODAY)]
    png = levels_chart(one, Marker.SERUM, TODAY)
    Path("/tmp/b12_levels_nice_bands.png").write_bytes(png)
    img = decode(png)
    red, yellow = pixels_near(img, tint(VERMILLION), 0.01), pixels_near(img, tint(YELLOW), 0.01)
    assert 170 / 180 * 0.9 < yellow / red < 170 / 180 * 1.1


@pytest.mark.parametrize("marker", [Marker.SERUM, Marker.HOLOTC])
def test_b12_chart_bands_use_the_nice_words_never_adequate(marker: Marker) -> None:
    labels = [label for _, _, _, label in _common_regions(marker)]
    assert [label.split(" (")[0] for label in labels] == [
        "deficiency likely",
        "indeterminate",
        "deficiency unlikely",
    ]
    edges = {Marker.SERUM: ("< 180", "180–350", "> 350"), Marker.HOLOTC: ("< 25", "25–70", "> 70")}
    for label, edge in zip(labels, edges[marker], strict=True):
        assert f"({edge})" in label
    assert not any("adequate" in label or "normal" in label for label in labels)


def test_levels_chart_single_point_and_lab_range() -> None:
    one = [parse_levels_add("mma 0.3 umol/L 2026-09-01 range 0.0-0.4", TODAY)]
    img = decode(levels_chart(one, Marker.MMA, TODAY))
    assert pixels_near(img, BLUE) > 100
    # the common bands stay the background; the lab's range is an outline on top
    for band in (GREEN, YELLOW, VERMILLION):
        assert pixels_near(img, tint(band), tol=0.01) > 10_000, band
    assert pixels_near(img, PURPLE, tol=0.05) > 500


def test_levels_chart_outlines_a_lab_range_only_around_the_result_that_has_it() -> None:
    """One result with a lab range must not drop the common bands for the others."""
    results = [
        parse_levels_add(text, TODAY)
        for text in (
            "serum 180 pg/mL 2025-11-02",
            "serum 250 pmol/L 2026-02-10 range 150-650",
            "serum 420 ng/L 2026-10-02",
        )
    ]
    png = levels_chart(results, Marker.SERUM, TODAY)
    Path("/tmp/b12_levels_lab_range.png").write_bytes(png)
    img = decode(png)
    for band in (VERMILLION, YELLOW, GREEN):  # likely, indeterminate, unlikely: still shaded
        assert pixels_near(img, tint(band), tol=0.01) > 10_000, band
    rgb = np.array([int(PURPLE[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    outline = (np.abs(img[..., :3] - rgb) < 0.05).all(axis=-1)
    outline[int(img.shape[0] * 0.75) :, :] = False  # the legend's sample, below the plot
    columns = np.flatnonzero(outline.any(axis=0))
    assert columns.size > 0
    # a narrow box around the February result, not a band across the whole chart
    assert columns.max() - columns.min() < img.shape[1] * 0.15
    without_range = [r for r in results if not r.has_range]
    img = decode(levels_chart(without_range, Marker.SERUM, TODAY))
    assert pixels_near(img, PURPLE, tol=0.05) == 0


def test_levels_chart_no_results_for_marker() -> None:
    img = decode(levels_chart(serum_results(), Marker.HOMOCYSTEINE, TODAY))
    assert pixels_near(img, BLUE) == 0
    assert pixels_near(img, tint(GREEN), tol=0.01) == 0  # no band shading either
    decode(levels_chart([], Marker.SERUM))


@pytest.mark.parametrize("marker", list(Marker))
def test_levels_chart_every_marker(marker: Marker) -> None:
    value = {"serum": "250 pg/mL", "holotc": "60 pmol/L", "mma": "450 nmol/L"}.get(
        marker.value, "14 umol/L"
    )
    results = [parse_levels_add(f"{marker.value} {value} 2026-0{m}-01", TODAY) for m in (3, 6, 9)]
    img = decode(levels_chart(results, marker, TODAY))
    assert pixels_near(img, BLUE) > 300


def test_charts_need_no_pyplot_or_display() -> None:
    code = (
        "import sys, datetime as dt\n"
        "import bot.chat.render.charts\n"
        "from bot.core.tally import day_tally\n"
        "bot.chat.render.charts.progress_chart([day_tally(dt.date(2026,1,1),[1],[1])], 2.4)\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    env = {"PATH": "/usr/bin:/bin", "MPLBACKEND": "", "DISPLAY": ""}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_bot_starts_without_matplotlib_and_draws_charts_in_a_worker_process() -> None:
    code = (
        "import asyncio, sys, datetime as dt\n"
        "import bot.app, bot.chat.handlers\n"
        "assert 'matplotlib' not in sys.modules, 'imported at start-up'\n"
        "from bot.chat.render import chart_pool\n"
        "from bot.core.tally import day_tally\n"
        "days = [day_tally(dt.date(2026, 1, 1), [1], [1])]\n"
        "submitted = []\n"
        "executor = chart_pool._executor\n"
        "def counting():\n"
        "    submitted.append(1)\n"
        "    return executor()\n"
        "chart_pool._executor = counting\n"
        "async def main():\n"
        "    first = await chart_pool.progress_png(days, 2.4)\n"
        "    again = await chart_pool.progress_png(days, 2.4)\n"
        "    other = await chart_pool.progress_png(days, 4.0)\n"
        "    return first, again, other\n"
        "first, again, other = asyncio.run(main())\n"
        "assert first.startswith(b'\\x89PNG') and again == first and other != first\n"
        "assert len(submitted) == 2, submitted  # the repeat came from the cache\n"
        "assert 'matplotlib' not in sys.modules, 'drawn in the bot process'\n"
        "chart_pool.shutdown()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stderr


def test_cut_supplement_label_leaves_the_planned_dot_visible() -> None:
    def grey_pixels(supplement: float) -> int:  # one day: one planned dot at 4.0 µg
        png = progress_chart([day_tally(TODAY, [4.0], [0.5], [supplement])], 2.4, TODAY)
        return pixels_near(decode(png), GREY)

    assert grey_pixels(1000.0) >= grey_pixels(5.0 / 1.12 - 0.5)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (dt.date(2026, 11, 19), dt.date(2026, 12, 11)),  # MMA results 29 Nov + 1 Dec, padded
        (dt.date(2026, 11, 2), dt.date(2026, 12, 1)),  # /progress: 30 days to 1 Dec
        (dt.date(2026, 1, 28), dt.date(2026, 3, 3)),  # across a short February
        (dt.date(2026, 6, 1), dt.date(2026, 6, 3)),
        (dt.date(2024, 3, 29), dt.date(2026, 12, 1)),  # years: month ticks
    ],
)
def test_date_ticks_are_evenly_spaced_and_labels_do_not_overlap(
    first: dt.date, last: dt.date
) -> None:
    """Day locators restart each month ("29 Nov" right next to "1 Dec"): ticks must keep equal
    gaps (days) or whole-month gaps, and no two labels may touch."""
    fig, ax = _new_figure()
    ax.set_xlim(date2num(first), date2num(last))
    _date_ticks(ax, first, last)
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if date2num(first) <= t <= date2num(last)]
    assert 2 <= len(ticks) <= 6
    gaps = {round(b - a) for a, b in itertools.pairwise(ticks)}
    if (last - first).days <= 120:
        assert len(gaps) == 1  # the same number of days between all ticks
    else:
        days = [num2date(t).day for t in ticks]
        assert set(days) == {1}
    renderer = fig.canvas.get_renderer()
    boxes = [
        label.get_window_extent(renderer)
        for label in ax.get_xticklabels()
        if label.get_visible() and label.get_text()
    ]
    boxes.sort(key=lambda b: b.x0)
    for left, right in itertools.pairwise(boxes):
        assert left.x1 + 10 < right.x0, "tick labels overlap or touch"


# --- other languages -----------------------------------------------------------------------


def _chart_texts(monkeypatch: pytest.MonkeyPatch, draw: Callable[[], bytes]) -> list[str]:
    """Every text a chart shows (title, axis labels, legend, tick labels, notes): the figure
    is kept when it is drawn, instead of only its PNG."""
    figures: list[Figure] = []
    real_png = charts._png

    def keep(fig: Figure) -> bytes:
        figures.append(fig)
        return real_png(fig)

    monkeypatch.setattr(charts, "_png", keep)
    draw()
    (fig,) = figures
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_chart_titles_legends_and_dates_come_out_in_german(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_range = [
        *serum_results(),
        parse_levels_add("serum 300 ng/L 2026-10-03 range 200-900", TODAY),
    ]
    with in_language("de"):
        progress = _chart_texts(monkeypatch, lambda: progress_chart(month((5,)), 2.4, TODAY))
        monkeypatch.undo()
        levels = _chart_texts(monkeypatch, lambda: levels_chart(with_range, Marker.SERUM, TODAY))
        monkeypatch.undo()
        mma = _chart_texts(
            monkeypatch,
            lambda: levels_chart(
                [parse_levels_add("mma 0.3 umol/L 2026-09-01", TODAY)], Marker.MMA, TODAY
            ),
        )
    assert "Ihr B12, letzte 30 Tage" in progress
    assert {"Gegessen", "Präparat", "Geplant", "Ziel 2,4 µg", "Datum"} <= set(progress)
    assert "Ihre Werte: Serum-B12" in levels
    assert "Datum · Information, keine Diagnose" in levels
    assert {"Mangel wahrscheinlich (< 180)", "nicht eindeutig (180–350)"} <= set(levels)
    assert "Referenzbereich Ihres Labors (200–900 ng/L)" in levels
    assert {"nicht erhöht (< 0,27)", "grenzwertig (0,27–0,4)", "erhöht (> 0,4)"} <= set(mma)
    months = {"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
              "Nov.", "Dez."}  # fmt: skip
    dates = [t for t in progress + levels if any(m in t for m in months)]
    assert dates, "no German month on the date axis"
    for text in progress + levels + mma:
        assert english_left(text) == [], text


def test_the_chart_worker_draws_in_the_language_of_the_user_who_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker is another process: the language travels with the arguments, and the cache
    keeps one picture per language."""
    from bot.chat.render import chart_pool
    from bot.core import i18n

    # the catalogue as shipped, complete or not (another text may be mid-translation)
    monkeypatch.setattr(i18n, "resolve_language", lambda code, locales_dir=None: code or "en")
    args = (tuple(month((3,))), 2.4, TODAY)
    english = chart_pool._draw("progress", args, "en")
    german = chart_pool._draw("progress", args, "de")
    assert german != english
    assert english == progress_chart(*args)
    with in_language("de"):
        assert german == progress_chart(*args)

    class NoProcess(Executor):
        def submit(self, *args: object, **kwargs: object) -> Future[bytes]:
            raise OSError("no worker process in this test")

    monkeypatch.setattr(chart_pool, "_executor", NoProcess)  # drawn in a thread instead
    monkeypatch.setattr(chart_pool, "_cache", OrderedDict())

    async def both() -> tuple[bytes, bytes]:
        first = await chart_pool.progress_png(*args)
        with in_language("de"):
            second = await chart_pool.progress_png(*args)
        return first, second

    assert asyncio.run(both()) == (english, german)
    assert len(chart_pool._cache) == 2


def test_the_chart_worker_switches_on_every_language_with_a_catalogue() -> None:
    """A spawned worker starts with English only (BOT_LANGUAGES is applied in the bot
    process): its initializer switches on what the bot may ask it to draw."""
    from bot.chat.render import chart_pool
    from bot.core import i18n

    i18n.enable_languages(["en"])
    chart_pool._warm_worker()
    assert set(i18n.catalogue_languages()) <= i18n._enabled
