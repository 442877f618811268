"""Case-store tables of the clue workflow (R13–R18, R28).

Free text written while handling a clue (check notes, conclusions, evidence lists, feedback) is
ciphertext under a data key sealed to the intake key, exactly like the clue itself; deleting the
report's data keys shreds it too (R22). Plain columns hold only dates, ids, flags and codes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from models.reporting.tables import UUID_LEN, Message, Report
from models.store.db import CaseBase, utcnow


class ClueTrack(CaseBase):
    """Where one clue stands: who did each act and when, and its one open deadline."""

    __tablename__ = "clue_tracks"

    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    check_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    concluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    concluded_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    gang_related: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_transfer: Mapped[bool] = mapped_column(Boolean, default=False)
    # The R15 kinds this clue falls under; any of them makes a unit head's approval mandatory.
    mandatory_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    transfer_due: Mapped[date | None] = mapped_column(Date)
    transferred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handling_deadline: Mapped[date | None] = mapped_column(Date)
    feedback_due: Mapped[date | None] = mapped_column(Date)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into: Mapped[str | None] = mapped_column(String(UUID_LEN))
    not_accepted_reason: Mapped[str | None] = mapped_column(String(40))
    # The one deadline now running ("transfer" or "feedback") and its date: the deadline board
    # reads only this pair, through one small index, however many clues the store holds.
    due_kind: Mapped[str | None] = mapped_column(String(16))
    due_on: Mapped[date | None] = mapped_column(Date)
    # The clue's unit and handler, copied from the report at every assignment: the deadline board
    # and the overdue count of one unit read (unit_id, due_on) through an index instead of joining
    # every clue the unit can see. Need-to-know is still decided on the report (visible_cases).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # A conclusion of a mandatory kind (R15) waits for the unit head: the count beside their
    # navigation reads this flag through an index rather than every concluded clue's kinds.
    awaiting_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The 保护伞 part of a clue goes to discipline inspection on its own (#27 item 7): "proposed" by
    # a handler until a unit head approves it, then "transferred"; the main line goes on beside it.
    shielding_transfer: Mapped[str | None] = mapped_column(String(16))
    shielding_proposed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    __table_args__ = (
        Index("ix_clue_tracks_due_on", "due_on"),
        Index("ix_clue_tracks_unit_due", "unit_id", "due_on"),
        Index("ix_clue_tracks_handler_due", "handler_id", "due_on"),
        Index("ix_clue_tracks_unit_awaiting", "unit_id", "awaiting_approval"),
    )


class Assignment(CaseBase):
    """Each time a clue is given to a unit and handler (registration and every reassignment)."""

    __tablename__ = "clue_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    handler_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    assigned_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseRecord(CaseBase):
    """A written record of the handling: check note, conclusion, transfer, feedback, reason."""

    __tablename__ = "case_records"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    data_key_id: Mapped[str] = mapped_column(String(UUID_LEN))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_case_records_report_created", "report_id", "created_at"),)


class RecordFile(CaseBase):
    """A file attached to a record (check material, feedback documents), encrypted like evidence."""

    __tablename__ = "case_record_files"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("case_records.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    data_key_id: Mapped[str] = mapped_column(String(UUID_LEN))
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    # Name and type sealed apart from the bytes (see models.intake.seal_file).
    meta: Mapped[bytes | None] = mapped_column(LargeBinary)
    blob: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class Authority(CaseBase):
    """A receiving authority clues may be transferred to (the managed list of R16)."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Transfer(CaseBase):
    """The transfer register (移送登记): one row per package handed to an authority."""

    __tablename__ = "transfers"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    transferred_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    transferred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_on: Mapped[date | None] = mapped_column(Date)
    # Each transfer has its own handling deadline and feedback (a clue may go to several
    # authorities, e.g. the police for the gang and discipline inspection for its shield).
    handling_deadline: Mapped[date | None] = mapped_column(Date)
    feedback_due: Mapped[date | None] = mapped_column(Date)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    redacted: Mapped[bool] = mapped_column(Boolean, default=False)
    data_key_id: Mapped[str] = mapped_column(String(UUID_LEN))
    package: Mapped[bytes] = mapped_column(LargeBinary)
    # "whole" (the clue) or "shielding" (only its 保护伞 part, to discipline inspection): a partial
    # transfer waits for a unit head's approval of its own and leaves the office only then.
    part: Mapped[str] = mapped_column(String(16), default="whole", server_default="whole")
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Escalation(CaseBase):
    """An overdue deadline reported to the unit head (R18); resolved when the act is done."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    escalated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("report_id", "kind", "due_on", name="uq_escalations_item"),
        Index("ix_escalations_unit_open", "unit_id", "resolved_at"),
    )


class Survey(CaseBase):
    """A follow-up survey (回访) sent to the reporter of a closed clue, and their answer (R28)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    message_id: Mapped[str] = mapped_column(String(UUID_LEN))
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    answer_message_id: Mapped[str | None] = mapped_column(String(UUID_LEN))


class EscalationDecision(CaseBase):
    """What the unit head decided about an escalated item (R18): 通报, 约谈 or 问责, with a sealed note."""

    __tablename__ = "escalation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    record_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    decided_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseRead(CaseBase):
    """When a staff member last opened a clue: reporter messages after it are unread for them."""

    __tablename__ = "case_reads"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


__all__ = ["Assignment", "Authority", "CaseRead", "CaseRecord", "ClueTrack", "Escalation", "EscalationDecision",
           "RecordFile", "Survey", "Transfer"]

# The inbox lists a handler's own clues newest first (need-to-know filter, R20).
Index("ix_reports_handler_created", Report.handler_id, Report.created_at)
# The inbox filtered by state counts one unit's (or one handler's) clues in that state through a
# bitmap of exact matches instead of walking every clue in the state.
Index("ix_reports_unit_state_created", Report.unit_id, Report.state, Report.created_at)
Index("ix_reports_handler_state_created", Report.handler_id, Report.state, Report.created_at)


class RedactionMark(CaseBase):
    """A passage of one clue field to black out in exports and transfers: [start, end) characters."""

    __tablename__ = "redaction_marks"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    marked_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

# The unread count of a staff member looks at the reporters' messages only, newest first.
Index("ix_messages_direction_created", Message.direction, Message.created_at)
