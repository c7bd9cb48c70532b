"""Load the recipe set: check every recipe file under recipes/ and derive a `RecipeSet`.

`load_recipes` reads the ingredient table (`bot.core.ingredient_table`), then every recipe
file, and either raises one `RecipeError` listing every problem in every file or returns
recipes with their diet, per-serving nutrients and main B12 source worked out. Also here: the
JSON form of a recipe (`recipes list --json`) and `allowed_for`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.core.ingredient_table import load_ingredients
from bot.core.languages import (
    DEFAULT_LANGUAGE,
    localized_name,
    localized_steps,
    missing_languages,
)
from bot.core.models import (
    UNITS,
    Diet,
    Ingredient,
    Nutrients,
    Recipe,
    RecipeIngredient,
    RecipeSet,
    Slot,
    diet_for_kinds,
)
from bot.core.recipe_problems import (
    FileReport,
    Problem,
    RecipeError,
    check_keys,
    check_localized_list,
    check_localized_text,
    check_text,
    closest,
    describe_value,
    did_you_mean,
    is_number,
    number_hint,
    read_yaml,
    shown_path,
)
from bot.core.recipe_schema import (
    INGREDIENTS_FILE,
    LINE_KEYS,
    PER_100G_OPTIONAL,
    RECIPE_OPTIONAL,
    RECIPE_REQUIRED,
    SLOT_NAMES,
    SNAKE_CASE,
    TASTES,
)
from bot.core.regions import for_region, fortified_part

DEFAULT_RECIPES_DIR = Path(__file__).resolve().parents[2] / "recipes"


def _unknown_ingredient_message(item: str, known: Iterable[str]) -> str:
    """Suggest ids sharing a word with `item` first (tofu -> tofu_firm), then look-alikes."""
    known = sorted(known)
    words = set(item.split("_"))
    sharing = [k for k in known if words & set(k.split("_"))]
    look_alike = [k for k in closest(item, known, n=3, cutoff=0.5) if k not in sharing]
    suggestions = (sharing + look_alike)[:5]
    if suggestions:
        hint = f"closest known ids: {', '.join(suggestions)}"
    else:
        hint = "no similar id in ingredients.yaml"
    return (
        f"unknown ingredient {item!r}; {hint}. A new food must be added to ingredients.yaml first"
    )


def _conversion_hint(ing: Ingredient, unit: str) -> str:
    if unit in ("piece", "slice"):
        add = f"units: {{{unit}: <grams of one {unit}>}}"
    elif unit == "ml":
        add = "g_per_ml: <density>"
    else:
        add = f"g_per_ml: <density> or units: {{{unit}: <grams>}}"
    return (
        f"{ing.id} has no weight for unit {unit!r}; add `{add}` to {ing.id} in "
        f"ingredients.yaml (SR28 household measures give the grams), or give the amount in g"
    )


def _check_meals(value: object, report: FileReport) -> tuple[Slot, ...] | None:
    raw = [value] if isinstance(value, str) else value
    if not isinstance(raw, list) or not raw:
        report.bad(
            "meal",
            f"must be one of {', '.join(SLOT_NAMES)} or a list of them, "
            f"got {describe_value(value)}",
        )
        return None
    meals: list[Slot] = []
    ok = True
    for i, name in enumerate(raw):
        field = "meal" if isinstance(value, str) else f"meal[{i}]"
        if isinstance(name, str) and name.strip().lower() in SLOT_NAMES:
            slot = Slot(name.strip().lower())
            if slot not in meals:
                meals.append(slot)
        else:
            report.bad(
                field,
                f"unknown meal {describe_value(name)}{did_you_mean(name, SLOT_NAMES)}; "
                f"use one of {', '.join(SLOT_NAMES)}",
            )
            ok = False
    return tuple(meals) if ok else None


def _check_whole(value: object, field: str, minimum: int, report: FileReport) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    report.bad(
        field,
        f"must be a whole number of {minimum} or more, "
        f"got {describe_value(value)}{number_hint(value)}",
    )
    return None


def _check_lines(
    value: object,
    ingredients: dict[str, Ingredient],
    broken_ids: set[str],
    report: FileReport,
) -> list[tuple[str, float, str]] | None:
    if not isinstance(value, list) or not value:
        report.bad(
            "ingredients",
            "must be a non-empty list of {item, amount, unit} entries "
            f"(each starting with '- item: ...'), got {describe_value(value)}",
        )
        return None
    before = report.count
    lines: list[tuple[str, float, str]] = []
    for i, line in enumerate(value):
        at = f"ingredients[{i}]"
        if not isinstance(line, dict):
            report.bad(at, f"must be a mapping {{item, amount, unit}}, got {describe_value(line)}")
            continue
        check_keys(line, LINE_KEYS, (), f"{at}.", report)
        item = line.get("item")
        label = f" for {item}" if isinstance(item, str) else ""
        ing: Ingredient | None = None
        if "item" in line:
            if not isinstance(item, str) or not item.strip():
                report.bad(f"{at}.item", f"must be an ingredient id, got {describe_value(item)}")
            elif item in ingredients:
                ing = ingredients[item]
            elif item not in broken_ids:  # a broken table entry is already reported
                report.bad(f"{at}.item", _unknown_ingredient_message(item, ingredients))
            else:
                report.unusable()
        amount = line.get("amount")
        if "amount" in line:
            if not is_number(amount):
                report.bad(
                    f"{at}.amount",
                    f"must be a number like 150 or 0.5, got {describe_value(amount)}"
                    f"{number_hint(amount)}",
                )
            elif amount <= 0:
                report.bad(f"{at}.amount", f"must be greater than 0{label}, got {amount!r}")
        unit = line.get("unit")
        if "unit" in line:
            if unit not in UNITS:
                report.bad(
                    f"{at}.unit",
                    f"unknown unit {describe_value(unit)}{label}; use one of {', '.join(UNITS)}"
                    f"{did_you_mean(unit, UNITS)}",
                )
            elif ing is not None and not ing.can_convert(unit):
                report.bad(f"{at}.unit", _conversion_hint(ing, unit))
        if report.count == before:
            lines.append((item, float(amount), unit))  # type: ignore[arg-type]
    return lines if report.count == before else None


def _check_tags(value: object, report: FileReport) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list):
        report.bad("tags", f"must be a list of words, got {describe_value(value)}")
        return None
    before = report.count
    tags = [check_text(tag, f"tags[{i}]", report) for i, tag in enumerate(value)]
    return tuple(t for t in tags if t) if report.count == before else None


def _check_taste(value: object, report: FileReport) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str) and value.strip().lower() in TASTES:
        return value.strip().lower()
    report.bad(
        "taste",
        f"must be one of {', '.join(TASTES)}, got {describe_value(value)}"
        f"{did_you_mean(value, TASTES)}",
    )
    return None


def _build_recipe(
    fields: dict[str, Any],
    lines: list[tuple[str, float, str]],
    ingredients: dict[str, Ingredient],
    source_file: str,
) -> Recipe:
    """Turn checked fields into a Recipe with per-serving nutrients (only when all known)."""
    servings: int = fields["servings"]
    parts: list[RecipeIngredient] = []
    grams_per_serving: dict[str, float] = {}
    for item, amount, unit in lines:
        grams = ingredients[item].grams(amount, unit)
        parts.append(RecipeIngredient(item=item, amount=amount, unit=unit, grams_total=grams))
        grams_per_serving[item] = grams_per_serving.get(item, 0.0) + grams / servings
    per_serving = Nutrients()
    b12_by_item: dict[str, float] = {}
    for item, grams in grams_per_serving.items():
        nutrients = ingredients[item].per_100g.scaled(grams / 100.0)
        per_serving = per_serving + nutrients
        b12_by_item[item] = nutrients.b12_ug
    # An optional nutrient missing for one ingredient makes the recipe total unknown, not low.
    unknown = {
        name: None
        for name in PER_100G_OPTIONAL
        if any(getattr(ingredients[i].per_100g, name) is None for i in grams_per_serving)
    }
    per_serving = dataclasses.replace(per_serving, **unknown)
    top = max(b12_by_item, key=lambda i: b12_by_item[i])
    return Recipe(
        id=fields["id"],
        name=fields["name"][DEFAULT_LANGUAGE],
        meals=fields["meal"],
        servings=servings,
        time_min=fields["time_min"],
        ingredients=tuple(parts),
        steps=fields["steps"][DEFAULT_LANGUAGE],
        tags=fields["tags"],
        diet=diet_for_kinds(frozenset(ingredients[i].kind for i in grams_per_serving)),
        per_serving=per_serving,
        grams_per_serving=grams_per_serving,
        b12_by_item=b12_by_item,
        fortified_b12=any(ingredients[i].fortified and b12 > 0 for i, b12 in b12_by_item.items()),
        main_b12_source=top if b12_by_item[top] > 0 else None,
        source_file=source_file,
        fortified_b12_ug=fortified_part(b12_by_item, ingredients),
        taste=fields["taste"],
        names=fields["name"],
        steps_by_lang=fields["steps"],
    )


_DIET_KEY = {
    "diet": "remove this field: a recipe's diet is derived from its ingredients' kind in "
    "ingredients.yaml, so it cannot drift from what is in the dish",
}


def _check_recipe(
    data: object,
    ingredients: dict[str, Ingredient],
    broken_ids: set[str],
    source_file: str,
    report: FileReport,
) -> Recipe | None:
    if not isinstance(data, dict):
        report.bad(
            "",
            "must be a mapping of recipe fields (id:, name:, meal:, servings:, time_min:, "
            f"ingredients:, steps:), got {describe_value(data)}",
        )
        return None
    before = report.count
    check_keys(data, RECIPE_REQUIRED, RECIPE_OPTIONAL, "", report, special=_DIET_KEY)

    fields: dict[str, Any] = {}
    if "id" in data:
        rid = data["id"]
        if isinstance(rid, str) and SNAKE_CASE.match(rid):
            fields["id"] = rid
        else:
            report.bad(
                "id",
                f"must be snake_case (lowercase letters, digits and _), got {describe_value(rid)}, "
                "e.g. id: salmon_rice_bowl",
            )
    if "name" in data:
        fields["name"] = check_localized_text(data["name"], "name", report)
    if "meal" in data:
        fields["meal"] = _check_meals(data["meal"], report)
    if "servings" in data:
        fields["servings"] = _check_whole(data["servings"], "servings", 1, report)
    if "time_min" in data:
        fields["time_min"] = _check_whole(data["time_min"], "time_min", 0, report)
    lines = (
        _check_lines(data["ingredients"], ingredients, broken_ids, report)
        if "ingredients" in data
        else None
    )
    if "steps" in data:
        fields["steps"] = check_localized_list(data["steps"], "steps", "steps", report)
    fields["tags"] = _check_tags(data.get("tags"), report)
    fields["taste"] = _check_taste(data.get("taste"), report)

    if report.count > before or lines is None:
        return None
    return _build_recipe(fields, lines, ingredients, source_file)


def _recipe_files(directory: Path) -> list[Path]:
    """Every *.yaml/*.yml below `directory` except the ingredient table.

    Names starting with `_` or `.` (templates, editor files) are skipped on purpose.
    """
    found = []
    for path in directory.rglob("*"):
        rel = path.relative_to(directory)
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        if rel.as_posix() == INGREDIENTS_FILE:
            continue
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        found.append(path)
    return sorted(found)


def load_recipes(directory: str | Path | None = None, region: str | None = None) -> RecipeSet:
    """Validate the whole set under `directory` (default: the repo's recipes/).

    Raises RecipeError listing every problem in every file; returns a fully derived RecipeSet
    with the fortified values of `region` (default: the lowest of every region, and only what
    is sold everywhere, so code that never asks for a region never over-promises).
    """
    root = Path(directory) if directory is not None else DEFAULT_RECIPES_DIR
    problems: list[Problem] = []
    if not root.is_dir():
        raise RecipeError([Problem(shown_path(root), "", "recipe directory not found")])
    ingredients, broken_ids = load_ingredients(root / INGREDIENTS_FILE, problems)

    recipes: dict[str, Recipe] = {}
    first_file_of: dict[str, str] = {}
    files = _recipe_files(root)
    if not files:
        problems.append(
            Problem(shown_path(root), "", "no recipe files (*.yaml) found next to ingredients.yaml")
        )
    for path in files:
        shown = shown_path(path)
        report = FileReport(problems, shown)
        ok, data = read_yaml(path, report)
        if not ok:
            continue
        rid = data.get("id") if isinstance(data, dict) else None
        if isinstance(rid, str):
            if rid in first_file_of:
                report.bad(
                    "id",
                    f"duplicate recipe id {rid!r}: also used by {first_file_of[rid]}; "
                    "every recipe needs its own id",
                )
            else:
                first_file_of[rid] = shown
        recipe = _check_recipe(
            data, ingredients, broken_ids, path.relative_to(root).as_posix(), report
        )
        if recipe is not None and report.count == 0:
            recipes[recipe.id] = recipe
    if problems:
        raise RecipeError(problems)
    return for_region(RecipeSet(ingredients=ingredients, recipes=recipes), region)


# --------------------------------------------------------------------------- JSON


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def nutrients_to_json(n: Nutrients) -> dict[str, float]:
    """kcal, protein_g, b12_ug always; the optional nutrients only when known."""
    out: dict[str, float] = {
        "kcal": round(n.kcal, 1),
        "protein_g": round(n.protein_g, 2),
        "b12_ug": round(n.b12_ug, 4),
    }
    for name in PER_100G_OPTIONAL:
        value = _rounded(getattr(n, name), 3)
        if value is not None:
            out[name] = value
    return out


def recipe_to_json(r: Recipe, rs: RecipeSet, lang: str | None = None) -> dict[str, Any]:
    """A recipe as plain JSON data (what `recipes list --json` prints), its name, steps and
    ingredient names in `lang` (English where a text has no translation)."""
    return {
        "id": r.id,
        "name": localized_name(r, lang),
        "meal": [m.value for m in r.meals],
        "diet": r.diet.value,
        "servings": r.servings,
        "time_min": r.time_min,
        "per_serving": nutrients_to_json(r.per_serving),
        "fortified_b12": r.fortified_b12,
        "fortified_b12_ug": round(r.fortified_b12_ug, 4),
        "main_b12_source": r.main_b12_source,
        "taste": r.taste,
        "region": rs.region,
        "ingredients": [
            {
                "item": item,
                "name": localized_name(rs.ingredients[item], lang),
                "ndb": rs.ingredients[item].ndb,
                "source": rs.ingredients[item].source,
                "grams_per_serving": round(grams, 2),
                "b12_ug": round(r.b12_by_item[item], 4),
            }
            for item, grams in r.grams_per_serving.items()
        ],
        "steps": list(localized_steps(r, lang)),
        "tags": list(r.tags),
        "source_file": r.source_file,
    }


def allowed_for(rs: RecipeSet, diet: Diet | None = None, meal: Slot | None = None) -> list[Recipe]:
    """Recipes a person on `diet` may eat in `meal` (None = any), in file order; recipes using
    a product not sold in the set's region are left out."""
    return [
        r
        for r in rs.recipes.values()
        if (diet is None or diet.allows(r.diet))
        and (meal is None or meal in r.meals)
        and r.id not in rs.hidden
    ]


# --------------------------------------------------------------------------- languages


def translation_gaps(rs: RecipeSet, directory: str | Path | None = None) -> list[Problem]:
    """Every recipe name, recipe method and food name that lacks a supported language.

    Not a load error (a user's own English-only recipe still loads and shows in English);
    `recipes check` lists these and the shipped set must have none.
    """
    root = Path(directory) if directory is not None else DEFAULT_RECIPES_DIR
    gaps: list[Problem] = []

    def note(file: str, field: str, texts: dict[str, Any]) -> None:
        missing = missing_languages(texts)
        if missing:
            gaps.append(Problem(file, field, f"no translation in {', '.join(missing)}"))

    table = shown_path(root / INGREDIENTS_FILE)
    for ing in rs.ingredients.values():
        note(table, f"{ing.id}.name", ing.names)
    for r in rs.recipes.values():
        shown = shown_path(root / r.source_file)
        note(shown, "name", r.names)
        note(shown, "steps", r.steps_by_lang)
    return gaps
