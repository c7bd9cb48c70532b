"""The bot's HTTP client (bot.chat.http) against a local aiohttp server on 127.0.0.1.

What it must keep from PTB's own client: Telegram's answers become PTB's errors, time-outs
become TimedOut; and what the push relies on: a request that surely never left is marked
(NotSent, so bot.chat.send retries it), one that may have arrived is not, and the token never
shows in an error text.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import (
    Bot,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LoginUrl,
    WebAppInfo,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.chat.http import AiohttpRequest, NotSent, markup_json, send_message_id
from bot.chat.ratelimit import LocalSendBudget, PriorityRateLimiter
from bot.chat.send import delivering, send_html
from bot.services.delivery import Blocked, Refused, Transient, Unconfirmed

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
TOKEN = "123456789:AAEsecretTOKENvalue_for-http-tests"


@dataclass
class Api:
    """A scripted Bot API: `answers[method]` is (status, body) or a coroutine to await first."""

    url: str = ""
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    delay_s: dict[str, float] = field(default_factory=dict)
    received: list[tuple[str, str, dict[str, Any], dict[str, bytes]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        me = {"id": 1, "is_bot": True, "first_name": "B12", "username": "b12_bot"}
        self.answers["getMe"] = (200, {"ok": True, "result": me})

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "multipart/form-data":
            async for part in await request.multipart():
                if part.filename:
                    files[part.name or ""] = await part.read()
                else:
                    params[part.name or ""] = await part.text()
        elif request.can_read_body:
            params = await request.json()
        self.received.append((method, request.content_type, params, files))
        if method in self.delay_s:
            await asyncio.sleep(self.delay_s[method])
        status, body = self.answers.get(method, (200, {"ok": True, "result": True}))
        return web.json_response(body, status=status)


def message(chat_id: int, message_id: int = 7) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private"},
        "text": "hi",
    }


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    scripted = Api()
    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", scripted.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    scripted.url = f"http://127.0.0.1:{port}/bot"
    yield scripted
    await runner.cleanup()


def closed_port() -> int:
    """A local port nobody listens on (connecting is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def started(request: AiohttpRequest) -> AiohttpRequest:
    await request.initialize()
    return request


async def post(request: AiohttpRequest, base: str, method: str, **kwargs: Any) -> Any:
    return await request.post(f"{base}{TOKEN}/{method}", **kwargs)


async def test_a_send_goes_out_as_json_and_its_answer_comes_back(api: Api) -> None:
    api.answers["sendMessage"] = (200, {"ok": True, "result": message(42)})
    bot = Bot(TOKEN, base_url=api.url, request=AiohttpRequest(2))
    async with bot:
        sent = await bot.send_message(42, "<b>hi</b>", parse_mode="HTML")
    assert sent.message_id == 7
    method, content_type, params, _ = api.received[-1]
    assert (method, content_type) == ("sendMessage", "application/json")
    assert params == {"chat_id": 42, "text": "<b>hi</b>", "parse_mode": "HTML"}


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"ok": False, "description": "Bad Request: chat not found"}, BadRequest),
        (403, {"ok": False, "description": "Forbidden: bot was blocked"}, Forbidden),
        (401, {"ok": False, "description": "Unauthorized"}, InvalidToken),
        (
            429,
            {"ok": False, "description": "Too Many", "parameters": {"retry_after": 3}},
            RetryAfter,
        ),
        (502, {"ok": False, "description": "Bad Gateway"}, NetworkError),
    ],
)
async def test_telegram_answers_become_ptb_errors(
    api: Api, status: int, body: dict[str, Any], error: type[Exception]
) -> None:
    api.answers["sendMessage"] = (status, body)
    request = await started(AiohttpRequest(2))
    try:
        with pytest.raises(error):
            await post(request, api.url, "sendMessage")
    finally:
        await request.shutdown()


async def test_a_refused_connection_is_marked_not_sent_without_the_token() -> None:
    request = await started(AiohttpRequest(2))
    try:
        with pytest.raises(NetworkError) as caught:
            await post(request, f"http://127.0.0.1:{closed_port()}/bot", "sendMessage")
    finally:
        await request.shutdown()
    assert isinstance(caught.value.__cause__, NotSent)
    assert TOKEN.split(":")[1] not in str(caught.value) + str(caught.value.__cause__)


async def test_a_late_answer_times_out_and_may_have_arrived(api: Api) -> None:
    api.delay_s["sendMessage"] = 1.0
    request = await started(AiohttpRequest(2, read_timeout=0.2))
    try:
        with pytest.raises(TimedOut) as caught:
            await post(request, api.url, "sendMessage")
    finally:
        await request.shutdown()
    assert not isinstance(caught.value.__cause__, NotSent)
    assert [r[0] for r in api.received] == ["sendMessage"]  # it did reach the server


async def test_a_call_can_wait_longer_than_the_default_read_timeout(api: Api) -> None:
    api.delay_s["getUpdates"] = 0.4  # long polling passes its own, longer read time-out
    api.answers["getUpdates"] = (200, {"ok": True, "result": []})
    request = await started(AiohttpRequest(1, read_timeout=0.1))
    try:
        assert await post(request, api.url, "getUpdates", read_timeout=2.0) == []
    finally:
        await request.shutdown()


