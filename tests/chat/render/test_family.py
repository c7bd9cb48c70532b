"""Family texts: invite expiry in the owner's local time."""

from __future__ import annotations

import datetime as dt

from telegram import InlineQueryResultsButton

from bot.chat.render.family import setup_inline_button


def test_invite_expiry_with_an_unknown_zone_says_utc() -> None:
    from bot.chat.render.family import local_expiry

    moment = dt.datetime(2027, 5, 17, 9, 0, tzinfo=dt.UTC)
    assert local_expiry(moment, "Mars/Olympus") == "17 May 2027, 09:00 (UTC)"
    assert local_expiry(moment, "Asia/Tokyo") == "17 May 2027, 18:00 (Asia/Tokyo)"


def test_setup_inline_button_opens_the_private_chat_at_start() -> None:
    button = setup_inline_button()
    assert isinstance(button, InlineQueryResultsButton)
    assert button.to_dict() == {"text": "Set up your plan first", "start_parameter": "start"}
