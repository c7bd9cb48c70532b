"""The bot's HTTP client: PTB's BaseRequest on aiohttp, lean enough for the morning push.

Why not PTB's default (HTTPXRequest): per request, httpx builds a Request and a Response model,
parses the URL, walks its auth and redirect machinery and the pure-Python h11 parser, and
httpcore scans every pooled connection; together that was over half of the CPU a push costs.
aiohttp parses HTTP in C (llhttp), keeps connections alive in a right-sized pool and needs far
fewer Python calls per request. Bodies go out as one JSON document (one `json.dumps` instead
of one per parameter plus URL encoding); uploads (charts) as multipart/form-data.

What stays as PTB does it: timeouts per call (PTB's connect/read/write/pool arguments; long
polling passes its own read timeout), every failure raised as PTB's errors (TimedOut,
NetworkError; BaseRequest maps the HTTP answers to BadRequest, Forbidden, RetryAfter...).
What we add: a failure that surely happened before the request left this process (no
connection could be made, no pooled connection came free) carries `NotSent` as its cause, so
bot.chat.send can tell "safe to send again" from "may have arrived" (a read time-out, a
dropped connection). Error texts never contain the request URL, which holds the bot token.

aiohttp has no write time-out: a request is also bounded as a whole by the sum of its
connect, pool, write and read time-outs, so nothing waits forever.

`send_message_id` is the lean way to send a message when only its id is needed (the push,
reminders, group plans): PTB's `send_message` serialises the keyboard through its generic
object machinery and parses the answer back into a Message with every button, which together
cost about as much CPU as the whole HTTP exchange.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.request
import warnings
from typing import Any

import aiohttp
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject
from telegram.constants import ParseMode
from telegram.error import EndPointNotFound, InvalidToken, NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

# Connections kept to the Bot API (bot.app passes its own size). A send finding none free
# waits up to its pool + connect time-outs, then fails as TimedOut marked NotSent.
DEFAULT_POOL_SIZE = 16
# Idle connections are closed after this (aiohttp's default), well before a server would drop
# them: a send on a connection the server is closing at that moment "may have arrived".
KEEPALIVE_S = 15.0
_JSON = "application/json"
_TOKEN_IN_PATH = re.compile(r"/bot([^/]+)/")
# Bot.do_api_request asks to use the named method for known endpoints; send_message_id does
# so on purpose (see the module docstring).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


class NotSent(Exception):
    """The cause of a NetworkError/TimedOut when the request never left this process."""


class AiohttpRequest(BaseRequest):
    """telegram.request.BaseRequest on aiohttp (see the module docstring).

    Defaults as PTB's: 5 s to connect, write and read, 1 s to wait for a free pooled
    connection, 20 s to write an upload.
    """

    __slots__ = ("_defaults", "_media_write_timeout", "_pool_size", "_session")

    def __init__(
        self,
        connection_pool_size: int = DEFAULT_POOL_SIZE,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._defaults = (connect_timeout, read_timeout, write_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._defaults[1]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, limit_per_host=0, keepalive_timeout=KEEPALIVE_S
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
                trust_env=False,  # proxies: see _env_proxy
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        body: Any = None
        headers: dict[str, str] | None = None
        uploads = request_data is not None and request_data.contains_files
        if request_data is not None:
            if uploads:
                body = _form(request_data)
            else:
                body = json.dumps(request_data.parameters).encode()
                headers = {"Content-Type": _JSON}
        connect, read, write, pool = self._defaults
        if uploads:
            write = self._media_write_timeout
        timeout = _timeout(
            _given(connect_timeout, connect),
            _given(read_timeout, read),
            _given(write_timeout, write),
            _given(pool_timeout, pool),
        )
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                proxy=_env_proxy(url[: url.find("/", url.find("//") + 2)]),
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:  # no (pooled) connection in time
            raise TimedOut(_text("Timed out before the request was sent", exc, url)) from (
                _not_sent(exc, url)
            )
        except TimeoutError as exc:  # the answer did not come in time: it may have arrived
            raise TimedOut(_text("Timed out waiting for Telegram's answer", exc, url)) from exc
        except aiohttp.ClientConnectorError as exc:  # could not connect: nothing went out
            raise NetworkError(_text("Could not connect", exc, url)) from _not_sent(exc, url)
        except aiohttp.InvalidURL as exc:
            raise NetworkError("Invalid Bot API URL") from _not_sent(exc, url)
        except (aiohttp.ClientError, OSError) as exc:  # dropped mid-way: may have arrived
            raise NetworkError(_text("Connection failed", exc, url)) from exc


def _given(value: Any, default: float | None) -> float | None:
    """PTB passes DEFAULT_NONE for "use the client's default"; None means no limit."""
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


@functools.lru_cache(maxsize=64)
def _timeout(
    connect: float | None, read: float | None, write: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """aiohttp's `connect` covers the wait for a pooled connection and connecting (so a send
    may wait pool + connect seconds for a free connection before it fails, unsent); `sock_read`
    is the longest silence while reading the answer; `total` bounds the whole request."""
    parts = (connect, read, write, pool)
    total = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
    before_sending = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(
        total=total, connect=before_sending, sock_connect=connect, sock_read=read
    )


@functools.lru_cache(maxsize=16)
def _env_proxy(root: str) -> str | None:
    """HTTP(S)_PROXY / ALL_PROXY / NO_PROXY, honoured as PTB's httpx client does, looked up
    once per scheme and host (aiohttp's trust_env would do it in a thread per request)."""
    scheme, _, host = root.partition("://")
    if urllib.request.proxy_bypass(host.rsplit(":", 1)[0]):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(scheme) or proxies.get("all")


def _form(request_data: RequestData) -> aiohttp.FormData:
    """multipart/form-data: the parameters as PTB encodes them, then the files."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form


def _redact(text: str, url: str) -> str:
    """The URL's token never appears in an error text (they end up in logs)."""
    match = _TOKEN_IN_PATH.search(url)
    return text.replace(match.group(1), "<token>") if match else text


def _text(what: str, exc: BaseException, url: str) -> str:
    detail = str(exc)
    return _redact(f"{what}: aiohttp.{type(exc).__name__}{': ' + detail if detail else ''}", url)


def _not_sent(exc: BaseException, url: str) -> NotSent:
    marker = NotSent(_redact(f"{type(exc).__name__}: {exc}", url))
    marker.__cause__ = exc
    return marker


# --------------------------------------------------------------------------- lean sends


async def send_message_id(
    bot: Bot, chat_id: int, text: str, markup: TelegramObject | None = None
) -> int:
    """Send HTML `text` (with `markup`) and return the new message's id, without building a
    Message from the answer. Goes through the bot's rate limiter like any send."""
    api_kwargs: dict[str, object] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": ParseMode.HTML.value,
    }
    if markup is not None:
        api_kwargs["reply_markup"] = markup_json(markup)
    try:
        result = await bot.do_api_request("sendMessage", api_kwargs=api_kwargs)
    except EndPointNotFound as exc:  # sendMessage exists: a 404 means the token is wrong
        raise InvalidToken(str(exc)) from exc
    return int(result["message_id"])


# Buttons made of these alone are written directly; any other field set: PTB's to_dict.
_PLAIN_BUTTON_FIELDS = ("text", "callback_data", "url")
_OTHER_BUTTON_FIELDS = tuple(
    name for name in InlineKeyboardButton.__slots__ if name not in _PLAIN_BUTTON_FIELDS
)


def markup_json(markup: TelegramObject) -> dict[str, object]:
    """The keyboard as the Bot API JSON, what `markup.to_dict()` gives, for a fraction of the
    CPU: plain text/callback/URL buttons of an inline keyboard are written directly."""
    if not isinstance(markup, InlineKeyboardMarkup) or markup.api_kwargs:
        return markup.to_dict()
    return {"inline_keyboard": [[_button_json(b) for b in row] for row in markup.inline_keyboard]}


def _button_json(button: InlineKeyboardButton) -> dict[str, object]:
    if (
        button.api_kwargs
        or not isinstance(button.callback_data, str | None)
        or any(getattr(button, name) is not None for name in _OTHER_BUTTON_FIELDS)
    ):
        return button.to_dict()
    out: dict[str, object] = {"text": button.text}
    if button.url is not None:
        out["url"] = button.url
    if button.callback_data is not None:
        out["callback_data"] = button.callback_data
    return out
