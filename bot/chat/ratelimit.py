"""Our own rate limiter: replies first, the push in the gaps, within Telegram's limits.

Telegram allows about 30 messages a second per bot, 20 a minute per group and about one a
second per private chat (short bursts pass). PTB's AIORateLimiter applied these to every
request in arrival order, so during the morning push a user's reply waited behind hundreds of
push messages. Here every message waits, if it must, in one of two queues: interactive
(replies to what a user just did; the default) and background (sends made inside
`background_sends()`: the push, reminders, group plans). Whenever the budget has room, the
oldest waiting reply whose chat has room goes first; background sends take only what replies
leave, so the push slows down while people talk, never the other way round. Requests that are
not messages (answering a button tap, inline results, reads) never wait.

The counting lives behind `SendBudget`: `LocalSendBudget` counts in this process;
`SharedSendBudget` counts in PostgreSQL, so several worker processes share Telegram's limits
(bot.storage.ratebudget) without changing the queues. Each send also notes, in `RequestLog`,
whether a request went out and was answered: `bot.chat.send.delivering` uses that to tell
"surely not sent" from "may have arrived".
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import logging
import math
import time
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import exc as sa_exc
from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.storage.ratebudget import OVERALL_SCOPE, Scope, SharedRateBudget, chat_scope

log = logging.getLogger(__name__)

ChatKey = int | str


class Priority(enum.IntEnum):
    INTERACTIVE = 0  # a reply to something a user just did
    BACKGROUND = 1  # the push, reminders, group plans: nobody is waiting for them this second


_PRIORITY: ContextVar[Priority] = ContextVar("send_priority", default=Priority.INTERACTIVE)


@contextlib.contextmanager
def background_sends() -> Iterator[None]:
    """Every send made inside (and in tasks started inside) yields to interactive replies."""
    token = _PRIORITY.set(Priority.BACKGROUND)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


def current_priority() -> Priority:
    return _PRIORITY.get()


@dataclass(slots=True)
class RequestLog:
    """The Bot API requests of one logical send: `started` went out, `delivered` were
    answered with success. A failure after something went out cannot be retried blind."""

    started: int = 0
    delivered: int = 0


_REQUESTS: ContextVar[RequestLog | None] = ContextVar("send_requests", default=None)


@contextlib.contextmanager
def logging_requests() -> Iterator[RequestLog]:
    """Count the requests made inside (see RequestLog)."""
    record = RequestLog()
    token = _REQUESTS.set(record)
    try:
        yield record
    finally:
        _REQUESTS.reset(token)


class SendAbandoned(TelegramError):
    """A background send was given up before it went out because the bot is stopping."""


# --------------------------------------------------------------------------- the budget


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` messages in any `period_s` seconds."""

    count: int
    period_s: float


OVERALL = Limit(30, 1.0)  # per bot
GROUP = Limit(20, 60.0)  # per group or channel
PRIVATE = Limit(3, 3.0)  # per private chat: about one a second, a burst of three allowed


@dataclass(frozen=True, slots=True)
class Wait:
    """The answer of a budget: both zero = counted, send now; else seconds until the overall
    limit (nobody may send) or this chat's limit (others may) has room."""

    overall_s: float = 0.0
    chat_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.overall_s <= 0 and self.chat_s <= 0


GO = Wait()


class SendBudget(Protocol):
    """Where the counts live. One call decides and counts atomically, so a shared
    implementation can be a single statement."""

    async def try_take(
        self,
        chat: ChatKey | None,
        priority: Priority,
        now: float,
        *,
        overall: bool = True,
        want: int = 1,
    ) -> Wait:
        """Count one message to `chat` (None: the overall limit only; overall=False: an edit,
        `chat`'s limit only) if every limit has room at `now` (time.monotonic seconds) and
        return GO; otherwise count nothing and say how long to wait. A budget may keep part
        of the overall rate for INTERACTIVE and pace BACKGROUND sends. `want`: how many
        messages are about to ask (a budget whose answer costs a round trip may take that
        many overall tokens at once and hand them out to the next callers)."""
        ...


class _Window:
    """Send times within the last period: exact "at most N in any period" (a sliding log)."""

    __slots__ = ("limit", "times")

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.times: deque[float] = deque()

    def wait(self, now: float, room: int) -> float:
        times = self.times
        cutoff = now - self.limit.period_s
        while times and times[0] <= cutoff:
            times.popleft()
        if len(times) < room:
            return 0.0
        if room <= 0:
            return self.limit.period_s
        # the send that must leave the window before one more fits
        return times[len(times) - room] + self.limit.period_s - now

    def idle(self, now: float) -> bool:
        return not self.times or self.times[-1] <= now - self.limit.period_s


