"""Case-store tables of reports: the clue, its data keys, files, messages, the registry counter.

No identity field lives here (R8): only ids pointing into the vault store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.staff.tables import Staff, Unit
from models.store.db import CaseBase, utcnow

UUID_LEN = 36


class DataKey(CaseBase):
    """A random data key sealed (HPKE) to the intake key. Deleting it shreds what it encrypts."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class Report(CaseBase):
    """One clue. Its content is ciphertext under a data key only the staff side can unseal."""

    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    registry_no: Mapped[str] = mapped_column(String(32), unique=True)
    reg_year: Mapped[int] = mapped_column(Integer)
    reg_seq: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(32), default="received")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    data_key_id: Mapped[str] = mapped_column(String(UUID_LEN))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # Argon2id+HKDF of the receipt code; the code itself is never stored.
    receipt_lookup: Mapped[bytes | None] = mapped_column(LargeBinary, unique=True)
    reporter_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Points into the vault store; the identity itself never lands here.
    identity_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    # The public half of the key pair whose private half is sealed inside the identity: what a
    # follow-up's files give away is sealed to it, beside the identity (R7). NULL: anonymous, or
    # an identity sealed before the key existed.
    identity_addition_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    handler: Mapped[Staff | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_reports_created", "created_at"),
        Index("ix_reports_state_created", "state", "created_at"),
        Index("ix_reports_category_created", "category", "created_at"),
        Index("ix_reports_unit_created", "unit_id", "created_at"),
    )


class Attachment(CaseBase):
    """An evidence file, encrypted (name, type and bytes) and stored as a blob in the case store."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    data_key_id: Mapped[str] = mapped_column(String(UUID_LEN))
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    # The file's name and type sealed apart from its bytes, so lists need not decrypt whole files.
    meta: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The name and type again, sealed to the reporter's receipt key: their list of what arrived.
    reporter_meta: Mapped[bytes | None] = mapped_column(LargeBinary)
    blob: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Message(CaseBase):
    """A message between staff and reporter.

    ``staff_box`` is encrypted under a data key sealed to the intake key (staff read it);
    ``reporter_box`` is HPKE-sealed to the reporter's receipt key (the reporter reads it).
    """

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(16))  # "staff" or "reporter"
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    data_key_id: Mapped[str] = mapped_column(String(UUID_LEN))
    staff_box: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_box: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_messages_report_created", "report_id", "created_at"),)


class RegistryCounter(CaseBase):
    """The last registry sequence number per year; updated under a row lock (gap-free, R13)."""

    __tablename__ = "registry_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


