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
from bot.core.recipe_search import quote

COMMANDS: tuple[tuple[str, str], ...] = (
    ("today", "Today's plan"),
    ("tomorrow", "Tomorrow's plan"),
    ("week", "Seven days at a glance"),
    ("shopping", "Shopping list (/shopping 3 for 3 days)"),
    ("recipe", "A recipe: /recipe salmon"),
    ("family", "Plan for your household, invite family"),
    ("settings", "Diet, target, life stage, food region, meals, time"),
    ("help", "What I can do"),
    ("about", "Data sources and disclaimer"),
    ("energy", "Daily calories the plans add up to"),
    ("stop", "Stop the daily plan"),
    # tracking
    ("log", "Tick off today's meals"),
    ("progress", "Your B12 today, 7 and 30 days, with a chart"),
    ("levels", "Lab results: /levels add serum 320 pg/mL"),
    ("remind", "Supplement or injection reminders"),
    ("myproducts", "Your fortified products' label values"),
    ("report", "A PDF of the last 3 months for your GP or MS team"),
    ("weekly", "A summary every Sunday evening: /weekly on"),
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
            "/settings: diet, target and life stage, absorption, food region, meals, push "
            "time, time zone, pause",
            "/target 3.5 · /time 06:45 · /timezone Europe/Berlin",
            "/exclude peanuts, tofu · /include tofu",
            "/energy 1800-2200: whole days in a calorie range (off: B12-focused meals)",
            "/stop: no more daily plans (your data stays until /delete)",
            "/about: data sources and disclaimer",
            "",
            "<b>Tracking</b>: /log tick off meals · /ate &lt;dish or µg&gt; · /took 1000 · "
            "/progress · /levels · /remind · /myproducts · /evening · /faq · /privacy · "
            "/export · /delete",
            "/report: a PDF of the last 3 months to show your GP or MS team",
            "/weekly on: a short summary every Sunday evening",
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
            "of Medicine 1998 / NIH ODS); 4.0, 4.5 and 5.0 µg/day adequate intakes (EFSA 2015); "
            "1.5 µg/day (UK RNI, COMA 1991); at least 3 µg/day for vegans (Vegan Society).",
            "<b>Lab bands</b>: NICE NG239 (2024).",
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
        f"I don't know the command {esc(quote(command))}. Send /help for the list, or /today for "
        "today's plan."
    )


def render_free_text() -> str:
    return (
        "I work with commands: /today for today's plan, /week for the week, "
        "/recipe &lt;name&gt; for a recipe, /settings to change things, /help for everything."
    )


CLINICIAN_LINE = "For doses, injections and lab results, talk to your clinician."


SYMPTOM_LINES = (
    "I can't assess symptoms.",
    "<b>New or worsening numbness, weakness, balance, vision or memory problems: contact your "
    "GP or MS team soon</b>, today if they came on suddenly or are severe. For sudden, severe "
    "symptoms call emergency services.",
    "B12 does not treat MS. /faq has general information on B12.",
)


def render_health_free_text(
    faq_keys: Sequence[str], *, symptoms: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Answer to a typed health question ("how much b12 for MS?"): the bot does not give
    personal advice, so it points to the sourced /faq entries and to the clinician.
    With `symptoms` ("numbness in my legs") it first says where to turn, and how soon."""
    entries = [e for e in (faq_entry(k) for k in faq_keys) if e is not None]
    lines = (
        list(SYMPTOM_LINES)
        if symptoms
        else ["I can't give personal health advice, but /faq has short, sourced answers on B12."]
    )
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
