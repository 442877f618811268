"""Intake and follow-up: the one workflow every front end calls (web form, JSON API, bot, staff).

Clue content, files and messages are encrypted at once to the intake key (the public side cannot
read them back; how, and under which contexts, is ``sealed``); the identity, if any, goes sealed
into the vault store. A submission is stored whole or not at all: the vault is written first, and
removed again if the case store fails.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

import vault
from models.audit import trail
from models.identities.sealing import (
    IDENTITY_FIELDS,
    delete_identity,
    new_addition_key,
    seal_addition,
    store_identity,
)
from models.reporting import idempotency, limits
from models.reporting.categories import CATEGORIES, SOURCES
from models.reporting.files import CleanFile, Upload, check_uploads
from models.reporting.received import ReporterFile, reporter_files
from models.reporting.registry import next_registry_no
from models.reporting.sealed import (
    data_key_context,
    file_context,
    message_context,
    report_context,
    reporter_file_context,
    seal_file,
)
from models.reporting.tables import Attachment, DataKey, Message, Report
from models.store.errors import InvalidInput, ReceiptNotFound
from models.store.i18n import N_
from models.store.runtime import Runtime
from models.store.text import UNREADABLE, digits, is_readable


@dataclass
class Person:
    """Someone reported (被举报人) or an official suspected of shielding them (保护伞)."""

    name: str = ""
    unit: str = ""
    position: str = ""
    place: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


@dataclass
class Submission:
    """A clue as a front end collected it. ``identity`` None means anonymous (R2)."""

    category: str
    description: str
    notice_accepted: bool
    location: str = ""
    occurred_on: str = ""
    reported: list[Person] = field(default_factory=list)
    shielding: list[Person] = field(default_factory=list)
    identity: dict[str, str] | None = None
    files: list[Upload] = field(default_factory=list)
    channel: str = "web"
    source: str = "public"


@dataclass(frozen=True)
class Receipt:
    """What the reporter gets back once: the registry number and the 16-digit code (R5).

    ``repeated`` marks a form sent again (see ``idempotency``): the report filed the first time;
    its ``code`` is empty once the short window for showing it again has passed.
    """

    registry_no: str
    code: str
    report_id: str
    repeated: bool = False
    filed_at: datetime | None = None


@dataclass(frozen=True)
class ReporterMessage:
    sender: str  # "staff" or "reporter"
    text: str
    at: datetime
    files: tuple[ReporterFile, ...] = ()


@dataclass(frozen=True)
class ReporterStatus:
    registry_no: str
    status: str
    messages: list[ReporterMessage]
    report_id: str
    files: tuple[ReporterFile, ...] = ()


# The reporter sees a coarse status only, never internal states, units or authorities.
COARSE_STATUS = {
    "received": "received",
    "registered": "handling",
    "checking": "handling",
    "concluded": "handling",
    "transferred": "handed_on",
    "feedback_received": "handed_on",
    "closed": "closed",
    "archived": "closed",
    "merged": "closed",
    "not_accepted": "closed",
}
STATUS_LABELS = {
    "received": N_("Received"),
    "handling": N_("Being handled"),
    "handed_on": N_("Handed on to the competent authority"),
    "closed": N_("Closed"),
}


def _clean_text(value: object) -> str:
    # A NUL or lone surrogate is kept here so that ``validate`` refuses it (models.store.text); nothing
    # is cut: ``validate`` refuses an over-long field, whichever front end sent it (issue 23).
    text = value if isinstance(value, str) else ""
    return text.strip()


def _unreadable(sub: Submission) -> dict[str, str]:
    """Fields holding a NUL or a lone surrogate, by the error key the form shows them under."""
    groups = {
        "category": [sub.category], "description": [sub.description], "location": [sub.location],
        "occurred_on": [sub.occurred_on],
        "reported": [v for p in (*sub.reported, *sub.shielding) for v in vars(p).values()],
        "identity": [str(k) + str(v) for k, v in (sub.identity or {}).items()],
    }
    return {name: UNREADABLE for name, values in groups.items()
            if not all(is_readable(v) for v in values if isinstance(v, str))}


def fields_of(sub: Submission) -> dict[str, str]:
    """The submission's texts by the names the web form gives its fields (``location``,
    ``reported-0-name``, ``identity-phone``): what ``limits`` checks, and where a front end shows it."""
    fields = {"description": sub.description, "location": sub.location, "occurred_on": sub.occurred_on}
    for group, people in (("reported", sub.reported), ("shielding", sub.shielding)):
        fields |= {f"{group}-{i}-{part}": value for i, person in enumerate(people)
                   for part, value in vars(person).items()}
    fields |= {f"identity-{key}": value for key, value in (sub.identity or {}).items()}
    return fields


def validate(sub: Submission, max_chars: int) -> None:
    """Check a submission; every problem is reported at once, per field (R3, R4). A field over its
    limit (``limits``) is refused, never cut, whichever front end sent it (issue 23)."""
    errors = _unreadable(sub)  # kept first: unreadable text is the message its field shows
    if sub.category not in CATEGORIES:
        errors.setdefault("category", N_("Choose a category."))
    if not sub.description.strip():
        errors.setdefault("description", N_("Describe what happened."))
    if not sub.notice_accepted:
        errors["notice_accepted"] = N_("Please confirm that you have read the notice.")
    if len(sub.reported) > limits.MAX_PEOPLE or len(sub.shielding) > limits.MAX_PEOPLE:
        errors["reported"] = N_("Too many people listed.")
    if sub.source not in SOURCES:
        errors["source"] = N_("Choose where the clue came from.")
    if sub.identity is not None and not any(str(v).strip() for v in sub.identity.values()):
        errors["identity"] = N_("Give at least one way to identify or reach you, or report anonymously.")
    over = {name: p for name, p in limits.too_long(fields_of(sub), max_chars).items() if name not in errors}
    errors |= {name: p.message for name, p in over.items()}
    if errors:
        raise InvalidInput(errors, field_params={name: p.params for name, p in over.items()})


def normalise(sub: Submission, max_chars: int) -> Submission:
    """Trim text and drop empty people, so what is stored is what was meant."""
    def people(items: list[Person]) -> list[Person]:
        cleaned = [Person(*(_clean_text(getattr(p, f)) for f in ("name", "unit", "position", "place")))
                   for p in items]
        return [p for p in cleaned if p.as_dict()]

    identity = None
    if sub.identity is not None:
        identity = {k: _clean_text(v) for k, v in sub.identity.items() if v}
    return Submission(
        category=sub.category,
        description=_clean_text(sub.description),
        notice_accepted=bool(sub.notice_accepted),
        location=_clean_text(sub.location),
        occurred_on=_clean_text(sub.occurred_on),
        reported=people(sub.reported),
        shielding=people(sub.shielding),
        identity=identity,
        files=sub.files,
        channel=sub.channel,
        source=sub.source,
    )


def _clue_document(sub: Submission) -> bytes:
    return json.dumps(
        {
            "category": sub.category,
            "description": sub.description,
            "location": sub.location,
            "occurred_on": sub.occurred_on,
            "reported": [p.as_dict() for p in sub.reported],
            "shielding": [p.as_dict() for p in sub.shielding],
        },
        ensure_ascii=False,
    ).encode()


def _add_files(session: Session, report_id: str, key_id: str, key: bytes, files: list[CleanFile],
               message_id: str | None = None, reporter_public: bytes | None = None) -> None:
    for f in files:
        att_id = str(uuid.uuid4())
        meta, blob = seal_file(key, f, file_context(report_id, att_id))
        # The reporter's own list of what arrived: name and type sealed to their receipt key.
        header = json.dumps({"filename": f.filename, "mime": f.mime}, ensure_ascii=False).encode()
        reporter_meta = (vault.seal_to_reporter(reporter_public, header, reporter_file_context(report_id, att_id))
                         if reporter_public else None)
        session.add(Attachment(id=att_id, report_id=report_id, message_id=message_id, data_key_id=key_id,
                               kind=f.kind, size=len(f.data), meta=meta, blob=blob,
                               reporter_meta=reporter_meta))


def _earlier_submission(rt: Runtime, lookup: bytes, code: str) -> Receipt | None:
    """The report a resent form already filed, if any; the resend is audited, not filed."""
    with rt.stores.case() as session:
        # Only the columns the receipt needs: loading the Report would join its unit and handler,
        # staff tables the public app's database role may not read (models/datadir/roles.py).
        report = session.execute(select(Report.id, Report.registry_no, Report.created_at)
                                 .where(Report.receipt_lookup == lookup)).first()
        if report is None:
            return None
        trail.record(session, "reporter", "report.resend_ignored", report.id)
        again = idempotency.within_window(report.created_at)
        return Receipt(report.registry_no, code if again else "", report.id, repeated=True,
                       filed_at=report.created_at)


def submit_report(rt: Runtime, sub: Submission, actor: str | None = None, token: str | None = None) -> Receipt:
    """Take in one clue: validate, encrypt, seal the identity, register a number, audit.

    With a submission ``token`` (the web form's), sending the same form again files nothing
    and returns the first filing's receipt (see ``idempotency``).
    """
    cfg = rt.config
    sub = normalise(sub, cfg.max_text_chars)
    validate(sub, cfg.max_text_chars)
    files = check_uploads(sub.files, cfg)

    token = token if idempotency.valid_token(token) else None
    code = idempotency.receipt_for_token(rt, token) if token else vault.new_receipt()
    keys = rt.run_argon2(vault.derive_receipt_keys, code, rt.site_salt, cfg.argon2)
    if token and (earlier := _earlier_submission(rt, keys.lookup, code)):
        return earlier
    report_id, key_id = str(uuid.uuid4()), str(uuid.uuid4())
    data_key = vault.new_data_key(rt.intake_public, data_key_context(report_id, key_id))

    identity_id, addition_key = None, None
    if sub.identity is not None:
        # Metadata stripped from photos can identify the reporter: it is sealed with the
        # identity. An anonymous reporter gave no identity, so theirs is discarded (R2, R7).
        identity: dict[str, object] = {k: v for k, v in sub.identity.items() if k in IDENTITY_FIELDS
                                       or k.startswith("telegram_")}
        metadata = _removed_metadata(files)
        if metadata:
            identity["file_metadata"] = metadata
        addition_key = new_addition_key(identity)
        identity_id = store_identity(rt.stores, report_id, identity)

    try:
        with rt.stores.case() as session:
            # The registry year is the local one (R13): a clue of 00:30 on 1 January in Beijing
            # belongs to the new year although UTC is still in the old one.
            registry_no, seq = next_registry_no(session, datetime.now(ZoneInfo(cfg.timezone)).year,
                                                cfg.registry_series)
            session.add(Report(
                id=report_id, registry_no=registry_no, reg_year=int(registry_no[:4]), reg_seq=seq,
                category=sub.category, channel=sub.channel, source=sub.source, state="received",
                confidential=identity_id is not None, data_key_id=key_id,
                content=vault.encrypt_blob(data_key.key, _clue_document(sub), report_context(report_id)),
                receipt_lookup=keys.lookup, reporter_public_key=keys.reporter_public,
                identity_id=identity_id,
                identity_addition_key=addition_key,
            ))
            session.flush()
            session.add(DataKey(id=key_id, report_id=report_id, sealed=data_key.sealed))
            _add_files(session, report_id, key_id, data_key.key, files, reporter_public=keys.reporter_public)
            trail.record(session, actor or f"reporter:{sub.channel}", "report.submitted", report_id,
                         registry_no=registry_no, channel=sub.channel, source=sub.source,
                         files=len(files), confidential=identity_id is not None)
    except BaseException as exc:
        if identity_id is not None:
            delete_identity(rt.stores, identity_id)
        # A double tap: two requests of one form raced, and the other one filed it first.
        if token and isinstance(exc, IntegrityError) and (earlier := _earlier_submission(rt, keys.lookup, code)):
            return earlier
        raise
    return Receipt(registry_no, code, report_id)


_DUMMY_RECEIPT = "0" * vault.receipt.RECEIPT_DIGITS


def find_by_receipt(rt: Runtime, session: Session, code: str) -> tuple[Report, vault.ReceiptKeys]:
    """The report a receipt opens. Always one Argon2id run, whatever is wrong with the code."""
    # NFKC first (models.store.text), so full-width digits from a Chinese input method count;
    # the bot, the form and the API all look receipts up here.
    code_digits = vault.normalize_receipt(digits(code if isinstance(code, str) else ""))
    well_formed = len(code_digits) == vault.receipt.RECEIPT_DIGITS
    keys = rt.run_argon2(vault.derive_receipt_keys, code_digits if well_formed else _DUMMY_RECEIPT,
                         rt.site_salt, rt.config.argon2)
    # Not the eager joins to the handler and unit: the public app's database role may not read
    # staff rows at all (models/datadir/roles.py).
    report = session.scalar(select(Report).options(lazyload("*")).where(Report.receipt_lookup == keys.lookup))
    if report is None or not well_formed:
        raise ReceiptNotFound
    return report, keys


def reporter_status(rt: Runtime, code: str) -> ReporterStatus:
    """What the holder of a receipt may see: a coarse status and the messages (R5, R6)."""
    with rt.stores.case() as session:
        report, keys = find_by_receipt(rt, session, code)
        # The key the report stores decides the suite: a hybrid report's key opens no classical
        # value (R32); a report stored before R32 keeps its classical key and messages.
        private = keys.private_for(report.reporter_public_key or b"")
        rows = session.scalars(
            select(Message).where(Message.report_id == report.id).order_by(Message.created_at)
        ).all()
        files = reporter_files(session, report.id, private)
        messages = []
        for row in rows:
            if row.reporter_box is None:
                continue
            body = json.loads(vault.open_as_reporter(private, row.reporter_box,
                                                     message_context(report.id, row.id)))
            messages.append(ReporterMessage(row.direction, body["text"], row.created_at,
                                            tuple(files.get(row.id, ()))))
        trail.record(session, "reporter", "report.status_viewed", report.id)
        return ReporterStatus(report.registry_no, COARSE_STATUS.get(report.state, "handling"),
                              messages, report.id, tuple(files.get(None, ())))


def receipt_files(rt: Runtime, code: str) -> tuple[ReporterFile, ...]:
    """The files that arrived with a report, for its receipt page."""
    with rt.stores.case() as session:
        report, keys = find_by_receipt(rt, session, code)
        private = keys.private_for(report.reporter_public_key or b"")
        return tuple(reporter_files(session, report.id, private).get(None, ()))


def seal_message(rt: Runtime, session: Session, report: Report, direction: str, text: str,
                 files: list[CleanFile], author_id: int | None = None) -> Message:
    """Store a message twice sealed: for staff (intake key) and for the reporter (receipt key)."""
    message_id, key_id = str(uuid.uuid4()), str(uuid.uuid4())
    data_key = vault.new_data_key(rt.intake_public, data_key_context(report.id, key_id))
    body = json.dumps({"text": text}, ensure_ascii=False).encode()
    context = message_context(report.id, message_id)
    row = Message(
        id=message_id, report_id=report.id, direction=direction, author_id=author_id,
        data_key_id=key_id, staff_box=vault.encrypt_blob(data_key.key, body, context),
        reporter_box=(vault.seal_to_reporter(report.reporter_public_key, body, context)
                      if report.reporter_public_key else None),
    )
    session.add(DataKey(id=key_id, report_id=report.id, sealed=data_key.sealed))
    session.add(row)
    session.flush()
    _add_files(session, report.id, key_id, data_key.key, files, message_id, report.reporter_public_key)
    return row


def add_follow_up(rt: Runtime, code: str, text: str, uploads: list[Upload] | None = None) -> str:
    """The reporter answers or adds information or files (R5, R6); returns the registry number."""
    text = _clean_text(text)
    uploads = uploads or []
    if not is_readable(text):
        raise InvalidInput({"text": UNREADABLE})
    if not text and not uploads:
        raise InvalidInput({"text": N_("Write a message or attach a file.")})
    if len(text) > rt.config.max_text_chars:
        raise InvalidInput({"text": N_("The message is too long.")})
    files = check_uploads(uploads, rt.config)
    with rt.stores.case() as session:
        report, _keys = find_by_receipt(rt, session, code)
        metadata = _removed_metadata(files)
        # Sealed beside the identity, as at intake (R7); an anonymous report has no identity to
        # seal it beside, so it is discarded. Sealed first: a failure after it leaves an addition
        # nobody reads, never metadata lost from a follow-up that was stored.
        sealed = bool(metadata and report.identity_id and report.identity_addition_key)
        if sealed:
            seal_addition(rt.stores, str(report.identity_id), report.id, bytes(report.identity_addition_key or b""),
                          {"file_metadata": metadata})
        seal_message(rt, session, report, "reporter", text, files)
        trail.record(session, "reporter", "report.follow_up", report.id, files=len(files),
                     metadata_sealed=sealed)
        return report.registry_no


def _removed_metadata(files: list[CleanFile]) -> dict[str, dict[str, object]]:
    """What cleaning removed, per file and with the name the reporter gave it (sealed, never shown
    to the clerk)."""
    return {f"file{i + 1}": {"file_name": f.filename, **f.removed_metadata}
            for i, f in enumerate(files) if f.removed_metadata}
