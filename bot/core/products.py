"""`/myproducts`: a user's own fortified products (B12 from their label) in plans and tallies.

Pure code. Fortified foods differ by brand (one oat drink has 0.38 µg B12 per 100 ml, another
none), so a user may replace the typical value of a fortified ingredient with the one printed
on their own product. `with_products` derives a RecipeSet in which those ingredients carry the
user's values and every recipe's per-serving B12 is recomputed, so the planner, the plan
messages and the tally all see the same numbers. Derived sets are cached by their overrides:
the planner caches its indexes per RecipeSet identity, so equal overrides must give the same
object.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping

from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_decimal
from bot.core.languages import localized_name
from bot.core.models import Ingredient, PlannedMeal, RecipeSet
from bot.core.recipe_search import quote, resolve_ingredient
from bot.core.regions import recompute_b12
from bot.core.topups import mid_sentence_name

# Typo guard, not nutrition advice. The richest fortified food is nutritional yeast: labels
# range from about 4 µg per tablespoon to 15 µg per 10 g (150 µg per 100 g, Bragg; see the
# nutritional_yeast source in recipes/ingredients.yaml). 200 µg per 100 g or ml leaves a third
# of headroom over that and still refuses "cheerios 1000" (a per-serving or %DV figure).
MAX_B12_PER_100 = 200.0
# A label may differ from the typical value by brand, but not by more than this factor: the
# richest fortified products sit well within it (Whole Grain Total ~20 µg per 100 g vs
# cereals' 5-7; soy drinks 0.4-1.1 µg per 100 ml), while a %DV typed as µg is far outside.
MAX_TIMES_TYPICAL = 10.0

PRODUCT_EXAMPLES = N_(
    "Examples:\n"
    "/myproducts soy milk 0.4 — your soy drink has 0.4 µg B12 per 100 ml\n"
    "/myproducts nutritional yeast 22 — 22 µg per 100 g\n"
    "/myproducts clear — back to the typical values"
)  # _() at use

_CACHE_LIMIT = 64
_cache: dict[tuple[int, tuple[tuple[str, float], ...]], RecipeSet] = {}


class ProductInputError(ValueError):
    """Bad `/myproducts` input; `str(exc)` is a message fit to show the user.

    `choices` are the ingredient ids the user may pick from, when the message ends by
    offering them: the Telegram layer lists them by name, with the code to type.
    """

    def __init__(self, message: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.choices = choices


def _all_choices(recipes: RecipeSet) -> tuple[str, ...]:
    return tuple(i.id for i in product_ingredients(recipes))


def _try_resolve(query: str, recipes: RecipeSet) -> str | None:
    """The product `query` names, or None (no error): for guessing what a user meant."""
    if not query.strip():
        return None
    try:
        return resolve_product(query, recipes)
    except ProductInputError:
        return None


def product_ingredients(recipes: RecipeSet) -> list[Ingredient]:
    """Ingredients a user may set from a label: the fortified ones (B12 varies by brand).

    Products not sold in the set's region are still listed: a user who has one (bought
    abroad) may enter its label, and then it counts for them.
    """
    return sorted((i for i in recipes.ingredients.values() if i.fortified), key=lambda i: i.id)


def unit_word(ing: Ingredient) -> str:
    """'100 ml' for drinks and other liquids measured by volume, else '100 g'."""
    text = f"{ing.id} {ing.name}".lower()
    liquid = ing.g_per_ml is not None and any(w in text for w in ("milk", "drink", "juice"))
    return "100 ml" if liquid else "100 g"


def per_100g_from_label(ing: Ingredient, value_per_100: float) -> float:
    """µg per 100 g from a label value per 100 ml (drinks) or per 100 g."""
    if unit_word(ing) == "100 ml" and ing.g_per_ml:
        return value_per_100 / ing.g_per_ml
    return value_per_100


def unit_text(unit: str) -> str:
    """'100 g' / '100 ml' (as `unit_word` gives and the store keeps) in the current language."""
    return {"100 g": _("100 g"), "100 ml": _("100 ml")}.get(unit, unit)


def _name(ing: Ingredient) -> str:
    """The product's name mid-sentence, in the current language."""
    if current_language() == SOURCE_LANGUAGE:
        return mid_sentence_name(ing.name)
    return localized_name(ing, current_language())


def label_from_per_100g(ing: Ingredient, per_100g: float) -> float:
    """Inverse of per_100g_from_label: the value as a label shows it."""
    if unit_word(ing) == "100 ml" and ing.g_per_ml:
        return per_100g * ing.g_per_ml
    return per_100g


