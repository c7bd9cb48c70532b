"""The weekly summary's text and chart: what it says for a logged week, an empty week and a
clinician-managed user, a food idea that fits the diet, and a caption Telegram accepts."""

from __future__ import annotations

import datetime as dt

from ptb_offline import check_html, visible_text
from translated import english_left, in_language

from bot.chat.render.weekly import render_weekly
from bot.chat.render.weekly_chart import weekly_chart
from bot.core.models import Diet, UserSettings
from bot.core.tally import day_tally
from bot.core.weekly import MealTick, build_weekly

SUNDAY = dt.date(2026, 11, 29)
CAPTION_LIMIT = 1024  # Telegram's photo caption limit


def week(diet: Diet, absorption: str = "normal"):  # type: ignore[no-untyped-def]
    user = UserSettings(user_id=1, chat_id=1, diet=diet, target_ug=2.4, absorption=absorption)
    tallies, ticks = [], []
    for i in range(6):
        day = SUNDAY - dt.timedelta(days=i)
        tallies.append(day_tally(day, [], [1.0, 0.2, 1.4], [10.0] if i % 2 else []))
        ticks += [
            MealTick(day, "breakfast", "eaten", 1.0),
            MealTick(day, "lunch", "eaten", 0.2),
            MealTick(day, "dinner", "eaten", 1.4),
        ]
    return build_weekly(user, SUNDAY, tallies, ticks)


def test_a_logged_week_names_days_on_target_averages_and_the_weak_meal() -> None:
    html = render_weekly(week(Diet.VEGAN))
    check_html(html)
    text = visible_text(html)
    assert len(text) < CAPTION_LIMIT
    assert "Mon 23 Nov – Sun 29 Nov" in text
    assert "On target 6 of 7 days (6 days logged)" in text
    assert "2.6 µg a day from food and 5.0 µg from supplements" in text
    assert "Lunch was most often skipped or light on B12 (6 of 6 days)" in text
    assert "fortified plant milk" in text and "eggs" not in text  # a vegan idea
    assert "/weekly off" in text


def test_the_food_idea_follows_the_diet() -> None:
    assert "fish" in visible_text(render_weekly(week(Diet.OMNIVORE)))
    assert "fish" not in visible_text(render_weekly(week(Diet.VEGETARIAN)))


def test_clinician_managed_users_get_their_log_without_a_target_count_or_idea() -> None:
    text = visible_text(render_weekly(week(Diet.VEGAN, absorption="injections")))
    assert "Your clinician manages your B12" in text
    assert "On target" not in text and "An idea" not in text


def test_an_empty_week_says_how_to_fill_it_in() -> None:
    user = UserSettings(user_id=1, chat_id=1)
    text = visible_text(render_weekly(build_weekly(user, SUNDAY, [], [])))
    assert "Nothing was logged this week" in text and "On target" not in text


def test_the_chart_is_a_png_of_the_week() -> None:
    summary = week(Diet.VEGAN)
    png = weekly_chart(summary.days, summary.target_ug, summary.start)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_the_summary_reads_in_german_with_decimal_commas() -> None:
    summary = week(Diet.VEGAN)
    with in_language("de"):
        html = render_weekly(summary)
        chart = weekly_chart(summary.days, 2.4, SUNDAY - dt.timedelta(days=6))
    check_html(html)
    text = visible_text(html)
    assert "Ihre Woche in B12" in text and "Mo., 23. Nov." in text
    assert "Ziel an 6 von 7 Tagen erreicht (6 Tage eingetragen)" in text
    assert "2,6 µg" in text and "2.6" not in text
    assert english_left(text) == [], text
    assert chart.startswith(b"\x89PNG")
