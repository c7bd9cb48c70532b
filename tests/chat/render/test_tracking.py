"""Tracking texts: check-off toasts, tallies and logged extras, with the same
rounding as the plan."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from ptb_offline import visible_text
from translated import english_left, in_language

from bot.chat.render.format import fmt_ug as plan_fmt_ug
from bot.chat.render.tracking import (
    checkoff_toast,
    render_dose_again,
    render_dose_logged,
    render_evening_check,
    render_evening_status,
    render_extra_logged,
    render_log,
    render_product_set,
    render_progress,
    tally_line,
)
from bot.core.models import RecipeSet, UserSettings
from bot.core.plan_rules import CLINICIAN_LINE
from bot.core.reminders import Reminder, ReminderKind
from bot.core.tally import day_tally, fmt_ug, gap_suggestion, summarise

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


def test_tracking_texts_round_like_the_plan() -> None:
    toast = checkoff_toast("breakfast", "eaten", 0.57, None, 2.4)
    assert "+0.6 µg" in toast and "0.57" not in toast
    for value in (0.05, 0.57, 0.95, 1.25, 2.4, 12.34):
        assert fmt_ug(value) == plan_fmt_ug(value)
    assert fmt_ug(1000.0) == "1,000"  # doses keep their thousands separator
    day = day_tally(TODAY, [0.57], [0.57])
    assert "0.6 of 2.4 µg" in visible_text(tally_line(day, 2.4))


def test_ate_by_amount_says_the_amount_once() -> None:
    first_line = render_extra_logged(None, 1.2, None, 2.4).splitlines()[0]
    assert first_line == "➕ Logged 1.2 µg B12 from food."
    named = render_extra_logged("Tofu scramble", 0.8, None, 2.4).splitlines()[0]
    assert named == "➕ Logged Tofu scramble: 0.8 µg B12."


def test_target_reached_only_when_the_absorbed_rule_holds_too() -> None:
    # 2.4 µg in one meal reaches the total, but only ~0.8 µg is absorbed (rule: >= 1.2)
    one_meal = day_tally(TODAY, [2.4], [2.4])
    line = visible_text(tally_line(one_meal, 2.4))
    assert "target reached" not in line and "✅" not in line
    assert "absorbed about 0.8 µg, under half the target (1.2 µg)" in line
    spread = day_tally(TODAY, [0.8, 0.8, 0.8], [0.8, 0.8, 0.8])  # ~1.3 µg absorbed
    assert "target reached ✅" in visible_text(tally_line(spread, 2.4))
    short = day_tally(TODAY, [2.4], [1.0])
    assert "1.4 µg to go" in visible_text(tally_line(short, 2.4))
    covered = dataclasses.replace(short, weekly_cover_ug=2000.0)  # a weekly dose covers it
    line = visible_text(tally_line(covered, 2.4))
    assert "covered by your weekly 2,000 µg dose ✅" in line and "to go" not in line


def test_clinician_managed_tallies_claim_nothing_and_nag_nothing() -> None:
    for absorption in ("impaired", "injections"):
        user = UserSettings(user_id=1, chat_id=1, absorption=absorption)
        line = visible_text(tally_line(day_tally(TODAY, [2.4], [1.0]), 2.4, user))
        assert "to go" not in line and "reached" not in line and "of 2.4" not in line
        assert CLINICIAN_LINE in line
        toast = checkoff_toast("lunch", "eaten", 1.0, day_tally(TODAY, [2.4], [1.0]), 2.4, user)
        assert "of 2.4" not in toast and "1.0 µg logged" in toast
    injections = UserSettings(user_id=1, chat_id=1, absorption="injections")
    status = render_evening_status(True, dt.time(19, 0), injections)
    assert "no evening “short of target” messages" in status


# ---------------------------------------------------------------------- other languages


def _week() -> list:  # type: ignore[type-arg]
    """Three logged days: today short of the target, two days meeting it."""
    return [
        day_tally(TODAY, [2.4], [0.8], [10.0]),
        day_tally(TODAY - dt.timedelta(days=1), [2.4], [0.9, 0.9, 0.9]),
        day_tally(TODAY - dt.timedelta(days=3), [2.4], [1.25, 1.25, 1.25]),
    ]


def test_progress_in_german_has_decimal_commas_and_no_english() -> None:
    summary = summarise(_week(), 2.4, TODAY)
    english = visible_text(render_progress(summary))
    with in_language("de"):
        text = visible_text(render_progress(summary))
    assert "Ihr B12-Verlauf" in text and "B12-Ziel: 2,4 µg/Tag" in text
    assert "Heute: 10,8 µg (Essen 0,8 µg, Präparat 10,0 µg)" in text
    assert "Letzte 7 Tage:" in text and "an 3 eingetragenen Tagen" in text
    assert "Arzt" in text  # the clinician line, in German
    assert not english_left(text), english_left(text)
    assert "2.4" not in text and "10.8" not in text
    assert "B12 target: 2.4 µg/day" in english  # English unchanged


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("es", ("Su progreso de B12", "Objetivo de B12: 2,4 µg/día", "Últimos 30 días")),
        ("fr", ("Votre suivi de B12", "Objectif de B12 : 2,4 µg/jour", "30 derniers jours")),
    ],
)
def test_progress_in_spanish_and_french(lang: str, words: tuple[str, ...]) -> None:
    with in_language(lang):
        text = visible_text(render_progress(summarise(_week(), 2.4, TODAY)))
    assert all(w in text for w in words), text
    assert not english_left(text), english_left(text)


def test_a_logged_dose_and_a_second_dose_question_in_german() -> None:
    day = day_tally(TODAY, [2.4], [0.57], [1.5])
    with in_language("de"):
        logged = visible_text(render_dose_logged(1.5, "oral", day, 2.4))
        again = visible_text(render_dose_again(1.5, 12, 2.5, "injection"))
        toast = checkoff_toast("breakfast", "eaten", 0.57, day, 2.4)
    assert logged.startswith("💊 Präparat mit 1,5 µg eingetragen.")
    assert "2,1 von 2,4 µg B12 (Essen 0,6 µg, Präparat 1,5 µg)" in logged
    assert "Di., 24. Nov." in logged  # the day the German way
    assert again.startswith("Sie haben vor 12 Min. schon 1,5 µg eingetragen.")
    assert "Spritze mit 2,5 µg" in again and "„Eingenommen“" in again
    assert toast == "Frühstück: gegessen (+0,6 µg B12). Heute 2,1 von 2,4 µg"
    for text in (logged, again, toast):
        assert not english_left(text), english_left(text)


def test_log_and_its_buttons_in_french(shipped: RecipeSet) -> None:
    from bot.core.models import DayPlan, PlannedMeal, Slot

    recipe = shipped.for_slot(Slot.BREAKFAST)[0]
    meal = PlannedMeal(Slot.BREAKFAST, recipe.id, 1, recipe.b12_ug, 300.0, 10.0)
    plan = DayPlan(TODAY, (meal,), 2.4, recipe.b12_ug, 0.5, 300.0, 10.0)
    with in_language("fr"):
        text, markup = render_log(plan, shipped, [], None, 2.4, title="Repas")
    labels = [b.text for row in markup.inline_keyboard for b in row]
    shown = visible_text(text)
    assert "Cochez ce que vous avez mangé :" in shown
    assert recipe.names["fr"] in shown  # the dish in French
    assert "Rien d'enregistré aujourd'hui pour l'instant (objectif 2,4 µg de B12)." in shown
    assert "<code>/ate 1,5</code>" in text
    assert labels == ["✅ Petit-déjeuner mangé", "⏭ Sauté", "🍽 Autre chose"]
    assert not english_left(shown), english_left(shown)


def test_evening_check_in_german_names_the_gap_and_a_snack(shipped: RecipeSet) -> None:
    from bot.core.exclusions import profile

    user = UserSettings(user_id=1, chat_id=1, language="de")
    day = day_tally(TODAY, [2.4], [1.0])
    with in_language("de"):
        advice = gap_suggestion(shipped, profile(user, shipped), 1.4)
        text = visible_text(render_evening_check(advice, day, 2.4, user))
        status = visible_text(render_evening_status(True, dt.time(20, 30), user))
    assert text.startswith("🌙 Abend-Check\nHeute fehlen Ihnen 1,4 µg zu Ihrem B12-Ziel.")
    assert "noch 1,4 µg" in text and "µg B12 pro Portion" in text
    assert "Abend-Check: an, um 20:30 Ihrer Zeit." in status
    for shown in (text, status):
        assert not english_left(shown), english_left(shown)


def test_a_saved_product_value_in_spanish() -> None:
    with in_language("es"):
        text = render_product_set("Bebida de soja", 0.38, "100 ml", 0.4)
    assert text.startswith("🥛 Guardado: Bebida de soja tiene 0,4 µg de B12 por 100 ml")
    assert not english_left(text), english_left(text)


def test_english_tracking_texts_are_unchanged() -> None:
    day = day_tally(TODAY, [2.4], [0.57], [1.5])
    assert visible_text(render_dose_logged(1.5, "oral", day, 2.4)).startswith(
        "💊 Logged a supplement of 1.5 µg.\n📊 Tue 24 Nov: 2.1 of 2.4 µg B12 (food 0.6 µg, "
        "supplement 1.5 µg) · 0.3 µg to go"
    )
    assert render_dose_again(10.0, 0, 10.0, "oral", typed=False) == (
        "You already logged 10.0 µg just now. Log another dose of 10.0 µg?"
    )


def test_faq_answer_frame_in_german() -> None:
    from bot.chat.render.tracking import render_faq_answer, render_faq_unknown

    with in_language("de"):
        answer = render_faq_answer("1") or ""
        unknown = visible_text(render_faq_unknown("zauber"))
    assert "<i>Quellen: " in answer and answer.endswith("\n/faq für alle Fragen.")
    assert unknown.startswith("Eine Frage „zauber“ habe ich nicht.")
    assert (render_faq_answer("1") or "").endswith("\n/faq for all questions.")