_NUMBER = re.compile(r"^(\d+(?:[.,]\d+)?|[.,]\d+)(µg|μg|ug|mcg)?$")
_NEGATIVE = re.compile(r"^[-−–]\s*(\d+(?:[.,]\d+)?|[.,]\d+)(µg|μg|ug|mcg)?$")
_NOT_A_NUMBER = {"nan", "inf", "infinity", "-inf", "+inf"}
_TAIL_WORDS = {"µg", "μg", "ug", "mcg", "per", "100", "g", "ml", "100g", "100ml", "/", "/100"}


def parse_product(text: str, recipes: RecipeSet) -> tuple[str, float]:
    """Parse `<ingredient> <µg per 100 g or ml>` into (ingredient id, label value per 100).

    The ingredient may be its id or words of its name; only fortified ingredients qualify.
    """
    toks = text.split()
    bad = next((t for t in toks if _NEGATIVE.match(t) or t.lower() in _NOT_A_NUMBER), None)
    if bad is not None:
        raise ProductInputError(
            _(
                "'{bad}' is not a B12 amount: give the µg per 100 g (or 100 ml) from the label, "
                "0 or more."
            ).format(bad=quote(bad))
            + f"\n{_(PRODUCT_EXAMPLES)}"
        )
    index = next((i for i, t in enumerate(toks) if _NUMBER.match(t.lower())), None)
    if index is None:
        _no_number(toks, recipes)
    if not index:
        raise _tell_me(recipes)
    rest = [t.lower() for t in toks[index + 1 :]]
    if any(t not in _TAIL_WORDS for t in rest):
        raise ProductInputError(
            _(
                "I did not understand '{words}' after the number. Give the µg per 100 g (or "
                "100 ml for drinks)."
            ).format(words=quote(" ".join(toks[index + 1 :])))
            + f"\n{_(PRODUCT_EXAMPLES)}"
        )
    match = _NUMBER.match(toks[index].lower())
    assert match is not None
    value = float(match.group(1).replace(",", "."))
    ing_id = resolve_product(" ".join(toks[:index]), recipes)
    ing = recipes.ingredients[ing_id]
    limit = max_label_value(ing)
    if not math.isfinite(value) or not 0 <= value <= limit:
        unit = unit_word(ing)
        typical = label_from_per_100g(ing, ing.per_100g.b12_ug)
        example = f"/myproducts {ing_id} {_fmt(typical)}"
        serving = (
            _("1 µg per 250 ml glass is 0.4 µg per 100 ml")
            if unit == "100 ml"
            else _("1.2 µg per 30 g serving is 4 µg per 100 g")
        )
        raise ProductInputError(
            _(
                "{value} µg per {unit} is not a plausible label value for {name} (typical "
                "{typical} µg; I accept 0 to {limit} µg per {unit}). Check the number: labels "
                "often give µg per serving or a {percent} of the daily value; I need µg per {unit} "
                "({serving}).\nExample: {example}"
            ).format(
                value=toks[index],
                unit=unit_text(unit),
                name=_name(ing),
                typical=_fmt(typical),
                limit=_fmt(limit),
                serving=serving,
                example=example,
                percent="%",
            )
        )
    return ing_id, value


def _no_number(toks: list[str], recipes: RecipeSet) -> None:
    """Raise the most specific error for `/myproducts` words without a number: a product and
    a word that is not a number ("soy milk abc"), or a product alone ("soy milk")."""
    if len(toks) >= 2:
        product_words = " ".join(toks[:-1])
        ing_id = _try_resolve(product_words, recipes)
        if ing_id is not None and not _names_word(recipes.ingredients[ing_id], toks[-1]):
            ing = recipes.ingredients[ing_id]
            typical = _fmt(label_from_per_100g(ing, ing.per_100g.b12_ug))
            raise ProductInputError(
                _(
                    "“{word}” is not a number: write the µg per {unit} from the label, e.g. "
                    "/myproducts {example}"
                ).format(
                    word=quote(toks[-1]),
                    unit=unit_text(unit_word(ing)),
                    example=f"{quote(product_words)} {typical}",
                )
            )
    whole = " ".join(toks)
    ing_id = _try_resolve(whole, recipes)
    if ing_id is not None:
        ing = recipes.ingredients[ing_id]
        typical = _fmt(label_from_per_100g(ing, ing.per_100g.b12_ug))
        raise ProductInputError(
            _(
                "Add the µg of B12 per {unit} from the label of your {name}, e.g. "
                "/myproducts {example}"
            ).format(
                unit=unit_text(unit_word(ing)), name=_name(ing), example=f"{quote(whole)} {typical}"
            )
        )
    raise _tell_me(recipes)


def _tell_me(recipes: RecipeSet) -> ProductInputError:
    """The error that explains `/myproducts` from the start, with every product to choose."""
    return ProductInputError(
        _("Tell me the product and the µg of B12 per 100 g or 100 ml on its label.")
        + f"\n{_(PRODUCT_EXAMPLES)}\n"
        + _("Products you can set:"),
        _all_choices(recipes),
    )


