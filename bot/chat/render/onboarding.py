"""Texts and keyboards for onboarding: welcome, the questions, and "all set".

No handlers, no I/O. The question keyboards (diet, target with life stage, absorption, time
zone, food region, time) serve two flows: `FLOW_ONBOARDING` goes on to the next question,
`FLOW_SETTINGS` returns to /settings.

Every target preset names the body that sets it (US RDA, EFSA, UK RNI, Vegan Society); a life
stage is chosen with its target, so pregnancy is a set of plan rules, not only a number.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.chat.render.format import DISCLAIMER, callback, esc, fmt_ug
from bot.chat.render.language import language_line
from bot.chat.render.pickers import hour_grid, minute_grid, number_pad
from bot.chat.render.settings import REGION_WORD, settings_summary
from bot.core.exclusions import ALLERGEN_CHOICES, excluded_ids, group_label, group_term
from bot.core.i18n import (
    N_,
    _,
    complete_languages,
    current_language,
    fmt_decimal,
    fmt_time,
    pgettext,
)
from bot.core.languages import localized_name
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

# English labels, translated at use: _(DIET_LABEL[diet])
DIET_LABEL: dict[Diet, str] = {
    Diet.OMNIVORE: N_("🍗 Omnivore"),
    Diet.PESCATARIAN: N_("🐟 Pescatarian"),
    Diet.VEGETARIAN: N_("🥚 Vegetarian"),
    Diet.VEGAN: N_("🌱 Vegan"),
}

# Short names of the bodies behind the presets, for buttons (the question names the sources).
PRESET_BODY: dict[str, str] = {
    "us_rda": "US RDA",
    "efsa": "EFSA",
    "uk_rni": "UK RNI",
    "vegan_society": "Vegan Society",
}
LIFE_STAGE_BUTTON: dict[str, str] = {
    PREGNANT: N_("🤰 Pregnant"),
    BREASTFEEDING: N_("🤱 Breastfeeding"),
    OVER_50: N_("🧓 Over 50"),
}

LIFE_STAGE_ICON: dict[str, str] = {PREGNANT: "🤰", BREASTFEEDING: "🤱", OVER_50: "🧓"}


def life_stage_note(life_stage: str) -> str:
    """What a life stage changes in the plans (the planner's own words), said once when it is
    chosen; "" for none."""
    note = LIFE_STAGE_NOTES.get(life_stage, "")
    return (
        f"{LIFE_STAGE_ICON[life_stage]} {_(note)}" if note and life_stage in LIFE_STAGE_ICON else ""
    )


def preset_by_key(key: str) -> TargetPreset | None:
    return next((p for ps in LIFE_STAGE_PRESETS.values() for p in ps if p.key == key), None)


def _body(preset: TargetPreset) -> str:
    base = next((k for k in PRESET_BODY if preset.key == k or preset.key.startswith(k + "_")), "")
    return PRESET_BODY.get(base, preset.label)


COMMON_ZONES: tuple[tuple[str, str], ...] = (
    (N_("London"), "Europe/London"),
    (N_("Berlin"), "Europe/Berlin"),
    (N_("Paris"), "Europe/Paris"),
    (N_("Madrid"), "Europe/Madrid"),
    (N_("Rome"), "Europe/Rome"),
    (N_("Helsinki"), "Europe/Helsinki"),
    (N_("New York"), "America/New_York"),
    (N_("Chicago"), "America/Chicago"),
    (N_("Denver"), "America/Denver"),
    (N_("Los Angeles"), "America/Los_Angeles"),
    (N_("São Paulo"), "America/Sao_Paulo"),
    (N_("India"), "Asia/Kolkata"),
    (N_("Tokyo"), "Asia/Tokyo"),
    (N_("Sydney"), "Australia/Sydney"),
    ("UTC", "UTC"),
)

PUSH_TIMES: tuple[str, ...] = ("06:00", "06:30", "07:00", "07:30", "08:00", "08:30", "09:00")

# Flows that share keyboards: onboarding continues to the next step, settings returns to /settings.
FLOW_ONBOARDING = "ob"
FLOW_SETTINGS = "s"

ALLERGY_DONE = N_("Done ▶️")
ALLERGY_NONE = N_("None, go on ▶️")


def _language_note() -> str:
    """One line naming the language in use and /language, when there is a choice at all."""
    return f"\n{language_line(current_language())}" if len(complete_languages()) > 1 else ""


def render_welcome(first_name: str) -> str:
    name = esc(first_name) if first_name else _("there")
    return (
        _(
            "Hi {name}! 👋 I plan meals that reach your daily <b>vitamin B12</b> target and send "
            "you the plan every morning."
        ).format(name=name)
        + _language_note()
        + "\n\n"
        + _("A few quick taps. First: <b>how do you eat?</b>")
    )


def render_welcome_back(
    user: UserSettings, recipes: RecipeSet | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    name = esc(user.first_name) if user.first_name else _("there")
    text = (
        _("Welcome back, {name}! Your settings are kept:").format(name=name)
        + f"\n\n{settings_summary(user, recipes)}\n\n"
        + _("Want to change anything?")
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "⚙️ " + _("Change settings"), callback_data=callback("menu", "main")
                )
            ],
            [InlineKeyboardButton("📅 " + _("Today's plan"), callback_data=callback("today"))],
        ]
    )
    return text, markup


def diet_keyboard(flow: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(_(DIET_LABEL[d]), callback_data=callback("diet", flow, d.value))
        for d in reversed(DIET_ORDER)
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


def render_target_question(diet: Diet | None = None) -> str:
    vegan = (
        "\n"
        + _(
            "🌱 Vegan: the Vegan Society advises at least {amount} µg a day, from fortified "
            "foods twice a day."
        ).format(amount=fmt_ug(VEGAN_DEFAULT_TARGET_UG))
        if diet is Diet.VEGAN
        else ""
    )
    return (
        _(
            "Your daily <b>B12 target</b>, and are you pregnant, breastfeeding or over 50? "
            "Each button names who sets the number: US RDA (IOM 1998 / NIH ODS), EFSA 2015 (EU), "
            "UK RNI (COMA 1991), Vegan Society. If unsure, ask your clinician."
        )
        + vegan
        + "\n"
        + _("Or type your own, e.g. <code>/target {example}</code>").format(example=fmt_ug(3.5))
    )


def _preset_label(preset: TargetPreset, star: bool) -> str:
    number = f"{fmt_ug(preset.target_ug)} µg"
    if preset.life_stage in LIFE_STAGE_BUTTON:
        label = f"{_(LIFE_STAGE_BUTTON[preset.life_stage])} · {number} {_body(preset)}"
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
        [
            InlineKeyboardButton(
                "🔢 " + _("Another number"), callback_data=callback("tpad", flow, "")
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def target_pad(flow: str, value: str, ok: bool) -> tuple[str, InlineKeyboardMarkup]:
    """🔢 Another number: a number pad for the daily target; OK (shown when the value can be
    planned for) sets it like a preset tap with a bare number."""
    rows = number_pad(value, lambda v: callback("tpad", flow, v))
    last = [_button("◀ " + pgettext("button", "Back"), callback("tpad", flow, "b"))]
    if ok:
        last.append(_button(pgettext("button", "OK") + " ✅", callback("tgt", flow, value)))
    if flow != FLOW_ONBOARDING:
        last.append(_button("✖ " + pgettext("button", "Cancel"), callback("tpad", flow, "x")))
    text = (
        _("🎯 Your daily B12 target in µg: <b>{value} µg</b>").format(value=esc(value or "…"))
        + "\n"
        + _(
            "Type it with the keys ({low} to {high}). Most adults need {adult} µg; ask your "
            "clinician if unsure."
        ).format(low=fmt_ug(0.5), high="50", adult=fmt_ug(2.4))
    )
    return text, InlineKeyboardMarkup([*rows, last])


# --------------------------------------------------------------------------- absorption

# English texts, translated at use: _(label), _(ABSORPTION_NOTES[value])
ABSORPTION_CHOICES: tuple[tuple[str, str], ...] = (
    (N_("🩺 A condition, surgery or medicine"), ABSORPTION_IMPAIRED),
    (N_("💉 I get B12 injections"), ABSORPTION_INJECTIONS),
    (N_("None of these / skip"), ABSORPTION_NORMAL),
)
ABSORPTION_NOTES: dict[str, str] = {
    ABSORPTION_IMPAIRED: N_(
        "🩺 Noted. With this, how much B12 your gut takes up from food can't be estimated, so I "
        "show no absorption estimates and never call a day on target from food. Your "
        "clinician sets your B12 treatment and dose. I still plan B12-rich meals, and /remind "
        "can remind you of doses."
    ),
    ABSORPTION_INJECTIONS: N_(
        "💉 Noted. Your clinician sets your injections and their dose. I still plan meals, "
        "without absorption estimates, and send no daily “short of target” messages. /remind "
        "can remind you of your injections."
    ),
    ABSORPTION_NORMAL: N_("Noted: food absorption estimates are shown in your plans."),
}


def render_absorption_question() -> str:
    return "\n".join(
        [
            _("Optional: do you have one of these?"),
            "• " + _("pernicious anaemia, autoimmune gastritis, or stomach or bowel surgery"),
            "• " + _("metformin or a PPI (stomach-acid medicine), taken long-term"),
            _("Or do you get B12 injections?"),
            _(
                "These change how much B12 the gut can take up from food, so I would stop "
                "estimating it. Your answer stays private (/privacy)."
            ),
        ]
    )


def absorption_keyboard(flow: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_(label), callback_data=callback("abs", flow, value))]
            for label, value in ABSORPTION_CHOICES
        ]
    )


# --------------------------------------------------------------------------- food region

REGION_BUTTON: dict[str, str] = {
    "uk": "🇬🇧 UK",
    "eu": "🇪🇺 EU",
    "us": "🇺🇸 US",
    REGION_ANY: N_("🌍 Elsewhere / not sure"),
}


def render_region_question(zone_name: str | None = None, *, zone_set: bool = True) -> str:
    """Where food is bought. In onboarding it follows the time zone tap, so it confirms the
    zone first (`zone_set`); from /settings it only says what the zone suggests."""
    suggested = suggest_region(zone_name) if zone_name else None
    head = (
        _("Time zone set: <b>{zone}</b>.").format(zone=esc(zone_name)) + "\n"
        if zone_name and zone_set
        else ""
    )
    hint = (
        " " + _("Your time zone suggests {region} (⭐).").format(region=_(REGION_WORD[suggested]))
        if suggested is not None
        else ""
    )
    return (
        head
        + _(
            "<b>Where do you buy your food?</b> Fortified foods differ by country: UK and "
            "EU plant drinks have about a third of the B12 of US ones, and some cereals are sold "
            "in one country only. I plan with what your shops sell."
        )
        + hint
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
            ("⭐ " if r == suggested else "") + _(REGION_BUTTON[r]),
            callback_data=callback("reg", flow, r),
        )
        for r in order
    ]
    other = InlineKeyboardButton(
        _(REGION_BUTTON[REGION_ANY]), callback_data=callback("reg", flow, REGION_ANY)
    )
    return InlineKeyboardMarkup([buttons, [other]])


def render_timezone_question() -> str:
    return _(
        "Your <b>time zone</b>, so the plan arrives in your morning? Tap 📍 to share your "
        "location once (only the zone is kept), pick a city, or type e.g. "
        "<code>/timezone Europe/Berlin</code>"
    )


def timezone_keyboard(flow: str) -> InlineKeyboardMarkup:
    zones = [
        InlineKeyboardButton(_(label), callback_data=callback("tz", flow, zone_name))
        for label, zone_name in COMMON_ZONES
    ]
    rows = [
        [InlineKeyboardButton("📍 " + _("Use my location"), callback_data=callback("loc", flow))]
    ]
    rows += [zones[i : i + 3] for i in range(0, len(zones), 3)]
    return InlineKeyboardMarkup(rows)


def location_request_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton("📍 " + _("Send my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def render_time_question(
    zone_name: str, region: str | None = None, *, left_out: Sequence[str] | None = None
) -> str:
    """The last question. After the allergy step it confirms what is left out (`left_out`,
    names; empty: nothing); after a region tap the region; otherwise the zone."""
    if left_out is not None:
        head = (
            _("Left out: <b>{foods}</b>.").format(foods=esc(", ".join(left_out)))
            if left_out
            else _("Nothing left out.")
        )
    elif region is not None:
        head = _("Food bought in: <b>{region}</b>.").format(region=esc(_(REGION_WORD[region])))
    else:
        head = _("Time zone set: <b>{zone}</b>.").format(zone=esc(zone_name))
    return (
        head
        + "\n"
        + _(
            "When should your plan arrive each morning ({zone})? Or type e.g. "
            "<code>/time 06:45</code>"
        ).format(zone=esc(zone_name))
    )


def time_keyboard(flow: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("⭐ " if t == "07:30" else "") + t,
            callback_data=callback("time", flow, t.replace(":", "")),
        )
        for t in PUSH_TIMES
    ]
    buttons.append(
        InlineKeyboardButton("🕐 " + _("Other"), callback_data=callback("tpick", flow, "h"))
    )
    return InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)])


def time_picker(flow: str, hour: int | None) -> tuple[str, InlineKeyboardMarkup]:
    """🕐 Other: the hour (00-23), then the minutes; a minute tap sets the time like a preset."""
    if hour is None:
        rows = hour_grid(lambda h: callback("tpick", flow, h))
        back, text = "b", "🕐 " + _("At which hour should your daily plan arrive?")
    else:
        rows = minute_grid(hour, lambda t: callback("time", flow, t))
        back, text = "h", "🕐 " + _("{hour}:… and the minutes?").format(hour=f"{hour:02d}")
    last = [_button("◀ " + pgettext("button", "Back"), callback("tpick", flow, back))]
    if flow != FLOW_ONBOARDING:
        last.append(_button("✖ " + pgettext("button", "Cancel"), callback("tpick", flow, "x")))
    return text, InlineKeyboardMarkup([*rows, last])


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def _typed_number(value: float) -> str:
    """A number as the user would type it back in a command ("1.2"; any language accepts the
    point), so the example works when copied."""
    return f"{round(value, 2):g}"


def drink_ids(recipes: RecipeSet, user: UserSettings | None = None) -> list[str]:
    """Fortified plant drinks a user can enter a label for (labelled per 100 ml); none the
    user's exclusions leave out (no soy drink for someone who left out soy)."""
    excluded = excluded_ids(user, recipes) if user is not None else frozenset()
    return [
        i.id
        for i in product_ingredients(recipes)
        if unit_word(i) == "100 ml" and i.id not in excluded
    ]


def render_drink_offer() -> str:
    return _(
        "🥛 <b>Your plant drink</b>: B12 fortification differs by brand (many UK and EU "
        "drinks have {amount} µg per 100 ml, some none). Tap the drink you use to enter the "
        "value on its label, so your plans count what you really drink."
    ).format(amount=fmt_decimal(0.38, 2))


def drink_keyboard(
    recipes: RecipeSet, user: UserSettings | None = None
) -> list[list[InlineKeyboardButton]]:
    """One button per fortified drink the user eats: a tap explains how to enter its label
    value. Names in the user's language (bot.core.languages)."""
    lang = current_language()
    return [
        [
            InlineKeyboardButton(
                f"🥛 {localized_name(recipes.ingredients[i], lang)}"[:60],
                callback_data=callback("drink", i),
            )
        ]
        for i in drink_ids(recipes, user)
    ]


def render_drink_prompt(ingredient_name: str, ingredient_id: str, typical: float) -> str:
    return (
        _(
            "Find “vitamin B12” in the nutrition table of your {drink} and send the µg per "
            "100 ml, like this:"
        ).format(drink=esc(ingredient_name.lower()))
        + f"\n<code>/myproducts {esc(ingredient_id)} {_typed_number(typical)}</code>\n"
        + _(
            "(per 250 ml glass? divide by {glass}). No B12 on the label? Send 0. "
            "<code>/myproducts clear</code> goes back to typical values."
        ).format(glass=fmt_decimal(2.5, 1))
    )


def render_onboarding_done(
    user: UserSettings, recipes: RecipeSet | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """ "All set": the settings, when the plan comes, and for vegans the offer to enter their
    own drink's label value (fortification differs by brand and country)."""
    text = (
        _("All set! 🎉")
        + f"\n\n{settings_summary(user, recipes)}\n\n"
        + _(
            "You'll get your plan every day at {time}. Send /today to see today's plan now."
        ).format(time=fmt_time(user.push_time))
        + f"\n\n<i>{esc(_(DISCLAIMER))}</i>"
    )
    rows = [[InlineKeyboardButton("📅 " + _("Today's plan"), callback_data=callback("today"))]]
    if user.diet is Diet.VEGAN and recipes is not None and drink_ids(recipes, user):
        text += f"\n\n{render_drink_offer()}"
        rows += drink_keyboard(recipes, user)
    return text, InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------- allergies


def render_allergy_question(user: UserSettings, region: str | None = None) -> str:
    """The optional step: allergen groups by toggle (the EU 14 / US 9), other foods typed.
    After the region tap it confirms the region first (`region`, a REGION_WORD key)."""
    chosen = [group_label(g) for g, _icon in ALLERGEN_CHOICES if group_term(g) in user.exclude]
    now = (
        "\n" + _("Left out: <b>{foods}</b>.").format(foods=esc(", ".join(chosen))) if chosen else ""
    )
    head = (
        _("Food bought in: <b>{region}</b>.").format(region=esc(_(REGION_WORD[region]))) + "\n"
        if region
        else ""
    )
    return (
        head
        + _("<b>Anything you can't or won't eat?</b> (optional)")
        + "\n"
        + _(
            "Tap each allergen to leave out, then Done. A group leaves out all its foods, also "
            "ones added later (🌾 gluten: wheat, rye, barley, spelt; oats are kept apart). Other "
            "foods any time: <code>/exclude tofu, mushrooms</code>."
        )
        + "\n<i>"
        + _("Labels vary: with an allergy, still read the label.")
        + "</i>"
        + now
    )


def allergy_keyboard(flow: str, user: UserSettings) -> InlineKeyboardMarkup:
    """A toggle per allergen group (✅ when left out), three a row, then Done / Nothing."""
    buttons = []
    for group, icon in ALLERGEN_CHOICES:
        on = group_term(group) in user.exclude
        label = f"{'✅ ' if on else icon}{group_label(group).capitalize()}"
        buttons.append(InlineKeyboardButton(label, callback_data=callback("alg", flow, group)))
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    chosen = any(group_term(g) in user.exclude for g, _icon in ALLERGEN_CHOICES)
    last = _(ALLERGY_DONE) if chosen else _(ALLERGY_NONE)
    rows.append([InlineKeyboardButton(last, callback_data=callback("alg", flow, "done"))])
    return InlineKeyboardMarkup(rows)
