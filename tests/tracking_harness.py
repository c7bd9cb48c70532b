"""Offline harness for issue 6's handler tests: the real application (build_application) with
PTB's HTTP layer replaced by tests/ptb_offline.RecordingRequest, plus the uploaded files
(photos, documents) so tests can look at the PNGs and the export JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptb_offline import OfflineChat, RecordingRequest, TgUser
from telegram.ext import Application

from bot.app import build_application, stop_services
from bot.config import Settings
from bot.services import Services
from bot.storage_tracking import TrackingStore
from bot.tracking_service import tracking_store

UTC = dt.UTC
TOKEN = "123456789:AAEsecretTOKENvalue_for-tests"
# Tuesday 24 Nov 2026, 09:00 UTC = 10:00 in Berlin.
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def set(self, moment: dt.datetime) -> None:
        self.current = moment


@dataclass
class FileRecordingRequest(RecordingRequest):
    """RecordingRequest that also keeps uploaded files: (method, part name, filename, bytes)."""

    files: list[tuple[str, str, str, bytes]] = field(default_factory=list)

    async def do_request(
        self, url: str, method: str, request_data: Any = None, *args: Any, **kw: Any
    ):  # type: ignore[no-untyped-def]
        if request_data is not None and request_data.contains_files:
            name = url.rsplit("/", 1)[-1]
            for part, value in request_data.multipart_data.items():
                filename, content = value[0], value[1]
                data = content if isinstance(content, bytes) else content.read()
                self.files.append((name, part, str(filename), data))
        return await super().do_request(url, method, request_data, *args, **kw)

    def uploads(self, method: str) -> list[bytes]:
        return [data for name, _, _, data in self.files if name == method]


@dataclass
class Harness:
    app: Application
    request: FileRecordingRequest
    clock: Clock

    @property
    def services(self) -> Services:
        return self.app.bot_data["services"]

    @property
    def tracking(self) -> TrackingStore:
        return tracking_store(self.services.store)

    def chat(self, user: TgUser | None = None) -> OfflineChat:
        return OfflineChat(self.app, self.request, user or TgUser())


@asynccontextmanager
async def offline_bot(tmp_path: Path, start: dt.datetime = START) -> AsyncIterator[Harness]:
    clock = Clock(start)
    settings = Settings(token=TOKEN, database_path=tmp_path / "bot.sqlite3")
    request = FileRecordingRequest()
    app = build_application(
        settings, now=clock.now, request=request, updates_request=RecordingRequest()
    )
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    try:
        yield Harness(app, request, clock)
    finally:
        await stop_services(app)
        await app.shutdown()


async def onboard(chat: OfflineChat, diet: str = "Vegan", target: str = "2.4") -> None:
    await chat.send("/start")
    await chat.tap(diet)
    await chat.tap(target)
    await chat.tap("Berlin")
    await chat.tap("07:30")
