"""file names sealed to the reporter

Revision ID: case0800
Revises: case0400

Attachments get a ``reporter_meta`` column: the file's name and type sealed to the reporter's
receipt key, so the receipt and status pages list the files that arrived (issue 12). Files
stored before keep it empty and are listed by type and size only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "case0800"
down_revision: str | Sequence[str] | None = "case0400"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch_op:
        batch_op.add_column(sa.Column("reporter_meta", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch_op:
        batch_op.drop_column("reporter_meta")
