"""Updates from different chats side by side, updates from one chat in order.

PTB handled one update at a time: at 10 updates/s from different users the median reply
took 31 s. PTB's own concurrency (SimpleUpdateProcessor) runs everything at once, so two
taps of one user could swap a meal twice from the same stale plan, or a reply could overtake
the message it answers. This processor keeps a chain per chat: an update waits only for the
earlier updates of its own chat, then for one of `max_running` slots.

A chat that floods only lengthens its own chain (and bot.chat.handlers.guard drops its extra
typed messages cheaply), so it never holds more than one running slot: others are not slowed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates waiting (in their chat's chain) or running. PTB's own semaphore bounds this; it is
# far above what one process handles, so a flood in one chat never queues other chats.
MAX_PENDING_UPDATES = 4096
MAX_RUNNING_UPDATES = 64


def chat_key(update: object) -> Hashable:
    """What orders an update: its chat; else its user (inline queries); else nothing."""
    if isinstance(update, Update):
        chat = update.effective_chat
        if chat is not None:
            return ("chat", chat.id)
        user = update.effective_user
        if user is not None:
            return ("user", user.id)
    return ("update", id(update))


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat (see the module docstring)."""

    def __init__(
        self,
        max_running: int = MAX_RUNNING_UPDATES,
        max_pending: int = MAX_PENDING_UPDATES,
    ) -> None:
        super().__init__(max_pending)
        if max_running < 1:
            raise ValueError("max_running must be at least 1")
        self._running = asyncio.Semaphore(max_running)
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    @property
    def busy_chats(self) -> int:
        """Chats with an update waiting or running (for tests and logs)."""
        return len(self._tails)

    async def initialize(self) -> None:
        """Nothing to set up: the chains are made as updates come."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the updates in progress before shutting down."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        previous = self._tails.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = done  # before any await: arrival order is chain order
        started = False
        try:
            if previous is not None:
                await asyncio.wait((previous,))  # never cancels `previous` if we are cancelled
            async with self._running:
                started = True
                await coroutine
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: it never ran
            if not started and previous is not None and not previous.done():
                # the chat is still busy: the next update waits for that one, not for us
                previous.add_done_callback(lambda _: self._release(key, done))
            else:
                self._release(key, done)

    def _release(self, key: Hashable, done: asyncio.Future[None]) -> None:
        done.set_result(None)
        if self._tails.get(key) is done:
            del self._tails[key]
