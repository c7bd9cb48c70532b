"""Lab results: parsing, unit conversion (checked by hand against the README factors), bands."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from repo_paths import SHARED_NUTRITION
from translated import english_left, in_language

from bot.core.i18n import _
from bot.core.lab_input import check_value, is_marker_word, parse_lab_value, parse_levels_add
from bot.core.labs import (
    ADD_EXAMPLES,
    DISCLAIMER,
    GP_SOON,
    MARKERS,
    NG_L,
    NMOL_L,
    PG_ML,
    PG_PER_PMOL,
    PMOL_L,
    PREGNANCY_TEST,
    SUPPLEMENTS_CHANGE_RESULTS,
    UMOL_L,
    LabInputError,
    LabResult,
    Marker,
    classify,
    format_result,
    from_canonical,
    next_retest,
    parse_marker,
    parse_months,
    to_canonical,
)

TODAY = dt.date(2026, 10, 5)
README = SHARED_NUTRITION / "README.md"


def test_factor_matches_shared_readme() -> None:
    if not README.exists():
        pytest.skip("../shared/nutrition/README.md not available")
    m = re.search(r"1 pmol/L = ([\d.]+) pg/mL", README.read_text(encoding="utf-8"))
    assert m is not None
    assert float(m.group(1)) == PG_PER_PMOL


@pytest.mark.parametrize(
    ("marker", "value", "unit", "expected"),
    [
        # by hand: 100 pmol/L x 1.355 = 135.5 pg/mL; 236 x 1.355 = 319.78
        (Marker.SERUM, 100.0, PMOL_L, 135.5),
        (Marker.SERUM, 236.0, PMOL_L, 319.78),
        (Marker.SERUM, 148.0, PMOL_L, 200.54),
        (Marker.SERUM, 300.0, NG_L, 300.0),  # 1 ng/L = 1 pg/mL
        (Marker.SERUM, 320.0, PG_ML, 320.0),
        # holoTC canonical pmol/L: 135.5 pg/mL / 1.355 = 100 pmol/L
        (Marker.HOLOTC, 135.5, PG_ML, 100.0),
        (Marker.HOLOTC, 67.75, NG_L, 50.0),
        (Marker.HOLOTC, 45.0, PMOL_L, 45.0),
        # MMA canonical µmol/L: 450 nmol/L / 1000 = 0.45
        (Marker.MMA, 450.0, NMOL_L, 0.45),
        (Marker.MMA, 0.3, UMOL_L, 0.3),
        (Marker.HOMOCYSTEINE, 11.0, UMOL_L, 11.0),
    ],
)
def test_to_canonical_hand_computed(
    marker: Marker, value: float, unit: str, expected: float
) -> None:
    assert to_canonical(marker, value, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("marker", "canonical", "unit", "expected"),
    [
        (Marker.SERUM, 135.5, PMOL_L, 100.0),  # 135.5 pg/mL / 1.355
        (Marker.SERUM, 180.0, PMOL_L, 132.841328),  # NICE: < 180 ng/L is < 133 pmol/L
        (Marker.SERUM, 350.0, NG_L, 350.0),
        (Marker.HOLOTC, 100.0, PG_ML, 135.5),
        (Marker.MMA, 0.4, NMOL_L, 400.0),
    ],
)
def test_from_canonical_hand_computed(
    marker: Marker, canonical: float, unit: str, expected: float
) -> None:
    assert from_canonical(marker, canonical, unit) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("marker", list(Marker))
def test_round_trip_every_unit(marker: Marker) -> None:
    for unit in MARKERS[marker].units:
        for v in (0.37, 12.5, 148.0, 999.0):
            back = from_canonical(marker, to_canonical(marker, v, unit), unit)
            assert back == pytest.approx(v, rel=1e-12)


def test_same_level_in_two_units_is_the_same_result() -> None:
    in_pg = parse_levels_add("serum 271 pg/mL 2026-01-10", TODAY)
    in_pmol = parse_levels_add("serum 200 pmol/L 2026-04-10", TODAY)  # 200 x 1.355 = 271
    assert in_pmol.canonical_value == pytest.approx(in_pg.canonical_value)
    assert classify(in_pg).key == classify(in_pmol).key == "indeterminate"
    assert "(= 271 pg/mL)" in classify(in_pmol).text


def test_parse_full_example() -> None:
    r = parse_levels_add("serum 320 pg/mL 2026-10-02", TODAY)
    assert r == LabResult(Marker.SERUM, 320.0, PG_ML, dt.date(2026, 10, 2))


def test_parse_defaults_to_today_and_aliases() -> None:
    r = parse_levels_add("active 45 pmol/L", TODAY)
    assert (r.marker, r.value, r.unit, r.taken_on) == (Marker.HOLOTC, 45.0, PMOL_L, TODAY)
    assert parse_levels_add("holo 45 pmol/L", TODAY).marker is Marker.HOLOTC
    assert parse_levels_add("HoloTC 45 PMOL/L", TODAY).marker is Marker.HOLOTC
    assert parse_levels_add("b12 300 ng/l", TODAY).marker is Marker.SERUM
    assert parse_levels_add("total b12 300 ng/L", TODAY).marker is Marker.SERUM
    assert parse_levels_add("hcy 11 umol/l", TODAY).marker is Marker.HOMOCYSTEINE
    assert parse_levels_add("homocysteine 11 µmol/L", TODAY).unit == UMOL_L
    assert parse_levels_add("add mma 0.2 umol/L", TODAY).marker is Marker.MMA


def test_parse_range_and_date_in_any_order() -> None:
    a = parse_levels_add("mma 0.3 umol/L 2026-09-01 range 0.0-0.4", TODAY)
    b = parse_levels_add("mma 0.3 umol/L ref 0.0 - 0.4 2026-09-01", TODAY)
    assert a == b
    assert (a.ref_low, a.ref_high, a.taken_on) == (0.0, 0.4, dt.date(2026, 9, 1))


def test_parse_glued_unit_decimal_comma_and_one_sided_range() -> None:
    r = parse_levels_add("serum 320pg/ml range >197", TODAY)
    assert (r.value, r.unit, r.ref_low, r.ref_high) == (320.0, PG_ML, 197.0, None)
    r = parse_levels_add("mma 0,31 µmol/L range < 0.4", TODAY)
    assert (r.value, r.ref_low, r.ref_high) == (0.31, None, 0.4)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "marker, value and unit"),
        ("serm 320 pg/mL", "Did you mean 'serum'"),
        ("ferritin 50 ng/L", "don't know the marker 'ferritin'"),
        ("serum", "Add the value and unit"),
        ("serum abc pg/mL", "'abc' is not a number"),
        ("active <5 pmol/L", "number alone"),
        ("serum 320", "Add the unit"),
        ("serum 320 mmol/L", "'mmol/L' is not one I know"),
        ("homocysteine 12 pmol/L", "not measured in pmol/L"),
        ("mma 300 pg/mL", "not measured in pg/mL"),
        ("serum -5 pg/mL", "more than 0"),
        ("serum 0 pg/mL", "more than 0"),
        ("serum 5 pg/mL", "not a possible serum B12"),
        ("serum 25000 pg/mL", "not a possible serum B12"),
        ("active 1200 pmol/L", "not a possible active B12"),
        ("mma 150 umol/L", "not a possible MMA"),
        ("hcy 600 umol/L", "not a possible homocysteine"),
        ("serum 320 pg/mL 2026-11-02", "in the future"),
        ("serum 320 pg/mL 02/10/2026", "YYYY-MM-DD"),
        ("serum 320 pg/mL 2.10.2026", "YYYY-MM-DD"),
        ("serum 320 pg/mL 2026-02-30", "not a real date"),
        ("serum 320 pg/mL range 900-200", "from low to high"),
        ("serum 320 pg/mL range abc", "could not read the range"),
        ("serum 320 pg/mL range", "Give one range"),
        ("serum 320 pg/mL range 200-90000", "too high"),
        ("serum 320 pg/mL banana", "did not understand 'banana'"),
        ("serum 320 pg/mL 2026-10-01 2026-10-02", "only one date"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(LabInputError) as exc:
        parse_levels_add(text, TODAY)
    assert fragment in str(exc.value)


def test_plausibility_limits_apply_in_canonical_units() -> None:
    # 10 pg/mL = 7.38 pmol/L and 20,000 pg/mL = 14,760 pmol/L:
    # 14,000 pmol/L passes, 15,000 pmol/L does not.
    assert parse_levels_add("serum 14000 pmol/L", TODAY).canonical_value == pytest.approx(18970)
    with pytest.raises(LabInputError, match=re.escape("I accept 7.38–14,760 pmol/L")):
        parse_levels_add("serum 15000 pmol/L", TODAY)
    # MMA limit 100 µmol/L = 100,000 nmol/L
    assert parse_levels_add("mma 99000 nmol/L", TODAY).canonical_value == pytest.approx(99.0)
    with pytest.raises(LabInputError):
        parse_levels_add("mma 101000 nmol/L", TODAY)


def test_unknown_marker_error_includes_example() -> None:
    with pytest.raises(LabInputError) as exc:
        parse_marker("vitd")
    assert "/levels add serum 320 pg/mL" in str(exc.value)


def _r(text: str) -> LabResult:
    return parse_levels_add(text, TODAY)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        # NICE NG239: total B12 < 180 ng/L likely, 180-350 indeterminate, > 350 unlikely
        ("serum 179.9 ng/L", "likely"),
        ("serum 180 ng/L", "indeterminate"),
        ("serum 320 ng/L", "indeterminate"),
        ("serum 350 pg/mL", "indeterminate"),
        ("serum 350.1 pg/mL", "unlikely"),
        ("serum 132 pmol/L", "likely"),  # 178.9 ng/L
        ("serum 133 pmol/L", "indeterminate"),  # 180.2 ng/L
        ("serum 258 pmol/L", "indeterminate"),  # 349.6 ng/L
        ("serum 259 pmol/L", "unlikely"),  # 350.9 ng/L
        # active B12 (holoTC): < 25, 25-70, > 70 pmol/L
        ("active 24.9 pmol/L", "likely"),
        ("active 25 pmol/L", "indeterminate"),
        ("active 70 pmol/L", "indeterminate"),
        ("active 71 pmol/L", "unlikely"),
        ("mma 0.26 umol/L", "not_raised"),
        ("mma 0.27 umol/L", "borderline"),
        ("mma 0.40 umol/L", "borderline"),
        ("mma 400 nmol/L", "borderline"),
        ("mma 410 nmol/L", "raised"),
        ("hcy 12.9 umol/L", "not_raised"),
        ("hcy 13 umol/L", "borderline"),
        ("hcy 15 umol/L", "borderline"),
        ("hcy 15.1 umol/L", "raised"),
    ],
)
def test_default_bands_follow_nice_ng239_and_stabler(text: str, key: str) -> None:
    assert classify(_r(text)).key == key


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("serum 150 ng/L", "deficiency likely"),
        ("serum 320 ng/L", "indeterminate"),
        ("serum 600 ng/L", "deficiency unlikely"),
        ("active 20 pmol/L", "deficiency likely"),
        ("active 45 pmol/L", "indeterminate"),
        ("active 90 pmol/L", "deficiency unlikely"),
    ],
)
def test_b12_results_use_the_nice_words(text: str, label: str) -> None:
    band = classify(_r(text))
    assert band.label == label
    assert f": {label} (NICE NG239)" in band.text
    assert label in format_result(_r(text))


def test_serum_320_ng_per_l_is_indeterminate_with_the_gp_line() -> None:
    band = classify(_r("serum 320 ng/L"))
    assert band.key == "indeterminate" and band.urgent
    assert "between 180 and 350 ng/L: indeterminate" in band.text
    assert GP_SOON in band.text
    assert "soon" in GP_SOON and "GP or MS team" in GP_SOON
    for symptom in ("numbness", "weakness", "balance", "memory"):
        assert symptom in GP_SOON
    assert "active B12 (holoTC) or MMA" in band.text  # NICE: clarify an indeterminate result


NEVER_REASSURING = re.compile(r"\b(adequate|normal|sufficient|healthy|fine)\b", re.I)


@pytest.mark.parametrize(
    "text",
    [
        "serum 150 pg/mL",
        "serum 250 pg/mL",
        "serum 400 pg/mL",
        "serum 2000 pmol/L",
        "active 20 pmol/L",
        "active 50 pmol/L",
        "active 200 pmol/L",
        "mma 0.1 umol/L",
        "mma 0.5 umol/L",
        "hcy 10 umol/L",
        "hcy 14 umol/L",
        "serum 180 pg/mL range 150-900",
        "serum 950 pg/mL range 150-900",
        "mma 0.3 umol/L range <0.4",
    ],
)
def test_every_result_has_source_supplement_note_and_disclaimer_and_no_reassurance(
    text: str,
) -> None:
    result = _r(text)
    band = classify(result)
    assert band.text.endswith(DISCLAIMER)
    assert band.source and (band.source in band.text or "your lab's range" in band.text)
    assert SUPPLEMENTS_CHANGE_RESULTS in band.text
    assert "diagnos" not in band.text.replace(DISCLAIMER, "")  # no diagnosis outside the note
    assert not NEVER_REASSURING.search(band.text), band.text
    assert not NEVER_REASSURING.search(band.label)
    assert not NEVER_REASSURING.search(format_result(result))


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("serum 150 ng/L", True),
        ("serum 300 ng/L", True),
        ("serum 400 ng/L", False),
        ("active 20 pmol/L", True),
        ("active 60 pmol/L", True),
        ("active 80 pmol/L", False),
        ("mma 0.5 umol/L", True),
        ("mma 0.3 umol/L", False),
        ("hcy 20 umol/L", True),
        ("serum 140 pg/mL range 150-900", True),  # below the lab's range
        ("serum 300 pg/mL range 150-900", False),
        ("mma 0.5 umol/L range <0.4", True),  # above the lab's range
    ],
)
def test_low_or_indeterminate_says_contact_gp_or_ms_team_soon(text: str, urgent: bool) -> None:
    band = classify(_r(text))
    assert band.urgent is urgent
    assert (GP_SOON in band.text) is urgent


def test_a_b12_result_in_range_does_not_rule_out_deficiency_with_symptoms() -> None:
    for text in ("serum 600 ng/L", "active 90 pmol/L", "serum 300 pg/mL range 150-900"):
        band = classify(_r(text))
        assert "does not rule out a deficiency" in band.text
        assert "GP or MS team" in band.text


def test_pregnancy_makes_active_b12_the_preferred_test() -> None:
    serum = _r("serum 400 ng/L")
    assert PREGNANCY_TEST in classify(serum, pregnant=True).text
    assert PREGNANCY_TEST not in classify(serum).text
    assert "active B12 (holoTC) is the preferred test" in PREGNANCY_TEST
    # the note is about total B12: an active B12 result needs no pointer to itself
    assert PREGNANCY_TEST not in classify(_r("active 45 pmol/L"), pregnant=True).text


def test_lab_range_overrides_common_bands() -> None:
    # 170 ng/L is "deficiency likely" by NICE but within this lab's 150-900 range
    assert classify(_r("serum 170 pg/mL")).key == "likely"
    band = classify(_r("serum 170 pg/mL range 150-900"))
    assert band.key == "within"
    assert "150–900 pg/mL" in band.text
    assert classify(_r("serum 140 pg/mL range 150-900")).key == "below"
    assert classify(_r("serum 950 pg/mL range 150-900")).key == "above"
    assert classify(_r("serum 150 pg/mL range 150-900")).key == "within"  # edges inclusive
    # 400 ng/L is "deficiency unlikely" by NICE, below this lab's range: the lab wins
    assert classify(_r("serum 400 ng/L range 450-1200")).key == "below"
    assert classify(_r("mma 0.5 umol/L range <0.4")).key == "above"
    assert classify(_r("mma 0.3 umol/L range <0.4")).key == "within"
    assert classify(_r("serum 190 pg/mL range >197")).key == "below"


def test_lab_range_in_other_unit_is_compared_in_that_unit() -> None:
    # value and range both in pmol/L: 160 pmol/L inside 145-569
    assert classify(_r("serum 160 pmol/L range 145-569")).key == "within"
    assert classify(_r("serum 140 pmol/L range 145-569")).key == "below"


def test_sources_named() -> None:
    assert "NICE NG239" in classify(_r("serum 250 pg/mL")).text
    assert "NICE NG239" in classify(_r("active 20 pmol/L")).text
    assert "Stabler 2013" in classify(_r("mma 0.5 umol/L")).text
    assert "Stabler 2013" in classify(_r("hcy 20 umol/L")).text


def test_low_b12_mentions_ms_overlap_without_treatment_claim() -> None:
    text = classify(_r("serum 150 pg/mL")).text
    assert "MS symptoms" in text
    assert not re.search(r"\b(treat|cure)", text, re.I)


def test_active_b12_is_accepted_in_pmol_per_l_only() -> None:
    assert parse_levels_add("active 45 pmol/L", TODAY).unit == PMOL_L
    for unit in ("pg/mL", "ng/L"):
        with pytest.raises(LabInputError, match="pmol/L") as exc:
            parse_levels_add(f"active 61 {unit}", TODAY)
        assert unit in str(exc.value)
    # a result stored in pg/mL before still converts (charts and lists keep working)
    old = LabResult(Marker.HOLOTC, 135.5, PG_ML, TODAY)
    assert old.canonical_value == pytest.approx(100.0)
    assert classify(old).key == "unlikely"


def test_format_result_shows_both_units() -> None:
    line = format_result(_r("serum 320 pg/mL 2026-10-02"))
    assert line.startswith("2026-10-02 · serum B12 320 pg/mL (236 pmol/L)")  # 320/1.355=236.2
    assert line.endswith("indeterminate")
    assert "(0.45 µmol/L)" in format_result(_r("mma 450 nmol/L"))


def test_ng_per_l_is_not_converted_to_the_same_number() -> None:
    text = classify(_r("serum 320 ng/L")).text
    assert "320 ng/L is between 180 and 350 ng/L" in text
    assert "(= 320" not in text


def test_to_dict_round_trip() -> None:
    r = _r("mma 0.3 umol/L 2026-09-01 range 0.0-0.4")
    assert LabResult.from_dict(r.to_dict()) == r


@pytest.mark.parametrize(
    ("last", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 15), 12, dt.date(2027, 12, 15)),
        (dt.date(2026, 10, 2), 3, dt.date(2027, 1, 2)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 5, 15), 24, dt.date(2028, 5, 15)),
    ],
)
def test_next_retest(last: dt.date, months: int, expected: dt.date) -> None:
    assert next_retest(last, months) == expected


def test_retest_months_validated() -> None:
    with pytest.raises(LabInputError):
        next_retest(TODAY, 0)
    assert parse_months("3") == 3
    assert parse_months("6 months") == 6
    for bad in ("", "three", "0", "99"):
        with pytest.raises(LabInputError):
            parse_months(bad)


def test_levels_add_takes_a_bare_range_and_suggests_the_range_form() -> None:
    result = parse_levels_add("serum 320 pg/mL 2026-10-02 200-900", TODAY)
    assert (result.ref_low, result.ref_high, result.taken_on) == (
        200.0,
        900.0,
        dt.date(2026, 10, 2),
    )
    first = parse_levels_add("serum 320 pg/mL 200 - 900 pg/mL 2026-10-02", TODAY)
    assert (first.ref_low, first.ref_high, first.taken_on) == (200.0, 900.0, dt.date(2026, 10, 2))
    assert parse_levels_add("mma 0.3 umol/L <0.4", TODAY).ref_high == 0.4
    with pytest.raises(LabInputError, match="same unit"):
        parse_levels_add("serum 320 pg/mL 200-900 pmol/L", TODAY)
    with pytest.raises(LabInputError, match="only one range"):
        parse_levels_add("serum 320 pg/mL 200-900 250-800", TODAY)
    with pytest.raises(LabInputError) as exc:
        parse_levels_add("serum 320 pg/mL normal", TODAY)
    assert "'range 200-900'" in str(exc.value) and "pg/mL" in str(exc.value)


@pytest.mark.parametrize(
    ("text", "marker", "value", "unit"),
    [
        ("B12 280 ng/L", Marker.SERUM, 280.0, NG_L),
        ("total B12 280 ng/L", Marker.SERUM, 280.0, NG_L),
        ("active 45 pmol/L", Marker.HOLOTC, 45.0, PMOL_L),
        ("active b12 45,5 pmol/L", Marker.HOLOTC, 45.5, PMOL_L),
        ("serum 320pg/mL", Marker.SERUM, 320.0, PG_ML),
    ],
)
def test_levels_without_add_word_parse_as_a_result(
    text: str, marker: Marker, value: float, unit: str
) -> None:
    assert is_marker_word(text.split()[0])
    result = parse_levels_add(text, dt.date(2026, 11, 24))
    assert (result.marker, result.value, result.unit) == (marker, value, unit)


def test_list_words_are_not_markers() -> None:
    for word in ("add", "retest", "delete", "help", "b1", ""):
        assert not is_marker_word(word)


def test_check_value_refuses_what_the_typed_form_refuses() -> None:
    check_value(Marker.SERUM, 280.0, NG_L)  # plausible: no error
    with pytest.raises(LabInputError, match="not a possible"):
        check_value(Marker.SERUM, 5.0, NG_L)
    with pytest.raises(LabInputError, match="more than 0"):
        check_value(Marker.HOLOTC, 0.0, PMOL_L)
    with pytest.raises(LabInputError, match="pmol/L"):
        check_value(Marker.HOLOTC, 45.0, NG_L)  # active B12 is entered in pmol/L only


@pytest.mark.parametrize(
    ("text", "expected"), [("280", 280.0), ("2,5", 2.5), (".4", 0.4), ("45.0", 45.0)]
)
def test_parse_lab_value_reads_decimal_commas(text: str, expected: float) -> None:
    assert parse_lab_value(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "-5", "1" * 20])
def test_parse_lab_value_refuses(text: str) -> None:
    assert parse_lab_value(text) is None


# --- other languages -----------------------------------------------------------------------

# The glossary at the top of each catalogue: the NICE band words, never a stronger claim.
BAND_WORDS = {
    "de": ("Mangel wahrscheinlich", "nicht eindeutig", "Mangel unwahrscheinlich"),
    "es": ("deficiencia probable", "indeterminado", "deficiencia improbable"),
    "fr": ("carence probable", "indéterminé", "carence improbable"),
}
GP_OR_MS_TEAM = {
    "de": ("Hausarzt/Ihre Hausärztin", "MS-Team"),
    "es": ("médico de cabecera", "equipo de EM"),
    "fr": ("médecin traitant", "équipe SEP"),
}
NOT_A_DIAGNOSIS = {"de": "keine Diagnose", "es": "no es un diagnóstico", "fr": "pas un diagnostic"}


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_band_words_and_advice_follow_the_glossary_in_every_language(lang: str) -> None:
    values = (150.0, 300.0, 400.0)  # serum ng/L: below, within and above NICE's 180-350
    with in_language(lang):
        bands = [classify(LabResult(Marker.SERUM, v, NG_L, TODAY)) for v in values]
    assert tuple(band.label for band in bands) == BAND_WORDS[lang]
    assert [band.key for band in bands] == ["likely", "indeterminate", "unlikely"]
    for band in bands:
        assert NOT_A_DIAGNOSIS[lang] in band.text
        assert english_left(band.text) == [], band.text
    for words in GP_OR_MS_TEAM[lang]:  # low and indeterminate: contact the GP or MS team soon
        assert words in bands[0].text and words in bands[1].text
    # in range: "does not rule out", with the same GP / MS team words, never "adequate"
    assert all(words in bands[2].text for words in GP_OR_MS_TEAM[lang])
    for forbidden in ("ausreichend", "normal", "adecuad", "suffisant"):
        assert forbidden not in bands[2].text.lower()


@pytest.mark.parametrize(
    ("lang", "shown"),
    [("de", "MMA 275 nmol/L (= 0,28 µmol/L)"), ("fr", "MMA 275 nmol/L (= 0,28 µmol/L)")],
)
def test_numbers_in_band_texts_have_decimal_commas(lang: str, shown: str) -> None:
    result = LabResult(Marker.MMA, 275.0, NMOL_L, TODAY)
    with in_language(lang):
        summary = classify(result).summary
    assert shown in summary and "0,27" in summary  # the band edge 0.27 too
    with in_language("en"):  # English keeps its points
        assert "(= 0.28 µmol/L)" in classify(result).summary


@pytest.mark.parametrize(
    ("text", "marker", "value"),
    [
        ("serum 320,5 ng/l", Marker.SERUM, 320.5),
        ("Serum 280 ng/L", Marker.SERUM, 280.0),
        ("aktiv 45 pmol/L", Marker.HOLOTC, 45.0),
        ("activa 45 pmol/L", Marker.HOLOTC, 45.0),
        ("sérique 320 pg/mL", Marker.SERUM, 320.0),
        ("homocystéine 11,5 umol/L", Marker.HOMOCYSTEINE, 11.5),
        ("mma 0,3 umol/L bereich 0,0-0,4", Marker.MMA, 0.3),
        ("mma 0,3 umol/L rango 0,0-0,4", Marker.MMA, 0.3),
    ],
)
def test_typed_results_accept_decimal_commas_and_local_words(
    text: str, marker: Marker, value: float
) -> None:
    result = parse_levels_add(text, TODAY)
    assert (result.marker, result.value) == (marker, pytest.approx(value))
    if "0,0-0,4" in text:
        assert (result.ref_low, result.ref_high) == (0.0, 0.4)


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_the_translated_examples_parse(lang: str) -> None:
    """The examples a German, Spanish or French user is shown are accepted as typed."""
    with in_language(lang):
        examples = _(ADD_EXAMPLES)
    assert examples != ADD_EXAMPLES
    for line in examples.splitlines()[1:]:
        result = parse_levels_add(line.removeprefix("/levels add "), TODAY)
        assert result.value > 0


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_input_errors_are_translated(lang: str) -> None:
    with in_language(lang), pytest.raises(LabInputError) as caught:
        parse_levels_add("serum 5 ng/L", TODAY)
    assert "5 ng/L" in str(caught.value) and english_left(str(caught.value)) == []
