"""/settings and what it leads to: exclusions, meals per day, pausing and /stop (/delete is
in the account feature).

Changes that alter what gets planned (exclusions, meals) drop the stored plans from today on,
so the next /today is planned with the new settings; past days stay as they were.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.chat.handlers.base import (
    Context,
    command_args,
    current_user,
    edit,
    onboarded_user,
    replan_after_change,
    reply,
    services,
)
from bot.chat.render.format import esc, join_names
from bot.chat.render.onboarding import (
    FLOW_SETTINGS,
    absorption_keyboard,
    diet_keyboard,
    region_keyboard,
    render_absorption_question,
    render_region_question,
    render_target_question,
    render_timezone_question,
    target_keyboard,
    time_keyboard,
    timezone_keyboard,
)
from bot.chat.render.settings import (
    back_button,
    exclusions_keyboard,
    meals_keyboard,
    render_exclusions,
    render_meals_question,
    render_settings,
    slot_title,
)
from bot.core.exclusions import (
    Inclusion,
    include,
    term_label,
    term_labels,
    understand,
    with_emoji_words,
)
from bot.core.i18n import N_, _, fmt_decimal, fmt_time, ngettext
from bot.core.models import SLOT_ORDER, RecipeSet, Slot
from bot.core.recipe_search import describe_match, local_name, quote, suggest_ingredient_words

# group words shown as examples, English, translated at use: _(word)
KIND_EXAMPLES = (
    N_("eggs"), N_("fish"), N_("dairy"), N_("meat"), N_("soy"), N_("gluten"), N_("nuts")
)  # fmt: skip
MAX_FOOD_LIST_CHARS = 300  # a longer /exclude or /include list is pasted junk: change nothing
MAX_UNKNOWN_SHOWN = 5
TOO_LONG_LIST = N_(
    "That list is too long ({n} characters; I read up to {limit}). Nothing was changed. "
    "Name a few foods or groups, e.g. <code>/exclude {example}</code>."
)


def too_long_list(n: int) -> str:
    return _(TOO_LONG_LIST).format(
        n=fmt_decimal(n, 0), limit=MAX_FOOD_LIST_CHARS, example=esc(_("tofu, peanuts"))
    )


def split_words(text: str) -> list[str]:
    """ "peanuts, tofu and eggs" -> ["peanuts", "tofu", "eggs"] ("und", "y", "et" too)."""
    parts = re.split(r"\s*(?:,|;|\b(?:and|und|y|et)\b|\n)\s*", text.strip(), flags=re.IGNORECASE)
    return [p.strip() for p in parts if p.strip()]


def ingredient_label(recipes: RecipeSet, item_id: str) -> str:
    ing = recipes.ingredients.get(item_id)
    return local_name(ing) if ing is not None else item_id


def unknown_words_text(recipes: RecipeSet, unknown: list[str]) -> str:
    """The answer for words that are neither a food nor a food group: what they may have meant
    (group words first, so "glutn" offers gluten) and how to say it."""
    lines = []
    for word in unknown[:MAX_UNKNOWN_SHOWN]:
        close = suggest_ingredient_words(recipes, word)
        if close:
            offered = ", ".join(f"<code>{esc(c)}</code>" for c in close)
            lines.append(
                _("I don't know “{word}”. Did you mean: {offered}?").format(
                    word=esc(quote(word)), offered=offered
                )
            )
        else:
            lines.append(
                _("I don't know “{word}” as a food in my recipes.").format(word=esc(quote(word)))
            )
    if len(unknown) > MAX_UNKNOWN_SHOWN:
        more = len(unknown) - MAX_UNKNOWN_SHOWN
        lines.append(
            ngettext(
                "… and {n} more word I don't know.", "… and {n} more words I don't know.", more
            ).format(n=more)
        )
    lines.append(
        _("Use a food name, e.g. <code>/exclude {food}</code>, or a group: {groups}.").format(
            food=esc(_("tofu")), groups=esc(", ".join(_(k) for k in KIND_EXAMPLES))
        )
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- commands


async def settings_command(update: Update, context: Context) -> None:
    user = await onboarded_user(update, context)
    if user is None:
        return
    text, markup = render_settings(user, services(context).recipes)
    await reply(update, text, markup)


async def exclude_command(update: Update, context: Context) -> None:
    """Leave out groups and foods as the user names them (words or food emoji); groups stay
    groups, so a food added to one later is left out too."""
    user = await current_user(update, context)
    svc = services(context)
    args = command_args(context)
    if len(args) > MAX_FOOD_LIST_CHARS:
        await reply(update, too_long_list(len(args)))
        return
    words = split_words(with_emoji_words(args))
    if not words:
        markup = exclusions_keyboard(user, svc.recipes, back=False)
        await reply(update, render_exclusions(user, svc.recipes), markup)
        return
    said = [understand(svc.recipes, word) for word in words]
    known = [s for s in said if s.known]
    unknown = [s.word for s in said if not s.known]
    added = {t for s in known for t in s.terms}
    lines = []
    if added:
        new_terms = added - user.exclude
        user = await svc.users.update(user.user_id, exclude=user.exclude | added)
        replanned = await replan_after_change(context, user)
        with_foods = [s.match for s in known if s.terms]
        described = "; ".join(esc(describe_match(svc.recipes, match)) for match in with_foods)
        if new_terms:
            lines.append(_("🚫 Left out from now on: {foods}.").format(foods=described))
        else:
            lines.append(_("🚫 Already left out: {foods}.").format(foods=described))
        lines.append(_("Your plans from today on are made without them. /include brings one back."))
        if replanned:
            lines.append(replanned)
    notes = dict.fromkeys(note for s in known for note in s.match.notes)
    lines.extend(f"ℹ️ {esc(note[:1].upper() + note[1:])}." for note in notes)
    if unknown:
        lines.append(unknown_words_text(svc.recipes, unknown))
    await reply(update, "\n".join(lines))


def still_out_lines(inclusion: Inclusion) -> list[str]:
    """ "Tofu is part of soy, which you excluded — /include soy to allow all of it." """
    lines = []
    for food, covering in inclusion.still_out[:MAX_UNKNOWN_SHOWN]:
        groups = join_names(list(covering))
        text = (
            _(
                "{food} is part of {groups}, which you excluded — /include {first} to allow "
                "all of it."
            )
            if len(covering) == 1
            else _(
                "{food} is part of {groups}, which you excluded — /include {first} to allow "
                "all of them."
            )
        )
        lines.append(text.format(food=esc(food), groups=esc(groups), first=esc(covering[0])))
    if len(inclusion.still_out) > MAX_UNKNOWN_SHOWN:
        more = len(inclusion.still_out) - MAX_UNKNOWN_SHOWN
        lines.append(ngettext("… and {n} more food.", "… and {n} more foods.", more).format(n=more))
    return lines


async def include_command(update: Update, context: Context) -> None:
    """Bring back what a word names; a food another excluded group covers stays out, and the
    reply says which group (so /include tofu never quietly undoes /exclude soy)."""
    user = await current_user(update, context)
    svc = services(context)
    args = command_args(context)
    if len(args) > MAX_FOOD_LIST_CHARS:
        await reply(update, too_long_list(len(args)))
        return
    words = split_words(with_emoji_words(args))
    if not words:
        await reply(
            update,
            render_exclusions(user, svc.recipes)
            + "\n\n"
            + _("Example: <code>/include {food}</code>").format(food=esc(_("tofu"))),
            exclusions_keyboard(user, svc.recipes, back=False),
        )
        return
    terms = user.exclude
    removed: list[str] = []
    still: list[str] = []
    not_excluded: list[str] = []
    unknown: list[str] = []
    for word in words:
        said = understand(svc.recipes, word)
        if not said.known:
            unknown.append(word)
            continue
        inclusion = include(svc.recipes, terms, said)
        terms = inclusion.terms
        removed.extend(inclusion.removed)
        still.extend(still_out_lines(inclusion))
        if not inclusion.removed and not inclusion.still_out:
            not_excluded.append(word)
    lines = []
    if removed:
        user = await svc.users.update(user.user_id, exclude=terms)
        replanned = await replan_after_change(context, user)
        labels = term_labels(removed, svc.recipes.ingredients)
        lines.append(
            _("✅ Back in your plans: <b>{foods}</b>.").format(foods=esc(join_names(labels)))
        )
        if replanned:
            lines.append(replanned)
    lines.extend(dict.fromkeys(still))
    for word in not_excluded:
        lines.append(
            _("“{word}” was not left out, nothing to change.").format(word=esc(quote(word)))
        )
    if unknown:
        lines.append(unknown_words_text(svc.recipes, unknown))
    await reply(update, "\n".join(lines))


async def stop_command(update: Update, context: Context) -> None:
    user = await onboarded_user(update, context)
    if user is None:
        return
    await services(context).users.update(user.user_id, push_enabled=False)
    await reply(
        update,
        _(
            "⏸ Done: no more daily plans. Your settings are kept, so /today still works and "
            "/settings can resume the daily plan. /delete erases everything I store about you."
        ),
    )


# --------------------------------------------------------------------------- buttons


async def on_menu(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    page = query.data.split(":", 2)[2]
    user = await current_user(update, context)
    svc = services(context)
    await query.answer()
    back = [back_button()]

    def with_back(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([*markup.inline_keyboard, back])

    if page == "diet":
        await edit(query, _("How do you eat?"), with_back(diet_keyboard(FLOW_SETTINGS)))
    elif page == "tgt":
        markup = with_back(target_keyboard(FLOW_SETTINGS, user.diet))
        await edit(query, render_target_question(user.diet), markup)
    elif page == "reg":
        markup = with_back(region_keyboard(FLOW_SETTINGS, user.timezone))
        await edit(query, render_region_question(user.timezone, zone_set=False), markup)
    elif page == "abs":
        await edit(
            query, render_absorption_question(), with_back(absorption_keyboard(FLOW_SETTINGS))
        )
    elif page == "tz":
        await edit(query, render_timezone_question(), with_back(timezone_keyboard(FLOW_SETTINGS)))
    elif page == "time":
        await edit(
            query,
            _(
                "Daily plan now at <b>{time}</b>. New time? Or type e.g. <code>/time 06:45</code>"
            ).format(time=fmt_time(user.push_time)),
            with_back(time_keyboard(FLOW_SETTINGS)),
        )
    elif page == "meals":
        await edit(query, render_meals_question(user), meals_keyboard(user))
    elif page == "excl":
        await edit(
            query, render_exclusions(user, svc.recipes), exclusions_keyboard(user, svc.recipes)
        )
    else:
        text, markup = render_settings(user, svc.recipes)
        await edit(query, text, markup)


async def on_slot(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await current_user(update, context)
    try:
        slot = Slot(query.data.split(":", 2)[2])
    except ValueError:
        await query.answer(_("This button is out of date. Send /settings."), show_alert=True)
        return
    if slot in user.slots:
        if len(user.slots) == 1:
            await query.answer(_("Keep at least one meal a day."), show_alert=True)
            return
        chosen = {s for s in user.slots if s != slot}
    else:
        chosen = {*user.slots, slot}
    svc = services(context)
    user = await svc.users.update(user.user_id, slots=tuple(s for s in SLOT_ORDER if s in chosen))
    replanned = await replan_after_change(context, user)
    toast = _("{meal} on") if slot in chosen else _("{meal} off")
    await query.answer(toast.format(meal=slot_title(slot)))
    if replanned:  # the note first: the meals screen stays the newest message with buttons
        await reply(update, replanned)
    await edit(query, render_meals_question(user), meals_keyboard(user))


async def on_push(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await current_user(update, context)
    enabled = query.data.endswith(":on")
    user = await services(context).users.update(query.from_user.id, push_enabled=enabled)
    await query.answer(_("Daily plan resumed") if enabled else _("Daily plan paused"))
    text, markup = render_settings(user, services(context).recipes)
    await edit(query, text, markup)


async def on_include_button(update: Update, context: Context) -> None:
    """↩️ <food> on the exclusions screen: bring that food back, show the screen again."""
    query = update.callback_query
    assert query is not None and query.data is not None
    term = query.data.split(":", 2)[2]
    user = await current_user(update, context)
    svc = services(context)
    if term not in user.exclude:
        await query.answer(_("That is already in your plans."))
    else:
        user = await svc.users.update(user.user_id, exclude=user.exclude - {term})
        replanned = await replan_after_change(context, user)
        label = term_label(term, svc.recipes.ingredients, full=True)
        await query.answer(_("Back in your plans: {food}").format(food=label)[:190])
        if replanned:
            await reply(update, replanned)
    await edit(query, render_exclusions(user, svc.recipes), exclusions_keyboard(user, svc.recipes))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("settings", settings_command))
    application.add_handler(CommandHandler("exclude", exclude_command))
    application.add_handler(CommandHandler("include", include_command))
    application.add_handler(CommandHandler("stop", stop_command))
    application.add_handler(CallbackQueryHandler(on_menu, pattern=r"^v1:menu:"))
    application.add_handler(CallbackQueryHandler(on_slot, pattern=r"^v1:slot:"))
    application.add_handler(CallbackQueryHandler(on_push, pattern=r"^v1:push:"))
    application.add_handler(CallbackQueryHandler(on_include_button, pattern=r"^v1:incl:"))
