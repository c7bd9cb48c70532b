"""End to end over local HTTP: a lab result added by buttons only (marker -> unit -> value on
the number pad -> date picker -> saved with the NICE band), one message edited in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from e2e_bot import onboard, press, running_bot, say, services_of
from fake_bot_api import FakeBotApi
from fake_clock import Clock

from bot.core.labs import PMOL_L, Marker
from bot.services.tracking import tracking_store

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

ANA = 515151515


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
