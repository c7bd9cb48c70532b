"""End to end over local HTTP in German: a user whose Telegram app speaks German finds a German
command menu, goes through onboarding, /today, a swap, a recipe card, the shopping list, a lab
result by buttons and the morning push, with the real application (BOT_LANGUAGES=en,de,es,fr)
against the fake Bot API.

Why end to end: each module's own tests render its texts in German, but only the whole journey
shows what the user really reads — the language taken from Telegram's `language_code`, kept in
the database, set again for each update and for the push job, recipe and food names from the
recipe files, decimal commas and German dates on the wire. Every step's texts are checked for
distinctive German words and for English left over (tests/support/english_check.py), and the
failure lists every step's leftovers at once, so it says which modules still speak English.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
from e2e_bot import WAIT_S, buttons, running_bot, services_of, to_chat
from english_check import english_left, visible
from fake_bot_api import FakeBotApi
from fake_clock import Clock
from translated import in_language

from bot.chat.jobs.push import run_push_tick_now
from bot.core import i18n
from bot.core.clock import local_instant_utc
from bot.core.i18n import fmt_day
from bot.core.labs import Marker
from bot.core.languages import localized_name, localized_steps
from bot.core.models import RecipeSet
from bot.services.tracking import tracking_store

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

GRETE = 4904904
BERLIN = "Europe/Berlin"
DAY = dt.date(2026, 12, 1)  # a Tuesday: "Di., 1. Dez."
# 06:00 in Berlin: set-up and the plan before the 07:30 push
START = local_instant_utc(DAY, dt.time(6, 0), BERLIN)
DECIMAL_UG = re.compile(r"\d+,\d+ µg")
ENGLISH_DECIMAL_UG = re.compile(r"\d+\.\d+ µg")

# B12_LANGUAGE_PREVIEW=1: use the German catalogue even while some text is untranslated (the bot
# itself would speak English then), to see which modules of the journey are German already.
PREVIEW = os.environ.get("B12_LANGUAGE_PREVIEW") == "1"

# Words a German text of each step must have (one of each group), so a step that silently
# fell back to English (or to an empty message) fails even where no English word is listed.
GERMAN_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "menu": (("Ihr", "Sie"),),
    "onboarding": (("Sprache: Deutsch",), ("Wie ernähren Sie sich",), ("2,4 µg · US RDA",)),
    "today": (("Frühstück",), ("Mittagessen",), ("Abendessen",), ("Ziel",)),
    "swap": (("Mittagessen",), ("Ziel",)),
    "recipe": (("Zutaten", "Zubereitung", "Portion"),),
    "shopping": (("Einkaufsliste", "Einkauf"),),
    # the glossary's words (bot/locales/de/LC_MESSAGES/bot.po): indeterminate = nicht eindeutig
    "lab": (("gespeichert",), ("keine Diagnose",), ("nicht eindeutig",)),
    "push": (("Guten Morgen",), ("Frühstück",), ("Ziel",)),
}
# the buttons tapped, German label first (English while the language is off)
ONBOARDING_TAPS = (
    ("🌱 Vegan",),
    ("2,4 µg · US RDA", "2.4 µg · US RDA"),
    ("Nichts davon /", "None of these"),
    ("Berlin",),
    ("EU",),
    ("Nichts davon, weiter", "None, go on"),
    ("07:30",),
)
LAB_TAPS = (
    ("Aktives B12", "Active B12"),
    ("pmol/L",),
    ("3",),
    ("0",),
    (",", "."),
    ("5",),
    ("OK ✅",),
    ("Heute", "Today"),
)
# a shopping-list line as the user reads it: "☐ ★ 170 ml · Sojadrink, ungesüßt…"
SHOPPING_ITEM = re.compile(r"^[☐☑✅] (?:★ )?[^·\n]+ · (.+)$", re.MULTILINE)
SHOWN_METHODS = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")


class Journey:
    """The texts the user saw, step by step, and the names that may stay as they are."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.steps: dict[str, list[str]] = {}
        self.names: set[str] = {"Grete"}
        # English recipe and food names that differ from the German ones: never to be seen
        self.english_names: set[str] = set()
        self.current = ""
        self.problems: dict[str, list[str]] = {}
        self.toast = ""  # the answer to the last tap

    def expect(self, condition: bool, what: str) -> None:
        """A German feature of the current step; a miss is reported with the rest at the end."""
        if not condition:
            self.problems.setdefault(self.current, []).append(f"missing {what}")

    def expect_decimal_commas(self, text: str) -> None:
        self.expect(bool(DECIMAL_UG.search(text)), "a decimal comma ('2,4 µg')")
        self.expect(not ENGLISH_DECIMAL_UG.search(text), "no decimal point ('2.4 µg')")

    def step(self, name: str) -> None:
        self.current = name
        self.steps.setdefault(name, [])

    def saw(self, message: dict[str, Any] | str) -> dict[str, Any] | str:
        """Record a message's text (or a toast) and its button labels under the current step."""
        if isinstance(message, str):
            self.steps[self.current].append(message)
            return message
        text = message.get("text") or message.get("caption") or ""
        labels = [label for label, _data in buttons(message)]
        self.steps[self.current].append("\n".join([text, *labels]))
        return message

    async def say(self, text: str) -> dict[str, Any]:
        """Grete types `text`; the bot's newest message once its replies settled."""
        mark = self.api.mark()
        self.api.user_sends(GRETE, text, first_name="Grete")
        await self.api.wait_for("sendMessage", to_chat(GRETE), timeout=WAIT_S, after=mark)
        return await self._settled(mark)

    async def tap(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        """Grete taps the button with callback data `data`; the message it changed or sent."""
        mark = self.api.mark()
        self.api.user_taps(GRETE, message["message_id"], data)
        await self.api.wait_for(
            {"editMessageText", "sendMessage", "editMessageReplyMarkup"},
            to_chat(GRETE),
            timeout=WAIT_S,
            after=mark,
        )
        answer = await self.api.wait_for("answerCallbackQuery", timeout=WAIT_S, after=mark)
        self.toast = str(answer.params.get("text") or "")
        if self.toast:
            self.saw(self.toast)
        return await self._settled(mark)

    async def _settled(self, mark: int) -> dict[str, Any]:
        """Every message sent or edited since `mark` is recorded; returns the last one."""
        last: dict[str, Any] = {}
        previous = -1
        while previous != len(self.api.calls):  # replies may come in several calls
            previous = len(self.api.calls)
            await asyncio.sleep(0.3)
        for call in self.api.calls[mark:]:
            shown = call.ok and call.method in SHOWN_METHODS and isinstance(call.result, dict)
            if shown and to_chat(GRETE)(call):
                self.saw(call.result)
                last = call.result
        return last

    def leftovers(self) -> dict[str, list[str]]:
        """English left per step (after proper names)."""
        return {
            step: hits
            for step, texts in self.steps.items()
            if (
                hits := [
                    h
                    for text in texts
                    for h in english_left(text, self.names, "de", self.english_names)
                ]
            )
        }

    def missing_german(self) -> dict[str, list[str]]:
        """Per step, the German word groups none of whose words the step's texts contain."""
        missing: dict[str, list[str]] = {}
        for step, groups in GERMAN_WORDS.items():
            seen = visible("\n".join(self.steps.get(step, [])))
            absent = [" | ".join(g) for g in groups if not any(word in seen for word in g)]
            if absent:
                missing[step] = absent
        return missing


def data_matching(message: dict[str, Any], pattern: str) -> str:
    """The callback data of the first button whose data matches `pattern` (labels change
    with the language; the data does not)."""
    found = [data for _label, data in buttons(message) if re.search(pattern, data)]
    assert found, f"no button data ~ {pattern!r}: {buttons(message)}"
    return found[0]


def first_labelled(message: dict[str, Any], *labels: str) -> str:
    """The data of the button labelled exactly one of `labels` (German first, then the English
    fallback, so the journey goes on and reports every step while a text is untranslated),
    else of the first button whose label contains one of them."""
    shown = [(text, data) for text, data in buttons(message) if data]
    for match in (str.__eq__, str.__contains__):
        for label in labels:
            found = [data for text, data in shown if match(text, label)]
            if found:
                return found[0]
    raise AssertionError(f"no button labelled {labels}: {[t for t, _ in shown]}")


@pytest.fixture
def german_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only in preview mode: every shipped catalogue counts as complete."""
    if PREVIEW:
        monkeypatch.setattr(i18n, "_complete", i18n.catalogue_languages)


async def test_a_german_user_journey_reads_german_with_decimal_commas(
    tmp_path: Path, german_catalogue: None
) -> None:
    clock = Clock(START)
    async with (
        FakeBotApi() as api,
        running_bot(api, tmp_path, now=clock.now, BOT_LANGUAGES="en,de,es,fr") as (
            application,
            errors,
        ),
    ):
        api.user(GRETE, "Grete")["language_code"] = "de"
        services = services_of(application)
        journey = Journey(api)
        recipes_set = services.recipes
        recipes = recipes_set.recipes
        journey.english_names = english_only_names(recipes_set)

        # Telegram's own surfaces in German: the command menu and the bot's descriptions
        journey.step("menu")
        menu = api.commands_by_language.get("de", [])
        journey.expect(bool(menu), "a German command menu")
        journey.saw("\n".join(c["description"] for c in menu))
        journey.saw("\n".join(api.descriptions.get("de", {}).values()))

        # onboarding, all by buttons (the German labels of the set-up)
        journey.step("onboarding")
        message = await journey.say("/start")
        for labels in ONBOARDING_TAPS:
            message = await journey.tap(message, first_labelled(message, *labels))
        user = await services.store.get_user(GRETE)
        assert user is not None and user.onboarded and user.language == "de"

        # /today: German slots, the German date, decimal commas, German recipe names
        journey.step("today")
        today = await journey.say("/today")
        plan = await services.plans.stored_plan(user, DAY)
        assert plan is not None
        german_names = [localized_name(recipes[m.recipe_id], "de") for m in plan.meals]
        journey.names.update(german_names)
        for name in german_names:
            journey.expect(name in today["text"], f"German recipe name {name!r}")
        with in_language("de"):
            assert fmt_day(DAY) == "Di., 1. Dez."
        journey.expect("1. Dez." in today["text"], "German date '1. Dez.'")
        journey.expect_decimal_commas(today["text"])

        # swap lunch: the same message, another German lunch
        journey.step("swap")
        swapped = await journey.tap(today, data_matching(today, r"^v1:swap:.*:lunch:"))
        after = await services.plans.stored_plan(user, DAY)
        assert after is not None
        lunch = next(m for m in after.meals if m.slot.value == "lunch")
        lunch_name = localized_name(recipes[lunch.recipe_id], "de")
        journey.names.add(lunch_name)
        assert lunch.recipe_id not in {m.recipe_id for m in plan.meals}
        journey.expect(
            lunch_name in swapped["text"], f"German name of the new lunch {lunch_name!r}"
        )
        journey.expect(lunch_name in journey.toast, f"German name {lunch_name!r} in the toast")

        # the recipe card of the new lunch (📖): German name, steps and ingredients
        journey.step("recipe")
        card = await journey.tap(swapped, data_matching(swapped, rf"^v1:rc:.*:{lunch.recipe_id}$"))
        recipe = recipes[lunch.recipe_id]
        journey.expect(lunch_name in card["text"], f"German recipe name {lunch_name!r}")
        first_step = localized_steps(recipe, "de")[0]
        journey.expect(first_step[:30] in visible(card["text"]), "the German first step")
        for item in recipe.ingredients:
            food = localized_name(recipes_set.ingredients[item.item], "de")
            journey.names.add(food)
            journey.expect(food in card["text"], f"German ingredient name {food!r}")

        # the shopping list for today
        journey.step("shopping")
        plan_now = api.message(GRETE, today["message_id"])
        shopping = await journey.tap(plan_now, data_matching(plan_now, r"^v1:shop:"))
        german_foods = [localized_name(f, "de") for f in recipes_set.ingredients.values()]
        journey.names.update(german_foods)
        shown = "\n".join([visible(shopping["text"]), *(label for label, _ in buttons(shopping))])
        items = SHOPPING_ITEM.findall(shown)
        journey.expect(len(items) >= 3, "the items of the list")
        for item in items:
            name = item.rstrip("…")
            journey.expect(any(f.startswith(name) for f in german_foods), f"German food {item!r}")

        # a lab result by buttons with a decimal comma: active B12 30,5 pmol/L, taken today ->
        # "nicht eindeutig" (NICE NG239: 25-70 pmol/L), stored as 30.5
        journey.step("lab")
        message = await journey.say("/levels")
        message = await journey.tap(message, data_matching(message, r"^v1:lw:m:"))
        for labels in LAB_TAPS:
            message = await journey.tap(message, first_labelled(message, *labels))
        journey.expect("30,5 pmol/L" in message["text"], "the value with a decimal comma")
        (lab,) = await tracking_store(services.store).labs(GRETE)
        assert (lab.result.marker, lab.result.value, lab.result.taken_on) == (
            Marker.HOLOTC,
            30.5,
            DAY,
        )

        # the morning push at 07:30 Berlin time
        journey.step("push")
        mark = api.mark()
        clock.set(local_instant_utc(DAY, dt.time(7, 30, 20), BERLIN))
        await run_push_tick_now(application)
        push = await api.wait_for("sendMessage", to_chat(GRETE), timeout=WAIT_S, after=mark)
        journey.saw(push.result)
        push_text = push.result["text"]
        assert "Grete" in push_text
        journey.expect("1. Dez." in push_text, "German date '1. Dez.'")
        journey.expect_decimal_commas(push_text)
        rows = (push.result.get("reply_markup") or {}).get("inline_keyboard", [])
        keyboard = "\n".join(" ".join(f"[{b['text']}]" for b in row) for row in rows)
        shown_push = f"{visible(push_text)}\n{keyboard}"
        (tmp_path / "push_de.txt").write_text(shown_push, encoding="utf-8")
        print("\n--- German morning push ---\n" + shown_push)

        report_journey(journey)
        transcript = "\n\n".join(
            f"=== {step} ===\n" + "\n---\n".join(visible(t) for t in texts)
            for step, texts in journey.steps.items()
        )
        (tmp_path / "journey_de.txt").write_text(transcript, encoding="utf-8")
        if PREVIEW:
            print(transcript)
        assert errors == [], f"handlers raised: {errors!r}"
        untranslated = i18n.missing_translations("de")
        assert not untranslated, (
            f"the German catalogue leaves {len(untranslated)} texts untranslated, so German "
            f"users get English; e.g. {untranslated[:3]}"
        )
        assert not journey.missing_german(), f"steps without German: {journey.missing_german()}"
        assert not journey.problems, f"not German: {journey.problems}"
        assert not journey.leftovers(), "English left:\n" + format_leftovers(journey.leftovers())


def english_only_names(recipes: RecipeSet) -> set[str]:
    """The English names of recipes and foods whose German name differs ("Spinach")."""
    named = [*recipes.recipes.values(), *recipes.ingredients.values()]
    return {
        localized_name(thing, "en")
        for thing in named
        if localized_name(thing, "en") != localized_name(thing, "de")
    }


def report_journey(journey: Journey) -> None:
    """Print each step's state (fully German or what is left), for the lead's summary."""
    left, missing = journey.leftovers(), journey.missing_german()
    for step in journey.steps:
        fine = step not in left and step not in missing and step not in journey.problems
        print(f"[{'German' if fine else 'NOT fully German'}] {step}")
        for hit in left.get(step, [])[:12]:
            print(f"    english: {hit}")
        for group in missing.get(step, []):
            print(f"    missing German word: {group}")
        for problem in journey.problems.get(step, []):
            print(f"    {problem}")


def format_leftovers(left: dict[str, list[str]]) -> str:
    return "\n".join(f"{step}: {hits[:8]}" for step, hits in left.items())
