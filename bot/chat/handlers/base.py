"""Small helpers every handler module shares: services, the current user, sending HTML."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.chat.render.format import esc, split_message
from bot.chat.render.replan import render_day_changes
from bot.core.i18n import N_, _, set_language, telegram_language
from bot.core.models import UserSettings
from bot.services.container import Services

D = TypeVar("D")  # a button flow's draft (ReminderDraft, LabDraft)

Context = ContextTypes.DEFAULT_TYPE
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None


def services(context: Context) -> Services:
    found = context.bot_data.get("services")
    if not isinstance(found, Services):
        raise RuntimeError("services are not started: call start_services (post_init) first")
    return found


async def current_user(update: Update, context: Context) -> UserSettings:
    """The stored user for this update (created on first contact, name refreshed).

    Pushes go to the private chat, whose id equals the user id in Telegram, so a command sent
    in a group never redirects a user's morning plan into that group.
    """
    tg_user = update.effective_user
    if tg_user is None:
        raise RuntimeError("update without a user")
    user = await services(context).users.ensure(
        tg_user.id, tg_user.id, tg_user.first_name or "", telegram_language(tg_user.language_code)
    )
    remember_language(context, user.user_id, user.language)
    return user


# bot_data key: user id -> stored language, so the language handler (before every feature)
# speaks a known user's choice from the first text of an update without reading the store
LANGUAGES_KEY = "user_languages"
LANGUAGES_REMEMBERED = 100_000  # forgotten all at once beyond this (read again on next use)


def remember_language(context: Context, user_id: int, language: str | None) -> None:
    """Speak `language` for the rest of this update, and from the start of the user's next
    (None: forget, e.g. after /delete, so the next update reads the store again)."""
    cache = context.bot_data.setdefault(LANGUAGES_KEY, {})
    if len(cache) >= LANGUAGES_REMEMBERED:
        cache.clear()
    if language:
        cache[user_id] = language
        set_language(language)
    else:
        cache.pop(user_id, None)


NOT_SET_UP = N_("👋 Let's set you up first: a few quick taps, then I can plan for you.")
NOT_SET_UP_TOAST = N_("Let's set you up first: send /start.")
START_CALLBACK = "v1:start"


# The user as the language handler read them at the start of this update (workers on
# PostgreSQL read it with every update): the first onboarded_user of the update takes it
# instead of reading the same row again; later ones read (they may follow a write).
_READ_AT_START: ContextVar[tuple[int, UserSettings | None] | None] = ContextVar(
    "user_read_at_start", default=None
)


def user_read_at_start(user_id: int, stored: UserSettings | None) -> None:
    _READ_AT_START.set((user_id, stored))


async def _stored_user(context: Context, user_id: int) -> UserSettings | None:
    read = _READ_AT_START.get()
    if read is not None:
        _READ_AT_START.set(None)
        if read[0] == user_id:
            return read[1]
    return await services(context).store.get_user(user_id)


async def onboarded_user(update: Update, context: Context) -> UserSettings | None:
    """The stored user if they finished /start; otherwise None after pointing them to /start.

    Read-only commands must not plan as a default omnivore for someone who never chose a diet,
    nor re-create the row of someone who just used /delete, so this only reads the store.
    """
    tg_user = update.effective_user
    if tg_user is None:
        raise RuntimeError("update without a user")
    stored = await _stored_user(context, tg_user.id)
    if stored is not None:
        remember_language(context, tg_user.id, stored.language)
    if stored is not None and stored.onboarded:
        name = tg_user.first_name or ""
        if stored.active and stored.chat_id == tg_user.id and stored.first_name == name:
            return stored  # nothing to refresh: spare the write on every command
        return await current_user(update, context)  # refreshes name, chat id, unblocks
    if update.callback_query is not None:
        await update.callback_query.answer(_(NOT_SET_UP_TOAST), show_alert=True)
        return None
    start_button = InlineKeyboardButton("▶️ " + _("Start"), callback_data=START_CALLBACK)
    await reply(update, _(NOT_SET_UP), InlineKeyboardMarkup([[start_button]]))
    return None


async def onboarded_button(
    update: Update, context: Context, maxsplit: int = -1
) -> tuple[CallbackQuery, list[str], UserSettings] | None:
    """A tapped button's query, its callback data split on ':', and the onboarded user;
    None (after pointing the user to /start) when they have not finished set-up."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await onboarded_user(update, context)
    if user is None:
        return None
    return query, query.data.split(":", maxsplit), user


async def reply(update: Update, text: str, markup: Markup = None) -> Message | None:
    """Send HTML text to the update's chat, split under 4,096 characters; keyboard on the last."""
    chat = update.effective_chat
    if chat is None:
        return None
    parts = split_message(text)
    sent: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await chat.send_message(
            part, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
        )
    return sent


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the button's message in place; too long or unchanged -> send/ignore instead."""
    parts = split_message(text)
    if len(parts) > 1 or query.message is None:
        if query.message is not None:
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                await query.message.chat.send_message(
                    part, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
                )
        return
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def replan_after_change(context: Context, user: UserSettings) -> str:
    """Reshape the user's stored plans to changed settings (only where they must change) and
    return the lines saying what changed and why ("" when no plan was stored)."""
    svc = services(context)
    changed = await svc.plans.settings_changed(user)
    return render_day_changes(changed, svc.recipes, svc.today(user))


def command_args(context: Context) -> str:
    """The text after the command, joined back with single spaces."""
    return " ".join(context.args or []).strip()


async def flow_tap(
    update: Update,
    context: Context,
    decode: Callable[[str], tuple[str, D] | None],
    ready: Callable[[str, D], bool],
    out_of_date: str,
    cancelled: Callable[[], str],
) -> tuple[CallbackQuery, UserSettings, str, D] | None:
    """The opening every button flow shares (reminders, lab results): the tapped step and
    draft decoded from the callback data, in a private chat, with every field the step needs;
    otherwise `out_of_date` (an N_-marked text, translated here once the user's language is
    known; nothing stored). ✖ Cancel ends the flow here. Returns the query,
    the user, the step and the draft, or None when the tap is answered already."""
    button = await onboarded_button(update, context)
    if button is None:
        return None
    query, _parts, user = button
    assert query.data is not None
    decoded = decode(query.data)
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    if not private or decoded is None or not ready(*decoded):
        await query.answer(_(out_of_date), show_alert=True)
        return None
    step, draft = decoded
    if step == "x":
        await query.answer(_("Cancelled"))
        await edit(query, cancelled(), None)
        return None
    return query, user, step, draft


async def private_only(update: Update, context: Context) -> None:
    """The answer in a group to a command whose data stays private (health data, the account):
    it works only in a private chat with the bot."""
    message = update.effective_message
    command = (message.text or "/").split()[0].split("@")[0] if message else "/"
    await reply(
        update,
        _("For your privacy, {command} works only in a private chat with me.").format(
            command=esc(command[:20])
        ),
    )
