"""The account as a whole: /export (everything stored, household included) and /delete.

Erasing happens in storage, in one transaction (bot.storage.account.erase_user); what storage
cannot do is plan, so after a member is erased the household's plans from today on are fitted
to the members who remain (FamilyService.membership_changed: a day that still suits everyone
keeps its meals, the rest are planned again on the next read). Past days stay, anonymised.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from bot.core.models import UserSettings
from bot.services.family import FamilyService
from bot.storage.account import AccountStore, Erased
from bot.storage.store import Store
from bot.storage.tracking import TrackingStore

log = logging.getLogger(__name__)


@dataclass
class AccountService:
    store: Store
    tracking: TrackingStore
    family: FamilyService

    @property
    def accounts(self) -> AccountStore:
        return AccountStore(self.store.db)

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything /delete erases (every table with a user_id, own plans) plus the
        household the user can see, with an `about` section explaining each field."""
        data = await self.tracking.export_user(user_id)
        return {**data, **await self.accounts.household_export(user_id)}

    async def delete(self, user_id: int) -> Deleted:
        """Erase the user; the household they leave gets plans for the members who remain."""
        user = await self.store.get_user(user_id)
        erased = await self.store.delete_user(user_id)
        remaining: tuple[UserSettings, ...] = ()
        replanned = None
        household_name = ""
        if erased.household_id is not None and not erased.household_ended and user is not None:
            records = await self.family.households.members(erased.household_id)
            remaining = tuple(r.user for r in records)
            replanned = await self.family.membership_changed(
                erased.household_id, [user, *remaining]
            )
            home = await self.family.households.get_household(erased.household_id)
            household_name = home.name if home is not None else ""
        log.info("user %s erased their data", user_id)
        return Deleted(erased, remaining, replanned, household_name)


@dataclass(frozen=True, slots=True)
class Deleted:
    """What /delete did: the storage record, and for the household the user left, who remains
    (to be told), the first day planned again (None: every stored plan still fitted) and its
    name now."""

    erased: Erased
    remaining: tuple[UserSettings, ...]
    replanned: dt.date | None
    household_name: str
