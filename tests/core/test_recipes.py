"""Loader and `recipes` CLI: broken sets give file+field messages, valid sets give right maths."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import difflib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from repo_paths import RECIPES, REPO, SHARED_NUTRITION

from bot.cli import recipes as cli_recipes
from bot.core.models import Diet, Kind, RecipeSet, Slot
from bot.core.recipe_problems import Problem, RecipeError
from bot.core.recipe_search import (
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    confident_recipe,
    find_recipe,
    match_ingredient,
    resolve_ingredient,
    search_recipes,
    suggest_ingredient_words,
)
from bot.core.recipes import load_recipes, recipe_to_json
from bot.core.regions import for_region

SR28_CSV = SHARED_NUTRITION / "usda_sr28_abbrev.csv"

# A tiny ingredient table; the ndb rows carry the SR28 values for those NDB_No.
INGREDIENTS: dict[str, dict] = {
    "egg": {
        "name": "Egg, whole, raw",
        "kind": "egg",
        "aisle": "dairy & eggs",
        "ndb": "01123",
        "per_100g": {"kcal": 143, "protein_g": 12.56, "b12_ug": 0.89, "fat_g": 9.51},
        "units": {"piece": 50},
    },
    "rolled_oats": {
        "name": "Oats, regular, dry",
        "kind": "plant",
        "aisle": "grains",
        "ndb": "08120",
        "per_100g": {"kcal": 379, "protein_g": 13.15, "b12_ug": 0.0, "fat_g": 6.52},
        "units": {"cup": 81},
    },
    "olive_oil": {
        "name": "Olive oil",
        "kind": "plant",
        "aisle": "oils",
        "ndb": "04053",
        "per_100g": {"kcal": 884, "protein_g": 0.0, "b12_ug": 0.0, "fat_g": 100.0},
        "g_per_ml": 0.9,
    },
    "oat_milk_fortified": {
        "name": "Oat drink, fortified",
        "kind": "plant",
        "aisle": "plant milks",
        "source": "label: typical fortified oat drink, 0.38 µg B12 per 100 ml",
        "fortified": True,
        "per_100g": {"kcal": 46, "protein_g": 1.0, "b12_ug": 0.38},
        "g_per_ml": 1.0,
    },
    "salmon": {
        "name": "Salmon, Atlantic, farmed, cooked",
        "kind": "fish",
        "aisle": "fish",
        "ndb": "15237",
        "per_100g": {"kcal": 206, "protein_g": 22.1, "b12_ug": 2.8},
    },
    "chicken_breast": {
        "name": "Chicken breast, raw",
        "kind": "meat",
        "aisle": "meat",
        "ndb": "05062",
        "per_100g": {"kcal": 120, "protein_g": 22.5, "b12_ug": 0.21},
    },
    "shrimp": {
        "name": "Shrimp, cooked",
        "kind": "shellfish",
        "aisle": "fish",
        "ndb": "15150",
        "per_100g": {"kcal": 242, "protein_g": 21.39, "b12_ug": 1.87},
    },
    "honey": {
        "name": "Honey",
        "kind": "honey",
        "aisle": "baking",
        "ndb": "19296",
        "per_100g": {"kcal": 304, "protein_g": 0.3, "b12_ug": 0.0},
        "units": {"tbsp": 21},
    },
    "peanut_butter": {
        "name": "Peanut butter, smooth",
        "kind": "plant",
        "aisle": "spreads",
        "ndb": "16098",
        "per_100g": {"kcal": 598, "protein_g": 22.21, "b12_ug": 0.0},
    },
    "peanuts": {
        "name": "Peanuts, dry-roasted",
        "kind": "plant",
        "aisle": "nuts",
        "ndb": "16090",
        "per_100g": {"kcal": 587, "protein_g": 24.35, "b12_ug": 0.0},
    },
    "tofu_firm": {
        "name": "Tofu, firm",
        "kind": "plant",
        "aisle": "chilled",
        "ndb": "16126",
        "per_100g": {"kcal": 78, "protein_g": 9.04, "b12_ug": 0.0},
    },
    "whole_milk": {
        "name": "Milk, whole",
        "kind": "dairy",
        "aisle": "dairy & eggs",
        "ndb": "01077",
        "per_100g": {"kcal": 61, "protein_g": 3.15, "b12_ug": 0.45},
        "units": {"cup": 244},
    },
}

VALID_RECIPE = """\
id: porridge_with_egg
name: Porridge with a boiled egg
meal: breakfast
servings: 2
time_min: 10
ingredients:
  - item: rolled_oats
    amount: 1
    unit: cup
  - item: oat_milk_fortified
    amount: 300
    unit: ml
  - item: egg
    amount: 2
    unit: piece
