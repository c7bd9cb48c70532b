"""The user's language through the real Application offline: taken from Telegram's
language_code at the first message, changed with /language (and /settings), and Telegram's
own menu and description set per language at start."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import OfflineBot, OfflineChat, TgUser, answers, texts, visible_text
from telegram import Update
from telegram.ext import CallbackContext

from bot.chat.handlers.base import LANGUAGES_KEY
from bot.chat.handlers.language import apply_language
from bot.chat.jobs.push import run_push_tick_now
from bot.core.i18n import complete_languages, current_language
from bot.storage.store import Store


def german(user_id: int = 777) -> TgUser:
    return TgUser(id=user_id, first_name="Grete", username=None, language_code="de-AT")


async def onboard_in_german(chat: OfflineChat) -> None:
    """ptb_offline.onboard with the German labels."""
    await chat.send("/start")
    for label in ("Isst alles", "2,4", "Nichts davon /", "Berlin", "EU", "Nichts davon, weiter"):
        await chat.tap(label)
    await chat.tap("07:30")


async def test_a_german_telegram_gets_german_onboarding_with_decimal_commas(
    bot: OfflineBot,
) -> None:
    assert "de" in complete_languages(), "the German catalogue must be complete"
    chat = bot.chat(german())
    calls = await chat.send("/start")
    welcome = visible_text(texts(calls)[0])
    assert welcome.startswith("Hallo Grete! 👋")
    assert "Sprache: Deutsch – ändern mit /language" in welcome
    assert "Wie ernähren Sie sich?" in welcome
    labels = [label for label, _data in calls[-1].buttons]
    assert "🌱 Vegan" in labels and "🍗 Isst alles" in labels

    calls = await chat.tap("Isst alles")
    assert answers(calls) == ["Ernährung: isst alles"]
    question = texts(calls, "editMessageText")[0]
    assert "B12-Ziel" in question and "<code>/target 3,5</code>" in question
    buttons = [label for label, _data in calls[-1].buttons]
    assert "2,4 µg · US RDA" in buttons and not any("2.4" in label for label in buttons)
    calls = await chat.tap("2,4 µg · US RDA")
    assert answers(calls)[0].startswith("Ziel: 2,4 µg am Tag")

    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.language == "de"  # base language of "de-AT", stored


async def test_language_command_switches_and_the_choice_beats_telegram(bot: OfflineBot) -> None:
    chat = bot.chat(german(778))
    await onboard_in_german(chat)
    calls = await chat.send("/language")
    labels = [label for label, _data in calls[-1].buttons]
    assert labels[:2] == ["English", "✅ Deutsch"]
    assert "In welcher Sprache soll ich schreiben?" in texts(calls)[0]

    calls = await chat.tap("English")
    assert "From now on I write in English" in texts(calls, "editMessageText")[0]
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.language == "en"

    # a new update: Telegram still says "de-AT", the stored choice wins from the first text
    bot.app.bot_data[LANGUAGES_KEY].clear()  # as after a restart: read from the store again
    calls = await chat.send("/help")
    assert "<b>What I do</b>" in texts(calls)[0]
    calls = await chat.send("/language de")
    assert texts(calls)[0].startswith("✅ Ab jetzt schreibe ich auf Deutsch.")
    calls = await chat.send("/help")
    assert "<b>Was ich tue</b>" in texts(calls)[0]


async def language_of_next_update(bot: OfflineBot, chat: OfflineChat) -> str | None:
    """The language apply_language sets for this user's next message, before any handler."""
    data = {"update_id": 1, "message": chat._message(text="hallo")}
    update = Update.de_json(data, bot.app.bot)
    await apply_language(update, CallbackContext.from_update(update, bot.app))
    return current_language()


