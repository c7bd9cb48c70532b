"""Lab results in Telegram: /levels (list with charts, typed add, retest, delete) and the
"add a result" button flow (marker -> unit -> value -> date -> saved).

The flow's state travels in the buttons' callback data (bot.chat.render.labs.LabDraft), so a
tap needs no process memory and any webhook worker can answer it; every value is range-checked
and checked against the same plausibility limits as the typed form (bot.core.lab_input.check_value),
and a stale or forged tap is refused with nothing stored. Log lines never carry lab values.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InputMediaPhoto, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.chat.handlers.base import (
    Context,
    command_args,
    edit,
    flow_tap,
    onboarded_user,
    private_only,
    reply,
    services,
)
from bot.chat.handlers.tracking import send_photo, tracking
from bot.chat.render.chart_pool import levels_png
from bot.chat.render.format import esc, parse_count
from bot.chat.render.labs import (
    LabDraft,
    earliest_pick,
    lab_step,
    levels_caption,
    levels_keyboard,
    render_lab_added,
    render_lab_cancelled,
    render_lab_removed,
    render_levels,
    render_levels_help,
    render_retest_status,
)
from bot.core.i18n import N_, _
from bot.core.lab_input import check_value, is_marker_word, parse_levels_add
from bot.core.labs import LabInputError, LabResult, next_retest, parse_months
from bot.core.models import UserSettings
from bot.core.recipe_search import quote
from bot.services.container import Services
from bot.storage.reminders import retest_fire_utc
from bot.storage.tracking import StoredLab, TrackingStore

log = logging.getLogger(__name__)

OUT_OF_DATE = N_("This button is out of date. Send /levels.")  # _() at use
# sub-command words, in every language the bot speaks
ADD_WORDS = frozenset({"add", "new", "neu", "hinzufügen", "añadir", "nuevo", "ajouter", "nouveau"})
RETEST_WORDS = frozenset({"retest", "kontrolle", "control", "contrôle"})
DELETE_WORDS = frozenset(
    {"delete", "remove", "del", "löschen", "entfernen", "borrar", "eliminar", "supprimer"}
)
HELP_WORDS = frozenset({"help", "?", "hilfe", "ayuda", "aide"})
OFF_WORDS = frozenset({"off", "stop", "no", "0", "aus", "nein", "non", "arrêt"})


async def levels_command(update: Update, context: Context) -> None:
    """/levels, /levels add …, /levels retest N|off, /levels delete N, /levels help."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    args = command_args(context)
    word, _sep, rest = args.partition(" ")
    word = word.lower()
    if word in ADD_WORDS and not rest.strip():
        text, markup = lab_step("m", LabDraft(), services(context).today(user))
        await reply(update, text, markup)
    elif word in ADD_WORDS:
        await _levels_add(update, context, user, rest)
    elif is_marker_word(word):  # "/levels B12 280 ng/L" means add
        await _levels_add(update, context, user, args)
    elif word in RETEST_WORDS:
        await _levels_retest(update, context, user, rest)
    elif word in DELETE_WORDS:
        await _levels_delete(update, context, user, rest)
    elif word in HELP_WORDS:
        await reply(update, render_levels_help())
    elif word:
        unknown = _("I don't know “{command}”.").format(command=f"/levels {esc(quote(word))}")
        await reply(update, f"{unknown}\n{render_levels_help()}")
    else:
        await _levels_list(update, context, user)


async def _levels_list(update: Update, context: Context, user: UserSettings) -> None:
    ts = tracking(context)
    labs = await ts.labs(user.user_id)
    pregnant = user.life_stage == "pregnant"
    text = render_levels(labs, await ts.get_retest(user.user_id), pregnant=pregnant)
    await reply(update, text, levels_keyboard())
    today = services(context).today(user)
    markers = list(dict.fromkeys(lab.result.marker for lab in labs))  # only those with results
    results = [lab.result for lab in labs]
    charts = [
        (await levels_png(results, marker, today), levels_caption(marker)) for marker in markers
    ]
    await _send_charts(update, user, charts)


async def _send_charts(update: Update, user: UserSettings, charts: list[tuple[bytes, str]]) -> None:
    """Several charts go as one album, not a burst of photos; when Telegram refuses the album
    the charts still arrive, one photo each. A blocked chat (Forbidden) is not retried."""
    chat = update.effective_chat
    if len(charts) == 1:
        await send_photo(update, *charts[0])
        return
    if not charts or chat is None:
        return
    try:
        await chat.send_media_group(
            [
                InputMediaPhoto(png, caption=esc(caption), parse_mode=ParseMode.HTML)
                for png, caption in charts
            ]
        )
    except Forbidden:
        raise
    except TelegramError as exc:
        # the error text can quote the request; log its kind only, never health values
        log.warning(
            "user %s: album of %d charts refused (%s); sending one photo each",
            user.user_id,
            len(charts),
            type(exc).__name__,
        )
        for png, caption in charts:
            await send_photo(update, png, caption)


async def _levels_add(update: Update, context: Context, user: UserSettings, text: str) -> None:
    svc = services(context)
    try:
        result = parse_levels_add(text, svc.today(user))
    except LabInputError as exc:
        await reply(update, esc(str(exc)))
        return
    await reply(update, await _store_lab(context, user, result))


