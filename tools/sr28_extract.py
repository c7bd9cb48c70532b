"""Print USDA SR28 rows so ingredient values are copied mechanically, never typed by hand.

Dev tool only (reads ../shared/nutrition/usda_sr28_abbrev.csv, which the bot never needs):

    python tools/sr28_extract.py show 01123 15237      # the columns the ingredient table uses
    python tools/sr28_extract.py search salmon cooked  # NDB_No + description of matching rows
    python tools/sr28_extract.py yaml egg=01123        # a per_100g block ready to paste
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

CSV_PATH = Path(__file__).resolve().parents[2] / "shared/nutrition/usda_sr28_abbrev.csv"

# ingredients.yaml key -> SR28 column (kcal, protein_g and b12_ug are required by the loader)
NUTRIENT_COLUMNS: dict[str, str] = {
    "kcal": "Energ_Kcal",
    "protein_g": "Protein_g",
    "b12_ug": "Vit_B12_ug",
    "fat_g": "Lipid_Tot_g",
    "carbs_g": "Carbohydrt_g",
    "fibre_g": "Fiber_TD_g",
    "folate_ug": "Folate_DFE_ug",
    "vit_d_ug": "Vit_D_ug",
}
MEASURE_COLUMNS = ("GmWt_1", "GmWt_Desc1", "GmWt_2", "GmWt_Desc2")


def load_rows(path: Path = CSV_PATH) -> dict[str, dict[str, str]]:
    """All SR28 rows keyed by NDB_No (text, leading zeros kept)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["NDB_No"]: row for row in csv.DictReader(handle)}


def number(cell: str) -> int | float | None:
    """An SR28 cell as a number; None for an empty cell ("not measured", not zero)."""
    cell = cell.strip()
    if not cell:
        return None
    value = float(cell)
    return int(value) if value.is_integer() and "." not in cell else value


def per_100g(row: dict[str, str]) -> dict[str, int | float]:
    """The per-100 g block of one row, omitting nutrients SR28 did not measure."""
    block: dict[str, int | float] = {}
    for key, column in NUTRIENT_COLUMNS.items():
        value = number(row[column])
        if value is not None:
            block[key] = value
    return block


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print chosen rows")
    show.add_argument("ndb", nargs="+")
    search = sub.add_parser("search", help="rows whose description holds every word")
    search.add_argument("words", nargs="+")
    yaml_cmd = sub.add_parser("yaml", help="per_100g blocks for id=NDB pairs")
    yaml_cmd.add_argument("pairs", nargs="+")
    args = parser.parse_args(argv)

    if not CSV_PATH.exists():
        print(f"SR28 file not found: {CSV_PATH}", file=sys.stderr)
        return 1
    rows = load_rows()
    if args.command == "search":
        words = [w.upper() for w in args.words]
        for ndb, row in rows.items():
            if all(w in row["Shrt_Desc"] for w in words):
                print(ndb, row["Shrt_Desc"], "B12=" + row["Vit_B12_ug"], row["Energ_Kcal"], "kcal")
        return 0
    if args.command == "show":
        for ndb in args.ndb:
            row = rows.get(ndb)
            if row is None:
                print(f"{ndb}: not in SR28", file=sys.stderr)
                continue
            measures = " | ".join(f"{c}={row[c]}" for c in MEASURE_COLUMNS)
            print(ndb, row["Shrt_Desc"], per_100g(row), measures)
        return 0
    for pair in args.pairs:
        ident, _, ndb = pair.partition("=")
        row = rows[ndb]
        print(f'{ident}:  # {row["Shrt_Desc"]}\n  ndb: "{ndb}"\n  per_100g: {per_100g(row)}')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
