"""Users and their settings: first contact, and changes that move what depends on them.

Every zone change (/timezone, location, zone buttons) and plan-time change (/time, time
buttons) comes through `update`, so this is where the user's reminders move to the new zone
and a pending retest reminder to the new plan time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.models import UserSettings
from bot.storage.store import Store
from bot.storage.tracking import TrackingStore


@dataclass
class UserService:
    store: Store
    tracking: TrackingStore
    now: Callable[[], dt.datetime]

    async def ensure(
        self, user_id: int, chat_id: int, first_name: str, language: str | None = None
    ) -> UserSettings:
        """The stored user, created with defaults at first contact; `language` (from Telegram)
        is kept only while the user has none stored."""
        return await self.store.ensure_user(
            user_id, chat_id, first_name, now_utc=self.now(), language=language
        )

    async def update(self, user_id: int, **fields: object) -> UserSettings:
        """Change settings; reminders follow the zone, a pending retest the plan time (it
        fires at the plan time; reminders with their own time stay when only the time moves)."""
        now = self.now()
        user = await self.store.update_user(user_id, now_utc=now, **fields)
        if "timezone" in fields or "push_time" in fields:
            await self.tracking.rezone_reminders(
                user_id, user.timezone, retest_time=user.push_time, now_utc=now
            )
        return user
