"""Fortified foods by region: the recipe set as a user in the US, UK or EU can buy it.

Fortification differs by country (a UK soy drink carries about a third of the B12 of a US one;
General Mills Total is not sold in the UK or EU), so each fortified ingredient may list its B12
per region in `b12_by_region` (recipes/ingredients.yaml, sources in tools/regional_b12.yaml).
`for_region` derives a RecipeSet whose ingredients carry that region's values, with every
recipe's B12 recomputed, and whose `hidden` ids name what is not sold there: such recipes and
top-ups are never suggested. An unknown region ("any") takes the lowest value of every region
and hides what is not sold everywhere, so nobody is promised B12 their shops may not have.

A user's own label (/myproducts, bot.core.products.with_products) clears an ingredient's
regional values, so it wins in every region whichever of the two is applied first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from bot.core.models import REGION_ANY, REGIONS, Ingredient, Recipe, RecipeSet

_CACHE_LIMIT = 128
_cache: dict[tuple[int, str], tuple[RecipeSet, RecipeSet]] = {}

# IANA zones of the UK and its Crown dependencies (other Europe/* zones suggest the EU).
UK_ZONES = frozenset(
    {
        "Europe/London",
        "Europe/Belfast",
        "Europe/Guernsey",
        "Europe/Isle_of_Man",
        "Europe/Jersey",
        "GB",
        "GB-Eire",
    }
)
# Zones in Europe/* that are neither EU members nor the UK: no suggestion (the user picks).
NON_EU_EUROPE = frozenset(
    {
        "Europe/Moscow",
        "Europe/Kaliningrad",
        "Europe/Samara",
        "Europe/Volgograd",
        "Europe/Saratov",
        "Europe/Ulyanovsk",
        "Europe/Astrakhan",
        "Europe/Kirov",
        "Europe/Minsk",
        "Europe/Istanbul",
        "Europe/Kiev",
        "Europe/Kyiv",
        "Europe/Chisinau",
        "Europe/Belgrade",
        "Europe/Sarajevo",
        "Europe/Skopje",
        "Europe/Tirane",
        "Europe/Podgorica",
        "Europe/Simferopol",
        "Europe/Gibraltar",
    }
)


def fortified_part(
    b12_by_item: Mapping[str, float], ingredients: Mapping[str, Ingredient]
) -> float:
    """µg of a serving's B12 that comes from fortified ingredients (the over-50 rule counts it)."""
    return sum(b for item, b in b12_by_item.items() if ingredients[item].fortified)


def recompute_b12(recipe: Recipe, ingredients: Mapping[str, Ingredient]) -> Recipe:
    """`recipe` with its B12 (total, per item, fortified share, main source) recomputed from
    `ingredients`, e.g. after a region's or a user's own label values replaced some."""
    b12_by_item = {
        item: ingredients[item].per_100g.b12_ug * grams / 100.0
        for item, grams in recipe.grams_per_serving.items()
    }
    top = max(b12_by_item, key=lambda i: b12_by_item[i])
    return dataclasses.replace(
        recipe,
        per_serving=dataclasses.replace(recipe.per_serving, b12_ug=sum(b12_by_item.values())),
        b12_by_item=b12_by_item,
        fortified_b12=any(ingredients[i].fortified and b > 0 for i, b in b12_by_item.items()),
        main_b12_source=top if b12_by_item[top] > 0 else None,
        fortified_b12_ug=fortified_part(b12_by_item, ingredients),
    )


def region_set(region: str | None) -> tuple[str, ...]:
    """The regions a region code stands for: one ("uk"), several ("eu,uk", a household whose
    members shop in different regions) or all of them (None, "", "any", or nothing known)."""
    if not region:
        return REGIONS
    wanted = {part.strip().lower() for part in region.split(",")}
    known = tuple(r for r in REGIONS if r in wanted)
    return known or REGIONS


