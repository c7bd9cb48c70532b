"""Daily and weekly meal plans whose B12 target is checked in code (issue 3).

Pure and deterministic: no I/O, no Telegram, no clock. A plan picks one recipe per meal slot so
that, per person:

* total B12 >= target;
* estimated absorbed B12 >= target / 2, summing `absorbed_ug` per meal (uptake saturates per
  meal, so B12 spread over meals counts for more than the same amount in one meal);
* vegan plans have fortified B12 in at least two meals (Vegan Society advice);
* diet and excluded ingredients are never broken; no recipe twice in a day;
* no recipe from the last 7 days' history unless no plan without one exists (then the repeat
  is recorded in `DayPlan.repeats` and explained in `notes`);
* kcal inside the profile's range when one is given.

Among the plans that satisfy these, a seeded random cost (hashlib of profile + date) gives
variety from day to day, a penalty avoids the same main B12 source twice a day, and top-ups
(a named fortified item added to a meal) are used only when no plan without them exists.

Search: per slot, a small candidate list (seeded random picks plus the highest-B12 and fortified
recipes) goes through an exact branch-and-bound; only when that finds nothing does the search
widen to every candidate, so "no plan exists" is always decided exactly. When nothing meets the
constraints, the best plan (most B12, then most absorbed) is returned with its shortfall and
plain notes on how to close the gap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.core.models import (
    KIND_DIET,
    SLOT_ORDER,
    DayPlan,
    Diet,
    Ingredient,
    PlannedMeal,
    Profile,
    Recipe,
    RecipeSet,
    Slot,
    strictest_diet,
)
from bot.core.nutrition import absorbed_ug

EPS = 1e-9  # float tolerance for every ">= target" comparison (planner and checker agree)
MIN_FORTIFIED_MEALS_VEGAN = 2
RANDOM_PICKS = 10  # seeded random candidates per slot in the fast search
B12_PICKS = 4  # plus the highest-B12 candidates per slot (rescue hard targets)
FORTIFIED_PICKS = 4  # plus the highest-B12 fortified candidates (vegan two-meal rule)
BEST_EFFORT_PICKS = 8  # options per slot searched exhaustively when no plan meets the target
SAME_SOURCE_PENALTY = 1.0  # same main B12 source twice a day (random costs are in [0, 1))
TOPUP_PENALTY = 10.0  # per top-up: fewest top-ups first
REPEAT_PENALTY = 100.0  # per recipe reused from history: fewest repeats first
GLASS_ML = 250.0
DEFAULT_PORTION_G = 30.0
YOGURT_POT_G = 125.0


@dataclass(frozen=True, slots=True)
class TopUp:
    """A named fortified item in a sensible portion that can be added to a meal."""

    item_id: str
    grams: float
    label: str  # "a glass (250 ml) of fortified soy milk"
    b12_ug: float
    kcal: float
    protein_g: float
    slots: frozenset[Slot]  # meals it makes sense with (no cereal on dinner)


@dataclass(frozen=True, slots=True)
class _RecipeInfo:
    """Per-serving numbers of a recipe, cached so the search never touches Nutrients."""

    id: str
    b12: float
    kcal: float
    protein: float
    fortified: bool
    source: str | None
    items: frozenset[str]
    diet: Diet


@dataclass(frozen=True, slots=True)
class _Option:
    """One way to fill a slot: a recipe, maybe with a top-up, and its search cost."""

    cost: float
    recipe: _RecipeInfo
    b12: float
    absorbed: float
    fortified: int
    kcal: float
    topup: TopUp | None
    repeat: bool


@dataclass(frozen=True, slots=True)
class _Rules:
    """The hard constraints of one plan, derived from the (combined) profile."""

    target: float
    absorbed_min: float
    fortified_min: int
    kcal_lo: float
    kcal_hi: float


def _rules(profile: Profile) -> _Rules:
    lo, hi = profile.kcal_range if profile.kcal_range else (-math.inf, math.inf)
    return _Rules(
        target=profile.target_ug,
        absorbed_min=profile.target_ug / 2,
        fortified_min=MIN_FORTIFIED_MEALS_VEGAN if profile.diet == Diet.VEGAN else 0,
        kcal_lo=lo,
        kcal_hi=hi,
    )


# --------------------------------------------------------------------------- profiles


def as_profiles(profiles: Profile | Sequence[Profile]) -> tuple[Profile, ...]:
    result = (profiles,) if isinstance(profiles, Profile) else tuple(profiles)
    if not result:
        raise ValueError("at least one profile is needed to plan meals")
    return result


def combine_profiles(profiles: Profile | Sequence[Profile]) -> Profile:
    """One profile a whole household can eat from.

    Strictest diet, union of exclusions, highest target, union of meal slots (everyone gets
    fed at every meal someone eats), kcal range = intersection of the members' ranges (each
    eats one serving), or None when no member gives one or the ranges do not overlap.
    """
    members = as_profiles(profiles)
    if len(members) == 1:
        return members[0]
    slots = {s for p in members for s in p.slots}
    ranges = [p.kcal_range for p in members if p.kcal_range is not None]
    kcal_range: tuple[float, float] | None = None
    if ranges:
        lo = max(r[0] for r in ranges)
        hi = min(r[1] for r in ranges)
        kcal_range = (lo, hi) if lo <= hi else None
    return Profile(
        diet=strictest_diet([p.diet for p in members]),
        target_ug=max(p.target_ug for p in members),
        exclude=frozenset().union(*(p.exclude for p in members)),
        slots=tuple(s for s in SLOT_ORDER if s in slots),
        kcal_range=kcal_range,
        name=" + ".join(p.name for p in members if p.name),
    )


def _seed(profile: Profile, *parts: object) -> int:
    """Stable seed (hashlib, not hash(): that one changes per process)."""
    key = "|".join(
        [
            profile.diet.value,
            repr(float(profile.target_ug)),
            ",".join(sorted(profile.exclude)),
            ",".join(s.value for s in profile.slots),
            repr(profile.kcal_range),
            *(str(p) for p in parts),
        ]
    )
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


# --------------------------------------------------------------------------- top-ups


def short_name(name: str) -> str:
    """An ingredient name that reads naturally mid-sentence ("a glass of ...").

    Table names are list-style ("Almond milk, vanilla, fortified"): one-word qualifiers move in
    front of the food, so it becomes "fortified vanilla almond milk"; longer qualifiers
    ("canned in water") stay where they are. The first capital is lowercased only when it is
    plain sentence case, so brands and proper names ("Cheerios", "Whole Grain Total") keep
    their capitals. A closing "(...)" stays at the end.
    """
    name = " ".join(name.split())
    tail = ""
    paren = re.search(r"\s*\([^()]*\)$", name)
    if paren:
        name, tail = name[: paren.start()], name[paren.start() :]
    head, *qualifiers = [part.strip() for part in name.split(",")]
    # "Tofu, firm" is list style, so a one-word head is sentence case; "Cheerios" alone is not
    head = _sentence_lower(head, one_word=bool(qualifiers))
    if qualifiers and all(q and " " not in q for q in qualifiers):
        text = " ".join([*reversed(qualifiers), head])
    else:
        text = ", ".join([head, *qualifiers])
    return text + tail


def _sentence_lower(text: str, one_word: bool) -> str:
    """'Soy milk' -> 'soy milk'; 'Whole Grain Total', 'Cheerios', 'USDA milk' unchanged."""
    words = text.split()
    if not words or not words[0][:1].isupper() or (len(words[0]) > 1 and words[0].isupper()):
        return text
    if any(w[:1].isupper() for w in words[1:]) or (len(words) == 1 and not one_word):
        return text
    return text[:1].lower() + text[1:]


def _topup_for(ing: Ingredient) -> TopUp | None:
    """A sensible portion of a fortified item, or None when it supplies no B12."""
    if not ing.fortified or ing.per_100g.b12_ug <= 0:
        return None
    name = short_name(ing.name)
    text = f"{ing.id} {ing.name}".lower()
    if ing.g_per_ml is not None and any(w in text for w in ("milk", "drink", "juice")):
        grams = GLASS_ML * ing.g_per_ml
        label = f"a glass ({GLASS_ML:.0f} ml) of {name}"
        slots = frozenset(SLOT_ORDER)
    elif ing.can_convert("tbsp"):  # a sprinkle, e.g. nutritional yeast on a savoury meal
        grams = ing.grams(1, "tbsp")
        label = f"1 tbsp ({grams:.3g} g) of {name}"
        slots = frozenset({Slot.LUNCH, Slot.DINNER})
    elif "cup" in ing.unit_grams:  # e.g. fortified breakfast cereal
        grams = ing.unit_grams["cup"]
        label = f"a bowl ({grams:.0f} g) of {name}"
        slots = frozenset({Slot.BREAKFAST, Slot.SNACK})
    elif "piece" in ing.unit_grams:
        grams = ing.unit_grams["piece"]
        label = f"1 {name} ({grams:.0f} g)"
        slots = frozenset({Slot.BREAKFAST, Slot.SNACK})
    elif "yogurt" in text or "yoghurt" in text:
        grams = YOGURT_POT_G
        label = f"a {grams:.0f} g pot of {name}"
        slots = frozenset({Slot.BREAKFAST, Slot.SNACK})
    else:
        grams = DEFAULT_PORTION_G
        label = f"{grams:.0f} g of {name}"
        slots = frozenset({Slot.BREAKFAST, Slot.SNACK})
    per_g = ing.per_100g.scaled(grams / 100.0)
    return TopUp(ing.id, grams, label, per_g.b12_ug, per_g.kcal, per_g.protein_g, slots)


# --------------------------------------------------------------------------- search


def _search(options: list[list[_Option]], rules: _Rules) -> tuple[_Option, ...] | None:
    """Exact branch-and-bound: the cheapest choice (one option per slot) meeting every rule.

    Options of each slot must be sorted by cost. The bounds (best B12, absorbed, fortified
    and kcal still reachable from the remaining slots) only drop choices that cannot be
    completed, so None means no feasible choice exists among these options.
    """
    n = len(options)
    if any(not opts for opts in options):
        return None
    suf_b12 = [0.0] * (n + 1)
    suf_abs = [0.0] * (n + 1)
    suf_fort = [0] * (n + 1)
    suf_kmin = [0.0] * (n + 1)
    suf_kmax = [0.0] * (n + 1)
    suf_cost = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        opts = options[i]
        suf_b12[i] = suf_b12[i + 1] + max(o.b12 for o in opts)
        suf_abs[i] = suf_abs[i + 1] + max(o.absorbed for o in opts)
        suf_fort[i] = suf_fort[i + 1] + max(o.fortified for o in opts)
        suf_kmin[i] = suf_kmin[i + 1] + min(o.kcal for o in opts)
        suf_kmax[i] = suf_kmax[i + 1] + max(o.kcal for o in opts)
        suf_cost[i] = suf_cost[i + 1] + opts[0].cost
    target = rules.target - EPS
    abs_min = rules.absorbed_min - EPS
    fort_min = rules.fortified_min
    lo = rules.kcal_lo - EPS
    hi = rules.kcal_hi + EPS
    if suf_b12[0] < target or suf_abs[0] < abs_min or suf_fort[0] < fort_min:
        return None
    if suf_kmin[0] > hi or suf_kmax[0] < lo:
        return None

    best_cost = math.inf
    best: tuple[_Option, ...] | None = None
    chosen: list[_Option] = []

    def dfs(i: int, cost: float, b12: float, ab: float, fort: int, kcal: float) -> None:
        nonlocal best_cost, best
        if i == n:
            best_cost = cost
            best = tuple(chosen)
            return
        rest_cost = suf_cost[i + 1]
        rest_b12 = suf_b12[i + 1]
        rest_abs = suf_abs[i + 1]
        rest_fort = suf_fort[i + 1]
        rest_kmin = suf_kmin[i + 1]
        rest_kmax = suf_kmax[i + 1]
        for o in options[i]:
            c = cost + o.cost
            if c + rest_cost >= best_cost:
                break  # sorted by cost: every later option is dearer
            if b12 + o.b12 + rest_b12 < target:
                continue
            if ab + o.absorbed + rest_abs < abs_min:
                continue
            if fort + o.fortified + rest_fort < fort_min:
                continue
            k = kcal + o.kcal
            if k + rest_kmin > hi or k + rest_kmax < lo:
                continue
            rid = o.recipe.id
            src = o.recipe.source
            duplicate = False
            for prev in chosen:
                if prev.recipe.id == rid:
                    duplicate = True
                    break
                if src is not None and prev.recipe.source == src:
                    c += SAME_SOURCE_PENALTY
            if duplicate or c + rest_cost >= best_cost:
                continue
            chosen.append(o)
            dfs(i + 1, c, b12 + o.b12, ab + o.absorbed, fort + o.fortified, k)
            chosen.pop()

    dfs(0, 0.0, 0.0, 0.0, 0, 0.0)
    return best


def _best_effort(options: list[list[_Option]], rules: _Rules) -> tuple[_Option, ...] | None:
    """When nothing meets every rule: the plan closest to them (exhaustive over few options).

    Preference, in order: kcal inside the range, most B12 (up to the target), most absorbed
    (up to half the target), most fortified meals (up to the vegan minimum), fewest repeats and
    top-ups, lowest cost.
    """
    trimmed: list[list[_Option]] = []
    for opts in options:
        by_b12 = sorted(opts, key=lambda o: (-o.b12, o.cost))
        keep = by_b12[:BEST_EFFORT_PICKS]
        if rules.fortified_min:
            keep += [o for o in by_b12 if o.fortified and o not in keep][:FORTIFIED_PICKS]
        if rules.kcal_lo > -math.inf or rules.kcal_hi < math.inf:
            by_kcal = sorted(opts, key=lambda o: (o.kcal, o.cost))
            extra = by_kcal[:2] + by_kcal[-2:]
            keep += [o for o in extra if o not in keep]
        trimmed.append(keep)
    best_key: tuple[float, ...] | None = None
    best: tuple[_Option, ...] | None = None
    for combo in itertools.product(*trimmed):
        ids = {o.recipe.id for o in combo}
        if len(ids) < len(combo):
            continue
        b12 = sum(o.b12 for o in combo)
        ab = sum(o.absorbed for o in combo)
        fort = sum(o.fortified for o in combo)
        kcal = sum(o.kcal for o in combo)
        key = (
            float(rules.kcal_lo - EPS <= kcal <= rules.kcal_hi + EPS),
            min(b12, rules.target),
            min(ab, rules.absorbed_min),
            float(min(fort, rules.fortified_min)),
            -sum(o.cost for o in combo),
        )
        if best_key is None or key > best_key:
            best_key, best = key, combo
    return best


# --------------------------------------------------------------------------- planner


class Planner:
    """Planning over one RecipeSet; caches per-set derived data so repeated calls are fast."""

    def __init__(self, recipes: RecipeSet) -> None:
        self.recipes = recipes
        self._info: dict[str, _RecipeInfo] = {
            r.id: _RecipeInfo(
                id=r.id,
                b12=r.per_serving.b12_ug,
                kcal=r.per_serving.kcal,
                protein=r.per_serving.protein_g,
                fortified=r.fortified_b12,
                source=r.main_b12_source,
                items=frozenset(r.grams_per_serving),
                diet=r.diet,
            )
            for r in sorted(recipes.recipes.values(), key=lambda r: r.id)
        }
        self._by_slot: dict[Slot, list[_RecipeInfo]] = {
            s: [self._info[r.id] for r in recipes.recipes.values() if s in r.meals]
            for s in SLOT_ORDER
        }
        for lst in self._by_slot.values():
            lst.sort(key=lambda i: i.id)
        self._topups: list[TopUp] = [
            t
            for ing in sorted(recipes.ingredients.values(), key=lambda i: i.id)
            if (t := _topup_for(ing)) is not None
        ]
        self._cand_cache: dict[tuple[Slot, Diet, frozenset[str]], _Candidates] = {}

    # -- candidates

    def candidates(self, slot: Slot, diet: Diet, exclude: frozenset[str]) -> _Candidates:
        key = (slot, diet, exclude)
        cached = self._cand_cache.get(key)
        if cached is None:
            allowed = [
                i
                for i in self._by_slot[slot]
                if diet.allows(i.diet) and i.items.isdisjoint(exclude)
            ]
            cached = _Candidates(allowed)
            if len(self._cand_cache) > 256:
                self._cand_cache.clear()
            self._cand_cache[key] = cached
        return cached

    def allowed_topups(self, profile: Profile) -> list[TopUp]:
        ings = self.recipes.ingredients
        return [
            t
            for t in self._topups
            if t.item_id not in profile.exclude
            and profile.diet.allows(KIND_DIET[ings[t.item_id].kind])
        ]

    # -- options

    @staticmethod
    def _option(info: _RecipeInfo, cost: float, repeat: bool, topup: TopUp | None) -> _Option:
        b12 = info.b12 + (topup.b12_ug if topup else 0.0)
        return _Option(
            cost=cost + (REPEAT_PENALTY if repeat else 0.0) + (TOPUP_PENALTY if topup else 0.0),
            recipe=info,
            b12=b12,
            absorbed=absorbed_ug(b12),
            fortified=1 if (info.fortified or topup is not None) else 0,
            kcal=info.kcal + (topup.kcal if topup else 0.0),
            topup=topup,
            repeat=repeat,
        )

    def _expand(
        self,
        slot: Slot,
        pool: Iterable[tuple[_RecipeInfo, float]],
        recent: frozenset[str],
        topups: Sequence[TopUp],
    ) -> list[_Option]:
        """Options for a slot from (recipe, cost) pairs, with top-up variants, sorted by cost."""
        fitting = [t for t in topups if slot in t.slots]
        opts: list[_Option] = []
        for info, cost in pool:
            repeat = info.id in recent
            opts.append(self._option(info, cost, repeat, None))
            for t in fitting:
                opts.append(self._option(info, cost, repeat, t))
        opts.sort(key=lambda o: (o.cost, o.recipe.id, o.topup.item_id if o.topup else ""))
        return opts

    # -- solving

    def _solve(
        self,
        profile: Profile,
        rng: random.Random,
        recent: frozenset[str],
        allow_topups: bool,
        fixed: dict[Slot, str] | None = None,
        prefer: frozenset[str] = frozenset(),
    ) -> tuple[dict[Slot, _Option], bool]:
        """Choose an option per slot; returns (choice, feasible).

        Tiers, first feasible wins: no repeats & no top-ups; no repeats & top-ups; repeats
        allowed (penalised) & no top-ups; repeats & top-ups. Each tier tries the small
        candidate lists first and then every candidate. `fixed` pins slots to recipe ids;
        `prefer` gives those recipes cost 0 (swap keeps the other meals when it can).
        """
        fixed = fixed or {}
        rules = _rules(profile)
        slots = [
            s
            for s in profile.slots
            if s in fixed or self.candidates(s, profile.diet, profile.exclude).all
        ]
        topups = self.allowed_topups(profile) if allow_topups else []
        small: list[list[tuple[_RecipeInfo, float]]] = []
        full: list[list[tuple[_RecipeInfo, float]] | None] = [None] * len(slots)
        fresh_lists: list[list[_RecipeInfo]] = []
        all_lists: list[list[_RecipeInfo]] = []
        for s in slots:
            if s in fixed:
                info = self._info[fixed[s]]
                fresh_lists.append([info] if info.id not in recent else [])
                all_lists.append([info])
                small.append([(info, 0.0)])
                continue
            cands = self.candidates(s, profile.diet, profile.exclude)
            fresh = [i for i in cands.all if i.id not in recent] if recent else cands.all
            fresh_lists.append(fresh)
            all_lists.append(cands.all)
            small.append(self._small_pool(fresh, cands, recent, rng, prefer))

        def pools(i: int, allow_repeat: bool, wide: bool) -> list[tuple[_RecipeInfo, float]]:
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
                options = [
                    self._expand(s, pools(i, allow_repeat, wide or allow_repeat), recent, tups)
                    for i, s in enumerate(slots)
                ]
                found = _search(options, rules)
                if found is not None:
                    return dict(zip(slots, found, strict=True)), True

        options = [
            self._expand(s, pools(i, True, True), recent, topups) for i, s in enumerate(slots)
        ]
        found = _best_effort(options, rules) if slots else ()
        if found is None:  # not enough different recipes: allow one recipe in two slots
            found = tuple(min(o, key=lambda o: (-o.b12, o.cost)) for o in options)
        return dict(zip(slots, found, strict=True)), False

    @staticmethod
    def _small_pool(
        fresh: list[_RecipeInfo],
        cands: _Candidates,
        recent: frozenset[str],
        rng: random.Random,
        prefer: frozenset[str],
    ) -> list[tuple[_RecipeInfo, float]]:
        """Seeded random picks (cost = rank) plus top-B12 and fortified rescuers (cost 1-2)."""
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
        members = as_profiles(profiles)
        profile = combine_profiles(members)
        rng = random.Random(_seed(profile, day.isoformat()))
        recent = frozenset(history)
        choice, feasible = self._solve(profile, rng, recent, allow_topups)
        return self._build(profile, len(members), day, choice, feasible)

    def plan_days(
        self,
        profiles: Profile | Sequence[Profile],
        start: dt.date,
        days: int,
        history: Sequence[str] = (),
        *,
        allow_topups: bool = True,
    ) -> list[DayPlan]:
        """Consecutive days with variety: each day avoids the recipes of the 7 days before it.

        `history` (the 7 days before `start`, dates unknown) counts for the first 7 days.
        """
        plans: list[DayPlan] = []
        for offset in range(days):
            window = list(history) if offset < 7 else []
            for earlier in plans[-7:]:
                window.extend(m.recipe_id for m in earlier.meals)
            plans.append(
                self.plan_day(
                    profiles, start + dt.timedelta(days=offset), window, allow_topups=allow_topups
                )
            )
        return plans

    def plan_week(
        self,
        profiles: Profile | Sequence[Profile],
        start: dt.date,
        history: Sequence[str] = (),
        *,
        allow_topups: bool = True,
    ) -> list[DayPlan]:
        """Seven consecutive days; each day's history includes the days planned before it."""
        return self.plan_days(profiles, start, 7, history, allow_topups=allow_topups)

    def swap(
        self,
        profiles: Profile | Sequence[Profile],
        plan: DayPlan,
        slot: Slot,
        history: Sequence[str] = (),
        *,
        allow_topups: bool = True,
    ) -> DayPlan:
        """The next different recipe for `slot` that keeps every constraint.

        Walks the slot's allowed recipes in a seeded order (recipes outside the history first),
        skipping those already shown (`plan.swaps`). First it tries to keep the other meals
        (top-ups may change); when no remaining recipe fits that way, it re-balances the other
        meals. When every alternative has been shown, the walk starts over.
        """
        members = as_profiles(profiles)
        profile = combine_profiles(members)
        current = plan.meal(slot)
        if current is None:
            raise ValueError(f"the plan has no {slot.value} to swap")
        recent = frozenset(history)
        shown_by_slot = dict(plan.swaps)
        shown = shown_by_slot.get(slot, ())
        if current.recipe_id not in shown:
            shown = (*shown, current.recipe_id)
        others = {
            m.slot: m.recipe_id for m in plan.meals if m.slot != slot and m.slot in profile.slots
        }
        # keeping the other meals is only possible while they still exist and fit the profile
        # (recipes or settings may have changed since the plan was stored)
        can_keep = all(
            rid in {i.id for i in self.candidates(s, profile.diet, profile.exclude).all}
            for s, rid in others.items()
        )
        other_sources = {self._info[r].source for r in others.values() if r in self._info}
        order_rng = random.Random(_seed(profile, plan.date.isoformat(), "swap", slot.value))
        cands = list(self.candidates(slot, profile.diet, profile.exclude).all)
        order_rng.shuffle(cands)
        # stable sort: fresh recipes first, then those not repeating another meal's B12 source
        cands.sort(
            key=lambda i: (i.id in recent, i.source is not None and i.source in other_sources)
        )

        for already in (shown, (current.recipe_id,)):
            todo = [c for c in cands if c.id not in already]
            for keep_others in (True, False) if can_keep else (False,):
                for info in todo:
                    rng = random.Random(_seed(profile, plan.date.isoformat(), "swap", info.id))
                    fixed = {slot: info.id}
                    if keep_others:
                        if info.id in others.values():
                            continue
                        fixed.update(others)
                    choice, feasible = self._solve(
                        profile,
                        rng,
                        recent,
                        allow_topups,
                        fixed=fixed,
                        prefer=frozenset(others.values()),
                    )
                    if feasible:
                        shown_by_slot[slot] = (*already, info.id)
                        new = self._build(profile, len(members), plan.date, choice, True)
                        swaps = tuple(
                            (s, shown_by_slot[s]) for s in SLOT_ORDER if s in shown_by_slot
                        )
                        return replace(new, swaps=swaps)
        note = f"No other {slot.value} recipe fits all your constraints."
        return replace(plan, notes=(*plan.notes, note) if note not in plan.notes else plan.notes)

    # -- building the result

    def _build(
        self,
        profile: Profile,
        servings: int,
        day: dt.date,
        choice: dict[Slot, _Option],
        feasible: bool,
    ) -> DayPlan:
        rules = _rules(profile)
        meals: list[PlannedMeal] = []
        for s in SLOT_ORDER:
            opt = choice.get(s)
            if opt is None:
                continue
            info, t = opt.recipe, opt.topup
            meals.append(
                PlannedMeal(
                    slot=s,
                    recipe_id=info.id,
                    servings=servings,
                    b12_ug=opt.b12,
                    kcal=opt.kcal,
                    protein_g=info.protein + (t.protein_g if t else 0.0),
                    fortified_b12=bool(opt.fortified),
                    topup_item=t.item_id if t else None,
                    topup_grams=t.grams if t else 0.0,
                    topup_b12_ug=t.b12_ug if t else 0.0,
                    topup_kcal=t.kcal if t else 0.0,
                    topup_label=t.label if t else "",
                )
            )
        b12 = sum(m.b12_ug for m in meals)
        absorbed = sum(absorbed_ug(m.b12_ug) for m in meals)
        kcal = sum(m.kcal for m in meals)
        fortified = sum(1 for m in meals if m.fortified_b12)
        shortfall = max(0.0, rules.target - b12)
        if shortfall <= EPS:
            shortfall = 0.0
        repeats = tuple(o.recipe.id for o in choice.values() if o.repeat)

        notes: list[str] = []
        for s in profile.slots:
            if s not in choice:
                notes.append(f"No {s.value} recipe fits your diet and exclusions.")
        for m in meals:
            if m.topup_item:
                notes.append(f"Added {m.topup_label} to {m.slot.value} for B12.")
        if repeats:
            names = ", ".join(self._name(r) for r in repeats)
            notes.append(
                f"Repeats {names} from the last 7 days: not enough other recipes fit your "
                "constraints."
            )
        fix = self._gap_advice(profile, choice) if not feasible else ""
        if shortfall > 0:
            notes.append(
                f"This plan gives {b12:.1f} µg B12, {shortfall:.1f} µg short of your "
                f"{rules.target:g} µg target: no combination of recipes you can eat reaches it."
                + fix
            )
        if absorbed < rules.absorbed_min - EPS:
            notes.append(
                f"Estimated absorbed B12 is {absorbed:.2f} µg, under half the target "
                f"({rules.absorbed_min:.2f} µg); B12 spread over more meals is absorbed better."
                + ("" if shortfall > 0 else fix)
            )
        if fortified < rules.fortified_min:
            notes.append(
                f"Only {fortified} meal(s) have fortified B12; the Vegan Society advises eating "
                "fortified foods at least twice a day."
                + ("" if shortfall > 0 or absorbed < rules.absorbed_min - EPS else fix)
            )
        if not rules.kcal_lo - EPS <= kcal <= rules.kcal_hi + EPS:
            notes.append(
                f"Calories ({kcal:.0f} kcal) are outside your range "
                f"{rules.kcal_lo:.0f}-{rules.kcal_hi:.0f} kcal: no combination of recipes fits it."
            )
        if len({m.recipe_id for m in meals}) < len(meals):
            notes.append("Not enough different recipes fit: one recipe appears twice today.")
        return DayPlan(
            date=day,
            meals=tuple(meals),
            target_ug=rules.target,
            b12_ug=b12,
            b12_absorbed_ug=absorbed,
            kcal=kcal,
            protein_g=sum(m.protein_g for m in meals),
            shortfall_ug=shortfall,
            notes=tuple(notes),
            repeats=repeats,
        )

    def _name(self, recipe_id: str) -> str:
        r = self.recipes.recipes.get(recipe_id)
        return r.name if r else recipe_id

    def _gap_advice(self, profile: Profile, choice: dict[Slot, _Option]) -> str:
        """What would close the gap: the richest allowed fortified item, else the clinician."""
        items = self.allowed_topups(profile)
        if not items:
            return (
                " Nothing in the recipe set that fits your diet and exclusions closes the gap:"
                " discuss a B12 supplement with your clinician."
            )
        best = max(items, key=lambda t: (t.b12_ug, t.item_id))
        return (
            f" To close it: {best.label} adds {best.b12_ug:.1f} µg (best eaten with a meal that"
            " has little B12); or discuss a B12 supplement with your clinician."
        )


