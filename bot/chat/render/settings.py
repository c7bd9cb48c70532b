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
from bot.core.i18n import N_, _, fmt_time, pgettext
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
    Diet,
    RecipeSet,
    Slot,
    TargetPreset,
    UserSettings,
)

# Words for the settings a user chose (region, life stage, absorption), shared with the
# onboarding questions that ask for them.
# English, translated at use: _(LIFE_STAGE_WORD[...]).
LIFE_STAGE_WORD: dict[str, str] = {
    LIFE_STAGE_NONE: N_("not pregnant, breastfeeding or over 50"),
    PREGNANT: N_("pregnant"),
    BREASTFEEDING: N_("breastfeeding"),
    OVER_50: N_("over 50"),
}

ABSORPTION_WORD: dict[str, str] = {
    ABSORPTION_NORMAL: N_("no known problem"),
    ABSORPTION_IMPAIRED: N_("a condition or medicine that lowers absorption"),
    ABSORPTION_INJECTIONS: N_("B12 injections"),
}

REGION_WORD: dict[str, str] = {
    "uk": N_("the UK"),
    "eu": N_("the EU"),
    "us": N_("the US"),
    REGION_ANY: N_("not set (I use the lowest value of any region)"),
}

DIET_WORD: dict[Diet, str] = {
    Diet.OMNIVORE: N_("omnivore"),
    Diet.PESCATARIAN: N_("pescatarian"),
    Diet.VEGETARIAN: N_("vegetarian"),
    Diet.VEGAN: N_("vegan"),
}

# A meal as a word in a list ("breakfast, lunch"); `slot_title` names it on its button.
SLOT_WORD: dict[Slot, str] = {
    Slot.BREAKFAST: N_("breakfast"),
    Slot.LUNCH: N_("lunch"),
    Slot.DINNER: N_("dinner"),
    Slot.SNACK: N_("snack"),
}


def _word(words: dict[str, str], key: str) -> str:
    """A stored setting in the user's language; a value with no word is shown as stored."""
    return _(words[key]) if key in words else key


def back_button() -> InlineKeyboardButton:
    """⬅️ Back to the /settings screen."""
    return InlineKeyboardButton(
        "⬅️ " + pgettext("button", "Back"), callback_data=callback("menu", "main")
    )


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
    if preset is None:
        return _("{amount} µg/day").format(amount=fmt_ug(user.target_ug))
    return _("{amount} µg/day ({source})").format(
        amount=fmt_ug(user.target_ug), source=preset_source_text(preset)
    )


def slots_label(slots: Iterable[Slot]) -> str:
    return ", ".join(_(SLOT_WORD[s]) for s in slots)


def slot_title(slot: Slot) -> str:
    """ "Breakfast": a meal on its own, as on its button."""
    titles = {
        Slot.BREAKFAST: pgettext("meal", "Breakfast"),
        Slot.LUNCH: pgettext("meal", "Lunch"),
        Slot.DINNER: pgettext("meal", "Dinner"),
        Slot.SNACK: pgettext("meal", "Snack"),
    }
    return titles[slot]


def exclusion_names(terms: Iterable[str], recipes: RecipeSet | None) -> list[str]:
    """What a user left out, as they said it: groups ("soy", "tree nuts") then foods."""
    return term_labels(terms, recipes.ingredients if recipes is not None else {}, full=True)