class LocalSendBudget:
    """The budget of one process: Telegram's overall, per-group and per-private-chat limits.

    `background_reserve` messages of every overall period are kept for interactive replies;
    one process needs none (its queues already put replies first), several processes sharing
    a budget would.

    Background sends are also paced (`pace_slots`): at most ceil(count / pace_slots) in any
    period / pace_slots (3 per 100 ms at 30/s). Without it the push took a whole second's
    budget within ~100 ms whenever the window freed up, and a reply arriving in the rest of
    that second waited for the next refill; paced, the push still reaches the full rate
    alone, and a waiting reply gets the next free send within ~period / pace_slots.
    """

    def __init__(
        self,
        overall: Limit = OVERALL,
        group: Limit = GROUP,
        private: Limit = PRIVATE,
        *,
        background_reserve: int = 0,
        max_chats: int = 100_000,
        pace_slots: int = 10,
    ) -> None:
        if not 0 <= background_reserve < overall.count:
            raise ValueError("background_reserve must leave room for background sends")
        if pace_slots < 1:
            raise ValueError("pace_slots must be at least 1")
        self._overall = _Window(overall)
        self._pace = _Window(
            Limit(math.ceil(overall.count / pace_slots), overall.period_s / pace_slots)
        )
        self._group = group
        self._private = private
        self._reserve = background_reserve
        self._max_chats = max_chats
        self._chats: OrderedDict[ChatKey, _Window] = OrderedDict()

    async def try_take(
        self,
        chat: ChatKey | None,
        priority: Priority,
        now: float,
        *,
        overall: bool = True,
        want: int = 1,
    ) -> Wait:
        return self.take_now(chat, priority, now, overall=overall)

    def _chat_window(self, chat: ChatKey) -> _Window:
        window = self._chats.get(chat)
        if window is None:
            window = _Window(self._private if _is_private(chat) else self._group)
            self._chats[chat] = window
        else:
            self._chats.move_to_end(chat)
        return window

    def chat_wait(self, chat: ChatKey, now: float) -> float:
        """Seconds until `chat` has room under its own limit (0: now); counts nothing."""
        window = self._chat_window(chat)
        return window.wait(now, window.limit.count)

    def count_chat(self, chat: ChatKey, now: float) -> None:
        """Count one send to `chat` against its own limit only."""
        self._chat_window(chat).times.append(now)
        self._forget_idle(now)

    def take_now(
        self, chat: ChatKey | None, priority: Priority, now: float, *, overall: bool = True
    ) -> Wait:
        background = priority is Priority.BACKGROUND
        if overall:
            room = self._overall.limit.count - (self._reserve if background else 0)
            wait = self._overall.wait(now, room)
            if background:
                wait = max(wait, self._pace.wait(now, self._pace.limit.count))
            if wait > 0:
                return Wait(overall_s=wait)
        if chat is not None:
            window = self._chat_window(chat)
            wait = window.wait(now, window.limit.count)
            if wait > 0:
                return Wait(chat_s=wait)
            window.times.append(now)
            self._forget_idle(now)
        if overall:
            self._overall.times.append(now)
            if background:
                self._pace.times.append(now)
        return GO

    def _forget_idle(self, now: float) -> None:
        """Chats are kept in order of their last send: drop the idle ones at the front."""
        chats = self._chats
        while chats:
            key, window = next(iter(chats.items()))
            if not (window.idle(now) or len(chats) > self._max_chats):
                break
            del chats[key]


def _is_private(chat: ChatKey) -> bool:
    return isinstance(chat, int) and chat > 0


SEND_MARGIN_S = 0.01  # a shared-budget token is not used in the last 10 ms of its slot


