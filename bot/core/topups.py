"""Top-ups: a named fortified item in a sensible portion, added to a meal for its B12.

The planner adds one to a meal only when no plan without top-ups meets the target; a
household adds them to one member's portion. A top-up must suit the dish (nutritional yeast on
savoury food, a drink or cereal with sweet food: `suits`) and raise the meal's absorbed B12 by
at least 0.2 µg (`raises_absorbed_enough`): uptake saturates per meal, so more B12 on an already
rich meal is a number, not a benefit. The label is what the user reads ("a glass
(250 ml) of fortified soy milk"), so the portion and the name are worked out here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.i18n import SOURCE_LANGUAGE, _, current_language, fmt_decimal
from bot.core.languages import localized_name
from bot.core.models import SLOT_ORDER, Ingredient, Slot
from bot.core.nutrition import absorbed_ug

GLASS_ML = 250.0
DEFAULT_PORTION_G = 30.0
YOGURT_POT_G = 125.0
TASTE_SAVOURY = "savoury"
TASTE_SWEET = "sweet"
TASTE_ANY = "any"  # suits savoury and sweet dishes alike (an unsweetened drink on the side)
MIN_ABSORBED_GAIN_UG = 0.2  # a top-up must raise the meal's absorbed B12 by at least this


@dataclass(frozen=True, slots=True)
class TopUp:
    """A named fortified item in a sensible portion that can be added to a meal."""

    item_id: str
    grams: float
    label: str  # "a glass (250 ml) of fortified soy milk"
    b12_ug: float
    kcal: float
    protein_g: float
    slots: frozenset[Slot]  # meals it makes sense with (no cereal on dinner)
    taste: str = TASTE_SWEET  # dishes it suits: savoury (yeast), sweet (cereal, sweet drink), any


def suits(topup: TopUp, slot: Slot, recipe_taste: str) -> bool:
    """Whether `topup` makes sense with a meal in `slot` of this taste ("" = not said)."""
    if slot not in topup.slots:
        return False
    return not recipe_taste or topup.taste in (TASTE_ANY, recipe_taste)


def raises_absorbed_enough(meal_b12_ug: float, topup: TopUp) -> bool:
    """A top-up is worth suggesting only when it adds at least MIN_ABSORBED_GAIN_UG absorbed:
    uptake saturates per meal, so a glass of drink on an already rich meal adds almost nothing."""
    gain = absorbed_ug(meal_b12_ug + topup.b12_ug) - absorbed_ug(meal_b12_ug)
    return gain >= MIN_ABSORBED_GAIN_UG - 1e-9


def mid_sentence_name(name: str) -> str:
    """An ingredient name that reads naturally mid-sentence ("a glass of ...").

    Table names are list-style ("Almond milk, vanilla, fortified"): one-word qualifiers move in
    front of the food, so it becomes "fortified vanilla almond milk"; longer qualifiers
    ("canned in water") stay where they are. The first capital is lowercased only when it is
    plain sentence case, so brands and proper names ("Cheerios", "Whole Grain Total") keep
    their capitals. A closing "(...)" stays at the end.
    """
    name = " ".join(name.split())
    tail = ""
    paren = re.search(r"\s*\([^()]*\)$", name)
    if paren:
        name, tail = name[: paren.start()], name[paren.start() :]
    head, *qualifiers = [part.strip() for part in name.split(",")]
    # "Tofu, firm" is list style, so a one-word head is sentence case; "Cheerios" alone is not
    head = _sentence_lower(head, one_word=bool(qualifiers))
    if qualifiers and all(q and " " not in q for q in qualifiers):
        text = " ".join([*reversed(qualifiers), head])
    else:
        text = ", ".join([head, *qualifiers])
    return text + tail


def _sentence_lower(text: str, one_word: bool) -> str:
    """'Soy milk' -> 'soy milk'; 'Whole Grain Total', 'Cheerios', 'USDA milk' unchanged."""
    words = text.split()
    if not words or not words[0][:1].isupper() or (len(words[0]) > 1 and words[0].isupper()):
        return text
    if any(w[:1].isupper() for w in words[1:]) or (len(words) == 1 and not one_word):
        return text
    return text[:1].lower() + text[1:]


def topup_label(ing: Ingredient, grams: float | None = None) -> str:
    """The top-up's label in the current language ("ein Glas (250 ml) angereicherter
    Sojadrink"): the stored label is English, so other languages rebuild it from the food, in
    the same portion (`grams`: the planned weight, when it differs from the usual portion)."""
    topup = topup_for(ing)
    if topup is None:
        return localized_name(ing, current_language())
    if current_language() == SOURCE_LANGUAGE:
        return topup.label
    weight = topup.grams if grams is None or grams <= 0 else grams
    name = localized_name(ing, current_language())
    if current_language() != "de" and name[:2].istitle():  # "de levadura …", not "de Levadura"
        name = name[:1].lower() + name[1:]
    return _portion_label(_portion_kind(ing), weight, name)


def localized_label(label: str, ingredients: Mapping[str, Ingredient]) -> str:
    """A top-up label stored in English (in a plan or its notes), in the current language:
    the fortified food it names is found among `ingredients`; unknown labels stay as written."""
    if current_language() == SOURCE_LANGUAGE:
        return label
    for ing in ingredients.values():
        topup = topup_for(ing) if ing.fortified else None
        if topup is not None and topup.label == label:
            return topup_label(ing)
    return label


def _grams_text(grams: float) -> str:
    """A portion's weight the local way: 2 significant digits under 10 g ("7,5"), else whole."""
    return fmt_decimal(grams, 1 if grams < 10 else 0, trim=True)


