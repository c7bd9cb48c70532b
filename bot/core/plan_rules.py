"""What a valid day plan is, and `check_plan`, which verifies one independently of the search.

Per person, a plan must give:

* total B12 >= target;
* estimated absorbed B12 >= target / 2, summing `absorbed_ug` per meal (uptake saturates per
  meal, so B12 spread over meals counts for more than the same amount in one meal);
* vegan plans have fortified B12 in at least two meals (Vegan Society advice);
* over 50: more than half of the target from fortified foods (IOM 1998: food-bound B12 is
  absorbed worse with age, the crystalline form in fortified food is not);
* pregnant or breastfeeding: no liver or liver products (NHS: vitamin A), no cold-smoked or
  cured fish (FSA; simplest and safest: none at all), at most 2 oily-fish meals in any 7 days
  (NHS);
* diet and excluded ingredients are never broken; no recipe twice in a day;
* no recipe from the last 7 days' history unless no plan without one exists (then the repeat
  is recorded in `DayPlan.repeats` and explained in `notes`);
* kcal inside the profile's range when one is given.

With impaired absorption (pernicious anaemia, autoimmune gastritis, gut surgery, long-term
metformin or PPIs) or B12 injections, food absorption estimates do not apply: the plan still
aims at the total, but a day is never called on target from food (`target_status`), and the
clinician sets the dose.

Several people eating together are planned as one combined profile (`combine_profiles`).
The search lives in `bot.core.planner`; both use `plan_rules` and `EPS`, so they agree.
`target_status` says whether a finished day meets every rule and which it misses: the one
answer every screen shows (/today, /week, pushes, household plans, the CLI).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_decimal, ngettext
from bot.core.models import (
    ABSORPTION_IMPAIRED,
    ABSORPTION_INJECTIONS,
    ABSORPTION_NORMAL,
    BREASTFEEDING,
    CLINICIAN_MANAGED,
    KIND_DIET,
    LIFE_STAGE_NONE,
    OVER_50,
    PREGNANT,
    SLOT_ORDER,
    DayPlan,
    Diet,
    Ingredient,
    Profile,
    Recipe,
    RecipeSet,
    TargetStatus,
    UserSettings,
    strictest_diet,
)
from bot.core.nutrition import absorbed_ug
from bot.core.regions import combined_region, for_region

EPS = 1e-9  # float tolerance for every ">= target" comparison (planner and checker agree)
MIN_FORTIFIED_MEALS_VEGAN = 2
SAFE_FOOD_STAGES = frozenset({PREGNANT, BREASTFEEDING})
# Groups (recipes/ingredients.yaml) never planned in pregnancy or while breastfeeding.
UNSAFE_GROUPS = frozenset({"liver", "smoked_fish"})
# Why each is left out, in the words a recipe card shows (no dose, no diagnosis).
UNSAFE_GROUP_REASONS: dict[str, str] = {
    "liver": N_("liver (NHS: too much vitamin A)"),
    "smoked_fish": N_("cold-smoked or cured fish (FSA/NHS: listeria)"),
}
OILY_FISH_GROUP = "oily_fish"
MAX_OILY_FISH_MEALS_PER_7_DAYS = 2  # NHS: at most 2 portions of oily fish a week

# translate at use: _(CLINICIAN_LINE)
CLINICIAN_LINE = N_(
    "Your clinician manages your B12, so food estimates are shown for information only; "
    "talk to your GP or MS team about your dose."
)
# Plain lines for settings and onboarding (no dose, no diagnosis).
LIFE_STAGE_NOTES: dict[str, str] = {
    LIFE_STAGE_NONE: "",
    PREGNANT: N_(
        "Plans for pregnancy leave out liver and liver products (vitamin A), cold-smoked and "
        "cured fish such as smoked salmon, and have oily fish at most twice in any 7 days (NHS, "
        "FSA). Talk to your midwife or GP about supplements."
    ),
    BREASTFEEDING: N_(
        "Plans while breastfeeding leave out liver, cold-smoked and cured fish, and have oily "
        "fish at most twice in any 7 days. Babies breastfed by mothers low in B12 (more common "
        "on a vegan diet) can become seriously ill: keep a reliable B12 source every day and "
        "talk to your GP or health visitor."
    ),
    OVER_50: N_(
        "After 50, B12 bound in food is absorbed less well, so more than half of your target "
        "comes from fortified foods (or a supplement your clinician agrees) (IOM 1998)."
    ),
}


@dataclass(frozen=True, slots=True)
class PlanRules:
    """The hard constraints of one plan, derived from the (combined) profile."""

    target: float
    absorbed_min: float
    fortified_min: int
    kcal_lo: float
    kcal_hi: float
    # over 50: fortified µg must be MORE than this (-inf: no such rule)
    fortified_ug_above: float = -math.inf
    clinician_managed: bool = False
    safe_foods: bool = False  # pregnant or breastfeeding: no liver, no smoked fish, oily fish cap


def clinician_manages(person: Profile | UserSettings) -> bool:
    """Impaired absorption or injections: the clinician sets the dose, food is never claimed."""
    return person.absorption in CLINICIAN_MANAGED


def no_daily_nags(person: Profile | UserSettings) -> bool:
    """B12 injections: no daily "you are short" messages (the evening check stays silent)."""
    return person.absorption == ABSORPTION_INJECTIONS


def plan_rules(profile: Profile) -> PlanRules:
    """The hard constraints for a plan made for `profile` (a combined one for several)."""
    lo, hi = profile.kcal_range if profile.kcal_range else (-math.inf, math.inf)
    managed = clinician_manages(profile)
    return PlanRules(
        target=profile.target_ug,
        # absorption estimates do not apply when the gut does not absorb B12 normally
        absorbed_min=0.0 if managed else profile.target_ug / 2,
        fortified_min=MIN_FORTIFIED_MEALS_VEGAN if profile.diet == Diet.VEGAN else 0,
        kcal_lo=lo,
        kcal_hi=hi,
        fortified_ug_above=(
            profile.target_ug / 2 if profile.life_stage == OVER_50 and not managed else -math.inf
        ),
        clinician_managed=managed,
        safe_foods=profile.life_stage in SAFE_FOOD_STAGES,
    )


def unsafe_item_ids(ingredients: Iterable[Ingredient]) -> frozenset[str]:
    """Ingredient ids never planned in pregnancy or breastfeeding (liver, smoked fish)."""
    return frozenset(i.id for i in ingredients if i.groups & UNSAFE_GROUPS)


def unsafe_reasons(
    recipe: Recipe, ingredients: Mapping[str, Ingredient], life_stage: str
) -> list[str]:
    """Why a recipe is never planned in this life stage (pregnant or breastfeeding: it has
    liver or cold-smoked or cured fish), one reason per group; empty for any other stage."""
    if life_stage not in SAFE_FOOD_STAGES:
        return []
    groups: set[str] = set()
    for item in recipe.item_ids:
        ing = ingredients.get(item)
        if ing is not None:
            groups |= ing.groups & UNSAFE_GROUPS
    return [_(UNSAFE_GROUP_REASONS[g]) if g in UNSAFE_GROUP_REASONS else g for g in sorted(groups)]


def oily_fish_recipe(recipe: Recipe, ingredients: dict[str, Ingredient]) -> bool:
    """Whether a recipe is an oily-fish meal (salmon, trout, mackerel, sardines)."""
    return any(
        OILY_FISH_GROUP in ingredients[i].groups for i in recipe.item_ids if i in ingredients
    )


def oily_fish_left(recipes: RecipeSet, history: Sequence[str]) -> int:
    """Oily-fish meals still allowed today, given the recipe ids of the days before it.

    History is the previous 7 days (the plans service and week planning pass that), so
    today plus it is 8 days: keeping that window at 2 keeps every 7-day window at 2.
    """
    used = sum(
        1
        for rid in history
        if rid in recipes.recipes and oily_fish_recipe(recipes.recipes[rid], recipes.ingredients)
    )
    return max(0, MAX_OILY_FISH_MEALS_PER_7_DAYS - used)


def target_status(plan: DayPlan, profiles: Profile | Sequence[Profile]) -> TargetStatus:
    """Whether the day meets every rule, recomputed from its meals and the person's settings.

    `met` is True only when total >= target, absorbed >= target/2, a vegan has fortified B12
    in at least 2 meals and, over 50, more than half the target comes from fortified foods.
    With impaired absorption or injections the clinician manages B12: never `met` from food.
    Works on any stored plan (old ones lack the fortified µg per meal, so over 50 they miss).
    """
    return status_of(
        combine_profiles(profiles),
        plan.target_ug,
        total=sum(m.b12_ug for m in plan.meals),
        absorbed=sum(absorbed_ug(m.b12_ug) for m in plan.meals),
        fortified_meals=sum(1 for m in plan.meals if m.fortified_b12),
        fortified_ug=sum(m.fortified_ug for m in plan.meals),
    )


# The total's miss; renderers leave it out where "… µg short" says the same (is_total_miss).
TOTAL_MISS = N_("total {total} µg of {target} µg")


def _num(value: float, *, trim: bool = False) -> str:
    """A µg number in a miss: one decimal ("2.4", German "2,4"); `trim` as Python's :g."""
    if current_language() == SOURCE_LANGUAGE:
        return f"{value:g}" if trim else f"{value:.1f}"
    return fmt_decimal(value, 3 if trim else 1, trim=trim)


