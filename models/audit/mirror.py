"""An external copy of the audit trail for a SIEM (R23): syslog (RFC 5424) and/or JSON lines.

Each event and checkpoint is sent once its transaction has committed (a rolled-back act sends
nothing), carrying ids, event names, the actor's name, the writing role and the chain hashes:
never clue content or identity (R8). Configured by ``CLUEGUARD_AUDIT_SYSLOG``
(``udp://host:port`` or ``tcp://host:port``; TCP frames are octet-counted, RFC 6587) and
``CLUEGUARD_AUDIT_JSONL`` (a file appended to).

The store stays the record: a mirror that fails (receiver down, disk full) never undoes or holds
up the act. Its events are logged by id as not mirrored, the sink is left alone for
``RETRY_SECONDS`` (so a dead receiver costs each request nothing), and ``clueguard audit verify
--mirror`` later lists them as missing from the copy. ``compare`` holds the store against a copy
(the JSON-lines file, or a file of the syslog frames as the SIEM kept them).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit.tables import AuditCheckpoint, AuditEvent
from models.store.db import AUDIT_MIRROR

log = logging.getLogger(__name__)

SETTINGS = AUDIT_MIRROR  # session.info key: (syslog URL, JSON-lines path), set by Stores.mirror_audit
_PENDING = "audit_mirror_pending"
RETRY_SECONDS = 30.0
TIMEOUT_SECONDS = 1.0
# RFC 5424: facility 13 (log audit), severity 5 (notice). 32473 is the enterprise number RFC 5612
# reserves for documentation: a site with its own number may change SD_ID.
PRI = 13 * 8 + 5
SD_ID = "clueguard@32473"
APP_NAME = "clueguard"

Record = dict[str, object]


def event_record(row: AuditEvent, writer: str | None) -> Record:
    return {"kind": "event", "id": row.id, "at": _iso(row.at), "event": row.event, "actor": row.actor,
            "report": row.report_id, "writer": writer, "prev": row.prev_hash, "hash": row.hash}


def checkpoint_record(cp: AuditCheckpoint) -> Record:
    return {"kind": "checkpoint", "id": cp.id, "at": _iso(cp.at), "auditor": cp.auditor,
            "fingerprint": cp.fingerprint, "last_id": cp.last_id, "last_hash": cp.last_hash}


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def note(session: Session, record: Record) -> None:
    """Queue ``record`` to be sent when this session's transaction commits (if a mirror is set)."""
    if session.info.get(SETTINGS):
        session.info.setdefault(_PENDING, []).append(record)


# --- formats -----------------------------------------------------------------------------------

def _sd_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def syslog_frame(record: Mapping[str, object], hostname: str, pid: int) -> str:
    """One RFC 5424 message: the record as structured data, the event name as the message."""
    params = " ".join(f'{k}="{_sd_escape(str(v))}"' for k, v in record.items() if v is not None)
    what = str(record.get("event") or record["kind"])
    return f"<{PRI}>1 {record['at']} {hostname or '-'} {APP_NAME} {pid} {record['kind']} [{SD_ID} {params}] {what}"


_PARAM = re.compile(r'(\w+)="((?:[^"\\\]]|\\.)*)"')
_SD = re.compile(r"\[" + re.escape(SD_ID) + r" ((?:[^\]\\]|\\.)*)\]")


def parse_line(line: str) -> Record | None:
    """A record from one line of a copy: a JSON line, or a syslog frame with our structured data."""
    line = line.strip()
    if not line:
        return None
    if line.startswith("{"):
        try:
            parsed = json.loads(line)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    found = _SD.search(line)
    if found is None:
        return None
    return {k: re.sub(r"\\(.)", r"\1", v) for k, v in _PARAM.findall(found.group(1))}


# --- sinks -------------------------------------------------------------------------------------

