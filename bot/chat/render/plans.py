"""Texts and keyboards for plans: the day's plan, the week, a shareable copy, recipes and
shopping lists, and the titles of plan messages; no handlers, no I/O.

Texts use Telegram's HTML parse mode, so everything that comes from data or from users goes
through `esc()`. Callback data is short, versioned ("v1:...") and always under Telegram's
64-byte limit, so old buttons can be recognised and answered instead of failing silently.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from babel.dates import format_skeleton
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
from bot.core.i18n import N_, SOURCE_LANGUAGE, _, current_language, ngettext, pgettext
from bot.core.languages import localized_name, localized_steps
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
from bot.core.plan_notes import localize_note
from bot.core.plan_rules import CLINICIAN_LINE, unsafe_reasons
from bot.core.recipe_search import quote
from bot.core.servings import kitchen_measure, scaled_grams
from bot.core.topups import localized_label, topup_label


def day_title(day: dt.date, today: dt.date) -> str:
    """A plan message's title: "Today · Mon 5 Jan", "Tomorrow · Tue 6 Jan" or just the date."""
    if day == today:
        return _("Today · {day}").format(day=fmt_day(day))
    if day == today + dt.timedelta(days=1):
        return _("Tomorrow · {day}").format(day=fmt_day(day))
    return fmt_day(day)


def push_title(user: UserSettings, day: dt.date) -> str:
    """The morning push's title, greeting the user by first name when it is known."""
    if user.first_name:
        return _("☀️ Good morning, {name}! Your plan for {day}").format(
            name=user.first_name, day=fmt_day(day)
        )
    return _("☀️ Good morning! Your plan for {day}").format(day=fmt_day(day))


# The meal names a plan shows (capitalised, as a line's label or a button's); context "meal":
# the bare name, where another text may need it with an article.
SLOT_LABEL: dict[Slot, Callable[[], str]] = {
    Slot.BREAKFAST: lambda: pgettext("meal", "Breakfast"),
    Slot.LUNCH: lambda: pgettext("meal", "Lunch"),
    Slot.DINNER: lambda: pgettext("meal", "Dinner"),
    Slot.SNACK: lambda: pgettext("meal", "Snack"),
}
# The same meal names mid-sentence ("↩️ Undo breakfast", "Counted without lunch").
SLOT_WORD: dict[Slot, str] = {
    Slot.BREAKFAST: N_("breakfast"),
    Slot.LUNCH: N_("lunch"),
    Slot.DINNER: N_("dinner"),
    Slot.SNACK: N_("snack"),
}


def slot_label(slot: Slot) -> str:
    """ "Breakfast" in the current language."""
    return SLOT_LABEL[slot]() if slot in SLOT_LABEL else slot.value.capitalize()


def slot_word(slot: Slot) -> str:
    """ "breakfast" in the current language, mid-sentence."""
    return _(SLOT_WORD[slot]) if slot in SLOT_WORD else slot.value


def label_from_english(label: str, recipes: RecipeSet, grams: float = 0.0) -> str:
    """A top-up label the planner stored in English, in the current language: the food it
    names is looked up among the fortified foods (English: the label as stored)."""
    if current_language() == SOURCE_LANGUAGE:
        return topup_label_text(label, grams)
    return localized_label(label, recipes.ingredients)


def meal_topup_label(meal: PlannedMeal, recipes: RecipeSet) -> str:
    """A planned meal's top-up, as the reader reads it ("a glass (250 ml) of …")."""
    ing = recipes.ingredients.get(meal.topup_item or "")
    if current_language() == SOURCE_LANGUAGE or ing is None:
        return topup_label_text(meal.topup_label or meal.topup_item or "", meal.topup_grams)
    return topup_label(ing, meal.topup_grams)