class SharedSendBudget:
    """The budget of several worker processes, counted in PostgreSQL
    (bot.storage.ratebudget): the overall limit and each group's, shared by every worker
    (any 1 s holds at most ~10 % over the limit); a private chat's ~1 a second stays counted
    in this process (its replies come from the worker that got its update).

    Replies first across workers: a refused reply reserves a send in the next slot, which
    background sends leave free. Until `attach` (the store opens after the application is
    built) and while the database does not answer, the process falls back to counting
    locally at `fallback_share` of the rate, so a database outage slows the sends instead of
    stopping them or overrunning Telegram's limit.

    A background take asks for `want` overall tokens at once, in the current slot or, when
    that is full, the next one; what it gets beyond the first send is this process's credit
    for that slot (the database's answer says when it begins and ends), so the next messages
    of the push go without a round trip, and a push message waiting for a booked slot waits
    here without asking again. Credit left when its slot ends is dropped: a send never uses a
    token of a slot that is over, nor one of a slot that has not begun.
    """

    def __init__(
        self,
        overall: Limit = OVERALL,
        group: Limit = GROUP,
        private: Limit = PRIVATE,
        *,
        fallback_share: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock  # the rate limiter's clock: credit times are on it
        self._overall_scope = Scope(OVERALL_SCOPE, overall.count, overall.period_s, reserve=True)
        self._group = group
        self._private = LocalSendBudget(Limit(10**9, overall.period_s), group, private)
        share = max(1, int(overall.count * fallback_share))
        self._fallback = LocalSendBudget(Limit(share, overall.period_s), group, private)
        self._shared: SharedRateBudget | None = None
        self._failing = False
        self._credit = 0  # overall tokens taken and not used yet
        self._credit_from = 0.0  # ... usable from (the start of their slot)
        self._credit_until = 0.0  # ... until (its end)

    def attach(self, shared: SharedRateBudget) -> None:
        """Count in the database from now on (called once the store is open)."""
        self._shared = shared

    async def detach(self) -> None:
        """Count locally again and close the database side (before the store closes)."""
        shared, self._shared = self._shared, None
        self._credit = 0
        if shared is not None:
            await shared.close()

    @property
    def attached(self) -> bool:
        return self._shared is not None

    @property
    def credit(self) -> int:
        """Overall tokens this process holds for its next sends (for tests and logs)."""
        return self._credit

    def _use_credit(self, now: float) -> bool:
        if self._credit > 0 and now < self._credit_until:
            if now < self._credit_from:
                return False  # booked for the next slot: not yet
            self._credit -= 1
            return True
        self._credit = 0
        return False

    def _keep_credit(self, granted: int, start: float, until: float) -> None:
        self._credit, self._credit_from, self._credit_until = granted, start, until

    async def try_take(
        self,
        chat: ChatKey | None,
        priority: Priority,
        now: float,
        *,
        overall: bool = True,
        want: int = 1,
    ) -> Wait:
        shared = self._shared
        if shared is None:
            return self._fallback.take_now(chat, priority, now, overall=overall)
        private = chat is not None and _is_private(chat)
        if private:  # this process's own count: no round trip when the chat must wait
            window = self._private.chat_wait(chat, now)
            if window > 0:
                return Wait(chat_s=window)
            if not overall:  # an edit in a private chat: nothing shared to count
                self._private.count_chat(chat, now)
                return GO
        group = chat is not None and not private
        background = priority is Priority.BACKGROUND
        prepaid = overall and self._use_credit(now)
        if overall and not prepaid and background and self._credit and now < self._credit_from:
            return Wait(overall_s=self._credit_from - now)  # our next slot is booked already
        scopes = []
        if overall and not prepaid:
            scopes.append(self._overall_scope)
        if group:
            scopes.append(Scope(chat_scope(chat), self._group.count, self._group.period_s))
        if not scopes:  # prepaid, or an edit of an inline message: nothing (more) to count
            if private:
                self._private.count_chat(chat, now)
            return GO
        batch = background and not group  # the overall scope alone
        try:
            taken = await shared.take(
                scopes, interactive=not background, want=want if batch else 1, ahead=batch
            )
        except (sa_exc.SQLAlchemyError, OSError) as exc:
            if not self._failing:
                log.warning("shared send budget unavailable (%s): counting locally", exc)
            self._failing = True
            if prepaid:
                self._credit += 1  # not used after all
            return self._fallback.take_now(chat, priority, now, overall=overall)
        if self._failing:
            log.info("shared send budget answers again")
            self._failing = False
        if not taken.ok:
            if prepaid:
                self._credit += 1  # the group's limit refused: the overall token stays ours
            if taken.refused_by == OVERALL_SCOPE:
                return Wait(overall_s=taken.wait_s)
            return Wait(chat_s=taken.wait_s)
        # Credit is used only up to SEND_MARGIN_S before its slot ends, so that a message
        # reaches Telegram within its slot and a second never collects a straggler of the
        # slot before it on top of its own (the budget's bound assumes sends in their slot).
        if taken.start_s > 0:  # booked in the next slot: wait for it to begin
            # on our clock it begins at most this late (decided after `now`, before `answered`)
            answered = self._clock()
            until = now + taken.until_s - SEND_MARGIN_S
            self._keep_credit(taken.granted, answered + taken.start_s, until)
            return Wait(overall_s=self._credit_from - now)
        if batch and taken.granted > 1:
            self._keep_credit(taken.granted - 1, now, now + taken.until_s - SEND_MARGIN_S)
        if private:
            self._private.count_chat(chat, now)
        return GO


# Which requests wait, and for which limits. New messages (send*, copy*, forward*) count
# against the overall limit and their chat's. An edit (edit*, stopPoll) that names a chat counts
# against that chat's limit only, and one of an inline message counts nothing: Telegram shares
# the per-chat limit between sending and editing, while the ~30 a second is its limit for
# broadcasts, i.e. new messages ("Limits for message editing and sending are shared"; "There is
# no global limit on the number of sent messages for bots, but see FAQ#broadcasting": tdlib
# maintainer levlam in tdlib/td#3034 and tdlib/td#2592). Everything else (answering a button,
# inline results, reads, the typing indicator) passes at once, so a tap is answered even while
# the push fills the budget.
_COUNTED_PREFIXES = ("send", "edit", "copy", "forward", "stopPoll")
_NEW_MESSAGE_PREFIXES = ("send", "copy", "forward")
_NOT_COUNTED = frozenset({"sendChatAction"})


def _counted_chat(endpoint: str, data: dict[str, Any]) -> tuple[bool, ChatKey | None]:
    """(counts against the overall limit, the chat whose own limit it counts against)."""
    if endpoint in _NOT_COUNTED or not endpoint.startswith(_COUNTED_PREFIXES):
        return False, None
    raw = data.get("chat_id")
    chat: ChatKey | None = None
    if raw is not None:
        try:
            chat = int(raw)
        except (TypeError, ValueError):
            chat = str(raw)  # "@channel"
    return endpoint.startswith(_NEW_MESSAGE_PREFIXES), chat


# --------------------------------------------------------------------------- the limiter


@dataclass(slots=True)
class _Waiter:
    chat: ChatKey | None
    future: asyncio.Future[None]
    overall: bool = True  # False: an edit, held by its chat's limit only


class PriorityRateLimiter(BaseRateLimiter[Priority]):
    """PTB rate limiter with two queues (see the module docstring).

    `rate_limit_args` may name a Priority for one call; otherwise the priority comes from
    `background_sends()`. On a 429 every counted send pauses for the time Telegram asks;
    interactive ones are retried up to `max_retries` times, background ones raise RetryAfter
    to their caller (the push has its own retry policy).
    """

    def __init__(
        self,
        budget: SendBudget | None = None,
        *,
        max_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._budget: SendBudget = budget if budget is not None else LocalSendBudget()
        self._max_retries = max_retries
        self._clock = clock
        self._queues: tuple[deque[_Waiter], deque[_Waiter]] = (deque(), deque())
        self._wake = asyncio.Event()
        self._arrivals = 0
        self._dispatcher: asyncio.Task[None] | None = None
        self._paused_until = 0.0
        # Per priority: until when the budget said nobody of that priority may send. Nobody
        # asks it again before then (a shared budget's answer costs a database round trip).
        self._full_until = [0.0, 0.0]
        self._abandoned = False
        self._taking = False  # a budget answer is on its way: later arrivals queue behind it
        self._sending = [0, 0]  # per priority: granted sends whose request has not returned

    async def initialize(self) -> None:
        self._abandoned = False

    async def shutdown(self) -> None:
        self._abandon(Priority.INTERACTIVE)
        self._abandon(Priority.BACKGROUND)
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None

    def abandon_background(self) -> None:
        """The bot is stopping: background sends still waiting fail with SendAbandoned (they
        never went out, so their claims can be released), and new ones fail at once."""
        self._abandoned = True
        self._abandon(Priority.BACKGROUND)

    def waiting(self, priority: Priority) -> int:
        """Sends of `priority` waiting for the budget now (for tests and logs)."""
        return sum(not w.future.done() for w in self._queues[priority])

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        overall, chat = _counted_chat(endpoint, data)
        counted = overall or chat is not None
        priority = rate_limit_args if isinstance(rate_limit_args, Priority) else _PRIORITY.get()
        record = _REQUESTS.get()
        retries = 0
        while True:
            if counted:
                await self._acquire(chat, priority, overall=overall)
            if record is not None:
                record.started += 1
            self._sending[priority] += 1
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self._paused_until = max(self._paused_until, self._clock() + seconds)
                log.warning("Telegram asked to wait %.1f s (flood control)", seconds)
                if priority is Priority.BACKGROUND or retries >= self._max_retries:
                    raise
                retries += 1
                continue
            finally:
                self._sending[priority] -= 1
            if record is not None:
                record.delivered += 1
            return result

    async def _acquire(
        self, chat: ChatKey | None, priority: Priority, *, overall: bool = True
    ) -> None:
        if self._abandoned and priority is Priority.BACKGROUND:
            raise SendAbandoned("the bot is stopping")
        now = self._clock()
        idle = (
            not (self._queues[0] or self._queues[1])
            and not self._taking
            and now >= self._paused_until
            and (not overall or now >= self._full_until[priority])
        )
        if idle:
            self._taking = True
            try:
                wait = await self._budget.try_take(
                    chat, priority, now, overall=overall, want=self._want(priority, 1)
                )
            finally:
                self._taking = False
                if self._queues[0] or self._queues[1]:
                    self._wake.set()  # the dispatcher waited for this answer
            if wait.ok:
                return  # nobody waits and there is room: the common case, no queueing
            self._note_full(priority, now, wait)
        waiter = _Waiter(chat, asyncio.get_running_loop().create_future(), overall)
        self._queues[priority].append(waiter)
        self._arrivals += 1
        self._wake.set()
        if self._dispatcher is None:
            self._dispatcher = asyncio.create_task(self._dispatch(), name="rate-limiter")
        await waiter.future  # a cancelled caller cancels its future: the dispatcher skips it

    def _abandon(self, priority: Priority) -> None:
        queue = self._queues[priority]
        while queue:
            waiter = queue.popleft()
            if not waiter.future.done():
                waiter.future.set_exception(SendAbandoned("the bot is stopping"))

    async def _dispatch(self) -> None:
        try:
            while self._queues[0] or self._queues[1]:
                if self._taking:  # one question to the budget at a time (its answer may
                    self._wake.clear()  # hold tokens for the waiting ones too)
                    await self._wake.wait()
                    continue
                arrivals = self._arrivals
                now = self._clock()
                delay = self._paused_until - now
                if delay <= 0:
                    delay = await self._grant(now)
                    if delay <= 0:
                        continue  # something went: look again at once
                if self._arrivals == arrivals:
                    await self._sleep(delay)
        finally:
            self._dispatcher = None

    async def _grant(self, now: float) -> float:
        """One pass over the queues, replies first. Returns 0 if anything was granted, else
        the seconds until something might fit (inf: only a new arrival can change that)."""
        granted = False
        soonest = math.inf
        blocked: set[ChatKey | None] = set()  # chats at their limit: keep their order
        for priority in Priority:
            queue = self._queues[priority]
            full = now < self._full_until[priority]  # the budget said so already
            if full and queue:
                soonest = min(soonest, self._full_until[priority] - now)
            for waiter in list(queue):
                if waiter.future.done():
                    queue.remove(waiter)
                    continue
                if waiter.chat is not None and waiter.chat in blocked:
                    continue
                if waiter.overall and full:
                    if waiter.chat is not None:
                        blocked.add(waiter.chat)  # its chat's later requests keep their place
                    continue  # edits of other chats may still go
                self._taking = True
                try:
                    wait = await self._budget.try_take(
                        waiter.chat,
                        priority,
                        now,
                        overall=waiter.overall,
                        want=self._want(priority, len(queue)),
                    )
                finally:
                    self._taking = False
                if wait.ok:
                    queue.remove(waiter)
                    if waiter.future.done():  # cancelled while the budget answered
                        continue
                    waiter.future.set_result(None)
                    granted = True
                elif wait.overall_s > 0:
                    soonest = min(soonest, wait.overall_s)
                    self._note_full(priority, now, wait)
                    full = True  # this priority cannot send a new message now
                else:
                    blocked.add(waiter.chat)
                    soonest = min(soonest, wait.chat_s)
        return 0.0 if granted else soonest

    def _want(self, priority: Priority, waiting: int) -> int:
        """Messages about to ask: `waiting` in the queue, and for the push one more for each
        of its sends in flight (each is followed by the next of its batch)."""
        if priority is Priority.BACKGROUND:
            return waiting + self._sending[priority]
        return waiting

    def _note_full(self, priority: Priority, now: float, wait: Wait) -> None:
        """The budget has no room for `priority` for `wait.overall_s`; none for a reply means
        none for the push either."""
        if wait.overall_s <= 0:
            return
        until = now + wait.overall_s
        for lower in Priority:
            if lower >= priority:
                self._full_until[lower] = max(self._full_until[lower], until)

    async def _sleep(self, delay: float) -> None:
        self._wake.clear()
        if math.isinf(delay):
            await self._wake.wait()
            return
        handle = asyncio.get_running_loop().call_later(delay, self._wake.set)
        try:
            await self._wake.wait()
        finally:
            handle.cancel()


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)
