"""Texts and keyboards for lab results: /levels (list, bands, retest), the saved and removed
result, the retest reminder, and the "add a result" button flow (marker -> unit -> value ->
date -> saved), one message edited in place. No handlers, no I/O.

The flow keeps its state in each button's callback data (`LabDraft`, under 64 bytes), so any
worker can answer a tap; `LabDraft.decode` range-checks every field. Lab output always carries
"information, not a diagnosis".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.render.format import callback, esc
from bot.chat.render.pickers import (
    Row,
    back_cancel,
    date_code,
    date_picker,
    month_code,
    month_name,
    number_pad,
    pad_text,
    pad_value,
    parse_date_code,
    parse_month_code,
    valid_pad_value,
)
from bot.core.i18n import N_, _, fmt_day, fmt_decimal, pgettext
from bot.core.labs import (
    ADD_EXAMPLES,
    DISCLAIMER,
    GP_SOON,
    MARKERS,
    NG_L,
    PG_ML,
    PMOL_L,
    PREGNANCY_TEST,
    SUPPLEMENTS_CHANGE_RESULTS,
    Marker,
    classify,
    format_result,
)
from bot.storage.reminders import Retest
from bot.storage.tracking import StoredLab

LAB_DISCLAIMER = DISCLAIMER  # "This is information, not a diagnosis — discuss … clinician."

# --------------------------------------------------------------------------- lab results


def render_levels(
    labs: Sequence[StoredLab], retest: Retest | None, *, pregnant: bool = False
) -> str:
    """/levels: numbered results (oldest first), where the latest of each marker falls, and
    once for the whole list: the GP/MS-team line when a latest result calls for it, that
    supplements change results, and (pregnant) that active B12 is the preferred test."""
    title = "<b>🧪 " + _("Your B12 lab results") + "</b>"
    if not labs:
        lines = [
            title,
            _("No results yet. Tap ➕ Add a result, or type one from your lab report:"),
            esc(_(ADD_EXAMPLES)),
        ]
    else:
        lines = [title]
        for lab in labs:
            lines.append(f"#{lab.number}. {esc(format_result(lab.result))}")
        lines.append("")
        latest: dict[Marker, StoredLab] = {}
        for lab in labs:
            latest[lab.result.marker] = lab
        bands = {marker: classify(lab.result) for marker, lab in latest.items()}
        for marker, band in bands.items():
            latest_name = _("Latest {marker}").format(marker=MARKERS[marker].name)
            lines.append(f"<b>{esc(latest_name)}</b>: {esc(band.summary)}")
        if any(band.urgent for band in bands.values()):
            lines.append(f"⚠️ <b>{esc(_(GP_SOON))}</b>")
        lines.append(esc(_(SUPPLEMENTS_CHANGE_RESULTS)))
        if pregnant and Marker.SERUM in bands:
            lines.append(esc(_(PREGNANCY_TEST)))
        lines.append("")
        lines.append(
            _(
                "Add: {add} · remove result #{number}: {delete}",
            ).format(
                add="<code>/levels add serum 320 pg/mL 2026-10-02</code>",
                number=labs[-1].number,
                delete=f"<code>/levels delete {labs[-1].number}</code>",
            )
        )
    lines.append(render_retest_status(retest))
    lines.append(f"<i>{esc(_(LAB_DISCLAIMER))}</i>")
    return "\n".join(lines)


def render_retest_status(retest: Retest | None) -> str:
    if retest is None:
        return "🔔 " + _("Retest reminder: off (e.g. {example} for 6 months).").format(
            example="<code>/levels retest 6</code>"
        )
    if retest.due_date is None:
        return "🔔 " + _(
            "Retest reminder: {months} months after your latest result (add a result to start it)."
        ).format(months=retest.months)
    return "🔔 " + _(
        "Retest reminder: {months} months after your latest result, due {day} {year}."
    ).format(months=retest.months, day=esc(fmt_day(retest.due_date)), year=retest.due_date.year)


def render_lab_added(lab: StoredLab, *, pregnant: bool = False) -> str:
    """The answer to /levels add: the result, its band and the whole advice (band.text)."""
    band = classify(lab.result, pregnant=pregnant)
    return "\n".join(
        [
            "🧪 "
            + _("Saved result #{number}: {result}").format(
                number=lab.number, result=esc(format_result(lab.result))
            ),
            esc(band.text),
        ]
    )


def render_lab_removed(lab: StoredLab) -> str:
    """Names what was removed, so a wrong number is noticed (and can be added again)."""
    return "🗑 " + _("Removed result #{number}: {result}. /levels shows the rest.").format(
        number=lab.number, result=esc(format_result(lab.result))
    )


def render_levels_help() -> str:
    return "\n".join(
        [
            _(
                "<b>/levels</b> lists your lab results and charts them. Tap ➕ Add a result "
                "under it (or send <code>/levels add</code>) to enter one with buttons, or "
                "type it:"
            ),
            esc(_(ADD_EXAMPLES)),
            _("{first} and {second} work too.").format(
                first="<code>/levels B12 280 ng/L</code>",
                second="<code>/levels active 45 pmol/L</code>",
            ),
            _(
                "Units: ng/L, pg/mL or pmol/L for serum (total) B12 (1 ng/L = 1 pg/mL; 1 pmol/L "
                "= {factor} pg/mL); pmol/L for active B12 (holoTC); µmol/L or nmol/L for MMA; "
                "µmol/L for homocysteine."
            ).format(factor=fmt_decimal(1.355, 3)),
            _(
                "Bands (NICE NG239): total B12 below 180 ng/L deficiency likely, 180–350 "
                "indeterminate, above 350 deficiency unlikely; active B12 below 25 pmol/L "
                "deficiency likely, 25–70 indeterminate, above 70 deficiency unlikely. Your "
                "lab's own range wins when you add it (e.g. {example})."
            ).format(example="<code>range 200-900</code>"),
            _(
                "{retest}: remind me 6 months after my latest result ({off} to stop). "
                "{delete}: remove result #2 (the numbers /levels shows)."
            ).format(
                retest="<code>/levels retest 6</code>",
                off="<code>/levels retest off</code>",
                delete="<code>/levels delete 2</code>",
            ),
            f"<i>{esc(_(LAB_DISCLAIMER))}</i>",
        ]
    )


def levels_caption(marker: Marker) -> str:
    return _(
        "{marker} over time, with the bands shaded. Information, not a "
        "diagnosis; discuss with your clinician."
    ).format(marker=MARKERS[marker].name)


def render_retest_reminder(due_date: dt.date, months: int) -> str:
    return (
        "🧪 "
        + _(
            "It is {months} months since your last B12 lab result: a retest was due "
            "{day}. If your clinician advised regular checks, this is a "
            "reminder to arrange one. Add the new result with {command}."
        ).format(months=months, day=esc(fmt_day(due_date)), command="<code>/levels add …</code>")
        + f"\n<i>{esc(_(LAB_DISCLAIMER))}</i>"
    )


def levels_keyboard() -> InlineKeyboardMarkup:
    """Under /levels: add a result with buttons."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("➕ " + _("Add a result"), callback_data=LabDraft().encode("m"))]]
    )


