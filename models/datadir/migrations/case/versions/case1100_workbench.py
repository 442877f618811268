"""the staff workbench: several transfers per clue, R18 decisions, unread marks

Revision ID: case1100
Revises: case0400

Each transfer gets its own handling deadline, feedback due date and feedback time; the unit
head's decisions on escalated items (通报 / 约谈 / 问责) get a table; ``case_reads`` remembers when a
staff member last opened a clue, so reporter messages after it count as unread. ``clue_tracks``
gets a copy of the clue's unit and handler, indexed with the due date, for the deadline board.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "case1100"
down_revision: str | Sequence[str] | None = "case0400"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transfers") as batch_op:
        batch_op.add_column(sa.Column("handling_deadline", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("feedback_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True))
    # Transfers made before this revision: the clue's one deadline belongs to its one transfer.
    op.execute(
        "UPDATE transfers SET handling_deadline = (SELECT t.handling_deadline FROM clue_tracks t "
        "WHERE t.report_id = transfers.report_id), feedback_due = (SELECT t.feedback_due FROM clue_tracks t "
        "WHERE t.report_id = transfers.report_id), feedback_at = (SELECT t.feedback_at FROM clue_tracks t "
        "WHERE t.report_id = transfers.report_id)"
    )
    op.create_table(
        "escalation_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("escalation_id", sa.Integer(), sa.ForeignKey("escalations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=True),
        sa.Column("handler_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("record_id", sa.String(36), nullable=True),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_escalation_decisions_escalation_id", "escalation_decisions", ["escalation_id"])
    op.create_index("ix_escalation_decisions_report_id", "escalation_decisions", ["report_id"])
    op.create_table(
        "case_reads",
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_messages_direction_created", "messages", ["direction", "created_at"])
    with op.batch_alter_table("clue_tracks") as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id",
                                      name="fk_clue_tracks_unit_id_units"), nullable=True))
        batch_op.add_column(sa.Column("handler_id", sa.Integer(), sa.ForeignKey("staff.id",
                                      name="fk_clue_tracks_handler_id_staff"), nullable=True))
        batch_op.add_column(sa.Column("awaiting_approval", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE clue_tracks SET unit_id = (SELECT r.unit_id FROM reports r WHERE r.id = clue_tracks.report_id), "
               "handler_id = (SELECT r.handler_id FROM reports r WHERE r.id = clue_tracks.report_id)")
    op.execute("UPDATE clue_tracks SET awaiting_approval = TRUE WHERE approved_at IS NULL AND concluded_at IS NOT NULL "
               "AND json_array_length(mandatory_kinds) > 0 "
               "AND report_id IN (SELECT id FROM reports WHERE state = 'concluded')")
    op.create_index("ix_clue_tracks_unit_due", "clue_tracks", ["unit_id", "due_on"])
    op.create_index("ix_clue_tracks_unit_awaiting", "clue_tracks", ["unit_id", "awaiting_approval"])
    op.create_index("ix_clue_tracks_handler_due", "clue_tracks", ["handler_id", "due_on"])
    op.create_index("ix_reports_unit_state_created", "reports", ["unit_id", "state", "created_at"])
    op.create_index("ix_reports_handler_state_created", "reports", ["handler_id", "state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_handler_state_created", "reports")
    op.drop_index("ix_reports_unit_state_created", "reports")
    op.drop_index("ix_clue_tracks_handler_due", "clue_tracks")
    op.drop_index("ix_clue_tracks_unit_awaiting", "clue_tracks")
    op.drop_index("ix_clue_tracks_unit_due", "clue_tracks")
    with op.batch_alter_table("clue_tracks") as batch_op:
        batch_op.drop_column("awaiting_approval")
        batch_op.drop_column("handler_id")
        batch_op.drop_column("unit_id")
    op.drop_index("ix_messages_direction_created", "messages")
    op.drop_table("case_reads")
    op.drop_index("ix_escalation_decisions_report_id", "escalation_decisions")
    op.drop_index("ix_escalation_decisions_escalation_id", "escalation_decisions")
    op.drop_table("escalation_decisions")
    with op.batch_alter_table("transfers") as batch_op:
        batch_op.drop_column("feedback_at")
        batch_op.drop_column("feedback_due")
        batch_op.drop_column("handling_deadline")
