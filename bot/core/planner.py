"""Daily meal plans whose B12 target is checked in code: the search.

Pure and deterministic: no I/O, no Telegram, no clock. A plan picks one recipe per meal slot
that keeps every rule of `bot.core.plan_rules` (B12 target, absorbed B12, fortified meals for
vegans, diet, exclusions, no repeats from the last 7 days, kcal range).

Life stages and absorption add rules (plan_rules): no liver or smoked fish and at most two
oily-fish meals in any 7 days when pregnant or breastfeeding, more than half the target from
fortified food over 50, no top-ups and no absorption claims when the clinician manages B12.
Fortified values are those of the profile's region (bot.core.regions); products not sold there
are never planned.

Among the plans that satisfy these, a seeded random cost (hashlib of profile + date) gives
variety from day to day, a penalty avoids the same main B12 source twice a day, and top-ups
(`bot.core.topups`: a named fortified item added to a meal) are used only when no plan without
them exists.

Search (the branch-and-bound and the closest plan: `bot.core.plan_search`): per slot, a small
candidate list (seeded random picks plus the highest-B12 and fortified recipes, and with a kcal
range those nearest its share) goes through an exact branch-and-bound; only when that finds
nothing does the search widen to every candidate, so "no plan exists" is decided exactly unless
the node budget runs out (then the plan says so). When nothing meets the constraints, the best
plan (most B12, then most absorbed) is returned with its shortfall and plain notes on how to
close the gap.

The DayPlan of the chosen meals, with its totals and notes: `bot.core.plan_build`. Several days:
`bot.core.week`; another recipe for one meal: `bot.core.swap`; the stored form of a plan:
`bot.core.plan_codec`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import math
import random
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from bot.core.models import (
    KIND_DIET,
    LIFE_STAGE_NONE,
    SLOT_ORDER,
    DayPlan,
    Diet,
    PlannedMeal,
    Profile,
    RecipeSet,
    Slot,
)
from bot.core.nutrition import absorbed_ug
from bot.core.plan_build import build_plan
from bot.core.plan_rules import (
    EPS,
    SAFE_FOOD_STAGES,
    PlanRules,
    as_profiles,
    combine_profiles,
    oily_fish_left,
    oily_fish_recipe,
    plan_rules,
    unsafe_item_ids,
)
from bot.core.plan_search import (
    BEST_EFFORT_PICKS,
    FORTIFIED_PICKS,
    Option,
    RecipeInfo,
    SearchBudget,
    best_effort,
    search,
)
from bot.core.plan_search import BUDGET_NOTE as BUDGET_NOTE  # re-exported: tests
from bot.core.plan_search import NODE_BUDGET as NODE_BUDGET  # re-exported: bench, tests
from bot.core.plan_search import kcal_note as kcal_note  # re-exported: replan
from bot.core.regions import for_region
from bot.core.topups import TopUp, raises_absorbed_enough, suits, topup_for

RANDOM_PICKS = 10  # seeded random candidates per slot in the fast search
B12_PICKS = 4  # plus the highest-B12 candidates per slot (rescue hard targets)
EFFORT_POOL = 60  # a slot with more recipes than this gives that search only its likely picks
TOPUP_PENALTY = 10.0  # per top-up: fewest top-ups first
REPEAT_PENALTY = 100.0  # per recipe reused from history: fewest repeats first
KCAL_PICKS = 6  # with a kcal range: plus the candidates nearest the range's share per slot


def seed(profile: Profile, *parts: object) -> int:
    """Stable seed of a profile and `parts` (hashlib, not hash(): that one changes per process).

    Region, life stage and absorption join the key only when set, so plans of profiles
    without them keep the seeds (and days) they always had.
    """
    extra = [
        f"{name}={value}"
        for name, value in (
            ("region", profile.region),
            ("life_stage", profile.life_stage if profile.life_stage != LIFE_STAGE_NONE else None),
            ("absorption", profile.absorption if profile.absorption != "normal" else None),
        )
        if value
    ]
    key = "|".join(
        [
            profile.diet.value,
            repr(float(profile.target_ug)),
            ",".join(sorted(profile.exclude)),
            ",".join(s.value for s in profile.slots),
            repr(profile.kcal_range),
            *extra,
            *(str(p) for p in parts),
        ]
    )
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


# --------------------------------------------------------------------------- planner


class Planner:
    """Planning over one RecipeSet; caches per-set derived data so repeated calls are fast."""

    def __init__(self, recipes: RecipeSet) -> None:
        self.recipes = recipes
        # Days already planned, by what decides them (profiles without names, the date, the
        # history, top-ups allowed): the plan is a pure function of these, and on a morning
        # push thousands of users share a few hundred settings, so most days are planned once.
        self._days: OrderedDict[tuple[object, ...], DayPlan] = OrderedDict()
        self.recipe_info: dict[str, RecipeInfo] = {
            r.id: RecipeInfo(
                id=r.id,
                b12=r.per_serving.b12_ug,
                kcal=r.per_serving.kcal,
                protein=r.per_serving.protein_g,
                fortified=r.fortified_b12,
                source=r.main_b12_source,
                items=frozenset(r.grams_per_serving),
                diet=r.diet,
                fortified_ug=r.fortified_b12_ug,
                oily=oily_fish_recipe(r, recipes.ingredients),
                taste=r.taste,
            )
            for r in sorted(recipes.recipes.values(), key=lambda r: r.id)
        }
        # products not sold in the set's region are never planned (stored plans still read)
        self._by_slot: dict[Slot, list[RecipeInfo]] = {
            s: [
                self.recipe_info[r.id]
                for r in recipes.recipes.values()
                if s in r.meals and r.id not in recipes.hidden
            ]
            for s in SLOT_ORDER
        }
        for lst in self._by_slot.values():
            lst.sort(key=lambda i: i.id)
        self._topups: list[TopUp] = [
            t
            for ing in sorted(recipes.ingredients.values(), key=lambda i: i.id)
            if ing.id not in recipes.hidden and (t := topup_for(ing)) is not None
        ]
        self.unsafe_items = unsafe_item_ids(recipes.ingredients.values())
        self._cand_cache: dict[tuple[Slot, Diet, frozenset[str]], Candidates] = {}

    # -- candidates

    def candidates(self, slot: Slot, diet: Diet, exclude: frozenset[str]) -> Candidates:
        """The recipes allowed in `slot` for this diet and these exclusions (cached)."""
        key = (slot, diet, exclude)
        cached = self._cand_cache.get(key)
        if cached is None:
            allowed = [
                i
                for i in self._by_slot[slot]
                if diet.allows(i.diet) and i.items.isdisjoint(exclude)
            ]
            cached = Candidates(allowed)
            if len(self._cand_cache) > 256:
                self._cand_cache.clear()
            self._cand_cache[key] = cached
        return cached

    def allowed_topups(self, profile: Profile) -> list[TopUp]:
        """Top-ups the profile's diet and exclusions allow, in ingredient-id order."""
        ings = self.recipes.ingredients
        return [
            t
            for t in self._topups
            if t.item_id not in profile.exclude
            and profile.diet.allows(KIND_DIET[ings[t.item_id].kind])
        ]

    # -- options

    @staticmethod
    def _option(info: RecipeInfo, cost: float, repeat: bool, topup: TopUp | None) -> Option:
        b12 = info.b12 + (topup.b12_ug if topup else 0.0)
        return Option(
            cost=cost + (REPEAT_PENALTY if repeat else 0.0) + (TOPUP_PENALTY if topup else 0.0),
            recipe=info,
            b12=b12,
            absorbed=absorbed_ug(b12),
            fortified=1 if (info.fortified or topup is not None) else 0,
            kcal=info.kcal + (topup.kcal if topup else 0.0),
            topup=topup,
            repeat=repeat,
            fort_ug=info.fortified_ug + (topup.b12_ug if topup else 0.0),
            oily=1 if info.oily else 0,
        )

    def meal_option(
        self, meal: PlannedMeal, recent: frozenset[str], profile: Profile
    ) -> Option | None:
        """A stored meal as a search option, valued with this set's current numbers (the
        user's labels and region may have changed since it was planned). Its top-up stays in
        the same portion while the profile still allows it, else it is dropped. None when the
        recipe is gone from the set."""
        info = self.recipe_info.get(meal.recipe_id)
        if info is None:
            return None
        topup = None
        ing = self.recipes.ingredients.get(meal.topup_item or "")
        allowed = ing is not None and any(t.item_id == ing.id for t in self.allowed_topups(profile))
        if ing is not None and allowed and meal.topup_grams > 0:
            base = topup_for(ing)
            if base is not None:
                factor = meal.topup_grams / base.grams
                topup = replace(
                    base,
                    grams=meal.topup_grams,
                    b12_ug=base.b12_ug * factor,
                    kcal=base.kcal * factor,
                    protein_g=base.protein_g * factor,
                    label=meal.topup_label or base.label,
                )
        return self._option(info, 0.0, info.id in recent, topup)

    def _expand(
        self,
        slot: Slot,
        pool: Iterable[tuple[RecipeInfo, float]],
        recent: frozenset[str],
        topups: Sequence[TopUp],
    ) -> list[Option]:
        """Options for a slot from (recipe, cost) pairs, with top-up variants, sorted by cost."""
        fitting = [t for t in topups if slot in t.slots]
        opts: list[Option] = []
        for info, cost in pool:
            repeat = info.id in recent
            opts.append(self._option(info, cost, repeat, None))
            for t in fitting:
                # only a top-up that suits the dish and is worth it (>= 0.2 µg more absorbed)
                if suits(t, slot, info.taste) and raises_absorbed_enough(info.b12, t):
                    opts.append(self._option(info, cost, repeat, t))
        opts.sort(key=lambda o: (o.cost, o.recipe.id, o.topup.item_id if o.topup else ""))
        return opts

    # -- solving

    def solve(
        self,
        profile: Profile,
        rng: random.Random,
        recent: frozenset[str],
        allow_topups: bool,
        fixed: dict[Slot, str] | None = None,
        prefer: frozenset[str] = frozenset(),
        oily_max: int | None = None,
        budget: SearchBudget | None = None,
        pinned: Mapping[Slot, Option] | None = None,
    ) -> tuple[dict[Slot, Option], bool]:
        """Choose an option per slot; returns (choice, feasible).

        Tiers, first feasible wins: no repeats & no top-ups; no repeats & top-ups; repeats
        allowed (penalised) & no top-ups; repeats & top-ups. Each tier tries the small
        candidate lists first and then every candidate. `fixed` pins slots to recipe ids;
        `prefer` gives those recipes cost 0 (swap keeps the other meals when it can);
        `oily_max` caps oily-fish meals (pregnancy and breastfeeding; None: no cap). The
        profile must already exclude what its life stage rules out (`effective_profile`).
        `budget` bounds the exact search (a fresh SearchBudget when None; see NODE_BUDGET).
        `pinned` slots keep exactly that option (a meal already ticked: no top-up is added to
        what was eaten, none taken away); they count as `fixed`.
        """
        pinned = pinned or {}
        fixed = {**(fixed or {}), **{s: o.recipe.id for s, o in pinned.items()}}

        def expand(
            s: Slot, pool: Iterable[tuple[RecipeInfo, float]], tups: Sequence[TopUp]
        ) -> list[Option]:
            return [pinned[s]] if s in pinned else self._expand(s, pool, recent, tups)

        budget = budget if budget is not None else SearchBudget()
        rules = plan_rules(profile)
        if rules.clinician_managed:  # no top-ups to chase a food target the gut cannot use
            allow_topups = False
        slots = [
            s
            for s in profile.slots
            if s in fixed or self.candidates(s, profile.diet, profile.exclude).all
        ]
        topups = self.allowed_topups(profile) if allow_topups else []
        kcal_goal = None
        if profile.kcal_range is not None and slots:  # the range's middle, shared per slot
            kcal_goal = (profile.kcal_range[0] + profile.kcal_range[1]) / 2 / len(slots)
        small: list[list[tuple[RecipeInfo, float]]] = []
        full: list[list[tuple[RecipeInfo, float]] | None] = [None] * len(slots)
        fresh_lists: list[list[RecipeInfo]] = []
        all_lists: list[list[RecipeInfo]] = []
        for s in slots:
            if s in fixed:
                info = self.recipe_info[fixed[s]]
                fresh_lists.append([info] if info.id not in recent else [])
                all_lists.append([info])
                small.append([(info, 0.0)])
                continue
            cands = self.candidates(s, profile.diet, profile.exclude)
            fresh = [i for i in cands.all if i.id not in recent] if recent else cands.all
            fresh_lists.append(fresh)
            all_lists.append(cands.all)
            small.append(self._small_pool(fresh, cands, recent, rng, prefer, kcal_goal))

        def pools(i: int, allow_repeat: bool, wide: bool) -> list[tuple[RecipeInfo, float]]:
            if slots[i] in fixed:
                return small[i]
            if not wide and not allow_repeat:
                return small[i]
            if full[i] is None:
                full[i] = [
                    (info, 0.0 if info.id in prefer else 1.0 + rng.random())
                    for info in all_lists[i]
                ]
            pool = full[i] or []
            if allow_repeat:
                return pool
            return [(info, c) for info, c in pool if info.id not in recent]

        need_wide = [len(small[i]) < len(fresh_lists[i]) for i in range(len(slots))]
        tiers = [(False, False), (False, True), (True, False), (True, True)]
        if not self._kcal_reachable(slots, all_lists, topups, rules):
            tiers = []  # no choice reaches the kcal range: straight to the closest plan
        for allow_repeat, use_topups in tiers:
            if use_topups and not topups:
                continue
            if allow_repeat and not recent:
                break
            tups = topups if use_topups else []
            passes = [False] if allow_repeat else [False, True]
            for wide in passes:
                if wide and not any(need_wide):
                    break
                chosen = [pools(i, allow_repeat, wide or allow_repeat) for i in range(len(slots))]
                infos = [[info for info, _ in pool] for pool in chosen]
                if not self._kcal_reachable(slots, infos, tups, rules):
                    continue  # cheap proof: expanding these could not reach the kcal range
                options = [expand(s, chosen[i], tups) for i, s in enumerate(slots)]
                found = search(options, rules, oily_max, budget)
                if found is not None:
                    return dict(zip(slots, found, strict=True)), True

        def effort_pool(i: int) -> list[tuple[RecipeInfo, float]]:
            pool = pools(i, True, True)
            if slots[i] in fixed or len(pool) <= EFFORT_POOL:
                return pool
            ids = self._effort_ids([info for info, _ in pool], recent, kcal_goal)
            return [(info, c) for info, c in pool if info.id in ids]

        options = [expand(s, effort_pool(i), topups) for i, s in enumerate(slots)]
        found = best_effort(options, rules, oily_max) if slots else ()
        if found is None:  # not enough different recipes: allow one recipe in two slots
            found = tuple(
                min(
                    [o for o in opts if oily_max is None or not o.oily] or opts,
                    key=lambda o: (-o.b12, o.cost),
                )
                for opts in options
            )
        return dict(zip(slots, found, strict=True)), False

    @staticmethod
    def _kcal_reachable(
        slots: Sequence[Slot],
        all_lists: Sequence[Sequence[RecipeInfo]],
        topups: Sequence[TopUp],
        rules: PlanRules,
    ) -> bool:
        """False only when no choice of recipes (with the largest top-up on every meal) can
        land in the kcal range: then the exact search, which would expand every recipe with
        every top-up to find nothing, is skipped."""
        if rules.kcal_lo == -math.inf and rules.kcal_hi == math.inf:
            return True
        kmin = kmax = 0.0
        for slot, infos in zip(slots, all_lists, strict=True):
            if not infos:
                return True
            kmin += min(i.kcal for i in infos)
            kmax += max(i.kcal for i in infos)
            kmax += max((t.kcal for t in topups if slot in t.slots), default=0.0)
        return kmin <= rules.kcal_hi + EPS and kmax >= rules.kcal_lo - EPS

    @staticmethod
    def _effort_ids(
        infos: Sequence[RecipeInfo], recent: frozenset[str], kcal_goal: float | None
    ) -> set[str]:
        """The recipes a closest-plan search of a large slot needs: the richest in B12 (fresh
        first), fortified and non-oily ones, the lightest and heaviest, and those nearest the
        kcal range's share."""
        fresh = [i for i in infos if i.id not in recent] or list(infos)
        by_b12 = sorted(fresh, key=lambda i: (-i.b12, i.id))
        picks = by_b12[: BEST_EFFORT_PICKS + 2]
        picks += sorted(infos, key=lambda i: (-i.b12, i.id))[:4]
        picks += [i for i in by_b12 if i.fortified][: FORTIFIED_PICKS + 2]
        picks += [i for i in by_b12 if not i.oily][: FORTIFIED_PICKS + 2]
        by_kcal = sorted(fresh, key=lambda i: (i.kcal, i.id))
        picks += by_kcal[:3] + by_kcal[-4:]
        if kcal_goal is not None:
            goal = kcal_goal
            picks += heapq.nsmallest(6, fresh, key=lambda i: (abs(i.kcal - goal), i.id))
        return {i.id for i in picks}

    @staticmethod
    def _small_pool(
        fresh: list[RecipeInfo],
        cands: Candidates,
        recent: frozenset[str],
        rng: random.Random,
        prefer: frozenset[str],
        kcal_goal: float | None = None,
    ) -> list[tuple[RecipeInfo, float]]:
        """Seeded random picks (cost = rank) plus top-B12 and fortified rescuers (cost 1-2);
        with a kcal range also the recipes nearest `kcal_goal`, so the fast pass can meet it."""
        k = min(RANDOM_PICKS, len(fresh))
        picks = rng.sample(fresh, k) if k < len(fresh) else list(fresh)
        if k == len(fresh):
            rng.shuffle(picks)
        pool = [
            (info, 0.0 if info.id in prefer else (rank + 0.5) / (k + 1))
            for rank, info in enumerate(picks)
        ]
        seen = {info.id for info in picks}
        if prefer:  # swap re-balancing: keep the other meals whenever they still fit
            for info in fresh:
                if info.id in prefer and info.id not in seen:
                    seen.add(info.id)
                    pool.append((info, 0.0))
        for group, limit in ((cands.by_b12, B12_PICKS), (cands.fortified_by_b12, FORTIFIED_PICKS)):
            added = 0
            for info in group:
                if added >= limit:
                    break
                if info.id in recent or info.id in seen:
                    continue
                seen.add(info.id)
                pool.append((info, 0.0 if info.id in prefer else 1.0 + rng.random()))
                added += 1
        if kcal_goal is not None:
            goal = kcal_goal
            near = heapq.nsmallest(
                KCAL_PICKS + len(seen), fresh, key=lambda i: (abs(i.kcal - goal), i.id)
            )
            for info in [i for i in near if i.id not in seen][:KCAL_PICKS]:
                seen.add(info.id)
                pool.append((info, 0.0 if info.id in prefer else 1.0 + rng.random()))
        return pool

    # -- public operations

    def plan_day(
        self,
        profiles: Profile | Sequence[Profile],
        day: dt.date,
        history: Sequence[str] = (),
        *,
        allow_topups: bool = True,
    ) -> DayPlan:
        """One day's plan; `history` = recipe ids planned in the previous 7 days.

        Planned with the fortified values of the profile's region (another Planner, cached,
        when this one holds another region's values).
        """
        members = as_profiles(profiles)
        profile = combine_profiles(members)
        regional = for_region(self.recipes, profile.region)
        if regional is not self.recipes:
            return planner_for(regional).plan_day(members, day, history, allow_topups=allow_topups)
        # a name never reaches a day's plan, so people with the same settings share it
        key = (
            tuple(replace(m, name="") for m in members),
            day,
            tuple(sorted(history)),
            allow_topups,
        )
        known = self._days.get(key)
        if known is not None:
            self._days.move_to_end(key)
            return known
        plan = self._plan_day(members, profile, day, history, allow_topups)
        self._days[key] = plan
        if len(self._days) > DAY_CACHE:
            self._days.popitem(last=False)
        return plan

    def _plan_day(
        self,
        members: Sequence[Profile],
        profile: Profile,
        day: dt.date,
        history: Sequence[str],
        allow_topups: bool,
    ) -> DayPlan:
        rng = random.Random(seed(profile, day.isoformat()))
        recent = frozenset(history)
        safe_foods = profile.life_stage in SAFE_FOOD_STAGES
        budget = SearchBudget()
        choice, feasible = self.solve(
            self.effective_profile(profile) if safe_foods else profile,
            rng,
            recent,
            allow_topups,
            prefer=profile.favourites,  # ♥ recipes: cost 0 while they keep every rule
            oily_max=self.oily_max(profile, history) if safe_foods else None,
            budget=budget,
        )
        return self.build(profile, len(members), day, choice, feasible, cut_short=budget.hit)

    def effective_profile(self, profile: Profile) -> Profile:
        """The profile with what its life stage rules out added to its exclusions (pregnant
        or breastfeeding: liver and cold-smoked or cured fish)."""
        if profile.life_stage not in SAFE_FOOD_STAGES or self.unsafe_items <= profile.exclude:
            return profile
        return replace(profile, exclude=profile.exclude | self.unsafe_items)

    def oily_max(self, profile: Profile, history: Sequence[str]) -> int | None:
        """Oily-fish meals allowed today (pregnant or breastfeeding), else None (no cap)."""
        if profile.life_stage not in SAFE_FOOD_STAGES:
            return None
        return oily_fish_left(self.recipes, history)

    # -- building the result

    def build(
        self,
        profile: Profile,
        servings: int,
        day: dt.date,
        choice: dict[Slot, Option],
        feasible: bool,
        *,
        cut_short: bool = False,
    ) -> DayPlan:
        """The DayPlan of a chosen option per slot, with totals and notes on any gap
        (`bot.core.plan_build.build_plan`). `cut_short`: the search ran out of its node
        budget, so a plan that misses a rule says so instead of claiming that no combination
        fits."""
        topups = self.allowed_topups(profile) if not feasible else []
        return build_plan(
            self.recipes, profile, servings, day, choice, feasible, topups, cut_short=cut_short
        )