def region_code(region: str | None) -> str:
    """The canonical code: "us", "uk", "eu", "eu,uk" (sorted) or "any" for every region."""
    regions = region_set(region)
    return REGION_ANY if len(regions) == len(REGIONS) else ",".join(sorted(regions))


def combined_region(regions: Iterable[str | None]) -> str:
    """The code covering every member's region (the lowest values of all of them)."""
    union: set[str] = set()
    for region in regions:
        union.update(region_set(region))
    return region_code(",".join(sorted(union)) if union else None)


def suggest_region(timezone: str) -> str | None:
    """A first guess for the one-tap region question from an IANA time zone (None: no guess).

    Europe/London and the Crown dependencies suggest "uk", other EU zones "eu", America/*
    "us". The user confirms or changes it; this only saves a tap.
    """
    zone = (timezone or "").strip()
    if zone in UK_ZONES:
        return "uk"
    if zone.startswith("Europe/") and zone not in NON_EU_EUROPE:
        return "eu"
    if zone.startswith(("America/", "US/")):
        return "us"
    return None


def regional_b12(ing: Ingredient, region: str | None) -> tuple[float, bool]:
    """(µg B12 per 100 g, sold) of an ingredient for a region code.

    Without regional values the table's value holds everywhere. Otherwise the lowest value
    among the code's regions, and `sold` only when the product is sold in all of them.
    """
    if not ing.b12_by_region:
        return ing.per_100g.b12_ug, True
    regions = region_set(region)
    values = [ing.b12_by_region[r] for r in regions if r in ing.b12_by_region]
    sold = len(values) == len(regions)
    if not values:  # sold in none of them: the lowest value anywhere (it is hidden anyway)
        values = list(ing.b12_by_region.values())
    return min(values), sold


def region_source(ing: Ingredient, region: str | None) -> str:
    """Where the B12 value used for `region` comes from (label, survey or SR28 row)."""
    if ing.b12_by_region:
        value, sold = regional_b12(ing, region)
        code = region_code(region)
        if not sold:
            where = ", ".join(sorted(ing.b12_by_region))
            return f"not sold in {code} (sold in {where})"
        regions = [r for r in region_set(region) if ing.b12_by_region.get(r) == value]
        prefix = "lowest of all regions: " if code == REGION_ANY else ""
        return prefix + ing.region_sources[regions[0]]
    if ing.source:
        return ing.source
    return f"USDA SR28 {ing.ndb}" if ing.ndb else ""


def for_region(recipes: RecipeSet, region: str | None) -> RecipeSet:
    """`recipes` with each fortified ingredient's B12 for `region` (cached; same object when
    the set already carries that region's values)."""
    code = region_code(region)
    if recipes.region == code:
        return recipes
    key = (id(recipes), code)
    cached = _cache.get(key)
    if cached is not None and cached[0] is recipes:
        return cached[1]
    ingredients = dict(recipes.ingredients)
    changed: set[str] = set()
    hidden_items: set[str] = set()
    for ing_id, ing in recipes.ingredients.items():
        if not ing.b12_by_region:
            continue
        value, sold = regional_b12(ing, code)
        if not sold:
            hidden_items.add(ing_id)
        if value != ing.per_100g.b12_ug:
            ingredients[ing_id] = dataclasses.replace(
                ing, per_100g=dataclasses.replace(ing.per_100g, b12_ug=value)
            )
            changed.add(ing_id)
    out: dict[str, Recipe] = {}
    hidden_recipes: set[str] = set()
    for rid, recipe in recipes.recipes.items():
        items = recipe.item_ids
        out[rid] = recompute_b12(recipe, ingredients) if items & changed else recipe
        if items & hidden_items:
            hidden_recipes.add(rid)
    derived = RecipeSet(
        ingredients=ingredients,
        recipes=out,
        region=code,
        hidden=frozenset(hidden_items | hidden_recipes),
    )
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[key] = (recipes, derived)
    return derived
