"""Case-store tables of confidentiality management (R19–R22, R25).

None of them holds clue content: levels, periods, ids, dates, counts, staff names and short
reasons typed by staff. Meeting minutes are the exception and are sealed like a clue, under their
own data key sealed to the intake key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.store.db import CaseBase, utcnow

UUID_LEN = 36


class Classification(CaseBase):
    """A clue's level and period (R19) and, once archived, how long it is kept (R22)."""

    __tablename__ = "classifications"

    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    years: Mapped[int] = mapped_column(Integer)
    # The period runs from registration (R19); None while the clue is only received.
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    retain_until: Mapped[date | None] = mapped_column(Date, index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClassificationChange(CaseBase):
    """A proposed change of level or period (定密审批): one person proposes, another approves."""

    __tablename__ = "classification_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    years: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    proposed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProtectionAssignment(CaseBase):
    """A protection officer given the protection of a clue's reporter (R20: they may read it)."""

    __tablename__ = "protection_assignments"

    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    given_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BorrowRequest(CaseBase):
    """A borrowing request (借阅单) and, once approved, the read-only grant it gives (R20)."""

    __tablename__ = "borrow_requests"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(500), default="")
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Filed by the office director from a count of linked clues (issue 24): until it is approved
    # its requester is not shown which clue it names (``borrowing.file_blind_requests``).
    blind: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class BorrowRead(CaseBase):
    """One read under a borrowing grant, for the lending unit to see (R20)."""

    __tablename__ = "borrow_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("borrow_requests.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExportRequest(CaseBase):
    """A request to export a clue as numbered PDF copies (R21), approved by a unit head."""

    __tablename__ = "export_requests"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    copies: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExportCopy(CaseBase):
    """One numbered copy (第N份 共M份): its holder, when it was produced, whether it came back."""

    __tablename__ = "export_copies"

    export_id: Mapped[str] = mapped_column(ForeignKey("export_requests.id", ondelete="CASCADE"),
                                           primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holder_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="outstanding")
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DestructionRequest(CaseBase):
    """A request to destroy a clue (R22): reason, a unit head's approval, execution with a witness."""

    __tablename__ = "destruction_requests"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DestructionEntry(CaseBase):
    """The destruction register (登记造册): public facts only, never content (R22).

    Names are copied as text so the entry stays whole when accounts change."""

    __tablename__ = "destruction_register"

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_no: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(16))
    received_on: Mapped[date] = mapped_column(Date)
    requested_on: Mapped[date] = mapped_column(Date)
    approved_on: Mapped[date] = mapped_column(Date)
    destroyed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    requester: Mapped[str] = mapped_column(String(200))
    approver: Mapped[str] = mapped_column(String(200))
    executor: Mapped[str] = mapped_column(String(200))
    witness: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    keys_deleted: Mapped[int] = mapped_column(Integer, default=0)


class Meeting(CaseBase):
    """Minutes of a joint meeting (联席会议, R25); attendees and decisions sealed under its own key."""

    __tablename__ = "meetings"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(16))
    years: Mapped[int] = mapped_column(Integer)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    minutes: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MeetingClue(CaseBase):
    """A clue discussed at a meeting (the minutes are listed with it)."""

    __tablename__ = "meeting_clues"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_meeting_clues_report", "report_id"),)


class MeetingGrant(CaseBase):
    """A request to read minutes and the office director's answer (R25): a grant like borrowing."""

    __tablename__ = "meeting_grants"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(String(500))
    days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


__all__ = ["BorrowRead", "BorrowRequest", "Classification", "ClassificationChange", "DestructionEntry",
           "DestructionRequest", "ExportCopy", "ExportRequest", "Meeting", "MeetingClue", "MeetingGrant",
           "ProtectionAssignment"]
