"""Daily tally, summaries and the evening gap suggestion."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.models import Diet, Kind, Nutrients, Profile, Recipe, RecipeSet, Slot, diet_for_kinds
from bot.core.tally import (
    DayTally,
    day_tally,
    format_summary,
    gap_suggestion,
    last_n_days,
    snacks_for,
    summarise,
)

TODAY = dt.date(2026, 10, 30)


def curve(d: float) -> float:
    """The README's absorption curve, written out here independently of bot.core.nutrition."""
    return 1.24 * d / (1.53 + d) + 0.01 * d


def test_curve_reference_points() -> None:
    # README: 0.50 of 1 µg, 1.00 of 5 µg, 1.42 of 25 µg
    assert curve(1) == pytest.approx(0.50, abs=0.005)
    assert curve(5) == pytest.approx(1.00, abs=0.005)
    assert curve(25) == pytest.approx(1.42, abs=0.005)


def test_day_tally_sums_and_absorbs_each_meal_and_dose_separately() -> None:
    t = day_tally(TODAY, [1.0, 1.2, 0.8], [1.0, 0.8], [10.0])
    assert t.planned_ug == pytest.approx(3.0)
    assert t.eaten_ug == pytest.approx(1.8)
    assert t.supplement_ug == pytest.approx(10.0)
    assert t.intake_ug == pytest.approx(11.8)
    assert t.absorbed_ug == pytest.approx(curve(1.0) + curve(0.8) + curve(10.0))
    # splitting helps: the same 1.8 µg eaten in one meal absorbs less
    one_meal = day_tally(TODAY, [], [1.8])
    assert one_meal.absorbed_ug < day_tally(TODAY, [], [1.0, 0.8]).absorbed_ug


def test_large_supplement_dose_absorbs_about_eleven_ug() -> None:
    # 1.24*1000/1001.53 + 0.01*1000 = 1.238 + 10 = 11.24 µg
    t = day_tally(TODAY, [], [], [1000.0])
    assert t.absorbed_ug == pytest.approx(11.24, abs=0.01)
    assert t.supplement_ug == 1000.0


def test_injections_are_kept_apart_from_oral_intake() -> None:
    t = day_tally(TODAY, [2.0], [0.5], [], [1000.0])
    assert t.injection_ug == 1000.0
    assert t.intake_ug == pytest.approx(0.5)
    assert t.absorbed_ug == pytest.approx(curve(0.5))  # injection not run through oral curve


def test_negative_amounts_refused() -> None:
    with pytest.raises(ValueError, match="eaten"):
        day_tally(TODAY, [], [-1.0])


def test_short_of() -> None:
    t = day_tally(TODAY, [], [1.0, 0.4])
    assert t.short_of(2.4) == pytest.approx(1.0)
    assert day_tally(TODAY, [], [2.0], [0.5]).short_of(2.4) == 0.0


def _tally(days_ago: int, eaten: float, supplement: float = 0.0, planned: float = 3.0) -> DayTally:
    """`eaten` spread over three meals, as a plan would spread it."""
    meals = [eaten / 3] * 3
    return day_tally(TODAY - dt.timedelta(days=days_ago), [planned], meals, [supplement])


def test_one_big_meal_reaches_the_intake_but_not_the_target() -> None:
    """3 µg in one meal: about 0.85 µg absorbed, under half of 2.4 µg, so not on target."""
    one_meal = day_tally(TODAY, [3.0], [3.0])
    assert one_meal.short_of(2.4) == 0.0
    assert not one_meal.meets(2.4)
    assert day_tally(TODAY, [3.0], [1.0, 1.0, 1.0]).meets(2.4)
    text = format_summary(summarise([one_meal], 2.4, TODAY))
    assert "target reached" not in text and "spread it over more meals" in text


def test_summarise_windows_averages_and_days_meeting_target() -> None:
    tallies = [
        _tally(0, 1.0),  # today, short
        _tally(1, 3.0),  # meets
        _tally(3, 2.0, 10.0),  # meets thanks to supplement
        _tally(6, 2.4),  # meets exactly (edge of the 7-day window)
        _tally(7, 5.0),  # outside last 7, inside last 30
        _tally(29, 0.5),  # last day of the 30-day window
        _tally(30, 9.0),  # outside both windows
    ]
    s = summarise(tallies, 2.4, TODAY)
    assert s.today is not None and s.today.eaten_ug == 1.0
    assert s.last7.days_logged == 4
    assert s.last7.days_meeting_target == 3
    assert s.last7.avg_intake_ug == pytest.approx((1.0 + 3.0 + 12.0 + 2.4) / 4)
    assert s.last7.avg_eaten_ug == pytest.approx((1.0 + 3.0 + 2.0 + 2.4) / 4)
    assert s.last7.avg_supplement_ug == pytest.approx(10.0 / 4)
    assert s.last30.days_logged == 6
    assert s.last30.days_meeting_target == 4
    assert s.last30.avg_intake_ug == pytest.approx((1.0 + 3.0 + 12.0 + 2.4 + 5.0 + 0.5) / 6)
    assert s.last30.avg_planned_ug == pytest.approx(3.0)


