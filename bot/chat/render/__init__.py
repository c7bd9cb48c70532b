"""Texts, keyboards and charts the bot shows."""