async def test_one_process_remembers_the_choice_workers_on_postgresql_read_it_each_time(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = bot.chat(german(779))
    await onboard_in_german(chat)
    # another worker stores English for this user (on SQLite no other process can: the
    # remembered choice stays right, and this one keeps it without reading the store)
    await bot.services.users.update(chat.user.id, language="en")
    assert await language_of_next_update(bot, chat) == "de"
    # workers sharing PostgreSQL: the first text of the next update is already English
    monkeypatch.setattr(Store, "dialect", property(lambda self: "postgresql"))
    assert await language_of_next_update(bot, chat) == "en"


async def test_workers_on_postgresql_read_the_user_once_per_command(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = bot.chat(german(780))
    await onboard_in_german(chat)
    monkeypatch.setattr(Store, "dialect", property(lambda self: "postgresql"))
    store = bot.services.store
    reads: list[int] = []
    read = store.get_user

    async def counted(user_id: int) -> object:
        reads.append(user_id)
        return await read(user_id)

    monkeypatch.setattr(store, "get_user", counted)
    calls = await chat.send("/today")
    assert visible_text(texts(calls)[0]).startswith("Heute · Di., 24. Nov.")
    assert reads == [780]  # the language's read serves the command too
    await bot.services.users.update(780, language="en")  # another worker, in between
    reads.clear()
    calls = await chat.send("/week")
    assert reads == [780]
    assert "Your week" in visible_text(texts(calls)[0])


async def test_private_only_commands_in_a_group_answer_in_the_users_language(
    bot: OfflineBot,
) -> None:
    english = bot.group(TgUser(id=783, first_name="Ann", username=None))
    deutsch = bot.group(german(784))
    for command in ("/report", "/weekly", "/levels", "/remind", "/log", "/export"):
        (text,) = texts(await english.send(command))
        assert text == f"For your privacy, {command} works only in a private chat with me."
        (text,) = texts(await deutsch.send(command))
        assert command in text and "privat" in text.lower() and "For your privacy" not in text


async def test_settings_has_a_language_button(bot: OfflineBot) -> None:
    chat = bot.chat(german(779))
    await onboard_in_german(chat)
    await chat.send("/settings")
    calls = await chat.tap("🌐 Sprache")
    edited = texts(calls, "editMessageText")[0]
    assert "In welcher Sprache soll ich schreiben? Jetzt: Deutsch." in edited


async def test_an_unsupported_telegram_language_gets_english(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=780, first_name="Zé", username=None, language_code="pt-BR"))
    calls = await chat.send("/start")
    welcome = visible_text(texts(calls)[0])
    assert welcome.startswith("Hi Zé! 👋") and "how do you eat?" in welcome
    calls = await chat.send("/language pt")
    assert texts(calls)[0].startswith("I can write in: English (en), Deutsch (de)")
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None and user.language == "en"


async def test_telegram_menus_are_set_per_complete_language(bot: OfflineBot) -> None:
    menus = {
        call.params.get("language_code"): call.params for call in bot.request.of("setMyCommands")
    }
    assert set(menus) == {None if lang == "en" else lang for lang in complete_languages()}
    english = {c["command"]: c["description"] for c in menus[None]["commands"]}
    deutsch = {c["command"]: c["description"] for c in menus["de"]["commands"]}
    assert english.keys() == deutsch.keys() and "language" in english
    assert (english["today"], deutsch["today"]) == ("Today's plan", "Plan für heute")
    descriptions = {
        call.params.get("language_code"): call.params["description"]
        for call in bot.request.of("setMyDescription")
    }
    assert "vitamin B12" in descriptions[None] and "Vitamin-B12" in descriptions["de"]
    # Telegram's limits: 512 characters a description, 120 a short one, 256 a command's
    assert all(len(text) <= 512 for text in descriptions.values())
    shorts = [call.params["short_description"] for call in bot.request.of("setMyShortDescription")]
    assert len(shorts) == len(menus) and all(0 < len(text) <= 120 for text in shorts)
    assert all(len(c["description"]) <= 256 for m in menus.values() for c in m["commands"])


async def test_the_morning_push_is_rendered_in_each_users_language(bot: OfflineBot) -> None:
    english = bot.chat(TgUser(id=781, first_name="Ann", username=None))
    deutsch = bot.chat(german(782))
    await onboard_in_german(deutsch)
    await english.send("/start")
    for label in ("Omnivore", "2.4", "None of these", "Berlin", "EU", "None, go on", "07:30"):
        await english.tap(label)
    # the last update was English: each push must still take its user's own language
    bot.request.clear()
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 30, 5, tzinfo=dt.UTC)  # 07:30 in Berlin
    assert (await run_push_tick_now(bot.app)).sent == 2
    by_chat = {
        call.params["chat_id"]: visible_text(call.text) for call in bot.request.of("sendMessage")
    }
    assert "Mi., 25. Nov." in by_chat[782] and "2,4 µg" in by_chat[782]
    assert "Wed 25 Nov" in by_chat[781] and "2.4 µg" in by_chat[781]
