"""Every message text and inline keyboard the bot sends; no handlers, no I/O.

Texts use Telegram's HTML parse mode, so everything that comes from data or from users goes
through `esc()`. Callback data is short, versioned ("v1:...") and always under Telegram's
64-byte limit, so old buttons can be recognised and answered instead of failing silently.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.core.faq import faq_entry
from bot.core.models import (
    DIET_ORDER,
    KIND_DIET,
    SLOT_ORDER,
    TARGET_PRESETS,
    DayPlan,
    Diet,
    Kind,
    Recipe,
    RecipeSet,
    Slot,
    UserSettings,
)
from bot.core.recipes import ALLERGEN_GROUPS, short_name
from bot.core.shopping import ShoppingItem

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64
CB_VERSION = "v1"

DISCLAIMER = (
    "This is not medical advice and B12 does not treat MS. Talk to your clinician about "
    "supplements, injections and lab results."
)

SLOT_ICON: dict[Slot, str] = {
    Slot.BREAKFAST: "🌅",
    Slot.LUNCH: "🥗",
    Slot.DINNER: "🍽",
    Slot.SNACK: "🍎",
}

DIET_LABEL: dict[Diet, str] = {
    Diet.OMNIVORE: "🍗 Omnivore",
    Diet.PESCATARIAN: "🐟 Pescatarian",
    Diet.VEGETARIAN: "🥚 Vegetarian",
    Diet.VEGAN: "🌱 Vegan",
}

TARGET_CHOICES: tuple[tuple[str, float], ...] = (
    ("2.4 µg · standard adult", TARGET_PRESETS["standard"]),
    ("2.6 µg · pregnant", TARGET_PRESETS["pregnancy"]),
    ("2.8 µg · breastfeeding", TARGET_PRESETS["breastfeeding"]),
    ("4.0 µg · EU (EFSA) guidance", TARGET_PRESETS["efsa"]),
)

COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("London", "Europe/London"),
    ("Berlin", "Europe/Berlin"),
    ("Paris", "Europe/Paris"),
    ("Madrid", "Europe/Madrid"),
    ("Rome", "Europe/Rome"),
    ("Helsinki", "Europe/Helsinki"),
    ("New York", "America/New_York"),
    ("Chicago", "America/Chicago"),
    ("Denver", "America/Denver"),
    ("Los Angeles", "America/Los_Angeles"),
    ("São Paulo", "America/Sao_Paulo"),
    ("India", "Asia/Kolkata"),
    ("Tokyo", "Asia/Tokyo"),
    ("Sydney", "Australia/Sydney"),
    ("UTC", "UTC"),
)

PUSH_TIMES: tuple[str, ...] = ("06:00", "06:30", "07:00", "07:30", "08:00", "08:30", "09:00")

# Flows that share keyboards: onboarding continues to the next step, settings returns to /settings.
FLOW_ONBOARDING = "ob"
FLOW_SETTINGS = "s"

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None


def esc(value: object) -> str:
    """Escape anything dynamic for HTML parse mode."""
    return html.escape(str(value), quote=True)


def fmt_ug(value: float) -> str:
    """µg for people: one decimal, two for tiny non-zero amounts so they don't show as 0.0."""
    if 0 < value < 0.095:
        return f"{value:.2f}"
    return f"{value:.1f}"


def fmt_amount(value: float) -> str:
    """12 -> "12", 1.5 -> "1.5", 0.25 -> "0.25", 133.33 -> "133"."""
    if value >= 10:
        return f"{round(value):d}"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def fmt_day(day: dt.date) -> str:
    return day.strftime("%a %-d %b")


