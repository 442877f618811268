"""The inbox as a work queue: filters, search, sorting, columns, fast at a million clues.

Every query is built on ``visible_cases`` (need-to-know, R20). Two things keep the page fast on a
large store: the count is capped (``COUNT_CAP``: "1000+" rather than counting every visible row),
and each sort order walks an index (created_at, or the clue's one running deadline ``due_on``),
so the database reads a page's worth of rows, not the table.

Search by registry number is a plain lookup. Search by person or keyword has to read clue content,
which is encrypted (R8): it decrypts the newest ``KEYWORD_SCAN`` clues that match the other
filters, says how many it read, and records that a search ran (never the words searched for).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased, lazyload, load_only

import vault
from models.audit import trail
from models.cases import casework
from models.cases.deadlines import due_status, local_today
from models.cases.tables import ClueTrack
from models.cases.waiting import awaiting_approval_filter, overdue_filter, unread_for_me, unread_ids
from models.confidentiality.need_to_know import can_read_case, visible_cases
from models.reporting.registry import format_registry_no
from models.reporting.sealed import data_key_context, report_context
from models.reporting.tables import DataKey, Report
from models.staff.tables import Staff, Unit
from models.store.runtime import Runtime

COUNT_CAP = 1000
PLACE_CHARS, GIST_CHARS = 24, 40  # what a row shows of the clue's place and facts
KEYWORD_SCAN = 500
SORTS = ("newest", "oldest", "due")
REGISTRY_NO = re.compile(r"^\s*(\d{4})-0*(\d{1,9})\s*$")


@dataclass(frozen=True)
class InboxQuery:
    """What the staff member asked for; unknown values were dropped by the page already."""

    q: str = ""
    category: str | None = None
    state: str | None = None
    unit_id: int | None = None
    handler_id: int | None = None
    due_before: date | None = None
    overdue: bool = False
    awaiting_approval: bool = False
    unread: bool = False
    sort: str = "newest"
    page: int = 1
    # Conditions from higher domains (e.g. the risk filter of models.protection), on Report.
    extra: tuple[ColumnElement[bool], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class InboxRow:
    id: str
    registry_no: str
    created_at: datetime
    category: str
    source: str
    channel: str
    state: str
    confidential: bool
    unit_name: str
    handler_name: str
    due_kind: str | None
    due_on: date | None
    due_status: str | None
    awaiting_approval: bool
    unread: bool
    # The place and the first words of the facts, so rows that look alike can be told apart (#27
    # item 11): decrypted for this page only, for a reader who may read the clue (R20); never stored.
    place: str = ""
    gist: str = ""

    @property
    def report_id(self) -> str:
        """The clue's id under the name web/staff/marking.py looks for, so a listing is marked (R19)."""
        return self.id


@dataclass(frozen=True)
class WorkPage:
    rows: list[InboxRow]
    total: int          # capped at COUNT_CAP
    capped: bool        # more than COUNT_CAP match
    page: int
    has_next: bool
    scanned: int | None = None  # clues read for a keyword search


def registry_number(q: str) -> str | None:
    """'2026-123' or '2026-000123' as the stored registry number, else None."""
    m = REGISTRY_NO.match(q)
    return format_registry_no(int(m.group(1)), int(m.group(2))) if m else None


# The columns a list shows: never the joined unit and handler rows; the content only of the page's
# rows, for their summaries.
LISTED = (Report.id, Report.registry_no, Report.created_at, Report.category, Report.source, Report.channel,
          Report.state, Report.confidential, Report.unit_id, Report.handler_id)


def _query(rt: Runtime, staff: Staff, wanted: InboxQuery) -> Select[Any]:
    query = select(Report).options(load_only(*LISTED), lazyload(Report.unit), lazyload(Report.handler)) \
        .where(visible_cases(staff))
    if wanted.category:
        query = query.where(Report.category == wanted.category)
    if wanted.state:
        query = query.where(Report.state == wanted.state)
    if wanted.unit_id is not None:
        query = query.where(Report.unit_id == wanted.unit_id)
    if wanted.handler_id is not None:
        query = query.where(Report.handler_id == wanted.handler_id)
    if wanted.overdue:
        query = query.where(overdue_filter(rt))
    if wanted.awaiting_approval:
        query = query.where(awaiting_approval_filter())
    if wanted.unread:
        query = query.where(Report.id.in_(unread_for_me(staff)))
    if wanted.due_before is not None or wanted.sort == "due":
        query = query.join(ClueTrack, ClueTrack.report_id == Report.id).where(ClueTrack.due_on.is_not(None))
        if wanted.due_before is not None:
            query = query.where(ClueTrack.due_on <= wanted.due_before)
    for condition in wanted.extra:
        query = query.where(condition)
    return query


def _ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort == "due":
        return query.order_by(ClueTrack.due_on, Report.id)
    if sort == "oldest":
        return query.order_by(Report.created_at, Report.id)
    return query.order_by(Report.created_at.desc(), Report.id)


def _shorten(text: object, limit: int) -> str:
    words = " ".join(str(text or "").split())
    return words if len(words) <= limit else words[:limit].rstrip() + "…"


