"""`/ate 2 eggs`, `/ate 100 g salmon`, `/ate 1 cup soy milk`: one food with an amount.

Pure code. People log a single food more often than a whole dish; its B12 comes from the
ingredient table (USDA SR28 or the named product label, with the user's own /myproducts
values when the caller passes their derived RecipeSet) times the grams eaten. Amounts are
converted with the same household measures the recipes use (`Ingredient.grams`). Unit words
are read in the bot's languages too ("2 Stück", "1 EL", "1 taza", "1 cuillère à café"), and
every message and description is in the current language (bot.core.i18n).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import SOURCE_LANGUAGE, _, current_language, fmt_decimal, ngettext, pgettext
from bot.core.languages import localized_name
from bot.core.models import VOLUME_ML, Ingredient, RecipeSet
from bot.core.recipe_search import content_words, quote, resolve_ingredient, singular_words

MAX_GRAMS = 2000.0  # more than 2 kg of one food at once is a typo (or a unit mix-up)

_COUNT = re.compile(r"^(\d+(?:[.,]\d+)?|[.,]\d+)\s*(.*)$")
_NEGATIVE = re.compile(r"^[-−–]\s*(\d|[.,]\d)")
_UNITS: dict[str, str] = {
    "piece": "piece",
    "pieces": "piece",
    "pc": "piece",
    "pcs": "piece",
    "slice": "slice",
    "slices": "slice",
    "tsp": "tsp",
    "teaspoon": "tsp",
    "teaspoons": "tsp",
    "tbsp": "tbsp",
    "tablespoon": "tbsp",
    "tablespoons": "tbsp",
    "cup": "cup",
    "cups": "cup",
    "g": "g",
    "gram": "g",
    "grams": "g",
    "ml": "ml",
    # German
    "stück": "piece",
    "stueck": "piece",
    "stk": "piece",
    "scheibe": "slice",
    "scheiben": "slice",
    "tl": "tsp",
    "teelöffel": "tsp",
    "el": "tbsp",
    "esslöffel": "tbsp",
    "tasse": "cup",  # also French
    "tassen": "cup",
    "gramm": "g",
    # Spanish
    "pieza": "piece",
    "piezas": "piece",
    "rebanada": "slice",
    "rebanadas": "slice",
    "cucharadita": "tsp",
    "cucharaditas": "tsp",
    "cucharada": "tbsp",
    "cucharadas": "tbsp",
    "cdta": "tsp",
    "cdta.": "tsp",
    "cda": "tbsp",
    "cda.": "tbsp",
    "taza": "cup",
    "tazas": "cup",
    "gramos": "g",
    # French ("cuillère à café" / "à soupe": see _SPOON_KIND)
    "pièce": "piece",
    "pièces": "piece",
    "tranche": "slice",
    "tranches": "slice",
    "cuillère": "tbsp",
    "cuillères": "tbsp",
    "cuillere": "tbsp",
    "cuilleres": "tbsp",
    "c.": "tbsp",  # "c. à c." / "c. à s."
    "cc": "tsp",
    "cs": "tbsp",
    "tasses": "cup",
    "grammes": "g",
}
# "cuillère à café" / "c. à c." is a teaspoon, "cuillère à soupe" / "c. à s." a tablespoon
_SPOON_KIND = {
    ("à", "café"): "tsp",
    ("a", "cafe"): "tsp",
    ("à", "c."): "tsp",
    ("a", "c."): "tsp",
    ("à", "soupe"): "tbsp",
    ("a", "soupe"): "tbsp",
    ("à", "s."): "tbsp",
    ("a", "s."): "tbsp",
}
_FILLER = {"of", "x", "de", "d'"}


def unit_label(unit: str, amount: float = 1.0) -> str:
    """`unit` ("tsp") as the current language writes it (the same words as the plans'
    amounts); English keeps the unit's code, "g" and "ml" stay everywhere."""
    if current_language() == SOURCE_LANGUAGE:
        return unit
    n = 1 if amount == 1 else 2
    if unit == "slice":
        return ngettext("slice", "slices", n)
    if unit == "cup":
        return ngettext("cup", "cups", n)
    if unit in ("tsp", "tbsp"):
        return pgettext("unit", "tsp") if unit == "tsp" else pgettext("unit", "tbsp")
    if unit == "piece":
        return pgettext("unit", "piece")
    return unit


def _amount(value: float) -> str:
    """2 -> "2", 1.5 -> "1.5" ("1,5" in German, Spanish and French)."""
    if current_language() == SOURCE_LANGUAGE:
        return f"{value:g}"
    return fmt_decimal(value, 2, trim=True)


class AmountInputError(ValueError):
    """An amount of a food that cannot be logged; `str(exc)` is fit to show the user."""


@dataclass(frozen=True, slots=True)
class FoodAmount:
    """How much of one ingredient was eaten, and the B12 that brings."""

    ingredient_id: str
    name: str
    amount: float
    unit: str  # piece, slice, tsp, tbsp, cup, g or ml
    grams: float
    b12_ug: float

    def describe(self) -> str:
        """'2 × Egg, whole, raw (large)', '100 g Atlantic salmon, farmed, raw' (the name is
        the one the parse gave, in the language current then)."""
        if self.unit == "piece":
            return f"{_amount(self.amount)} × {self.name}"
        return f"{_amount(self.amount)} {unit_label(self.unit, self.amount)} {self.name}"


def is_negative_amount(text: str) -> bool:
    """'-5', '− 2 eggs': a minus sign before a number."""
    return bool(_NEGATIVE.match(text.strip()))


