"""Texts and keyboards for /settings: the settings summary, meals and exclusions.

No handlers, no I/O. The diet, target, time zone and time questions are shared with
onboarding and live in bot.chat.render.onboarding (with `FLOW_SETTINGS` they return here).
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import button_label, callback, esc, fmt_ug, join_names
from bot.core.energy import describe as describe_energy
from bot.core.exclusions import term_group, term_label, term_labels
from bot.core.i18n import _
from bot.core.models import (
    ABSORPTION_IMPAIRED,
    ABSORPTION_INJECTIONS,
    ABSORPTION_NORMAL,
    BREASTFEEDING,
    LIFE_STAGE_NONE,
    LIFE_STAGE_PRESETS,
    OVER_50,
    PREGNANT,
    REGION_ANY,
    SLOT_ORDER,
    RecipeSet,
    Slot,
    TargetPreset,
    UserSettings,
)

# Words for the settings a user chose (region, life stage, absorption), shared with the
# onboarding questions that ask for them.
LIFE_STAGE_WORD: dict[str, str] = {
    LIFE_STAGE_NONE: "not pregnant, breastfeeding or over 50",
    PREGNANT: "pregnant",
    BREASTFEEDING: "breastfeeding",
    OVER_50: "over 50",
}

ABSORPTION_WORD: dict[str, str] = {
    ABSORPTION_NORMAL: "no known problem",
    ABSORPTION_IMPAIRED: "a condition or medicine that lowers absorption",
    ABSORPTION_INJECTIONS: "B12 injections",
}

REGION_WORD: dict[str, str] = {
    "uk": "the UK",
    "eu": "the EU",
    "us": "the US",
    REGION_ANY: "not set (I use the lowest value of any region)",
}


def preset_for(life_stage: str, target_ug: float) -> TargetPreset | None:
    """The preset a life stage and target came from (None for a typed target)."""
    return next(
        (p for p in LIFE_STAGE_PRESETS.get(life_stage, ()) if abs(p.target_ug - target_ug) < 1e-9),
        None,
    )


def preset_source_text(preset: TargetPreset) -> str:
    """ "US RDA (pregnancy), IOM 1998 / NIH ODS": the preset and who sets it."""
    return preset.with_source


def target_text(user: UserSettings) -> str:
    """ "2.6 µg/day (US RDA (pregnancy), IOM 1998 / NIH ODS)", or just the number when it
    was typed (/target 3.5)."""
    preset = preset_for(user.life_stage, user.target_ug)
    source = f" ({preset_source_text(preset)})" if preset is not None else ""
    return f"{fmt_ug(user.target_ug)} µg/day{source}"


def slots_label(slots: Iterable[Slot]) -> str:
    return ", ".join(s.value for s in slots)


def exclusion_names(terms: Iterable[str], recipes: RecipeSet | None) -> list[str]:
    """What a user left out, as they said it: groups ("soy", "tree nuts") then foods."""
    return term_labels(terms, recipes.ingredients if recipes is not None else {}, full=True)


def settings_summary(user: UserSettings, recipes: RecipeSet | None = None) -> str:
    excluded = join_names(exclusion_names(user.exclude, recipes)) if user.exclude else "nothing"
    pushes = (
        f"daily at {user.push_time.strftime('%H:%M')}"
        if user.push_enabled
        else "paused (/settings to resume)"
    )
    region = REGION_WORD[user.region or REGION_ANY]
    cook_text = "any" if user.max_cook_min is None else f"{user.max_cook_min} min"
    return "\n".join(
        [
            f"Diet: <b>{esc(user.diet.value)}</b>",
            f"B12 target: <b>{esc(target_text(user))}</b>",
            f"Life stage: {esc(LIFE_STAGE_WORD.get(user.life_stage, user.life_stage))}",
            f"B12 absorption: {esc(ABSORPTION_WORD.get(user.absorption, user.absorption))}",
            f"Food bought in: {esc(region)}",
            f"Meals: {esc(slots_label(user.slots))}",
            f"Daily energy: {esc(describe_energy(user.kcal_range))}",
            f"Max cooking time: {cook_text}",
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
                InlineKeyboardButton(
                    "🎯 Target · life stage", callback_data=callback("menu", "tgt")
                ),
            ],
            [
                InlineKeyboardButton("🛒 Food region", callback_data=callback("menu", "reg")),
                InlineKeyboardButton("🩺 Absorption", callback_data=callback("menu", "abs")),
            ],
            [
                InlineKeyboardButton("🍽 Meals", callback_data=callback("menu", "meals")),
                InlineKeyboardButton("🚫 Exclusions", callback_data=callback("menu", "excl")),
            ],
            [
                InlineKeyboardButton("⏰ Time", callback_data=callback("menu", "time")),
                InlineKeyboardButton("🌍 Time zone", callback_data=callback("menu", "tz")),
            ],
            [
                InlineKeyboardButton("⚡ Daily energy", callback_data=callback("kcal", "menu")),
                InlineKeyboardButton("⏱ Cooking time", callback_data=callback("cook", "menu")),
            ],
            [
                InlineKeyboardButton("📬 Weekly summary", callback_data=callback("wk", "menu")),
                # /language's choice (bot.chat.handlers.language)
                InlineKeyboardButton("🌐 " + _("Language"), callback_data=callback("lang", "menu")),
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
        names = "\n".join(f"• {esc(name)}" for name in exclusion_names(user.exclude, recipes))
        current = f"Left out now:\n{names}\n\nTap one below to bring it back."
    else:
        current = "Nothing is left out now."
    return (
        f"🚫 <b>Exclusions</b>\n{current}\n\n"
        "Leave foods out with <code>/exclude peanuts, tofu</code> and bring them back with "
        "<code>/include tofu</code>."
    )


MAX_INCLUDE_BUTTONS = 40  # Telegram allows 100 buttons; past 40 a screen is a wall


def exclusions_keyboard(
    user: UserSettings, recipes: RecipeSet, *, back: bool = True
) -> InlineKeyboardMarkup | None:
    """One "↩️ <group or food>" button per exclusion as the user said it (two a row), then
    ⬅️ Back; a group's button brings back the group, never foods excluded on their own."""
    known = recipes.ingredients
    terms = sorted(
        user.exclude, key=lambda t: (term_group(t) is None, term_label(t, known).lower())
    )[:MAX_INCLUDE_BUTTONS]
    short = {t: term_label(t, known) for t in terms}
    taken = [name.lower() for name in short.values()]
    buttons = []
    for t in terms:
        # two foods with one short name ("Milk, whole", "Milk, skim") keep their full names
        name = short[t] if taken.count(short[t].lower()) == 1 or t not in known else known[t].name
        data = callback("incl", t) if len(t) <= 50 else None
        if data is not None:
            buttons.append(InlineKeyboardButton(button_label(f"↩️ {name}"), callback_data=data))
    rows = [buttons[k : k + 2] for k in range(0, len(buttons), 2)]
    # the allergen toggles of set-up, from /settings (flow "s": Done comes back to /settings)
    rows.append([InlineKeyboardButton("⚠️ Allergens", callback_data=callback("alg", "s", "show"))])
    if back:
        rows.append([InlineKeyboardButton("⬅️ Back", callback_data=callback("menu", "main"))])
    return InlineKeyboardMarkup(rows) if rows else None
