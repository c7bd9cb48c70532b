"""Reminder texts and the new-reminder button flow: the messages, the callback codec that
carries the flow's state (every field range-checked), and the steps' keyboards."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import Call, visible_text
from translated import english_left, in_language

from bot.chat.render.reminders import (
    INJECTION as INJ,
)
from bot.chat.render.reminders import (
    TABLET as TAB,
)
from bot.chat.render.reminders import (
    ReminderDraft,
    reminder_step,
    render_reminder_message,
)
from bot.core.reminders import Reminder, ReminderInputError, ReminderKind
from bot.core.tally import day_tally

TODAY = dt.date(2026, 11, 24)
INJECTION = Reminder(
    ReminderKind.EVERY_N_WEEKS,
    1000.0,
    dt.time(8, 0),
    "Europe/Berlin",
    every_weeks=4,
    start=dt.date(2026, 11, 1),
)
TABLET = Reminder(ReminderKind.DAILY, 500.0, dt.time(8, 0), "Europe/Berlin")


def test_injection_reminder_does_not_promise_the_daily_tally() -> None:
    text = visible_text(render_reminder_message(INJECTION))
    assert "daily tally" not in text  # bot.core.tally keeps injections out of the oral tally
    assert "recorded in your log (shown apart from food)" in text
    assert "counts in your daily tally" in visible_text(render_reminder_message(TABLET))
    # and the tally indeed leaves the injection out of intake
    day = day_tally(TODAY, [], [], injection_doses_ug=[1000.0])
    assert day.injection_ug == 1000.0 and day.intake_ug == 0.0


def test_reminder_message_names_the_injection_once() -> None:
    text = visible_text(render_reminder_message(INJECTION))
    assert text.lower().count("injection") == 1 and text.count("1,000 µg") == 1
    assert text.startswith("⏰ Injection: 1,000 µg every 4 weeks")
    text = visible_text(render_reminder_message(TABLET, snoozed=True))
    assert text.startswith("⏰ Daily tablet: 500 µg at 08:00") and text.count("500 µg") == 1
    assert "It's time (snoozed reminder): tap ✅ Taken" in text


def test_draft_round_trips_through_callback_data_under_64_bytes() -> None:
    longest = ReminderDraft(INJ, "9999.99", "m", "2359", "n52@261231")
    data = longest.encode("c")
    assert len(data.encode()) <= 64
    assert ReminderDraft.decode(data) == ("c", longest)


@pytest.mark.parametrize(
    "data",
    [
        "v1:rw:c:t:1000:u:2460:d",  # minute 60
        "v1:rw:c:t:1000:u:0900:w7",  # weekday 7
        "v1:rw:c:i:1000:u:0900:n53@261201",  # 53 weeks
        "v1:rw:c:i:1000:u:0900:n4@261332",  # no such date
        "v1:rw:c:t:1000:u:0900:n4",  # a tablet cannot be every N weeks
        "v1:rw:c:z:1000:u:0900:d",  # unknown kind
        "v1:rw:c:t:1e9:u:0900:d",  # not pad digits
        "v1:rw:c:t:12345678:u:0900:d",  # too long for the pad
        "v1:rw:q:t:1000:u:0900:d",  # unknown step
        "v1:rw:c:t:1000:u:0900",  # a field short
    ],
)
def test_forged_drafts_are_refused(data: str) -> None:
    assert ReminderDraft.decode(data) is None


def test_draft_gives_the_reminder_it_shows() -> None:
    weekly = ReminderDraft(TAB, "1", "m", "0930", "w2").reminder("Europe/Berlin", TODAY)
    assert (weekly.kind, weekly.dose_ug, weekly.weekday) == (ReminderKind.WEEKLY, 1000.0, 2)
    assert weekly.local_time == dt.time(9, 30)
    shot = ReminderDraft(INJ, "1000", "u", "1000", "n4@261125").reminder("UTC", TODAY)
    assert (shot.every_weeks, shot.start) == (4, dt.date(2026, 11, 25))
    with pytest.raises(ReminderInputError, match="not plausible"):
        ReminderDraft(TAB, "11", "m", "0930", "d").reminder("UTC", TODAY)
    with pytest.raises(ReminderInputError, match="first injection"):
        ReminderDraft(INJ, "1000", "u", "1000", "n4@260101").reminder("UTC", TODAY)


def test_dose_step_offers_only_the_users_own_doses() -> None:
    _, markup = reminder_step("d", ReminderDraft(TAB), [], TODAY, "UTC")
    labels = [label for label, _ in Call("", {"reply_markup": markup.to_dict()}).buttons]
    assert not any("µg" in label and label[0].isdigit() for label in labels)
    _, markup = reminder_step("d", ReminderDraft(TAB), [250.0, 1000.0], TODAY, "UTC")
    labels = [label for label, _ in Call("", {"reply_markup": markup.to_dict()}).buttons]
    assert "250 µg" in labels and "1,000 µg" in labels


def test_every_step_has_back_and_cancel_within_the_byte_limit() -> None:
    full = ReminderDraft(INJ, "1000", "u", "0900", "n4@261124")
    for step in "dthmswfc":
        draft = (
            full
            if step in "c"
            else ReminderDraft(
                INJ, "1000", "u", "09" if step == "m" else "0900", "n4" if step == "f" else ""
            )
        )
        text, markup = reminder_step(step, draft, [1000.0], TODAY, "Europe/Berlin")
        buttons = Call("", {"reply_markup": markup.to_dict()}).buttons
        labels = [label for label, _ in buttons]
        assert "◀ Back" in labels and "✖ Cancel" in labels, step
        assert all(len(data.encode()) <= 64 for _, data in buttons)
        assert visible_text(text).startswith("⏰ New reminder")


def test_lab_and_reminder_callbacks_do_not_collide() -> None:
    from bot.chat.render.labs import LabDraft

    assert LabDraft.decode(ReminderDraft(TAB).encode("d")) is None
    assert ReminderDraft.decode(LabDraft("s").encode("u")) is None


# --- other languages -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_reminder_texts_and_flow_are_translated(lang: str) -> None:
    weekly = Reminder(ReminderKind.WEEKLY, 2000.0, dt.time(9, 0), "Europe/Berlin", weekday=0)
    draft = ReminderDraft(TAB, "1000", "u", "0800", "d")
    with in_language(lang):
        texts = [
            render_reminder_message(INJECTION),
            render_reminder_message(TABLET, snoozed=True),
            render_reminder_message(weekly),
        ]
        steps = [reminder_step(s, draft, [500.0], TODAY, "Europe/Berlin") for s in "kdtswc"]
    for html in texts + [text for text, _ in steps]:
        assert english_left(visible_text(html)) == [], visible_text(html)
    assert {"de": "1.000 µg", "es": "1.000 µg", "fr": "1\u202f000 µg"}[lang] in texts[0]
    assert {"de": "Montag", "es": "lunes", "fr": "lundi"}[lang] in texts[2]
    labels = [b.text for _, markup in steps for row in markup.inline_keyboard for b in row]
    assert not {"Every day", "Tablet", "◀ Back", "✖ Cancel", "Today"} & set(labels)


def test_the_dose_pad_shows_a_decimal_comma_in_german() -> None:
    draft = ReminderDraft(TAB, "2.5", "m")
    with in_language("de"):
        text, markup = reminder_step("d", draft, [], TODAY, "Europe/Berlin")
    assert "2,5 mg" in visible_text(text)
    datas = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert all("2,5" not in str(d) for d in datas)  # callback data keeps the point
