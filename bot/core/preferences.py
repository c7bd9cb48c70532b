"""A user's recipe preferences as the planner sees them: a cooking-time limit, ♥ favourites
and 🚫 never-suggest recipes.

Why a derived recipe set: the planner, swaps and replanning already skip a set's `hidden`
recipes (what is not sold in a region) while stored plans still read them. Hiding the
recipes that take too long or that the user never wants again reuses that one path, so no
search, swap or replan can bring them back, and every rule of `plan_rules` holds unchanged.
Favourites are a preference weight (the planner's `prefer`: cost 0 instead of a random
cost), so they are chosen whenever they keep every rule, still never twice in 7 days.
Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.exclusions import profile
from bot.core.i18n import _
from bot.core.models import Profile, Recipe, RecipeSet, Slot, UserSettings
from bot.core.regions import for_region

COOK_LIMITS = (15, 30, 45)  # the max-cooking-time choices in /settings (None = any)
FAVOURITE = "favourite"
NEVER = "never"
MIN_CHOICES = 3  # dishes a meal keeps under a cooking-time limit (else its limit is raised)
MAX_PREFS = 200  # favourites + never per user: more is junk, not a kitchen

_CACHE_LIMIT = 64


@dataclass(frozen=True, slots=True)
class RecipePrefs:
    """The user's ♥ favourites and 🚫 never-suggest recipe ids."""

    favourites: frozenset[str] = frozenset()
    never: frozenset[str] = frozenset()

    def kind(self, recipe_id: str) -> str | None:
        if recipe_id in self.never:
            return NEVER
        if recipe_id in self.favourites:
            return FAVOURITE
        return None


@dataclass(frozen=True, slots=True)
class _Restriction:
    derived: RecipeSet
    max_cook_min: int | None
    never: frozenset[str]


SlotLimits = tuple[tuple[Slot, int], ...]
_cache: dict[tuple[int, int | None, frozenset[str], SlotLimits], tuple[RecipeSet, RecipeSet]] = {}
_why: dict[int, _Restriction] = {}


def slot_limits(
    recipes: RecipeSet, max_cook_min: int | None, person: Profile, never: frozenset[str]
) -> dict[Slot, int]:
    """The cooking-time limit per meal of `person`: `max_cook_min`, raised for a meal that
    would keep fewer than MIN_CHOICES dishes (no vegetarian dinner takes 15 min) just enough
    to keep that many, so no meal is dropped from the plan for being slow. A dish over the
    limit of any meal it may be planned for is hidden from all of them (`too_slow`)."""
    if max_cook_min is None:
        return {}
    limits = dict.fromkeys(person.slots, max_cook_min)
    usable = {
        slot: [
            r
            for r in recipes.for_slot(slot)
            if r.id not in never
            and person.diet.allows(r.diet)
            and r.item_ids.isdisjoint(person.exclude)
        ]
        for slot in person.slots
    }
    for slot in person.slots:
        times = sorted({r.time_min for r in usable[slot]})
        while True:
            kept = [r for r in usable[slot] if not _over(r, limits, max_cook_min)]
            higher = [t for t in times if t > limits[slot]]
            if len(kept) >= MIN_CHOICES or not higher:
                break
            limits[slot] = higher[0]
    return limits


def _over(recipe: Recipe, limits: Mapping[Slot, int], max_cook_min: int) -> bool:
    """Over the limit of a meal it may be planned for; a dish for none of the person's meals
    is held to the plain limit."""
    served = [limits[s] for s in recipe.meals if s in limits] or [max_cook_min]
    return recipe.time_min > min(served)


def too_slow(
    recipes: RecipeSet, max_cook_min: int | None, limits: Mapping[Slot, int] | None = None
) -> frozenset[str]:
    """Recipe ids over the limit of a meal they serve (`limits` per slot, else
    `max_cook_min`); none when there is no limit."""
    if max_cook_min is None:
        return frozenset()
    limits = limits or {}
    return frozenset(r.id for r in recipes.recipes.values() if _over(r, limits, max_cook_min))


def restricted(
    recipes: RecipeSet,
    max_cook_min: int | None = None,
    never: frozenset[str] = frozenset(),
    limits: Mapping[Slot, int] | None = None,
) -> RecipeSet:
    """`recipes` with the too-slow (`slot_limits`) and never-suggested recipes hidden (the
    same object when nothing is hidden). Apply it last, after regions and product labels:
    those rebuild `hidden` from what is sold."""
    never = frozenset(never).intersection(recipes.recipes)
    slow = too_slow(recipes, max_cook_min, limits)
    if not never and not slow:
        return recipes
    frozen: SlotLimits = tuple(sorted((limits or {}).items(), key=lambda kv: kv[0].value))
    key = (id(recipes), max_cook_min, never, frozen)
    cached = _cache.get(key)
    if cached is not None and cached[0] is recipes:
        return cached[1]
    derived = dataclasses.replace(recipes, hidden=recipes.hidden | never | slow)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
        _why.clear()
    _cache[key] = (recipes, derived)
    _why[id(derived)] = _Restriction(derived, max_cook_min, never)
    return derived


def hidden_reason(recipes: RecipeSet, recipe_id: str) -> str | None:
    """Why `recipes` (made by `restricted`) hides this recipe, in words for "Lunch changed:
    …", or None when it is not hidden by a preference."""
    why = _why.get(id(recipes))
    if why is None or why.derived is not recipes:
        return None
    if recipe_id in why.never:
        return _("you asked never to see it again")
    recipe = recipes.recipes.get(recipe_id)
    if recipe is not None and why.max_cook_min is not None and recipe.time_min > why.max_cook_min:
        return _("it takes {minutes} min, over your {limit} min limit").format(
            minutes=recipe.time_min, limit=why.max_cook_min
        )
    return None


def with_favourites(person: Profile, prefs: RecipePrefs) -> Profile:
    """The planning profile with the user's favourites (never-suggested ones are not)."""
    favourites = prefs.favourites - prefs.never
    if favourites == person.favourites:
        return person
    return dataclasses.replace(person, favourites=favourites)


def for_user(
    recipes: RecipeSet, user: UserSettings, prefs: RecipePrefs = RecipePrefs()
) -> tuple[RecipeSet, Profile]:
    """The recipe set and profile the user's own plans are made with: `recipes` (their
    product labels already applied) in their region, too-slow and never-suggested recipes
    hidden, favourites preferred."""
    regional = for_region(recipes, user.region)
    person = profile(user, regional)
    limits = slot_limits(regional, user.max_cook_min, person, prefs.never)
    mine = restricted(regional, user.max_cook_min, prefs.never, limits)
    return mine, with_favourites(person, prefs)


def raised_limits(recipes: RecipeSet, user: UserSettings, prefs: RecipePrefs) -> dict[Slot, int]:
    """The meals whose cooking-time limit `slot_limits` had to raise, with the limit used
    (the reply to a new limit says so: "dinners may take up to 30 min")."""
    if user.max_cook_min is None:
        return {}
    regional = for_region(recipes, user.region)
    limits = slot_limits(regional, user.max_cook_min, profile(user, regional), prefs.never)
    return {s: m for s, m in limits.items() if m > user.max_cook_min}
