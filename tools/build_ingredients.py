"""Write recipes/ingredients.yaml from a short spec plus USDA SR28, so no value is typed by hand.

Dev tool only (needs ../shared/nutrition/usda_sr28_abbrev.csv):

    python tools/build_ingredients.py            # rewrite recipes/ingredients.yaml
    python tools/build_ingredients.py --check    # exit 1 if the file on disk differs

Each spec row names the SR28 NDB_No and which SR28 household measure (GmWt_1 or GmWt_2) gives
the grams of one piece/slice/tsp/tbsp/cup; the measure text is checked against the unit, and
the count in it ("2 tbsp", ".5 cup", "10 sheets") is divided out. `ml` picks the measure used
for density: grams of that cup (or tbsp) / 240 ml (or 15 ml), the same cup the loader uses.
Foods SR28 lacks come from tools/label_foods.yaml, each naming its product label in `source`.
GROUPS gives each food its allergen / food groups (soy, gluten, tree_nut, milk, cheese, ...),
which /exclude and `plan --exclude` match; label foods list theirs in label_foods.yaml.
Fortified foods get `b12_by_region` from tools/regional_b12.yaml: B12 per region (us, uk, eu)
with a named label or survey each; a drink's label value per 100 ml is converted to per 100 g
with the density written in the table, so the loader and the label agree to the digit.
Each food's name in German, Spanish and French comes from tools/ingredient_names.yaml and is
written as `name: {en, de, es, fr}`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
import yaml
from sr28_extract import CSV_PATH, load_rows, per_100g

from bot.core.languages import SUPPORTED_LANGUAGES
from bot.core.recipe_schema import expand_groups

OUT_PATH = Path(__file__).resolve().parents[1] / "recipes" / "ingredients.yaml"

PRODUCE = "Fruit & veg"
DAIRY = "Dairy & eggs"
FISH = "Fish & seafood"
MEAT = "Meat"
PLANT = "Plant milks & tofu"
BAKERY = "Bread & bakery"
GRAINS = "Grains, pasta & cereal"
TINS = "Tins & jars"
NUTS = "Nuts, seeds & dried fruit"
PANTRY = "Oils, spices & condiments"
FROZEN = "Frozen"

ANALOGUE_NOTE = "algae/tempeh/mushroom analogue, counted as 0 (Watanabe 2014)"
ANALOGUE_NDBS = frozenset({"16114", "11446", "11260"})  # tempeh, nori, white mushrooms

# Words a measure description must contain for each unit (piece accepts any count noun).
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "tsp": ("tsp",),
    "tbsp": ("tbsp", "tablespoon"),
    "cup": ("cup",),
    "slice": ("slice",),
    "piece": (),
}


@dataclass(frozen=True)
class Spec:
    id: str
    ndb: str
    name: str
    kind: str
    aisle: str
    units: dict[str, int] = field(default_factory=dict)  # unit -> SR28 measure 1 or 2
    ml: int | None = None  # SR28 measure (a cup or tbsp) that gives the density
    fortified: bool = False


S = Spec
SPECS: list[Spec] = [
    # Dairy & eggs
    S("egg", "01123", "Egg, whole, raw (large)", "egg", DAIRY, {"piece": 1}),
    S("milk", "01079", "Milk, 2% fat", "dairy", DAIRY, {"cup": 1}, ml=1),
    S("greek_yogurt", "01256", "Greek yogurt, plain, nonfat", "dairy", DAIRY),
    S("yogurt", "01116", "Yogurt, plain, whole milk", "dairy", DAIRY),
    S("swiss_cheese", "01040", "Swiss cheese", "dairy", DAIRY),
    S("cheddar", "01009", "Cheddar cheese", "dairy", DAIRY),
    S("cottage_cheese", "01016", "Cottage cheese, 1% fat", "dairy", DAIRY),
    S("feta", "01019", "Feta cheese", "dairy", DAIRY),
    S("mozzarella", "01028", "Mozzarella, part-skim", "dairy", DAIRY),
    S("parmesan", "01032", "Parmesan, grated", "dairy", DAIRY, {"tbsp": 2}),
    S("ricotta", "01037", "Ricotta, part-skim", "dairy", DAIRY),
    S("butter", "01145", "Butter, unsalted", "dairy", DAIRY, {"tbsp": 2}),
    S("honey", "19296", "Honey", "honey", PANTRY, {"tbsp": 2}),
    S("mayonnaise", "04708", "Mayonnaise, reduced fat, with olive oil", "egg", PANTRY, {"tbsp": 1}),
    # Fish & seafood
    S("salmon", "15236", "Atlantic salmon, farmed, raw", "fish", FISH),
    S("smoked_salmon", "15077", "Smoked salmon", "fish", FISH),
    S("tuna_canned", "15121", "Tuna, light, canned in water, drained", "fish", FISH),
    S("sardines_canned", "15088", "Sardines, canned in oil, drained", "fish", FISH),
    S("mackerel", "15046", "Atlantic mackerel, raw", "fish", FISH, {"piece": 1}),
    S("trout", "15240", "Rainbow trout, farmed, raw", "fish", FISH, {"piece": 1}),
    S("cod", "15015", "Atlantic cod, raw", "fish", FISH),
    S("shrimp", "15149", "Shrimp, raw", "shellfish", FISH),
    S("mussels", "15164", "Blue mussels, raw (meat)", "shellfish", FISH),
    S("clams_canned", "15160", "Clams, canned, drained", "shellfish", FISH),
    # Meat
    S("beef_mince", "23562", "Beef mince, 90% lean, raw", "meat", MEAT),
    S("beef_sirloin", "13929", "Beef top sirloin steak, raw", "meat", MEAT),
    S("beef_liver", "13325", "Beef liver, raw", "meat", MEAT),
    S("chicken_breast", "05062", "Chicken breast, skinless, raw", "meat", MEAT),
    S("chicken_thigh", "05096", "Chicken thigh, skinless, raw", "meat", MEAT, {"piece": 1}),
    S("lamb_mince", "17224", "Lamb mince, raw", "meat", MEAT),
    S("pork_tenderloin", "10218", "Pork tenderloin, raw", "meat", MEAT),
    # Plant milks, tofu & friends
    S(
        "soy_milk_fortified",
        "16222",
        "Soy milk, unsweetened, fortified",
        "plant",
        PLANT,
        {"cup": 1},
        ml=1,
        fortified=True,
    ),
    S(
        "almond_milk_fortified",
        "14016",
        "Almond milk, vanilla, fortified",
        "plant",
        PLANT,
        {"cup": 2},
        ml=2,
        fortified=True,
    ),
    S("tofu_firm", "16126", "Tofu, firm", "plant", PLANT),
    S("tempeh", "16114", "Tempeh", "plant", PLANT),
    S("hummus", "16158", "Hummus", "plant", PLANT, {"tbsp": 1}),
    # Bread & bakery
    S("bread_wholewheat", "18075", "Wholemeal bread", "plant", BAKERY, {"slice": 1}),
    S("bread_white", "18069", "White bread", "plant", BAKERY, {"slice": 1}),
    S("bread_rye", "18060", "Rye bread", "plant", BAKERY, {"slice": 2}),
    S("english_muffin", "18266", "English muffin, wholemeal", "plant", BAKERY, {"piece": 2}),
    S("tortilla", "18364", "Flour tortilla", "plant", BAKERY, {"piece": 1}),
    S("corn_tortilla", "18363", "Corn tortilla", "plant", BAKERY),
    S("pita", "18042", "Wholemeal pita (large)", "plant", BAKERY, {"piece": 1}),
    S("crispbread", "18216", "Rye crispbread", "plant", BAKERY),
    S("crackers", "18235", "Wholewheat crackers", "plant", BAKERY),
    # Grains, pasta & cereal
    S("oats", "08120", "Rolled oats", "plant", GRAINS, {"cup": 1}),
    S("quinoa", "20035", "Quinoa, dry", "plant", GRAINS, {"cup": 1}),
    S("rice", "20044", "White rice, long-grain, dry", "plant", GRAINS, {"cup": 1}),
    S("brown_rice", "20036", "Brown rice, dry", "plant", GRAINS, {"cup": 1}),
    S("pasta", "20120", "Pasta, dry", "plant", GRAINS),
    S("rice_noodles", "20133", "Rice noodles, dry", "plant", GRAINS),
    S("couscous", "20028", "Couscous, dry", "plant", GRAINS, {"cup": 1}),
    S("flour", "20081", "Plain flour", "plant", GRAINS, {"cup": 1}),
    S("chickpea_flour", "16157", "Chickpea flour (besan)", "plant", GRAINS, {"cup": 1}),
    S("popcorn", "19034", "Popcorn, air-popped", "plant", GRAINS, {"cup": 1}),
    S(
        "cheerios",
        "08013",
        "Cheerios (fortified oat cereal)",
        "plant",
        GRAINS,
        {"cup": 1},
        fortified=True,
    ),
    S(
        "bran_flakes",
        "08029",
        "Bran flakes, fortified",
        "plant",
        GRAINS,
        {"cup": 1},
        fortified=True,
    ),
    S(
        "total_cereal",
        "08077",
        "Whole Grain Total (fortified cereal)",
        "plant",
        GRAINS,
        {"cup": 1},
        fortified=True,
    ),
    # Tins & jars
    S("chickpeas", "16359", "Chickpeas, canned, drained and rinsed", "plant", TINS, {"cup": 2}),
    S(
        "black_beans",
        "16015",
        "Black beans, cooked (or canned, drained)",
        "plant",
        TINS,
        {"cup": 1},
    ),
    S(
        "white_beans",
        "16050",
        "White beans, cooked (or canned, drained)",
        "plant",
        TINS,
        {"cup": 1},
    ),
    S("red_lentils", "16144", "Red lentils, dry", "plant", TINS, {"cup": 1}),
    S("green_lentils", "16069", "Green or brown lentils, dry", "plant", TINS, {"cup": 1}),
    S("tomatoes_canned", "11531", "Chopped tomatoes, canned", "plant", TINS, {"cup": 1}),
    S("tomato_paste", "11546", "Tomato paste", "plant", TINS, {"cup": 2}),
    S("tomato_sauce", "11549", "Tomato passata / sauce", "plant", TINS, {"cup": 1}),
    S("coconut_milk", "12118", "Coconut milk, canned", "plant", TINS, {"tbsp": 2}, ml=1),
    S("olives", "09193", "Black olives", "plant", TINS, {"tbsp": 1}),
    S("capers", "02054", "Capers", "plant", TINS, {"tbsp": 1}),
    S("salsa", "06164", "Tomato salsa", "plant", TINS, {"tbsp": 1}),
    S("veg_broth", "06700", "Vegetable broth", "plant", TINS, ml=1),
    S("chicken_broth", "06194", "Chicken broth", "meat", TINS, ml=1),
    S("peanut_butter", "16098", "Peanut butter, smooth", "plant", TINS, {"tbsp": 1}),
    S("tahini", "12698", "Tahini", "plant", TINS, {"tbsp": 1}),
    # Nuts, seeds & dried fruit
    S("chia_seeds", "12006", "Chia seeds", "plant", NUTS),
    S("almonds", "12061", "Almonds", "plant", NUTS),
    S("walnuts", "12155", "Walnuts", "plant", NUTS),
    S("cashews", "12087", "Cashews, raw", "plant", NUTS),
    S("flaxseed", "12220", "Flaxseed", "plant", NUTS, {"tbsp": 1}),
    S("pumpkin_seeds", "12014", "Pumpkin seeds", "plant", NUTS),
    S("sunflower_seeds", "12036", "Sunflower seeds", "plant", NUTS),
    S("sesame_seeds", "12023", "Sesame seeds", "plant", NUTS, {"tbsp": 2}),
    S("raisins", "09298", "Raisins", "plant", NUTS),
    # Fruit & veg
    S("spinach", "11457", "Spinach", "plant", PRODUCE),
    S("kale", "11233", "Kale", "plant", PRODUCE),
    S("broccoli", "11090", "Broccoli", "plant", PRODUCE),
    S("cauliflower", "11135", "Cauliflower", "plant", PRODUCE),
    S("tomato", "11529", "Tomatoes", "plant", PRODUCE),
    S("onion", "11282", "Onion", "plant", PRODUCE),
    S("garlic", "11215", "Garlic", "plant", PRODUCE, {"tsp": 2}),
    S("carrot", "11124", "Carrot", "plant", PRODUCE),
    S("celery", "11143", "Celery", "plant", PRODUCE),
    S("red_pepper", "11821", "Red bell pepper", "plant", PRODUCE),
    S("cucumber", "11205", "Cucumber", "plant", PRODUCE),
    S("zucchini", "11477", "Courgette (zucchini)", "plant", PRODUCE),
    S("mushrooms", "11260", "Mushrooms, white", "plant", PRODUCE),
    S("green_beans", "11052", "Green beans", "plant", PRODUCE),
    S("sweet_potato", "11507", "Sweet potato", "plant", PRODUCE),
    S("potato", "11352", "Potatoes", "plant", PRODUCE),
    S("avocado", "09037", "Avocado", "plant", PRODUCE),
    S("lettuce", "11251", "Romaine lettuce", "plant", PRODUCE),
    S("leek", "11246", "Leek", "plant", PRODUCE),
    S("eggplant", "11209", "Aubergine (eggplant)", "plant", PRODUCE),
    S("asparagus", "11011", "Asparagus", "plant", PRODUCE),
    S("ginger", "11216", "Fresh ginger", "plant", PRODUCE, {"tsp": 1}),
    S("spring_onion", "11291", "Spring onions", "plant", PRODUCE, {"tbsp": 2}),
    S("parsley", "11297", "Parsley, fresh", "plant", PRODUCE, {"tbsp": 2}),
    S("basil", "02044", "Basil, fresh", "plant", PRODUCE),
    S("cilantro", "11165", "Coriander leaves (cilantro)", "plant", PRODUCE),
    S("nori", "11446", "Nori (laver) sheets", "plant", PRODUCE, {"piece": 1}),
    S("banana", "09040", "Banana", "plant", PRODUCE),
    S("apple", "09003", "Apple", "plant", PRODUCE),
    S("blueberries", "09050", "Blueberries", "plant", PRODUCE, {"cup": 1}),
    S("strawberries", "09316", "Strawberries", "plant", PRODUCE),
    S("raspberries", "09302", "Raspberries", "plant", PRODUCE, {"cup": 1}),
    S("mango", "09176", "Mango", "plant", PRODUCE),
    S("pineapple", "09266", "Pineapple", "plant", PRODUCE),
    S("lemon", "09150", "Lemon", "plant", PRODUCE, {"piece": 2}),
    S("lemon_juice", "09152", "Lemon juice", "plant", PRODUCE, ml=1),
    S("lime_juice", "09160", "Lime juice", "plant", PRODUCE, ml=1),
    # Frozen
    S("peas", "11312", "Green peas, frozen", "plant", FROZEN, {"cup": 1}),
    S("sweetcorn", "11178", "Sweetcorn, frozen", "plant", FROZEN, {"cup": 1}),
    S("edamame", "11212", "Edamame, shelled", "plant", FROZEN, {"cup": 1}),
    # Oils, spices & condiments
    S("olive_oil", "04053", "Olive oil", "plant", PANTRY, {"tbsp": 1}, ml=2),
    S("canola_oil", "04582", "Rapeseed (canola) oil", "plant", PANTRY, {"tbsp": 1}, ml=2),
    S("sesame_oil", "04058", "Sesame oil", "plant", PANTRY, {"tbsp": 1}, ml=2),
    S("maple_syrup", "19353", "Maple syrup", "plant", PANTRY, {"tbsp": 1}),
    S("soy_sauce", "16123", "Soy sauce", "plant", PANTRY, {"tbsp": 1, "tsp": 2}),
    S("mustard", "02046", "Mustard", "plant", PANTRY, {"tsp": 1}),
    S("cider_vinegar", "02048", "Cider vinegar", "plant", PANTRY, {"tbsp": 1}),
    S("cocoa", "19165", "Cocoa powder, unsweetened", "plant", PANTRY, {"tbsp": 2}),
    S("vanilla", "02050", "Vanilla extract", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("cinnamon", "02010", "Ground cinnamon", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("cumin", "02014", "Cumin", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("curry_powder", "02015", "Curry powder", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("paprika", "02028", "Paprika", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("turmeric", "02043", "Ground turmeric", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("chili_powder", "02009", "Chilli powder", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("garlic_powder", "02020", "Garlic powder", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("oregano", "02027", "Dried oregano", "plant", PANTRY, {"tsp": 1}),
    S("thyme", "02042", "Dried thyme", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("black_pepper", "02030", "Black pepper, ground", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("salt", "02047", "Salt", "plant", PANTRY, {"tsp": 1, "tbsp": 2}),
    S("baking_powder", "18369", "Baking powder", "plant", PANTRY, {"tsp": 1}),
    S("cornstarch", "20027", "Cornflour (cornstarch)", "plant", PANTRY),
]

# Allergen / food groups per ingredient (KNOWN_GROUPS in bot/core/recipe_schema.py). Listed here
# are the groups of the usual product; render() adds what they imply (wheat -> gluten,
# tree_nut -> nuts, beef -> red_meat -> meat, ...) and the loader checks the result.
# Where brands differ, the safe side is taken and said in a comment: for /exclude a food
# wrongly left in can harm someone, a food wrongly left out only costs variety.
WHEAT = ("wheat",)  # implies gluten
GROUPS: dict[str, tuple[str, ...]] = {
    # Dairy & eggs
    "egg": ("egg",),
    "milk": ("milk",),
    "greek_yogurt": ("milk",),
    "yogurt": ("milk",),
    "swiss_cheese": ("cheese",),
    "cheddar": ("cheese",),
    "cottage_cheese": ("cheese",),
    "feta": ("cheese",),  # sheep/goat milk: still milk
    "mozzarella": ("cheese",),
    "parmesan": ("cheese",),
    "ricotta": ("cheese",),
    "butter": ("milk",),
    # mayonnaise: egg yolk; most brands (Hellmann's included) add mustard
    "mayonnaise": ("egg", "mustard"),
    # Fish & seafood
    # oily fish (NHS: salmon, trout, mackerel, sardines; canned tuna does not count): at most
    # 2 portions a week in pregnancy and breastfeeding; smoked salmon is cold-smoked (FSA)
    "salmon": ("fish", "oily_fish"),
    "smoked_salmon": ("fish", "oily_fish", "smoked_fish"),
    "tuna_canned": ("fish",),
    "sardines_canned": ("fish", "oily_fish"),
    "mackerel": ("fish", "oily_fish"),
    "trout": ("fish", "oily_fish"),
    "cod": ("fish",),
    "shrimp": ("crustacean", "sulphites"),  # frozen prawns are often treated with sulphites
    "mussels": ("mollusc",),
    "clams_canned": ("mollusc",),
    # Meat
    "beef_mince": ("beef",),
    "beef_sirloin": ("beef",),
    "beef_liver": ("beef", "liver"),  # NHS: no liver or liver products in pregnancy
    "chicken_breast": ("poultry",),
    "chicken_thigh": ("poultry",),
    "lamb_mince": ("lamb",),
    "pork_tenderloin": ("pork",),
    "chicken_broth": ("poultry", "celery"),  # stock is made with celery
    # Plant milks, tofu & friends
    "soy_milk_fortified": ("soy",),
    "almond_milk_fortified": ("tree_nut",),
    "tofu_firm": ("soy",),
    "tempeh": ("soy",),
    "hummus": ("legume", "sesame"),  # chickpeas + tahini
    # Bread & bakery: yeast-raised breads
    "bread_wholewheat": (*WHEAT, "yeast"),
    "bread_white": (*WHEAT, "yeast"),
    "bread_rye": (*WHEAT, "rye", "yeast"),  # rye breads are mostly wheat flour plus rye
    "english_muffin": (*WHEAT, "yeast"),
    "tortilla": WHEAT,
    "corn_tortilla": ("corn",),
    "pita": (*WHEAT, "yeast"),
    "crispbread": ("rye", "yeast"),  # rye flour only, no wheat; many brands add yeast
    "crackers": WHEAT,
    # Grains, pasta & cereal
    "oats": ("oats",),  # not gluten by itself; "gluten" tells the user to buy gluten-free oats
    "pasta": WHEAT,  # durum wheat semolina
    "couscous": WHEAT,
    "flour": WHEAT,
    "chickpea_flour": ("legume",),
    "popcorn": ("corn",),
    # SR28 is US General Mills Cheerios (oats, corn starch; labelled gluten-free in the US), but
    # UK/EU Nestlé Cheerios are made with whole grain wheat and barley: safe side is wheat.
    "cheerios": ("cereal", "oats", "corn", "barley", *WHEAT),
    "bran_flakes": ("cereal", "barley", *WHEAT),  # wheat bran, whole wheat, malted barley
    "total_cereal": ("cereal", *WHEAT),  # whole grain wheat
    # Tins & jars
    "chickpeas": ("legume",),
    "black_beans": ("legume",),
    "white_beans": ("legume",),
    "red_lentils": ("legume",),
    "green_lentils": ("legume",),
    "tomatoes_canned": ("nightshade",),
    "tomato_paste": ("nightshade",),
    "tomato_sauce": ("nightshade",),
    "coconut_milk": ("coconut", "sulphites"),  # many canned brands add sodium metabisulphite
    "salsa": ("nightshade",),  # tomatoes, chilli, peppers
    "veg_broth": ("celery",),  # stock is made with celery
    "peanut_butter": ("peanut",),
    "tahini": ("sesame",),
    # Nuts, seeds & dried fruit
    "almonds": ("tree_nut",),
    "walnuts": ("tree_nut",),
    "cashews": ("tree_nut",),
    "sesame_seeds": ("sesame",),
    "raisins": ("sulphites",),  # golden raisins and sultanas are usually sulphured
    # Fruit & veg
    "tomato": ("nightshade",),
    "celery": ("celery",),
    "red_pepper": ("nightshade",),
    "mushrooms": ("mushroom",),
    "green_beans": ("legume",),
    "potato": ("nightshade",),  # sweet potato is not a nightshade
    "eggplant": ("nightshade",),
    "lemon_juice": ("sulphites",),  # bottled lemon and lime juice usually carry sulphites
    "lime_juice": ("sulphites",),
    # Frozen
    "peas": ("legume",),
    "sweetcorn": ("corn",),
    "edamame": ("soy",),
    # Oils, spices & condiments
    "sesame_oil": ("sesame",),
    "soy_sauce": ("soy", *WHEAT),  # shoyu: soybeans and wheat
    "mustard": ("mustard", "sulphites"),  # Dijon-style mustards add metabisulphite
    "cider_vinegar": ("sulphites",),
    # curry powder blends usually contain chilli and often mustard and celery seed
    "curry_powder": ("nightshade", "mustard", "celery"),
    "paprika": ("nightshade",),
    "chili_powder": ("nightshade",),
    "baking_powder": ("corn",),  # US double-acting: corn starch
    "cornstarch": ("corn",),
}

LABEL_FOODS_PATH = Path(__file__).resolve().parent / "label_foods.yaml"
REGIONAL_PATH = Path(__file__).resolve().parent / "regional_b12.yaml"
NAMES_PATH = Path(__file__).resolve().parent / "ingredient_names.yaml"
REGIONS = ("us", "uk", "eu")


def load_names() -> dict[str, dict[str, str]]:
    """tools/ingredient_names.yaml, checked: each food's name in every supported language but
    English (English is in the spec or label_foods.yaml), nothing else."""
    data = yaml.safe_load(NAMES_PATH.read_text(encoding="utf-8"))
    wanted = set(SUPPORTED_LANGUAGES) - {"en"}
    for food, names in data.items():
        if set(names) != wanted or not all(str(v).strip() for v in names.values()):
            raise ValueError(f"{food}: ingredient_names.yaml needs {', '.join(sorted(wanted))}")
    return data


def name_line(food: str, english: str, names: dict[str, dict[str, str]]) -> str:
    """The `name:` line of one food: {en, de, es, fr} in double quotes (JSON strings are YAML)."""
    texts = {"en": english, **names.get(food, {})}
    shown = ", ".join(
        f"{lang}: {json.dumps(texts[lang], ensure_ascii=False)}"
        for lang in SUPPORTED_LANGUAGES
        if lang in texts
    )
    return f"  name: {{{shown}}}"


def load_regional() -> dict[str, dict[str, dict[str, object]]]:
    """tools/regional_b12.yaml, checked: known regions, one value and a source per entry."""
    data = yaml.safe_load(REGIONAL_PATH.read_text(encoding="utf-8"))
    for food, by_region in data.items():
        for region, entry in by_region.items():
            if region not in REGIONS:
                raise ValueError(f"{food}: unknown region {region!r}")
            if not str(entry.get("source", "")).strip():
                raise ValueError(f"{food}.{region}: needs a source")
            if ("b12_ug" in entry) == ("per_100ml" in entry):
                raise ValueError(f"{food}.{region}: give b12_ug or per_100ml, exactly one")
    return data


def region_lines(food: str, g_per_ml: float | None, regional: dict[str, Any]) -> list[str]:
    """The `b12_by_region` block of one food (empty when its B12 is the same everywhere)."""
    by_region = regional.get(food)
    if not by_region:
        return []
    lines = ["  b12_by_region:  # µg B12 per 100 g where sold (tools/regional_b12.yaml)"]
    for region in REGIONS:
        entry = by_region.get(region)
        if entry is None:
            continue
        if "per_100ml" in entry:
            if g_per_ml is None:
                raise ValueError(f"{food}: per_100ml needs g_per_ml in the table")
            label = float(entry["per_100ml"])
            value = round(label / g_per_ml, 6)
            amount = f"b12_ug: {fmt(value)}, per_100ml: {fmt(label)}"
        else:
            amount = f"b12_ug: {fmt(float(entry['b12_ug']))}"
        source = str(entry["source"]).replace('"', "'")
        lines.append(f'    {region}: {{{amount}, source: "{source}"}}')
    return lines


def label_food_lines(regional: dict[str, Any], names: dict[str, dict[str, str]]) -> list[str]:
    """label_foods.yaml without its comment lines, each food followed by its region block and
    its `name:` in every language."""
    raw = LABEL_FOODS_PATH.read_text(encoding="utf-8").splitlines()
    data = yaml.safe_load("\n".join(raw))
    out: list[str] = []
    current: str | None = None

    def close() -> None:
        if current is not None:
            density = data[current].get("g_per_ml")
            out.extend(region_lines(current, density, regional))

    for line in raw:
        if line.startswith("#"):
            continue
        if line and not line[0].isspace():
            close()
            current = line.split(":", 1)[0]
        if current is not None and line.startswith("  name:"):
            line = name_line(current, str(data[current]["name"]), names)
        out.append(line)
    close()
    return out


def measure_grams(row: dict[str, str], index: int, unit: str) -> tuple[float, str]:
    """Grams of ONE unit from SR28 measure `index`, and the measure text it came from."""
    grams = float(row[f"GmWt_{index}"])
    desc = row[f"GmWt_Desc{index}"].strip()
    words = UNIT_WORDS[unit]
    if words and not any(w in desc for w in words):
        raise ValueError(f"{row['NDB_No']}: measure {index} {desc!r} is not a {unit}")
    match = re.match(r"^(\d*\.?\d+)\s", desc)
    if not match:
        raise ValueError(f"{row['NDB_No']}: cannot read a count in {desc!r}")
    return grams / float(match.group(1)), desc


def fmt(value: float) -> str:
    return f"{value:.4g}" if not float(value).is_integer() else str(int(value))


def render(rows: dict[str, dict[str, str]]) -> str:
    regional = load_regional()
    names = load_names()
    known = {spec.id for spec in SPECS} | set(
        yaml.safe_load(LABEL_FOODS_PATH.read_text(encoding="utf-8"))
    )
    stray = sorted(set(regional) - known)
    if stray:
        raise ValueError(f"regional_b12.yaml names foods not in the table: {', '.join(stray)}")
    stray = sorted(set(names) - known)
    if stray:
        raise ValueError(f"ingredient_names.yaml names foods not in the table: {', '.join(stray)}")
    lines = [
        "# Ingredient table: per-100 g values copied by tools/build_ingredients.py from USDA SR28",
        "# (NDB_No in `ndb`), or a named product label (`source`) for foods SR28 lacks.",
        "# Do not edit numbers by hand: change the spec in tools/build_ingredients.py, rerun it.",
        "# Units: grams of one piece/slice/tsp/tbsp/cup from SR28 household measures;",
        "# g_per_ml from an SR28 cup (/240 ml) or tablespoon (/15 ml) weight.",
        "",
    ]
    for spec in SPECS:
        row = rows[spec.ndb]
        values = per_100g(row)
        for required in ("kcal", "protein_g", "b12_ug"):
            if required not in values:
                raise ValueError(f"{spec.id}: SR28 {spec.ndb} has no {required}")
        note = None
        if spec.ndb in ANALOGUE_NDBS:
            values["b12_ug"] = 0.0
            note = ANALOGUE_NOTE
        block = ", ".join(f"{k}: {fmt(v)}" for k, v in values.items())
        lines += [
            f"{spec.id}:  # SR28 {spec.ndb} {row['Shrt_Desc']}",
            name_line(spec.id, spec.name, names),
            f"  kind: {spec.kind}",
            f"  aisle: {spec.aisle}",
            f'  ndb: "{spec.ndb}"',
        ]
        if spec.id in GROUPS:
            lines.append(f"  groups: [{', '.join(sorted(expand_groups(GROUPS[spec.id])))}]")
        if spec.fortified:
            lines.append("  fortified: true")
        lines.append(f"  per_100g: {{{block}}}")
        if note:
            lines.append(f'  b12_note: "{note}"')
        if spec.units:
            parts, sources = [], []
            for unit, index in spec.units.items():
                grams, desc = measure_grams(row, index, unit)
                parts.append(f"{unit}: {fmt(round(grams, 2))}")
                sources.append(f"{unit} from '{desc}'")
            lines.append(f"  units: {{{', '.join(parts)}}}  # SR28 {'; '.join(sources)}")
        density: float | None = None
        if spec.ml is not None:
            unit = "cup" if "cup" in row[f"GmWt_Desc{spec.ml}"] else "tbsp"
            grams, desc = measure_grams(row, spec.ml, unit)
            volume = 240.0 if unit == "cup" else 15.0
            density = round(grams / volume, 3)
            lines.append(
                f"  g_per_ml: {fmt(density)}  # SR28 '{desc}' = {fmt(grams)} g / {fmt(volume)} ml"
            )
        lines += region_lines(spec.id, density, regional)
    lines.append("# --- foods SR28 lacks: product labels (conservative typical values) ---")
    lines += label_food_lines(regional, names)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if not CSV_PATH.exists():
        print(f"SR28 file not found: {CSV_PATH}", file=sys.stderr)
        return 1
    ids = [s.id for s in SPECS]
    if len(ids) != len(set(ids)):
        print("duplicate ingredient ids in SPECS", file=sys.stderr)
        return 1
    stray = sorted(set(GROUPS) - set(ids))
    if stray:
        print(f"GROUPS names ids not in SPECS: {', '.join(stray)}", file=sys.stderr)
        return 1
    text = render(load_rows())
    if args.check:
        same = OUT_PATH.exists() and OUT_PATH.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT_PATH} differs from the spec")
        return 0 if same else 1
    OUT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {len(SPECS)} SR28 ingredients + label foods to {OUT_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