def test_summarise_empty_and_duplicates() -> None:
    s = summarise([], 2.4, TODAY)
    assert s.today is None and s.last7.days_logged == 0 and s.last7.avg_intake_ug == 0.0
    assert "nothing logged" in format_summary(s)
    with pytest.raises(ValueError, match="two tallies"):
        summarise([_tally(0, 1.0), _tally(0, 2.0)], 2.4, TODAY)


def test_format_summary_is_phone_text() -> None:
    s = summarise([_tally(0, 1.0, 10.0), _tally(2, 1.0)], 2.4, TODAY)
    text = format_summary(s)
    assert "Today: 11.0 µg (food 1.0 µg, supplement 10.0 µg) — target reached." in text
    assert "Last 7 days: 6.0 µg/day on average over 2 logged days; target met on 1" in text
    short = format_summary(summarise([_tally(0, 1.5)], 2.4, TODAY))
    assert "0.9 µg to go" in short


def test_last_n_days() -> None:
    tallies = [_tally(i, 1.0) for i in (40, 29, 0, 5)]
    window = last_n_days(tallies, TODAY, 30)
    assert [t.date for t in window] == [TODAY - dt.timedelta(days=i) for i in (29, 5, 0)]


# --- gap suggestion on a hand-built RecipeSet -----------------------------------------


def _recipe(
    rid: str,
    name: str,
    b12: float,
    kinds: set[Kind],
    items: tuple[str, ...],
    meals: tuple[Slot, ...] = (Slot.SNACK,),
    time_min: int = 5,
) -> Recipe:
    share = b12 / len(items)
    return Recipe(
        id=rid,
        name=name,
        meals=meals,
        servings=1,
        time_min=time_min,
        ingredients=(),
        steps=("Serve.",),
        tags=(),
        diet=diet_for_kinds(kinds),
        per_serving=Nutrients(kcal=150.0, protein_g=8.0, b12_ug=b12),
        grams_per_serving={i: 100.0 for i in items},
        b12_by_item={i: share for i in items},
        fortified_b12=False,
        main_b12_source=items[0] if b12 > 0 else None,
    )


RECIPES = RecipeSet(
    ingredients={},
    recipes={
        r.id: r
        for r in (
            _recipe("yogurt", "Greek yogurt with berries", 1.28, {Kind.DAIRY}, ("greek_yogurt",)),
            _recipe("egg", "Hard-boiled egg", 0.56, {Kind.EGG}, ("egg",)),
            _recipe("sardine_toast", "Sardines on toast", 4.5, {Kind.FISH}, ("sardines", "bread")),
            _recipe("soy_shake", "Fortified soy milk shake", 2.7, {Kind.PLANT}, ("soymilk",)),
            _recipe("yeast_popcorn", "Nutritional-yeast popcorn", 1.5, {Kind.PLANT}, ("yeast",)),
            _recipe("apple", "Apple slices", 0.0, {Kind.PLANT}, ("apple",)),
            # a big-B12 dish that is not a snack must never be suggested
            _recipe(
                "mackerel", "Grilled mackerel", 19.0, {Kind.FISH}, ("mackerel",), (Slot.DINNER,)
            ),
        )
    },
)


def test_snacks_for_respects_diet_and_exclusions() -> None:
    vegan = {r.id for r in snacks_for(RECIPES, Profile(diet=Diet.VEGAN))}
    assert vegan == {"soy_shake", "yeast_popcorn", "apple"}
    veg = {
        r.id for r in snacks_for(RECIPES, Profile(diet=Diet.VEGETARIAN, exclude=frozenset({"egg"})))
    }
    assert veg == {"yogurt", "soy_shake", "yeast_popcorn", "apple"}


def test_gap_picks_smallest_snack_that_closes_it() -> None:
    text = gap_suggestion(RECIPES, Profile(diet=Diet.OMNIVORE), 1.0)
    assert "Greek yogurt with berries" in text  # 1.28 is the least that still covers 1.0
    assert "1.0 µg short" in text
    text = gap_suggestion(RECIPES, Profile(diet=Diet.OMNIVORE), 2.0)
    assert "Fortified soy milk shake" in text  # 2.7 closes 2.0; 1.28 and 1.5 do not


def test_gap_respects_diet() -> None:
    text = gap_suggestion(RECIPES, Profile(diet=Diet.VEGAN), 1.0)
    assert "Nutritional-yeast popcorn" in text
    assert "yogurt" not in text.lower()


def test_gap_respects_exclusions() -> None:
    profile = Profile(diet=Diet.VEGAN, exclude=frozenset({"yeast"}))
    assert "Fortified soy milk shake" in gap_suggestion(RECIPES, profile, 1.0)


