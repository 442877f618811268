"""audit writers: each event records the database role that wrote it; the database checks it may

Revision ID: case1400aw
Revises: case1300

``audit_events.writer`` is filled by the database (``current_user`` on PostgreSQL) and covered by
the chain hash of new events; rows already written keep NULL and their old hash. ``audit_writers``
names an installation's roles (``clueguard roles apply`` writes it), and on PostgreSQL a trigger
refuses an event the inserting role may not append (models/audit/writers.py, R23).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.audit import writers

revision: str = "case1400aw"
down_revision: str | Sequence[str] | None = "case1300"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_writers",
        sa.Column("role_name", sa.String(length=63), nullable=False),
        sa.Column("writer", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("role_name", name=op.f("pk_audit_writers")),
    )
    # No default while the column is added: existing rows must stay NULL (hashed without it).
    op.add_column("audit_events", sa.Column("writer", sa.String(length=63), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events ALTER COLUMN writer SET DEFAULT current_user")
        for sql in writers.trigger_sql():
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_writer ON audit_events")
        op.execute(f"DROP FUNCTION {writers.FUNCTION}()")
    # SQLite drops the column in place (3.35+): a rebuilt table would lose its append-only triggers.
    op.execute("ALTER TABLE audit_events DROP COLUMN writer")
    op.drop_table("audit_writers")