def plan_note(note: str, recipes: RecipeSet) -> str:
    """A plan note in the current language (bot.core.plan_notes), recipe names and top-up
    labels included."""
    if current_language() == SOURCE_LANGUAGE:
        return topup_label_text(note)
    by_name = {r.name: r for r in recipes.recipes.values()}

    def name(text: str) -> str:
        recipe = by_name.get(text)
        return localized_name(recipe, current_language()) if recipe is not None else text

    return localize_note(note, lambda label: localized_label(label, recipes.ingredients), name)


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
        fortified = " · " + _("fortified") if meal.fortified_b12 else ""
        tick = view.ticks.get(meal.slot)
        mark = f"{STATUS_MARK[tick]} " if tick in STATUS_MARK else ""
        state = f" — {_(STATUS_WORD[tick])}" if tick in STATUS_WORD else ""
        lines.append(
            f"{mark}{icon} <b>{esc(slot_label(meal.slot))}</b>: "
            f"{esc(recipe_name(recipes, meal.recipe_id))}{state}"
        )
        if meal.topup_item and meal.topup_label:
            topup = _("plus {label} ({amount} µg B12 top-up)").format(
                label=esc(meal_topup_label(meal, recipes)), amount=fmt_ug(meal.topup_b12_ug)
            )
            lines.append(f"      ➕ {topup}")
        recipe = recipes.recipes.get(meal.recipe_id)
        minutes = (
            " · ⏱ " + _("{minutes} min").format(minutes=recipe.time_min)
            if recipe is not None
            else ""
        )
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
    energy = (
        " " + _("(your range {range})").format(range=describe_energy(kcal_range))
        if kcal_range
        else ""
    )
    totals = _("{kcal} kcal · {protein} g protein").format(
        kcal=round(plan.kcal), protein=round(plan.protein_g)
    )
    lines.append(f"{totals}{esc(energy)}")
    for note in plan.notes:
        if note != CLINICIAN_LINE:  # status_lines says it once, right under the total
            lines.append(f"💡 {esc(plan_note(note, recipes))}")
    if kcal_range is None:  # without a range the meals are chosen for B12, not for the day
        lines.append(esc(_(B12_FOCUSED_NOTE)))
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
    meals = ", ".join(f"{slot_word(slot)} ({_(STATUS_WORD[ticks[slot]])})" for slot in slots)
    return _("Counted without {meals}: anything else you ate counts in /log.").format(meals=meals)


FORTIFIED_SHARE_NOTE = N_("over 50: more than half the target, IOM 1998")


