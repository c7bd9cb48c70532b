"""The hand-written SQLite schema v1-v4 (before Alembic), frozen: never edit it.

Used for two things only: bringing a v1-v3 file to v4 before Alembic stamps it as revision
0001 and upgrades it in place (bot.storage.db), and building v4 databases in tests. The
migrations tracked `PRAGMA user_version`; each script ran in its own transaction with foreign
keys off, and the foreign keys were checked before it committed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

Migration = tuple[int, str]

# v1: settings and stored plans.
_V1 = """
CREATE TABLE users (
    user_id       INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    first_name    TEXT    NOT NULL DEFAULT '',
    diet          TEXT    NOT NULL DEFAULT 'omnivore',
    target_ug     REAL    NOT NULL DEFAULT 2.4 CHECK (target_ug > 0),
    exclude       TEXT    NOT NULL DEFAULT '[]',                           -- JSON list of ids
    slots         TEXT    NOT NULL DEFAULT '["breakfast","lunch","dinner"]', -- JSON list
    timezone      TEXT    NOT NULL DEFAULT 'UTC',                          -- IANA name
    push_time     TEXT    NOT NULL DEFAULT '07:30'
                  CHECK (push_time GLOB '[0-2][0-9]:[0-5][0-9]'),          -- local HH:MM
    push_enabled  INTEGER NOT NULL DEFAULT 1,
    active        INTEGER NOT NULL DEFAULT 1,
    onboarded     INTEGER NOT NULL DEFAULT 0,
    household_id  INTEGER,
    next_push_utc INTEGER,                                                 -- unix seconds
    created_utc   TEXT    NOT NULL,
    updated_utc   TEXT    NOT NULL
);
-- The push tick's one query: only users who can be pushed are in the index.
CREATE INDEX users_push_due ON users (next_push_utc)
    WHERE active = 1 AND push_enabled = 1 AND onboarded = 1;

-- owner: 'u:<user_id>' or 'h:<household_id>'; day: ISO local date; json: the plan.
CREATE TABLE plans (
    owner       TEXT NOT NULL,
    day         TEXT NOT NULL,
    json        TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    PRIMARY KEY (owner, day)
) WITHOUT ROWID;
-- A text owner key cannot carry a foreign key, so a trigger erases a user's own plans.
CREATE TRIGGER users_delete_plans AFTER DELETE ON users BEGIN
    DELETE FROM plans WHERE owner = 'u:' || old.user_id;
END;
"""

# v2: the daily push ledger (exactly once per user and local date) and the evening check.
_V2 = """
ALTER TABLE users ADD COLUMN evening_check INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN evening_time TEXT NOT NULL DEFAULT '19:00'
    CHECK (evening_time GLOB '[0-2][0-9]:[0-5][0-9]');

CREATE TABLE pushes (
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    local_date   TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('sending', 'sent', 'blocked', 'failed')),
    message_id   INTEGER,
    claimed_utc  TEXT    NOT NULL,
    finished_utc TEXT,
    PRIMARY KEY (user_id, local_date)
) WITHOUT ROWID;
CREATE INDEX pushes_sending ON pushes (claimed_utc) WHERE state = 'sending';
"""

# v3: households: members with roles, invites (only a hash of each token is kept),
# group chats linked to a household, and the group push ledger (once per group and local date).
_V3 = """
CREATE TABLE households (
    household_id INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    created_by   INTEGER,                                   -- user id; kept if they leave
    created_utc  TEXT    NOT NULL
);
-- user_id is the key: a user belongs to one household at a time.
CREATE TABLE household_members (
    user_id      INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    household_id INTEGER NOT NULL REFERENCES households (household_id) ON DELETE CASCADE,
    role         TEXT    NOT NULL CHECK (role IN ('owner', 'member')),
    joined_utc   TEXT    NOT NULL
);
CREATE INDEX household_members_by_household ON household_members (household_id, joined_utc);
CREATE UNIQUE INDEX household_one_owner ON household_members (household_id) WHERE role = 'owner';
-- users.household_id mirrors the membership (UserSettings carries it).
CREATE TRIGGER household_member_added AFTER INSERT ON household_members BEGIN
    UPDATE users SET household_id = new.household_id WHERE user_id = new.user_id;
