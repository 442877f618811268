"""Air-gapped mode: the same signed packets, written to and read from files on removable media.

Each file carries one batch (named after its stream and number, ``up-000007.cgsync``) and the
sender's acknowledgement of the other stream; an ``ack-…`` file carries only the acknowledgement.
Importing refuses a batch already imported and a batch whose predecessors have not been, and
says which are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from models.store.runtime import Runtime
from models.sync import health
from models.sync.exchange import INTAKE, INTERNAL, acknowledge, applied_mark, next_batch, receive_batch
from models.sync.keys import load_own_private, load_peer_public
from models.sync.packets import DOWN, UP, Packet, SyncRefused, open_packet, seal_packet
from models.sync.streams import open_batch, stream_row
from models.sync.tables import SyncBatch

SUFFIX = ".cgsync"


@dataclass(frozen=True)
class Imported:
    """The outcome of importing one file, for the operator."""

    path: Path
    accepted: bool
    message: str


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # a half-written file never carries the real name


def export_files(rt: Runtime, directory: Path, again: bool = False) -> list[Path]:
    """Write every batch the peer has not received yet (``again``: not acknowledged yet)."""
    role = rt.config.role
    if role not in (INTAKE, INTERNAL):
        raise SyncRefused("only an intake or an internal node exports sync files")
    stream = UP if role == INTAKE else DOWN
    directory.mkdir(parents=True, exist_ok=True)
    private = load_own_private(rt.config)
    ack_seq, ack_hash = applied_mark(rt)
    with rt.stores.case() as session:
        row = stream_row(session, stream)
        query = select(SyncBatch.seq).where(SyncBatch.stream == stream, SyncBatch.seq > row.acked_seq,
                                            SyncBatch.body.is_not(None))
        if not again:
            query = query.where(SyncBatch.exported.is_(False))
        seqs = list(session.scalars(query.order_by(SyncBatch.seq)).all())
        last_sent = row.sent_seq
    written: list[Path] = []
    for seq in seqs:
        written.append(_export_one(rt, directory, stream, private, ack_seq, ack_hash, seq))
    while True:
        body = next_batch(rt, after=last_sent)
        if body is None:
            break
        last_sent = open_batch(body).seq
        written.append(_export_one(rt, directory, stream, private, ack_seq, ack_hash, last_sent, body))
    if not written:
        other = DOWN if stream == UP else UP
        path = directory / f"ack-{other}-{ack_seq:06d}{SUFFIX}"
        _write(path, seal_packet(private, Packet("file", role, 0, ack_seq, ack_hash, None)))
        written.append(path)
    return written


def _export_one(rt: Runtime, directory: Path, stream: str, private: bytes, ack_seq: int, ack_hash: str,
                seq: int, body: bytes | None = None) -> Path:
    with rt.stores.case() as session:
        if body is None:
            body = session.scalar(select(SyncBatch.body).where(SyncBatch.stream == stream, SyncBatch.seq == seq))
        session.execute(update(SyncBatch).where(SyncBatch.stream == stream, SyncBatch.seq == seq)
                        .values(exported=True))
    path = directory / f"{stream}-{seq:06d}{SUFFIX}"
    _write(path, seal_packet(private, Packet("file", rt.config.role, 0, ack_seq, ack_hash, body)))
    return path


def import_files(rt: Runtime, paths: list[Path]) -> list[Imported]:
    """Import files from the peer in batch order; each is accepted or refused with a reason."""
    role = rt.config.role
    if role not in (INTAKE, INTERNAL):
        raise SyncRefused("only an intake or an internal node imports sync files")
    peer = INTERNAL if role == INTAKE else INTAKE
    public = load_peer_public(rt.config)
    opened: list[tuple[int, Path, Packet]] = []
    results: list[Imported] = []
    for path in paths:
        try:
            packet = open_packet(public, peer, "file", path.read_bytes())
            seq = open_batch(packet.batch).seq if packet.batch is not None else 0
        except SyncRefused as err:
            results.append(Imported(path, False, f"refused: {err.reason}"))
            continue
        except OSError as err:
            results.append(Imported(path, False, f"cannot read: {err.strerror}"))
            continue
        opened.append((seq, path, packet))
    for seq, path, packet in sorted(opened, key=lambda t: (t[0], t[2].ack_seq)):
        try:
            acked = acknowledge(rt, packet.ack_seq, packet.ack_hash, strict=False)
            if packet.batch is None:
                results.append(Imported(path, True, f"acknowledgement: {acked} batch(es) newly confirmed"))
                continue
            _, items = receive_batch(rt, packet.batch)
            results.append(Imported(path, True, f"batch {seq} imported: {items} item(s)"))
        except SyncRefused as err:
            results.append(Imported(path, False, f"refused: {err.reason}"))
    if results and all(r.accepted for r in results):
        health.record_success(rt)
    return results
