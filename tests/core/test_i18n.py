"""bot.core.i18n: the current language, translations, and numbers and dates the local way.

Runs against a small catalogue written into a temporary folder (a complete German one and a
partial French one), so the behaviour is tested apart from how far the shipped catalogues are.
"""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import io
import logging
import string
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.core import i18n
from bot.core.i18n import (
    N_,
    _,
    complete_languages,
    current_language,
    fmt_day,
    fmt_decimal,
    fmt_time,
    language_name,
    ngettext,
    parse_decimal,
    pgettext,
    resolve_language,
    set_language,
    use_language,
)

HELLO = "Hello"
EGG = ("{n} egg", "{n} eggs")


def _write(locales: Path, lang: str, entries: dict[object, object]) -> None:
    catalog = Catalog(locale=lang, domain="bot")
    for key, value in entries.items():
        context = None
        if isinstance(key, tuple) and len(key) == 2 and key[0] == "ctx":
            context, key = "button", key[1]
        catalog.add(key, value, context=context)
    folder = locales / lang / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "bot.po").open("wb") as fh:
        write_po(fh, catalog)
    with (folder / "bot.mo").open("wb") as fh:
        write_mo(fh, catalog)


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    template = Catalog(domain="bot")
    template.add(HELLO)
    template.add(EGG)
    template.add("Back", context="button")
    with (tmp_path / "bot.pot").open("wb") as fh:
        write_po(fh, template)
    _write(
        tmp_path,
        "de",
        {HELLO: "Hallo", EGG: ("{n} Ei", "{n} Eier"), ("ctx", "Back"): "Zurück"},
    )
    _write(tmp_path, "fr", {HELLO: "Bonjour", EGG: ("", ""), ("ctx", "Back"): ""})
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_warned", set())
    i18n._complete.cache_clear()
    i18n._translations.cache_clear()
    yield tmp_path
    i18n._complete.cache_clear()
    i18n._translations.cache_clear()
    i18n._catalogues.cache_clear()


def test_english_is_the_default_and_needs_no_catalogue(locales: Path) -> None:
    assert current_language() == "en"
    assert _(HELLO) == "Hello"
    assert ngettext(*EGG, 2).format(n=2) == "2 eggs"


def test_use_language_translates_and_restores(locales: Path) -> None:
    with use_language("de") as lang:
        assert lang == "de"
        assert _(HELLO) == "Hallo"
        assert ngettext(*EGG, 1).format(n=1) == "1 Ei"
        assert ngettext(*EGG, 3).format(n=3) == "3 Eier"
        assert pgettext("button", "Back") == "Zurück"
        with use_language(None):
            assert _(HELLO) == "Hello"
        assert current_language() == "de"
    assert current_language() == "en"
    assert _(HELLO) == "Hello"


def test_regional_codes_use_their_base_language(locales: Path) -> None:
    assert resolve_language("de-AT") == "de"
    assert resolve_language("DE_ch") == "de"
    assert resolve_language("pt-BR") == "en"
    assert resolve_language("") == "en"
    assert resolve_language("<b>") == "en"


