"""The pure domain: nutrition maths, recipes, planning, labs and tallies. No Telegram, no database."""
