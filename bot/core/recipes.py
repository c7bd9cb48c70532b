"""Load and validate the YAML recipe set into typed `RecipeSet` objects.

Recipe authors are the audience of every error: each problem names the file, the field path
and what to write instead, and the whole set is checked before anything is raised, so one run
of `python main.py recipes check` lists every mistake at once. Checks are hand-written (not
pydantic) because the useful hints ("did you mean 'ingredients'?", "add g_per_ml to oat_milk in
ingredients.yaml") depend on the ingredient table, which a schema cannot see.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.models import (
    SLOT_ORDER,
    UNITS,
    Diet,
    Ingredient,
    Kind,
    Nutrients,
    Recipe,
    RecipeIngredient,
    RecipeSet,
    Slot,
    diet_for_kinds,
)

DEFAULT_RECIPES_DIR = Path(__file__).resolve().parents[2] / "recipes"
INGREDIENTS_FILE = "ingredients.yaml"

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
NDB_PATTERN = re.compile(r"^\d{5}$")  # every SR28 NDB_No is five digits

RECIPE_REQUIRED = ("id", "name", "meal", "servings", "time_min", "ingredients", "steps")
RECIPE_OPTIONAL = ("tags",)
LINE_KEYS = ("item", "amount", "unit")

INGREDIENT_REQUIRED = ("name", "kind", "aisle", "per_100g")
INGREDIENT_OPTIONAL = ("ndb", "source", "fortified", "groups", "units", "g_per_ml", "b12_note")
PER_100G_REQUIRED = ("kcal", "protein_g", "b12_ug")
PER_100G_OPTIONAL = ("fat_g", "carbs_g", "fibre_g", "folate_ug", "vit_d_ug")
UNIT_WEIGHT_KEYS = ("piece", "slice", "tsp", "tbsp", "cup")

SLOT_NAMES = tuple(s.value for s in SLOT_ORDER)
KIND_NAMES = tuple(k.value for k in Kind)

# Allergen and food groups an ingredient may list in `groups:`. The first block is the EU's 14
# major allergens (Regulation 1169/2011 Annex II) and the US's 9 (FALCPA + FASTER Act); the rest
# are words people use for what they avoid. A group means "contains it as an ingredient in the
# usual product"; labels vary, so users with an allergy still read the label.
ALLERGEN_GROUPS: dict[str, str] = {
    "gluten": "cereals containing gluten: wheat, rye, barley, spelt (oats are kept apart)",
    "wheat": "wheat in any form (flour, semolina, bran, couscous, soy sauce)",
    "crustacean": "crustaceans (shrimp, prawns, crab, lobster)",
    "mollusc": "molluscs (mussels, clams, oysters, squid)",
    "shellfish": "crustaceans and molluscs",
    "egg": "eggs and foods made with egg",
    "fish": "fish",
    "peanut": "peanuts",
    "tree_nut": "tree nuts: almonds, cashews, walnuts, hazelnuts, pecans, pistachios ...",
    "soy": "soybeans and soy foods",
    "milk": "milk and dairy foods (cow, goat, sheep)",
    "celery": "celery and celeriac (also in most stock and broth)",
    "mustard": "mustard (also in many curry powders and mayonnaises)",
    "sesame": "sesame seeds, tahini and sesame oil",
    "sulphites": "sulphur dioxide / sulphites above 10 mg/kg (dried fruit, vinegar, bottled juice)",
    "lupin": "lupin flour and seeds",
}
FOOD_GROUPS: dict[str, str] = {
    "nuts": "tree nuts and peanuts (what people mean by 'nuts')",
    "cheese": "cheese of any kind",
    "cereal": "breakfast cereals",
    "oats": "oats and oat products (not gluten by themselves; often cross-contaminated)",
    "rye": "rye (a gluten cereal)",
    "barley": "barley and malt (a gluten cereal)",
    "meat": "meat and poultry, and broth made from them",
    "red_meat": "beef, lamb and pork",
    "beef": "beef",
    "pork": "pork",
    "lamb": "lamb and mutton",
    "poultry": "chicken and other poultry",
    "legume": "beans, lentils, peas, chickpeas, soy and peanuts",
    "mushroom": "mushrooms",
    "yeast": "baker's and nutritional yeast",
    "corn": "corn (maize)",
    "coconut": "coconut (not a tree nut in EU or current US rules)",
    "nightshade": "tomatoes, potatoes, peppers, aubergine, chilli and paprika",
}
KNOWN_GROUPS: dict[str, str] = ALLERGEN_GROUPS | FOOD_GROUPS

# A group that implies others: an ingredient listing the key must list these too.
GROUP_IMPLIES: dict[str, frozenset[str]] = {
    "wheat": frozenset({"gluten"}),
    "rye": frozenset({"gluten"}),
    "barley": frozenset({"gluten"}),
    "crustacean": frozenset({"shellfish"}),
    "mollusc": frozenset({"shellfish"}),
    "tree_nut": frozenset({"nuts"}),
    "peanut": frozenset({"nuts", "legume"}),
    "soy": frozenset({"legume"}),
    "lupin": frozenset({"legume"}),
    "cheese": frozenset({"milk"}),
    "beef": frozenset({"red_meat", "meat"}),
    "pork": frozenset({"red_meat", "meat"}),
    "lamb": frozenset({"red_meat", "meat"}),
    "red_meat": frozenset({"meat"}),
    "poultry": frozenset({"meat"}),
}

# Each animal kind must carry its group, and a plant must carry none of them (diet safety).
KIND_GROUP: dict[Kind, str] = {
    Kind.DAIRY: "milk",
    Kind.EGG: "egg",
    Kind.FISH: "fish",
    Kind.SHELLFISH: "shellfish",
    Kind.MEAT: "meat",
}


def expand_groups(groups: Iterable[str]) -> frozenset[str]:
    """`groups` plus every group they imply (wheat -> gluten, beef -> red_meat -> meat)."""
    found = set(groups)
    todo = list(found)
    while todo:
        for implied in GROUP_IMPLIES.get(todo.pop(), frozenset()):
            if implied not in found:
                found.add(implied)
                todo.append(implied)
    return frozenset(found)


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the recipe set: where it is and what to do about it."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class RecipeError(ValueError):
    """The recipe set is invalid; `problems` lists every mistake found, one per line in str()."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class _Problems:
    """Collects problems for one file so checks read as `bad(field, message)`."""

    def __init__(self, sink: list[Problem], file: str) -> None:
        self.sink = sink
        self.file = file
        self.count = 0

    def bad(self, field: str, message: str) -> None:
        self.sink.append(Problem(self.file, field, message))
        self.count += 1

    def unusable(self) -> None:
        """Mark the file as not buildable when the cause was already reported elsewhere."""
        self.count += 1


