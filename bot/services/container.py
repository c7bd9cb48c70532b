"""The services one running bot shares: built once at start, found by handlers and jobs.

Each feature has its own small service (plans, family, users); this container only builds
them over one store, one recipe set and one clock, so that tests can inject a clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.core.clock import local_date_at
from bot.core.models import RecipeSet, UserSettings
from bot.services.account import AccountService
from bot.services.family import FamilyService
from bot.services.plans import PlanService, utc_now
from bot.services.shopping import ShoppingService
from bot.services.tracking import tracking_store
from bot.services.users import UserService
from bot.storage.family import HouseholdStore
from bot.storage.shopping import ShoppingStore
from bot.storage.store import Store

DEFAULT_CATCH_UP = dt.timedelta(hours=6)


class Services:
    """Storage, recipes and clock, and the feature services built on them."""

    def __init__(
        self,
        store: Store,
        recipes: RecipeSet,
        now: Callable[[], dt.datetime] = utc_now,
        catch_up: dt.timedelta = DEFAULT_CATCH_UP,
    ) -> None:
        self.store = store
        self.now = now
        self.catch_up = catch_up  # how late a missed push or reminder may still go out
        self.tracking = tracking_store(store)
        self.households = HouseholdStore(store)
        self.plans = PlanService(
            store=store,
            households=self.households,
            tracking=self.tracking,
            recipes=recipes,
            now=now,
        )
        self.family = FamilyService(plans=self.plans, households=self.households)
        self.users = UserService(store=store, tracking=self.tracking, now=now)
        self.shopping = ShoppingService(plans=self.plans, lists=ShoppingStore(store))
        self.account = AccountService(store=store, tracking=self.tracking, family=self.family)

    @property
    def recipes(self) -> RecipeSet:
        return self.plans.recipes

    @recipes.setter
    def recipes(self, value: RecipeSet) -> None:
        """A new recipe set (a reload, or a test's own set) is what every plan uses next."""
        self.plans.recipes = value

    def today(self, user: UserSettings) -> dt.date:
        """The user's local calendar date now."""
        return local_date_at(self.now(), user.timezone)
