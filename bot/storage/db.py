"""The database handle: URL resolution, engines, start-up guards and migrations.

One code path for SQLite (aiosqlite) and PostgreSQL (asyncpg) through SQLAlchemy's async
engines. Repositories run every statement through `Database.transaction()` (one write
transaction), `Database.read()` (reads) or `Database.run(fn)` (a sync function as one
transaction); nothing else opens connections.

Why the engines look the way they do:

* SQLite: ONE connection per process, opened once and handed to one transaction at a time
  (`_SqliteLink`), like the single aiosqlite connection before: a transaction never
  interleaves with another coroutine's statements. Its sqlite3 connection is in autocommit
  mode and the `begin` hook sends `BEGIN IMMEDIATE` for writes: a deferred BEGIN followed by
  read-then-write fails at once with SQLITE_BUSY_SNAPSHOT in WAL mode, which busy_timeout
  cannot retry. Reads send no BEGIN (see Database.read). The connection gets WAL,
  busy_timeout, synchronous=NORMAL and foreign_keys=ON. Statements cost one hop to
  aiosqlite's worker thread each (bot.storage.sqlite_io); `run(fn)` one hop in all.
* PostgreSQL: a small pool with pre-ping (a restarted server or a dropped idle connection is
  replaced instead of failing the next push); reads in autocommit.
* Migrations run on a separate short-lived engine: on SQLite it connects with
  foreign_keys=OFF, because `PRAGMA foreign_keys` is a no-op inside a transaction and
  rebuilding a parent table with foreign keys ON silently empties every child table.

Start-up guards (each one turns a confusing failure later into one clear line now):
  SQLite (bot.storage.sqlite_guard): a lock file beside the database (flock, held while the
  Database is open) refuses a second bot on the same file; a preflight opens the file
  read-write without creating it, runs quick_check and a write probe, and names the problem
  (read-only, unreadable, not a database, damaged). PostgreSQL: connection errors become one
  line with the password hidden; a replica or read-only session is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.storage import sqlite_io
from bot.storage.errors import StorageStartError
from bot.storage.pg_pool import pg_engine
from bot.storage.sqlite_guard import FileLock, preflight

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"
BUSY_TIMEOUT_MS = 5000
PG_MIN_VERSION = 120000  # identity columns, partial unique indexes as ON CONFLICT targets
# Serialises migrations when two bots start on one PostgreSQL database at the same moment.
PG_MIGRATION_LOCK = 4_812_012
_READ_OPTION = "b12_read_only"
# pg_advisory_xact_lock(namespace, hashtext(key)) of Database.exclusive: the two-int key space,
# apart from the migration lock's one-bigint space.
PG_EXCLUSIVE_NAMESPACE = 4812
T = TypeVar("T")
# The PostgreSQL transaction of the Database.exclusive block this task is in: every statement
# of the block runs in it, so the lock covers the reads and writes it guards.
_HELD: ContextVar[tuple[Database, AsyncConnection] | None] = ContextVar(
    "b12_exclusive_connection", default=None
)
_EXCLUSIVE = sa.text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:key))")


# --- URLs -------------------------------------------------------------------------------------


def resolve_database_url(target: str | Path, *, base_dir: Path | None = None) -> sa.URL:
    """The async driver's URL for a DATABASE_URL value or a plain SQLite file path.

    * a Path, or a string not starting with a URL scheme: a SQLite file (as DATABASE_PATH).
    * `sqlite:///rel/path` (relative to `base_dir`, default the working directory),
      `sqlite:////abs/path`; `sqlite+aiosqlite://` is accepted too.
    * `postgresql://user:pass@host/db` or `postgres://…` (`+asyncpg` accepted). libpq's
      `sslmode=` becomes asyncpg's `ssl=`, `connect_timeout=` becomes `timeout=`.

    Raises StorageStartError for any other scheme or driver.
    """
    base = base_dir or Path.cwd()
    if isinstance(target, Path) or "://" not in str(target):
        text = str(target).strip()
        if not text:
            raise StorageStartError("the database path is empty")
        return _sqlite_url(text, base)
    text = str(target).strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        url = make_url(text)
    except sa.exc.ArgumentError:
        raise StorageStartError(
            "DATABASE_URL is not a valid URL; use sqlite:///path/to/bot.sqlite3 or "
            "postgresql://user:password@host/database"
        ) from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "sqlite":
        if driver not in ("", "aiosqlite"):
            raise StorageStartError(f"SQLite needs the aiosqlite driver, not {driver!r}")
        if url.host:
            raise StorageStartError(
                "a SQLite DATABASE_URL has no host: use sqlite:///relative/path or "
                "sqlite:////absolute/path (three or four slashes)"
            )
        return _sqlite_url(url.database or "", base)
    if backend == "postgresql":
        if driver not in ("", "asyncpg"):
            raise StorageStartError(f"PostgreSQL needs the asyncpg driver, not {driver!r}")
        query = dict(url.query)
        if "sslmode" in query:
            query["ssl"] = query.pop("sslmode")
        if "connect_timeout" in query:
            query["timeout"] = query.pop("connect_timeout")
        if not url.database:
            raise StorageStartError(
                f"DATABASE_URL names no database: {describe_url(url)} "
                "(postgresql://user:password@host/DATABASE)"
            )
        return url.set(drivername="postgresql+asyncpg", query=query)
    raise StorageStartError(
        f"DATABASE_URL must start with sqlite:// or postgresql:// (got {backend!r})"
    )


def _sqlite_url(database: str, base: Path) -> sa.URL:
    if not database:
        raise StorageStartError("the SQLite DATABASE_URL names no file (sqlite:///bot.sqlite3)")
    if database != ":memory:":
        path = Path(database).expanduser()
        database = str(path if path.is_absolute() else (base / path).absolute())
    return sa.URL.create("sqlite+aiosqlite", database=database)


def describe_url(url: sa.URL | str) -> str:
    """The URL for messages and logs: password replaced by ***."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except sa.exc.ArgumentError:
            return "<unparsable URL>"
    if url.get_backend_name() == "sqlite":
        return url.database or ""
    return url.render_as_string(hide_password=True)


