"""Keep the translation catalogues in step with the code (wraps Babel's pybabel).

    python tools/i18n.py extract        # bot/**/*.py -> bot/locales/bot.pot
    python tools/i18n.py update         # merge bot.pot into every bot/locales/<lang>/.../bot.po
    python tools/i18n.py compile        # every bot.po -> bot.mo (shipped with the package)
    python tools/i18n.py init it        # start a new language (then translate, compile)
    python tools/i18n.py all            # extract + update + compile
    python tools/i18n.py status         # per language: how many texts are still untranslated
    python tools/i18n.py fill new.json  # write translations into the .po files, then compile

fill reads {"de": {"<msgid>": "<msgstr>" or ["<form 0>", "<form 1>"], ...}, "es": ..., ...};
a msgid with a context is written "<context>\u0004<msgid>". Only entries already in a .po are
filled (run extract + update first); anything else is listed and left out.

Texts are marked in the code with _(), ngettext(singular, plural, n), pgettext(context, text)
and N_() (a module-level constant, translated where it is used); see bot/core/i18n.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.i18n import (  # noqa: E402
    DOMAIN,
    LOCALES_DIR,
    TEMPLATE,
    catalogue_languages,
    missing_translations,
)

KEYWORDS = ("_", "ngettext:1,2", "pgettext:1c,2", "N_")


def pybabel(*args: str) -> None:
    """Run one pybabel command in-process (the same code as the `pybabel` script), from the
    repository root, so the template names files as `bot/...` on every machine."""
    with contextlib.chdir(ROOT):
        CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    pybabel(
        "extract",
        "--no-default-keywords",
        *keywords,
        "--add-location=file",
        "--sort-by-file",
        "--width=100",
        "--project=b12-meal-planner-bot",
        "--version=1",
        "-o",
        str(TEMPLATE),
        "bot",
    )


def po_languages() -> list[str]:
    return sorted(
        p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    )


def update() -> None:
    for lang in po_languages():
        pybabel(
            "update",
            "-i",
            str(TEMPLATE),
            "-d",
            str(LOCALES_DIR),
            "-D",
            DOMAIN,
            "-l",
            lang,
            "--no-fuzzy-matching",
            "--ignore-obsolete",
            "--width=100",
        )


def compile_all() -> None:
    pybabel("compile", "-d", str(LOCALES_DIR), "-D", DOMAIN)


def init(lang: str) -> None:
    pybabel(
        "init", "-i", str(TEMPLATE), "-d", str(LOCALES_DIR), "-D", DOMAIN, "-l", lang, "-w", "100"
    )


def fill(path: Path) -> int:
    """Write the translations in `path` into the catalogues; returns how many were unknown."""
    data: dict[str, dict[str, str | list[str]]] = json.loads(path.read_text(encoding="utf-8"))
    unknown = 0
    for lang, entries in data.items():
        po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        with po.open("rb") as fh:
            catalog = read_po(fh)
        for key, value in entries.items():
            context, _, msgid = key.rpartition("\x04")
            message = catalog.get(msgid, context=context or None)
            if message is None:
                unknown += 1
                print(f"{lang}: not in the catalogue, left out: {key[:60]!r}")
                continue
            message.string = tuple(value) if isinstance(value, list) else value
            message.flags.discard("fuzzy")
        with po.open("wb") as fh:
            write_po(fh, catalog, width=100)
    compile_all()
    return unknown


def status() -> None:
    for lang in catalogue_languages():
        missing = missing_translations(lang)
        print(f"{lang}: {'complete' if not missing else f'{len(missing)} untranslated'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command", choices=["extract", "update", "compile", "init", "all", "status", "fill"]
    )
    parser.add_argument("lang", nargs="?", help="init: the new language's code; fill: a file")
    args = parser.parse_args(argv)
    if args.command == "init":
        if not args.lang:
            parser.error("init needs a language code, e.g. `init it`")
        init(args.lang)
    elif args.command == "fill":
        if not args.lang:
            parser.error("fill needs a JSON file")
        return 1 if fill(Path(args.lang)) else 0
    elif args.command == "status":
        status()
    else:
        if args.command in ("extract", "all"):
            extract()
        if args.command in ("update", "all"):
            update()
        if args.command in ("compile", "all"):
            compile_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