# --------------------------------------------------------------------------- small helpers


def _closest(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)


def _did_you_mean(word: object, choices: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    match = _closest(word.strip().lower(), choices)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _describe(value: object) -> str:
    """How a wrong value looks to a YAML author (a mapping often means an unquoted ': ')."""
    if isinstance(value, dict):
        return "a mapping (a ': ' inside unquoted text makes YAML read a key; quote the text)"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if value is None:
        return "nothing (the value is empty)"
    return f"{value!r}"


def _number_hint(value: object) -> str:
    if isinstance(value, str):
        text = value.strip()
        if "/" in text:
            return "; write fractions as decimals (1/2 -> 0.5)"
        if re.match(r"^-?\d+(\.\d+)?$", text):
            return "; remove the quotes"
        if re.match(r"^-?\d+(\.\d+)?\s*[^\W\d]", text):
            return "; put only the number in `amount` and the unit in `unit`"
    return ""


def _check_keys(
    data: dict[Any, Any],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    prefix: str,
    report: _Problems,
    special: dict[str, str] | None = None,
) -> None:
    """Report unknown keys (with the closest valid key) and missing required keys.

    A missing key that an unknown key looks like a typo of is reported once, as the typo.
    `special` maps keys that are known mistakes to their own explanation.
    """
    allowed = required + optional
    typo_of: set[str] = set()
    for key in data:
        if key in allowed:
            continue
        shown = str(key)
        if special and shown in special:
            report.bad(prefix + shown, special[shown])
            continue
        close = _closest(shown.strip().lower(), allowed)
        if close and close[0] not in data:
            typo_of.add(close[0])
            report.bad(
                prefix + shown,
                f"unknown field {shown!r}: did you mean {close[0]!r}? Rename it "
                f"(allowed fields: {', '.join(allowed)})",
            )
        else:
            report.bad(
                prefix + shown,
                f"unknown field {shown!r}{_did_you_mean(shown, allowed)}; "
                f"allowed fields: {', '.join(allowed)}",
            )
    for key in required:
        if key not in data and key not in typo_of:
            report.bad(prefix + key, f"missing required field {key!r}")


def _text(value: object, field: str, report: _Problems) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, str):
        report.bad(field, "must not be empty")
    else:
        report.bad(field, f"must be text, got {_describe(value)}")
    return None


