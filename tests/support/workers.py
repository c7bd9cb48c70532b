"""Webhook workers as real processes (`python main.py` with WEBHOOK_URL set), for the
multi-worker end-to-end test and bench/bench_workers.py.

Each worker listens on its own 127.0.0.1 port; the fake Bot API plays Telegram and the load
balancer in front of them (FakeBotApi.deliver_to), and every worker shares one database.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from repo_paths import MAIN, REPO

from bot.storage.schema import users
from bot.storage.store import Store

PUBLIC_URL = "https://b12.example/telegram-webhook"  # what the workers tell Telegram
HOOK_PATH = "/telegram-webhook"
SECRET = "worker-test-secret_0123456789"
TOKEN = "123456789:AAEworkerTOKENvalue_for-tests-0123"  # a token run_bot accepts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Worker:
    """One bot process and where it listens."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    killed: bool = field(default=False)

    @property
    def hook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{HOOK_PATH}"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"

    def kill(self) -> None:
        """kill -9: no polite stop, sends in flight are cut off."""
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (the polite stop), then SIGKILL after `timeout`; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def worker_env(api_base_url: str, database_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api_base_url,
            "DATABASE_URL": database_url,
            "WEBHOOK_URL": PUBLIC_URL,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_SECRET": SECRET,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def start_workers(
    count: int,
    api_base_url: str,
    database_url: str,
    log_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    python: str = sys.executable,
) -> list[Worker]:
    """`count` worker processes on free ports (not yet waited for: see wait_healthy)."""
    workers = []
    for index in range(count):
        port = free_port()
        log_path = log_dir / f"worker{index}.log"
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                [python, str(MAIN)],
                cwd=REPO,
                env=worker_env(api_base_url, database_url, port, **(env or {})),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        workers.append(Worker(f"worker{index}", port, process, log_path))
    return workers


def health(worker: Worker, timeout: float = 3.0) -> int:
    """The HTTP status of GET /healthz (0: nobody answered)."""
    try:
        with urllib.request.urlopen(worker.health_url, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


async def wait_healthy(workers: list[Worker], timeout: float = 30.0) -> None:
    """Until every worker answers /healthz with 200; raises with its log if one died."""
    deadline = time.monotonic() + timeout
    waiting = list(workers)
    while waiting:
        for worker in list(waiting):
            if worker.process.poll() is not None:
                raise RuntimeError(f"{worker.name} exited:\n{worker.log()[-3000:]}")
            if await asyncio.to_thread(health, worker, 1.0) == 200:
                waiting.remove(worker)
        if waiting and time.monotonic() > deadline:
            raise TimeoutError(f"not healthy after {timeout:.0f} s: {[w.name for w in waiting]}")
        if waiting:
            await asyncio.sleep(0.2)


async def add_due_users(store: Store, ids: Iterable[int], due: dt.datetime) -> set[int]:
    """Onboarded users in UTC whose push fell due at `due`, in one INSERT (adding them one by
    one through the store would take a transaction each)."""
    rows = [
        {
            "user_id": uid,
            "chat_id": uid,
            "first_name": f"user{uid}",
            "timezone": "UTC",
            "push_time": due.time(),
            "onboarded": True,
            "next_push_utc": int(due.timestamp()),
            "created_utc": due,
            "updated_utc": due,
        }
        for uid in ids
    ]
    async with store.db.transaction() as conn:
        await conn.execute(sa.insert(users), rows)
    return {row["user_id"] for row in rows}
