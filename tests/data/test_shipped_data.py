"""Checks on the shipped DATA (recipes/ingredients.yaml, recipes/dishes/, the JSON Schemas).

Reads only YAML, JSON and the SR28 CSV, never the loader, so the data is checked independently
of the code that consumes it. The SR28 comparisons skip when ../shared is absent (a user clone).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from repo_paths import RECIPES, REPO, SHARED_NUTRITION

from bot.core.models import DEFAULT_SLOTS, UNITS, VOLUME_ML, Kind, Slot
from bot.core.nutrition import absorbed_ug

RECIPES_DIR = RECIPES
DISHES_DIR = RECIPES_DIR / "dishes"
INGREDIENTS_PATH = RECIPES_DIR / "ingredients.yaml"
SR28_PATH = SHARED_NUTRITION / "usda_sr28_abbrev.csv"

# ingredients.yaml key -> SR28 column
SR28_COLUMNS = {
    "kcal": "Energ_Kcal",
    "protein_g": "Protein_g",
    "b12_ug": "Vit_B12_ug",
    "fat_g": "Lipid_Tot_g",
    "carbs_g": "Carbohydrt_g",
    "fibre_g": "Fiber_TD_g",
    "folate_ug": "Folate_DFE_ug",
    "vit_d_ug": "Vit_D_ug",
}
# SR28 description words of the foods whose B12 is inactive analogue (README: count as 0).
ANALOGUE_WORDS = ("TEMPEH", "SEAWEED", "SPIRULINA", "MUSHROOM")
DIETS = ("vegan", "vegetarian", "pescatarian", "omnivore")
KIND_RANK = {"plant": 0, "egg": 1, "dairy": 1, "honey": 1, "fish": 2, "shellfish": 2, "meat": 3}
MIN_PER_SLOT = {"breakfast": 18, "lunch": 20, "dinner": 20, "snack": 10}
MIN_VEGAN_PER_SLOT = 8
RICH_UG = 1.8  # per serving: about what one meal needs for a 4.0 µg/day target
MIN_RICH_PER_SLOT_AND_DIET = 3


@cache
def ingredients() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(INGREDIENTS_PATH.read_text(encoding="utf-8"))


def recipe_files() -> list[Path]:
    return sorted(DISHES_DIR.rglob("*.yaml"))


@cache
def recipes() -> dict[str, dict[str, Any]]:
    """Recipe id -> parsed file (with the path under `_path`)."""
    found: dict[str, dict[str, Any]] = {}
    for path in recipe_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict), f"{path}: not a mapping"
        assert data["id"] not in found, f"duplicate recipe id {data['id']} in {path}"
        found[data["id"]] = {**data, "_path": path}
    return found


@cache
def sr28() -> dict[str, dict[str, str]]:
    if not SR28_PATH.exists():
        pytest.skip(f"SR28 reference file absent: {SR28_PATH}")
    with SR28_PATH.open(newline="", encoding="utf-8") as handle:
        return {row["NDB_No"]: row for row in csv.DictReader(handle)}


def meals_of(recipe: dict[str, Any]) -> list[str]:
    meal = recipe["meal"]
    return list(meal) if isinstance(meal, list) else [meal]


def grams(item: str, amount: float, unit: str) -> float:
    entry = ingredients()[item]
    if unit == "g":
        return amount
    if unit in entry.get("units", {}):
        return amount * entry["units"][unit]
    if unit in VOLUME_ML and "g_per_ml" in entry:
        return amount * VOLUME_ML[unit] * entry["g_per_ml"]
    raise AssertionError(f"{item}: no conversion for unit {unit!r}")


def per_serving(recipe: dict[str, Any], nutrient: str) -> float:
    total = sum(
        grams(line["item"], line["amount"], line["unit"])
        * ingredients()[line["item"]]["per_100g"][nutrient]
        / 100
        for line in recipe["ingredients"]
    )
    return total / recipe["servings"]


def diet_of(recipe: dict[str, Any]) -> str:
    """Strictest diet the recipe fits, from its ingredients' kinds (never hand-tagged)."""
    rank = max(KIND_RANK[ingredients()[line["item"]]["kind"]] for line in recipe["ingredients"])
    return DIETS[rank]


def eaten_by(diet: str) -> Iterator[dict[str, Any]]:
    """Recipes a person on `diet` may eat (a vegetarian eats vegan recipes too, and so on)."""
    limit = DIETS.index(diet)
    return (r for r in recipes().values() if DIETS.index(diet_of(r)) <= limit)


# ---------------------------------------------------------------- ingredient table vs SR28


