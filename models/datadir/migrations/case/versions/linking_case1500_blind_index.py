"""linking clues: the keyed blind index (clue_tokens) and which clues it covers (clue_indexed)

Revision ID: linking1500
Revises: case1400aw

Tokens only (HMAC under a key derived from the intake private key): no value in clear. Filled by
``clueguard index rebuild`` and as the staff side searches (models/linking/index.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "linking1500"
down_revision: str | Sequence[str] | None = "case1400aw"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clue_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("token", sa.LargeBinary(16), nullable=False),
    )
    op.create_index("ix_clue_tokens_token", "clue_tokens", ["token"])
    op.create_index("ix_clue_tokens_report", "clue_tokens", ["report_id"])
    op.create_table(
        "clue_indexed",
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("clue_indexed")
    op.drop_index("ix_clue_tokens_report", table_name="clue_tokens")
    op.drop_index("ix_clue_tokens_token", table_name="clue_tokens")
    op.drop_table("clue_tokens")
