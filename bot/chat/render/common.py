"""Texts for the general commands and messages: /help, /about, unknown commands, free text,
health questions typed as text, and messages the bot cannot read; no handlers, no I/O.

The command list for Telegram's menu (`COMMANDS`) lives here too, next to /help that
describes the same commands.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import DISCLAIMER, button_label, callback, esc
from bot.core.faq import faq_entry
from bot.core.i18n import N_, _
from bot.core.recipe_search import quote

# Telegram's command menu: descriptions translated where the menu is set (handlers.common)
COMMANDS: tuple[tuple[str, str], ...] = (
    ("today", N_("Today's plan")),
    ("tomorrow", N_("Tomorrow's plan")),
    ("week", N_("Seven days at a glance")),
    ("shopping", N_("Shopping list (/shopping 3 for 3 days)")),
    ("recipe", N_("A recipe: /recipe salmon")),
    ("family", N_("Plan for your household, invite family")),
    ("settings", N_("Diet, target, life stage, food region, meals, time")),
    ("help", N_("What I can do")),
    ("about", N_("Data sources and disclaimer")),
    ("energy", N_("Daily calories the plans add up to")),
    ("stop", N_("Stop the daily plan")),
    # tracking
    ("log", N_("Tick off today's meals")),
    ("progress", N_("Your B12 today, 7 and 30 days, with a chart")),
    ("levels", N_("Lab results: /levels add serum 320 pg/mL")),
    ("remind", N_("Supplement or injection reminders")),
    ("myproducts", N_("Your fortified products' label values")),
    ("report", N_("A PDF of the last 3 months for your GP or MS team")),
    ("weekly", N_("A summary every Sunday evening: /weekly on")),
    ("faq", N_("Questions about B12 and MS")),
    ("privacy", N_("What is stored; /export and /delete")),
    ("language", N_("Language: English, Deutsch, Español, Français")),
)

# The bot's profile texts (Telegram: at most 512 and 120 characters)
DESCRIPTION = N_(
    "I plan meals that reach your daily vitamin B12 target from food, and send you the plan "
    "every morning. For people with MS and their families. Information, not medical advice: "
    "talk to your GP or MS team about supplements, injections and lab results."
)
SHORT_DESCRIPTION = N_("Daily meal plans that reach your vitamin B12 target.")


def command_menu() -> list[tuple[str, str]]:
    """The command menu in the current language."""
    return [(command, _(description)) for command, description in COMMANDS]


def render_help() -> str:
    return "\n".join(
        [
            _(
                "<b>What I do</b>: I plan your meals so you reach your daily vitamin B12 target "
                "from food (eggs, fish, dairy, fortified plant milks, cereals, nutritional "
                "yeast), and send you the plan every morning."
            ),
            "",
            _("/today · /tomorrow: the day's plan (tap 🔁 to swap a meal)"),
            _("/week: seven days at a glance"),
            _("/shopping [days]: shopping list, e.g. <code>/shopping 3</code>"),
            _("/recipe &lt;name&gt;: a recipe, e.g. <code>/recipe porridge</code>"),
            _("/family: one plan for your household; invite family with a link"),
            _(
                "/settings: diet, target and life stage, absorption, food region, meals, push "
                "time, time zone, pause"
            ),
            _("/target 3.5 · /time 06:45 · /timezone Europe/Berlin"),
            _("/exclude peanuts, tofu · /include tofu"),
            _("/energy 1800-2200: whole days in a calorie range (off: B12-focused meals)"),
            _("/stop: no more daily plans (your data stays until /delete)"),
            _("/about: data sources and disclaimer"),
            _("/language: English, Deutsch, Español, Français"),
            "",
            _(
                "<b>Tracking</b>: /log tick off meals · /ate &lt;dish or µg&gt; · /took 1000 · "
                "/progress · /levels · /remind · /myproducts · /evening · /faq · /privacy · "
                "/export · /delete"
            ),
            _("/report: a PDF of the last 3 months to show your GP or MS team"),
            _("/weekly on: a short summary every Sunday evening"),
            "",
            f"<i>{esc(_(DISCLAIMER))}</i>",
        ]
    )


def render_about() -> str:
    return "\n".join(
        [
            "<b>" + _("About this bot") + "</b>",
            _(
                "It builds daily meal plans that reach a vitamin B12 intake target, checked in "
                "code for every plan, and spreads B12 over meals because the gut absorbs only "
                "about 1.5–2 µg per meal."
            ),
            "",
            _(
                "<b>Data</b>: nutrients from the USDA National Nutrient Database for Standard "
                "Reference, Release 28 (SR28); fortified foods missing from SR28 (nutritional "
                "yeast, some plant milks) use typical product label values, which vary by brand."
            ),
            _(
                "<b>Targets</b>: 2.4 µg/day adults, 2.6 pregnancy, 2.8 breastfeeding (US "
                "Institute of Medicine 1998 / NIH ODS); 4.0, 4.5 and 5.0 µg/day adequate intakes "
                "(EFSA 2015); 1.5 µg/day (UK RNI, COMA 1991); at least 3 µg/day for vegans "
                "(Vegan Society)."
            ),
            _("<b>Lab bands</b>: NICE NG239 (2024)."),
            # the shares are placeholders: a "%" inside a text reads as a %-format to gettext
            _(
                "<b>Absorption estimate</b>: IOM 1998 and Adams 1971 (about {half} of 1 µg, "
                "{fifth} of 5 µg absorbed)."
            ).format(half="50 %", fifth="20 %"),
            "",
            _(
                "<b>Not medical advice.</b> B12 does not treat MS, and B12 deficiency symptoms "
                "can look like MS symptoms. Talk to your clinician about testing, supplements, "
                "injections and lab results."
            ),
        ]
    )


def render_unknown_command(command: str) -> str:
    return _(
        "I don't know the command {command}. Send /help for the list, or /today for today's plan."
    ).format(command=esc(quote(command)))


def render_free_text() -> str:
    return _(
        "I work with commands: /today for today's plan, /week for the week, "
        "/recipe &lt;name&gt; for a recipe, /settings to change things, /help for everything."
    )


CLINICIAN_LINE = N_("For doses, injections and lab results, talk to your clinician.")


SYMPTOM_LINES = (
    N_("I can't assess symptoms."),
    N_(
        "<b>New or worsening numbness, weakness, balance, vision or memory problems: contact "
        "your GP or MS team soon</b>, today if they came on suddenly or are severe. For sudden, "
        "severe symptoms call emergency services."
    ),
    N_("B12 does not treat MS. /faq has general information on B12."),
)


LAB_LINES = (
    N_(
        "To keep a lab result, add it with /levels add, e.g. "
        "<code>/levels add serum 320 ng/L</code> (the marker, number and unit from your report)."
    ),
    N_("I can't say what a result means for you: talk to your GP or MS team about it."),
)


def render_health_free_text(
    faq_keys: Sequence[str], *, symptoms: bool = False, lab_result: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Answer to a typed health question ("how much b12 for MS?"): the bot does not give
    personal advice, so it points to the sourced /faq entries and to the clinician.
    With `symptoms` ("numbness in my legs") it first says where to turn, and how soon; with
    `lab_result` ("my B12 is 150") it shows how to record the result with /levels, without
    reading anything into the number."""
    entries = [e for e in (faq_entry(k) for k in faq_keys) if e is not None]
    if symptoms:
        lines = [_(line) for line in SYMPTOM_LINES]
    elif lab_result:
        lines = [_(line) for line in LAB_LINES]
    else:
        lines = [
            _("I can't give personal health advice, but /faq has short, sourced answers on B12.")
        ]
    if entries:
        lines.append(_("These look closest to yours:"))
        lines += [f"• {esc(e.question)} (<code>/faq {esc(e.key)}</code>)" for e in entries]
    lines.append(_(CLINICIAN_LINE))
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
    return _(
        "I can't read {kind}, only text and commands. Send /today for today's plan, "
        "/help for everything I can do. To set your time zone, send your 📍 location."
    ).format(kind=esc(kind))