def is_total_miss(miss: str) -> bool:
    """Whether a miss is the day's total ("total 1.8 µg of 2.4 µg"), in any language."""
    prefix = _(TOTAL_MISS).split("{", 1)[0]
    return (bool(prefix) and miss.startswith(prefix)) or miss.startswith("total ")


def status_of(
    profile: Profile,
    target: float,
    *,
    total: float,
    absorbed: float,
    fortified_meals: int,
    fortified_ug: float,
) -> TargetStatus:
    """The TargetStatus of a day with these totals (target_status and household members)."""
    if clinician_manages(profile):
        return TargetStatus(met=False, clinician_managed=True, fortified_ug=fortified_ug)
    misses: list[str] = []
    if total < target - EPS:
        misses.append(_(TOTAL_MISS).format(total=_num(total), target=_num(target, trim=True)))
    if absorbed < target / 2 - EPS:
        misses.append(
            _("absorbed about {absorbed} µg, under half the target ({half} µg)").format(
                absorbed=_num(absorbed), half=_num(target / 2)
            )
        )
    if profile.diet == Diet.VEGAN and fortified_meals < MIN_FORTIFIED_MEALS_VEGAN:
        misses.append(
            ngettext(
                "fortified B12 in {count} meal, not {needed}",
                "fortified B12 in {count} meals, not {needed}",
                fortified_meals,
            ).format(count=fortified_meals, needed=MIN_FORTIFIED_MEALS_VEGAN)
        )
    if profile.life_stage == OVER_50 and not fortified_ug > target / 2 + EPS:
        misses.append(
            _(
                "{amount} µg from fortified sources, not more than half the target ({half} µg)"
            ).format(amount=_num(fortified_ug), half=_num(target / 2))
        )
    return TargetStatus(met=not misses, misses=tuple(misses), fortified_ug=fortified_ug)


