"""PTB's offline test pattern: a real Application whose HTTP layer is a recorder.

`RecordingRequest` replaces PTB's HTTPX request object. It records every Bot API call
(method name + decoded parameters) and answers with canned JSON shaped like Telegram's, and it
is strict where Telegram is strict (HTML that does not parse, texts over 4,096 characters,
callback data over 64 bytes), so a test fails where Telegram would answer 400.

`OfflineChat` builds real `Update` objects (commands with entities, button taps that point at
a message the bot sent, locations) and feeds them through `application.process_update`.

`running_application` starts the bot's real Application (bot.app.build_application) over a fresh
database with a recorder as its HTTP layer and a controlled `Clock`; `offline_bot` yields the
`OfflineBot` the handler tests hold (also as the `bot` fixture of tests/conftest.py), `onboard`
taps a user through /start. The recorder also keeps uploaded files (photos, the export JSON) and
answers what family features ask (getChatMember, answerInlineQuery); `GroupChat` and `inline`
drive a family group chat and inline mode.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fake_clock import START, Clock
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.app import build_application, stop_services
from bot.chat.ratelimit import Limit, LocalSendBudget
from bot.config import Settings
from bot.core.i18n import catalogue_languages
from bot.core.models import Slot
from bot.services.container import Services
from bot.services.tracking import tracking_store
from bot.storage.tracking import TrackingStore

TOKEN = "123456789:AAEsecretTOKENvalue_for-tests"
# The recorder answers at once and a test sends much faster than a person: Telegram's pacing
# per chat (a few messages a second) would only make handler tests wait.
UNPACED = Limit(100_000, 1.0)
GROUP_ID = -100777  # the family group chat of GroupChat

BOT_USER = {
    "id": 999000,
    "is_bot": True,
    "first_name": "B12 Planner",
    "username": "b12_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}

# Tags Telegram's HTML parse mode accepts.
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip


class TelegramHTMLChecker(HTMLParser):
    """Raises ValueError on what Telegram rejects: unknown tags, unbalanced tags, stray '<'."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ValueError(f"Unsupported start tag {tag!r}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ValueError(f"Unmatched end tag {tag!r}")
        self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            raise ValueError(f"Unsupported entity &{name};")

    def check(self, text: str) -> None:
        for match in re.finditer(r"[<&]", text):
            rest = text[match.start() :]
            if match.group() == "<" and not _TAG_RE.match(rest):
                raise ValueError(f"unescaped '<' at {match.start()}")
            if match.group() == "&" and not _ENTITY_RE.match(rest):
                raise ValueError(f"unescaped '&' at {match.start()}")
        self.feed(text)
        self.close()
        if self.stack:
            raise ValueError(f"Unclosed tags {self.stack}")


_TAG_RE = re.compile(r"</?[a-z][a-z0-9-]*(\s[^<>]*)?>")
_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-z]+);")


def check_html(text: str) -> None:
    TelegramHTMLChecker().check(text)


