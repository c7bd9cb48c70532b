"""Texts and keyboards for plans: the day's plan, the week, a shareable copy, recipes and
shopping lists, and the titles of plan messages; no handlers, no I/O.

Texts use Telegram's HTML parse mode, so everything that comes from data or from users goes
through `esc()`. Callback data is short, versioned ("v1:...") and always under Telegram's
64-byte limit, so old buttons can be recognised and answered instead of failing silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.energy import B12_FOCUSED_NOTE
from bot.chat.render.format import (
    SLOT_ICON,
    callback,
    day_code,
    day_status,
    esc,
    fmt_day,
    fmt_grams,
    fmt_ug,
    format_quantity,
    missed_rules,
    plan_fingerprint,
    recipe_name,
    share_total_line,
    status_mark,
    status_phrase,
    topup_label_text,
)
from bot.chat.render.tracking import STATUS_MARK, STATUS_WORD, checkoff_rows
from bot.core.energy import describe as describe_energy
from bot.core.exclusions import excluded_ids, meal_warning, recipe_warning
from bot.core.models import (
    KIND_DIET,
    OVER_50,
    SLOT_ORDER,
    DayPlan,
    Kind,
    PlannedMeal,
    Recipe,
    RecipeSet,
    Slot,
    TargetStatus,
    UserSettings,
)
from bot.core.nutrition import absorbed_ug
from bot.core.plan_rules import CLINICIAN_LINE, unsafe_reasons
from bot.core.recipe_search import quote
from bot.core.servings import kitchen_measure, scaled_grams


def day_title(day: dt.date, today: dt.date) -> str:
    """A plan message's title: "Today · Mon 5 Jan", "Tomorrow · Tue 6 Jan" or just the date."""
    if day == today:
        return f"Today · {fmt_day(day)}"
    if day == today + dt.timedelta(days=1):
        return f"Tomorrow · {fmt_day(day)}"
    return fmt_day(day)


def push_title(user: UserSettings, day: dt.date) -> str:
    """The morning push's title, greeting the user by first name when it is known."""
    name = f", {user.first_name}" if user.first_name else ""
    return f"☀️ Good morning{name}! Your plan for {fmt_day(day)}"


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class PlanView:
    """What a plan message shows besides the plan itself, so a tired person sees the day's
    state without another command: the meals ticked so far (✅ / ⏭ / 🍽 in the text, ↩️ to
    take a tick back), whether Eaten / Skipped buttons belong (today's and yesterday's plan
    only: tomorrow's dinner cannot be eaten yet), the ↩️ Undo of a swap just made (the slot
    and the dish it replaced), and the 😴 Tired today button (today's own plan)."""

    ticks: Mapping[Slot, str] = field(default_factory=dict)  # slot -> eaten|skipped|other
    checkoff: bool = True
    undo_swap: tuple[Slot, str] | None = None
    tired: bool = False


