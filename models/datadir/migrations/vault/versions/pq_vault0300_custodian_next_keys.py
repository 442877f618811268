"""custodians' next (hybrid) keys while `clueguard vault upgrade` re-deals the shares (R32)

Revision ID: vault0300pq
Revises: vault0200
Create Date: 2026-12-07 18:50:00

Public keys grow with R32 (a hybrid key is 1220 bytes, a hybrid signing key 1988): every key
column is already LargeBinary (BYTEA / BLOB, no length limit), so only these two columns are new.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'vault0300pq'
down_revision: str | Sequence[str] | None = 'vault0200'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('custodians') as batch:
        batch.add_column(sa.Column('next_public_key', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('next_wrapped_key', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('custodians') as batch:
        batch.drop_column('next_wrapped_key')
        batch.drop_column('next_public_key')
