"""Time zones as people type them: UTC offsets read the way people mean them (GMT+2 is two
hours AHEAD of UTC, unlike the POSIX-signed legacy zone of that spelling), and names or
cities in any case, resolved against the installed tz database."""

from __future__ import annotations

import datetime as dt

import pytest
from translated import in_language

from bot.core.clock import MAX_ZONE_INPUT, format_offset, resolve_zone, zone, zone_now

# A winter instant: Berlin is on UTC+1, New York on UTC-5.
WINTER = dt.datetime(2026, 1, 15, 6, 0, tzinfo=dt.UTC)


def offset_at(text: str, at: dt.datetime = WINTER) -> dt.timedelta:
    offset = at.astimezone(zone(resolve_zone(text))).utcoffset()
    assert offset is not None
    return offset


@pytest.mark.parametrize(
    ("typed", "hours"),
    [
        ("GMT+2", 2),
        ("UTC+2", 2),
        ("utc+02:00", 2),
        ("UTC +0200", 2),
        ("+02:00", 2),
        ("+2", 2),
        ("UTC-5", -5),
        ("gmt-5", -5),
        ("−3", -3),  # Unicode minus
        ("GMT+0", 0),
        ("UTC+14", 14),
        ("UTC-12", -12),
    ],
)
def test_offsets_mean_hours_ahead_of_utc(typed: str, hours: int) -> None:
    assert offset_at(typed) == dt.timedelta(hours=hours)


def test_gmt_plus_two_is_not_the_posix_signed_zone() -> None:
    assert resolve_zone("GMT+2") == "Etc/GMT-2"
    assert zone_now(resolve_zone("GMT+2"), WINTER) == ("UTC+02:00", "08:00")


@pytest.mark.parametrize(
    ("typed", "city"),
    [("GMT-3:30", "America/St_Johns"), ("UTC+05:30", "Asia/Kolkata"), ("+0545", "Kathmandu")],
)
def test_an_offset_without_a_fixed_zone_suggests_a_city(typed: str, city: str) -> None:
    with pytest.raises(ValueError, match="no fixed-offset zone") as raised:
        resolve_zone(typed)
    assert city in str(raised.value)


@pytest.mark.parametrize("typed", ["UTC+15", "GMT-13", "+02:75"])
def test_offsets_outside_the_world_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not a UTC offset"):
        resolve_zone(typed)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("berlin", "Europe/Berlin"),
        ("BERLIN", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  Europe/Berlin ", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New   York", "America/New_York"),
        ("Kolkata", "Asia/Kolkata"),
        ("utc", "UTC"),
    ],
)
def test_names_and_cities_in_any_case(typed: str, name: str) -> None:
    assert resolve_zone(typed) == name


def test_a_city_keeps_its_own_offset() -> None:
    assert offset_at("berlin") == dt.timedelta(hours=1)
    assert offset_at("Kolkata") == dt.timedelta(hours=5, minutes=30)


@pytest.mark.parametrize("typed", ["Mars/Olympus", "asdfgh", "", "   ", "+", "GMT+2 please"])
def test_junk_is_refused_clearly(typed: str) -> None:
    with pytest.raises(ValueError, match="Europe/Berlin"):
        resolve_zone(typed)


def test_a_near_miss_gets_a_suggestion() -> None:
    with pytest.raises(ValueError, match="Did you mean Europe/Berlin"):
        resolve_zone("Europe/Berlinn")


def test_overlong_input_is_refused_before_any_lookup() -> None:
    with pytest.raises(ValueError, match="too long"):
        resolve_zone("Europe/Berlin" + " " * MAX_ZONE_INPUT)


def test_zone_now_gives_offset_and_local_clock() -> None:
    assert zone_now("Europe/Berlin", WINTER) == ("UTC+01:00", "07:00")
    summer = dt.datetime(2026, 7, 15, 6, 0, tzinfo=dt.UTC)
    assert zone_now("Europe/Berlin", summer) == ("UTC+02:00", "08:00")
    assert format_offset(dt.timedelta(hours=-3, minutes=-30)) == "UTC-03:30"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Wien", "Europe/Vienna"),
        ("München", "Europe/Berlin"),
        ("Genève", "Europe/Zurich"),
        ("Nueva York", "America/New_York"),
        ("londres", "Europe/London"),
    ],
)
def test_cities_as_german_spanish_and_french_speakers_write_them(typed: str, name: str) -> None:
    assert resolve_zone(typed) == name
    zone(name)  # a real zone of the installed tz database


def test_zone_errors_are_in_the_users_language() -> None:
    with pytest.raises(ValueError) as english:
        resolve_zone("UTC+20")
    assert "is not a UTC offset" in str(english.value)
    with in_language("de"), pytest.raises(ValueError) as german:
        resolve_zone("Atlantis/Nowhere")
    assert "Die Zeitzone „Atlantis/Nowhere“ kenne ich nicht." in str(german.value)
    assert "Nennen Sie eine Stadt" in str(german.value)
    with in_language("fr"), pytest.raises(ValueError) as french:
        resolve_zone("UTC+5:30")
    assert "n'a pas de fuseau" in str(french.value) and "/timezone Asia/Kolkata" in str(
        french.value
    )
