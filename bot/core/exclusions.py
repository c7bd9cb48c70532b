"""Foods a user leaves out, kept as they said them and resolved to ingredients when used.

A user's exclusions are *terms*: a food group they named ("group:soy", "group:gluten") or a
single food (an ingredient id such as "tofu_firm"). They are stored as said and turned into
ingredient ids only when a plan is made or a recipe is shown (`resolve`), so:

* including one group never brings back a food another excluded group still covers
  (soy sauce is soy AND gluten: `/include gluten` after `/exclude soy, gluten` keeps it out);
* a food added to the ingredient table later joins its groups by itself;
* exclusions stored before groups were kept (plain ingredient ids) read as single foods.

Everything that plans or shows a recipe asks this module: `profile` for the planner,
`warning_for` (and its recipe, meal and shopping-list forms) for "⚠️ contains soy (you
excluded it)".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.i18n import _
from bot.core.models import Ingredient, PlannedMeal, Profile, Recipe, RecipeSet, UserSettings
from bot.core.recipe_search import (
    IngredientMatch,
    group_label,
    local_name,
    local_short_name,
    match_ingredient,
)

GROUP_PREFIX = "group:"
# No cap on a user's terms: only known groups and ingredient ids are ever stored, so the list is
# bounded by the table, and dropping one would silently bring an allergen back.

# Food emoji and the word each stands for, as allergen charts use them. A broader group is
# the safe reading: 🌰 (a chestnut) means tree nuts, 🫘 (beans) means legumes, which include
# soy and peanuts; the reply names the group, so the reading is seen at once.
EMOJI_WORDS: dict[str, str] = {
    "🥜": "peanuts",
    "🌰": "tree nuts",
    "🥚": "eggs",
    "🍳": "eggs",
    "🐟": "fish",
    "🐠": "fish",
    "🍣": "fish",
    "🦐": "crustaceans",
    "🦀": "crustaceans",
    "🦞": "crustaceans",
    "🦑": "molluscs",
    "🐙": "molluscs",
    "🦪": "molluscs",
    "🐚": "molluscs",
    "🥛": "milk",
    "🧀": "cheese",
    "🌾": "gluten",
    "🍞": "gluten",
    "🫘": "legumes",
    "🌽": "corn",
    "🍄": "mushrooms",
    "🥥": "coconut",
    "🥩": "red meat",
    "🍖": "meat",
    "🥓": "pork",
    "🐖": "pork",
    "🐷": "pork",
    "🐄": "beef",
    "🐑": "lamb",
    "🍗": "poultry",
    "🐔": "poultry",
}
_EMOJI_RE = re.compile("|".join(re.escape(e) for e in sorted(EMOJI_WORDS, key=len, reverse=True)))
_VARIATION = re.compile("[\ufe0e\ufe0f\u200d]")

# The onboarding question's buttons: the EU's 14 allergens and the US's 9, as the ingredient
# table names them ("shellfish" is crustaceans + molluscs, asked as the two).
ALLERGEN_CHOICES: tuple[tuple[str, str], ...] = (
    ("gluten", "🌾 "),
    ("wheat", ""),
    ("milk", "🥛 "),
    ("egg", "🥚 "),
    ("soy", ""),
    ("peanut", "🥜 "),
    ("tree_nut", "🌰 "),
    ("fish", "🐟 "),
    ("crustacean", "🦐 "),
    ("mollusc", "🦑 "),
    ("sesame", ""),
    ("celery", ""),
    ("mustard", ""),
    ("sulphites", ""),
    ("lupin", ""),
)


def group_term(group: str) -> str:
    """The stored term for a food group: "soy" -> "group:soy"."""
    return f"{GROUP_PREFIX}{group}"


def term_group(term: str) -> str | None:
    """The group a term names, or None for a single food."""
    return term[len(GROUP_PREFIX) :] if term.startswith(GROUP_PREFIX) else None


def term_label(term: str, ingredients: Mapping[str, Ingredient], *, full: bool = False) -> str:
    """A term as shown to its user, in the current language: "soy", "tree nuts", "Tofu"
    (`full`: "Tofu, firm")."""
    group = term_group(term)
    if group is not None:
        return group_label(group)
    ing = ingredients.get(term)
    if ing is None:
        return term.replace("_", " ")
    return local_name(ing) if full else local_short_name(ing)


def term_labels(
    terms: Iterable[str], ingredients: Mapping[str, Ingredient], *, full: bool = False
) -> list[str]:
    """Every term's label, groups first, each part alphabetical, no repeats."""
    ordered = sorted(
        terms, key=lambda t: (term_group(t) is None, term_label(t, ingredients).lower())
    )
    return list(dict.fromkeys(term_label(t, ingredients, full=full) for t in ordered))


