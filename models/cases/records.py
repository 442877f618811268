"""Written records of the handling (check notes, conclusions, evidence lists, feedback), encrypted.

Each record gets its own data key sealed to the intake key, stored with the report's other data
keys, so a record is as unreadable as the clue from the internet side and is shredded with it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import vault
from models.cases.tables import CaseRecord, RecordFile
from models.reporting.files import CleanFile
from models.reporting.sealed import (
    data_key_context,
    file_name_and_type,
    record_context,
    record_file_context,
    seal_file,
    unpack_file,
)
from models.reporting.tables import DataKey
from models.staff.tables import Staff
from models.store.runtime import Runtime


@dataclass(frozen=True)
class RecordFileInfo:
    id: str
    filename: str
    mime: str
    size: int


@dataclass(frozen=True)
class RecordView:
    id: str
    kind: str
    author: str | None
    at: datetime
    body: dict[str, Any]
    files: list[RecordFileInfo]


def seal_record(rt: Runtime, session: Session, report_id: str, kind: str, author_id: int | None,
                body: dict[str, Any], files: list[CleanFile] | None = None) -> CaseRecord:
    """Store one record (and its files) encrypted under a fresh data key sealed to the intake key."""
    record_id, key_id = str(uuid.uuid4()), str(uuid.uuid4())
    data_key = vault.new_data_key(rt.intake_public, data_key_context(report_id, key_id))
    session.add(DataKey(id=key_id, report_id=report_id, sealed=data_key.sealed))
    row = CaseRecord(id=record_id, report_id=report_id, kind=kind, author_id=author_id, data_key_id=key_id,
                     body=vault.encrypt_blob(data_key.key, json.dumps(body, ensure_ascii=False).encode(),
                                             record_context(report_id, record_id)))
    session.add(row)
    session.flush()
    for f in files or []:
        file_id = str(uuid.uuid4())
        meta, blob = seal_file(data_key.key, f, record_file_context(report_id, file_id))
        session.add(RecordFile(id=file_id, record_id=record_id, report_id=report_id, data_key_id=key_id,
                               kind=f.kind, size=len(f.data), meta=meta, blob=blob))
    session.flush()
    return row


def _open_key(rt: Runtime, session: Session, report_id: str, key_id: str) -> bytes:
    sealed = session.get(DataKey, key_id)
    if sealed is None or sealed.report_id != report_id:
        raise LookupError("data key missing")
    return vault.open_data_key(sealed.sealed, rt.require_private(), data_key_context(report_id, key_id))


def read_records(rt: Runtime, session: Session, report_id: str) -> list[RecordView]:
    """Every record of a clue, oldest first, decrypted (staff side only; the caller audits)."""
    out = []
    rows = session.scalars(select(CaseRecord).where(CaseRecord.report_id == report_id)
                           .order_by(CaseRecord.created_at, CaseRecord.id)).all()
    for row in rows:
        key = _open_key(rt, session, report_id, row.data_key_id)
        body = json.loads(vault.decrypt_blob(key, row.body, record_context(report_id, row.id)))
        files = []
        for f in session.scalars(select(RecordFile).where(RecordFile.record_id == row.id)):
            name, mime = file_name_and_type(key, f, record_file_context(report_id, f.id))
            files.append(RecordFileInfo(f.id, name, mime, f.size))
        author = session.get(Staff, row.author_id) if row.author_id else None
        out.append(RecordView(row.id, row.kind, author.display_name if author else None, row.created_at,
                              body, files))
    return out


def read_record_file(rt: Runtime, session: Session, file_id: str) -> tuple[str, str, str, bytes]:
    """(report id, file name, type, bytes) of one record file; the caller checks access and audits."""
    row = session.get(RecordFile, file_id)
    if row is None:
        raise LookupError("record file missing")
    key = _open_key(rt, session, row.report_id, row.data_key_id)
    name, mime, data = unpack_file(vault.decrypt_blob(key, row.blob, record_file_context(row.report_id, row.id)))
    return row.report_id, name, mime, data
