"""The one error the storage start-up raises, shared by the stdlib-only guards and db.py."""

from __future__ import annotations


class StorageStartError(RuntimeError):
    """The database cannot be used; the message says what is wrong and what to do."""