END;
-- A member gone (left, removed, /delete): clear their mirror; an owner gone hands over to the
-- longest-standing member; the last member gone ends the household.
CREATE TRIGGER household_member_gone AFTER DELETE ON household_members BEGIN
    UPDATE users SET household_id = NULL
     WHERE user_id = old.user_id AND household_id = old.household_id;
    UPDATE household_members SET role = 'owner'
     WHERE old.role = 'owner' AND user_id = (
        SELECT user_id FROM household_members WHERE household_id = old.household_id
         ORDER BY joined_utc, user_id LIMIT 1);
    DELETE FROM households WHERE household_id = old.household_id
       AND NOT EXISTS (SELECT 1 FROM household_members WHERE household_id = old.household_id);
END;
CREATE TABLE household_invites (
    token_hash   TEXT    PRIMARY KEY,                       -- sha256 hex of the token
    household_id INTEGER NOT NULL REFERENCES households (household_id) ON DELETE CASCADE,
    created_by   INTEGER NOT NULL,
    created_utc  TEXT    NOT NULL,
    expires_utc  TEXT    NOT NULL,
    revoked_utc  TEXT
) WITHOUT ROWID;
CREATE INDEX household_invites_by_household ON household_invites (household_id);
CREATE TABLE group_links (
    chat_id      INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (household_id) ON DELETE CASCADE,
    linked_by    INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    title        TEXT    NOT NULL DEFAULT '',
    timezone     TEXT    NOT NULL DEFAULT 'UTC',
    push_time    TEXT    NOT NULL DEFAULT '07:30'
                 CHECK (push_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    active       INTEGER NOT NULL DEFAULT 1,
    linked_utc   TEXT    NOT NULL
);
CREATE INDEX group_links_by_household ON group_links (household_id);
-- No foreign key: a group unlinked and linked again the same day must not get a second push.
CREATE TABLE group_pushes (
    chat_id      INTEGER NOT NULL,
    local_date   TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('sending', 'sent', 'blocked', 'failed')),
    message_id   INTEGER,
    claimed_utc  TEXT    NOT NULL,
    finished_utc TEXT,
    PRIMARY KEY (chat_id, local_date)
) WITHOUT ROWID;
CREATE TRIGGER households_delete_plans AFTER DELETE ON households BEGIN
    DELETE FROM plans WHERE owner = 'h:' || old.household_id;
END;
"""

# v4: tracking: meal check-offs, doses, lab results, reminders, own products, the
# evening-check schedule, retest reminders and the tracking message ledger (storage_tracking).
_V4 = """
CREATE TABLE meal_logs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    local_date  TEXT    NOT NULL,                        -- ISO local date
    slot        TEXT    NOT NULL,                        -- planned slot, or 'extra'
    recipe_id   TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('eaten', 'skipped', 'other')),
    b12_ug      REAL    NOT NULL DEFAULT 0 CHECK (b12_ug >= 0),  -- µg eaten (0 unless eaten)
    planned_ug  REAL    NOT NULL DEFAULT 0 CHECK (planned_ug >= 0),
    note        TEXT    NOT NULL DEFAULT '',
    logged_utc  TEXT    NOT NULL
);
CREATE UNIQUE INDEX meal_logs_slot ON meal_logs (user_id, local_date, slot) WHERE slot <> 'extra';
CREATE INDEX meal_logs_day ON meal_logs (user_id, local_date);

CREATE TABLE reminders (
    id                    INTEGER PRIMARY KEY,
    user_id               INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    data                  TEXT    NOT NULL,              -- Reminder.to_dict() as JSON
    next_fire_utc         INTEGER NOT NULL,              -- next regular occurrence
    snooze_fire_utc       INTEGER,                       -- a snoozed occurrence fires again then
    snooze_occurrence_utc INTEGER,
    last_fired_utc        INTEGER,
    last_answer           TEXT CHECK (last_answer IN ('taken', 'skipped', 'snoozed')),
    last_answered_utc     INTEGER,
    created_utc           TEXT    NOT NULL
);
CREATE INDEX reminders_user ON reminders (user_id);
CREATE INDEX reminders_due ON reminders (next_fire_utc);
CREATE INDEX reminders_snoozed ON reminders (snooze_fire_utc) WHERE snooze_fire_utc IS NOT NULL;

