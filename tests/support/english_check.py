"""Finding English left in what a non-English user sees, for the end-to-end language journeys.

Why a word list and not a language detector: the bot's messages are short, full of numbers,
units, emoji and food names, where detectors guess; an English function word ("the", "your",
"and") or an English UI phrase ("Tap ", "Good morning") in a German message is a sure sign of
an untranslated text, and naming the words found makes the failure say which text it is.

`english_left(text, names)` removes what may stay English in every language first: proper
names (the caller passes the recipe and food names the user was shown, already localised, and
the user's own name), typed commands, `<code>` spans, sources (NICE NG239, NIH ODS, USDA …),
units and URLs; then reports each English hit with a little context around it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# English words that are not words of German, Spanish or French ("in", "a", "die", "son",
# "also", "fast", "will", "was", "so", "man" are left out on purpose). Matched as whole words,
# case-insensitively.
ENGLISH_WORDS = frozenset(
    {
        "the", "your", "you", "and", "is", "are", "with", "this", "that", "for", "from", "of",
        "to", "it", "its", "what", "when", "which", "or", "can", "yet", "every", "please",
        "tap", "send", "type", "add", "day", "days", "today", "tomorrow", "week", "breakfast",
        "lunch", "dinner", "shopping", "recipe", "recipes", "serving", "servings", "swap",
        "target", "short", "met", "good", "morning", "result", "results", "saved", "reminder",
        "deficiency", "likely", "unlikely", "indeterminate", "supplement", "supplements",
        "clinician", "eaten", "skipped", "minutes", "tired", "quick", "meals", "list", "items",
        "undo", "back", "next", "page", "other", "here", "there", "have", "has", "will",
        "would", "should", "been", "were", "our", "we", "they", "them", "about", "into",
        "only", "also", "no", "yes", "none", "go", "on", "off", "done", "change", "settings",
        "how", "why", "if", "then", "than", "more", "less", "each", "at", "by", "be",
        "ingredients", "steps", "favourite", "never", "suggest", "absorbed", "uptake", "helps",
        "whole", "calorie", "share", "copy", "hide", "basket", "item", "eat", "ate", "skip",
        "noted", "cancel", "example", "examples", "pregnant", "breastfeeding", "over", "time",
        "set", "nothing", "left", "out", "excluded", "cooking", "any", "another", "number",
        "use", "my", "get", "injections", "location", "fortified", "food", "foods", "diet",
        "eggs", "fish", "milk", "nuts", "wheat", "peanuts", "celery", "sesame",
        "vegetarian", "pescatarian", "omnivore", "crustaceans", "molluscs", "lupin",
        "sulphites", "tbsp", "tsp", "active", "range",
    }
)  # fmt: skip
# Ambiguous in German when capitalised ("Not" = need, "Art", "Rat"): matched only in lower case.
ENGLISH_LOWER_ONLY = frozenset({"not", "art", "rat", "bad", "hat", "also", "will"})
# Words of the list above that are ordinary words of the user's language: never flagged there.
NOT_ENGLISH_IN = {
    "de": frozenset({"will", "also", "so", "in", "an", "man", "bald", "hat", "die", "war"}),
    "es": frozenset({"no", "a", "son", "come", "have", "de"}),
    "fr": frozenset({"on", "or", "a", "son", "tape", "date", "page"}),
}
# Phrases: case-sensitive, matched anywhere (a button label "Tap here", "You have").
ENGLISH_PHRASES = (
    "Tap ", "You ", "Your ", "Good morning", "Shopping list", "Saved result", "not a diagnosis",
    "talk to your", "Swap ", " recipe", "Breakfast", "Lunch", "Dinner",
)  # fmt: skip

# What may stay English in every language.
_KEPT = re.compile(
    r"<code>.*?</code>"  # typed commands and examples
    r"|https?://\S+"
    r"|/[a-z_]+(?:@\w+)?(?: (?:add|retest|delete|off|on|help|serum|active|mma|all|list)\b)*"
    r"|The Vegan Society|Vegan Society|NICE NG239|NICE|NIH ODS|USDA(?: SR28)?|EFSA|US RDA"
    r"|UK RNI|Cochrane review|MS Trust|NHS|holoTC|B12|MMA",
    re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")
# a number with a decimal point (German, Spanish and French write "2,4"); not a date or a time
_DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def visible(text: str) -> str:
    """The text as Telegram shows it: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub(" ", text))


def _strip_names(text: str, names: Iterable[str]) -> str:
    for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    return text


def english_left(
    text: str, names: Iterable[str] = (), lang: str = "de", english_names: Iterable[str] = ()
) -> list[str]:
    """Each English word or phrase left in `text` (HTML or plain), with ~25 characters of
    context; [] when the text reads as `lang` apart from proper names. `english_names` are
    English recipe and food names that have a name of their own in `lang` ("Spinach" for
    "Spinat"): found after `names` are removed, they are English fallbacks and reported."""
    plain = visible(_KEPT.sub(" ", text))
    plain = _strip_names(plain, names)
    hits = [
        _context(plain, found.start(), found.end())
        for name in sorted({n for n in english_names if len(n) > 2}, key=len, reverse=True)
        for found in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", plain)
    ]
    local = NOT_ENGLISH_IN.get(lang, frozenset())
    for match in _WORD.finditer(plain):
        word = match.group().split("'")[0]  # "Today's" is "Today"
        lower = word.lower()
        if lower in local:
            continue
        if lower in ENGLISH_LOWER_ONLY and word != lower:
            continue
        if lower in ENGLISH_WORDS or (lower in ENGLISH_LOWER_ONLY and word == lower):
            hits.append(_context(plain, match.start(), match.end()))
    for number in _DECIMAL_POINT.finditer(plain):  # "2.4 µg": English number format
        hits.append(_context(plain, number.start(), number.end()))
    for phrase in ENGLISH_PHRASES:
        start = plain.find(phrase)
        while start >= 0:
            context = _context(plain, start, start + len(phrase))
            if context not in hits:
                hits.append(context)
            start = plain.find(phrase, start + 1)
    return hits


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - 25) : start]
    after = text[end : end + 25]
    return " ".join(f"{before}[{text[start:end]}]{after}".split())