def visible_text(html_text: str) -> str:
    """What the user sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def meal_lines(text: str) -> dict[str, str]:
    """slot -> dish name, read back from a rendered plan as the user sees it."""
    found = {}
    for line in visible_text(text).splitlines():
        for slot in Slot:
            prefix = f"{slot.value.capitalize()}: "
            if prefix in line:
                found[slot.value] = line.split(prefix, 1)[1].strip()
    return found


@dataclass
class Call:
    method: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data or url) of every inline button."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        out = []
        for row in markup.get("inline_keyboard", []):
            for button in row:
                out.append(
                    (
                        button["text"],
                        button.get("callback_data")
                        or button.get("url")
                        or button.get("switch_inline_query")
                        or "",
                    )
                )
        return out


@dataclass
class StoredMessage:
    message_id: int
    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None


class TelegramError400(Exception):
    pass


@dataclass
class RecordingRequest(BaseRequest):
    """Records Bot API calls and answers like Telegram (strictly) without any network."""

    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], StoredMessage] = field(default_factory=dict)
    # uploaded files: (method, part name, filename, bytes)
    files: list[tuple[str, str, str, bytes]] = field(default_factory=list)
    admins: frozenset[int] = frozenset()  # who getChatMember reports as the group's creator
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append(Call(name, params))
        if request_data is not None and request_data.contains_files:
            for part, value in request_data.multipart_data.items():
                filename, content = value[0], value[1]
                data = content if isinstance(content, bytes) else content.read()
                self.files.append((name, part, str(filename), data))
        try:
            result = self.respond(name, params)
        except TelegramError400 as exc:
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            return 400, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- canned answers ------------------------------------------------------------------

    def _check_outgoing(self, params: dict[str, Any]) -> None:
        text = str(params.get("text", ""))
        if not text.strip():
            raise TelegramError400("message text is empty")
        if len(text) > 4096:
            raise TelegramError400("message is too long")
        if params.get("parse_mode") == "HTML":
            try:
                check_html(text)
            except ValueError as exc:
                raise TelegramError400(f"can't parse entities: {exc}") from None
        for _, data in Call("", params).buttons:
            if len(data.encode()) > 64:
                raise TelegramError400("BUTTON_DATA_INVALID")

    def _message(self, stored: StoredMessage) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": stored.message_id,
            "date": int(dt.datetime.now(dt.UTC).timestamp()),
            "chat": {"id": stored.chat_id, "type": "private" if stored.chat_id > 0 else "group"},
            "from": BOT_USER,
            "text": stored.text,
        }
        if stored.reply_markup and "inline_keyboard" in stored.reply_markup:
            message["reply_markup"] = stored.reply_markup
        return message

    def respond(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "sendMessage":
            self._check_outgoing(params)
            chat_id = int(params["chat_id"])
            stored = StoredMessage(
                next(self._ids), chat_id, str(params["text"]), params.get("reply_markup")
            )
            self.messages[(chat_id, stored.message_id)] = stored
            return self._message(stored)
        if name == "editMessageText":
            self._check_outgoing(params)
            key = (int(params["chat_id"]), int(params["message_id"]))
            old = self.messages.get(key)
            if old is None:
                raise TelegramError400("message to edit not found")
            new_markup = params.get("reply_markup")
            if old.text == params["text"] and old.reply_markup == new_markup:
                raise TelegramError400(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message"
                )
            stored = StoredMessage(key[1], key[0], str(params["text"]), new_markup)
            self.messages[key] = stored
            return self._message(stored)
        if name in ("sendDocument", "sendPhoto"):
            chat_id = int(params["chat_id"])
            stored = StoredMessage(next(self._ids), chat_id, "", None)
            message = self._message(stored)
            del message["text"]
            if name == "sendPhoto":
                message["photo"] = [
                    {"file_id": "p1", "file_unique_id": "u1", "width": 800, "height": 600}
                ]
            else:
                message["document"] = {"file_id": "d1", "file_unique_id": "u2"}
            return message
        if name == "sendMediaGroup":  # an album: one photo message per item
            media = params["media"]
            items = json.loads(media) if isinstance(media, str) else media
            chat_id = int(params["chat_id"])
            album = []
            for _ in items:
                message = self._message(StoredMessage(next(self._ids), chat_id, "", None))
                del message["text"]
                message["photo"] = [
                    {"file_id": "p1", "file_unique_id": "u1", "width": 800, "height": 600}
                ]
                album.append(message)
            return album
        if name == "getUpdates":
            return []
        if name == "getChatMember":
            user_id = int(params["user_id"])
            user = {"id": user_id, "is_bot": False, "first_name": "x"}
            if user_id in self.admins:
                return {"status": "creator", "user": user, "is_anonymous": False}
            return {"status": "member", "user": user}
        if name == "answerInlineQuery":
            json.loads(params["results"]) if isinstance(params["results"], str) else None
            return True
        # answerCallbackQuery, setMyCommands, sendChatAction, deleteWebhook, ...
        return True

    # --- inspection ----------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        self.calls.clear()

    def uploads(self, method: str) -> list[bytes]:
        return [data for name, _, _, data in self.files if name == method]


@dataclass
class TgUser:
    id: int = 4242
    first_name: str = "Ana"
    username: str | None = "ana"
    language_code: str | None = None  # Telegram's IETF tag of the user's app ("de", "pt-BR")

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


class OfflineChat:
    """One user's private chat with the bot, driven by real Updates."""

    _update_ids = itertools.count(1)

    def __init__(self, application: Application, request: RecordingRequest, user: TgUser):
        self.app = application
        self.request = request
        self.user = user

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.user.id, "type": "private", "first_name": self.user.first_name}

    def _message(self, **extra: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._update_ids) + 100000,
            "date": int(dt.datetime.now(dt.UTC).timestamp()),
            "chat": self.chat,
            "from": self.user.as_dict(),
            **extra,
        }

    async def _process(self, data: dict[str, Any]) -> list[Call]:
        before = len(self.request.calls)
        update = Update.de_json({"update_id": next(self._update_ids), **data}, self.app.bot)
        await self.app.process_update(update)
        return self.request.calls[before:]

    async def send(self, text: str) -> list[Call]:
        """The user sends `text` (a leading /command gets its bot_command entity)."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._process({"message": self._message(**extra)})

    async def send_location(self, latitude: float, longitude: float) -> list[Call]:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._process({"message": self._message(location=location)})

    def messages(self) -> list[StoredMessage]:
        """The chat's messages as they look now (edits applied), oldest first."""
        return [
            m
            for (chat_id, _), m in sorted(self.request.messages.items(), key=lambda kv: kv[0][1])
            if chat_id == self.user.id
        ]

    def find_button(self, label: str) -> tuple[StoredMessage, str]:
        """The newest message with a button whose label contains `label`."""
        for message in reversed(self.messages()):
            for text, data in Call("", {"reply_markup": message.reply_markup}).buttons:
                if label in text:
                    return message, data
        raise AssertionError(f"no button {label!r} in the chat")

    async def tap(self, label: str) -> list[Call]:
        message, data = self.find_button(label)
        return await self.tap_data(data, message)

    async def tap_data(self, data: str, message: StoredMessage) -> list[Call]:
        query = {
            "id": str(next(self._update_ids)),
            "from": self.user.as_dict(),
            "chat_instance": f"ci{self.user.id}",
            "data": data,
            "message": {
                "message_id": message.message_id,
                "date": int(dt.datetime.now(dt.UTC).timestamp()),
                "chat": self.chat,
                "from": BOT_USER,
                "text": message.text,
            },
        }
        return await self._process({"callback_query": query})


