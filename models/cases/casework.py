"""Staff reading and answering clues. Every read of content is audited (R23)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import vault
from models.audit import trail
from models.cases.records import read_record_file
from models.cases.waiting import mark_read
from models.confidentiality.need_to_know import READ, check_access, visible_cases
from models.reporting.files import Upload, check_uploads
from models.reporting.intake import seal_message
from models.reporting.sealed import (
    data_key_context,
    file_context,
    file_name_and_type,
    message_context,
    report_context,
    unpack_file,
)
from models.reporting.tables import Attachment, DataKey, Message, Report
from models.staff import acting as actor
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.errors import InvalidInput, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

PAGE_SIZE = 50
REPLY = actor.declare("clue.reply", CONTENT_ROLES, refused="report.access_refused", event="message.sent")


@dataclass(frozen=True)
class InboxPage:
    reports: list[Report]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class FileInfo:
    id: str
    kind: str
    size: int
    filename: str
    mime: str
    message_id: str | None


@dataclass(frozen=True)
class CaseMessage:
    id: str
    direction: str
    author: str | None
    text: str
    at: datetime


@dataclass(frozen=True)
class CaseView:
    report: Report
    clue: dict[str, object]
    files: list[FileInfo]
    messages: list[CaseMessage]


def acting(session: Session, staff_id: int) -> Staff:
    """The active staff member reading clues (a content role); a refusal is audited."""
    return actor.perform(session, staff_id, READ.name)


def load_case(session: Session, staff: Staff, report_id: str, *, read_only: bool = False,
              what: str = "report") -> Report:
    """The report if this staff member may handle it (need-to-know, R20), or with ``read_only``
    also read it under a borrowing grant (the read is recorded); else NotFound/NotAllowed."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound
    check_access(session, staff, report, read_only=read_only, what=what)
    return report


def list_inbox(rt: Runtime, staff_id: int, *, category: str | None = None, state: str | None = None,
               page: int = 1) -> InboxPage:
    """Clues this staff member may see, newest first, filtered by category and state."""
    with rt.stores.case() as session:
        staff = acting(session, staff_id)
        query = select(Report).where(visible_cases(staff))
        if category:
            query = query.where(Report.category == category)
        if state:
            query = query.where(Report.state == state)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = max(1, page)
        rows = session.scalars(
            query.order_by(Report.created_at.desc(), Report.id)
            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        ).all()
        return InboxPage(list(rows), total, page, max(1, -(-total // PAGE_SIZE)))


def registry_no_of(rt: Runtime, report_id: str) -> str | None:
    """The registry number of a clue (None if there is none): a number to show, nothing more."""
    with rt.stores.case() as session:
        row = session.get(Report, report_id)
        return row.registry_no if row else None


def find_by_registry_no(rt: Runtime, registry_no: str) -> str:
    """The id of the report with this registry number (NotFound if none); callers then
    go through ``open_case`` or ``reply_to_reporter``, which check need-to-know (R20)."""
    with rt.stores.case() as session:
        report_id = session.scalar(select(Report.id).where(Report.registry_no == registry_no.strip()))
    if report_id is None:
        raise NotFound
    return report_id


def _data_keys(rt: Runtime, session: Session, report_id: str) -> dict[str, bytes]:
    private = rt.require_private()
    rows = session.scalars(select(DataKey).where(DataKey.report_id == report_id)).all()
    return {k.id: vault.open_data_key(k.sealed, private, data_key_context(report_id, k.id)) for k in rows}


def open_case(rt: Runtime, staff_id: int, report_id: str) -> CaseView:
    """Decrypt a clue, its file list and messages for a staff member allowed to read it."""
    with rt.stores.case() as session:
        staff = acting(session, staff_id)
        report = load_case(session, staff, report_id, read_only=True)
        keys = _data_keys(rt, session, report.id)
        clue = json.loads(vault.decrypt_blob(keys[report.data_key_id], report.content,
                                             report_context(report.id)))
        files = []
        for att in session.scalars(select(Attachment).where(Attachment.report_id == report.id)
                                   .order_by(Attachment.created_at)):
            name, mime = file_name_and_type(keys[att.data_key_id], att, file_context(report.id, att.id))
            files.append(FileInfo(att.id, att.kind, att.size, name, mime, att.message_id))
        messages = []
        for msg in session.scalars(select(Message).where(Message.report_id == report.id)
                                   .order_by(Message.created_at)):
            body = json.loads(vault.decrypt_blob(keys[msg.data_key_id], msg.staff_box,
                                                 message_context(report.id, msg.id)))
            author_row = session.get(Staff, msg.author_id) if msg.author_id else None
            author = author_row.display_name if author_row else None
            messages.append(CaseMessage(msg.id, msg.direction, author, body["text"], msg.created_at))
        trail.record(session, staff.username, "report.viewed", report.id)
        mark_read(session, staff.id, report.id)
        return CaseView(report, clue, files, messages)


def open_attachment(rt: Runtime, staff_id: int, attachment_id: str,
                    report_id: str | None = None) -> tuple[str, str, bytes]:
    """One evidence file (name, type, bytes) for a staff member allowed to read its clue;
    ``report_id``, if given, must be the clue the file belongs to."""
    with rt.stores.case() as session:
        staff = acting(session, staff_id)
        att = session.get(Attachment, attachment_id)
        if att is None or (report_id is not None and att.report_id != report_id):
            raise NotFound
        report = load_case(session, staff, att.report_id, read_only=True, what="attachment")
        sealed = session.get(DataKey, att.data_key_id)
        if sealed is None:
            raise NotFound
        key = vault.open_data_key(sealed.sealed, rt.require_private(),
                                  data_key_context(report.id, sealed.id))
        name, mime, data = unpack_file(vault.decrypt_blob(key, att.blob,
                                                          file_context(report.id, att.id)))
        trail.record(session, staff.username, "attachment.viewed", report.id, attachment=att.id)
        return name, mime, data


def open_record_file(rt: Runtime, staff_id: int, file_id: str) -> tuple[str, str, bytes]:
    """A file of a check note, conclusion or feedback (name, type, bytes) for a staff member allowed
    to read its clue; the read is audited. LookupError or NotFound if there is no such file."""
    with rt.stores.case() as session:
        report_id, name, mime, data = read_record_file(rt, session, file_id)
        staff = acting(session, staff_id)
        load_case(session, staff, report_id)
        trail.record(session, staff.username, "record_file.viewed", report_id, file=file_id)
        return name, mime, data


def reply_to_reporter(rt: Runtime, staff_id: int, report_id: str, text: str,
                      uploads: list[Upload] | None = None) -> str:
    """Send a message to the reporter (R6); returns the message id."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": N_("Write a message.")})
    if len(text) > rt.config.max_text_chars:
        raise InvalidInput({"text": N_("The message is too long.")})
    files = check_uploads(uploads or [], rt.config)
    with rt.stores.case() as session:
        staff = acting(session, staff_id)
        report = load_case(session, staff, report_id)
        if report.state in {"destroyed"}:
            raise WrongState
        row = seal_message(rt, session, report, "staff", text, files, author_id=staff.id)
        trail.record(session, staff.username, "message.sent", report.id, message=row.id)
        return row.id
