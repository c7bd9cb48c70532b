"""The pure domain: nutrition maths, recipes, planning, labs, tallies. No Telegram, no database."""
