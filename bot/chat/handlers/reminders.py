"""Reminders in Telegram: /remind (list, typed add, delete), the "new reminder" button flow,
and the Taken / Snooze 1 h / Skip buttons of a reminder message.

The flow's state travels in the buttons' callback data (bot.chat.render.reminders.
ReminderDraft), so a tap needs no process memory and any webhook worker can answer it; every
value a button brings back is range-checked, and a stale or forged tap is refused with nothing
stored. The bot never suggests a dose: the dose step shows the user's own past doses and a
number pad. Log lines name users and actions, never doses.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.chat.handlers.base import (
    Context,
    command_args,
    edit,
    flow_tap,
    onboarded_button,
    onboarded_user,
    private_only,
    reply,
    services,
)
from bot.chat.handlers.tracking import today_tally, tracking
from bot.chat.render.format import esc, parse_count
from bot.chat.render.pickers import local_number
from bot.chat.render.reminders import (
    INJECTION,
    TABLET,
    ReminderDraft,
    reminder_step,
    render_reminder_added,
    render_reminder_cancelled,
    render_reminders,
    taken_again_keyboard,
)
from bot.chat.render.tracking import CLINICIAN_DOSES, render_dose_again, render_dose_logged
from bot.core.clock import local_date_at, zone
from bot.core.i18n import N_, _, fmt_time
from bot.core.models import UserSettings
from bot.core.reminders import (
    MAX_DOSE_UG,
    Reminder,
    ReminderInputError,
    next_fire_utc,
    parse_remind,
    snooze,
)
from bot.services.tracking import recent_dose
from bot.storage.tracking import TrackingStore

log = logging.getLogger(__name__)

PAST_DOSE_DAYS = 365  # the dose step offers doses logged this far back
OUT_OF_DATE = N_("This button is out of date. Send /remind.")  # _() at use
# sub-command words, in every language the bot speaks
NEW_WORDS = ("add", "new", "neu", "hinzufügen", "añadir", "nuevo", "ajouter", "nouveau")
LIST_WORDS = ("list", "show", "liste", "lista", "zeigen", "ver", "voir")
DELETE_WORDS = (
    "delete", "remove", "off", "del", "löschen", "entfernen", "borrar", "eliminar", "supprimer",
)  # fmt: skip


def _new_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "➕ " + _("New reminder with buttons"),
                    callback_data=ReminderDraft().encode("k"),
                )
            ]
        ]
    )


async def remind_command(update: Update, context: Context) -> None:
    """/remind (list), /remind daily 1000 08:00 …, /remind delete N."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    ts = tracking(context)
    args = command_args(context)
    word, _sep, rest = args.partition(" ")
    if word.lower() in NEW_WORDS and not rest.strip():
        text, markup = reminder_step("k", ReminderDraft(), [], svc.today(user), user.timezone)
        await reply(update, text, markup)
        return
    if not args or word.lower() in LIST_WORDS:
        text, markup = render_reminders(await ts.reminders(user.user_id), user.timezone)
        await reply(update, text, markup)
        return
    if word.lower() in DELETE_WORDS:
        stored = await ts.reminders(user.user_id)
        if not rest.strip().isdigit() or not 1 <= int(rest) <= len(stored):
            await reply(
                update,
                _(
                    "Tell me which reminder to delete by its number in /remind, e.g. {example}."
                ).format(example="<code>/remind delete 1</code>"),
            )
            return
        await ts.delete_reminder(user.user_id, stored[int(rest) - 1].id)
        text, markup = render_reminders(await ts.reminders(user.user_id), user.timezone)
        deleted = _("Reminder {number} deleted.").format(number=esc(rest.strip()))
        await reply(update, f"🗑 {deleted}\n\n{text}", markup)
        return
    try:
        reminder = parse_remind(
            rest if word.lower() in NEW_WORDS else args, user.timezone, svc.today(user)
        )
    except ReminderInputError as exc:
        await reply(update, f"{esc(str(exc))}\n\n" + _("Or tap your way through:"), _new_button())
        return
    existing = await ts.reminders(user.user_id)
    same = next(
        (n for n, s in enumerate(existing, start=1) if s.reminder.same_schedule(reminder)), None
    )
    if same is not None:
        await reply(update, "⏰ " + _already(reminder, same))
        return
    now = svc.now()
    stored = await ts.add_reminder(
        user.user_id, reminder, next_fire_utc(reminder, now), now_utc=now
    )
    log.info("user %s added reminder %s", user.user_id, stored.id)
    await reply(update, render_reminder_added(stored, user.timezone))


