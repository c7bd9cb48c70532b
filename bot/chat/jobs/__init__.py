"""Scheduled jobs that send: the morning push and tracking reminders."""