# --------------------------------------------------------------------------- resolving


def resolve(terms: Iterable[str], ingredients: Mapping[str, Ingredient]) -> frozenset[str]:
    """The ingredient ids a set of terms leaves out, with the table as it is now."""
    groups: set[str] = set()
    ids: set[str] = set()
    for term in terms:
        group = term_group(term)
        if group is None:
            ids.add(term)
        else:
            groups.add(group)
    if groups:
        ids.update(i.id for i in ingredients.values() if not i.groups.isdisjoint(groups))
    return frozenset(ids)


def excluded_ids(user: UserSettings, recipes: RecipeSet) -> frozenset[str]:
    """The ingredient ids this user's plans leave out."""
    return resolve(user.exclude, recipes.ingredients)


def profile(user: UserSettings, recipes: RecipeSet) -> Profile:
    """The user's planning profile with their exclusions resolved against `recipes`."""
    return user.profile(excluded_ids(user, recipes))


def terms_covering(
    item_id: str, terms: Iterable[str], ingredients: Mapping[str, Ingredient]
) -> list[str]:
    """The terms that leave `item_id` out (its own single-food term, its excluded groups)."""
    ing = ingredients.get(item_id)
    found = []
    for term in terms:
        group = term_group(term)
        if term == item_id or (group is not None and ing is not None and group in ing.groups):
            found.append(term)
    return found


def reasons(
    item_ids: Iterable[str], terms: Iterable[str], ingredients: Mapping[str, Ingredient]
) -> list[str]:
    """Labels of the terms that leave out any of `item_ids`: ["soy", "gluten"]."""
    stored = list(terms)
    if not stored:
        return []
    hit: list[str] = []
    for item in sorted(set(item_ids)):
        for term in terms_covering(item, stored, ingredients):
            if term not in hit:
                hit.append(term)
    return term_labels(hit, ingredients)


def warning_for(
    item_ids: Iterable[str], terms: Iterable[str], ingredients: Mapping[str, Ingredient]
) -> str | None:
    """ "⚠️ contains soy (you excluded it)" for foods the terms leave out, or None (plain
    text: HTML-escape it before sending)."""
    found = reasons(item_ids, terms, ingredients)
    if not found:
        return None
    if len(found) == 1:
        return _("⚠️ contains {names} (you excluded it)").format(names=found[0])
    names = _("{first} and {last}").format(first=", ".join(found[:-1]), last=found[-1])
    return _("⚠️ contains {names} (you excluded them)").format(names=names)


def item_warnings(
    item_ids: Iterable[str], terms: Iterable[str], ingredients: Mapping[str, Ingredient]
) -> list[str]:
    """One line per listed food the terms leave out, for a shopping list: "⚠️ Soy sauce:
    contains soy (you excluded it)" (plain text)."""
    stored = list(terms)
    lines = []
    for item in dict.fromkeys(item_ids):
        found = reasons([item], stored, ingredients) if stored else []
        if not found:
            continue
        name = term_label(item, ingredients)
        if found == [name]:  # the food itself
            lines.append(_("⚠️ {name} (you excluded it)").format(name=name))
        elif len(found) == 1:  # a food in a group: "⚠️ Soy sauce: contains soy (you excluded it)"
            lines.append(
                _("⚠️ {name}: contains {names} (you excluded it)").format(name=name, names=found[0])
            )
        else:
            names = _("{first} and {last}").format(first=", ".join(found[:-1]), last=found[-1])
            lines.append(
                _("⚠️ {name}: contains {names} (you excluded them)").format(name=name, names=names)
            )
    return lines


