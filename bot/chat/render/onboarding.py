"""Texts and keyboards for onboarding: welcome, the questions, and "all set".

No handlers, no I/O. The question keyboards (diet, target with life stage, absorption, time
zone, food region, time) serve two flows: `FLOW_ONBOARDING` goes on to the next question,
`FLOW_SETTINGS` returns to /settings.

Every target preset names the body that sets it (US RDA, EFSA, UK RNI, Vegan Society); a life
stage is chosen with its target, so pregnancy is a set of plan rules, not only a number.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.chat.render.format import DISCLAIMER, callback, esc, fmt_ug
from bot.chat.render.pickers import hour_grid, minute_grid, number_pad
from bot.chat.render.settings import REGION_WORD, settings_summary
from bot.core.exclusions import ALLERGEN_CHOICES, group_label, group_term
from bot.core.models import (
    ABSORPTION_IMPAIRED,
    ABSORPTION_INJECTIONS,
    ABSORPTION_NORMAL,
    BREASTFEEDING,
    DIET_ORDER,
    LIFE_STAGE_NONE,
    LIFE_STAGE_PRESETS,
    OVER_50,
    PREGNANT,
    REGION_ANY,
    VEGAN_DEFAULT_TARGET_UG,
    Diet,
    RecipeSet,
    TargetPreset,
    UserSettings,
)
from bot.core.plan_rules import LIFE_STAGE_NOTES
from bot.core.products import product_ingredients, unit_word
from bot.core.regions import suggest_region

DIET_LABEL: dict[Diet, str] = {
    Diet.OMNIVORE: "🍗 Omnivore",
    Diet.PESCATARIAN: "🐟 Pescatarian",
    Diet.VEGETARIAN: "🥚 Vegetarian",
    Diet.VEGAN: "🌱 Vegan",
}

# Short names of the bodies behind the presets, for buttons (the question names the sources).
PRESET_BODY: dict[str, str] = {
    "us_rda": "US RDA",
    "efsa": "EFSA",
    "uk_rni": "UK RNI",
    "vegan_society": "Vegan Society",
}
LIFE_STAGE_BUTTON: dict[str, str] = {
    PREGNANT: "🤰 Pregnant",
    BREASTFEEDING: "🤱 Breastfeeding",
    OVER_50: "🧓 Over 50",
}

LIFE_STAGE_ICON: dict[str, str] = {PREGNANT: "🤰", BREASTFEEDING: "🤱", OVER_50: "🧓"}


def life_stage_note(life_stage: str) -> str:
    """What a life stage changes in the plans (the planner's own words), said once when it is
    chosen; "" for none."""
    note = LIFE_STAGE_NOTES.get(life_stage, "")
    return f"{LIFE_STAGE_ICON[life_stage]} {note}" if note and life_stage in LIFE_STAGE_ICON else ""


def preset_by_key(key: str) -> TargetPreset | None:
    return next((p for ps in LIFE_STAGE_PRESETS.values() for p in ps if p.key == key), None)


def _body(preset: TargetPreset) -> str:
    base = next((k for k in PRESET_BODY if preset.key == k or preset.key.startswith(k + "_")), "")
    return PRESET_BODY.get(base, preset.label)


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

ALLERGY_DONE = "Done ▶️"
ALLERGY_NONE = "None, go on ▶️"


def render_welcome(first_name: str) -> str:
    name = esc(first_name) if first_name else "there"
    return (
        f"Hi {name}! 👋 I plan meals that reach your daily <b>vitamin B12</b> target and send "
        "you the plan every morning.\n\nA few quick taps. First: <b>how do you eat?</b>"
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


def render_target_question(diet: Diet | None = None) -> str:
    vegan = (
        f"\n🌱 Vegan: the Vegan Society advises at least {fmt_ug(VEGAN_DEFAULT_TARGET_UG)} µg a "
        "day, from fortified foods twice a day."
        if diet is Diet.VEGAN
        else ""
    )
    return (
        "Your daily <b>B12 target</b>, and are you pregnant, breastfeeding or over 50? "
        "Each button names who sets the number: US RDA (IOM 1998 / NIH ODS), EFSA 2015 (EU), "
        "UK RNI (COMA 1991), Vegan Society. If unsure, ask your clinician."
        f"{vegan}\nOr type your own, e.g. <code>/target 3.5</code>"
    )


def _preset_label(preset: TargetPreset, star: bool) -> str:
    number = f"{fmt_ug(preset.target_ug)} µg"
    if preset.life_stage in LIFE_STAGE_BUTTON:
        label = f"{LIFE_STAGE_BUTTON[preset.life_stage]} · {number} {_body(preset)}"
    else:
        label = f"{number} · {_body(preset)}"
    return ("⭐ " if star else "") + label


def target_keyboard(flow: str, diet: Diet | None = None) -> InlineKeyboardMarkup:
    """Adult presets two a row (the Vegan Society's first for vegans), then one row per life
    stage with its US and EFSA numbers. A tap sets the target and the life stage together."""
    adults = list(LIFE_STAGE_PRESETS[LIFE_STAGE_NONE])
    if diet is Diet.VEGAN:
        adults.sort(key=lambda p: p.target_ug != VEGAN_DEFAULT_TARGET_UG)

    def button(preset: TargetPreset, star: bool = False) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            _preset_label(preset, star), callback_data=callback("tgt", flow, preset.key)
        )

    star_first = diet is Diet.VEGAN
    buttons = [button(p, star_first and i == 0) for i, p in enumerate(adults)]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    for stage in (PREGNANT, BREASTFEEDING, OVER_50):
        rows.append([button(p) for p in LIFE_STAGE_PRESETS[stage]])
    rows.append(
        [InlineKeyboardButton("🔢 Another number", callback_data=callback("tpad", flow, ""))]
    )
    return InlineKeyboardMarkup(rows)


def target_pad(flow: str, value: str, ok: bool) -> tuple[str, InlineKeyboardMarkup]:
    """🔢 Another number: a number pad for the daily target; OK (shown when the value can be
    planned for) sets it like a preset tap with a bare number."""
    rows = number_pad(value, lambda v: callback("tpad", flow, v))
    last = [InlineKeyboardButton("◀ Back", callback_data=callback("tpad", flow, "b"))]
    if ok:
        last.append(InlineKeyboardButton("OK ✅", callback_data=callback("tgt", flow, value)))
    if flow != FLOW_ONBOARDING:
        last.append(InlineKeyboardButton("✖ Cancel", callback_data=callback("tpad", flow, "x")))
    text = (
        f"🎯 Your daily B12 target in µg: <b>{esc(value or '…')} µg</b>\n"
        "Type it with the keys (0.5 to 50). Most adults need 2.4 µg; ask your clinician if "
        "unsure."
    )
    return text, InlineKeyboardMarkup([*rows, last])


# --------------------------------------------------------------------------- absorption

ABSORPTION_CHOICES: tuple[tuple[str, str], ...] = (
    ("🩺 A condition, surgery or medicine", ABSORPTION_IMPAIRED),
    ("💉 I get B12 injections", ABSORPTION_INJECTIONS),
    ("None of these / skip", ABSORPTION_NORMAL),
)
ABSORPTION_NOTES: dict[str, str] = {
    ABSORPTION_IMPAIRED: (
        "🩺 Noted. With this, how much B12 your gut takes up from food can't be estimated, so I "
        "show no absorption estimates and never call a day on target from food. Your "
        "clinician sets your B12 treatment and dose. I still plan B12-rich meals, and /remind "
        "can remind you of doses."
    ),
    ABSORPTION_INJECTIONS: (
        "💉 Noted. Your clinician sets your injections and their dose. I still plan meals, "
        "without absorption estimates, and send no daily “short of target” messages. /remind "
        "can remind you of your injections."
    ),
    ABSORPTION_NORMAL: "Noted: food absorption estimates are shown in your plans.",
}


def render_absorption_question() -> str:
    return (
        "Optional: do you have one of these?\n"
        "• pernicious anaemia, autoimmune gastritis, or stomach or bowel surgery\n"
        "• metformin or a PPI (stomach-acid medicine), taken long-term\n"
        "Or do you get B12 injections?\n"
        "These change how much B12 the gut can take up from food, so I would stop estimating "
        "it. Your answer stays private (/privacy)."
    )


def absorption_keyboard(flow: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=callback("abs", flow, value))]
            for label, value in ABSORPTION_CHOICES
        ]
    )


# --------------------------------------------------------------------------- food region

REGION_BUTTON: dict[str, str] = {
    "uk": "🇬🇧 UK",
    "eu": "🇪🇺 EU",
    "us": "🇺🇸 US",
    REGION_ANY: "🌍 Elsewhere / not sure",
}


def render_region_question(zone_name: str | None = None, *, zone_set: bool = True) -> str:
    """Where food is bought. In onboarding it follows the time zone tap, so it confirms the
    zone first (`zone_set`); from /settings it only says what the zone suggests."""
    suggested = suggest_region(zone_name) if zone_name else None
    head = f"Time zone set: <b>{esc(zone_name)}</b>.\n" if zone_name and zone_set else ""
    hint = (
        f" Your time zone suggests {REGION_WORD[suggested]} (⭐)." if suggested is not None else ""
    )
    return (
        f"{head}<b>Where do you buy your food?</b> Fortified foods differ by country: UK and "
        "EU plant drinks have about a third of the B12 of US ones, and some cereals are sold "
        f"in one country only. I plan with what your shops sell.{hint}"
    )


def region_keyboard(flow: str, zone_name: str | None = None) -> InlineKeyboardMarkup:
    """One tap; the region the zone suggests comes first with a ⭐."""
    suggested = suggest_region(zone_name) if zone_name else None
    order = ["uk", "eu", "us"]
    if suggested is not None:
        order.remove(suggested)
        order.insert(0, suggested)
    buttons = [
        InlineKeyboardButton(
            ("⭐ " if r == suggested else "") + REGION_BUTTON[r],
            callback_data=callback("reg", flow, r),
        )
        for r in order
    ]
    other = InlineKeyboardButton(
        REGION_BUTTON[REGION_ANY], callback_data=callback("reg", flow, REGION_ANY)
    )
    return InlineKeyboardMarkup([buttons, [other]])


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


def render_time_question(zone_name: str, region: str | None = None) -> str:
    """The last question. After the region tap it confirms the region (the zone was
    confirmed one step before); otherwise the zone."""
    if region is not None:
        head = f"Food bought in: <b>{esc(REGION_WORD[region])}</b>."
    else:
        head = f"Time zone set: <b>{esc(zone_name)}</b>."
    return (
        f"{head}\nWhen should your plan arrive each morning ({esc(zone_name)})? Or type e.g. "
        "<code>/time 06:45</code>"
    )


def time_keyboard(flow: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("⭐ " if t == "07:30" else "") + t,
            callback_data=callback("time", flow, t.replace(":", "")),
        )
        for t in PUSH_TIMES
    ]
    buttons.append(InlineKeyboardButton("🕐 Other", callback_data=callback("tpick", flow, "h")))
    return InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)])


def time_picker(flow: str, hour: int | None) -> tuple[str, InlineKeyboardMarkup]:
    """🕐 Other: the hour (00-23), then the minutes; a minute tap sets the time like a preset."""
    if hour is None:
        rows = hour_grid(lambda h: callback("tpick", flow, h))
        back, text = "b", "🕐 At which hour should your daily plan arrive?"
    else:
        rows = minute_grid(hour, lambda t: callback("time", flow, t))
        back, text = "h", f"🕐 {hour:02d}:… and the minutes?"
    last = [InlineKeyboardButton("◀ Back", callback_data=callback("tpick", flow, back))]
    if flow != FLOW_ONBOARDING:
        last.append(InlineKeyboardButton("✖ Cancel", callback_data=callback("tpick", flow, "x")))
    return text, InlineKeyboardMarkup([*rows, last])


def drink_ids(recipes: RecipeSet) -> list[str]:
    """Fortified plant drinks a user can enter a label for (labelled per 100 ml)."""
    return [i.id for i in product_ingredients(recipes) if unit_word(i) == "100 ml"]


def render_drink_offer() -> str:
    return (
        "🥛 <b>Your plant drink</b>: B12 fortification differs by brand (many UK and EU "
        "drinks have 0.38 µg per 100 ml, some none). Tap the drink you use to enter the value "
        "on its label, so your plans count what you really drink."
    )


def drink_keyboard(recipes: RecipeSet) -> list[list[InlineKeyboardButton]]:
    """One button per fortified drink: a tap explains how to enter its label value."""
    return [
        [
            InlineKeyboardButton(
                f"🥛 {recipes.ingredients[i].name}"[:60], callback_data=callback("drink", i)
            )
        ]
        for i in drink_ids(recipes)
    ]


def render_drink_prompt(ingredient_name: str, ingredient_id: str, typical: float) -> str:
    return (
        f"Find “vitamin B12” in the nutrition table of your {esc(ingredient_name.lower())} "
        "and send the µg per 100 ml, like this:\n"
        f"<code>/myproducts {esc(ingredient_id)} {round(typical, 2):g}</code>\n"
        "(per 250 ml glass? divide by 2.5). No B12 on the label? Send 0. "
        "<code>/myproducts clear</code> goes back to typical values."
    )


def render_onboarding_done(
    user: UserSettings, recipes: RecipeSet | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """ "All set": the settings, when the plan comes, and for vegans the offer to enter their
    own drink's label value (fortification differs by brand and country)."""
    text = (
        "All set! 🎉\n\n"
        f"{settings_summary(user, recipes)}\n\n"
        f"You'll get your plan every day at {user.push_time.strftime('%H:%M')}. "
        "Send /today to see today's plan now.\n\n"
        f"<i>{esc(DISCLAIMER)}</i>"
    )
    rows = [[InlineKeyboardButton("📅 Today's plan", callback_data=callback("today"))]]
    if user.diet is Diet.VEGAN and recipes is not None and drink_ids(recipes):
        text += f"\n\n{render_drink_offer()}"
        rows += drink_keyboard(recipes)
    return text, InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------- allergies


def render_allergy_question(user: UserSettings, region: str | None = None) -> str:
    """The optional step: allergen groups by toggle (the EU 14 / US 9), other foods typed.
    After the region tap it confirms the region first (`region`, a REGION_WORD key)."""
    chosen = [group_label(g) for g, _ in ALLERGEN_CHOICES if group_term(g) in user.exclude]
    now = f"\nLeft out: <b>{esc(', '.join(chosen))}</b>." if chosen else ""
    head = f"Food bought in: <b>{esc(REGION_WORD[region])}</b>.\n" if region else ""
    return (
        f"{head}<b>Anything you can't or won't eat?</b> (optional)\n"
        "Tap each allergen to leave out, then Done. A group leaves out all its foods, also "
        "ones added later (🌾 gluten: wheat, rye, barley, spelt; oats are kept apart). Other "
        "foods any time: <code>/exclude tofu, mushrooms</code>.\n"
        f"<i>Labels vary: with an allergy, still read the label.</i>{now}"
    )


def allergy_keyboard(flow: str, user: UserSettings) -> InlineKeyboardMarkup:
    """A toggle per allergen group (✅ when left out), three a row, then Done / Nothing."""
    buttons = []
    for group, icon in ALLERGEN_CHOICES:
        on = group_term(group) in user.exclude
        label = f"{'✅ ' if on else icon}{group_label(group).capitalize()}"
        buttons.append(InlineKeyboardButton(label, callback_data=callback("alg", flow, group)))
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    chosen = any(group_term(g) in user.exclude for g, _ in ALLERGEN_CHOICES)
    last = ALLERGY_DONE if chosen else ALLERGY_NONE
    rows.append([InlineKeyboardButton(last, callback_data=callback("alg", flow, "done"))])
    return InlineKeyboardMarkup(rows)
