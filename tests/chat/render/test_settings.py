"""The settings screens: the /include buttons name each left-out food so it can be told apart."""

from __future__ import annotations

import dataclasses

from bot.chat.render.format import BUTTON_LABEL_MAX
from bot.chat.render.settings import exclusions_keyboard
from bot.core.models import RecipeSet, UserSettings


def test_two_foods_with_one_short_name_keep_distinguishable_labels(shipped: RecipeSet) -> None:
    tofu = shipped.ingredients["tofu_firm"]
    twin = dataclasses.replace(tofu, id="tofu_silken_test", name="Tofu, silken, extra soft")
    both = dataclasses.replace(shipped, ingredients={**shipped.ingredients, twin.id: twin})
    user = UserSettings(user_id=1, chat_id=1, exclude=frozenset({tofu.id, twin.id, "pasta"}))
    markup = exclusions_keyboard(user, both, back=False)
    assert markup is not None
    labels = [button.text for row in markup.inline_keyboard for button in row]
    assert "↩️ Pasta" in labels
    tofus = [label for label in labels if "Tofu" in label]
    assert len(tofus) == 2 and len(set(tofus)) == 2
    assert all(len(label) <= BUTTON_LABEL_MAX for label in labels)