class _Candidates:
    """Allowed recipes of one (slot, diet, exclusions), with orders the search needs."""

    __slots__ = ("all", "by_b12", "fortified_by_b12")

    def __init__(self, allowed: list[_RecipeInfo]) -> None:
        self.all = allowed
        self.by_b12 = sorted(allowed, key=lambda i: (-i.b12, i.id))
        self.fortified_by_b12 = [i for i in self.by_b12 if i.fortified]


# --------------------------------------------------------------------------- module API

_PLANNERS: dict[int, Planner] = {}


def planner_for(recipes: RecipeSet) -> Planner:
    """The cached Planner of this RecipeSet (keyed by identity; the set is frozen)."""
    planner = _PLANNERS.get(id(recipes))
    if planner is None or planner.recipes is not recipes:
        if len(_PLANNERS) >= 8:
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
    return planner_for(recipes).plan_day(profiles, day, history, allow_topups=allow_topups)


def plan_week(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    start: dt.date,
    history: Sequence[str] = (),
    *,
    allow_topups: bool = True,
) -> list[DayPlan]:
    return planner_for(recipes).plan_week(profiles, start, history, allow_topups=allow_topups)


def plan_days(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    start: dt.date,
    days: int,
    history: Sequence[str] = (),
    *,
    allow_topups: bool = True,
) -> list[DayPlan]:
    return planner_for(recipes).plan_days(profiles, start, days, history, allow_topups=allow_topups)


