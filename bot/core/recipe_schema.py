"""What recipe files and the ingredient table may contain: field names, units and food groups.

The field lists are what the loader accepts (`bot.core.ingredient_table` for ingredients.yaml,
`bot.core.recipes` for recipe files). The allergen and food groups are the names an ingredient
may list in `groups:`; /exclude and the allergen notes in replies are built on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.models import SLOT_ORDER, Kind

INGREDIENTS_FILE = "ingredients.yaml"

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
NDB_PATTERN = re.compile(r"^\d{5}$")  # every SR28 NDB_No is five digits

RECIPE_REQUIRED = ("id", "name", "meal", "servings", "time_min", "ingredients", "steps")
RECIPE_OPTIONAL = ("tags", "taste")
# Whether a dish is savoury or sweet: a top-up must suit it (nutritional yeast on a curry, a glass
# of plant drink with porridge, never vanilla almond milk with chilli).
TASTES = ("savoury", "sweet")
LINE_KEYS = ("item", "amount", "unit")

INGREDIENT_REQUIRED = ("name", "kind", "aisle", "per_100g")
INGREDIENT_OPTIONAL = (
    "ndb",
    "source",
    "fortified",
    "groups",
    "units",
    "g_per_ml",
    "b12_note",
    "b12_by_region",
)
# One region's B12 of a fortified food: per 100 g (and, for drinks, the label's per 100 ml).
REGION_ENTRY_REQUIRED = ("b12_ug", "source")
REGION_ENTRY_OPTIONAL = ("per_100ml",)
PER_100G_REQUIRED = ("kcal", "protein_g", "b12_ug")
PER_100G_OPTIONAL = ("fat_g", "carbs_g", "fibre_g", "folate_ug", "vit_d_ug")
UNIT_WEIGHT_KEYS = ("piece", "slice", "tsp", "tbsp", "cup")

SLOT_NAMES = tuple(s.value for s in SLOT_ORDER)
KIND_NAMES = tuple(k.value for k in Kind)

# Allergen and food groups an ingredient may list in `groups:`. The first block is the EU's 14
# major allergens (Regulation 1169/2011 Annex II) and the US's 9 (FALCPA + FASTER Act); the rest
# are words people use for what they avoid. A group means "contains it as an ingredient in the
# usual product"; labels vary, so users with an allergy still read the label.
ALLERGEN_GROUPS: dict[str, str] = {
    "gluten": "cereals containing gluten: wheat, rye, barley, spelt (oats are kept apart)",
    "wheat": "wheat in any form (flour, semolina, bran, couscous, soy sauce)",
    "crustacean": "crustaceans (shrimp, prawns, crab, lobster)",
    "mollusc": "molluscs (mussels, clams, oysters, squid)",
    "shellfish": "crustaceans and molluscs",
    "egg": "eggs and foods made with egg",
    "fish": "fish",
    "peanut": "peanuts",
    "tree_nut": "tree nuts: almonds, cashews, walnuts, hazelnuts, pecans, pistachios ...",
    "soy": "soybeans and soy foods",
    "milk": "milk and dairy foods (cow, goat, sheep)",
    "celery": "celery and celeriac (also in most stock and broth)",
    "mustard": "mustard (also in many curry powders and mayonnaises)",
    "sesame": "sesame seeds, tahini and sesame oil",
    "sulphites": "sulphur dioxide / sulphites above 10 mg/kg (dried fruit, vinegar, bottled juice)",
    "lupin": "lupin flour and seeds",
}
FOOD_GROUPS: dict[str, str] = {
    "nuts": "tree nuts and peanuts (what people mean by 'nuts')",
    "cheese": "cheese of any kind",
    "cereal": "breakfast cereals",
    "oats": "oats and oat products (not gluten by themselves; often cross-contaminated)",
    "rye": "rye (a gluten cereal)",
    "barley": "barley and malt (a gluten cereal)",
    "meat": "meat and poultry, and broth made from them",
    "red_meat": "beef, lamb and pork",
    "beef": "beef",
    "pork": "pork",
    "lamb": "lamb and mutton",
    "poultry": "chicken and other poultry",
    "legume": "beans, lentils, peas, chickpeas, soy and peanuts",
    "mushroom": "mushrooms",
    "yeast": "baker's and nutritional yeast",
    "corn": "corn (maize)",
    "coconut": "coconut (not a tree nut in EU or current US rules)",
    "nightshade": "tomatoes, potatoes, peppers, aubergine, chilli and paprika",
    "liver": "liver and liver products (NHS: avoid in pregnancy, high in vitamin A)",
    "oily_fish": "oily fish: salmon, trout, mackerel, sardines (NHS: at most 2 portions a week "
    "in pregnancy and breastfeeding)",
    "smoked_fish": "cold-smoked or cured fish such as smoked salmon (FSA: avoid uncooked in "
    "pregnancy)",
}
KNOWN_GROUPS: dict[str, str] = ALLERGEN_GROUPS | FOOD_GROUPS

# A group that implies others: an ingredient listing the key must list these too.
GROUP_IMPLIES: dict[str, frozenset[str]] = {
    "wheat": frozenset({"gluten"}),
    "rye": frozenset({"gluten"}),
    "barley": frozenset({"gluten"}),
    "crustacean": frozenset({"shellfish"}),
    "mollusc": frozenset({"shellfish"}),
    "tree_nut": frozenset({"nuts"}),
    "peanut": frozenset({"nuts", "legume"}),
    "soy": frozenset({"legume"}),
    "lupin": frozenset({"legume"}),
    "cheese": frozenset({"milk"}),
    "beef": frozenset({"red_meat", "meat"}),
    "pork": frozenset({"red_meat", "meat"}),
    "lamb": frozenset({"red_meat", "meat"}),
    "red_meat": frozenset({"meat"}),
    "poultry": frozenset({"meat"}),
    "oily_fish": frozenset({"fish"}),
    "smoked_fish": frozenset({"fish"}),
}

# Each animal kind must carry its group, and a plant must carry none of them (diet safety).
KIND_GROUP: dict[Kind, str] = {
    Kind.DAIRY: "milk",
    Kind.EGG: "egg",
    Kind.FISH: "fish",
    Kind.SHELLFISH: "shellfish",
    Kind.MEAT: "meat",
}


def expand_groups(groups: Iterable[str]) -> frozenset[str]:
    """`groups` plus every group they imply (wheat -> gluten, beef -> red_meat -> meat)."""
    found = set(groups)
    todo = list(found)
    while todo:
        for implied in GROUP_IMPLIES.get(todo.pop(), frozenset()):
            if implied not in found:
                found.add(implied)
                todo.append(implied)
    return frozenset(found)
