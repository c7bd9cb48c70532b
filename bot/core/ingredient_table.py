"""Read and check `recipes/ingredients.yaml`, the table every recipe line points into.

Each entry gives an ingredient's kind (which decides a recipe's diet), aisle, nutrients per
100 g (from USDA SR28 `ndb`, or a product label `source`), unit weights and allergen groups.
Problems are reported the same way as for recipe files (see `bot.core.recipe_problems`).
"""

from __future__ import annotations

from pathlib import Path

from bot.core.languages import DEFAULT_LANGUAGE
from bot.core.models import REGIONS, Ingredient, Kind, Nutrients
from bot.core.recipe_problems import (
    FileReport,
    Problem,
    check_keys,
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
    GROUP_IMPLIES,
    INGREDIENT_OPTIONAL,
    INGREDIENT_REQUIRED,
    KIND_GROUP,
    KIND_NAMES,
    KNOWN_GROUPS,
    NDB_PATTERN,
    PER_100G_OPTIONAL,
    PER_100G_REQUIRED,
    REGION_ENTRY_OPTIONAL,
    REGION_ENTRY_REQUIRED,
    SNAKE_CASE,
    UNIT_WEIGHT_KEYS,
    expand_groups,
)


def _nutrients(data: object, prefix: str, report: FileReport) -> Nutrients | None:
    if not isinstance(data, dict):
        report.bad(
            prefix.rstrip("."),
            f"must be a mapping of nutrients per 100 g ({', '.join(PER_100G_REQUIRED)}, ...), "
            f"got {describe_value(data)}",
        )
        return None
    before = report.count
    check_keys(data, PER_100G_REQUIRED, PER_100G_OPTIONAL, prefix, report)
    values: dict[str, float | None] = {}
    for key in PER_100G_REQUIRED + PER_100G_OPTIONAL:
        if key not in data:
            continue
        value = data[key]
        if not is_number(value) or value < 0:
            report.bad(
                prefix + key,
                f"must be a number of 0 or more, got {describe_value(value)}{number_hint(value)}",
            )
            continue
        values[key] = float(value)
    if report.count > before:
        return None
    return Nutrients(**values)  # type: ignore[arg-type]


def _unit_weights(data: object, field: str, report: FileReport) -> dict[str, float] | None:
    if data is None:
        return {}
    if not isinstance(data, dict):
        report.bad(field, f"must be a mapping like {{piece: 50}}, got {describe_value(data)}")
        return None
    weights: dict[str, float] = {}
    ok = True
    for unit, grams in data.items():
        if unit not in UNIT_WEIGHT_KEYS:
            report.bad(
                f"{field}.{unit}",
                f"unknown unit {unit!r}{did_you_mean(unit, UNIT_WEIGHT_KEYS)}; "
                f"units with a weight are {', '.join(UNIT_WEIGHT_KEYS)} (g needs none, "
                "ml uses g_per_ml)",
            )
            ok = False
        elif not is_number(grams) or grams <= 0:
            report.bad(
                f"{field}.{unit}", f"must be grams greater than 0, got {describe_value(grams)}"
            )
            ok = False
        else:
            weights[unit] = float(grams)
    return weights if ok else None


# A drink's label value per 100 ml and its per-100 g value must agree to this (rounding only).
PER_100ML_TOLERANCE = 0.005


def _regional_b12(
    value: object, g_per_ml: object, fortified: object, field: str, report: FileReport
) -> tuple[dict[str, float], dict[str, str]] | None:
    """`b12_by_region`: per region where the food is sold, µg per 100 g and a named source.

    Only fortified foods vary by region (fortification levels differ by country; natural B12
    does not), so the map is refused on other foods. A drink may also give the label's value per
    100 ml, which must match b12_ug x g_per_ml: a hand edit of one without the other is caught.
    """
    if value is None:
        return {}, {}
    if not isinstance(value, dict) or not value:
        report.bad(
            field,
            f"must map regions ({', '.join(REGIONS)}) to {{b12_ug, source}}, "
            f"got {describe_value(value)}",
        )
        return None
    before = report.count
    if fortified is not True:
        report.bad(field, "only fortified foods (fortified: true) may differ by region")
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    for region, entry in value.items():
        at = f"{field}.{region}"
        if region not in REGIONS:
            report.bad(
                at,
                f"unknown region {region!r}{did_you_mean(str(region), REGIONS)}; "
                f"use {', '.join(REGIONS)}",
            )
            continue
        if not isinstance(entry, dict):
            report.bad(at, f"must be {{b12_ug: <µg per 100 g>, source: <label or survey>}}, "
                           f"got {describe_value(entry)}")  # fmt: skip
            continue
        inner = report.count
        check_keys(entry, REGION_ENTRY_REQUIRED, REGION_ENTRY_OPTIONAL, f"{at}.", report)
        b12 = entry.get("b12_ug")
        if "b12_ug" in entry and (not is_number(b12) or b12 < 0):
            report.bad(f"{at}.b12_ug", f"must be a number of 0 or more, got {describe_value(b12)}")
        if "source" in entry:
            check_text(entry["source"], f"{at}.source", report)
        label = entry.get("per_100ml")
        if label is not None:
            if not is_number(label) or label < 0:
                report.bad(f"{at}.per_100ml", f"must be a number of 0 or more, got {label!r}")
            elif not is_number(g_per_ml) or g_per_ml <= 0:
                report.bad(f"{at}.per_100ml", "needs the food's g_per_ml to convert it")
            elif is_number(b12) and abs(b12 * g_per_ml - label) > PER_100ML_TOLERANCE:
                report.bad(
                    f"{at}.per_100ml",
                    f"{label} µg per 100 ml does not match b12_ug {b12} x g_per_ml {g_per_ml}",
                )
        if report.count == inner:
            values[str(region)] = float(b12)  # type: ignore[arg-type]
            sources[str(region)] = str(entry["source"]).strip()
    return (values, sources) if report.count == before else None


