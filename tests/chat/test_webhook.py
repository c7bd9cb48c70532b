"""The webhook workers' HTTP side (bot.chat.webhook): Telegram's updates go onto the update
queue only with the secret token, and /healthz says whether the database answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Bot, Update
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.chat.lifecycle import background_work
from bot.chat.webhook import SECRET_HEADER, web_application
from bot.core.models import RecipeSet
from bot.services.container import Services
from bot.storage.db import Database
from bot.storage.store import Store

SECRET = "s3cret-Token_for_tests"
PATH = "/hook/abc"
UPDATE = {
    "update_id": 41,
    "message": {
        "message_id": 7,
        "date": 1_767_000_000,
        "chat": {"id": 5001, "type": "private", "first_name": "Ana"},
        "from": {"id": 5001, "is_bot": False, "first_name": "Ana"},
        "text": "/today",
    },
}


@dataclass
class FakeApplication:
    """What the handlers use of a PTB Application: the bot, the update queue, bot_data."""

    bot: Bot = field(default_factory=lambda: Bot("123456:TEST"))
    update_queue: asyncio.Queue[object] = field(default_factory=asyncio.Queue)
    bot_data: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
async def served() -> AsyncIterator[tuple[FakeApplication, httpx.AsyncClient]]:
    application = FakeApplication()
    server = HTTPServer(web_application(application, PATH, SECRET))  # type: ignore[arg-type]
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield application, client
    finally:
        server.stop()
        await server.close_all_connections()


async def test_an_update_with_the_secret_goes_onto_the_update_queue(
    served: tuple[FakeApplication, httpx.AsyncClient],
) -> None:
    application, client = served
    answer = await client.post(PATH, json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 200
    update = application.update_queue.get_nowait()
    assert isinstance(update, Update)
    assert update.update_id == 41
    assert update.effective_message is not None
    assert update.effective_message.text == "/today"


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}])
async def test_a_post_without_the_right_secret_is_refused_and_not_handled(
    served: tuple[FakeApplication, httpx.AsyncClient], headers: dict[str, str]
) -> None:
    application, client = served
    answer = await client.post(PATH, json=UPDATE, headers=headers)
    assert answer.status_code == 403
    assert application.update_queue.empty()


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", json.dumps({"hello": 1}).encode()])
async def test_a_body_that_is_not_an_update_is_a_bad_request(
    served: tuple[FakeApplication, httpx.AsyncClient], body: bytes
) -> None:
    application, client = served
    answer = await client.post(PATH, content=body, headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 400
    assert application.update_queue.empty()


async def test_healthz_is_200_while_the_database_answers_and_503_while_stopping(
    served: tuple[FakeApplication, httpx.AsyncClient], store: Store, shipped: RecipeSet
) -> None:
    application, client = served
    assert (await client.get("/healthz")).status_code == 503  # not started: no services yet
    application.bot_data["services"] = Services(store, shipped)
    answer = await client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True}
    background_work(application).stop.set()  # type: ignore[arg-type]
    answer = await client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["reason"] == "stopping"


async def test_healthz_is_503_when_the_database_does_not_answer(
    served: tuple[FakeApplication, httpx.AsyncClient], shipped: RecipeSet
) -> None:
    application, client = served
    url = sa.make_url("postgresql+asyncpg://bot:pw@127.0.0.1:9/gone")  # nobody listens
    engine = create_async_engine(url, connect_args={"timeout": 1})
    try:
        application.bot_data["services"] = Services(Store(Database(engine, url)), shipped)
        answer = await client.get("/healthz")
    finally:
        await engine.dispose()
    assert answer.status_code == 503
    assert answer.json()["reason"] == "database"


def test_the_webhook_path_cannot_hide_the_health_check() -> None:
    with pytest.raises(ValueError, match="healthz"):
        web_application(FakeApplication(), "/healthz", SECRET)  # type: ignore[arg-type]
