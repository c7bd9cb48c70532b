"""The lines a settings reply adds about reshaped plans: which meal changed and why."""

from __future__ import annotations

import datetime as dt

from ptb_offline import check_html, visible_text
from translated import in_language

from bot.chat.render.replan import MAX_CHANGE_LINES, render_day_changes
from bot.core.languages import localized_name
from bot.core.models import DayPlan, PlannedMeal, RecipeSet, Slot
from bot.core.replan import MealChange, Replanned

TODAY = dt.date(2026, 11, 24)


def day(date: dt.date, *meals: tuple[Slot, str]) -> DayPlan:
    return DayPlan(
        date=date,
        meals=tuple(PlannedMeal(s, rid, 1, 1.0, 400.0, 10.0) for s, rid in meals),
        target_ug=2.4,
        b12_ug=1.0 * len(meals),
        b12_absorbed_ug=0.5,
        kcal=400.0 * len(meals),
        protein_g=10.0,
    )


def some_recipes(shipped: RecipeSet, n: int) -> list[str]:
    return sorted(shipped.recipes)[:n]


def test_today_names_the_meal_and_why_and_later_days_carry_their_date(shipped: RecipeSet) -> None:
    a, b, c = some_recipes(shipped, 3)
    today = Replanned(
        day(TODAY, (Slot.BREAKFAST, a), (Slot.LUNCH, b)),
        (MealChange(Slot.LUNCH, c, b, "it had eggs, which you excluded"),),
        kept_ticked=(Slot.BREAKFAST,),
        changed=True,
    )
    tomorrow = Replanned(
        day(TODAY + dt.timedelta(days=1), (Slot.DINNER, a)),
        (MealChange(Slot.SNACK, c, None, "you turned off snack"),),
        changed=True,
    )
    html = render_day_changes(
        [(TODAY, today), (TODAY + dt.timedelta(days=1), tomorrow)], shipped, TODAY
    )
    check_html(html)
    text = visible_text(html)
    name_a, name_b = shipped.recipes[a].name, shipped.recipes[b].name
    assert f"✅ Breakfast stays ({name_a}): you already ticked it." in text
    assert f"🔄 Lunch changed: it had eggs, which you excluded. Now: {name_b}." in text
    assert "➖ Tomorrow: Snack removed: you turned off snack." in text


def test_nothing_changed_says_so_and_nothing_stored_says_nothing(shipped: RecipeSet) -> None:
    (a,) = some_recipes(shipped, 1)
    same = Replanned(day(TODAY, (Slot.LUNCH, a)))
    assert render_day_changes([(TODAY, same)], shipped, TODAY).startswith("📅 Your plan stays")
    assert render_day_changes([], shipped, TODAY) == ""


def test_many_changes_are_summed_up(shipped: RecipeSet) -> None:
    a, b = some_recipes(shipped, 2)
    days = [
        (
            TODAY + dt.timedelta(days=i),
            Replanned(
                day(TODAY + dt.timedelta(days=i), (Slot.LUNCH, b)),
                (MealChange(Slot.LUNCH, a, b, "it isn't vegan"),),
                changed=True,
            ),
        )
        for i in range(12)
    ]
    lines = render_day_changes(days, shipped, TODAY).splitlines()
    assert len(lines) == MAX_CHANGE_LINES
    assert lines[-1] == f"… and {12 - MAX_CHANGE_LINES + 1} more changes: see /week."


def test_a_german_user_reads_the_changes_in_german(shipped: RecipeSet) -> None:
    a, b, c = some_recipes(shipped, 3)
    tomorrow = TODAY + dt.timedelta(days=1)
    result = Replanned(
        day(tomorrow, (Slot.BREAKFAST, a), (Slot.LUNCH, b)),
        (MealChange(Slot.LUNCH, c, b, "es enthielt Eier, was Sie ausgeschlossen haben"),),
        kept_ticked=(Slot.BREAKFAST,),
        changed=True,
    )
    with in_language("de"):
        text = render_day_changes([(tomorrow, result)], shipped, TODAY)
        nothing = render_day_changes([(TODAY, Replanned(day(TODAY)))], shipped, TODAY)
    check_html(text)
    shown = visible_text(text)
    lunch = localized_name(shipped.recipes[b], "de")
    why = "es enthielt Eier, was Sie ausgeschlossen haben"
    assert f"🔄 Morgen: Mittagessen geändert: {why}. Jetzt: {lunch}." in shown
    assert "✅ Morgen: Frühstück bleibt (" in shown and "Sie haben es schon abgehakt." in shown
    assert nothing == "📅 Ihr Plan bleibt, wie er ist: Nichts darin ist betroffen."