class GroupChat(OfflineChat):
    """The same user, writing in a family group."""

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": GROUP_ID, "type": "group", "title": "Smith family"}

    def messages(self) -> list[StoredMessage]:  # the group's messages
        return [m for (cid, _), m in sorted(self.request.messages.items()) if cid == GROUP_ID]


async def inline(chat: OfflineChat, query: str = "") -> list[dict[str, Any]]:
    """Send an inline query as this user; returns the result cards."""
    before = len(chat.request.calls)
    data = {
        "update_id": next(OfflineChat._update_ids),
        "inline_query": {
            "id": str(next(OfflineChat._update_ids)),
            "from": chat.user.as_dict(),
            "query": query,
            "offset": "",
        },
    }
    await chat.app.process_update(Update.de_json(data, chat.app.bot))
    calls = [c for c in chat.request.calls[before:] if c.method == "answerInlineQuery"]
    assert len(calls) == 1
    results = calls[0].params["results"]
    return json.loads(results) if isinstance(results, str) else results


def texts(calls: list[Call], method: str = "sendMessage") -> list[str]:
    return [c.text for c in calls if c.method == method]


def answers(calls: list[Call]) -> list[str]:
    """Texts of answerCallbackQuery calls (the toast a user sees)."""
    return [str(c.params.get("text", "")) for c in calls if c.method == "answerCallbackQuery"]


