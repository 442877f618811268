"""merge the Telegram subscriptions and clue workflow branches

Revision ID: case0301
Revises: case0100, case0300
"""

from collections.abc import Sequence

revision: str = "case0301"
down_revision: str | Sequence[str] | None = ("case0100", "case0300")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: the two branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
