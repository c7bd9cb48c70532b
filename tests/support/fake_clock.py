"""The `now` a test hands to the application (`build_application(..., now=clock.now)`)."""

from __future__ import annotations

import datetime as dt

# Tuesday 24 Nov 2026, 09:00 UTC = 10:00 in Berlin.
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The `now` the application sees; tests move it by hand."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def set(self, moment: dt.datetime) -> None:
        self.current = moment

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)
