"""Several sends per take from the shared send budget.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

send_budget.granted: how many sends the last take of a row's slot was given. A worker with
several push messages waiting takes up to all of the slot's room in one statement (one round
trip instead of one per message); RETURNING shows only the new row, so the grant is written
beside the count. Existing rows get 0 (a row is rewritten by the next take of its slot).
Frozen: this file never imports bot.storage.schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "send_budget",
        sa.Column("granted", sa.Integer, nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    with op.batch_alter_table("send_budget") as batch:
        batch.drop_column("granted")
