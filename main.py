"""Entry point: `python main.py` runs the bot; sub-commands work offline (see --help)."""

from __future__ import annotations

import sys

from bot.cli.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
