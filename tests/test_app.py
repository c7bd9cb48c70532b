"""The entry point (bot/app.py, main.py): logs never carry the token or health values, and
start-up problems end in one friendly line and an exit code."""

from __future__ import annotations

import datetime as dt
import gc
import http.server
import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from ptb_offline import (
    TOKEN,
    OfflineBot,
    onboard,
    texts,
)
from repo_paths import MAIN
from telegram.ext import CommandHandler

from bot.app import (
    configure_logging,
    freeze_after_start,
    run_bot,
)
from bot.chat.jobs.pruning import prune_plans_job
from bot.config import load_settings
from bot.services.tracking import tracking_store


async def test_error_in_handler_tells_user_and_logs_without_token(
    bot: OfflineBot, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(update: object, context: object) -> None:
        raise RuntimeError(f"request to https://api.telegram.org/bot{TOKEN}/sendMessage failed")

    bot.app.add_handler(CommandHandler("boom", broken), group=-5)
    redactor = configure_logging("INFO", TOKEN, stream=io.StringIO())
    try:
        calls = await bot.chat().send("/boom")
    finally:
        _remove_logging(redactor)
    assert any("something went wrong" in t for t in texts(calls))
    assert "failed" in caplog.text and "<redacted-token>" in caplog.text
    assert TOKEN not in caplog.text


def _remove_logging(redactor: logging.Filter) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        handler.removeFilter(redactor)
        if isinstance(handler, logging.StreamHandler) and isinstance(handler.stream, io.StringIO):
            root.removeHandler(handler)


def test_token_never_reaches_logs(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    redactor = configure_logging("INFO", TOKEN, stream=stream)
    try:
        logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
        logging.getLogger("httpx").warning("HTTP Request: POST https://x/bot%s/getMe 502", TOKEN)
        try:
            raise ConnectionError(f"https://api.telegram.org/bot{TOKEN}/getUpdates")
        except ConnectionError:
            logging.getLogger("telegram.ext").exception("polling failed")
    finally:
        _remove_logging(redactor)
    for text in (stream.getvalue(), caplog.text):
        assert TOKEN not in text
        assert "getMe 502" in text and "polling failed" in text
        assert "/getMe 502" in text and "<redacted-token>" in text
    assert "POST https://x/bot<redacted-token>/getMe\n" not in stream.getvalue()  # INFO muted


THIRD_PARTY_LOGGERS = ("telegram", "httpx", "httpcore", "apscheduler", "aiosqlite")


async def test_debug_logging_carries_no_health_values(
    bot: OfflineBot, caplog: pytest.LogCaptureFixture
) -> None:
    """LOG_LEVEL=DEBUG turns on our own bot.* loggers only: PTB and httpx log whole request
    payloads at DEBUG (the user's /levels text, the bot's replies with doses), so they stay at
    INFO or above."""
    saved = {name: logging.getLogger(name).level for name in ("", *THIRD_PARTY_LOGGERS)}
    caplog.set_level(logging.DEBUG)
    stream = io.StringIO()
    redactor = configure_logging("DEBUG", TOKEN, stream=stream)
    # aiosqlite's thread may still log the fixture's store opening (the schema, not user data)
    # just after the call phase began, before configure_logging quietened it
    first_record = len(caplog.records)
    try:
        assert logging.getLogger("bot.chat.handlers.tracking").isEnabledFor(logging.DEBUG)
        for name in THIRD_PARTY_LOGGERS:
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        chat = bot.chat()
        await onboard(chat)
        await chat.send("/levels add serum 346.5 pg/mL 2026-10-02")
        await chat.send("/levels add mma 0.437 umol/L 2026-10-02")
        await chat.send("/took 777.5")
        replies = "\n".join(texts(await chat.send("/progress")) + texts(await chat.send("/levels")))
        labs = await tracking_store(bot.services.store).labs(chat.user.id)
    finally:
        _remove_logging(redactor)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
    # the values were stored and shown, so there was something to leak
    assert sorted(lab.result.value for lab in labs) == [0.437, 346.5]
    assert "pg/mL" in replies and "778 µg" in replies
    records = caplog.records[first_record:]
    logged = "\n".join(r.getMessage() for r in records) + stream.getvalue()
    assert "added a lab result" in logged  # our own INFO lines still come through
    for value in ("346.5", "0.437", "777.5", "pg/mL", "µmol/L", "µg"):
        assert value not in logged, f"log mentions {value!r}"


def test_run_bot_without_token_exits_2_with_botfather_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    assert run_bot({"DATABASE_PATH": str(tmp_path / "x.sqlite3")}) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "@BotFather" in err and "/newbot" in err


# --------------------------------------------------------------------------- start-up problems


GOOD_SHAPE_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def run_main(tmp_path: Path, token: str, api_base_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": api_base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
    }
    return subprocess.run(
        [sys.executable, str(MAIN)],
        cwd=tmp_path,  # no .env here
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Unauthorized(http.server.BaseHTTPRequestHandler):
    """What api.telegram.org answers to a token it does not know."""

    requests: list[str] = []  # noqa: RUF012  (class-level record, one server per test)

    def do_POST(self) -> None:
        self.requests.append(self.path)
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def unauthorized_api() -> Iterator[str]:
    Unauthorized.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_no_network_prints_one_friendly_line_and_exits_1(tmp_path: Path) -> None:
    done = run_main(tmp_path, GOOD_SHAPE_TOKEN, f"http://127.0.0.1:{closed_port()}/bot")
    assert done.returncode == 1
    assert "Could not reach the Bot API" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 3
    assert GOOD_SHAPE_TOKEN.split(":")[1] not in done.stdout + done.stderr


def test_rejected_token_prints_one_friendly_line_and_exits_1(
    tmp_path: Path, unauthorized_api: str
) -> None:
    done = run_main(tmp_path, GOOD_SHAPE_TOKEN, unauthorized_api)
    assert done.returncode == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 3
    assert GOOD_SHAPE_TOKEN.split(":")[1] not in done.stdout + done.stderr
    assert Unauthorized.requests  # it did ask Telegram


@pytest.mark.parametrize(
    "token", ["123456:your-token", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0", "12345678:short"]
)
def test_malformed_token_is_refused_without_touching_the_network(
    tmp_path: Path, unauthorized_api: str, token: str
) -> None:
    done = run_main(tmp_path, token, unauthorized_api)
    assert done.returncode == 2
    assert "does not look like a bot token" in done.stderr and "@BotFather" in done.stderr
    assert token not in done.stdout + done.stderr
    assert Unauthorized.requests == []


# --------------------------------------------------------------------------- database problems


def test_unusable_database_file_prints_one_clear_line_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bot.sqlite3").write_bytes(b"not a database\n" * 300)
    done = run_main(tmp_path, GOOD_SHAPE_TOKEN, f"http://127.0.0.1:{closed_port()}/bot")
    assert done.returncode == 2
    assert "Database error:" in done.stderr and "is not a usable SQLite database" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 3


def test_database_in_use_by_another_bot_is_refused(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(tmp_path / "bot.sqlite3")],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(MAIN.parent)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        done = run_main(tmp_path, GOOD_SHAPE_TOKEN, f"http://127.0.0.1:{closed_port()}/bot")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 2
    assert f"is in use by process {holder.pid}" in done.stderr
    assert "Traceback" not in done.stderr


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from bot.storage.sqlite_guard import FileLock
lock = FileLock(Path(sys.argv[1]))
print("locked", flush=True)
time.sleep(60)
"""


def test_unreachable_postgresql_prints_one_line_without_the_password(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": GOOD_SHAPE_TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot",
        "DATABASE_URL": f"postgresql://bot:s3cret-pw@127.0.0.1:{closed_port()}/b12",
    }
    done = subprocess.run(
        [sys.executable, str(MAIN)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Database error: cannot connect to PostgreSQL at postgresql+asyncpg://bot:***@" in (
        done.stderr
    )
    assert "s3cret-pw" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 3


async def test_the_daily_pruning_job_keeps_sixty_days_of_plans(bot: OfflineBot) -> None:
    job = [j for j in bot.app.job_queue.jobs() if j.name == "plan-pruning"]
    assert len(job) == 1  # scheduled at start
    store = bot.services.store
    today = bot.clock.now().date()
    for back in (0, 30, 60, 61, 62, 90):
        await store.save_plan("u:1", today - dt.timedelta(days=back), {"meals": []})

    class Context:  # what the JobQueue hands a job
        application = bot.app

    await prune_plans_job(Context())  # type: ignore[arg-type]
    kept = [
        b
        for b in (0, 30, 60, 61, 62, 90)
        if await store.get_plan("u:1", today - dt.timedelta(days=b))
    ]
    assert kept == [0, 30, 60, 61]  # a day of margin for zones ahead of UTC


PG = "postgresql://bot:pw@db/b12"


@pytest.mark.parametrize(
    ("environ", "shared"),
    [
        (
            {"DATABASE_URL": "postgresql://bot:pw@db/b12", "WEBHOOK_URL": "https://b.example/h"},
            True,
        ),
        ({"DATABASE_URL": "postgresql://bot:pw@db/b12"}, False),  # polling: one process
        ({"WEBHOOK_URL": "https://b.example/h"}, False),  # SQLite: one process
    ],
)
def test_workers_on_postgresql_share_one_send_budget(environ: dict[str, str], shared: bool) -> None:
    from bot.app import default_send_budget
    from bot.chat.ratelimit import LocalSendBudget, SharedSendBudget

    settings = load_settings({"TELEGRAM_BOT_TOKEN": "1:x", **environ}, None)
    budget = default_send_budget(settings)
    assert isinstance(budget, SharedSendBudget if shared else LocalSendBudget)


async def test_start_up_objects_leave_the_collectors_passes_once_the_services_run() -> None:
    """The bot process freezes what start-up made (gc.freeze) only after post_init ran, so the
    recipes and the store opened there are frozen too."""
    frozen_when_started: list[int] = []

    async def post_init(app: object) -> None:
        frozen_when_started.append(gc.get_freeze_count())

    app = types.SimpleNamespace(post_init=post_init)
    try:
        freeze_after_start(app)  # type: ignore[arg-type]
        await app.post_init(app)
        assert frozen_when_started == [0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
