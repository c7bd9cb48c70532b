"""Second QA pass on family sharing: one shared menu whatever meals each member eats,
servings per meal, honest membership changes, a way to the private chat, local invite times."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ptb_offline import (
    BOT_USER,
    START,
    Clock,
    answers,
    onboard,
    running_application,
    texts,
    visible_text,
)
from test_family_handlers import (
    ANA,
    BEN,
    CLEO,
    GROUP_ID,
    FamilyRequest,
    Harness,
    family_of_two,
    today_text,
)
from test_household import m, modest_set

from bot.core import household as hh
from bot.core.clock import zone
from bot.core.models import Slot
from bot.storage.store import household_owner

DAY = dt.date(2026, 3, 2)
B, L, D, S = Slot.BREAKFAST, Slot.LUNCH, Slot.DINNER, Slot.SNACK


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = Clock(START)
    request = FamilyRequest()
    async with running_application(tmp_path, clock, request) as app:
        yield Harness(app, request, clock)


# --------------------------------------------------------------------------- 1. shared menu


def _ana_ben() -> list[hh.Member]:
    return [m(1, slots=(B, D, S)), m(2, slots=(B, L, D))]


def test_members_with_different_meals_see_the_same_shared_menu() -> None:
    rs = modest_set()
    members = _ana_ben()
    hp = hh.plan_household_day(rs, members, DAY)
    assert [x.slot for x in hp.plan.meals] == [B, L, D, S]  # the union of both members' meals
    menu = {rs.recipes[x.recipe_id].name for x in hp.plan.meals}
    for uid, skipped in ((1, L), (2, S)):
        view = hh.member_view(rs, hp, uid)
        skipped_id = hp.plan.meal(skipped).recipe_id
        assert skipped_id not in {x.recipe_id for x in view.meals}  # not one of their meals
        marked = [n for n in view.notes if "(not in your meals)" in n]
        assert len(marked) == 1 and rs.recipes[skipped_id].name in marked[0]
        seen = {rs.recipes[x.recipe_id].name for x in view.meals} | {
            name for name in menu if name in marked[0]
        }
        assert menu <= seen  # every shared meal is shown to every member
        # the skipped meal is not in the member's own total
        day = hp.member(uid)
        assert skipped not in day.slots
        eaten = sum(x.b12_ug for x in hp.plan.meals if x.slot != skipped)
        assert day.shared_b12_ug == pytest.approx(eaten)
        assert view.b12_ug == pytest.approx(day.b12_ug)
        assert sum(x.b12_ug for x in view.meals) == pytest.approx(view.b12_ug)
    assert hh.check_household(rs, hp, members) == []


def _expected_shopping(recipes, hp: hh.HouseholdPlan, members) -> dict[str, float]:
    """Grams to buy, recomputed: each meal x its eaters, each personal top-up once."""
    expected: dict[str, float] = {}
    for meal in hp.plan.meals:
        eating = sum(1 for x in members if meal.slot in x.profile.slots)
        for item, grams in recipes.recipes[meal.recipe_id].grams_per_serving.items():
            expected[item] = expected.get(item, 0.0) + grams * eating
        if meal.topup_item:
            expected[meal.topup_item] = expected.get(meal.topup_item, 0.0) + (
                meal.topup_grams * eating
            )
    for day in hp.members:
        for t in day.topups:
            if t.kind == hh.KIND_ITEM:
                expected[t.ref_id] = expected.get(t.ref_id, 0.0) + t.grams
            else:
                for item, grams in recipes.recipes[t.ref_id].grams_per_serving.items():
                    expected[item] = expected.get(item, 0.0) + grams
    return expected


def test_servings_count_only_the_members_who_eat_each_meal() -> None:
    rs = modest_set()
    members = _ana_ben()
    hp = hh.plan_household_day(rs, members, DAY)
    assert {x.slot: x.servings for x in hp.plan.meals} == {B: 2, L: 1, D: 2, S: 1}
    # the same after a swap, and check_household catches a wrong count
    swapped = hh.swap_household_meal(rs, members, hp, L)
    assert {x.slot: x.servings for x in swapped.plan.meals} == {B: 2, L: 1, D: 2, S: 1}
    from dataclasses import replace

    wrong = replace(hp, plan=replace(hp.plan, meals=tuple(
        replace(x, servings=2) for x in hp.plan.meals
    )))  # fmt: skip
    assert any("lunch: 2 servings for 1" in p for p in hh.check_household(rs, wrong, members))


def test_household_shopping_buys_each_meal_for_its_eaters_and_topups_once() -> None:
    rs = modest_set()
    members = [m(1, target=4.0, slots=(B, D, S)), m(2, slots=(B, L, D))]
    hp = hh.plan_household_day(rs, members, DAY)
    assert any(d.topups for d in hp.members)  # the personal side is exercised too
    got = {i.item_id: i.grams for i in hh.household_shopping(rs, [hp])}
    assert got == pytest.approx(_expected_shopping(rs, hp, members))


def test_refresh_keeps_the_menu_when_a_member_changes_meals_only_servings_move() -> None:
    rs = modest_set()
    members = _ana_ben()
    hp = hh.plan_household_day(rs, members, DAY)
    ben_snacks = [members[0], m(2, slots=(B, L, D, S))]
    kept = hh.refresh(rs, hp, ben_snacks)
    assert kept is not None
    assert [x.recipe_id for x in kept.plan.meals] == [x.recipe_id for x in hp.plan.meals]
    assert kept.plan.meal(S).servings == 2
    assert hh.check_household(rs, kept, ben_snacks) == []


async def test_today_and_shopping_in_the_bot_follow_each_members_meals(bot: Harness) -> None:
    ana, ben, _ = await family_of_two(bot)
    svc = bot.services
    await svc.store.update_user(ANA.id, slots=(B, D, S))
    await svc.store.update_user(BEN.id, slots=(B, L, D))
    ana_text, ben_text = visible_text(await today_text(ana)), visible_text(await today_text(ben))
    user = await svc.store.get_user(ANA.id)
    hp = hh.from_dict(await svc.store.get_plan(household_owner(user.household_id), svc.today(user)))
    members = await svc.family.members(user.household_id)
    assert hh.check_household(svc.recipes, hp, members) == []
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
    shown = visible_text(texts(calls)[-1])
    ben_user = await svc.store.get_user(BEN.id)
    _, items = await svc.family.shopping(ben_user, svc.today(ben_user), 1)
    got = {i.item_id: i.grams for i in items}
    assert got == pytest.approx(_expected_shopping(svc.recipes, hp, members))
    assert all(i.display in shown for i in items)


# --------------------------------------------------------------------------- 2. leaving


async def _stored_hplan(bot: Harness, user_id: int) -> hh.HouseholdPlan:
    svc = bot.services
    user = await svc.store.get_user(user_id)
    raw = await svc.store.get_plan(household_owner(user.household_id), svc.today(user))
    assert raw is not None
    return hh.from_dict(raw)


def _to(calls, user_id: int) -> list[str]:
    return [
        visible_text(c.text)
        for c in calls
        if c.method == "sendMessage" and c.params["chat_id"] == user_id
    ]


async def test_leaving_keeps_todays_plan_when_it_still_fits(bot: Harness) -> None:
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
    assert hh.check_household(svc.recipes, after, await svc.family.members(household_id)) == []
    assert "Shared household plan for 1 person" in visible_text(await today_text(ana))


async def test_leaving_replans_when_a_meal_now_fits_and_tells_the_others(bot: Harness) -> None:
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


async def test_removed_member_the_others_hear_of_a_replan_once(bot: Harness) -> None:
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


# --------------------------------------------------------------------------- 3. private chat


async def test_group_answers_lead_to_the_private_chat_and_plan_commands_to_plan(
    bot: Harness,
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


# --------------------------------------------------------------------------- 4. invite expiry


async def test_invite_expiry_is_in_the_owners_time_zone(bot: Harness) -> None:
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


def test_invite_expiry_with_an_unknown_zone_says_utc() -> None:
    from bot.chat.render.family import local_expiry

    moment = dt.datetime(2027, 5, 17, 9, 0, tzinfo=dt.UTC)
    assert local_expiry(moment, "Mars/Olympus") == "17 May 2027, 09:00 (UTC)"
    assert local_expiry(moment, "Asia/Tokyo") == "17 May 2027, 18:00 (Asia/Tokyo)"
