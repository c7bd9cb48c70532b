"""A local fake Telegram Bot API server over real HTTP, for end-to-end tests and the push bench.

Why: the end-to-end test and `bench/bench_push.py` must run the REAL application (PTB's
HTTPX client, AIORateLimiter, long polling) without a network or a bot token. This server
speaks enough of the Bot API that PTB v22 cannot tell the difference for the methods the bot
uses, and it is strict where Telegram is strict (HTML parse errors, 4,096-character limit,
64-byte callback data, "message is not modified") so the tests catch what Telegram would reject.

It only ever listens on 127.0.0.1 (ephemeral port by default). Standard library only: an
asyncio server with a small HTTP/1.1 parser (keep-alive, Content-Length and chunked bodies;
JSON, x-www-form-urlencoded and multipart/form-data).

Test controls: `queue_update`, `user_sends`, `user_sends_in_group`, `user_taps`,
`user_sends_location`, `set_member_status`, `wait_for`, `messages_to`, `calls`;
webhook: `setWebhook` is recorded (`webhook`, `set_webhook_calls`; getUpdates then answers
409 like Telegram) and `deliver_to([backend URLs])` POSTs queued updates to them in turn with
the secret token, as Telegram behind a load balancer (`webhook_posts` records each POST);
faults: `block(chat_id)`, `inject_retry_after(n, seconds)`,
`inject_error(method, code, description)`,
`max_rate` (sendMessage calls per sliding second; counted, and optionally answered with 429),
`slow_down(seconds, for_seconds=...)` (requests carried out at once, answered late: a client
that times out has in fact delivered).

Run as a script (the bench does, so the server's CPU is not counted in the bench process):
    python tests/support/fake_bot_api.py --token 123456:TEST [--port 0] [--max-rate 30]
prints `PORT <n>` on stdout; `GET /_fake/sends` then returns every sendMessage as
[chat_id, monotonic_time, http_status], `POST /_fake/reset` forgets calls and
`GET /_fake/slow?seconds=7&for=30` slows sendMessage answers down (`seconds=0` ends it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"
MAX_TEXT_CHARS = 4096
MAX_CAPTION_CHARS = 1024
MAX_CALLBACK_DATA_BYTES = 64
GROUP_CHAT_TYPES = frozenset({"group", "supergroup"})
MEDIA_GROUP_SIZES = range(2, 11)  # an album holds 2-10 items
MAX_BODY_BYTES = 60 * 1024 * 1024

# Parameters that are plain strings on the wire (PTB JSON-encodes every non-string value).
TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "action",
        "url",
        "next_offset",
        "business_connection_id",
        "inline_message_id",
        "language_code",
        "scope",
    }
)
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendMediaGroup",
        "sendDocument",
        "sendLocation",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "sendChatAction",
        "deleteMessage",
    }
)
HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "blockquote",
    }
)
ENTITY_TYPE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "a": "text_link",
}
_BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional `parameters`."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class ApiCall:
    """One request the bot made: what it asked, when, and what it got back."""

    method: str
    params: dict[str, Any]
    time: float  # time.monotonic() when the request arrived
    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class _HtmlToText(HTMLParser):
    """Telegram's HTML parse mode: plain text + entities, or an error like Telegram's."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []
        self.length16 = 0
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[dict[str, Any]] = []
        self.error: str | None = None

    def _add(self, text: str) -> None:
        self.parts.append(text)
        self.length16 += len(text.encode("utf-16-le")) // 2

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self.getpos()[1]}')
            return
        self.stack.append((tag, self.length16, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            self._fail(f'Unexpected end tag "{tag}" at byte offset {self.getpos()[1]}')
            return
        name, start, attrs = self.stack.pop()
        length = self.length16 - start
        if length == 0 or name == "tg-emoji":
            return
        entity: dict[str, Any] = {"type": ENTITY_TYPE[name], "offset": start, "length": length}
        if name == "a":
            entity["url"] = attrs.get("href") or ""
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self._fail('Unsupported start tag: unescaped "<" in text')
        self._add(data)

    def handle_entityref(self, name: str) -> None:
        self._add({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self._add(chr(int(name[1:], 16) if name.lower().startswith("x") else int(name)))


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of an HTML-mode message; ApiError(400) where Telegram refuses."""
    if _BAD_AMPERSAND.search(text):
        raise ApiError(400, 'Bad Request: can\'t parse entities: unescaped "&" in text')
    parser = _HtmlToText()
    parser.feed(text)
    parser.close()
    if parser.error is None and parser.stack:
        parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
    if parser.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
    parser.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), parser.entities


def _decode_param(name: str, raw: str) -> Any:
    """PTB sends strings as-is and everything else JSON-encoded; undo that."""
    if name in TEXT_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ApiError(400, "Bad Request: multipart body without boundary")
    boundary = b"--" + match.group(1).encode()
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    for chunk in body.split(boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        disposition = next(
            (
                line.decode("latin-1")
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-disposition")
            ),
            "",
        )
        name_match = re.search(r'\bname="([^"]*)"', disposition)
        if not name_match:
            continue
        name = name_match.group(1)
        if "filename=" in disposition:
            files[name] = content
        else:
            params[name] = _decode_param(name, content.decode("utf-8"))
    return params, files


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Request parameters and uploaded files from any body PTB (or curl) may send."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}, {}
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        return data, {}
    if kind == "multipart/form-data":
        return _parse_multipart(body, content_type)
    # application/x-www-form-urlencoded (also the default when no content type is given)
    pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    return {k: _decode_param(k, v) for k, v in pairs}, {}


class FakeBotApi:
    """The fake server plus the state of its chats. Use as `async with FakeBotApi() as api:`."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        bot_username: str = "b12_test_bot",
        bot_first_name: str = "B12 Test Bot",
        port: int = 0,
        max_rate: float | None = None,
        enforce_max_rate: bool = False,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.port = port
        self.max_rate = max_rate
        self.enforce_max_rate = enforce_max_rate
        self.calls: list[ApiCall] = []
        self.blocked: set[int] = set()
        self.rate_violations = 0
        self.member_status: dict[tuple[int, int], str] = {}
        # group chat_id -> its Chat object (type group/supergroup, title), as users wrote there
        self.group_chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        # per language_code ("" = the default): commands, description, short description
        self.commands_by_language: dict[str, list[dict[str, Any]]] = {}
        self.descriptions: dict[str, dict[str, str]] = {}
        self._retry_after: deque[tuple[int, frozenset[str] | None]] = deque()
        self._errors: dict[str, deque[ApiError]] = {}
        # slow Telegram: (seconds, methods or None = every method, until monotonic time)
        self._delay: tuple[float, frozenset[str] | None, float] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._media_group_ids = itertools.count(1)
        self._next_message_id: dict[int, int] = {}
        # chat_id -> message_id -> the bot's Message dict (current state, edits applied)
        self._messages: dict[int, dict[int, dict[str, Any]]] = {}
        self._recent_sends: deque[float] = deque()
        self._changed = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        # webhook: what setWebhook asked for (None: getUpdates), every setWebhook call, the
        # load balancer's backends the queued updates are POSTed to in turn, and what each
        # POST got: (backend, update_id, HTTP status or 0 when the connection failed)
        self.webhook: dict[str, Any] | None = None
        self.set_webhook_calls: list[dict[str, Any]] = []
        self.webhook_targets: list[str] = []
        self.webhook_posts: list[tuple[str, int, int]] = []
        self._next_target = 0
        self._deliverer: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """What goes into TELEGRAM_API_BASE_URL / `Bot(base_url=...)`."""
        return f"http://{HOST}:{self.port}/bot"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve_connection, HOST, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._deliverer is not None:
            self._deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deliverer
            self._deliverer = None
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(self._connections, timeout=5)
        if self._server is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)
            self._server = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test controls

    def deliver_to(self, targets: list[str]) -> None:
        """Act as Telegram with a webhook behind a load balancer: every queued update is
        POSTed (with the secret token setWebhook gave) to the next of `targets` in turn,
        http://host:port/path each; a backend that does not answer 200 is skipped for that
        update, the next one tried (a balancer's retry)."""
        self.webhook_targets = list(targets)
        if self._deliverer is None:
            self._deliverer = asyncio.ensure_future(self._deliver_forever())

    async def _deliver_forever(self) -> None:
        while True:
            await self._wait_until(lambda: bool(self._updates) and self.webhook is not None)
            update = self._updates[0]
            if await self._deliver(update):
                self._updates.pop(0)
            else:
                await asyncio.sleep(0.2)  # every backend down: Telegram retries later

    async def _deliver(self, update: dict[str, Any]) -> bool:
        secret = (self.webhook or {}).get("secret_token")
        body = json.dumps(update).encode()
        for _ in range(len(self.webhook_targets)):
            target = self.webhook_targets[self._next_target % len(self.webhook_targets)]
            self._next_target += 1
            status = await _post_json(target, body, secret)
            self.webhook_posts.append((target, int(update["update_id"]), status))
            if status == 200:
                return True
        return False

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an Update for getUpdates; assigns `update_id` when missing."""
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        self._notify()
        return update

    def user(self, user_id: int, first_name: str | None = None) -> dict[str, Any]:
        """The User object for `user_id` (remembered, so names stay stable)."""
        known = self.users.get(user_id)
        if known is None or (first_name and known["first_name"] != first_name):
            known = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name or f"User{user_id}",
                "language_code": "en",
            }
            self.users[user_id] = known
        return known

    def _private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def _user_message(self, user_id: int, first_name: str | None) -> dict[str, Any]:
        user = self.user(user_id, first_name)
        return {
            "message_id": self._new_message_id(user_id),
            "from": user,
            "chat": self._private_chat(user),
            "date": int(time.time()),
        }

    def user_sends(
        self, user_id: int, text: str, *, first_name: str | None = None
    ) -> dict[str, Any]:
        """A private text message from the user (a bot_command entity when it starts with /)."""
        message = self._user_message(user_id, first_name)
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        return self.queue_update({"message": message})

    def user_sends_in_group(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        *,
        title: str | None = None,
        chat_type: str = "group",
        first_name: str | None = None,
    ) -> dict[str, Any]:
        """A text message from the user in a group or supergroup `chat_id` (negative, as on
        Telegram); a bot_command entity when it starts with /. The chat's title and type are
        remembered, so the bot's replies and getChat describe the same chat."""
        if chat_type not in GROUP_CHAT_TYPES:
            raise ValueError(f"chat_type must be one of {sorted(GROUP_CHAT_TYPES)}")
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        known = self.group_chats.get(chat_id, {})
        chat = {
            "id": chat_id,
            "type": chat_type,
            "title": title or known.get("title") or f"Group {chat_id}",
        }
        self.group_chats[chat_id] = chat
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": self.user(user_id, first_name),
            "chat": dict(chat),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        return self.queue_update({"message": message})

    def user_sends_location(
        self, user_id: int, latitude: float, longitude: float, *, first_name: str | None = None
    ) -> dict[str, Any]:
        message = self._user_message(user_id, first_name)
        message["location"] = {"latitude": latitude, "longitude": longitude}
        return self.queue_update({"message": message})

    def user_taps(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A callback_query for a button on the bot's message `message_id` in the user's chat."""
        chat_id = user_id if chat_id is None else chat_id
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise KeyError(f"the bot never sent message {message_id} to chat {chat_id}")
        query = {
            "id": str(next(self._callback_ids)),
            "from": self.user(user_id),
            "message": json.loads(json.dumps(message)),
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self.queue_update({"callback_query": query})

    def block(self, chat_id: int) -> None:
        """From now on every send to `chat_id` fails with 403 (the user blocked the bot)."""
        self.blocked.add(chat_id)

    def inject_retry_after(
        self, calls: int, retry_after: int = 1, methods: set[str] | None = None
    ) -> None:
        """The next `calls` requests (of `methods`, default every send) get 429 retry_after."""
        scope = frozenset(methods) if methods else None
        for _ in range(calls):
            self._retry_after.append((retry_after, scope))

    def inject_error(
        self, method: str, code: int = 400, description: str = "Bad Request", calls: int = 1
    ) -> None:
        """The next `calls` requests of `method` fail with this error (e.g. an album refused)."""
        queue = self._errors.setdefault(method, deque())
        queue.extend(ApiError(code, description) for _ in range(calls))

    def slow_down(
        self,
        seconds: float,
        *,
        methods: Collection[str] | None = ("sendMessage",),
        for_seconds: float | None = None,
    ) -> None:
        """Telegram under load: requests (of `methods`; None = all but getUpdates) are carried
        out at once but answered only `seconds` later, for `for_seconds` (None: until
        `slow_down(0)`). A client that times out meanwhile has in fact delivered the message."""
        if seconds <= 0:
            self._delay = None
            return
        until = time.monotonic() + for_seconds if for_seconds is not None else float("inf")
        scope = frozenset(methods) if methods is not None else None
        self._delay = (seconds, scope, until)

    def _answer_delay(self, method: str) -> float:
        if self._delay is None or method == "getUpdates":
            return 0.0
        seconds, scope, until = self._delay
        if time.monotonic() >= until:
            self._delay = None
            return 0.0
        return seconds if scope is None or method in scope else 0.0

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember answers: creator, administrator, member, restricted, left, kicked."""
        self.member_status[(chat_id, user_id)] = status

    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in `chat_id`, oldest first, as they look now (edits applied)."""
        return [m for _, m in sorted(self._messages.get(chat_id, {}).items())]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return self._messages[chat_id][message_id]

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self,
        method: str | Collection[str],
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 10.0,
        *,
        after: int = 0,
    ) -> ApiCall:
        """The first call of `method` (one name or several), from index `after` in `calls`,
        matching `predicate`. Waits for it; raises TimeoutError listing what came instead."""
        methods = {method} if isinstance(method, str) else set(method)

        def find() -> ApiCall | None:
            for call in self.calls[after:]:
                if call.method in methods and (predicate is None or predicate(call)):
                    return call
            return None

        try:
            async with asyncio.timeout(timeout):
                await self._wait_until(lambda: find() is not None)
        except TimeoutError:
            seen = [f"{c.method}:{c.status}" for c in self.calls[after:]]
            wanted = "/".join(sorted(methods))
            raise TimeoutError(f"no matching {wanted} within {timeout}s; calls: {seen}") from None
        found = find()
        assert found is not None
        return found

    def mark(self) -> int:
        """Index to pass as `wait_for(after=...)` so only later calls count."""
        return len(self.calls)

    def send_times(self, method: str = "sendMessage") -> list[float]:
        return [c.time for c in self.calls if c.method == method and c.ok]

    def peak_rate(self, method: str = "sendMessage", window: float = 1.0) -> int:
        """Most successful `method` calls that landed within any `window` seconds."""
        times = self.send_times(method)
        best = 0
        start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def _notify(self) -> None:
        """Wake everyone waiting in `_wait_until` (a fresh Event per change: no lost wake-ups)."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _wait_until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            await self._changed.wait()

    # ------------------------------------------------------------------ HTTP

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    return
                method, target, headers, body = request
                status, payload = await self._handle_http(method, target, headers, body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                keep_alive = headers.get("connection", "").lower() != "close"
                head = (
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n"
                    f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
                )
                writer.write(head.encode() + data)
                await writer.drain()
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @staticmethod
    async def _read_request(
        reader: asyncio.StreamReader,
    ) -> tuple[str, str, dict[str, str], bytes] | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                body += await reader.readexactly(size)
                await reader.readexactly(2)
                if len(body) > MAX_BODY_BYTES:
                    raise ConnectionError("body too large")
            return method, target, headers, bytes(body)
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY_BYTES:
            raise ConnectionError("body too large")
        return method, target, headers, await reader.readexactly(length)

    async def _handle_http(
        self, http_method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        path = urlsplit(target).path
        query = urlsplit(target).query
        if path.startswith("/_fake/"):
            return self._control(path, query)
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if not match:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, api_method = match.groups()
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        try:
            params, files = parse_body(headers.get("content-type", ""), body)
            params.update({k: _decode_param(k, v) for k, v in parse_qsl(query)})
        except (ValueError, ApiError) as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        call = ApiCall(api_method, params, time.monotonic(), files)
        if api_method != "getUpdates":
            self.calls.append(call)
        try:
            result = await self._dispatch(api_method, params, files)
        except ApiError as err:
            call.status = err.code
            answer: dict[str, Any] = {
                "ok": False,
                "error_code": err.code,
                "description": err.description,
            }
            if err.parameters:
                answer["parameters"] = err.parameters
            self._notify()
            return err.code, answer
        call.result = result
        if api_method == "getUpdates" and result:
            self.calls.append(call)  # only polls that delivered something, to keep it short
        self._notify()
        delay = self._answer_delay(api_method)
        if delay:
            await asyncio.sleep(delay)  # done already; only the answer is late
        return 200, {"ok": True, "result": result}

    def _control(self, path: str, query: str = "") -> tuple[int, Any]:
        """Read-out for a fake server running in another process (the bench)."""
        if path == "/_fake/sends":
            sends = [
                [c.params.get("chat_id"), c.time, c.status]
                for c in self.calls
                if c.method == "sendMessage"
            ]
            return 200, {"ok": True, "result": sends, "rate_violations": self.rate_violations}
        if path == "/_fake/slow":
            params = dict(parse_qsl(query))
            methods = params.get("methods")
            duration = params.get("for")
            self.slow_down(
                float(params.get("seconds", "0")),
                methods=methods.split(",") if methods else None,
                for_seconds=float(duration) if duration else None,
            )
            return 200, {"ok": True, "result": True}
        if path == "/_fake/reset":
            self.calls.clear()
            self.rate_violations = 0
            self._recent_sends.clear()
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    # ------------------------------------------------------------------ Bot API methods

    async def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if self._errors.get(method):
            raise self._errors[method].popleft()
        if method in SEND_METHODS:
            self._check_faults(method, params)
        handler = _METHODS.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if method == "getUpdates":
            return await self._get_updates(params)
        return handler(self, params, files)

    def _check_faults(self, method: str, params: dict[str, Any]) -> None:
        if self._retry_after:
            retry_after, scope = self._retry_after[0]
            if scope is None or method in scope:
                self._retry_after.popleft()
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
        if _chat_id(params) in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if method == "sendMessage" and self.max_rate is not None:
            now = time.monotonic()
            while self._recent_sends and now - self._recent_sends[0] >= 1.0:
                self._recent_sends.popleft()
            if len(self._recent_sends) >= self.max_rate:
                self.rate_violations += 1
                if self.enforce_max_rate:
                    raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self._recent_sends.append(now)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            # Telegram forgets every update before the confirmed offset.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        def pending() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset][:limit]

        if not pending() and timeout > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wait_until(lambda: bool(pending()))
        return pending()

    def _stored(self, chat_id: int, message: dict[str, Any]) -> dict[str, Any]:
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return message

    def _base_message(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            chat = self._private_chat(self.user(chat_id))
        elif chat_id in self.group_chats:
            chat = dict(self.group_chats[chat_id])
        else:
            chat = {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        return {
            "message_id": self._new_message_id(chat_id),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
        }

    def _text_and_entities(
        self, params: dict[str, Any], key: str, limit: int
    ) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get(key)
        if raw is None or raw == "":
            if key == "caption":
                return "", []
            raise ApiError(400, "Bad Request: message text is empty")
        text = str(raw)
        entities: list[dict[str, Any]] = list(
            params.get(f"{key}_entities") or params.get("entities") or []
        )
        mode = str(params.get("parse_mode") or "")
        if mode.upper() == "HTML":
            text, entities = parse_html(text)
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > limit:
            what = "message caption" if key == "caption" else "message"
            raise ApiError(400, f"Bad Request: {what} is too long")
        return text, entities

    @staticmethod
    def _check_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not (
                    0 < len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _find(self, params: dict[str, Any], what: str) -> dict[str, Any]:
        chat_id = _chat_id(params)
        message_id = int(params.get("message_id") or 0)
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise ApiError(400, f"Bad Request: message {what} not found")
        return message

    def _m_get_me(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_true(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    def _m_set_my_commands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        commands = params.get("commands") or []
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not command.get("description"):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        language = str(params.get("language_code") or "")
        self.commands_by_language[language] = list(commands)
        if not language:
            self.commands = list(commands)
        return True

    def _m_get_my_commands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.commands_by_language.get(str(params.get("language_code") or ""), [])

    def _m_set_my_description(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        for key in ("description", "short_description"):
            if key in params:
                language = str(params.get("language_code") or "")
                self.descriptions.setdefault(language, {})[key] = str(params[key])
        return True

    def _m_get_webhook_info(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        url = (self.webhook or {}).get("url", "")
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    def _m_set_webhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        url = str(params.get("url") or "")
        self.set_webhook_calls.append(dict(params))
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {"url": url, "secret_token": secret}
        self._notify()
        return True

    def _m_delete_webhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_send_message(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _chat_id(params)
        text, entities = self._text_and_entities(params, "text", MAX_TEXT_CHARS)
        markup = self._check_markup(params)
        message = self._base_message(chat_id)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return self._stored(chat_id, message)

    def _m_send_location(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _chat_id(params)
        message = self._base_message(chat_id)
        message["location"] = {
            "latitude": float(params["latitude"]),
            "longitude": float(params["longitude"]),
        }
        return self._stored(chat_id, message)

    def _upload(
        self, params: dict[str, Any], files: dict[str, bytes], key: str
    ) -> tuple[bytes | None, str]:
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
            if name not in files:
                raise ApiError(400, f"Bad Request: file {name} not found in the request")
            return files[name], name
        if key in files:
            return files[key], key
        if isinstance(value, str) and value:
            return None, value  # a file_id or URL
        raise ApiError(400, f"Bad Request: there is no {key} in the request")

    def _new_file(self, size: int) -> dict[str, Any]:
        n = next(self._file_ids)
        return {"file_id": f"FILE{n:08d}", "file_unique_id": f"U{n:08d}", "file_size": size}

    def _with_caption(self, params: dict[str, Any], message: dict[str, Any]) -> None:
        caption, entities = self._text_and_entities(params, "caption", MAX_CAPTION_CHARS)
        if caption:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        markup = self._check_markup(params)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup

    def _m_send_photo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _chat_id(params)
        content, _ = self._upload(params, files, "photo")
        message = self._base_message(chat_id)
        size = len(content) if content is not None else 0
        message["photo"] = [
            {**self._new_file(size // 10), "width": 90, "height": 60},
            {**self._new_file(size), "width": 1280, "height": 853},
        ]
        self._with_caption(params, message)
        return self._stored(chat_id, message)

    def _m_send_media_group(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        """An album: `media` is a JSON array of InputMedia whose files are `attach://` parts.
        Everything is checked before anything is stored, as Telegram sends all or nothing."""
        chat_id = _chat_id(params)
        media = params.get("media")
        if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
            raise ApiError(400, "Bad Request: can't parse media JSON object")
        if len(media) not in MEDIA_GROUP_SIZES:
            raise ApiError(400, "Bad Request: wrong number of media in the album (2-10)")
        kinds = {str(m.get("type")) for m in media}
        if not kinds <= {"photo", "video", "document"}:
            raise ApiError(400, f"Bad Request: unsupported media type in {sorted(kinds)}")
        if "document" in kinds and len(kinds) > 1:
            raise ApiError(400, "Bad Request: documents can't be mixed with other media")
        items: list[tuple[dict[str, Any], bytes | None]] = []
        for item in media:
            content, _ = self._upload({"media": item.get("media")}, files, "media")
            captioned = {
                "caption": item.get("caption"),
                "parse_mode": item.get("parse_mode"),
                "caption_entities": item.get("caption_entities"),
            }
            caption, entities = self._text_and_entities(captioned, "caption", MAX_CAPTION_CHARS)
            items.append(({**item, "caption": caption, "entities": entities}, content))
        group_id = f"MG{next(self._media_group_ids):08d}"
        sent: list[dict[str, Any]] = []
        for item, content in items:
            message = self._base_message(chat_id)
            message["media_group_id"] = group_id
            size = len(content) if content is not None else 0
            if item["type"] == "photo":
                message["photo"] = [
                    {**self._new_file(size // 10), "width": 90, "height": 60},
                    {**self._new_file(size), "width": 1280, "height": 853},
                ]
            elif item["type"] == "video":
                video = {"width": 640, "height": 360, "duration": 1}
                message["video"] = {**self._new_file(size), **video}
            else:
                message["document"] = {**self._new_file(size), "file_name": "file"}
            if item["caption"]:
                message["caption"] = item["caption"]
                if item["entities"]:
                    message["caption_entities"] = item["entities"]
            sent.append(self._stored(chat_id, message))
        return sent

    def _m_send_document(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _chat_id(params)
        content, name = self._upload(params, files, "document")
        message = self._base_message(chat_id)
        message["document"] = {
            **self._new_file(len(content) if content is not None else 0),
            "file_name": name,
            "mime_type": "application/octet-stream",
        }
        self._with_caption(params, message)
        return self._stored(chat_id, message)

    def _m_edit_message_text(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._find(params, "to edit")
        text, entities = self._text_and_entities(params, "text", MAX_TEXT_CHARS)
        markup = self._check_markup(params)
        if (
            text == message.get("text")
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message["text"] = text
        message["edit_date"] = int(time.time())
        if entities:
            message["entities"] = entities
        else:
            message.pop("entities", None)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    def _m_edit_message_reply_markup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._find(params, "to edit")
        markup = self._check_markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message["edit_date"] = int(time.time())
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    def _m_delete_message(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._find(params, "to delete")
        del self._messages[_chat_id(params)][int(params["message_id"])]
        return True

    def _m_answer_callback_query(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_answer_inline_query(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        return True

    def _m_get_chat(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _chat_id(params)
        chat: dict[str, Any] = {
            "id": chat_id,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat_id > 0:
            chat.update(type="private", first_name=self.user(chat_id)["first_name"])
        elif chat_id in self.group_chats:
            known = self.group_chats[chat_id]
            chat.update(type=known["type"], title=known["title"])
        else:
            chat.update(type="group", title=f"Group {chat_id}")
        return chat

    def _m_get_chat_member(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _chat_id(params)
        user_id = int(params["user_id"])
        user = self.bot_user if user_id == self.bot_id else self.user(user_id)
        default = "creator" if chat_id == user_id else "member"
        status = self.member_status.get((chat_id, user_id), default)
        member: dict[str, Any] = {"user": user, "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    name: True
                    for name in (
                        "can_be_edited",
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    )
                },
                is_anonymous=False,
            )
        elif status == "restricted":
            member.update(
                {
                    name: False
                    for name in (
                        "is_member",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_send_messages",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_manage_topics",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                    )
                },
                until_date=0,
            )
        elif status == "kicked":
            member["until_date"] = 0
        return member


async def _post_json(url: str, body: bytes, secret: str | None, timeout: float = 5.0) -> int:
    """POST `body` to http://host:port/path; the HTTP status, or 0 when nobody answered."""
    parts = urlsplit(url)
    head = (
        f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        + (f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\n" if secret else "")
        + "Connection: close\r\n\r\n"
    )
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            try:
                writer.write(head.encode() + body)
                await writer.drain()
                status_line = await reader.readline()
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
    except (OSError, TimeoutError):
        return 0
    try:
        return int(status_line.split()[1])
    except (IndexError, ValueError):
        return 0


def _chat_id(params: dict[str, Any]) -> int:
    value = params.get("chat_id")
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError(400, "Bad Request: chat not found") from None


_METHODS: dict[str, Callable[[FakeBotApi, dict[str, Any], dict[str, bytes]], Any]] = {
    "getMe": FakeBotApi._m_get_me,
    "getUpdates": FakeBotApi._m_true,  # handled asynchronously in _dispatch
    "deleteWebhook": FakeBotApi._m_delete_webhook,
    "setWebhook": FakeBotApi._m_set_webhook,
    "getWebhookInfo": FakeBotApi._m_get_webhook_info,
    "setMyCommands": FakeBotApi._m_set_my_commands,
    "getMyCommands": FakeBotApi._m_get_my_commands,
    "setMyDescription": FakeBotApi._m_set_my_description,
    "setMyShortDescription": FakeBotApi._m_set_my_description,
    "deleteMyCommands": FakeBotApi._m_true,
    "sendMessage": FakeBotApi._m_send_message,
    "sendLocation": FakeBotApi._m_send_location,
    "sendPhoto": FakeBotApi._m_send_photo,
    "sendMediaGroup": FakeBotApi._m_send_media_group,
    "sendDocument": FakeBotApi._m_send_document,
    "editMessageText": FakeBotApi._m_edit_message_text,
    "editMessageReplyMarkup": FakeBotApi._m_edit_message_reply_markup,
    "deleteMessage": FakeBotApi._m_delete_message,
    "answerCallbackQuery": FakeBotApi._m_answer_callback_query,
    "answerInlineQuery": FakeBotApi._m_answer_inline_query,
    "sendChatAction": FakeBotApi._m_true,
    "getChat": FakeBotApi._m_get_chat,
    "getChatMember": FakeBotApi._m_get_chat_member,
    "close": FakeBotApi._m_true,
    "logOut": FakeBotApi._m_true,
}

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
}


async def _serve_forever(args: argparse.Namespace) -> None:
    api = FakeBotApi(args.token, port=args.port, max_rate=args.max_rate)
    await api.start()
    print(f"PORT {api.port}", flush=True)
    try:
        # Stop when the parent closes our stdin (so an orphaned server never lingers).
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)
    finally:
        await api.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server on 127.0.0.1")
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-rate", type=float, default=None)
    args = parser.parse_args(argv)
    asyncio.run(_serve_forever(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
