"""split deployment: sync streams, batches and items

Revision ID: case1000
Revises: case0400

The bookkeeping of a split deployment (docs/split-deployment.md): where each stream stands,
the batches a node formed (bodies kept until acknowledged) and the items each batch carried.
Empty and unused on a single-site node.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "case1000"
down_revision: str | Sequence[str] | None = "case0400"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_streams",
        sa.Column("name", sa.String(length=8), nullable=False),
        sa.Column("sent_seq", sa.Integer(), nullable=False),
        sa.Column("sent_hash", sa.String(length=64), nullable=False),
        sa.Column("acked_seq", sa.Integer(), nullable=False),
        sa.Column("applied_seq", sa.Integer(), nullable=False),
        sa.Column("applied_hash", sa.String(length=64), nullable=False),
        sa.Column("last_request", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_streams")),
    )
    op.create_table(
        "sync_batches",
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("exported", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("stream", "seq", name=op.f("pk_sync_batches")),
    )
    op.create_table(
        "sync_items",
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("stream", "kind", "ref_id", name=op.f("pk_sync_items")),
    )
    op.create_index(op.f("ix_sync_items_seq"), "sync_items", ["seq"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_items_seq"), table_name="sync_items")
    op.drop_table("sync_items")
    op.drop_table("sync_batches")
    op.drop_table("sync_streams")
