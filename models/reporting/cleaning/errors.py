"""Why a file could not be cleaned: one small error with a reason code the parent maps to a message."""

from __future__ import annotations

# The reasons a child can give; anything else it says is read as "unreadable".
REASONS = ("unreadable", "too_many_pixels", "zip_bomb", "encrypted", "unsupported", "limit")


class CleaningFailed(Exception):
    """A cleaner could not clean this file; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason if reason in REASONS else "unreadable"
