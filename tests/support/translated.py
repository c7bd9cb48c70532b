"""Rendering texts in another language in a test, and finding English left in them.

`in_language(lang)` is `use_language(lang)` that uses the shipped catalogue even while another
text somewhere in the bot is still untranslated (the bot itself then falls back to English for
the whole language; tests/core/test_i18n.py checks completeness), so a test of one module's
texts fails only for that module's own missing or wrong translations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from bot.core import i18n

# Words that only English has among the bot's languages ("in", "a", "de" are left out).
ENGLISH_ONLY = frozenset(
    {
        "the", "your", "you", "and", "is", "with", "this", "for", "from", "not", "of", "to",
        "it", "are", "what", "when", "which", "or", "can", "tap", "yet", "every",
        "day", "days", "result", "results", "reminder", "deficiency", "likely", "unlikely",
        "indeterminate", "supplements", "clinician", "please", "send", "type", "add",
    }
)  # fmt: skip
# Proper names and typed commands may stay English in every language.
_KEPT = re.compile(
    r"The Vegan Society|Vegan Society|<code>.*?</code>|/[a-z]+(?: (?:add|retest|delete|off|on"
    r"|help|serum|active|mma)\b)*|NICE NG239|NIH ODS|Cochrane review"
)


@contextmanager
def in_language(lang: str) -> Iterator[str]:
    """The block runs in `lang` with its shipped catalogue, complete or not."""
    real = i18n.resolve_language
    i18n.resolve_language = lambda code, locales_dir=i18n.LOCALES_DIR: code or "en"  # type: ignore[assignment]
    try:
        with i18n.use_language(lang) as current:
            yield current
    finally:
        i18n.resolve_language = real  # type: ignore[assignment]


def english_left(text: str) -> list[str]:
    """English-only words in `text`, outside proper names and typed commands."""
    plain = _KEPT.sub(" ", text)
    plain = re.sub(r"<[^>]+>", " ", plain)
    return [w for w in re.findall(r"[^\W\d_]+", plain) if w.lower() in ENGLISH_ONLY]