def shown_path(path: Path) -> str:
    """A path as the author would type it: relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- YAML reading


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping_no_duplicates(
    loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, list | dict):
            continue  # unhashable; the base constructor raises a clear error for it
        if key in seen:
            first_line = seen[key].start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found duplicate key {key!r} (first given on line {first_line})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_no_duplicates
)


def _read_yaml(path: Path, report: _Problems) -> tuple[bool, Any]:
    """Parse one file; on failure report the line and column and return (False, None)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.bad("", "is not UTF-8 text; save it as UTF-8")
        return False, None
    except OSError as exc:
        report.bad("", f"cannot be read: {exc.strerror or exc}")
        return False, None
    try:
        return True, yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        what = exc.problem or "syntax error"
        if exc.context:
            what = f"{what} ({exc.context})"
        hint = ""
        if "\t" in text and "tab" in str(exc).lower():
            hint = "; indent with spaces, not tabs"
        elif "mapping values are not allowed" in what:
            hint = "; text containing ': ' must be put in quotes"
        report.bad(f"line {line}", f"invalid YAML: {what} at line {line}, column {column}{hint}")
        return False, None
    except yaml.YAMLError as exc:
        report.bad("", f"invalid YAML: {exc}")
        return False, None


# --------------------------------------------------------------------------- ingredient table


def _nutrients(data: object, prefix: str, report: _Problems) -> Nutrients | None:
    if not isinstance(data, dict):
        report.bad(
            prefix.rstrip("."),
            f"must be a mapping of nutrients per 100 g ({', '.join(PER_100G_REQUIRED)}, ...), "
            f"got {_describe(data)}",
        )
        return None
    before = report.count
    _check_keys(data, PER_100G_REQUIRED, PER_100G_OPTIONAL, prefix, report)
    values: dict[str, float | None] = {}
    for key in PER_100G_REQUIRED + PER_100G_OPTIONAL:
        if key not in data:
            continue
        value = data[key]
        if not _is_number(value) or value < 0:
            report.bad(
                prefix + key,
                f"must be a number of 0 or more, got {_describe(value)}{_number_hint(value)}",
            )
            continue
        values[key] = float(value)
    if report.count > before:
        return None
    return Nutrients(**values)  # type: ignore[arg-type]


def _unit_weights(data: object, field: str, report: _Problems) -> dict[str, float] | None:
    if data is None:
        return {}
    if not isinstance(data, dict):
        report.bad(field, f"must be a mapping like {{piece: 50}}, got {_describe(data)}")
        return None
    weights: dict[str, float] = {}
    ok = True
    for unit, grams in data.items():
        if unit not in UNIT_WEIGHT_KEYS:
            report.bad(
                f"{field}.{unit}",
                f"unknown unit {unit!r}{_did_you_mean(unit, UNIT_WEIGHT_KEYS)}; "
                f"units with a weight are {', '.join(UNIT_WEIGHT_KEYS)} (g needs none, "
                "ml uses g_per_ml)",
            )
            ok = False
        elif not _is_number(grams) or grams <= 0:
            report.bad(f"{field}.{unit}", f"must be grams greater than 0, got {_describe(grams)}")
            ok = False
        else:
            weights[unit] = float(grams)
    return weights if ok else None


def _check_groups(
    value: object, kind: Kind | None, field: str, report: _Problems
) -> frozenset[str] | None:
    """Known group names only, closed under GROUP_IMPLIES and consistent with the kind.

    The checks exist because a missing group silently lets an allergen through /exclude.
    Without a list, an animal food gets its kind's group (egg, fish, milk, shellfish, meat).
    """
    if value is None:
        value = []
    if not isinstance(value, list):
        report.bad(field, f"must be a list like [soy, legume], got {_describe(value)}")
        return None
    before = report.count
    groups: set[str] = set()
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in KNOWN_GROUPS:
            close = _closest(str(name).strip().lower(), KNOWN_GROUPS, n=3, cutoff=0.5)
            hint = f"; closest: {', '.join(close)}" if close else ""
            report.bad(
                f"{field}[{i}]",
                f"unknown group {_describe(name)}{hint}. Known groups: "
                f"{', '.join(sorted(KNOWN_GROUPS))}",
            )
        elif name in groups:
            report.bad(f"{field}[{i}]", f"group {name!r} is listed twice")
        else:
            groups.add(name)
    if report.count > before:
        return None
    if not groups and kind in KIND_GROUP:
        # a table without groups still lets "eggs", "fish", "dairy", "meat" reach its animal foods
        groups = set(expand_groups({KIND_GROUP[kind]}))
    told: set[str] = set()
    for name in sorted(groups):
        missing = sorted(GROUP_IMPLIES.get(name, frozenset()) - groups)
        if missing:
            report.bad(field, f"{name!r} implies {', '.join(missing)}: add them to the list")
            told.update(missing)
    if kind is not None:
        needed = KIND_GROUP.get(kind)
        if needed and groups and needed not in groups | told:
            report.bad(field, f"kind {kind.value} needs the group {needed!r} in the list")
        if kind is Kind.PLANT:
            animal = sorted(groups & set(KIND_GROUP.values()))
            if animal:
                report.bad(
                    field,
                    f"kind plant cannot be in group {', '.join(animal)}: vegan plans would "
                    "include it; set kind to the animal food it contains",
                )
    return frozenset(groups) if report.count == before else None


