"""The daily energy choice: typed ranges read as people write them, bounded before use."""

from __future__ import annotations

import pytest

from bot.core.energy import (
    KCAL_MAX,
    KCAL_MIN,
    EnergyInputError,
    describe,
    parse_energy,
    preset,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1800-2200", (1800, 2200)),
        ("1,800 – 2,200 kcal", (1800, 2200)),
        ("1800 to 2200", (1800, 2200)),
        ("2200-1800", (1800, 2200)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_typed_ranges_are_read(text: str, expected: tuple[int, int] | None) -> None:
    assert parse_energy(text) == expected


@pytest.mark.parametrize(
    "text", ["500-900", f"{KCAL_MIN}-{KCAL_MAX + 1}", "1800-1850", "lots", "2000", "9" * 60]
)
def test_out_of_bounds_narrow_or_junk_ranges_are_refused(text: str) -> None:
    with pytest.raises(EnergyInputError) as exc:
        parse_energy(text)
    assert "/energy 1800-2200" in str(exc.value)
    assert "9" * 41 not in str(exc.value)  # never echoes long input


def test_presets_and_description() -> None:
    assert preset("1600") == (1600, 2000) and preset("2000") == (2000, 2400)
    assert preset("9999") is None
    assert describe((1600.0, 2000.0)) == "1,600–2,000 kcal a day"
    assert "B12-focused" in describe(None)
