"""Command-line entry points: run the bot, plan days, check recipes."""
