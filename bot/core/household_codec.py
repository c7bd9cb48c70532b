"""The stored form of a household plan: the shared plan's dict plus a `household` section.

Readers of plan history see the shared meals under `meals` like any personal plan
(`bot.core.plan_codec`); the section adds each member's own day and personal top-ups.
"""

from __future__ import annotations

from typing import Any

from bot.core.household import HouseholdPlan, MemberDay, PersonalTopUp
from bot.core.models import Diet, Slot
from bot.core.plan_codec import plan_from_dict, plan_to_dict

DICT_VERSION = 1


def _topup_to_dict(t: PersonalTopUp) -> dict[str, Any]:
    return {
        "kind": t.kind,
        "slot": t.slot.value,
        "ref_id": t.ref_id,
        "label": t.label,
        "grams": t.grams,
        "b12_ug": t.b12_ug,
        "kcal": t.kcal,
        "protein_g": t.protein_g,
        "fortified_ug": t.fortified_ug,
    }


def household_to_dict(hplan: HouseholdPlan) -> dict[str, Any]:
    """The shared plan's dict (so history readers see `meals`) plus a `household` section."""
    data: dict[str, Any] = dict(plan_to_dict(hplan.plan))
    data["household"] = {
        "version": DICT_VERSION,
        "members": [
            {
                "user_id": m.user_id,
                "name": m.name,
                "diet": m.diet.value,
                "target_ug": m.target_ug,
                "slots": [s.value for s in m.slots],
                "shared_b12_ug": m.shared_b12_ug,
                "topups": [_topup_to_dict(t) for t in m.topups],
                "b12_ug": m.b12_ug,
                "absorbed_ug": m.absorbed_ug,
                "fortified_meals": m.fortified_meals,
                "kcal": m.kcal,
                "protein_g": m.protein_g,
                "met": m.met,
                "notes": list(m.notes),
                "misses": list(m.misses),
                "fortified_ug": m.fortified_ug,
                "clinician_managed": m.clinician_managed,
            }
            for m in hplan.members
        ],
    }
    return data


def household_from_dict(data: dict[str, Any]) -> HouseholdPlan:
    """Inverse of household_to_dict; ValueError naming what is wrong.

    A personal plan (no `household` section) is not enough.
    """
    plan = plan_from_dict(data)
    section = data.get("household")
    if not isinstance(section, dict):
        raise ValueError("stored plan has no 'household' section: it is not a household plan")
    try:
        members = tuple(
            MemberDay(
                user_id=int(m["user_id"]),
                name=str(m["name"]),
                diet=Diet(m["diet"]),
                target_ug=float(m["target_ug"]),
                slots=tuple(Slot(s) for s in m["slots"]),
                shared_b12_ug=float(m["shared_b12_ug"]),
                topups=tuple(
                    PersonalTopUp(
                        kind=str(t["kind"]),
                        slot=Slot(t["slot"]),
                        ref_id=str(t["ref_id"]),
                        label=str(t["label"]),
                        grams=float(t["grams"]),
                        b12_ug=float(t["b12_ug"]),
                        kcal=float(t["kcal"]),
                        protein_g=float(t["protein_g"]),
                        fortified_ug=float(t.get("fortified_ug", 0.0)),
                    )
                    for t in m["topups"]
                ),
                b12_ug=float(m["b12_ug"]),
                absorbed_ug=float(m["absorbed_ug"]),
                fortified_meals=int(m["fortified_meals"]),
                kcal=float(m["kcal"]),
                protein_g=float(m["protein_g"]),
                met=bool(m["met"]),
                notes=tuple(str(n) for n in m.get("notes", ())),
                misses=tuple(str(n) for n in m.get("misses", ())),
                fortified_ug=float(m.get("fortified_ug", 0.0)),
                clinician_managed=bool(m.get("clinician_managed", False)),
            )
            for m in section["members"]
        )
    except KeyError as exc:
        raise ValueError(f"stored household plan is missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise ValueError(f"stored household plan is malformed: {exc}") from exc
    return HouseholdPlan(plan, members)
