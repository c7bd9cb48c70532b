"""What can go wrong when a message is sent, in the services' own words.

The push and reminder ticks decide what a failed send means for the ledger (blocked, retry
later, give up for today) without knowing which messenger delivered it. The chat layer wraps
its send functions so that Telegram's errors arrive here as these exceptions.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """Base class: a send did not deliver its message."""


class Blocked(DeliveryError):
    """The user blocked the bot or the chat is gone: stop sending to them."""


class RateLimited(DeliveryError):
    """The messenger asked us to wait `retry_after` seconds before sending again."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"retry after {retry_after:g} s")
        self.retry_after = retry_after


class Transient(DeliveryError):
    """The message surely did not reach the messenger (no connection, no free connection in
    the pool): the same send may work a little later."""


class Stopping(Transient):
    """The bot is shutting down and gave up this send before it went out: release its claim
    so that the next start sends it."""


class Unconfirmed(DeliveryError):
    """The request went out but no answer came (a read time-out, a dropped connection, a
    server error): the message may well have been delivered. Resending could duplicate it,
    so callers record it as delivered (at most once) and never resend it blind."""


class Refused(DeliveryError):
    """The messenger refused this message for good (a bad request): do not retry it."""


class BotUnusable(DeliveryError):
    """The bot's credentials are rejected: nothing can be sent by anyone."""
