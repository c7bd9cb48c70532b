"""Formatting every render module shares; no Telegram types, no handlers, no I/O.

HTML escaping, µg and dates, versioned callback data, a plan's fingerprint, amounts as a cook
measures them, button labels and name lists, and splitting long HTML into messages.

Texts use Telegram's HTML parse mode, so everything that comes from data or from users goes
through `esc()`. Callback data is short, versioned ("v1:...") and always under Telegram's
64-byte limit, so old buttons can be recognised and answered instead of failing silently.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zlib
from collections.abc import Iterable, Sequence

from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, fmt_decimal, ngettext, pgettext
from bot.core.i18n import fmt_day as i18n_fmt_day
from bot.core.languages import localized_name
from bot.core.models import DayPlan, Profile, RecipeSet, Slot, TargetStatus, UserSettings
from bot.core.plan_rules import EPS, is_total_miss, target_status

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64
CB_VERSION = "v1"

# translate at use: _(DISCLAIMER)
DISCLAIMER = N_(
    "This is not medical advice and B12 does not treat MS. Talk to your clinician about "
    "supplements, injections and lab results."
)

SLOT_ICON: dict[Slot, str] = {
    Slot.BREAKFAST: "🌅",
    Slot.LUNCH: "🥗",
    Slot.DINNER: "🍽",
    Slot.SNACK: "🍎",
}


def esc(value: object) -> str:
    """Escape anything dynamic for HTML parse mode."""
    return html.escape(str(value), quote=True)


def fmt_ug(value: float) -> str:
    """µg for people: one decimal, two for tiny non-zero amounts so they don't show as 0.0;
    the local decimal mark in other languages ("2,4")."""
    digits = 2 if 0 < value < 0.095 else 1
    if current_language() != SOURCE_LANGUAGE:
        return fmt_decimal(value, digits)
    return f"{value:.{digits}f}"


def fmt_amount(value: float) -> str:
    """12 -> "12", 1.5 -> "1.5", 0.25 -> "0.25", 133.33 -> "133" ("1,5" in German)."""
    if current_language() != SOURCE_LANGUAGE:
        return fmt_decimal(value, 0) if value >= 10 else fmt_decimal(value, 2, trim=True)
    if value >= 10:
        return f"{round(value):d}"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def fmt_day(day: dt.date) -> str:
    """The day in short, the local way: "Tue 1 Dec", "Di., 1. Dez." (bot.core.i18n)."""
    return i18n_fmt_day(day)


def day_code(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


# Days a button may name, around the user's today: back to yesterday (last night's plan can
# still be ticked after midnight), and two weeks ahead (/week, shopping lists, inline sharing).
# Anything else is a forged or stale tap: "out of date", and nothing is planned or stored.
BUTTON_DAYS_BACK = 1
BUTTON_DAYS_AHEAD = 14
_DAY_CODE = re.compile(r"^[0-9]{8}$")


def parse_day_code(code: str, today: dt.date | None = None) -> dt.date | None:
    """The date in a YYYYMMDD button code, or None when it is not one. Given `today`, also
    None for a day outside today-BUTTON_DAYS_BACK .. today+BUTTON_DAYS_AHEAD (a forged tap)."""
    if not _DAY_CODE.match(code):
        return None
    try:
        day = dt.datetime.strptime(code, "%Y%m%d").date()
    except ValueError:
        return None
    if today is not None and not (
        today - dt.timedelta(days=BUTTON_DAYS_BACK)
        <= day
        <= today + dt.timedelta(days=BUTTON_DAYS_AHEAD)
    ):
        return None
    return day


def parse_count(text: str, digits: int = 12) -> int | None:
    """A whole number of at most `digits` ASCII digits, or None ("²" and "١" are digits to
    str.isdigit but not numbers a button or a command of ours ever carries)."""
    if not 1 <= len(text) <= digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def callback(*parts: object) -> str:
    """Versioned callback data; raises if Telegram's 64-byte limit would be exceeded."""
    data = ":".join([CB_VERSION, *(str(p) for p in parts)])
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback data too long ({len(data.encode())} bytes): {data!r}")
    return data


def plan_fingerprint(plan: DayPlan) -> str:
    """6 hex chars naming which recipes a plan has, so a button can tell it is stale."""
    key = "|".join(f"{m.slot.value}={m.recipe_id}" for m in plan.meals)
    return f"{zlib.crc32(f'{plan.date.isoformat()}|{key}'.encode()) & 0xFFFFFF:06x}"


def recipe_name(recipes: RecipeSet, recipe_id: str) -> str:
    """The recipe's name in the current language (English when it has none)."""
    recipe = recipes.recipes.get(recipe_id)
    return localized_name(recipe, current_language()) if recipe is not None else recipe_id


def day_status(plan: DayPlan, user: UserSettings | None = None) -> TargetStatus:
    """Every rule of the day checked, for the person looking at it.

    With `user`: recomputed from the meals with their current settings (diet, life stage,
    absorption; a household member's view carries their own top-ups), so a mark never rests
    on a stale number. Without: the status the planner stored, or for an old plan the rules
    its meals can show (total and absorbed). ✅ only when `met`: every rule holds.
    """
    if user is not None:
        return target_status(plan, user.profile(frozenset()))  # the rules ignore exclusions
    if plan.status is not None:
        return plan.status
    return target_status(plan, Profile(target_ug=plan.target_ug))


