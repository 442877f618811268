"""merge the blind borrowing requests and the shielding part's transfer

Revision ID: case1800
Revises: linking2_1700, friction2_case1700
"""

from collections.abc import Sequence

revision: str = "case1800"
down_revision: str | Sequence[str] | None = ("linking2_1700", "friction2_case1700")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: the branches touch different columns (borrow_requests; clue_tracks, transfers)."""


def downgrade() -> None:
    """Nothing to undo."""