def _one_ingredient(food: str, recipes: RecipeSet) -> list[str]:
    """Ingredient ids the words may mean, narrowed to an exact id or name when there is one
    ("eggs" -> egg, not mayonnaise; "salmon" -> salmon, not smoked_salmon)."""
    hits = resolve_ingredient(recipes, food)
    if len(hits) <= 1:
        return hits
    wanted = singular_words(food)
    exact = [
        i
        for i in hits
        if singular_words(i) == wanted
        or singular_words(recipes.ingredients[i].name)[: len(wanted)] == wanted
    ]
    if len(exact) != 1:  # "Eier", "huevos", "œufs": the first word of a name in another language
        local = [i for i in hits if _local_first_word(recipes.ingredients[i], wanted)]
        exact = local if len(local) == 1 else exact
    return exact if len(exact) == 1 else hits


def _local_first_word(ing: Ingredient, wanted: list[str]) -> bool:
    """One word that is (a form of) the first word of the food's German, Spanish or French
    name: "eier" and "ei" ("Ei, ganz, roh"), "huevo" ("Huevo entero, crudo")."""
    if len(wanted) != 1 or len(wanted[0]) < 2:
        return False
    word = wanted[0]
    for lang, name in ing.names.items():
        first = singular_words(name)[:1] if lang != "en" else []
        if (
            first
            and len(first[0]) >= 2
            and (word.startswith(first[0]) or first[0].startswith(word))
        ):
            return True
    return False


def _units_for(ing: Ingredient) -> list[str]:
    units = ["g", *ing.unit_grams]
    if ing.g_per_ml is not None:
        units += [u for u in VOLUME_ML if u not in units]
    return units


def parse_food_amount(text: str, recipes: RecipeSet) -> FoodAmount | None:
    """`<number> [unit] <food>` as one ingredient, or None when `text` is not that shape or
    names no ingredient (the caller then tries dishes). Raises AmountInputError when the
    food is found but the amount cannot be used (zero, no such unit, implausibly large) or
    the words fit several foods."""
    match = _COUNT.match(text.strip())
    if not match or not match.group(2):
        return None
    amount = float(match.group(1).replace(",", "."))
    words = match.group(2).split()
    unit = _UNITS.get(words[0].lower()) if words else None
    if unit is not None:
        words = words[1:]
        kind = _SPOON_KIND.get(tuple(w.lower() for w in words[:2]))  # type: ignore[arg-type]
        if kind is not None and unit == "tbsp":
            unit, words = kind, words[2:]
    words = [w for w in words if w.lower() not in _FILLER]
    food = " ".join(words)
    if not food:
        return None
    hits = _one_ingredient(food, recipes)
    if not hits:
        return None
    lang = current_language()
    if len(hits) > 1:
        names = "; ".join(localized_name(recipes.ingredients[i], lang) for i in sorted(hits)[:8])
        how_much = f"{match.group(1)} {unit_label(unit)}" if unit else "30 g"
        first = localized_name(recipes.ingredients[sorted(hits)[0]], lang).split(",")[0].lower()
        raise AmountInputError(
            _("“{food}” could be several foods ({names}). Name one, e.g. /ate {example}.").format(
                food=quote(food), names=names, example=f"{how_much} {first}"
            )
        )
    ing = recipes.ingredients[hits[0]]
    name = localized_name(ing, lang)
    options = ", ".join(unit_label(u) for u in _units_for(ing))
    if amount <= 0:
        raise AmountInputError(_("The amount of {food} must be more than 0.").format(food=name))
    if unit is None:
        if "piece" not in ing.unit_grams:
            raise AmountInputError(
                _("How much {food}? Give a unit ({units}), e.g. /ate 100 g {typed}.").format(
                    food=name, units=options, typed=food
                )
            )
        unit = "piece"
    try:
        grams = ing.grams(amount, unit)
    except ValueError:
        raise AmountInputError(
            _("I can't measure {food} in {unit}; use {units}, e.g. /ate 100 g {typed}.").format(
                food=name, unit=unit_label(unit, amount), units=options, typed=food
            )
        ) from None
    if grams > MAX_GRAMS:
        raise AmountInputError(
            _(
                "{amount} {unit} of {food} is about {grams} g — more than I accept for one food "
                "({limit} g). Check the amount."
            ).format(
                amount=_amount(amount),
                unit=unit_label(unit, amount),
                food=name,
                grams=fmt_decimal(grams, 0),
                limit=fmt_decimal(MAX_GRAMS, 0),
            )
        )
    b12 = ing.per_100g.b12_ug * grams / 100.0
    return FoodAmount(ing.id, name, amount, unit, grams, b12)


def food_without_amount(text: str, recipes: RecipeSet) -> tuple[Ingredient, str] | None:
    """The one ingredient `text` names when it gives no amount ("egg", "salmon"), with an
    example of how to give one ("/ate 1 egg", "/ate 100 g salmon", "/ate 1 cup soy milk");
    None when `text` starts with a number, has no word that names a food, or fits several
    foods. Nothing is logged from this: B12 depends on how much was eaten, so the caller asks."""
    words = content_words(singular_words(text))
    if not words or _COUNT.match(text.strip()):
        return None
    hits = _one_ingredient(" ".join(words), recipes)
    if len(hits) != 1:
        return None
    ing = recipes.ingredients[hits[0]]
    shown = quote(" ".join(words), 30)
    if "piece" in ing.unit_grams:
        return ing, f"/ate 1 {shown}"
    if ing.g_per_ml is not None and "cup" in VOLUME_ML:
        return ing, f"/ate 1 {unit_label('cup')} {shown}"
    return ing, f"/ate 100 g {shown}"
