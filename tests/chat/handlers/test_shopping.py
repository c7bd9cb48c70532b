"""/shopping through the real Application offline: one message with a button per item, ticks
that move items down and edit in place, staples hidden, a plain-text copy, other spans, a
household's members ticking one list, and forged or foreign buttons refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from ptb_offline import Call, OfflineBot, OfflineChat, TgUser, onboard, texts, visible_text

from bot.chat.render.shopping import PAGE_ITEMS
from bot.core import i18n
from bot.core.exclusions import term_label

TODAY = dt.date(2026, 11, 24)


def item_buttons(call: Call) -> list[tuple[str, str]]:
    return [(label, data) for label, data in call.buttons if ":t:" in data]


def last_markup_call(calls: list[Call]) -> Call:
    return [c for c in calls if c.method in ("sendMessage", "editMessageText")][-1]


async def every_item_label(chat: OfflineChat, first: Call) -> list[str]:
    """The item buttons of every page of a list message (◀ 1 / n ▶ pages through it)."""
    labels = [label for label, _ in item_buttons(first)]
    pages = [label for label, _ in first.buttons if re.fullmatch(r"\d+ / \d+", label)]
    if not pages:
        return labels
    total = int(pages[0].split(" / ")[1])
    list_id = item_buttons(first)[0][1].split(":")[2]
    for page in range(1, total):
        calls = await chat.tap_data(f"v1:sl:{list_id}:p:{page}", chat.messages()[-1])
        labels += [label for label, _ in item_buttons(last_markup_call(calls))]
    return labels


async def test_shopping_for_three_days_has_a_button_for_every_ingredient(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Pescatarian")
    calls = await chat.send("/shopping 3")
    assert len(texts(calls)) == 1  # one message
    shown = visible_text(texts(calls)[0])
    assert "3 days" in shown and "For 1 person · 0 of" in shown
    every = await every_item_label(chat, calls[-1])
    assert len(item_buttons(calls[-1])) <= PAGE_ITEMS < len(every)  # paged, nothing lost
    labels = " ".join(every)
    user = await bot.services.store.get_user(chat.user.id)
    assert user is not None
    recipes = bot.services.recipes
    for i in range(3):
        plan = await bot.services.plans.stored_plan(user, TODAY + dt.timedelta(days=i))
        assert plan is not None
        for meal in plan.meals:
            for item in recipes.recipes[meal.recipe_id].grams_per_serving:
                assert recipes.ingredients[item].name[:20] in labels
    assert all(label.startswith("☐ ") for label in every)


async def test_shopping_with_bad_days_explains(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    assert "1 to 14" in visible_text(texts(await chat.send("/shopping lots"))[0])
    assert "not 40" in visible_text(texts(await chat.send("/shopping 40"))[0])


async def test_tapping_an_item_ticks_it_in_place_and_moves_it_down(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    sent = await chat.send("/shopping")
    message_id = chat.messages()[-1].message_id
    first_label, first_data = item_buttons(sent[-1])[0]
    calls = await chat.tap(first_label)
    edits = [c for c in calls if c.method == "editMessageText"]
    assert len(edits) == 1 and edits[0].params["message_id"] == message_id
    assert not [c for c in calls if c.method == "sendMessage"]
    after = item_buttons(edits[0])
    assert after[-1] == ("✅" + first_label[1:], first_data)  # same item, ticked, at the bottom
    assert "· 1 of" in visible_text(edits[0].text)
    calls = await chat.tap("✅" + first_label[1:])  # tapping again takes it out of the basket
    assert item_buttons(last_markup_call(calls))[0] == (first_label, first_data)
    assert "· 0 of" in visible_text(last_markup_call(calls).text)


async def test_hide_what_i_have_hides_pantry_staples(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    sent = await chat.send("/shopping")
    hide = [label for label, _ in sent[-1].buttons if label.startswith("🙈")]
    assert hide, "today's meals need something from the oils & spices aisle"
    count = int(re.search(r"\((\d+)\)", hide[0]).group(1))  # type: ignore[union-attr]
    before = [label for label, _ in item_buttons(sent[-1])]
    assert len(before) <= PAGE_ITEMS
    calls = await chat.tap("Hide what I have")
    edited = last_markup_call(calls)
    after = [label for label, _ in item_buttons(edited)]
    assert len(after) == len(before) - count and set(after) < set(before)
    assert f"{count} pantry staple(s) hidden" in visible_text(edited.text)
    calls = await chat.tap("Show staples")
    assert [label for label, _ in item_buttons(last_markup_call(calls))] == before


async def test_copy_as_text_sends_the_list_to_paste_anywhere(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegan")
    sent = await chat.send("/shopping")
    first_label, _ = item_buttons(sent[-1])[0]
    await chat.tap(first_label)
    calls = await chat.tap("Copy as text")
    copies = texts(calls)
    assert len(copies) == 1 and "<pre>" in copies[0]
    name = first_label[2:].split(" · ")[1]
    assert f"[x] {name}" in visible_text(copies[0])
    assert "[ ] " in visible_text(copies[0])


async def test_span_buttons_replace_the_list_in_the_same_message(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    await chat.send("/shopping")
    calls = await chat.tap("3 days")
    edited = last_markup_call(calls)
    assert edited.method == "editMessageText"
    assert "Shopping list for 3 days" in visible_text(edited.text)
    assert any(label == "• 3 days" for label, _ in edited.buttons)


async def test_someone_elses_list_and_forged_positions_are_refused(bot: OfflineBot) -> None:
    ann, eve = bot.chat(TgUser(501, "Ann")), bot.chat(TgUser(502, "Eve"))
    await onboard(ann, diet="Omnivore")
    await onboard(eve, diet="Omnivore")
    sent = await ann.send("/shopping")
    _, data = item_buttons(sent[-1])[0]
    message = ann.messages()[-1]
    list_id = int(data.split(":")[2])
    for forged in (data, f"v1:sl:{list_id}:t:999:0", f"v1:sl:{list_id}:t:-1:0", "v1:sl:x:t:0:0",
                   f"v1:sl:{list_id}:d:40", f"v1:sl:{list_id}:zz"):  # fmt: skip
        calls = await (eve if forged == data else ann).tap_data(forged, message)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answers and "out of date" in answers[-1].params.get("text", "")
        assert not [c for c in calls if c.method in ("editMessageText", "sendMessage")]
    stored = await bot.services.shopping.lists.get(list_id)
    assert stored is not None and stored.body["ticked"] == []


async def test_household_members_tick_one_list(bot: OfflineBot) -> None:
    ana, ben = bot.chat(TgUser(601, "Ana")), bot.chat(TgUser(602, "Ben"))
    await onboard(ana, "Omnivore")
    await onboard(ben, "Vegan")
    calls = await ana.send("/family create The Smiths")
    token = re.search(r"start=([A-Za-z0-9_-]+)", " ".join(texts(calls))).group(1)  # type: ignore[union-attr]
    await ben.send(f"/start {token}")
    await ben.tap("Join")
    sent = await ana.send("/shopping")
    assert "For 2 people" in visible_text(texts(sent)[-1])
    label, data = item_buttons(sent[-1])[0]
    await ana.tap(label)
    # Ben opens the same list from his own chat (his own /shopping makes a new one): the
    # list id is the household's, so his tap on "Show the latest ticks" shows Ana's tick
    calls = await ben.tap_data(f"v1:sl:{data.split(':')[2]}:p:0", ben.messages()[-1])
    shown = last_markup_call(calls)
    assert ("✅" + label[1:], data) in item_buttons(shown)
    assert "· 1 of" in visible_text(shown.text)


async def test_tick_from_a_plan_messages_cart_button_makes_a_list(bot: OfflineBot) -> None:
    chat: OfflineChat = bot.chat()
    await onboard(chat, diet="Vegan")
    await chat.send("/today")
    calls = await chat.tap("🛒 Shopping list")
    assert item_buttons(last_markup_call(calls))


async def test_a_food_the_reader_excluded_is_marked_and_named(bot: OfflineBot) -> None:
    """A list made before an exclusion (or a household list with another member's food)
    marks that food on its button and says why, for the person looking at it."""
    chat = bot.chat()
    await onboard(chat, diet="Omnivore")
    sent = await chat.send("/shopping")
    label, data = item_buttons(sent[-1])[0]
    list_id = int(data.split(":")[2])
    stored = await bot.services.shopping.lists.get(list_id)
    assert stored is not None
    item_id = stored.body["items"][0][0]
    short = term_label(item_id, bot.services.recipes.ingredients)
    await bot.services.store.update_user(chat.user.id, exclude=frozenset({item_id}))
    calls = await chat.tap_data(f"v1:sl:{list_id}:p:0", chat.messages()[-1])
    shown = last_markup_call(calls)
    assert f"⚠️ {short} (you excluded it)" in visible_text(shown.text)
    assert item_buttons(shown)[0][0] == "☐ ⚠️ " + label[2:]


async def test_a_german_user_gets_a_german_list_and_copy(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # German even while another module's texts are still being translated
    monkeypatch.setattr(i18n, "_complete", lambda _dir: i18n.catalogue_languages(_dir))
    chat = bot.chat()
    await onboard(chat, diet="Vegetarian")
    await chat.send("/language de")
    calls = await chat.send("/shopping 3")
    shown = visible_text(texts(calls)[0])
    assert "Einkaufsliste für 3 Tage" in shown and "Für 1 Person · 0 von" in shown
    ingredients = bot.services.recipes.ingredients
    german = {i.names["de"] for i in ingredients.values() if "de" in i.names}
    first_label, _ = item_buttons(calls[-1])[0]
    shown_name = first_label[2:].split(" · ")[1].rstrip("…")  # a long label is cut
    assert any(name.startswith(shown_name) for name in german)
    copy = visible_text(texts(await chat.tap("📋 Als Text kopieren"))[0])
    assert "Einkaufsliste" in copy and "[ ] " in copy
    listed = [line[4:].split(": ")[0] for line in copy.splitlines() if line[:4] in ("[ ] ", "[x] ")]
    assert listed and set(listed) <= german  # every food by its German name
    assert "nicht für 40" in visible_text(texts(await chat.send("/shopping 40"))[0])
