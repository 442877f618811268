"""merge the confidentiality, accountability, reporter-form, sync and workbench branches

Revision ID: case1300
Revises: case0500, case0600, case0800, case1000, case1100
"""

from collections.abc import Sequence

revision: str = "case1300"
down_revision: str | Sequence[str] | None = ("case0500", "case0600", "case0800", "case1000", "case1100")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