def status_lines(plan: DayPlan, status: TargetStatus, user: UserSettings | None) -> list[str]:
    """The day's B12 against its target: ✅ only when every rule holds, else ⚠️ with the rules
    it misses; the absorbed estimate; over 50 the fortified share. When the clinician manages
    the person's B12 (impaired absorption, injections) no target is claimed from food and no
    absorption estimate is shown."""
    total = f"<b>B12 {fmt_ug(plan.b12_ug)} µg</b>"
    target = fmt_ug(plan.target_ug)
    if status.clinician_managed:
        return [
            "🩺 " + _("{total} from food (target {target} µg)").format(total=total, target=target),
            f"<i>{esc(_(CLINICIAN_LINE))}</i>",
        ]
    lines = [
        f"{status_mark(status)} "
        + _("{total} of your {target} µg target: {status}").format(
            total=total, target=target, status=esc(status_phrase(plan, status))
        ),
        "≈ "
        + _("{amount} µg absorbed (uptake saturates per meal, so spreading B12 out helps)").format(
            amount=fmt_ug(plan.b12_absorbed_ug)
        ),
    ]
    if user is not None and user.life_stage == OVER_50:
        lines.append(
            "🥣 "
            + _("{amount} µg from fortified sources ({note})").format(
                amount=fmt_ug(status.fortified_ug), note=_(FORTIFIED_SHARE_NOTE)
            )
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


# Keyboards already drawn: on a morning push thousands of users get the same day's plan (the
# planner shares a day among equal settings), and drawing ~17 buttons is most of rendering.
# The markup is immutable, so one object serves every message that shows the same buttons.
_KEYBOARDS: OrderedDict[tuple[object, ...], InlineKeyboardMarkup] = OrderedDict()
KEYBOARD_CACHE = 1024


def plan_keyboard(plan: DayPlan, view: PlanView | None = None) -> InlineKeyboardMarkup:
    """The plan's buttons (see `_plan_keyboard`), drawn once per plan, view and language."""
    view = view or PlanView()
    key = (
        plan.date,
        tuple((m.slot, m.recipe_id, m.servings) for m in plan.meals),
        tuple(sorted(view.ticks.items())),
        view.checkoff,
        view.undo_swap,
        view.tired,
        current_language(),
    )
    found = _KEYBOARDS.get(key)
    if found is None:
        found = _KEYBOARDS[key] = _plan_keyboard(plan, view)
        if len(_KEYBOARDS) > KEYBOARD_CACHE:
            _KEYBOARDS.popitem(last=False)
    else:
        _KEYBOARDS.move_to_end(key)
    return found


def _plan_keyboard(plan: DayPlan, view: PlanView) -> InlineKeyboardMarkup:
    code = day_code(plan.date)
    fp = plan_fingerprint(plan)
    rows: list[list[InlineKeyboardButton]] = []
    for meal in plan.meals:
        word = slot_word(meal.slot)
        sc = slot_code(meal.slot)
        if meal.slot in view.ticks:
            first = InlineKeyboardButton(
                "↩️ " + _("Undo {meal}").format(meal=word),
                callback_data=callback("mlu", code, sc, fp),
            )
        else:
            first = InlineKeyboardButton(
                "🔁 " + _("Swap {meal}").format(meal=word),
                callback_data=callback("swap", code, meal.slot, fp),
            )
        recipe_label = "📖 " + _("{meal} recipe").format(meal=slot_label(meal.slot))
        recipe = _optional(
            recipe_label,
            lambda m=meal, c=sc: card_callback("o", m.servings, m.recipe_id, code, c),
        ) or [
            InlineKeyboardButton(
                recipe_label, callback_data=recipe_callback(meal.recipe_id, meal.servings)
            )
        ]
        rows.append([first, *recipe])
    if view.checkoff:
        rows.extend(checkoff_rows(plan, slots={m.slot for m in plan.meals} - set(view.ticks)))
    if view.undo_swap is not None:
        slot, previous = view.undo_swap
        undo = _optional(
            "↩️ " + _("Undo swap ({meal})").format(meal=slot_word(slot)),
            lambda: callback("unsw", code, slot_code(slot), previous, fp),
        )
        if undo:
            rows.append(undo)
    if view.tired and any(m.slot not in view.ticks for m in plan.meals):
        rows.append(
            [
                InlineKeyboardButton(
                    "😴 " + _("Tired today: quick meals"),
                    callback_data=callback("tired", code, fp),
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                "🛒 " + _("Shopping list"), callback_data=callback("shop", code, 1)
            ),
            # inline mode (switch on with @BotFather /setinline): pick a chat, drop the card
            InlineKeyboardButton("📤 " + pgettext("button", "Share"), switch_inline_query=code),
        ]
    )
    return InlineKeyboardMarkup(rows)


def recipe_callback(recipe_id: str, servings: int = 1) -> str:
    return callback("rec", servings, recipe_id)


def render_share(plan: DayPlan, recipes: RecipeSet, user: UserSettings | None = None) -> str:
    """A button-free copy of a plan, meant to be forwarded to anyone (its mark is the
    sender's: ✅ only when every rule of their day holds)."""
    title = _("B12 meal plan · {day}").format(day=fmt_day(plan.date))
    lines = [f"<b>{esc(title)}</b>"]
    for meal in plan.meals:
        lines.append(
            f"{SLOT_ICON.get(meal.slot, '•')} {esc(slot_label(meal.slot))}: "
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
        missing = [slot_word(s) for s in SLOT_ORDER if s in user.slots and s not in planned]
        if missing:
            gaps.append(_("no {meals} fits").format(meals=_(" or ").join(missing)))
    gaps += missed_rules(plan, day_status(plan, user))
    return gaps


def render_week(
    plans: Sequence[DayPlan], recipes: RecipeSet, user: UserSettings | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """Seven days at a glance: daily total vs target and the dishes."""
    if not plans:
        return _("No plans to show."), InlineKeyboardMarkup([])
    target = plans[0].target_ug
    head = _("target {amount} µg B12 a day").format(amount=fmt_ug(target))
    lines = ["<b>" + _("Your week") + f"</b> · {head}", ""]
    statuses = [day_status(plan, user) for plan in plans]
    managed = any(status.clinician_managed for status in statuses)
    for plan, status in zip(plans, statuses, strict=True):
        absorbed = (
            _("from food")
            if managed
            else _("(≈ {amount} absorbed)").format(amount=fmt_ug(plan.b12_absorbed_ug))
        )
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
        lines.append(f"<i>{esc(_(CLINICIAN_LINE))}</i> " + _("Tap a day for its plan."))
    else:
        met = sum(status.met for status in statuses)
        lines.append(
            _("On target {met} of {count} days. Tap a day for its plan.").format(
                met=met, count=len(plans)
            )
        )
    if any(week_day_gaps(p, user) for p in plans):
        lines.append(_("⚠️ marks a gap: the day's plan says why and how to close it."))
    day_buttons = [
        InlineKeyboardButton(day_button(p.date), callback_data=callback("plan", day_code(p.date)))
        for p in plans
    ]
    rows = [day_buttons[i : i + 4] for i in range(0, len(day_buttons), 4)]
    rows.append(
        [
            InlineKeyboardButton(
                "🛒 " + _("Shopping for {count} days").format(count=len(plans)),
                callback_data=callback("shop", day_code(plans[0].date), len(plans)),
            )
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def day_button(day: dt.date) -> str:
    """A /week day button: "Tue 1" (English), the weekday and day the local way otherwise."""
    if current_language() == SOURCE_LANGUAGE:
        return day.strftime("%a %-d")
    return format_skeleton("Ed", day, locale=current_language())


# --------------------------------------------------------------------------- recipes

KIND_WORD: dict[Kind, str] = {
    Kind.MEAT: N_("meat"),
    Kind.FISH: N_("fish"),
    Kind.SHELLFISH: N_("shellfish"),
    Kind.EGG: N_("eggs"),
    Kind.DAIRY: N_("dairy"),
    Kind.HONEY: N_("honey"),
}
# A diet as the card says it ("you're vegan").
DIET_WORD: dict[str, str] = {
    "vegan": N_("vegan"),
    "vegetarian": N_("vegetarian"),
    "pescatarian": N_("pescatarian"),
    "omnivore": N_("omnivore"),
}


def diet_word(diet: str) -> str:
    return _(DIET_WORD[diet]) if diet in DIET_WORD else diet


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
        words = _(" and ").join(
            sorted(_(KIND_WORD[k]) if k in KIND_WORD else k.value for k in kinds)
        )
        text = _("Not in your plan: contains {foods} (you're {diet}).").format(
            foods=words, diet=diet_word(user.diet.value)
        )
        lines.append(esc(f"⚠️ {text}"))
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
    text = _("Not advised in pregnancy or while breastfeeding: {reasons}").format(
        reasons="; ".join(reasons)
    )
    return esc(f"🤰 {text}")


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
    lang = current_language()
    people = ngettext("{count} serving", "{count} servings", servings).format(count=servings)
    minutes = _("{minutes} min").format(minutes=recipe.time_min)
    lines = [
        f"📖 <b>{esc(localized_name(recipe, lang))}</b>",
        f"{people} · {minutes} · {esc(diet_word(recipe.diet.value))}",
    ]
    advice = life_stage_line(recipe, recipes, user) if user is not None else None
    if advice:
        lines.insert(0, advice)
    conflict = not_in_plan_line(recipe, recipes, user) if user is not None else None
    if conflict:
        lines.append(conflict)
    b12 = (
        _("B12 {amount} µg with the top-up").format(amount=fmt_ug(topup.b12_ug))
        if topup is not None
        else f"B12 {fmt_ug(recipe.b12_ug)} µg"
    )
    totals = _("{kcal} kcal · {protein} g protein").format(
        kcal=round(recipe.per_serving.kcal), protein=round(recipe.per_serving.protein_g)
    )
    lines += ["", "<b>" + _("Per serving:") + f"</b> {b12} · {totals}"]
    if recipe.main_b12_source:
        source = recipes.ingredients.get(recipe.main_b12_source)
        name = localized_name(source, lang) if source is not None else recipe.main_b12_source
        lines.append(_("Main B12 source: {name}").format(name=esc(name)))
    if recipe.fortified_b12:
        lines.append(
            "<i>"
            + _(
                "B12 partly from a fortified product (typical label value): check your own "
                "product's label."
            )
            + "</i>"
        )
    lines += ["", "<b>" + _("Ingredients") + "</b>"]
    left_out = excluded_ids(user, recipes) if user is not None else frozenset()
    for line in recipe.ingredients:
        ing = recipes.ingredients.get(line.item)
        name = localized_name(ing, lang) if ing is not None else line.item
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
        text = _("{label}: your plan's B12 top-up, {amount} µg per person").format(
            label=meal_topup_label(topup, recipes), amount=fmt_ug(topup.topup_b12_ug)
        )
        lines.append(f"• ➕ {esc(text)}")
    lines += ["", "<b>" + _("Steps") + "</b>"]
    for number, step in enumerate(localized_steps(recipe, lang), start=1):
        lines.append(f"{number}. {esc(step)}")
    return "\n".join(lines)


def render_recipe_matches(
    query: str, matches: Sequence[Recipe]
) -> tuple[str, InlineKeyboardMarkup]:
    if not matches:
        return (
            _(
                "I found no recipe matching “{query}”. Try a word from a dish name, e.g. "
                "<code>/recipe salmon</code>, or send /today to see today's dishes."
            ).format(query=esc(quote(query))),
            InlineKeyboardMarkup([]),
        )
    lang = current_language()
    rows = [
        [
            InlineKeyboardButton(
                f"📖 {localized_name(r, lang)}"[:60], callback_data=recipe_callback(r.id)
            )
        ]
        for r in matches
    ]
    question = _("Which recipe do you mean by “{query}”?").format(query=esc(quote(query)))
    return question, InlineKeyboardMarkup(rows)
