"""Several workers on one database, and the columns of the features that came with them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

1. send_budget: the send counts that worker processes share (bot.storage.ratebudget), a
   fixed ring of rows per scope, so it never grows.
2. reminders.lease_utc, evening_schedule.lease_utc: unix seconds until which one worker's
   tick holds a due firing (NULL: nobody); a worker killed mid-tick leaves its leases to
   expire, and another worker takes the firings over.
3. users: kcal_min / kcal_max (the daily energy range, both NULL = off) and weekly_summary
   (opt-in, off); household_members.group_share (off); shopping_lists (tickable lists).
4. tracking_sends.kind may be 'weekly': the CHECK is replaced (on SQLite by rebuilding the
   table from the frozen definition below, as revision 0002 did).

Every new column is nullable or has a server default, so existing rows need no copy.
Frozen: this file never imports bot.storage.schema.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
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
Json = sa.Text().with_variant(postgresql.JSONB(), "postgresql")
STATES = ("sending", "sent", "blocked", "failed")
KINDS_BEFORE = ("reminder", "evening", "retest")
KINDS = (*KINDS_BEFORE, "weekly")


def _in(expr: str, values: tuple[str, ...]) -> str:
    return f"{expr} IN ({', '.join(repr(v) for v in values)})"


def _tracking_sends(kinds: tuple[str, ...]) -> sa.Table:
    """tracking_sends as of this revision, with `kinds` in its kind CHECK."""
    m = sa.MetaData(naming_convention=NAMING_CONVENTION)
    sa.Table("users", m, sa.Column("user_id", BigId, primary_key=True))
    sends = sa.Table(
        "tracking_sends",
        m,
        sa.Column(
            "user_id", BigId, sa.ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("message_id", BigId),
        sa.Column("claimed_utc", sa.Text, nullable=False),
        sa.Column("finished_utc", sa.Text),
        sa.CheckConstraint(_in("state", STATES), name="state"),
        sa.CheckConstraint(_in("kind", kinds), name="kind"),
        sqlite_with_rowid=False,
    )
    sa.Index("tracking_sends_user", sends.c.user_id)
    return sends


def _new_tables() -> list[sa.Table]:
    m = sa.MetaData(naming_convention=NAMING_CONVENTION)
    shopping = sa.Table(
        "shopping_lists",
        m,
        sa.Column("id", BigId, sa.Identity(), primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("start_day", sa.Date, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("created_utc", sa.Text, nullable=False),
        sa.CheckConstraint(_in("substr(owner, 1, 2)", ("u:", "h:")), name="owner_prefix"),
        sa.CheckConstraint("days BETWEEN 1 AND 14", name="days_range"),
    )
    sa.Index("shopping_lists_owner", shopping.c.owner)
    sa.Index("shopping_lists_start", shopping.c.start_day)
    budget = sa.Table(
        "send_budget",
        m,
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("ring", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("slot", BigId, nullable=False),
        sa.Column("sent", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Integer, nullable=False),
    )
    return [shopping, budget]


def _columns() -> list[tuple[str, sa.Column[Any]]]:
    return [
        ("users", sa.Column("kcal_min", sa.Integer)),
        ("users", sa.Column("kcal_max", sa.Integer)),
        (
            "users",
            sa.Column("weekly_summary", sa.Boolean(), nullable=False, server_default=sa.false()),
        ),
        (
            "household_members",
            sa.Column("group_share", sa.Boolean(), nullable=False, server_default=sa.false()),
        ),
        ("reminders", sa.Column("lease_utc", BigId)),
        ("evening_schedule", sa.Column("lease_utc", BigId)),
    ]


def _replace_kind_check(kinds: tuple[str, ...]) -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        table = _tracking_sends(kinds)
        with op.batch_alter_table(table.name, recreate="always", copy_from=table):
            pass
        return
    op.drop_constraint("ck_tracking_sends_kind", "tracking_sends", type_="check")
    op.create_check_constraint(op.f("ck_tracking_sends_kind"), "tracking_sends", _in("kind", kinds))


def upgrade() -> None:
    conn = op.get_bind()
    for table in _new_tables():
        table.create(conn)
    for table_name, column in _columns():
        op.add_column(table_name, column)
    _replace_kind_check(KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM tracking_sends WHERE kind = 'weekly'")
    _replace_kind_check(KINDS_BEFORE)
    for table_name, column in reversed(_columns()):
        with op.batch_alter_table(table_name) as batch:
            batch.drop_column(column.name)
    for table in reversed(_new_tables()):
        op.drop_table(table.name)
