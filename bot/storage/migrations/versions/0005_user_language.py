"""The language the bot speaks with each user.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

users.language: a language code ("en", "de", ...) chosen with /language or taken from
Telegram's language_code at the first message; NULL = not known yet (the next message sets it).
No CHECK list: adding a language is a folder of translation files, never a schema change.

The new column is nullable, so existing rows need no copy.
Frozen: this file never imports bot.storage.schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