def _hide(text: str, url: sa.URL) -> str:
    return text.replace(url.password, "***") if url.password else text


# --- the handle -------------------------------------------------------------------------------


class NestedTransactionError(RuntimeError):
    """A transaction()/read()/run() was opened inside another on the same SQLite database;
    it would wait forever for the one connection its caller holds. Pass `conn` down instead."""


class Database:
    """An open database: the engine, its dialect name, and the only ways to run statements.

    Three ways in, all one transaction each:
      `async with db.transaction() as conn` / `async with db.read() as conn`: AsyncConnection
      for repositories written with `await conn.execute(...)`;
      `await db.run(fn, *args, write=...)`: `fn(conn, *args)` with a sync Connection, for hot
      paths. On SQLite it is one hop to the connection's thread for the whole function (the
      way the hand-written storage worked), which costs a third of the same statements sent
      one `await` at a time; on PostgreSQL it is `AsyncConnection.run_sync`.
    """

    def __init__(self, engine: AsyncEngine, url: sa.URL, lock: FileLock | None = None) -> None:
        self.engine = engine
        self.url = url
        self.dialect: str = engine.dialect.name  # "sqlite" or "postgresql"
        self.path: Path | None = (
            Path(url.database) if self.dialect == "sqlite" and url.database else None
        )
        self.revision: str | None = None  # Alembic revision after open()
        self._lock = lock
        self._sqlite: _SqliteLink | None = None
        self._pending: set[asyncio.Future[Any]] = set()
        # PostgreSQL reads run in autocommit: under READ COMMITTED every statement sees its own
        # snapshot inside a transaction too, so BEGIN/COMMIT would only add two round trips.
        self._read_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else engine
        )

    @classmethod
    async def open(cls, target: str | Path | sa.URL, *, migrate: bool = True) -> Database:
        """Resolve, check, migrate and open. Raises StorageStartError with a clear message."""
        url = target if isinstance(target, sa.URL) else resolve_database_url(target)
        if url.get_backend_name() == "sqlite":
            return await _open_sqlite(cls, url, migrate=migrate)
        return await _open_postgresql(cls, url, migrate=migrate)

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """One write transaction: committed when the block ends, rolled back on an error.

        Never open a second transaction()/read()/run() inside one: on SQLite the outer block
        holds the one connection (NestedTransactionError says so at once).
        """
        if self._sqlite is not None:
            return self._sqlite.transaction(write=True)
        held = self._held()
        if held is not None:
            return _inside(held)
        return self.engine.begin()

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A block of reads, without BEGIN on either engine. PostgreSQL: autocommit (each
        statement its own snapshot, as in a READ COMMITTED transaction). SQLite: the block
        holds the one connection, so no write of this process can come in between (and the
        lock file keeps other bots away)."""
        if self._sqlite is not None:
            return self._sqlite.transaction(write=False)
        held = self._held()
        if held is not None:
            return _inside(held)
        return self._read_engine.begin()

    async def run(self, fn: Callable[..., T], *args: Any, write: bool = True) -> T:
        """`fn(conn, *args)` in one transaction (a read when write=False) with a sync
        Connection; returns what fn returns. fn must not await or call back into the event
        loop: on SQLite it runs on the connection's worker thread.

        Once started, a write completes even if the caller is cancelled (a shutdown, a
        crashing sibling task): on SQLite the worker thread finishes it anyway, and on
        PostgreSQL it is shielded the same way, so that a push already delivered still gets
        its ledger row finished on both engines. close() waits for such transactions.
        """
        if self._sqlite is not None:
            return await self._sqlite.run(fn, args, write)
        held = self._held()
        if held is not None:  # inside exclusive(): part of its transaction
            return await held.run_sync(fn, *args)
        if not write:  # nothing to finish: a cancelled read just stops
            return await self._pg_run(fn, args, write)
        task = asyncio.ensure_future(self._pg_run(fn, args, write))
        self._pending.add(task)
        task.add_done_callback(_settled)
        task.add_done_callback(self._pending.discard)
        return await asyncio.shield(task)

    async def _pg_run(self, fn: Callable[..., T], args: tuple[Any, ...], write: bool) -> T:
        async with (self.engine if write else self._read_engine).begin() as conn:
            return await conn.run_sync(fn, *args)

    async def checkpoint(self) -> None:
        """SQLite: copy the WAL into the database file and truncate the WAL to zero bytes, so
        the old page images of a deleted row go with it (secure_delete has zeroed the row in
        the current pages). A no-op on PostgreSQL, where VACUUM reclaims dead tuples."""
        if self._sqlite is not None:
            await self._sqlite.checkpoint()

    @contextlib.asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        """One holder of `key` at a time across every process on this database.

        PostgreSQL: the block is ONE transaction that first takes
        `pg_advisory_xact_lock(namespace, hashtext(key))`; every transaction()/read()/run() of
        this task inside the block runs in it (one pooled connection, not two), and the lock
        goes with the commit, or the rollback when the block raises. SQLite: nothing to do
        (one process per file, and its callers keep their in-process lock). Nested blocks
        join the outer one. Tasks started inside the block must not use the database.
        """
        if self._sqlite is not None or self._held() is not None:
            yield
            return
        async with self.engine.begin() as conn:
            await conn.execute(_EXCLUSIVE, {"namespace": PG_EXCLUSIVE_NAMESPACE, "key": key})
            token = _HELD.set((self, conn))
            try:
                yield
            finally:
                _HELD.reset(token)

    def _held(self) -> AsyncConnection | None:
        """The connection of this task's exclusive() block on this database, if any."""
        held = _HELD.get()
        return held[1] if held is not None and held[0] is self else None

    @property
    def description(self) -> str:
        return describe_url(self.url)

    async def close(self) -> None:
        """Close the connections and release the lock file (idempotent)."""
        try:
            if self._pending:  # transactions whose callers were cancelled (see run)
                await asyncio.gather(*self._pending, return_exceptions=True)
            if self._sqlite is not None:
                await self._sqlite.close()
            await self.engine.dispose()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None


