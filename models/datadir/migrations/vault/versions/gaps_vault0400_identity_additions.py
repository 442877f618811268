"""identity_additions: what follow-up files gave away, sealed beside the identity (R7)

Revision ID: vault0400gaps
Revises: vault0300pq
Create Date: 2026-12-07 20:15:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'vault0400gaps'
down_revision: str | Sequence[str] | None = 'vault0300pq'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'identity_additions',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('identity_id', sa.String(length=36), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['identity_id'], ['sealed_identities.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_identity_additions_identity_id', 'identity_additions', ['identity_id'])


def downgrade() -> None:
    op.drop_index('ix_identity_additions_identity_id', table_name='identity_additions')
    op.drop_table('identity_additions')
