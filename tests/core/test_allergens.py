"""Allergen and food-group words on the shipped table: every food of a group is excluded.

The expected members are facts about the foods (tofu is soy, pasta is wheat), written here by
hand, so a table that loses a group, or a matcher that stops reading groups, fails.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from repo_paths import RECIPES

from bot.cli import main as cli
from bot.core.models import Diet, Profile, RecipeSet
from bot.core.recipe_schema import KNOWN_GROUPS
from bot.core.recipe_search import (
    describe_match,
    match_ingredient,
    resolve_ingredient,
    suggest_ingredient_words,
)
from bot.core.week import plan_days

TABLE = yaml.safe_load((RECIPES / "ingredients.yaml").read_text(encoding="utf-8"))


def members(group: str) -> set[str]:
    """Ids listing `group` in the YAML itself (not through the loader)."""
    return {key for key, entry in TABLE.items() if group in entry.get("groups", [])}


def ids_of(kind: str) -> set[str]:
    return {key for key, entry in TABLE.items() if entry["kind"] == kind}


# What people type -> group it must cover entirely.
USER_WORDS: dict[str, str] = {
    "soy": "soy",
    "Soya": "soy",
    "soybeans": "soy",
    "nuts": "nuts",
    "Nuts": "nuts",
    "tree nuts": "tree_nut",
    "tree-nut": "tree_nut",
    "treenuts": "tree_nut",
    "peanuts": "peanut",
    "peanut": "peanut",
    "gluten": "gluten",
    "wheat": "wheat",
    "rye": "rye",
    "barley": "barley",
    "dairy": "milk",
    "milk": "milk",
    "cow's milk": "milk",
    "lactose": "milk",
    "cheese": "cheese",
    "cheeses": "cheese",
    "eggs": "egg",
    "egg": "egg",
    "fish": "fish",
    "shellfish": "shellfish",
    "seafood": "shellfish",
    "crustaceans": "crustacean",
    "molluscs": "mollusc",
    "sesame": "sesame",
    "mustard": "mustard",
    "celery": "celery",
    "sulphites": "sulphites",
    "sulfites": "sulphites",
    "cereal": "cereal",
    "breakfast cereals": "cereal",
    "meat": "meat",
    "red meat": "red_meat",
    "beef": "beef",
    "pork": "pork",
    "lamb": "lamb",
    "poultry": "poultry",
    "mushrooms": "mushroom",
    "yeast": "yeast",
    "oats": "oats",
    "legumes": "legume",
    "pulses": "legume",
    "nightshades": "nightshade",
    "corn": "corn",
    "coconut": "coconut",
}


@pytest.mark.parametrize("word", sorted(USER_WORDS))
def test_group_word_excludes_every_food_of_its_group(shipped: RecipeSet, word: str) -> None:
    group = USER_WORDS[word]
    expected = members(group)
    assert expected, f"no ingredient is in group {group}"
    assert expected <= set(resolve_ingredient(shipped, word))


def test_every_group_name_is_a_word_users_can_type(shipped: RecipeSet) -> None:
    for group in KNOWN_GROUPS:
        match = match_ingredient(shipped, group.replace("_", " "))
        assert group in match.groups, group
        assert set(match.ids) >= members(group), group


def test_soy_covers_tofu_tempeh_edamame_and_soy_sauce(shipped: RecipeSet) -> None:
    soy = set(resolve_ingredient(shipped, "soy"))
    assert {
        "tofu_firm",
        "tempeh",
        "edamame",
        "soy_sauce",
        "soy_milk_fortified",
        "soy_yogurt_fortified",
    } <= soy
    assert not soy & {"oat_milk_fortified", "almond_milk_fortified", "chickpeas", "milk"}


def test_nuts_cover_tree_nuts_and_peanuts_but_not_coconut(shipped: RecipeSet) -> None:
    nuts = set(resolve_ingredient(shipped, "nuts"))
    tree = {"almonds", "cashews", "walnuts", "almond_milk_fortified"}
    assert tree | {"peanut_butter"} <= nuts
    assert tree == set(resolve_ingredient(shipped, "tree nuts"))
    assert "peanut_butter" not in resolve_ingredient(shipped, "tree nuts")
    # coconut is not a tree nut (EU list; US FDA since 2025) and seeds are not nuts
    assert not nuts & {"coconut_milk", "sesame_seeds", "sunflower_seeds", "nutritional_yeast"}
    assert any("coconut" in note for note in match_ingredient(shipped, "nuts").notes)


def test_gluten_and_wheat(shipped: RecipeSet) -> None:
    gluten = set(resolve_ingredient(shipped, "gluten"))
    wheat_foods = {
        "pasta",
        "flour",
        "couscous",
        "bread_white",
        "bread_wholewheat",
        "english_muffin",
        "pita",
        "tortilla",
        "crackers",
        "bran_flakes",
        "total_cereal",
        "soy_sauce",
    }
    assert wheat_foods <= set(resolve_ingredient(shipped, "wheat"))
    assert wheat_foods | {"bread_rye", "crispbread"} <= gluten
    assert "crispbread" not in resolve_ingredient(shipped, "wheat")  # rye flour only
    gluten_free = {"rice", "brown_rice", "quinoa", "rice_noodles", "corn_tortilla", "potato"}
    assert not gluten & (gluten_free | {"oats", "chickpea_flour", "cornstarch"})
    # oats are not gluten by themselves, and the user is told so
    assert any("oats" in note for note in match_ingredient(shipped, "gluten").notes)


def test_dairy_milk_and_cheese(shipped: RecipeSet) -> None:
    dairy = set(resolve_ingredient(shipped, "dairy"))
    assert ids_of("dairy") <= dairy
    assert set(resolve_ingredient(shipped, "milk")) == dairy  # "milk" as an allergen: all dairy
    plant_milks = {"soy_milk_fortified", "oat_milk_fortified", "almond_milk_fortified"}
    assert not dairy & (plant_milks | {"coconut_milk"})
    cheese = set(resolve_ingredient(shipped, "cheese"))
    assert {"mozzarella", "parmesan", "ricotta", "cheddar", "feta", "swiss_cheese"} <= cheese
    assert "cottage_cheese" in cheese and not cheese & {"milk", "butter", "yogurt"}


def test_multi_word_food_names_beat_group_words(shipped: RecipeSet) -> None:
    assert resolve_ingredient(shipped, "soy milk") == ["soy_milk_fortified"]
    assert resolve_ingredient(shipped, "oat milk") == ["oat_milk_fortified"]
    assert resolve_ingredient(shipped, "almond milk") == ["almond_milk_fortified"]
    assert resolve_ingredient(shipped, "peanut butter") == ["peanut_butter"]
    assert resolve_ingredient(shipped, "soy sauce") == ["soy_sauce"]
    assert match_ingredient(shipped, "soy milk").groups == ()


def test_animal_groups_match_kinds(shipped: RecipeSet) -> None:
    assert set(resolve_ingredient(shipped, "eggs")) == ids_of("egg")
    assert "mayonnaise" in resolve_ingredient(shipped, "eggs")
    assert set(resolve_ingredient(shipped, "fish")) == ids_of("fish")
    assert set(resolve_ingredient(shipped, "shellfish")) == ids_of("shellfish")
    assert set(resolve_ingredient(shipped, "seafood")) == ids_of("fish") | ids_of("shellfish")
    assert set(resolve_ingredient(shipped, "meat")) == ids_of("meat")
    assert {"bran_flakes", "cheerios", "total_cereal"} <= set(resolve_ingredient(shipped, "cereal"))
    assert {"tahini", "sesame_seeds", "sesame_oil", "hummus"} <= set(
        resolve_ingredient(shipped, "sesame")
    )


# Words in a food's name or id that mean it belongs to a group (checked on every ingredient,
# so a new food like "almond butter" cannot be added without its group).
NAME_WORDS: dict[str, set[str]] = {
    "soy": {"soy", "soya", "tofu", "tempeh", "edamame", "miso"},
    "tree_nut": {"almond", "cashew", "walnut", "hazelnut", "pecan", "pistachio", "macadamia"},
    "peanut": {"peanut"},
    "cheese": {"cheese", "cheddar", "mozzarella", "parmesan", "ricotta", "feta", "halloumi"},
    "wheat": {"wheat", "wholewheat", "wholemeal", "pasta", "couscous", "bulgur", "semolina"},
    "gluten": {"rye", "barley", "spelt", "bread", "pita", "muffin", "cracker", "crispbread"},
    "sesame": {"sesame", "tahini", "hummus"},
    "egg": {"egg", "mayonnaise"},
    "oats": {"oat", "cheerio"},
    "mushroom": {"mushroom"},
    "celery": {"celery", "broth", "stock"},
    "mustard": {"mustard"},
    "coconut": {"coconut"},
}


def _words(text: str) -> set[str]:
    cleaned = "".join(c if c.isalnum() else " " for c in text.lower())
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in cleaned.split()}


def test_foods_named_like_a_group_are_in_it() -> None:
    missing = []
    for key, entry in TABLE.items():
        name = entry["name"]["en"] if isinstance(entry["name"], dict) else entry["name"]
        words = _words(key.replace("_", " ")) | _words(name)
        for group, hints in NAME_WORDS.items():
            if words & hints and group not in entry.get("groups", []):
                missing.append(f"{key} ({name}) lacks {group}")
    assert not missing, "\n".join(missing)


def test_schema_lists_the_known_groups() -> None:
    schema = json.loads((RECIPES / "ingredients.schema.json").read_text())
    items = schema["$defs"]["ingredient"]["properties"]["groups"]["items"]
    assert set(items["enum"]) == set(KNOWN_GROUPS)


@pytest.mark.parametrize(
    ("diet", "words"),
    [
        (Diet.VEGAN, ["soy"]),
        (Diet.VEGAN, ["soy", "gluten", "nuts"]),
        (Diet.VEGETARIAN, ["dairy", "eggs", "gluten"]),
        (Diet.OMNIVORE, ["fish", "shellfish", "sesame", "mustard"]),
    ],
)
def test_28_day_plans_never_contain_an_excluded_group(
    shipped: RecipeSet, diet: Diet, words: list[str]
) -> None:
    excluded = {i for w in words for i in resolve_ingredient(shipped, w)}
    assert {i for w in words for i in members(USER_WORDS[w])} <= excluded
    plans = plan_days(
        shipped, [Profile(diet=diet, exclude=frozenset(excluded))], dt.date(2026, 3, 2), 28
    )
    assert len(plans) == 28
    eaten: set[str] = set()
    for plan in plans:
        for meal in plan.meals:
            eaten |= set(shipped.recipes[meal.recipe_id].grams_per_serving)
            if meal.topup_item:
                eaten.add(meal.topup_item)
    assert eaten, "the plans hold meals"
    assert not eaten & excluded, sorted(eaten & excluded)


def test_soy_free_vegan_plan_still_reaches_b12(shipped: RecipeSet) -> None:
    """Excluding soy must not leave a vegan short: oat/almond milk and cereals remain."""
    soy = frozenset(resolve_ingredient(shipped, "soy"))
    plans = plan_days(shipped, [Profile(diet=Diet.VEGAN, exclude=soy)], dt.date(2026, 3, 2), 7)
    assert all(p.shortfall_ug == 0 for p in plans), [p.notes for p in plans]


def test_unknown_words_get_sensible_suggestions(shipped: RecipeSet) -> None:
    assert suggest_ingredient_words(shipped, "glutn")[0] == "gluten"
    assert suggest_ingredient_words(shipped, "shelfish")[0] == "shellfish"
    assert suggest_ingredient_words(shipped, "dary")[0] == "dairy"
    assert suggest_ingredient_words(shipped, "qqqzzz") == []
    # every suggestion starts like one of the words typed
    for word in ("glutn", "cashew nut", "chese", "soyy", "sulfits"):
        for suggestion in suggest_ingredient_words(shipped, word):
            starts = {w[:2] for w in word.split()}
            assert any(s[:2] in starts for s in suggestion.replace("_", " ").split()), (
                word,
                suggestion,
            )
    # a typo never lands on an unrelated food ("barley" is not parsley)
    assert "parsley" not in resolve_ingredient(shipped, "barley")
    assert resolve_ingredient(shipped, "salmom") == ["salmon"]


def test_allergy_phrasing_and_empty_groups(shipped: RecipeSet) -> None:
    assert set(resolve_ingredient(shipped, "peanut allergy")) == members("peanut")
    assert set(resolve_ingredient(shipped, "allergic to tree nuts")) == members("tree_nut")
    lupin = match_ingredient(shipped, "lupin")
    assert lupin.ids == () and lupin.groups == ("lupin",) and lupin.known
    assert not match_ingredient(shipped, "qqqzzz").known


def test_describe_match_names_the_group_and_counts(shipped: RecipeSet) -> None:
    soy = match_ingredient(shipped, "soy")
    text = describe_match(shipped, soy)
    assert text.startswith(f"soy ({len(soy.ids)} foods: ") and "Edamame" in text
    assert text.endswith("…)")
    assert describe_match(shipped, match_ingredient(shipped, "tofu")) == "Tofu"
    # a group as everywhere else ("Excluded: peanuts"), never its singular id
    assert describe_match(shipped, match_ingredient(shipped, "peanut")).startswith("peanuts (")
    assert "no food" in describe_match(shipped, match_ingredient(shipped, "lupin"))


def test_cli_plan_excludes_groups_and_says_what(capsys) -> None:
    code = cli.main(
        [
            "plan",
            "--diet",
            "vegan",
            "--days",
            "28",
            "--date",
            "2026-03-02",
            "--exclude",
            "soy, lupin",
            "--json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    soy = members("soy")
    assert {"word": "soy", "groups": ["soy"], "ids": sorted(soy)} in data["excluded"]
    assert data["shopping_list"] and not {i["item_id"] for i in data["shopping_list"]} & soy
    code = cli.main(["plan", "--exclude", "gluten", "--date", "2026-03-02"])
    out = capsys.readouterr().out
    assert code == 0 and "Excluding gluten (" in out and "gluten-free" in out
    code = cli.main(["plan", "--exclude", "glutn"])
    captured = capsys.readouterr()
    assert code == 2 and "'glutn'" in captured.err and "close: gluten" in captured.err