def recipe_warning(recipe: Recipe, user: UserSettings, recipes: RecipeSet) -> str | None:
    """The warning for one recipe and one user, or None when it has nothing they excluded."""
    return warning_for(recipe.item_ids, user.exclude, recipes.ingredients)


def meal_warning(meal: PlannedMeal, user: UserSettings, recipes: RecipeSet) -> str | None:
    """The warning for a planned meal (its recipe and its top-up): a plan kept from before an
    exclusion, or a household meal, shows what the user now leaves out."""
    if not user.exclude:  # most users: nothing to look up (this runs for every pushed meal)
        return None
    recipe = recipes.recipes.get(meal.recipe_id)
    items = set(recipe.item_ids) if recipe is not None else set()
    if meal.topup_item:
        items.add(meal.topup_item)
    return warning_for(items, user.exclude, recipes.ingredients)


def any_excluded(item_ids: Iterable[str], excluded: frozenset[str]) -> bool:
    """True when any of `item_ids` is among resolved `excluded` ids (a group's members'
    exclusions together, where no one is named)."""
    return not excluded.isdisjoint(item_ids)


# --------------------------------------------------------------------------- what users say


def with_emoji_words(text: str) -> str:
    """Food emoji as the words they stand for, each its own list item: "🥜🥚" -> "peanuts,
    eggs"."""
    plain = _VARIATION.sub("", text)
    return _EMOJI_RE.sub(lambda m: f", {EMOJI_WORDS[m.group(0)]}, ", plain)


@dataclass(frozen=True, slots=True)
class Said:
    """One word of an /exclude or /include list and what it means."""

    word: str
    match: IngredientMatch
    terms: tuple[str, ...]  # what /exclude stores for it

    @property
    def known(self) -> bool:
        return self.match.known


def understand(recipes: RecipeSet, word: str) -> Said:
    """A user's word (or food emoji) as terms: a group word names its groups, so foods added
    to the group later are left out too; other words name the foods they match."""
    text = with_emoji_words(word).strip(" ,")
    match = match_ingredient(recipes, text)
    if not match.groups:
        return Said(word, match, tuple(sorted(match.ids)))
    covered = resolve((group_term(g) for g in match.groups), recipes.ingredients)
    extra = sorted(set(match.ids) - covered)  # "milk" also names the food milk
    return Said(word, match, tuple(group_term(g) for g in match.groups) + tuple(extra))


@dataclass(frozen=True, slots=True)
class Inclusion:
    """What `/include <word>` does: the terms left, the terms removed, and the foods the word
    names that other terms still leave out (label of the food -> labels of those terms)."""

    terms: frozenset[str]
    removed: tuple[str, ...]
    still_out: tuple[tuple[str, tuple[str, ...]], ...]


def include(recipes: RecipeSet, terms: frozenset[str], said: Said) -> Inclusion:
    """Bring back what a word names: its groups and single foods; a food still covered by
    another excluded group stays out and is reported."""
    named_ids = set(said.match.ids) | set(
        resolve([t for t in said.terms if term_group(t)], recipes.ingredients)
    )
    drop = {t for t in terms if t in said.terms or (term_group(t) is None and t in named_ids)}
    left = frozenset(terms - drop)
    still: dict[str, list[str]] = {}
    ingredients = recipes.ingredients
    for item in sorted(named_ids):
        covering = terms_covering(item, left, ingredients)
        if covering:
            label = term_label(item, ingredients)
            for name in term_labels(covering, ingredients):
                if name not in still.setdefault(label, []):
                    still[label].append(name)
    removed = tuple(sorted(drop, key=lambda t: term_label(t, ingredients).lower()))
    return Inclusion(left, removed, tuple((k, tuple(v)) for k, v in sorted(still.items())))
