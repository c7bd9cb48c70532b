"""Family texts: invite expiry in the owner's local time, the group plan, and every family
screen in German, Spanish and French."""

from __future__ import annotations

import datetime as dt

import pytest
from ptb_offline import visible_text
from telegram import InlineKeyboardMarkup, InlineQueryResultsButton
from translated import english_left, in_language

from bot.chat.render.family import (
    GROUP_EXCLUDED,
    GROUP_ONE_MET,
    GROUP_OWN_TOTALS,
    render_group_plan,
    render_group_share,
    render_household,
    render_invite,
    render_invite_confirm,
    render_joined,
    render_no_household,
    render_plan_update_notice,
    render_private_only,
    render_swap_notice,
    setup_inline_button,
)
from bot.core.household import Member, plan_household_day
from bot.core.household_view import member_view
from bot.core.models import Diet, Profile, RecipeSet, UserSettings
from bot.storage.family import GroupLink, Household, InviteInfo, MemberRecord


def test_invite_expiry_with_an_unknown_zone_says_utc() -> None:
    from bot.chat.render.family import local_expiry

    moment = dt.datetime(2027, 5, 17, 9, 0, tzinfo=dt.UTC)
    assert local_expiry(moment, "Mars/Olympus") == "17 May 2027, 09:00 (UTC)"
    assert local_expiry(moment, "Asia/Tokyo") == "17 May 2027, 18:00 (Asia/Tokyo)"


def test_setup_inline_button_opens_the_private_chat_at_start() -> None:
    button = setup_inline_button()
    assert isinstance(button, InlineQueryResultsButton)
    assert button.to_dict() == {"text": "Set up your plan first", "start_parameter": "start"}