def day_code(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def parse_day_code(code: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(code, "%Y%m%d").date()
    except ValueError:
        return None


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
    recipe = recipes.recipes.get(recipe_id)
    return recipe.name if recipe is not None else recipe_id


def target_mark(plan: DayPlan) -> str:
    return "✅" if plan_meets_target(plan) else "⚠️"


def plan_meets_target(plan: DayPlan) -> bool:
    return plan.meets_target and plan.b12_ug + 1e-9 >= plan.target_ug


# --------------------------------------------------------------------------- plans


def render_plan(
    plan: DayPlan, recipes: RecipeSet, user: UserSettings | None = None, *, title: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The day's plan: meals with their B12, total vs target, absorbed estimate, buttons."""
    lines = [f"<b>{esc(title)}</b>", ""]
    for meal in plan.meals:
        icon = SLOT_ICON.get(meal.slot, "•")
        fortified = " · fortified" if meal.fortified_b12 else ""
        lines.append(
            f"{icon} <b>{esc(meal.slot.value.capitalize())}</b>: "
            f"{esc(recipe_name(recipes, meal.recipe_id))}"
        )
        if meal.topup_item and meal.topup_label:
            label = topup_label_text(meal.topup_label, meal.topup_grams)
            lines.append(f"      ➕ plus {esc(label)} ({fmt_ug(meal.topup_b12_ug)} µg B12 top-up)")
        lines.append(f"      B12 {fmt_ug(meal.b12_ug)} µg{fortified} · {round(meal.kcal)} kcal")
    lines.append("")
    mark = target_mark(plan)
    if plan_meets_target(plan):
        lines.append(
            f"{mark} <b>B12 {fmt_ug(plan.b12_ug)} µg</b> of your {fmt_ug(plan.target_ug)} µg "
            "target: met"
        )
    else:
        short = max(plan.shortfall_ug, plan.target_ug - plan.b12_ug)
        lines.append(
            f"{mark} <b>B12 {fmt_ug(plan.b12_ug)} µg</b> of your {fmt_ug(plan.target_ug)} µg "
            f"target: {fmt_ug(short)} µg short"
        )
    lines.append(
        f"≈ {fmt_ug(plan.b12_absorbed_ug)} µg absorbed (uptake saturates per meal, "
        "so spreading B12 out helps)"
    )
    lines.append(f"{round(plan.kcal)} kcal · {round(plan.protein_g)} g protein")
    for note in plan.notes:
        lines.append(f"💡 {esc(note)}")
    return "\n".join(lines), plan_keyboard(plan)


def plan_keyboard(plan: DayPlan) -> InlineKeyboardMarkup:
    code = day_code(plan.date)
    fp = plan_fingerprint(plan)
    rows: list[list[InlineKeyboardButton]] = []
    for meal in plan.meals:
        label = meal.slot.value.capitalize()
        rows.append(
            [
                InlineKeyboardButton(
                    f"🔁 Swap {label.lower()}", callback_data=callback("swap", code, meal.slot, fp)
                ),
                InlineKeyboardButton(
                    f"📖 {label} recipe",
                    callback_data=recipe_callback(meal.recipe_id, meal.servings),
                ),
            ]
        )
    from bot.chat.render.tracking import checkoff_rows  # issue 6: ✅ eaten / ⏭ skipped per meal

    rows.extend(checkoff_rows(plan))
    rows.append(
        [
            InlineKeyboardButton("🛒 Shopping list", callback_data=callback("shop", code, 1)),
            # inline mode (switch on with @BotFather /setinline): pick a chat, drop the card
            InlineKeyboardButton("📤 Share", switch_inline_query=code),
        ]
    )
    return InlineKeyboardMarkup(rows)


def recipe_callback(recipe_id: str, servings: int = 1) -> str:
    return callback("rec", servings, recipe_id)


def render_share(plan: DayPlan, recipes: RecipeSet) -> str:
    """A button-free copy of a plan, meant to be forwarded to anyone."""
    lines = [f"<b>B12 meal plan · {esc(fmt_day(plan.date))}</b>"]
    for meal in plan.meals:
        lines.append(
            f"{SLOT_ICON.get(meal.slot, '•')} {esc(meal.slot.value.capitalize())}: "
            f"{esc(recipe_name(recipes, meal.recipe_id))} ({fmt_ug(meal.b12_ug)} µg B12)"
        )
    lines.append(
        f"{target_mark(plan)} Total B12 {fmt_ug(plan.b12_ug)} µg "
        f"(target {fmt_ug(plan.target_ug)} µg)"
    )
    return "\n".join(lines)


def week_day_gaps(plan: DayPlan, user: UserSettings | None = None) -> list[str]:
    """Short markers for a /week line: meals no recipe fits, the B12 shortfall.

    The week view has no room for the day's notes, yet a missing breakfast or a short day must
    not pass unseen; the day's plan (tap the day) carries the full explanation.
    """
    gaps: list[str] = []
    if user is not None:
        planned = {m.slot for m in plan.meals}
        missing = [s.value for s in SLOT_ORDER if s in user.slots and s not in planned]
        if missing:
            gaps.append(f"no {' or '.join(missing)} fits")
    if not plan_meets_target(plan):
        short = max(plan.shortfall_ug, plan.target_ug - plan.b12_ug)
        gaps.append(f"{fmt_ug(short)} µg short")
    return gaps


def render_week(
    plans: Sequence[DayPlan], recipes: RecipeSet, user: UserSettings | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """Seven days at a glance: daily total vs target and the dishes."""
    if not plans:
        return "No plans to show.", InlineKeyboardMarkup([])
    target = plans[0].target_ug
    lines = [f"<b>Your week</b> · target {fmt_ug(target)} µg B12 a day", ""]
    for plan in plans:
        lines.append(
            f"<b>{esc(fmt_day(plan.date))}</b> {target_mark(plan)} {fmt_ug(plan.b12_ug)} µg "
            f"(≈ {fmt_ug(plan.b12_absorbed_ug)} absorbed)"
        )
        dishes = " · ".join(esc(recipe_name(recipes, m.recipe_id)) for m in plan.meals)
        lines.append(f"   {dishes}")
        gaps = week_day_gaps(plan, user)
        if gaps:
            lines.append(f"   ⚠️ {esc(' · '.join(gaps))}")
    met = sum(plan_meets_target(p) for p in plans)
    lines.append("")
    lines.append(f"Target met on {met} of {len(plans)} days. Tap a day for its plan.")
    if any(week_day_gaps(p, user) for p in plans):
        lines.append("⚠️ marks a gap: the day's plan says why and how to close it.")
    day_buttons = [
        InlineKeyboardButton(
            p.date.strftime("%a %-d"), callback_data=callback("plan", day_code(p.date))
        )
        for p in plans
    ]
    rows = [day_buttons[i : i + 4] for i in range(0, len(day_buttons), 4)]
    rows.append(
        [
            InlineKeyboardButton(
                f"🛒 Shopping for {len(plans)} days",
                callback_data=callback("shop", day_code(plans[0].date), len(plans)),
            )
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------- recipes

_UNIT_WORD: dict[str, tuple[str, str]] = {
    "piece": ("", ""),
    "slice": ("slice", "slices"),
    "tsp": ("tsp", "tsp"),
    "tbsp": ("tbsp", "tbsp"),
    "cup": ("cup", "cups"),
    "g": ("g", "g"),
    "ml": ("ml", "ml"),
}


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
    return text if text != "0" else "<0.1"


_LABEL_GRAMS = re.compile(r"\((\d+(?:\.\d+)?) g\)")


def topup_label_text(label: str, grams: float) -> str:
    """A planner top-up label with its "(3.75 g)" written by `fmt_grams`, so a top-up and the
    recipe view round the same weight the same way ("(3.8 g)" in both)."""

    def regrams(match: re.Match[str]) -> str:
        weight = grams if grams > 0 else float(match.group(1))
        return f"({fmt_grams(weight)} g)"

    return _LABEL_GRAMS.sub(regrams, label)


def format_quantity(amount: float, unit: str) -> str:
    """A recipe line's amount: "¼ tsp", "1½ tbsp", "2 ×" (pieces), "133 g", "a pinch"."""
    singular, plural = _UNIT_WORD.get(unit, (unit, unit))
    if unit in ("tsp", "tbsp") and amount < PINCH_TSP * (3 if unit == "tbsp" else 1):
        return "a pinch"
    if unit in KITCHEN_UNITS:
        number = kitchen_amount(amount)
        word = singular if amount <= 1 + 1e-9 else plural
    else:
        number = fmt_grams(amount) if unit in ("g", "ml") else fmt_amount(amount)
        word = singular if abs(amount - 1) < 1e-9 else plural
    return f"{number} {word}".rstrip() if word else f"{number} ×"


KIND_WORD: dict[Kind, str] = {
    Kind.MEAT: "meat",
    Kind.FISH: "fish",
    Kind.SHELLFISH: "shellfish",
    Kind.EGG: "eggs",
    Kind.DAIRY: "dairy",
    Kind.HONEY: "honey",
}


def excluded_food_names(ids: Iterable[str], recipes: RecipeSet) -> list[str]:
    """ "Pasta (gluten, wheat)", "Carrots": short names with the allergen groups that explain
    why a food is left out (exclusions are stored as ids, so the group word the user typed is
    gone; the ingredient's own allergen groups are the closest honest account)."""
    shown: set[str] = set()
    for item in ids:
        ing = recipes.ingredients.get(item)
        if ing is None:
            shown.add(item.replace("_", " "))
            continue
        groups = sorted(g.replace("_", " ") for g in ing.groups if g in ALLERGEN_GROUPS)
        shown.add(f"{short_name(ing)} ({', '.join(groups)})" if groups else short_name(ing))
    return sorted(shown, key=str.lower)


def not_in_plan_line(recipe: Recipe, recipes: RecipeSet, user: UserSettings) -> str | None:
    """Why a looked-up dish would never be planned for this user (diet, exclusions), or None."""
    reasons = []
    kinds = {
        ing.kind
        for ing in (recipes.ingredients.get(i) for i in recipe.item_ids)
        if ing is not None and not user.diet.allows(KIND_DIET[ing.kind])
    }
    if kinds:
        words = " and ".join(sorted(KIND_WORD.get(k, k.value) for k in kinds))
        reasons.append(f"contains {words} (you're {user.diet.value})")
    excluded = recipe.item_ids & user.exclude
    if excluded:
        names = excluded_food_names(excluded, recipes)
        it = "it" if len(names) == 1 else "them"
        reasons.append(f"contains {' and '.join(names)} — you left {it} out")
    if not reasons:
        return None
    return f"⚠️ Not in your plan: {esc('; '.join(reasons))}."


def render_recipe(
    recipe: Recipe, recipes: RecipeSet, servings: int = 1, user: UserSettings | None = None
) -> str:
    """Ingredients scaled to `servings`, the steps, and B12 + kcal per serving; with `user`,
    a first line when the dish is outside their diet or exclusions."""
    servings = max(1, servings)
    factor = servings / recipe.servings
    people = "1 serving" if servings == 1 else f"{servings} servings"
    lines = [
        f"📖 <b>{esc(recipe.name)}</b>",
        f"{people} · {recipe.time_min} min · {esc(recipe.diet.value)}",
    ]
    conflict = not_in_plan_line(recipe, recipes, user) if user is not None else None
    if conflict:
        lines.append(conflict)
    lines += [
        "",
        f"<b>Per serving:</b> B12 {fmt_ug(recipe.b12_ug)} µg · "
        f"{round(recipe.per_serving.kcal)} kcal · {round(recipe.per_serving.protein_g)} g protein",
    ]
    if recipe.main_b12_source:
        source = recipes.ingredients.get(recipe.main_b12_source)
        name = source.name if source is not None else recipe.main_b12_source
        lines.append(f"Main B12 source: {esc(name)}")
    if recipe.fortified_b12:
        lines.append(
            "<i>B12 partly from a fortified product (typical label value): check your own "
            "product's label.</i>"
        )
    lines += ["", "<b>Ingredients</b>"]
    for line in recipe.ingredients:
        ing = recipes.ingredients.get(line.item)
        name = ing.name if ing is not None else line.item
        qty = format_quantity(line.amount * factor, line.unit)
        grams = ""
        if line.unit not in ("g", "ml"):
            grams = f" ({fmt_grams(line.grams_total * factor)} g)"
        lines.append(f"• {esc(qty)} {esc(name)}{esc(grams)}")
    lines += ["", "<b>Steps</b>"]
    for number, step in enumerate(recipe.steps, start=1):
        lines.append(f"{number}. {esc(step)}")
    return "\n".join(lines)


def render_recipe_matches(
    query: str, matches: Sequence[Recipe]
) -> tuple[str, InlineKeyboardMarkup]:
    if not matches:
        return (
            f"I found no recipe matching “{esc(query)}”. Try a word from a dish name, "
            "e.g. <code>/recipe salmon</code>, or send /today to see today's dishes.",
            InlineKeyboardMarkup([]),
        )
    rows = [
        [InlineKeyboardButton(f"📖 {r.name}"[:60], callback_data=recipe_callback(r.id))]
        for r in matches
    ]
    return f"Which recipe do you mean by “{esc(query)}”?", InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------- shopping


def render_shopping(by_aisle: Mapping[str, Sequence[ShoppingItem]], *, title: str) -> str:
    """Shopping list grouped by aisle in shop order (as bot.core.shopping.shopping_by_aisle gives)."""
    lines = [f"🛒 <b>{esc(title)}</b>"]
    for aisle, items in by_aisle.items():
        if not items:
            continue
        lines += ["", f"<b>{esc(aisle)}</b>"]
        for item in items:
            note = " <i>(must be the fortified kind)</i>" if item.fortified else ""
            lines.append(f"☐ {esc(item.name)}: {esc(item.display)}{note}")
    if len(lines) == 1:
        lines.append("Nothing to buy.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- static texts

COMMANDS: tuple[tuple[str, str], ...] = (
    ("today", "Today's plan"),
    ("tomorrow", "Tomorrow's plan"),
    ("week", "Seven days at a glance"),
    ("shopping", "Shopping list (/shopping 3 for 3 days)"),
    ("recipe", "A recipe: /recipe salmon"),
    ("family", "Plan for your household, invite family"),
    ("settings", "Diet, target, meals, time, zone, pushes"),
    ("help", "What I can do"),
    ("about", "Data sources and disclaimer"),
    ("stop", "Stop the daily plan"),
    # issue 6: tracking
    ("log", "Tick off today's meals"),
    ("progress", "Your B12 today, 7 and 30 days, with a chart"),
    ("levels", "Lab results: /levels add serum 320 pg/mL"),
    ("remind", "Supplement or injection reminders"),
    ("myproducts", "Your fortified products' label values"),
    ("faq", "Questions about B12 and MS"),
    ("privacy", "What is stored; /export and /delete"),
)


def render_help() -> str:
    return "\n".join(
        [
            "<b>What I do</b>: I plan your meals so you reach your daily vitamin B12 target "
            "from food (eggs, fish, dairy, fortified plant milks, cereals, nutritional yeast), "
            "and send you the plan every morning.",
            "",
            "/today · /tomorrow: the day's plan (tap 🔁 to swap a meal)",
            "/week: seven days at a glance",
            "/shopping [days]: shopping list, e.g. <code>/shopping 3</code>",
            "/recipe &lt;name&gt;: a recipe, e.g. <code>/recipe porridge</code>",
            "/family: one plan for your household; invite family with a link",
            "/settings: diet, target, meals, push time, time zone, pause",
            "/target 3.5 · /time 06:45 · /timezone Europe/Berlin",
            "/exclude peanuts, tofu · /include tofu",
            "/stop: no more daily plans (your data stays until /delete)",
            "/about: data sources and disclaimer",
            "",
            "<b>Tracking</b>: /log tick off meals · /ate &lt;dish or µg&gt; · /took 1000 · "
            "/progress · /levels · /remind · /myproducts · /evening · /faq · /privacy · "
            "/export · /delete",
            "",
            f"<i>{esc(DISCLAIMER)}</i>",
        ]
    )


def render_about() -> str:
    return "\n".join(
        [
            "<b>About this bot</b>",
            "It builds daily meal plans that reach a vitamin B12 intake target, checked in "
            "code for every plan, and spreads B12 over meals because the gut absorbs only "
            "about 1.5–2 µg per meal.",
            "",
            "<b>Data</b>: nutrients from the USDA National Nutrient Database for Standard "
            "Reference, Release 28 (SR28); fortified foods missing from SR28 (nutritional "
            "yeast, some plant milks) use typical product label values, which vary by brand.",
            "<b>Targets</b>: 2.4 µg/day adults, 2.6 pregnancy, 2.8 breastfeeding (US Institute "
            "of Medicine 1998 / NIH ODS); 4.0 µg/day adequate intake (EFSA 2015).",
            "<b>Absorption estimate</b>: IOM 1998 and Adams 1971 (about 50 % of 1 µg, 20 % of "
            "5 µg absorbed).",
            "",
            "<b>Not medical advice.</b> B12 does not treat MS, and B12 deficiency symptoms can "
            "look like MS symptoms. Talk to your clinician about testing, supplements, "
            "injections and lab results.",
        ]
    )


def render_unknown_command(command: str) -> str:
    return (
        f"I don't know the command {esc(command)}. Send /help for the list, or /today for "
        "today's plan."
    )


def render_free_text() -> str:
    return (
        "I work with commands: /today for today's plan, /week for the week, "
        "/recipe &lt;name&gt; for a recipe, /settings to change things, /help for everything."
    )


CLINICIAN_LINE = "For doses, injections and lab results, talk to your clinician."


def render_health_free_text(
    faq_keys: Sequence[str],
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Answer to a typed health question ("how much b12 for MS?"): the bot does not give
    personal advice, so it points to the sourced /faq entries and to the clinician."""
    entries = [e for e in (faq_entry(k) for k in faq_keys) if e is not None]
    lines = ["I can't give personal health advice, but /faq has short, sourced answers on B12."]
    if entries:
        lines.append("These look closest to yours:")
        lines += [f"• {esc(e.question)} (<code>/faq {esc(e.key)}</code>)" for e in entries]
    lines.append(CLINICIAN_LINE)
    rows = [
        [
            InlineKeyboardButton(
                button_label(f"❓ {e.question}"), callback_data=callback("faq", e.key)
            )
        ]
        for e in entries
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def render_other_message(kind: str) -> str:
    """Answer to a sticker, photo, voice message, file...: say what works instead of silence."""
    return (
        f"I can't read {esc(kind)}, only text and commands. Send /today for today's plan, "
        "/help for everything I can do. To set your time zone, send your 📍 location."
    )


# --------------------------------------------------------------------------- onboarding + settings


def render_welcome(first_name: str) -> str:
    name = esc(first_name) if first_name else "there"
    return (
        f"Hi {name}! 👋 I plan meals that reach your daily <b>vitamin B12</b> target and send "
        "you the plan every morning.\n\nFour quick questions. First: <b>how do you eat?</b>"
    )


def render_welcome_back(
    user: UserSettings, recipes: RecipeSet | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    name = esc(user.first_name) if user.first_name else "there"
    text = (
        f"Welcome back, {name}! Your settings are kept:\n\n"
        f"{settings_summary(user, recipes)}\n\n"
        "Want to change anything?"
    )
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("⚙️ Change settings", callback_data=callback("menu", "main"))],
            [InlineKeyboardButton("📅 Today's plan", callback_data=callback("today"))],
        ]
    )
    return text, markup


def diet_keyboard(flow: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(DIET_LABEL[d], callback_data=callback("diet", flow, d.value))
        for d in reversed(DIET_ORDER)
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


def render_target_question() -> str:
    return (
        "Your daily <b>B12 target</b>? Most adults: 2.4 µg. If unsure, ask your clinician.\n"
        "Or type your own, e.g. <code>/target 3.5</code>"
    )


def target_keyboard(flow: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=callback("tgt", flow, f"{value:g}"))]
            for label, value in TARGET_CHOICES
        ]
    )


def render_timezone_question() -> str:
    return (
        "Your <b>time zone</b>, so the plan arrives in your morning? Tap 📍 to share your "
        "location once (only the zone is kept), pick a city, or type e.g. "
        "<code>/timezone Europe/Berlin</code>"
    )


def timezone_keyboard(flow: str) -> InlineKeyboardMarkup:
    zones = [
        InlineKeyboardButton(label, callback_data=callback("tz", flow, zone_name))
        for label, zone_name in COMMON_ZONES
    ]
    rows = [[InlineKeyboardButton("📍 Use my location", callback_data=callback("loc", flow))]]
    rows += [zones[i : i + 3] for i in range(0, len(zones), 3)]
    return InlineKeyboardMarkup(rows)


def location_request_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Send my location", request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def render_time_question(zone_name: str) -> str:
    return (
        f"Time zone set: <b>{esc(zone_name)}</b>.\nWhen should your plan arrive each "
        "morning? Or type e.g. <code>/time 06:45</code>"
    )


def time_keyboard(flow: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("⭐ " if t == "07:30" else "") + t,
            callback_data=callback("time", flow, t.replace(":", "")),
        )
        for t in PUSH_TIMES
    ]
    return InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)])


def render_onboarding_done(
    user: UserSettings, recipes: RecipeSet | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    text = (
        "All set! 🎉\n\n"
        f"{settings_summary(user, recipes)}\n\n"
        f"You'll get your plan every day at {user.push_time.strftime('%H:%M')}. "
        "Send /today to see today's plan now.\n\n"
        f"<i>{esc(DISCLAIMER)}</i>"
    )
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("📅 Today's plan", callback_data=callback("today"))]]
    )
    return text, markup


def slots_label(slots: Iterable[Slot]) -> str:
    return ", ".join(s.value for s in slots)


NAME_SEPARATOR = " · "  # food names contain commas ("Tofu, firm"), so lists never use ", "


def ingredient_names(ids: Iterable[str], recipes: RecipeSet | None) -> list[str]:
    """Display names for ingredient ids, sorted; an id unknown to `recipes` is shown readably."""
    known = recipes.ingredients if recipes is not None else {}
    return sorted(
        (known[i].name if i in known else i.replace("_", " ") for i in ids),
        key=str.lower,
    )


def join_names(names: Iterable[str]) -> str:
    """Names joined with " · " (plain text: escape the result)."""
    return NAME_SEPARATOR.join(names)


def settings_summary(user: UserSettings, recipes: RecipeSet | None = None) -> str:
    excluded = join_names(ingredient_names(user.exclude, recipes)) if user.exclude else "nothing"
    pushes = (
        f"daily at {user.push_time.strftime('%H:%M')}"
        if user.push_enabled
        else "paused (/settings to resume)"
    )
    return "\n".join(
        [
            f"Diet: <b>{esc(user.diet.value)}</b>",
            f"B12 target: <b>{fmt_ug(user.target_ug)} µg/day</b>",
            f"Meals: {esc(slots_label(user.slots))}",
            f"Excluded: {esc(excluded)}",
            f"Time zone: {esc(user.timezone)}",
            f"Daily plan: {esc(pushes)}",
        ]
    )


def render_settings(
    user: UserSettings, recipes: RecipeSet | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    text = f"⚙️ <b>Your settings</b>\n\n{settings_summary(user, recipes)}"
    pause = (
        InlineKeyboardButton("⏸ Pause daily plan", callback_data=callback("push", "off"))
        if user.push_enabled
        else InlineKeyboardButton("▶️ Resume daily plan", callback_data=callback("push", "on"))
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🥗 Diet", callback_data=callback("menu", "diet")),
                InlineKeyboardButton("🎯 Target", callback_data=callback("menu", "tgt")),
            ],
            [
                InlineKeyboardButton("🍽 Meals", callback_data=callback("menu", "meals")),
                InlineKeyboardButton("🚫 Exclusions", callback_data=callback("menu", "excl")),
            ],
            [
                InlineKeyboardButton("⏰ Time", callback_data=callback("menu", "time")),
                InlineKeyboardButton("🌍 Time zone", callback_data=callback("menu", "tz")),
            ],
            [pause],
        ]
    )
    return text, markup


def meals_keyboard(user: UserSettings) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if slot in user.slots else "➕ ") + slot.value.capitalize(),
                callback_data=callback("slot", slot.value),
            )
        ]
        for slot in SLOT_ORDER
    ]
    rows.append([InlineKeyboardButton("⬅️ Back", callback_data=callback("menu", "main"))])
    return InlineKeyboardMarkup(rows)


def render_meals_question(user: UserSettings) -> str:
    return (
        f"Meals planned each day: <b>{esc(slots_label(user.slots))}</b>.\n"
        "Tap to switch a meal on or off (a snack helps spread B12 over the day)."
    )


def render_exclusions(user: UserSettings, recipes: RecipeSet) -> str:
    if user.exclude:
        names = "\n".join(f"• {esc(name)}" for name in ingredient_names(user.exclude, recipes))
        current = f"Left out now:\n{names}\n\nTap a food below to bring it back."
    else:
        current = "Nothing is left out now."
    return (
        f"🚫 <b>Exclusions</b>\n{current}\n\n"
        "Leave foods out with <code>/exclude peanuts, tofu</code> and bring them back with "
        "<code>/include tofu</code>."
    )


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


MAX_INCLUDE_BUTTONS = 40  # Telegram allows 100 buttons; past 40 a screen is a wall


def exclusions_keyboard(
    user: UserSettings, recipes: RecipeSet, *, back: bool = True
) -> InlineKeyboardMarkup | None:
    """One "↩️ <food>" button per excluded ingredient (two a row), then ⬅️ Back."""
    known = recipes.ingredients
    items = sorted(user.exclude, key=lambda i: (known[i].name if i in known else i).lower())[
        :MAX_INCLUDE_BUTTONS
    ]
    short = {i: short_name(known[i]) if i in known else i.replace("_", " ") for i in items}
    taken = [name.lower() for name in short.values()]
    buttons = []
    for i in items:
        # two foods with one short name ("Milk, whole", "Milk, skim") keep their full names
        name = short[i] if taken.count(short[i].lower()) == 1 or i not in known else known[i].name
        buttons.append(
            InlineKeyboardButton(button_label(f"↩️ {name}"), callback_data=callback("incl", i))
        )
    rows = [buttons[k : k + 2] for k in range(0, len(buttons), 2)]
    if back:
        rows.append([InlineKeyboardButton("⬅️ Back", callback_data=callback("menu", "main"))])
    return InlineKeyboardMarkup(rows) if rows else None


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


# --------------------------------------------------------------------------- inline


SETUP_INLINE_TEXT = "Set up your plan first"


def setup_inline_button() -> InlineQueryResultsButton:
    """Shown above empty inline results for someone without a plan yet: a tap opens the private
    chat with /start start, which begins onboarding (so the empty list is never a dead end)."""
    return InlineQueryResultsButton(text=SETUP_INLINE_TEXT, start_parameter="start")