def _summaries(rt: Runtime, session: Session, staff: Staff, reports: list[Report]) -> dict[str, tuple[str, str]]:
    """(place, first words of the facts) of each clue on the page that ``staff`` may read.

    The list's query already keeps to the clues the reader handles; each clue is asked again
    (``can_read_case``) before its key is opened, so a summary never outruns need-to-know (R20).
    Nothing of it is written anywhere: it lives in this page's rows only.
    """
    readable = [r for r in reports if can_read_case(session, staff, r)]
    if not readable:
        return {}
    private = rt.require_private()
    keys = {k.id: k for k in session.scalars(select(DataKey).where(DataKey.id.in_([r.data_key_id for r in readable])))}
    out = {}
    for r in readable:
        sealed = keys.get(r.data_key_id)
        if sealed is None:
            continue
        key = vault.open_data_key(sealed.sealed, private, data_key_context(r.id, sealed.id))
        clue = json.loads(vault.decrypt_blob(key, r.content, report_context(r.id)))
        out[r.id] = (_shorten(clue.get("location"), PLACE_CHARS), _shorten(clue.get("description"), GIST_CHARS))
    return out


def _rows(rt: Runtime, session: Session, staff: Staff, reports: list[Report]) -> list[InboxRow]:
    """The columns of one page, in three queries (names, track, data keys) whatever the page size."""
    ids = [r.id for r in reports]
    if not ids:
        return []
    summaries = _summaries(rt, session, staff, reports)
    handler = aliased(Staff)
    today = local_today(rt.config)
    extra = {row[0]: row[1:] for row in session.execute(
        select(Report.id, Unit.name, handler.display_name, ClueTrack.due_kind, ClueTrack.due_on,
               ClueTrack.awaiting_approval)
        .where(Report.id.in_(ids))
        .outerjoin(Unit, Unit.id == Report.unit_id).outerjoin(handler, handler.id == Report.handler_id)
        .outerjoin(ClueTrack, ClueTrack.report_id == Report.id))}
    unread = unread_ids(session, staff, ids)
    rows = []
    for r in reports:
        unit, hname, due_kind, due, waiting = extra.get(r.id, (None, None, None, None, None))
        rows.append(InboxRow(r.id, r.registry_no, r.created_at, r.category, r.source, r.channel, r.state,
                             r.confidential, unit or "", hname or "", due_kind, due,
                             due_status(due, today) if due else None,
                             bool(waiting) and r.state == "concluded", r.id in unread,
                             *summaries.get(r.id, ("", ""))))
    return rows


def _searchable(clue: dict[str, Any]) -> str:
    parts: list[str] = [str(clue.get(k) or "") for k in ("description", "location", "occurred_on")]
    for group in ("reported", "shielding"):
        for person in clue.get(group) or []:
            if isinstance(person, dict):
                parts += [str(v) for v in person.values() if v]
    return "\n".join(parts).casefold()


def _keyword_matches(rt: Runtime, session: Session, reports: list[Report], words: list[str]) -> list[Report]:
    private = rt.require_private()
    keys = {k.id: k for k in session.scalars(select(DataKey).where(DataKey.id.in_([r.data_key_id for r in reports])))}
    found = []
    for r in reports:
        sealed = keys.get(r.data_key_id)
        if sealed is None:
            continue
        key = vault.open_data_key(sealed.sealed, private, data_key_context(r.id, sealed.id))
        text = _searchable(json.loads(vault.decrypt_blob(key, r.content, report_context(r.id))))
        if all(w in text for w in words):
            found.append(r)
    return found


def list_work(rt: Runtime, staff_id: int, wanted: InboxQuery) -> WorkPage:
    """One page of the work queue for this staff member (need-to-know applies, R20)."""
    size = casework.PAGE_SIZE
    page = max(1, wanted.page)
    with rt.stores.case() as session:
        staff = casework.acting(session, staff_id)
        query = _query(rt, staff, wanted)
        q = wanted.q.strip()
        number = registry_number(q) if q else None
        if number:
            query = query.where(Report.registry_no == number)
        elif q:
            # The keyword search reads the content: this one query loads it.
            candidates = list(session.scalars(_ordered(query, wanted.sort).options(
                load_only(*LISTED, Report.content, Report.data_key_id)).limit(KEYWORD_SCAN)))
            words = [w.casefold() for w in q.split()][:10]
            matches = _keyword_matches(rt, session, candidates, words)
            trail.record(session, staff.username, "reports.searched", None, scanned=len(candidates),
                         matches=len(matches))
            chunk = matches[(page - 1) * size: page * size]
            return WorkPage(_rows(rt, session, staff, chunk), len(matches), False, page,
                            len(matches) > page * size, scanned=len(candidates))
        total = session.scalar(select(func.count()).select_from(
            query.with_only_columns(Report.id).limit(COUNT_CAP + 1).subquery())) or 0
        reports = list(session.scalars(_ordered(query, wanted.sort).options(
            load_only(*LISTED, Report.content, Report.data_key_id)).offset((page - 1) * size).limit(size + 1)))
        return WorkPage(_rows(rt, session, staff, reports[:size]), min(total, COUNT_CAP), total > COUNT_CAP,
                        page, len(reports) > size)


@dataclass(frozen=True)
class Choices:
    units: list[tuple[int, str]]
    handlers: list[tuple[int, str, str]]  # (staff id, display name, unit name)


def filter_choices(rt: Runtime) -> Choices:
    """Units and handlers for the inbox's filters (names only; no clue is read)."""
    with rt.stores.case() as session:
        units = [(uid, name) for uid, name in session.execute(select(Unit.id, Unit.name).order_by(Unit.name))]
        names = dict(units)
        # Names only: never the accounts' whole rows (password hashes, sealed TOTP seeds) per page.
        handlers = [(sid, display or username, names.get(unit_id or 0, ""))
                    for sid, display, username, unit_id in session.execute(
                        select(Staff.id, Staff.display_name, Staff.username, Staff.unit_id)
                        .where(Staff.active.is_(True), Staff.role.in_(("intake", "unit_head")))
                        .order_by(Staff.unit_id, Staff.display_name))]
        return Choices(units, handlers)