# --------------------------------------------------------------------------- the button flow

FLOW = "lw"  # callback prefix: v1:lw:<step>:<marker>:<unit>:<value>:<date>
MARKER_CODES: dict[str, Marker] = {"s": Marker.SERUM, "a": Marker.HOLOTC}
MARKER_LABEL = {"s": N_("Total B12 (serum)"), "a": N_("Active B12 (holoTC)")}  # _() at use
UNIT_CODES: dict[str, str] = {"n": NG_L, "g": PG_ML, "p": PMOL_L}
PICK_YEARS = 5  # the date picker reaches back this far (older results: type the date)
# steps: m marker, u unit, v value pad, d date choice, p date picker (date = month), s save,
# x cancel
STEPS = frozenset("muvdpsx")


@dataclass(frozen=True, slots=True)
class LabDraft:
    """A result being entered: marker and unit codes, the value typed on the pad, and `date`
    ("" not yet, "YYMM" the month a picker shows, "YYMMDD" the day)."""

    marker: str = ""
    unit: str = ""
    value: str = ""
    date: str = ""

    def encode(self, step: str) -> str:
        return callback(FLOW, step, self.marker, self.unit, self.value, self.date)

    @classmethod
    def decode(cls, data: str) -> tuple[str, LabDraft] | None:
        """(step, draft) from callback data, or None when a field is out of range."""
        parts = data.split(":")
        if len(parts) != 7 or parts[:2] != ["v1", FLOW] or parts[2] not in STEPS:
            return None
        draft = cls(*parts[3:])
        return (parts[2], draft) if draft.valid() else None

    def valid(self) -> bool:
        if self.marker not in ("", *MARKER_CODES) or self.unit not in ("", *UNIT_CODES):
            return False
        if self.unit and (not self.marker or self.unit_name not in self.units()):
            return False
        if not valid_pad_value(self.value):
            return False
        if len(self.date) == 4:
            return parse_month_code(self.date) is not None
        return self.date == "" or parse_date_code(self.date) is not None

    def units(self) -> tuple[str, ...]:
        return MARKERS[MARKER_CODES[self.marker]].accepted_units if self.marker else ()

    @property
    def marker_enum(self) -> Marker:
        return MARKER_CODES[self.marker]

    @property
    def unit_name(self) -> str:
        return UNIT_CODES[self.unit]

    @property
    def number(self) -> float | None:
        return pad_value(self.value)

    @property
    def day(self) -> dt.date | None:
        return parse_date_code(self.date) if len(self.date) == 6 else None