steps:
  - Simmer the oats in the oat drink for 5 minutes.
  - Boil the eggs for 8 minutes and serve alongside.
tags: [quick]
"""


def write_set(root: Path, recipes: dict[str, str], ingredients: dict | None = None) -> Path:
    """A recipe directory with the tiny table and the given {relative file: YAML text}."""
    root.mkdir(parents=True, exist_ok=True)
    table = INGREDIENTS if ingredients is None else ingredients
    (root / "ingredients.yaml").write_text(yaml.safe_dump(table, sort_keys=False))
    for rel, text in recipes.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def recipe_yaml(**changes: object) -> str:
    """VALID_RECIPE with top-level fields replaced (None removes the field)."""
    data = yaml.safe_load(VALID_RECIPE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(RecipeError) as caught:
        load_recipes(root)
    assert isinstance(caught.value, ValueError)
    return caught.value.problems


def only_problem(root: Path) -> Problem:
    problems = problems_of(root)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def assert_names(problem: Problem, file_name: str, field: str) -> None:
    text = str(problem)
    assert file_name in problem.file and file_name in text
    assert problem.field == field
    assert f": {field}: " in text


# --------------------------------------------------------------------------- broken files


def test_bad_yaml_syntax_names_file_and_line(tmp_path: Path) -> None:
    broken = VALID_RECIPE.replace("servings: 2", "servings: [2")
    root = write_set(tmp_path / "r", {"dishes/porridge.yaml": broken})
    problem = only_problem(root)
    assert "porridge.yaml" in problem.file
    assert problem.field.startswith("line ")
    line = int(problem.field.split()[1])
    assert 4 <= line <= 6  # the unclosed '[' on line 4 is detected there or just after
    assert "invalid YAML" in problem.message


def test_missing_field(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": recipe_yaml(time_min=None)})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "time_min")
    assert "missing required field" in problem.message


def test_unknown_ingredient_suggests_close_ids(tmp_path: Path) -> None:
    text = VALID_RECIPE.replace("item: rolled_oats", "item: rolled_oat")
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "ingredients[0].item")
    assert "unknown ingredient 'rolled_oat'" in problem.message
    assert "rolled_oats" in problem.message


def test_unknown_ingredient_suggests_ids_sharing_a_word_first(tmp_path: Path) -> None:
    text = VALID_RECIPE.replace("item: rolled_oats", "item: tofu")
    problem = only_problem(write_set(tmp_path / "r", {"a.yaml": text}))
    assert_names(problem, "a.yaml", "ingredients[0].item")
    assert "closest known ids: tofu_firm" in problem.message


def test_unknown_unit_suggests_valid_unit(tmp_path: Path) -> None:
    text = VALID_RECIPE.replace("unit: cup", "unit: cups")
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "ingredients[0].unit")
    assert "unknown unit 'cups'" in problem.message
    assert "did you mean 'cup'" in problem.message


def test_unit_without_conversion_says_what_to_add(tmp_path: Path) -> None:
    text = VALID_RECIPE.replace("amount: 2\n    unit: piece", "amount: 1\n    unit: cup")
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "ingredients[2].unit")
    assert "egg" in problem.message and "ingredients.yaml" in problem.message
    assert "g_per_ml" in problem.message


@pytest.mark.parametrize("amount", [-50, 0])
def test_negative_or_zero_amount(tmp_path: Path, amount: int) -> None:
    text = VALID_RECIPE.replace("amount: 300", f"amount: {amount}")
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "ingredients[1].amount")
    assert "greater than 0" in problem.message and str(amount) in problem.message


@pytest.mark.parametrize(
    ("written", "hint"),
    [("two", "number"), ("1/2", "0.5"), ("'300'", "remove the quotes"), ("300 ml", "unit")],
)
def test_non_numeric_amount(tmp_path: Path, written: str, hint: str) -> None:
    text = VALID_RECIPE.replace("amount: 300", f"amount: {written}")
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "ingredients[1].amount")
    assert "must be a number" in problem.message and hint in problem.message


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE, "sub/b.yaml": VALID_RECIPE})
    problem = only_problem(root)
    assert_names(problem, "b.yaml", "id")
    assert "duplicate recipe id 'porridge_with_egg'" in problem.message
    assert "a.yaml" in problem.message


def test_wrong_meal_name(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": recipe_yaml(meal=["breakfast", "diner"])})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "meal[1]")
    assert "unknown meal 'diner'" in problem.message and "did you mean 'dinner'" in problem.message


def test_empty_steps(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": recipe_yaml(steps=[])})
    assert_names(only_problem(root), "a.yaml", "steps")


def test_blank_step(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": recipe_yaml(steps=["Cook.", "  "])})
    assert_names(only_problem(root), "a.yaml", "steps[1]")


def test_step_with_unquoted_colon_explains_quoting(tmp_path: Path) -> None:
    text = VALID_RECIPE.replace("- Boil the eggs", "- Tip: boil the eggs")
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "steps[1]")
    assert "quote" in problem.message


@pytest.mark.parametrize("text", ["- just\n- a list\n", "plain text\n", ""])
def test_file_not_a_mapping(tmp_path: Path, text: str) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)
    assert "a.yaml" in str(problem)
    assert "must be a mapping of recipe fields" in problem.message


def test_unknown_key_typo_names_closest_key(tmp_path: Path) -> None:
    text = VALID_RECIPE.replace("ingredients:", "ingredents:")
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)  # reported once, as a typo, not also as "missing"
    assert_names(problem, "a.yaml", "ingredents")
    assert "did you mean 'ingredients'" in problem.message


def test_unknown_key_that_is_not_a_typo_lists_allowed_fields(tmp_path: Path) -> None:
    text = VALID_RECIPE + "calories: 300\n"
    problem = only_problem(write_set(tmp_path / "r", {"a.yaml": text}))
    assert_names(problem, "a.yaml", "calories")
    assert "allowed fields: id, name, meal" in problem.message


def test_diet_key_is_rejected_as_derived(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": recipe_yaml(diet="vegan")})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "diet")
    assert "derived" in problem.message


@pytest.mark.parametrize("servings", [0, 1.5, "two", True])
def test_servings_must_be_positive_whole_number(tmp_path: Path, servings: object) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": recipe_yaml(servings=servings)})
    problem = only_problem(root)
    assert_names(problem, "a.yaml", "servings")
    assert "whole number of 1 or more" in problem.message


def test_id_must_be_snake_case_but_need_not_match_file(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"other_name.yaml": recipe_yaml(id="Porridge-Egg")})
    assert_names(only_problem(root), "other_name.yaml", "id")
    ok = write_set(tmp_path / "ok", {"other_name.yaml": VALID_RECIPE})
    assert "porridge_with_egg" in load_recipes(ok).recipes


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    text = VALID_RECIPE + "steps:\n  - again\n"
    root = write_set(tmp_path / "r", {"a.yaml": text})
    problem = only_problem(root)
    assert "duplicate key 'steps'" in problem.message
    assert problem.field.startswith("line ")


def test_all_errors_in_the_set_are_reported_at_once(tmp_path: Path) -> None:
    root = write_set(
        tmp_path / "r",
        {
            "a.yaml": VALID_RECIPE.replace("unit: piece", "unit: pcs"),
            "b.yaml": recipe_yaml(id="second", meal="brunch", steps=[]),
        },
    )
    with pytest.raises(RecipeError) as caught:
        load_recipes(root)
    message = str(caught.value)
    assert {(Path(p.file).name, p.field) for p in caught.value.problems} == {
        ("a.yaml", "ingredients[2].unit"),
        ("b.yaml", "meal"),
        ("b.yaml", "steps"),
    }
    assert len(message.splitlines()) == 3


def test_ingredient_table_problems_name_the_field(tmp_path: Path) -> None:
    table = json.loads(json.dumps(INGREDIENTS))
    del table["egg"]["per_100g"]["b12_ug"]
    del table["salmon"]["ndb"]
    table["tofu_firm"]["kind"] = "vegetable"
    table["peanuts"]["ndb"] = 16090
    table["honey"]["unit"] = {"tbsp": 21}
    root = write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE}, ingredients=table)
    problems = problems_of(root)
    assert all(Path(p.file).name == "ingredients.yaml" for p in problems), problems
    by_field = {p.field: p.message for p in problems}
    assert "missing" in by_field["egg.per_100g.b12_ug"]
    assert "source" in by_field["salmon.ndb"]
    assert "use one of" in by_field["tofu_firm.kind"]
    assert "quote" in by_field["peanuts.ndb"]
    assert "did you mean 'units'" in by_field["honey.unit"]
    # the recipe that uses the broken egg entry adds no second, misleading "unknown" error
    assert len(problems) == 5


def test_unknown_group_names_file_field_and_closest_groups(tmp_path: Path) -> None:
    table = json.loads(json.dumps(INGREDIENTS))
    table["tofu_firm"]["groups"] = ["legume", "soya"]
    root = write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE}, ingredients=table)
    problem = only_problem(root)
    assert_names(problem, "ingredients.yaml", "tofu_firm.groups[1]")
    assert "unknown group 'soya'" in problem.message and "closest: soy" in problem.message


def test_group_lists_must_be_complete_and_fit_the_kind(tmp_path: Path) -> None:
    table = json.loads(json.dumps(INGREDIENTS))
    table["tofu_firm"]["groups"] = ["soy"]  # soy implies legume
    table["whole_milk"]["groups"] = ["cheese"]  # cheese implies milk
    table["peanut_butter"]["groups"] = ["milk"]  # a plant in an animal group: vegans would eat it
    table["egg"]["groups"] = ["mustard"]  # an egg without the egg group
    table["salmon"]["groups"] = "fish"  # not a list
    root = write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE}, ingredients=table)
    by_field = {p.field: p.message for p in problems_of(root)}
    assert "'soy' implies legume" in by_field["tofu_firm.groups"]
    assert "'cheese' implies milk" in by_field["whole_milk.groups"]
    assert "kind plant" in by_field["peanut_butter.groups"]
    assert "needs the group 'egg'" in by_field["egg.groups"]
    assert "must be a list" in by_field["salmon.groups"]


def test_groups_load_and_animal_kinds_get_their_group(tmp_path: Path) -> None:
    table = json.loads(json.dumps(INGREDIENTS))
    table["tofu_firm"]["groups"] = ["legume", "soy"]
    rs = load_recipes(write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE}, ingredients=table))
    assert rs.ingredients["tofu_firm"].groups == frozenset({"soy", "legume"})
    assert rs.ingredients["salmon"].groups == frozenset({"fish"})  # no list: from its kind
    assert rs.ingredients["chicken_breast"].groups == frozenset({"meat"})
    assert rs.ingredients["rolled_oats"].groups == frozenset()
    assert resolve_ingredient(rs, "soya") == ["tofu_firm"]  # group word, no "soy" in the name


def test_label_sourced_ingredient_must_be_fortified(tmp_path: Path) -> None:
    table = json.loads(json.dumps(INGREDIENTS))
    table["oat_milk_fortified"]["fortified"] = False
    root = write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE}, ingredients=table)
    problem = only_problem(root)
    assert_names(problem, "ingredients.yaml", "oat_milk_fortified.fortified")


def test_missing_ingredient_table(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE})
    (root / "ingredients.yaml").unlink()
    problems = problems_of(root)
    assert any("ingredients.yaml" in p.file and "not found" in p.message for p in problems)


def test_template_files_starting_with_underscore_are_skipped(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE, "_template.yaml": "id: ???\n"})
    assert list(load_recipes(root).recipes) == ["porridge_with_egg"]


# --------------------------------------------------------------------------- derived data


def one_recipe(tmp_path: Path, lines: list[dict], servings: int = 1) -> object:
    text = recipe_yaml(id="dish", servings=servings, ingredients=lines)
    rs = load_recipes(write_set(tmp_path / "r", {"dish.yaml": text}))
    return rs.recipes["dish"]


@pytest.mark.parametrize(
    ("items", "diet"),
    [
        (["rolled_oats", "tofu_firm"], Diet.VEGAN),
        (["rolled_oats", "honey"], Diet.VEGETARIAN),
        (["rolled_oats", "egg", "whole_milk"], Diet.VEGETARIAN),
        (["salmon", "egg"], Diet.PESCATARIAN),
        (["shrimp", "rolled_oats"], Diet.PESCATARIAN),
        (["chicken_breast", "salmon"], Diet.OMNIVORE),
    ],
)
def test_diet_is_derived_from_ingredient_kinds(
    tmp_path: Path, items: list[str], diet: Diet
) -> None:
    recipe = one_recipe(tmp_path, [{"item": i, "amount": 10, "unit": "g"} for i in items])
    assert recipe.diet is diet


def test_unit_conversions(tmp_path: Path) -> None:
    recipe = one_recipe(
        tmp_path,
        [
            {"item": "egg", "amount": 2, "unit": "piece"},  # units.piece 50 g
            {"item": "olive_oil", "amount": 1, "unit": "tbsp"},  # 15 ml x 0.9 g/ml
            {"item": "whole_milk", "amount": 0.5, "unit": "cup"},  # units.cup 244 g
            {"item": "oat_milk_fortified", "amount": 1, "unit": "cup"},  # 240 ml x 1.0
            {"item": "honey", "amount": 1, "unit": "tbsp"},  # units.tbsp wins over density
        ],
    )
    grams = {line.item: line.grams_total for line in recipe.ingredients}
    assert grams == pytest.approx(
        {"egg": 100, "olive_oil": 13.5, "whole_milk": 122, "oat_milk_fortified": 240, "honey": 21}
    )


def test_per_serving_nutrients_and_b12_sources(tmp_path: Path) -> None:
    text = VALID_RECIPE  # 2 servings: 81 g oats, 300 ml oat drink, 100 g egg
    rs = load_recipes(write_set(tmp_path / "r", {"a.yaml": text}))
    r = rs.recipes["porridge_with_egg"]
    assert r.grams_per_serving == pytest.approx(
        {"rolled_oats": 40.5, "oat_milk_fortified": 150.0, "egg": 50.0}
    )
    b12 = 0.0 * 0.405 + 0.38 * 1.5 + 0.89 * 0.5
    kcal = 379 * 0.405 + 46 * 1.5 + 143 * 0.5
    protein = 13.15 * 0.405 + 1.0 * 1.5 + 12.56 * 0.5
    assert r.per_serving.b12_ug == pytest.approx(b12)
    assert r.per_serving.kcal == pytest.approx(kcal)
    assert r.per_serving.protein_g == pytest.approx(protein)
    # fat is missing for the oat drink, so the recipe's fat is unknown rather than too low
    assert r.per_serving.fat_g is None
    assert r.b12_by_item == pytest.approx(
        {"rolled_oats": 0.0, "oat_milk_fortified": 0.57, "egg": 0.445}
    )
    assert r.main_b12_source == "oat_milk_fortified"
    assert r.fortified_b12 is True
    assert r.diet is Diet.VEGETARIAN
    assert r.meals == (Slot.BREAKFAST,)
    assert r.source_file == "a.yaml"
    assert rs.ingredients["egg"].kind is Kind.EGG


def test_recipe_without_b12_has_no_main_source(tmp_path: Path) -> None:
    recipe = one_recipe(tmp_path, [{"item": "rolled_oats", "amount": 50, "unit": "g"}])
    assert recipe.main_b12_source is None and recipe.fortified_b12 is False
    assert recipe.per_serving.fat_g == pytest.approx(6.52 * 0.5)


def test_recipe_to_json(tmp_path: Path) -> None:
    rs = load_recipes(write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE}))
    data = recipe_to_json(rs.recipes["porridge_with_egg"], rs)
    json.dumps(data)  # plain JSON types only
    assert data["meal"] == ["breakfast"] and data["diet"] == "vegetarian"
    assert data["per_serving"]["b12_ug"] == pytest.approx(1.015, abs=1e-4)
    assert "fat_g" not in data["per_serving"]
    items = {i["item"]: i for i in data["ingredients"]}
    assert items["egg"]["ndb"] == "01123" and items["oat_milk_fortified"]["ndb"] is None
    assert items["egg"]["grams_per_serving"] == 50.0


# --------------------------------------------------------------------------- look-ups


@pytest.fixture
def lookup_set(tmp_path: Path):
    recipes = {
        "a.yaml": VALID_RECIPE,
        "b.yaml": recipe_yaml(id="salmon_rice_bowl", name="Salmon rice bowl"),
        "c.yaml": recipe_yaml(id="tofu_scramble", name="Tofu scramble on toast"),
        "d.yaml": recipe_yaml(id="smoked_salmon_toast", name="Smoked salmon toast"),
    }
    return load_recipes(write_set(tmp_path / "r", recipes))


def test_find_and_search_recipes(lookup_set) -> None:
    rs = lookup_set
    assert find_recipe(rs, "salmon_rice_bowl").id == "salmon_rice_bowl"
    assert find_recipe(rs, "SALMON rice").id == "salmon_rice_bowl"
    assert find_recipe(rs, "tofu scrambel").id == "tofu_scramble"
    assert find_recipe(rs, "chocolate cake") is None
    assert [r.id for r in search_recipes(rs, "porridge")] == ["porridge_with_egg"]
    # a name that starts with the words ranks before one that merely contains them
    assert [r.id for r in search_recipes(rs, "salmon")] == [
        "salmon_rice_bowl",
        "smoked_salmon_toast",
    ]
    assert search_recipes(rs, "   ") == []


def test_search_answers_do_not_depend_on_earlier_searches(shipped: RecipeSet) -> None:
    """Searches share a per-set index and remembered word likenesses (some only as bounds):
    a query's answer must be what a fresh process gives, after any other queries."""
    # "griled" alone skips most name words at its cheap bounds; three words need them
    queries = ["griled", "griled macerel ith", "lek", "lek and poato", "tofu scrambel", "egg"]
    fresh = {}
    for query in queries:  # a copy of the set is a new index, nothing remembered
        alone = dataclasses.replace(shipped, recipes=dict(shipped.recipes))
        fresh[query] = [r.id for r in search_recipes(alone, query)]
    assert any(fresh.values())
    for query in queries + queries[::-1]:
        assert [r.id for r in search_recipes(shipped, query)] == fresh[query], query


