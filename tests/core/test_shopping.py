"""Shopping list: sums over days and servings, aisles in shop order, readable rounded units."""

from __future__ import annotations

import datetime as dt

import pytest
from planner_oracle import ingredient_table, make_recipe

from bot.core.models import (
    DayPlan,
    Diet,
    Ingredient,
    Kind,
    Nutrients,
    PlannedMeal,
    Profile,
    RecipeSet,
    Slot,
)
from bot.core.planner import plan_day
from bot.core.shopping import (
    AISLE_ORDER,
    FORTIFIED_NOTE,
    ShoppingItem,
    ShoppingSheet,
    display_amount,
    new_sheet,
    shopping_by_aisle,
    shopping_list,
)
from bot.core.week import plan_week

DAY = dt.date(2026, 3, 2)


def _ing(iid: str, kind: Kind = Kind.PLANT, **kw) -> Ingredient:
    return Ingredient(id=iid, name=iid, kind=kind, aisle="x", per_100g=Nutrients(), **kw)


def _meal(slot: Slot, rid: str, servings: int, **kw) -> PlannedMeal:
    return PlannedMeal(
        slot=slot, recipe_id=rid, servings=servings, b12_ug=0, kcal=0, protein_g=0, **kw
    )


def _day(offset: int, *meals: PlannedMeal) -> DayPlan:
    return DayPlan(
        date=DAY + dt.timedelta(days=offset),
        meals=meals,
        target_ug=2.4,
        b12_ug=0,
        b12_absorbed_ug=0,
        kcal=0,
        protein_g=0,
    )


def _set() -> RecipeSet:
    table = ingredient_table()
    recipes = {
        "omelette": make_recipe(
            "omelette", (Slot.BREAKFAST,), {"egg": 150.0, "cheese": 20.0}, 1.5, 300, table
        ),
        "porridge": make_recipe(
            "porridge",
            (Slot.BREAKFAST,),
            {"oats": 50.0, "soy_milk": 257.5},
            2.9,
            250,
            table,
            fortified=True,
        ),
        "dal": make_recipe(
            "dal", (Slot.DINNER,), {"lentils": 80.0, "spinach": 33.0}, 0, 400, table
        ),
    }
    return RecipeSet(ingredients=table, recipes=recipes)


def test_amounts_sum_over_days_and_servings() -> None:
    rs = _set()
    plans = [
        _day(0, _meal(Slot.BREAKFAST, "omelette", 2), _meal(Slot.DINNER, "dal", 2)),
        _day(1, _meal(Slot.BREAKFAST, "porridge", 2), _meal(Slot.DINNER, "dal", 2)),
    ]
    items = {i.item_id: i for i in shopping_list(rs, plans)}
    assert set(items) == {"egg", "cheese", "oats", "soy_milk", "lentils", "spinach"}
    assert items["lentils"].grams == pytest.approx(80 * 2 * 2)
    assert items["spinach"].grams == pytest.approx(33 * 2 * 2)
    assert items["egg"].grams == pytest.approx(150 * 2)
    assert items["egg"].display == "6 eggs"
    assert items["lentils"].display == "320 g"
    assert items["spinach"].display == "140 g"  # 132 g rounded up to 10 g
    assert items["soy_milk"].display == "500 ml"  # 515 g / 1.03 g per ml
    assert items["soy_milk"].fortified and not items["oats"].fortified
    assert items["soy_milk"].line.endswith(f"({FORTIFIED_NOTE})")
    assert FORTIFIED_NOTE not in items["oats"].line
    # one more person scales everything
    more = [_day(0, _meal(Slot.DINNER, "dal", 3))]
    assert shopping_list(rs, more)[0].grams == pytest.approx(80 * 3)


def test_topups_are_bought_too() -> None:
    rs = _set()
    plan = _day(
        0,
        _meal(
            Slot.DINNER,
            "dal",
            2,
            topup_item="nutritional_yeast",
            topup_grams=5.0,
            topup_label="1 tbsp (5 g) of nutritional yeast",
        ),
    )
    items = {i.item_id: i for i in shopping_list(rs, [plan])}
    assert items["nutritional_yeast"].grams == pytest.approx(10.0)
    assert items["nutritional_yeast"].fortified


def test_grouped_by_aisle_in_shop_order() -> None:
    rs = _set()
    plans = [_day(0, _meal(Slot.BREAKFAST, "omelette", 1), _meal(Slot.DINNER, "dal", 1))]
    items = shopping_list(rs, plans)
    odd = [*items, items[0].__class__("Zebra aisle", "z", "z", 5.0, "5 g", False)]
    grouped = shopping_by_aisle(odd)
    assert sorted(grouped) == sorted({i.aisle for i in odd})
    assert list(grouped)[-1] == "Zebra aisle"  # unknown aisles come after the known ones
    for aisle, group in grouped.items():
        assert all(i.aisle == aisle for i in group)
        assert [i.name for i in group] == sorted(i.name for i in group)
    assert sum(len(g) for g in grouped.values()) == len(odd)


