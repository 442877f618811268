"""the 保护伞 part of a clue transferred on its own to discipline inspection (#27 item 7)

clue_tracks.shielding_transfer ("proposed" or "transferred") and who proposed it;
transfers.part ("whole" or "shielding") and the unit head's approval of a partial transfer.

Revision ID: friction2_case1700
Revises: case1600
Create Date: 2026-12-07 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'friction2_case1700'
down_revision: str | Sequence[str] | None = 'case1600'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('clue_tracks') as batch:
        batch.add_column(sa.Column('shielding_transfer', sa.String(16), nullable=True))
        batch.add_column(sa.Column('shielding_proposed_by', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_clue_tracks_shielding_proposed_by_staff', 'staff', ['shielding_proposed_by'], ['id'])
    with op.batch_alter_table('transfers') as batch:
        batch.add_column(sa.Column('part', sa.String(16), nullable=False, server_default='whole'))
        batch.add_column(sa.Column('approved_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key('fk_transfers_approved_by_staff', 'staff', ['approved_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('transfers') as batch:
        batch.drop_constraint('fk_transfers_approved_by_staff', type_='foreignkey')
        batch.drop_column('approved_at')
        batch.drop_column('approved_by')
        batch.drop_column('part')
    with op.batch_alter_table('clue_tracks') as batch:
        batch.drop_constraint('fk_clue_tracks_shielding_proposed_by_staff', type_='foreignkey')
        batch.drop_column('shielding_proposed_by')
        batch.drop_column('shielding_transfer')
