"""Case-store tables of the sync: the two streams, their batches and what each batch carried.

Stream ``up`` runs from the intake node to the internal node (submissions, follow-ups), stream
``down`` the other way (statuses, sealed replies, the keys intake seals to). A node is the sender
of one stream and the receiver of the other, so each row is written by one side only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.store.db import CaseBase, utcnow

HASH_LEN = 64


class SyncStream(CaseBase):
    """Where one stream stands, as this node sees it."""

    __tablename__ = "sync_streams"

    name: Mapped[str] = mapped_column(String(8), primary_key=True)
    # As sender: the last batch formed, and the last one the peer said it applied.
    sent_seq: Mapped[int] = mapped_column(Integer, default=0)
    sent_hash: Mapped[str] = mapped_column(String(HASH_LEN), default="")
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)
    # As receiver: the last batch applied, and its hash (the next batch must chain to it).
    applied_seq: Mapped[int] = mapped_column(Integer, default=0)
    applied_hash: Mapped[str] = mapped_column(String(HASH_LEN), default="")
    # Requests over the network: the internal node's last number used, the intake node's last seen.
    last_request: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncBatch(CaseBase):
    """A batch this node formed; its body is kept until the peer acknowledges it, then dropped."""

    __tablename__ = "sync_batches"

    stream: Mapped[str] = mapped_column(String(8), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(HASH_LEN))
    body: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    items: Mapped[int] = mapped_column(Integer, default=0)
    exported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SyncItem(CaseBase):
    """One thing a batch carried (sender) or applied (receiver): dedup and purging go by it."""

    __tablename__ = "sync_items"

    stream: Mapped[str] = mapped_column(String(8), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    ref_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    # For statuses: the coarse status last sent; for the site item: a hash of what was sent.
    value: Mapped[str | None] = mapped_column(String(HASH_LEN))
