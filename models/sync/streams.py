"""The bookkeeping both streams share: forming, storing, checking and acknowledging batches.

A sender numbers its batches 1, 2, 3 … and chains each to the previous one's hash; it keeps a
batch's body until the receiver acknowledges it. A receiver applies batch n+1 only after batch n,
and only if it chains to it; an acknowledgement names the last batch applied and its hash.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.store.db import utcnow
from models.sync.packets import Batch, SyncRefused, decode_batch, digest, encode_batch
from models.sync.tables import SyncBatch, SyncStream

# A batch carries at least one item, and stops growing past this many bytes of payload.
BATCH_BYTES = 16 * 1024 * 1024
BATCH_ITEMS = 200


def stream_row(session: Session, name: str) -> SyncStream:
    """The stream's row, locked for the rest of the transaction (created on first use)."""
    row = session.execute(select(SyncStream).where(SyncStream.name == name).with_for_update()).scalar_one_or_none()
    if row is None:
        row = SyncStream(name=name, sent_seq=0, sent_hash="", acked_seq=0, applied_seq=0,
                         applied_hash="", last_request=0)
        session.add(row)
        session.flush()
    return row


def check_next(row: SyncStream, batch: Batch) -> None:
    """Refuse anything but the batch that follows the last one applied (R26: no replay, no gaps)."""
    if batch.stream != row.name:
        raise SyncRefused(f"a batch of stream {batch.stream!r} where {row.name!r} was expected")
    if batch.seq <= row.applied_seq:
        raise SyncRefused(f"batch {batch.seq} of stream {row.name} was already applied; refused",
                          duplicate=True)
    if batch.seq > row.applied_seq + 1:
        first, last = row.applied_seq + 1, batch.seq - 1
        missing = f"batch {first}" if first == last else f"batches {first} to {last}"
        raise SyncRefused(f"batch {batch.seq} of stream {row.name} is out of order: {missing} "
                          f"missing; bring {'it' if first == last else 'them'} first")
    if batch.prev != row.applied_hash:
        raise SyncRefused(f"batch {batch.seq} of stream {row.name} does not follow batch "
                          f"{row.applied_seq} (its chain hash differs); refused")


def mark_applied(row: SyncStream, batch: Batch) -> None:
    row.applied_seq, row.applied_hash = batch.seq, batch.hash


def store_batch(session: Session, row: SyncStream, items: list[dict[str, Any]]) -> bytes:
    """Number, chain and keep a new batch; the sender's half of at-least-once delivery."""
    seq = row.sent_seq + 1
    body = encode_batch(row.name, seq, row.sent_hash, items)
    session.add(SyncBatch(stream=row.name, seq=seq, hash=digest(body), body=body, items=len(items)))
    row.sent_seq, row.sent_hash = seq, digest(body)
    return body


def stored_batch(session: Session, stream: str, seq: int) -> bytes | None:
    """The kept body of batch ``seq``, or None once acknowledged (or never formed)."""
    return session.scalar(select(SyncBatch.body).where(SyncBatch.stream == stream, SyncBatch.seq == seq))


def take_ack(session: Session, row: SyncStream, seq: int, ack_hash: str, *, strict: bool) -> list[int]:
    """Record that the peer applied every batch up to ``seq``; returns the newly acknowledged.

    ``strict`` (the network) refuses an acknowledgement behind an earlier one: the peer lost
    batches (restored from an older backup?) that can no longer be sent. A file may be older.
    """
    if seq > row.sent_seq:
        raise SyncRefused(f"the peer acknowledges batch {seq} of stream {row.name}, "
                          f"but only {row.sent_seq} were ever sent")
    if seq < row.acked_seq:
        if strict:
            raise SyncRefused(f"the peer says it applied batch {seq} of stream {row.name}, but it "
                              f"acknowledged batch {row.acked_seq} before (restored from a backup?); "
                              "the batches in between are no longer kept")
        return []
    expected = row.sent_hash if seq == row.sent_seq else session.scalar(
        select(SyncBatch.hash).where(SyncBatch.stream == row.name, SyncBatch.seq == seq))
    if seq and ack_hash != expected:
        raise SyncRefused(f"the peer's batch {seq} of stream {row.name} is not the one sent")
    if seq == row.acked_seq:
        return []
    newly = list(range(row.acked_seq + 1, seq + 1))
    session.execute(update(SyncBatch).where(SyncBatch.stream == row.name, SyncBatch.seq.in_(newly))
                    .values(body=None, acked_at=utcnow()))
    row.acked_seq = seq
    return newly


def open_batch(data: bytes) -> Batch:
    return decode_batch(data)
