"""Start-up guards for a SQLite database file, on the standard library only.

* FileLock: one bot per database file. An exclusive flock on '<db>.lock' beside it, held while
  the Database is open; a second bot (or a second open in the same process) is refused at once,
  naming the process that holds it, instead of both sending every push.
* preflight: before the engine touches the file, open it read-write without creating it, read
  the schema (a file that is not a database fails here), run quick_check and take the write
  lock in a probe transaction that is rolled back. Each failure becomes one clear message:
  read-only for this process, cannot open (owner, permissions), not a database, damaged.
  A legacy database (v1-v4, before Alembic) is copied to '<db>.v<N>-backup' and brought to v4
  here; Alembic then stamps and upgrades it.

Stdlib only, so a test can run these checks in a child process as an unprivileged user (root
ignores file permission bits) with any Python at hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
from pathlib import Path

from bot.storage.errors import StorageStartError

log = logging.getLogger(__name__)

SQLITE_MIN_VERSION = (3, 35)  # RETURNING (3.35) and ON CONFLICT (3.24)


class FileLock:
    """An exclusive flock on '<db>.lock', held while the Database is open.

    A separate file, not the database: closing any other descriptor of the database file drops
    SQLite's own POSIX locks. flock belongs to the open file description, so a second open in
    the same process is refused too; the kernel releases it when the process exits or crashes.
    """

    def __init__(self, db: Path) -> None:
        self.path = db.with_name(db.name + ".lock")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageStartError(
                f"cannot create the lock file {self.path}: {exc.strerror} "
                "(the bot must be able to write the database folder)"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise StorageStartError(
                f"{db} is in use by process {holder} (lock file {self.path}); stop that bot "
                "first: two bots on one SQLite file would send every push twice"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def sqlite_error(db: Path, exc: sqlite3.Error) -> StorageStartError:
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_READONLY"):
        return StorageStartError(
            f"{db} is read-only for this process ({exc}); the bot must be able to write the "
            "file and its folder (the -wal and -shm files live beside it)"
        )
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return StorageStartError(
            f"{db} is not a usable SQLite database ({exc}); restore it from a backup"
        )
    if name.startswith("SQLITE_CANTOPEN") or name.startswith("SQLITE_PERM"):
        return StorageStartError(f"cannot open {db}: {exc} (check owner and permissions)")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StorageStartError(
            f"{db} is locked by another program ({exc}); close it (a sqlite3 shell, a backup "
            "tool) and start again"
        )
    return StorageStartError(f"cannot use {db}: {exc}")


def preflight(db: Path) -> None:
    """Checks with the stdlib driver before the engine touches the file (in a worker thread).

    Opens read-write without creating, reads the schema (SQLITE_NOTADB for a non-database),
    runs quick_check, and takes the write lock in a probe transaction that is rolled back.
    A database of the legacy format (v1-v4, before Alembic) is copied to a backup file and
    brought to v4 here; Alembic then stamps and upgrades it.
    """
    from bot.storage import legacy_v4

    if sqlite3.sqlite_version_info < SQLITE_MIN_VERSION:
        raise StorageStartError(
            f"SQLite {sqlite3.sqlite_version} is too old; the bot needs "
            f"{'.'.join(map(str, SQLITE_MIN_VERSION))} or newer"
        )
    if not db.exists():
        if not os.access(db.parent, os.W_OK | os.X_OK):
            raise StorageStartError(
                f"cannot create {db}: the folder {db.parent} is not writable for this process"
            )
        return
    if db.is_dir():
        raise StorageStartError(f"{db} is a folder, not a database file")
    try:
        conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True, isolation_level=None, timeout=5)
    except sqlite3.Error as exc:
        raise sqlite_error(db, exc) from None
    try:
        try:
            conn.execute("PRAGMA schema_version").fetchone()
            problems = [
                line
                for row in conn.execute("PRAGMA quick_check(3)").fetchall()
                for line in str(row[0]).splitlines()
            ]
            if problems != ["ok"]:
                raise StorageStartError(
                    f"{db} is damaged (quick_check: {'; '.join(problems)[:300]}); restore it "
                    f"from a backup or try `sqlite3 {db.name} .recover`"
                )
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE _b12_write_probe (x)")
            conn.execute("ROLLBACK")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            managed = (
                conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
                ).fetchone()
                is not None
            )
            if not managed and version:
                if version > legacy_v4.latest_version():
                    raise StorageStartError(
                        f"{db} has schema version {version}, which this bot does not know; "
                        "upgrade the bot"
                    )
                backup = db.with_name(f"{db.name}.v{version}-backup")
                if not backup.exists():
                    target = sqlite3.connect(backup)
                    try:
                        conn.backup(target)
                    finally:
                        target.close()
                    log.warning("legacy database v%d: a copy was saved as %s", version, backup)
                legacy_v4.apply_migrations(conn)
        except sqlite3.Error as exc:
            raise sqlite_error(db, exc) from None
        except legacy_v4.MigrationError as exc:
            raise StorageStartError(f"cannot upgrade {db}: {exc}") from None
    finally:
        conn.close()
