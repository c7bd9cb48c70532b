"""/faq content rules: sourced, phone-sized, no MS treatment claims, clinician advice."""

from __future__ import annotations

import re

import pytest

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

REQUIRED_TOPICS = {"what", "signs", "food", "fortified", "risk", "testing", "supplements", "safety"}

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
    assert "10 µg a day" in supplements and "2,000 µg a week" in supplements
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
    assert faq_answer("testing") == faq_answer("7") == faq_answer(" /Testing ")
    text = faq_answer("safety")
    assert text is not None and text.endswith("Sources: IOM 1998, NIH ODS.")
    assert faq_answer("nope") is None
    assert faq_answer("0") is None
    assert faq_answer(str(len(FAQ) + 1)) is None
