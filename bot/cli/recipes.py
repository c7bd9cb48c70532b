"""`python main.py recipes check|list|foods`: validate the recipe set and browse it offline.

Every command takes `--region us|uk|eu` (default `any`: the lowest fortified values of all
regions, and only products sold everywhere), because fortified foods differ by country.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bot.core.languages import SUPPORTED_LANGUAGES, localized_name
from bot.core.models import DIET_ORDER, REGION_ANY, REGIONS, SLOT_ORDER, Diet, RecipeSet, Slot
from bot.core.products import label_from_per_100g, unit_word
from bot.core.recipe_problems import RecipeError, shown_path
from bot.core.recipes import (
    DEFAULT_RECIPES_DIR,
    allowed_for,
    load_recipes,
    recipe_to_json,
    translation_gaps,
)
from bot.core.regions import region_source, regional_b12

REGION_CHOICES = (*REGIONS, REGION_ANY)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _add_recipes_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--recipes",
        metavar="DIR",
        default=None,
        help="recipe directory holding ingredients.yaml (default: $RECIPES_DIR or recipes/)",
    )
    add_region_option(parser)


def _add_language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=SUPPORTED_LANGUAGES,
        default=None,
        help="show names (and steps) in this language; English where a text has no translation",
    )


def add_region_option(parser: argparse.ArgumentParser) -> None:
    """`--region us|uk|eu|any`: whose fortified foods count (default any = the lowest)."""
    parser.add_argument(
        "--region",
        choices=REGION_CHOICES,
        default=REGION_ANY,
        help="where the food is bought: fortified values differ (default: any = the lowest of "
        "all regions, and only products sold everywhere)",
    )


def add_parser(subparsers: Any) -> None:
    """Register `recipes check` and `recipes list` on the top-level sub-command parser."""
    recipes = subparsers.add_parser(
        "recipes", help="validate or list the recipe set", description=__doc__
    )
    actions = recipes.add_subparsers(dest="recipes_command", metavar="{check,list,foods}")
    actions.required = True

    check = actions.add_parser(
        "check", help="validate every recipe file and print a summary (exit 1 on errors)"
    )
    _add_recipes_dir_option(check)
    check.add_argument(
        "--languages",
        choices=("require", "warn"),
        default=None,
        help="a missing translation fails the check (require) or is listed only (warn); default: "
        "require for the shipped recipes/, warn for your own --recipes set",
    )
    check.set_defaults(func=run_check)

    listing = actions.add_parser("list", help="list recipes, optionally filtered")
    listing.add_argument(
        "--diet",
        choices=[d.value for d in DIET_ORDER],
        help="only recipes a person on this diet may eat",
    )
    listing.add_argument(
        "--meal", choices=[s.value for s in SLOT_ORDER], help="only recipes for this meal"
    )
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    _add_language_option(listing)
    _add_recipes_dir_option(listing)
    listing.set_defaults(func=run_list)

    foods = actions.add_parser(
        "foods", help="list the ingredient table with B12 per 100 g (per 100 ml for drinks)"
    )
    foods.add_argument("--json", action="store_true", help="print one JSON array")
    foods.add_argument(
        "--fortified", action="store_true", help="only fortified foods (B12 varies by brand)"
    )
    _add_language_option(foods)
    _add_recipes_dir_option(foods)
    foods.set_defaults(func=run_foods)


def recipes_dir(args: argparse.Namespace) -> Path:
    """--recipes, else $RECIPES_DIR, else the repo's recipes/ directory."""
    chosen = getattr(args, "recipes", None) or os.environ.get("RECIPES_DIR")
    return Path(chosen) if chosen else DEFAULT_RECIPES_DIR


def _load_or_report(args: argparse.Namespace) -> RecipeSet | None:
    try:
        return load_recipes(recipes_dir(args), getattr(args, "region", None))
    except RecipeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"\n{_plural(len(exc.problems), 'problem')} found; fix them and run "
            "`python main.py recipes check` again.",
            file=sys.stderr,
        )
        return None


def summary_lines(rs: RecipeSet, directory: Path) -> list[str]:
    """The `recipes check` report: counts per meal slot and diet, and data provenance."""
    recipes = list(rs.recipes.values())
    by_diet = Counter(r.diet for r in recipes)
    from_sr28 = sum(1 for i in rs.ingredients.values() if i.ndb)
    from_label = len(rs.ingredients) - from_sr28
    used = {item for r in recipes for item in r.item_ids}
    unused = sorted(set(rs.ingredients) - used)
    lines = [
        f"OK: {_plural(len(recipes), 'recipe')} in {shown_path(directory)}/",
        f"region: {rs.region} ({_plural(sum(1 for r in recipes if r.id in rs.hidden), 'recipe')}"
        " use a product not sold there)",
        "",
        "meal slot    recipes  vegan  vegetarian-ok  pescatarian-ok",
    ]
    for slot in SLOT_ORDER:
        in_slot = rs.for_slot(slot)
        lines.append(
            f"{slot.value:<12} {len(in_slot):>7}  "
            f"{sum(r.diet is Diet.VEGAN for r in in_slot):>5}  "
            f"{sum(Diet.VEGETARIAN.allows(r.diet) for r in in_slot):>13}  "
            f"{sum(Diet.PESCATARIAN.allows(r.diet) for r in in_slot):>14}"
        )
    lines.append("(a recipe may serve several meal slots)")
    lines.append("")
    lines.append(
        "by diet (strictest diet each recipe fits): "
        + ", ".join(f"{d.value} {by_diet.get(d, 0)}" for d in DIET_ORDER)
    )
    lines.append(
        f"ingredients: {len(rs.ingredients)} ({from_sr28} from USDA SR28, "
        f"{from_label} from product labels)"
    )
    with_b12 = sum(1 for r in recipes if r.b12_ug > 0)
    fortified = sum(1 for r in recipes if r.fortified_b12)
    lines.append(f"recipes with B12: {with_b12} ({fortified} get it from a fortified food)")
    if unused:
        shown = ", ".join(unused[:12]) + (", ..." if len(unused) > 12 else "")
        lines.append(f"note: {len(unused)} ingredients not used by any recipe: {shown}")
    return lines