async def _store_lab(context: Context, user: UserSettings, result: LabResult) -> str:
    """Save a checked result, move the retest date with it, and return the answer: the
    result, its band with the whole advice, and the retest status when one is set."""
    svc = services(context)
    ts = tracking(context)
    lab_id = await ts.add_lab(user.user_id, result, now_utc=svc.now())
    log.info("user %s added a lab result", user.user_id)
    labs = await ts.labs(user.user_id)
    added = next(lab for lab in labs if lab.id == lab_id)
    text_out = render_lab_added(added, pregnant=user.life_stage == "pregnant")
    retest = await ts.get_retest(user.user_id)
    if retest is not None:
        await _schedule_retest(svc, ts, user, retest.months, labs)
        text_out += "\n" + render_retest_status(await ts.get_retest(user.user_id))
    return text_out


async def _schedule_retest(
    svc: Services, ts: TrackingStore, user: UserSettings, months: int, labs: list[StoredLab]
) -> None:
    """Retest due `months` after the latest result; the reminder comes at the user's plan
    time on that day (or at the next plan time, when that day has passed)."""
    now = svc.now()
    if not labs:
        await ts.set_retest(user.user_id, months, None, None, now_utc=now)
        return
    latest = max(lab.result.taken_on for lab in labs)
    due = next_retest(latest, months)
    fire = retest_fire_utc(due, user.push_time, user.timezone, now)
    await ts.set_retest(user.user_id, months, due, fire, now_utc=now)


async def _levels_retest(update: Update, context: Context, user: UserSettings, text: str) -> None:
    svc = services(context)
    ts = tracking(context)
    if text.strip().lower() in OFF_WORDS:
        await ts.clear_retest(user.user_id)
        await reply(update, render_retest_status(None))
        return
    try:
        months = parse_months(text)
    except LabInputError as exc:
        await reply(update, esc(str(exc)))
        return
    await _schedule_retest(svc, ts, user, months, await ts.labs(user.user_id))
    await reply(update, render_retest_status(await ts.get_retest(user.user_id)))


async def _levels_delete(update: Update, context: Context, user: UserSettings, text: str) -> None:
    """Delete by the stable number /levels and the "Saved result #N" reply showed."""
    ts = tracking(context)
    labs = await ts.labs(user.user_id)
    if not labs:
        await reply(update, _("You have no lab results to remove."))
        return
    word = text.strip().lstrip("#")
    by_number = {lab.number: lab for lab in labs}
    number = parse_count(word, 6)
    chosen = by_number.get(number) if number is not None else None
    if chosen is None:
        numbers = ", ".join(f"#{lab.number}" for lab in sorted(labs, key=lambda lab: lab.number))
        await reply(
            update,
            _(
                "Tell me which result to remove by its number in /levels ({numbers}), "
                "e.g. {example}."
            ).format(numbers=numbers, example=f"<code>/levels delete {labs[-1].number}</code>"),
        )
        return
    await ts.delete_lab(user.user_id, chosen.id)
    await reply(update, render_lab_removed(chosen))


# --------------------------------------------------------------------------- the button flow


def _ready_for(step: str, draft: LabDraft) -> bool:
    """Whether the draft has what the step needs (a forged button skipping ahead has not)."""
    if step in ("m", "x"):
        return True
    if not draft.marker:
        return False
    if step == "u":
        return True
    if not draft.unit:
        return False
    if step == "v":
        return True
    if draft.number is None:
        return False
    if step == "d":
        return True
    if step == "p":
        return len(draft.date) == 4
    return draft.day is not None  # s


async def on_lab_flow(update: Update, context: Context) -> None:
    """One tap of the add-a-result flow: the next step in the same message, or save."""
    tapped = await flow_tap(
        update, context, LabDraft.decode, _ready_for, OUT_OF_DATE, render_lab_cancelled
    )
    if tapped is None:
        return
    query, user, step, draft = tapped
    today = services(context).today(user)
    if step in ("d", "s"):
        number = draft.number
        assert number is not None
        try:
            check_value(draft.marker_enum, number, draft.unit_name, draft.value)
        except LabInputError as exc:
            await query.answer(str(exc)[:200], show_alert=True)
            return
    if step == "p":
        month = draft.date
        if not earliest_pick(today).strftime("%y%m") <= month <= today.strftime("%y%m"):
            await query.answer(_(OUT_OF_DATE), show_alert=True)
            return
    if step == "s":
        await _save(update, context, user, draft, today)
        return
    text, markup = lab_step(step, draft, today)
    await query.answer()
    await edit(query, text, markup)


async def _save(
    update: Update, context: Context, user: UserSettings, draft: LabDraft, today: dt.date
) -> None:
    query = update.callback_query
    assert query is not None
    day, number = draft.day, draft.number
    assert day is not None and number is not None
    if not earliest_pick(today) <= day <= today:
        await query.answer(
            _("Pick the day the blood was taken: not in the future, within 5 years."),
            show_alert=True,
        )
        return
    result = LabResult(draft.marker_enum, number, draft.unit_name, day)
    stored = await tracking(context).labs(user.user_id)
    if any(lab.result == result for lab in stored):  # a second tap on the same day button
        await query.answer(_("This result is already saved."))
        return
    text = await _store_lab(context, user, result)
    await query.answer(_("Result saved") + " ✅")
    await edit(query, text, None)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("levels", levels_command, filters=private))
    application.add_handler(CommandHandler("levels", private_only, filters=~private))
    application.add_handler(CallbackQueryHandler(on_lab_flow, pattern=r"^v1:lw:"))