def _names_word(ing: Ingredient, word: str) -> bool:
    """Whether `word` is (the start of) a word of the ingredient's name or code: "milk" in
    "almond milk" names the product, "abc" in "soy milk abc" does not."""
    key = word.lower().strip(".,;:")
    words = re.split(r"[\s_,()/-]+", f"{ing.id} {ing.name}".lower())
    return bool(key) and any(w.startswith(key) or key.startswith(w) for w in words if w)


def max_label_value(ing: Ingredient) -> float:
    """The highest label value (per 100 g or ml, as the label shows it) accepted for `ing`:
    MAX_TIMES_TYPICAL x its typical value, never above MAX_B12_PER_100."""
    typical = label_from_per_100g(ing, ing.per_100g.b12_ug)
    if typical <= 0:
        return MAX_B12_PER_100
    return min(MAX_B12_PER_100, MAX_TIMES_TYPICAL * typical)


def _fmt(value: float) -> str:
    """'6.8', '0.38', '200': short, without trailing zeros ("0,38" in German)."""
    if current_language() != SOURCE_LANGUAGE:
        return fmt_decimal(value, 2, trim=True) if value < 10 else fmt_decimal(value, 0)
    return f"{value:.2f}".rstrip("0").rstrip(".") if value < 10 else f"{value:,.0f}"


def resolve_product(query: str, recipes: RecipeSet) -> str:
    """The fortified ingredient id a user's words mean, or a clear error."""
    allowed = {i.id for i in product_ingredients(recipes)}
    key = query.strip().lower()
    if key in allowed:
        return key
    hits = [i for i in resolve_ingredient(recipes, key) if i in allowed]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise ProductInputError(
            _(
                "“{query}” could be more than one product. Send the code of yours with its "
                "label value (e.g. /myproducts {example}):"
            ).format(query=quote(query), example=f"{hits[0]} {_fmt(0.4)}"),
            tuple(hits),
        )
    if key in recipes.ingredients:
        name = localized_name(recipes.ingredients[key], current_language())
        raise ProductInputError(
            _(
                "{name} is not a fortified product, so its B12 does not depend on the brand. "
                "Products you can set:"
            ).format(name=name),
            _all_choices(recipes),
        )
    raise ProductInputError(
        _("I don't know the product “{query}”. Products you can set:").format(query=quote(query)),
        _all_choices(recipes),
    )


def _key(overrides: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((k, float(v)) for k, v in overrides.items()))


def with_products(recipes: RecipeSet, overrides_per_100g: Mapping[str, float]) -> RecipeSet:
    """`recipes` with the given ingredients' B12 per 100 g replaced (same object when empty).

    Unknown ids are ignored (an ingredient removed from the set since the user saved it).
    """
    known = {k: v for k, v in overrides_per_100g.items() if k in recipes.ingredients}
    if not known:
        return recipes
    key = (id(recipes), _key(known))
    cached = _cache.get(key)
    if cached is not None:
        return cached
    ingredients = dict(recipes.ingredients)
    for ing_id, b12 in known.items():
        ing = ingredients[ing_id]
        # the user's label holds in every region: no regional value may replace it
        ingredients[ing_id] = dataclasses.replace(
            ing,
            per_100g=dataclasses.replace(ing.per_100g, b12_ug=float(b12)),
            b12_by_region={},
            region_sources={},
        )
    recipes_out = {
        rid: recompute_b12(r, ingredients) if r.item_ids & known.keys() else r
        for rid, r in recipes.recipes.items()
    }
    # the user has the product in hand: it is no longer hidden where it is "not sold"
    hidden_items = {i for i in recipes.hidden if i in ingredients and i not in known}
    hidden = hidden_items | {
        rid
        for rid in recipes.hidden
        if rid in recipes_out and recipes_out[rid].item_ids & hidden_items
    }
    derived = RecipeSet(
        ingredients=ingredients,
        recipes=recipes_out,
        region=recipes.region,
        hidden=frozenset(hidden),
    )
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[key] = derived
    return derived


def meal_b12_ug(recipes: RecipeSet, meal: PlannedMeal) -> float:
    """B12 of one planned meal as eaten (one serving + its top-up), from `recipes`' values.

    Pass the user's derived set (with_products) so their own labels count. Falls back to the
    plan's stored number when the recipe has left the set.
    """
    recipe = recipes.recipes.get(meal.recipe_id)
    if recipe is None:
        return meal.b12_ug
    b12 = recipe.b12_ug
    if meal.topup_item:
        ing = recipes.ingredients.get(meal.topup_item)
        b12 += meal.topup_b12_ug if ing is None else ing.per_100g.b12_ug * meal.topup_grams / 100.0
    return b12
