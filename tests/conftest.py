"""Fixtures shared across the layers: the shipped recipe set, a fresh store, the offline bot.

Helper modules (the offline PTB harness, the fake Bot API, recipe sets, paths) live in
tests/support/, which pytest puts on sys.path (`pythonpath` in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.core.models import RecipeSet
from bot.core.recipes import load_recipes
from bot.storage.store import Store

if TYPE_CHECKING:
    from ptb_offline import OfflineBot


@pytest.fixture(scope="session")
def shipped() -> RecipeSet:
    """The shipped recipe set (recipes/), loaded once: RecipeSet is immutable."""
    return load_recipes()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    """A migrated, empty store at `db_path`."""
    opened = await Store.open(db_path)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    """The real application offline (tests/support/ptb_offline.py) over a fresh database,
    its clock at ptb_offline.START."""
    from ptb_offline import offline_bot  # the Telegram layer, only for the tests that use it

    async with offline_bot(tmp_path) as harness:
        yield harness
