"""The wire format: signed packets carrying an acknowledgement and at most one batch.

A packet is ``signature || MAGIC || header length || header || batch``. The header (canonical
JSON) says what kind of packet it is, who sent it, its request number (network) and which batch
of the other stream the sender has applied (the acknowledgement); the batch is canonical JSON
whose SHA-256 the next batch of its stream carries as ``prev``, so the batches form a chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import vault
from models.store.db import as_utc

MAGIC = b"CGSYNC1\n"
VERSION = 1
UP, DOWN = "up", "down"
SENDER_OF = {UP: "intake", DOWN: "internal"}
KINDS = ("request", "response", "file")


class SyncRefused(Exception):
    """A packet or batch is refused; ``reason`` is for the operator and names no content."""

    def __init__(self, reason: str, *, duplicate: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.duplicate = duplicate


@dataclass(frozen=True)
class Packet:
    kind: str
    sender: str
    number: int
    ack_seq: int
    ack_hash: str
    batch: bytes | None = None
    # The intake node's answers say what waits there (counts and times: models/sync/health.py).
    waiting: dict[str, Any] | None = None


@dataclass(frozen=True)
class Batch:
    stream: str
    seq: int
    prev: str
    hash: str
    items: list[dict[str, Any]]


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text, validate=True)


def iso(at: datetime) -> str:
    return as_utc(at).astimezone(UTC).isoformat()


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def encode_batch(stream: str, seq: int, prev: str, items: list[dict[str, Any]]) -> bytes:
    return canonical({"v": VERSION, "stream": stream, "seq": seq, "prev": prev, "items": items})


def decode_batch(data: bytes) -> Batch:
    try:
        raw = json.loads(data)
        return Batch(stream=str(raw["stream"]), seq=int(raw["seq"]), prev=str(raw["prev"]),
                     hash=digest(data), items=list(raw["items"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise SyncRefused("the batch is malformed") from exc


def seal_packet(private: bytes, packet: Packet) -> bytes:
    """Sign a packet with this node's key."""
    batch = packet.batch or b""
    fields: dict[str, Any] = {
        "v": VERSION, "kind": packet.kind, "from": packet.sender, "number": packet.number,
        "ack": {"seq": packet.ack_seq, "hash": packet.ack_hash},
        "batch_len": len(batch), "batch_hash": digest(batch) if packet.batch is not None else None,
    }
    if packet.waiting is not None:
        fields["waiting"] = packet.waiting
    header = canonical(fields)
    body = MAGIC + len(header).to_bytes(4, "big") + header + batch
    return vault.sign_batch(private, packet.sender, body)


def _waiting(value: object) -> dict[str, Any] | None:
    """Counts and ISO times only; anything else in the field is dropped, never shown."""
    if not isinstance(value, dict):
        return None
    out: dict[str, Any] = {}
    for key in ("items", "unacked_batches"):
        out[key] = int(value.get(key) or 0)
    for key in ("oldest_item", "oldest_unacked"):
        raw = value.get(key)
        out[key] = from_iso(raw).isoformat() if isinstance(raw, str) and raw else None
    return out


def open_packet(peer_public: bytes, sender: str, kind: str, signed: bytes) -> Packet:
    """Verify and parse a packet that must come from ``sender`` and be of ``kind``."""
    try:
        body = vault.verify_batch(peer_public, sender, signed)
    except vault.VaultError as exc:
        raise SyncRefused(f"bad signature: not a packet from the paired {sender} node, or altered") from exc
    try:
        if not body.startswith(MAGIC):
            raise ValueError
        n = int.from_bytes(body[len(MAGIC):len(MAGIC) + 4], "big")
        start = len(MAGIC) + 4
        header = json.loads(body[start:start + n])
        batch = body[start + n:]
        packet = Packet(kind=str(header["kind"]), sender=str(header["from"]), number=int(header["number"]),
                        ack_seq=int(header["ack"]["seq"]), ack_hash=str(header["ack"]["hash"]),
                        batch=batch if header["batch_hash"] is not None else None,
                        waiting=_waiting(header.get("waiting")))
        if header["v"] != VERSION or len(batch) != header["batch_len"]:
            raise ValueError
    except (ValueError, KeyError, TypeError) as exc:
        raise SyncRefused("the packet is malformed") from exc
    if packet.sender != sender or packet.kind != kind:
        raise SyncRefused(f"expected a {kind} from the {sender} node, got a {packet.kind} "
                          f"from the {packet.sender} node")
    return packet
