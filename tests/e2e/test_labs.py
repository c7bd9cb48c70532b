"""End to end over local HTTP: a lab result added by buttons only (marker -> unit -> value on
the number pad -> date picker -> saved with the NICE band), one message edited in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from e2e_bot import WAIT_S, buttons, onboard, running_bot, say, services_of, to_chat
from fake_bot_api import FakeBotApi
from fake_clock import Clock

from bot.core.labs import PMOL_L, Marker
from bot.services.tracking import tracking_store

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

ANA = 515151515


async def press(api: FakeBotApi, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Tap the button labelled exactly `label`; return the message as the bot edited it."""
    found = [data for text, data in buttons(message) if text == label]
    assert found, f"no button {label!r}; buttons: {[t for t, _ in buttons(message)]}"
    mark = api.mark()
    api.user_taps(ANA, message["message_id"], found[0])
    call = await api.wait_for("editMessageText", to_chat(ANA), timeout=WAIT_S, after=mark)
    await api.wait_for("answerCallbackQuery", timeout=WAIT_S, after=mark)
    assert call.result["message_id"] == message["message_id"]  # edited in place
    return call.result


async def test_lab_result_by_buttons_over_http(tmp_path: Path) -> None:
    clock = Clock()
    async with (
        FakeBotApi() as api,
        running_bot(api, tmp_path, now=clock.now) as (application, errors),
    ):
        await onboard(api, ANA, "Vegan", "2.4")
        message = await say(api, ANA, "/levels")
        for label in ("➕ Add a result", "Active B12 (holoTC)", "pmol/L", "3", "0", "OK ✅"):
            message = await press(api, message, label)
        for label in ("📅 Pick a day", "◀ Oct 2026", "15"):
            message = await press(api, message, label)
        text = message["text"]
        assert "Saved result #1" in text and "30 pmol/L" in text
        assert "indeterminate" in text  # NICE NG239: active B12 25-70 pmol/L
        assert "not a diagnosis" in text

        (lab,) = await tracking_store(services_of(application).store).labs(ANA)
        assert (lab.result.marker, lab.result.value, lab.result.unit) == (
            Marker.HOLOTC,
            30.0,
            PMOL_L,
        )
        assert lab.result.taken_on == dt.date(2026, 10, 15)
        assert errors == []
