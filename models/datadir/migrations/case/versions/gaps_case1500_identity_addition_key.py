"""reports.identity_addition_key: follow-up files' removed metadata sealed beside the identity (R7)

Revision ID: case1500gaps
Revises: case1400aw
Create Date: 2026-12-07 20:15:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'case1500gaps'
down_revision: str | Sequence[str] | None = 'case1400aw'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reports') as batch:
        batch.add_column(sa.Column('identity_addition_key', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reports') as batch:
        batch.drop_column('identity_addition_key')