def _check_ingredient(ing_id: object, data: object, report: _Problems) -> Ingredient | None:
    before = report.count
    key = str(ing_id)
    if not isinstance(ing_id, str) or not SNAKE_CASE.match(ing_id):
        report.bad(
            key,
            f"ingredient id {ing_id!r} must be snake_case (lowercase letters, digits and _), "
            "e.g. oat_milk_fortified",
        )
    if not isinstance(data, dict):
        report.bad(
            key,
            f"must be a mapping with {', '.join(INGREDIENT_REQUIRED)} and ndb or source, "
            f"got {_describe(data)}",
        )
        return None
    _check_keys(data, INGREDIENT_REQUIRED, INGREDIENT_OPTIONAL, f"{key}.", report)
    name = _text(data["name"], f"{key}.name", report) if "name" in data else None
    aisle = _text(data["aisle"], f"{key}.aisle", report) if "aisle" in data else None

    kind: Kind | None = None
    if "kind" in data:
        raw_kind = data["kind"]
        if raw_kind in KIND_NAMES:
            kind = Kind(raw_kind)
        else:
            report.bad(
                f"{key}.kind",
                f"unknown kind {_describe(raw_kind)}{_did_you_mean(raw_kind, KIND_NAMES)}; "
                f"use one of {', '.join(KIND_NAMES)}",
            )

    ndb = data.get("ndb")
    source = data.get("source")
    if ndb is not None and not (isinstance(ndb, str) and NDB_PATTERN.match(ndb)):
        hint = (
            ' (write it in quotes, e.g. ndb: "01123": an unquoted number loses its leading zeros)'
            if isinstance(ndb, int)
            else ""
        )
        report.bad(
            f"{key}.ndb",
            f"must be the five-digit USDA SR28 NDB_No as quoted text, got {ndb!r}{hint}",
        )
    if source is not None:
        _text(source, f"{key}.source", report)
    if ndb is None and source is None:
        report.bad(
            f"{key}.ndb",
            'needs ndb: the USDA SR28 NDB_No (e.g. ndb: "01123"), or source: naming the '
            "product label its values come from (with fortified: true)",
        )
    elif ndb is not None and source is not None:
        report.bad(
            f"{key}.source",
            "give either ndb (values from SR28) or source (values from a label), not both",
        )

    fortified = data.get("fortified", False)
    if not isinstance(fortified, bool):
        report.bad(f"{key}.fortified", f"must be true or false, got {_describe(fortified)}")
    elif ndb is None and source is not None and not fortified:
        report.bad(
            f"{key}.fortified",
            "must be true for a label-sourced (source:) ingredient; SR28 foods use ndb instead",
        )

    per_100g = (
        _nutrients(data["per_100g"], f"{key}.per_100g.", report) if ("per_100g" in data) else None
    )
    unit_grams = _unit_weights(data.get("units"), f"{key}.units", report)

    g_per_ml = data.get("g_per_ml")
    if g_per_ml is not None and (not _is_number(g_per_ml) or g_per_ml <= 0):
        report.bad(f"{key}.g_per_ml", f"must be a density greater than 0, got {g_per_ml!r}")
    if "b12_note" in data:
        _text(data["b12_note"], f"{key}.b12_note", report)
    groups = _check_groups(data.get("groups"), kind, f"{key}.groups", report)

    if report.count > before:
        return None
    assert name and aisle and kind and per_100g is not None and unit_grams is not None
    assert groups is not None
    return Ingredient(
        id=key,
        name=name,
        kind=kind,
        aisle=aisle,
        per_100g=per_100g,
        ndb=ndb,
        source=source.strip() if isinstance(source, str) else None,
        fortified=bool(fortified),
        unit_grams=unit_grams,
        g_per_ml=float(g_per_ml) if g_per_ml is not None else None,
        groups=groups,
    )


def load_ingredients(path: Path, problems: list[Problem]) -> tuple[dict[str, Ingredient], set[str]]:
    """Validate the ingredient table; returns (valid ingredients, ids whose entry is broken)."""
    report = _Problems(problems, shown_path(path))
    if not path.is_file():
        report.bad("", "not found; the recipe directory needs an ingredients.yaml table")
        return {}, set()
    ok, data = _read_yaml(path, report)
    if not ok:
        return {}, set()
    if not isinstance(data, dict) or not data:
        report.bad(
            "",
            "must be a mapping of ingredient id -> {name, kind, aisle, ndb or source, per_100g}, "
            f"got {_describe(data)}",
        )
        return {}, set()
    table: dict[str, Ingredient] = {}
    broken: set[str] = set()
    for ing_id, entry in data.items():
        ingredient = _check_ingredient(ing_id, entry, report)
        if ingredient is None:
            broken.add(str(ing_id))
        else:
            table[ingredient.id] = ingredient
    return table, broken


