"""Alembic migrations of the storage schema, and the one function that runs them.

Revisions live in `versions/` (0001: the v4 baseline, the point a legacy v4 SQLite file is
stamped at; 0002: the dialect-neutral schema of bot.storage.schema). `upgrade(conn)` is
called by bot.storage.db at every start with a sync Connection borrowed from the async engine
(`await conn.run_sync(upgrade)`): it recognises a legacy v4 SQLite file (PRAGMA user_version 4,
no alembic_version table) and stamps it 0001, refuses databases it does not know, and runs
Alembic only when the database is behind. The caller commits.
"""

from __future__ import annotations

import functools
import logging

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

SCRIPT_LOCATION = "bot.storage:migrations"
V4_BASELINE = "0001"
LEGACY_V4 = 4  # PRAGMA user_version of a file made by bot.storage.legacy_v4


class MigrationError(RuntimeError):
    """The database cannot be brought to this code's schema (the message says why)."""


def alembic_config(conn: sa.Connection | None = None) -> Config:
    """An Alembic Config for the packaged scripts, sharing `conn` with env.py."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _script().get_current_head()
    assert head is not None
    return head


def current_revision(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: sa.Connection, target: str = "head") -> str:
    """Bring the database on `conn` to `target`; returns the revision it is at afterwards."""
    inspector = sa.inspect(conn)
    managed = inspector.has_table("alembic_version")
    if not managed:
        legacy = 0
        if conn.dialect.name == "sqlite":
            legacy = int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
        if legacy == LEGACY_V4:
            command.stamp(alembic_config(conn), V4_BASELINE)
        elif legacy or inspector.has_table("users"):
            raise MigrationError(
                "the database holds tables but no schema version this bot knows "
                f"(user_version {legacy}); point the bot at its own database"
            )
    current = current_revision(conn)
    wanted = head_revision() if target == "head" else target
    if current == wanted:
        return current
    if current is not None and current not in {s.revision for s in _script().walk_revisions()}:
        raise MigrationError(
            f"the database is at schema revision {current}, newer than this bot knows "
            f"(latest {head_revision()}); upgrade the bot"
        )
    command.upgrade(alembic_config(conn), target)
    after = current_revision(conn)
    assert after is not None
    log.info("database schema upgraded from revision %s to %s", current or "(empty)", after)
    return after
