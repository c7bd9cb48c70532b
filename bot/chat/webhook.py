"""Webhook mode for one or many workers: our own small HTTP server in front of PTB.

Long polling cannot scale out (a second getUpdates consumer gets 409 Conflict); a webhook can:
N worker processes, each on its own WEBHOOK_LISTEN/WEBHOOK_PORT behind a load balancer,
sharing nothing but PostgreSQL. PTB's `run_webhook` serves only the update path, and a load
balancer also needs a health check, so this follows PTB's custom-webhook pattern: a tornado
server (PTB's own webhook dependency) that checks Telegram's secret token and puts each
update on `application.update_queue`, beside `GET /healthz` (200 while the database answers,
503 when it does not or the worker is stopping, so the balancer sends elsewhere).

Every worker sets the webhook at start with the same URL, secret and update types, which is
idempotent, and never drops pending updates (another worker may be serving them) nor deletes
the webhook when it stops. The loop is driven like PTB's own run_webhook (run_forever until
`Application.stop_running`), so the polite SIGTERM stop of bot.chat.lifecycle works unchanged.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.chat.lifecycle import background_work
from bot.services.container import Services
from bot.storage.health import database_answers

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
# An update is a few KB; Telegram's largest (a long message with entities) stays far below.
MAX_BODY_BYTES = 1024 * 1024
HEALTH_TIMEOUT_S = 2.0


class _UpdateHandler(RequestHandler):
    """POST <webhook path>: Telegram's update, refused (403) without the secret token."""

    def initialize(self, bot_app: Application, secret: str | None) -> None:
        self.bot_app = bot_app
        self.secret = secret

    async def post(self) -> None:
        if self.secret is not None:
            given = self.request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                log.warning("webhook request without the right secret token refused")
                self.send_error(403)
                return
        try:
            data = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            self.send_error(400)
            return
        if not isinstance(data, dict):
            self.send_error(400)
            return
        bot = self.bot_app.bot
        try:
            update = Update.de_json(data, bot)
        except Exception:  # a malformed update: Telegram must not resend it forever
            log.warning("webhook: an update that is not one was refused")
            self.send_error(400)
            return
        await self.bot_app.update_queue.put(update)
        self.set_status(200)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish({"ok": False, "status": status_code})


class _HealthHandler(RequestHandler):
    """GET /healthz: 200 while the database answers, 503 otherwise or while stopping."""

    def initialize(self, bot_app: Application) -> None:
        self.bot_app = bot_app

    async def get(self) -> None:
        services = self.bot_app.bot_data.get("services")
        if background_work(self.bot_app).stopping:
            self.set_status(503)
            self.finish({"ok": False, "reason": "stopping"})
            return
        if not isinstance(services, Services):
            self.set_status(503)
            self.finish({"ok": False, "reason": "starting"})
            return
        if not await database_answers(services.store.db, HEALTH_TIMEOUT_S):
            self.set_status(503)
            self.finish({"ok": False, "reason": "database"})
            return
        self.finish({"ok": True})


def web_application(application: Application, url_path: str, secret: str | None) -> WebApplication:
    """The tornado routes: the webhook path and /healthz."""
    path = "/" + url_path.strip("/")
    if path == HEALTH_PATH:
        raise ValueError(f"the webhook path cannot be {HEALTH_PATH}")
    return WebApplication(
        [
            (HEALTH_PATH, _HealthHandler, {"bot_app": application}),
            (path, _UpdateHandler, {"bot_app": application, "secret": secret}),
        ]
    )


class WebhookServer:
    """The HTTP server of one worker (listening while `start`ed)."""

    def __init__(
        self, application: Application, *, listen: str, port: int, url_path: str, secret: str | None
    ) -> None:
        self._server = HTTPServer(
            web_application(application, url_path, secret), max_body_size=MAX_BODY_BYTES
        )
        self.listen = listen
        self.port = port

    def start(self) -> None:
        self._server.listen(self.port, self.listen)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


async def set_webhook(application: Application, url: str, secret: str | None) -> None:
    """Point Telegram at `url` (idempotent: every worker sends the same), keeping updates
    that wait for delivery."""
    await application.bot.set_webhook(
        url=url,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )


def run_webhook_worker(
    application: Application,
    loop: asyncio.AbstractEventLoop,
    *,
    url: str,
    listen: str,
    port: int,
    url_path: str,
    secret: str | None,
) -> None:
    """Run one worker until `application.stop_running()` (the polite stop) or Ctrl-C, on
    `loop`, in the order PTB's run_webhook uses: initialize, post_init (the store, the
    ticks), start, serve; then stop serving, stop, shutdown, post_shutdown."""
    if secret is None:
        log.warning("WEBHOOK_SECRET is not set: anyone who finds the URL can post updates")
    server = WebhookServer(application, listen=listen, port=port, url_path=url_path, secret=secret)
    serving = False
    try:
        loop.run_until_complete(application.initialize())
        if application.post_init is not None:
            loop.run_until_complete(application.post_init(application))
        loop.run_until_complete(application.start())
        server.start()
        serving = True
        loop.run_until_complete(set_webhook(application, url, secret))
        log.info("webhook worker serving on %s:%s", listen, port)
        loop.run_forever()
    except (KeyboardInterrupt, SystemExit):
        log.debug("webhook worker interrupted")
    finally:
        try:
            if serving:
                loop.run_until_complete(server.stop())
            if application.running:
                loop.run_until_complete(application.stop())
                if application.post_stop is not None:
                    loop.run_until_complete(application.post_stop(application))
            loop.run_until_complete(application.shutdown())
            if application.post_shutdown is not None:
                loop.run_until_complete(application.post_shutdown(application))
        finally:
            loop.close()
