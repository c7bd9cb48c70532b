"""The fake Bot API server, exercised with a real PTB `Bot` over real HTTP on 127.0.0.1.

Why: the end-to-end test and the push bench trust this server to behave like Telegram; these
tests pin down the parts they rely on (Message objects, long polling, errors PTB maps to its
exception types, the strict checks Telegram applies).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fake_bot_api import FakeBotApi, parse_html
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

TOKEN = "123456:TEST"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as client:
        yield client


async def test_listens_only_on_loopback(api: FakeBotApi) -> None:
    assert api._server is not None
    hosts = {sock.getsockname()[0] for sock in api._server.sockets}
    assert hosts == {"127.0.0.1"}
    assert api.port > 0


async def test_get_me_returns_the_bot_user(api: FakeBotApi, bot: Bot) -> None:
    before = len(api.calls_of("getMe"))  # `async with Bot` already asked once
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "b12_test_bot"
    assert len(api.calls_of("getMe")) == before + 1


async def test_wrong_token_is_unauthorized(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url) as other:
            await other.get_me()


async def test_send_message_builds_a_realistic_message(api: FakeBotApi, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Swap", callback_data="swap:1")]])
    first = await bot.send_message(
        42, "<b>Today</b> &amp; tomorrow", parse_mode=ParseMode.HTML, reply_markup=markup
    )
    second = await bot.send_message(42, "again")
    other_chat = await bot.send_message(7, "hello")

    assert first.chat.id == 42 and first.chat.type == "private"
    assert first.from_user is not None and first.from_user.id == 123456
    assert first.text == "Today & tomorrow"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [("bold", 0, 5)]
    assert first.reply_markup is not None
    assert first.reply_markup.inline_keyboard[0][0].callback_data == "swap:1"
    assert (first.message_id, second.message_id, other_chat.message_id) == (1, 2, 1)
    assert [m["text"] for m in api.messages_to(42)] == ["Today & tomorrow", "again"]
    call = api.calls_of("sendMessage")[0]
    assert call.params["chat_id"] == 42
    assert call.params["text"] == "<b>Today</b> &amp; tomorrow"


async def test_html_errors_and_limits_are_enforced_like_telegram(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(42, "<b>unclosed", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(42, "fish & chips", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(42, "<div>x</div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(42, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]])
        await bot.send_message(42, "ok", reply_markup=markup)
    # The limit counts characters after the tags are removed, as Telegram does.
    long_ok = "<b>" + "x" * 4096 + "</b>"
    sent = await bot.send_message(42, long_ok, parse_mode=ParseMode.HTML)
    assert len(sent.text) == 4096


def test_parse_html_offsets_are_utf16() -> None:
    text, entities = parse_html("🥚 <i>egg</i> &lt;3")
    assert text == "🥚 egg <3"
    assert entities == [{"type": "italic", "offset": 3, "length": 3}]


async def test_edit_message_text_changes_the_stored_message(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(42, "before")
    edited = await bot.edit_message_text("after", chat_id=42, message_id=sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.message_id == sent.message_id
    assert api.message(42, sent.message_id)["text"] == "after"
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("after", chat_id=42, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("x", chat_id=42, message_id=999)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id, reply_markup=markup)
    assert api.message(42, sent.message_id)["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"


async def test_get_updates_long_polls_until_an_update_is_queued(api: FakeBotApi, bot: Bot) -> None:
    polling = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not polling.done()  # held open: nothing queued yet
    api.user_sends(1001, "/start", first_name="Ana")
    updates = await asyncio.wait_for(polling, timeout=5)

    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.from_user is not None and message.from_user.first_name == "Ana"
    assert message.entities[0].type == "bot_command"


async def test_get_updates_honours_offset_and_times_out_empty(api: FakeBotApi, bot: Bot) -> None:
    api.user_sends(1001, "hello")
    api.user_sends(1001, "/today")
    updates = await bot.get_updates(timeout=1)
    assert [u.message.text for u in updates if u.message] == ["hello", "/today"]
    rest = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    assert rest == ()
    # Confirmed updates are gone even without an offset now.
    assert await bot.get_updates(timeout=0) == ()


async def test_callback_query_carries_the_bot_message(api: FakeBotApi, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Vegan", callback_data="diet:vegan")]])
    sent = await bot.send_message(1001, "Diet?", reply_markup=markup)
    api.user_taps(1001, sent.message_id, "diet:vegan")
    api.user_sends_location(1001, 52.52, 13.40)
    updates = await bot.get_updates(timeout=1)

    query = updates[0].callback_query
    assert query is not None and query.data == "diet:vegan"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Saved")
    location = updates[1].message.location if updates[1].message else None
    assert location is not None and location.latitude == pytest.approx(52.52)
    with pytest.raises(KeyError):
        api.user_taps(1001, 999, "diet:vegan")


async def test_blocked_chat_raises_forbidden(api: FakeBotApi, bot: Bot) -> None:
    api.block(42)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(42, "hi")
    assert (await bot.send_message(43, "hi")).chat.id == 43
    assert [c.status for c in api.calls_of("sendMessage")] == [403, 200]


# PTB's own RetryAfter constructor emits this deprecation warning (int vs timedelta).
PTB_RETRY_AFTER_WARNING = "ignore::telegram.warnings.PTBDeprecationWarning"


@pytest.mark.filterwarnings(PTB_RETRY_AFTER_WARNING)
async def test_retry_after_for_the_next_calls_only(api: FakeBotApi, bot: Bot) -> None:
    api.inject_retry_after(2, retry_after=3)
    for _ in range(2):
        with pytest.raises(RetryAfter, match="Retry in 3"):
            await bot.send_message(42, "hi")
    assert (await bot.send_message(42, "hi")).text == "hi"


@pytest.mark.filterwarnings(PTB_RETRY_AFTER_WARNING)
async def test_max_rate_counts_sends_over_the_limit() -> None:
    async with FakeBotApi(TOKEN, max_rate=3) as server:
        async with Bot(TOKEN, base_url=server.base_url) as client:
            for i in range(5):
                await client.send_message(100 + i, "hi")
        assert server.rate_violations == 2
        assert server.peak_rate() == 5
    strict = FakeBotApi(TOKEN, max_rate=1, enforce_max_rate=True)
    async with strict, Bot(TOKEN, base_url=strict.base_url) as client:
        await client.send_message(1, "hi")
        with pytest.raises(RetryAfter):
            await client.send_message(2, "hi")


async def test_uploads_chat_info_and_member_status(api: FakeBotApi, bot: Bot) -> None:
    photo = await bot.send_photo(
        42, photo=b"\x89PNG fake bytes", caption="<b>week</b>", parse_mode=ParseMode.HTML
    )
    assert photo.photo and photo.caption == "week"
    document = await bot.send_document(42, document=b"a,b\n1,2\n", filename="list.csv")
    assert document.document is not None and document.document.file_size == 8
    assert api.calls_of("sendDocument")[0].files  # the file bytes arrived as multipart
    assert await bot.send_chat_action(42, "typing")

    chat = await bot.get_chat(42)
    assert chat.id == 42 and chat.type == "private"
    api.set_member_status(-500, 42, "administrator")
    admin = await bot.get_chat_member(-500, 42)
    assert admin.status == "administrator"
    member = await bot.get_chat_member(-500, 43)
    assert member.status == "member"
    assert await bot.set_my_commands([("today", "Today's plan")])
    assert [c.command for c in await bot.get_my_commands()] == ["today"]


async def test_send_media_group_sends_one_album_of_uploaded_photos(
    api: FakeBotApi, bot: Bot
) -> None:
    first, second = b"\x89PNG first chart", b"\x89PNG second, larger chart"
    sent = await bot.send_media_group(
        42,
        [
            InputMediaPhoto(first, caption="<b>serum</b> B12", parse_mode=ParseMode.HTML),
            InputMediaPhoto(second, caption="MMA"),
        ],
    )
    assert [m.caption for m in sent] == ["serum B12", "MMA"]
    assert sent[0].caption_entities[0].type == "bold"
    assert len({m.media_group_id for m in sent}) == 1 and sent[0].media_group_id
    assert [m.photo[-1].file_size for m in sent] == [len(first), len(second)]
    (call,) = api.calls_of("sendMediaGroup")
    assert sorted(call.files.values()) == sorted([first, second])  # attach:// multipart parts
    assert [m["media"].startswith("attach://") for m in call.params["media"]] == [True, True]
    assert [m["message_id"] for m in api.messages_to(42)] == [m.message_id for m in sent]


async def test_send_media_group_refuses_what_telegram_refuses(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)wrong number of media"):
        await bot.send_media_group(42, [InputMediaPhoto(b"x")] * 11)
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot.send_media_group(
            42, [InputMediaPhoto(b"a", caption="<b>x", parse_mode=ParseMode.HTML)] * 2
        )
    assert api.messages_to(42) == []  # all or nothing
    api.block(42)
    with pytest.raises(Forbidden):
        await bot.send_media_group(42, [InputMediaPhoto(b"a"), InputMediaPhoto(b"b")])


async def test_wait_for_returns_a_later_matching_call(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(42, "one")
    mark = api.mark()
    waiter = asyncio.create_task(
        api.wait_for("sendMessage", lambda c: c.params["text"] == "two", timeout=5, after=mark)
    )
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await bot.send_message(42, "two")
    call = await waiter
    assert call.params["text"] == "two"
    with pytest.raises(TimeoutError, match="no matching editMessageText"):
        await api.wait_for("editMessageText", timeout=0.2)


async def test_group_messages_carry_the_group_chat_and_per_chat_member_status(
    api: FakeBotApi, bot: Bot
) -> None:
    api.user_sends_in_group(42, -1001, "/plan@b12_test_bot", title="The Smiths", first_name="Ana")
    api.user_sends_in_group(43, -100777, "/family link", chat_type="supergroup")
    updates = await bot.get_updates(timeout=1)

    first = updates[0].message
    assert first is not None and first.text == "/plan@b12_test_bot"
    assert first.chat.id == -1001 and first.chat.type == "group"
    assert first.chat.title == "The Smiths"
    assert first.from_user is not None and first.from_user.id == 42
    assert first.entities[0].type == "bot_command" and first.entities[0].length == 18
    second = updates[1].message
    assert second is not None and second.chat.type == "supergroup"
    assert second.entities[0].length == len("/family")

    # the bot's reply and getChat describe the same chat the users wrote in
    reply = await bot.send_message(-1001, "hi")
    assert reply.chat.type == "group" and reply.chat.title == "The Smiths"
    assert (await bot.get_chat(-100777)).type == "supergroup"

    # status is per (chat, user): admin in one group is a plain member in another
    api.set_member_status(-1001, 42, "administrator")
    assert (await bot.get_chat_member(-1001, 42)).status == "administrator"
    assert (await bot.get_chat_member(-100777, 42)).status == "member"
    assert (await bot.get_chat_member(-1001, 43)).status == "member"

    with pytest.raises(ValueError, match="negative"):
        api.user_sends_in_group(42, 1001, "/plan")
    with pytest.raises(ValueError, match="chat_type"):
        api.user_sends_in_group(42, -1001, "/plan", chat_type="channel")