def target_mark(plan: DayPlan, user: UserSettings | None = None) -> str:
    """✅ every rule holds, ⚠️ a rule is missed, 🩺 the clinician manages B12 (no claim)."""
    return status_mark(day_status(plan, user))


def status_mark(status: TargetStatus) -> str:
    if status.clinician_managed:
        return "🩺"
    return "✅" if status.met else "⚠️"


def plan_meets_target(plan: DayPlan, user: UserSettings | None = None) -> bool:
    return day_status(plan, user).met


def short_ug(plan: DayPlan) -> float:
    """µg the day's total is under its target (0 when it reaches it)."""
    gap = max(plan.shortfall_ug, plan.target_ug - sum(m.b12_ug for m in plan.meals))
    return gap if gap > EPS else 0.0


def missed_rules(plan: DayPlan, status: TargetStatus) -> list[str]:
    """The rules a day misses in plain words: "0.6 µg short" for the total, then the others
    as the planner words them ("fortified B12 in 1 meal, not 2", …). Empty when met."""
    if status.met or status.clinician_managed:
        return []
    short = short_ug(plan)
    rules = [_("{amount} µg short").format(amount=fmt_ug(short))] if short > 0 else []
    # the planner's "total x of y µg" says the same as "… µg short"
    rules += [m for m in status.misses if not is_total_miss(m)]
    return rules or [_("not every rule holds")]


def status_phrase(plan: DayPlan, status: TargetStatus) -> str:
    """What follows "of your 2.4 µg target: " — "met", "0.6 µg short", or "not met — <the
    rules it misses>"."""
    if status.met:
        return pgettext("target", "met")
    rules = missed_rules(plan, status)
    if short_ug(plan) > 0:
        return "; ".join(rules)
    return _("not met — {rules}").format(rules="; ".join(rules))


def share_total_line(plan: DayPlan, status: TargetStatus) -> str:
    """A share card's last line: the total with ✅ (every rule), ⚠️ (and what it misses) or,
    when the clinician manages B12, no claim at all."""
    amount = fmt_ug(plan.b12_ug)
    if status.clinician_managed:
        return _("Total B12 {amount} µg from food").format(amount=amount)
    total = _("Total B12 {amount} µg (target {target} µg)").format(
        amount=amount, target=fmt_ug(plan.target_ug)
    )
    line = f"{status_mark(status)} {total}"
    missed = missed_rules(plan, status)
    return f"{line}: {esc('; '.join(missed))}" if missed else line


# --------------------------------------------------------------------------- amounts

_UNIT_WORD: dict[str, tuple[str, str]] = {
    "piece": ("", ""),
    "slice": ("slice", "slices"),
    "tsp": ("tsp", "tsp"),
    "tbsp": ("tbsp", "tbsp"),
    "cup": ("cup", "cups"),
    "g": ("g", "g"),
    "ml": ("ml", "ml"),
}


def _unit_word(unit: str, one: bool) -> str:
    """A unit word in the current language (not English: that reads _UNIT_WORD)."""
    n = 1 if one else 2
    if unit == "slice":
        return ngettext("slice", "slices", n)
    if unit == "cup":
        return ngettext("cup", "cups", n)
    if unit == "tsp":
        return pgettext("unit", "tsp")
    if unit == "tbsp":
        return pgettext("unit", "tbsp")
    return _UNIT_WORD.get(unit, (unit, unit))[0]


# Units cooks measure with spoons, cups or by the piece: shown as kitchen fractions.
KITCHEN_UNITS = frozenset({"tsp", "tbsp", "cup", "piece", "slice"})
# (value, glyph) a cook can measure; ⅛ only as a last resort before "a pinch"
_FRACTIONS: tuple[tuple[float, str], ...] = (
    (0.0, ""),
    (1 / 8, "⅛"),
    (1 / 4, "¼"),
    (1 / 3, "⅓"),
    (1 / 2, "½"),
    (2 / 3, "⅔"),
    (3 / 4, "¾"),
    (1.0, ""),
)
PINCH_TSP = 1 / 16  # below this a spoon measure means "a pinch"


def kitchen_amount(amount: float) -> str:
    """0.25 -> "¼", 1.5 -> "1½", 0.12 -> "⅛", 2.0 -> "2": the nearest measurable fraction."""
    whole = int(amount)
    value, glyph = min(_FRACTIONS, key=lambda f: abs(amount - whole - f[0]))
    if value == 1.0:
        whole, glyph = whole + 1, ""
    if whole == 0 and not glyph:
        return "⅛"  # something, however little, is in the dish
    return f"{whole or ''}{glyph}"


