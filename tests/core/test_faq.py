"""/faq content rules: sourced, phone-sized, no MS treatment claims, clinician advice."""

from __future__ import annotations

import re

import pytest
from translated import english_left, in_language

from bot.core.faq import (
    FAQ,
    MAX_ANSWER_CHARS,
    SOURCES,
    FaqEntry,
    faq_answer,
    faq_entry,
    faq_index,
    faq_keys,
)
from bot.core.recipes import load_recipes

REQUIRED_TOPICS = {
    "what",
    "signs",
    "food",
    "fortified",
    "risk",
    "testing",
    "supplements",
    "safety",
    "before",  # test before starting supplements when you have symptoms
    "folic",  # folic acid can mask the anaemia of B12 deficiency
    "oral",  # high-dose tablets vs injections: the clinician decides
    "nori",  # algae, tempeh and mushrooms are no reliable source
}

# Claims the bot must never make.
FORBIDDEN = [
    r"\bcur(e|es|ed|ing)\b",
    r"\bheal(s|ed|ing)?\b",
    r"\brevers(e|es|ed|ing)\b",
    r"\bslow(s|ed|ing)? (down )?(the )?(progression|MS)\b",
    r"\bprevent(s|ed|ing)? (MS|relapses?)\b",
]
MS_TREATMENT = re.compile(
    r"\b(treat(s|ed|ing|ment)?|help(s)?)\b[^.]*\bMS\b|\bMS\b[^.]*\btreat", re.I
)
NEGATION = re.compile(r"\b(not|no|does not|doesn't|sparse|uncertain)\b", re.I)
NEEDS_CLINICIAN = re.compile(
    r"\b(doses?|dosing|injections?|tests?|tested|testing|results?)\b", re.I
)


def test_all_topics_present_and_keys_unique() -> None:
    keys = faq_keys()
    assert len(keys) == len(set(keys))
    assert set(keys) >= REQUIRED_TOPICS


@pytest.mark.parametrize("entry", FAQ, ids=lambda e: e.key)
def test_entry_has_allowed_sources(entry: FaqEntry) -> None:
    assert entry.sources, entry.key
    assert set(entry.sources) <= set(SOURCES)


@pytest.mark.parametrize("entry", FAQ, ids=lambda e: e.key)
def test_entry_fits_a_phone(entry: FaqEntry) -> None:
    assert len(entry.answer) < MAX_ANSWER_CHARS
    rendered = faq_answer(entry.key)
    assert rendered is not None and len(rendered) < MAX_ANSWER_CHARS


@pytest.mark.parametrize("entry", FAQ, ids=lambda e: e.key)
def test_no_claim_to_treat_or_cure_ms(entry: FaqEntry) -> None:
    text = f"{entry.question} {entry.answer}"
    for pattern in FORBIDDEN:
        assert not re.search(pattern, text, re.I), (entry.key, pattern)
    # any sentence that links treatment/help to MS must be a negation
    for sentence in re.split(r"(?<=[.?!:])\s+", entry.answer):
        if MS_TREATMENT.search(sentence):
            assert NEGATION.search(sentence), (entry.key, sentence)


@pytest.mark.parametrize("entry", FAQ, ids=lambda e: e.key)
def test_doses_injections_tests_send_reader_to_clinician(entry: FaqEntry) -> None:
    if NEEDS_CLINICIAN.search(entry.answer):
        assert "clinician" in entry.answer, entry.key


def test_checker_catches_a_bad_answer() -> None:
    """The rules above really bite: a made-up bad answer fails them."""
    bad = "High-dose B12 treats MS and can cure fatigue. Take 5,000 µg doses."
    assert any(re.search(p, bad, re.I) for p in FORBIDDEN)
    assert MS_TREATMENT.search(bad) and not NEGATION.search(bad.split(".")[0])
    assert NEEDS_CLINICIAN.search(bad) and "clinician" not in bad


def test_ms_entries_say_b12_does_not_treat_ms() -> None:
    for key in ("signs", "ms"):
        entry = faq_entry(key)
        assert entry is not None
        assert "does not treat MS" in entry.answer
        assert {"Cochrane 2020", "Nemazannikova 2018"} <= set(entry.sources)


def test_key_facts_match_the_reference() -> None:
    supplements = faq_answer("supplements") or ""
    assert "fortified foods twice a day" in supplements and "clinician" in supplements
    assert "µg" not in supplements, "the bot never suggests a dose"
    safety = faq_answer("safety") or ""
    assert "No upper limit" in safety and "IOM 1998" in safety
    testing = faq_answer("testing") or ""
    for marker in ("serum", "Active B12", "MMA", "homocysteine"):
        assert marker in testing
    assert "NICE NG239" in testing and "BSH 2014" in testing


def test_plain_text_only() -> None:
    for entry in FAQ:
        assert not re.search(r"<[a-z/]|&[a-z]+;|\*\*|__", entry.answer), entry.key


def test_index_and_lookup() -> None:
    index = faq_index()
    for i, entry in enumerate(FAQ, start=1):
        assert f"{i}. {entry.question}" in index
    number = str(faq_keys().index("testing") + 1)
    assert faq_answer("testing") == faq_answer(number) == faq_answer(" /Testing ")
    text = faq_answer("safety")
    assert text is not None and text.endswith("Sources: IOM 1998, NIH ODS.")
    assert faq_answer("nope") is None
    assert faq_answer("0") is None
    assert faq_answer(str(len(FAQ) + 1)) is None


def _answer(key: str) -> str:
    entry = faq_entry(key)
    assert entry is not None, key
    return entry.answer


