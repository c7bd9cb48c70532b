"""Wire the Telegram application: settings -> PTB Application -> long polling or webhook.

Start-up order matters: the store and the recipe set are opened in post_init (inside the event
loop PTB runs), handlers find them in `bot_data["services"]`, and one repeating JobQueue tick
drives every user's daily push (bot.services.push decides who is due; bot.chat.jobs sends).
Before any of that, run_bot checks the database (lock, file, schema upgrade) and the recipe
set, so a problem is one clear line and a non-zero exit instead of a bot that half runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import gc
import logging
import re
import sys
from collections.abc import Callable, Mapping
from typing import IO
from urllib.parse import urlparse

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot.chat.concurrency import PerChatUpdateProcessor
from bot.chat.handlers.common import publish_menus
from bot.chat.http import AiohttpRequest
from bot.chat.jobs.family import swap_notifier
from bot.chat.jobs.pruning import schedule_plan_pruning
from bot.chat.jobs.push import schedule_push_jobs
from bot.chat.jobs.tracking import schedule_tracking_jobs
from bot.chat.jobs.weekly import schedule_weekly_jobs
from bot.chat.lifecycle import install_stop_signals
from bot.chat.ratelimit import (
    Limit,
    LocalSendBudget,
    PriorityRateLimiter,
    SendBudget,
    SharedSendBudget,
)
from bot.config import MissingTokenError, Settings, SettingsError, load_settings
from bot.core.i18n import enable_languages
from bot.core.recipe_problems import RecipeError
from bot.core.recipes import load_recipes
from bot.services.container import Services
from bot.services.plans import utc_now
from bot.storage.errors import StorageStartError
from bot.storage.ratebudget import SharedRateBudget
from bot.storage.store import Store

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 2
# HTTP connections to the Bot API (bot.chat.http): push workers + replies in flight.
CONNECTION_POOL_SIZE = 32
# Third-party loggers that log request URLs (with the token) at INFO, or (aiosqlite, at DEBUG)
# every database call with its arguments, or (alembic, at INFO) its plugins at every start:
# warnings only. bot.storage logs a schema upgrade itself.
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic", "tornado.access")


def build_application(
    settings: Settings,
    *,
    now: Callable[[], dt.datetime] = utc_now,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    send_budget: SendBudget | None = None,
) -> Application:
    """A ready-to-run Application; `now`, `request` and the rate limiter's `send_budget`
    (default: Telegram's limits, counted in this process) are injectable for tests.

    The store opens in post_init. Code that drives the application by hand (tests, bench)
    calls `await app.initialize()` and then `await app.post_init(app)`, or `start_services`.
    """
    from bot.chat.handlers import register

    budget = send_budget or default_send_budget(settings)
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=dt.UTC))
        # replies before pushes, within Telegram's limits (bot.chat.ratelimit)
        .rate_limiter(PriorityRateLimiter(budget, max_retries=RATE_LIMIT_RETRIES))
        # different chats side by side, one chat in order (bot.chat.concurrency)
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(functools.partial(start_services, settings=settings, now=now))
        .post_shutdown(stop_services)
    )
    # our lean aiohttp client (bot.chat.http) unless a test brings its own
    builder = builder.request(request or AiohttpRequest(CONNECTION_POOL_SIZE))
    builder = builder.get_updates_request(updates_request or AiohttpRequest(1))
    application = builder.build()
    application.bot_data["send_budget"] = budget
    register(application)
    return application


def default_send_budget(settings: Settings) -> SendBudget:
    """Telegram's limits at RATE_LIMIT_PER_SECOND: counted in PostgreSQL when several webhook
    workers may share the bot (PostgreSQL and WEBHOOK_URL), else in this process."""
    overall = Limit(int(settings.rate_limit_per_second), 1.0)
    if settings.webhook_url and settings.uses_postgresql:
        return SharedSendBudget(overall)
    return LocalSendBudget(overall=overall)


async def start_services(
    application: Application,
    *,
    settings: Settings,
    now: Callable[[], dt.datetime] = utc_now,
) -> Services:
    """Open the store, load recipes, publish Services, set commands, schedule the ticks."""
    existing = application.bot_data.get("services")
    if isinstance(existing, Services):
        return existing
    enable_languages(settings.languages)  # checked against the catalogues in bot.config
    recipes = load_recipes(settings.recipes_dir)
    store = await Store.open(settings.database_url)
    services = Services(
        store=store,
        recipes=recipes,
        now=now,
        catch_up=dt.timedelta(hours=settings.catch_up_hours),
    )
    application.bot_data["services"] = services
    application.bot_data["push_lease"] = dt.timedelta(seconds=settings.push_lease_seconds)
    budget = application.bot_data.get("send_budget")
    if isinstance(budget, SharedSendBudget) and store.dialect == "postgresql":
        budget.attach(SharedRateBudget(store.db))  # every worker counts in one table
    services.plans.on_household_swap = swap_notifier(application, services)
    log.info(
        "database %s (%s, schema revision %s), %d recipes",
        store.path,
        store.dialect,
        store.schema_version,
        len(recipes.recipes),
    )
    await publish_menus(application.bot)  # command menu and description, per language
    schedule_push_jobs(application, settings.push_tick_seconds)
    schedule_tracking_jobs(application, settings.push_tick_seconds)  # reminders
    schedule_weekly_jobs(application)  # Sunday-evening summaries (opt-in)
    schedule_plan_pruning(application)
    return services


async def stop_services(application: Application) -> None:
    budget = application.bot_data.get("send_budget")
    if isinstance(budget, SharedSendBudget):
        await budget.detach()
    services = application.bot_data.pop("services", None)
    if isinstance(services, Services):
        await services.store.close()


# --------------------------------------------------------------------------- logging


class TokenRedactingFilter(logging.Filter):
    """Replace the bot token in any record (message, args, traceback) before it is written.

    httpx logs every request URL, and Telegram URLs contain the token; exceptions from the
    HTTP layer repeat it. Attached to handlers, so records from every logger pass through it.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def redact(self, text: str) -> str:
        return text.replace(self.token, "<redacted-token>") if self.token else text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = self.redact(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class StartupFailureFilter(logging.Filter):
    """PTB logs a failed start (bad token, no network) as an ERROR with a ~100-line traceback;
    run_bot prints one friendly line for exactly these, so the record is demoted to DEBUG and
    shown only when our own loggers are at DEBUG. Attached to PTB's "telegram.ext" logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        starting = record.getMessage().startswith("Network Retry Loop (Bootstrap")
        if not (record.exc_info and starting):
            return True
        if not isinstance(record.exc_info[1], InvalidToken | NetworkError):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return log.isEnabledFor(logging.DEBUG)


# "<bot id>:<secret>" as @BotFather issues it: digits, a colon, ~35 URL-safe characters.
TOKEN_SHAPE = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,64}$")
MALFORMED_TOKEN = (
    "TELEGRAM_BOT_TOKEN does not look like a bot token. @BotFather's tokens look like "
    "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw (digits, a colon, then about 35 letters, "
    "digits, '-' or '_'). Copy it again from @BotFather (/mybots -> your bot -> API Token), "
    "without quotes or spaces."
)


def token_looks_valid(token: str) -> bool:
    """A local shape check: a typo is reported at once instead of after a network round trip."""
    return TOKEN_SHAPE.fullmatch(token) is not None


def configure_logging(
    level: str, token: str, *, stream: IO[str] | None = None
) -> TokenRedactingFilter:
    """Log to stderr (or `stream`) with the token redacted from every handler's records."""
    redactor = TokenRedactingFilter(token)
    root = logging.getLogger()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    for existing in root.handlers:
        existing.addFilter(redactor)
    # Only our own bot.* loggers follow LOG_LEVEL. At DEBUG, PTB and httpx log whole request
    # payloads (users' lab values, doses): PTB stays at INFO or above whatever LOG_LEVEL is.
    logging.getLogger("telegram").setLevel(max(root.level, logging.INFO))
    ptb = logging.getLogger("telegram.ext")
    if not any(isinstance(f, StartupFailureFilter) for f in ptb.filters):
        ptb.addFilter(StartupFailureFilter())
    # httpx logs each request URL (with the token) at INFO; keep only its warnings.
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
    return redactor


# --------------------------------------------------------------------------- entry point


def run_bot(environ: Mapping[str, str] | None = None) -> int:
    """`python main.py`: long polling, or a webhook when WEBHOOK_URL is set."""
    import os

    try:
        settings = load_settings(os.environ if environ is None else environ)
    except MissingTokenError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if not token_looks_valid(settings.token):
        print(MALFORMED_TOKEN, file=sys.stderr)  # never the token itself
        return 2
    redactor = configure_logging(settings.log_level, settings.token)
    try:  # fail fast with the loader's own list of problems, before touching Telegram
        load_recipes(settings.recipes_dir)
    except RecipeError as exc:
        print(f"The recipe set has problems:\n{exc}", file=sys.stderr)
        return 1
    try:  # the same for the database: lock, readable, writable, not damaged, schema upgraded
        check_database(settings)
    except StorageStartError as exc:
        print(f"Database error: {exc}", file=sys.stderr)
        return 2
    application = build_application(settings)
    try:
        _run(application, settings)
    except StorageStartError as exc:  # e.g. another bot took the database meanwhile
        print(f"Database error: {exc}", file=sys.stderr)
        return 2
    except InvalidToken:
        print(
            "Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather (/mybots -> your "
            "bot -> API Token) and set it again.",
            file=sys.stderr,
        )
        return 1
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(
            f"Could not reach the Bot API at {settings.api_base_url}: "
            f"{redactor.redact(str(exc))}. Check the network or TELEGRAM_API_BASE_URL.",
            file=sys.stderr,
        )
        return 1
    return 0


def check_database(settings: Settings) -> None:
    """Open the database once (start-up guards, schema upgrade) and close it again, on a loop
    of its own so PTB's later loop is untouched. Raises StorageStartError."""

    async def open_and_close() -> None:
        store = await Store.open(settings.database_url)
        await store.close()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(open_and_close())
    finally:
        loop.close()


def freeze_after_start(application: Application) -> None:
    """Once the services are up, keep what start-up made (modules, recipes, the schema; it
    lives as long as the process) out of the garbage collector's full passes, which otherwise
    walk all of it and held the event loop ~70 ms at a time (bench/bench_load.py prints the
    longest pause). Only for the bot process: tests build many applications in one."""
    started = application.post_init

    async def start_then_freeze(app: Application) -> None:
        if started is not None:
            await started(app)
        gc.freeze()

    application.post_init = start_then_freeze


def _run(application: Application, settings: Settings) -> None:
    # Our own loop, so SIGTERM/SIGINT start the polite stop (bot.chat.lifecycle) instead of
    # PTB's immediate one; run_polling/run_webhook pick this loop up.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    install_stop_signals(application, loop)
    freeze_after_start(application)
    if settings.webhook_url:
        try:
            import tornado  # noqa: F401  (the webhook server)
        except ImportError:
            raise SettingsError(
                "WEBHOOK_URL is set but webhook support is not installed: run "
                "pip install -e '.[webhook]' (or unset WEBHOOK_URL for long polling)"
            ) from None
        from bot.chat.webhook import run_webhook_worker

        log.info("webhook mode on %s:%s", settings.webhook_listen, settings.webhook_port)
        run_webhook_worker(
            application,
            loop,
            url=settings.webhook_url,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path,
            secret=settings.webhook_secret,
        )
    else:
        log.info("long polling %s", settings.api_base_url)
        try:
            application.run_polling(
                allowed_updates=Update.ALL_TYPES, stop_signals=None, close_loop=False
            )
        finally:
            # a start that failed (no network, a bad token) skips PTB's shutdown: close the
            # HTTP client (bot.chat.http) here, so no "unclosed session" follows the message
            loop.run_until_complete(application.bot.shutdown())
            loop.close()