def _check_groups(
    value: object, kind: Kind | None, field: str, report: FileReport
) -> frozenset[str] | None:
    """Known group names only, closed under GROUP_IMPLIES and consistent with the kind.

    The checks exist because a missing group silently lets an allergen through /exclude.
    Without a list, an animal food gets its kind's group (egg, fish, milk, shellfish, meat).
    """
    if value is None:
        value = []
    if not isinstance(value, list):
        report.bad(field, f"must be a list like [soy, legume], got {describe_value(value)}")
        return None
    before = report.count
    groups: set[str] = set()
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in KNOWN_GROUPS:
            close = closest(str(name).strip().lower(), KNOWN_GROUPS, n=3, cutoff=0.5)
            hint = f"; closest: {', '.join(close)}" if close else ""
            report.bad(
                f"{field}[{i}]",
                f"unknown group {describe_value(name)}{hint}. Known groups: "
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


def _check_ingredient(ing_id: object, data: object, report: FileReport) -> Ingredient | None:
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
            f"got {describe_value(data)}",
        )
        return None
    check_keys(data, INGREDIENT_REQUIRED, INGREDIENT_OPTIONAL, f"{key}.", report)
    names = check_localized_text(data["name"], f"{key}.name", report) if "name" in data else None
    name = names[DEFAULT_LANGUAGE] if names else None
    aisle = check_text(data["aisle"], f"{key}.aisle", report) if "aisle" in data else None

    kind: Kind | None = None
    if "kind" in data:
        raw_kind = data["kind"]
        if raw_kind in KIND_NAMES:
            kind = Kind(raw_kind)
        else:
            report.bad(
                f"{key}.kind",
                f"unknown kind {describe_value(raw_kind)}{did_you_mean(raw_kind, KIND_NAMES)}; "
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
        check_text(source, f"{key}.source", report)
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
        report.bad(f"{key}.fortified", f"must be true or false, got {describe_value(fortified)}")
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
    if g_per_ml is not None and (not is_number(g_per_ml) or g_per_ml <= 0):
        report.bad(f"{key}.g_per_ml", f"must be a density greater than 0, got {g_per_ml!r}")
    if "b12_note" in data:
        check_text(data["b12_note"], f"{key}.b12_note", report)
    groups = _check_groups(data.get("groups"), kind, f"{key}.groups", report)
    regional = _regional_b12(
        data.get("b12_by_region"), g_per_ml, fortified, f"{key}.b12_by_region", report
    )

    if report.count > before:
        return None
    assert name and aisle and kind and per_100g is not None and unit_grams is not None
    assert groups is not None and regional is not None
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
        b12_by_region=regional[0],
        region_sources=regional[1],
        names=names or {},
    )


def load_ingredients(path: Path, problems: list[Problem]) -> tuple[dict[str, Ingredient], set[str]]:
    """Validate the ingredient table; returns (valid ingredients, ids whose entry is broken)."""
    report = FileReport(problems, shown_path(path))
    if not path.is_file():
        report.bad("", "not found; the recipe directory needs an ingredients.yaml table")
        return {}, set()
    ok, data = read_yaml(path, report)
    if not ok:
        return {}, set()
    if not isinstance(data, dict) or not data:
        report.bad(
            "",
            "must be a mapping of ingredient id -> {name, kind, aisle, ndb or source, per_100g}, "
            f"got {describe_value(data)}",
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
