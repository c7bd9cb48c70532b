"""How mistakes in the recipe files are reported, and the checks every file shares.

Recipe authors are the audience of every error: each `Problem` names the file, the field path
and what to write instead, and the whole set is checked before `RecipeError` is raised, so one
run of `python main.py recipes check` lists every mistake at once. Checks are hand-written (not
pydantic) because the useful hints ("did you mean 'ingredients'?", "add g_per_ml to oat_milk in
ingredients.yaml") depend on the ingredient table, which a schema cannot see.

Here: the problem types, a strict YAML reader (duplicate keys are an error) and the small
field checks used by both `bot.core.ingredient_table` and `bot.core.recipes`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

# --------------------------------------------------------------------------- problems


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the recipe set: where it is and what to do about it."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class RecipeError(ValueError):
    """The recipe set is invalid; `problems` lists every mistake found, one per line in str()."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class FileReport:
    """Collects problems for one file so checks read as `bad(field, message)`."""

    def __init__(self, sink: list[Problem], file: str) -> None:
        self.sink = sink
        self.file = file
        self.count = 0

    def bad(self, field: str, message: str) -> None:
        self.sink.append(Problem(self.file, field, message))
        self.count += 1

    def unusable(self) -> None:
        """Mark the file as not buildable when the cause was already reported elsewhere."""
        self.count += 1


# --------------------------------------------------------------------------- shared checks


