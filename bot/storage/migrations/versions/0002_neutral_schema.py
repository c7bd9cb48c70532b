"""Neutral schema: one set of tables for SQLite and PostgreSQL, compact plans.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-10

A new database gets the tables below directly. A legacy v4 SQLite file (stamped 0001) is
converted in place, every row kept:

1. the five triggers go (their work is explicit code in the repositories now);
2. plans: WITHOUT ROWID with ~1.3 KB of JSON text per row (most rows spilled into overflow
   pages) -> a rowid table with UNIQUE (owner, day) and a zlib-compressed body, copied in
   pages of 500 rows;
3. lab_results gets a `number` column (was `data->'$.number'`): numbers found in the JSON are
   kept, rows saved before numbers existed get the next ones per user in saving order, as the
   legacy code numbered them on first read; the key leaves the JSON;
4. households.created_by / household_invites.created_by become foreign keys (the legacy
   trigger kept them clean; rows that still point at a deleted user are fixed first);
5. every other table is rebuilt from the frozen definition below (named constraints, GLOB
   checks replaced by portable ones), copying its rows; users gains region, life_stage and
   absorption (NULL, 'none', 'normal' for existing users);
6. `PRAGMA foreign_key_check` must come back empty, and `PRAGMA user_version` becomes 1000,
   which the legacy code refuses ("newer than this code knows") instead of misreading (a new
   SQLite file gets 1000 too).

The migration connection has foreign keys OFF (bot.storage.db): dropping a parent table with
them ON would silently empty every child table.

Frozen: this file never imports bot.storage.schema; its tables are copies as of this revision.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

USER_VERSION_AFTER = 1000
LEGACY_TRIGGERS = (
    "users_delete_plans",
    "households_delete_plans",
    "household_member_added",
    "household_member_gone",
    "users_delete_forget_creator",
)
COPY_PAGE = 500

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Real = sa.Double().with_variant(sa.REAL(), "sqlite")
Json = sa.Text().with_variant(postgresql.JSONB(), "postgresql")
Text = sa.Text


def _in(expr: str, values: tuple[str, ...]) -> str:
    return f"{expr} IN ({', '.join(repr(v) for v in values)})"


def _hhmm(column: str) -> str:
    digits = tuple("0123456789")
    return " AND ".join(
        (
            f"length({column}) = 5",
            _in(f"substr({column}, 1, 1)", ("0", "1", "2")),
            _in(f"substr({column}, 2, 1)", digits),
            f"substr({column}, 3, 1) = ':'",
            _in(f"substr({column}, 4, 1)", tuple("012345")),
            _in(f"substr({column}, 5, 1)", digits),
        )
    )


STATES = ("sending", "sent", "blocked", "failed")


def _users_fk(ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey("users.user_id", ondelete=ondelete)


def _households_fk() -> sa.ForeignKey:
    return sa.ForeignKey("households.household_id", ondelete="CASCADE")


def _ledger() -> list[Any]:
    return [
        sa.Column("state", Text, nullable=False),
        sa.Column("message_id", BigId),
        sa.Column("claimed_utc", Text, nullable=False),
        sa.Column("finished_utc", Text),
        sa.CheckConstraint(_in("state", STATES), name="state"),
    ]


def _partial(name: str, table: sa.Table, *columns: str, where: Any, unique: bool = False) -> None:
    sa.Index(
        name,
        *(table.c[c] for c in columns),
        unique=unique,
        sqlite_where=where,
        postgresql_where=where,
    )


def target_tables() -> sa.MetaData:
    """The schema at this revision (frozen copy of bot.storage.schema as of 0002)."""
    m = sa.MetaData(naming_convention=NAMING_CONVENTION)
    users = sa.Table(
        "users",
        m,
        sa.Column("user_id", BigId, primary_key=True, autoincrement=False),
        sa.Column("chat_id", BigId, nullable=False),
        sa.Column("first_name", Text, nullable=False, server_default=""),
        sa.Column("diet", Text, nullable=False, server_default="omnivore"),
        sa.Column("target_ug", Real, nullable=False, server_default=sa.text("2.4")),
        sa.Column("exclude", Json, nullable=False, server_default=sa.text("'[]'")),
        sa.Column(
            "slots",
            Json,
            nullable=False,
            server_default=sa.text("""'["breakfast","lunch","dinner"]'"""),
        ),
        sa.Column("timezone", Text, nullable=False, server_default="UTC"),
        sa.Column("push_time", Text, nullable=False, server_default="07:30"),
        sa.Column("push_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("onboarded", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("household_id", BigId),
        sa.Column("next_push_utc", BigId),
        sa.Column("created_utc", Text, nullable=False),
        sa.Column("updated_utc", Text, nullable=False),
        sa.Column("evening_check", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("evening_time", Text, nullable=False, server_default="19:00"),
        sa.Column("region", Text),
        sa.Column("life_stage", Text, nullable=False, server_default="none"),
        sa.Column("absorption", Text, nullable=False, server_default="normal"),
        sa.CheckConstraint("target_ug > 0", name="target_positive"),
        sa.CheckConstraint(_hhmm("push_time"), name="push_time_hhmm"),
        sa.CheckConstraint(_hhmm("evening_time"), name="evening_time_hhmm"),
        sa.CheckConstraint(
            _in("life_stage", ("none", "pregnant", "breastfeeding", "over50")), name="life_stage"
        ),
        sa.CheckConstraint(
            _in("absorption", ("normal", "impaired", "injections")), name="absorption"
        ),
    )
    pushable = sa.and_(
        users.c.active == sa.true(),
        users.c.push_enabled == sa.true(),
        users.c.onboarded == sa.true(),
    )
    _partial("users_push_due", users, "next_push_utc", where=pushable)

    plans = sa.Table(
        "plans",
        m,
        sa.Column("id", BigId, sa.Identity(), primary_key=True),
        sa.Column("owner", Text, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("updated_utc", Text, nullable=False),
        sa.UniqueConstraint("owner", "day", name="uq_plans_owner_day"),
        sa.CheckConstraint(_in("substr(owner, 1, 2)", ("u:", "h:")), name="owner_prefix"),
    )
    sa.Index("plans_day", plans.c.day)

    pushes = sa.Table(
        "pushes",
        m,
        sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
        sa.Column("local_date", sa.Date, primary_key=True),
        *_ledger(),
        sqlite_with_rowid=False,
    )
    _partial("pushes_sending", pushes, "claimed_utc", where=pushes.c.state == "sending")

    sa.Table(
        "households",
        m,
        sa.Column("household_id", BigId, sa.Identity(), primary_key=True),
        sa.Column("name", Text, nullable=False),
        sa.Column("created_by", BigId, _users_fk("SET NULL")),
        sa.Column("created_utc", Text, nullable=False),
    )
    members = sa.Table(
        "household_members",
        m,
        sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
        sa.Column("household_id", BigId, _households_fk(), nullable=False),
        sa.Column("role", Text, nullable=False),
        sa.Column("joined_utc", Text, nullable=False),
        sa.CheckConstraint(_in("role", ("owner", "member")), name="role"),
    )
    sa.Index("household_members_by_household", members.c.household_id, members.c.joined_utc)
    _partial(
        "household_one_owner", members, "household_id", where=members.c.role == "owner", unique=True
    )
    invites = sa.Table(
        "household_invites",
        m,
        sa.Column("token_hash", Text, primary_key=True),
        sa.Column("household_id", BigId, _households_fk(), nullable=False),
        sa.Column("created_by", BigId, _users_fk(), nullable=False),
        sa.Column("created_utc", Text, nullable=False),
        sa.Column("expires_utc", Text, nullable=False),
        sa.Column("revoked_utc", Text),
        sqlite_with_rowid=False,
    )
    sa.Index("household_invites_by_household", invites.c.household_id)
    links = sa.Table(
        "group_links",
        m,
        sa.Column("chat_id", BigId, primary_key=True, autoincrement=False),
        sa.Column("household_id", BigId, _households_fk(), nullable=False),
        sa.Column("linked_by", BigId, _users_fk("SET NULL")),
        sa.Column("title", Text, nullable=False, server_default=""),
        sa.Column("timezone", Text, nullable=False, server_default="UTC"),
        sa.Column("push_time", Text, nullable=False, server_default="07:30"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("linked_utc", Text, nullable=False),
        sa.CheckConstraint(_hhmm("push_time"), name="push_time_hhmm"),
    )
    sa.Index("group_links_by_household", links.c.household_id)
    sa.Table(
        "group_pushes",
        m,
        sa.Column("chat_id", BigId, primary_key=True, autoincrement=False),
        sa.Column("local_date", sa.Date, primary_key=True),
        *_ledger(),
        sqlite_with_rowid=False,
    )

    meals = sa.Table(
        "meal_logs",
        m,
        sa.Column("id", BigId, sa.Identity(), primary_key=True),
        sa.Column("user_id", BigId, _users_fk(), nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("slot", Text, nullable=False),
        sa.Column("recipe_id", Text),
        sa.Column("status", Text, nullable=False),
        sa.Column("b12_ug", Real, nullable=False, server_default=sa.text("0")),
        sa.Column("planned_ug", Real, nullable=False, server_default=sa.text("0")),
        sa.Column("note", Text, nullable=False, server_default=""),
        sa.Column("logged_utc", Text, nullable=False),
        sa.CheckConstraint(_in("status", ("eaten", "skipped", "other")), name="status"),
        sa.CheckConstraint("b12_ug >= 0", name="b12_nonnegative"),
        sa.CheckConstraint("planned_ug >= 0", name="planned_nonnegative"),
    )
    _partial(
        "meal_logs_slot",
        meals,
        "user_id",
        "local_date",
        "slot",
        where=meals.c.slot != "extra",
        unique=True,
    )
    sa.Index("meal_logs_day", meals.c.user_id, meals.c.local_date)

    reminders = sa.Table(
        "reminders",
        m,
        sa.Column("id", BigId, sa.Identity(), primary_key=True),
        sa.Column("user_id", BigId, _users_fk(), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("next_fire_utc", BigId, nullable=False),
        sa.Column("snooze_fire_utc", BigId),
        sa.Column("snooze_occurrence_utc", BigId),
        sa.Column("last_fired_utc", BigId),
        sa.Column("last_answer", Text),
        sa.Column("last_answered_utc", BigId),
        sa.Column("created_utc", Text, nullable=False),
        sa.CheckConstraint(_in("last_answer", ("taken", "skipped", "snoozed")), name="last_answer"),
    )
    sa.Index("reminders_user", reminders.c.user_id)
    sa.Index("reminders_due", reminders.c.next_fire_utc)
    _partial(
        "reminders_snoozed",
        reminders,
        "snooze_fire_utc",
        where=reminders.c.snooze_fire_utc.is_not(None),
    )

    doses = sa.Table(
        "doses",
        m,
        sa.Column("id", BigId, sa.Identity(), primary_key=True),
        sa.Column("user_id", BigId, _users_fk(), nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("taken_utc", Text, nullable=False),
        sa.Column("dose_ug", Real, nullable=False),
        sa.Column("kind", Text, nullable=False),
        sa.Column("reminder_id", BigId, sa.ForeignKey("reminders.id", ondelete="SET NULL")),
        sa.Column("occurrence_utc", BigId),
        sa.CheckConstraint("dose_ug > 0", name="dose_positive"),
        sa.CheckConstraint(_in("kind", ("oral", "injection")), name="kind"),
    )
    sa.Index("doses_day", doses.c.user_id, doses.c.local_date)
    _partial(
        "doses_occurrence",
        doses,
        "reminder_id",
        "occurrence_utc",
        where=doses.c.reminder_id.is_not(None),
        unique=True,
    )

    labs = sa.Table(
        "lab_results",
        m,
        sa.Column("id", BigId, sa.Identity(), primary_key=True),
        sa.Column("user_id", BigId, _users_fk(), nullable=False),
        sa.Column("marker", Text, nullable=False),
        sa.Column("taken_on", sa.Date, nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("created_utc", Text, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.UniqueConstraint("user_id", "number", name="uq_lab_results_user_number"),
    )
    sa.Index("lab_results_user", labs.c.user_id, labs.c.taken_on)

    sa.Table(
        "user_products",
        m,
        sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
        sa.Column("ingredient_id", Text, primary_key=True),
        sa.Column("b12_per_100g", Real, nullable=False),
        sa.Column("label_value", Real, nullable=False),
        sa.Column("label_unit", Text, nullable=False),
        sa.Column("updated_utc", Text, nullable=False),
        sa.CheckConstraint("b12_per_100g >= 0", name="b12_nonnegative"),
        sa.CheckConstraint("label_value >= 0", name="label_nonnegative"),
        sqlite_with_rowid=False,
    )
    evening = sa.Table(
        "evening_schedule",
        m,
        sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
        sa.Column("next_fire_utc", BigId, nullable=False),
        sa.Column("timezone", Text, nullable=False),
        sa.Column("local_time", Text, nullable=False),
    )
    sa.Index("evening_due", evening.c.next_fire_utc)
    sa.Table(
        "retest_settings",
        m,
        sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("next_fire_utc", BigId),
        sa.Column("updated_utc", Text, nullable=False),
        sa.CheckConstraint("months BETWEEN 1 AND 36", name="months_range"),
    )
    sends = sa.Table(
        "tracking_sends",
        m,
        sa.Column("user_id", BigId, _users_fk(), nullable=False),
        sa.Column("kind", Text, primary_key=True),
        sa.Column("key", Text, primary_key=True),
        *_ledger(),
        sa.CheckConstraint(_in("kind", ("reminder", "evening", "retest")), name="kind"),
        sqlite_with_rowid=False,
    )
    sa.Index("tracking_sends_user", sends.c.user_id)
    return m


def _plan_body(text: str) -> bytes:
    """v4's JSON text -> the body format of this revision (zlib of compact sorted JSON)."""
    compact = json.dumps(
        json.loads(text), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return zlib.compress(compact.encode("utf-8"), 9)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def upgrade() -> None:
    conn = op.get_bind()
    target = target_tables()
    if not sa.inspect(conn).has_table("users"):
        target.create_all(conn)  # a new database: nothing to convert
        if conn.dialect.name == "sqlite":
            op.execute(f"PRAGMA user_version = {USER_VERSION_AFTER}")  # see 6. above
        return
    if conn.dialect.name != "sqlite":
        raise RuntimeError("only legacy SQLite files are converted by this revision")
    _convert_v4(conn, target)


def _convert_v4(conn: sa.Connection, target: sa.MetaData) -> None:
    for name in LEGACY_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")

    # plans: copy page by page into the new table (keyset paging: bounded memory, and no
    # server-side cursor left open when the old table is dropped)
    op.rename_table("plans", "plans_v4")
    target.tables["plans"].create(conn)
    old = sa.table(
        "plans_v4",
        sa.column("owner", sa.Text),
        sa.column("day", sa.Text),
        sa.column("json", sa.Text),
        sa.column("updated_utc", sa.Text),
    )
    new = sa.table(
        "plans",
        sa.column("owner", sa.Text),
        sa.column("day", sa.Date),
        sa.column("body", sa.LargeBinary),
        sa.column("updated_utc", sa.Text),
    )
    last: tuple[str, str] | None = None
    while True:
        page = sa.select(old).order_by(old.c.owner, old.c.day).limit(COPY_PAGE)
        if last is not None:
            page = page.where(sa.tuple_(old.c.owner, old.c.day) > sa.tuple_(*last))
        rows = conn.execute(page).all()
        if not rows:
            break
        conn.execute(
            sa.insert(new),
            [
                {
                    "owner": r.owner,
                    "day": dt.date.fromisoformat(r.day),
                    "body": _plan_body(r.json),
                    "updated_utc": r.updated_utc,
                }
                for r in rows
            ],
        )
        last = (rows[-1].owner, rows[-1].day)
    op.drop_table("plans_v4")

    # lab numbers: a column instead of json_extract(data, '$.number')
    op.add_column("lab_results", sa.Column("number", sa.Integer))
    labs = sa.table(
        "lab_results",
        sa.column("id", sa.Integer),
        sa.column("user_id", sa.Integer),
        sa.column("data", sa.Text),
        sa.column("number", sa.Integer),
    )
    rows = conn.execute(sa.select(labs.c.id, labs.c.user_id, labs.c.data).order_by(labs.c.id))
    loaded = [(r.id, r.user_id, json.loads(r.data)) for r in rows.all()]
    highest: dict[int, int] = {}
    for _, user_id, data in loaded:
        if data.get("number") is not None:
            highest[user_id] = max(highest.get(user_id, 0), int(data["number"]))
    for lab_id, user_id, data in loaded:
        number = data.pop("number", None)
        if number is None:
            number = highest[user_id] = highest.get(user_id, 0) + 1
        conn.execute(
            sa.update(labs).where(labs.c.id == lab_id).values(number=int(number), data=_json(data))
        )

    # creators that no longer exist (the legacy trigger cleared them; be sure before the FKs)
    op.execute(
        "UPDATE households SET created_by = NULL "
        "WHERE created_by IS NOT NULL AND created_by NOT IN (SELECT user_id FROM users)"
    )
    op.execute("DELETE FROM household_invites WHERE created_by NOT IN (SELECT user_id FROM users)")

    # users: where food is bought, life stage, absorption (existing users get the defaults)
    op.add_column("users", sa.Column("region", sa.Text))
    op.add_column("users", sa.Column("life_stage", sa.Text, nullable=False, server_default="none"))
    op.add_column(
        "users", sa.Column("absorption", sa.Text, nullable=False, server_default="normal")
    )

    # every other table: rebuilt from the frozen definition. copy_from stands for the table
    # as it is now (so Alembic does not reflect it, which would lose v4's unnamed CHECK
    # constraints): it has every column of the v4 table plus the ones added above, and the
    # rebuild copies them all by name.
    for table in target.sorted_tables:
        if table.name != "plans":
            with op.batch_alter_table(table.name, recreate="always", copy_from=table):
                pass

    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the upgrade would leave foreign keys broken: {broken[:5]}")
    op.execute(f"PRAGMA user_version = {USER_VERSION_AFTER}")


def downgrade() -> None:
    raise NotImplementedError("restore the v4 backup file written before the upgrade instead")
