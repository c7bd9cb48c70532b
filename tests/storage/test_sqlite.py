"""SQLite only: connection settings, one bot per file, start-up checks with clear messages,
one connection per process, and the size of a stored plan on disk."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import bot.storage
from bot.core.models import SLOT_ORDER, Diet, Profile
from bot.core.plan_codec import plan_to_dict
from bot.core.planner import plan_day
from bot.storage import schema
from bot.storage.db import Database, NestedTransactionError, StorageStartError
from bot.storage.migrations import head_revision
from bot.storage.store import Store

NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
NOBODY = 65534
REPO = Path(bot.storage.__file__).resolve().parents[2]
# Modules the unprivileged child needs (standard library only).
GUARD_MODULES = ("errors.py", "sqlite_guard.py", "legacy_v4.py")


async def test_open_creates_file_and_folder_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.sqlite3"
    s = await Store.open(path)
    try:
        assert path.exists()
        assert s.schema_version == head_revision()
        assert await s.pragma("journal_mode") == "wal"
        assert await s.pragma("foreign_keys") == 1
        assert await s.pragma("busy_timeout") == 5000
        assert await s.pragma("synchronous") == 1  # NORMAL
        assert await s.pragma("user_version") == 1000
    finally:
        await s.close()


@pytest.mark.parametrize(
    "target",
    ["sqlite:///{dir}/url.sqlite3", "sqlite+aiosqlite:///{dir}/url.sqlite3", "{dir}/url.sqlite3"],
)
async def test_urls_and_plain_paths_name_the_same_file(tmp_path: Path, target: str) -> None:
    s = await Store.open(target.format(dir=tmp_path))
    try:
        assert s.path == str(tmp_path / "url.sqlite3")
        await s.ensure_user(1, 1, "A", now_utc=NOW)
    finally:
        await s.close()
    assert (tmp_path / "url.sqlite3").exists()


async def test_a_second_open_of_the_same_file_is_refused_until_the_first_closes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Store.open(path)
    try:
        with pytest.raises(StorageStartError, match=rf"in use by process {os.getpid()}"):
            await Store.open(path)
        # another process: refused as well (flock is per open file, not per process)
        child = subprocess.run(
            [sys.executable, "-c", _CHILD_LOCK, str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            check=False,
        )
        assert child.returncode == 3, child.stderr
        assert f"in use by process {os.getpid()}" in child.stdout
    finally:
        await first.close()
    second = await Store.open(path)  # released on close
    await second.close()


_CHILD_LOCK = """
import sys
from pathlib import Path
from bot.storage.errors import StorageStartError
from bot.storage.sqlite_guard import FileLock
try:
    FileLock(Path(sys.argv[1]))
except StorageStartError as exc:
    print(exc)
    sys.exit(3)
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_nested_transaction_fails_at_once_instead_of_waiting_forever(store: Store) -> None:
    async with store.db.transaction():
        with pytest.raises(NestedTransactionError, match="pass the open connection down"):
            await store.get_user(1)
    assert await store.get_user(1) is None  # the connection is free again


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_coroutines_take_turns_on_the_one_connection(store: Store) -> None:
    """Twenty concurrent read-then-write transactions that yield in between: each one sees
    the previous one's result, none is lost."""
    await store.ensure_user(1, 1, "A", now_utc=NOW)
    target = schema.users.c.target_ug

    async def bump() -> None:
        async with store.db.transaction() as conn:
            value = (await conn.execute(sa.select(target))).scalar_one()
            await asyncio.sleep(0)  # without the gate another coroutine would run here
            await conn.execute(sa.update(schema.users).values(target_ug=value + 1))

    await asyncio.gather(*(bump() for _ in range(20)))
    assert (await store.get_user(1)).target_ug == pytest.approx(2.4 + 20)


async def test_garbage_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is not a database at all\n" * 200)
    with pytest.raises(StorageStartError, match="is not a usable SQLite database"):
        await Store.open(path)
    await (await Store.open(tmp_path / "other.sqlite3")).close()  # the lock was released


async def test_damaged_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 200,) for _ in range(2000)])
    conn.execute("CREATE INDEX t_v ON t (v)")
    conn.commit()
    conn.close()
    with path.open("r+b") as f:  # scribble over a b-tree page in the middle
        f.seek(4096 * 40 + 8)
        f.write(os.urandom(3000))
    with pytest.raises(StorageStartError, match=r"is damaged \(quick_check|not a usable"):
        await Store.open(path)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's tmp_path is inside a 0700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="b12-guard-", dir=tempfile.gettempdir()))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for p in folder.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(folder, ignore_errors=True)