def closest(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The `n` choices most like `word` (difflib ratio at least `cutoff`), best first."""
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest choice, or "" when none is close."""
    if not isinstance(word, str):
        return ""
    match = closest(word.strip().lower(), choices)
    return f" (did you mean {match[0]!r}?)" if match else ""


def is_number(value: object) -> bool:
    """A finite int or float as YAML gives it (true/false are not numbers)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def describe_value(value: object) -> str:
    """How a wrong value looks to a YAML author (a mapping often means an unquoted ': ')."""
    if isinstance(value, dict):
        return "a mapping (a ': ' inside unquoted text makes YAML read a key; quote the text)"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if value is None:
        return "nothing (the value is empty)"
    return f"{value!r}"


def number_hint(value: object) -> str:
    """Why text is not a number, when it looks like one ("1/2", "150", "150 g")."""
    if isinstance(value, str):
        text = value.strip()
        if "/" in text:
            return "; write fractions as decimals (1/2 -> 0.5)"
        if re.match(r"^-?\d+(\.\d+)?$", text):
            return "; remove the quotes"
        if re.match(r"^-?\d+(\.\d+)?\s*[^\W\d]", text):
            return "; put only the number in `amount` and the unit in `unit`"
    return ""


def check_keys(
    data: dict[Any, Any],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    prefix: str,
    report: FileReport,
    special: dict[str, str] | None = None,
) -> None:
    """Report unknown keys (with the closest valid key) and missing required keys.

    A missing key that an unknown key looks like a typo of is reported once, as the typo.
    `special` maps keys that are known mistakes to their own explanation.
    """
    allowed = required + optional
    typo_of: set[str] = set()
    for key in data:
        if key in allowed:
            continue
        shown = str(key)
        if special and shown in special:
            report.bad(prefix + shown, special[shown])
            continue
        close = closest(shown.strip().lower(), allowed)
        if close and close[0] not in data:
            typo_of.add(close[0])
            report.bad(
                prefix + shown,
                f"unknown field {shown!r}: did you mean {close[0]!r}? Rename it "
                f"(allowed fields: {', '.join(allowed)})",
            )
        else:
            report.bad(
                prefix + shown,
                f"unknown field {shown!r}{did_you_mean(shown, allowed)}; "
                f"allowed fields: {', '.join(allowed)}",
            )
    for key in required:
        if key not in data and key not in typo_of:
            report.bad(prefix + key, f"missing required field {key!r}")


def check_text(value: object, field: str, report: FileReport) -> str | None:
    """The stripped text, or None after reporting an empty or non-text value."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, str):
        report.bad(field, "must not be empty")
    else:
        report.bad(field, f"must be text, got {describe_value(value)}")
    return None


def _language_key(lang: object, field: str, report: FileReport) -> str | None:
    """`lang` when it is a supported language code, else None after saying what to write."""
    key = str(lang)
    if isinstance(lang, str) and key in SUPPORTED_LANGUAGES:
        return key
    report.bad(
        f"{field}.{key}",
        f"unknown language {key!r}{did_you_mean(key, SUPPORTED_LANGUAGES)}; use one of "
        f"{', '.join(SUPPORTED_LANGUAGES)} (text containing ': ' must be put in quotes, or YAML "
        "reads a key)",
    )
    return None


def _needs_english(value: dict[Any, Any], field: str, report: FileReport) -> None:
    if DEFAULT_LANGUAGE not in value:
        report.bad(
            f"{field}.{DEFAULT_LANGUAGE}",
            f"missing the English text ({DEFAULT_LANGUAGE}: ...): English is shown wherever a "
            "language has no text of its own",
        )


def check_localized_text(value: object, field: str, report: FileReport) -> dict[str, str] | None:
    """Text per language code: plain text is English; a mapping needs `en` and known codes."""
    if not isinstance(value, dict):
        text = check_text(value, field, report)
        return {DEFAULT_LANGUAGE: text} if text else None
    before = report.count
    texts: dict[str, str] = {}
    for lang, text in value.items():
        key = _language_key(lang, field, report)
        if key is not None:
            checked = check_text(text, f"{field}.{key}", report)
            if checked:
                texts[key] = checked
    _needs_english(value, field, report)
    return texts if report.count == before else None


def _check_text_list(value: object, field: str, what: str, report: FileReport) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        report.bad(
            field,
            f"must be a non-empty list of {what} (each line starting with '- '), "
            f"got {describe_value(value)}",
        )
        return ()
    before = report.count
    texts = [check_text(text, f"{field}[{i}]", report) for i, text in enumerate(value)]
    return tuple(t for t in texts if t) if report.count == before else ()


def check_localized_list(
    value: object, field: str, what: str, report: FileReport
) -> dict[str, tuple[str, ...]] | None:
    """Lists of text per language code (a plain list is English); every translation must have
    as many entries as the English list, so step 3 in German is step 3 in English."""
    before = report.count
    if not isinstance(value, dict):
        texts = _check_text_list(value, field, what, report)
        return {DEFAULT_LANGUAGE: texts} if report.count == before else None
    lists: dict[str, tuple[str, ...]] = {}
    for lang, entries in value.items():
        key = _language_key(lang, field, report)
        if key is not None:
            texts = _check_text_list(entries, f"{field}.{key}", what, report)
            if texts:
                lists[key] = texts
    _needs_english(value, field, report)
    english = lists.get(DEFAULT_LANGUAGE)
    for key, texts in lists.items():
        if english and len(texts) != len(english):
            report.bad(
                f"{field}.{key}",
                f"has {len(texts)} {what}, the English has {len(english)}; translate each "
                "English entry into one entry, in the same order",
            )
    return lists if report.count == before else None


def shown_path(path: Path) -> str:
    """A path as the author would type it: relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- YAML reading


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping_no_duplicates(
    loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, list | dict):
            continue  # unhashable; the base constructor raises a clear error for it
        if key in seen:
            first_line = seen[key].start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found duplicate key {key!r} (first given on line {first_line})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_no_duplicates
)


def read_yaml(path: Path, report: FileReport) -> tuple[bool, Any]:
    """Parse one file; on failure report the line and column and return (False, None)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.bad("", "is not UTF-8 text; save it as UTF-8")
        return False, None
    except OSError as exc:
        report.bad("", f"cannot be read: {exc.strerror or exc}")
        return False, None
    try:
        return True, yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        what = exc.problem or "syntax error"
        if exc.context:
            what = f"{what} ({exc.context})"
        hint = ""
        if "\t" in text and "tab" in str(exc).lower():
            hint = "; indent with spaces, not tabs"
        elif "mapping values are not allowed" in what:
            hint = "; text containing ': ' must be put in quotes"
        report.bad(f"line {line}", f"invalid YAML: {what} at line {line}, column {column}{hint}")
        return False, None
    except yaml.YAMLError as exc:
        report.bad("", f"invalid YAML: {exc}")
        return False, None
