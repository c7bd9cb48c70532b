"""Charts drawn in a worker process, cached, and matplotlib never imported by the bot itself.

A /progress chart costs ~0.2-0.5 s of CPU. Drawn in a thread it still held the GIL, so every
other user waited behind it (ten /progress from one user: ten seconds for everyone). Here the
drawing runs in one worker process (bot.chat.render.charts is imported there only, so
matplotlib is no longer 60 % of the bot's start-up), the event loop only awaits the result,
and the same inputs give the cached PNG at once (a user asking twice, or ten times).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import multiprocessing
import pickle
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from bot.core.i18n import catalogue_languages, current_language, enable_languages, use_language

if TYPE_CHECKING:
    from bot.core.labs import LabResult, Marker
    from bot.core.report import Report
    from bot.core.tally import DayTally

log = logging.getLogger(__name__)

WORKERS = 1  # one core draws; the other keeps answering (2-core hosts)
CACHE_ENTRIES = 64  # PNGs of ~70 KB: under 5 MB

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_cache: OrderedDict[bytes, bytes] = OrderedDict()


def _draw(kind: str, args: tuple[Any, ...], lang: str = "en") -> bytes:
    """Runs in the worker process, in the language of the user who asked (a ContextVar does
    not cross into another process, so the language travels with the arguments)."""
    with use_language(lang):
        return _draw_now(kind, args)


def _draw_now(kind: str, args: tuple[Any, ...]) -> bytes:
    from bot.chat.render import charts

    if kind == "progress":
        return charts.progress_chart(*args)
    if kind == "levels":
        return charts.levels_chart(*args)
    if kind == "report":
        from bot.chat.render import report

        return report.report_pdf(*args)
    if kind == "weekly":
        from bot.chat.render import weekly_chart

        return weekly_chart.weekly_chart(*args)
    raise ValueError(f"unknown chart {kind!r}")


def _warm_worker() -> None:
    """Worker initializer: import matplotlib once, before the first user waits for it. The
    worker draws in whatever language the bot process chose (it passes only languages it
    offers), so every language with a catalogue is switched on here."""
    from bot.chat.render import charts  # noqa: F401

    enable_languages(catalogue_languages())


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # spawn: a fresh interpreter, never a fork of a process with threads running
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_warm_worker)
        return _pool


def _reset(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


async def _render(kind: str, args: tuple[Any, ...]) -> bytes:
    lang = current_language()
    key = hashlib.sha256(pickle.dumps((kind, args, lang), protocol=5)).digest()
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    loop = asyncio.get_running_loop()
    png: bytes | None = None
    for _ in range(2):  # a worker that died is replaced once
        pool = _executor()
        try:
            png = await loop.run_in_executor(pool, _draw, kind, args, lang)
            break
        except BrokenProcessPool:
            log.warning("chart worker died; starting a new one")
            _reset(pool)
        except OSError as exc:  # no process could be started here
            log.warning("chart worker unavailable (%s): drawing in a thread", exc)
            break
    if png is None:  # no worker process could run: draw here rather than fail the reply
        png = await asyncio.to_thread(_draw, kind, args, lang)
    _cache[key] = png
    while len(_cache) > CACHE_ENTRIES:
        _cache.popitem(last=False)
    return png


async def progress_png(
    days: Sequence[DayTally], target_ug: float, today: dt.date | None = None
) -> bytes:
    """bot.chat.render.charts.progress_chart, drawn off the event loop (cached)."""
    return await _render("progress", (tuple(days), target_ug, today))


async def levels_png(
    results: Sequence[LabResult], marker: Marker, today: dt.date | None = None
) -> bytes:
    """bot.chat.render.charts.levels_chart, drawn off the event loop (cached)."""
    return await _render("levels", (tuple(results), marker, today))


async def report_pdf(report: Report) -> bytes:
    """bot.chat.render.report.report_pdf (the clinician report), drawn off the event loop."""
    return await _render("report", (report,))


async def weekly_png(days: Sequence[DayTally], target_ug: float, start: dt.date) -> bytes:
    """bot.chat.render.weekly_chart.weekly_chart, drawn off the event loop (cached)."""
    return await _render("weekly", (tuple(days), target_ug, start))


async def warm() -> None:
    """Start the worker and let it import matplotlib now, so the first chart is quick."""
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(_executor(), _warm_worker)
    except (BrokenProcessPool, OSError) as exc:
        log.warning("chart worker could not start (%s); charts will be drawn in a thread", exc)


def shutdown() -> None:
    """Stop the worker (the interpreter's exit does it too)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
