"""Print how long loading and validating the shipped recipe set takes (not a test).

Run: .venv/bin/python bench/recipes_load.py [RECIPES_DIR]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.recipes import DEFAULT_RECIPES_DIR, load_recipes


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_RECIPES_DIR
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        rs = load_recipes(directory)
    per_run_ms = (time.perf_counter() - start) / runs * 1000
    print(
        f"load_recipes({directory}): {len(rs.recipes)} recipes, {len(rs.ingredients)} "
        f"ingredients, {per_run_ms:.1f} ms per load (mean of {runs})"
    )


if __name__ == "__main__":
    main()