class Candidates:
    """Allowed recipes of one (slot, diet, exclusions), with orders the search needs."""

    __slots__ = ("all", "by_b12", "fortified_by_b12")

    def __init__(self, allowed: list[RecipeInfo]) -> None:
        self.all = allowed
        self.by_b12 = sorted(allowed, key=lambda i: (-i.b12, i.id))
        self.fortified_by_b12 = [i for i in self.by_b12 if i.fortified]


# --------------------------------------------------------------------------- module API

_PLANNERS: dict[int, Planner] = {}
PLANNER_CACHE = 32  # regions x users' own products: a few sets each
DAY_CACHE = 4096  # planned days kept per recipe set (a DayPlan is ~1 KB)


def planner_for(recipes: RecipeSet) -> Planner:
    """The cached Planner of this RecipeSet (keyed by identity; the set is frozen)."""
    planner = _PLANNERS.get(id(recipes))
    if planner is None or planner.recipes is not recipes:
        if len(_PLANNERS) >= PLANNER_CACHE:
            _PLANNERS.clear()
        planner = Planner(recipes)
        _PLANNERS[id(recipes)] = planner
    return planner


def plan_day(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    day: dt.date,
    history: Sequence[str] = (),
    *,
    allow_topups: bool = True,
) -> DayPlan:
    """One day's plan; `history` = recipe ids planned in the previous 7 days."""
    region = combine_profiles(as_profiles(profiles)).region
    return planner_for(for_region(recipes, region)).plan_day(
        profiles, day, history, allow_topups=allow_topups
    )
