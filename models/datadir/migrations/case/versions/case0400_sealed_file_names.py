"""file names and types sealed apart from the bytes

Revision ID: case0400
Revises: case0201

Evidence attachments and record files get a ``meta`` column: the file's name and type,
encrypted under the same data key, so listing a case's files no longer decrypts every file.
Rows stored before this revision keep ``meta`` empty and are read the old way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "case0400"
down_revision: str | Sequence[str] | None = "case0201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("attachments", "case_record_files"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("meta", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    for table in ("attachments", "case_record_files"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("meta")
