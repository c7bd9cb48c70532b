"""Command line: `recipes ...`, `plan ...`, and no sub-command = run the Telegram bot."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from bot.cli import plan as cli_plan
    from bot.cli import recipes as cli_recipes

    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="B12 meal planner. With no sub-command, runs the Telegram bot.",
    )
    sub = parser.add_subparsers(dest="command")
    cli_recipes.add_parser(sub)
    cli_plan.add_parser(sub)
    return parser


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.command is None:
        from bot.app import run_bot

        return run_bot()
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # `python main.py plan ... | head`: the reader went away; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
