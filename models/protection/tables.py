"""Case-store tables of reporter protection (R11) and redaction marks (R12).

Free text (risk reasons, measures) is encrypted like clue content: under a data key sealed to the
intake key, so a copy of the database alone reads nothing, and shredding the report shreds it too.
Redaction marks are character ranges only: they hold no clue text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.store.db import CaseBase, utcnow

UUID_LEN = 36


class ProtectionCase(CaseBase):
    """The current retaliation risk of one report; every change is in the audit log."""

    __tablename__ = "protection_cases"

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer)  # for sorting the board: imminent highest
    data_key_id: Mapped[str] = mapped_column(String(UUID_LEN))
    reasons: Mapped[bytes] = mapped_column(LargeBinary)
    assessed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_protection_cases_rank_opened", "rank", "opened_at"),)


class ProtectionMeasure(CaseBase):
    """One protection measure taken for a reporter: what (encrypted), when, who recorded it."""

    __tablename__ = "protection_measures"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    data_key_id: Mapped[str] = mapped_column(String(UUID_LEN))
    what: Mapped[bytes] = mapped_column(LargeBinary)
    taken_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


