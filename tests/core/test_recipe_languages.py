"""Recipe and food texts per language: the loader's forms, fallbacks and file+field problems,
the `recipes check` gap report and `recipes list/foods --lang`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml
from repo_paths import RECIPES

from bot.cli import recipes as cli_recipes
from bot.core.languages import (
    SUPPORTED_LANGUAGES,
    localized_aisle,
    localized_name,
    localized_steps,
    normalise_language,
)
from bot.core.recipe_problems import Problem, RecipeError
from bot.core.recipes import load_recipes, translation_gaps

TABLE: dict[str, dict] = {
    "egg": {
        "name": {"en": "Egg", "de": "Ei", "es": "Huevo", "fr": "Œuf"},
        "kind": "egg",
        "aisle": "Dairy & eggs",
        "ndb": "01123",
        "per_100g": {"kcal": 143, "protein_g": 12.56, "b12_ug": 0.89},
        "units": {"piece": 50},
    },
    "rolled_oats": {
        "name": "Rolled oats",
        "kind": "plant",
        "aisle": "Grains, pasta & cereal",
        "ndb": "08120",
        "per_100g": {"kcal": 379, "protein_g": 13.15, "b12_ug": 0.0},
    },
}

ENGLISH_STEPS = ["Simmer the oats for 5 minutes.", "Boil the eggs for 8 minutes."]
GERMAN_STEPS = ["Die Haferflocken 5 Minuten köcheln lassen.", "Die Eier 8 Minuten kochen."]


def recipe(name: object, steps: object) -> str:
    data = {
        "id": "oats_and_egg",
        "name": name,
        "meal": "breakfast",
        "servings": 1,
        "time_min": 10,
        "ingredients": [
            {"item": "rolled_oats", "amount": 50, "unit": "g"},
            {"item": "egg", "amount": 1, "unit": "piece"},
        ],
        "steps": steps,
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_set(root: Path, text: str, table: dict | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    dump = yaml.safe_dump(table or TABLE, sort_keys=False, allow_unicode=True)
    (root / "ingredients.yaml").write_text(dump, encoding="utf-8")
    (root / "oats_and_egg.yaml").write_text(text, encoding="utf-8")
    return root


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(RecipeError) as caught:
        load_recipes(root)
    return caught.value.problems


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_recipes.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


# --------------------------------------------------------------------------- loading


def test_mapping_form_loads_and_each_field_falls_back_to_english(tmp_path: Path) -> None:
    text = recipe(
        {"en": "Oats and an egg", "de": "Hafer mit Ei", "fr": "Avoine et œuf"},
        {"en": ENGLISH_STEPS, "de": GERMAN_STEPS},
    )
    r = load_recipes(write_set(tmp_path / "r", text)).recipes["oats_and_egg"]
    assert r.name == "Oats and an egg" and r.steps == tuple(ENGLISH_STEPS)
    assert localized_name(r, "de") == "Hafer mit Ei"
    assert localized_steps(r, "de-DE") == tuple(GERMAN_STEPS)
    # French has a name but no steps: the name is French, the steps English
    assert localized_name(r, "fr") == "Avoine et œuf"
    assert localized_steps(r, "fr") == tuple(ENGLISH_STEPS)
    assert localized_name(r, "es") == "Oats and an egg"
    assert localized_name(r, "xx") == localized_name(r, None) == "Oats and an egg"


def test_plain_english_still_loads_and_is_reported_as_untranslated(tmp_path: Path) -> None:
    root = write_set(tmp_path / "r", recipe("Oats and an egg", ENGLISH_STEPS))
    rs = load_recipes(root)
    r = rs.recipes["oats_and_egg"]
    assert r.names == {"en": "Oats and an egg"}
    assert localized_steps(r, "es") == tuple(ENGLISH_STEPS)
    gaps = {(Path(g.file).name, g.field): g.message for g in translation_gaps(rs, root)}
    assert gaps[("oats_and_egg.yaml", "name")] == "no translation in de, es, fr"
    assert gaps[("oats_and_egg.yaml", "steps")] == "no translation in de, es, fr"
    assert gaps[("ingredients.yaml", "rolled_oats.name")] == "no translation in de, es, fr"
    assert ("ingredients.yaml", "egg.name") not in gaps  # the egg has all four


def test_a_mapping_without_english_names_the_file_and_field(tmp_path: Path) -> None:
    text = recipe({"de": "Hafer mit Ei"}, {"de": GERMAN_STEPS})
    found = {(Path(p.file).name, p.field) for p in problems_of(write_set(tmp_path / "r", text))}
    assert found == {("oats_and_egg.yaml", "name.en"), ("oats_and_egg.yaml", "steps.en")}


def test_an_unknown_language_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    text = recipe({"en": "Oats", "ger": "Hafer"}, ENGLISH_STEPS)
    (problem,) = problems_of(write_set(tmp_path / "r", text))
    assert problem.field == "name.ger"
    assert "unknown language 'ger'" in problem.message
    assert ", ".join(SUPPORTED_LANGUAGES) in problem.message


@pytest.mark.parametrize(
    ("german", "field", "words"),
    [
        ("Alles kochen.", "steps.de", "non-empty list of steps"),
        ([GERMAN_STEPS[0]], "steps.de", "has 1 steps, the English has 2"),
        ([GERMAN_STEPS[0], ""], "steps.de[1]", "must not be empty"),
        ([GERMAN_STEPS[0], {"Kochen": "8 Minuten"}], "steps.de[1]", "must be text"),
    ],
)
def test_malformed_translated_steps_name_the_field(
    tmp_path: Path, german: object, field: str, words: str
) -> None:
    text = recipe("Oats", {"en": ENGLISH_STEPS, "de": german})
    (problem,) = problems_of(write_set(tmp_path / "r", text))
    assert Path(problem.file).name == "oats_and_egg.yaml"
    assert problem.field == field
    assert words in problem.message


def test_a_malformed_food_name_names_the_table_and_field(tmp_path: Path) -> None:
    table = {**TABLE, "egg": {**TABLE["egg"], "name": {"en": "Egg", "de": 3}}}
    root = write_set(tmp_path / "r", recipe("Oats", ENGLISH_STEPS), table)
    problems = problems_of(root)
    assert any(
        Path(p.file).name == "ingredients.yaml" and p.field == "egg.name.de" for p in problems
    ), problems


def test_food_names_and_aisles_per_language(tmp_path: Path) -> None:
    rs = load_recipes(write_set(tmp_path / "r", recipe("Oats", ENGLISH_STEPS)))
    egg = rs.ingredients["egg"]
    assert egg.name == "Egg" and localized_name(egg, "fr") == "Œuf"
    assert localized_name(rs.ingredients["rolled_oats"], "de") == "Rolled oats"
    assert localized_aisle(egg.aisle, "de") == "Milchprodukte & Eier"
    assert localized_aisle(egg.aisle, "en") == "Dairy & eggs"
    assert localized_aisle("Corner shop", "es") == "Corner shop"


def test_language_codes_are_normalised() -> None:
    assert normalise_language("FR_ca") == "fr"
    assert normalise_language("pt-BR") == "en"
    assert normalise_language("") == "en"


def test_schema_accepts_both_forms_and_requires_english() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((RECIPES / "recipe.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(recipe("Oats", ENGLISH_STEPS)), schema)
    both = recipe({"en": "Oats", "de": "Hafer"}, {"en": ENGLISH_STEPS, "de": GERMAN_STEPS})
    jsonschema.validate(yaml.safe_load(both), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(recipe({"de": "Hafer"}, ENGLISH_STEPS)), schema)


# --------------------------------------------------------------------------- CLI


def test_check_lists_gaps_in_your_own_set_and_fails_when_required(tmp_path: Path, capsys) -> None:
    root = write_set(tmp_path / "r", recipe("Oats and an egg", ENGLISH_STEPS))
    assert run_cli(["recipes", "check", "--recipes", str(root)]) == 0
    out = capsys.readouterr().out
    assert "OK:" in out and "oats_and_egg.yaml: name: no translation in de, es, fr" in out
    assert run_cli(["recipes", "check", "--recipes", str(root), "--languages", "require"]) == 1
    err = capsys.readouterr().err
    assert "rolled_oats.name: no translation in de, es, fr" in err
    assert "3 missing translations in 2 files" in err


def test_check_says_a_complete_set_is_complete(tmp_path: Path, capsys) -> None:
    full = {lang: f"Oats {lang}" for lang in SUPPORTED_LANGUAGES}
    steps = {lang: [f"{s} ({lang})" for s in ENGLISH_STEPS] for lang in SUPPORTED_LANGUAGES}
    oats = {**TABLE["rolled_oats"], "name": full}
    root = write_set(tmp_path / "r", recipe(full, steps), {**TABLE, "rolled_oats": oats})
    assert run_cli(["recipes", "check", "--recipes", str(root), "--languages", "require"]) == 0
    assert "translations: complete in en, de, es, fr" in capsys.readouterr().out


def test_list_and_foods_json_in_a_language(tmp_path: Path, capsys) -> None:
    text = recipe(
        {"en": "Oats and an egg", "de": "Hafer mit Ei"}, {"en": ENGLISH_STEPS, "de": GERMAN_STEPS}
    )
    root = write_set(tmp_path / "r", text)
    assert run_cli(["recipes", "list", "--json", "--lang", "de", "--recipes", str(root)]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert item["name"] == "Hafer mit Ei" and item["steps"] == GERMAN_STEPS
    assert {i["item"]: i["name"] for i in item["ingredients"]} == {
        "rolled_oats": "Rolled oats",
        "egg": "Ei",
    }
    assert run_cli(["recipes", "list", "--json", "--recipes", str(root)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Oats and an egg"
    assert run_cli(["recipes", "foods", "--json", "--lang", "es", "--recipes", str(root)]) == 0
    names = {f["id"]: f["name"] for f in json.loads(capsys.readouterr().out)}
    assert names == {"egg": "Huevo", "rolled_oats": "Rolled oats"}


def test_shipped_list_in_german_gives_the_files_german_texts(capsys) -> None:
    assert run_cli(["recipes", "list", "--json", "--lang", "de"]) == 0
    listed = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    assert listed
    for path in (RECIPES / "dishes").rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["id"] in listed:
            assert listed[data["id"]]["name"] == data["name"]["de"]
            assert listed[data["id"]]["steps"] == data["steps"]["de"]