def _portion_kind(ing: Ingredient) -> str:
    """Which portion a fortified item comes in: glass, tbsp, bowl, piece, pot or grams."""
    text = f"{ing.id} {ing.name}".lower()
    if ing.g_per_ml is not None and any(w in text for w in ("milk", "drink", "juice")):
        return "glass"
    if ing.can_convert("tbsp"):
        return "tbsp"
    if "cup" in ing.unit_grams:
        return "bowl"
    if "piece" in ing.unit_grams:
        return "piece"
    if "yogurt" in text or "yoghurt" in text:
        return "pot"
    return "grams"


def _portion_label(kind: str, grams: float, name: str) -> str:
    """A portion's label in a language other than English (English: `topup_for`)."""
    if kind == "glass":
        return _("a glass ({ml} ml) of {name}").format(ml=f"{GLASS_ML:.0f}", name=name)
    weight = _grams_text(grams)
    if kind == "tbsp":
        return _("1 tbsp ({grams} g) of {name}").format(grams=weight, name=name)
    if kind == "bowl":
        return _("a bowl ({grams} g) of {name}").format(grams=weight, name=name)
    if kind == "piece":
        return _("1 {name} ({grams} g)").format(grams=weight, name=name)
    if kind == "pot":
        return _("a {grams} g pot of {name}").format(grams=weight, name=name)
    return _("{grams} g of {name}").format(grams=weight, name=name)


def topup_for(ing: Ingredient) -> TopUp | None:
    """A sensible portion of a fortified item, or None when it supplies no B12."""
    if not ing.fortified or ing.per_100g.b12_ug <= 0:
        return None
    name = mid_sentence_name(ing.name)
    text = f"{ing.id} {ing.name}".lower()
    taste = TASTE_SWEET
    if ing.g_per_ml is not None and any(w in text for w in ("milk", "drink", "juice")):
        grams = GLASS_ML * ing.g_per_ml
        label = f"a glass ({GLASS_ML:.0f} ml) of {name}"
        slots = frozenset(SLOT_ORDER)
        # an unsweetened drink on the side suits any dish; a sweetened or flavoured one only
        # sweet food (no vanilla almond milk with chilli)
        taste = TASTE_ANY if "unsweetened" in text else TASTE_SWEET
    elif ing.can_convert("tbsp"):  # a sprinkle, e.g. nutritional yeast on a savoury meal
        grams = ing.grams(1, "tbsp")
        label = f"1 tbsp ({grams:.3g} g) of {name}"
        slots = frozenset({Slot.BREAKFAST, Slot.LUNCH, Slot.DINNER})
        taste = TASTE_SAVOURY
    elif "cup" in ing.unit_grams:  # e.g. fortified breakfast cereal
        grams = ing.unit_grams["cup"]
        label = f"a bowl ({grams:.0f} g) of {name}"
        slots = frozenset({Slot.BREAKFAST, Slot.SNACK})
    elif "piece" in ing.unit_grams:
        grams = ing.unit_grams["piece"]
        label = f"1 {name} ({grams:.0f} g)"
        slots = frozenset({Slot.BREAKFAST, Slot.SNACK})
    elif "yogurt" in text or "yoghurt" in text:
        grams = YOGURT_POT_G
        label = f"a {grams:.0f} g pot of {name}"
        slots = frozenset({Slot.BREAKFAST, Slot.SNACK})
    else:
        grams = DEFAULT_PORTION_G
        label = f"{grams:.0f} g of {name}"
        slots = frozenset({Slot.BREAKFAST, Slot.SNACK})
    per_g = ing.per_100g.scaled(grams / 100.0)
    return TopUp(ing.id, grams, label, per_g.b12_ug, per_g.kcal, per_g.protein_g, slots, taste)
