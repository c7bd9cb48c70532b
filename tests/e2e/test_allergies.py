"""End to end: the allergy journey on the REAL application over local HTTP (see
tests/e2e/test_plans.py for why). A new vegan leaves out two overlapping groups at onboarding
(soy and gluten: soy sauce is both), brings gluten back, and a week of plans and every recipe
view (the days' 📖 buttons, /recipe, the shopping list) is free of soy or says so."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from e2e_bot import TOKEN, buttons, onboard, running_bot, say, services_of, tap
from fake_bot_api import FakeBotApi

from bot.core.models import RecipeSet

pytestmark = pytest.mark.usefixtures("e2e_database")

ANA = 434343
TEST_BUDGET_S = 90
SOY_WARNING = "⚠️ contains soy (you excluded it)"


def soy_names(rs: RecipeSet) -> set[str]:
    """Words that name a soy food in a message (the ingredient names and their first part)."""
    names = set()
    for ing in rs.ingredients.values():
        if "soy" in ing.groups:
            names |= {ing.name.lower(), ing.name.split(",")[0].lower()}
    return names


def free_of_soy_or_warns(text: str, names: set[str]) -> bool:
    lowered = text.lower()
    return SOY_WARNING in text or not any(name in lowered for name in names)


async def test_two_overlapping_groups_one_included_a_week_without_soy(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    async with (
        asyncio.timeout(TEST_BUDGET_S),
        api,
        running_bot(api, tmp_path) as (application, errors),
    ):
        services = services_of(application)
        rs = services.recipes
        names = soy_names(rs)
        assert {"tofu", "soy sauce"} <= names

        await onboard(api, ANA, "Vegan", "3.0", allergens=("Soy", "Gluten"))
        user = await services.store.get_user(ANA)
        assert user is not None and user.exclude == {"group:soy", "group:gluten"}

        reply = await say(api, ANA, "/include gluten")
        assert "Back in your plans: gluten" in reply["text"]
        assert "Soy sauce is part of soy, which you excluded" in reply["text"]
        user = await services.store.get_user(ANA)
        assert user is not None and user.exclude == {"group:soy"}

        # a week of plans: no soy food in any stored day (recipes and top-ups)
        week = await say(api, ANA, "/week")
        soy_ids = {i.id for i in rs.ingredients.values() if "soy" in i.groups}
        for plan in await services.plans.days(user, services.today(user), 7):
            for meal in plan.meals:
                assert not rs.recipes[meal.recipe_id].item_ids & soy_ids, meal.recipe_id
                assert meal.topup_item not in soy_ids

        # every day's message and each of its 📖 recipe buttons
        day_labels = [label for label, data in buttons(week) if data.startswith("v1:plan:")]
        assert len(day_labels) == 7
        recipes_seen = 0
        for label in day_labels:
            day = (await tap(api, week, label)).result
            assert free_of_soy_or_warns(day["text"], names), day["text"]
            for recipe_label, _ in buttons(day):
                if recipe_label.startswith("📖"):
                    shown = (await tap(api, day, recipe_label)).result["text"]
                    assert free_of_soy_or_warns(shown, names), shown
                    recipes_seen += 1
        assert recipes_seen >= 7 * 3

        # /recipe of a soy-sauce dish warns; the week's shopping list has no soy food
        fried_rice = await say(api, ANA, "/recipe vegetable egg fried rice")
        assert SOY_WARNING in fried_rice["text"]
        shopping = await say(api, ANA, "/shopping 7")
        listed = shopping["text"] + "\n" + "\n".join(label for label, _ in buttons(shopping))
        assert free_of_soy_or_warns(listed, names), listed

        assert errors == [], f"handlers raised: {errors!r}"
        assert all(c.status != 400 for c in api.calls), [
            (c.method, c.result) for c in api.calls if c.status == 400
        ]