def swap(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    plan: DayPlan,
    slot: Slot,
    history: Sequence[str] = (),
    *,
    allow_topups: bool = True,
) -> DayPlan:
    return planner_for(recipes).swap(profiles, plan, slot, history, allow_topups=allow_topups)


# --------------------------------------------------------------------------- checking


def check_plan(
    recipes: RecipeSet,
    profiles: Profile | Sequence[Profile],
    plan: DayPlan,
    history: Sequence[str] = (),
) -> list[str]:
    """Every hard constraint the plan breaks, recomputed from the recipe set (empty = ok).

    Independent of the search: it recomputes each meal from the recipes and ingredient table.
    A recipe from `history` counts as a violation unless the plan declares it in `repeats`
    (the planner only does so when no plan without it exists).
    """
    members = as_profiles(profiles)
    profile = combine_profiles(members)
    problems: list[str] = []
    slots_seen = [m.slot for m in plan.meals]
    for s in profile.slots:
        if s not in slots_seen:
            problems.append(f"no meal for {s.value}")
    if len(set(slots_seen)) != len(slots_seen):
        problems.append("a slot has more than one meal")
    ids = [m.recipe_id for m in plan.meals]
    if len(set(ids)) != len(ids):
        problems.append("the same recipe twice in one day")
    recent = set(history)
    total = absorbed = kcal = 0.0
    fortified_meals = 0
    for m in plan.meals:
        r: Recipe | None = recipes.recipes.get(m.recipe_id)
        if r is None:
            problems.append(f"{m.slot.value}: unknown recipe {m.recipe_id!r}")
            continue
        if m.slot not in r.meals:
            problems.append(f"{m.slot.value}: {r.id} is not a {m.slot.value} recipe")
        if not profile.diet.allows(r.diet):
            problems.append(f"{m.slot.value}: {r.id} is {r.diet.value}, not {profile.diet.value}")
        banned = sorted(set(r.grams_per_serving) & profile.exclude)
        if banned:
            problems.append(f"{m.slot.value}: {r.id} contains excluded {', '.join(banned)}")
        if m.recipe_id in recent and m.recipe_id not in plan.repeats:
            problems.append(f"{m.slot.value}: {r.id} was planned in the last 7 days")
        if m.servings != len(members):
            problems.append(f"{m.slot.value}: {m.servings} servings for {len(members)} people")
        dose = r.per_serving.b12_ug
        meal_kcal = r.per_serving.kcal
        fortified = r.fortified_b12
        if m.topup_item is not None:
            ing = recipes.ingredients.get(m.topup_item)
            if ing is None:
                problems.append(f"{m.slot.value}: unknown top-up {m.topup_item!r}")
            else:
                if m.topup_item in profile.exclude:
                    problems.append(f"{m.slot.value}: top-up {ing.id} is excluded")
                if not profile.diet.allows(KIND_DIET[ing.kind]):
                    problems.append(f"{m.slot.value}: top-up {ing.id} breaks the diet")
                if m.topup_grams <= 0:
                    problems.append(f"{m.slot.value}: top-up without an amount")
                part = ing.per_100g.scaled(m.topup_grams / 100.0)
                dose += part.b12_ug
                meal_kcal += part.kcal
                fortified = fortified or (ing.fortified and part.b12_ug > 0)
        if not math.isclose(dose, m.b12_ug, rel_tol=1e-9, abs_tol=1e-9):
            problems.append(f"{m.slot.value}: B12 {m.b12_ug} does not match the recipe ({dose})")
        total += dose
        absorbed += absorbed_ug(dose)
        kcal += meal_kcal
        fortified_meals += 1 if fortified else 0
    rules = _rules(profile)
    if total < rules.target - EPS:
        problems.append(f"total B12 {total:.2f} µg is under the {rules.target:g} µg target")
    if not math.isclose(total, plan.b12_ug, rel_tol=1e-9, abs_tol=1e-9):
        problems.append(f"stated B12 total {plan.b12_ug} differs from the meals ({total})")
    if not math.isclose(plan.shortfall_ug, max(0.0, rules.target - total), abs_tol=1e-6):
        problems.append("stated shortfall does not equal target minus total")
    if absorbed < rules.absorbed_min - EPS:
        problems.append(
            f"absorbed B12 {absorbed:.2f} µg is under half the target ({rules.absorbed_min:.2f})"
        )
    if not math.isclose(absorbed, plan.b12_absorbed_ug, rel_tol=1e-9, abs_tol=1e-9):
        problems.append("stated absorbed B12 differs from the per-meal curve")
    if fortified_meals < rules.fortified_min:
        problems.append(f"vegan plan has fortified B12 in only {fortified_meals} meal(s), not 2")
    if not rules.kcal_lo - EPS <= kcal <= rules.kcal_hi + EPS:
        problems.append(f"{kcal:.0f} kcal is outside {rules.kcal_lo:.0f}-{rules.kcal_hi:.0f}")
    return problems


