"""The clinician report PDF: it opens, has one or two pages whatever the data, and says what
it is (a self-recorded log, not a medical record) with the numbers of the Report."""

from __future__ import annotations

import datetime as dt

import pypdfium2 as pdfium
from translated import in_language

from bot.chat.render.report import report_pdf
from bot.core.labs import LabResult, Marker
from bot.core.models import Diet, UserSettings
from bot.core.report import TITLE, Dose, Report, build_report
from bot.core.tally import day_tally

TODAY = dt.date(2026, 12, 2)
ANA = UserSettings(user_id=1, chat_id=1, first_name="Ana $x$", diet=Diet.VEGAN, target_ug=3.0)


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page, as a PDF reader extracts it."""
    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for index in range(len(doc)):
            textpage = doc[index].get_textpage()
            out.append(" ".join(textpage.get_text_range().split()))
        return out
    finally:
        doc.close()


def report(days: int, labs: list[LabResult]) -> Report:
    tallies = [day_tally(TODAY - dt.timedelta(days=i), [], [1.0, 1.5], [10.0]) for i in range(days)]
    doses = [Dose(TODAY - dt.timedelta(days=i), 10.0, False) for i in range(days)]
    doses.append(Dose(TODAY - dt.timedelta(days=3), 1000.0, True))
    return build_report(ANA, TODAY, tallies, doses, labs)


def test_report_without_labs_is_one_page_titled_as_a_self_recorded_log() -> None:
    pdf = report_pdf(report(20, []))
    assert pdf.startswith(b"%PDF")
    (page,) = pages_text(pdf)
    assert TITLE in page
    assert "Name: Ana $x$" in page  # no mathtext: the dollar signs stay
    assert "Average daily B12 from food: 2.5 µg" in page
    assert "Average daily B12 from oral supplements: 10.0 µg" in page
    assert "20 of 91 days had something logged" in page
    assert "Injections: 29 Nov 2026 1,000 µg" in page
    assert "No lab results recorded" in page
    assert "GP or MS team" in page and "no diagnosis" in page


def test_report_with_labs_has_a_second_page_with_the_results() -> None:
    labs = [
        LabResult(Marker.SERUM, 320, "ng/L", dt.date(2026, 10, 2)),
        LabResult(Marker.HOLOTC, 45, "pmol/L", dt.date(2026, 10, 2)),
    ]
    first, second = pages_text(report_pdf(report(91, labs)))
    assert TITLE in first and "Page 1 of 2" in first
    assert "Lab results" in second and "Page 2 of 2" in second
    assert "320 ng/L indeterminate NICE NG239" in second
    assert "45 pmol/L indeterminate NICE NG239" in second
    assert "Your serum B12 results" not in second  # the charts are pictures, not text


def test_years_of_data_still_fit_on_two_pages() -> None:
    labs = [
        LabResult(marker, 300.0, "pg/mL" if marker is Marker.SERUM else "µmol/L", day)
        for i in range(80)
        for marker in (Marker.SERUM, Marker.MMA, Marker.HOMOCYSTEINE)
        for day in [TODAY - dt.timedelta(days=20 * i)]
    ]
    pages = pages_text(report_pdf(report(1500, labs)))
    assert len(pages) == 2
    assert "+232 earlier results not listed" in pages[1]


def bottom_of(pdf: bytes, needle: str) -> tuple[float, float]:
    """(bottom, top) in PDF points of the first character of `needle` on page 1."""
    doc = pdfium.PdfDocument(pdf)
    try:
        textpage = doc[0].get_textpage()
        index = textpage.get_text_range().find(needle)
        assert index >= 0, needle
        _, bottom, _, top = textpage.get_charbox(index)
        return bottom, top
    finally:
        doc.close()


def test_the_longest_first_page_ends_above_the_footer() -> None:
    """Every optional line at once (life stage, absorption note, three dose sizes, weekly
    doses, eight injections, no labs): the chart gets lower, nothing runs into the footer."""
    user = UserSettings(
        user_id=1, chat_id=1, first_name="W" * 30, diet=Diet.VEGAN, target_ug=4.5,
        life_stage="pregnant", absorption="impaired",
    )  # fmt: skip
    tallies, doses = [], []
    for i in range(91):
        day = TODAY - dt.timedelta(days=i)
        tallies.append(day_tally(day, [1.0], [1.0], [1000.0]))
        doses.append(Dose(day, 1000.0 + (i % 3) * 111.0, False, weekly=i % 7 == 0))
        doses.append(Dose(day, 1234.5, True))
    pdf = report_pdf(build_report(user, TODAY, tallies, doses, []))
    assert len(pages_text(pdf)) == 1
    last_line, _ = bottom_of(pdf, "No lab results recorded")
    _, footer_top = bottom_of(pdf, "Questions about B12")
    assert last_line > footer_top + 5


def test_the_report_layout_and_lab_bands_are_in_german() -> None:
    labs = [LabResult(Marker.SERUM, 150, "ng/L", dt.date(2026, 10, 2))]
    with in_language("de"):
        built = report(91, labs)
        first, second = pages_text(report_pdf(built))
    assert "Seite 1 von 2" in first and "Seite 2 von 2" in second
    assert "Ernährung und Ziel" in first and "Präparate und Spritzen, wie eingetragen" in first
    assert "Tägliches B12-Ziel: 3,0 µg" in first
    assert "2. Dez. 2026" in first  # dates the German way
    assert "Selbst geführtes B12-Protokoll" in first and "Ernährung: vegan" in first
    assert "Mittleres tägliches B12 aus dem Essen: 2,5 µg" in first
    assert "Spritzen: 29. Nov. 2026 1.000 µg" in first
    assert "Hausarzt/Ihrer Hausärztin oder Ihrem MS-Team" in first
    assert "Laborwerte, neueste zuerst (wie eingegeben)" in second
    assert "Datum Test Wert Bereich Quelle der Bereiche" in second
    assert "Mangel wahrscheinlich NICE NG239" in second  # the glossary's band words
