"""The PostgreSQL connection pool: a connection the server dropped is replaced before a
transaction uses it, without SQLAlchemy's ping on every checkout (three round trips)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa

from bot.storage import pg_pool
from bot.storage.db import Database


@pytest.fixture
async def pg(database_url: str, engine_name: str) -> AsyncIterator[Database]:
    if engine_name != "postgresql":
        pytest.skip("the pool is PostgreSQL's (SQLite keeps one connection of its own)")
    database = await Database.open(database_url)
    try:
        yield database
    finally:
        await database.close()


async def drop_other_connections(database: Database) -> int:
    """What a server restart does to the pool: every other connection of this database is
    closed from the server side."""
    async with database.read() as conn:
        dropped = await conn.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    return int(dropped or 0)


async def pooled_then_dropped(database: Database) -> None:
    """Two connections in the pool (one used for writes, one for reads), then both dropped."""
    async with database.transaction() as conn:
        async with database.read() as other:
            await other.execute(sa.text("SELECT 1"))
        await conn.execute(sa.text("SELECT 1"))
    async with database.read() as conn:  # the killer's own connection is not dropped
        pass
    assert await drop_other_connections(database) >= 1
    await asyncio.sleep(0.2)  # the close reaches the bot (as it does long before a next update)


async def transactions_work(database: Database, count: int = 4) -> None:
    """`count` transactions in a row: every pooled connection is checked out again in turn."""
    for value in range(count):
        async with database.transaction() as conn:
            assert await conn.scalar(sa.text("SELECT CAST(:v AS int)"), {"v": value}) == value


async def test_a_connection_the_server_closed_is_replaced_without_an_error(pg: Database) -> None:
    await pooled_then_dropped(pg)
    await transactions_work(pg)


@pytest.mark.parametrize("idle_for_long", [True, False])
async def test_a_half_open_connection_is_pinged_only_after_being_idle_for_long(
    pg: Database, monkeypatch: pytest.MonkeyPatch, idle_for_long: bool
) -> None:
    await pooled_then_dropped(pg)
    # half-open connections: asyncpg has not seen the close (no EOF came through)
    monkeypatch.setattr(asyncpg.Connection, "is_closed", lambda self: False)
    if idle_for_long:  # pinged at checkout, found dead, replaced
        monkeypatch.setattr(pg_pool, "PG_PING_IDLE_S", 0.0)
        await transactions_work(pg)
    else:  # used a moment ago: trusted without a round trip, so the statement finds it dead
        with pytest.raises(sa.exc.DBAPIError):
            await transactions_work(pg)