def settings_summary(user: UserSettings, recipes: RecipeSet | None = None) -> str:
    excluded = join_names(exclusion_names(user.exclude, recipes)) if user.exclude else _("nothing")
    pushes = (
        _("daily at {time}").format(time=fmt_time(user.push_time))
        if user.push_enabled
        else _("paused (/settings to resume)")
    )
    region = _(REGION_WORD[user.region or REGION_ANY])
    cook_text = (
        pgettext("cooking time", "any")
        if user.max_cook_min is None
        else _("{minutes} min").format(minutes=user.max_cook_min)
    )
    return "\n".join(
        [
            _("Diet: <b>{diet}</b>").format(diet=esc(_(DIET_WORD[user.diet]))),
            _("B12 target: <b>{target}</b>").format(target=esc(target_text(user))),
            _("Life stage: {stage}").format(stage=esc(_word(LIFE_STAGE_WORD, user.life_stage))),
            _("B12 absorption: {absorption}").format(
                absorption=esc(_word(ABSORPTION_WORD, user.absorption))
            ),
            _("Food bought in: {region}").format(region=esc(region)),
            _("Meals: {meals}").format(meals=esc(slots_label(user.slots))),
            _("Daily energy: {energy}").format(energy=esc(describe_energy(user.kcal_range))),
            _("Max cooking time: {minutes}").format(minutes=cook_text),
            _("Excluded: {foods}").format(foods=esc(excluded)),
            _("Time zone: {zone}").format(zone=esc(user.timezone)),
            _("Daily plan: {when}").format(when=esc(pushes)),
        ]
    )


def _settings_button(icon: str, label: str, *data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(f"{icon} {label}", callback_data=callback(*data))


def render_settings(
    user: UserSettings, recipes: RecipeSet | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    text = "⚙️ <b>" + _("Your settings") + f"</b>\n\n{settings_summary(user, recipes)}"
    pause = (
        _settings_button("⏸", _("Pause daily plan"), "push", "off")
        if user.push_enabled
        else _settings_button("▶️", _("Resume daily plan"), "push", "on")
    )
    pages = [
        _settings_button("🥗", pgettext("button", "Diet"), "menu", "diet"),
        _settings_button("🎯", pgettext("button", "Target · life stage"), "menu", "tgt"),
        _settings_button("🛒", pgettext("button", "Food region"), "menu", "reg"),
        _settings_button("🩺", pgettext("button", "Absorption"), "menu", "abs"),
        _settings_button("🍽", pgettext("button", "Meals"), "menu", "meals"),
        _settings_button("🚫", pgettext("button", "Exclusions"), "menu", "excl"),
        _settings_button("⏰", pgettext("button", "Time"), "menu", "time"),
        _settings_button("🌍", pgettext("button", "Time zone"), "menu", "tz"),
        _settings_button("⚡", pgettext("button", "Daily energy"), "kcal", "menu"),
        _settings_button("⏱", pgettext("button", "Cooking time"), "cook", "menu"),
        _settings_button("📬", pgettext("button", "Weekly summary"), "wk", "menu"),
        _settings_button("🌐", _("Language"), "lang", "menu"),  # bot.chat.handlers.language
    ]
    rows = [pages[i : i + 2] for i in range(0, len(pages), 2)]
    markup = InlineKeyboardMarkup([*rows, [pause]])
    return text, markup


def meals_keyboard(user: UserSettings) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if slot in user.slots else "➕ ") + slot_title(slot),
                callback_data=callback("slot", slot.value),
            )
        ]
        for slot in SLOT_ORDER
    ]
    rows.append([back_button()])
    return InlineKeyboardMarkup(rows)


def render_meals_question(user: UserSettings) -> str:
    return (
        _("Meals planned each day: <b>{meals}</b>.").format(meals=esc(slots_label(user.slots)))
        + "\n"
        + _("Tap to switch a meal on or off (a snack helps spread B12 over the day).")
    )


def render_exclusions(user: UserSettings, recipes: RecipeSet) -> str:
    if user.exclude:
        names = "\n".join(f"• {esc(name)}" for name in exclusion_names(user.exclude, recipes))
        current = _("Left out now:") + f"\n{names}\n\n" + _("Tap one below to bring it back.")
    else:
        current = _("Nothing is left out now.")
    return (
        "🚫 <b>"
        + _("Exclusions")
        + f"</b>\n{current}\n\n"
        + _(
            "Leave foods out with <code>/exclude {example}</code> and bring them back with "
            "<code>/include {single}</code>."
        ).format(example=esc(_("peanuts, tofu")), single=esc(_("tofu")))
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
    rows.append(
        [
            InlineKeyboardButton(
                "⚠️ " + pgettext("button", "Allergens"), callback_data=callback("alg", "s", "show")
            )
        ]
    )
    if back:
        rows.append([back_button()])
    return InlineKeyboardMarkup(rows) if rows else None