async def test_no_free_connection_in_time_is_a_timeout_that_never_went_out(api: Api) -> None:
    api.delay_s["getUpdates"] = 1.0
    request = await started(AiohttpRequest(1, pool_timeout=0.1, connect_timeout=0.1))
    try:
        holder = asyncio.create_task(post(request, api.url, "getUpdates"))
        await asyncio.sleep(0.2)  # the only connection is busy
        with pytest.raises(TimedOut) as caught:
            await post(request, api.url, "sendMessage")
        await holder
    finally:
        await request.shutdown()
    assert isinstance(caught.value.__cause__, NotSent)
    assert [r[0] for r in api.received] == ["getUpdates"]


async def test_uploads_go_out_as_multipart_with_their_parameters(api: Api) -> None:
    photo = {"message_id": 9, "date": 1, "chat": {"id": 5, "type": "private"}, "photo": []}
    api.answers["sendPhoto"] = (200, {"ok": True, "result": photo})
    bot = Bot(TOKEN, base_url=api.url, request=AiohttpRequest(2))
    async with bot:
        await bot.send_photo(5, b"\x89PNG fake chart", caption="<i>week</i>", parse_mode="HTML")
    method, content_type, params, files = api.received[-1]
    assert (method, content_type) == ("sendPhoto", "multipart/form-data")
    assert params["chat_id"] == "5" and params["caption"] == "<i>week</i>"
    assert list(files.values()) == [b"\x89PNG fake chart"]


async def test_a_shut_down_client_can_be_started_again(api: Api) -> None:
    request = await started(AiohttpRequest(1))
    await request.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await post(request, api.url, "getMe")
    await request.initialize()
    try:
        assert (await post(request, api.url, "getMe"))["username"] == "b12_bot"
    finally:
        await request.shutdown()


# --------------------------------------------------------------------------- lean sends


KEYBOARDS = [
    InlineKeyboardMarkup([[InlineKeyboardButton("🔁 Swap", callback_data="s:1")]]),
    InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Open", url="https://example.org/a?b=1")],
            [
                InlineKeyboardButton("✅", callback_data="c:2"),
                InlineKeyboardButton("Copy", copy_text=CopyTextButton("x")),
            ],
            [InlineKeyboardButton("App", web_app=WebAppInfo("https://example.org/app"))],
            [InlineKeyboardButton("Log in", login_url=LoginUrl("https://example.org/l"))],
            [InlineKeyboardButton("Pay", pay=True)],
        ]
    ),
]


@pytest.mark.parametrize("markup", KEYBOARDS)
def test_the_lean_keyboard_json_is_what_ptb_would_send(markup: InlineKeyboardMarkup) -> None:
    assert json.dumps(markup_json(markup), sort_keys=True) == json.dumps(
        markup.to_dict(), sort_keys=True
    )


async def test_the_lean_send_returns_the_id_and_sends_the_keyboard(api: Api) -> None:
    api.answers["sendMessage"] = (200, {"ok": True, "result": message(3, message_id=55)})
    bot = Bot(TOKEN, base_url=api.url, request=AiohttpRequest(2))
    async with bot:
        assert await send_message_id(bot, 3, "plan", KEYBOARDS[0]) == 55
    _, _, params, _ = api.received[-1]
    assert params["reply_markup"] == KEYBOARDS[0].to_dict()
    assert params["parse_mode"] == "HTML"


async def test_an_unknown_token_on_the_lean_send_is_an_invalid_token(api: Api) -> None:
    api.answers["sendMessage"] = (404, {"ok": False, "description": "Not Found"})
    bot = Bot(TOKEN, base_url=api.url, request=AiohttpRequest(2))
    async with bot:
        with pytest.raises(InvalidToken):
            await send_message_id(bot, 3, "plan")


# ------------------------------------------------- what the push makes of it (RequestLog)


async def push_send(
    api_url: str, chat: int, request: AiohttpRequest
) -> Callable[[], Awaitable[int]]:
    """The push's send as bot.chat.jobs.push makes it: limiter, RequestLog, delivering."""
    limiter = PriorityRateLimiter(LocalSendBudget())
    bot = ExtBot(TOKEN, base_url=api_url, request=request, rate_limiter=limiter)
    await request.initialize()  # no getMe: the refused case has no server to answer it

    async def send() -> int:
        try:
            return await delivering(send_html)(bot, chat, "your plan")
        finally:
            await request.shutdown()

    return send


async def test_the_push_retries_only_what_surely_never_left(api: Api) -> None:
    # refused: nothing went out, safe to send again
    send = await push_send(f"http://127.0.0.1:{closed_port()}/bot", 1, AiohttpRequest(2))
    with pytest.raises(Transient):
        await send()
    # answered too late: it reached Telegram, so it counts as delivered, never re-sent
    api.delay_s["sendMessage"] = 1.0
    send = await push_send(api.url, 2, AiohttpRequest(2, read_timeout=0.2))
    with pytest.raises(Unconfirmed):
        await send()


async def test_the_push_hears_blocked_and_refused_in_its_own_words(api: Api) -> None:
    api.answers["sendMessage"] = (403, {"ok": False, "description": "Forbidden: blocked"})
    send = await push_send(api.url, 1, AiohttpRequest(2))
    with pytest.raises(Blocked):
        await send()
    api.answers["sendMessage"] = (400, {"ok": False, "description": "Bad Request: x"})
    send = await push_send(api.url, 1, AiohttpRequest(2))
    with pytest.raises(Refused):
        await send()
