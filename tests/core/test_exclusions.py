"""Exclusions kept as the user said them: groups stay groups, resolved against the table
when used, so including one group never brings back a food another group still covers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from translated import in_language

from bot.core import exclusions
from bot.core.exclusions import (
    ALLERGEN_CHOICES,
    EMOJI_WORDS,
    excluded_ids,
    group_term,
    include,
    item_warnings,
    meal_warning,
    resolve,
    understand,
    warning_for,
    with_emoji_words,
)
from bot.core.models import Diet, Ingredient, PlannedMeal, RecipeSet, Slot, UserSettings
from bot.core.planner import plan_day
from bot.core.recipe_schema import ALLERGEN_GROUPS
from bot.core.recipe_search import GROUP_LABEL, group_label
from bot.core.week import plan_days

DAY = dt.date(2026, 11, 24)


def soy_foods(rs: RecipeSet) -> set[str]:
    return {i.id for i in rs.ingredients.values() if "soy" in i.groups}


def terms_for(rs: RecipeSet, *words: str) -> frozenset[str]:
    return frozenset(t for w in words for t in understand(rs, w).terms)


def test_group_words_are_kept_as_groups_and_foods_as_foods(shipped: RecipeSet) -> None:
    assert understand(shipped, "soy").terms == ("group:soy",)
    assert understand(shipped, "Gluten").terms == ("group:gluten",)
    assert understand(shipped, "peanut allergy").terms == ("group:peanut",)
    assert set(understand(shipped, "seafood").terms) == {"group:fish", "group:shellfish"}
    tofu = understand(shipped, "tofu")
    assert tofu.terms and all(exclusions.term_group(t) is None for t in tofu.terms)
    assert set(tofu.terms) <= soy_foods(shipped)


def test_including_gluten_keeps_soy_sauce_out_when_soy_is_excluded(shipped: RecipeSet) -> None:
    assert {"soy", "gluten"} <= shipped.ingredients["soy_sauce"].groups  # the overlap
    terms = terms_for(shipped, "soy", "gluten")
    done = include(shipped, terms, understand(shipped, "gluten"))
    assert done.terms == {"group:soy"} and done.removed == ("group:gluten",)
    left_out = resolve(done.terms, shipped.ingredients)
    assert "soy_sauce" in left_out and soy_foods(shipped) <= left_out
    assert ("Soy sauce", ("soy",)) in done.still_out
    assert not {"pasta", "bread_wholewheat"} & left_out  # gluten foods are back


def test_including_a_food_of_an_excluded_group_says_so_and_changes_nothing(
    shipped: RecipeSet,
) -> None:
    terms = terms_for(shipped, "soy")
    done = include(shipped, terms, understand(shipped, "tofu"))
    assert done.terms == terms and done.removed == ()
    assert done.still_out == (("Tofu", ("soy",)),)


def test_including_a_group_also_brings_back_its_foods_excluded_one_by_one(
    shipped: RecipeSet,
) -> None:
    terms = terms_for(shipped, "tofu", "peanuts")
    done = include(shipped, terms, understand(shipped, "soy"))
    assert done.terms == {"group:peanut"}
    assert set(done.removed) == set(understand(shipped, "tofu").terms)


def test_old_stored_ingredient_ids_read_as_single_foods(shipped: RecipeSet) -> None:
    """Before groups were kept, /exclude soy stored the soy foods' ids: they stay excluded."""
    old = frozenset({"tofu_firm", "soy_sauce", "edamame"})
    user = UserSettings(user_id=1, chat_id=1, diet=Diet.VEGAN, exclude=old)
    assert excluded_ids(user, shipped) == old
    for plan in plan_days(shipped, exclusions.profile(user, shipped), DAY, 7):
        for meal in plan.meals:
            assert not shipped.recipes[meal.recipe_id].item_ids & old
    # /include soy brings back what the old list held of soy, one term at a time
    done = include(shipped, old, understand(shipped, "soy"))
    assert done.terms == frozenset() and set(done.removed) == old


def test_a_food_added_to_the_table_later_joins_its_excluded_group(shipped: RecipeSet) -> None:
    terms = terms_for(shipped, "soy")
    tofu = shipped.ingredients["tofu_firm"]
    new = dataclasses.replace(tofu, id="natto", name="Natto")
    table: dict[str, Ingredient] = {**shipped.ingredients, "natto": new}
    assert "natto" in resolve(terms, table)
    assert "natto" not in resolve(terms, shipped.ingredients)


def test_food_emoji_read_as_the_groups_they_stand_for(shipped: RecipeSet) -> None:
    assert understand(shipped, "🥜").terms == ("group:peanut",)
    assert understand(shipped, "🌾").terms == ("group:gluten",)
    assert understand(shipped, "🦐").terms == ("group:crustacean",)
    assert understand(shipped, "🐚").terms == ("group:mollusc",)
    assert understand(shipped, "🥛").terms[0] == "group:milk"
    # a variation selector and several emoji in a row
    words = [w.strip() for w in with_emoji_words("🥚\ufe0f🐟").split(",") if w.strip()]
    assert words == ["eggs", "fish"]
    for emoji, word in EMOJI_WORDS.items():
        assert understand(shipped, emoji).known, (emoji, word)