def _preflight_as_nobody(shared: Path, db: Path) -> str:
    """Run the start-up checks on `db` in a child process as user nobody; returns the message
    (root ignores permission bits, so a check run as root could not fail). The child gets a
    copy of the stdlib-only guard modules: the repository may sit in a folder nobody cannot
    enter (/root), and so may the venv's interpreter."""
    if os.geteuid() != 0:
        try:
            from bot.storage.sqlite_guard import preflight

            preflight(db)
        except StorageStartError as exc:
            return str(exc)
        return "ok"
    package = shared / "guardpkg" / "bot" / "storage"
    package.mkdir(parents=True, exist_ok=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    for name in GUARD_MODULES:
        shutil.copy(REPO / "bot" / "storage" / name, package / name)
    for p in (shared / "guardpkg").rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from bot.storage.errors import StorageStartError\n"
        "from bot.storage.sqlite_guard import preflight\n"
        "try:\n    preflight(Path(sys.argv[1]))\n    print('ok')\n"
        "except StorageStartError as exc:\n    print(exc)\n"
    )

    def drop() -> None:
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    failures = []
    for python in dict.fromkeys(
        [
            sys.executable,
            os.path.realpath(sys.executable),
            "/usr/bin/python3",
            "/usr/local/bin/python3",
        ]
    ):
        try:
            child = subprocess.run(
                [python, "-c", code, str(db)],
                capture_output=True,
                text=True,
                preexec_fn=drop,
                env={"PYTHONPATH": str(shared / "guardpkg")},
                cwd=shared,
                check=False,
            )
        except OSError as exc:  # this interpreter is out of nobody's reach
            failures.append(f"{python}: {exc}")
            continue
        if child.returncode == 0:
            return child.stdout.strip()
        failures.append(f"{python}: {child.stderr.strip()[-200:]}")
    raise AssertionError(f"no Python runs as nobody here: {failures}")


def _make_db(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


def test_read_only_file_and_folder_are_refused_for_an_unprivileged_user(shared_dir: Path) -> None:
    ro = shared_dir / "ro"
    ro.mkdir()
    _make_db(ro / "bot.sqlite3")
    (ro / "bot.sqlite3").chmod(0o444)
    ro.chmod(0o555)
    assert "is read-only for this process" in _preflight_as_nobody(shared_dir, ro / "bot.sqlite3")

    rw = shared_dir / "rw"
    rw.mkdir()
    rw.chmod(0o777)
    _make_db(rw / "bot.sqlite3")
    (rw / "bot.sqlite3").chmod(0o444)
    message = _preflight_as_nobody(shared_dir, rw / "bot.sqlite3")
    assert "is read-only for this process" in message
    assert "the -wal and -shm files live beside it" in message


def test_unreadable_file_is_refused_for_an_unprivileged_user(shared_dir: Path) -> None:
    _make_db(shared_dir / "secret.sqlite3")
    (shared_dir / "secret.sqlite3").chmod(0o000)
    message = _preflight_as_nobody(shared_dir, shared_dir / "secret.sqlite3")
    assert message.startswith("cannot open") and "check owner and permissions" in message


def test_a_writable_file_passes_the_checks_as_an_unprivileged_user(shared_dir: Path) -> None:
    _make_db(shared_dir / "ok.sqlite3")
    (shared_dir / "ok.sqlite3").chmod(0o666)
    shared_dir.chmod(0o777)
    assert _preflight_as_nobody(shared_dir, shared_dir / "ok.sqlite3") == "ok"


async def test_a_stored_plan_day_takes_under_1_2_kb_on_disk_without_overflow_pages(
    tmp_path: Path, shipped
) -> None:
    path = tmp_path / "bot.sqlite3"
    profile = Profile(diet=Diet.VEGAN, target_ug=4.0, slots=tuple(SLOT_ORDER))
    day0 = dt.date(2026, 1, 1)
    plans = [
        plan_to_dict(plan_day(shipped, profile, day0 + dt.timedelta(days=i))) for i in range(20)
    ]
    s = await Store.open(path)
    try:
        for uid in range(1, 26):
            for d in range(20):
                await s.save_plan(f"u:{uid}", day0 + dt.timedelta(days=d), plans[(uid + d) % 20])
    finally:
        await s.close()
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'plans'")
        ]
        marks = ",".join("?" * len(names))
        size, overflow = conn.execute(
            f"SELECT sum(pgsize), sum(pagetype = 'overflow') FROM dbstat WHERE name IN ({marks})",
            names,
        ).fetchone()
        rows = conn.execute("SELECT count(*) FROM plans").fetchone()[0]
    finally:
        conn.close()
    assert rows == 500
    assert overflow == 0
    assert size / rows <= 1200, f"{size / rows:.0f} bytes per plan-day"


async def test_in_memory_database_works_for_quick_experiments() -> None:
    db = await Database.open("sqlite:///:memory:")
    s = Store(db)
    try:
        await s.ensure_user(1, 1, "A", now_utc=NOW)
        assert (await s.get_user(1)).first_name == "A"
    finally:
        await s.close()
