"""Family sharing through the real Application, offline (tests/support/ptb_offline.py).

Two users make a household and join by link, see one plan that meets both targets, swap a
meal (the other is told), use a group chat and inline mode; each security rule of sharing
(only members, no forged buttons or inline requests, dead tokens, joining twice, leaving)
gets a test.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from household_sets import B, D, L, S, expected_shopping, modest_set
from ptb_offline import (
    BOT_USER,
    GROUP_ID,
    START,
    Call,
    OfflineBot,
    OfflineChat,
    TgUser,
    answers,
    inline,
    onboard,
    texts,
    visible_text,
)

from bot.chat.handlers import family as family_handlers
from bot.chat.handlers.family_group import GroupThrottle
from bot.chat.jobs.family import run_group_push_tick_now
from bot.chat.render.family import (
    GROUP_ALL_MET,
    GROUP_OWN_TOTALS,
    GROUP_PLAN_HINT,
    INVALID_INVITE,
    PRIVATE_ONLY,
)
from bot.core import i18n
from bot.core.clock import zone
from bot.core.household import KIND_ITEM, HouseholdPlan
from bot.core.household_check import check_household
from bot.core.household_codec import household_from_dict
from bot.core.models import Slot
from bot.core.plan_rules import CLINICIAN_LINE
from bot.core.shopping import household_shopping
from bot.services.throttle import INVITE_TRIES, INVITE_WINDOW_S
from bot.services.tracking import (
    day_tallies,
    household_plan,
    member_planned_by_slot,
    summary_for,
    tracking_store,
    user_recipes,
)
from bot.storage.store import household_owner

UTC = dt.UTC
ANA = TgUser(id=1001, first_name="Ana", username="ana")
BEN = TgUser(id=1002, first_name="Ben", username="ben")
CLEO = TgUser(id=1003, first_name="Cleo", username="cleo")


def invite_token(calls: list[Call]) -> str:
    for text in texts(calls):
        match = re.search(r"https://t\.me/b12_test_bot\?start=([A-Za-z0-9_-]+)", text)
        if match:
            return match.group(1)
    raise AssertionError("no invite link sent")


def dishes(text: str) -> list[str]:
    """Dish names of a rendered plan, in order."""
    out = []
    for line in visible_text(text).splitlines():
        match = re.match(r"^\S+ (Breakfast|Lunch|Dinner|Snack): (.+)$", line.strip())
        if match:
            out.append(re.sub(r" \([^()]*µg B12\)$", "", match.group(2)))
    return out


async def family_of_two(bot: OfflineBot) -> tuple[OfflineChat, OfflineChat, str]:
    ana, ben = bot.chat(ANA), bot.chat(BEN)
    await onboard(ana, "Omnivore", "4.0")  # MS: clinician suggested the higher EU value
    await onboard(ben, "Vegan", "2.4")
    calls = await ana.send("/family create The Smiths")
    token = invite_token(calls)
    calls = await ben.send(f"/start {token}")
    assert "Ana invites you to The Smiths" in visible_text(texts(calls)[-1])
    bot.request.clear()
    calls = await ben.tap("Join")
    assert "You're in The Smiths" in visible_text(texts(calls, "editMessageText")[-1])
    notices = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == ANA.id]
    assert [visible_text(c.text) for c in notices] == ["👋 Ben joined The Smiths."]
    return ana, ben, token


async def today_text(chat: OfflineChat) -> str:
    calls = await chat.send("/today")
    return texts(calls)[-1]


# --------------------------------------------------------------------------- the main story


async def test_two_members_share_one_plan_that_meets_both_targets(bot: OfflineBot) -> None:
    ana, ben, _ = await family_of_two(bot)
    ana_today, ben_today = await today_text(ana), await today_text(ben)
    assert "of your 4.0 µg target: met" in visible_text(ana_today)
    assert "of your 2.4 µg target: met" in visible_text(ben_today)
    assert "Shared household plan for 2 people" in visible_text(ana_today)
    # the stored plan: one per household and day, every rule rechecked from the recipes
    svc = bot.services
    user = await svc.store.get_user(ANA.id)
    day = svc.today(user)
    raw = await svc.store.get_plan(household_owner(user.household_id), day)
    plan = household_from_dict(raw)
    members = await svc.plans.members(user.household_id)
    assert check_household(svc.recipes, plan, members) == []
    assert all(m.servings == 2 for m in plan.plan.meals)
    shared = [svc.recipes.recipes[m.recipe_id].name for m in plan.plan.meals]
    for text in (ana_today, ben_today):  # both see every shared meal
        assert [d for d in dishes(text) if d in shared] == shared
    # the vegan member's diet rules the shared menu
    assert all(svc.recipes.recipes[m.recipe_id].diet.value == "vegan" for m in plan.plan.meals)


async def test_swap_by_one_member_changes_it_for_both_and_tells_the_other(bot: OfflineBot) -> None:
    ana, ben, _ = await family_of_two(bot)
    before = dishes(await today_text(ana))
    await today_text(ben)
    bot.request.clear()
    calls = await ben.tap("Swap lunch")
    edited = texts(calls, "editMessageText")[-1]
    notices = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == ANA.id]
    assert len(notices) == 1
    notice = visible_text(notices[0].text)
    assert notice.startswith("🔁 Ben swapped lunch") and len(notice) < 200
    new_lunch = [d for d in dishes(edited) if d not in before]
    assert new_lunch and new_lunch[0] in notice
    assert new_lunch[0] in dishes(await today_text(ana))
    assert not any(c.params["chat_id"] == BEN.id for c in notices)


async def test_forged_and_expired_tokens_get_no_household(bot: OfflineBot) -> None:
    _, _, token = await family_of_two(bot)
    cleo = bot.chat(CLEO)
    await onboard(cleo, "Vegetarian", "2.4")
    for forged in ("A" * 32, token[:-1] + ("x" if token[-1] != "x" else "y"), "nope"):
        calls = await cleo.send(f"/start {forged}")
        assert texts(calls) == [INVALID_INVITE]
    bot.clock.current = START + dt.timedelta(days=7, seconds=1)
    calls = await cleo.send(f"/start {token}")
    assert texts(calls) == [INVALID_INVITE]
    assert (await bot.services.store.get_user(CLEO.id)).household_id is None
    assert "Shared household" not in visible_text(await today_text(cleo))


async def test_guessing_invite_tokens_is_throttled_per_user(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = bot.chat(ANA)
    await onboard(ana, "Omnivore", "2.4")
    token = invite_token(await ana.send("/family create Home"))
    clock = [1000.0]
    monkeypatch.setattr(family_handlers, "monotonic", lambda: clock[0])
    guesser = bot.chat(CLEO)
    for n in range(INVITE_TRIES):
        assert texts(await guesser.send(f"/start {'G' * 31}{n}")) == [INVALID_INVITE]
    # now even the right token is not looked up for a while
    refused = visible_text(texts(await guesser.send(f"/start {token}"))[0])
    assert "wait 10 minutes" in refused
    assert (await bot.services.store.get_user(CLEO.id)).household_id is None
    # others are not affected
    assert "invites you" in visible_text(texts(await bot.chat(BEN).send(f"/start {token}"))[-1])
    clock[0] += INVITE_WINDOW_S
    assert "invites you" in visible_text(texts(await guesser.send(f"/start {token}"))[-1])


async def test_an_old_join_button_with_a_revoked_token_does_nothing(bot: OfflineBot) -> None:
    ana, ben = bot.chat(ANA), bot.chat(CLEO)
    await onboard(ana, "Omnivore", "2.4")
    token = invite_token(await ana.send("/family create Home"))
    await ben.send(f"/start {token}")
    await ana.send("/family revoke")
    calls = await ben.tap("Join")
    assert any("no longer valid" in a for a in answers(calls))
    assert (await bot.services.store.get_user(CLEO.id)).household_id is None
    # a regenerated link works, the one before it doesn't
    old = invite_token(await ana.send("/family invite"))
    new = invite_token(await ana.send("/family invite"))
    assert texts(await ben.send(f"/start {old}")) == [INVALID_INVITE]
    assert "invites you" in visible_text(texts(await ben.send(f"/start {new}"))[-1])


async def test_joining_twice_is_harmless(bot: OfflineBot) -> None:
    _, ben, token = await family_of_two(bot)
    calls = await ben.send(f"/start {token}")
    assert "already in" in visible_text(texts(calls)[-1])
    calls = await ben.tap_data(f"v1:fam:join:{token}", ben.messages()[-1])  # old Join button
    assert "You're already in this household." in answers(calls)
    members = await bot.services.family.households.members(
        (await bot.services.store.get_user(BEN.id)).household_id
    )
    assert len(members) == 2


async def test_leaving_removes_access_at_once(bot: OfflineBot) -> None:
    ana, ben, _ = await family_of_two(bot)
    await today_text(ben)
    await ben.send("/family leave")
    bot.request.clear()
    calls = await ben.tap("Yes, leave")
    assert "You left The Smiths" in visible_text(texts(calls, "editMessageText")[-1])
    assert "Shared household" not in visible_text(await today_text(ben))
    cards = await inline(ben)
    assert all("The Smiths" not in c["input_message_content"]["message_text"] for c in cards)
    # the household plan is replanned for the one member left
    ana_today = await today_text(ana)
    assert "Shared household plan for 1 person" in visible_text(ana_today)


async def test_only_the_owner_removes_or_hands_over_and_only_in_own_household(
    bot: OfflineBot,
) -> None:
    ana, ben, _ = await family_of_two(bot)
    cleo = bot.chat(CLEO)
    await onboard(cleo, "Omnivore", "2.4")
    message = ben.messages()[-1]
    for chat, data in (
        (cleo, f"v1:fam:rm!:{BEN.id}"),  # outsider forging a button
        (ben, f"v1:fam:rm!:{ANA.id}"),  # member, not owner
        (ben, f"v1:fam:own!:{BEN.id}"),
        (ana, f"v1:fam:rm!:{CLEO.id}"),  # owner, but not their member
    ):
        calls = await chat.tap_data(data, message)
        assert answers(calls) and not any(c.method == "editMessageText" for c in calls)
    svc = bot.services
    hid = (await svc.store.get_user(ANA.id)).household_id
    assert [m.user_id for m in await svc.family.households.members(hid)] == [ANA.id, BEN.id]
    # the owner hands over, then the new owner removes the old one
    await ana.send("/family")
    await ana.tap("Make Ben owner")
    bot.request.clear()
    calls = await ana.tap("Yes, hand over")
    assert any(c.params.get("chat_id") == BEN.id for c in calls if c.method == "sendMessage")
    assert await svc.family.households.membership(BEN.id) == (hid, "owner")
    await ben.send("/family remove Ana")
    await ben.tap("Yes, remove")
    assert await svc.family.households.membership(ANA.id) is None
    assert "Shared household" not in visible_text(await today_text(ana))


async def test_callback_for_another_households_plan_shows_only_your_own(bot: OfflineBot) -> None:
    ana, _, _ = await family_of_two(bot)
    ana_text = await today_text(ana)
    cleo = bot.chat(CLEO)
    await onboard(cleo, "Omnivore", "2.4")
    message, data = ana.find_button("Swap lunch")
    calls = await cleo.tap_data(data, message)
    shown = " ".join(visible_text(t) for t in texts(calls, "editMessageText") + texts(calls))
    assert "Shared household" not in shown and "Ana" not in shown
    assert dishes(await today_text(ana)) == dishes(ana_text)  # nothing changed for them


async def test_inline_cards_show_only_the_askers_own_plan(bot: OfflineBot) -> None:
    ana, _, _ = await family_of_two(bot)
    today = visible_text(await today_text(ana))
    cards = await inline(ana)
    assert [c["type"] for c in cards] == ["article", "article"]
    day_card = cards[0]["input_message_content"]["message_text"]
    assert "The Smiths" in visible_text(day_card)
    assert all(d in today for d in dishes(day_card))
    assert "Week" in cards[1]["title"]
    # an outsider asking for "the Smiths" or a household id gets their own plan only
    cleo = bot.chat(CLEO)
    await onboard(cleo, "Omnivore", "2.4")
    for query in ("The Smiths", "h:1", "1"):
        for card in await inline(cleo, query):
            assert "The Smiths" not in card["input_message_content"]["message_text"]
    # someone who never set up gets a button to start, and no data
    stranger = bot.chat(TgUser(id=1999, first_name="Zed"))
    assert await inline(stranger) == []


async def test_share_button_opens_inline_mode(bot: OfflineBot) -> None:
    ana, _, _ = await family_of_two(bot)
    calls = await ana.send("/today")
    markup = calls[-1].params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    share = [b for row in markup["inline_keyboard"] for b in row if "Share" in b["text"]]
    assert len(share) == 1 and "switch_inline_query" in share[0]
    assert share[0]["switch_inline_query"] == START.strftime("%Y%m%d")


# --------------------------------------------------------------------------- groups


async def test_group_link_plan_and_private_only_commands(bot: OfflineBot) -> None:
    ana, _, _ = await family_of_two(bot)
    cleo = bot.chat(CLEO)
    await onboard(cleo, "Omnivore", "2.4")
    g_ana, g_ben, g_cleo = bot.group(ANA), bot.group(BEN), bot.group(CLEO)
    calls = await g_ana.send("/plan")
    assert "isn't linked" in visible_text(texts(calls)[-1])
    bot.request.admins = frozenset({ANA.id, CLEO.id})
    calls = await g_cleo.send("/family link")  # admin, not a member
    assert "Only members" in visible_text(texts(calls)[-1])
    calls = await g_ben.send("/family link")  # member, not an admin
    assert "Only group admins" in visible_text(texts(calls)[-1])
    calls = await g_ana.send("/family link")
    assert "now gets" in visible_text(texts(calls)[-1]) and "07:30" in texts(calls)[-1]
    calls = await g_cleo.send("/plan")
    group_text = visible_text(texts(calls)[-1])
    ana_dishes = dishes(await today_text(ana))
    assert "The Smiths" in group_text and all(d in group_text for d in ana_dishes[:3])
    assert_no_personal_values(group_text)
    for command in ("/settings", "/target 3", "/start"):
        calls = await g_ben.send(command)
        assert texts(calls) == [PRIVATE_ONLY]
    calls = await g_ben.send("/today")  # a plan command also points to the group's /plan
    assert texts(calls) == [GROUP_PLAN_HINT]
    svc = bot.services
    for user in (ANA, BEN):  # group commands never move anyone's private chat
        assert (await svc.store.get_user(user.id)).chat_id == user.id
    assert (await svc.store.get_user(BEN.id)).target_ug == 2.4


def assert_no_personal_values(group_text: str) -> None:
    """A group plan shows the shared meals (µg per serving), never a member's target, total,
    shortfall or top-up: no "Ana: 4.0 µg of 4.0 µg" lines, no µg outside the meal lines."""
    lines = group_text.splitlines()
    meal_lines = [line for line in lines if "µg B12 each" in line]
    assert meal_lines  # the shared meals are there
    others = [line for line in lines if line not in meal_lines]
    assert not any("µg" in line for line in others), others
    assert "Ana: " not in group_text and "Ben: " not in group_text
    assert "short" not in group_text and "top-up" not in group_text
    assert (GROUP_ALL_MET in group_text) != (GROUP_OWN_TOTALS in group_text)


async def test_group_plan_shows_no_member_targets(bot: OfflineBot) -> None:
    """Ana's target is 4.0 µg and Ben's 2.4 µg: neither number reaches the group, by /plan
    or by the daily push; the status line says "on target for everyone" only when it is."""
    await family_of_two(bot)
    svc = bot.services
    assert (await svc.store.get_user(ANA.id)).target_ug == 4.0
    bot.request.admins = frozenset({ANA.id})
    await bot.group(ANA).send("/family link")
    group_text = visible_text(texts(await bot.group(ANA).send("/plan"))[-1])
    assert_no_personal_values(group_text)
    for number in ("4.0 µg of", "2.4 µg of", "of 4.0", "of 2.4"):
        assert number not in group_text
    hid = (await svc.store.get_user(ANA.id)).household_id
    hplan = await svc.plans.household_plan(hid, svc.today(await svc.store.get_user(ANA.id)))
    expected = GROUP_ALL_MET if hplan.all_met else GROUP_OWN_TOTALS
    assert expected in group_text
    bot.request.clear()
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # 07:30 Berlin
    assert await run_group_push_tick_now(bot.app) == 1
    pushed = [c for c in bot.request.of("sendMessage") if c.params["chat_id"] == GROUP_ID]
    assert len(pushed) == 1
    assert_no_personal_values(visible_text(pushed[0].text))


async def test_privacy_says_what_a_linked_group_sees(bot: OfflineBot) -> None:
    privacy = visible_text(texts(await bot.chat(ANA).send("/privacy"))[-1])
    assert "Nothing is shared with anyone" not in privacy  # a household and its group do see
    group_part = next(line for line in privacy.splitlines() if "group chat linked" in line)
    assert "shared meals" in group_part and "on target for everyone" in group_part
    assert "only if that member agreed" in group_part and "never sees your totals" in group_part
    assert "diet and B12 target in /family" in privacy  # what household members see


async def test_group_push_once_a_day(bot: OfflineBot) -> None:
    await family_of_two(bot)
    bot.request.admins = frozenset({ANA.id})
    await bot.group(ANA).send("/family link")
    bot.request.clear()
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 29, tzinfo=UTC)  # 07:29 Berlin
    assert await run_group_push_tick_now(bot.app) == 0
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
    assert await run_group_push_tick_now(bot.app) == 1
    assert await run_group_push_tick_now(bot.app) == 0
    sent = [c for c in bot.request.of("sendMessage") if c.params["chat_id"] == GROUP_ID]
    assert len(sent) == 1 and "Wed 25 Nov" in sent[0].text


def test_group_throttle_allows_20_a_minute() -> None:
    now = [0.0]
    gate = GroupThrottle(clock=lambda: now[0])
    assert all(gate.allow(1) for _ in range(20))
    assert not gate.allow(1)
    assert gate.allow(2)  # per group
    now[0] = 60.0
    assert gate.allow(1)


async def test_family_screen_and_household_shopping_for_everyone(bot: OfflineBot) -> None:
    _, ben, _ = await family_of_two(bot)
    calls = await ben.send("/family")
    text = visible_text(texts(calls)[-1])
    assert "The Smiths" in text and "👑 Ana" in text and "Ben (you)" in text
    labels = [label for label, _ in calls[-1].buttons]
    assert not any("Remove" in label for label in labels)  # not the owner
    svc = bot.services
    user = await svc.store.get_user(ANA.id)
    views, items = await svc.plans.shopping(user, svc.today(user), 2)
    hid = user.household_id
    hplans = [await svc.plans.household_plan(hid, v.date) for v in views]
    expected = {i.item_id: i.grams for i in household_shopping(svc.recipes, hplans)}
    assert {i.item_id: i.grams for i in items} == expected
    one_meal = hplans[0].plan.meals[0]
    recipe = svc.recipes.recipes[one_meal.recipe_id]
    some_item, grams = next(iter(recipe.grams_per_serving.items()))
    assert expected[some_item] >= 2 * grams - 1e-9  # both members' servings


assert BOT_USER["username"] == "b12_test_bot"


async def test_create_by_button_is_one_message_that_reads_in_order(bot: OfflineBot) -> None:
    ana = bot.chat(ANA)
    await onboard(ana)
    await ana.send("/family")
    bot.request.clear()
    calls = await ana.tap("Create a household")
    assert texts(calls) == []  # nothing sent below the /family message
    edited = visible_text(texts(calls, "editMessageText")[0])
    assert edited.startswith("👪 Created Ana's household. You're its owner.")
    assert edited.index("Created") < edited.index("Invite to") < edited.index("t.me/")
    calls = await ana.send("/family create")  # already in one: a clear no, not a second home
    assert len(texts(calls)) == 1


async def test_create_by_command_sends_one_message(bot: OfflineBot) -> None:
    ana = bot.chat(ANA)
    await onboard(ana)
    calls = await ana.send("/family create The Smiths")
    sent = [visible_text(t) for t in texts(calls)]
    assert len(sent) == 1 and sent[0].startswith("👪 Created The Smiths")
    assert invite_token(calls)


# ------------------------------------------------------------------------- tracking in a household


async def test_household_member_progress_planned_is_their_member_view(
    bot: OfflineBot,
) -> None:
    _, ben, _ = await family_of_two(bot)
    await today_text(ben)
    svc = bot.services
    user = await svc.store.get_user(BEN.id)
    assert user is not None and user.household_id is not None
    day = svc.today(user)
    view = await svc.plans.day_plan(user, day)
    breakfast = view.meal(Slot.BREAKFAST)
    assert breakfast is not None
    assert view.b12_ug > breakfast.b12_ug + 0.05  # ticking one meal off is not the whole plan
    await ben.tap("Breakfast eaten")
    ts = tracking_store(svc.store)
    recipes = await user_recipes(ts, svc.recipes, user)
    summary, tallies = await summary_for(ts, user, day, recipes)  # what /progress draws
    assert tallies[-1].date == day
    assert summary.today is not None
    assert summary.today.planned_ug == pytest.approx(view.b12_ug)
    assert summary.today.eaten_ug == pytest.approx(breakfast.b12_ug)
    (evening,) = await day_tallies(ts, user, day, day, recipes)  # what the evening check uses
    assert evening.planned_ug == pytest.approx(view.b12_ug)

    # Ben's target goes up mid-day: his view gains personal top-ups, the stored household
    # plan is updated with them, and /progress follows
    user = await svc.users.update(BEN.id, target_ug=12.0)
    new_view = await svc.plans.day_plan(user, day)
    assert new_view.b12_ug > view.b12_ug
    raw = await svc.store.get_plan(household_owner(user.household_id), day)
    assert raw is not None
    stored = household_from_dict(raw).member(BEN.id)
    assert stored is not None and stored.target_ug == 12.0
    (after,) = await day_tallies(ts, user, day, day, recipes)
    assert after.planned_ug == pytest.approx(new_view.b12_ug)


async def test_member_checkoff_counts_the_personal_item_on_a_meal_with_a_shared_topup(
    bot: OfflineBot,
) -> None:
    # food alone meets neither target: top-ups on both sides
    bot.services.recipes = modest_set()
    ana, ben = bot.chat(ANA), bot.chat(BEN)
    await onboard(ana, "Omnivore", "4.0")
    await onboard(ben, "Omnivore", "4.0")
    calls = await ana.send("/family create The Smiths")
    await ben.send(f"/start {invite_token(calls)}")
    await ben.tap("Join")
    svc = bot.services
    await svc.users.update(ANA.id, target_ug=5.0)
    user = await svc.users.update(BEN.id, target_ug=8.0)
    day = svc.today(user)
    await svc.plans.day_plan(user, day)  # stores the household plan with both members' top-ups
    ts = tracking_store(svc.store)
    hplan = await household_plan(ts, user, day)
    assert hplan is not None
    shared = {meal.slot: meal for meal in hplan.plan.meals}
    ben_day = hplan.member(BEN.id)
    assert ben_day is not None
    both = [
        t for t in ben_day.topups if t.kind == KIND_ITEM and shared[t.slot].topup_item is not None
    ]
    assert both, "the case under test: a personal item on a meal with a shared top-up"
    slot = both[0].slot
    expected = member_planned_by_slot(hplan, BEN.id, svc.recipes)[slot]
    assert expected == pytest.approx(shared[slot].b12_ug + both[0].b12_ug)

    await today_text(ben)
    await ben.tap(f"{slot.value.capitalize()} eaten")
    (logged,) = [x for x in await ts.meal_logs(BEN.id, day, day) if x.slot == slot.value]
    assert logged.status == "eaten"
    assert logged.b12_ug == pytest.approx(expected)
    assert logged.planned_ug == pytest.approx(expected)


# ----------------------------------------------------------------- members who eat different meals


async def test_today_and_shopping_in_the_bot_follow_each_members_meals(bot: OfflineBot) -> None:
    ana, ben, _ = await family_of_two(bot)
    svc = bot.services
    await svc.store.update_user(ANA.id, slots=(B, D, S))
    await svc.store.update_user(BEN.id, slots=(B, L, D))
    ana_text, ben_text = visible_text(await today_text(ana)), visible_text(await today_text(ben))
    user = await svc.store.get_user(ANA.id)
    hp = household_from_dict(
        await svc.store.get_plan(household_owner(user.household_id), svc.today(user))
    )
    members = await svc.plans.members(user.household_id)
    assert check_household(svc.recipes, hp, members) == []
    lunch, snack = hp.plan.meal(L), hp.plan.meal(S)
    assert lunch is not None and snack is not None and (lunch.servings, snack.servings) == (1, 1)
    lunch_name = svc.recipes.recipes[lunch.recipe_id].name
    snack_name = svc.recipes.recipes[snack.recipe_id].name
    assert f"Lunch (not in your meals): {lunch_name}, for Ben" in ana_text
    assert f"Snack (not in your meals): {snack_name}, for Ana" in ben_text
    for name in (lunch_name, snack_name):
        assert name in ana_text and name in ben_text
    # Ben's shopping list for today buys the snack only Ana eats once, Ben's lunch once
    calls = await ben.send("/shopping 1")
    list_id = int(calls[-1].buttons[0][1].split(":")[2])  # one button per item
    ben_user = await svc.store.get_user(BEN.id)
    _, items = await svc.plans.shopping(ben_user, svc.today(ben_user), 1)
    got = {i.item_id: i.grams for i in items}
    assert got == pytest.approx(expected_shopping(svc.recipes, hp, members))
    shown = await svc.shopping.show(ben_user, list_id)  # what the buttons draw from
    assert {i.item_id: i.display for i in shown.sheet.items} == {
        i.item_id: i.display for i in items
    }


# --------------------------------------------------------------------------- leaving and removal


async def _stored_hplan(bot: OfflineBot, user_id: int) -> HouseholdPlan:
    svc = bot.services
    user = await svc.store.get_user(user_id)
    raw = await svc.store.get_plan(household_owner(user.household_id), svc.today(user))
    assert raw is not None
    return household_from_dict(raw)


def _to(calls, user_id: int) -> list[str]:
    return [
        visible_text(c.text)
        for c in calls
        if c.method == "sendMessage" and c.params["chat_id"] == user_id
    ]


async def test_leaving_keeps_todays_plan_when_it_still_fits(bot: OfflineBot) -> None:
    ana, ben, _ = await family_of_two(bot)  # Ana omnivore 4.0, Ben vegan: a vegan menu
    await today_text(ana)
    before = await _stored_hplan(bot, ANA.id)
    await ben.send("/family leave")
    bot.request.clear()
    calls = await ben.tap("Yes, leave")
    assert _to(calls, ANA.id) == []  # nothing changed for Ana: no message needed
    after = await _stored_hplan(bot, ANA.id)
    assert [x.recipe_id for x in after.plan.meals] == [x.recipe_id for x in before.plan.meals]
    assert all(x.servings == 1 for x in after.plan.meals)  # cooked for one now
    assert after.member_ids == (ANA.id,) and after.member(ANA.id).met
    svc = bot.services
    household_id = (await svc.store.get_user(ANA.id)).household_id
    assert check_household(svc.recipes, after, await svc.plans.members(household_id)) == []
    assert "Shared household plan for 1 person" in visible_text(await today_text(ana))


async def test_leaving_replans_when_a_meal_now_fits_and_tells_the_others(bot: OfflineBot) -> None:
    ana, ben, _ = await family_of_two(bot)
    svc = bot.services
    # Ben's exclusions rule out every lunch, so the shared plan has none
    lunch_items = frozenset().union(*(r.item_ids for r in svc.recipes.for_slot(L)))
    await svc.store.update_user(BEN.id, exclude=lunch_items)
    await today_text(ana)
    assert (await _stored_hplan(bot, ANA.id)).plan.meal(L) is None
    await ben.send("/family leave")
    bot.request.clear()
    calls = await ben.tap("Yes, leave")
    told = _to(calls, ANA.id)
    assert len(told) == 1 and len(told[0]) < 200
    assert told[0].startswith("🔄 Today's household plan was updated because Ben left")
    assert "Lunch" in visible_text(await today_text(ana))
    assert (await _stored_hplan(bot, ANA.id)).plan.meal(L) is not None  # planned again


async def test_removed_member_the_others_hear_of_a_replan_once(bot: OfflineBot) -> None:
    ana, _, token = await family_of_two(bot)
    cleo = bot.chat(CLEO)
    await onboard(cleo, "Omnivore", "2.4")
    await cleo.send(f"/start {token}")
    await cleo.tap("Join")
    svc = bot.services
    lunch_items = frozenset().union(*(r.item_ids for r in svc.recipes.for_slot(L)))
    await svc.store.update_user(BEN.id, exclude=lunch_items)
    await today_text(cleo)
    await ana.send("/family remove Ben")
    bot.request.clear()
    calls = await ana.tap("Yes, remove")
    assert [t.startswith("🔄 Today's household plan was updated because Ben left") for t in
            _to(calls, CLEO.id)] == [True]  # fmt: skip
    assert _to(calls, ANA.id) == []  # the owner's toast says it instead
    assert any("household plan was updated" in a for a in answers(calls))
    assert _to(calls, BEN.id) == ["You were removed from The Smiths."]


# -------------------------------------------------------------- from the group to the private chat


async def test_group_answers_lead_to_the_private_chat_and_plan_commands_to_plan(
    bot: OfflineBot,
) -> None:
    await family_of_two(bot)
    group = bot.group(BEN)
    private = ("💬 Open private chat", f"https://t.me/{BOT_USER['username']}")
    for command in ("/settings", "/target 3", "/today", "/week", "/shopping 3", "/tomorrow"):
        calls = [c for c in await group.send(command) if c.method == "sendMessage"]
        assert len(calls) == 1 and calls[0].params["chat_id"] == GROUP_ID
        assert calls[0].buttons == [private], command
        text = visible_text(calls[0].text)
        assert "private chat" in text
        if command in ("/settings", "/target 3"):
            assert "/plan" not in text
        else:
            assert "/plan shows the household's plan" in text, command
    calls = await group.send("/today@" + BOT_USER["username"])
    assert "/plan" in visible_text(texts(calls)[-1])
    calls = await group.send("/family")
    assert private in [b for c in calls if c.method == "sendMessage" for b in c.buttons]


# --------------------------------------------------------------------------- invite expiry


async def test_invite_expiry_is_in_the_owners_time_zone(bot: OfflineBot) -> None:
    ana = bot.chat(ANA)
    await onboard(ana, "Omnivore", "4.0")  # Berlin
    calls = await ana.send("/family create The Smiths")
    text = visible_text(texts(calls)[-1])
    svc = bot.services
    home = await svc.family.households.household_of(ANA.id)
    expires = bot.clock.current + dt.timedelta(days=7)
    berlin = expires.astimezone(zone("Europe/Berlin"))
    assert berlin.utcoffset() != dt.timedelta(0)  # the test tells the zones apart
    assert f"It works until {berlin.strftime('%-d %b %Y, %H:%M')} (Europe/Berlin)." in text
    assert "UTC" not in text and home is not None
    await svc.store.update_user(ANA.id, timezone="America/New_York")
    calls = await ana.send("/family invite")
    york = expires.astimezone(zone("America/New_York"))
    assert f"{york.strftime('%-d %b %Y, %H:%M')} (America/New_York)" in texts(calls)[-1]


async def test_a_member_whose_clinician_manages_b12_gets_no_claim_in_any_view(
    bot: OfflineBot,
) -> None:
    """Ben gets B12 injections: his view of the shared plan, the group plan and his share card
    claim nothing from food (no ✅ or ⚠️, no absorption estimate); Ana's view is unchanged."""
    ana, ben, _ = await family_of_two(bot)
    await ben.send("/settings")
    await ben.tap("Absorption")
    await ben.tap("I get B12 injections")
    ben_today = visible_text(await today_text(ben))
    assert "🩺" in ben_today and CLINICIAN_LINE in ben_today
    assert "✅" not in ben_today and "absorbed" not in ben_today
    assert "of your 4.0 µg target: met" in visible_text(await today_text(ana))
    bot.request.admins = frozenset({ANA.id})
    await bot.group(ANA).send("/family link")
    group_text = visible_text(texts(await bot.group(ANA).send("/plan"))[-1])
    assert_no_personal_values(group_text)  # nor that Ben's clinician manages his B12
    assert "🩺" not in group_text and "clinician manages" not in group_text
    assert GROUP_OWN_TOTALS in group_text and GROUP_ALL_MET not in group_text  # Ben: no claim
    results = await inline(ben)
    card = results[0]["input_message_content"]["message_text"]
    assert "✅" not in card and "⚠️" not in card and "from food" in card


