"""Household planning: one shared menu for everyone, personal top-ups for whoever needs more.

Pure and deterministic (no I/O, no Telegram, no clock), built on bot.core.planner.

* The shared meals are planned for the combined profile (strictest diet, union of exclusions,
  union of meal slots). Every member sees every shared meal; a meal's servings = the number of
  members who eat that meal (a lunch only two of three eat is cooked and bought for two).
* Members keep their OWN targets. The shared plan is planned for each distinct member target
  (highest first, without top-ups) and the plan that meets the most members wins; only when no
  such plan meets anyone is a shared top-up (served to all) allowed.
* Every member the shared meals leave short (total < target, absorbed < target/2, a vegan
  with fewer than two fortified meals, or over 50 with no more than half the target from
  fortified food) gets a PERSONAL top-up that respects their own diet and exclusions: a
  fortified item on their portion that suits the dish (nutritional yeast on a savoury plate, a
  glass of fortified drink with a sweet one) or a fortified snack recipe. Nobody's target is
  lowered. A member whose clinician manages their B12 gets no top-ups and no "met" from food.
* Shared meals keep the strictest member's food-safety rules (pregnant or breastfeeding: no
  liver or smoked fish, at most two oily-fish meals in 7 days) and the fortified values of the
  members' regions (the lowest when they differ).

The same inputs always give the same HouseholdPlan, so every member sees the same day.

One member's view of the plan: `bot.core.household_view`; the independent check:
`bot.core.household_check`; the stored form: `bot.core.household_codec`; the shared shopping
list: `bot.core.shopping.household_shopping`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.core.models import (
    KIND_DIET,
    SLOT_ORDER,
    DayPlan,
    Diet,
    Ingredient,
    Profile,
    RecipeSet,
    Slot,
)
from bot.core.nutrition import absorbed_ug
from bot.core.plan_rules import (
    CLINICIAN_LINE,
    EPS,
    PlanRules,
    combine_profiles,
    plan_rules,
    status_of,
)
from bot.core.planner import plan_day, planner_for
from bot.core.regions import for_region
from bot.core.swap import swap
from bot.core.topups import raises_absorbed_enough, suits

MAX_PERSONAL_TOPUPS = 3  # more than this and the honest answer is "talk to your clinician"
KIND_ITEM = "item"  # a fortified item on the member's portion of a shared meal
KIND_SNACK = "snack"  # a fortified snack recipe only this member eats


@dataclass(frozen=True, slots=True)
class Member:
    """One household member: their Telegram user id and how they eat."""

    user_id: int
    profile: Profile

    @property
    def name(self) -> str:
        return self.profile.name


@dataclass(frozen=True, slots=True)
class PersonalTopUp:
    """Something only one member adds, so the shared menu can stay the same for all."""

    kind: str  # KIND_ITEM or KIND_SNACK
    slot: Slot  # the meal it goes with (KIND_SNACK: Slot.SNACK)
    ref_id: str  # ingredient id (item) or recipe id (snack)
    label: str  # "a glass (250 ml) of soy milk, unsweetened, fortified"
    grams: float  # item grams (a snack is one serving: 0)
    b12_ug: float
    kcal: float
    protein_g: float
    fortified_ug: float = 0.0  # µg of b12_ug from fortified food (all of an item's)


@dataclass(frozen=True, slots=True)
class MemberDay:
    """One member's day on the shared plan: what they eat, their totals against their target."""

    user_id: int
    name: str
    diet: Diet
    target_ug: float
    slots: tuple[Slot, ...]  # shared meals this member eats
    shared_b12_ug: float  # from the shared meals alone
    topups: tuple[PersonalTopUp, ...]
    b12_ug: float  # shared meals + personal top-ups
    absorbed_ug: float
    fortified_meals: int
    kcal: float
    protein_g: float
    met: bool  # every rule of the member's own profile holds (plan_rules.status_of)
    notes: tuple[str, ...] = ()
    misses: tuple[str, ...] = ()  # the rules it misses, in plain words
    fortified_ug: float = 0.0  # µg from fortified food
    clinician_managed: bool = False  # their clinician manages B12: never "met" from food

    @property
    def shortfall_ug(self) -> float:
        gap = self.target_ug - self.b12_ug
        return gap if gap > EPS else 0.0