def fmt_grams(grams: float) -> str:
    """Weights as a cook reads them: 133.3 -> "133", 5.62 -> "5.6", 0.29 -> "0.3"."""
    if grams >= 10:
        return f"{round(grams):d}"
    text = f"{grams:.1f}".removesuffix(".0")
    if text == "0":
        return "<" + fmt_amount(0.1)
    if current_language() != SOURCE_LANGUAGE:
        return fmt_decimal(grams, 1, trim=True)
    return text


_LABEL_GRAMS = re.compile(r"\((\d+(?:\.\d+)?) g\)")


def topup_label_text(label: str, grams: float = 0.0) -> str:
    """A planner top-up label with its "(3.75 g)" written by `fmt_grams`, so a top-up and the
    recipe view round the same weight the same way ("(3.8 g)" in both). `grams` is the
    top-up's exact weight, used for the number in the label that is that weight; any other
    (a household member's own top-up next to the shared one, a plan note) rounds its own
    number."""

    def regrams(match: re.Match[str]) -> str:
        shown = float(match.group(1))
        weight = grams if grams > 0 and abs(float(f"{grams:.3g}") - shown) < 1e-9 else shown
        return f"({fmt_grams(weight)} g)"

    return _LABEL_GRAMS.sub(regrams, label)


def format_quantity(amount: float, unit: str) -> str:
    """A recipe line's amount: "¼ tsp", "1½ tbsp", "2 ×" (pieces), "133 g", "a pinch"."""
    singular, plural = _UNIT_WORD.get(unit, (unit, unit))
    if unit in ("tsp", "tbsp") and amount < PINCH_TSP * (3 if unit == "tbsp" else 1):
        return _("a pinch")
    if unit in KITCHEN_UNITS:
        number = kitchen_amount(amount)
        one = amount <= 1 + 1e-9
    else:
        number = fmt_grams(amount) if unit in ("g", "ml") else fmt_amount(amount)
        one = abs(amount - 1) < 1e-9
    if current_language() == SOURCE_LANGUAGE:
        word = singular if one else plural
    else:
        word = _unit_word(unit, one)
    return f"{number} {word}".rstrip() if word else f"{number} ×"


# --------------------------------------------------------------------------- labels

BUTTON_LABEL_MAX = 32  # what a phone shows of a half-width inline button


def button_label(text: str, limit: int = BUTTON_LABEL_MAX) -> str:
    """`text` if it fits in `limit` characters, else cut at a word boundary and ended with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    whole_words = text[limit - 1] == " "  # the cut falls between two words
    cut = head if whole_words or " " not in head else head.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-(") + "…"


NAME_SEPARATOR = " · "  # food names contain commas ("Tofu, firm"), so lists never use ", "


def join_names(names: Iterable[str]) -> str:
    """Names joined with " · " (plain text: escape the result)."""
    return NAME_SEPARATOR.join(names)


# --------------------------------------------------------------------------- splitting

_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|\n|[^<&\n]|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


def _open_tags_after(tokens: Sequence[str], stack: list[str]) -> list[str]:
    """The open-tag stack (full opening tags) after `tokens`, starting from `stack`."""
    stack = list(stack)
    for tok in tokens:
        if tok.startswith("<") and tok.endswith(">") and len(tok) > 2:
            match = _TAG_NAME.match(tok)
            if not match:
                continue
            if tok.startswith("</"):
                name = match.group(1).lower()
                for i in range(len(stack) - 1, -1, -1):
                    if _TAG_NAME.match(stack[i]).group(1).lower() == name:  # type: ignore[union-attr]
                        del stack[i:]
                        break
            elif not tok.endswith("/>"):
                stack.append(tok)
    return stack


def _closers(stack: Sequence[str]) -> str:
    return "".join(
        f"</{_TAG_NAME.match(tag).group(1)}>"  # type: ignore[union-attr]
        for tag in reversed(stack)
    )


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML text into messages of at most `limit` characters.

    Prefers line boundaries, then spaces; never cuts inside a tag or an entity, and closes
    tags still open at a cut and reopens them in the next part so each part is valid HTML.
    """
    if len(text) <= limit:
        return [text]
    tokens = _TOKEN.findall(text)
    parts: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(tokens):
        prefix = "".join(stack)
        budget = limit - len(prefix) - 64  # room for closing tags
        length = 0
        j = i
        last_newline = last_space = -1
        while j < len(tokens) and length + len(tokens[j]) <= budget:
            length += len(tokens[j])
            if tokens[j] == "\n":
                last_newline = j
            elif tokens[j] == " ":
                last_space = j
            j += 1
        if j < len(tokens):  # must cut: prefer a newline, then a space, past a quarter
            floor = i + (j - i) // 4
            if last_newline > floor:
                j = last_newline + 1
            elif last_space > floor:
                j = last_space + 1
        if j == i:  # a single token longer than the budget (never in our texts)
            j = i + 1
        chunk_tokens = tokens[i:j]
        new_stack = _open_tags_after(chunk_tokens, stack)
        body = prefix + "".join(chunk_tokens)
        body = body.rstrip("\n") + _closers(new_stack)
        if body.strip():
            parts.append(body)
        stack = new_stack
        i = j
    return parts
