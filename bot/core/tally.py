"""Daily B12 tally: what was planned, eaten and taken, and how it compares to the target.

Pure code. The target is an intake target (µg/day, like the RDA), so a day meets it when
food eaten + oral supplements reach it. Absorbed µg are shown as information: each meal and
each oral dose saturates on its own (bot.core.nutrition.absorbed_ug), so 1,000 µg in one tablet
gives about 11 µg absorbed; a tablet taken within an hour of a meal joins that meal's dose
(uptake saturates per dose, not per pill). Injections bypass the gut, so the oral curve does
not apply: they are recorded apart (`injection_ug`) and never turned into an absorbed estimate.

Regimens: a weekly dose (Vegan Society: 2,000 µg once a week, or any dose from a weekly
reminder) covers its day and the six after it, so those days are not "short" in the tally or
the evening check (`DayTally.covered`, `weekly_cover`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.i18n import SOURCE_LANGUAGE, _, current_language, fmt_decimal, ngettext
from bot.core.languages import localized_name
from bot.core.models import Diet, Profile, Recipe, RecipeSet, Slot
from bot.core.nutrition import absorbed_ug
from bot.core.regions import for_region

# Vegan Society: 10 µg daily or 2,000 µg weekly; a dose this large covers a week on its own.
WEEKLY_DOSE_UG = 2000.0
WEEK_DAYS = 7
MEAL_DOSE_WINDOW = dt.timedelta(hours=1)  # a tablet this close to a meal is absorbed with it


@dataclass(frozen=True, slots=True)
class DayTally:
    date: dt.date
    planned_ug: float  # B12 in the day's plan (one serving of each planned meal)
    eaten_ug: float  # B12 in meals marked eaten (and "ate something else" entries)
    supplement_ug: float  # oral supplement doses taken
    absorbed_ug: float  # estimate: food meals + oral doses, each through the curve
    injection_ug: float = 0.0  # injections taken (not counted against the oral target)
    weekly_cover_ug: float = 0.0  # a weekly dose in the 7 days up to this day (0: none)

    @property
    def intake_ug(self) -> float:
        """Oral intake counted against the daily target."""
        return self.eaten_ug + self.supplement_ug

    @property
    def covered(self) -> bool:
        """A weekly dose taken in the last 7 days covers this day."""
        return self.weekly_cover_ug > 0

    def short_of(self, target_ug: float) -> float:
        """µg still missing to reach `target_ug` (0 when met or covered by a weekly dose)."""
        if self.covered:
            return 0.0
        return max(0.0, target_ug - self.intake_ug)

    def meets(self, target_ug: float) -> bool:
        """A weekly dose covers the day, or intake reaches the target AND the absorbed
        estimate reaches half of it (the planner's own rule: one big meal is not enough)."""
        if self.covered:
            return True
        return self.short_of(target_ug) <= 0 and self.absorbed_ug >= target_ug / 2 - 1e-9


def is_weekly_dose(dose_ug: float, weekly: bool = False) -> bool:
    """A dose that covers a week: from a weekly regimen, or 2,000 µg or more at once."""
    return weekly or dose_ug >= WEEKLY_DOSE_UG - 1e-9


def weekly_cover(day: dt.date, doses: Iterable[tuple[dt.date, float, bool]]) -> float:
    """The largest weekly dose taken on `day` or the 6 days before it (0.0: none).

    `doses` are (local date, µg, from a weekly regimen) of oral doses.
    """
    first = day - dt.timedelta(days=WEEK_DAYS - 1)
    return max(
        (ug for taken, ug, weekly in doses if first <= taken <= day and is_weekly_dose(ug, weekly)),
        default=0.0,
    )


def covered_days(
    doses: Iterable[tuple[dt.date, float, bool]], start: dt.date, end: dt.date
) -> dict[dt.date, float]:
    """Days in [start, end] that a weekly dose covers, with the covering dose in µg."""
    doses = list(doses)
    out: dict[dt.date, float] = {}
    day = start
    while day <= end:
        cover = weekly_cover(day, doses)
        if cover > 0:
            out[day] = cover
        day += dt.timedelta(days=1)
    return out


def absorption_doses(
    meals: Iterable[tuple[float, dt.datetime | None]],
    tablets: Iterable[tuple[float, dt.datetime | None]],
    window: dt.timedelta = MEAL_DOSE_WINDOW,
) -> list[float]:
    """The day's separate doses for the absorption curve: each tablet taken within `window`
    of a meal (the nearest) is added to that meal's dose; the rest stand alone.

    Uptake saturates per dose, so a 10 µg tablet swallowed with a 2 µg breakfast is one 12 µg
    dose, not two. Items without a time stay separate.
    """
    meal_list = [[float(ug), when] for ug, when in meals]
    alone: list[float] = []
    for ug, when in tablets:
        nearest: list[float | dt.datetime | None] | None = None
        if when is not None:
            timed = [m for m in meal_list if m[1] is not None and abs(m[1] - when) <= window]
            if timed:
                nearest = min(timed, key=lambda m: abs(m[1] - when))  # type: ignore[operator]
        if nearest is None:
            alone.append(float(ug))
        else:
            nearest[0] = float(nearest[0]) + float(ug)  # type: ignore[arg-type]
    return [float(m[0]) for m in meal_list] + alone  # type: ignore[arg-type]


def day_tally(
    day: dt.date,
    planned_meals_ug: Iterable[float],
    eaten_meals_ug: Iterable[float],
    supplement_doses_ug: Iterable[float] = (),
    injection_doses_ug: Iterable[float] = (),
    *,
    eaten_times: Sequence[dt.datetime | None] | None = None,
    dose_times: Sequence[dt.datetime | None] | None = None,
    weekly_cover_ug: float = 0.0,
) -> DayTally:
    """Tally one day from per-meal and per-dose µg (each meal/dose absorbed on its own).

    With `eaten_times` and `dose_times` (one per meal / dose, None when unknown) a tablet taken
    within an hour of a meal is absorbed together with it. `weekly_cover_ug`: the weekly dose
    covering this day (see `weekly_cover`).
    """
    planned = [float(x) for x in planned_meals_ug]
    eaten = [float(x) for x in eaten_meals_ug]
    doses = [float(x) for x in supplement_doses_ug]
    injections = [float(x) for x in injection_doses_ug]
    meal_times = list(eaten_times) if eaten_times is not None else [None] * len(eaten)
    tablet_times = list(dose_times) if dose_times is not None else [None] * len(doses)
    if len(meal_times) != len(eaten) or len(tablet_times) != len(doses):
        raise ValueError("one time per eaten meal and per dose (None when unknown)")
    for name, values in (
        ("planned", planned),
        ("eaten", eaten),
        ("supplement", doses),
        ("injection", injections),
    ):
        if any(v < 0 for v in values):
            raise ValueError(f"{name} B12 amounts cannot be negative: {values}")
    if weekly_cover_ug < 0:
        raise ValueError(f"a weekly dose cannot be negative: {weekly_cover_ug}")
    together = absorption_doses(
        zip(eaten, meal_times, strict=True), zip(doses, tablet_times, strict=True)
    )
    return DayTally(
        date=day,
        planned_ug=sum(planned),
        eaten_ug=sum(eaten),
        supplement_ug=sum(doses),
        absorbed_ug=sum(absorbed_ug(x) for x in together),
        injection_ug=sum(injections),
        weekly_cover_ug=float(weekly_cover_ug),
    )


@dataclass(frozen=True, slots=True)
class PeriodSummary:
    """A window of `days` calendar days ending today. Averages are over logged days."""

    days: int
    days_logged: int
    days_meeting_target: int
    avg_intake_ug: float
    avg_eaten_ug: float
    avg_supplement_ug: float
    avg_absorbed_ug: float
    avg_planned_ug: float


@dataclass(frozen=True, slots=True)
class Summary:
    target_ug: float
    today: DayTally | None
    last7: PeriodSummary
    last30: PeriodSummary


def _period(
    by_day: dict[dt.date, DayTally], target: float, today: dt.date, n: int
) -> PeriodSummary:
    window = [by_day[d] for d in (today - dt.timedelta(days=i) for i in range(n)) if d in by_day]
    k = len(window)

    def avg(values: Iterable[float]) -> float:
        return sum(values) / k if k else 0.0

    return PeriodSummary(
        days=n,
        days_logged=k,
        days_meeting_target=sum(1 for t in window if t.meets(target)),
        avg_intake_ug=avg(t.intake_ug for t in window),
        avg_eaten_ug=avg(t.eaten_ug for t in window),
        avg_supplement_ug=avg(t.supplement_ug for t in window),
        avg_absorbed_ug=avg(t.absorbed_ug for t in window),
        avg_planned_ug=avg(t.planned_ug for t in window),
    )


def summarise(tallies: Iterable[DayTally], target: float, today: dt.date) -> Summary:
    """Today, the last 7 and the last 30 days (both including today) against `target`.

    Days with no record are "not logged" and left out of the averages, so a forgotten day
    does not look like a day with no B12; `days_logged` says how many days count.
    """
    by_day: dict[dt.date, DayTally] = {}
    for t in tallies:
        if t.date in by_day:
            raise ValueError(f"two tallies for {t.date.isoformat()}")
        by_day[t.date] = t
    return Summary(
        target_ug=target,
        today=by_day.get(today),
        last7=_period(by_day, target, today, 7),
        last30=_period(by_day, target, today, 30),
    )


def fmt_ug(x: float) -> str:
    """µg for people, as the plan messages show them (chat.render.format.fmt_ug: one decimal, two
    for tiny non-zero amounts), so a ticked-off meal reads the same as in the plan; doses
    get thousands separators: 0.6, 2.4, 0.05, 1,000 (0,6 and 1.000 in German)."""
    if current_language() != SOURCE_LANGUAGE:
        digits = 0 if x >= 100 else 2 if 0 < x < 0.095 else 1
        return fmt_decimal(x, digits)
    if x >= 100:
        return f"{x:,.0f}"
    if 0 < x < 0.095:
        return f"{x:.2f}"
    return f"{x:.1f}"


def format_log_only(summary: Summary) -> str:
    """/progress when a clinician manages the user's B12: what was logged (food, supplements,
    injections), with no absorbed estimate and no met/short verdict, since how much the gut
    takes up cannot be estimated and the clinician judges the treatment."""
    lines: list[str] = []
    t = summary.today
    if t is None:
        lines.append(_("Today: nothing logged yet."))
    else:
        lines.append(
            _("Today: {amount} µg logged ({parts}).").format(
                amount=fmt_ug(t.intake_ug), parts=_parts(t)
            )
        )
        if t.injection_ug:
            lines.append(_("Injection today: {amount} µg.").format(amount=fmt_ug(t.injection_ug)))
    for label, p in _periods(summary):
        if p.days_logged == 0:
            lines.append(_("{period}: nothing logged.").format(period=label))
            continue
        lines.append(
            ngettext(
                "{period}: {amount} µg/day logged on average over {n} logged day.",
                "{period}: {amount} µg/day logged on average over {n} logged days.",
                p.days_logged,
            ).format(period=label, amount=fmt_ug(p.avg_intake_ug), n=p.days_logged)
        )
    return "\n".join(lines)


def _parts(t: DayTally) -> str:
    """ "food 1.9 µg, supplement 10.0 µg" (supplement only when there is one)."""
    parts = [_("food {amount} µg").format(amount=fmt_ug(t.eaten_ug))]
    if t.supplement_ug:
        parts.append(_("supplement {amount} µg").format(amount=fmt_ug(t.supplement_ug)))
    return ", ".join(parts)


def _periods(summary: Summary) -> tuple[tuple[str, PeriodSummary], ...]:
    return ((_("Last 7 days"), summary.last7), (_("Last 30 days"), summary.last30))


def format_summary(summary: Summary) -> str:
    """Phone-sized plain text for /progress."""
    target = summary.target_ug
    lines = [_("B12 target: {target} µg/day").format(target=fmt_ug(target))]
    t = summary.today
    if t is None:
        lines.append(_("Today: nothing logged yet."))
    else:
        line = _("Today: {amount} µg ({parts})").format(amount=fmt_ug(t.intake_ug), parts=_parts(t))
        short = t.short_of(target)
        if t.covered and t.intake_ug < target:
            line += " — " + _("covered by your weekly {dose} µg dose.").format(
                dose=fmt_ug(t.weekly_cover_ug)
            )
        else:
            if short > 0:
                line += " — " + _("{amount} µg to go.").format(amount=fmt_ug(short))
            elif t.meets(target):
                line += " — " + _("target reached.")
            else:
                line += " — " + _(
                    "enough B12, but only about {absorbed} µg absorbed, under half the target "
                    "({half} µg): spread it over more meals."
                ).format(absorbed=fmt_ug(t.absorbed_ug), half=fmt_ug(target / 2))
        lines.append(line)
        if t.injection_ug:
            lines.append(_("Injection today: {amount} µg.").format(amount=fmt_ug(t.injection_ug)))
        lines.append(
            _("Estimated absorbed today: about {amount} µg.").format(amount=fmt_ug(t.absorbed_ug))
        )
    for label, p in _periods(summary):
        if p.days_logged == 0:
            lines.append(_("{period}: nothing logged.").format(period=label))
            continue
        lines.append(
            ngettext(
                "{period}: {amount} µg/day on average over {n} logged day; target met on "
                "{met} of them.",
                "{period}: {amount} µg/day on average over {n} logged days; target met on "
                "{met} of them.",
                p.days_logged,
            ).format(
                period=label,
                amount=fmt_ug(p.avg_intake_ug),
                n=p.days_logged,
                met=p.days_meeting_target,
            )
        )
    return "\n".join(lines)


# --- closing a gap --------------------------------------------------------------------


def snacks_for(recipes: RecipeSet, profile: Profile) -> list[Recipe]:
    """Snack recipes this profile may eat (diet allows it, no excluded ingredient, sold in
    their region, valued with that region's fortified foods)."""
    recipes = for_region(recipes, profile.region)
    return [
        r
        for r in recipes.for_slot(Slot.SNACK)
        if profile.diet.allows(r.diet) and not (r.item_ids & profile.exclude)
    ]


def gap_suggestion(
    recipes: RecipeSet,
    profile: Profile,
    short_ug: float,
    *,
    takes_supplement: bool = False,
) -> str:
    """Plain-text advice for the evening check when today is `short_ug` µg short.

    Picks the snack with the least B12 that still closes the gap (so it is not
    overkill), else the one that comes closest. With no fitting snack it points to the
    user's supplement, or to their clinician about one.
    """
    if short_ug <= 0:
        return _("You have reached your B12 target today. Well done!")
    head = _("You are {amount} µg short of your B12 target today.").format(amount=fmt_ug(short_ug))
    lang = current_language()
    snacks = [r for r in snacks_for(recipes, profile) if r.b12_ug > 0]
    if not snacks:
        return f"{head} {_no_snack_advice(profile, takes_supplement)}"
    closing = [r for r in snacks if r.b12_ug >= short_ug]
    if closing:
        pick = min(closing, key=lambda r: (r.b12_ug, r.time_min, r.id))
        return _(
            "{head} A snack that closes it: {snack} ({amount} µg B12 per serving, {minutes} min)."
        ).format(
            head=head,
            snack=localized_name(pick, lang),
            amount=fmt_ug(pick.b12_ug),
            minutes=pick.time_min,
        )
    pick = max(snacks, key=lambda r: (r.b12_ug, -r.time_min, r.id))
    rest = short_ug - pick.b12_ug
    tail = (
        _("If you take a supplement, today's dose covers the rest.")
        if takes_supplement
        else _("A fortified plant milk or cereal at your next meal helps too.")
    )
    return _(
        "{head} Closest snack: {snack} ({amount} µg B12 per serving) — about {rest} µg would "
        "still be missing. {tail}"
    ).format(
        head=head,
        snack=localized_name(pick, lang),
        amount=fmt_ug(pick.b12_ug),
        rest=fmt_ug(rest),
        tail=tail,
    )


def _no_snack_advice(profile: Profile, takes_supplement: bool) -> str:
    if takes_supplement:
        return _("No snack in the recipe set fits your diet; remember today's supplement.")
    if profile.diet is Diet.VEGAN:
        return _(
            "No snack in the recipe set fits your diet and exclusions. Fortified plant milks, "
            "cereals or nutritional yeast are the reliable food sources. Talk to your clinician "
            "about whether a B12 supplement suits you."
        )
    return _(
        "No snack in the recipe set fits your diet and exclusions. Talk to your clinician about "
        "whether a B12 supplement suits you."
    )


def last_n_days(tallies: Sequence[DayTally], today: dt.date, n: int = 30) -> list[DayTally]:
    """Tallies within the `n` days ending `today`, oldest first (the chart's window)."""
    start = today - dt.timedelta(days=n - 1)
    return sorted((t for t in tallies if start <= t.date <= today), key=lambda t: t.date)
