"""/start in a few taps (diet -> target and life stage -> absorption (optional) -> time zone
-> food region -> allergies (optional) -> push time), and the typed shortcuts.

The same buttons serve onboarding (flow "ob": go on to the next question) and /settings
(flow "s": go back to the settings menu), so each choice is handled once. The food region is
suggested from the time zone (Europe/London -> UK, Europe/* -> EU, America/* -> US) and
confirmed with one tap; vegans are offered to enter their own drink's label value at the end.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from telegram import CallbackQuery, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.chat.handlers.base import (
    START_CALLBACK,
    Context,
    command_args,
    current_user,
    edit,
    replan_after_change,
    reply,
    services,
)
from bot.chat.render.format import esc, fmt_ug
from bot.chat.render.onboarding import (
    ABSORPTION_NOTES,
    FLOW_ONBOARDING,
    FLOW_SETTINGS,
    REGION_BUTTON,
    absorption_keyboard,
    allergy_keyboard,
    diet_keyboard,
    life_stage_note,
    location_request_keyboard,
    preset_by_key,
    region_keyboard,
    render_absorption_question,
    render_allergy_question,
    render_drink_prompt,
    render_onboarding_done,
    render_region_question,
    render_target_question,
    render_time_question,
    render_timezone_question,
    render_welcome,
    render_welcome_back,
    target_keyboard,
    target_pad,
    time_keyboard,
    time_picker,
    timezone_keyboard,
)
from bot.chat.render.pickers import pad_value, parse_hour, valid_pad_value
from bot.chat.render.settings import preset_source_text, render_settings
from bot.core.clock import resolve_zone, zone, zone_now
from bot.core.exclusions import ALLERGEN_CHOICES, group_label, group_term
from bot.core.i18n import (
    N_,
    SOURCE_LANGUAGE,
    _,
    current_language,
    fmt_decimal,
    fmt_time,
    parse_decimal,
)
from bot.core.languages import localized_name
from bot.core.models import ABSORPTION_STATUSES, REGION_ANY, REGIONS, Diet, RecipeSet, UserSettings
from bot.core.products import label_from_per_100g
from bot.core.recipe_search import quote

MIN_TARGET_UG = 0.5
MAX_TARGET_UG = 50.0
STALE_CHOICE = N_("That choice is out of date. Send /settings.")
# the diet in the toast after a tap ("Diet: vegan")
DIET_WORD: dict[Diet, str] = {
    Diet.OMNIVORE: N_("omnivore"),
    Diet.PESCATARIAN: N_("pescatarian"),
    Diet.VEGETARIAN: N_("vegetarian"),
    Diet.VEGAN: N_("vegan"),
}
ALLERGEN_GROUP_NAMES = frozenset(group for group, _icon in ALLERGEN_CHOICES)

Question = tuple[str, InlineKeyboardMarkup | None]  # (text, keyboard) of the next message


# --------------------------------------------------------------------------- parsing


def parse_target(text: str) -> float:
    """ "3.5", "3,5" or "3.5 µg" -> 3.5; ValueError with a message a user can act on."""
    cleaned = re.sub(r"\s*(µg|ug|mcg|μg)\s*$", "", text.strip(), flags=re.IGNORECASE)
    try:
        # "2,5" and "2.5"; never "nan", "inf" or "1e309" (they are not targets, and a
        # non-finite value must never be echoed back as "nan µg")
        value = parse_decimal(cleaned) + 0.0  # -0 -> 0
    except ValueError:
        raise ValueError(
            _(
                "“{text}” is not a number. Send the target in micrograms (µg) per day, "
                "e.g. /target {example}"
            ).format(text=quote(text), example=fmt_ug(3.5))
        ) from None
    if not MIN_TARGET_UG <= value <= MAX_TARGET_UG:
        raise ValueError(
            _(
                "{value} µg is outside what I can plan for ({low} to {high} µg a day). Most "
                "adults need {adult} µg; ask your clinician if unsure. Example: /target {example}"
            ).format(
                value=_number(value),
                low=_number(MIN_TARGET_UG),
                high=_number(MAX_TARGET_UG),
                adult=fmt_ug(2.4),
                example=fmt_ug(3.5),
            )
        )
    return value


_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.h](\d{2})|h)?\s*(am|pm)?$", re.IGNORECASE)  # "21h" too
# "0745" / "745": hours and minutes without a separator, as people type them on a phone.
_HHMM_RE = re.compile(r"^(\d{1,2})(\d{2})\s*(am|pm)?$", re.IGNORECASE)
TIME_FORMS_HINT = N_(
    "Send a 24-hour time as 06:45, 6.45 or 0645, or with am/pm as 7am, e.g. /time 06:45"
)


def _number(value: float) -> str:
    """A number as `{value:g}` writes it, with the local decimal mark ("0.5", "0,5")."""
    text = f"{value:g}"
    return text if current_language() == SOURCE_LANGUAGE else fmt_decimal(value, 2, trim=True)


def parse_time(text: str) -> dt.time:
    """ "06:45", "6.45", "0645", "645", "7", "7am", "19:00" -> time; ValueError naming the
    problem and the forms that work."""
    cleaned = text.strip()
    match = _TIME_RE.match(cleaned) or _HHMM_RE.match(cleaned)
    if not match:
        raise ValueError(
            _("“{text}” is not a time.").format(text=quote(text)) + " " + _(TIME_FORMS_HINT)
        )
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(
                _("“{text}” is not a time: with am/pm the hour is 1 to 12.").format(
                    text=quote(text)
                )
                + " "
                + _(TIME_FORMS_HINT)
            )
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(
            _("“{text}” is not a time: hours go to 23 and minutes to 59.").format(text=quote(text))
            + " "
            + _(TIME_FORMS_HINT)
        )
    return dt.time(hour, minute)


@functools.cache
def _timezone_finder() -> object:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str | None:
    """IANA zone at a point (offline, timezonefinder's bundled data)."""
    finder = _timezone_finder()
    return finder.timezone_at(lng=longitude, lat=latitude)  # type: ignore[attr-defined]


def _flow(user: UserSettings) -> str:
    return FLOW_SETTINGS if user.onboarded else FLOW_ONBOARDING


# --------------------------------------------------------------------------- /start


async def start(update: Update, context: Context) -> None:
    user = await current_user(update, context)
    if user.onboarded:
        text, markup = render_welcome_back(user, services(context).recipes)
        await reply(update, text, markup)
        return
    await reply(update, render_welcome(user.first_name), diet_keyboard(FLOW_ONBOARDING))


async def on_start_button(update: Update, context: Context) -> None:
    """The ▶️ Start button under "let's set you up first": the same as sending /start."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await start(update, context)


# --------------------------------------------------------------------------- button choices


def _choice(update: Update) -> tuple[CallbackQuery, str, str]:
    """The tapped button's query, its flow (onboarding or settings) and the chosen value."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":", 3)
    if len(parts) < 4:  # forged or truncated ("v1:diet:s"): no flow, no value -> out of date
        return query, "", ""
    return query, parts[2], parts[3]


SETUP_OVER = N_("That was for setting up — use /settings to change it.")


async def _setup_over(update: Update, context: Context) -> bool:
    """A set-up button (flow "ob") tapped once set-up is over: answer SETUP_OVER and change
    nothing. Old onboarding messages stay in the chat, and a tap there must never undo a
    setting made since (a typed /target 4 reset by the old "2.4 µg" button)."""
    query, flow, _value = _choice(update)
    if flow != FLOW_ONBOARDING:
        return False
    stored = await services(context).store.get_user(query.from_user.id)
    if stored is None or not stored.onboarded:
        return False
    await query.answer(_(SETUP_OVER), show_alert=True)
    return True


async def _after_choice(
    query: CallbackQuery,
    user: UserSettings,
    onboarding: bool,
    next_question: Question,
    recipes: RecipeSet,
    note: str = "",
) -> None:
    """Onboarding: ask the next question. Settings: show the settings menu again. A `note`
    (what a life stage or absorption status changes) goes above either."""
    text, markup = next_question if onboarding else render_settings(user, recipes)
    if note:
        text = f"{esc(note)}\n\n{text}"
    await edit(query, text, markup)


async def _save_plan_choice(
    update: Update,
    context: Context,
    toast: str,
    next_question: Question | None,
    note: str = "",
    **fields: object,
) -> None:
    """Store a choice that changes what is planned (diet, target and life stage, absorption,
    region), replan from today on, then go on (see _after_choice). `next_question` None:
    build it from the stored user (render_next)."""
    query, flow, _value = _choice(update)
    await current_user(update, context)
    svc = services(context)
    user = await svc.users.update(query.from_user.id, **fields)
    replanned = await replan_after_change(context, user)
    await query.answer(toast[:200])
    onboarding = flow == FLOW_ONBOARDING and not user.onboarded
    question = next_question or (render_timezone_question(), timezone_keyboard(FLOW_ONBOARDING))
    if replanned and not onboarding:  # first: the settings menu stays the newest with buttons
        await reply(update, replanned)
    await _after_choice(query, user, onboarding, question, svc.recipes, note)


def _region_question(zone_name: str) -> Question:
    return render_region_question(zone_name), region_keyboard(FLOW_ONBOARDING, zone_name)


async def on_diet(update: Update, context: Context) -> None:
    if await _setup_over(update, context):
        return
    query, _flow_name, value = _choice(update)
    try:
        diet = Diet(value)
    except ValueError:
        await query.answer(_(STALE_CHOICE), show_alert=True)
        return
    next_question = (render_target_question(diet), target_keyboard(FLOW_ONBOARDING, diet))
    toast = _("Diet: {diet}").format(diet=_(DIET_WORD[diet]))
    await _save_plan_choice(update, context, toast, next_question, diet=diet)


async def on_target(update: Update, context: Context) -> None:
    """A preset tap sets the target and the life stage it belongs to (older buttons carry a
    bare number: then only the target changes)."""
    if await _setup_over(update, context):
        return
    query, _flow_name, value = _choice(update)
    preset = preset_by_key(value)
    fields: dict[str, object]
    note = ""
    if preset is not None:
        fields = {"target_ug": preset.target_ug, "life_stage": preset.life_stage}
        toast = _("Target: {amount} µg a day ({source})").format(
            amount=fmt_ug(preset.target_ug), source=preset_source_text(preset)
        )
        note = life_stage_note(preset.life_stage)
    else:
        try:
            fields = {"target_ug": parse_target(value)}
        except ValueError:
            await query.answer(_(STALE_CHOICE), show_alert=True)
            return
        toast = _("Target: {amount} µg a day").format(
            amount=fmt_ug(fields["target_ug"])  # type: ignore[arg-type]
        )
    next_question = (render_absorption_question(), absorption_keyboard(FLOW_ONBOARDING))
    await _save_plan_choice(update, context, toast, next_question, note, **fields)


async def on_absorption(update: Update, context: Context) -> None:
    """Absorption status: with a condition, a medicine or injections, food absorption
    estimates stop and the clinician sets the dose (the planner and renderers follow it)."""
    if await _setup_over(update, context):
        return
    query, _flow_name, value = _choice(update)
    if value not in ABSORPTION_STATUSES:
        await query.answer(_(STALE_CHOICE), show_alert=True)
        return
    note = _(ABSORPTION_NOTES[value]) if value in ABSORPTION_NOTES else ""
    await _save_plan_choice(update, context, _("Noted"), None, note, absorption=value)


async def on_region(update: Update, context: Context) -> None:
    """Where food is bought: fortified values of that region ("any": the lowest of all)."""
    if await _setup_over(update, context):
        return
    query, _flow_name, value = _choice(update)
    if value not in (*REGIONS, REGION_ANY):
        await query.answer(_(STALE_CHOICE), show_alert=True)
        return
    region = None if value == REGION_ANY else value
    before = await current_user(update, context)
    question = (
        render_allergy_question(before, value),
        allergy_keyboard(FLOW_ONBOARDING, before),
    )
    toast = _("Food region: {region}").format(region=_(REGION_BUTTON[value]))
    await _save_plan_choice(update, context, toast, question, region=region)


async def on_allergy(update: Update, context: Context) -> None:
    """The optional allergy step: a tap toggles one allergen group (stored as the group, so
    foods added to it later are left out too); Done goes on (onboarding) or back to /settings."""
    if await _setup_over(update, context):
        return
    query, flow, value = _choice(update)
    user = await current_user(update, context)
    svc = services(context)
    if value == "done":
        await query.answer()
        if flow == FLOW_ONBOARDING and not user.onboarded:
            left_out = [
                group_label(g) for g, _icon in ALLERGEN_CHOICES if group_term(g) in user.exclude
            ]
            text = render_time_question(user.timezone, left_out=left_out)
            await edit(query, text, time_keyboard(FLOW_ONBOARDING))
        else:
            text, markup = render_settings(user, svc.recipes)
            await edit(query, text, markup)
        return
    if value == "show":  # from the exclusions screen of /settings
        await query.answer()
        await edit(query, render_allergy_question(user), allergy_keyboard(flow, user))
        return
    if value not in ALLERGEN_GROUP_NAMES:
        await query.answer(_(STALE_CHOICE), show_alert=True)
        return
    term = group_term(value)
    leave_out = term not in user.exclude
    terms = user.exclude | {term} if leave_out else user.exclude - {term}
    user = await svc.users.update(user.user_id, exclude=terms)
    replanned = await replan_after_change(context, user)  # what today's plan changed, and why
    label = group_label(value).capitalize()
    await query.answer(
        _("{food}: left out").format(food=label)
        if leave_out
        else _("{food}: back in your plans").format(food=label)
    )
    text = render_allergy_question(user) + (f"\n\n{replanned}" if replanned else "")
    await edit(query, text, allergy_keyboard(flow, user))


async def on_drink(update: Update, context: Context) -> None:
    """🥛 <drink> under "All set" (vegans): how to enter that drink's label value."""
    query = update.callback_query
    assert query is not None and query.data is not None
    recipes = services(context).recipes
    item = query.data.split(":", 2)[2]
    ing = recipes.ingredients.get(item)
    if ing is None or not ing.fortified:
        await query.answer(
            _("That product is no longer offered. Send /myproducts."), show_alert=True
        )
        return
    await query.answer()
    typical = label_from_per_100g(ing, ing.per_100g.b12_ug)
    name = localized_name(ing, current_language())
    await reply(update, render_drink_prompt(name, ing.id, typical))


async def on_timezone(update: Update, context: Context) -> None:
    if await _setup_over(update, context):
        return
    query, flow, value = _choice(update)
    try:
        zone(value)
    except ValueError:
        await query.answer(_("That time zone is unknown. Send /timezone Europe/Berlin."))
        return
    await current_user(update, context)
    user = await services(context).users.update(query.from_user.id, timezone=value)
    await query.answer(_("Time zone: {zone}").format(zone=value))
    onboarding = flow == FLOW_ONBOARDING and not user.onboarded
    question = _region_question(value)
    await _after_choice(query, user, onboarding, question, services(context).recipes)


async def on_location_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await reply(
        update,
        _("Tap <b>{button}</b> below. I only keep the time zone, not the location.").format(
            button="📍 " + _("Send my location")
        ),
        location_request_keyboard(),
    )


async def on_time(update: Update, context: Context) -> None:
    if await _setup_over(update, context):
        return
    query, flow, value = _choice(update)
    try:
        push_time = parse_time(f"{value[:2]}:{value[2:]}")
    except ValueError:
        await query.answer(_("That choice is out of date. Send /time 07:30."), show_alert=True)
        return
    before = await current_user(update, context)
    fields: dict[str, object] = {"push_time": push_time}
    if not before.onboarded:
        fields["onboarded"] = True
    user = await services(context).users.update(query.from_user.id, **fields)
    await query.answer(_("Daily plan at {time}").format(time=fmt_time(push_time)))
    onboarding = flow == FLOW_ONBOARDING and not before.onboarded
    done = render_onboarding_done(user, services(context).recipes)
    await _after_choice(query, user, onboarding, done, services(context).recipes)


async def on_target_pad(update: Update, context: Context) -> None:
    """🔢 Another number under the target presets: a number pad in the same message. OK goes
    through on_target (a bare number), ◀ Back shows the presets again, ✖ Cancel keeps the
    target. A value no pad can type is refused, nothing stored."""
    if await _setup_over(update, context):
        return
    query, flow, value = _choice(update)
    if flow not in (FLOW_ONBOARDING, FLOW_SETTINGS) or not (
        value in ("b", "x") or valid_pad_value(value)
    ):
        await query.answer(_(STALE_CHOICE), show_alert=True)
        return
    await query.answer()
    user = await current_user(update, context)
    if value == "x":
        text = _("🎯 Target unchanged: {amount} µg a day.").format(amount=fmt_ug(user.target_ug))
        await edit(query, text, None)
        return
    if value == "b":
        await edit(query, render_target_question(user.diet), target_keyboard(flow, user.diet))
        return
    number = pad_value(value)
    ok = number is not None and MIN_TARGET_UG <= number <= MAX_TARGET_UG
    await edit(query, *target_pad(flow, value, ok))


async def on_time_pick(update: Update, context: Context) -> None:
    """🕐 Other under the push times: hour buttons, then minute buttons (a minute tap goes
    through on_time); ◀ Back one step, ✖ Cancel keeps the time."""
    if await _setup_over(update, context):
        return
    query, flow, value = _choice(update)
    hour = parse_hour(value)
    if flow not in (FLOW_ONBOARDING, FLOW_SETTINGS) or (
        value not in ("h", "b", "x") and hour is None
    ):
        await query.answer(_(STALE_CHOICE), show_alert=True)
        return
    await query.answer()
    if value == "x":
        user = await current_user(update, context)
        text = _("⏰ Daily plan time unchanged: {time}.").format(time=fmt_time(user.push_time))
        await edit(query, text, None)
    elif value == "b":
        user = await current_user(update, context)
        await edit(query, render_time_question(user.timezone), time_keyboard(flow))
    else:
        await edit(query, *time_picker(flow, hour))


# --------------------------------------------------------------------------- typed shortcuts


async def target_command(update: Update, context: Context) -> None:
    user = await current_user(update, context)
    raw = command_args(context)
    if not raw:
        question = render_target_question(user.diet)
        await reply(update, question, target_keyboard(_flow(user), user.diet))
        return
    try:
        target = parse_target(raw)
    except ValueError as exc:
        await reply(update, esc(str(exc)))
        return
    svc = services(context)
    user = await svc.users.update(user.user_id, target_ug=target)
    replanned = await replan_after_change(context, user)
    text = _("🎯 B12 target set to <b>{amount} µg a day</b>. Plans from today on use it.").format(
        amount=fmt_ug(target)
    )
    if replanned:
        text = f"{text}\n{replanned}"
    if not user.onboarded:
        question = render_absorption_question()
        await reply(update, f"{text}\n\n{question}", absorption_keyboard(FLOW_ONBOARDING))
    else:
        await reply(update, text)


async def timezone_command(update: Update, context: Context) -> None:
    user = await current_user(update, context)
    raw = command_args(context)
    if not raw:
        await reply(update, render_timezone_question(), timezone_keyboard(_flow(user)))
        return
    try:
        name = resolve_zone(raw)
    except ValueError as exc:
        await reply(update, esc(str(exc)))
        return
    await _set_zone(update, context, user, name)


async def _set_zone(
    update: Update,
    context: Context,
    user: UserSettings,
    name: str,
    done_markup: ReplyKeyboardRemove | None = None,
) -> None:
    """Store the zone and answer in ONE message: the next onboarding question, or a
    confirmation (carrying `done_markup`, e.g. removing the location keyboard)."""
    svc = services(context)
    user = await svc.users.update(user.user_id, timezone=name)
    offset, local_time = zone_now(name, svc.now())
    # the zone AND its clock now, so a wrong guess (a POSIX-signed offset, a namesake city)
    # shows at once
    head = _("🌍 Time zone set: <b>{zone}</b> ({offset}) — it is <b>{time}</b> there now.").format(
        zone=esc(name), offset=offset, time=local_time
    )
    if not user.onboarded:
        # the location keyboard is one-time: it hides itself, so the inline question suffices
        text = f"{head}\n{render_region_question(name, zone_set=False)}"
        await reply(update, text, region_keyboard(FLOW_ONBOARDING, name))
    else:
        await reply(
            update,
            head
            + " "
            + _("Your daily plan comes at {time} there.").format(time=fmt_time(user.push_time)),
            done_markup,
        )


async def location_message(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None
    user = await current_user(update, context)
    name = zone_at(message.location.latitude, message.location.longitude)
    if name is None:
        await reply(
            update,
            _(
                "I couldn't tell the time zone of that place (open sea?). Pick a city or send "
                "e.g. /timezone Europe/Berlin."
            ),
            ReplyKeyboardRemove(),
        )
        return
    await _set_zone(update, context, user, name, ReplyKeyboardRemove())


async def time_command(update: Update, context: Context) -> None:
    user = await current_user(update, context)
    raw = command_args(context)
    if not raw:
        await reply(
            update,
            _("When should your plan arrive? Or type e.g. <code>/time 06:45</code>"),
            time_keyboard(_flow(user)),
        )
        return
    try:
        push_time = parse_time(raw)
    except ValueError as exc:
        await reply(update, esc(str(exc)))
        return
    was_onboarded = user.onboarded
    user = await services(context).users.update(user.user_id, push_time=push_time, onboarded=True)
    if not was_onboarded:
        text, markup = render_onboarding_done(user, services(context).recipes)
        await reply(update, text, markup)
        return
    await reply(
        update,
        _("⏰ Your daily plan now comes at <b>{time}</b> ({zone}).").format(
            time=fmt_time(push_time), zone=esc(user.timezone)
        ),
    )


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(on_start_button, pattern=f"^{START_CALLBACK}$"))
    application.add_handler(CommandHandler("target", target_command))
    application.add_handler(CommandHandler(["timezone", "zone", "tz"], timezone_command))
    application.add_handler(CommandHandler("time", time_command))
    application.add_handler(MessageHandler(filters.LOCATION, location_message))
    application.add_handler(CallbackQueryHandler(on_diet, pattern=r"^v1:diet:"))
    application.add_handler(CallbackQueryHandler(on_target, pattern=r"^v1:tgt:"))
    application.add_handler(CallbackQueryHandler(on_timezone, pattern=r"^v1:tz:"))
    application.add_handler(CallbackQueryHandler(on_location_button, pattern=r"^v1:loc:"))
    application.add_handler(CallbackQueryHandler(on_time, pattern=r"^v1:time:"))
    application.add_handler(CallbackQueryHandler(on_target_pad, pattern=r"^v1:tpad:"))
    application.add_handler(CallbackQueryHandler(on_time_pick, pattern=r"^v1:tpick:"))
    application.add_handler(CallbackQueryHandler(on_absorption, pattern=r"^v1:abs:"))
    application.add_handler(CallbackQueryHandler(on_region, pattern=r"^v1:reg:"))
    application.add_handler(CallbackQueryHandler(on_allergy, pattern=r"^v1:alg:"))
    application.add_handler(CallbackQueryHandler(on_drink, pattern=r"^v1:drink:"))
