"""Family texts: invite expiry in the owner's local time."""

from __future__ import annotations

import datetime as dt

from ptb_offline import visible_text
from telegram import InlineQueryResultsButton

from bot.chat.render.family import (
    GROUP_EXCLUDED,
    GROUP_ONE_MET,
    GROUP_OWN_TOTALS,
    render_group_plan,
    setup_inline_button,
)
from bot.core.household import Member, plan_household_day
from bot.core.household_view import member_view
from bot.core.models import Diet, Profile, RecipeSet
from bot.storage.family import Household


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
