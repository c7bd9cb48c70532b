"""`python main.py plan ...`: print B12-checked meal plans and their shopping list offline."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import TYPE_CHECKING

from bot.core.models import (
    ABSORPTION_STATUSES,
    DEFAULT_SLOTS,
    LIFE_STAGES,
    REGION_ANY,
    SLOT_ORDER,
    TARGET_PRESETS,
    DayPlan,
    Diet,
    Profile,
    RecipeSet,
)
from bot.core.plan_rules import target_status
from bot.core.regions import region_code
from bot.core.shopping import FORTIFIED_NOTE, item_to_dict, shopping_by_aisle, shopping_list
from bot.core.week import plan_days

if TYPE_CHECKING:
    from bot.core.recipe_search import IngredientMatch

MAX_DAYS = 28


class UsageError(ValueError):
    """Bad command-line input; the message names what is wrong (exit code 2)."""


def _target(text: str) -> float:
    if text.lower() in TARGET_PRESETS:
        return TARGET_PRESETS[text.lower()]
    try:
        value = float(text)
    except ValueError:
        presets = ", ".join(TARGET_PRESETS)
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of µg or a preset ({presets})"
        ) from None
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError(f"target must be between 0 and 1000 µg, got {text}")
    return value


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--days needs a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"--days must be 1 to {MAX_DAYS}, got {value}")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--date needs YYYY-MM-DD, got {text!r}") from None


def _kcal(text: str) -> tuple[float, float]:
    parts = text.replace("–", "-").split("-")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--kcal needs MIN-MAX like 1600-2200, got {text!r}"
        ) from None
    if not 0 < lo <= hi:
        raise argparse.ArgumentTypeError(f"--kcal range must be 0 < MIN <= MAX, got {text!r}")
    return (lo, hi)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "plan",
        help="plan meals that meet a B12 target and print a shopping list",
        description=(
            "Plan meals whose B12 is checked against your target (spread over meals for "
            "absorption; vegan plans get fortified food at two meals), then print the "
            "shopping list."
        ),
    )
    parser.add_argument("--diet", choices=[d.value for d in Diet], default=Diet.OMNIVORE.value)
    parser.add_argument(
        "--target",
        type=_target,
        default=TARGET_PRESETS["standard"],
        help="daily B12 target in µg or a preset: "
        + ", ".join(f"{k} {v:g}" for k, v in TARGET_PRESETS.items())
        + " (default 2.4)",
    )
    parser.add_argument("--days", type=_days, default=1, help=f"days to plan (1-{MAX_DAYS})")
    parser.add_argument(
        "--exclude",
        default="",
        help="comma-separated ingredient ids, words or food groups "
        "(tofu,soy_milk_fortified or 'peanuts,fish' or 'soy,gluten,tree nuts,dairy')",
    )
    parser.add_argument("--snack", action="store_true", help="add a snack slot")
    parser.add_argument("--kcal", type=_kcal, help="daily kcal range per person, e.g. 1600-2200")
    parser.add_argument("--date", type=_date, help="first day (YYYY-MM-DD, default today)")
    parser.add_argument(
        "--life-stage",
        choices=LIFE_STAGES,
        default="none",
        help="pregnant / breastfeeding: no liver or smoked fish, oily fish at most twice in "
        "7 days; over50: more than half the target from fortified food",
    )
    parser.add_argument(
        "--absorption",
        choices=ABSORPTION_STATUSES,
        default="normal",
        help="impaired or injections: the clinician manages B12, no day is called on target "
        "from food",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--recipes", metavar="DIR", help="recipe directory (default: recipes/)")
    from bot.cli.recipes import add_region_option

    add_region_option(parser)
    parser.set_defaults(func=run)


def match_excludes(rs: RecipeSet, text: str) -> list[IngredientMatch]:
    """What each word of a comma list means (ids, or group words like soy, gluten, nuts).

    UsageError names an unknown word with suggestions that start like it.
    """
    from bot.core.recipe_search import match_ingredient, suggest_ingredient_words

    matches: list[IngredientMatch] = []
    for word in (w.strip() for w in text.split(",")):
        if not word:
            continue
        match = match_ingredient(rs, word)
        if not match.known:
            close = suggest_ingredient_words(rs, word)
            hint = f"; close: {', '.join(close)}" if close else ""
            raise UsageError(f"--exclude: no ingredient or food group matches {word!r}{hint}")
        matches.append(match)
    return matches


def resolve_excludes(rs: RecipeSet, text: str) -> frozenset[str]:
    """Ingredient ids for a comma list of ids or words; UsageError names unknown words."""
    return frozenset(i for m in match_excludes(rs, text) for i in m.ids)


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def format_day(rs: RecipeSet, plan: DayPlan, profile: Profile | None = None) -> list[str]:
    lines = [f"{plan.date.isoformat()} ({plan.date.strftime('%A')})"]
    for m in plan.meals:
        recipe = rs.recipes.get(m.recipe_id)
        name = recipe.name if recipe else m.recipe_id
        fortified = " [fortified]" if m.fortified_b12 else ""
        lines.append(f"  {m.slot.value:<9} {name} — {m.b12_ug:.2f} µg B12{fortified}")
        if m.topup_item:
            lines.append(f"  {'':<9} + {m.topup_label} ({m.topup_b12_ug:.2f} µg)")
    ok = plan.b12_ug >= plan.target_ug - 1e-9
    status = target_status(plan, profile) if profile is not None else plan.status
    absorbed = (
        ""
        if status is not None and status.clinician_managed
        else f" · absorbed ≈ {plan.b12_absorbed_ug:.2f} µg (need ≥ {plan.target_ug / 2:.2f})"
    )
    lines.append(
        f"  total {plan.b12_ug:.2f} / {plan.target_ug:g} µg {_mark(ok)}{absorbed}"
        f" · {plan.kcal:.0f} kcal · {plan.protein_g:.0f} g protein per person"
    )
    if status is not None and status.clinician_managed:
        lines.append("  B12 managed by your clinician: not claimed from food")
    elif status is not None:
        verdict = "on target: every rule met" if status.met else "NOT on target: "
        lines.append(f"  {_mark(status.met)} {verdict}{'; '.join(status.misses)}")
    lines.extend(f"  note: {n}" for n in plan.notes)
    return lines


def run(args: argparse.Namespace) -> int:
    from bot.core.recipe_problems import RecipeError
    from bot.core.recipe_search import describe_match
    from bot.core.recipes import load_recipes

    try:
        rs = load_recipes(args.recipes)
    except RecipeError as exc:
        print(f"error: cannot load recipes:\n{exc}", file=sys.stderr)
        return 1
    try:
        matches = match_excludes(rs, args.exclude)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    exclude = frozenset(i for m in matches for i in m.ids)
    slots = SLOT_ORDER if args.snack else DEFAULT_SLOTS
    region = None if args.region == REGION_ANY else args.region
    profile = Profile(
        diet=Diet(args.diet),
        target_ug=args.target,
        exclude=exclude,
        slots=slots,
        kcal_range=args.kcal,
        region=region,
        life_stage=args.life_stage,
        absorption=args.absorption,
    )
    start = args.date or dt.date.today()
    plans = plan_days(rs, [profile], start, args.days)
    statuses = [target_status(p, profile) for p in plans]
    items = shopping_list(rs, plans)
    if args.json:
        out = {
            "days": [
                {
                    "date": p.date.isoformat(),
                    "meals": [
                        {
                            "slot": m.slot.value,
                            "recipe_id": m.recipe_id,
                            "servings": m.servings,
                            "b12_ug": round(m.b12_ug, 3),
                            "fortified_b12": m.fortified_b12,
                            "fortified_ug": round(m.fortified_ug, 3),
                            "topup": (
                                {
                                    "item_id": m.topup_item,
                                    "label": m.topup_label,
                                    "grams": round(m.topup_grams, 3),
                                    "b12_ug": round(m.topup_b12_ug, 3),
                                }
                                if m.topup_item
                                else None
                            ),
                        }
                        for m in p.meals
                    ],
                    "b12_ug": round(p.b12_ug, 3),
                    "b12_absorbed_ug": round(p.b12_absorbed_ug, 3),
                    "kcal": round(p.kcal, 1),
                    "shortfall_ug": round(p.shortfall_ug, 3),
                    "target_ug": p.target_ug,
                    "notes": list(p.notes),
                    "meets_target": st.met,
                    "misses": list(st.misses),
                    "clinician_managed": st.clinician_managed,
                    "fortified_ug": round(st.fortified_ug, 3),
                    "region": region_code(region),
                }
                for p, st in zip(plans, statuses, strict=True)
            ],
            "region": region_code(region),
            "life_stage": profile.life_stage,
            "absorption": profile.absorption,
            "shopping_list": [item_to_dict(i) for i in items],
            "excluded": [
                {"word": m.word, "groups": list(m.groups), "ids": list(m.ids)} for m in matches
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(
        f"B12 plan: {profile.diet.value}, target {profile.target_ug:g} µg/day, region "
        f"{region_code(region)}"
        + (f", {profile.life_stage}" if profile.life_stage != "none" else "")
        + (f", absorption {profile.absorption}" if profile.absorption != "normal" else "")
    )
    for match in matches:
        print(f"Excluding {describe_match(rs, match)}")
    if matches:
        for note in dict.fromkeys(n for m in matches for n in m.notes):
            print(f"  note: {note}")
    print()
    for plan in plans:
        print("\n".join(format_day(rs, plan, profile)))
        print()
    missed = sum(1 for st in statuses if not st.met)
    if statuses and statuses[0].clinician_managed:
        print("Your clinician manages your B12: no day is called on target from food.")
        print()
    elif missed:
        print(f"{missed} of {len(plans)} day(s) not on target: see the notes above.")
        print()
    print("Shopping list")
    for aisle, aisle_items in shopping_by_aisle(items).items():
        print(f"  {aisle}")
        for item in aisle_items:
            mark = f" ({FORTIFIED_NOTE})" if item.fortified else ""
            print(f"    - {item.name}: {item.display}{mark}")
    return 0
