"""The languages recipe and food texts come in, and how a text is picked for one of them.

Recipe files and the ingredient table give a name (and a recipe its steps) per language; English
is always there and is the fallback for each field on its own, so a recipe with a German name but
no German steps shows the German name and the English steps. `Recipe.name` and
`Ingredient.name` stay the English text, so code that never asks for a language is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "de", "es", "fr")
DEFAULT_LANGUAGE = "en"

# Shop aisles as written in ingredients.yaml (English) -> the same aisle in each language.
AISLE_NAMES: dict[str, dict[str, str]] = {
    "Fruit & veg": {"de": "Obst & Gemüse", "es": "Frutas y verduras", "fr": "Fruits et légumes"},
    "Bread & bakery": {
        "de": "Brot & Backwaren",
        "es": "Pan y bollería",
        "fr": "Pain et boulangerie",
    },
    "Dairy & eggs": {
        "de": "Milchprodukte & Eier",
        "es": "Lácteos y huevos",
        "fr": "Crèmerie et œufs",
    },
    "Plant milks & tofu": {
        "de": "Pflanzendrinks & Tofu",
        "es": "Bebidas vegetales y tofu",
        "fr": "Boissons végétales et tofu",
    },
    "Fish & seafood": {
        "de": "Fisch & Meeresfrüchte",
        "es": "Pescado y marisco",
        "fr": "Poissons et fruits de mer",
    },
    "Meat": {"de": "Fleisch", "es": "Carne", "fr": "Viande"},
    "Frozen": {"de": "Tiefkühlware", "es": "Congelados", "fr": "Surgelés"},
    "Grains, pasta & cereal": {
        "de": "Getreide, Nudeln & Frühstücksflocken",
        "es": "Cereales, pasta y copos de desayuno",
        "fr": "Céréales, pâtes et riz",
    },
    "Tins & jars": {
        "de": "Konserven & Gläser",
        "es": "Conservas y tarros",
        "fr": "Conserves et bocaux",
    },
    "Nuts, seeds & dried fruit": {
        "de": "Nüsse, Samen & Trockenobst",
        "es": "Frutos secos, semillas y fruta deshidratada",
        "fr": "Fruits secs, graines et fruits séchés",
    },
    "Oils, spices & condiments": {
        "de": "Öle, Gewürze & Würzmittel",
        "es": "Aceites, especias y condimentos",
        "fr": "Huiles, épices et condiments",
    },
}


class Named(Protocol):
    """Anything with an English `name` and its translations (a Recipe or an Ingredient)."""

    @property
    def name(self) -> str: ...

    @property
    def names(self) -> Mapping[str, str]: ...


class Stepped(Protocol):
    """A recipe's English steps and their translations."""

    @property
    def steps(self) -> tuple[str, ...]: ...

    @property
    def steps_by_lang(self) -> Mapping[str, tuple[str, ...]]: ...


def normalise_language(lang: str | None) -> str:
    """A supported language code for `lang` ("de-DE" -> "de"); English when unknown or None."""
    if not lang:
        return DEFAULT_LANGUAGE
    code = lang.strip().lower().replace("_", "-").split("-", 1)[0][:8]
    return code if code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def localized_name(obj: Named, lang: str | None) -> str:
    """The name in `lang`, or the English name when that language has none."""
    return obj.names.get(normalise_language(lang)) or obj.name


def localized_steps(recipe: Stepped, lang: str | None) -> tuple[str, ...]:
    """The steps in `lang`, or the English steps when that language has none."""
    return recipe.steps_by_lang.get(normalise_language(lang)) or recipe.steps


def localized_aisle(aisle: str, lang: str | None) -> str:
    """A shop aisle in `lang`; the aisle as written when it has no translation."""
    return AISLE_NAMES.get(aisle, {}).get(normalise_language(lang), aisle)


def missing_languages(texts: Mapping[str, object]) -> tuple[str, ...]:
    """Supported languages `texts` gives nothing for, in SUPPORTED_LANGUAGES order."""
    return tuple(lang for lang in SUPPORTED_LANGUAGES if not texts.get(lang))
