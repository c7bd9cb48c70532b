"""v4 baseline: the schema the hand-written SQLite migrations (v1-v4) left.

Revision ID: 0001
Revises:
Create Date: 2026-01-10

A SQLite file made by the legacy code (bot.storage.legacy_v4, PRAGMA user_version 4) is
stamped at this revision, never run through it. A new database (SQLite or PostgreSQL) passes
it with nothing to do: revision 0002 creates the current schema directly instead of building
v4 first and converting it.
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
