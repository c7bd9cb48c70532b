"""The storage schema as SQLAlchemy Core tables: one definition for SQLite and PostgreSQL.

Why this shape (the full reasoning is in the storage design note):

* Same table and column names as the hand-written v4 schema (bot.storage.legacy_v4), so
  an existing v4 SQLite file is stamped as the Alembic baseline and brought here by one
  small revision instead of a copy into a new database.
* Dialect-neutral: no triggers, no GLOB, no json_extract. What the v4 triggers did becomes
  foreign keys (households.created_by, household_invites.created_by) or explicit statements
  in the repositories (plan deletion, ownership hand-over, users.household_id mirror). CHECK
  constraints use only `=`, `<>`, `>=`, `IN`, `BETWEEN`, `length()` and `substr()`, which mean
  the same on both engines (no LIKE: case rules differ; no string ranges: collations differ).
* Every constraint and index has a name (the naming convention below), because Alembic batch
  mode on SQLite silently drops unnamed CHECK constraints when it rebuilds a table and cannot
  drop an unnamed constraint at all.
* Telegram ids (user ids reach 2**52, group chat ids are -100…) and unix seconds are BIGINT on
  PostgreSQL; on SQLite they stay `INTEGER`, so `INTEGER PRIMARY KEY` is still the rowid.
* Value types keep today's on-disk SQLite format, so v4 rows read back unchanged:
  `IsoUtc` (aware datetime <-> '2026-01-10T12:00:00+00:00' text), `HhMm` ('07:30' text),
  `sa.Date` (SQLAlchemy's SQLite DATE is the same 'YYYY-MM-DD' text), `sa.Boolean` (0/1 on
  SQLite, no CHECK), `JsonDoc` (JSON text on SQLite, JSONB on PostgreSQL).
* `plans` is an ordinary rowid/identity table with UNIQUE (owner, day) and a compressed body
  (`PlanBody`: zlib of compact JSON, ~450 bytes for a four-meal day). The v4 table was
  WITHOUT ROWID with ~1.3 KB of JSON text per row: rows of a WITHOUT ROWID table live in an
  index b-tree whose in-page payload limit is ~1 KB on 4 KB pages, so most plans spilled into
  overflow pages. A rowid table keeps up to ~4 KB in the page, and the body is far below that.

Differences from the v4 schema (each one is in Alembic revision 0002, see the design note):

1. plans: WITHOUT ROWID, PRIMARY KEY (owner, day), `json` TEXT
   -> `id` rowid/identity PRIMARY KEY, UNIQUE (owner, day), `body` BLOB/BYTEA (`PlanBody`),
   `day` DATE, CHECK on the owner prefix, index `plans_day` (day) for pruning.
2. Triggers users_delete_plans, households_delete_plans, household_member_added,
   household_member_gone, users_delete_forget_creator: gone (see above).
3. users.push_time, users.evening_time, group_links.push_time: the SQLite-only
   `GLOB '[0-2][0-9]:[0-5][0-9]'` -> a per-character CHECK with the same meaning (`hhmm_check`).
4. households.created_by -> FOREIGN KEY users ON DELETE SET NULL; household_invites.created_by
   -> FOREIGN KEY users ON DELETE CASCADE (replace users_delete_forget_creator).
5. lab_results: new column `number` (the user's stable "result #N", was `data->'$.number'`
   read with json_extract) with UNIQUE (user_id, number).
   users: new columns region, life_stage, absorption (defaults 'none' / 'normal').
6. All CHECK constraints named (v4's were unnamed column constraints); same conditions.
7. Declared types on a fresh SQLite file: BOOLEAN, DATE, JSON-as-TEXT, BIGINT variants where
   v4 said INTEGER/TEXT. Stored values are identical, so v4 tables that revision 0002 does not
   rebuild keep their v4 declarations; Alembic's type comparison is turned off for SQLite.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

UTC = dt.UTC

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

PUSH_STATES: tuple[str, ...] = ("sending", "sent", "blocked", "failed")
ROLES: tuple[str, ...] = ("owner", "member")
MEAL_STATUSES: tuple[str, ...] = ("eaten", "skipped", "other")
DOSE_KINDS: tuple[str, ...] = ("oral", "injection")
SEND_KINDS: tuple[str, ...] = ("reminder", "evening", "retest", "weekly")
REMINDER_ANSWERS: tuple[str, ...] = ("taken", "skipped", "snoozed")
PLAN_OWNER_PREFIXES: tuple[str, ...] = ("u:", "h:")
LIFE_STAGES: tuple[str, ...] = ("none", "pregnant", "breastfeeding", "over50")
ABSORPTIONS: tuple[str, ...] = ("normal", "impaired", "injections")

# --- column types -----------------------------------------------------------------------------

# Ids and unix seconds: BIGINT on PostgreSQL, INTEGER on SQLite (rowid alias for a single-column
# integer primary key, exactly like v4).
BigId: sa.types.TypeEngine[int] = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# µg and grams: REAL on SQLite (as v4), double precision on PostgreSQL.
Real: sa.types.TypeEngine[float] = sa.Double().with_variant(sa.REAL(), "sqlite")


class IsoUtc(sa.types.TypeDecorator[dt.datetime]):
    """An aware datetime stored as ISO text in UTC to the second: '2026-01-10T12:00:00+00:00'.

    v4's format on both engines, so old rows read back unchanged and string comparisons
    (`claimed_utc < :t`, `expires_utc > :t`) order like the instants they name.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"an aware datetime is needed (got {value!r})")
        return value.astimezone(UTC).isoformat(timespec="seconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else dt.datetime.fromisoformat(value).astimezone(UTC)


class HhMm(sa.types.TypeDecorator[dt.time]):
    """A local wall-clock time stored as 'HH:MM' text (v4's format)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: dt.time | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, dt.time):
            raise ValueError(f"a datetime.time is needed (got {value!r})")
        return f"{value.hour:02d}:{value.minute:02d}"

    def process_result_value(self, value: str | None, dialect: Dialect) -> dt.time | None:
        if value is None:
            return None
        hours, minutes = value.split(":")
        return dt.time(int(hours), int(minutes))


class JsonDoc(sa.types.TypeDecorator[Any]):
    """A JSON document: TEXT on SQLite (v4's format, readable by any sqlite3 shell), JSONB on
    PostgreSQL. Written compact with sorted keys, so equal values give equal text."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB())
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value  # JSONB's own bind processor serialises
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.loads(value)


def _plan_json_default(value: object) -> object:
    """Plans arrive as dataclasses.asdict() output: dates become ISO text, sets and tuples
    lists (sets sorted, so equal plans give equal bytes)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a plan: {value!r}")


class PlanBody(sa.types.TypeDecorator[dict[str, Any]]):
    """A plan dict stored as zlib-compressed compact JSON (BLOB / BYTEA).

    A four-meal day is ~1.3 KB as v4's JSON text and ~450 bytes here. Nothing queries inside
    a plan (recent recipe ids are read in Python), so a compressed blob loses nothing. A zlib
    stream starts with 0x78, which leaves room to tell a later format apart by its first byte.
    """

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        text = json.dumps(
            value,
            default=_plan_json_default,
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return zlib.compress(text.encode("utf-8"), 9)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        loaded: dict[str, Any] = json.loads(zlib.decompress(bytes(value)).decode("utf-8"))
        return loaded


# --- portable CHECK conditions ----------------------------------------------------------------


def _in(expr: str, values: tuple[str, ...]) -> str:
    return f"{expr} IN ({', '.join(repr(v) for v in values)})"


def hhmm_check(column: str) -> str:
    """Same meaning as v4's `column GLOB '[0-2][0-9]:[0-5][0-9]'`, on both engines."""
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


def _check(condition: str, name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=name)


def _users_fk(**kw: Any) -> sa.ForeignKey:
    return sa.ForeignKey("users.user_id", ondelete=kw.pop("ondelete", "CASCADE"), **kw)


def _households_fk() -> sa.ForeignKey:
    return sa.ForeignKey("households.household_id", ondelete="CASCADE")


def _ledger_columns() -> list[sa.Column[Any]]:
    """state / message_id / claimed_utc / finished_utc of the exactly-once send ledgers."""
    return [
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
        sa.Column("claimed_utc", IsoUtc, nullable=False),
        sa.Column("finished_utc", IsoUtc),
    ]


# --- v1: users and plans ----------------------------------------------------------------------

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", BigId, primary_key=True, autoincrement=False),
    sa.Column("chat_id", BigId, nullable=False),
    sa.Column("first_name", sa.Text, nullable=False, server_default=""),
    sa.Column("diet", sa.Text, nullable=False, server_default="omnivore"),
    sa.Column("target_ug", Real, nullable=False, server_default=sa.text("2.4")),
    sa.Column("exclude", JsonDoc, nullable=False, server_default=sa.text("'[]'")),
    sa.Column(
        "slots",
        JsonDoc,
        nullable=False,
        server_default=sa.text("""'["breakfast","lunch","dinner"]'"""),
    ),
    sa.Column("timezone", sa.Text, nullable=False, server_default="UTC"),
    sa.Column("push_time", HhMm, nullable=False, server_default="07:30"),
    sa.Column("push_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("onboarded", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("household_id", BigId),  # mirror of household_members, kept by the repository
    sa.Column("next_push_utc", BigId),  # unix seconds
    sa.Column("created_utc", IsoUtc, nullable=False),
    sa.Column("updated_utc", IsoUtc, nullable=False),
    # v2
    sa.Column("evening_check", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("evening_time", HhMm, nullable=False, server_default="19:00"),
    # revision 0002: where food is bought ('us' | 'uk' | 'eu'; NULL = not chosen yet: the
    # planner uses the conservative lowest fortified values), life stage and absorption
    sa.Column("region", sa.Text),
    sa.Column("life_stage", sa.Text, nullable=False, server_default="none"),
    sa.Column("absorption", sa.Text, nullable=False, server_default="normal"),
    # revision 0003: the daily energy range (both NULL = off; bounds checked in code) and the
    # opt-in weekly summary
    sa.Column("kcal_min", sa.Integer),
    sa.Column("kcal_max", sa.Integer),
    sa.Column("weekly_summary", sa.Boolean, nullable=False, server_default=sa.false()),
    # revision 0004: the longest cooking time plans may choose, in minutes (NULL = any)
    sa.Column("max_cook_min", sa.Integer),
    # revision 0005: the user's language ("de"); NULL = not known yet (set at the next message)
    sa.Column("language", sa.Text),
    _check("target_ug > 0", "target_positive"),
    _check(hhmm_check("push_time"), "push_time_hhmm"),
    _check(hhmm_check("evening_time"), "evening_time_hhmm"),
    _check(_in("life_stage", LIFE_STAGES), "life_stage"),
    _check(_in("absorption", ABSORPTIONS), "absorption"),
)

# The push tick's one query: only users who can be pushed are in the index. The same
# expression objects render `active = 1 …` on SQLite (v4's text) and `active = true …` on
# PostgreSQL; queries must use the same `== sa.true()` form so both planners use the index.
PUSHABLE = sa.and_(
    users.c.active == sa.true(), users.c.push_enabled == sa.true(), users.c.onboarded == sa.true()
)
sa.Index("users_push_due", users.c.next_push_utc, sqlite_where=PUSHABLE, postgresql_where=PUSHABLE)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", BigId, sa.Identity(), primary_key=True),  # rowid on SQLite
    sa.Column("owner", sa.Text, nullable=False),  # 'u:<user_id>' | 'h:<household_id>'
    sa.Column("day", sa.Date, nullable=False),  # local date
    sa.Column("body", PlanBody, nullable=False),
    sa.Column("updated_utc", IsoUtc, nullable=False),
    sa.UniqueConstraint("owner", "day", name="uq_plans_owner_day"),
    _check(_in("substr(owner, 1, 2)", PLAN_OWNER_PREFIXES), "owner_prefix"),
)
sa.Index("plans_day", plans.c.day)  # pruning (day < cutoff) in small batches

# --- v2: daily push ledger --------------------------------------------------------------------

pushes = sa.Table(
    "pushes",
    metadata,
    sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
    sa.Column("local_date", sa.Date, primary_key=True),
    *_ledger_columns(),
    _check(_in("state", PUSH_STATES), "state"),
    sqlite_with_rowid=False,
)
SENDING = pushes.c.state == "sending"
sa.Index("pushes_sending", pushes.c.claimed_utc, sqlite_where=SENDING, postgresql_where=SENDING)

# --- v3: households ---------------------------------------------------------------------------

households = sa.Table(
    "households",
    metadata,
    sa.Column("household_id", BigId, sa.Identity(), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_by", BigId, _users_fk(ondelete="SET NULL")),  # v4: plain integer
    sa.Column("created_utc", IsoUtc, nullable=False),
)

household_members = sa.Table(
    "household_members",
    metadata,
    sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
    sa.Column("household_id", BigId, _households_fk(), nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("joined_utc", IsoUtc, nullable=False),
    # revision 0003: the member agreed to show their own values in the group chat
    sa.Column("group_share", sa.Boolean, nullable=False, server_default=sa.false()),
    _check(_in("role", ROLES), "role"),
)
sa.Index(
    "household_members_by_household",
    household_members.c.household_id,
    household_members.c.joined_utc,
)
OWNER_ROLE = household_members.c.role == "owner"
sa.Index(
    "household_one_owner",
    household_members.c.household_id,
    unique=True,
    sqlite_where=OWNER_ROLE,
    postgresql_where=OWNER_ROLE,
)

household_invites = sa.Table(
    "household_invites",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),  # sha256 hex of the token
    sa.Column("household_id", BigId, _households_fk(), nullable=False),
    sa.Column("created_by", BigId, _users_fk(), nullable=False),  # v4: plain integer
    sa.Column("created_utc", IsoUtc, nullable=False),
    sa.Column("expires_utc", IsoUtc, nullable=False),
    sa.Column("revoked_utc", IsoUtc),
    sqlite_with_rowid=False,
)
sa.Index("household_invites_by_household", household_invites.c.household_id)

group_links = sa.Table(
    "group_links",
    metadata,
    sa.Column("chat_id", BigId, primary_key=True, autoincrement=False),
    sa.Column("household_id", BigId, _households_fk(), nullable=False),
    sa.Column("linked_by", BigId, _users_fk(ondelete="SET NULL")),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("timezone", sa.Text, nullable=False, server_default="UTC"),
    sa.Column("push_time", HhMm, nullable=False, server_default="07:30"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("linked_utc", IsoUtc, nullable=False),
    _check(hhmm_check("push_time"), "push_time_hhmm"),
)
sa.Index("group_links_by_household", group_links.c.household_id)

# No foreign key: a group unlinked and linked again the same day must not get a second push.
group_pushes = sa.Table(
    "group_pushes",
    metadata,
    sa.Column("chat_id", BigId, primary_key=True, autoincrement=False),
    sa.Column("local_date", sa.Date, primary_key=True),
    *_ledger_columns(),
    _check(_in("state", PUSH_STATES), "state"),
    sqlite_with_rowid=False,
)

# --- v4: tracking -----------------------------------------------------------------------------

meal_logs = sa.Table(
    "meal_logs",
    metadata,
    sa.Column("id", BigId, sa.Identity(), primary_key=True),
    sa.Column("user_id", BigId, _users_fk(), nullable=False),
    sa.Column("local_date", sa.Date, nullable=False),
    sa.Column("slot", sa.Text, nullable=False),  # planned slot, or 'extra'
    sa.Column("recipe_id", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("b12_ug", Real, nullable=False, server_default=sa.text("0")),
    sa.Column("planned_ug", Real, nullable=False, server_default=sa.text("0")),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("logged_utc", IsoUtc, nullable=False),
    _check(_in("status", MEAL_STATUSES), "status"),
    _check("b12_ug >= 0", "b12_nonnegative"),
    _check("planned_ug >= 0", "planned_nonnegative"),
)
# The ON CONFLICT target of log_meal (index_where must repeat this condition).
PLANNED_SLOT = meal_logs.c.slot != "extra"
sa.Index(
    "meal_logs_slot",
    meal_logs.c.user_id,
    meal_logs.c.local_date,
    meal_logs.c.slot,
    unique=True,
    sqlite_where=PLANNED_SLOT,
    postgresql_where=PLANNED_SLOT,
)
sa.Index("meal_logs_day", meal_logs.c.user_id, meal_logs.c.local_date)

reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", BigId, sa.Identity(), primary_key=True),
    sa.Column("user_id", BigId, _users_fk(), nullable=False),
    sa.Column("data", JsonDoc, nullable=False),  # Reminder.to_dict()
    sa.Column("next_fire_utc", BigId, nullable=False),
    sa.Column("snooze_fire_utc", BigId),
    sa.Column("snooze_occurrence_utc", BigId),
    sa.Column("last_fired_utc", BigId),
    sa.Column("last_answer", sa.Text),
    sa.Column("last_answered_utc", BigId),
    sa.Column("created_utc", IsoUtc, nullable=False),
    # revision 0003: unix seconds until which one worker's tick holds this firing
    sa.Column("lease_utc", BigId),
    _check(_in("last_answer", REMINDER_ANSWERS), "last_answer"),  # NULL passes, as in v4
)
sa.Index("reminders_user", reminders.c.user_id)
sa.Index("reminders_due", reminders.c.next_fire_utc)
SNOOZED = reminders.c.snooze_fire_utc.is_not(None)
sa.Index(
    "reminders_snoozed",
    reminders.c.snooze_fire_utc,
    sqlite_where=SNOOZED,
    postgresql_where=SNOOZED,
)

doses = sa.Table(
    "doses",
    metadata,
    sa.Column("id", BigId, sa.Identity(), primary_key=True),
    sa.Column("user_id", BigId, _users_fk(), nullable=False),
    sa.Column("local_date", sa.Date, nullable=False),
    sa.Column("taken_utc", IsoUtc, nullable=False),
    sa.Column("dose_ug", Real, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("reminder_id", BigId, sa.ForeignKey("reminders.id", ondelete="SET NULL")),
    sa.Column("occurrence_utc", BigId),  # the reminder occurrence it answers
    _check("dose_ug > 0", "dose_positive"),
    _check(_in("kind", DOSE_KINDS), "kind"),
)
sa.Index("doses_day", doses.c.user_id, doses.c.local_date)
FROM_REMINDER = doses.c.reminder_id.is_not(None)
sa.Index(
    "doses_occurrence",
    doses.c.reminder_id,
    doses.c.occurrence_utc,
    unique=True,
    sqlite_where=FROM_REMINDER,
    postgresql_where=FROM_REMINDER,
)

lab_results = sa.Table(
    "lab_results",
    metadata,
    sa.Column("id", BigId, sa.Identity(), primary_key=True),
    sa.Column("user_id", BigId, _users_fk(), nullable=False),
    sa.Column("marker", sa.Text, nullable=False),
    sa.Column("taken_on", sa.Date, nullable=False),
    sa.Column("data", JsonDoc, nullable=False),  # LabResult.to_dict()
    sa.Column("created_utc", IsoUtc, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),  # revision 0002: was data->'$.number'
    sa.UniqueConstraint("user_id", "number", name="uq_lab_results_user_number"),
)
sa.Index("lab_results_user", lab_results.c.user_id, lab_results.c.taken_on)

user_products = sa.Table(
    "user_products",
    metadata,
    sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
    sa.Column("ingredient_id", sa.Text, primary_key=True),
    sa.Column("b12_per_100g", Real, nullable=False),
    sa.Column("label_value", Real, nullable=False),
    sa.Column("label_unit", sa.Text, nullable=False),  # '100 g' or '100 ml'
    sa.Column("updated_utc", IsoUtc, nullable=False),
    _check("b12_per_100g >= 0", "b12_nonnegative"),
    _check("label_value >= 0", "label_nonnegative"),
    sqlite_with_rowid=False,
)

evening_schedule = sa.Table(
    "evening_schedule",
    metadata,
    sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
    sa.Column("next_fire_utc", BigId, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),  # settings it was computed from
    sa.Column("local_time", HhMm, nullable=False),
    sa.Column("lease_utc", BigId),  # revision 0003: as reminders.lease_utc
)
sa.Index("evening_due", evening_schedule.c.next_fire_utc)

retest_settings = sa.Table(
    "retest_settings",
    metadata,
    sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
    sa.Column("months", sa.Integer, nullable=False),
    sa.Column("due_date", sa.Date),  # last result + months (local date)
    sa.Column("next_fire_utc", BigId),  # NULL: nothing to send
    sa.Column("updated_utc", IsoUtc, nullable=False),
    _check("months BETWEEN 1 AND 36", "months_range"),
)

tracking_sends = sa.Table(
    "tracking_sends",
    metadata,
    sa.Column("user_id", BigId, _users_fk(), nullable=False),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),  # e.g. '<reminder id>@<fire ts>'
    *_ledger_columns(),
    _check(_in("kind", SEND_KINDS), "kind"),
    _check(_in("state", PUSH_STATES), "state"),
    sqlite_with_rowid=False,
)
sa.Index("tracking_sends_user", tracking_sends.c.user_id)

# --- revision 0003: shopping lists, the shared send budget -------------------------------------

shopping_lists = sa.Table(
    "shopping_lists",
    metadata,
    sa.Column("id", BigId, sa.Identity(), primary_key=True),
    sa.Column("owner", sa.Text, nullable=False),  # 'u:<user_id>' | 'h:<household_id>'
    sa.Column("start_day", sa.Date, nullable=False),
    sa.Column("days", sa.Integer, nullable=False),
    sa.Column("body", JsonDoc, nullable=False),  # items, ticked ids, flags
    sa.Column("created_utc", IsoUtc, nullable=False),
    _check(_in("substr(owner, 1, 2)", PLAN_OWNER_PREFIXES), "owner_prefix"),
    _check("days BETWEEN 1 AND 14", "days_range"),
)
sa.Index("shopping_lists_owner", shopping_lists.c.owner)
sa.Index("shopping_lists_start", shopping_lists.c.start_day)  # pruning with plans

# Telegram's limits are per bot, so workers sharing a database count their sends here
# (bot.storage.ratebudget; PostgreSQL only). A scope ('all', or one group chat) has a ring of
# `ring` rows; the row of time slot N is ring N % size, reset when a newer slot comes round,
# so the table never grows. `reserved`: sends of replies that found the slot full and wait for
# this one (background sends leave them room). `granted` (revision 0006): how many sends the
# last take of the slot was given (a take may ask for several; RETURNING shows only new values).
send_budget = sa.Table(
    "send_budget",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("ring", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("slot", BigId, nullable=False),
    sa.Column("sent", sa.Integer, nullable=False),
    sa.Column("reserved", sa.Integer, nullable=False),
    sa.Column("granted", sa.Integer, nullable=False, server_default=sa.text("0")),
)

# --- revision 0004: recipe preferences -------------------------------------------------------

# A user's ♥ favourite (planned more often) and 🚫 never-suggest (never planned or swapped in)
# recipes: one kind per recipe (bot.storage.preferences).
PREF_KINDS = ("favourite", "never")
recipe_prefs = sa.Table(
    "recipe_prefs",
    metadata,
    sa.Column("user_id", BigId, _users_fk(), primary_key=True, autoincrement=False),
    sa.Column("recipe_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("updated_utc", IsoUtc, nullable=False),
    _check(_in("kind", PREF_KINDS), "kind"),
    sqlite_with_rowid=False,
)

# Tables with a user_id column whose rows /export lists (replaces reading sqlite_master).
USER_TABLES: tuple[sa.Table, ...] = tuple(
    t for t in metadata.sorted_tables if "user_id" in t.c and t.name != "users"
)
