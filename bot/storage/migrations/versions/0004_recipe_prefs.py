"""Recipe preferences and the cooking-time limit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

1. recipe_prefs: a user's ♥ favourite and 🚫 never-suggest recipes (one kind per recipe; a
   favourite is planned more often, a never-suggested recipe is never planned or swapped in).
2. users.max_cook_min: the longest cooking time the planner may choose (NULL = any).

The new column is nullable, so existing rows need no copy.
Frozen: this file never imports bot.storage.schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PREF_KINDS = ("favourite", "never")


def _recipe_prefs() -> sa.Table:
    m = sa.MetaData(naming_convention=NAMING_CONVENTION)
    sa.Table("users", m, sa.Column("user_id", BigId, primary_key=True))
    return sa.Table(
        "recipe_prefs",
        m,
        sa.Column(
            "user_id",
            BigId,
            sa.ForeignKey("users.user_id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("recipe_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("updated_utc", sa.Text, nullable=False),
        sa.CheckConstraint(f"kind IN ({', '.join(repr(k) for k in PREF_KINDS)})", name="kind"),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    _recipe_prefs().create(op.get_bind())
    op.add_column("users", sa.Column("max_cook_min", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("max_cook_min")
    op.drop_table("recipe_prefs")
