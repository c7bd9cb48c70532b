"""The PostgreSQL engine and its connection pool, and how a dead pooled connection is noticed.

A worker keeps PG_POOL_SIZE connections (+ as many for bursts). SQLAlchemy's `pool_pre_ping`
would check every connection at every checkout: on asyncpg that is BEGIN, a ping and ROLLBACK,
three round trips per transaction, more than most of the push's transactions themselves. Here
a connection asyncpg knows is closed (the server restarted: the socket saw EOF) is replaced at
once, one idle for longer than PG_PING_IDLE_S is pinged first, and one used a moment ago is
trusted: if it died in between, its statement fails and SQLAlchemy discards it.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

PG_CONNECT_TIMEOUT_S = 10.0
PG_POOL_SIZE = 5
PG_PING_IDLE_S = 30.0


def pg_engine(url: sa.URL) -> AsyncEngine:
    """The engine of a PostgreSQL URL (postgresql+asyncpg), with the pool checks above."""
    connect_args: dict[str, Any] = {}
    if "timeout" not in url.query:
        connect_args["timeout"] = PG_CONNECT_TIMEOUT_S
    engine = create_async_engine(
        url,
        pool_size=PG_POOL_SIZE,
        max_overflow=PG_POOL_SIZE,
        connect_args=connect_args,
    )
    pool = engine.sync_engine.pool
    event.listen(pool, "checkout", _check_out)
    event.listen(pool, "checkin", _check_in)
    return engine


def _check_in(dbapi_conn: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _check_out(dbapi_conn: Any, record: Any, proxy: Any) -> None:
    """Raising DisconnectionError makes the pool throw the connection away and check out
    another (see the module docstring)."""
    driver = getattr(dbapi_conn, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise sa.exc.DisconnectionError("the connection was closed")
    idle_since = record.info.get("idle_since")
    if idle_since is not None and time.monotonic() - idle_since > PG_PING_IDLE_S:
        try:
            dbapi_conn.ping()
        except Exception as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc
