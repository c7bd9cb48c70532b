"""Fixtures shared across the layers: the shipped recipe set, databases on both engines, a fresh
store, the offline bot.

Helper modules (the offline PTB harness, the fake Bot API, recipe sets, paths) live in
tests/support/, which pytest puts on sys.path (`pythonpath` in pyproject.toml).

Databases: `database_url` is parametrised over the engines, so every test that uses it (or
`store`) runs once on SQLite and once on PostgreSQL. PostgreSQL is one throwaway server per
test session (pgserver, data under the system temp folder), started only when a PostgreSQL
test runs; each test gets its own database cloned from a migrated template (~70 ms).
  B12_TEST_ENGINES=sqlite       only SQLite (no server is started)
  B12_TEST_PG_URL=postgresql://…  use that server instead of starting one (needs CREATEDB)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.i18n import catalogue_languages, enable_languages
from bot.core.models import RecipeSet
from bot.core.recipes import load_recipes
from bot.storage.db import Database
from bot.storage.store import Store

if TYPE_CHECKING:
    from ptb_offline import OfflineBot

ENGINES = [e.strip() for e in os.environ.get("B12_TEST_ENGINES", "sqlite,postgresql").split(",")]
ENGINES = [e for e in ENGINES if e]
_unknown = set(ENGINES) - {"sqlite", "postgresql"}
if _unknown:
    raise pytest.UsageError(f"B12_TEST_ENGINES: unknown engine(s) {sorted(_unknown)}")
PG_DATA_PREFIX = "b12-pg-"
TEMPLATE = "b12_template"


@pytest.fixture(autouse=True)
def every_language() -> Iterator[None]:
    """Tests may speak every language with a catalogue; the bot itself offers only the ones
    BOT_LANGUAGES switches on (English by default: tests/core/test_i18n.py checks that)."""
    enable_languages(catalogue_languages())
    yield
    enable_languages(catalogue_languages())


@pytest.fixture(scope="session")
def shipped() -> RecipeSet:
    """The shipped recipe set (recipes/), loaded once: RecipeSet is immutable."""
    return load_recipes()


# --- PostgreSQL server for the session --------------------------------------------------------


def reap_orphaned_servers(min_age_s: float = 60.0) -> list[str]:
    """Stop and delete test clusters left by a killed session (SIGKILL or a CI timeout leaves
    the postgres running, reparented to init). A cluster is an orphan when every client pid
    pgserver recorded is gone; young folders are left alone (a parallel session may be between
    creating its folder and starting its server)."""
    import pgserver
    import psutil

    reaped = []
    for data in Path(tempfile.gettempdir()).glob(PG_DATA_PREFIX + "*"):
        try:
            if time.time() - data.stat().st_mtime < min_age_s:
                continue
            pids_file = data / ".handle_pids.json"
            pids = json.loads(pids_file.read_text()) if pids_file.exists() else []
        except (OSError, ValueError):
            pids = []
        if any(psutil.pid_exists(pid) for pid in pids):
            continue
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                pgserver.pg_ctl(
                    ["-w", "-m", "immediate", "stop"],
                    pgdata=data,
                    user="pgserver" if os.geteuid() == 0 else None,
                    timeout=20,
                )
        shutil.rmtree(data, ignore_errors=True)
        reaped.append(data.name)
    return reaped


def _in_thread(coro_factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run async set-up in a worker thread with its own loop: session fixtures are first
    requested from inside a test's running loop, where asyncio.run() is refused."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro_factory()).result()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[sa.URL]:
    """A PostgreSQL server for this session and a migrated template database on it."""
    if "postgresql" not in ENGINES:
        pytest.skip("B12_TEST_ENGINES leaves PostgreSQL out")
    external = os.environ.get("B12_TEST_PG_URL")
    if external:
        url = make_url(external).set(drivername="postgresql+asyncpg")
        server = None
    else:
        import pgserver

        reap_orphaned_servers()
        # Under the system temp folder, never in the repo or pytest's 0700 folder: as root,
        # pgserver runs postgres as its own user and opens g+rx,o+rx on every folder above.
        data = Path(tempfile.mkdtemp(prefix=PG_DATA_PREFIX, dir=tempfile.gettempdir()))
        server = pgserver.get_server(data, cleanup_mode="delete")
        # a throwaway cluster: durability off makes CREATE DATABASE and commits cheap
        server.psql(
            "ALTER SYSTEM SET fsync = off; ALTER SYSTEM SET synchronous_commit = off; "
            "ALTER SYSTEM SET full_page_writes = off; SELECT pg_reload_conf();"
        )
        url = make_url(server.get_uri()).set(drivername="postgresql+asyncpg", database="postgres")
    try:
        _in_thread(lambda: _create_template(url))
        yield url
    finally:
        if server is not None:
            server.cleanup()  # pg_ctl -w stop, then the data folder goes
            shutil.rmtree(data, ignore_errors=True)
        else:
            _in_thread(lambda: _drop_database(url, TEMPLATE))


async def _create_template(admin: sa.URL) -> None:
    await _drop_database(admin, TEMPLATE)
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await engine.dispose()
    db = await Database.open(admin.set(database=TEMPLATE))  # runs the Alembic upgrade
    await db.close()  # nobody may stay connected to a template that gets copied


async def _drop_database(admin: sa.URL, name: str) -> None:
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await engine.dispose()


# --- a fresh database per test ----------------------------------------------------------------


@pytest.fixture(
    params=[
        pytest.param(e, marks=[pytest.mark.postgresql] if e == "postgresql" else [], id=e)
        for e in ENGINES
    ]
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database per test, as a DATABASE_URL: a SQLite file in tmp_path (created on
    first open), or a PostgreSQL database cloned from the migrated template, dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    admin: sa.URL = request.getfixturevalue("pg_admin_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.suppress(Exception):
            async with engine.connect() as conn:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await engine.dispose()


@pytest.fixture
def engine_name(database_url: str) -> str:
    """ "sqlite" or "postgresql": the engine behind this test's database_url."""
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A migrated, empty store on `database_url` (both engines)."""
    opened = await Store.open(database_url)
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