async def test_the_group_push_reads_in_the_language_of_who_linked_the_group(
    bot: OfflineBot,
) -> None:
    await family_of_two(bot)
    await bot.chat(ANA).send("/language de")
    bot.request.admins = frozenset({ANA.id})
    await bot.group(ANA).send("/family link")
    bot.request.clear()
    bot.clock.current = dt.datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # 07:30 Berlin
    assert await run_group_push_tick_now(bot.app) == 1
    (sent,) = [c for c in bot.request.of("sendMessage") if c.params["chat_id"] == GROUP_ID]
    assert "Plan für Mi., 25. Nov." in visible_text(sent.text)


async def test_a_german_owner_and_a_spanish_member_each_read_their_own_language(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Invite, join and the notice to the owner: each person reads their own language."""
    # German and Spanish even while another module's texts are still being translated
    monkeypatch.setattr(i18n, "_complete", lambda _dir: i18n.catalogue_languages(_dir))
    ana, ben = bot.chat(ANA), bot.chat(BEN)
    await onboard(ana, "Omnivore", "4.0")
    await onboard(ben, "Vegan", "2.4")
    await ana.send("/language de")
    await ben.send("/language es")
    calls = await ana.send("/family create The Smiths")
    created = visible_text(texts(calls)[-1])
    assert "👪 The Smiths ist angelegt. Sie sind der Inhaber." in created
    assert "Einladung zu The Smiths" in created and "Er gilt bis" in created
    calls = await ben.send(f"/start {invite_token(calls)}")
    assert "Ana le invita a The Smiths" in visible_text(texts(calls)[-1])
    bot.request.clear()
    calls = await ben.tap("✅ Unirme")
    assert "Ya está en The Smiths" in visible_text(texts(calls, "editMessageText")[-1])
    to_ana = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == ANA.id]
    assert [visible_text(c.text) for c in to_ana] == ["👋 Ben ist The Smiths beigetreten."]
    screen = visible_text(texts(await ana.send("/family"))[-1])
    assert "The Smiths · 2 Personen" in screen and "Ana (Sie): isst alles, Ziel 4,0 µg" in screen
    assert "Ben: vegan, Ziel 2,4 µg" in screen
    assert "Alle bekommen dasselbe Menü" in screen
