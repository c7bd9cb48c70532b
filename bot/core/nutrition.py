"""B12 absorption maths (see README "Sources": IOM 1998 pp. 308-309, Adams 1971)."""

from __future__ import annotations

from collections.abc import Iterable


def absorbed_ug(dose_ug: float) -> float:
    """Estimated µg absorbed from one meal or dose of `dose_ug` µg.

    Intrinsic-factor uptake saturates at ~1.5-2.5 µg per meal and ~1 % diffuses passively:
    absorbed(d) = 1.24*d/(1.53+d) + 0.01*d, which gives 0.50 of 1 µg, 1.00 of 5 µg and
    1.42 of 25 µg (the three measured points).
    """
    if dose_ug <= 0:
        return 0.0
    return 1.24 * dose_ug / (1.53 + dose_ug) + 0.01 * dose_ug


def absorbed_total_ug(doses_ug: Iterable[float]) -> float:
    """Absorbed µg over a day of separate meals/doses (each saturates on its own)."""
    return sum(absorbed_ug(d) for d in doses_ug)
