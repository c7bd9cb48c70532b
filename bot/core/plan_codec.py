"""The stored form of a day plan: a JSON-safe dict and back, without loss.

Plans are saved per user and day (and read back for tracking, swaps and history), so every
field round-trips exactly. Plans stored before a field existed read back with its default
(no status: `DayPlan.meets_target` then checks only what the numbers show).
"""

from __future__ import annotations

import datetime as dt

from bot.core.models import DayPlan, PlannedMeal, Slot, TargetStatus


def status_to_dict(status: TargetStatus | None) -> dict[str, object] | None:
    if status is None:
        return None
    return {
        "met": status.met,
        "misses": list(status.misses),
        "clinician_managed": status.clinician_managed,
        "fortified_ug": status.fortified_ug,
    }


def status_from_dict(d: object) -> TargetStatus | None:
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ValueError(f"status must be a mapping, got {d!r}")
    return TargetStatus(
        met=bool(d["met"]),
        misses=tuple(str(m) for m in d.get("misses", ())),
        clinician_managed=bool(d.get("clinician_managed", False)),
        fortified_ug=float(d.get("fortified_ug", 0.0)),
    )


def plan_to_dict(plan: DayPlan) -> dict[str, object]:
    """JSON-safe dict (floats kept exact, so a round trip gives an equal DayPlan)."""
    return {
        "date": plan.date.isoformat(),
        "meals": [
            {
                "slot": m.slot.value,
                "recipe_id": m.recipe_id,
                "servings": m.servings,
                "b12_ug": m.b12_ug,
                "kcal": m.kcal,
                "protein_g": m.protein_g,
                "fortified_b12": m.fortified_b12,
                "topup_item": m.topup_item,
                "topup_grams": m.topup_grams,
                "topup_b12_ug": m.topup_b12_ug,
                "topup_kcal": m.topup_kcal,
                "topup_label": m.topup_label,
                "fortified_ug": m.fortified_ug,
            }
            for m in plan.meals
        ],
        "target_ug": plan.target_ug,
        "b12_ug": plan.b12_ug,
        "b12_absorbed_ug": plan.b12_absorbed_ug,
        "kcal": plan.kcal,
        "protein_g": plan.protein_g,
        "shortfall_ug": plan.shortfall_ug,
        "notes": list(plan.notes),
        "swaps": [[s.value, list(ids)] for s, ids in plan.swaps],
        "repeats": list(plan.repeats),
        "status": status_to_dict(plan.status),
        "region": plan.region,
    }


def plan_from_dict(d: dict[str, object]) -> DayPlan:
    """Inverse of plan_to_dict; raises ValueError naming the field when the data is bad."""
    try:
        meals = tuple(
            PlannedMeal(
                slot=Slot(m["slot"]),
                recipe_id=str(m["recipe_id"]),
                servings=int(m["servings"]),
                b12_ug=float(m["b12_ug"]),
                kcal=float(m["kcal"]),
                protein_g=float(m["protein_g"]),
                fortified_b12=bool(m.get("fortified_b12", False)),
                topup_item=m.get("topup_item"),
                topup_grams=float(m.get("topup_grams", 0.0)),
                topup_b12_ug=float(m.get("topup_b12_ug", 0.0)),
                topup_kcal=float(m.get("topup_kcal", 0.0)),
                topup_label=str(m.get("topup_label", "")),
                fortified_ug=float(m.get("fortified_ug", 0.0)),
            )
            for m in d["meals"]  # type: ignore[attr-defined]
        )
        return DayPlan(
            date=dt.date.fromisoformat(str(d["date"])),
            meals=meals,
            target_ug=float(d["target_ug"]),  # type: ignore[arg-type]
            b12_ug=float(d["b12_ug"]),  # type: ignore[arg-type]
            b12_absorbed_ug=float(d["b12_absorbed_ug"]),  # type: ignore[arg-type]
            kcal=float(d["kcal"]),  # type: ignore[arg-type]
            protein_g=float(d["protein_g"]),  # type: ignore[arg-type]
            shortfall_ug=float(d.get("shortfall_ug", 0.0)),  # type: ignore[arg-type]
            notes=tuple(str(n) for n in d.get("notes", ())),  # type: ignore[attr-defined]
            swaps=tuple(
                (Slot(s), tuple(str(i) for i in ids))
                for s, ids in d.get("swaps", ())  # type: ignore[attr-defined]
            ),
            repeats=tuple(str(r) for r in d.get("repeats", ())),  # type: ignore[attr-defined]
            status=status_from_dict(d.get("status")),
            region=str(d.get("region", "")),
        )
    except KeyError as exc:
        raise ValueError(f"stored plan is missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise ValueError(f"stored plan is malformed: {exc}") from exc