# --------------------------------------------------------------------------- recipes


def _unknown_ingredient_message(item: str, known: Iterable[str]) -> str:
    """Suggest ids sharing a word with `item` first (tofu -> tofu_firm), then look-alikes."""
    known = sorted(known)
    words = set(item.split("_"))
    sharing = [k for k in known if words & set(k.split("_"))]
    look_alike = [k for k in _closest(item, known, n=3, cutoff=0.5) if k not in sharing]
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


def _check_meals(value: object, report: _Problems) -> tuple[Slot, ...] | None:
    raw = [value] if isinstance(value, str) else value
    if not isinstance(raw, list) or not raw:
        report.bad(
            "meal",
            f"must be one of {', '.join(SLOT_NAMES)} or a list of them, got {_describe(value)}",
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
                f"unknown meal {_describe(name)}{_did_you_mean(name, SLOT_NAMES)}; "
                f"use one of {', '.join(SLOT_NAMES)}",
            )
            ok = False
    return tuple(meals) if ok else None


def _check_whole(value: object, field: str, minimum: int, report: _Problems) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    report.bad(
        field,
        f"must be a whole number of {minimum} or more, got {_describe(value)}{_number_hint(value)}",
    )
    return None


def _check_lines(
    value: object,
    ingredients: dict[str, Ingredient],
    broken_ids: set[str],
    report: _Problems,
) -> list[tuple[str, float, str]] | None:
    if not isinstance(value, list) or not value:
        report.bad(
            "ingredients",
            "must be a non-empty list of {item, amount, unit} entries "
            f"(each starting with '- item: ...'), got {_describe(value)}",
        )
        return None
    before = report.count
    lines: list[tuple[str, float, str]] = []
    for i, line in enumerate(value):
        at = f"ingredients[{i}]"
        if not isinstance(line, dict):
            report.bad(at, f"must be a mapping {{item, amount, unit}}, got {_describe(line)}")
            continue
        _check_keys(line, LINE_KEYS, (), f"{at}.", report)
        item = line.get("item")
        label = f" for {item}" if isinstance(item, str) else ""
        ing: Ingredient | None = None
        if "item" in line:
            if not isinstance(item, str) or not item.strip():
                report.bad(f"{at}.item", f"must be an ingredient id, got {_describe(item)}")
            elif item in ingredients:
                ing = ingredients[item]
            elif item not in broken_ids:  # a broken table entry is already reported
                report.bad(f"{at}.item", _unknown_ingredient_message(item, ingredients))
            else:
                report.unusable()
        amount = line.get("amount")
        if "amount" in line:
            if not _is_number(amount):
                report.bad(
                    f"{at}.amount",
                    f"must be a number like 150 or 0.5, got {_describe(amount)}"
                    f"{_number_hint(amount)}",
                )
            elif amount <= 0:
                report.bad(f"{at}.amount", f"must be greater than 0{label}, got {amount!r}")
        unit = line.get("unit")
        if "unit" in line:
            if unit not in UNITS:
                report.bad(
                    f"{at}.unit",
                    f"unknown unit {_describe(unit)}{label}; use one of {', '.join(UNITS)}"
                    f"{_did_you_mean(unit, UNITS)}",
                )
            elif ing is not None and not ing.can_convert(unit):
                report.bad(f"{at}.unit", _conversion_hint(ing, unit))
        if report.count == before:
            lines.append((item, float(amount), unit))  # type: ignore[arg-type]
    return lines if report.count == before else None


def _check_steps(value: object, report: _Problems) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        report.bad(
            "steps",
            "must be a non-empty list of steps (each line starting with '- '), "
            f"got {_describe(value)}",
        )
        return None
    before = report.count
    steps = [_text(step, f"steps[{i}]", report) for i, step in enumerate(value)]
    return tuple(s for s in steps if s) if report.count == before else None