def test_a_partial_catalogue_is_never_used_and_logged_once(
    locales: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert complete_languages() == ("en", "de")
    with caplog.at_level(logging.WARNING, logger="bot.core.i18n"):
        with use_language("fr"):
            assert current_language() == "en"
            assert _(HELLO) == "Hello"
        assert resolve_language("fr-CA") == "en"
    warnings = [r for r in caplog.records if "fr" in r.getMessage()]
    assert len(warnings) == 1
    assert i18n.missing_translations("fr") == [EGG[0], "Back"]


async def test_set_language_stays_inside_its_own_task(locales: Path) -> None:
    async def handle(lang: str) -> tuple[str, str]:
        set_language(lang)
        await asyncio.sleep(0)
        return current_language(), _(HELLO)

    results = await asyncio.gather(
        asyncio.create_task(handle("de")), asyncio.create_task(handle("en"))
    )
    assert results == [("de", "Hallo"), ("en", "Hello")]
    assert current_language() == "en"


def test_n_marks_without_translating(locales: Path) -> None:
    constant = N_(HELLO)
    with use_language("de"):
        assert constant == "Hello"
        assert _(constant) == "Hallo"


@pytest.mark.parametrize(
    ("lang", "value", "digits", "expected"),
    [
        ("en", 2.4, 1, "2.4"),
        ("de", 2.4, 1, "2,4"),
        ("de", 2.0, 1, "2,0"),
        ("en", 1000, 1, "1,000.0"),
        ("de", 1000, 1, "1.000,0"),
        ("en", 2.45, 1, f"{2.45:.1f}"),
        ("de", 0.05, 2, "0,05"),
    ],
)
def test_fmt_decimal_the_local_way(
    monkeypatch: pytest.MonkeyPatch, lang: str, value: float, digits: int, expected: str
) -> None:
    # formatting needs no catalogue: set the variable directly
    token = i18n._current.set(lang)
    try:
        assert fmt_decimal(value, digits) == expected
    finally:
        i18n._current.reset(token)


def test_fmt_decimal_trim_and_french_grouping() -> None:
    token = i18n._current.set("fr")
    try:
        assert fmt_decimal(1500, 1) == "1\u202f500,0"
        assert fmt_decimal(1.5, 2, trim=True) == "1,5"
        assert fmt_decimal(2.0, 2, trim=True) == "2"
    finally:
        i18n._current.reset(token)


def test_fmt_day_and_time() -> None:
    day = dt.date(2026, 12, 1)
    assert fmt_day(day) == "Tue 1 Dec"
    assert fmt_time(dt.time(7, 30)) == "07:30"
    token = i18n._current.set("de")
    try:
        assert fmt_day(day) == "Di., 1. Dez."
        assert fmt_time(dt.datetime(2026, 12, 1, 19, 5)) == "19:05"
    finally:
        i18n._current.reset(token)


@pytest.mark.parametrize(("text", "value"), [("2,5", 2.5), ("2.5", 2.5), (" 320 ", 320.0)])
def test_parse_decimal_accepts_comma_and_point(text: str, value: float) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["", "1,000.5", "1e3", "nan", "inf", "2,5,1", "9" * 40, "²"])
def test_parse_decimal_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_language_names_are_their_own_words() -> None:
    assert [language_name(code) for code in ("en", "de", "es", "fr")] == [
        "English",
        "Deutsch",
        "Español",
        "Français",
    ]


# ---- the shipped catalogues ---------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "bot" / "locales"
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
# Telegram's HTML parse mode: the only tags a text may carry
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
PO_FILES = sorted(SHIPPED.glob("*/LC_MESSAGES/bot.po"))


def _po(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, tuple | list):
        return tuple(message.string)
    return (message.string,)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.seen: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"<{tag}> is not a Telegram tag")
        self.stack.append(tag)
        self.seen.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing open")


def _tags(text: str) -> tuple[list[str], list[str]]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    problems = parser.problems + [f"<{tag}> left open" for tag in parser.stack]
    return sorted(parser.seen), problems


def test_there_is_a_catalogue_per_supported_language() -> None:
    from bot.core.languages import SUPPORTED_LANGUAGES

    shipped = {path.parents[1].name for path in PO_FILES}
    assert shipped == set(SUPPORTED_LANGUAGES) - {"en"}


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parents[1].name)
def test_each_mo_is_the_compiled_po(po: Path) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _po(po))
    assert po.with_suffix(".mo").read_bytes() == compiled.getvalue(), (
        f"{po.with_suffix('.mo')} is out of date: run `python tools/i18n.py compile`"
    )


