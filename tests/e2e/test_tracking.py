"""End to end over local HTTP: the real application against the fake Bot API on
127.0.0.1. A user logs meals and a supplement, gets a correct tally and a 30-day chart (a
real PNG via sendPhoto), adds lab results in two units that convert correctly, gets a
reminder, exports their data and deletes it with nothing left behind."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from e2e_bot import WAIT_S, button_data, database_url, running_bot, say, services_of, to_chat
from fake_bot_api import FakeBotApi
from fake_clock import START, Clock
from store_helpers import rows_mentioning

from bot.chat.jobs.tracking import run_tracking_tick_now
from bot.core.tally import fmt_ug

# every journey runs on SQLite and on PostgreSQL (tests/e2e/conftest.py)
pytestmark = pytest.mark.usefixtures("e2e_database")

UTC = dt.UTC
ANA = 515151515
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def answer_of_tap(api: FakeBotApi, message: dict[str, Any], label: str) -> str:
    """Tap a button; return the toast text of the callback answer."""
    data = button_data(message, label)
    mark = api.mark()
    api.user_taps(ANA, message["message_id"], data)
    call = await api.wait_for("answerCallbackQuery", timeout=WAIT_S, after=mark)
    return str(call.params.get("text", ""))


async def tap_and_wait(api: FakeBotApi, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Tap a button that edits its message or sends one; return the changed/new message."""
    data = button_data(message, label)
    mark = api.mark()
    api.user_taps(ANA, message["message_id"], data)
    call = await api.wait_for(
        {"editMessageText", "sendMessage"}, to_chat(ANA), timeout=WAIT_S, after=mark
    )
    await api.wait_for("answerCallbackQuery", timeout=WAIT_S, after=mark)
    return call.result


async def command_with_upload(api: FakeBotApi, text: str, method: str) -> tuple[str, bytes]:
    """Send a command that answers with a file (photo/document); return (reply text, file)."""
    mark = api.mark()
    api.user_sends(ANA, text, first_name="Ana")
    call = await api.wait_for(method, to_chat(ANA), timeout=WAIT_S, after=mark)
    replies = [c.params.get("text", "") for c in api.calls[mark:] if c.method == "sendMessage"]
    (content,) = call.files.values()
    return "\n".join(replies), content


async def album_of(api: FakeBotApi, text: str) -> Any:
    """Send a command that answers with an album; return the sendMediaGroup call."""
    mark = api.mark()
    api.user_sends(ANA, text, first_name="Ana")
    return await api.wait_for("sendMediaGroup", to_chat(ANA), timeout=WAIT_S, after=mark)


