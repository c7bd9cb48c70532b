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
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.catalog import Catalog, Message
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
    """The base language of a code: "de-AT", "de_at", "DE" -> "de"; None or junk -> ""."""
    if not code:
        return ""
    base = re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()
    return base if base.isascii() and base.isalpha() and len(base) <= 8 else ""


def catalogue_languages(locales_dir: Path | None = None) -> tuple[str, ...]:
    """Every language with a compiled catalogue in `locales_dir`, sorted (not English)."""
    return _catalogues(locales_dir or LOCALES_DIR)


@cache
def _catalogues(locales_dir: Path) -> tuple[str, ...]:
    if not locales_dir.is_dir():
        return ()
    return tuple(
        sorted(
            p.name
            for p in locales_dir.iterdir()
            if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file() and p.name != SOURCE_LANGUAGE
        )
    )


def _read(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def _translated(message: Message) -> bool:
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(strings)


def missing_translations(lang: str, locales_dir: Path | None = None) -> list[str]:
    """The template's msgids that `lang`'s catalogue leaves untranslated: absent, empty (any
    plural form) or fuzzy. Read from the .po, because compiling fills an untranslated plural
    form with the English text; a test keeps each .mo equal to its compiled .po."""
    locales_dir = locales_dir or LOCALES_DIR
    template = locales_dir / f"{DOMAIN}.pot"
    po = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not template.is_file() or not po.is_file():
        return ["<no catalogue>"]
    catalog = _read(po)
    missing: list[str] = []
    for wanted in _read(template):
        if not wanted.id:
            continue
        found = catalog.get(wanted.id, context=wanted.context)
        if found is None or not _translated(found):
            missing.append(wanted.id[0] if isinstance(wanted.id, tuple | list) else wanted.id)
    return missing


@cache
def _complete(locales_dir: Path) -> tuple[str, ...]:
    return tuple(
        lang
        for lang in catalogue_languages(locales_dir)
        if not missing_translations(lang, locales_dir)
    )


# Languages switched on for users (BOT_LANGUAGES, every supported one by default; English
# always). Until the application switches them on at start, only English is used, and a
# deployment can hold a language back (e.g. while a translation is reviewed).
_enabled: set[str] = {SOURCE_LANGUAGE}


def enable_languages(codes: Iterable[str]) -> tuple[str, ...]:
    """Switch these languages on (English always is); returns the languages now switched on.
    A code without a catalogue raises ValueError (a typo in BOT_LANGUAGES must not pass)."""
    wanted = {_base(code) for code in codes if code.strip()}
    unknown = wanted - {SOURCE_LANGUAGE, *catalogue_languages()}
    if unknown:
        known = ", ".join((SOURCE_LANGUAGE, *catalogue_languages()))
        raise ValueError(f"no catalogue for {', '.join(sorted(unknown))} (known: {known})")
    _enabled.clear()
    _enabled.update({SOURCE_LANGUAGE, *wanted})
    return tuple(sorted(_enabled))


def complete_languages(locales_dir: Path | None = None) -> tuple[str, ...]:
    """English first, then every switched-on language whose catalogue is complete: the ones
    the bot offers (/language, Telegram's menus) and picks from a user's Telegram language."""
    return (
        SOURCE_LANGUAGE,
        *(lang for lang in _complete(locales_dir or LOCALES_DIR) if lang in _enabled),
    )


def resolve_language(code: str | None, locales_dir: Path | None = None) -> str:
    """The language to use for `code` (a stored choice or Telegram's "de-AT"): its base language
    when that is complete, else English. A partial catalogue is logged once, never used."""
    locales_dir = locales_dir or LOCALES_DIR
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


def telegram_language(code: str | None, locales_dir: Path | None = None) -> str:
    """The language to store for Telegram's `language_code` ("de-AT" -> "de"): its base
    language when there is a catalogue for it (spoken once complete), else English."""
    base = _base(code)
    return base if base in catalogue_languages(locales_dir) else SOURCE_LANGUAGE


def language_name(lang: str) -> str:
    """A language's own name, capitalised for a button: "Deutsch", "Español", "Français"."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


@cache
def _translations(lang: str, locales_dir: Path) -> NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return _NULL
    loaded = Translations.load(str(locales_dir), [lang], DOMAIN)
    return loaded if isinstance(loaded, Translations) else _NULL


def _active() -> NullTranslations:
    return _translations(_current.get(), LOCALES_DIR)


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
