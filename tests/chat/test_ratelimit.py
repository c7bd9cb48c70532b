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
    GO,
    Limit,
    LocalSendBudget,
    Priority,
    PriorityRateLimiter,
    SendAbandoned,
    SharedSendBudget,
    Wait,
    background_sends,
    logging_requests,
)
from bot.storage.ratebudget import OVERALL_SCOPE, Scope, Taken

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


class ScriptedShared:
    """Stands in for the database side of SharedSendBudget: answers each take from a script
    and records what was asked (scope names, interactive, want, ahead)."""

    def __init__(self, *answers: Taken) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[list[str], bool, int, bool]] = []

    async def take(
        self, scopes: list[Scope], *, interactive: bool, want: int = 1, ahead: bool = False
    ) -> Taken:
        self.asked.append(([s.name for s in scopes], interactive, want, ahead))
        return self.answers.pop(0)

    async def close(self) -> None:
        pass


def shared_budget(db: ScriptedShared, clock: list[float]) -> SharedSendBudget:
    budget = SharedSendBudget(Limit(100, 1.0), clock=lambda: clock[0])
    budget.attach(db)  # type: ignore[arg-type]
    return budget


def granted(n: int, *, start_s: float = 0.0, slot_s: float = 0.05) -> Taken:
    return Taken(True, 0.0, 0, granted=n, start_s=start_s, until_s=start_s + slot_s)


BG, RE = Priority.BACKGROUND, Priority.INTERACTIVE


async def test_the_push_takes_a_batch_and_sends_the_rest_without_asking_again() -> None:
    db = ScriptedShared(granted(3, slot_s=0.05), granted(1))
    budget = shared_budget(db, [10.0])
    assert await budget.try_take(101, BG, 10.0, want=4) == GO
    assert db.asked == [([OVERALL_SCOPE], False, 4, True)]
    assert budget.credit == 2
    assert await budget.try_take(102, BG, 10.01) == GO
    assert await budget.try_take(103, RE, 10.02) == GO  # a reply may use it too
    assert len(db.asked) == 1  # two sends, no round trip
    assert await budget.try_take(104, BG, 10.03) == GO
    assert len(db.asked) == 2


async def test_credit_is_not_used_in_the_last_moments_of_its_slot() -> None:
    db = ScriptedShared(granted(3, slot_s=0.05), granted(1))
    budget = shared_budget(db, [10.0])
    assert await budget.try_take(101, BG, 10.0, want=3) == GO
    # 5 ms before the slot ends: the message might reach Telegram in the next slot
    assert await budget.try_take(102, BG, 10.045) == GO
    assert len(db.asked) == 2 and budget.credit == 0


async def test_a_booked_slot_is_waited_for_without_asking_then_used() -> None:
    db = ScriptedShared(granted(2, start_s=0.03, slot_s=0.05), granted(1))
    clock = [10.001]  # the answer came 1 ms after the question
    budget = shared_budget(db, clock)
    wait = await budget.try_take(101, BG, 10.0, want=2)
    assert wait.overall_s == pytest.approx(0.031)  # from the answer: never early
    assert await budget.try_take(101, BG, 10.02) == Wait(overall_s=pytest.approx(0.011))
    assert len(db.asked) == 1  # the push waited without a round trip
    assert await budget.try_take(101, BG, 10.04) == GO
    assert await budget.try_take(102, BG, 10.05) == GO
    assert len(db.asked) == 1 and budget.credit == 0
    assert await budget.try_take(103, BG, 10.081) == GO  # the booked slot is over
    assert len(db.asked) == 2


async def test_a_reply_does_not_wait_for_the_push_booking() -> None:
    db = ScriptedShared(granted(2, start_s=0.03), granted(1))
    budget = shared_budget(db, [10.0])
    assert not (await budget.try_take(101, BG, 10.0, want=2)).ok
    assert await budget.try_take(7, RE, 10.001) == GO  # asks for the current slot itself
    assert db.asked[1] == ([OVERALL_SCOPE], True, 1, False)
    assert budget.credit == 2  # the push's booking is still there


async def test_a_group_send_on_credit_asks_for_its_chat_only_and_keeps_it_if_refused() -> None:
    refused = Taken(False, 2.0, 0, refused_by="chat:-100")
    db = ScriptedShared(granted(3), refused, granted(1))
    budget = shared_budget(db, [10.0])
    assert await budget.try_take(101, BG, 10.0, want=3) == GO
    assert await budget.try_take(-100, BG, 10.01) == Wait(chat_s=2.0)
    assert db.asked[1] == (["chat:-100"], False, 1, False)
    assert budget.credit == 2  # the group was refused: the overall token stays
    assert await budget.try_take(-200, BG, 10.02) == GO
    assert db.asked[2] == (["chat:-200"], False, 1, False)
    assert budget.credit == 1


class SlowBudget:
    """A budget whose answer takes a while (a round trip): records how many questions were
    on their way at once and what each asked for."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self.wants: list[int] = []

    async def try_take(
        self,
        chat: object,
        priority: Priority,
        now: float,
        *,
        overall: bool = True,
        want: int = 1,
    ) -> Wait:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self.wants.append(want)
        try:
            await asyncio.sleep(0.005)
        finally:
            self.in_flight -= 1
        return GO


async def test_one_question_to_the_budget_at_a_time_and_it_says_how_many_wait() -> None:
    budget = SlowBudget()
    limiter = PriorityRateLimiter(budget)
    api = FakeApi()

    async def push(chat: int) -> None:
        with background_sends():
            await request(limiter, api, "sendMessage", chat)

    await asyncio.gather(*(push(2000 + i) for i in range(8)))
    assert len(api.sent) == 8
    assert budget.most_in_flight == 1  # the others queued behind the first answer
    assert budget.wants[0] == 1 and max(budget.wants) >= 7  # then: the queue asked as one
