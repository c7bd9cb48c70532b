"""The Telegram layer: handlers, rendering (texts, keyboards, charts) and the jobs that send."""