def as_profiles(profiles: Profile | Sequence[Profile]) -> tuple[Profile, ...]:
    """One profile or several as a tuple; ValueError when there is none."""
    result = (profiles,) if isinstance(profiles, Profile) else tuple(profiles)
    if not result:
        raise ValueError("at least one profile is needed to plan meals")
    return result


def combine_profiles(profiles: Profile | Sequence[Profile]) -> Profile:
    """One profile a whole household can eat from.

    Strictest diet, union of exclusions, highest target, union of meal slots (everyone gets
    fed at every meal someone eats), kcal range = intersection of the members' ranges (each
    eats one serving), or None when no member gives one or the ranges do not overlap.
    """
    members = as_profiles(profiles)
    if len(members) == 1:
        return members[0]
    slots = {s for p in members for s in p.slots}
    ranges = [p.kcal_range for p in members if p.kcal_range is not None]
    kcal_range: tuple[float, float] | None = None
    if ranges:
        lo = max(r[0] for r in ranges)
        hi = min(r[1] for r in ranges)
        kcal_range = (lo, hi) if lo <= hi else None
    return Profile(
        diet=strictest_diet([p.diet for p in members]),
        target_ug=max(p.target_ug for p in members),
        exclude=frozenset().union(*(p.exclude for p in members)),
        slots=tuple(s for s in SLOT_ORDER if s in slots),
        kcal_range=kcal_range,
        name=" + ".join(p.name for p in members if p.name),
        region=combined_region(p.region for p in members),
        life_stage=_combined_life_stage(p.life_stage for p in members),
        absorption=(
            ABSORPTION_IMPAIRED if all(clinician_manages(p) for p in members) else ABSORPTION_NORMAL
        ),
    )