def test_group_plan_marks_a_meal_a_member_excluded_without_naming_anyone(
    shipped: RecipeSet,
) -> None:
    """A meal kept with a food a member has since excluded is marked in the group; who
    excluded what stays in the private chats."""
    ana = Member(1, Profile(diet=Diet.OMNIVORE, name="Ana"))
    ben = Member(2, Profile(diet=Diet.OMNIVORE, name="Ben"))
    hplan = plan_household_day(shipped, [ana, ben], dt.date(2026, 11, 24))
    home = Household(7, "The Smiths", dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    plain = visible_text(render_group_plan(hplan, shipped, home, title="Plan"))
    assert GROUP_EXCLUDED not in plain
    first = hplan.plan.meals[0]
    food = sorted(shipped.recipes[first.recipe_id].item_ids)[0]
    marked = visible_text(
        render_group_plan(hplan, shipped, home, title="Plan", excluded=frozenset({food}))
    )
    assert marked.count(GROUP_EXCLUDED) >= 1
    meal_line = next(i for i, line in enumerate(marked.splitlines()) if "Breakfast" in line)
    assert GROUP_EXCLUDED in "\n".join(marked.splitlines()[meal_line : meal_line + 3])
    assert shipped.ingredients[food].name not in marked  # the food is not named either


def test_a_household_of_one_is_not_told_for_everyone(shipped: RecipeSet) -> None:
    """After the others left, the one member's plan and group say "added", "on target"."""
    for target in (3.0, 5.0, 8.0):  # met without a top-up, met with one, short
        ana = Member(1, Profile(diet=Diet.VEGAN, target_ug=target, name="Ana"))
        hplan = plan_household_day(shipped, [ana], dt.date(2026, 11, 24))
        home = Household(7, "The Smiths", dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        group = visible_text(render_group_plan(hplan, shipped, home, title="Plan"))
        own = member_view(shipped, hplan, 1)
        assert "everyone" not in group and not any("everyone" in n for n in own.notes)
        assert (GROUP_ONE_MET in group) == hplan.all_met and (GROUP_OWN_TOTALS in group) != (
            hplan.all_met
        )


def test_group_plan_rounds_a_shared_top_up_as_every_message_does(shipped: RecipeSet) -> None:
    ana = Member(1, Profile(diet=Diet.VEGAN, target_ug=5.0, name="Ana"))
    ben = Member(2, Profile(diet=Diet.VEGAN, target_ug=5.0, name="Ben"))
    hplan = plan_household_day(shipped, [ana, ben], dt.date(2026, 11, 24))
    yeast = [m for m in hplan.plan.meals if m.topup_item == "nutritional_yeast"]
    assert yeast and "(3.75 g)" in yeast[0].topup_label  # the planner's stored label
    home = Household(7, "The Smiths", dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    group = visible_text(render_group_plan(hplan, shipped, home, title="Plan"))
    topup_lines = [x for x in group.splitlines() if "➕ plus" in x and "yeast" in x]
    assert topup_lines and all("(3.8 g)" in line for line in topup_lines)
    assert "3.75" not in group


# --- other languages -----------------------------------------------------------------------

HOME = Household(7, "The Smiths", dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
JOINED = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


def _members() -> list[MemberRecord]:
    ana = UserSettings(user_id=1, chat_id=1, first_name="Ana", diet=Diet.VEGAN, target_ug=2.4)
    ben = UserSettings(user_id=2, chat_id=2, first_name="Ben", diet=Diet.OMNIVORE)
    return [MemberRecord(ana, 7, "owner", JOINED), MemberRecord(ben, 7, "member", JOINED)]


def _labels(markup: InlineKeyboardMarkup | None) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row] if markup else []


def _family_texts(shipped: RecipeSet) -> list[str]:
    """Every family screen, rendered in the current language (texts and button labels)."""
    expires = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)
    invite = InviteInfo(HOME, 1, "Ana", expires)
    other = Household(8, "The Joneses", JOINED)
    ana = Member(1, Profile(diet=Diet.VEGAN, target_ug=5.0, name="Ana"))
    ben = Member(2, Profile(diet=Diet.VEGAN, target_ug=5.0, name="Ben"))
    hplan = plan_household_day(shipped, [ana, ben], dt.date(2026, 11, 24))
    group = GroupLink(-5, 7, 1, "Kitchen", "Europe/Berlin", dt.time(7, 0), True, JOINED)
    screens = [
        render_no_household("Ana"),
        render_household(HOME, _members(), 1, [group]),
        render_invite(HOME, "https://t.me/b12_bot?start=x", expires, "Europe/Berlin"),
        render_invite_confirm(invite, "t" * 32, other),
        render_private_only("today", "b12_bot"),
        render_private_only("settings", "b12_bot"),
    ]
    texts = [text for text, markup in screens] + [
        label for _text, markup in screens for label in _labels(markup)
    ]
    return [
        *texts,
        render_joined(HOME, onboarded=False),
        render_swap_notice("Ana", "breakfast", "Porridge", dt.date(2026, 12, 1)),
        render_plan_update_notice("Ben", "joined", dt.date(2026, 12, 1), dt.date(2026, 12, 1)),
        render_plan_update_notice("Ben", "left", dt.date(2026, 12, 2), dt.date(2026, 12, 1)),
        render_group_share(True),
        render_group_share(False),
        render_group_plan(hplan, shipped, HOME, title="Plan", sharing=frozenset({1, 2})),
    ]


@pytest.mark.parametrize("lang", ["de", "es", "fr"])
def test_every_family_screen_is_translated(shipped: RecipeSet, lang: str) -> None:
    with in_language(lang):
        texts = _family_texts(shipped)
    for text in texts:
        left = english_left(text.replace("The Smiths", "").replace("The Joneses", ""))
        assert not left, (text, left)


def test_the_german_family_screen_invite_and_group_plan(shipped: RecipeSet) -> None:
    expires = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)
    ana = Member(1, Profile(diet=Diet.VEGAN, target_ug=5.0, name="Ana"))
    ben = Member(2, Profile(diet=Diet.VEGAN, target_ug=5.0, name="Ben"))
    hplan = plan_household_day(shipped, [ana, ben], dt.date(2026, 11, 24))
    with in_language("de"):
        screen, markup = render_household(HOME, _members(), 1)
        invite, _markup = render_invite(HOME, "https://t.me/x", expires, "Europe/Berlin")
        group = visible_text(render_group_plan(hplan, shipped, HOME, title="Plan"))
        one = visible_text(render_group_plan(
            plan_household_day(shipped, [ana], dt.date(2026, 11, 24)), shipped, HOME, title="P"
        ))  # fmt: skip
    assert "· 2 Personen" in screen and "· 1 Person" in one  # ngettext, not "1 Personen"
    assert "Ana (Sie): vegan, Ziel 2,4 µg" in screen and "Ben: isst alles, Ziel" in screen
    assert "➖ Ben entfernen" in _labels(markup) and "🚪 Haushalt verlassen" in _labels(markup)
    assert "<b>Einladung zu The Smiths</b>" in invite
    assert "08.12.2026, 11:00 (Europe/Berlin)" in invite  # local date, 24-hour clock
    assert "🌅 Frühstück:" in group and "µg B12 pro Person" in group
    assert "dazu" in group and "für alle" in group and "(3,8 g)" in group
    assert "Keine medizinische Beratung" in group


def test_english_family_texts_read_as_before(shipped: RecipeSet) -> None:
    screen, _markup = render_household(HOME, _members(), 1)
    assert "👪 <b>The Smiths</b> · 2 people" in screen
    assert "👑 Ana (you): vegan, target 2.4 µg" in screen and "• Ben: omnivore, target" in screen
    notice = render_swap_notice("Ana", "breakfast", "Porridge", dt.date(2026, 12, 1))
    assert notice == (
        "🔁 Ana swapped breakfast for Tue 1 Dec: now <b>Porridge</b>. /today shows the plan."
    )
    update = render_plan_update_notice("Ben", "left", dt.date(2026, 12, 2), dt.date(2026, 12, 1))
    assert update.startswith(
        "🔄 The household plans from Wed 2 Dec on were updated because Ben left"
    )
