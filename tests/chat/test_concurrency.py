"""Updates of different chats run side by side; the updates of one chat keep their order."""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import Any

from telegram import Update

from bot.chat.concurrency import PerChatUpdateProcessor

_ids = itertools.count(1)


def message(chat_id: int, text: str) -> Update:
    data: dict[str, Any] = {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": 0,
            "chat": {"id": chat_id, "type": "private", "first_name": "U"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "U"},
            "text": text,
        },
    }
    return Update.de_json(data, None)


class Handler:
    """Records when each update started and finished; each takes a (random) while."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int, str]] = []
        self.running = 0
        self.most_at_once = 0

    async def __call__(self, update: Update, seconds: float) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        chat, text = update.effective_chat.id, update.effective_message.text or ""
        self.log.append(("start", chat, text))
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await asyncio.sleep(seconds)
        self.running -= 1
        self.log.append(("end", chat, text))


async def feed(processor: PerChatUpdateProcessor, handler: Handler, updates: list[Update]):
    """As PTB does: one task per update, created in arrival order."""
    rng = random.Random(7)
    return [
        asyncio.create_task(
            processor.process_update(update, handler(update, rng.uniform(0.001, 0.02)))
        )
        for update in updates
    ]


async def test_one_chat_in_order_different_chats_side_by_side() -> None:
    processor = PerChatUpdateProcessor(max_running=16)
    handler = Handler()
    chats = (11, 22, 33, 44)
    updates = [message(chat, f"{chat}-{n}") for n in range(8) for chat in chats]
    await asyncio.gather(*await feed(processor, handler, updates))
    for chat in chats:
        seen = [(kind, text) for kind, c, text in handler.log if c == chat]
        # start n, end n, start n+1, ...: never two of one chat at once, never out of order
        assert seen == [(kind, f"{chat}-{n}") for n in range(8) for kind in ("start", "end")]
    assert handler.most_at_once == len(chats)
    assert processor.busy_chats == 0  # nothing left behind


async def test_a_flooding_chat_holds_one_slot_and_others_still_run() -> None:
    processor = PerChatUpdateProcessor(max_running=2)
    handler = Handler()
    flood = [message(5, f"spam-{n}") for n in range(50)]
    others = [message(6, "hello"), message(7, "hi")]
    tasks = await feed(processor, handler, [*flood, *others])
    await asyncio.gather(*tasks[-2:])  # the other chats are done ...
    spam_done = sum(1 for kind, chat, _ in handler.log if kind == "end" and chat == 5)
    assert spam_done < 10  # ... long before the flood is
    await asyncio.gather(*tasks)


async def test_a_cancelled_update_does_not_release_its_chat_early() -> None:
    processor = PerChatUpdateProcessor()
    handler = Handler()
    gate = asyncio.Event()

    async def slow(update: Update) -> None:
        handler.log.append(("start", 9, "first"))
        await gate.wait()
        handler.log.append(("end", 9, "first"))

    first = asyncio.create_task(processor.process_update(message(9, "a"), slow(message(9, "a"))))
    waiting = asyncio.create_task(
        processor.process_update(message(9, "b"), handler(message(9, "b"), 0))
    )
    third = asyncio.create_task(
        processor.process_update(message(9, "c"), handler(message(9, "c"), 0))
    )
    await asyncio.sleep(0.01)
    waiting.cancel()  # e.g. the bot is stopping
    await asyncio.sleep(0.01)
    assert ("start", 9, "c") not in handler.log  # still behind the first one
    gate.set()
    await asyncio.gather(first, third)
    assert [text for kind, _, text in handler.log if kind == "start"] == ["first", "c"]
