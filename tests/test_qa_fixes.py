"""Regression tests for the QA findings on issues 2-6 (each failed before its fix).

1. household plans keep the "no breakfast fits" notes; 2. /progress "planned" of a household
member is their view of the household plan; 3. /myproducts refuses implausible label values;
4. /levels add takes a bare low-high range; 5. /remind takes time and dose in either order;
6. top-up labels read naturally.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ptb_offline import START, Clock, onboard, running_application
from test_family_handlers import (
    ANA,
    BEN,
    FamilyRequest,
    Harness,
    family_of_two,
    invite_token,
    today_text,
)
from test_household import DAY, B, D, L, S, _set, m, modest_set

from bot.core import household as hh
from bot.core.labs import LabInputError, parse_levels_add
from bot.core.models import Diet, Slot
from bot.core.planner import _topup_for, short_name
from bot.core.products import (
    MAX_B12_PER_100,
    ProductInputError,
    label_from_per_100g,
    max_label_value,
    parse_product,
    with_products,
)
from bot.core.reminders import ReminderInputError, ReminderKind, parse_remind
from bot.services.tracking import (
    day_tallies,
    household_plan,
    member_planned_b12,
    member_planned_by_slot,
    summary_for,
    tracking_store,
    user_recipes,
)
from bot.storage.store import household_owner

ROOT = Path(__file__).resolve().parents[1]
BERLIN = "Europe/Berlin"
TODAY = dt.date(2026, 11, 24)


def shipped():  # type: ignore[no-untyped-def]
    if not (ROOT / "recipes" / "ingredients.yaml").exists():
        pytest.skip("recipes not there")
    from bot.core.recipes import load_recipes

    return load_recipes(ROOT / "recipes")


# --------------------------------------------------------------------------- 1. dropped meals


def breakfast_only_with_egg():  # type: ignore[no-untyped-def]
    """Every breakfast has egg; lunch, dinner and a snack do not."""
    return _set(
        [
            ("egg_toast", (B,), {"egg": 50, "oats": 40}, 1.0, False),
            ("egg_porridge", (B,), {"egg": 30, "oats": 60}, 0.8, False),
            ("beef_stew", (L,), {"beef": 100, "lentils": 50}, 1.0, False),
            ("salmon_rice", (D,), {"salmon": 100}, 1.0, False),
            ("cheese_plate", (S,), {"cheese": 40}, 0.6, False),
        ]
    )


def test_household_member_is_told_which_meal_is_missing_and_why() -> None:
    rs = breakfast_only_with_egg()
    ann = m(1)
    ben = m(2, exclude=frozenset({"egg"}))
    hp = hh.plan_household_day(rs, [ann, ben], DAY)
    assert hp.plan.meal(Slot.BREAKFAST) is None  # the planner could not fill it
    ben_view = hh.member_view(rs, hp, 2)
    ann_view = hh.member_view(rs, hp, 1)
    ben_notes = [n for n in ben_view.notes if "breakfast" in n]
    ann_notes = [n for n in ann_view.notes if "breakfast" in n]
    assert len(ben_notes) == 1 and "your diet and exclusions" in ben_notes[0]
    assert "/settings" in ben_notes[0]  # Ben can change it
    assert len(ann_notes) == 1 and "m2's diet and exclusions" in ann_notes[0]  # names Ben
    assert "lunch" not in ben_notes[0] and "dinner" not in ben_notes[0]
    # the shortfall stays in the view, and the notes survive storage
    assert ben_view.shortfall_ug == pytest.approx(max(0.0, 2.4 - ben_view.b12_ug))
    again = hh.from_dict(hh.to_dict(hp))
    assert hh.member_view(rs, again, 2).notes == ben_view.notes


def test_missing_meal_from_the_combination_is_named_as_such() -> None:
    rs = _set(
        [
            ("egg_cheese", (B,), {"egg": 50, "cheese": 20}, 1.2, False),
            ("salmon_rice", (L,), {"salmon": 100}, 1.0, False),
            ("beef_stew", (D,), {"beef": 100}, 1.0, False),
        ]
    )
    # m1's exclusion alone rules out the one breakfast: m1 is told it is theirs, m2 who
    members = [m(1, exclude=frozenset({"egg"})), m(2)]
    one = hh.missing_meal_notes(rs, hh.plan_household_day(rs, members, DAY).plan, members)
    assert "your diet and exclusions" in one[1][0] and "m1's" in one[2][0]
    two = _set(
        [
            ("egg_toast", (B,), {"egg": 50}, 1.0, False),
            ("cheese_toast", (B,), {"cheese": 40}, 0.6, False),
            ("salmon_rice", (L,), {"salmon": 100}, 1.0, False),
        ]
    )
    members = [m(1, exclude=frozenset({"egg"})), m(2, exclude=frozenset({"cheese"}))]
    hp = hh.plan_household_day(two, members, DAY)
    notes = hh.missing_meal_notes(two, hp.plan, members)
    assert all("everyone's diets and exclusions together" in notes[u][0] for u in (1, 2))


def test_member_kcal_range_and_no_notes_when_every_meal_is_there() -> None:
    rs = modest_set()
    members = [m(1), m(2, kcal_range=(100.0, 200.0))]
    hp = hh.plan_household_day(rs, members, DAY)
    assert not any("recipe fits" in n or "has no" in n for n in hp.member(1).notes)
    assert any(n.startswith("Calories") for n in hp.member(2).notes)
    assert not any(n.startswith("Calories") for n in hp.member(1).notes)


# --------------------------------------------------------------------------- 2. planned


def test_member_planned_b12_counts_personal_items_and_snacks_with_own_products() -> None:
    rs = modest_set()
    members = [m(1, target=2.4), m(2, target=6.0)]
    hp = hh.plan_household_day(rs, members, DAY)
    ben = hp.member(2)
    assert {t.kind for t in ben.topups} == {hh.KIND_ITEM, hh.KIND_SNACK}
    per_meal = member_planned_b12(hp, 2)
    assert sum(per_meal) == pytest.approx(hh.member_view(rs, hp, 2).b12_ug)
    assert sum(per_meal) == pytest.approx(ben.b12_ug)
    assert len(per_meal) == len(ben.slots) + 1  # the personal snack is its own meal
    # with Ben's own label for nutritional yeast (half the typical), the items count less
    yeast = rs.ingredients["nutritional_yeast"].per_100g.b12_ug
    mine = with_products(rs, {"nutritional_yeast": yeast / 2})
    grams = sum(t.grams for t in ben.topups if t.ref_id == "nutritional_yeast")
    snack = next(t for t in ben.topups if t.kind == hh.KIND_SNACK)
    expected = sum(meal.b12_ug for meal in hp.plan.meals if meal.slot in ben.slots)
    expected += yeast / 2 * grams / 100 + mine.recipes[snack.ref_id].b12_ug
    assert sum(member_planned_b12(hp, 2, mine)) == pytest.approx(expected)
    assert sum(member_planned_b12(hp, 1)) == pytest.approx(hp.member(1).b12_ug)
    with pytest.raises(KeyError):
        member_planned_b12(hp, 99)


def test_personal_item_on_a_meal_with_a_shared_topup_is_counted() -> None:
    rs = modest_set()
    # food alone meets nobody: the shared plan carries top-ups for everyone, and the member
    # with the higher target adds personal items to the same meals
    hp = hh.plan_household_day(rs, [m(1, target=5.0), m(2, target=8.0)], DAY)
    shared = {meal.slot: meal for meal in hp.plan.meals}
    items = [t for t in hp.member(2).topups if t.kind == hh.KIND_ITEM]
    both = [t for t in items if shared[t.slot].topup_item is not None]
    assert both, "the case under test: a personal item on a meal with a shared top-up"
    by_slot = member_planned_by_slot(hp, 2)
    for t in both:
        assert by_slot[t.slot] == pytest.approx(shared[t.slot].b12_ug + t.b12_ug)
    assert sum(by_slot.values()) == pytest.approx(hh.member_view(rs, hp, 2).b12_ug)
    assert sum(member_planned_by_slot(hp, 2, rs).values()) == pytest.approx(hp.member(2).b12_ug)


@pytest.fixture
async def family_bot(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = Clock(START)
    request = FamilyRequest()
    async with running_application(tmp_path, clock, request) as app:
        yield Harness(app, request, clock)


async def test_household_member_progress_planned_is_their_member_view(
    family_bot: Harness,
) -> None:
    bot = family_bot
    _, ben, _ = await family_of_two(bot)
    await today_text(ben)
    svc = bot.services
    user = await svc.store.get_user(BEN.id)
    assert user is not None and user.household_id is not None
    day = svc.today(user)
    view = await svc.day_plan(user, day)
    breakfast = view.meal(Slot.BREAKFAST)
    assert breakfast is not None
    assert view.b12_ug > breakfast.b12_ug + 0.05  # ticking one meal off is not the whole plan
    await ben.tap("Breakfast eaten")
    ts = tracking_store(svc.store)
    recipes = await user_recipes(ts, svc.recipes, user.user_id)
    summary, tallies = await summary_for(ts, user, day, recipes)  # what /progress draws
    assert tallies[-1].date == day
    assert summary.today is not None
    assert summary.today.planned_ug == pytest.approx(view.b12_ug)
    assert summary.today.eaten_ug == pytest.approx(breakfast.b12_ug)
    (evening,) = await day_tallies(ts, user, day, day, recipes)  # what the evening check uses
    assert evening.planned_ug == pytest.approx(view.b12_ug)

    # Ben's target goes up mid-day: his view gains personal top-ups, the stored household
    # plan is updated with them, and /progress follows
    user = await svc.update_user(BEN.id, target_ug=12.0)
    new_view = await svc.day_plan(user, day)
    assert new_view.b12_ug > view.b12_ug
    raw = await svc.store.get_plan(household_owner(user.household_id), day)
    assert raw is not None
    stored = hh.from_dict(raw).member(BEN.id)
    assert stored is not None and stored.target_ug == 12.0
    (after,) = await day_tallies(ts, user, day, day, recipes)
    assert after.planned_ug == pytest.approx(new_view.b12_ug)


# --------------------------------------------------------------------------- 3. products


def test_implausible_product_values_are_refused_with_an_example() -> None:
    rs = shipped()
    with pytest.raises(ProductInputError) as exc:
        parse_product("cheerios 1000", rs)
    text = str(exc.value)
    assert "not a plausible" in text and "Example: /myproducts cheerios" in text
    assert "per 100 g" in text
    for bad in ("cheerios -5", "oat milk nan", "soy milk -0.4"):
        with pytest.raises(ProductInputError) as exc:
            parse_product(bad, rs)
        assert "is not a B12 amount" in str(exc.value)
    # real labels pass: the richest nutritional yeast (15 µg per 10 g), a brand without B12
    assert parse_product("nutritional yeast 150", rs) == ("nutritional_yeast", 150.0)
    assert parse_product("oat milk 0", rs) == ("oat_milk_fortified", 0.0)
    assert parse_product("cheerios 6.8", rs) == ("cheerios", 6.8)
    with pytest.raises(ProductInputError):
        parse_product("nutritional yeast 201", rs)


def test_product_limit_is_ten_times_typical_capped_at_the_absolute_bound() -> None:
    rs = shipped()
    for ing in rs.ingredients.values():
        if not ing.fortified:
            continue
        limit = max_label_value(ing)
        typical = label_from_per_100g(ing, ing.per_100g.b12_ug)
        assert 0 < limit <= MAX_B12_PER_100
        assert limit >= typical * 1.5  # a richer brand than the typical one still fits
        if typical > 0:
            assert math.isclose(limit, min(MAX_B12_PER_100, 10 * typical))


# --------------------------------------------------------------------------- 4. labs


def test_levels_add_takes_a_bare_range_and_suggests_the_range_form() -> None:
    result = parse_levels_add("serum 320 pg/mL 2026-10-02 200-900", TODAY)
    assert (result.ref_low, result.ref_high, result.taken_on) == (
        200.0,
        900.0,
        dt.date(2026, 10, 2),
    )
    first = parse_levels_add("serum 320 pg/mL 200 - 900 pg/mL 2026-10-02", TODAY)
    assert (first.ref_low, first.ref_high, first.taken_on) == (200.0, 900.0, dt.date(2026, 10, 2))
    assert parse_levels_add("mma 0.3 umol/L <0.4", TODAY).ref_high == 0.4
    with pytest.raises(LabInputError, match="same unit"):
        parse_levels_add("serum 320 pg/mL 200-900 pmol/L", TODAY)
    with pytest.raises(LabInputError, match="only one range"):
        parse_levels_add("serum 320 pg/mL 200-900 250-800", TODAY)
    with pytest.raises(LabInputError) as exc:
        parse_levels_add("serum 320 pg/mL normal", TODAY)
    assert "'range 200-900'" in str(exc.value) and "pg/mL" in str(exc.value)


# --------------------------------------------------------------------------- 5. reminders


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


# --------------------------------------------------------------------------- 6. wording


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Almond milk, vanilla, fortified", "fortified vanilla almond milk"),
        ("Soy milk, unsweetened, fortified", "fortified unsweetened soy milk"),
        ("Bran flakes, fortified", "fortified bran flakes"),
        ("Tofu, firm", "firm tofu"),
        ("Whole Grain Total (fortified cereal)", "Whole Grain Total (fortified cereal)"),
        ("Cheerios (fortified oat cereal)", "Cheerios (fortified oat cereal)"),
        ("Egg, whole, raw (large)", "raw whole egg (large)"),
        ("Tuna, light, canned in water, drained", "tuna, light, canned in water, drained"),
        ("Rolled oats", "rolled oats"),
        ("USDA cheese", "USDA cheese"),
    ],
)
def test_short_name_reads_naturally(name: str, expected: str) -> None:
    assert short_name(name) == expected


def test_topup_labels_of_the_shipped_set_read_naturally() -> None:
    rs = shipped()
    labels = {i.id: t.label for i in rs.ingredients.values() if (t := _topup_for(i))}
    assert labels["almond_milk_fortified"] == "a glass (250 ml) of fortified vanilla almond milk"
    assert labels["total_cereal"].endswith("of Whole Grain Total (fortified cereal)")
    for label in labels.values():
        assert ", fortified" not in label and "whole Grain" not in label
    # and household top-ups carry the same labels
    members = [hh.Member(1, dataclasses.replace(m(1).profile, diet=Diet.VEGAN, target_ug=8.0))]
    hp = hh.plan_household_day(rs, members, DAY)
    for t in hp.member(1).topups:
        if t.kind == hh.KIND_ITEM:
            assert t.label == labels[t.ref_id]


# --------------------------------------------------------------------------- 7. check-off value


async def test_member_checkoff_counts_the_personal_item_on_a_meal_with_a_shared_topup(
    family_bot: Harness,
) -> None:
    bot = family_bot
    bot.services.recipes = modest_set()  # food alone meets neither target: top-ups on both sides
    ana, ben = bot.chat(ANA), bot.chat(BEN)
    await onboard(ana, "Omnivore", "4.0")
    await onboard(ben, "Omnivore", "4.0")
    calls = await ana.send("/family create The Smiths")
    await ben.send(f"/start {invite_token(calls)}")
    await ben.tap("Join")
    svc = bot.services
    await svc.update_user(ANA.id, target_ug=5.0)
    user = await svc.update_user(BEN.id, target_ug=8.0)
    day = svc.today(user)
    await svc.day_plan(user, day)  # stores the household plan with both members' top-ups
    ts = tracking_store(svc.store)
    hplan = await household_plan(ts, user, day)
    assert hplan is not None
    shared = {meal.slot: meal for meal in hplan.plan.meals}
    ben_day = hplan.member(BEN.id)
    assert ben_day is not None
    both = [
        t
        for t in ben_day.topups
        if t.kind == hh.KIND_ITEM and shared[t.slot].topup_item is not None
    ]
    assert both, "the case under test: a personal item on a meal with a shared top-up"
    slot = both[0].slot
    expected = member_planned_by_slot(hplan, BEN.id, svc.recipes)[slot]
    assert expected == pytest.approx(shared[slot].b12_ug + both[0].b12_ug)

    await today_text(ben)
    await ben.tap(f"{slot.value.capitalize()} eaten")
    (logged,) = [x for x in await ts.meal_logs(BEN.id, day, day) if x.slot == slot.value]
    assert logged.status == "eaten"
    assert logged.b12_ug == pytest.approx(expected)
    assert logged.planned_ug == pytest.approx(expected)
