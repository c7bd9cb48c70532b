"""The rate limiter: replies before the push, Telegram's limits kept, taps never held back.

Driven with a fake Bot API callback (records when each request went out) and short periods,
so the pacing is real but each test takes well under a second.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.chat.ratelimit import (
    Limit,
    LocalSendBudget,
    Priority,
    PriorityRateLimiter,
    SendAbandoned,
    background_sends,
    logging_requests,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
FREE = Limit(1000, 1.0)
JITTER_S = 0.03  # a task runs a little after the limiter let it go


class FakeApi:
    """Stands in for Bot._do_post: records (endpoint, chat, time) of every request."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, object, float]] = []
        self.fail_next: list[BaseException] = []

    async def post(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.sent.append((endpoint, data.get("chat_id"), time.monotonic()))
        return {"message_id": len(self.sent)}


async def request(
    limiter: PriorityRateLimiter, api: FakeApi, endpoint: str, chat_id: object = None
) -> dict[str, Any]:
    data = {} if chat_id is None else {"chat_id": chat_id}
    result = await limiter.process_request(
        api.post, (endpoint, data), {}, endpoint, data, rate_limit_args=None
    )
    assert isinstance(result, dict)
    return result


async def test_a_reply_overtakes_the_queued_push_and_the_push_resumes() -> None:
    # unpaced (pace_slots=1): the first five go out at once
    limiter = PriorityRateLimiter(LocalSendBudget(Limit(5, 0.25), FREE, FREE, pace_slots=1))
    api = FakeApi()

    async def push(chat: int) -> None:
        with background_sends():
            await request(limiter, api, "sendMessage", chat)

    pushes = [asyncio.create_task(push(1000 + i)) for i in range(20)]
    await asyncio.sleep(0.05)  # the first 5 went out; 15 wait for the budget
    assert limiter.waiting(Priority.BACKGROUND) == 15
    await request(limiter, api, "sendMessage", 7)  # a user's reply
    await asyncio.gather(*pushes)
    order = [chat for _, chat, _ in api.sent]
    assert order.index(7) == 5  # the first message after the budget freed up
    assert len(order) == 21 and sorted(order[6:]) == list(range(1005, 1020))


async def test_overall_limit_holds_in_every_window() -> None:
    limiter = PriorityRateLimiter(LocalSendBudget(Limit(4, 0.2), FREE, FREE))
    api = FakeApi()
    await asyncio.gather(*(request(limiter, api, "sendMessage", 100 + i) for i in range(12)))
    times = [t for _, _, t in api.sent]
    for i in range(len(times) - 4):
        # never 5 within one period (less the event loop's scheduling jitter on a busy host)
        assert times[i + 4] - times[i] >= 0.2 - JITTER_S


async def test_a_chat_at_its_limit_waits_without_holding_up_other_chats() -> None:
    limiter = PriorityRateLimiter(LocalSendBudget(FREE, Limit(2, 0.3), Limit(1, 0.3)))
    api = FakeApi()
    busy = [asyncio.create_task(request(limiter, api, "sendMessage", 5)) for _ in range(3)]
    await asyncio.sleep(0.01)
    started = time.monotonic()
    await request(limiter, api, "sendMessage", 6)  # another private chat: no wait
    assert time.monotonic() - started < 0.1
    await asyncio.gather(*busy)
    fives = [t for _, chat, t in api.sent if chat == 5]
    assert fives[1] - fives[0] >= 0.3 - JITTER_S and fives[2] - fives[1] >= 0.3 - JITTER_S
    # a group: two per period
    await asyncio.gather(*(request(limiter, api, "sendMessage", -42) for _ in range(3)))
    groups = [t for _, chat, t in api.sent if chat == -42]
    assert groups[2] - groups[0] >= 0.3 - JITTER_S


async def test_edits_wait_for_their_chat_only_and_button_answers_never_wait() -> None:
    """Telegram shares a chat's limit between sending and editing; its ~30/s is for new
    messages: an edit waits for its chat's limit, never for the overall budget."""
    limiter = PriorityRateLimiter(LocalSendBudget(Limit(1, 10.0), FREE, Limit(1, 10.0)))
    api = FakeApi()
    await request(limiter, api, "sendMessage", 5)  # the overall budget and chat 5's: used up
    started = time.monotonic()
    await request(limiter, api, "answerCallbackQuery")
    await request(limiter, api, "editMessageText", 6)  # another chat: the overall does not hold
    await request(limiter, api, "editMessageText")  # an inline message: nothing counts
    assert time.monotonic() - started < 0.1
    with pytest.raises(TimeoutError):  # chat 5 is at its limit: its edit waits
        await asyncio.wait_for(request(limiter, api, "editMessageText", 5), 0.2)
    with pytest.raises(TimeoutError):  # and a new message waits for the overall budget
        await asyncio.wait_for(request(limiter, api, "sendMessage", 7), 0.2)


async def test_the_push_is_paced_so_a_reply_never_waits_for_a_whole_second() -> None:
    """Background sends take at most a tenth of the limit per tenth of the period (3 per
    100 ms at 30/s), so the budget frees up every few milliseconds, not once a second."""
    limiter = PriorityRateLimiter(LocalSendBudget(Limit(30, 1.0), FREE, FREE))
    api = FakeApi()

    async def push(chat: int) -> None:
        with background_sends():
            await request(limiter, api, "sendMessage", chat)

    pushes = [asyncio.create_task(push(1000 + i)) for i in range(45)]
    await asyncio.sleep(1.05)  # the push has used a whole second's budget by now
    asked = time.monotonic()
    await request(limiter, api, "sendMessage", 7)  # a user's reply
    waited = time.monotonic() - asked
    await asyncio.gather(*pushes)
    pushed = [t for _, chat, t in api.sent if chat != 7]
    for i in range(len(pushed) - 3):
        assert pushed[i + 3] - pushed[i] >= 0.1 - JITTER_S  # never 4 within 100 ms
    assert waited < 0.15
    assert len(pushed) == 45


async def test_button_answers_pass_while_the_push_fills_the_budget() -> None:
    limiter = PriorityRateLimiter(LocalSendBudget(Limit(2, 10.0), FREE, FREE, pace_slots=1))
    api = FakeApi()
    with background_sends():
        queued = [
            asyncio.create_task(request(limiter, api, "sendMessage", 100 + i)) for i in range(5)
        ]
    await asyncio.sleep(0.01)
    started = time.monotonic()
    await request(limiter, api, "answerCallbackQuery")
    assert time.monotonic() - started < 0.1
    limiter.abandon_background()
    results = await asyncio.gather(*queued, return_exceptions=True)
    assert sum(isinstance(r, SendAbandoned) for r in results) == 3


async def test_stopping_abandons_waiting_push_sends_but_not_replies() -> None:
    limiter = PriorityRateLimiter(LocalSendBudget(Limit(1, 0.2), FREE, FREE))
    api = FakeApi()
    with background_sends():
        push = [asyncio.create_task(request(limiter, api, "sendMessage", 100 + i)) for i in (1, 2)]
    await asyncio.sleep(0.01)
    reply = asyncio.create_task(request(limiter, api, "sendMessage", 7))
    await asyncio.sleep(0.01)
    limiter.abandon_background()
    first, second = await asyncio.gather(*push, return_exceptions=True)
    assert isinstance(first, dict) and isinstance(second, SendAbandoned)
    await reply  # replies still go out while the bot stops
    with background_sends(), pytest.raises(SendAbandoned):
        await request(limiter, api, "sendMessage", 103)
    assert [chat for _, chat, _ in api.sent] == [101, 7]


async def test_flood_wait_pauses_everyone_then_a_reply_is_retried() -> None:
    limiter = PriorityRateLimiter(LocalSendBudget(FREE, FREE, FREE), max_retries=1)
    api = FakeApi()
    api.fail_next = [RetryAfter(1)]
    started = time.monotonic()
    await request(limiter, api, "sendMessage", 7)
    assert time.monotonic() - started >= 1.0  # waited as told, then sent
    assert [chat for _, chat, _ in api.sent] == [7]
    api.fail_next = [RetryAfter(1)]
    with background_sends(), pytest.raises(RetryAfter):
        await request(limiter, api, "sendMessage", 100)  # the push decides itself


async def test_the_request_log_tells_what_went_out() -> None:
    limiter = PriorityRateLimiter(LocalSendBudget(FREE, FREE, FREE))
    api = FakeApi()
    with logging_requests() as log:
        await request(limiter, api, "sendMessage", 7)
        api.fail_next = [OSError("connection dropped")]
        with pytest.raises(OSError):
            await request(limiter, api, "sendMessage", 7)
    assert (log.started, log.delivered) == (2, 1)


async def test_a_shared_budget_can_keep_room_for_replies() -> None:
    budget = LocalSendBudget(Limit(3, 10.0), FREE, FREE, background_reserve=1, pace_slots=1)
    now = time.monotonic()
    assert (await budget.try_take(1, Priority.BACKGROUND, now)).ok
    assert (await budget.try_take(2, Priority.BACKGROUND, now)).ok
    assert not (await budget.try_take(3, Priority.BACKGROUND, now)).ok  # the last is kept
    assert (await budget.try_take(4, Priority.INTERACTIVE, now)).ok
    assert (await budget.try_take(5, Priority.INTERACTIVE, now)).overall_s > 0
