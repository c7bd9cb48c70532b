"""Use cases that handlers and jobs call; no Telegram types and no SQL here."""
