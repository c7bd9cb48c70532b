"""Food-group words in German, Spanish and French, as people type them in /exclude and
/include ("Soja", "Erdnüsse", "cacahuetes", "œufs"). bot.core.recipe_search reads them the way
it reads the English group words (singular or plural, accents optional); the group ids are
those of bot.core.recipe_schema.
"""

from __future__ import annotations

# Group words in German, Spanish and French, as typed (plural or singular; accents optional).
# Every language's words are understood whatever the user's language, so a word from a label
# in another language works too.
LOCAL_GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "soy": ("soja", "sojabohne", "sojabohnen", "soya"),
    "gluten": ("gluten",),
    "wheat": ("weizen", "trigo", "blé"),
    "milk": (
        "milch", "milchprodukte", "laktose", "leche", "lácteos", "lactosa", "lait",
        "produits laitiers", "laitages",
    ),
    "egg": ("ei", "eier", "huevo", "huevos", "œuf", "œufs"),
    "fish": ("fisch", "fische", "pescado", "pescados", "poisson", "poissons"),
    "crustacean": ("krebstiere", "krustentiere", "crustáceos", "crustacés"),
    "mollusc": ("weichtiere", "moluscos", "mollusques"),
    "shellfish": ("schalentiere", "meeresfrüchte", "mariscos", "marisco", "fruits de mer"),
    "peanut": (
        "erdnuss", "erdnüsse", "cacahuete", "cacahuetes", "cacahuate", "maní", "arachide",
        "arachides", "cacahuète", "cacahuètes",
    ),
    "tree_nut": ("schalenfrüchte", "baumnüsse", "frutos de cáscara", "fruits à coque"),
    "nuts": ("nuss", "nüsse", "frutos secos", "nueces", "noix", "oléagineux"),
    "sesame": ("sesam", "sésamo", "sésame"),
    "celery": ("sellerie", "apio", "céleri"),
    "mustard": ("senf", "mostaza", "moutarde"),
    "sulphites": ("sulfite", "schwefeldioxid", "sulfitos", "sulfites"),
    "lupin": ("lupinen", "altramuz", "altramuces", "lupino", "lupins"),
    "cheese": ("käse", "queso", "quesos", "fromage", "fromages"),
    "cereal": (
        "frühstücksflocken", "cereales", "céréales", "cereales de desayuno",
        "céréales du petit-déjeuner", "céréales petit-déjeuner",
    ),
    "oats": ("hafer", "avena", "avoine"),
    "rye": ("roggen", "centeno", "seigle"),
    "barley": ("gerste", "cebada", "orge"),
    "meat": ("fleisch", "carne", "carnes", "viande", "viandes"),
    "red_meat": ("rotes fleisch", "carne roja", "viande rouge"),
    "beef": ("rind", "rindfleisch", "ternera", "vacuno", "bœuf", "boeuf"),
    "pork": ("schwein", "schweinefleisch", "schinken", "speck", "cerdo", "jamón", "porc", "jambon"),
    "lamb": ("lamm", "lammfleisch", "hammel", "cordero", "agneau", "mouton"),
    "poultry": ("geflügel", "aves", "volaille", "volailles"),
    "legume": ("hülsenfrüchte", "legumbres", "légumineuses", "légumes secs"),
    "mushroom": ("pilze", "pilz", "setas", "champiñones", "hongos", "champignons"),
    "yeast": ("hefe", "levadura", "levure"),
    "corn": ("mais", "maíz", "maïs"),
    "coconut": ("kokos", "kokosnuss", "coco", "noix de coco"),
    "nightshade": ("nachtschattengewächse", "solanáceas", "solanacées"),
    "liver": ("leber", "hígado", "foie"),
    "oily_fish": ("fettfisch", "fetter fisch", "pescado azul", "poisson gras"),
    "smoked_fish": ("räucherfisch", "pescado ahumado", "poisson fumé"),
}  # fmt: skip