def test_gap_too_big_names_closest_snack_and_the_rest() -> None:
    text = gap_suggestion(RECIPES, Profile(diet=Diet.VEGAN), 3.5)
    assert "Fortified soy milk shake" in text  # 2.7, the most a vegan snack gives
    assert "0.8 µg would still be missing" in text  # 3.5 - 2.7
    assert "mackerel" not in text.lower()


def test_gap_with_no_fitting_snack_points_to_supplement_or_clinician() -> None:
    profile = Profile(diet=Diet.VEGAN, exclude=frozenset({"soymilk", "yeast"}))
    text = gap_suggestion(RECIPES, profile, 1.0)
    assert "clinician" in text and "supplement" in text
    assert "apple" not in text.lower()  # 0 µg snacks never close a gap
    with_supp = gap_suggestion(RECIPES, profile, 1.0, takes_supplement=True)
    assert "today's supplement" in with_supp


def test_gap_met() -> None:
    assert "reached your B12 target" in gap_suggestion(RECIPES, Profile(), 0.0)


# --- regimens: weekly doses, tablets with meals ------------------------------------------


def test_weekly_dose_covers_its_day_and_the_six_after() -> None:
    from bot.core.tally import covered_days, weekly_cover

    monday = dt.date(2026, 11, 2)
    doses = [(monday, 2000.0, False)]
    assert weekly_cover(monday, doses) == 2000.0
    assert weekly_cover(monday + dt.timedelta(days=6), doses) == 2000.0
    assert weekly_cover(monday + dt.timedelta(days=7), doses) == 0.0
    assert weekly_cover(monday - dt.timedelta(days=1), doses) == 0.0
    week = covered_days(doses, monday - dt.timedelta(days=2), monday + dt.timedelta(days=9))
    assert sorted(week) == [monday + dt.timedelta(days=i) for i in range(7)]


def test_small_daily_tablet_covers_only_its_day_unless_from_a_weekly_regimen() -> None:
    from bot.core.tally import weekly_cover

    monday = dt.date(2026, 11, 2)
    tuesday = monday + dt.timedelta(days=1)
    assert weekly_cover(tuesday, [(monday, 10.0, False)]) == 0.0
    assert weekly_cover(tuesday, [(monday, 1000.0, True)]) == 1000.0  # weekly reminder


def test_covered_day_is_not_short_and_counts_as_meeting_the_target() -> None:
    covered = day_tally(TODAY, [2.4], [0.5], weekly_cover_ug=2000.0)
    plain = day_tally(TODAY, [2.4], [0.5])
    assert covered.covered and covered.short_of(2.4) == 0.0 and covered.meets(2.4)
    assert plain.short_of(2.4) == pytest.approx(1.9) and not plain.meets(2.4)
    summary = summarise([covered], 2.4, TODAY)
    assert summary.last7.days_meeting_target == 1
    assert "covered by your weekly 2,000 µg dose" in format_summary(summary)


def test_tablet_within_an_hour_of_a_meal_is_one_dose_with_it() -> None:
    breakfast = dt.datetime(2026, 10, 30, 8, 0, tzinfo=dt.UTC)
    with_meal = day_tally(
        TODAY,
        [],
        [2.0],
        [10.0],
        eaten_times=[breakfast],
        dose_times=[breakfast + dt.timedelta(minutes=40)],
    )
    apart = day_tally(
        TODAY,
        [],
        [2.0],
        [10.0],
        eaten_times=[breakfast],
        dose_times=[breakfast + dt.timedelta(hours=3)],
    )
    untimed = day_tally(TODAY, [], [2.0], [10.0])
    assert with_meal.absorbed_ug == pytest.approx(curve(12.0))
    assert apart.absorbed_ug == pytest.approx(curve(2.0) + curve(10.0))
    assert untimed.absorbed_ug == apart.absorbed_ug
    assert with_meal.intake_ug == apart.intake_ug == 12.0


def test_tablet_joins_the_nearest_meal_only() -> None:
    from bot.core.tally import absorption_doses

    t0 = dt.datetime(2026, 10, 30, 12, 0, tzinfo=dt.UTC)
    doses = absorption_doses(
        [(1.0, t0), (2.0, t0 + dt.timedelta(minutes=50))],
        [(10.0, t0 + dt.timedelta(minutes=40))],
    )
    assert doses == [1.0, 12.0]


def test_times_must_match_the_meals_and_doses() -> None:
    with pytest.raises(ValueError):
        day_tally(TODAY, [], [1.0, 2.0], eaten_times=[None])


def test_gap_suggestion_uses_the_regions_values(shipped: RecipeSet) -> None:
    us = gap_suggestion(shipped, Profile(diet=Diet.VEGAN, region="us"), 2.5)
    uk = gap_suggestion(shipped, Profile(diet=Diet.VEGAN, region="uk"), 2.5)
    assert us != uk
    assert "Total" not in uk