def _check_tags(value: object, report: _Problems) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list):
        report.bad("tags", f"must be a list of words, got {_describe(value)}")
        return None
    before = report.count
    tags = [_text(tag, f"tags[{i}]", report) for i, tag in enumerate(value)]
    return tuple(t for t in tags if t) if report.count == before else None


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
        name=fields["name"],
        meals=fields["meal"],
        servings=servings,
        time_min=fields["time_min"],
        ingredients=tuple(parts),
        steps=fields["steps"],
        tags=fields["tags"],
        diet=diet_for_kinds(frozenset(ingredients[i].kind for i in grams_per_serving)),
        per_serving=per_serving,
        grams_per_serving=grams_per_serving,
        b12_by_item=b12_by_item,
        fortified_b12=any(ingredients[i].fortified and b12 > 0 for i, b12 in b12_by_item.items()),
        main_b12_source=top if b12_by_item[top] > 0 else None,
        source_file=source_file,
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
    report: _Problems,
) -> Recipe | None:
    if not isinstance(data, dict):
        report.bad(
            "",
            "must be a mapping of recipe fields (id:, name:, meal:, servings:, time_min:, "
            f"ingredients:, steps:), got {_describe(data)}",
        )
        return None
    before = report.count
    _check_keys(data, RECIPE_REQUIRED, RECIPE_OPTIONAL, "", report, special=_DIET_KEY)

    fields: dict[str, Any] = {}
    if "id" in data:
        rid = data["id"]
        if isinstance(rid, str) and SNAKE_CASE.match(rid):
            fields["id"] = rid
        else:
            report.bad(
                "id",
                f"must be snake_case (lowercase letters, digits and _), got {_describe(rid)}, "
                "e.g. id: salmon_rice_bowl",
            )
    if "name" in data:
        fields["name"] = _text(data["name"], "name", report)
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
        fields["steps"] = _check_steps(data["steps"], report)
    fields["tags"] = _check_tags(data.get("tags"), report)

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


def load_recipes(directory: str | Path | None = None) -> RecipeSet:
    """Validate the whole set under `directory` (default: the repo's recipes/).

    Raises RecipeError listing every problem in every file; returns a fully derived RecipeSet.
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
        report = _Problems(problems, shown)
        ok, data = _read_yaml(path, report)
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
    return RecipeSet(ingredients=ingredients, recipes=recipes)


# --------------------------------------------------------------------------- look-ups


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[_\-,()/]+", " ", text.lower()).split())


def _recipe_score(query: str, recipe: Recipe) -> float:
    """0..1 likeness of a user's words to a recipe, exact > substring > all words > fuzzy."""
    name = _normal(recipe.name)
    rid = _normal(recipe.id)
    if query in (name, rid):
        return 1.0
    # Whole words (plural allowed) beat a piece of a word: "egg" means eggs, not eggplant.
    whole = re.compile(r"\b" + re.escape(query) + r"(?:s|es)?\b")
    if whole.search(name) or whole.search(rid):
        at_start = name.startswith(query) or rid.startswith(query)
        return 0.9 + 0.05 * at_start + 0.04 * len(query) / max(len(name), len(rid))
    words = query.split()
    name_words = name.split() + rid.split()
    if all(any(w2.startswith(w) for w2 in name_words) for w in words):
        return 0.8
    ratio = max(
        difflib.SequenceMatcher(None, query, name).ratio(),
        difflib.SequenceMatcher(None, query, rid).ratio(),
    )
    per_word = sum(
        max(difflib.SequenceMatcher(None, w, w2).ratio() for w2 in name_words) for w in words
    ) / len(words)
    return max(ratio, per_word * 0.75)


def search_recipes(rs: RecipeSet, query: str, limit: int = 5) -> list[Recipe]:
    """Recipes whose name or id best match `query` (case-insensitive, typo-tolerant)."""
    wanted = _normal(query)
    if not wanted:
        return []
    scored = [(r, _recipe_score(wanted, r)) for r in rs.recipes.values()]
    good = [(r, s) for r, s in scored if s >= 0.6]
    good.sort(key=lambda rs_: (-rs_[1], rs_[0].name))
    return [r for r, _ in good[:limit]]


def find_recipe(rs: RecipeSet, query: str) -> Recipe | None:
    """The one recipe a user most likely means (exact id first), or None."""
    if query in rs.recipes:
        return rs.recipes[query]
    best = search_recipes(rs, query, limit=1)
    return best[0] if best else None