async def test_track_chart_labs_export_delete_over_http(tmp_path: Path) -> None:
    clock = Clock()
    async with (
        FakeBotApi() as api,
        running_bot(api, tmp_path, now=clock.now) as (application, errors),
    ):
        # onboarding by taps
        msg = await say(api, ANA, "/start")
        for label in ("Vegan", "2.4", "None of these", "Berlin", "EU", "None, go on", "07:30"):
            msg = await tap_and_wait(api, api.message(ANA, msg["message_id"]), label)

        # today's plan carries check-off buttons; tick breakfast and skip lunch
        plan_msg = await say(api, ANA, "/today")
        svc = services_of(application)
        user = await svc.store.get_user(ANA)
        assert user is not None
        plan = await svc.plans.day_plan(user, START.date())
        breakfast = plan.meals[0]
        toast = await answer_of_tap(api, plan_msg, "Breakfast eaten")
        assert toast.startswith("Breakfast: eaten")
        lunch_skip = [
            (b["text"], b["callback_data"])
            for row in plan_msg["reply_markup"]["inline_keyboard"]
            for b in row
            if b.get("callback_data", "").startswith("v1:ml:s:") and ":lunch:" in b["callback_data"]
        ]
        assert len(lunch_skip) == 1
        mark = api.mark()
        api.user_taps(ANA, plan_msg["message_id"], lunch_skip[0][1])
        call = await api.wait_for("answerCallbackQuery", timeout=WAIT_S, after=mark)
        assert str(call.params["text"]).startswith("Lunch: skipped")

        reply = await say(api, ANA, "/took 1000")
        assert "Logged a supplement of 1,000 µg" in reply["text"]

        # the tally and the chart
        text, png = await command_with_upload(api, "/progress", "sendPhoto")
        expected = (
            f"Today: {fmt_ug(breakfast.b12_ug + 1000)} µg "
            f"(food {fmt_ug(breakfast.b12_ug)} µg, supplement 1,000 µg) — target reached."
        )
        assert expected in text
        assert png.startswith(PNG_MAGIC) and len(png) > 20_000
        Path("/tmp/b12_e2e_progress.png").write_bytes(png)

        # lab results in two units
        reply = await say(api, ANA, "/levels add serum 320 pg/mL 2026-10-02")
        assert "236 pmol/L" in reply["text"] and "not a diagnosis" in reply["text"]
        reply = await say(api, ANA, "/levels add serum 200 pmol/L 2026-11-20")
        assert "(= 271 pg/mL)" in reply["text"]  # 200 x 1.355
        reply = await say(api, ANA, "/levels add serum 32000 pmol/L")  # 43,360 pg/mL
        assert "not a possible serum B12 result" in reply["text"]
        text, png = await command_with_upload(api, "/levels", "sendPhoto")
        assert re.search(r"1\. 2026-10-02 · serum B12 320 pg/mL \(236 pmol/L\)", text)
        assert re.search(r"2\. 2026-11-20 · serum B12 200 pmol/L \(271 pg/mL\)", text)
        assert png.startswith(PNG_MAGIC)
        Path("/tmp/b12_e2e_levels.png").write_bytes(png)

        # a second marker: /levels sends both charts as one album
        reply = await say(api, ANA, "/levels add mma 0.25 umol/L 2026-11-20")
        assert "Saved result #3" in reply["text"]
        album = await album_of(api, "/levels")
        assert album.ok, f"sendMediaGroup answered {album.status}"
        assert [m["type"] for m in album.params["media"]] == ["photo", "photo"]
        assert all(content.startswith(PNG_MAGIC) for content in album.files.values())
        assert len(album.files) == 2
        captions = [m["caption"] for m in album.result]
        assert captions[0].startswith("serum B12 over time") and captions[1].startswith("MMA")
        assert len({m["media_group_id"] for m in album.result}) == 1

        # when Telegram refuses the album, each chart still arrives as its own photo
        api.inject_error("sendMediaGroup", 400, "Bad Request: group send failed")
        mark = api.mark()
        api.user_sends(ANA, "/levels", first_name="Ana")
        await api.wait_for(
            "sendPhoto", lambda c: "MMA" in str(c.params.get("caption")), WAIT_S, after=mark
        )
        photos = [c for c in api.calls[mark:] if c.method == "sendPhoto" and c.ok]
        assert [str(c.params["caption"]).split(" over")[0] for c in photos] == ["serum B12", "MMA"]
        assert not any("went wrong" in str(c.params.get("text")) for c in api.calls[mark:])

        # a reminder at 08:00 Berlin the next morning, through the application's tick
        reply = await say(api, ANA, "/remind daily 500 08:00")
        assert "Wed 25 Nov 08:00" in reply["text"]
        clock.current = dt.datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
        mark = api.mark()
        await run_tracking_tick_now(application)
        call = await api.wait_for("sendMessage", to_chat(ANA), timeout=WAIT_S, after=mark)
        assert "Daily tablet: 500 µg at 08:00" in call.params["text"]
        toast = await answer_of_tap(api, call.result, "Taken")
        assert toast == "Logged as taken ✅"

        # export, then delete after a confirmation tap
        text, payload = await command_with_upload(api, "/export", "sendDocument")
        data = json.loads(payload)
        assert [lab["unit"] for lab in data["lab_results"]] == ["pg/mL", "pmol/L", "µmol/L"]
        assert sorted(d["dose_ug"] for d in data["tables"]["doses"]) == [500.0, 1000.0]
        assert {(m["slot"], m["status"]) for m in data["tables"]["meal_logs"]} == {
            ("breakfast", "eaten"),
            ("lunch", "skipped"),
        }
        assert data["reminders"][0]["description"].startswith("Daily tablet")

        confirm = await say(api, ANA, "/delete")
        done = await tap_and_wait(api, confirm, "Yes, erase everything")
        assert "erased" in done["text"]
        assert errors == []

    left = await rows_mentioning(database_url(tmp_path), ANA)
    assert left == [], f"rows still mention the user: {left}"
