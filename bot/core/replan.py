"""Keep a day's shape when settings change: only the meals that must change are replanned.

Why: replanning the whole day on every settings change lost swaps, moved a meal ticked
"eaten" to another dish, and redid days for a value typed again unchanged. `replan_day` keeps
every meal that still fits and every meal already ticked (eaten, skipped or "ate something
else": what happened stays), and replaces a meal only when it must:

* it has a food the user now excludes, no longer fits the diet, the life stage (liver, smoked
  fish in pregnancy) or the region (a product not sold there), or its recipe is gone;
* a meal slot was turned on (a new meal) or off (the meal goes, unless it was ticked);
* the day as kept no longer meets the target or the energy range: then the meals that are not
  ticked are re-balanced, keeping as many as the search allows.

Each change says why ("it had eggs, which you excluded"), so the chat layer can tell the user.
Pure: no I/O, no clock. The search is the planner's (`Planner.solve`), so every rule of
`plan_rules` holds for the new meals exactly as for a fresh plan.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_decimal
from bot.core.languages import localized_name
from bot.core.models import (
    SLOT_ORDER,
    DayPlan,
    Ingredient,
    PlannedMeal,
    Profile,
    Recipe,
    RecipeSet,
    Slot,
)
from bot.core.plan_notes import SLOT_WORD
from bot.core.plan_rules import EPS, SAFE_FOOD_STAGES, clinician_manages, plan_rules
from bot.core.planner import Planner, SearchBudget, kcal_note, planner_for, seed
from bot.core.preferences import hidden_reason
from bot.core.recipe_schema import KNOWN_GROUPS
from bot.core.recipe_search import short_name
from bot.core.regions import for_region

# How a group reads in "it had eggs, which you excluded" (others: the group name with spaces).
GROUP_WORDS: dict[str, str] = {
    "egg": N_("eggs"),
    "peanut": N_("peanuts"),
    "tree_nut": N_("tree nuts"),
    "crustacean": N_("crustaceans"),
    "mollusc": N_("molluscs"),
    "milk": N_("dairy"),
    "legume": N_("legumes"),
    "red_meat": N_("red meat"),
    "mushroom": N_("mushrooms"),
    "nightshade": N_("nightshades"),
}

# Names what the user excluded that a recipe contains, e.g. ["eggs"]; the default reads the
# ingredient table (`excluded_names`), a caller may pass the user's own words instead.
ExclusionNamer = Callable[[Recipe, frozenset[str]], list[str]]


@dataclass(frozen=True, slots=True)
class MealChange:
    """One meal slot that changed, and why (plain words, to follow "Lunch changed: ")."""

    slot: Slot
    before: str | None  # recipe id; None: the meal is new
    after: str | None  # recipe id; None: the meal was turned off
    reason: str


@dataclass(frozen=True, slots=True)
class Replanned:
    """The day after a settings change.

    `changed` is False only when `plan` is the stored plan itself (nothing to save, nothing to
    say). `kept_ticked` lists ticked meals kept although they no longer fit the settings.
    """

    plan: DayPlan
    changes: tuple[MealChange, ...] = ()
    kept_ticked: tuple[Slot, ...] = ()
    changed: bool = False


def excluded_names(recipes: RecipeSet, recipe: Recipe, exclude: frozenset[str]) -> list[str]:
    """What the user excluded that `recipe` contains, in the words they likely used.

    A food whose whole group is excluded is named by the group ("eggs", "soy"), else by its
    short name ("tofu"). Group order follows the allergen list, so soy sauce with both gluten
    and soy excluded reads "gluten".
    """
    hits = sorted(recipe.item_ids & exclude)
    members: dict[str, set[str]] = {}
    for ing in recipes.ingredients.values():
        for group in ing.groups:
            members.setdefault(group, set()).add(ing.id)
    names: list[str] = []
    for item in hits:
        ing = recipes.ingredients.get(item)
        if ing is None:
            continue
        whole = [g for g in KNOWN_GROUPS if g in ing.groups and members.get(g, set()) <= exclude]
        # a group's word in the current language (the allergen names are in the catalogue)
        name = _(GROUP_WORDS.get(whole[0], whole[0].replace("_", " "))) if whole else ""
        name = name or _food_word(ing)
        if name not in names:
            names.append(name)
    return names


def _food_word(ing: Ingredient) -> str:
    """A food mid-sentence: its short name ("tofu"); other languages its local name."""
    if current_language() == SOURCE_LANGUAGE:
        return short_name(ing).lower()
    return localized_name(ing, current_language())


def join_words(words: Sequence[str]) -> str:
    """["eggs"] -> "eggs"; ["eggs", "soy", "milk"] -> "eggs, soy and milk"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + _(" and ") + words[-1]


