"""Protecting reporters (R11): retaliation risk per clue, the measures taken, the protection board.

Reasons and measures are free text about a person at risk, so they are encrypted like clue
content (a data key sealed to the intake key, shredded with the report); levels, dates and who
acted are plain so the board can sort and the audit log can name them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

import vault
from models.audit import trail
from models.cases.casework import load_case
from models.confidentiality.need_to_know import visible_cases
from models.protection.tables import ProtectionCase, ProtectionMeasure
from models.reporting.sealed import data_key_context, measure_context
from models.reporting.tables import DataKey, Report
from models.staff import acting
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import InvalidInput
from models.store.i18n import N_
from models.store.runtime import Runtime
from models.store.text import clean_text

RISK_LEVELS = {
    "none": N_("No known risk"),
    "low": N_("Low risk"),
    "medium": N_("Medium risk"),
    "high": N_("High risk"),
    "imminent": N_("Imminent danger"),
}
RANK = {level: i for i, level in enumerate(RISK_LEVELS)}
HIGH_RISK = frozenset({"high", "imminent"})


def risk_filter(value: str) -> ColumnElement[bool] | None:
    """The inbox's filter by risk ("high", or one level) as a query condition; None if unknown."""
    levels = HIGH_RISK if value == "high" else ({value} if value in RISK_LEVELS else set())
    if not levels:
        return None
    return Report.id.in_(select(ProtectionCase.report_id).where(ProtectionCase.level.in_(levels)))
OFFICER = "protection_officer"
READERS = frozenset({OFFICER, "unit_head"})
SET_RISK = acting.declare("protection.set_risk", {OFFICER}, refused="protection.refused", event="protection.risk_set")
RECORD_MEASURE = acting.declare("protection.record_measure", {OFFICER}, refused="protection.refused",
                                event="protection.measure_recorded")
VIEW = acting.declare("protection.protection_view", READERS, refused="protection.refused", event="protection.viewed")
BOARD = acting.declare("protection.protection_board", READERS, refused="protection.refused")
MAX_TEXT = 4000


@dataclass(frozen=True)
class Measure:
    id: str
    what: str
    taken_on: date
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class ProtectionView:
    report_id: str
    registry_no: str
    level: str | None
    reasons: str
    assessed_by: str | None
    assessed_at: datetime | None
    measures: list[Measure]


@dataclass(frozen=True)
class BoardRow:
    report_id: str
    registry_no: str
    level: str
    opened_at: datetime
    assessed_at: datetime
    measures: int
    last_measure: date | None


def _seal_text(rt: Runtime, session: Session, report_id: str, text: str, kind: str) -> tuple[str, bytes]:
    """Encrypt one note under its own data key (sealed to the intake key); returns (key id, blob)."""
    key_id = str(uuid.uuid4())
    data_key = vault.new_data_key(rt.intake_public, data_key_context(report_id, key_id))
    session.add(DataKey(id=key_id, report_id=report_id, sealed=data_key.sealed))
    body = json.dumps({"text": text}, ensure_ascii=False).encode()
    return key_id, vault.encrypt_blob(data_key.key, body, measure_context(kind, report_id, key_id))


def _open_text(rt: Runtime, session: Session, report_id: str, key_id: str, blob: bytes, kind: str) -> str:
    sealed = session.get(DataKey, key_id)
    if sealed is None:
        return ""
    key = vault.open_data_key(sealed.sealed, rt.require_private(), data_key_context(report_id, key_id))
    return str(json.loads(vault.decrypt_blob(key, blob, measure_context(kind, report_id, key_id)))["text"])


def _text(value: object, field: str, missing: str | None) -> str:
    """Clean free text; ``missing`` is the message if it must not be empty."""
    return clean_text(value, field, MAX_TEXT, missing or False, N_("This protection note is too long."))


def set_risk(rt: Runtime, staff_id: int, report_id: str, level: str, reasons: str) -> None:
    """Assess the reporter's retaliation risk (none … imminent) with the reasons for it."""
    if level not in RISK_LEVELS:
        raise InvalidInput({"level": N_("Choose a risk level.")})
    reasons = _text(reasons, "reasons", N_("Write the reasons for this risk level.") if level != "none" else None)
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, SET_RISK.name, report_id=report_id)
        report = load_case(session, staff, report_id)
        row = session.get(ProtectionCase, report.id)
        previous = row.level if row else None
        key_id, blob = _seal_text(rt, session, report.id, reasons, "protection-risk")
        now = utcnow()
        if row is None:
            row = ProtectionCase(report_id=report.id, opened_at=now)
            session.add(row)
        else:
            # The old reasons' key goes with them: nothing stale stays decryptable.
            session.execute(delete(DataKey).where(DataKey.id == row.data_key_id))
        row.level, row.rank, row.data_key_id, row.reasons = level, RANK[level], key_id, blob
        row.assessed_by, row.assessed_at = staff.id, now
        trail.record(session, staff.username, "protection.risk_set", report.id, level=level,
                     previous=previous)