def test_risk_lists_every_nice_risk_factor() -> None:
    risk = _answer("risk")
    for factor in (
        "nitrous oxide",
        "metformin",
        "MHRA 2022",
        "PPIs",
        "H2 blockers",
        "colchicine",
        "topiramate",
        "coeliac disease",
        "surgery",
        "family history",
    ):
        assert factor in risk, factor
    assert {"NICE NG239", "MHRA 2022"} <= set(faq_entry("risk").sources)  # type: ignore[union-attr]
    assert "Never stop a prescribed medicine" in risk


def test_test_before_supplements_when_you_have_symptoms() -> None:
    before = _answer("before")
    assert "test first" in before and "make a later test hard to read" in before
    assert "contact your GP or MS team soon" in before
    for symptom in ("numbness", "weakness", "balance", "memory"):
        assert symptom in before


def test_folic_acid_can_mask_b12_deficiency_anaemia() -> None:
    folic = _answer("folic")
    assert "correct the anaemia" in folic and "nerve damage" in folic
    assert "B12 check" in folic and "clinician" in folic


def test_tablets_vs_injections_cite_cochrane_and_leave_the_choice_to_the_clinician() -> None:
    oral = _answer("oral")
    assert "Cochrane review 2018" in oral and "low quality" in oral
    assert "for your clinician to decide" in oral
    assert faq_entry("oral").sources[0] == "Cochrane 2018"  # type: ignore[union-attr]


def test_nori_is_not_a_reliable_source_and_counts_zero_like_the_planner() -> None:
    nori = _answer("nori")
    assert "Not a reliable one" in nori and "varies" in nori and "inactive" in nori
    recipes = load_recipes()
    for item in ("nori", "tempeh"):
        assert recipes.ingredients[item].per_100g.b12_ug == 0.0, item


# Answers that advise (not the food values): no amount in µg/mg at all, so never a dose.
NO_AMOUNTS = ("signs", "ms", "risk", "testing", "before", "oral", "folic")
AMOUNT = re.compile(r"\d[\d,.]*\s*(?:µg|mcg|mg)\b", re.I)


@pytest.mark.parametrize("key", NO_AMOUNTS)
def test_advice_answers_never_name_a_dose(key: str) -> None:
    assert not AMOUNT.search(_answer(key)), key


def test_dose_checker_catches_a_dose() -> None:
    assert AMOUNT.search("take 1,000 µg a day") and AMOUNT.search("1000mcg")


# FAQ food name -> the ingredient the planner counts (raw, as bought, per 100 g)
FOOD_VALUES = {
    "canned clams": "clams_canned",
    "sardines in oil": "sardines_canned",
    "mackerel": "mackerel",
    "trout": "trout",
    "salmon": "salmon",
    "Swiss cheese": "swiss_cheese",
    "egg": "egg",
    "milk": "milk",
}


def test_food_values_are_the_planners_raw_values() -> None:
    """Every "<food> <x> µg" in the food answer equals the ingredient table the planner
    uses (rounded as written), so /faq never contradicts a plan's numbers."""
    food = _answer("food")
    assert "as bought (raw" in food
    recipes = load_recipes()
    quoted = dict(re.findall(r"([A-Za-z][A-Za-z ]*?) (\d+(?:\.\d+)?) µg", food))
    for name, item in FOOD_VALUES.items():
        assert name in quoted, name
        value = recipes.ingredients[item].per_100g.b12_ug
        decimals = len(quoted[name].partition(".")[2])
        assert float(quoted[name]) == round(value, decimals), (name, value)
    assert recipes.ingredients["egg"].unit_grams["piece"] == 50.0  # "a large egg is about 50 g"
    # UK/EU fortified plant drinks: the oat drink's label value in the table
    assert "0.38 µg per 100 ml" in food
    assert recipes.ingredients["oat_milk_fortified"].per_100g.b12_ug == 0.38


# --- other languages -----------------------------------------------------------------------

GP_OR_MS_TEAM = {
    "de": ("Hausarzt/Ihre Hausärztin", "MS-Team"),
    "es": ("médico de cabecera", "equipo de EM"),
    "fr": ("médecin traitant", "équipe SEP"),
}
CLINICIAN = {"de": "Arzt oder Ihre", "es": "médico", "fr": "médecin"}


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_every_answer_is_translated_with_its_sources_kept(lang: str) -> None:
    for key in faq_keys():
        english = faq_answer(key)
        with in_language(lang):
            answer = faq_answer(key)
        assert english is not None and answer is not None
        assert answer != english
        assert english_left(answer) == [], (key, english_left(answer))
        # the sources keep their names, in the same order
        assert answer.rpartition(": ")[2] == english.rpartition(": ")[2]
        assert len(answer) <= MAX_ANSWER_CHARS * 1.35, key  # still sized for a phone


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_translated_answers_make_no_stronger_claim(lang: str) -> None:
    """The same advice as in English: B12 does not treat MS, doses are for the clinician, new
    or worse symptoms go to the GP or MS team; numbers with decimal commas."""
    with in_language(lang):
        before, supplements = faq_answer("before"), faq_answer("supplements")
        signs, food = faq_answer("signs"), faq_answer("food")
    assert before is not None and supplements is not None and signs is not None
    for words in GP_OR_MS_TEAM[lang]:
        assert words in before
    assert CLINICIAN[lang] in supplements and CLINICIAN[lang] in signs
    assert "1 %" in supplements
    assert food is not None and "18,6 µg" in food and "0,38 µg" in food and "18.6" not in food
    assert "EM" in signs or "MS" in signs or "SEP" in signs


def test_the_index_is_translated() -> None:
    with in_language("de"):
        index = faq_index()
    assert index.startswith("Fragen zu B12") and "/faq <Nummer>" in index
    assert english_left(index) == []