def _singular(word: str) -> str:
    for plural, single in (("ies", "y"), ("oes", "o"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(plural) and len(word) > len(plural) + 1:
            return word[: -len(plural)] + single
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    """Lower-case singular words: "Tree-Nuts" -> [tree, nut], "cow's milk" -> [cow, milk]."""
    text = re.sub(r"'s\b|'", "", text.lower())
    return [_singular(w) for w in _normal(text).split()]


# "peanut allergy", "allergic to nuts", "lactose intolerance": the food is the other words
_FILLER_WORDS = frozenset(
    {"allergy", "allergie", "allergic", "intolerance", "intolerant", "sensitivity", "to", "no"}
)


def _query_words(text: str) -> list[str]:
    words = _words(text)
    kept = [w for w in words if w not in _FILLER_WORDS]
    return kept or words


# What people type (singular words, see _words) -> the groups they mean. Every group name is
# added too (tree_nut -> "tree nut"). "milk" alone is the allergen: all dairy.
_GROUP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "nut": ("nuts",),
    "treenut": ("tree_nut",),
    "groundnut": ("peanut",),
    "soya": ("soy",),
    "soja": ("soy",),
    "soybean": ("soy",),
    "soy bean": ("soy",),
    "soya bean": ("soy",),
    "dairy": ("milk",),
    "dairy product": ("milk",),
    "milk product": ("milk",),
    "cow milk": ("milk",),
    "lactose": ("milk",),
    "casein": ("milk",),
    "whey": ("milk",),
    "seafood": ("fish", "shellfish"),
    "mollusk": ("mollusc",),
    "celeriac": ("celery",),
    "lupine": ("lupin",),
    "sulphite": ("sulphites",),
    "sulfite": ("sulphites",),
    "sulphur dioxide": ("sulphites",),
    "sulfur dioxide": ("sulphites",),
    "breakfast cereal": ("cereal",),
    "oat": ("oats",),
    "pulse": ("legume",),
    "ham": ("pork",),
    "bacon": ("pork",),
    "mutton": ("lamb",),
    "fungi": ("mushroom",),
    "maize": ("corn",),
    "malt": ("barley",),
}
GROUP_WORDS: dict[str, tuple[str, ...]] = {
    " ".join(_words(name)): (name,) for name in KNOWN_GROUPS
} | _GROUP_SYNONYMS

# Said about the whole group when it is excluded: what it deliberately leaves in.
GROUP_NOTES: dict[str, str] = {
    "gluten": "oats are kept (they are gluten-free unless cross-contaminated): buy oats "
    "labelled gluten-free, or exclude oats too",
    "nuts": "coconut is kept (it is not a tree nut); exclude coconut too if you react to it",
    "tree_nut": "coconut is kept (it is not a tree nut); exclude coconut too if you react to it",
}


@dataclass(frozen=True, slots=True)
class IngredientMatch:
    """What one word of a user's exclusion list means.

    `groups` is set when the word named a food group (soy, gluten, nuts ...); `ids` may then be
    empty (no recipe food contains lupin), which is not an unknown word.
    """

    word: str
    ids: tuple[str, ...]
    groups: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.ids or self.groups)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(GROUP_NOTES[g] for g in self.groups if g in GROUP_NOTES)


def _group_members(rs: RecipeSet, groups: Iterable[str]) -> set[str]:
    wanted = set(groups)
    return {i.id for i in rs.ingredients.values() if i.groups & wanted}


def _word_matches(rs: RecipeSet, query: list[str]) -> set[str]:
    """Ids whose id or name words contain every query word (exact id first)."""
    joined = "_".join(query)
    hits: set[str] = set()
    for ing in rs.ingredients.values():
        tokens = set(_words(ing.id)) | set(_words(ing.name))
        if ing.id == joined or all(w in tokens for w in query):
            hits.add(ing.id)
    return hits


def match_ingredient(rs: RecipeSet, word: str) -> IngredientMatch:
    """What a user's word means, group words first.

    Order: a multi-word phrase that names foods ("soy milk", "peanut butter") means those
    foods; a group word, singular or plural ("soy", "nuts", "tree-nuts", "gluten", "dairy",
    "milk", "seafood") means every ingredient in the group; then words of an id or name; then
    the end of a compound word ("berries" -> blueberries); then the closest ids and names
    (typos). Used by /exclude, so erring towards more matches is the safe side.
    """
    query = _query_words(word)
    if not query:
        return IngredientMatch(word, ())
    phrase = " ".join(query)
    groups = GROUP_WORDS.get(phrase, ())
    if len(query) > 1:
        hits = _word_matches(rs, query)
        if hits:
            return IngredientMatch(word, tuple(sorted(hits)))
    if groups:
        hits = _group_members(rs, groups)
        exact = "_".join(query)
        if exact in rs.ingredients:
            hits.add(exact)
        if hits:
            return IngredientMatch(word, tuple(sorted(hits)), groups)
    hits = _word_matches(rs, query)
    if not hits and len(query) == 1 and len(query[0]) >= 3:
        for ing in rs.ingredients.values():
            if any(t.endswith(query[0]) for t in _words(ing.id) + _words(ing.name)):
                hits.add(ing.id)
    if not hits and not groups:
        # typos keep their first letter: "salmom" -> salmon, but never "barley" -> parsley
        names = {_normal(i.name): i.id for i in rs.ingredients.values()}
        close_ids = _closest("_".join(query), rs.ingredients, n=3, cutoff=0.75)
        close_names = [names[n] for n in _closest(phrase, names, n=3, cutoff=0.75)]
        hits.update(i for i in close_ids + close_names if i[0] == phrase[0])
    return IngredientMatch(word, tuple(sorted(hits)), groups)


def resolve_ingredient(rs: RecipeSet, word: str) -> list[str]:
    """Ingredient ids a user's word means, e.g. "soy" -> edamame, soy_milk_fortified, tofu_firm...

    See `match_ingredient` for the order; an empty list means nothing to exclude.
    """
    return list(match_ingredient(rs, word).ids)


