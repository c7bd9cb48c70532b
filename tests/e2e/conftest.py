"""The end-to-end journeys run against both engines: each test gets a fresh database from the
`database_url` fixture (tests/conftest.py), which the bot under test reads as DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator

import e2e_bot
import pytest


@pytest.fixture
def e2e_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(e2e_bot, "DATABASE_URL", database_url)
    yield database_url
