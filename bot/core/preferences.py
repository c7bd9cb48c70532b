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
from dataclasses import dataclass

from bot.core.exclusions import profile
from bot.core.models import Profile, RecipeSet, UserSettings
from bot.core.regions import for_region

COOK_LIMITS = (15, 30, 45)  # the max-cooking-time choices in /settings (None = any)
FAVOURITE = "favourite"
NEVER = "never"
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


_cache: dict[tuple[int, int | None, frozenset[str]], tuple[RecipeSet, RecipeSet]] = {}
_why: dict[int, _Restriction] = {}


def too_slow(recipes: RecipeSet, max_cook_min: int | None) -> frozenset[str]:
    """Recipe ids that take longer than `max_cook_min` minutes (none when there is no limit)."""
    if max_cook_min is None:
        return frozenset()
    return frozenset(r.id for r in recipes.recipes.values() if r.time_min > max_cook_min)


def restricted(
    recipes: RecipeSet, max_cook_min: int | None = None, never: frozenset[str] = frozenset()
) -> RecipeSet:
    """`recipes` with the too-slow and never-suggested recipes hidden (the same object when
    nothing is hidden). Apply it last, after regions and product labels: those rebuild
    `hidden` from what is sold."""
    never = frozenset(never).intersection(recipes.recipes)
    slow = too_slow(recipes, max_cook_min)
    if not never and not slow:
        return recipes
    key = (id(recipes), max_cook_min, never)
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
        return "you asked never to see it again"
    recipe = recipes.recipes.get(recipe_id)
    if recipe is not None and why.max_cook_min is not None and recipe.time_min > why.max_cook_min:
        return f"it takes {recipe.time_min} min, over your {why.max_cook_min} min limit"
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
    mine = restricted(regional, user.max_cook_min, prefs.never)
    return mine, with_favourites(profile(user, mine), prefs)