def local_today(rt: Runtime) -> date:
    """Today where the office is (CLUEGUARD_TIMEZONE), not on the server's UTC clock: a measure
    taken at 00:58 Beijing time is dated that day (issue #27 item 9)."""
    return utcnow().astimezone(ZoneInfo(rt.config.timezone)).date()


def record_measure(rt: Runtime, staff_id: int, report_id: str, what: str, taken_on: date | None = None) -> str:
    """Log one protection measure: what was done, on which day, recorded by whom."""
    what = _text(what, "what", N_("Describe the protection measure."))
    today = local_today(rt)
    taken_on = taken_on or today
    if taken_on > today:
        raise InvalidInput({"taken_on": N_("The date cannot be in the future.")})
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, RECORD_MEASURE.name, report_id=report_id)
        report = load_case(session, staff, report_id)
        measure_id = str(uuid.uuid4())
        key_id, blob = _seal_text(rt, session, report.id, what, "protection-measure")
        session.add(ProtectionMeasure(id=measure_id, report_id=report.id, data_key_id=key_id, what=blob,
                                      taken_on=taken_on, recorded_by=staff.id, recorded_at=utcnow()))
        trail.record(session, staff.username, "protection.measure_recorded", report.id, measure=measure_id)
        return measure_id


def protection_view(rt: Runtime, staff_id: int, report_id: str) -> ProtectionView:
    """A clue's risk assessment and measures, decrypted for a protection officer or unit head."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, VIEW.name, report_id=report_id)
        report = load_case(session, staff, report_id)
        row = session.get(ProtectionCase, report.id)
        names = {s.id: s.display_name for s in session.scalars(select(Staff))}
        reasons = ""
        if row is not None:
            reasons = _open_text(rt, session, report.id, row.data_key_id, row.reasons, "protection-risk")
        measures = [
            Measure(m.id, _open_text(rt, session, report.id, m.data_key_id, m.what, "protection-measure"),
                    m.taken_on, names.get(m.recorded_by, "?"), m.recorded_at)
            for m in session.scalars(select(ProtectionMeasure).where(ProtectionMeasure.report_id == report.id)
                                     .order_by(ProtectionMeasure.taken_on.desc(), ProtectionMeasure.recorded_at))
        ]
        trail.record(session, staff.username, "protection.viewed", report.id)
        return ProtectionView(report.id, report.registry_no, row.level if row else None, reasons,
                              names.get(row.assessed_by) if row else None, row.assessed_at if row else None,
                              measures)


def protection_board(rt: Runtime, staff_id: int) -> list[BoardRow]:
    """Protection cases this officer may see, highest risk first, then the longest open."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, BOARD.name)
        counts = (select(ProtectionMeasure.report_id, func.count().label("n"),
                         func.max(ProtectionMeasure.taken_on).label("last"))
                  .group_by(ProtectionMeasure.report_id).subquery())
        rows = session.execute(
            select(ProtectionCase, Report.registry_no, counts.c.n, counts.c.last)
            .join(Report, Report.id == ProtectionCase.report_id)
            .outerjoin(counts, counts.c.report_id == ProtectionCase.report_id)
            .where(visible_cases(staff))
            .order_by(ProtectionCase.rank.desc(), ProtectionCase.opened_at, ProtectionCase.report_id)
        ).all()
        return [BoardRow(p.report_id, no, p.level, p.opened_at, p.assessed_at, n or 0, last)
                for p, no, n, last in rows]


def risk_levels(source: Session | Runtime, report_ids: Iterable[str]) -> dict[str, str]:
    """Risk level per report id (only those assessed), for flags in lists such as the inbox."""
    ids = list(set(report_ids))
    if not ids:
        return {}
    query = select(ProtectionCase.report_id, ProtectionCase.level).where(ProtectionCase.report_id.in_(ids))
    if isinstance(source, Session):
        return {rid: level for rid, level in source.execute(query)}
    with source.stores.case() as session:
        return {rid: level for rid, level in session.execute(query)}
