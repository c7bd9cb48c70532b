"""Shopping lists as one message with a button per item: tap to tick, ticked items move down.

Tired or numb fingers need big targets, so every item is its own full-width button; the text
above says how far along the list is. Buttons carry the stored list's id and the item's
position (never a name or an amount), so an old message can only tick what was stored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import button_label, callback, esc, fmt_day
from bot.core.i18n import _, ngettext
from bot.core.models import Ingredient
from bot.core.shopping import SheetItem, ShoppingSheet, localized_amount

Ingredients = Mapping[str, Ingredient] | None

PAGE_ITEMS = 30  # Telegram caps a keyboard at 100 buttons; 30 rows still fit a phone screen
SPAN_CHOICES = (1, 3, 7)  # the quick "days" buttons; /shopping N takes 1 to 14
ITEM_LABEL_MAX = 40
FORTIFIED_MARK = "★"


def sheet_title(start: dt.date, days: int) -> str:
    if days == 1:
        return _("Shopping list for {day}").format(day=fmt_day(start))
    end = start + dt.timedelta(days=days - 1)
    return ngettext(
        "Shopping list for {days} day, {start} to {end}",
        "Shopping list for {days} days, {start} to {end}",
        days,
    ).format(days=days, start=fmt_day(start), end=fmt_day(end))


def pages(sheet_rows: int) -> int:
    return max(1, math.ceil(sheet_rows / PAGE_ITEMS))


def render_sheet(
    list_id: int,
    sheet: ShoppingSheet,
    *,
    page: int = 0,
    warnings: Sequence[str] = (),
    flagged: frozenset[str] = frozenset(),
    ingredients: Ingredients = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The list message: a header with progress, then one button per visible item; `flagged`
    items (foods the reader excluded) carry ⚠️ on their button, `warnings` say why. Names come
    from `ingredients` in the reader's language (the list stores ids), else as stored."""
    rows = sheet.rows()
    page = max(0, min(page, pages(len(rows)) - 1))
    lines = [f"🛒 <b>{esc(sheet_title(sheet.start, sheet.days))}</b>"]
    lines.append(
        ngettext(
            "For {n} person · {ticked} of {total} in the basket",
            "For {n} people · {ticked} of {total} in the basket",
            sheet.people,
        ).format(n=sheet.people, ticked=sheet.ticked_count, total=len(sheet.items))
    )
    if not sheet.items:
        lines += ["", _("Nothing to buy.")]
        return "\n".join(lines), InlineKeyboardMarkup([_span_row(list_id, sheet)])
    lines.append(_("Tap an item when it is in your basket; tap again to undo."))
    if any(i.fortified for i in sheet.items):
        lines.append(
            _("{mark} must be the fortified kind (that is where its B12 is).").format(
                mark=FORTIFIED_MARK
            )
        )
    if sheet.hide_staples and sheet.staple_count:
        hidden = _("{n} pantry staple(s) hidden.").format(n=sheet.staple_count)
        lines.append(f"<i>{hidden}</i>")
    lines += [esc(w) for w in warnings]
    keyboard = _keyboard(list_id, sheet, rows, page, flagged, ingredients)
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def _item_button(
    list_id: int, position: int, line: str, ticked: bool, page: int
) -> InlineKeyboardButton:
    mark = "✅" if ticked else "☐"
    return InlineKeyboardButton(
        f"{mark} {button_label(line, ITEM_LABEL_MAX)}",
        callback_data=callback("sl", list_id, "t", position, page),
    )


def _keyboard(
    list_id: int,
    sheet: ShoppingSheet,
    rows: list[tuple[int, SheetItem, bool]],
    page: int,
    flagged: frozenset[str],
    ingredients: Ingredients = None,
) -> list[list[InlineKeyboardButton]]:
    shown = rows[page * PAGE_ITEMS : (page + 1) * PAGE_ITEMS]
    keyboard = [
        [
            _item_button(
                list_id, pos, _label(item, item.item_id in flagged, ingredients), ticked, page
            )
        ]
        for pos, item, ticked in shown
    ]
    total = pages(len(rows))
    if total > 1:
        keyboard.append(
            [
                _control("◀", list_id, "p", (page - 1) % total),
                _control(f"{page + 1} / {total}", list_id, "p", page),
                _control("▶", list_id, "p", (page + 1) % total),
            ]
        )
    controls = []
    if sheet.staple_count:
        if sheet.hide_staples:
            label = _("👀 Show staples ({n})").format(n=sheet.staple_count)
            controls.append(_control(label, list_id, "s"))
        else:
            label = _("🙈 Hide what I have ({n})").format(n=sheet.staple_count)
            controls.append(_control(label, list_id, "h"))
    controls.append(_control(_("📋 Copy as text"), list_id, "x"))
    keyboard.append(controls)
    if sheet.people > 1:  # another member may have ticked something since
        keyboard.append([_control(_("🔄 Show the latest ticks"), list_id, "p", page)])
    keyboard.append(_span_row(list_id, sheet))
    return keyboard


def _control(label: str, list_id: int, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback("sl", list_id, *parts))


def _label(item: SheetItem, flagged: bool = False, ingredients: Ingredients = None) -> str:
    """Amount first: a phone cuts long labels at the end, and the amount must survive."""
    text = f"{localized_amount(item.display)} · {item.local_name(ingredients)}"
    if item.fortified:
        text = f"{FORTIFIED_MARK} {text}"
    return f"⚠️ {text}" if flagged else text


def _span_row(list_id: int, sheet: ShoppingSheet) -> list[InlineKeyboardButton]:
    """A new list in the same message for another span (1, 3 or 7 days) from today."""
    return [
        _control(
            ("• " if days == sheet.days else "")
            + ngettext("{n} day", "{n} days", days).format(n=days),
            list_id,
            "d",
            days,
        )
        for days in SPAN_CHOICES
    ]


def render_plain(sheet: ShoppingSheet, ingredients: Ingredients = None) -> str:
    """The list as text to long-press and copy into any notes app (a <pre> block copies in
    one tap on Telegram's apps), in the same language and names as the buttons."""
    body = "\n".join(sheet.plain_lines(ingredients)) or _("Nothing to buy.")
    return f"{esc(sheet_title(sheet.start, sheet.days))}\n<pre>{esc(body)}</pre>"