def meal_problem(
    planner: Planner,
    profile: Profile,
    recipe_id: str,
    name_excluded: ExclusionNamer | None = None,
) -> str | None:
    """Why a meal can no longer be planned for `profile` (None: it still fits).

    `planner` holds the recipe set of the profile's region.
    """
    rs = planner.recipes
    recipe = rs.recipes.get(recipe_id)
    if recipe is None:
        return _("that recipe is no longer in my set")
    if recipe.id in rs.hidden:
        return hidden_reason(rs, recipe.id) or _("it uses a product not sold where you shop")
    hits = recipe.item_ids & profile.exclude
    if hits:
        namer = name_excluded or (lambda r, ex: excluded_names(rs, r, ex))
        words = namer(recipe, profile.exclude) or sorted(hits)
        return _("it had {foods}, which you excluded").format(foods=join_words(words))
    if not profile.diet.allows(recipe.diet):
        return _("it isn't {diet}").format(diet=_(profile.diet.value))
    if profile.life_stage in SAFE_FOOD_STAGES:
        unsafe = sorted(recipe.item_ids & planner.unsafe_items)
        if unsafe:
            names = join_words(
                sorted({_food_word(rs.ingredients[i]) for i in unsafe if i in rs.ingredients})
            )
            if profile.life_stage == "pregnant":
                return _("it has {foods}, which plans leave out while you are pregnant").format(
                    foods=names
                )
            return _("it has {foods}, which plans leave out while you are breastfeeding").format(
                foods=names
            )
    return None


def _meal_word(slot: Slot) -> str:
    """ "lunch" in the current language (the plan notes' meal words)."""
    return _(SLOT_WORD[slot.value]) if slot.value in SLOT_WORD else slot.value


def _kcal(value: float) -> str:
    """1,800 / 1.800 / 1 800: a kcal bound with the local thousands mark."""
    if current_language() == SOURCE_LANGUAGE:
        return f"{value:,.0f}"
    return fmt_decimal(value, 0)


def _target(value: float) -> str:
    if current_language() == SOURCE_LANGUAGE:
        return f"{value:g}"
    return fmt_decimal(value, 3, trim=True)


def kept_note(slot: Slot) -> str:
    """The plan's note on a ticked meal kept although it no longer fits the settings."""
    return f"{slot.value.capitalize()} stays as you ticked it."


def fits(plan: DayPlan, profile: Profile) -> bool:
    """Whether a day keeps the profile's target and energy range: every rule of its status
    (with a clinician-managed absorption, the total alone: food is never called on target)."""
    rules = plan_rules(profile)
    if not rules.kcal_lo - EPS <= plan.kcal <= rules.kcal_hi + EPS:
        return False
    if clinician_manages(profile):
        return plan.b12_ug >= rules.target - EPS
    return plan.status is not None and plan.status.met


