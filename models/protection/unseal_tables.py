"""Vault-store tables of unsealing: requests, custodians' answers, re-sealed shares, officer keys.

They live beside the sealed identities so that the case store never holds anything that helps
open one. Nothing here opens an identity without a passphrase or a sign-in password (R9).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.store.db import VaultBase, utcnow

UUID_LEN = 36


class UnsealRequest(VaultBase):
    """A protection officer's request to open one reporter's identity (R10).

    ``state``: pending -> approved -> closed (window over, shares destroyed), or pending -> denied
    / expired. ``notice``: due -> sent (the reporter was told) or withheld (a unit head said why).
    """

    __tablename__ = "unseal_requests"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(UUID_LEN))
    registry_no: Mapped[str] = mapped_column(String(32))
    identity_id: Mapped[str] = mapped_column(String(UUID_LEN))
    requester_id: Mapped[int] = mapped_column(Integer)
    requester: Mapped[str] = mapped_column(String(80))
    # The officer's public key when they asked: approvals re-seal shares to exactly this key.
    recipient_public: Mapped[bytes] = mapped_column(LargeBinary)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(32))
    legal_basis_other: Mapped[str] = mapped_column(Text, default="")
    threshold: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shares_destroyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notice: Mapped[str] = mapped_column(String(16), default="due")
    notice_reason: Mapped[str] = mapped_column(Text, default="")
    notice_by: Mapped[str] = mapped_column(String(80), default="")

    __table_args__ = (
        Index("ix_unseal_requests_state_created", "state", "created_at"),
        Index("ix_unseal_requests_report", "report_id"),
    )


class UnsealAnswer(VaultBase):
    """One custodian's one answer to one request: the primary key makes a second answer impossible."""

    __tablename__ = "unseal_answers"

    request_id: Mapped[str] = mapped_column(
        ForeignKey("unseal_requests.id", ondelete="CASCADE"), primary_key=True
    )
    custodian_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    custodian: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(8))  # "approve" or "deny"
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ResealedShare(VaultBase):
    """A custodian's share re-sealed to the requester's key for one request; destroyed after the window."""

    __tablename__ = "resealed_shares"

    request_id: Mapped[str] = mapped_column(
        ForeignKey("unseal_requests.id", ondelete="CASCADE"), primary_key=True
    )
    custodian_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