@contextlib.asynccontextmanager
async def _inside(conn: AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """The held transaction of an exclusive() block (its owner commits it)."""
    yield conn


def _settled(task: asyncio.Future[Any]) -> None:
    """A shielded transaction ended: if its caller was cancelled meanwhile, nobody will read
    an error it raised, so log it here (reading it also stops asyncio's own complaint)."""
    if not task.cancelled() and task.exception() is not None:
        log.debug("a database transaction failed: %r", task.exception())


# --- SQLite -----------------------------------------------------------------------------------


class _SqliteLink:
    """The one SQLite connection of a Database, its worker thread, and the gate to both.

    The async engine (aiosqlite, one hop per statement: bot.storage.sqlite_io) has a single
    connection, opened once and held for the Database's life; `gate` hands it to one
    transaction at a time, so a transaction never interleaves with another coroutine's
    statements, exactly like the single aiosqlite connection before. `run()` passes the same
    raw connection, on the same worker thread, to a sync SQLAlchemy Connection, so a whole
    repository method costs one hop.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.gate = asyncio.Lock()
        self._holder: ContextVar[bool] = ContextVar(f"b12_sqlite_{id(self)}", default=False)
        self._conn: AsyncConnection | None = None
        self._raw: sqlite_io.OneHopConnection | None = None
        self._sync_engine: sa.Engine | None = None
        self._sync_write: sa.Connection | None = None
        self._sync_read: sa.Connection | None = None

    async def start(self) -> None:
        self._conn = await self.engine.connect()
        pooled = await self._conn.get_raw_connection()
        raw = pooled.driver_connection
        assert isinstance(raw, sqlite_io.OneHopConnection)
        self._raw = raw
        sqlite3_conn = raw.sqlite3_connection
        # The sync side borrows the async side's sqlite3 connection. Its pool must never touch
        # it from another thread: no rollback on return (run() ends every transaction itself)
        # and the Connections are closed before they are dropped (a garbage-collected
        # Connection would make SQLAlchemy close the sqlite3 connection from the wrong thread).
        self._sync_engine = sa.create_engine(
            "sqlite://",
            creator=lambda: sqlite3_conn,
            poolclass=sa.pool.StaticPool,
            pool_reset_on_return=None,
        )

        @event.listens_for(self._sync_engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            # as _add_begin_hook, straight on the sqlite3 connection: this runs on its own
            # thread, and skipping SQLAlchemy's execution path saves ~40 µs per write
            if not conn.get_execution_options().get(_READ_OPTION, False):
                sqlite3_conn.execute("BEGIN IMMEDIATE")

        def connect() -> tuple[sa.Connection, sa.Connection]:
            assert self._sync_engine is not None
            write = self._sync_engine.connect()
            read = self._sync_engine.connect().execution_options(**{_READ_OPTION: True})
            return write, read

        self._sync_write, self._sync_read = await raw.call(connect)

    def _enter(self) -> None:
        if self._holder.get():
            raise NestedTransactionError(
                "a database transaction was opened inside another one; pass the open "
                "connection down instead"
            )

    def _alive(self) -> bool:
        conn, raw = self._conn, self._raw
        return (
            conn is not None
            and not conn.closed
            and not conn.invalidated
            and raw is not None
            and raw.is_open
        )

    async def _ensure_alive(self) -> None:
        """Reopen the connection if it was closed under us (under the gate).

        SQLAlchemy invalidates a connection whose statement was interrupted (a task cancelled
        while awaiting it): the state of the transaction is unknown, so it closes the sqlite3
        connection, which rolls the transaction back. With a pool that is invisible; with the
        one connection held for the Database's life, the next transaction needs a new one.
        """
        if self._alive():
            return
        log.info("the SQLite connection was closed by an interrupted statement; reopening")
        await self._release_sync_side()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
        self._conn = self._raw = None
        await self.start()

    async def _release_sync_side(self) -> None:
        """_drop_sync_side on the worker thread while it runs: a sync Connection left inside a
        transaction by an interrupted statement rolls it back on close, and sqlite3 allows
        that only on the thread that made the connection. Without a worker thread the raw
        connection is closed next anyway (which rolls back), so errors are only logged."""
        raw = self._raw
        if raw is not None and raw.is_open:
            try:
                await raw.call(self._drop_sync_side)
                return
            except Exception as exc:  # closing must go on
                log.info("releasing the SQLite sync connections on their thread: %s", exc)
        try:
            self._drop_sync_side()
        except (sa.exc.SQLAlchemyError, sqlite3.ProgrammingError) as exc:
            log.info("releasing the SQLite sync connections: %s", exc)
        finally:
            self._sync_write = self._sync_read = None

    def _drop_sync_side(self) -> None:
        """Give the sync Connections back to their pool; the raw connection stays open. The
        pool does no reset, but a Connection still inside a transaction rolls it back on close,
        so call this on the worker thread (see _release_sync_side)."""
        for conn in (self._sync_write, self._sync_read):
            if conn is not None:
                conn.close()
        self._sync_write = self._sync_read = None

    @contextlib.asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        self._enter()
        async with self.gate:
            await self._ensure_alive()
            token = self._holder.set(True)
            try:
                conn = self._conn
                assert conn is not None
                if write:
                    async with conn.begin():
                        yield conn
                else:
                    try:
                        yield conn
                    finally:
                        if not conn.invalidated:
                            await conn.rollback()  # ends the autobegun block; no BEGIN was sent
            finally:
                self._holder.reset(token)

    async def run(self, fn: Callable[..., T], args: tuple[Any, ...], write: bool) -> T:
        self._enter()
        async with self.gate:
            await self._ensure_alive()
            assert self._raw is not None
            return await self._raw.call(self._run_here, fn, args, write)

    async def checkpoint(self) -> None:
        """PRAGMA wal_checkpoint(TRUNCATE) on the one connection, between transactions."""
        self._enter()
        async with self.gate:
            await self._ensure_alive()
            raw = self._raw
            assert raw is not None

            def run() -> Any:
                return raw.sqlite3_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

            busy = await raw.call(run)
        if busy is not None and busy[0]:
            log.warning("WAL checkpoint could not finish (another reader of the file?)")

    def _run_here(self, fn: Callable[..., T], args: tuple[Any, ...], write: bool) -> T:
        """On the worker thread."""
        if write:
            conn = self._sync_write
            assert conn is not None
            with conn.begin():
                return fn(conn, *args)
        conn = self._sync_read
        assert conn is not None
        try:
            return fn(conn, *args)
        finally:
            conn.rollback()

    async def close(self) -> None:
        async with self.gate:
            await self._release_sync_side()
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    await self._conn.close()
                self._conn = None


def _add_begin_hook(engine: sa.Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # A read sends no BEGIN (see Database.read). Writes take the write lock at once (see
        # the module docstring).
        if not conn.get_execution_options().get(_READ_OPTION, False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_engine(url: sa.URL, *, foreign_keys: bool = True, pooled: bool = True) -> AsyncEngine:
    database = url.database or ":memory:"
    memory = database == ":memory:"
    if memory:
        kwargs: dict[str, Any] = {"poolclass": sa.pool.StaticPool}
    elif pooled:
        kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30}
    else:
        kwargs = {"poolclass": sa.pool.NullPool}
    engine = create_async_engine(
        url,
        # aiosqlite with one worker-thread hop per statement (see bot.storage.sqlite_io);
        # its connections are in autocommit mode: the begin hook below sends BEGIN.
        async_creator=functools.partial(sqlite_io.connect, database),
        # every checkout ends in a commit or rollback (transaction()/read() are begin()
        # blocks), so the pool's extra rollback on return would be a wasted statement
        pool_reset_on_return=None,
        **kwargs,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not memory:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            # deleted rows are overwritten with zeros, not just unlinked (/delete, pruning)
            cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    _add_begin_hook(engine.sync_engine)
    return engine


async def _open_sqlite(cls: type[Database], url: sa.URL, *, migrate: bool) -> Database:
    memory = url.database in (None, "", ":memory:")
    lock = None
    if not memory:
        db = Path(url.database or "")
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageStartError(f"cannot create the folder {db.parent}: {exc}") from None
        lock = FileLock(db)
    try:
        if not memory:
            await asyncio.to_thread(preflight, Path(url.database or ""))
        engine = _sqlite_engine(url)
        database = cls(engine, url, lock)
        try:
            if memory:  # one shared connection: migrate it in place (tests only)
                if migrate:
                    async with engine.connect() as conn:
                        database.revision = await conn.run_sync(_migrate_sync)
                        await conn.commit()
            elif migrate:
                migration_engine = _sqlite_engine(url, foreign_keys=False, pooled=False)
                try:
                    async with migration_engine.connect() as conn:
                        database.revision = await conn.run_sync(_migrate_sync)
                        await conn.commit()
                finally:
                    await migration_engine.dispose()
            link = _SqliteLink(engine)
            await link.start()
            database._sqlite = link
        except BaseException:
            await engine.dispose()
            raise
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    return database


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    cause = getattr(orig, "__cause__", None)
    for candidate in (orig, cause):
        if candidate is None:
            continue
        name = type(candidate).__name__
        text = str(candidate).strip()
        if name == "InvalidPasswordError" or "password authentication failed" in text:
            return "wrong user name or password"
        if name == "InvalidCatalogNameError":
            return text or "the database does not exist"
        if isinstance(candidate, OSError | TimeoutError):
            return text or type(candidate).__name__
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


async def _open_postgresql(cls: type[Database], url: sa.URL, *, migrate: bool) -> Database:
    where = describe_url(url)
    try:
        import asyncpg  # noqa: F401  (the driver SQLAlchemy loads by name)
    except ImportError:
        raise StorageStartError(
            "PostgreSQL needs the asyncpg driver: pip install -e '.[postgres]'"
        ) from None
    engine = pg_engine(url)
    database = cls(engine, url)
    try:
        try:
            async with engine.connect() as conn:
                row = (
                    await conn.exec_driver_sql(
                        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only'), "
                        "current_setting('server_version_num')::int"
                    )
                ).one()
                await conn.rollback()
        except (sa.exc.DBAPIError, OSError, TimeoutError, sa.exc.InterfaceError) as exc:
            raise StorageStartError(
                _hide(f"cannot connect to PostgreSQL at {where}: {_pg_reason(exc)}", url)
            ) from None
        recovery, read_only, version = row
        if recovery or read_only == "on":
            raise StorageStartError(
                f"PostgreSQL at {where} is read-only (a replica, or default_transaction_read_only"
                " is on); point DATABASE_URL at the primary"
            )
        if version < PG_MIN_VERSION:
            raise StorageStartError(
                f"PostgreSQL at {where} is version {version // 10000}; the bot needs 12 or newer"
            )
        if migrate:
            try:
                async with engine.connect() as conn:
                    await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
                    database.revision = await conn.run_sync(_migrate_sync)
                    await conn.commit()
            except sa.exc.DBAPIError as exc:
                raise StorageStartError(
                    _hide(f"cannot migrate the database at {where}: {_pg_reason(exc)}", url)
                ) from exc
    except BaseException:
        await engine.dispose()
        raise
    return database


# --- migrations -------------------------------------------------------------------------------


def _migrate_sync(conn: sa.Connection) -> str:
    from bot.storage.migrations import MigrationError, upgrade

    try:
        return upgrade(conn)
    except MigrationError as exc:
        raise StorageStartError(str(exc)) from None
    except sa.exc.DBAPIError:
        raise  # connection trouble: the caller words it
    except Exception as exc:
        raise StorageStartError(
            f"upgrading the database schema failed, so nothing was changed: {exc}"
        ) from exc