def test_every_ndb_ingredient_equals_its_sr28_row() -> None:
    rows = sr28()
    mismatches = []
    for key, entry in ingredients().items():
        if "ndb" not in entry:
            continue
        row = rows.get(entry["ndb"])
        assert row is not None, f"{key}: NDB {entry['ndb']} is not in SR28"
        values = entry["per_100g"]
        for field, column in SR28_COLUMNS.items():
            cell = row[column].strip()
            if field == "b12_ug" and "b12_note" in entry:
                continue  # checked in the analogue test below
            if not cell:
                if field in values:
                    mismatches.append(f"{key}.{field}: SR28 cell empty (not measured)")
                continue
            if field not in values:
                mismatches.append(f"{key}.{field}: missing, SR28 has {cell}")
            elif not math.isclose(values[field], float(cell), rel_tol=1e-9, abs_tol=1e-9):
                mismatches.append(f"{key}.{field}: {values[field]} != SR28 {cell}")
    assert not mismatches, "\n".join(mismatches)


def test_b12_is_zeroed_only_for_algae_tempeh_and_mushrooms() -> None:
    rows = sr28()
    zeroed = {k: e for k, e in ingredients().items() if "b12_note" in e}
    assert zeroed, "expected the documented analogue exception (tempeh, nori, mushrooms)"
    for key, entry in zeroed.items():
        description = rows[entry["ndb"]]["Shrt_Desc"]
        assert any(word in description for word in ANALOGUE_WORDS), (
            f"{key}: b12_note is only allowed for algae/tempeh/mushrooms, not {description}"
        )
        assert entry["per_100g"]["b12_ug"] == 0, f"{key}: analogue must count as 0 B12"
        assert "Watanabe" in entry["b12_note"]
    for key, entry in ingredients().items():
        if "ndb" in entry and "b12_note" not in entry:
            description = rows[entry["ndb"]]["Shrt_Desc"]
            if any(word in description for word in ANALOGUE_WORDS):
                assert entry["per_100g"]["b12_ug"] == 0, f"{key}: {description} must carry 0 B12"


def test_unit_weights_come_from_sr28_household_measures() -> None:
    rows = sr28()
    for key, entry in ingredients().items():
        if "ndb" not in entry or "units" not in entry:
            continue
        row = rows[entry["ndb"]]
        measures = [
            (float(row[f"GmWt_{i}"]), row[f"GmWt_Desc{i}"]) for i in (1, 2) if row[f"GmWt_{i}"]
        ]
        for unit, weight in entry["units"].items():
            candidates = []
            for grams_, desc in measures:
                count = float(desc.split()[0])
                candidates.append(round(grams_ / count, 2))
            assert weight in candidates, f"{key}.units.{unit}={weight} not from {measures}"


def test_ingredient_table_is_in_sync_with_its_generator() -> None:
    sr28()  # skip without the CSV
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import build_ingredients
    finally:
        sys.path.pop(0)
    expected = build_ingredients.render(build_ingredients.load_rows())
    assert INGREDIENTS_PATH.read_text(encoding="utf-8") == expected


# ---------------------------------------------------------------- ingredient table, no CSV


def test_label_foods_name_their_label_and_are_fortified() -> None:
    label_foods = {k: e for k, e in ingredients().items() if "ndb" not in e}
    assert {"nutritional_yeast", "oat_milk_fortified", "soy_yogurt_fortified"} <= set(label_foods)
    for key, entry in label_foods.items():
        assert entry.get("source", "").startswith("label: "), f"{key}: source must name a label"
        assert entry.get("fortified") is True, f"{key}: label foods here are fortified"
        assert entry["per_100g"]["b12_ug"] > 0


def test_plant_foods_with_b12_are_marked_fortified() -> None:
    """Plants make no B12, so any plant B12 must come from fortification: flag it to the buyer."""
    for key, entry in ingredients().items():
        if entry["kind"] == "plant" and entry["per_100g"]["b12_ug"] > 0:
            assert entry.get("fortified") is True, f"{key}: plant B12 must be fortified"


def test_every_ingredient_has_required_fields_and_known_kind() -> None:
    kinds = {k.value for k in Kind}
    for key, entry in ingredients().items():
        assert entry["kind"] in kinds, key
        for field in ("kcal", "protein_g", "b12_ug"):
            assert field in entry["per_100g"], f"{key}: per_100g.{field} required"
        assert entry["name"] and entry["aisle"]
    aisles = {entry["aisle"] for entry in ingredients().values()}
    assert len(aisles) <= 12, f"keep a small fixed set of aisles, got {sorted(aisles)}"


