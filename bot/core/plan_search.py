"""The exact search behind the planner: the options of a day, the branch-and-bound with its
node budget, and the closest plan when nothing meets every rule.

Split from bot.core.planner (which picks the candidates; bot.core.plan_build makes the
DayPlan) so each stays readable. `search` is exact: its bounds (B12, absorbed, fortified meals
and µg, kcal still reachable; oily-fish meals so far) only drop choices that cannot be
completed, so None means no feasible choice exists among the options, unless the SearchBudget
ran out (`budget.hit`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from bot.core.i18n import N_
from bot.core.models import Diet
from bot.core.plan_rules import EPS, PlanRules
from bot.core.topups import TopUp

FORTIFIED_PICKS = 4  # plus the highest-B12 fortified candidates (vegan two-meal rule)
BEST_EFFORT_PICKS = 8  # options per slot searched exhaustively when no plan meets the target
BEST_EFFORT_COMBOS = 8_000  # at most about this many combinations in that search
SAME_SOURCE_PENALTY = 1.0  # same main B12 source twice a day (random costs are in [0, 1))
# Branch-and-bound nodes one plan may visit over all its tiers. A tight kcal range on a large
# set can make the exact search explore millions of nodes (a 2,900-3,000 kcal range once took
# 14 s a week on 2,000 recipes); past the budget the best plan found so far is returned, and a
# plan that misses a rule says the search was cut short instead of claiming none exists.
NODE_BUDGET = 60_000
BUDGET_NOTE = N_(
    "I stopped searching before trying every combination (the energy range leaves few that "
    "fit), so this is the closest plan I found, not proof that none fits; a wider range gives "
    "more choice."
)


@dataclass(slots=True)
class SearchBudget:
    """Nodes the exact search may still visit for one plan (shared by its tiers and passes)."""

    nodes: float = field(default_factory=lambda: NODE_BUDGET)  # read at use: bench can vary it
    hit: bool = False  # the search stopped early at least once


@dataclass(frozen=True, slots=True)
class RecipeInfo:
    """Per-serving numbers of a recipe, cached so the search never touches Nutrients."""

    id: str
    b12: float
    kcal: float
    protein: float
    fortified: bool
    source: str | None
    items: frozenset[str]
    diet: Diet
    fortified_ug: float = 0.0  # µg of b12 from fortified ingredients
    oily: bool = False  # an oily-fish meal (capped in pregnancy and breastfeeding)
    taste: str = ""  # savoury | sweet | "" (not said): top-ups must suit it


@dataclass(frozen=True, slots=True)
class Option:
    """One way to fill a slot: a recipe, maybe with a top-up, and its search cost."""

    cost: float
    recipe: RecipeInfo
    b12: float
    absorbed: float
    fortified: int
    kcal: float
    topup: TopUp | None
    repeat: bool
    fort_ug: float = 0.0  # µg from fortified foods (recipe part + top-up)
    oily: int = 0  # 1 for an oily-fish meal


def kcal_note(kcal: float, rules: PlanRules, cut_short: bool = False) -> str | None:
    """The note of a day outside the kcal range (None inside it or without a range)."""
    if rules.kcal_lo - EPS <= kcal <= rules.kcal_hi + EPS:
        return None
    return (
        f"Calories ({kcal:.0f} kcal) are outside your range "
        f"{rules.kcal_lo:.0f}-{rules.kcal_hi:.0f} kcal"
        + ("." if cut_short else ": no combination of recipes fits it.")
    )


# --------------------------------------------------------------------------- search


def search(
    options: list[list[Option]],
    rules: PlanRules,
    oily_max: int | None = None,
    budget: SearchBudget | None = None,
) -> tuple[Option, ...] | None:
    """Exact branch-and-bound: the cheapest choice (one option per slot) meeting every rule.

    Options of each slot must be sorted by cost. The bounds (best B12, absorbed, fortified
    meals and µg, and kcal still reachable from the remaining slots; oily-fish meals so far)
    only drop choices that cannot be completed, so None means no feasible choice exists among
    these options. `oily_max` caps oily-fish meals (None: no cap). With a `budget`, the search
    stops once its nodes are spent and returns the cheapest choice found so far (or None;
    `budget.hit` then says the answer is not exact).
    """
    n = len(options)
    budget = budget if budget is not None else SearchBudget(nodes=math.inf)
    if any(not opts for opts in options):
        return None
    fug_above = rules.fortified_ug_above + EPS  # fortified µg must be MORE than this
    check_fug = fug_above > -math.inf
    suf_b12 = [0.0] * (n + 1)
    suf_abs = [0.0] * (n + 1)
    suf_fort = [0] * (n + 1)
    suf_fug = [0.0] * (n + 1)
    suf_kmin = [0.0] * (n + 1)
    suf_kmax = [0.0] * (n + 1)
    suf_cost = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        opts = options[i]
        suf_b12[i] = suf_b12[i + 1] + max(o.b12 for o in opts)
        suf_abs[i] = suf_abs[i + 1] + max(o.absorbed for o in opts)
        suf_fort[i] = suf_fort[i + 1] + max(o.fortified for o in opts)
        if check_fug:  # only the over-50 rule needs this bound
            suf_fug[i] = suf_fug[i + 1] + max(o.fort_ug for o in opts)
        suf_kmin[i] = suf_kmin[i + 1] + min(o.kcal for o in opts)
        suf_kmax[i] = suf_kmax[i + 1] + max(o.kcal for o in opts)
        suf_cost[i] = suf_cost[i + 1] + opts[0].cost
    target = rules.target - EPS
    abs_min = rules.absorbed_min - EPS
    fort_min = rules.fortified_min
    oily_cap = n if oily_max is None else oily_max
    lo = rules.kcal_lo - EPS
    hi = rules.kcal_hi + EPS
    if suf_b12[0] < target or suf_abs[0] < abs_min or suf_fort[0] < fort_min:
        return None
    if check_fug and not suf_fug[0] > fug_above:
        return None
    if suf_kmin[0] > hi or suf_kmax[0] < lo:
        return None

    best_cost = math.inf
    best: tuple[Option, ...] | None = None
    chosen: list[Option] = []

    def dfs(
        i: int, cost: float, b12: float, ab: float, fort: int, kcal: float, fug: float, oily: int
    ) -> None:
        nonlocal best_cost, best
        budget.nodes -= 1
        if budget.nodes < 0:
            budget.hit = True
            return
        if i == n:
            best_cost = cost
            best = tuple(chosen)
            return
        rest_cost = suf_cost[i + 1]
        rest_b12 = suf_b12[i + 1]
        rest_abs = suf_abs[i + 1]
        rest_fort = suf_fort[i + 1]
        rest_fug = suf_fug[i + 1]
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
            if check_fug and not fug + o.fort_ug + rest_fug > fug_above:
                continue
            if oily + o.oily > oily_cap:
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
            dfs(
                i + 1,
                c,
                b12 + o.b12,
                ab + o.absorbed,
                fort + o.fortified,
                k,
                fug + o.fort_ug,
                oily + o.oily,
            )
            chosen.pop()
            if budget.hit:
                return

    dfs(0, 0.0, 0.0, 0.0, 0, 0.0, 0.0, 0)
    return best


def best_effort(
    options: list[list[Option]], rules: PlanRules, oily_max: int | None = None
) -> tuple[Option, ...] | None:
    """When nothing meets every rule: the plan closest to them (exhaustive over few options).

    The oily-fish cap is a food-safety limit, never traded away. Preference, in order: kcal
    inside the range, most B12 (up to the target), most absorbed (up to half the target), most
    fortified meals (up to the vegan minimum), most fortified µg (up to the over-50 share),
    nearest the kcal range, fewest repeats and top-ups, lowest cost.
    """
    oily_cap = len(options) if oily_max is None else oily_max
    fug_goal = rules.fortified_ug_above if rules.fortified_ug_above > -math.inf else 0.0
    # options per slot, so the combinations tried stay near BEST_EFFORT_COMBOS
    cap = max(4, int(BEST_EFFORT_COMBOS ** (1 / max(1, len(options)))))
    trimmed: list[list[Option]] = []
    for opts in options:
        if oily_max is not None:  # keep options that need no oily-fish allowance too
            opts = [o for o in opts if o.oily <= oily_cap]
        by_b12 = sorted(opts, key=lambda o: (-o.b12, o.cost))
        keep = by_b12[:BEST_EFFORT_PICKS]
        if oily_max is not None:
            keep += [o for o in by_b12 if not o.oily and o not in keep][:FORTIFIED_PICKS]
        if rules.fortified_min or fug_goal:
            keep += [o for o in by_b12 if o.fortified and o not in keep][:FORTIFIED_PICKS]
        if rules.kcal_lo > -math.inf or rules.kcal_hi < math.inf:
            # the lightest and heaviest dishes, and those nearest the range's share per slot
            # (fresh and without top-ups: those are what the key below prefers)
            plain = [o for o in opts if o.topup is None and not o.repeat] or opts
            by_kcal = sorted(plain, key=lambda o: (o.kcal, o.cost))
            extra = by_kcal[:2] + by_kcal[-3:]
            if rules.kcal_lo > -math.inf and rules.kcal_hi < math.inf:
                share = (rules.kcal_lo + rules.kcal_hi) / 2 / len(options)
                extra += sorted(plain, key=lambda o: (abs(o.kcal - share), o.cost))[:3]
            keep += [o for o in extra if o not in keep]
        trimmed.append(keep)
    if math.prod(len(keep) for keep in trimmed) > BEST_EFFORT_COMBOS:
        for i, keep in enumerate(trimmed):  # the rule-specific picks first, then the richest
            if len(keep) > cap:
                specials = keep[BEST_EFFORT_PICKS:]
                trimmed[i] = (keep[: max(2, cap - len(specials))] + specials)[:cap]
    # each option as plain numbers once, so a combination is a few sums over short tuples
    columns = [
        [
            (o.recipe.id, o.oily, o.b12, o.absorbed, o.fortified, o.kcal, o.fort_ug,
             float(o.repeat), float(o.topup is not None), o.cost)
            for o in keep
        ]
        for keep in trimmed
    ]  # fmt: skip
    lo, hi = rules.kcal_lo - EPS, rules.kcal_hi + EPS
    n = len(trimmed)
    best_key: tuple[float, ...] | None = None
    best_index: tuple[int, ...] | None = None
    for index in itertools.product(*(range(len(c)) for c in columns)):
        rows = [columns[slot][k] for slot, k in enumerate(index)]
        if len({row[0] for row in rows}) < n:
            continue
        _, oily, b12, ab, fort, kcal, fug, repeats, topups, cost = (
            sum(col) for col in zip(*((0, *row[1:]) for row in rows), strict=True)
        )
        if oily > oily_cap:
            continue
        key = (
            float(lo <= kcal <= hi),
            min(b12, rules.target),
            min(ab, rules.absorbed_min),
            float(min(fort, rules.fortified_min)),
            min(fug, fug_goal),
            -repeats,
            -topups,
            -max(0.0, rules.kcal_lo - kcal, kcal - rules.kcal_hi),  # nearest the kcal range
            -cost,
        )
        if best_key is None or key > best_key:
            best_key, best_index = key, index
    if best_index is None:
        return None
    return tuple(trimmed[slot][k] for slot, k in enumerate(best_index))
