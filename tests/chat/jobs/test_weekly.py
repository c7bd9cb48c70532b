"""The weekly summary job with a controlled clock: Sunday from 18:00 in the user's zone, once
per user and week — across repeated ticks, a crash after the claim and a second worker
process on the same database — and nothing for users who did not opt in."""

from __future__ import annotations

import datetime as dt

from ptb_offline import OfflineBot, TgUser, onboard, texts, visible_text

from bot.chat.jobs.weekly import run_weekly_tick_now

UTC = dt.UTC
ANA = 4242
BEN = 5151
# Berlin is UTC+1 in November: Sunday 29 Nov 2026, 18:00 local = 17:00 UTC
SUNDAY_1730_LOCAL = dt.datetime(2026, 11, 29, 16, 30, tzinfo=UTC)
SUNDAY_1805_LOCAL = dt.datetime(2026, 11, 29, 17, 5, tzinfo=UTC)


def weekly_sends(bot: OfflineBot) -> list[str]:
    """Captions of the summaries sent as photos, and summaries sent as text."""
    photos = [str(c.params.get("caption", "")) for c in bot.request.of("sendPhoto")]
    messages = [t for t in texts(bot.request.calls) if "Your week in B12" in t]
    return [visible_text(t) for t in photos + messages]


async def set_up(bot: OfflineBot) -> None:
    """Ana logs a meal and opts in; Ben is onboarded but never opts in."""
    ana = bot.chat()
    await onboard(ana)
    await ana.send("/today")
    await ana.tap("Breakfast eaten")
    calls = await ana.send("/weekly on")
    assert "Weekly summary on" in visible_text(texts(calls)[-1])
    await onboard(bot.chat(TgUser(id=BEN, first_name="Ben", username="ben")))
    bot.request.clear()


async def test_summary_is_sent_once_on_sunday_evening_and_again_next_week(
    bot: OfflineBot,
) -> None:
    await set_up(bot)
    bot.clock.set(SUNDAY_1730_LOCAL)
    assert (await run_weekly_tick_now(bot.app)).sent == 0  # 17:30 in Berlin: not yet

    bot.clock.set(SUNDAY_1805_LOCAL)
    outcome = await run_weekly_tick_now(bot.app)
    assert outcome.sent == 1
    (summary,) = weekly_sends(bot)
    assert "Your week in B12" in summary and "1 day logged" in summary
    assert "/weekly off" in summary
    assert [c.params["chat_id"] for c in bot.request.of("sendPhoto")] == [ANA]  # not Ben
    assert bot.request.uploads("sendPhoto")[0].startswith(b"\x89PNG")

    for later in (SUNDAY_1805_LOCAL + dt.timedelta(minutes=5), SUNDAY_1805_LOCAL.replace(hour=22)):
        bot.clock.set(later)
        assert (await run_weekly_tick_now(bot.app)).sent == 0
    assert len(weekly_sends(bot)) == 1

    bot.clock.set(SUNDAY_1805_LOCAL + dt.timedelta(days=7))
    assert (await run_weekly_tick_now(bot.app)).sent == 1
    assert len(weekly_sends(bot)) == 2
    assert await bot.tracking.count_sends("weekly", ANA) == 2
    assert await bot.tracking.count_sends("weekly", BEN) == 0


async def test_a_week_claimed_by_another_worker_or_left_by_a_crash_is_not_sent_again(
    bot: OfflineBot,
) -> None:
    """The ledger row is what counts: sent by another worker process, or claimed by a process
    that crashed before it could send (state 'sending'), the week gets no second summary.
    (Two worker processes on one PostgreSQL database: tests/services/test_weekly.py.)"""
    await set_up(bot)
    bot.clock.set(SUNDAY_1805_LOCAL)
    key = f"{ANA}@2026-11-23"  # the ISO week of Sunday 29 Nov starts on Monday 23 Nov
    assert await bot.tracking.claim_send(ANA, "weekly", key, now_utc=SUNDAY_1805_LOCAL)
    await bot.tracking.finish_send("weekly", key, "sent", 77, now_utc=SUNDAY_1805_LOCAL)
    assert (await run_weekly_tick_now(bot.app)).sent == 0

    next_week = SUNDAY_1805_LOCAL + dt.timedelta(days=7)
    assert await bot.tracking.claim_send(ANA, "weekly", f"{ANA}@2026-11-30", now_utc=next_week)
    bot.clock.set(next_week)
    assert (await run_weekly_tick_now(bot.app)).sent == 0
    assert weekly_sends(bot) == []


async def test_opted_out_users_get_nothing(bot: OfflineBot) -> None:
    await set_up(bot)
    calls = await bot.chat().send("/weekly off")
    assert "Weekly summary off" in visible_text(texts(calls)[-1])
    bot.clock.set(SUNDAY_1805_LOCAL)
    outcome = await run_weekly_tick_now(bot.app)
    assert outcome.sent == 0 and outcome.skipped == 0
    assert weekly_sends(bot) == []
    assert await bot.tracking.count_sends("weekly") == 0