def earliest_pick(today: dt.date) -> dt.date:
    return today.replace(year=today.year - PICK_YEARS, day=1)


def _head(draft: LabDraft, question: str, *, typing: bool = False) -> str:
    """The flow's title, the choices so far (the value only once typed: the pad step shows
    it in its question) and the question."""
    lines = ["<b>🧪 " + _("Add a lab result") + "</b>"]
    chosen = []
    if draft.marker:
        chosen.append(_(MARKER_LABEL[draft.marker]))
    if draft.unit and draft.number is not None and not typing:
        chosen.append(f"{pad_text(draft.value)} {draft.unit_name}")
    elif draft.unit:
        chosen.append(draft.unit_name)
    if chosen:
        lines.append(esc(" · ".join(chosen)))
    lines += ["", question]
    return "\n".join(lines)


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def _markup(rows: list[Row], back: str | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*rows, back_cancel(back, LabDraft().encode("x"))])


def lab_step(step: str, draft: LabDraft, today: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of one step of the add-a-result flow."""
    if step == "m":
        rows = [
            [_button(_(label), LabDraft(marker=code).encode("u"))]
            for code, label in MARKER_LABEL.items()
        ]
        return _head(
            draft, _("Which result is it? (MMA and homocysteine: type them, see /levels help.)")
        ), _markup(rows, None)
    if step == "u":
        codes = [c for c, unit in UNIT_CODES.items() if unit in draft.units()]
        rows = [[_button(UNIT_CODES[c], replace(draft, unit=c).encode("v")) for c in codes]]
        question = _("Which unit does your lab report use?")
        if draft.marker_enum is Marker.HOLOTC:
            question += " " + _(
                "(Active B12 is entered in pmol/L, as labs and NICE NG239 give it.)"
            )
        return _head(draft, question), _markup(rows, LabDraft().encode("m"))
    if step == "v":
        rows = number_pad(draft.value, lambda v: replace(draft, value=v).encode("v"))
        if draft.number is not None:
            rows.append([_button(pgettext("button", "OK") + " ✅", draft.encode("d"))])
        typed = f"<b>{esc(pad_text(draft.value) or '…')} {esc(draft.unit_name)}</b>"
        back = replace(draft, unit="", value="").encode("u")
        question = _("Type the value from your report: {value}").format(value=typed)
        text = _head(draft, question, typing=True)
        return text, _markup(rows, back)
    if step == "d":
        week_ago = today - dt.timedelta(days=7)
        rows = [
            [
                _button(_("Today"), replace(draft, date=date_code(today)).encode("s")),
                _button(
                    _("Yesterday"),
                    replace(draft, date=date_code(today - dt.timedelta(days=1))).encode("s"),
                ),
            ],
            [
                _button(
                    _("A week ago ({day})").format(day=fmt_day(week_ago)),
                    replace(draft, date=date_code(week_ago)).encode("s"),
                ),
            ],
            [_button("📅 " + _("Pick a day"), replace(draft, date=month_code(today)).encode("p"))],
        ]
        back = replace(draft, date="").encode("v")
        return _head(draft, _("When was the blood taken?")), _markup(rows, back)
    # "p": the date picker on the month in draft.date
    month = parse_month_code(draft.date) or today.replace(day=1)
    rows = date_picker(
        month,
        earliest_pick(today),
        today,
        lambda code: replace(draft, date=code).encode("s"),
        lambda code: replace(draft, date=code).encode("p"),
    )
    back = replace(draft, date="").encode("d")
    question = _("Which day in {month}?").format(month=esc(month_name(month)))
    return _head(draft, question), _markup(rows, back)


def render_lab_cancelled() -> str:
    return "🧪 " + _("No result added. /levels shows yours.")
