"""Reminder scheduling across DST, snooze, and `/remind` parsing."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from translated import english_left, in_language

from bot.core.clock import local_date_at, next_local_occurrence_utc
from bot.core.reminders import (
    Reminder,
    ReminderInputError,
    ReminderKind,
    next_fire_utc,
    parse_clock_time,
    parse_dose_ug,
    parse_remind,
    snooze,
)

UTC = dt.UTC
BERLIN = "Europe/Berlin"
TODAY = dt.date(2026, 11, 10)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def daily(hh: int, mm: int = 0, tz: str = BERLIN) -> Reminder:
    return Reminder(ReminderKind.DAILY, 1000.0, dt.time(hh, mm), tz)


def test_berlin_0800_is_0700_utc_in_winter_and_0600_in_summer() -> None:
    r = daily(8)
    assert next_fire_utc(r, utc(2026, 1, 15, 0, 0)) == utc(2026, 1, 15, 7, 0)
    assert next_fire_utc(r, utc(2026, 7, 15, 0, 0)) == utc(2026, 7, 15, 6, 0)


def test_berlin_0800_across_both_dst_changes() -> None:
    r = daily(8)
    # Saturday 28 March 08:00 CET has just fired; Sunday is the first CEST day.
    assert next_fire_utc(r, utc(2026, 3, 28, 7, 0)) == utc(2026, 3, 29, 6, 0)
    # Saturday 24 October 08:00 CEST has just fired; Sunday is back on CET.
    assert next_fire_utc(r, utc(2026, 10, 24, 6, 0)) == utc(2026, 10, 25, 7, 0)


def test_fires_every_day_at_0800_local_through_the_dst_weeks() -> None:
    """Step hour by hour through both DST weeks: every fire is 08:00 local, one a day."""
    zone = ZoneInfo(BERLIN)
    r = daily(8)
    for start in (utc(2026, 3, 25), utc(2026, 10, 21)):
        fires: set[dt.datetime] = set()
        moment = start
        while moment < start + dt.timedelta(days=8):
            fire = next_fire_utc(r, moment)
            assert fire > moment
            assert fire - moment <= dt.timedelta(hours=25)
            local = fire.astimezone(zone)
            assert (local.hour, local.minute) == (8, 0)
            fires.add(fire)
            moment += dt.timedelta(hours=1)
        dates = sorted(f.astimezone(zone).date() for f in fires)
        assert len(dates) == len(set(dates))  # never twice on one day
        assert all((b - a).days == 1 for a, b in itertools.pairwise(dates))


def test_spring_forward_0230_fires_at_first_valid_instant() -> None:
    # 29 March 2026, Berlin: 02:00 CET jumps to 03:00 CEST (= 01:00 UTC); 02:30 never happens.
    r = daily(2, 30)
    fire = next_fire_utc(r, utc(2026, 3, 28, 12, 0))
    assert fire == utc(2026, 3, 29, 1, 0)
    assert fire.astimezone(ZoneInfo(BERLIN)).strftime("%H:%M %Z") == "03:00 CEST"
    # and the day after it is a normal 02:30 CEST = 00:30 UTC
    assert next_fire_utc(r, fire) == utc(2026, 3, 30, 0, 30)


def test_fall_back_ambiguous_0230_fires_once_at_first_occurrence() -> None:
    # 25 October 2026, Berlin: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    r = daily(2, 30)
    first = next_fire_utc(r, utc(2026, 10, 24, 12, 0))
    assert first == utc(2026, 10, 25, 0, 30)
    # after the first occurrence the next fire is the next day, not the repeat at 01:30 UTC
    assert next_fire_utc(r, first) == utc(2026, 10, 26, 1, 30)


def test_other_zone_new_york() -> None:
    # US DST starts Sunday 8 March 2026: 09:00 EST = 14:00 UTC, 09:00 EDT = 13:00 UTC
    r = daily(9, tz="America/New_York")
    assert next_fire_utc(r, utc(2026, 3, 7, 0, 0)) == utc(2026, 3, 7, 14, 0)
    assert next_fire_utc(r, utc(2026, 3, 7, 14, 0)) == utc(2026, 3, 8, 13, 0)


def test_fire_is_strictly_after() -> None:
    r = daily(8)
    assert next_fire_utc(r, utc(2026, 1, 15, 7, 0)) == utc(2026, 1, 16, 7, 0)
    assert next_fire_utc(r, utc(2026, 1, 15, 6, 59)) == utc(2026, 1, 15, 7, 0)


def test_weekly_monday_0900_across_dst() -> None:
    r = Reminder(ReminderKind.WEEKLY, 2000.0, dt.time(9, 0), BERLIN, weekday=0)
    # Wed 25 March -> Mon 30 March 09:00 CEST = 07:00 UTC
    assert next_fire_utc(r, utc(2026, 3, 25, 0, 0)) == utc(2026, 3, 30, 7, 0)
    # Mon 23 March 09:00 CET = 08:00 UTC; one minute before fires that day
    assert next_fire_utc(r, utc(2026, 3, 23, 7, 59)) == utc(2026, 3, 23, 8, 0)
    assert next_fire_utc(r, utc(2026, 3, 23, 8, 0)) == utc(2026, 3, 30, 7, 0)


def test_weekly_near_midnight_uses_local_weekday() -> None:
    # Monday 00:30 in Berlin is still Sunday in UTC: 2026-01-04 23:30 UTC.
    r = Reminder(ReminderKind.WEEKLY, 2000.0, dt.time(0, 30), BERLIN, weekday=0)
    assert next_fire_utc(r, utc(2026, 1, 4, 12, 0)) == utc(2026, 1, 4, 23, 30)


def test_injection_every_four_weeks() -> None:
    r = Reminder(
        ReminderKind.EVERY_N_WEEKS,
        1000.0,
        dt.time(10, 0),
        BERLIN,
        every_weeks=4,
        start=dt.date(2026, 10, 1),
    )
    first = next_fire_utc(r, utc(2026, 9, 1, 0, 0))
    assert first == utc(2026, 10, 1, 8, 0)  # 10:00 CEST
    second = next_fire_utc(r, first)
    assert second == utc(2026, 10, 29, 9, 0)  # 28 days later, 10:00 CET after DST ends


def test_injection_started_in_the_past() -> None:
    # from 1 Jan 2026 every 4 weeks: Jan 1, Jan 29, Feb 26, Mar 26, Apr 23, May 21, Jun 18
    r = Reminder(
        ReminderKind.EVERY_N_WEEKS,
        1000.0,
        dt.time(10, 0),
        BERLIN,
        every_weeks=4,
        start=dt.date(2026, 1, 1),
    )
    assert next_fire_utc(r, utc(2026, 6, 15, 0, 0)) == utc(2026, 6, 18, 8, 0)
    assert next_fire_utc(r, utc(2026, 5, 21, 7, 59)) == utc(2026, 5, 21, 8, 0)


def test_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire_utc(daily(8), dt.datetime(2026, 1, 1, 0, 0))


def test_snooze_is_one_real_hour_even_across_dst() -> None:
    # 00:30 UTC on 29 March is 01:30 CET; an hour later is 03:30 CEST (01:30 UTC)
    assert snooze(utc(2026, 3, 29, 0, 30)) == utc(2026, 3, 29, 1, 30)
    assert snooze(utc(2026, 1, 1, 7, 0), hours=2) == utc(2026, 1, 1, 9, 0)
    with pytest.raises(ValueError):
        snooze(utc(2026, 1, 1), hours=0)


def test_clock_helpers_shared_with_daily_push() -> None:
    # 23:30 UTC on 31 Dec is already 1 Jan in Berlin
    assert local_date_at(utc(2025, 12, 31, 23, 30), BERLIN) == dt.date(2026, 1, 1)
    assert next_local_occurrence_utc(dt.time(7, 30), BERLIN, utc(2026, 7, 1)) == utc(
        2026, 7, 1, 5, 30
    )


# --- parsing --------------------------------------------------------------------------


def test_parse_daily() -> None:
    r = parse_remind("daily 1000 08:00", BERLIN, TODAY)
    assert r == Reminder(ReminderKind.DAILY, 1000.0, dt.time(8, 0), BERLIN)
    assert parse_remind("daily 10ug 7:30", BERLIN, TODAY).local_time == dt.time(7, 30)
    assert parse_remind("tablet 250 mcg 21:00", BERLIN, TODAY).dose_ug == 250.0


def test_parse_weekly() -> None:
    r = parse_remind("weekly 2000 mon 09:00", BERLIN, TODAY)
    assert (r.kind, r.dose_ug, r.weekday, r.local_time) == (
        ReminderKind.WEEKLY,
        2000.0,
        0,
        dt.time(9, 0),
    )
    assert parse_remind("weekly 2000 Sunday 18:15", BERLIN, TODAY).weekday == 6


def test_parse_injection() -> None:
    r = parse_remind("injection 1000 every 4 weeks 10:00 from 2026-12-01", BERLIN, TODAY)
    assert r.kind is ReminderKind.EVERY_N_WEEKS and r.is_injection
    assert (r.every_weeks, r.start, r.local_time) == (4, dt.date(2026, 12, 1), dt.time(10, 0))
    default = parse_remind("injection 1000 every 12 weeks 10:00", BERLIN, TODAY)
    assert default.start == TODAY and default.every_weeks == 12


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "What should I remind you of"),
        ("monthly 5 08:00", "not a reminder type"),
        ("daily", "Add the dose"),
        ("daily abc 08:00", "'abc' is not a dose"),
        ("daily 0 08:00", "not plausible"),
        ("daily 50000 08:00", "not plausible"),
        ("daily 1000", "Add the time"),
        ("daily 1000 25:00", "'25:00' is not a valid time"),
        ("daily 1000 13pm", "with am/pm the hour is 1 to 12"),
        ("daily 1000 9h75", "'9h75' is not a valid time"),
        ("daily 1000 µg 9am " + "x" * 200, "too long"),
        ("weekly 2000 09:00", "dose, the weekday and the time"),
        ("weekly 2000 xyz 09:00", "'xyz' is not a weekday"),
        ("injection 1000 10:00", "every <N> weeks"),
        ("injection 1000 every 0 weeks 10:00", "from 1 to 52"),
        ("injection 1000 every four weeks 10:00", "from 1 to 52"),
        ("injection 1000 every 4 weeks 10:00 from 01/12/2026", "YYYY-MM-DD"),
        ("injection 1000 every 4 weeks 10:00 from 2030-01-01", "within a year"),
        ("injection 1000 every 4 weeks 10:00 tomorrow", "did not understand"),
    ],
)
def test_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(ReminderInputError) as exc:
        parse_remind(text, BERLIN, TODAY)
    assert fragment in str(exc.value)


def test_errors_show_examples() -> None:
    with pytest.raises(ReminderInputError) as exc:
        parse_remind("fortnightly 5 08:00", BERLIN, TODAY)
    assert "/remind daily 1000 08:00" in str(exc.value)


def test_bad_zone_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        daily(8, tz="Mars/Olympus")


def test_describe_and_round_trip() -> None:
    r = parse_remind("injection 1000 every 4 weeks 10:00 from 2026-12-01", BERLIN, TODAY)
    assert r.describe() == (
        "Injection: 1,000 µg every 4 weeks from 2026-12-01 at 10:00 (Europe/Berlin)"
    )
    assert Reminder.from_dict(r.to_dict()) == r
    w = parse_remind("weekly 2000 mon 09:00", BERLIN, TODAY)
    assert w.describe() == "Weekly: 2,000 µg every Monday at 09:00 (Europe/Berlin)"
    assert Reminder.from_dict(w.to_dict()) == w


# ---------------------------------------------------------------------- time and dose in any order


@pytest.mark.parametrize(
    "text",
    ["daily 08:00 1000", "daily 1000 08:00", "daily 08:00 1000 µg", "tablet 1000 mcg 08:00"],
)
def test_remind_daily_takes_time_and_dose_in_either_order(text: str) -> None:
    r = parse_remind(text, BERLIN, TODAY)
    assert (r.kind, r.dose_ug, r.local_time) == (ReminderKind.DAILY, 1000.0, dt.time(8, 0))


def test_remind_weekly_and_injection_in_any_order() -> None:
    for text in ("weekly 2000 mon 09:00", "weekly mon 09:00 2000", "weekly 09:00 2000 mon"):
        r = parse_remind(text, BERLIN, TODAY)
        assert (r.dose_ug, r.weekday, r.local_time) == (2000.0, 0, dt.time(9, 0))
    r = parse_remind("injection 10:00 1000 every 4 weeks from 2026-12-01", BERLIN, TODAY)
    assert (r.every_weeks, r.local_time, r.start) == (4, dt.time(10), dt.date(2026, 12, 1))


@pytest.mark.parametrize("text", ["daily 25:00 100", "daily 100 25:00", "daily 08:61 100"])
def test_remind_invalid_time_says_so(text: str) -> None:
    with pytest.raises(ReminderInputError) as exc:
        parse_remind(text, BERLIN, TODAY)
    message = str(exc.value)
    assert "is not a valid time" in message and "00:00 to 23:59" in message
    assert "not a dose" not in message


def test_remind_two_times_is_refused() -> None:
    with pytest.raises(ReminderInputError, match="one time"):
        parse_remind("daily 08:00 09:00 1000", BERLIN, TODAY)


def test_every_n_weeks_reminders_match_on_the_same_injection_days() -> None:
    def injection(start: dt.date, weeks: int = 4) -> Reminder:
        return Reminder(
            ReminderKind.EVERY_N_WEEKS,
            1000.0,
            dt.time(10, 0),
            "Europe/Berlin",
            every_weeks=weeks,
            start=start,
        )

    first = injection(dt.date(2026, 12, 1))
    assert first.same_schedule(injection(dt.date(2026, 12, 29)))  # four weeks later
    assert not first.same_schedule(injection(dt.date(2026, 12, 8)))
    assert not first.same_schedule(injection(dt.date(2026, 12, 1), weeks=2))


@pytest.mark.parametrize(
    ("text", "dose", "hour", "minute"),
    [
        ("daily 1000 µg at 9am", 1000.0, 9, 0),
        ("daily 1000mcg 9:00", 1000.0, 9, 0),
        ("daily 1000 ug 21h", 1000.0, 21, 0),
        ("daily 1 mg 9.30pm", 1000.0, 21, 30),
        ("daily 2,5 mg 8h30", 2500.0, 8, 30),
        ("daily 1000 at 9", 1000.0, 9, 0),
        ("1000 µg daily at 9 am", 1000.0, 9, 0),
        ("tablet 500 µg 12am", 500.0, 0, 0),
        ("daily 500 12pm", 500.0, 12, 0),
    ],
)
def test_typed_reminders_are_read_generously(
    text: str, dose: float, hour: int, minute: int
) -> None:
    r = parse_remind(text, BERLIN, TODAY)
    assert (r.kind, r.dose_ug, r.local_time) == (ReminderKind.DAILY, dose, dt.time(hour, minute))


def test_weekly_with_words_between() -> None:
    r = parse_remind("weekly 2000 µg on monday at 9am", BERLIN, TODAY)
    assert (r.weekday, r.dose_ug, r.local_time) == (0, 2000.0, dt.time(9, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9am", dt.time(9, 0)),
        ("9 AM", dt.time(9, 0)),
        ("9:00", dt.time(9, 0)),
        ("21h", dt.time(21, 0)),
        ("9.30pm", dt.time(21, 30)),
        ("9.30 p.m.", dt.time(21, 30)),
        ("00:05", dt.time(0, 5)),
    ],
)
def test_parse_clock_time_forms(text: str, expected: dt.time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize("text", ["9", "24:00", "0am", "9:60", "nine", "9:00" * 10])
def test_parse_clock_time_refuses(text: str) -> None:
    with pytest.raises(ReminderInputError):
        parse_clock_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000", 1000.0),
        ("1000 µg", 1000.0),
        ("1000μg", 1000.0),
        ("1000mcg", 1000.0),
        ("1000 ug", 1000.0),
        ("1 mg", 1000.0),
        ("2,5 mg", 2500.0),
        ("0.5", 0.5),
    ],
)
def test_parse_dose_forms(text: str, expected: float) -> None:
    assert parse_dose_ug(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["0", "11 mg", "abc", "1000 g", "-5", "1" * 30])
def test_parse_dose_refuses(text: str) -> None:
    with pytest.raises(ReminderInputError):
        parse_dose_ug(text)


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("de", "Tägliche Tablette: 1.000 µg um 08:00 (Europe/Berlin)"),
        ("es", "Comprimido diario: 1.000 µg a las 08:00 (Europe/Berlin)"),
        ("fr", "Comprimé quotidien : 1\u202f000 µg à 08:00 (Europe/Berlin)"),
    ],
)
def test_reminders_and_their_input_errors_read_in_the_users_language(lang: str, said: str) -> None:
    with in_language(lang):
        assert parse_remind("daily 1000 08:00", BERLIN, TODAY).describe() == said
        weekly = parse_remind("weekly 2000 mon 09:00", BERLIN, TODAY).describe()
        injection = parse_remind("injection 1000 every 4 weeks 10:00", BERLIN, TODAY).describe()
        with pytest.raises(ReminderInputError) as caught:
            parse_remind("daily 1000 25:00", BERLIN, TODAY)
    assert {"de": "Montag", "es": "lunes", "fr": "lundi"}[lang] in weekly
    assert {"de": "alle 4 Wochen", "es": "cada 4 semanas", "fr": "toutes les 4 semaines"}[
        lang
    ] in injection
    message = str(caught.value)
    assert "25:00" in message and english_left(message.split("\n")[0]) == []
    assert message.split("\n")[1] != "Examples:"  # the examples are translated too


@pytest.mark.parametrize(
    ("text", "kind", "weekday", "every"),
    [
        ("täglich 2,5 mg 08:00", ReminderKind.DAILY, None, None),
        ("diario 500 a las 08:00", ReminderKind.DAILY, None, None),
        ("wöchentlich 2000 montag 09:00", ReminderKind.WEEKLY, 0, None),
        ("semanal 2000 cada viernes 09:00", ReminderKind.WEEKLY, 4, None),
        ("hebdomadaire 2000 chaque dimanche 09:00", ReminderKind.WEEKLY, 6, None),
        ("Spritze 1000 alle 4 Wochen 10:00 ab 2026-11-30", ReminderKind.EVERY_N_WEEKS, None, 4),
        ("inyección 1000 cada 2 semanas 10:00", ReminderKind.EVERY_N_WEEKS, None, 2),
        ("injection 1000 toutes les 3 semaines 10:00 à partir du 2026-11-30",
         ReminderKind.EVERY_N_WEEKS, None, 3),
    ],
)  # fmt: skip
def test_remind_accepts_german_spanish_and_french_words(
    text: str, kind: ReminderKind, weekday: int | None, every: int | None
) -> None:
    r = parse_remind(text, BERLIN, TODAY)
    assert (r.kind, r.weekday, r.every_weeks) == (kind, weekday, every)
    assert r.dose_ug in (2500.0, 500.0, 2000.0, 1000.0)
