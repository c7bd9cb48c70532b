"""Daily B12 tally: what was planned, eaten and taken, and how it compares to the target.

Pure code. The target is an intake target (µg/day, like the RDA), so a day meets it when
food eaten + oral supplements reach it. Absorbed µg are shown as information: each meal and
each oral dose saturates on its own (bot.core.nutrition.absorbed_ug), so 1,000 µg in one tablet
gives about 11 µg absorbed. Injections bypass the gut, so the oral curve does not apply:
they are recorded apart (`injection_ug`) and never turned into an absorbed estimate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.models import Diet, Profile, Recipe, RecipeSet, Slot
from bot.core.nutrition import absorbed_ug


@dataclass(frozen=True, slots=True)
class DayTally:
    date: dt.date
    planned_ug: float  # B12 in the day's plan (one serving of each planned meal)
    eaten_ug: float  # B12 in meals marked eaten (and "ate something else" entries)
    supplement_ug: float  # oral supplement doses taken
    absorbed_ug: float  # estimate: food meals + oral doses, each through the curve
    injection_ug: float = 0.0  # injections taken (not counted against the oral target)

    @property
    def intake_ug(self) -> float:
        """Oral intake counted against the daily target."""
        return self.eaten_ug + self.supplement_ug

    def short_of(self, target_ug: float) -> float:
        """µg still missing to reach `target_ug` (0 when met)."""
        return max(0.0, target_ug - self.intake_ug)


def day_tally(
    day: dt.date,
    planned_meals_ug: Iterable[float],
    eaten_meals_ug: Iterable[float],
    supplement_doses_ug: Iterable[float] = (),
    injection_doses_ug: Iterable[float] = (),
) -> DayTally:
    """Tally one day from per-meal and per-dose µg (each meal/dose absorbed on its own)."""
    planned = [float(x) for x in planned_meals_ug]
    eaten = [float(x) for x in eaten_meals_ug]
    doses = [float(x) for x in supplement_doses_ug]
    injections = [float(x) for x in injection_doses_ug]
    for name, values in (
        ("planned", planned),
        ("eaten", eaten),
        ("supplement", doses),
        ("injection", injections),
    ):
        if any(v < 0 for v in values):
            raise ValueError(f"{name} B12 amounts cannot be negative: {values}")
    return DayTally(
        date=day,
        planned_ug=sum(planned),
        eaten_ug=sum(eaten),
        supplement_ug=sum(doses),
        absorbed_ug=sum(absorbed_ug(x) for x in eaten + doses),
        injection_ug=sum(injections),
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
        days_meeting_target=sum(1 for t in window if t.intake_ug >= target),
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
    """µg for people, as the plan messages show them (bot.chat.render.plans.fmt_ug: one decimal, two
    for tiny non-zero amounts), so a ticked-off meal reads the same as in the plan; doses
    get thousands separators: 0.6, 2.4, 0.05, 1,000."""
    if x >= 100:
        return f"{x:,.0f}"
    if 0 < x < 0.095:
        return f"{x:.2f}"
    return f"{x:.1f}"


def format_summary(summary: Summary) -> str:
    """Phone-sized plain text for /progress."""
    target = summary.target_ug
    lines = [f"B12 target: {fmt_ug(target)} µg/day"]
    t = summary.today
    if t is None:
        lines.append("Today: nothing logged yet.")
    else:
        parts = [f"food {fmt_ug(t.eaten_ug)} µg"]
        if t.supplement_ug:
            parts.append(f"supplement {fmt_ug(t.supplement_ug)} µg")
        line = f"Today: {fmt_ug(t.intake_ug)} µg ({', '.join(parts)})"
        short = t.short_of(target)
        line += f" — {fmt_ug(short)} µg to go." if short > 0 else " — target reached."
        lines.append(line)
        if t.injection_ug:
            lines.append(f"Injection today: {fmt_ug(t.injection_ug)} µg.")
        lines.append(f"Estimated absorbed today: about {fmt_ug(t.absorbed_ug)} µg.")
    for label, p in (("Last 7 days", summary.last7), ("Last 30 days", summary.last30)):
        if p.days_logged == 0:
            lines.append(f"{label}: nothing logged.")
            continue
        lines.append(
            f"{label}: {fmt_ug(p.avg_intake_ug)} µg/day on average over {p.days_logged} "
            f"logged day{'s' if p.days_logged != 1 else ''}; target met on "
            f"{p.days_meeting_target} of them."
        )
    return "\n".join(lines)


# --- closing a gap --------------------------------------------------------------------


def snacks_for(recipes: RecipeSet, profile: Profile) -> list[Recipe]:
    """Snack recipes this profile may eat (diet allows it, no excluded ingredient)."""
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
        return "You have reached your B12 target today. Well done!"
    head = f"You are {fmt_ug(short_ug)} µg short of your B12 target today."
    snacks = [r for r in snacks_for(recipes, profile) if r.b12_ug > 0]
    if not snacks:
        return f"{head} {_no_snack_advice(profile, takes_supplement)}"
    closing = [r for r in snacks if r.b12_ug >= short_ug]
    if closing:
        pick = min(closing, key=lambda r: (r.b12_ug, r.time_min, r.id))
        return (
            f"{head} A snack that closes it: {pick.name} "
            f"({fmt_ug(pick.b12_ug)} µg B12 per serving, {pick.time_min} min)."
        )
    pick = max(snacks, key=lambda r: (r.b12_ug, -r.time_min, r.id))
    rest = short_ug - pick.b12_ug
    tail = (
        "If you take a supplement, today's dose covers the rest."
        if takes_supplement
        else "A fortified plant milk or cereal at your next meal helps too."
    )
    return (
        f"{head} Closest snack: {pick.name} ({fmt_ug(pick.b12_ug)} µg B12 per serving) — "
        f"about {fmt_ug(rest)} µg would still be missing. {tail}"
    )


def _no_snack_advice(profile: Profile, takes_supplement: bool) -> str:
    if takes_supplement:
        return "No snack in the recipe set fits your diet; remember today's supplement."
    fortified = (
        " Fortified plant milks, cereals or nutritional yeast are the reliable food sources."
        if profile.diet is Diet.VEGAN
        else ""
    )
    return (
        "No snack in the recipe set fits your diet and exclusions."
        f"{fortified} Talk to your clinician about whether a B12 supplement suits you."
    )


def last_n_days(tallies: Sequence[DayTally], today: dt.date, n: int = 30) -> list[DayTally]:
    """Tallies within the `n` days ending `today`, oldest first (the chart's window)."""
    start = today - dt.timedelta(days=n - 1)
    return sorted((t for t in tallies if start <= t.date <= today), key=lambda t: t.date)
