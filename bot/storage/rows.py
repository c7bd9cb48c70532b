"""Row conversions shared by the repositories: UTC instants as Unix seconds, and a `users` row as
UserSettings (the one place that reads a user row; `store._user_values` writes one)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.engine import Row

from bot.core.models import Diet, Slot, UserSettings
from bot.core.schedule import require_aware

UTC = dt.UTC


def utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


def to_ts(moment: dt.datetime) -> int:
    """Unix seconds; push instants are whole minutes, so nothing is rounded away."""
    return int(require_aware(moment).timestamp() // 1)


def from_ts(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def user_from_row(row: Row[Any]) -> UserSettings:
    """A `users` row (select of schema.users, types already converted) as UserSettings."""
    return UserSettings(
        user_id=row.user_id,
        chat_id=row.chat_id,
        first_name=row.first_name,
        diet=Diet(row.diet),
        target_ug=row.target_ug,
        exclude=frozenset(row.exclude),
        slots=tuple(Slot(s) for s in row.slots),
        timezone=row.timezone,
        push_time=row.push_time,
        push_enabled=bool(row.push_enabled),
        active=bool(row.active),
        onboarded=bool(row.onboarded),
        household_id=row.household_id,
        evening_check=bool(row.evening_check),
        evening_time=row.evening_time,
        region=row.region,
        life_stage=row.life_stage,
        absorption=row.absorption,
        kcal_min=row.kcal_min,
        kcal_max=row.kcal_max,
        max_cook_min=row.max_cook_min,
        language=row.language,
    )