@pytest.mark.parametrize(
    ("ingredient", "grams", "expected"),
    [
        (_ing("egg", Kind.EGG, unit_grams={"piece": 50.0}), 50.0, "1 egg"),
        (_ing("egg", Kind.EGG, unit_grams={"piece": 50.0}), 260.0, "6 eggs"),
        (_ing("milk", Kind.DAIRY, g_per_ml=1.0), 240.0, "250 ml"),
        (_ing("milk", Kind.DAIRY, g_per_ml=1.0), 1480.0, "1.5 l"),
        (_ing("milk", Kind.DAIRY, g_per_ml=1.0), 1000.0, "1 l"),
        (_ing("milk", Kind.DAIRY, g_per_ml=1.0), 62.0, "70 ml"),
        (_ing("oil", g_per_ml=0.9), 13.5, "15 ml"),
        (_ing("oats"), 317.0, "320 g"),
        (_ing("oats"), 12.0, "15 g"),
        (_ing("oats"), 3.2, "4 g"),
        (_ing("oats"), 0.2, "1 g"),
        (_ing("oats"), 2345.0, "2.4 kg"),
        (_ing("oats"), 250.0000001, "250 g"),  # float noise does not round up a step
    ],
)
def test_readable_units(ingredient: Ingredient, grams: float, expected: str) -> None:
    assert display_amount(ingredient, grams) == expected


def test_unknown_recipe_is_an_error_not_a_silent_gap() -> None:
    with pytest.raises(ValueError, match="gone_recipe"):
        shopping_list(_set(), [_day(0, _meal(Slot.DINNER, "gone_recipe", 1))])


def test_planned_week_list_covers_every_ingredient() -> None:
    rs = _set()
    plans = plan_week(rs, [Profile(diet=Diet.VEGETARIAN, target_ug=1.0)] * 2, DAY)
    items = shopping_list(rs, plans)
    needed = {i for p in plans for m in p.meals for i in rs.recipes[m.recipe_id].grams_per_serving}
    needed |= {m.topup_item for p in plans for m in p.meals if m.topup_item}
    assert {i.item_id for i in items} == needed


def test_shipped_week_shopping_list(shipped: RecipeSet) -> None:
    rs = shipped
    plans = [plan_day(rs, Profile(diet=Diet.VEGAN, target_ug=4.0), DAY)]
    items = shopping_list(rs, plans)
    fortified_used = {
        i
        for m in plans[0].meals
        for i in rs.recipes[m.recipe_id].grams_per_serving
        if rs.ingredients[i].fortified
    }
    assert fortified_used  # vegan plans rely on fortified food
    assert {i.item_id for i in items if i.fortified} >= fortified_used
    known = [a for a in AISLE_ORDER]
    order = [a.lower() for a in shopping_by_aisle(items)]
    ranks = [known.index(a) if a in known else len(known) for a in order]
    assert ranks == sorted(ranks)


# --- the list you tick ------------------------------------------------------------------------


def _item(iid: str, aisle: str, fortified: bool = False) -> ShoppingItem:
    return ShoppingItem(aisle, iid, iid.title(), 100.0, "100 g", fortified)


def _sheet(**kw: object) -> ShoppingSheet:
    items = [
        _item("olive_oil", "Oils, spices & condiments"),
        _item("spinach", "Fruit & veg"),
        _item("soy_milk", "Plant milks & tofu", fortified=True),
        _item("apple", "Fruit & veg"),
    ]
    return new_sheet(items, start=DAY, days=3, **kw)  # type: ignore[arg-type]


def test_sheet_is_in_shop_order_and_ticked_items_move_down() -> None:
    sheet = _sheet()
    assert [i.item_id for i in sheet.items] == ["apple", "spinach", "soy_milk", "olive_oil"]
    ticked = sheet.toggled(0)  # apple in the basket
    assert ticked.ticked == {"apple"} and ticked.ticked_count == 1
    assert [(i.item_id, t) for _, i, t in ticked.rows()] == [
        ("spinach", False), ("soy_milk", False), ("olive_oil", False), ("apple", True),
    ]  # fmt: skip
    assert ticked.toggled(0).ticked == frozenset()  # a second tap undoes it


def test_hiding_staples_hides_the_pantry_aisle_only() -> None:
    sheet = _sheet().with_staples_hidden(True)
    assert sheet.staple_count == 1
    assert [i.item_id for _, i, _ in sheet.rows()] == ["apple", "spinach", "soy_milk"]
    assert not any("Olive" in line for line in sheet.plain_lines())
    assert "Olive_Oil" in "\n".join(sheet.with_staples_hidden(False).plain_lines())


def test_plain_text_keeps_aisles_ticks_and_the_fortified_note() -> None:
    lines = _sheet().toggled(2).plain_lines()
    assert lines[0] == "Fruit & veg" and lines[1] == "[ ] Apple: 100 g"
    assert f"[x] Soy_Milk: 100 g ({FORTIFIED_NOTE})" in lines


def test_sheet_body_round_trips_and_damaged_bodies_are_refused() -> None:
    sheet = _sheet(people=3).toggled(1).with_staples_hidden(True)
    again = ShoppingSheet.from_body(DAY, 3, sheet.to_body())
    assert again == sheet and again.people == 3
    body = sheet.to_body()
    body["ticked"] = ["spinach", "not_on_the_list"]  # stray ids are dropped, never shown
    assert ShoppingSheet.from_body(DAY, 3, body).ticked == {"spinach"}
    for broken in ({"v": 99}, {"v": 1}, {"v": 1, "items": [["x"]]}, {"v": 1, "items": "x"}):
        with pytest.raises(ValueError):
            ShoppingSheet.from_body(DAY, 3, broken)


def test_a_position_outside_the_list_is_refused() -> None:
    sheet = _sheet()
    assert sheet.index_of(4) is None and sheet.index_of(-1) is None
    with pytest.raises(ValueError):
        sheet.toggled(4)
