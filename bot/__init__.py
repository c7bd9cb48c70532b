"""B12 meal-planner Telegram bot."""

__version__ = "0.1.0"