def suggest_ingredient_words(rs: RecipeSet, word: str, n: int = 5) -> list[str]:
    """Words to offer for an unknown word: group words and ids that start like it, then typos.

    Suggestions share the input's first letters ("glutn" -> gluten, "cashew nut" -> cashews),
    so a user never gets an unrelated food offered as "close".
    """
    query = _query_words(word)
    if not query:
        return []
    phrase = " ".join(query)
    # normalised form -> (what to show, what it means: one suggestion per meaning)
    candidates: dict[str, tuple[str, object]] = {}
    for form, groups in GROUP_WORDS.items():
        single = len(groups) == 1 and _singular(groups[0]) == form
        shown = groups[0] if form not in _GROUP_SYNONYMS or single else form
        candidates.setdefault(form, (shown.replace("_", " "), groups))
    for ing in rs.ingredients.values():
        candidates.setdefault(" ".join(_words(ing.id)), (ing.id, ing.id))
    prefix = query[0][:3]
    scored: list[tuple[float, str, object]] = []
    for form, (shown, meaning) in candidates.items():
        starts = any(w.startswith(prefix) for w in form.split())
        ratio = difflib.SequenceMatcher(None, phrase, form).ratio()
        best_word = max(
            difflib.SequenceMatcher(None, q, w).ratio() for q in query for w in form.split()
        )
        score = max(ratio, best_word * 0.9) + (0.2 if starts else 0.0)
        if score >= 0.85:
            scored.append((score, shown, meaning))
    scored.sort(key=lambda item: (-item[0], item[1]))
    result: list[str] = []
    meanings: list[object] = []
    for _, shown, meaning in scored:
        if shown not in result and meaning not in meanings:
            result.append(shown)
            meanings.append(meaning)
    return result[:n]


def short_name(ing: Ingredient) -> str:
    """ "Soy milk, unsweetened, fortified" -> "Soy milk": enough to recognise in a list."""
    return re.split(r"\s*[,(]", ing.name, maxsplit=1)[0].strip() or ing.name


def describe_match(rs: RecipeSet, match: IngredientMatch, shown: int = 4) -> str:
    """One line for a reply: "soy (6 foods: Edamame, Soy milk, Tofu, Tempeh, …)"."""
    names = sorted({short_name(rs.ingredients[i]) for i in match.ids if i in rs.ingredients})
    label = " + ".join(g.replace("_", " ") for g in match.groups) or match.word
    if not match.ids:
        return f"{label} (no food in the recipes contains it)"
    if not match.groups and len(names) == 1:
        return names[0]
    listed = ", ".join(names[:shown]) + (", …" if len(names) > shown else "")
    count = len(match.ids)
    return f"{label} ({count} food{'s' if count != 1 else ''}: {listed})"


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


def recipe_to_json(r: Recipe, rs: RecipeSet) -> dict[str, Any]:
    """A recipe as plain JSON data (what `recipes list --json` prints)."""
    return {
        "id": r.id,
        "name": r.name,
        "meal": [m.value for m in r.meals],
        "diet": r.diet.value,
        "servings": r.servings,
        "time_min": r.time_min,
        "per_serving": nutrients_to_json(r.per_serving),
        "fortified_b12": r.fortified_b12,
        "main_b12_source": r.main_b12_source,
        "ingredients": [
            {
                "item": item,
                "name": rs.ingredients[item].name,
                "ndb": rs.ingredients[item].ndb,
                "source": rs.ingredients[item].source,
                "grams_per_serving": round(grams, 2),
                "b12_ug": round(r.b12_by_item[item], 4),
            }
            for item, grams in r.grams_per_serving.items()
        ],
        "steps": list(r.steps),
        "tags": list(r.tags),
        "source_file": r.source_file,
    }


def allowed_for(rs: RecipeSet, diet: Diet | None = None, meal: Slot | None = None) -> list[Recipe]:
    """Recipes a person on `diet` may eat in `meal` (None = any), in file order."""
    return [
        r
        for r in rs.recipes.values()
        if (diet is None or diet.allows(r.diet)) and (meal is None or meal in r.meals)
    ]


__all__ = [
    "ALLERGEN_GROUPS",
    "DEFAULT_RECIPES_DIR",
    "FOOD_GROUPS",
    "GROUP_IMPLIES",
    "GROUP_WORDS",
    "KNOWN_GROUPS",
    "IngredientMatch",
    "Problem",
    "RecipeError",
    "allowed_for",
    "describe_match",
    "expand_groups",
    "find_recipe",
    "load_ingredients",
    "load_recipes",
    "match_ingredient",
    "nutrients_to_json",
    "recipe_to_json",
    "resolve_ingredient",
    "search_recipes",
    "short_name",
    "shown_path",
    "suggest_ingredient_words",
]
