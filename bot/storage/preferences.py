"""A user's ♥ favourite and 🚫 never-suggest recipes (`recipe_prefs`).

One kind per recipe: marking a favourite "never" replaces the favourite, and the same tap
again clears it. The cooking-time limit is a user column (`users.max_cook_min`, read with
the user). One transaction per method, as in the other repositories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from bot.core.preferences import FAVOURITE, MAX_PREFS, NEVER, RecipePrefs
from bot.core.schedule import require_aware
from bot.storage.dialects import upsert
from bot.storage.schema import recipe_prefs
from bot.storage.store import StoreRepository

KINDS = (FAVOURITE, NEVER)
MAX_RECIPE_ID = 80  # recipe ids are short slugs; a longer one is forged


class TooManyPrefsError(ValueError):
    """The user already keeps MAX_PREFS favourites and never-suggest recipes."""


class PreferenceStore(StoreRepository):
    """Recipe preferences through the Store's Database."""

    async def prefs(self, user_id: int) -> RecipePrefs:
        """The user's favourites and never-suggest recipe ids."""
        found = await self.prefs_many([user_id])
        return found.get(user_id, RecipePrefs())

    async def prefs_many(self, user_ids: Sequence[int]) -> dict[int, RecipePrefs]:
        """Preferences of many users in one read (the morning push plans a batch); users
        without any are left out."""
        if not user_ids:
            return {}
        stmt = sa.select(
            recipe_prefs.c.user_id, recipe_prefs.c.recipe_id, recipe_prefs.c.kind
        ).where(recipe_prefs.c.user_id.in_(sorted(set(user_ids))))
        found: dict[int, tuple[set[str], set[str]]] = {}
        async with self.db.read() as conn:
            for uid, rid, kind in (await conn.execute(stmt)).all():
                fav, never = found.setdefault(int(uid), (set(), set()))
                (fav if kind == FAVOURITE else never).add(str(rid))
        return {
            uid: RecipePrefs(frozenset(fav), frozenset(never))
            for uid, (fav, never) in found.items()
        }

    async def set_pref(
        self, user_id: int, recipe_id: str, kind: str | None, *, now_utc: dt.datetime
    ) -> None:
        """Mark a recipe (kind FAVOURITE or NEVER) or clear its mark (None)."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown preference {kind!r}; use {', '.join(KINDS)} or None")
        if not recipe_id or len(recipe_id) > MAX_RECIPE_ID:
            raise ValueError("recipe id must be 1-80 characters")
        where = (recipe_prefs.c.user_id == user_id, recipe_prefs.c.recipe_id == recipe_id)
        async with self.db.transaction() as conn:
            if kind is None:
                await conn.execute(sa.delete(recipe_prefs).where(*where))
                return
            count = sa.select(sa.func.count()).where(
                recipe_prefs.c.user_id == user_id, recipe_prefs.c.recipe_id != recipe_id
            )
            if int((await conn.execute(count)).scalar() or 0) >= MAX_PREFS:
                raise TooManyPrefsError(f"at most {MAX_PREFS} favourite and never-suggest recipes")
            values = {
                "user_id": user_id,
                "recipe_id": recipe_id,
                "kind": kind,
                "updated_utc": require_aware(now_utc),
            }
            await conn.execute(
                upsert(
                    conn,
                    recipe_prefs,
                    values,
                    [recipe_prefs.c.user_id, recipe_prefs.c.recipe_id],
                    ("kind", "updated_utc"),
                )
            )
