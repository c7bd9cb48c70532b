"""Does the database answer? For the workers' `GET /healthz` (a load balancer's check)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from bot.storage.db import Database

_PING = sa.text("SELECT 1")


async def database_answers(db: Database, timeout_s: float = 2.0) -> bool:
    """True when one `SELECT 1` comes back within `timeout_s`; never raises (a broken or
    closed connection, a stopped server, a timeout: False)."""

    async def ping() -> bool:
        async with db.read() as conn:
            return (await conn.execute(_PING)).scalar() == 1

    try:
        return await asyncio.wait_for(ping(), timeout_s)
    except Exception:
        return False