def replies(calls: list[Call]) -> list[str]:
    """The HTML of every message the bot sent or edited, checked as Telegram would."""
    sent = texts(calls) + texts(calls, "editMessageText")
    for text in sent:
        check_html(text)
    return sent


def all_text(calls: list[Call]) -> str:
    """Everything the bot sent or edited, as the user reads it."""
    return "\n".join(visible_text(t) for t in replies(calls))


def is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


def newest_buttons(chat: OfflineChat) -> tuple[StoredMessage, list[tuple[str, str]]]:
    """The newest message in `chat` that has buttons, and its (label, data) pairs."""
    for message in reversed(chat.messages()):
        buttons = Call("", {"reply_markup": message.reply_markup}).buttons
        if buttons:
            return message, buttons
    raise AssertionError("no message with buttons")


async def press(chat: OfflineChat, label: str) -> list[Call]:
    """Tap the button labelled exactly `label` on the newest message with buttons; what the
    bot sent or edited is checked as Telegram would."""
    message, buttons = newest_buttons(chat)
    data = next((d for text, d in buttons if text == label), None)
    assert data is not None, f"no button {label!r} in {[t for t, _ in buttons]}"
    calls = await chat.tap_data(data, message)
    replies(calls)
    return calls


# --- the bot's real Application, offline -------------------------------------------------------


@asynccontextmanager
async def running_application(
    tmp_path: Path, clock: Clock, request: RecordingRequest
) -> AsyncIterator[Application]:
    """build_application over a fresh database in `tmp_path`, `request` as its HTTP layer,
    started as run_bot starts it (initialize + post_init) and stopped afterwards."""
    # every language with a catalogue switched on: handler tests speak them all
    settings = Settings(
        token=TOKEN,
        database_path=tmp_path / "bot.sqlite3",
        languages=("en", *catalogue_languages()),
    )
    app = build_application(
        settings,
        now=clock.now,
        request=request,
        updates_request=RecordingRequest(),
        send_budget=LocalSendBudget(UNPACED, UNPACED, UNPACED),
    )
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    try:
        yield app
    finally:
        await stop_services(app)
        await app.shutdown()


@dataclass
class OfflineBot:
    """What a handler test holds: the running application, its recorder and its clock."""

    app: Application
    request: RecordingRequest
    clock: Clock

    @property
    def services(self) -> Services:
        return self.app.bot_data["services"]

    @property
    def tracking(self) -> TrackingStore:
        return tracking_store(self.services.store)

    def chat(self, user: TgUser | None = None) -> OfflineChat:
        return OfflineChat(self.app, self.request, user or TgUser())

    def group(self, user: TgUser) -> GroupChat:
        return GroupChat(self.app, self.request, user)


@asynccontextmanager
async def offline_bot(tmp_path: Path, start: dt.datetime = START) -> AsyncIterator[OfflineBot]:
    """The real application over a fresh database in `tmp_path`, its clock at `start`."""
    clock = Clock(start)
    request = RecordingRequest()
    async with running_application(tmp_path, clock, request) as app:
        yield OfflineBot(app, request, clock)


async def onboard(chat: OfflineChat, diet: str = "Vegan", target: str = "2.4") -> None:
    """Tap through /start: diet, target, no absorption problem, Berlin, food bought in the EU
    (the zone's suggestion), no allergies, daily plan at 07:30."""
    await chat.send("/start")
    await chat.tap(diet)
    await chat.tap(target)
    await chat.tap("None of these")
    await chat.tap("Berlin")
    await chat.tap("EU")
    await chat.tap("None, go on")
    await chat.tap("07:30")