def test_every_text_in_the_code_is_in_the_template_and_every_catalogue() -> None:
    found = {
        (context, message if isinstance(message, str) else message[0])
        for _, _, message, _, context in extract_from_dir(
            str(REPO / "bot"), keywords=KEYWORDS, comment_tags=()
        )
    }
    assert found, "no marked texts found: the extraction keywords are wrong"
    for path in [SHIPPED / "bot.pot", *PO_FILES]:
        catalog = _po(path)
        have = {(m.context, _ids(m)[0]) for m in catalog if m.id}
        missing = sorted(found - have, key=str)
        assert not missing, (
            f"{path.relative_to(REPO)} lacks {len(missing)} texts, e.g. {missing[:3]}: "
            "run `python tools/i18n.py all` and translate"
        )


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parents[1].name)
def test_translations_keep_placeholders_and_telegram_html(po: Path) -> None:
    problems: list[str] = []
    for message in _po(po):
        if not message.id:
            continue
        ids = _ids(message)
        wanted = set().union(*(_placeholders(text) for text in ids))
        wanted_tags = _tags(ids[-1])[0]
        for text in _strings(message):
            if not text:
                continue
            placeholders = _placeholders(text)
            # a singular form may leave the count out ("one egg"), never add a placeholder
            if placeholders - wanted or (len(ids) == 1 and placeholders != wanted):
                problems.append(f"{ids[0]!r}: placeholders {placeholders} != {wanted}")
            tags, html_problems = _tags(text)
            problems += [f"{ids[0]!r}: {problem}" for problem in html_problems]
            if tags != wanted_tags:
                problems.append(f"{ids[0]!r}: tags {tags} != {wanted_tags}")
    assert not problems, "\n".join(problems[:20])


def test_complete_means_every_text_translated() -> None:
    for po in PO_FILES:
        lang = po.parents[1].name
        untranslated = [m.id for m in _po(po) if m.id and (m.fuzzy or not all(_strings(m)))]
        assert (lang in complete_languages()) == (
            not untranslated and not i18n.missing_translations(lang)
        )


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parents[1].name)
def test_every_shipped_language_translates_every_text(po: Path) -> None:
    """Every message key of the code has a translation in every language (not only an entry):
    one untranslated text switches the whole language off for its users."""
    lang = po.parents[1].name
    missing = i18n.missing_translations(lang, SHIPPED)
    assert not missing, (
        f"{lang}: {len(missing)} texts untranslated, e.g. {missing[:3]}: translate them "
        "(`python tools/i18n.py fill FILE.json`)"
    )


def test_modules_that_translate_never_rebind_the_underscore() -> None:
    """`query, _, value = ...` in a module that imports `_` makes `_` a local string in that
    function, and every `_("...")` there fails at run time: name unused values `_x` instead."""
    offenders: list[str] = []
    for path in sorted((REPO / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_underscore = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "bot.core.i18n"
            and any(alias.name == "_" and alias.asname is None for alias in node.names)
            for node in tree.body
        )
        if not imports_underscore:
            continue
        offenders += [
            f"{path.relative_to(REPO)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)
        ]
    assert not offenders, offenders


def test_only_switched_on_languages_are_offered_or_used() -> None:
    """A complete catalogue is not enough: until BOT_LANGUAGES switches a language on, a
    German phone gets English (never German set-up followed by English plans)."""
    from bot.core.i18n import (
        catalogue_languages,
        complete_languages,
        enable_languages,
        resolve_language,
    )

    assert "de" in catalogue_languages()
    try:
        assert enable_languages(["en"]) == ("en",)
        assert complete_languages() == ("en",) and resolve_language("de-AT") == "en"
        enable_languages(["de"])
        assert "de" in complete_languages() and resolve_language("de-AT") == "de"
        with pytest.raises(ValueError):
            enable_languages(["xx"])
    finally:
        enable_languages(catalogue_languages())


def test_bot_languages_setting_defaults_to_every_language_and_refuses_unknown_codes() -> None:
    from bot.config import SettingsError, load_settings

    env = {"TELEGRAM_BOT_TOKEN": "123:abc"}
    assert load_settings(env, dotenv_path=None).languages == ("en", "de", "es", "fr")
    assert load_settings({**env, "BOT_LANGUAGES": "en"}, dotenv_path=None).languages == ("en",)
    assert load_settings({**env, "BOT_LANGUAGES": "de, fr"}, dotenv_path=None).languages == (
        "en",
        "de",
        "fr",
    )
    with pytest.raises(SettingsError):
        load_settings({**env, "BOT_LANGUAGES": "de,xx"}, dotenv_path=None)