def render_plan(
    plan: DayPlan,
    recipes: RecipeSet,
    user: UserSettings | None = None,
    *,
    title: str,
    view: PlanView | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The day's plan: meals with their B12, total vs target, absorbed estimate, buttons;
    with `view`, the ticks in the text and the buttons that fit the day."""
    view = view or PlanView()
    lines = [f"<b>{esc(title)}</b>", ""]
    for meal in plan.meals:
        icon = SLOT_ICON.get(meal.slot, "•")
        fortified = " · fortified" if meal.fortified_b12 else ""
        tick = view.ticks.get(meal.slot)
        mark = f"{STATUS_MARK[tick]} " if tick in STATUS_MARK else ""
        state = f" — {STATUS_WORD[tick]}" if tick in STATUS_WORD else ""
        lines.append(
            f"{mark}{icon} <b>{esc(meal.slot.value.capitalize())}</b>: "
            f"{esc(recipe_name(recipes, meal.recipe_id))}{state}"
        )
        if meal.topup_item and meal.topup_label:
            label = topup_label_text(meal.topup_label, meal.topup_grams)
            lines.append(f"      ➕ plus {esc(label)} ({fmt_ug(meal.topup_b12_ug)} µg B12 top-up)")
        recipe = recipes.recipes.get(meal.recipe_id)
        minutes = f" · ⏱ {recipe.time_min} min" if recipe is not None else ""
        lines.append(
            f"      B12 {fmt_ug(meal.b12_ug)} µg{fortified} · {round(meal.kcal)} kcal{minutes}"
        )
        warning = meal_warning(meal, user, recipes) if user is not None else None
        if warning:
            lines.append(f"      {esc(warning)}")
    lines.append("")
    counted = counted_plan(plan, view.ticks)
    lines += status_lines(counted, day_status(counted, user), user)
    not_counted = [m.slot for m in plan.meals if view.ticks.get(m.slot) in NOT_EATEN]
    if not_counted:
        lines.append(esc(not_counted_line(not_counted, view.ticks)))
    kcal_range = user.kcal_range if user is not None else None
    energy = f" (your range {describe_energy(kcal_range)})" if kcal_range else ""
    lines.append(f"{round(plan.kcal)} kcal · {round(plan.protein_g)} g protein{esc(energy)}")
    for note in plan.notes:
        if note != CLINICIAN_LINE:  # status_lines says it once, right under the total
            lines.append(f"💡 {esc(topup_label_text(note))}")
    if kcal_range is None:  # without a range the meals are chosen for B12, not for the day
        lines.append(esc(B12_FOCUSED_NOTE))
    return "\n".join(lines), plan_keyboard(plan, view)


NOT_EATEN = frozenset({"skipped", "other"})


def counted_plan(plan: DayPlan, ticks: Mapping[Slot, str]) -> DayPlan:
    """The plan as it still counts today: the meals eaten or still to come, without those
    ticked ⏭ skipped or 🍽 something else, so the status line never calls a day on target
    with B12 from a meal nobody ate (what was eaten instead counts in /log). The plan itself
    when nothing was skipped."""
    kept = tuple(m for m in plan.meals if ticks.get(m.slot) not in NOT_EATEN)
    if len(kept) == len(plan.meals):
        return plan
    b12 = sum(m.b12_ug for m in kept)
    return replace(
        plan,
        meals=kept,
        b12_ug=b12,
        b12_absorbed_ug=sum(absorbed_ug(m.b12_ug) for m in kept),
        shortfall_ug=max(0.0, plan.target_ug - b12),
        status=None,  # recomputed from the meals that count
    )


def not_counted_line(slots: Sequence[Slot], ticks: Mapping[Slot, str]) -> str:
    """Under the status: which meals it leaves out ("Counted without breakfast (skipped):
    anything else you ate counts in /log.")."""
    meals = ", ".join(f"{slot.value} ({STATUS_WORD[ticks[slot]]})" for slot in slots)
    return f"Counted without {meals}: anything else you ate counts in /log."


FORTIFIED_SHARE_NOTE = "over 50: more than half the target, IOM 1998"


def status_lines(plan: DayPlan, status: TargetStatus, user: UserSettings | None) -> list[str]:
    """The day's B12 against its target: ✅ only when every rule holds, else ⚠️ with the rules
    it misses; the absorbed estimate; over 50 the fortified share. When the clinician manages
    the person's B12 (impaired absorption, injections) no target is claimed from food and no
    absorption estimate is shown."""
    total = f"<b>B12 {fmt_ug(plan.b12_ug)} µg</b>"
    if status.clinician_managed:
        return [
            f"🩺 {total} from food (target {fmt_ug(plan.target_ug)} µg)",
            f"<i>{esc(CLINICIAN_LINE)}</i>",
        ]
    lines = [
        f"{status_mark(status)} {total} of your {fmt_ug(plan.target_ug)} µg target: "
        f"{esc(status_phrase(plan, status))}",
        f"≈ {fmt_ug(plan.b12_absorbed_ug)} µg absorbed (uptake saturates per meal, "
        "so spreading B12 out helps)",
    ]
    if user is not None and user.life_stage == OVER_50:
        lines.append(
            f"🥣 {fmt_ug(status.fortified_ug)} µg from fortified sources ({FORTIFIED_SHARE_NOTE})"
        )
    return lines


def slot_code(slot: Slot) -> str:
    """A slot as one digit in callback data (room for the recipe id in 64 bytes)."""
    return str(SLOT_ORDER.index(slot))


def slot_from_code(code: str) -> Slot | None:
    return SLOT_ORDER[int(code)] if code.isdigit() and int(code) < len(SLOT_ORDER) else None


def card_callback(
    action: str, servings: int, recipe_id: str, day: str = "-", slot: str = "-"
) -> str:
    """A recipe card button: the action, servings, and the plan day and slot it came from
    ("-" when opened with /recipe: no ◀ back and no swap)."""
    return callback("rc", action, servings, day, slot, recipe_id)


def _optional(text: str, make: Callable[[], str]) -> list[InlineKeyboardButton]:
    """A button whose data may not fit 64 bytes (a very long recipe id): left out then."""
    try:
        return [InlineKeyboardButton(text, callback_data=make())]
    except ValueError:
        return []


def plan_keyboard(plan: DayPlan, view: PlanView | None = None) -> InlineKeyboardMarkup:
    view = view or PlanView()
    code = day_code(plan.date)
    fp = plan_fingerprint(plan)
    rows: list[list[InlineKeyboardButton]] = []
    for meal in plan.meals:
        label = meal.slot.value.capitalize()
        sc = slot_code(meal.slot)
        if meal.slot in view.ticks:
            first = InlineKeyboardButton(
                f"↩️ Undo {label.lower()}", callback_data=callback("mlu", code, sc, fp)
            )
        else:
            first = InlineKeyboardButton(
                f"🔁 Swap {label.lower()}", callback_data=callback("swap", code, meal.slot, fp)
            )
        recipe = _optional(
            f"📖 {label} recipe",
            lambda m=meal, c=sc: card_callback("o", m.servings, m.recipe_id, code, c),
        ) or [
            InlineKeyboardButton(
                f"📖 {label} recipe", callback_data=recipe_callback(meal.recipe_id, meal.servings)
            )
        ]
        rows.append([first, *recipe])
    if view.checkoff:
        rows.extend(checkoff_rows(plan, slots={m.slot for m in plan.meals} - set(view.ticks)))
    if view.undo_swap is not None:
        slot, previous = view.undo_swap
        undo = _optional(
            f"↩️ Undo swap ({slot.value})",
            lambda: callback("unsw", code, slot_code(slot), previous, fp),
        )
        if undo:
            rows.append(undo)
    if view.tired and any(m.slot not in view.ticks for m in plan.meals):
        rows.append(
            [
                InlineKeyboardButton(
                    "😴 Tired today: quick meals", callback_data=callback("tired", code, fp)
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton("🛒 Shopping list", callback_data=callback("shop", code, 1)),
            # inline mode (switch on with @BotFather /setinline): pick a chat, drop the card
            InlineKeyboardButton("📤 Share", switch_inline_query=code),
        ]
    )
    return InlineKeyboardMarkup(rows)


def recipe_callback(recipe_id: str, servings: int = 1) -> str:
    return callback("rec", servings, recipe_id)


def render_share(plan: DayPlan, recipes: RecipeSet, user: UserSettings | None = None) -> str:
    """A button-free copy of a plan, meant to be forwarded to anyone (its mark is the
    sender's: ✅ only when every rule of their day holds)."""
    lines = [f"<b>B12 meal plan · {esc(fmt_day(plan.date))}</b>"]
    for meal in plan.meals:
        lines.append(
            f"{SLOT_ICON.get(meal.slot, '•')} {esc(meal.slot.value.capitalize())}: "
            f"{esc(recipe_name(recipes, meal.recipe_id))} ({fmt_ug(meal.b12_ug)} µg B12)"
        )
    lines.append(share_total_line(plan, day_status(plan, user)))
    return "\n".join(lines)


def week_day_gaps(plan: DayPlan, user: UserSettings | None = None) -> list[str]:
    """Short markers for a /week line: meals no recipe fits, the rules the day misses.

    The week view has no room for the day's notes, yet a missing breakfast or a short day must
    not pass unseen; the day's plan (tap the day) carries the full explanation.
    """
    gaps: list[str] = []
    if user is not None:
        planned = {m.slot for m in plan.meals}
        missing = [s.value for s in SLOT_ORDER if s in user.slots and s not in planned]
        if missing:
            gaps.append(f"no {' or '.join(missing)} fits")
    gaps += missed_rules(plan, day_status(plan, user))
    return gaps


def render_week(
    plans: Sequence[DayPlan], recipes: RecipeSet, user: UserSettings | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """Seven days at a glance: daily total vs target and the dishes."""
    if not plans:
        return "No plans to show.", InlineKeyboardMarkup([])
    target = plans[0].target_ug
    lines = [f"<b>Your week</b> · target {fmt_ug(target)} µg B12 a day", ""]
    statuses = [day_status(plan, user) for plan in plans]
    managed = any(status.clinician_managed for status in statuses)
    for plan, status in zip(plans, statuses, strict=True):
        absorbed = "from food" if managed else f"(≈ {fmt_ug(plan.b12_absorbed_ug)} absorbed)"
        lines.append(
            f"<b>{esc(fmt_day(plan.date))}</b> {status_mark(status)} {fmt_ug(plan.b12_ug)} µg "
            f"{absorbed}"
        )
        dishes = " · ".join(esc(recipe_name(recipes, m.recipe_id)) for m in plan.meals)
        lines.append(f"   {dishes}")
        gaps = week_day_gaps(plan, user)
        if gaps:
            lines.append(f"   ⚠️ {esc(' · '.join(gaps))}")
    lines.append("")
    if managed:
        lines.append(f"<i>{esc(CLINICIAN_LINE)}</i> Tap a day for its plan.")
    else:
        met = sum(status.met for status in statuses)
        lines.append(f"On target {met} of {len(plans)} days. Tap a day for its plan.")
    if any(week_day_gaps(p, user) for p in plans):
        lines.append("⚠️ marks a gap: the day's plan says why and how to close it.")
    day_buttons = [
        InlineKeyboardButton(
            p.date.strftime("%a %-d"), callback_data=callback("plan", day_code(p.date))
        )
        for p in plans
    ]
    rows = [day_buttons[i : i + 4] for i in range(0, len(day_buttons), 4)]
    rows.append(
        [
            InlineKeyboardButton(
                f"🛒 Shopping for {len(plans)} days",
                callback_data=callback("shop", day_code(plans[0].date), len(plans)),
            )
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------- recipes

KIND_WORD: dict[Kind, str] = {
    Kind.MEAT: "meat",
    Kind.FISH: "fish",
    Kind.SHELLFISH: "shellfish",
    Kind.EGG: "eggs",
    Kind.DAIRY: "dairy",
    Kind.HONEY: "honey",
}


def not_in_plan_line(recipe: Recipe, recipes: RecipeSet, user: UserSettings) -> str | None:
    """Why a looked-up dish would never be planned for this user: its diet ("⚠️ Not in your
    plan: contains fish (you're vegan).") and what they excluded, named as they said it
    ("⚠️ contains soy (you excluded it)"), or None."""
    lines = []
    kinds = {
        ing.kind
        for ing in (recipes.ingredients.get(i) for i in recipe.item_ids)
        if ing is not None and not user.diet.allows(KIND_DIET[ing.kind])
    }
    if kinds:
        words = " and ".join(sorted(KIND_WORD.get(k, k.value) for k in kinds))
        lines.append(esc(f"⚠️ Not in your plan: contains {words} (you're {user.diet.value})."))
    excluded = recipe_warning(recipe, user, recipes)
    if excluded:
        lines.append(esc(excluded))
    return "\n".join(lines) or None


def life_stage_line(recipe: Recipe, recipes: RecipeSet, user: UserSettings) -> str | None:
    """Pregnant or breastfeeding: one plain line on a card with liver or cold-smoked or cured
    fish, the foods the planner leaves out for these life stages (bot.core.plan_rules); no
    dose, no diagnosis. None otherwise."""
    reasons = unsafe_reasons(recipe, recipes.ingredients, user.life_stage)
    if not reasons:
        return None
    return esc(f"🤰 Not advised in pregnancy or while breastfeeding: {'; '.join(reasons)}")


def render_recipe(
    recipe: Recipe,
    recipes: RecipeSet,
    servings: int = 1,
    user: UserSettings | None = None,
    *,
    planned: PlannedMeal | None = None,
) -> str:
    """Ingredients scaled to `servings`, the steps, and B12 + kcal per serving; with `user`,
    a first line when the dish is outside their diet or exclusions, or not advised in their
    life stage. `planned`: the meal of a plan the card was opened from; its top-up (say,
    nutritional yeast on the chilli) is an ingredient line and counts in the B12, so
    someone cooking from the card does not miss that meal's B12."""
    servings = max(1, servings)
    topup = planned if planned is not None and planned.topup_item else None
    factor = servings / recipe.servings
    people = "1 serving" if servings == 1 else f"{servings} servings"
    lines = [
        f"📖 <b>{esc(recipe.name)}</b>",
        f"{people} · {recipe.time_min} min · {esc(recipe.diet.value)}",
    ]
    advice = life_stage_line(recipe, recipes, user) if user is not None else None
    if advice:
        lines.insert(0, advice)
    conflict = not_in_plan_line(recipe, recipes, user) if user is not None else None
    if conflict:
        lines.append(conflict)
    b12 = (
        f"B12 {fmt_ug(topup.b12_ug)} µg with the top-up"
        if topup is not None
        else f"B12 {fmt_ug(recipe.b12_ug)} µg"
    )
    lines += [
        "",
        f"<b>Per serving:</b> {b12} · "
        f"{round(recipe.per_serving.kcal)} kcal · {round(recipe.per_serving.protein_g)} g protein",
    ]
    if recipe.main_b12_source:
        source = recipes.ingredients.get(recipe.main_b12_source)
        name = source.name if source is not None else recipe.main_b12_source
        lines.append(f"Main B12 source: {esc(name)}")
    if recipe.fortified_b12:
        lines.append(
            "<i>B12 partly from a fortified product (typical label value): check your own "
            "product's label.</i>"
        )
    lines += ["", "<b>Ingredients</b>"]
    left_out = excluded_ids(user, recipes) if user is not None else frozenset()
    for line in recipe.ingredients:
        ing = recipes.ingredients.get(line.item)
        name = ing.name if ing is not None else line.item
        # rounded to what a person measures: no "⅛ tsp" or "1.3 eggs" (bot.core.servings)
        measured, unit = kitchen_measure(line.amount * factor, line.unit)
        qty = format_quantity(measured, unit)
        grams = ""
        if unit not in ("g", "ml"):
            weight = scaled_grams(
                line.grams_total * factor, line.amount * factor, line.unit, measured, unit
            )
            grams = f" ({fmt_grams(weight)} g)"
        mark = " ⚠️" if line.item in left_out else ""
        lines.append(f"• {esc(qty)} {esc(name)}{esc(grams)}{mark}")
    if topup is not None:
        label = topup_label_text(topup.topup_label or topup.topup_item or "", topup.topup_grams)
        lines.append(
            f"• ➕ {esc(label)}: your plan's B12 top-up, {fmt_ug(topup.topup_b12_ug)} µg per person"
        )
    lines += ["", "<b>Steps</b>"]
    for number, step in enumerate(recipe.steps, start=1):
        lines.append(f"{number}. {esc(step)}")
    return "\n".join(lines)


def render_recipe_matches(
    query: str, matches: Sequence[Recipe]
) -> tuple[str, InlineKeyboardMarkup]:
    if not matches:
        return (
            f"I found no recipe matching “{esc(quote(query))}”. Try a word from a dish name, "
            "e.g. <code>/recipe salmon</code>, or send /today to see today's dishes.",
            InlineKeyboardMarkup([]),
        )
    rows = [
        [InlineKeyboardButton(f"📖 {r.name}"[:60], callback_data=recipe_callback(r.id))]
        for r in matches
    ]
    return f"Which recipe do you mean by “{esc(quote(query))}”?", InlineKeyboardMarkup(rows)
