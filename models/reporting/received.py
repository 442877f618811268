"""What the reporter may list of their own files: name, size and type (R5, R7).

Each attachment's name and type are sealed a second time to the reporter's receipt key
(``reporter_meta``), so the receipt and status pages can list what arrived while the public app
still cannot read the staff copy, nor any file's bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import vault
from models.reporting.sealed import reporter_file_context
from models.reporting.tables import Attachment


@dataclass(frozen=True)
class ReporterFile:
    """A file as its reporter sees it listed: name, size in bytes and type."""

    name: str
    size: int
    mime: str


def reporter_files(session: Session, report_id: str, reporter_private: bytes) -> dict[str | None, list[ReporterFile]]:
    """The files of a report as its reporter may list them, by message id (None: sent with the report).

    Files stored before their names were sealed to the reporter are listed by type and size only.
    """
    rows = session.execute(
        select(Attachment.id, Attachment.message_id, Attachment.kind, Attachment.size, Attachment.reporter_meta)
        .where(Attachment.report_id == report_id).order_by(Attachment.created_at, Attachment.id)).all()
    found: dict[str | None, list[ReporterFile]] = {}
    for att_id, message_id, kind, size, sealed in rows:
        name, mime = "", kind
        if sealed is not None:
            header = json.loads(vault.open_as_reporter(reporter_private, sealed,
                                                       reporter_file_context(report_id, att_id)))
            name, mime = header["filename"], header["mime"]
        found.setdefault(message_id, []).append(ReporterFile(name, size, mime))
    return found