@dataclass
class _Sink:
    target: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    down_until: float = 0.0

    def send(self, records: list[Record]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to let go of by default."""


@dataclass
class _JsonLines(_Sink):
    def send(self, records: list[Record]) -> None:
        data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode()
        # One write with O_APPEND: lines of several processes do not interleave.
        fd = os.open(self.target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


@dataclass
class _Syslog(_Sink):
    sock: socket.socket | None = None
    pid: int = 0

    def send(self, records: list[Record]) -> None:
        url = urlsplit(self.target)
        address = (url.hostname or "127.0.0.1", url.port or 514)
        frames = [syslog_frame(r, socket.gethostname(), os.getpid()).encode() for r in records]
        if url.scheme == "udp":
            with socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET, socket.SOCK_DGRAM) as s:
                for frame in frames:
                    s.sendto(frame, address)
            return
        if self.pid != os.getpid():
            # A connection made before a server forked its workers is not this process's to share.
            self.close()
            self.pid = os.getpid()
        if self.sock is None:
            self.sock = socket.create_connection(address, timeout=TIMEOUT_SECONDS)
        try:
            self.sock.sendall(b"".join(str(len(f)).encode() + b" " + f for f in frames))
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


_sinks: dict[tuple[str, str], _Sink] = {}
_sinks_lock = threading.Lock()


def _sinks_for(settings: tuple[str | None, str | None]) -> list[_Sink]:
    syslog, jsonl = settings
    out = []
    with _sinks_lock:
        for kind, target in (("syslog", syslog), ("jsonl", jsonl)):
            if not target:
                continue
            if (kind, target) not in _sinks:
                if kind == "syslog" and urlsplit(target).scheme not in ("udp", "tcp"):
                    raise ValueError("CLUEGUARD_AUDIT_SYSLOG must be udp://host:port or tcp://host:port")
                _sinks[(kind, target)] = _Syslog(target) if kind == "syslog" else _JsonLines(target)
            out.append(_sinks[(kind, target)])
    return out


def close_all() -> None:
    """Let every sink go (connections closed); the next event opens them again."""
    with _sinks_lock:
        for sink in _sinks.values():
            sink.close()
        _sinks.clear()


def emit(settings: tuple[str | None, str | None], records: list[Record]) -> None:
    """Send committed records to every sink; a failing sink is logged by id and never raises."""
    try:
        sinks = _sinks_for(settings)
    except ValueError:
        log.warning("audit mirror misconfigured: CLUEGUARD_AUDIT_SYSLOG must be udp:// or tcp://")
        return
    for sink in sinks:
        with sink.lock:
            if time.monotonic() < sink.down_until:
                _not_mirrored(sink, records, "still down")
                continue
            try:
                sink.send(records)
            except (OSError, ValueError) as err:
                sink.down_until = time.monotonic() + RETRY_SECONDS
                _not_mirrored(sink, records, type(err).__name__)


def _not_mirrored(sink: _Sink, records: list[Record], why: str) -> None:
    ids = ", ".join(f"{r['kind']} {r['id']}" for r in records)
    log.warning("audit mirror %s failed (%s): not mirrored: %s", type(sink).__name__.strip("_"), why, ids)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        emit(session.info[SETTINGS], pending)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --- checking the store against a copy ---------------------------------------------------------

def read_copy(lines: Iterable[str]) -> tuple[dict[int, Record], dict[int, Record]]:
    """Events and checkpoints of a copy, by id (a record sent twice counts once)."""
    events: dict[int, Record] = {}
    checkpoints: dict[int, Record] = {}
    for line in lines:
        record = parse_line(line)
        if record is None or "id" not in record:
            continue
        target = checkpoints if record.get("kind") == "checkpoint" else events
        target[int(str(record["id"]))] = record
    return events, checkpoints


def compare(session: Session, lines: Iterable[str]) -> list[str]:
    """Events and checkpoints missing from the store, changed in it, or in it but not in the copy."""
    events, checkpoints = read_copy(lines)
    problems: list[str] = []
    start = min(events) if events else None
    stored = {i: h for i, h in session.execute(select(AuditEvent.id, AuditEvent.hash))}
    for event_id, record in sorted(events.items()):
        if event_id not in stored:
            problems.append(f"event {event_id}: in the SIEM copy but not in the store (erased)")
        elif stored[event_id] != record.get("hash"):
            problems.append(f"event {event_id}: differs from the SIEM copy (rewritten)")
    if start is not None:
        problems += [f"event {event_id}: in the store but not in the SIEM copy (not mirrored, or added behind it)"
                     for event_id in sorted(stored) if event_id >= start and event_id not in events]
    for cp_id, record in sorted(checkpoints.items()):
        cp = session.get(AuditCheckpoint, cp_id)
        if cp is None:
            problems.append(f"checkpoint {cp_id}: in the SIEM copy but not in the store (erased)")
        elif (str(cp.last_id), cp.last_hash) != (str(record.get("last_id")), record.get("last_hash")):
            problems.append(f"checkpoint {cp_id}: differs from the SIEM copy (rewritten)")
    return problems


def read_file(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()
