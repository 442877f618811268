"""borrowing requests filed blind, from the office director's count of linked clues

Revision ID: linking2_1700
Revises: case1600

``borrow_requests.blind``: a request the office director filed from "N linked clues in other
units" (issue 24). Its requester is not shown which clue it names until it is approved; the
lending unit's head and the auditor see it as any other request.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "linking2_1700"
down_revision: str | Sequence[str] | None = "case1600"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("borrow_requests") as batch_op:
        batch_op.add_column(sa.Column("blind", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("borrow_requests") as batch_op:
        batch_op.drop_column("blind")