def test_the_allergen_buttons_are_the_eu_14_and_us_9(shipped: RecipeSet) -> None:
    offered = {group for group, _ in ALLERGEN_CHOICES}
    # shellfish is asked as its two parts, crustaceans and molluscs
    assert offered == set(ALLERGEN_GROUPS) - {"shellfish"}
    assert {"wheat", "sesame", "crustacean", "mollusc", "lupin"} <= offered


def test_warning_names_the_group_the_user_said(shipped: RecipeSet) -> None:
    terms = terms_for(shipped, "soy", "gluten")
    assert warning_for(["soy_sauce"], terms, shipped.ingredients) == (
        "⚠️ contains gluten and soy (you excluded them)"
    )
    assert warning_for(["tofu_firm"], terms, shipped.ingredients) == (
        "⚠️ contains soy (you excluded it)"
    )
    assert warning_for(["carrot"], terms, shipped.ingredients) is None


def test_a_meal_warns_for_its_top_up_too(shipped: RecipeSet) -> None:
    user = UserSettings(user_id=1, chat_id=1, exclude=frozenset({group_term("soy")}))
    plain = next(r for r in shipped.recipes.values() if not soy_foods(shipped) & r.item_ids)
    meal = PlannedMeal(Slot.BREAKFAST, plain.id, 1, 1.0, 300, 10)
    assert meal_warning(meal, user, shipped) is None
    with_milk = dataclasses.replace(meal, topup_item="soy_milk_fortified")
    assert meal_warning(with_milk, user, shipped) == "⚠️ contains soy (you excluded it)"


@pytest.mark.parametrize("diet", [Diet.VEGAN, Diet.OMNIVORE])
def test_plans_from_resolved_groups_have_no_soy(shipped: RecipeSet, diet: Diet) -> None:
    user = UserSettings(user_id=1, chat_id=1, diet=diet, exclude=frozenset({"group:soy"}))
    plan = plan_day(shipped, exclusions.profile(user, shipped), DAY)
    soy = soy_foods(shipped)
    for meal in plan.meals:
        assert not shipped.recipes[meal.recipe_id].item_ids & soy
        assert meal.topup_item not in soy


def test_a_shopping_list_names_each_excluded_food_once(shipped: RecipeSet) -> None:
    terms = terms_for(shipped, "soy")
    lines = item_warnings(
        ["carrot", "soy_sauce", "tofu_firm", "soy_sauce"], terms, shipped.ingredients
    )
    assert lines == [
        "⚠️ Soy sauce: contains soy (you excluded it)",
        "⚠️ Tofu: contains soy (you excluded it)",
    ]
    assert item_warnings(["soy_sauce"], frozenset(), shipped.ingredients) == []


@pytest.mark.parametrize(
    ("word", "group"),
    [
        ("Soja", "soy"),
        ("Erdnüsse", "peanut"),
        ("Erdnusse", "peanut"),
        ("cacahuetes", "peanut"),
        ("arachides", "peanut"),
        ("Gluten", "gluten"),
        ("Milch", "milk"),
        ("huevos", "egg"),
        ("œufs", "egg"),
        ("oeufs", "egg"),
        ("Allergie gegen Erdnüsse", "peanut"),
        ("sin gluten", "gluten"),
        ("fruits à coque", "tree_nut"),
    ],
)
def test_group_words_in_german_spanish_and_french_name_their_groups(
    shipped: RecipeSet, word: str, group: str
) -> None:
    assert understand(shipped, word).terms[0] == group_term(group)


@pytest.mark.parametrize("word", ["Sojasoße", "Salsa de soja", "sauce soja", "Sojasosse"])
def test_food_names_in_other_languages_name_that_food(shipped: RecipeSet, word: str) -> None:
    said = understand(shipped, word)
    assert said.known and said.terms == ("soy_sauce",)


def test_warnings_and_labels_follow_the_users_language(shipped: RecipeSet) -> None:
    terms = terms_for(shipped, "soy", "tree nuts")
    english = warning_for(["soy_sauce"], terms, shipped.ingredients)
    assert english == "⚠️ contains soy (you excluded it)"
    with in_language("de"):
        assert warning_for(["soy_sauce"], terms, shipped.ingredients) == (
            "⚠️ enthält Soja (von Ihnen ausgeschlossen)"
        )
        assert item_warnings(["soy_sauce"], terms, shipped.ingredients) == [
            "⚠️ Sojasoße: enthält Soja (von Ihnen ausgeschlossen)"
        ]
        assert exclusions.term_labels(terms, shipped.ingredients) == ["Schalenfrüchte", "Soja"]
    with in_language("es"):
        assert exclusions.term_label("group:tree_nut", shipped.ingredients) == "frutos de cáscara"
        assert exclusions.term_label("tofu_firm", shipped.ingredients, full=True) == "Tofu firme"
    with in_language("fr"):
        both = warning_for(["soy_sauce", "egg"], terms | {"egg"}, shipped.ingredients)
        assert both is not None and both.startswith("⚠️ contient ") and " et " in both


@pytest.mark.parametrize("lang", ["en", "de", "es", "fr"])
def test_every_group_label_typed_back_names_its_group(shipped: RecipeSet, lang: str) -> None:
    """What a reply calls a group ("/include Schalenfrüchte to allow all of it") is a word
    /include understands as that group, in every language."""
    with in_language(lang):
        labels = {group: group_label(group) for group in GROUP_LABEL}
    for group, label in labels.items():
        assert group_term(group) in understand(shipped, label).terms, (lang, label)
