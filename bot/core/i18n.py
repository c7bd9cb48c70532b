"""Texts, numbers and dates in the user's language: gettext catalogues read with Babel.

English is the source language: a msgid is the English text, so English needs no catalogue and
code that never sets a language reads exactly as before. Every other language is a folder
`bot/locales/<lang>/LC_MESSAGES/bot.po` (+ the compiled `bot.mo`); adding a language is adding
that folder, no code. A language is *complete* when its catalogue translates every msgid of the
template `bot/locales/bot.pot`; only complete languages are ever used, because a half-translated
health tool is worse than an English one: asking for a partial language gives English (logged
once per language).

The current language lives in a ContextVar, so each Telegram update (one asyncio task each) and
each user's rendering inside a job (`use_language`) has its own, without passing it around.
Pure: gettext and Babel only, no Telegram, no database.
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

DOMAIN = "bot"
SOURCE_LANGUAGE = "en"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"

_current: ContextVar[str] = ContextVar("language", default=SOURCE_LANGUAGE)
_warned: set[str] = set()
_NULL = NullTranslations()

# The longest number text parse_decimal looks at (bounded before any work is done on it).
_DECIMAL_MAX_CHARS = 32
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$")


def _base(code: str | None) -> str:
    """"de-AT", "de_at", "DE" -> "de"; None or junk -> ""."""
    if not code:
        return ""
    base = re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()
    return base if base.isascii() and base.isalpha() and len(base) <= 8 else ""


def catalogue_languages(locales_dir: Path = LOCALES_DIR) -> tuple[str, ...]:
    """Every language with a compiled catalogue in `locales_dir`, sorted (not English)."""
    if not locales_dir.is_dir():
        return ()
    return tuple(
        sorted(
            p.name
            for p in locales_dir.iterdir()
            if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file() and p.name != SOURCE_LANGUAGE
        )
    )


def _template_keys(template: Path) -> list[tuple[str | None, str, bool]]:
    """(context, msgid, has plural) of every message in the template."""
    with template.open("rb") as fh:
        catalog = read_po(fh)
    keys: list[tuple[str | None, str, bool]] = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            keys.append((message.context, message.id[0], True))
        else:
            keys.append((message.context, message.id, False))
    return keys


def missing_translations(lang: str, locales_dir: Path = LOCALES_DIR) -> list[str]:
    """The template's msgids that `lang`'s compiled catalogue leaves untranslated (empty or
    fuzzy entries are not compiled, so they count as missing)."""
    template = locales_dir / f"{DOMAIN}.pot"
    mo = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not template.is_file() or not mo.is_file():
        return ["<no catalogue>"]
    with mo.open("rb") as fh:
        catalog: dict[object, str] = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    missing: list[str] = []
    for context, msgid, plural in _template_keys(template):
        key = msgid if context is None else f"{context}\x04{msgid}"
        found = catalog.get((key, 0)) if plural else catalog.get(key)
        if not found:
            missing.append(msgid)
    return missing


@cache
def _complete(locales_dir: Path) -> tuple[str, ...]:
    return tuple(
        lang
        for lang in catalogue_languages(locales_dir)
        if not missing_translations(lang, locales_dir)
    )


def complete_languages(locales_dir: Path = LOCALES_DIR) -> tuple[str, ...]:
    """English first, then every language whose catalogue is complete: the ones the bot offers
    (/language, Telegram's menus) and picks from a user's Telegram language."""
    return (SOURCE_LANGUAGE, *_complete(locales_dir))


def resolve_language(code: str | None, locales_dir: Path = LOCALES_DIR) -> str:
    """The language to use for `code` (a stored choice or Telegram's "de-AT"): its base language
    when that is complete, else English. A partial catalogue is logged once, never used."""
    base = _base(code)
    if base in complete_languages(locales_dir):
        return base
    if base and base in catalogue_languages(locales_dir) and base not in _warned:
        _warned.add(base)
        log.warning(
            "language %s is not complete (%d texts untranslated): English is used instead",
            base,
            len(missing_translations(base, locales_dir)),
        )
    return SOURCE_LANGUAGE


def language_name(lang: str) -> str:
    """A language's own name, capitalised for a button: "Deutsch", "Español", "Français"."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


@cache
def _translations(lang: str) -> NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return _NULL
    loaded = Translations.load(str(LOCALES_DIR), [lang], DOMAIN)
    return loaded if isinstance(loaded, Translations) else _NULL


def _active() -> NullTranslations:
    return _translations(_current.get())


def _(message: str) -> str:
    """`message` (English) in the current language."""
    return _active().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in the current language ("1 egg" / "2 eggs")."""
    return _active().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` with a context, for short words that translate differently by use."""
    return _active().pgettext(context, message)


def N_(message: str) -> str:
    """Marks a module-level text for extraction; translate it where it is used: `_(CONST)`."""
    return message


def set_language(lang: str | None) -> None:
    """The language for the rest of the current task (PTB handles each update in one task)."""
    _current.set(resolve_language(lang))


def current_language() -> str:
    return _current.get()


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """The language for a block (a job rendering one user's message), restored after."""
    token = _current.set(resolve_language(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def fmt_decimal(value: float, digits: int = 1, *, trim: bool = False) -> str:
    """`value` with `digits` decimals the local way: "2.4" / "2,4", "1,000.0" / "1.000,0" /
    "1 000,0". Rounded as Python's format() rounds, so the numbers agree with any English
    text; `trim` drops trailing zeros ("1.5", "2")."""
    fixed = Decimal(f"{value:.{digits}f}")
    pattern = "#,##0" + ("." + ("#" if trim else "0") * digits if digits > 0 else "")
    return format_decimal(fixed, pattern, locale=_current.get())


def fmt_day(day: dt.date) -> str:
    """Short weekday, day and month the local way: "Tue 1 Dec" / "Di., 1. Dez."."""
    lang = _current.get()
    if lang == SOURCE_LANGUAGE:
        return day.strftime("%a %-d %b")
    return format_skeleton("MMMEd", day, locale=lang)


def fmt_time(t: dt.time | dt.datetime) -> str:
    """A time of day on the 24-hour clock: "07:30" (English keeps the same)."""
    return f"{t:%H:%M}"


def parse_decimal(text: str) -> float:
    """A number typed as "2,5" or "2.5" in any language; ValueError for anything else (no
    thousands separators, exponents, "nan" or "inf")."""
    cleaned = text.strip()
    if len(cleaned) > _DECIMAL_MAX_CHARS or not _DECIMAL.match(cleaned):
        raise ValueError(f"not a number: {cleaned[:_DECIMAL_MAX_CHARS]!r}")
    return float(cleaned.replace(",", "."))