def _combined_life_stage(stages: Iterable[str]) -> str:
    """The stage whose rules the shared meals keep: food safety for a pregnant or breastfeeding
    member first (everyone eats the same dish), else over 50 when a member is."""
    found = set(stages)
    for stage in (PREGNANT, BREASTFEEDING, OVER_50):
        if stage in found:
            return stage
    return LIFE_STAGE_NONE


def check_plan(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    plan: DayPlan,
    history: Sequence[str] = (),
) -> list[str]:
    """Every hard constraint the plan breaks, recomputed from the recipe set (empty = ok).

    Independent of the search: it recomputes each meal from the recipes and ingredient table.
    A recipe from `history` counts as a violation unless the plan declares it in `repeats`
    (the planner only does so when no plan without it exists).
    """
    members = as_profiles(profiles)
    profile = combine_profiles(members)
    recipes = for_region(recipes, profile.region)
    rules = plan_rules(profile)
    unsafe = unsafe_item_ids(recipes.ingredients.values()) if rules.safe_foods else frozenset()
    problems: list[str] = []
    slots_seen = [m.slot for m in plan.meals]
    for s in profile.slots:
        if s not in slots_seen:
            problems.append(f"no meal for {s.value}")
    if len(set(slots_seen)) != len(slots_seen):
        problems.append("a slot has more than one meal")
    ids = [m.recipe_id for m in plan.meals]
    if len(set(ids)) != len(ids):
        problems.append("the same recipe twice in one day")
    recent = set(history)
    total = absorbed = kcal = fortified_ug = 0.0
    fortified_meals = oily_meals = 0
    for m in plan.meals:
        r: Recipe | None = recipes.recipes.get(m.recipe_id)
        if r is None:
            problems.append(f"{m.slot.value}: unknown recipe {m.recipe_id!r}")
            continue
        if m.slot not in r.meals:
            problems.append(f"{m.slot.value}: {r.id} is not a {m.slot.value} recipe")
        if not profile.diet.allows(r.diet):
            problems.append(f"{m.slot.value}: {r.id} is {r.diet.value}, not {profile.diet.value}")
        banned = sorted(set(r.grams_per_serving) & profile.exclude)
        if banned:
            problems.append(f"{m.slot.value}: {r.id} contains excluded {', '.join(banned)}")
        if r.id in recipes.hidden:
            problems.append(f"{m.slot.value}: {r.id} uses a product not sold in {recipes.region}")
        unsafe_items = sorted(r.item_ids & unsafe)
        if unsafe_items:
            problems.append(
                f"{m.slot.value}: {r.id} has {', '.join(unsafe_items)} ({profile.life_stage})"
            )
        if rules.safe_foods and oily_fish_recipe(r, recipes.ingredients):
            oily_meals += 1
        if m.recipe_id in recent and m.recipe_id not in plan.repeats:
            problems.append(f"{m.slot.value}: {r.id} was planned in the last 7 days")
        if m.servings != len(members):
            problems.append(f"{m.slot.value}: {m.servings} servings for {len(members)} people")
        dose = r.per_serving.b12_ug
        meal_kcal = r.per_serving.kcal
        fortified = r.fortified_b12
        meal_fortified_ug = r.fortified_b12_ug
        if m.topup_item is not None:
            ing = recipes.ingredients.get(m.topup_item)
            if ing is None:
                problems.append(f"{m.slot.value}: unknown top-up {m.topup_item!r}")
            else:
                if m.topup_item in profile.exclude:
                    problems.append(f"{m.slot.value}: top-up {ing.id} is excluded")
                if m.topup_item in recipes.hidden:
                    problems.append(f"{m.slot.value}: top-up {ing.id} is not sold there")
                if not profile.diet.allows(KIND_DIET[ing.kind]):
                    problems.append(f"{m.slot.value}: top-up {ing.id} breaks the diet")
                if m.topup_grams <= 0:
                    problems.append(f"{m.slot.value}: top-up without an amount")
                part = ing.per_100g.scaled(m.topup_grams / 100.0)
                dose += part.b12_ug
                meal_kcal += part.kcal
                fortified = fortified or (ing.fortified and part.b12_ug > 0)
                meal_fortified_ug += part.b12_ug if ing.fortified else 0.0
        if not math.isclose(dose, m.b12_ug, rel_tol=1e-9, abs_tol=1e-9):
            problems.append(f"{m.slot.value}: B12 {m.b12_ug} does not match the recipe ({dose})")
        if not math.isclose(meal_fortified_ug, m.fortified_ug, rel_tol=1e-9, abs_tol=1e-9):
            problems.append(f"{m.slot.value}: fortified µg {m.fortified_ug} != {meal_fortified_ug}")
        total += dose
        absorbed += absorbed_ug(dose)
        kcal += meal_kcal
        fortified_meals += 1 if fortified else 0
        fortified_ug += meal_fortified_ug
    if rules.safe_foods:
        allowed = oily_fish_left(recipes, history)
        if oily_meals > allowed:
            before = MAX_OILY_FISH_MEALS_PER_7_DAYS - allowed
            problems.append(
                f"{oily_meals} oily-fish meal(s) today with {before} in the days before: more "
                f"than {MAX_OILY_FISH_MEALS_PER_7_DAYS} in 7 days"
            )
    if total < rules.target - EPS:
        problems.append(f"total B12 {total:.2f} µg is under the {rules.target:g} µg target")
    if not math.isclose(total, plan.b12_ug, rel_tol=1e-9, abs_tol=1e-9):
        problems.append(f"stated B12 total {plan.b12_ug} differs from the meals ({total})")
    if not math.isclose(plan.shortfall_ug, max(0.0, rules.target - total), abs_tol=1e-6):
        problems.append("stated shortfall does not equal target minus total")
    if absorbed < rules.absorbed_min - EPS:
        problems.append(
            f"absorbed B12 {absorbed:.2f} µg is under half the target ({rules.absorbed_min:.2f})"
        )
    if not math.isclose(absorbed, plan.b12_absorbed_ug, rel_tol=1e-9, abs_tol=1e-9):
        problems.append("stated absorbed B12 differs from the per-meal curve")
    if fortified_meals < rules.fortified_min:
        problems.append(f"vegan plan has fortified B12 in only {fortified_meals} meal(s), not 2")
    if not fortified_ug > rules.fortified_ug_above + EPS:
        problems.append(
            f"{fortified_ug:.2f} µg from fortified foods is not more than half the target"
        )
    if not rules.kcal_lo - EPS <= kcal <= rules.kcal_hi + EPS:
        problems.append(f"{kcal:.0f} kcal is outside {rules.kcal_lo:.0f}-{rules.kcal_hi:.0f}")
    status = target_status(plan, profile)
    if plan.status is not None and plan.status != status:
        problems.append(f"stated status {plan.status} differs from the rules ({status})")
    return problems
