"""What the clinician report says: averages from known logs, the period, doses, injections,
lab rows with their bands, and the caps that keep years of data on two pages."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.labs import LabResult, Marker
from bot.core.models import Diet, UserSettings
from bot.core.report import (
    MAX_CHART_RESULTS,
    MAX_CHARTS,
    MAX_INJECTION_ROWS,
    MAX_LAB_ROWS,
    REPORT_DAYS,
    REPORT_WEEKS,
    TITLE,
    Dose,
    build_report,
)
from bot.core.tally import day_tally

TODAY = dt.date(2026, 12, 2)
ANA = UserSettings(user_id=1, chat_id=1, first_name="Ana", diet=Diet.VEGAN, target_ug=3.0)


def day(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def test_averages_are_per_logged_day_from_food_and_supplements() -> None:
    tallies = [
        day_tally(day(0), [3.0], [1.0, 2.0], [10.0]),  # food 3, supplement 10
        day_tally(day(1), [3.0], [0.5], []),  # food 0.5
        day_tally(day(5), [3.0], [1.5, 1.5, 1.0], [1000.0]),  # food 4, supplement 1000
        day_tally(day(REPORT_DAYS), [3.0], [9.0], [5000.0]),  # the day before the period
    ]
    report = build_report(ANA, TODAY, tallies, [], [])
    assert report.days == REPORT_DAYS and report.days_logged == 3
    assert report.start == day(REPORT_DAYS - 1) and report.end == TODAY
    assert report.avg_food_ug == pytest.approx((3.0 + 0.5 + 4.0) / 3)
    assert report.avg_supplement_ug == pytest.approx((10.0 + 1000.0) / 3)
    assert report.days_on_target == 2  # day 1 (0.5 µg) is short
    lines = report.summary_lines()
    assert "3 of 91 days had something logged" in lines[0]
    assert "Average daily B12 from food: 2.5 µg" in lines
    assert "Days that met the target: 2 of 3 logged" in lines


def test_weeks_cover_the_period_oldest_first_with_their_own_averages() -> None:
    tallies = [day_tally(day(0), [], [2.0]), day_tally(day(6), [], [4.0], [10.0])]
    tallies.append(day_tally(day(7), [], [1.0]))
    report = build_report(ANA, TODAY, tallies, [], [])
    assert len(report.weeks) == REPORT_WEEKS
    assert report.weeks[0].start == report.start and report.weeks[-1].end == TODAY
    last, before = report.weeks[-1], report.weeks[-2]
    assert last.start == day(6) and last.days_logged == 2
    assert last.avg_food_ug == pytest.approx(3.0) and last.avg_supplement_ug == pytest.approx(5.0)
    assert before.end == day(7) and before.days_logged == 1
    assert before.avg_food_ug == pytest.approx(1.0)
    assert sum(w.days_logged for w in report.weeks) == report.days_logged


def test_nothing_logged_gives_no_averages() -> None:
    report = build_report(ANA, TODAY, [], [], [])
    assert report.days_logged == 0 and report.avg_intake_ug == 0.0
    assert report.summary_lines() == ["0 of 91 days had something logged: no averages."]
    assert report.dose_lines() == ["Oral supplements: none recorded", "Injections: none recorded"]
    assert report.title == TITLE and "not a medical record" in TITLE


def test_doses_are_counted_by_size_and_injections_listed_newest_kept() -> None:
    doses = [Dose(day(i), 1000.0, False) for i in range(10)]
    doses += [Dose(day(20), 50.0, False), Dose(day(21), 50.0, False), Dose(day(30), 2000.0, False)]
    doses += [Dose(day(40), 1000.0, False, weekly=True)]  # from a weekly reminder
    doses += [Dose(day(REPORT_DAYS + 3), 1000.0, False)]  # before the period
    doses += [Dose(day(7 * i), 1000.0, True) for i in range(MAX_INJECTION_ROWS + 3)]
    report = build_report(ANA, TODAY, [], doses, [])
    assert report.oral_doses == 14 and report.oral_days == 14
    assert report.oral_sizes[0] == (1000.0, 11) and report.oral_sizes[1] == (50.0, 2)
    assert report.weekly_doses == 2  # the 2,000 µg dose and the weekly reminder's
    assert len(report.injections) == MAX_INJECTION_ROWS
    assert report.injections_not_listed == 3
    assert report.injections[-1].day == TODAY  # the newest are the ones listed
    text = "\n".join(report.dose_lines())
    assert "14 doses on 14 days (1,000 µg × 11, 50.0 µg × 2" in text
    assert "(+3 earlier)" in text


def test_lab_rows_are_newest_first_with_the_bands_levels_shows() -> None:
    labs = [
        LabResult(Marker.SERUM, 160, "ng/L", day(400)),
        LabResult(Marker.SERUM, 320, "ng/L", day(10)),
        LabResult(Marker.HOLOTC, 80, "pmol/L", day(10)),
        LabResult(Marker.SERUM, 150, "pg/mL", day(2), ref_low=120, ref_high=900),
    ]
    report = build_report(ANA, TODAY, [], [], labs)
    assert [(r.taken_on, r.marker) for r in report.labs] == [
        (day(2), "serum B12"),
        (day(10), "serum B12"),
        (day(10), "active B12 (holoTC)"),
        (day(400), "serum B12"),
    ]
    assert report.labs[0].band == "within your lab's range"
    assert report.labs[0].source == "the lab's own range"
    assert (report.labs[1].band, report.labs[1].source) == ("indeterminate", "NICE NG239")
    assert report.labs[2].band == "deficiency unlikely"
    assert report.labs[3].band == "deficiency likely" and report.labs[3].value == "160 ng/L"
    assert [m for m, _ in report.chart_results] == [Marker.SERUM, Marker.HOLOTC]


def test_years_of_data_are_capped_so_the_report_stays_short() -> None:
    labs = [
        LabResult(marker, 300 if marker is Marker.SERUM else 10, unit, day(30 * i))
        for i in range(60)
        for marker, unit in (
            (Marker.SERUM, "pg/mL"),
            (Marker.MMA, "µmol/L"),
            (Marker.HOMOCYSTEINE, "µmol/L"),
        )
    ]
    tallies = [day_tally(day(i), [], [1.0]) for i in range(1000)]
    report = build_report(ANA, TODAY, tallies, [], labs)
    assert report.days_logged == REPORT_DAYS
    assert len(report.labs) == MAX_LAB_ROWS and report.labs_not_listed == 180 - MAX_LAB_ROWS
    assert len(report.chart_results) == MAX_CHARTS
    for _, results in report.chart_results:
        assert len(results) == MAX_CHART_RESULTS
        assert results[-1].taken_on == TODAY  # the newest, oldest first


def test_clinician_managed_users_get_no_days_on_target() -> None:
    user = UserSettings(user_id=2, chat_id=2, absorption="injections", first_name="x" * 90)
    report = build_report(user, TODAY, [day_tally(TODAY, [], [5.0])], [], [])
    assert report.clinician_managed and report.days_on_target == 0
    assert not any("met the target" in line for line in report.summary_lines())
    assert len(report.name) == 30
    assert report.target_source == "US RDA (adults), IOM 1998 / NIH ODS"
