"""Fortified foods by region: values, what is sold where, the conservative default, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from repo_paths import RECIPES

from bot.core.models import (
    DEFAULT_SLOTS,
    REGION_ANY,
    REGIONS,
    SLOT_ORDER,
    Diet,
    Profile,
    RecipeSet,
)
from bot.core.plan_rules import check_plan
from bot.core.planner import plan_day, planner_for
from bot.core.products import with_products
from bot.core.recipe_problems import RecipeError
from bot.core.recipes import load_recipes
from bot.core.regions import (
    combined_region,
    for_region,
    region_code,
    region_set,
    regional_b12,
    suggest_region,
)
from bot.core.week import plan_days

DAY = dt.date(2026, 1, 5)
DRINKS = ("soy_milk_fortified", "almond_milk_fortified", "oat_milk_fortified")


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("region", ["uk", "eu"])
def test_uk_and_eu_plant_drinks_carry_at_most_0_4_ug_per_100_ml(
    shipped: RecipeSet, region: str
) -> None:
    rs = for_region(shipped, region)
    for drink in DRINKS:
        ing = rs.ingredients[drink]
        per_100ml = ing.per_100g.b12_ug * (ing.g_per_ml or 1.0)
        assert per_100ml == pytest.approx(0.38, abs=0.001), drink
        assert per_100ml <= 0.4


def test_us_values_are_the_sr28_rows_and_any_is_the_lowest(shipped: RecipeSet) -> None:
    us = for_region(shipped, "us")
    assert us.ingredients["soy_milk_fortified"].per_100g.b12_ug == 1.11  # SR28 16222
    assert us.ingredients["almond_milk_fortified"].per_100g.b12_ug == 1.25  # SR28 14016
    assert us.ingredients["total_cereal"].per_100g.b12_ug == 20  # SR28 08077
    for ing in shipped.ingredients.values():
        if not ing.b12_by_region:
            continue
        lowest = min(ing.b12_by_region.values())
        assert shipped.ingredients[ing.id].per_100g.b12_ug == lowest, ing.id
        for region in REGIONS:
            if region in ing.b12_by_region:
                value = for_region(shipped, region).ingredients[ing.id].per_100g.b12_ug
                assert value == ing.b12_by_region[region]


def test_uk_yeast_flakes_and_cereals_use_their_uk_labels(shipped: RecipeSet) -> None:
    uk = for_region(shipped, "uk")
    assert uk.ingredients["nutritional_yeast"].per_100g.b12_ug == 44
    assert uk.ingredients["bran_flakes"].per_100g.b12_ug == 2.9
    assert uk.ingredients["cheerios"].per_100g.b12_ug == 0  # a different product, no value


def test_every_regional_value_names_its_source(shipped: RecipeSet) -> None:
    regional = [i for i in shipped.ingredients.values() if i.b12_by_region]
    assert {i.id for i in regional} >= {*DRINKS, "nutritional_yeast", "total_cereal"}
    for ing in regional:
        assert ing.fortified, ing.id
        assert set(ing.b12_by_region) == set(ing.region_sources), ing.id
        for region, source in ing.region_sources.items():
            assert len(source) > 15 and region in REGIONS, (ing.id, source)


def test_regional_recipe_b12_is_recomputed_from_the_regional_values(shipped: RecipeSet) -> None:
    uk = for_region(shipped, "uk")
    us = for_region(shipped, "us")
    recipe_id = "soy_hot_chocolate"
    grams = uk.recipes[recipe_id].grams_per_serving["soy_milk_fortified"]
    for rs, per_100g in ((uk, 0.38 / 1.012), (us, 1.11)):
        recipe = rs.recipes[recipe_id]
        assert recipe.b12_by_item["soy_milk_fortified"] == pytest.approx(
            grams * per_100g / 100, 1e-3
        )
        assert recipe.fortified_b12_ug == pytest.approx(recipe.b12_ug)
    assert us.recipes[recipe_id].b12_ug > 2.5 * uk.recipes[recipe_id].b12_ug


# --------------------------------------------------------------------------- sold where


def test_total_is_hidden_outside_the_us(shipped: RecipeSet) -> None:
    for region in ("uk", "eu", None):
        rs = for_region(shipped, region)
        assert "total_cereal" in rs.hidden
        assert "total_cereal_soy_milk_bowl" in rs.hidden
        assert "total_cereal_soy_milk_bowl" in rs.recipes  # stored plans still read
        assert all("total_cereal" not in r.item_ids for r in rs.for_slot(DEFAULT_SLOTS[0]))
    assert "total_cereal" not in for_region(shipped, "us").hidden


@pytest.mark.parametrize("region", ["uk", "eu", None])
def test_products_not_sold_in_a_region_are_never_planned_or_suggested(
    shipped: RecipeSet, region: str | None
) -> None:
    topup_items = {t.item_id for t in planner_for(for_region(shipped, region))._topups}
    assert "total_cereal" not in topup_items
    for diet in (Diet.VEGAN, Diet.OMNIVORE):
        profile = Profile(diet=diet, target_ug=4.0, slots=SLOT_ORDER, region=region)
        for plan in plan_days(shipped, [profile], DAY, 28):
            for meal in plan.meals:
                assert "total_cereal" not in shipped.recipes[meal.recipe_id].item_ids
                assert meal.topup_item != "total_cereal"
            assert not any("Total" in note for note in plan.notes)


def test_a_us_vegan_may_get_total(shipped: RecipeSet) -> None:
    profile = Profile(diet=Diet.VEGAN, target_ug=4.0, region="us")
    used = {m.recipe_id for p in plan_days(shipped, [profile], DAY, 28) for m in p.meals}
    assert "total_cereal_soy_milk_bowl" in used


# --------------------------------------------------------------------------- own labels


def test_own_label_wins_in_every_region_whatever_the_order(shipped: RecipeSet) -> None:
    own = {"soy_milk_fortified": 0.9}
    for region in ("us", "uk", "eu", None):
        first = for_region(with_products(shipped, own), region)
        second = with_products(for_region(shipped, region), own)
        for rs in (first, second):
            assert rs.ingredients["soy_milk_fortified"].per_100g.b12_ug == 0.9
        assert first.recipes["soy_hot_chocolate"].b12_ug == pytest.approx(
            second.recipes["soy_hot_chocolate"].b12_ug
        )


def test_own_label_for_an_unsold_product_makes_it_plannable(shipped: RecipeSet) -> None:
    rs = for_region(with_products(shipped, {"total_cereal": 15.0}), "uk")
    assert "total_cereal" not in rs.hidden and "total_cereal_soy_milk_bowl" not in rs.hidden
    assert "no_bake_cereal_bars" not in rs.hidden


# --------------------------------------------------------------------------- region codes


@pytest.mark.parametrize(
    ("zone", "region"),
    [
        ("Europe/London", "uk"),
        ("Europe/Jersey", "uk"),
        ("Europe/Berlin", "eu"),
        ("Europe/Dublin", "eu"),
        ("America/New_York", "us"),
        ("America/Los_Angeles", "us"),
        ("Europe/Moscow", None),
        ("Asia/Tokyo", None),
        ("UTC", None),
        ("", None),
    ],
)
def test_suggest_region_from_time_zone(zone: str, region: str | None) -> None:
    assert suggest_region(zone) == region


def test_region_codes_and_household_regions() -> None:
    assert region_set(None) == REGIONS and region_code(None) == REGION_ANY
    assert region_code("UK") == "uk" and region_code("mars") == REGION_ANY
    assert combined_region(["uk", "uk"]) == "uk"
    assert combined_region(["uk", "eu"]) == "eu,uk"
    assert combined_region(["uk", None]) == REGION_ANY


def test_a_household_in_two_regions_gets_the_lower_values(shipped: RecipeSet) -> None:
    both = for_region(shipped, combined_region(["us", "uk"]))
    assert both.ingredients["soy_milk_fortified"].per_100g.b12_ug == pytest.approx(0.3755)
    assert "total_cereal" in both.hidden  # not sold in the UK
    ing = shipped.ingredients["soy_yogurt_fortified"]
    assert regional_b12(ing, "eu,uk") == (0.38, True)
    assert regional_b12(ing, "us,uk") == (0.0, True)  # no US label: 0 counted


def test_plans_carry_their_region_and_keep_every_rule(shipped: RecipeSet) -> None:
    for region in ("us", "uk", "eu", None):
        profile = Profile(diet=Diet.VEGAN, target_ug=3.0, region=region)
        plan = plan_day(shipped, profile, DAY)
        assert plan.region == region_code(region)
        assert check_plan(shipped, profile, plan) == []


# --------------------------------------------------------------------------- the table


def _table_with(tmp_path: Path, entry: dict[str, Any]) -> Path:
    """A copy of the shipped set whose soy drink has `entry` as b12_by_region."""
    root = tmp_path / "r"
    (root / "dishes").mkdir(parents=True)
    table = yaml.safe_load((RECIPES / "ingredients.yaml").read_text(encoding="utf-8"))
    table["soy_milk_fortified"]["b12_by_region"] = entry
    (root / "ingredients.yaml").write_text(yaml.safe_dump(table, allow_unicode=True), "utf-8")
    recipe = (RECIPES / "dishes" / "snack" / "soy_hot_chocolate.yaml").read_text("utf-8")
    (root / "dishes" / "soy_hot_chocolate.yaml").write_text(recipe, "utf-8")
    return root


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"fr": {"b12_ug": 0.4, "source": "label: a French drink"}}, "unknown region 'fr'"),
        ({"uk": {"b12_ug": 0.4}}, "source"),
        ({"uk": {"b12_ug": -1, "source": "label: x y z"}}, "0 or more"),
        ({"uk": {"b12_ug": 0.38, "per_100ml": 0.5, "source": "label: x y z"}}, "does not match"),
        ({}, "must map regions"),
    ],
)
def test_loader_rejects_bad_regional_values(
    tmp_path: Path, entry: dict[str, Any], words: str
) -> None:
    with pytest.raises(RecipeError) as err:
        load_recipes(_table_with(tmp_path, entry))
    assert words in str(err.value)


def test_loader_refuses_regional_values_on_unfortified_food(tmp_path: Path) -> None:
    root = _table_with(tmp_path, {"uk": {"b12_ug": 0.38, "source": "label: Alpro UK"}})
    table = yaml.safe_load((root / "ingredients.yaml").read_text("utf-8"))
    table["milk"]["b12_by_region"] = {"uk": {"b12_ug": 0.4, "source": "label: UK milk"}}
    (root / "ingredients.yaml").write_text(yaml.safe_dump(table, allow_unicode=True), "utf-8")
    with pytest.raises(RecipeError) as err:
        load_recipes(root)
    assert "only fortified foods" in str(err.value)


# --------------------------------------------------------------------------- CLI


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    from bot.cli.main import main

    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_foods_gives_each_regions_value_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    by_region = {
        region: {f["id"]: f for f in _cli(capsys, "recipes", "foods", "--json", "--region", region)}
        for region in ("us", "uk", "eu", REGION_ANY)
    }
    for region, foods in by_region.items():
        for food in foods.values():
            assert {"id", "name", "b12_ug_per_100g", "fortified", "source"} <= set(food)
            assert food["region"] == region
        assert foods["soy_milk_fortified"]["per"] == "100 ml"
    assert by_region["us"]["soy_milk_fortified"]["b12_ug_per_100g"] == pytest.approx(1.123, 1e-3)
    assert by_region["uk"]["soy_milk_fortified"]["b12_ug_per_100g"] == 0.38
    assert "Alpro" in by_region["uk"]["soy_milk_fortified"]["source"]
    assert by_region["eu"]["total_cereal"]["b12_ug_per_100g"] is None
    assert by_region["eu"]["total_cereal"]["sold"] is False
    assert by_region[REGION_ANY]["nutritional_yeast"]["b12_ug_per_100g"] == 44
    assert by_region["uk"]["egg"]["source"].startswith("USDA SR28 01123")


def test_cli_recipe_list_shows_the_regions_b12(capsys: pytest.CaptureFixture[str]) -> None:
    us = {r["id"]: r for r in _cli(capsys, "recipes", "list", "--json", "--region", "us")}
    eu = {r["id"]: r for r in _cli(capsys, "recipes", "list", "--json", "--region", "eu")}
    rid = "soy_milk_overnight_oats"
    assert us[rid]["per_serving"]["b12_ug"] > 2.5 * eu[rid]["per_serving"]["b12_ug"]
    assert "total_cereal_soy_milk_bowl" in us and "total_cereal_soy_milk_bowl" not in eu


def _absorbed(dose: float) -> float:
    """The README's curve, written out again so the check does not trust the planner's."""
    return 0.0 if dose <= 0 else 1.24 * dose / (1.53 + dose) + 0.01 * dose


@pytest.mark.parametrize("region", ["eu", "uk"])
def test_cli_never_says_met_while_a_rule_fails(
    capsys: pytest.CaptureFixture[str], region: str
) -> None:
    """Every diet x target x 28 days: meets_target is recomputed from `recipes foods` values."""
    foods = {f["id"]: f for f in _cli(capsys, "recipes", "foods", "--json", "--region", region)}
    recipes = {r["id"]: r for r in _cli(capsys, "recipes", "list", "--json", "--region", region)}

    def per_gram(item: str) -> float:
        food = foods[item]
        assert food["sold"], item  # nothing unsold is ever planned
        value = food["b12_ug_per_100g"]
        if food["per"] == "100 ml":
            value /= food["g_per_ml"]
        return value / 100

    checked = 0
    for diet in ("vegan", "vegetarian", "pescatarian", "omnivore"):
        for target in (2.4, 3.0, 4.0):
            data = _cli(capsys, "plan", "--diet", diet, "--target", str(target), "--days", "28",
                        "--date", "2026-01-05", "--region", region, "--json")  # fmt: skip
            assert data["region"] == region
            for day in data["days"]:
                total = absorbed = 0.0
                fortified_meals = 0
                for meal in day["meals"]:
                    dose, fortified = 0.0, False
                    for line in recipes[meal["recipe_id"]]["ingredients"]:
                        b12 = line["grams_per_serving"] * per_gram(line["item"])
                        dose += b12
                        fortified |= foods[line["item"]]["fortified"] and b12 > 0
                    if meal["topup"]:
                        item = meal["topup"]["item_id"]
                        dose += meal["topup"]["grams"] * per_gram(item)
                        fortified |= foods[item]["fortified"]
                    assert meal["b12_ug"] == pytest.approx(dose, abs=0.01)
                    total += dose
                    absorbed += _absorbed(dose)
                    fortified_meals += fortified
                rules = [
                    total >= target - 1e-6,
                    absorbed >= target / 2 - 1e-6,
                    diet != "vegan" or fortified_meals >= 2,
                ]
                assert day["meets_target"] == all(rules), (diet, target, day["date"], rules)
                assert day["region"] == region and (day["meets_target"] or day["misses"])
                checked += 1
    assert checked == 4 * 3 * 28


def test_cli_region_defaults_to_any(capsys: pytest.CaptureFixture[str]) -> None:
    data = _cli(capsys, "plan", "--diet", "vegan", "--date", "2026-01-05", "--json")
    assert data["region"] == REGION_ANY and data["days"][0]["region"] == REGION_ANY
    assert math.isfinite(data["days"][0]["b12_ug"])
