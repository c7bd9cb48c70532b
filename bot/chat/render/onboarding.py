"""Texts and keyboards for onboarding: welcome, the four questions, and "all set".

No handlers, no I/O. The question keyboards (diet, target, time zone, time) serve two flows:
`FLOW_ONBOARDING` goes on to the next question, `FLOW_SETTINGS` returns to /settings.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.chat.render.format import DISCLAIMER, callback, esc
from bot.chat.render.settings import settings_summary
from bot.core.models import DIET_ORDER, TARGET_PRESETS, Diet, RecipeSet, UserSettings

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