# ---------------------------------------------------------------- recipes


def test_recipe_files_are_well_formed() -> None:
    slots = {s.value for s in Slot}
    assert len(recipe_files()) == len(recipes())
    for rid, recipe in recipes().items():
        where = recipe["_path"]
        assert recipe["_path"].stem == rid, f"{where}: id must equal the file name"
        assert set(meals_of(recipe)) <= slots, where
        assert isinstance(recipe["servings"], int) and recipe["servings"] >= 1, where
        assert isinstance(recipe["time_min"], int) and recipe["time_min"] >= 1, where
        by_lang = recipe["steps"] if isinstance(recipe["steps"], dict) else {"en": recipe["steps"]}
        for lang, steps in by_lang.items():
            assert len(steps) >= 2, f"{where}: steps.{lang}: give at least two real steps"
            assert all(isinstance(s, str) and len(s) > 10 for s in steps), f"{where}: {lang}"


def test_every_recipe_item_exists_and_its_unit_converts() -> None:
    table = ingredients()
    for recipe in recipes().values():
        for line in recipe["ingredients"]:
            assert line["item"] in table, f"{recipe['_path']}: unknown item {line['item']}"
            assert line["unit"] in UNITS, f"{recipe['_path']}: unknown unit {line['unit']}"
            assert line["amount"] > 0
            assert grams(line["item"], line["amount"], line["unit"]) > 0


def test_every_table_ingredient_is_used_by_a_recipe() -> None:
    used = {line["item"] for r in recipes().values() for line in r["ingredients"]}
    assert set(ingredients()) - used == set(), "ship only the foods the recipes use"


def test_counts_per_slot_and_vegan_per_slot_meet_the_coverage_rule() -> None:
    for slot, minimum in MIN_PER_SLOT.items():
        in_slot = [r for r in recipes().values() if slot in meals_of(r)]
        vegan = [r for r in in_slot if diet_of(r) == "vegan"]
        assert len(in_slot) >= minimum, f"{slot}: {len(in_slot)} recipes < {minimum}"
        assert len(vegan) >= MIN_VEGAN_PER_SLOT, f"{slot}: {len(vegan)} vegan recipes"
    assert len(recipes()) >= 80


def test_diet_is_derived_not_written() -> None:
    for recipe in recipes().values():
        assert "diet" not in recipe, f"{recipe['_path']}: the diet is derived from kinds"
    assert diet_of(recipes()["tofu_scramble_toast"]) == "vegan"
    assert diet_of(recipes()["greek_yogurt_honey_walnuts"]) == "vegetarian"
    assert diet_of(recipes()["tuna_salad_sandwich"]) == "pescatarian"
    assert diet_of(recipes()["spaghetti_bolognese"]) == "omnivore"


def test_portions_are_sensible() -> None:
    for recipe in recipes().values():
        kcal = per_serving(recipe, "kcal")
        meals = meals_of(recipe)
        if meals == ["snack"]:
            assert 100 <= kcal <= 350, f"{recipe['id']}: snack of {kcal:.0f} kcal"
        elif "snack" not in meals:
            assert 300 <= kcal <= 800, f"{recipe['id']}: meal of {kcal:.0f} kcal"


@pytest.mark.parametrize("diet", DIETS)
@pytest.mark.parametrize("slot", [s.value for s in DEFAULT_SLOTS])
def test_each_diet_has_b12_rich_recipes_in_each_default_slot(diet: str, slot: str) -> None:
    rich = [
        r["id"]
        for r in eaten_by(diet)
        if slot in meals_of(r) and per_serving(r, "b12_ug") >= RICH_UG
    ]
    assert len(rich) >= MIN_RICH_PER_SLOT_AND_DIET, f"{diet}/{slot}: only {rich}"


@pytest.mark.parametrize("diet", DIETS)
@pytest.mark.parametrize("target_ug", [2.4, 2.8, 4.0])
def test_best_day_reaches_half_the_target_absorbed(diet: str, target_ug: float) -> None:
    """The planner's bar: absorbed B12 over the three default meals >= half the target."""
    best_per_slot = [
        max(per_serving(r, "b12_ug") for r in eaten_by(diet) if slot.value in meals_of(r))
        for slot in DEFAULT_SLOTS
    ]
    intake = sum(best_per_slot)
    absorbed = sum(absorbed_ug(dose) for dose in best_per_slot)
    assert intake >= target_ug
    assert absorbed >= target_ug / 2


