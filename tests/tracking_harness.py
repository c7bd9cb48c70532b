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

from ptb_offline import (
    START,
    Clock,
    OfflineBot,
    RecordingRequest,
    onboard,
    running_application,
)

from bot.services.tracking import tracking_store
from bot.storage.tracking import TrackingStore

__all__ = ["Clock", "FileRecordingRequest", "Harness", "offline_bot", "onboard"]


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
class Harness(OfflineBot):
    request: FileRecordingRequest

    @property
    def tracking(self) -> TrackingStore:
        return tracking_store(self.services.store)


@asynccontextmanager
async def offline_bot(tmp_path: Path, start: dt.datetime = START) -> AsyncIterator[Harness]:
    clock = Clock(start)
    request = FileRecordingRequest()
    async with running_application(tmp_path, clock, request) as app:
        yield Harness(app, request, clock)
