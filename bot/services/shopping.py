"""Shopping lists people tick: made from the plans, stored, ticked by anyone they belong to.

A one-person list belongs to the user ('u:<id>'); a household member's list belongs to the
household ('h:<id>'), so every member ticks the same list from their own chat. Who may touch
a list is checked against the membership table on every tap, never taken from the button.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from bot.core.models import UserSettings
from bot.core.shopping import ShoppingSheet, new_sheet
from bot.services.plans import NotInHouseholdError, PlanService
from bot.storage.shopping import ShoppingStore, StoredList
from bot.storage.store import household_owner, user_owner


class ListUnavailableError(LookupError):
    """The list is gone (pruned, deleted) or belongs to someone else: the button is stale."""


@dataclass(frozen=True, slots=True)
class ShownList:
    list_id: int
    sheet: ShoppingSheet


@dataclass
class ShoppingService:
    plans: PlanService
    lists: ShoppingStore

    async def _owners(self, user: UserSettings) -> set[str]:
        owners = {user_owner(user.user_id)}
        if user.household_id is not None:
            with contextlib.suppress(NotInHouseholdError):
                owners.add(household_owner(await self.plans.checked_household(user)))
        return owners

    async def new_list(self, user: UserSettings, start: dt.date, days: int) -> ShownList:
        """Plan the days (stored as usual), make their list and store it unticked."""
        _views, items = await self.plans.shopping(user, start, days)
        owner, people = user_owner(user.user_id), 1
        if user.household_id is not None:
            household_id = await self.plans.checked_household(user)
            owner = household_owner(household_id)
            people = len(await self.plans.members(household_id))
        sheet = new_sheet(items, start=start, days=days, people=people)
        list_id = await self.lists.create(owner, start, days, sheet.to_body())
        return ShownList(list_id, sheet)

    async def _checked(self, user: UserSettings, stored: StoredList | None) -> ShownList:
        if stored is None or stored.owner not in await self._owners(user):
            raise ListUnavailableError("no such list for this user")
        try:
            sheet = ShoppingSheet.from_body(stored.start_day, stored.days, stored.body)
        except ValueError as exc:
            raise ListUnavailableError(str(exc)) from None
        return ShownList(stored.list_id, sheet)

    async def show(self, user: UserSettings, list_id: int) -> ShownList:
        return await self._checked(user, await self.lists.get(list_id))

    async def tick(self, user: UserSettings, list_id: int, position: int) -> ShownList:
        """Tick or untick the item at `position` (as stored NOW, so two members ticking at
        once both count). ValueError for a position the list does not have."""
        await self.show(user, list_id)  # the owner check, before any write

        def edit(stored: StoredList) -> dict[str, object] | None:
            sheet = ShoppingSheet.from_body(stored.start_day, stored.days, stored.body)
            if sheet.index_of(position) is None:
                return None
            return sheet.toggled(position).to_body()

        shown = await self._checked(user, await self.lists.change(list_id, edit))
        if shown.sheet.index_of(position) is None:
            raise ValueError(f"no item at position {position}")
        return shown

    async def hide_staples(self, user: UserSettings, list_id: int, hide: bool) -> ShownList:
        await self.show(user, list_id)

        def edit(stored: StoredList) -> dict[str, object]:
            sheet = ShoppingSheet.from_body(stored.start_day, stored.days, stored.body)
            return sheet.with_staples_hidden(hide).to_body()

        return await self._checked(user, await self.lists.change(list_id, edit))

    async def prune(self, before: dt.date) -> int:
        return await self.lists.prune(before)