def replan_day(
    recipes: RecipeSet,
    profile: Profile,
    plan: DayPlan,
    ticked: Mapping[Slot, str | None] | None = None,
    history: Sequence[str] = (),
    *,
    name_excluded: ExclusionNamer | None = None,
) -> Replanned:
    """`plan` made to fit `profile` again, changing only what must change (see the module).

    `recipes` is the set the user's plans use (with their own product labels); `ticked` maps
    each ticked slot to the recipe id the tick recorded (None: the plan's meal), and those
    meals stay as they were eaten or skipped; `history` is the recipe ids of the 7 days before.
    """
    ticked = ticked or {}
    planner = planner_for(for_region(recipes, profile.region))
    allowed = planner.effective_profile(profile)
    recent = frozenset(history)
    old = {m.slot: m for m in plan.meals}

    locked: dict[Slot, PlannedMeal] = {}
    kept_ticked: list[Slot] = []
    for slot, rid in ticked.items():
        meal = old.get(slot)
        rid = rid or (meal.recipe_id if meal is not None else None)
        if rid is None or rid not in planner.recipe_info:
            continue
        if meal is None or meal.recipe_id != rid:  # the tick names another dish: that one stays
            meal = PlannedMeal(slot, rid, 1, 0.0, 0.0, 0.0)
        locked[slot] = meal
        if slot not in profile.slots or meal_problem(planner, profile, rid, name_excluded):
            kept_ticked.append(slot)
    slots = tuple(s for s in SLOT_ORDER if s in profile.slots or s in locked)
    shaped = replace(allowed, slots=slots)
    person = replace(profile, slots=slots)

    keep: dict[Slot, PlannedMeal] = dict(locked)
    reasons: dict[Slot, str] = {}
    for s in slots:
        if s in locked:
            continue
        meal = old.get(s)
        if meal is None:
            reasons[s] = _("you added {meal}").format(meal=_meal_word(s))
            continue
        why = meal_problem(planner, profile, meal.recipe_id, name_excluded)
        if why is None:
            keep[s] = meal
        else:
            reasons[s] = why

    def finish(new: DayPlan, extra_reason: str = "") -> Replanned:
        """The Replanned of `new`: its swaps those of the stored day, a note per ticked meal
        kept although it no longer fits (reported once: the stored day keeps the note)."""
        kept_notes = {s: kept_note(s) for s in kept_ticked}
        fresh_kept = tuple(s for s in kept_ticked if kept_notes[s] not in plan.notes)
        extra = tuple(n for n in kept_notes.values() if n not in new.notes)
        new = replace(new, swaps=plan.swaps, notes=new.notes + extra)
        changes = [
            MealChange(
                m.slot,
                m.recipe_id,
                None,
                _("you turned off {meal}").format(meal=_meal_word(m.slot)),
            )
            for m in plan.meals
            if m.slot not in slots
        ]
        for m in new.meals:
            before = old.get(m.slot)
            if before is None or before.recipe_id != m.recipe_id:
                why = reasons.get(m.slot, extra_reason)
                changes.append(
                    MealChange(m.slot, before.recipe_id if before else None, m.recipe_id, why)
                )
        changes.sort(key=lambda c: SLOT_ORDER.index(c.slot))
        return Replanned(new, tuple(changes), fresh_kept, changed=new != plan)

    budget = SearchBudget()
    options = {s: planner.meal_option(m, recent, shaped) for s, m in keep.items()}
    # a ticked meal stays as it was eaten: the search may not add a top-up to it
    pinned = {s: o for s, o in options.items() if s in locked and o is not None}
    first: DayPlan
    if len(keep) == len(slots) and all(o is not None for o in options.values()):
        # every meal stays: the same dishes valued with today's numbers
        choice = {s: o for s, o in options.items() if o is not None}
        as_kept = planner.build(person, 1, plan.date, choice, True)
        same = (
            as_kept.meals == plan.meals
            and abs(plan.target_ug - as_kept.target_ug) < EPS
            and as_kept.status == plan.status
        )
        if fits(as_kept, person):
            return finish(plan if same else as_kept)
        # the stored day as it is, unless it lacks the note on the energy range it now misses
        outside = kcal_note(as_kept.kcal, plan_rules(person))
        first = plan if same and (outside is None or outside in plan.notes) else as_kept
    else:
        rng = random.Random(seed(profile, plan.date.isoformat(), "replan"))
        fixed = {s: m.recipe_id for s, m in keep.items()}
        choice, feasible = planner.solve(
            shaped,
            rng,
            recent,
            True,
            fixed=fixed,
            oily_max=planner.oily_max(profile, history),
            budget=budget,
            pinned=pinned,
        )
        first = planner.build(person, 1, plan.date, choice, feasible, cut_short=budget.hit)
        if feasible:
            return finish(first)

    # the day as kept misses the target or the energy range: re-balance the meals not ticked,
    # keeping as many as the search allows
    rules = plan_rules(person)
    rules_kcal = not rules.kcal_lo - EPS <= first.kcal <= rules.kcal_hi + EPS
    too_low = first.kcal < rules.kcal_lo
    if rules_kcal:
        why = _("to fit your energy range of {low}–{high} kcal").format(
            low=_kcal(rules.kcal_lo), high=_kcal(rules.kcal_hi)
        )
    else:
        why = _("so the day reaches your {target} µg target").format(
            target=_target(profile.target_ug)
        )
    oily_max = planner.oily_max(profile, history)
    # one meal changed is better than two: try the meals not ticked alone, then in pairs, …,
    # those furthest from what is missing first; then let the search re-balance all of them

    def order(s: Slot) -> tuple[float, int]:
        meal = keep[s]
        if rules_kcal:
            return (meal.kcal if too_low else -meal.kcal, SLOT_ORDER.index(s))
        return (meal.b12_ug, SLOT_ORDER.index(s))

    movable = sorted((s for s in keep if s not in locked), key=order)
    for size in range(1, len(movable)):
        for moved in itertools.combinations(movable, size):
            key = "-".join(s.value for s in moved)
            rng = random.Random(seed(profile, plan.date.isoformat(), "rebalance", key))
            fixed = {s: m.recipe_id for s, m in keep.items() if s not in moved}
            choice, feasible = planner.solve(
                shaped,
                rng,
                recent,
                True,
                fixed=fixed,
                oily_max=oily_max,
                budget=budget,
                pinned=pinned,
            )
            if feasible:
                return finish(planner.build(person, 1, plan.date, choice, True), why)
    rng = random.Random(seed(profile, plan.date.isoformat(), "rebalance"))
    choice, feasible = planner.solve(
        shaped,
        rng,
        recent,
        True,
        fixed={s: m.recipe_id for s, m in locked.items()},
        prefer=frozenset(m.recipe_id for m in keep.values()),
        oily_max=oily_max,
        budget=budget,
        pinned=pinned,
    )
    if feasible:
        return finish(planner.build(person, 1, plan.date, choice, True), why)
    return finish(first, why)  # nothing meets every rule: the kept day, its notes on what it misses