class CountingMatcher(difflib.SequenceMatcher):
    made = 0

    def __init__(self, *args: object, **kwargs: object) -> None:
        CountingMatcher.made += 1
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def test_search_work_is_bounded_however_long_the_message(
    shipped: RecipeSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(difflib, "SequenceMatcher", CountingMatcher)
    for junk in ("egg " * 1000, "salmom " + "x" * 5000, " ".join("abcdefghijklmnop") * 50):
        CountingMatcher.made = 0
        find_recipe(shipped, junk)
        suggest_ingredient_words(shipped, junk)
        match_ingredient(shipped, junk)
        # a fixed ceiling of comparisons (uncapped, "egg " x 1000 made over a million)
        assert CountingMatcher.made < 5000, CountingMatcher.made
        # and the words past the cap change nothing
        capped = " ".join(junk.split()[:MAX_QUERY_WORDS])[:MAX_QUERY_CHARS]
        assert search_recipes(shipped, junk) == search_recipes(shipped, capped)
    assert find_recipe(shipped, "porridge" + " " * 5000) is not None  # trailing blanks cut


def test_resolve_ingredient(lookup_set) -> None:
    rs = lookup_set
    assert resolve_ingredient(rs, "peanuts") == ["peanut_butter", "peanuts"]
    assert resolve_ingredient(rs, "tofu") == ["tofu_firm"]
    assert resolve_ingredient(rs, "Eggs") == ["egg"]
    assert resolve_ingredient(rs, "peanut butter") == ["peanut_butter"]
    assert resolve_ingredient(rs, "fish") == ["salmon"]
    assert resolve_ingredient(rs, "seafood") == ["salmon", "shrimp"]
    assert resolve_ingredient(rs, "meat") == ["chicken_breast"]
    assert resolve_ingredient(rs, "nuts") == ["peanut_butter", "peanuts"]  # compound words
    assert resolve_ingredient(rs, "dairy") == ["whole_milk"]
    assert resolve_ingredient(rs, "salmom") == ["salmon"]
    assert resolve_ingredient(rs, "oat") == ["oat_milk_fortified", "rolled_oats"]
    assert resolve_ingredient(rs, "durian") == []


# --------------------------------------------------------------------------- CLI on a tmp set


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_recipes.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_check_and_list_on_small_set(tmp_path: Path, capsys) -> None:
    root = write_set(
        tmp_path / "r",
        {
            "a.yaml": VALID_RECIPE,
            "b.yaml": recipe_yaml(
                id="tofu_oats",
                meal=["breakfast", "snack"],
                ingredients=[{"item": "tofu_firm", "amount": 100, "unit": "g"}],
            ),
        },
    )
    assert run_cli(["recipes", "check", "--recipes", str(root)]) == 0
    out = capsys.readouterr().out
    assert "OK: 2 recipes" in out
    assert "vegan 1, vegetarian 1, pescatarian 0, omnivore 0" in out
    assert "1 from product labels" in out

    assert run_cli(["recipes", "list", "--json", "--diet", "vegan", "--recipes", str(root)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == ["tofu_oats"]

    assert run_cli(["recipes", "list", "--meal", "snack", "--recipes", str(root)]) == 0
    out = capsys.readouterr().out
    assert "tofu_oats" in out and "porridge_with_egg" not in out


def test_cli_check_reports_every_problem_and_fails(tmp_path: Path, capsys) -> None:
    root = write_set(
        tmp_path / "r",
        {"a.yaml": VALID_RECIPE.replace("unit: cup", "unit: tbs"), "b.yaml": "- x\n"},
    )
    assert run_cli(["recipes", "check", "--recipes", str(root)]) == 1
    err = capsys.readouterr().err
    assert "a.yaml: ingredients[0].unit: unknown unit 'tbs'" in err
    assert "did you mean 'tbsp'" in err
    assert "b.yaml: must be a mapping" in err
    assert "2 problems found" in err


# --------------------------------------------------------------------------- the shipped set


def test_shipped_set_loads(shipped: RecipeSet) -> None:
    rs = shipped
    assert rs.recipes and rs.ingredients
    for recipe in rs.recipes.values():
        assert recipe.per_serving.kcal > 0, recipe.id
        assert set(recipe.grams_per_serving) <= set(rs.ingredients)


def test_shipped_b12_recomputes_from_sr28(shipped: RecipeSet) -> None:
    # SR28 describes US products: with US values every recipe recomputes from its rows
    rs = for_region(shipped, "us")
    if not SR28_CSV.exists():
        pytest.skip("../shared/nutrition/usda_sr28_abbrev.csv not available")
    with SR28_CSV.open(newline="", encoding="utf-8") as handle:
        sr28_b12 = {row["NDB_No"]: float(row["Vit_B12_ug"] or 0) for row in csv.DictReader(handle)}
    raw_table = yaml.safe_load((RECIPES / "ingredients.yaml").read_text(encoding="utf-8"))
    # The one allowed departure from SR28: algae, tempeh and mushrooms count as 0 B12
    # (inactive analogues), documented by a b12_note on the entry.
    counted_as_zero = {i for i, entry in raw_table.items() if "b12_note" in entry}
    for recipe in rs.recipes.values():
        expected = 0.0
        for item, grams in recipe.grams_per_serving.items():
            ing = rs.ingredients[item]
            if item in counted_as_zero:
                per_100g = 0.0
            elif ing.ndb:
                per_100g = sr28_b12[ing.ndb]
            else:
                per_100g = ing.per_100g.b12_ug  # label value: nothing in SR28 to compare
            expected += grams * per_100g / 100
        assert recipe.b12_ug == pytest.approx(expected, rel=0.02, abs=1e-6), recipe.id


def test_shipped_recipes_match_published_schema(shipped: RecipeSet) -> None:
    rs = shipped
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = RECIPES / "recipe.schema.json"
    if not schema_path.exists():
        pytest.skip("recipes/recipe.schema.json not written yet")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    for recipe in rs.recipes.values():
        data = yaml.safe_load((RECIPES / recipe.source_file).read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)


def test_shipped_cli_functions(capsys) -> None:
    assert run_cli(["recipes", "check"]) == 0
    assert "OK:" in capsys.readouterr().out
    assert run_cli(["recipes", "list", "--json", "--diet", "vegan", "--meal", "snack"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data and all(d["diet"] == "vegan" and "snack" in d["meal"] for d in data)


def test_shipped_cli_through_main_py() -> None:
    check = subprocess.run(
        [sys.executable, "main.py", "recipes", "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if "cli_plan" in check.stderr and "ModuleNotFoundError" in check.stderr:
        pytest.skip("bot/cli/plan.py not written yet")
    assert check.returncode == 0, check.stderr
    assert "OK:" in check.stdout
    listing = subprocess.run(
        [sys.executable, "main.py", "recipes", "list", "--json", "--diet", "vegan"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(listing.stdout)
    assert data and all(item["diet"] == "vegan" for item in data)


def test_a_whole_word_beats_a_piece_of_a_word_in_recipe_search(shipped: RecipeSet) -> None:
    """'/ate egg' or '/recipe egg' means a dish with eggs, not the eggplant (aubergine) one."""
    rs = shipped
    found = find_recipe(rs, "egg")
    assert found is not None
    assert "eggplant" not in found.id
    assert re.search(r"\begg", found.name.lower())
    assert "eggplant" in find_recipe(rs, "eggplant").id


def test_a_fragment_or_stop_word_finds_no_recipe(shipped: RecipeSet) -> None:
    """'/recipe inf' once opened the mussels ("in"), '/recipe a' Apple Bircher muesli."""
    for fragment in ("inf", "a", "on", "no", "the", "in", "with and"):
        assert search_recipes(shipped, fragment) == [], fragment
    assert find_recipe(shipped, "mussels").id == "moules_marinieres"
    assert find_recipe(shipped, "no-bake cereal bars").id == "no_bake_cereal_bars"


def test_confident_recipe_needs_the_dish_not_a_word_of_it(shipped: RecipeSet) -> None:
    """What /ate logs: a dish only when the words name it beyond doubt, never a guess."""
    for vague in ("inf", "bread", "a", "on", "no", "egg", "pie", "chicken", "omelette", "tofu"):
        assert confident_recipe(shipped, vague) is None, vague
    assert confident_recipe(shipped, "shakshuka").id == "shakshuka"
    assert confident_recipe(shipped, "Tofu scramble").id == "tofu_scramble_toast"
    assert confident_recipe(shipped, "egg salad sandwiches").id == "egg_salad_sandwich"
    assert confident_recipe(shipped, "lentil shepherds pie").id == "lentil_shepherds_pie"
    assert confident_recipe(shipped, "spinach and feta omelette").id == "spinach_feta_omelette"
    assert confident_recipe(shipped, "moules_marinieres").id == "moules_marinieres"


def test_taste_is_checked_and_optional(tmp_path: Path) -> None:
    bad = write_set(tmp_path / "bad", {"a.yaml": recipe_yaml(taste="salty")})
    found = problems_of(bad)
    assert any(p.field == "taste" and "savoury, sweet" in p.message for p in found), found
    good = write_set(tmp_path / "good", {"a.yaml": recipe_yaml(taste="Sweet")})
    assert load_recipes(good).recipes["porridge_with_egg"].taste == "sweet"
    plain = write_set(tmp_path / "plain", {"a.yaml": recipe_yaml()})
    assert load_recipes(plain).recipes["porridge_with_egg"].taste == ""


def test_fortified_share_of_a_recipe_is_derived(tmp_path: Path) -> None:
    rs = load_recipes(write_set(tmp_path / "r", {"a.yaml": VALID_RECIPE}))
    recipe = rs.recipes["porridge_with_egg"]
    assert recipe.fortified_b12_ug == pytest.approx(recipe.b12_by_item["oat_milk_fortified"])
    assert 0 < recipe.fortified_b12_ug < recipe.b12_ug  # the egg's B12 is not fortified
