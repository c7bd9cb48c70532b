"""Where the project's files are, for tests that read shipped data or run a script."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "recipes"
MAIN = REPO / "main.py"
BENCH = REPO / "bench"
# the nutrition references next to the repository (README with the unit factors, USDA SR28)
SHARED_NUTRITION = REPO.parent / "shared" / "nutrition"
