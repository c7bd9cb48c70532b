"""The weekly summary's opt-in (`users.weekly_summary`) and who has it on.

Each summary is claimed in the tracking ledger (`tracking_sends`, kind 'weekly', one key per
user and week) through bot.storage.tracking.TrackingStore.claim_send before it is sent, so a
second tick, a restart or a second worker process never sends the same week twice; this
module only keeps the switch. One transaction per method, as in the other repositories.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.storage.schema import users
from bot.storage.store import StoreRepository

WEEKLY_KIND = "weekly"  # the tracking_sends kind
PAGE = 500  # opted-in users read per query


class WeeklyStore(StoreRepository):
    """The opt-in switch, through the Store's Database."""

    async def set_weekly(self, user_id: int, on: bool, *, now_utc: dt.datetime) -> bool:
        """Switch the weekly summary on or off; False when there is no such user."""
        stmt = (
            sa.update(users)
            .where(users.c.user_id == user_id)
            .values(weekly_summary=on, updated_utc=now_utc)
        )
        async with self.db.transaction() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def weekly_on(self, user_id: int) -> bool:
        stmt = sa.select(users.c.weekly_summary).where(users.c.user_id == user_id)
        async with self.db.read() as conn:
            return bool((await conn.execute(stmt)).scalar())

    async def weekly_users(self, after_id: int = 0, limit: int = PAGE) -> list[int]:
        """Opted-in users who can get a message (active, onboarded), by id, after `after_id`:
        a tick reads them page by page, so a large user base never loads at once."""
        stmt = (
            sa.select(users.c.user_id)
            .where(
                users.c.weekly_summary == sa.true(),
                users.c.active == sa.true(),
                users.c.onboarded == sa.true(),
                users.c.user_id > after_id,
            )
            .order_by(users.c.user_id)
            .limit(limit)
        )
        async with self.db.read() as conn:
            return [int(uid) for uid in (await conn.execute(stmt)).scalars()]
