"""One way to add a repeating job: single instance, missed runs coalesced.

A tick that overruns its interval (a long fan-out) must not start a second copy of itself,
and after a pause the missed runs collapse into one; every repeating job wants exactly that.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram.ext import Application, ContextTypes

log = logging.getLogger(__name__)

Job = Callable[[ContextTypes.DEFAULT_TYPE], Awaitable[object]]


def repeat(
    application: Application, job: Job, *, interval: float, first: float, name: str, without: str
) -> bool:
    """Run `job` every `interval` seconds from `first` on; False (and `without` logged as a
    warning: what will not happen) when the application has no JobQueue."""
    if application.job_queue is None:
        log.warning("no JobQueue: %s", without)
        return False
    application.job_queue.run_repeating(
        job,
        interval=interval,
        first=first,
        name=name,
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    return True
