"""The add-a-result button flow through the real Application offline, tapping only buttons
(marker -> unit -> value -> date -> saved), with Back, Cancel, the date picker, forged taps, and
the typed forms people write ("/levels B12 280 ng/L")."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import (
    Call,
    OfflineBot,
    OfflineChat,
    all_text,
    answers,
    is_png,
    onboard,
    press,
    texts,
    visible_text,
)

from bot.chat.jobs.tracking import run_tracking_tick_now
from bot.core.labs import NG_L, PG_PER_PMOL, PMOL_L, Marker

TODAY = dt.date(2026, 11, 24)  # the fake clock's day
UTC = dt.UTC


def shown(chat: OfflineChat) -> str:
    return visible_text(chat.messages()[-1].text)


async def test_total_b12_by_buttons_only_gets_the_nice_band(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels")
    count = len(chat.messages())
    await press(chat, "➕ Add a result")
    await press(chat, "Total B12 (serum)")
    await press(chat, "ng/L")
    for key in ("2", "8", "0"):
        await press(chat, key)
    assert "280 ng/L" in shown(chat)
    await press(chat, "OK ✅")
    calls = await press(chat, "Today")
    assert "Result saved ✅" in answers(calls)
    text = shown(chat)
    assert "Saved result #1" in text and "280 ng/L" in text
    assert "indeterminate" in text  # NICE NG239: 180-350 ng/L
    assert "GP or MS team" in text and "not a diagnosis" in text
    assert len(chat.messages()) == count  # the /levels message, edited in place
    (lab,) = await bot.tracking.labs(4242)
    assert (lab.result.marker, lab.result.value, lab.result.unit) == (Marker.SERUM, 280.0, NG_L)
    assert lab.result.taken_on == TODAY


async def test_active_b12_with_back_and_the_date_picker(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add")
    await press(chat, "Total B12 (serum)")
    await press(chat, "◀ Back")
    await press(chat, "Active B12 (holoTC)")
    message_buttons = Call("", {"reply_markup": chat.messages()[-1].reply_markup}).buttons
    assert [t for t, _ in message_buttons][:1] == ["pmol/L"]  # active B12: pmol/L only
    assert "ng/L" not in [t for t, _ in message_buttons]
    await press(chat, "pmol/L")
    for key in ("4", "5", ".", "5"):
        await press(chat, key)
    await press(chat, "OK ✅")
    await press(chat, "📅 Pick a day")
    await press(chat, "◀ Oct 2026")
    await press(chat, "2")
    assert "Saved result #1" in shown(chat)
    (lab,) = await bot.tracking.labs(4242)
    assert (lab.result.marker, lab.result.value, lab.result.unit) == (Marker.HOLOTC, 45.5, PMOL_L)
    assert lab.result.taken_on == dt.date(2026, 10, 2)


async def test_cancel_and_implausible_values_store_nothing(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels")
    await press(chat, "➕ Add a result")
    await press(chat, "Total B12 (serum)")
    await press(chat, "pmol/L")
    await press(chat, "5")
    calls = await press(chat, "OK ✅")
    assert "not a possible" in answers(calls)[0]  # 5 pmol/L: a typo, not a result
    await press(chat, "✖ Cancel")
    assert "No result added" in shown(chat)
    assert await bot.tracking.labs(4242) == []


async def test_a_second_tap_on_the_day_saves_one_result(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add")
    await press(chat, "Total B12 (serum)")
    await press(chat, "pg/mL")
    await press(chat, "4")
    await press(chat, "0")
    await press(chat, "0")
    await press(chat, "OK ✅")
    message = chat.messages()[-1]
    day = next(
        d for t, d in Call("", {"reply_markup": message.reply_markup}).buttons if t == "Yesterday"
    )
    await chat.tap_data(day, message)
    calls = await chat.tap_data(day, message)
    assert "already saved" in answers(calls)[0]
    (lab,) = await bot.tracking.labs(4242)
    assert lab.result.taken_on == TODAY - dt.timedelta(days=1)


async def test_forged_lab_taps_are_refused(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels")
    message = chat.messages()[-1]
    for data in (
        "v1:lw:s:s:n:280:271201",  # a future day
        "v1:lw:s:s:n:280:991301",  # no 13th month
        "v1:lw:s:a:n:45:261120",  # active B12 in ng/L
        "v1:lw:s:s:n:99999:261120",  # implausible
        "v1:lw:s:s:n::261120",  # no value
        "v1:lw:p:s:n:280:1501",  # a picker month before the reach back
        "v1:lw:s:q:n:280:261120",  # unknown marker
    ):
        calls = await chat.tap_data(data, message)
        assert answers(calls), data
    assert await bot.tracking.labs(4242) == []


async def test_typed_levels_without_add(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/levels B12 280 ng/L")
    assert "Saved result #1" in visible_text(calls[-1].text)
    calls = await chat.send("/levels active 45 pmol/L")
    assert "Saved result #2" in visible_text(calls[-1].text)
    labs = await bot.tracking.labs(4242)
    assert [lab.result.marker for lab in labs] == [Marker.SERUM, Marker.HOLOTC]


async def test_levels_in_two_units_convert_and_impossible_values_are_refused(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("/levels add serum 320 pg/mL 2026-10-02")
    text = all_text(calls)
    assert "Saved result #1" in text and "not a diagnosis" in text
    assert "236 pmol/L" in text  # 320 / 1.355 = 236.2
    calls = await chat.send("/levels add serum 150 pmol/L 2026-11-20")
    text = all_text(calls)
    assert f"{150 * PG_PER_PMOL:.0f} pg/mL" in text  # 203 pg/mL
    assert "indeterminate" in text
    calls = await chat.send("/levels add serum 320000 pg/mL")
    assert "not a possible" in all_text(calls)
    calls = await chat.send("/levels add serum 320 mg/dL")
    assert "mg/dL" in all_text(calls) or "unit" in all_text(calls)
    labs = await bot.tracking.labs(4242)
    assert [lab.result.canonical_value for lab in labs] == pytest.approx([320.0, 150 * 1.355])

    bot.request.files.clear()
    calls = await chat.send("/levels")
    text = all_text(calls)
    assert "#1. 2026-10-02" in text and "#2. 2026-11-20" in text
    assert "not a diagnosis" in text and "clinician" in text
    photos = bot.request.uploads("sendPhoto")
    assert len(photos) == 1 and is_png(photos[0])  # one marker -> one chart


async def test_levels_add_serum_320_ng_per_l_is_indeterminate_with_the_gp_line(
    bot: OfflineBot,
) -> None:
    chat = bot.chat()
    await onboard(chat)
    text = all_text(await chat.send("/levels add serum 320 ng/L"))
    assert "indeterminate" in text and "NICE NG239" in text
    assert "contact your GP or MS team soon" in text
    assert "numbness, weakness, balance or memory" in text
    assert "supplements and injections change test results" in text
    assert "adequate" not in text.lower()
    assert "preferred test" not in text  # only with the pregnancy flag
    calls = await chat.send("/levels add active 61 pg/mL")
    assert "in pmol/L" in all_text(calls)
    assert len(await bot.tracking.labs(chat.user.id)) == 1  # refused, not stored

    text = all_text(await chat.send("/levels"))
    assert "Latest serum B12" in text and "indeterminate" in text
    assert text.count("contact your GP or MS team soon") == 1  # once per list, not per line
    assert "supplements and injections change test results" in text


async def test_levels_tell_a_pregnant_user_that_active_b12_is_preferred(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await bot.services.users.update(chat.user.id, life_stage="pregnant")
    text = all_text(await chat.send("/levels add serum 400 ng/L"))
    assert "deficiency unlikely" in text
    assert "active B12 (holoTC) is the preferred test" in text
    assert "does not rule out a deficiency" in text
    assert "active B12 (holoTC) is the preferred test" in all_text(await chat.send("/levels"))


async def test_retest_reminder_is_due_months_after_the_latest_result(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add active 45 pmol/L 2026-09-30")
    calls = await chat.send("/levels retest 5")
    assert "due Sun 28 Feb 2027" in all_text(calls)  # 30 Sep + 5 months, clamped
    retest = await bot.tracking.get_retest(4242)
    assert retest is not None and retest.due_date == dt.date(2027, 2, 28)
    # 07:30 in Berlin (the user's plan time) on the due day
    assert retest.next_fire_utc == dt.datetime(2027, 2, 28, 6, 30, tzinfo=UTC)
    bot.clock.set(retest.next_fire_utc)
    bot.request.clear()
    outcome = await run_tracking_tick_now(bot.app)
    assert outcome.retests == 1
    assert "retest" in all_text(bot.request.calls)
    calls = await chat.send("/levels retest 99")
    assert "1 to 36" in all_text(calls)


async def test_lab_numbers_shown_saved_and_deleted_are_the_same(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add serum 320 pg/mL 2026-10-02")
    await chat.send("/levels add serum 410 pg/mL 2026-11-20")
    calls = await chat.send("/levels add serum 280 pg/mL 2026-09-01")  # back-dated
    assert "Saved result #3: 2026-09-01" in visible_text(texts(calls)[0])
    listed = visible_text(texts(await chat.send("/levels"))[0])
    assert listed.index("#3. 2026-09-01") < listed.index("#1. 2026-10-02")
    calls = await chat.send("/levels delete 1")
    assert "Removed result #1: 2026-10-02" in visible_text(texts(calls)[0])
    left = await bot.tracking.labs(chat.user.id)
    assert [(lab.number, lab.result.taken_on.isoformat()) for lab in left] == [
        (3, "2026-09-01"),
        (2, "2026-11-20"),
    ]
    calls = await chat.send("/levels delete 1")  # already gone: nothing else removed
    assert "#2, #3" in visible_text(texts(calls)[0])
    assert len(await bot.tracking.labs(chat.user.id)) == 2


# -------------------------------------------------------------------- /progress and /levels charts


async def test_levels_sends_one_album_for_several_markers(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/levels add serum 320 pg/mL 2026-10-02")
    await chat.send("/levels add mma 0.3 umol/L 2026-11-20")
    await chat.send("/levels add mma 0.25 umol/L 2026-11-22")
    bot.request.files.clear()
    calls = await chat.send("/levels")
    assert [c.method for c in calls] == ["sendMessage", "sendMediaGroup"]
    pngs = [data for data in bot.request.uploads("sendMediaGroup")]
    assert len(pngs) == 2 and all(p.startswith(b"\x89PNG") for p in pngs)


# ---------------------------------------------------------------------- names and amounts as typed


async def test_a_german_user_adds_results_typed_with_commas_and_by_buttons(
    bot: OfflineBot,
) -> None:
    """German words, decimal commas and the glossary's band words, typed and tapped."""
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/language de")
    typed = all_text(await chat.send("/levels add mma 0,35 umol/l"))
    assert "Wert #1 gespeichert" in typed and "MMA 0,35 µmol/L" in typed
    assert "grenzwertig" in typed and "keine Diagnose" in typed
    local = all_text(await chat.send("/levels Serum 150 ng/L"))
    assert "Mangel wahrscheinlich" in local and "Hausarzt/Ihre Hausärztin oder Ihr MS-Team" in local

    listed = all_text(await chat.send("/levels"))
    assert "Ihre B12-Laborwerte" in listed and "Neuester Wert Serum-B12" in listed
    await press(chat, "➕ Wert eintragen")
    await press(chat, "Gesamt-B12 (Serum)")
    await press(chat, "ng/L")
    for key in ("2", "8", ",", "5"):
        await press(chat, key)
    assert "28,5 ng/L" in shown(chat)
    await press(chat, "OK ✅")
    saved = all_text(await press(chat, "Heute"))
    assert "Wert #3 gespeichert" in saved and "Serum-B12 28,5 ng/L" in saved
