"""merge the blind-index and identity-addition-key branches

Revision ID: case1600
Revises: linking1500, case1500gaps
"""

from collections.abc import Sequence

revision: str = "case1600"
down_revision: str | Sequence[str] | None = ("linking1500", "case1500gaps")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
