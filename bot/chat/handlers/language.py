"""/language and the language of every update.

Before every other handler (its own group, before flood control) `apply_language` sets the
update's language: the user's stored choice (remembered by a process that is the database's
only user; read per update by workers sharing PostgreSQL), else Telegram's `language_code`.
Handlers that read the user (bot.chat.handlers.base) then set the stored one, so a choice
made with /language wins over the phone's language. PTB handles each update in its own
asyncio task, so the language never leaks from one user's update into another's.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, TypeHandler

from bot.chat.handlers.base import (
    LANGUAGES_KEY,
    Context,
    command_args,
    current_user,
    edit,
    remember_language,
    reply,
    services,
    user_read_at_start,
)
from bot.chat.render.language import (
    LANGUAGE_MENU,
    render_language_question,
    render_language_set,
    render_language_unknown,
)
from bot.core.i18n import complete_languages, current_language, set_language
from bot.services.container import Services

LANGUAGE_GROUP = -2  # before flood control (-1), so even its "slow down" is in the language
LANGUAGE_CODE_MAX = 12  # "/language de-AT" at most; anything longer is not a code


async def apply_language(update: object, context: Context) -> None:
    """The update's language, before any text is rendered: the stored choice, else Telegram's
    language_code. On SQLite (one process per database) the choice is read once per user and
    then remembered; on PostgreSQL another worker may have changed it a moment ago, so it is
    read with every update (one primary-key read)."""
    tg_user = update.effective_user if isinstance(update, Update) else None
    if tg_user is None:
        set_language(None)
        return
    remembered = context.bot_data.setdefault(LANGUAGES_KEY, {})
    container = context.bot_data.get("services")
    shared = isinstance(container, Services) and container.store.dialect == "postgresql"
    known = None if shared else remembered.get(tg_user.id)
    if known is None and isinstance(container, Services):
        stored = await container.store.get_user(tg_user.id)
        known = stored.language if stored is not None and stored.language else ""
        if shared:
            user_read_at_start(tg_user.id, stored)  # the handler need not read it again
        else:
            remembered[tg_user.id] = known  # "": none stored (yet); base.py fills it in
    set_language(known or tg_user.language_code)


async def language_command(update: Update, context: Context) -> None:
    """/language: the choice as buttons; /language de sets it at once."""
    user = await current_user(update, context)
    typed = command_args(context)[:LANGUAGE_CODE_MAX].strip().lower()
    if typed:
        code = typed.replace("_", "-").split("-")[0]
        if code in complete_languages():
            await _choose(update, context, user.user_id, code)
            return
        text, markup = render_language_question(current_language())
        await reply(update, render_language_unknown() + "\n\n" + text, markup)
        return
    text, markup = render_language_question(current_language())
    await reply(update, text, markup)


async def on_language_button(update: Update, context: Context) -> None:
    """v1:lang:<code> sets the language; v1:lang:menu shows the choice (from /settings)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    code = query.data.split(":")[2]
    user = await current_user(update, context)
    if code == LANGUAGE_MENU:
        await query.answer()
        text, markup = render_language_question(current_language())
        await edit(query, text, markup)
        return
    if code not in complete_languages():
        # an old button for a language no longer offered: show today's choice
        await query.answer()
        text, markup = render_language_question(current_language())
        await edit(query, render_language_unknown() + "\n\n" + text, markup)
        return
    await query.answer()
    await _choose(update, context, user.user_id, code)


async def _choose(update: Update, context: Context, user_id: int, code: str) -> None:
    await services(context).users.update(user_id, language=code)
    remember_language(context, user_id, code)
    text = render_language_set(code)
    if update.callback_query is not None:
        await edit(update.callback_query, text, None)
    else:
        await reply(update, text)


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, apply_language), group=LANGUAGE_GROUP)
    application.add_handler(CommandHandler("language", language_command))
    application.add_handler(
        CallbackQueryHandler(on_language_button, pattern=r"^v1:lang:[a-z]{2,8}$")
    )