def run_check(args: argparse.Namespace) -> int:
    rs = _load_or_report(args)
    if rs is None:
        return 1
    directory = recipes_dir(args)
    print("\n".join(summary_lines(rs, directory)))
    gaps = translation_gaps(rs, directory)
    if not gaps:
        print(f"translations: complete in {', '.join(SUPPORTED_LANGUAGES)}")
        return 0
    mode = args.languages or (
        "require" if directory.resolve() == DEFAULT_RECIPES_DIR.resolve() else "warn"
    )
    out = sys.stderr if mode == "require" else sys.stdout
    print("", file=out)
    for gap in gaps:
        print(gap, file=out)
    files = len({gap.file for gap in gaps})
    print(
        f"\n{_plural(len(gaps), 'missing translation')} in {_plural(files, 'file')}: add the "
        f"missing languages ({', '.join(SUPPORTED_LANGUAGES)}); English is shown meanwhile.",
        file=out,
    )
    return 1 if mode == "require" else 0


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table_lines(
    rs: RecipeSet, diet: Diet | None, meal: Slot | None, lang: str | None = None
) -> list[str]:
    """Compact text table: id (never cut, so it can be copied), name (in `lang`), meals, diet,
    kcal, B12."""
    chosen = allowed_for(rs, diet, meal)
    id_width = max([len("id"), *(len(r.id) for r in chosen)])
    header = f"{'id':<{id_width}} {'name':<40} {'meals':<22} {'diet':<11} {'kcal':>5} {'B12 µg':>7}"
    lines = [header, "-" * len(header)]
    for r in chosen:
        meals = ",".join(m.value for m in r.meals)
        lines.append(
            f"{r.id:<{id_width}} {_cut(localized_name(r, lang), 40):<40} {_cut(meals, 22):<22} "
            f"{r.diet.value:<11} {r.per_serving.kcal:>5.0f} {r.b12_ug:>7.2f}"
        )
    lines.append(f"{_plural(len(chosen), 'recipe')} (nutrients per serving)")
    return lines


def _print_out(text: str) -> None:
    """Print to stdout; a closed pipe (`... | head`) is not an error for a listing."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def food_to_json(rs: RecipeSet, ing_id: str, lang: str | None = None) -> dict[str, Any]:
    """One food for `recipes foods --json`: B12 for the set's region as its label gives it
    (per 100 ml for drinks, per 100 g otherwise), and where that value comes from; its name in
    `lang` (English without a translation)."""
    ing = rs.ingredients[ing_id]
    per_100g, sold = regional_b12(ing, rs.region)
    sold = sold and ing.id not in rs.hidden
    return {
        "id": ing.id,
        "name": localized_name(ing, lang),
        # null: not sold in this region (never planned there)
        "b12_ug_per_100g": round(label_from_per_100g(ing, per_100g), 4) if sold else None,
        "per": unit_word(ing),
        "b12_ug_per_100g_weight": round(per_100g, 6) if sold else None,
        "g_per_ml": ing.g_per_ml,
        "fortified": ing.fortified,
        "sold": sold,
        "region": rs.region,
        "source": region_source(ing, rs.region),
        "ndb": ing.ndb,
        "groups": sorted(ing.groups),
    }


def run_foods(args: argparse.Namespace) -> int:
    rs = _load_or_report(args)
    if rs is None:
        return 1
    ids = sorted(i.id for i in rs.ingredients.values() if i.fortified or not args.fortified)
    rows = [food_to_json(rs, i, args.lang) for i in ids]
    if args.json:
        _print_out(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(r["id"]) for r in rows) if rows else 2
    lines = [f"B12 per 100 g (per 100 ml for drinks), region {rs.region}", ""]
    for r in rows:
        mark = " fortified" if r["fortified"] else ""
        value = r["b12_ug_per_100g"]
        amount = f"{value:>8.3g} µg/{r['per']}" if value is not None else f"{'—':>8} not sold"
        lines.append(f"{r['id']:<{width}} {amount}{mark}  [{_cut(r['source'], 70)}]")
    _print_out("\n".join(lines))
    return 0


def run_list(args: argparse.Namespace) -> int:
    rs = _load_or_report(args)
    if rs is None:
        return 1
    diet = Diet(args.diet) if args.diet else None
    meal = Slot(args.meal) if args.meal else None
    if args.json:
        data = [recipe_to_json(r, rs, args.lang) for r in allowed_for(rs, diet, meal)]
        _print_out(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_out("\n".join(table_lines(rs, diet, meal, args.lang)))
    return 0