# --------------------------------------------------------------------------- JSON


def plan_to_dict(plan: DayPlan) -> dict[str, object]:
    """JSON-safe dict (floats kept exact, so a round trip gives an equal DayPlan)."""
    return {
        "date": plan.date.isoformat(),
        "meals": [
            {
                "slot": m.slot.value,
                "recipe_id": m.recipe_id,
                "servings": m.servings,
                "b12_ug": m.b12_ug,
                "kcal": m.kcal,
                "protein_g": m.protein_g,
                "fortified_b12": m.fortified_b12,
                "topup_item": m.topup_item,
                "topup_grams": m.topup_grams,
                "topup_b12_ug": m.topup_b12_ug,
                "topup_kcal": m.topup_kcal,
                "topup_label": m.topup_label,
            }
            for m in plan.meals
        ],
        "target_ug": plan.target_ug,
        "b12_ug": plan.b12_ug,
        "b12_absorbed_ug": plan.b12_absorbed_ug,
        "kcal": plan.kcal,
        "protein_g": plan.protein_g,
        "shortfall_ug": plan.shortfall_ug,
        "notes": list(plan.notes),
        "swaps": [[s.value, list(ids)] for s, ids in plan.swaps],
        "repeats": list(plan.repeats),
    }


def plan_from_dict(d: dict[str, object]) -> DayPlan:
    """Inverse of plan_to_dict; raises ValueError naming the field when the data is bad."""
    try:
        meals = tuple(
            PlannedMeal(
                slot=Slot(m["slot"]),
                recipe_id=str(m["recipe_id"]),
                servings=int(m["servings"]),
                b12_ug=float(m["b12_ug"]),
                kcal=float(m["kcal"]),
                protein_g=float(m["protein_g"]),
                fortified_b12=bool(m.get("fortified_b12", False)),
                topup_item=m.get("topup_item"),
                topup_grams=float(m.get("topup_grams", 0.0)),
                topup_b12_ug=float(m.get("topup_b12_ug", 0.0)),
                topup_kcal=float(m.get("topup_kcal", 0.0)),
                topup_label=str(m.get("topup_label", "")),
            )
            for m in d["meals"]  # type: ignore[attr-defined]
        )
        return DayPlan(
            date=dt.date.fromisoformat(str(d["date"])),
            meals=meals,
            target_ug=float(d["target_ug"]),  # type: ignore[arg-type]
            b12_ug=float(d["b12_ug"]),  # type: ignore[arg-type]
            b12_absorbed_ug=float(d["b12_absorbed_ug"]),  # type: ignore[arg-type]
            kcal=float(d["kcal"]),  # type: ignore[arg-type]
            protein_g=float(d["protein_g"]),  # type: ignore[arg-type]
            shortfall_ug=float(d.get("shortfall_ug", 0.0)),  # type: ignore[arg-type]
            notes=tuple(str(n) for n in d.get("notes", ())),  # type: ignore[attr-defined]
            swaps=tuple(
                (Slot(s), tuple(str(i) for i in ids))
                for s, ids in d.get("swaps", ())  # type: ignore[attr-defined]
            ),
            repeats=tuple(str(r) for r in d.get("repeats", ())),  # type: ignore[attr-defined]
        )
    except KeyError as exc:
        raise ValueError(f"stored plan is missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise ValueError(f"stored plan is malformed: {exc}") from exc