CREATE TABLE doses (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    local_date     TEXT    NOT NULL,
    taken_utc      TEXT    NOT NULL,
    dose_ug        REAL    NOT NULL CHECK (dose_ug > 0),
    kind           TEXT    NOT NULL CHECK (kind IN ('oral', 'injection')),
    reminder_id    INTEGER REFERENCES reminders (id) ON DELETE SET NULL,
    occurrence_utc INTEGER                               -- the reminder occurrence it answers
);
CREATE INDEX doses_day ON doses (user_id, local_date);
CREATE UNIQUE INDEX doses_occurrence ON doses (reminder_id, occurrence_utc)
    WHERE reminder_id IS NOT NULL;

CREATE TABLE lab_results (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    marker      TEXT    NOT NULL,
    taken_on    TEXT    NOT NULL,
    data        TEXT    NOT NULL,                        -- LabResult.to_dict() as JSON
    created_utc TEXT    NOT NULL
);
CREATE INDEX lab_results_user ON lab_results (user_id, taken_on);

CREATE TABLE user_products (
    user_id       INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    ingredient_id TEXT    NOT NULL,
    b12_per_100g  REAL    NOT NULL CHECK (b12_per_100g >= 0),
    label_value   REAL    NOT NULL CHECK (label_value >= 0),
    label_unit    TEXT    NOT NULL,                      -- '100 g' or '100 ml'
    updated_utc   TEXT    NOT NULL,
    PRIMARY KEY (user_id, ingredient_id)
) WITHOUT ROWID;

CREATE TABLE evening_schedule (
    user_id       INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    next_fire_utc INTEGER NOT NULL,
    timezone      TEXT    NOT NULL,                      -- settings it was computed from
    local_time    TEXT    NOT NULL
);
CREATE INDEX evening_due ON evening_schedule (next_fire_utc);

CREATE TABLE retest_settings (
    user_id       INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    months        INTEGER NOT NULL CHECK (months BETWEEN 1 AND 36),
    due_date      TEXT,                                  -- last result + months (local date)
    next_fire_utc INTEGER,                               -- NULL: nothing to send
    updated_utc   TEXT    NOT NULL
);

CREATE TABLE tracking_sends (
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('reminder', 'evening', 'retest')),
    key          TEXT    NOT NULL,                       -- e.g. '<reminder id>@<fire ts>'
    state        TEXT    NOT NULL CHECK (state IN ('sending', 'sent', 'blocked', 'failed')),
    message_id   INTEGER,
    claimed_utc  TEXT    NOT NULL,
    finished_utc TEXT,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE INDEX tracking_sends_user ON tracking_sends (user_id);
-- /delete leaves nothing that names the user: households they created and invites they made
-- outlive them (other members stay), so forget the creator and drop their invites.
CREATE TRIGGER users_delete_forget_creator AFTER DELETE ON users BEGIN
    UPDATE households SET created_by = NULL WHERE created_by = old.user_id;
    DELETE FROM household_invites WHERE created_by = old.user_id;
END;
"""

MIGRATIONS: tuple[Migration, ...] = (
    (1, _V1),
    (2, _V2),
    (3, _V3),
    (4, _V4),
)


class MigrationError(RuntimeError):
    """The database cannot be brought to this code's schema (message says why)."""


def latest_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    return migrations[-1][0] if migrations else 0


def _check_numbering(migrations: Sequence[Migration]) -> None:
    numbers = [number for number, _ in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise MigrationError(f"migrations must be numbered 1, 2, 3, ... without gaps: {numbers}")


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring `conn` (autocommit mode) up to the last migration; return the schema version.

    Each pending script and its `user_version` bump commit together or not at all, so a
    failure leaves the database at the last good version with its data intact.
    """
    _check_numbering(migrations)
    current = schema_version(conn)
    target = latest_version(migrations)
    if current > target:
        raise MigrationError(
            f"database schema version {current} is newer than this code knows ({target}); "
            "upgrade the bot instead of opening the database with an older version"
        )
    if current == target:
        return current
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        for number, script in migrations[current:]:
            try:
                # executescript runs the whole text; BEGIN makes it one transaction.
                conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {int(number)};"
                )
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise MigrationError(
                        f"migration {number} leaves foreign keys broken: {broken[:5]}"
                    )
                conn.execute("COMMIT")
            except Exception as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, MigrationError):
                    raise
                raise MigrationError(f"migration {number} failed: {exc}") from exc
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return schema_version(conn)
