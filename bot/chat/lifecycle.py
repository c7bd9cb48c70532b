"""Stopping politely: SIGTERM ends the morning push within seconds, losing nothing.

Docker and systemd send SIGTERM and kill the process 10 s later. Before, the bot kept pushing
until the fan-out was done (~100 s for 3,000 users), so the kill cut sends off mid-flight. Now a
stop request (1) stops claiming users at once, (2) fails background sends that are still
waiting for the rate limiter (they never went out: their claims are released), (3) lets sends
already on the wire finish, and only then (4) asks PTB to stop, which finishes the updates in
progress and closes the database. Users never claimed stay due and get their plan from the
next start; nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from telegram.ext import Application

from bot.chat.ratelimit import PriorityRateLimiter, background_sends
from bot.services.push import STOP_GRACE_S

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class BackgroundWork:
    """The ticks in progress (push, reminders), the stop request they obey, and the time
    they have to wind down."""

    def __init__(self, grace_s: float = STOP_GRACE_S) -> None:
        self.grace_s = grace_s
        self.stop = asyncio.Event()
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopper: asyncio.Task[None] | None = None

    @property
    def stopping(self) -> bool:
        return self.stop.is_set()

    @contextlib.asynccontextmanager
    async def tick(self) -> AsyncIterator[None]:
        """One background tick: counted (a stop waits for it), its sends yield to replies."""
        self._running += 1
        self._idle.clear()
        try:
            with background_sends():
                yield
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """True when no tick runs (within `timeout` seconds)."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


def background_work(application: Application) -> BackgroundWork:
    work = application.bot_data.get("background_work")
    if not isinstance(work, BackgroundWork):
        work = application.bot_data["background_work"] = BackgroundWork()
    return work


def request_stop(application: Application) -> None:
    """Begin the polite stop (see the module docstring); a second call does nothing."""
    work = background_work(application)
    if work.stopping:
        return
    log.info("stop requested: no new pushes; sends on their way finish first")
    work.stop.set()
    limiter = application.bot.rate_limiter
    if isinstance(limiter, PriorityRateLimiter):
        limiter.abandon_background()
    work._stopper = asyncio.get_running_loop().create_task(_stop_when_idle(application, work))


async def _stop_when_idle(application: Application, work: BackgroundWork) -> None:
    if not await work.wait_idle(work.grace_s + 1.0):
        log.warning("background work still running after %.0f s: stopping anyway", work.grace_s)
    application.stop_running()


def install_stop_signals(application: Application, loop: asyncio.AbstractEventLoop) -> None:
    """SIGTERM and SIGINT start the polite stop (instead of PTB's immediate one)."""
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, request_stop, application)
