"""Shopping lists people tick in the shop: one row per list message.

A list is stored when it is sent, so a tick from any device, any household member or any
worker process changes the same row: a tap reads and writes it in one transaction (the row is
locked on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers), so two members ticking at
the same moment never undo each other's tick. The owner key is the plans' ('u:<user id>' or
'h:<household id>'), so /delete and pruning treat lists like plans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.storage.rows import utc_now
from bot.storage.schema import shopping_lists
from bot.storage.store import PRUNE_BATCH, StoreRepository, delete_in_batches


@dataclass(frozen=True, slots=True)
class StoredList:
    list_id: int
    owner: str
    start_day: dt.date
    days: int
    body: dict[str, Any]


def _stored(row: Any) -> StoredList:
    return StoredList(row.id, row.owner, row.start_day, row.days, dict(row.body))


class ShoppingStore(StoreRepository):
    """Lists by id; every method is one transaction."""

    async def create(self, owner: str, start_day: dt.date, days: int, body: dict[str, Any]) -> int:
        stmt = (
            sa.insert(shopping_lists)
            .values(owner=owner, start_day=start_day, days=days, body=body, created_utc=utc_now())
            .returning(shopping_lists.c.id)
        )
        return int(await self.db.run(lambda conn: conn.execute(stmt).scalar_one()))

    async def get(self, list_id: int) -> StoredList | None:
        stmt = sa.select(shopping_lists).where(shopping_lists.c.id == list_id)

        def run(conn: sa.Connection) -> StoredList | None:
            row = conn.execute(stmt).first()
            return None if row is None else _stored(row)

        return await self.db.run(run, write=False)

    async def change(
        self, list_id: int, edit: Callable[[StoredList], dict[str, Any] | None]
    ) -> StoredList | None:
        """Read the list, let `edit` return its new body (None: leave it), write it back, all
        in one transaction; returns the list as stored afterwards (None: no such list).
        `edit` must be quick and pure: it runs inside the transaction."""
        select = sa.select(shopping_lists).where(shopping_lists.c.id == list_id).with_for_update()

        def run(conn: sa.Connection) -> StoredList | None:
            row = conn.execute(select).first()
            if row is None:
                return None
            current = _stored(row)
            body = edit(current)
            if body is None:
                return current
            conn.execute(
                sa.update(shopping_lists).where(shopping_lists.c.id == list_id).values(body=body)
            )
            return StoredList(current.list_id, current.owner, current.start_day, current.days, body)

        return await self.db.run(run)

    async def for_owner(self, owner: str) -> list[StoredList]:
        """Every list of one owner, oldest first (what /export shows)."""
        stmt = (
            sa.select(shopping_lists)
            .where(shopping_lists.c.owner == owner)
            .order_by(shopping_lists.c.id)
        )
        return await self.db.run(lambda conn: [_stored(r) for r in conn.execute(stmt)], write=False)

    async def delete_owner(self, owner: str) -> int:
        stmt = sa.delete(shopping_lists).where(shopping_lists.c.owner == owner)
        return await self.db.run(lambda conn: int(conn.execute(stmt).rowcount))

    async def prune(self, before: dt.date, *, batch: int = PRUNE_BATCH) -> int:
        """Delete lists whose first day is before `before`, `batch` rows per transaction,
        on the same schedule as plans."""
        return await delete_in_batches(
            self.db, shopping_lists, shopping_lists.c.start_day < before, batch
        )