def _already(reminder: Reminder, number: int) -> str:
    return _(
        "You already have this reminder: {reminder} (number {number} in /remind). I did not "
        "add it again."
    ).format(reminder=esc(reminder.describe()), number=number)


REMINDER_TAP_DAYS = 14  # a reminder message can still be answered this long after it fired


def reminder_occurrence(stamp: str, now: dt.datetime) -> dt.datetime | None:
    """The reminder occurrence a button names (Unix seconds), or None when it is not a time
    a reminder could have fired: in the future or more than REMINDER_TAP_DAYS ago."""
    seconds = parse_count(stamp)
    if seconds is None:
        return None
    latest = now.timestamp() + 3600  # an hour of clock skew
    if not latest - (REMINDER_TAP_DAYS * 86400 + 3600) <= seconds <= latest:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


async def on_reminder(update: Update, context: Context) -> None:
    """Taken / Snooze 1 h / Skip on a reminder message."""
    button = await onboarded_button(update, context)
    if button is None:
        return
    query, parts, user = button
    svc = services(context)
    ts = tracking(context)
    rid = parse_count(parts[3]) if len(parts) == 5 else None
    occurrence = reminder_occurrence(parts[4], svc.now()) if len(parts) == 5 else None
    if rid is None or occurrence is None:
        await query.answer(_(OUT_OF_DATE), show_alert=True)
        return
    action = parts[2]
    stored = await ts.get_reminder(rid)
    if stored is None or stored.user_id != user.user_id:
        await query.answer(_("This reminder was deleted. /remind lists yours."), show_alert=True)
        await edit(query, "⏰ " + _("This reminder was deleted."), None)
        return
    now = svc.now()
    reminder = stored.reminder
    head = f"⏰ {esc(reminder.describe())}"
    if action in ("t", "T"):
        kind = "injection" if reminder.is_injection else "oral"
        today = local_date_at(now, user.timezone)
        if action == "t" and not await ts.dose_logged(rid, occurrence):
            recent = await recent_dose(ts, user.user_id, today, now)
            if recent is not None:  # /took a moment ago, then Taken: ask, never double
                minutes = int((now - recent.taken_utc).total_seconds() // 60)
                await query.answer()
                await edit(
                    query,
                    f"{head}\n"
                    + render_dose_again(
                        recent.dose_ug, minutes, reminder.dose_ug, kind, typed=False
                    ),
                    taken_again_keyboard(rid, int(occurrence.timestamp())),
                )
                return
        new = await ts.log_dose(
            user.user_id,
            today,
            reminder.dose_ug,
            kind,
            taken_utc=now,
            reminder_id=rid,
            occurrence_utc=occurrence,
        )
        log.info("user %s answered reminder %s: taken", user.user_id, rid)
        if not new:
            await query.answer(_("Already logged as taken."))
        day_tally = await today_tally(svc, user, today)
        body = render_dose_logged(reminder.dose_ug, kind, day_tally, user.target_ug, user)
        if new:
            await query.answer(_("Logged as taken") + " ✅")
        taken = _("Taken at {time}.").format(time=_local_time(now, user.timezone))
        await edit(query, f"{head}\n✅ {taken}\n{body}", None)
    elif action == "z":
        if await ts.dose_logged(rid, occurrence):
            await query.answer(_("Already logged as taken."))
            return
        again = snooze(now, 1.0)
        await ts.snooze_reminder(rid, occurrence, again, now_utc=now)
        log.info("user %s answered reminder %s: snoozed", user.user_id, rid)
        await query.answer(_("Snoozed for 1 hour"))
        snoozed = _("Snoozed: I'll remind you again at {time}.").format(
            time=esc(_local_time(again, user.timezone))
        )
        await edit(query, f"{head}\n⏰ {snoozed}", None)
    elif action == "k":
        if await ts.dose_logged(rid, occurrence):
            await query.answer(_("Already logged as taken."))
            return
        await ts.answer_reminder(rid, "skipped", now_utc=now)
        log.info("user %s answered reminder %s: skipped", user.user_id, rid)
        await query.answer(_("Skipped"))
        skipped = _("Skipped this time.")
        await edit(query, f"{head}\n⏭ {skipped}\n<i>{esc(_(CLINICIAN_DOSES))}</i>", None)
    else:
        await query.answer(_(OUT_OF_DATE), show_alert=True)


def _local_time(moment: dt.datetime, tz: str) -> str:
    """ "08:00" in the user's zone."""
    return fmt_time(moment.astimezone(zone(tz)))


async def on_reminder_delete(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await onboarded_user(update, context)
    if user is None:
        return
    ts = tracking(context)
    part = query.data.split(":")[-1]
    rid = parse_count(part)
    deleted = rid is not None and await ts.delete_reminder(user.user_id, rid)
    await query.answer(
        _("Reminder deleted") if deleted else _("That reminder was already deleted.")
    )
    text, markup = render_reminders(await ts.reminders(user.user_id), user.timezone)
    await edit(query, text, markup)


# --------------------------------------------------------------------------- the button flow


async def past_doses(
    ts: TrackingStore, user: UserSettings, kind: str, today: dt.date
) -> list[float]:
    """The user's own doses of this kind (tablet or injection), newest first, each once: the
    quick choices of the dose step. The bot never offers a dose of its own."""
    injection = kind == INJECTION
    logged = await ts.doses(user.user_id, today - dt.timedelta(days=PAST_DOSE_DAYS), today)
    found = [
        d.dose_ug
        for d in sorted(logged, key=lambda d: d.taken_utc, reverse=True)
        if (d.kind == "injection") == injection
    ]
    found += [
        s.reminder.dose_ug
        for s in await ts.reminders(user.user_id)
        if s.reminder.is_injection == injection
    ]
    return [d for d in dict.fromkeys(found) if 0 < d <= MAX_DOSE_UG]


def _ready_for(step: str, draft: ReminderDraft) -> bool:
    """Whether the draft has what the step needs (a forged button skipping ahead has not)."""
    if step in ("k", "x"):
        return True
    if draft.kind not in (TABLET, INJECTION):
        return False
    if step == "d":
        return True
    if draft.dose_ug is None:
        return False
    if step in ("t", "h"):
        return True
    if step == "m":
        return len(draft.time) == 2
    if len(draft.time) != 4:
        return False
    if step in ("s", "w"):
        return True
    return bool(draft.schedule)  # f, c, v


async def on_reminder_flow(update: Update, context: Context) -> None:
    """One tap of the new-reminder flow: show the next step in the same message, or save."""
    tapped = await flow_tap(
        update, context, ReminderDraft.decode, _ready_for, OUT_OF_DATE, render_reminder_cancelled
    )
    if tapped is None:
        return
    query, user, step, draft = tapped
    svc = services(context)
    ts = tracking(context)
    today = svc.today(user)
    dose = draft.dose_ug
    if step in ("t", "h") and dose is not None and not 0 < dose <= MAX_DOSE_UG:
        await query.answer(
            _(
                "{dose} is not a plausible dose (more than 0 and up to {most} µg). Check the "
                "number on your product."
            ).format(dose=draft.dose_text(), most=local_number(f"{MAX_DOSE_UG:,.0f}")),
            show_alert=True,
        )
        return
    if step in ("c", "v"):
        try:
            reminder = draft.reminder(user.timezone, today)
        except ReminderInputError as exc:
            await query.answer(str(exc)[:200], show_alert=True)
            return
        if step == "v":
            await _save(query, context, user, reminder)
            return
    past = await past_doses(ts, user, draft.kind, today) if step == "d" else []
    text, markup = reminder_step(step, draft, past, today, user.timezone)
    await query.answer()
    await edit(query, text, markup)


async def _save(
    query: CallbackQuery, context: Context, user: UserSettings, reminder: Reminder
) -> None:
    """Store the finished reminder, unless the same one exists (a second tap on Save)."""
    svc = services(context)
    ts = tracking(context)
    existing = await ts.reminders(user.user_id)
    same = next(
        (n for n, s in enumerate(existing, start=1) if s.reminder.same_schedule(reminder)), None
    )
    if same is not None:  # a second tap on Save, or the same reminder twice
        await query.answer(_("You already have this reminder."))
        await edit(query, "⏰ " + _already(reminder, same), None)
        return
    now = svc.now()
    stored = await ts.add_reminder(
        user.user_id, reminder, next_fire_utc(reminder, now), now_utc=now
    )
    log.info("user %s added reminder %s with buttons", user.user_id, stored.id)
    await query.answer(_("Reminder saved") + " ✅")
    await edit(query, render_reminder_added(stored, user.timezone), None)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("remind", remind_command, filters=private))
    application.add_handler(CommandHandler("remind", private_only, filters=~private))
    application.add_handler(CallbackQueryHandler(on_reminder, pattern=r"^v1:rm:"))
    application.add_handler(CallbackQueryHandler(on_reminder_delete, pattern=r"^v1:rmdel:"))
    application.add_handler(CallbackQueryHandler(on_reminder_flow, pattern=r"^v1:rw:"))