def test_vegan_without_soy_or_yeast_still_has_b12_options() -> None:
    """Oat/almond milk and fortified cereal carry B12 for vegans who avoid soy and yeast."""
    avoided = {"soy_milk_fortified", "soy_yogurt_fortified", "tofu_firm", "nutritional_yeast"}
    options = [
        r["id"]
        for r in eaten_by("vegan")
        if not avoided & {line["item"] for line in r["ingredients"]}
        and per_serving(r, "b12_ug") >= RICH_UG
    ]
    assert len(options) >= 3, options


# ---------------------------------------------------------------- regions, tastes, life stages

REGIONS = ("us", "uk", "eu")
PLANT_DRINKS = ("soy_milk_fortified", "almond_milk_fortified", "oat_milk_fortified")


def test_fortified_foods_carry_a_sourced_value_per_region() -> None:
    """Every fortified food says its B12 for each region where it is sold, with a source."""
    for key, entry in ingredients().items():
        if not entry.get("fortified"):
            assert "b12_by_region" not in entry, f"{key}: only fortified foods vary by region"
            continue
        by_region = entry.get("b12_by_region")
        assert by_region, f"{key}: a fortified food needs b12_by_region"
        assert set(by_region) <= set(REGIONS), key
        for region, value in by_region.items():
            assert value["b12_ug"] >= 0 and len(value["source"]) > 15, (key, region)
    assert set(ingredients()["total_cereal"]["b12_by_region"]) == {"us"}  # not sold in UK/EU


def test_uk_and_eu_plant_drinks_are_labelled_at_most_0_4_ug_per_100_ml() -> None:
    for drink in PLANT_DRINKS:
        entry = ingredients()[drink]
        for region in ("uk", "eu"):
            value = entry["b12_by_region"][region]
            assert value["per_100ml"] <= 0.4, (drink, region)
            assert value["b12_ug"] * entry["g_per_ml"] == pytest.approx(value["per_100ml"], 0.01)


def test_every_recipe_says_whether_it_is_savoury_or_sweet() -> None:
    table = ingredients()
    for recipe in recipes().values():
        assert recipe.get("taste") in ("savoury", "sweet"), recipe["_path"]
        kinds = {table[line["item"]]["kind"] for line in recipe["ingredients"]}
        if recipe["taste"] == "sweet":  # no meat or fish dessert in this set
            assert not kinds & {"meat", "fish", "shellfish"}, recipe["_path"]


def test_food_safety_groups_mark_liver_smoked_and_oily_fish() -> None:
    table = ingredients()
    assert "liver" in table["beef_liver"]["groups"]
    assert "smoked_fish" in table["smoked_salmon"]["groups"]
    oily = {k for k, e in table.items() if "oily_fish" in e.get("groups", [])}
    assert oily == {"salmon", "smoked_salmon", "sardines_canned", "mackerel", "trout"}
    assert "oily_fish" not in table["tuna_canned"]["groups"]  # NHS: canned tuna is not oily


# ---------------------------------------------------------------- JSON Schemas


def test_schemas_match_the_models_and_the_files() -> None:
    recipe_schema = json.loads((RECIPES_DIR / "recipe.schema.json").read_text())
    table_schema = json.loads((RECIPES_DIR / "ingredients.schema.json").read_text())
    props = recipe_schema["properties"]
    assert props["ingredients"]["items"]["properties"]["unit"]["enum"] == list(UNITS)
    assert set(recipe_schema["$defs"]["slot"]["enum"]) == {s.value for s in Slot}
    entry_schema = table_schema["$defs"]["ingredient"]
    assert set(entry_schema["properties"]["kind"]["enum"]) == {k.value for k in Kind}
    for recipe in recipes().values():
        keys = set(recipe) - {"_path"}
        assert set(recipe_schema["required"]) <= keys <= set(props), recipe["_path"]
        for line in recipe["ingredients"]:
            assert set(line) == {"item", "amount", "unit"}
    for key, entry in ingredients().items():
        assert set(entry_schema["required"]) <= set(entry) <= set(entry_schema["properties"]), key
        per_100g_keys = set(entry_schema["properties"]["per_100g"]["properties"])
        assert set(entry["per_100g"]) <= per_100g_keys, key


def test_files_validate_against_the_json_schemas() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    recipe_schema = json.loads((RECIPES_DIR / "recipe.schema.json").read_text())
    table_schema = json.loads((RECIPES_DIR / "ingredients.schema.json").read_text())
    jsonschema.validate(ingredients(), table_schema)
    for recipe in recipes().values():
        jsonschema.validate({k: v for k, v in recipe.items() if k != "_path"}, recipe_schema)
