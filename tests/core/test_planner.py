"""Planner tests: exhaustive oracle on random sets, shipped-set coverage, swap, household, JSON."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random

import pytest
from planner_oracle import (
    TOL,
    allowed,
    ingredient_table,
    make_recipe,
    oracle,
    random_profile,
    random_recipe_set,
)
from repo_paths import REPO

from bot.core.models import DEFAULT_SLOTS, SLOT_ORDER, Diet, Profile, RecipeSet, Slot
from bot.core.nutrition import absorbed_ug
from bot.core.plan_codec import plan_from_dict, plan_to_dict
from bot.core.plan_rules import check_plan, combine_profiles
from bot.core.planner import plan_day
from bot.core.swap import swap
from bot.core.week import plan_week

DAY = dt.date(2026, 3, 2)


def _recompute(rs: RecipeSet, plan) -> tuple[float, float, int, float]:
    """Totals from the recipe set alone: (B12, absorbed, fortified meals, kcal) per person."""
    b12 = absorbed = kcal = 0.0
    fortified = 0
    for m in plan.meals:
        r = rs.recipes[m.recipe_id]
        dose = r.per_serving.b12_ug
        meal_kcal = r.per_serving.kcal
        fort = r.fortified_b12
        if m.topup_item:
            part = rs.ingredients[m.topup_item].per_100g.scaled(m.topup_grams / 100)
            dose += part.b12_ug
            meal_kcal += part.kcal
            fort = True
        b12 += dose
        absorbed += absorbed_ug(dose)
        kcal += meal_kcal
        fortified += fort
    return b12, absorbed, fortified, kcal


def _meets_everything(rs: RecipeSet, profile: Profile, plan, history) -> None:
    """Direct assertions of every hard rule (independent of check_plan)."""
    b12, absorbed, fortified, kcal = _recompute(rs, plan)
    assert b12 >= profile.target_ug - TOL
    assert absorbed >= profile.target_ug / 2 - TOL
    if profile.diet == Diet.VEGAN:
        assert fortified >= 2
    if profile.kcal_range:
        assert profile.kcal_range[0] - TOL <= kcal <= profile.kcal_range[1] + TOL
    assert [m.slot for m in plan.meals] == [s for s in SLOT_ORDER if s in profile.slots]
    assert len({m.recipe_id for m in plan.meals}) == len(plan.meals)
    for m in plan.meals:
        r = rs.recipes[m.recipe_id]
        assert profile.diet.allows(r.diet)
        assert not set(r.grams_per_serving) & profile.exclude
        assert m.slot in r.meals
        assert m.recipe_id not in history or m.recipe_id in plan.repeats
    assert plan.shortfall_ug == 0
    assert math.isclose(plan.b12_ug, b12, abs_tol=1e-9)
    assert math.isclose(plan.b12_absorbed_ug, absorbed, abs_tol=1e-9)


# --------------------------------------------------------------------------- oracle


def _random_case(rng: random.Random):
    rs = random_recipe_set(rng)
    profile = random_profile(rng, rs)
    history = rng.sample(sorted(rs.recipes), rng.randint(0, 6))
    day = DAY + dt.timedelta(days=rng.randint(0, 400))
    return rs, profile, history, day


def test_oracle_planner_finds_a_plan_whenever_one_exists() -> None:
    """Hundreds of random small sets: exhaustive search vs the planner (top-ups off)."""
    rng = random.Random(20260301)
    seen = {"fresh": 0, "repeats": 0, "infeasible": 0, "unfillable": 0}
    for _ in range(600):
        rs, profile, history, day = _random_case(rng)
        truth = oracle(rs, profile, set(history))
        plan = plan_day(rs, profile, day, history, allow_topups=False)
        problems = check_plan(rs, profile, plan, history)
        context = (profile, history, plan)
        # never under target while claiming to meet it
        b12, _, _, _ = _recompute(rs, plan)
        assert math.isclose(plan.shortfall_ug, max(0.0, profile.target_ug - b12), abs_tol=1e-9)
        for m in plan.meals:  # diet and exclusions hold in every case, feasible or not
            r = rs.recipes[m.recipe_id]
            assert profile.diet.allows(r.diet), context
            assert not set(r.grams_per_serving) & profile.exclude, context
            assert m.topup_item is None
        if not truth.slots_fillable:
            seen["unfillable"] += 1
            assert any(n.startswith("No ") for n in plan.notes), context
        elif truth.feasible_fresh:
            seen["fresh"] += 1
            assert problems == [], context
            assert plan.repeats == (), context
            _meets_everything(rs, profile, plan, set(history))
        elif truth.min_repeats is not None:
            seen["repeats"] += 1
            assert problems == [], context
            assert len(plan.repeats) == truth.min_repeats, context
            assert plan.repeats and any("Repeats" in n for n in plan.notes)
            _meets_everything(rs, profile, plan, set(history))
        else:
            seen["infeasible"] += 1
            assert problems, context  # the checker must see what is wrong
            assert plan.notes, context  # and the plan must say so
            if truth.best_key is not None:
                lo, hi = profile.kcal_range or (-math.inf, math.inf)
                b12, ab, fort, kcal = _recompute(rs, plan)
                need = 2 if profile.diet == Diet.VEGAN else 0
                key = (
                    float(lo - TOL <= kcal <= hi + TOL),
                    min(b12, profile.target_ug),
                    min(ab, profile.target_ug / 2),
                    float(min(fort, need)),
                )
                # the best possible plan: nothing gets closer to the target
                assert key == pytest.approx(truth.best_key), context
            if plan.shortfall_ug > 0:
                assert any("short of your" in n for n in plan.notes)
    # the generator must exercise every branch, or the test proves little
    assert all(count >= 20 for count in seen.values()), seen


def test_topups_only_when_no_plan_without_them() -> None:
    rng = random.Random(7)
    used = 0
    for _ in range(300):
        rs, profile, history, day = _random_case(rng)
        truth = oracle(rs, profile, set(history))
        plan = plan_day(rs, profile, day, history)
        if truth.feasible_fresh:
            assert all(m.topup_item is None for m in plan.meals)
            assert check_plan(rs, profile, plan, history) == []
        if plan.shortfall_ug == 0 and truth.slots_fillable and truth.min_repeats is None:
            used += any(m.topup_item for m in plan.meals)
        problems = check_plan(rs, profile, plan, history)
        if problems:  # never silently broken: each failed rule is explained in the notes
            text = " ".join(plan.notes)
            for problem, word in (("total B12", "short of"), ("absorbed", "absorbed")):
                assert not any(p.startswith(problem) for p in problems) or word in text
            assert not any("fortified B12 in only" in p for p in problems) or "Vegan" in text
        elif any(m.topup_item for m in plan.meals):
            # a top-up plan is a real plan: every rule holds with the top-up counted
            _meets_everything(rs, profile, plan, set(history))
    assert used >= 10  # top-ups rescue plans the recipes alone cannot make


def _low_b12_vegan_set() -> RecipeSet:
    """Vegan recipes with little B12 and no fortified food: needs a top-up."""
    table = ingredient_table()
    recipes = {}
    for slot in DEFAULT_SLOTS:
        for n in range(3):
            rid = f"{slot.value}_{n}"
            recipes[rid] = make_recipe(rid, (slot,), {"lentils": 100.0}, 0.0, 400.0, table)
    recipes["yeast_pasta"] = make_recipe(
        "yeast_pasta",
        (Slot.DINNER,),
        {"nutritional_yeast": 5.0, "lentils": 80.0},
        3.0,
        500.0,
        table,
        fortified=True,
    )
    return RecipeSet(ingredients=table, recipes=recipes)


def test_topup_closes_a_vegan_gap_and_is_counted_everywhere() -> None:
    rs = _low_b12_vegan_set()
    profile = Profile(diet=Diet.VEGAN, target_ug=2.4)
    plan = plan_day(rs, profile, DAY)
    assert check_plan(rs, profile, plan) == []
    assert plan.shortfall_ug == 0
    topped = [m for m in plan.meals if m.topup_item]
    assert topped, plan
    for m in topped:
        ing = rs.ingredients[m.topup_item]
        assert ing.fortified
        assert m.topup_label and ing.name in m.topup_label
        assert math.isclose(m.topup_b12_ug, ing.per_100g.b12_ug * m.topup_grams / 100)
        assert any(m.topup_label in n for n in plan.notes)
    _meets_everything(rs, profile, plan, set())
    # without top-ups the same profile cannot be met: plain shortfall + what would close it
    bare = plan_day(rs, profile, DAY, allow_topups=False)
    assert bare.shortfall_ug > 0 or check_plan(rs, profile, bare)
    assert any("adds" in n and "µg" in n for n in bare.notes)


def test_no_fortified_food_allowed_gives_shortfall_and_clinician_note() -> None:
    rs = _low_b12_vegan_set()
    fortified = frozenset(i for i, ing in rs.ingredients.items() if ing.fortified)
    profile = Profile(diet=Diet.VEGAN, target_ug=4.0, exclude=fortified)
    plan = plan_day(rs, profile, DAY)
    assert plan.shortfall_ug == pytest.approx(4.0 - plan.b12_ug)
    assert plan.shortfall_ug > 0
    assert not plan.meets_target
    text = " ".join(plan.notes)
    assert f"{plan.shortfall_ug:.1f} µg short" in text
    assert "clinician" in text and "supplement" in text
    assert all(m.topup_item is None for m in plan.meals)


# --------------------------------------------------------------------------- behaviour


def _medium_set(seed: int = 3) -> RecipeSet:
    return random_recipe_set(random.Random(seed), per_slot=(20, 25))


def test_same_inputs_same_plan_and_dates_vary() -> None:
    rs = _medium_set()
    profile = Profile(diet=Diet.OMNIVORE, target_ug=2.4)
    first = plan_day(rs, profile, DAY, ["breakfast_1"])
    again = plan_day(rs, profile, DAY, ["breakfast_1"])
    assert first == again
    days = {
        tuple(m.recipe_id for m in plan_day(rs, profile, DAY + dt.timedelta(days=i)).meals)
        for i in range(10)
    }
    assert len(days) >= 8  # seeded by date: different days look different


def test_history_is_avoided_when_alternatives_exist() -> None:
    rs = _medium_set()
    profile = Profile(diet=Diet.OMNIVORE, target_ug=2.4)
    plan = plan_day(rs, profile, DAY)
    history = [m.recipe_id for m in plan.meals]
    again = plan_day(rs, profile, DAY, history)
    assert not {m.recipe_id for m in again.meals} & set(history)
    assert check_plan(rs, profile, again, history) == []
    # the checker flags an undeclared repeat
    assert check_plan(rs, profile, plan, history)


def test_plan_week_has_variety_and_meets_rules() -> None:
    rs = _medium_set(5)
    profile = Profile(diet=Diet.VEGETARIAN, target_ug=2.8, slots=SLOT_ORDER)
    week = plan_week(rs, profile, DAY)
    assert [p.date for p in week] == [DAY + dt.timedelta(days=i) for i in range(7)]
    ids = [m.recipe_id for p in week for m in p.meals]
    history: list[str] = []
    for p in week:
        assert check_plan(rs, profile, p, history) == []
        history.extend(m.recipe_id for m in p.meals)
    assert len(ids) == len(set(ids))  # enough recipes: nothing twice in the week


def test_same_main_source_avoided_when_possible() -> None:
    rng = random.Random(11)
    for _ in range(40):
        rs = _medium_set(rng.randint(0, 10_000))
        plan = plan_day(rs, Profile(target_ug=1.0), DAY + dt.timedelta(days=rng.randint(0, 99)))
        sources = [rs.recipes[m.recipe_id].main_b12_source for m in plan.meals]
        sources = [s for s in sources if s]
        assert len(sources) == len(set(sources)), sources


def test_exclusions_and_diet_never_broken() -> None:
    rs = _medium_set()
    profile = Profile(diet=Diet.PESCATARIAN, exclude=frozenset({"egg", "salmon"}), target_ug=4)
    for i in range(20):
        plan = plan_day(rs, profile, DAY + dt.timedelta(days=i))
        for m in plan.meals:
            r = rs.recipes[m.recipe_id]
            assert "egg" not in r.grams_per_serving and "salmon" not in r.grams_per_serving
            assert r.diet != Diet.OMNIVORE
            assert m.topup_item not in profile.exclude


def test_kcal_range_respected() -> None:
    rs = _medium_set()
    profile = Profile(kcal_range=(1200.0, 1500.0), target_ug=2.4)
    for i in range(20):
        plan = plan_day(rs, profile, DAY + dt.timedelta(days=i))
        assert 1200 - TOL <= plan.kcal <= 1500 + TOL
        assert check_plan(rs, profile, plan) == []
    # an impossible range is reported, not hidden
    tight = Profile(kcal_range=(10.0, 20.0))
    plan = plan_day(rs, tight, DAY)
    assert any("kcal" in n for n in plan.notes)
    assert any("kcal" in p for p in check_plan(rs, tight, plan))


def _feasible_for_slot(rs: RecipeSet, profile: Profile, slot: Slot) -> set[str]:
    """Recipes for `slot` that appear in at least one plan meeting every rule (exhaustive)."""
    lists = [allowed(rs, profile, s) for s in profile.slots]
    idx = profile.slots.index(slot)
    need = 2 if profile.diet == Diet.VEGAN else 0
    lo, hi = profile.kcal_range or (-math.inf, math.inf)
    result = set()
    for combo in itertools.product(*lists):
        if len({r.id for r in combo}) < len(combo):
            continue
        b12 = [r.per_serving.b12_ug for r in combo]
        if (
            sum(b12) >= profile.target_ug - TOL
            and sum(absorbed_ug(d) for d in b12) >= profile.target_ug / 2 - TOL
            and sum(r.fortified_b12 for r in combo) >= need
            and lo - TOL <= sum(r.per_serving.kcal for r in combo) <= hi + TOL
        ):
            result.add(combo[idx].id)
    return result


def test_swap_walks_every_alternative_once_then_starts_over() -> None:
    rng = random.Random(99)
    walks = 0
    for _ in range(150):
        rs, profile, _, day = _random_case(rng)
        plan = plan_day(rs, profile, day, allow_topups=False)
        if check_plan(rs, profile, plan):
            continue
        slot = rng.choice(list(profile.slots))
        expected = _feasible_for_slot(rs, profile, slot)
        start = plan.meal(slot).recipe_id
        shown = [start]
        current = plan
        for _ in range(len(expected) + 1):
            current = swap(rs, profile, current, slot, allow_topups=False)
            assert check_plan(rs, profile, current) == [], current
            rid = current.meal(slot).recipe_id
            if rid in shown:
                break
            shown.append(rid)
        # every feasible alternative shown exactly once before the walk repeats
        assert set(shown) == expected, (shown, expected)
        assert len(shown) == len(set(shown))
        if len(expected) == 1:
            assert any("No other" in n for n in current.notes)
        walks += len(expected) > 2
        assert swap(rs, profile, plan, slot, allow_topups=False) == swap(
            rs, profile, plan, slot, allow_topups=False
        )
    assert walks >= 20


def test_swap_changes_only_the_slot_when_possible() -> None:
    rs = _medium_set()
    profile = Profile(target_ug=2.4)
    plan = plan_day(rs, profile, DAY)
    new = swap(rs, profile, plan, Slot.LUNCH)
    assert new.meal(Slot.LUNCH).recipe_id != plan.meal(Slot.LUNCH).recipe_id
    assert new.meal(Slot.BREAKFAST).recipe_id == plan.meal(Slot.BREAKFAST).recipe_id
    assert new.meal(Slot.DINNER).recipe_id == plan.meal(Slot.DINNER).recipe_id
    assert dict(new.swaps)[Slot.LUNCH] == (
        plan.meal(Slot.LUNCH).recipe_id,
        new.meal(Slot.LUNCH).recipe_id,
    )
    with pytest.raises(ValueError, match="snack"):
        swap(rs, profile, plan, Slot.SNACK)


# --------------------------------------------------------------------------- household


def test_combine_profiles_household() -> None:
    a = Profile(diet=Diet.OMNIVORE, target_ug=2.4, exclude=frozenset({"egg"}), name="Ana")
    b = Profile(
        diet=Diet.VEGETARIAN,
        target_ug=4.0,
        exclude=frozenset({"tofu"}),
        slots=SLOT_ORDER,
        kcal_range=(1000.0, 2500.0),
        name="Ben",
    )
    c = Profile(diet=Diet.PESCATARIAN, target_ug=2.8, kcal_range=(1500.0, 3000.0))
    both = combine_profiles([a, b, c])
    assert both.diet == Diet.VEGETARIAN
    assert both.target_ug == 4.0
    assert both.exclude == {"egg", "tofu"}
    assert both.slots == SLOT_ORDER
    assert both.kcal_range == (1500.0, 2500.0)
    assert combine_profiles([a]) == a
    assert combine_profiles([b, Profile(kcal_range=(3000.0, 4000.0))]).kcal_range is None
    with pytest.raises(ValueError):
        combine_profiles([])

    rs = _medium_set()
    plan = plan_day(rs, [a, b, c], DAY)
    assert all(m.servings == 3 for m in plan.meals)
    assert plan.target_ug == 4.0
    assert check_plan(rs, [a, b, c], plan) == []
    assert check_plan(rs, [a, b], plan)  # servings no longer match the household


# --------------------------------------------------------------------------- JSON


def test_plan_json_round_trip_with_topups_and_swaps() -> None:
    rs = _low_b12_vegan_set()
    profile = Profile(diet=Diet.VEGAN)
    plan = plan_day(rs, profile, DAY)
    plan = swap(rs, profile, plan, Slot.BREAKFAST)
    assert any(m.topup_item for m in plan.meals) and plan.swaps
    data = json.loads(json.dumps(plan_to_dict(plan)))
    assert plan_from_dict(data) == plan
    broken = dict(data)
    del broken["b12_ug"]
    with pytest.raises(ValueError, match="b12_ug"):
        plan_from_dict(broken)
    with pytest.raises(ValueError, match="malformed"):
        plan_from_dict({**data, "date": "yesterday"})


# --------------------------------------------------------------------------- shipped set


@pytest.mark.parametrize("slots", [DEFAULT_SLOTS, SLOT_ORDER], ids=["3 meals", "with snack"])
def test_shipped_set_every_diet_and_target_for_28_days(shipped: RecipeSet, slots) -> None:
    failures = []
    for diet, target in itertools.product(Diet, (2.4, 2.8, 4.0)):
        profile = Profile(diet=diet, target_ug=target, slots=slots)
        days: list[list[str]] = []
        for i in range(28):
            history = [rid for ids in days[-7:] for rid in ids]
            plan = plan_day(shipped, profile, DAY + dt.timedelta(days=i), history)
            problems = check_plan(shipped, profile, plan, history)
            if problems or plan.shortfall_ug > 0:
                failures.append((diet.value, target, i, problems, plan.notes))
            days.append([m.recipe_id for m in plan.meals])
    assert failures == []


def test_shipped_vegan_without_soy_yeast_or_fortified_food(shipped: RecipeSet) -> None:
    fortified = {i for i, ing in shipped.ingredients.items() if ing.fortified}
    soy_yeast = {i for i in shipped.ingredients if "soy" in i or "yeast" in i or "tofu" in i}
    profile = Profile(diet=Diet.VEGAN, target_ug=4.0, exclude=frozenset(fortified | soy_yeast))
    plan = plan_day(shipped, profile, DAY)
    assert plan.shortfall_ug > 0
    assert plan.shortfall_ug == pytest.approx(profile.target_ug - plan.b12_ug)
    assert any("clinician" in n for n in plan.notes)
    assert check_plan(shipped, profile, plan)  # and the checker says so too


# --------------------------------------------------------------------------- CLI


def _run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    from bot.cli.main import main

    code = main(["plan", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_days_meet_target(shipped: RecipeSet, capsys) -> None:
    code, out, _ = _run_cli(
        capsys, "--diet", "vegan", "--target", "4", "--days", "3", "--date", "2026-12-01", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert [d["date"] for d in data["days"]] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    for d in data["days"]:
        assert {"date", "meals", "b12_ug", "b12_absorbed_ug", "kcal", "shortfall_ug"} <= set(d)
        assert [m["slot"] for m in d["meals"]] == ["breakfast", "lunch", "dinner"]
        for m in d["meals"]:
            assert {"slot", "recipe_id", "servings", "b12_ug"} <= set(m)
            assert shipped.recipes[m["recipe_id"]].diet == Diet.VEGAN
        assert d["b12_ug"] >= 4.0 and d["shortfall_ug"] == 0
        assert d["b12_ug"] == pytest.approx(sum(m["b12_ug"] for m in d["meals"]), abs=0.01)
    assert data["shopping_list"] and any(i["fortified"] for i in data["shopping_list"])


def test_cli_text_exclusions_and_snack(shipped: RecipeSet, capsys) -> None:
    code, out, _ = _run_cli(
        capsys, "--diet", "vegetarian", "--exclude", "egg", "--snack", "--date", "2026-12-01"
    )
    assert code == 0
    assert "snack" in out and "✓" in out and "absorbed" in out and "Shopping list" in out
    assert "Egg, whole" not in out
    egg_recipes = [r.name for r in shipped.recipes.values() if "egg" in r.grams_per_serving]
    assert not any(name in out for name in egg_recipes)


def test_cli_unknown_exclude_word_exits_2(shipped: RecipeSet, capsys) -> None:
    code, out, err = _run_cli(capsys, "--exclude", "tofu,qqqzzz")
    assert code == 2
    assert "qqqzzz" in err and out == ""


def test_cli_shortfall_is_marked(shipped: RecipeSet, capsys) -> None:
    fortified = [i for i, ing in shipped.ingredients.items() if ing.fortified]
    code, out, _ = _run_cli(
        capsys, "--diet", "vegan", "--target", "4", "--exclude", ",".join(fortified)
    )
    assert code == 0
    assert "✗" in out and "clinician" in out


def test_swap_on_a_stale_plan_rebalances() -> None:
    """A stored plan whose other meal no longer fits (settings changed) still swaps cleanly."""
    rs = _medium_set()
    plan = plan_day(rs, Profile(diet=Diet.OMNIVORE), DAY)
    breakfast = rs.recipes[plan.meal(Slot.BREAKFAST).recipe_id]
    stricter = Profile(diet=Diet.OMNIVORE, exclude=frozenset(breakfast.grams_per_serving))
    new = swap(rs, stricter, plan, Slot.LUNCH)
    assert check_plan(rs, stricter, new) == []
    assert new.meal(Slot.BREAKFAST).recipe_id != breakfast.id


def test_plan_is_the_same_in_another_process() -> None:
    """Seeds come from hashlib, so str hash randomisation cannot change a plan."""
    import subprocess
    import sys

    code = (
        "import datetime as dt, json, random, sys\n"
        "sys.path.insert(0, 'tests/support')\n"
        "from planner_oracle import random_recipe_set\n"
        "from bot.core.models import Profile, Diet\n"
        "from bot.core.plan_codec import plan_to_dict\n"
        "from bot.core.week import plan_week\n"
        "rs = random_recipe_set(random.Random(3), per_slot=(20, 25))\n"
        "p = Profile(diet=Diet.VEGAN, target_ug=2.8, exclude=frozenset({'tofu', 'oats'}))\n"
        "week = plan_week(rs, p, dt.date(2026, 3, 2), ['lunch_1'])\n"
        "print(json.dumps([plan_to_dict(d) for d in week]))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1 and next(iter(outputs)).startswith("[")


# --------------------------------------------------------------------------- search budget


def test_search_cut_short_returns_the_closest_plan_with_an_honest_note(shipped: RecipeSet) -> None:
    from bot.core.planner import BUDGET_NOTE, SearchBudget, planner_for
    from bot.core.regions import for_region

    profile = Profile(diet=Diet.OMNIVORE, target_ug=2.4, kcal_range=(2000.0, 2100.0))
    planner = planner_for(for_region(shipped, profile.region))
    day = dt.date(2026, 1, 5)
    _, feasible = planner.solve(profile, random.Random(1), frozenset(), True)
    assert feasible, "the case under test: a range the whole search can meet"
    budget = SearchBudget(nodes=2)
    choice, feasible = planner.solve(profile, random.Random(1), frozenset(), True, budget=budget)
    assert budget.hit and not feasible
    plan = planner.build(profile, 1, day, choice, feasible, cut_short=budget.hit)
    assert BUDGET_NOTE in plan.notes
    assert not any("no combination" in note for note in plan.notes)
    assert len(plan.meals) == len(profile.slots)


def test_tight_kcal_range_is_met_within_the_default_budget(shipped: RecipeSet) -> None:
    profile = Profile(diet=Diet.VEGETARIAN, target_ug=2.4, kcal_range=(2000.0, 2050.0))
    for offset in range(7):
        plan = plan_day(shipped, profile, dt.date(2026, 1, 5) + dt.timedelta(days=offset))
        assert 2000 <= plan.kcal <= 2050
        assert check_plan(shipped, profile, plan) == []
