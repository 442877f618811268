"""merge protection and redaction (unseal branch) with main's case store head

Revision ID: case0201
Revises: case0200, case0301
"""

from collections.abc import Sequence

revision: str = "case0201"
down_revision: str | Sequence[str] | None = ("case0200", "case0301")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