@dataclass(frozen=True, slots=True)
class HouseholdPlan:
    """The shared DayPlan plus each member's own totals and personal top-ups."""

    plan: DayPlan
    members: tuple[MemberDay, ...]

    @property
    def date(self) -> dt.date:
        return self.plan.date

    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(m.user_id for m in self.members)

    @property
    def all_met(self) -> bool:
        return all(m.met for m in self.members)

    def member(self, user_id: int) -> MemberDay | None:
        return next((m for m in self.members if m.user_id == user_id), None)


# --------------------------------------------------------------------------- members


def sorted_members(members: Sequence[Member]) -> tuple[Member, ...]:
    """Members in user-id order (planning never depends on who asks); ids must be unique."""
    if not members:
        raise ValueError("a household plan needs at least one member")
    ordered = tuple(sorted(members, key=lambda m: m.user_id))
    ids = [m.user_id for m in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError(f"household members repeat: {ids}")
    return ordered


def household_profile(members: Sequence[Member], target_ug: float | None = None) -> Profile:
    """The profile the shared meals are planned for (no name: it does not change the plan)."""
    base = combine_profiles([m.profile for m in members])
    return replace(base, target_ug=base.target_ug if target_ug is None else target_ug, name="")


def eaters(members: Sequence[Member], slot: Slot) -> tuple[Member, ...]:
    """The members who eat `slot` (in the given order)."""
    return tuple(m for m in members if slot in m.profile.slots)


def with_member_servings(plan: DayPlan, members: Sequence[Member]) -> DayPlan:
    """The plan with each meal's servings = how many members eat it (cooked and bought for).

    The planner gives every meal one serving per profile; a member who skips lunch must not
    make the household cook (and shop for) a lunch nobody eats.
    """
    meals = tuple(replace(m, servings=len(eaters(members, m.slot))) for m in plan.meals)
    return plan if meals == plan.meals else replace(plan, meals=meals)


def member_rules(profile: Profile) -> PlanRules:
    """The rules of one member's own profile (their target, absorbed minimum, fortified meals
    and, over 50, fortified share)."""
    return plan_rules(profile)


def _meets(totals: Sequence[float], rules: PlanRules) -> bool:
    """Whether (total, absorbed, fortified meals, fortified µg) keep every rule; never for a
    member whose clinician manages their B12 (food is not claimed for them)."""
    total, absorbed, fortified, fort_ug = totals[:4]
    return (
        not rules.clinician_managed
        and total >= rules.target - EPS
        and absorbed >= rules.absorbed_min - EPS
        and fortified >= rules.fortified_min
        and fort_ug > rules.fortified_ug_above + EPS
    )


def item_allowed(ing: Ingredient, profile: Profile) -> bool:
    """Whether a top-up item fits this profile's diet and exclusions."""
    return ing.id not in profile.exclude and profile.diet.allows(KIND_DIET[ing.kind])


# --------------------------------------------------------------------------- personal top-ups


@dataclass(frozen=True, slots=True)
class _Choice:
    topup: PersonalTopUp
    order: int  # deterministic tie-break


def _options(recipes: RecipeSet, plan: DayPlan, member: Member) -> list[_Choice]:
    """Every personal top-up this member could add: items on their meals, or a snack.

    An item must suit the dish (savoury or sweet) and add at least 0.2 µg absorbed to it;
    nothing not sold in the region, nothing the member's life stage rules out.
    """
    planner = planner_for(recipes)
    profile = planner.effective_profile(member.profile)
    ings = recipes.ingredients
    eaten = [m for m in plan.meals if m.slot in profile.slots]
    out: list[PersonalTopUp] = []
    items = [t for t in planner.allowed_topups(profile) if item_allowed(ings[t.item_id], profile)]
    for meal in eaten:
        recipe = recipes.recipes.get(meal.recipe_id)
        taste = recipe.taste if recipe else ""
        for t in items:
            if (
                suits(t, meal.slot, taste)
                and t.item_id != meal.topup_item
                and raises_absorbed_enough(meal.b12_ug, t)
            ):
                out.append(
                    PersonalTopUp(
                        KIND_ITEM, meal.slot, t.item_id, t.label, t.grams, t.b12_ug, t.kcal,
                        t.protein_g, t.b12_ug,
                    )
                )  # fmt: skip
    if not any(m.slot == Slot.SNACK for m in eaten):
        planned = {m.recipe_id for m in plan.meals}
        for r in sorted(recipes.for_slot(Slot.SNACK), key=lambda r: r.id):
            if (
                r.fortified_b12
                and r.b12_ug > 0
                and r.id not in planned
                and profile.diet.allows(r.diet)
                and r.item_ids.isdisjoint(profile.exclude)
            ):
                out.append(
                    PersonalTopUp(
                        KIND_SNACK, Slot.SNACK, r.id, r.name, 0.0, r.b12_ug, r.per_serving.kcal,
                        r.per_serving.protein_g, r.fortified_b12_ug,
                    )
                )  # fmt: skip
    return [_Choice(t, i) for i, t in enumerate(out)]


def _totals(
    plan: DayPlan, member: Member, topups: Sequence[PersonalTopUp]
) -> tuple[float, float, int, float, float, float]:
    """(B12, absorbed, fortified meals, fortified µg, kcal, protein) of a member's day with
    these top-ups."""
    doses: dict[Slot, float] = {}
    fortified: dict[Slot, bool] = {}
    kcal = protein = fort_ug = 0.0
    for meal in plan.meals:
        if meal.slot in member.profile.slots:
            doses[meal.slot] = meal.b12_ug
            fortified[meal.slot] = meal.fortified_b12
            fort_ug += meal.fortified_ug
            kcal += meal.kcal
            protein += meal.protein_g
    extra_doses: list[float] = []
    extra_fortified = 0
    for t in topups:
        kcal += t.kcal
        protein += t.protein_g
        fort_ug += t.fortified_ug
        if t.kind == KIND_ITEM:
            doses[t.slot] = doses.get(t.slot, 0.0) + t.b12_ug
            fortified[t.slot] = True
        else:  # a separate snack: its own dose, so it saturates on its own
            extra_doses.append(t.b12_ug)
            extra_fortified += 1
    all_doses = [*doses.values(), *extra_doses]
    total = sum(all_doses)
    absorbed = sum(absorbed_ug(d) for d in all_doses)
    fortified_meals = sum(fortified.values()) + extra_fortified
    return total, absorbed, fortified_meals, fort_ug, kcal, protein


def _valid_combo(combo: Sequence[_Choice]) -> bool:
    """At most one personal item per meal and at most one personal snack."""
    slots = [c.topup.slot for c in combo if c.topup.kind == KIND_ITEM]
    snacks = sum(1 for c in combo if c.topup.kind == KIND_SNACK)
    return len(set(slots)) == len(slots) and snacks <= 1


def personal_topups(
    recipes: RecipeSet, plan: DayPlan, member: Member
) -> tuple[tuple[PersonalTopUp, ...], bool]:
    """The smallest set of personal top-ups that makes the shared plan meet the member's rules.

    Fewest top-ups first, then items before snacks, then fewest extra kcal. Returns
    (top-ups, met). When nothing within MAX_PERSONAL_TOPUPS meets every rule, the closest
    combination is returned with met=False (the caller points to the clinician).
    """
    rules = member_rules(member.profile)
    if rules.clinician_managed:  # no top-ups chasing a food target that does not apply
        return (), False
    if _meets(_totals(plan, member, ()), rules):
        return (), True
    options = _options(recipes, plan, member)
    best: tuple[Any, ...] | None = None
    best_combo: tuple[_Choice, ...] = ()
    for size in range(1, MAX_PERSONAL_TOPUPS + 1):
        for combo in itertools.combinations(options, size):
            if not _valid_combo(combo):
                continue
            topups = [c.topup for c in combo]
            totals = _totals(plan, member, topups)
            if not _meets(totals, rules):
                continue
            kcal = totals[4]
            key = (
                sum(1 for t in topups if t.kind == KIND_SNACK),
                round(kcal, 6),
                tuple(c.order for c in combo),
            )
            if best is None or key < best:
                best, best_combo = key, combo
        if best is not None:
            return tuple(c.topup for c in best_combo), True
    # nothing meets every rule: the closest (most B12 up to target, then absorbed, then
    # fortified meals, then fortified µg)
    fug_goal = rules.fortified_ug_above if rules.fortified_ug_above > -math.inf else 0.0
    closest: tuple[Any, ...] | None = None
    for size in range(0, MAX_PERSONAL_TOPUPS + 1):
        for combo in itertools.combinations(options, size):
            if not _valid_combo(combo):
                continue
            total, absorbed, fort, fort_ug, kcal, _ = _totals(
                plan, member, [c.topup for c in combo]
            )
            key = (
                min(total, rules.target),
                min(absorbed, rules.absorbed_min),
                min(fort, rules.fortified_min),
                min(fort_ug, fug_goal),
                -size,
                -kcal,
                tuple(-c.order for c in combo),
            )
            if closest is None or key > closest:
                closest, best_combo = key, combo
    return tuple(c.topup for c in best_combo), False


def missing_meal_notes(
    recipes: RecipeSet, plan: DayPlan, members: Sequence[Member]
) -> dict[int, list[str]]:
    """Per member: a note for their meals the shared plan has none of, and why.

    The planner leaves a meal out when no recipe fits the combined diet and exclusions; a
    member must be told, not shown a day that silently lacks breakfast. The note names the
    members whose own settings rule out every recipe for that meal (so whoever can change it
    knows), or says it is the combination.
    """
    ordered = sorted_members(members)
    planner = planner_for(for_region(recipes, household_profile(ordered).region))
    planned = {m.slot for m in plan.meals}
    reasons: dict[int, dict[str, list[str]]] = {m.user_id: {} for m in ordered}
    for slot in SLOT_ORDER:
        eaters = [m for m in ordered if slot in m.profile.slots]
        if slot in planned or not eaters:
            continue
        blockers = [
            m
            for m in ordered
            if not planner.candidates(
                slot, m.profile.diet, planner.effective_profile(m.profile).exclude
            ).all
        ]
        for member in eaters:
            others = [m.name or "another member" for m in blockers if m is not member]
            if member in blockers:
                why = "own"
            elif others:
                why = " and ".join(others)
            else:
                why = ""
            reasons[member.user_id].setdefault(why, []).append(slot.value)
    out: dict[int, list[str]] = {}
    for user_id, by_reason in reasons.items():
        notes = []
        for why, slots in by_reason.items():
            meals = _join_or(slots)
            if why == "own":
                notes.append(
                    f"No {meals} recipe fits your diet and exclusions, so the shared plan has "
                    f"no {meals}; fewer exclusions in /settings would let one fit."
                )
            elif why:
                notes.append(
                    f"The shared plan has no {meals}: {why}'s diet and exclusions rule out "
                    f"every {meals} recipe."
                )
            else:
                notes.append(
                    f"The shared plan has no {meals}: no {meals} recipe fits everyone's diets "
                    "and exclusions together."
                )
        out[user_id] = notes
    return out


def _join_or(words: Sequence[str]) -> str:
    """'breakfast', 'breakfast or lunch', 'breakfast, lunch or dinner'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def member_day(
    recipes: RecipeSet, plan: DayPlan, member: Member, first_notes: Sequence[str] = ()
) -> MemberDay:
    """The member's totals on the shared plan, with personal top-ups where needed.

    `first_notes` (e.g. missing_meal_notes) come before the member's own notes.
    """
    profile = member.profile
    shared_total = _totals(plan, member, ())[0]
    topups, met = personal_topups(recipes, plan, member)
    total, absorbed, fort, fort_ug, kcal, protein = _totals(plan, member, topups)
    rules = member_rules(profile)
    target, abs_min, fort_min = rules.target, rules.absorbed_min, rules.fortified_min
    status = status_of(
        profile,
        target,
        total=total,
        absorbed=absorbed,
        fortified_meals=fort,
        fortified_ug=fort_ug,
    )
    notes: list[str] = list(first_notes)
    for t in topups:
        if t.kind == KIND_ITEM:
            notes.append(
                f"Just for you: add {t.label} to your {t.slot.value} "
                f"(+{t.b12_ug:.1f} µg B12); the others' portions stay as planned."
            )
        else:
            notes.append(f"Just for you: {t.label} as a snack (+{t.b12_ug:.1f} µg B12).")
    if rules.clinician_managed:
        notes.append(CLINICIAN_LINE)
    elif not met:
        if total < target - EPS:
            notes.append(
                f"Your day reaches {total:.1f} µg of your {target:g} µg target: nothing in the "
                "recipe set that fits your diet and exclusions closes the gap. Discuss a B12 "
                "supplement with your clinician."
            )
        elif absorbed < abs_min - EPS:
            notes.append(
                f"Estimated absorbed B12 is {absorbed:.2f} µg, under half your target; discuss "
                "a B12 supplement with your clinician."
            )
        elif fort < fort_min:
            notes.append(
                f"Only {fort} of your meals have fortified B12; the Vegan Society advises "
                "fortified foods at least twice a day."
            )
        elif not fort_ug > rules.fortified_ug_above + EPS:
            notes.append(
                f"{fort_ug:.1f} µg of your day's B12 comes from fortified foods; after 50 more "
                f"than half your target should (IOM 1998): talk to your clinician about a "
                "supplement."
            )
    if profile.kcal_range is not None:
        lo, hi = profile.kcal_range
        if not lo - EPS <= kcal <= hi + EPS:
            notes.append(
                f"Calories ({kcal:.0f} kcal) are outside your range {lo:.0f}-{hi:.0f} kcal: "
                "the shared meals could not fit it."
            )
    eaten_ids = [m.recipe_id for m in plan.meals if m.slot in profile.slots]
    eaten_ids += [t.ref_id for t in topups if t.kind == KIND_SNACK]
    if len(set(eaten_ids)) < len(eaten_ids):
        notes.append("Not enough different recipes fit: one recipe appears twice today.")
    return MemberDay(
        user_id=member.user_id,
        name=member.name,
        diet=profile.diet,
        target_ug=target,
        slots=tuple(m.slot for m in plan.meals if m.slot in profile.slots),
        shared_b12_ug=shared_total,
        topups=topups,
        b12_ug=total,
        absorbed_ug=absorbed,
        fortified_meals=fort,
        kcal=kcal,
        protein_g=protein,
        met=met and status.met,
        notes=tuple(notes),
        misses=status.misses,
        fortified_ug=fort_ug,
        clinician_managed=status.clinician_managed,
    )


def _shared_met(recipes: RecipeSet, plan: DayPlan, members: Sequence[Member]) -> int:
    """How many members the shared meals alone satisfy."""
    count = 0
    for member in members:
        if _meets(_totals(plan, member, ()), member_rules(member.profile)):
            count += 1
    return count


# --------------------------------------------------------------------------- planning


def _plan_shared(
    recipes: RecipeSet,
    members: tuple[Member, ...],
    target: float,
    day: dt.date,
    history: Sequence[str],
    allow_topups: bool,
) -> DayPlan:
    profile = household_profile(members, target)
    plan = plan_day(recipes, [profile] * len(members), day, history, allow_topups=allow_topups)
    return with_member_servings(plan, members)


def evaluate(recipes: RecipeSet, plan: DayPlan, members: Sequence[Member]) -> HouseholdPlan:
    """Wrap a shared plan with every member's own day (personal top-ups recomputed)."""
    ordered = sorted_members(members)
    recipes = for_region(recipes, household_profile(ordered).region)
    missing = missing_meal_notes(recipes, plan, ordered)
    return HouseholdPlan(
        plan, tuple(member_day(recipes, plan, m, missing[m.user_id]) for m in ordered)
    )


def plan_household_day(
    recipes: RecipeSet,
    members: Sequence[Member],
    day: dt.date,
    history: Sequence[str] = (),
) -> HouseholdPlan:
    """The household's plan for `day`: shared meals meeting as many targets as possible."""
    ordered = sorted_members(members)
    recipes = for_region(recipes, household_profile(ordered).region)
    targets = sorted({float(m.profile.target_ug) for m in ordered}, reverse=True)
    best: DayPlan | None = None
    best_count = -1
    for target in targets:  # highest first: ties keep the plan that asks more of the food
        plan = _plan_shared(recipes, ordered, target, day, history, allow_topups=False)
        count = _shared_met(recipes, plan, ordered)
        if count > best_count:
            best, best_count = plan, count
        if count == len(ordered):
            break
    if best_count == 0:  # food alone helps nobody: a top-up everyone gets beats N personal ones
        plan = _plan_shared(recipes, ordered, targets[-1], day, history, allow_topups=True)
        if _shared_met(recipes, plan, ordered) > 0:
            best = plan
    assert best is not None
    return evaluate(recipes, best, ordered)


def swap_household_meal(
    recipes: RecipeSet,
    members: Sequence[Member],
    current: HouseholdPlan,
    slot: Slot,
    history: Sequence[str] = (),
) -> HouseholdPlan:
    """Swap one shared meal for everyone (the shared plan's own target is kept).

    A slot only one member has (their personal snack) is not shared: the plan comes back
    unchanged, and the caller says nothing else fits.
    """
    ordered = sorted_members(members)
    if current.plan.meal(slot) is None:
        return evaluate(recipes, current.plan, ordered)
    profile = household_profile(ordered, current.plan.target_ug)
    new = swap(recipes, [profile] * len(ordered), current.plan, slot, history)
    return evaluate(recipes, with_member_servings(new, ordered), ordered)


def refresh(
    recipes: RecipeSet, stored: HouseholdPlan, members: Sequence[Member]
) -> HouseholdPlan | None:
    """The stored plan with member days recomputed, or None when it must be planned again.

    The shared meals stay while the member set is the same and every meal still exists and
    fits the combined diet, exclusions and meal slots; a member's new target only changes
    their personal top-ups, and a member's new meal times only the servings, never the
    others' menu mid-day.
    """
    ordered = sorted_members(members)
    if tuple(m.user_id for m in ordered) != stored.member_ids:
        return None
    return _fitted(recipes, stored.plan, ordered, drop_uneaten=False)


def adapt_to_members(
    recipes: RecipeSet, stored: HouseholdPlan, members: Sequence[Member]
) -> HouseholdPlan | None:
    """The stored plan kept for a NEW member set (someone joined or left), or None.

    Kept when every shared meal still fits everyone's diets and exclusions and no meal anyone
    eats could now be added: then only servings, totals and personal top-ups change, so the
    others' day does not change under them. A meal nobody eats any more is dropped. None
    means the plan must be planned again (and the members told).
    """
    ordered = sorted_members(members)
    return _fitted(recipes, stored.plan, ordered, drop_uneaten=True)


def _fitted(
    recipes: RecipeSet, plan: DayPlan, ordered: tuple[Member, ...], *, drop_uneaten: bool
) -> HouseholdPlan | None:
    combined = household_profile(ordered)
    recipes = for_region(recipes, combined.region)
    planner = planner_for(recipes)
    if drop_uneaten:
        kept = tuple(m for m in plan.meals if m.slot in combined.slots)
        if kept != plan.meals:
            plan = replace(plan, meals=kept, swaps=tuple(
                (s, ids) for s, ids in plan.swaps if s in combined.slots
            ))  # fmt: skip
    plan_slots = {m.slot for m in plan.meals}
    if not plan_slots <= set(combined.slots):
        return None
    allowed = planner.effective_profile(combined)  # a new pregnant member rules out liver
    for s in combined.slots:
        if s not in plan_slots and planner.candidates(s, allowed.diet, allowed.exclude).all:
            return None
    for meal in plan.meals:
        recipe = recipes.recipes.get(meal.recipe_id)
        if recipe is None or meal.slot not in recipe.meals or recipe.id in recipes.hidden:
            return None
        if not allowed.diet.allows(recipe.diet) or not recipe.item_ids.isdisjoint(allowed.exclude):
            return None
        if meal.topup_item is not None:
            ing = recipes.ingredients.get(meal.topup_item)
            if ing is None or not item_allowed(ing, combined):
                return None
    return evaluate(recipes, with_member_servings(plan, ordered), ordered)
